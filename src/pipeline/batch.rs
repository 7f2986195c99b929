//! Sources through fetch → read → normalize ([`fetch_batch`]) and into the store
//! ([`store_batch`]): the two halves of a batch of a build (see [`super::build`]), kept
//! apart so that `feedmill worker` can fetch while another process writes.

use std::collections::{BTreeMap, HashMap};
use std::time::Instant;

use chrono::{DateTime, Utc};

use super::full_text;
use super::pages::FetcherPages;
use super::process::{process_all, reading_rules, same_rules, Got};
use super::settle::settle_source;
use super::{ms, BuildError, BuildTimings, SourceReport};
use crate::config::{Config, Source, SourceKind};
use crate::fetch::{FetchMeta, Fetcher, Validators};
use crate::normalize::Normalizer;
use crate::scrape;
use crate::store::{self, BuildChanges, SourceState, SourceUpdate, Store};

/// What [`fetch_batch`] got: sources fetched, read and normalized (their full-text pages
/// too), nothing written to the store yet.
pub struct Fetched {
    pub(super) now: DateTime<Utc>,
    pub(super) reports: Vec<SourceReport>,
    pub(super) updates: Vec<SourceUpdate>,
    pub(super) same: Vec<bool>,
    pub(super) full_text: full_text::FullText,
    pub(super) timings: BuildTimings,
}

impl Fetched {
    /// One line per source fetched, in the order asked.
    pub fn reports(&self) -> &[SourceReport] {
        &self.reports
    }
}

/// Fetches, reads and normalizes one batch of sources (and the full text of their new
/// articles), reading the store only (kept article pages). `states` holds the sources'
/// remembered states; each fetched source's is taken out of it.
#[allow(clippy::too_many_arguments)]
pub(super) async fn fetch_batch(
    cfg: &Config,
    batch: &[Source],
    fetcher: &Fetcher,
    states: &mut BTreeMap<String, SourceState>,
    normalizer: &Normalizer,
    rules: &str,
    progress: bool,
    now: DateTime<Utc>,
    store: &(dyn Store + Send),
) -> Result<Fetched, BuildError> {
    let mut timings = BuildTimings::default();
    let started = Instant::now();
    let mut got = gather(cfg, batch, fetcher, states, progress).await;
    timings.fetch_ms = ms(started);
    let inputs: Vec<(&Source, Got, Option<String>)> = batch
        .iter()
        .map(|source| {
            let outcome = got.remove(&source.name).unwrap_or_else(|| {
                Got::Failed("source was not fetched".into(), FetchMeta::default())
            });
            let last = states.get(&source.name).and_then(|s| s.body_hash.clone());
            (source, outcome, last)
        })
        .collect();
    let started = Instant::now();
    let mut processed = process_all(inputs, normalizer, rules);
    timings.read_ms = ms(started);
    let started = Instant::now();
    let stored_pages = full_text::stored_pages(batch, &processed, store)?;
    let full_text =
        full_text::full_text(cfg, batch, &mut processed, fetcher, stored_pages, now).await;
    timings.full_text_ms = ms(started);
    let mut reports = Vec::with_capacity(batch.len());
    let mut updates = Vec::with_capacity(batch.len());
    let mut same = Vec::with_capacity(batch.len());
    for (source, processed) in batch.iter().zip(processed) {
        let previous = states.remove(&source.name).unwrap_or_default();
        let (report, update, same_document) = settle_source(source, processed, previous, now);
        reports.push(report);
        updates.push(update);
        same.push(same_document);
    }
    Ok(Fetched {
        now,
        reports,
        updates,
        same,
        full_text,
        timings,
    })
}

/// Stores what [`fetch_batch`] got in one store transaction, with `keep_only` and
/// `prune_before` as [`BuildChanges`] has them; returns the sources' reports with their
/// store counts, what the store did, and the batch's timings (store time included).
pub(super) fn store_batch(
    cfg: &Config,
    fetched: Fetched,
    store: &mut (dyn Store + Send),
    keep_only: Option<Vec<String>>,
    prune_before: Option<DateTime<Utc>>,
) -> Result<(Vec<SourceReport>, store::Applied, BuildTimings), BuildError> {
    let Fetched {
        now,
        mut reports,
        mut updates,
        same,
        full_text,
        mut timings,
    } = fetched;
    let started = Instant::now();
    full_text.hold(&mut updates);
    full_text.save(store)?;
    let applied = store.apply(&BuildChanges {
        now,
        sources: updates,
        keep_only,
        prune_before,
        stored_per_source: Some(cfg.limits.stored_per_source),
    })?;
    timings.store_ms = ms(started);
    for (r, same_document) in reports.iter_mut().zip(same) {
        if let Some(c) = applied.sources.get(&r.name) {
            r.articles = c.in_source;
            if c.capped > 0 {
                r.warnings.push(format!(
                    "source {}: {} of its oldest stored articles were deleted: a source keeps at most {} (limits.stored_per_source)",
                    r.name, c.capped, cfg.limits.stored_per_source
                ));
            }
            if same_document {
                // An identical document: its items are the articles it gave last time.
                r.items = c.in_source;
            }
            tracing::debug!(
                "source {}: {} new, {} updated, {} unchanged; {} stored",
                r.name,
                c.new,
                c.updated,
                c.unchanged,
                c.stored
            );
        }
    }
    Ok((reports, applied, timings))
}

/// Fetches every feed source and scrapes every HTML source, all at once within the
/// fetcher's limits.
async fn gather(
    cfg: &Config,
    sources: &[Source],
    fetcher: &Fetcher,
    states: &BTreeMap<String, SourceState>,
    progress: bool,
) -> HashMap<String, Got> {
    let (feeds, html): (Vec<Source>, Vec<Source>) = sources
        .iter()
        .cloned()
        .partition(|s| s.kind == SourceKind::Feed);
    let rules = reading_rules(cfg);
    // Validators only for sources whose stored articles were read under today's rules.
    let validators: HashMap<String, Validators> = feeds
        .iter()
        .filter_map(|source| {
            let s = states.get(&source.name)?;
            same_rules(s.body_hash.as_deref(), source, &rules)
                .then(|| (source.name.clone(), s.validators.clone()))
        })
        .collect();
    let scrapes = futures_util::future::join_all(html.iter().map(|source| async move {
        let started = Instant::now();
        let pages = FetcherPages::new(fetcher.clone(), source, cfg.fetch.per_host);
        let got = match scrape::scrape_source(source, &pages, &cfg.limits).await {
            Ok(outcome) => Got::Scraped(
                outcome,
                FetchMeta {
                    duration: started.elapsed(),
                    ..pages.meta()
                },
            ),
            Err(message) => Got::Failed(
                message,
                FetchMeta {
                    duration: started.elapsed(),
                    ..pages.meta()
                },
            ),
        };
        (source.name.clone(), got)
    }));
    let (fetched, scraped) =
        tokio::join!(fetcher.fetch_all(&feeds, &validators, progress), scrapes);
    fetched
        .into_iter()
        .map(|(n, o)| (n, Got::from(o)))
        .chain(scraped)
        .collect()
}
