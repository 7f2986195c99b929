//! One batch of sources through fetch → read → normalize → store (see [`super::build`]),
//! and how each source's outcome becomes its report and its part of the store update.

use std::collections::{BTreeMap, HashMap};
use std::time::Instant;

use chrono::{DateTime, Utc};

use super::full_text;
use super::pages::FetcherPages;
use super::process::{process_all, reading_rules, same_rules, Got, Processed, Reading};
use super::{ms, BuildError, BuildTimings, SourceReport, SourceStatus};
use crate::config::{Config, Source, SourceKind};
use crate::fetch::{FetchMeta, Fetcher, Validators};
use crate::normalize::Normalizer;
use crate::scrape;
use crate::store::{self, BuildChanges, SourceArticles, SourceState, SourceUpdate, Store};

/// What one batch of sources gave: their reports and what the store did with them.
pub(super) struct Batch {
    pub reports: Vec<SourceReport>,
    pub applied: store::Applied,
}

/// Fetches, reads, normalizes and stores one batch of sources (their full-text pages
/// too), their articles in one store transaction; the stages' times are added to
/// `timings`.
#[allow(clippy::too_many_arguments)]
pub(super) async fn run_batch(
    cfg: &Config,
    batch: &[Source],
    fetcher: &Fetcher,
    states: &mut BTreeMap<String, SourceState>,
    normalizer: &Normalizer,
    rules: &str,
    progress: bool,
    now: DateTime<Utc>,
    store: &mut (dyn Store + Send),
    timings: &mut BuildTimings,
) -> Result<Batch, BuildError> {
    let started = Instant::now();
    let mut got = gather(cfg, batch, fetcher, states, progress).await;
    timings.fetch_ms += ms(started);
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
    timings.read_ms += ms(started);
    let started = Instant::now();
    let stored_pages = full_text::stored_pages(batch, &processed, &*store)?;
    let full_text =
        full_text::full_text(cfg, batch, &mut processed, fetcher, stored_pages, now).await;
    timings.full_text_ms += ms(started);
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
    let started = Instant::now();
    full_text.hold(&mut updates);
    full_text.save(store)?;
    let applied = store.apply(&BuildChanges {
        now,
        sources: updates,
        keep_only: None,
        prune_before: None,
        stored_per_source: Some(cfg.limits.stored_per_source),
    })?;
    timings.store_ms += ms(started);
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
    Ok(Batch { reports, applied })
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

/// Turns what one source gave into its report and its part of the store update; whenever
/// this build got nothing usable from the source, its stored articles stay as they are.
/// The flag says the document was the same as last time (not read again).
fn settle_source(
    source: &Source,
    processed: Processed,
    previous: SourceState,
    now: DateTime<Utc>,
) -> (SourceReport, SourceUpdate, bool) {
    let mut next = previous;
    let Processed { fetch, reading } = processed;
    let mut report = SourceReport {
        name: source.name.clone(),
        url: source.url.to_string(),
        status: SourceStatus::Ok,
        error: None,
        items: 0,
        articles: 0,
        from_last_good: false,
        warnings: Vec::new(),
        fetch,
        last_success: None,
        consecutive_failures: 0,
        degraded_selectors: Vec::new(),
    };
    let had_good = next.last_success.is_some();
    let mut same_document = false;
    let articles = match reading {
        Reading::Read(Ok(read), validators, hash) => {
            report.items = read.items;
            report.warnings = read.warnings;
            report.degraded_selectors = read.degraded_selectors;
            if read.articles.is_empty() {
                // An answer with nothing in it is a broken source, not an empty one.
                report.status = SourceStatus::Degraded;
                report.error = Some(
                    read.degraded
                        .unwrap_or_else(|| "the source gave no articles".into()),
                );
                report.from_last_good = had_good;
                next.last_error = report.error.clone();
                next.consecutive_failures += 1;
                SourceArticles::Kept
            } else {
                if let Some(why) = read.degraded {
                    report.status = SourceStatus::Degraded;
                    report.error = Some(why);
                }
                if let Some(v) = validators {
                    next.validators = v;
                }
                next.body_hash = hash;
                next.last_success = Some(now);
                next.last_error = report.error.clone();
                next.consecutive_failures = 0;
                SourceArticles::Fresh(read.articles)
            }
        }
        Reading::Read(Err(message), ..) | Reading::Failed(message) => {
            report.status = SourceStatus::Failed;
            report.error = Some(message.clone());
            report.from_last_good = had_good;
            next.last_error = Some(message);
            next.consecutive_failures += 1;
            SourceArticles::Kept
        }
        Reading::Same { not_modified } => {
            if not_modified {
                report.status = SourceStatus::NotModified;
                report.from_last_good = true;
            } else {
                same_document = true;
            }
            next.last_success = Some(now);
            next.last_error = None;
            next.consecutive_failures = 0;
            SourceArticles::Seen
        }
    };
    // Stages word their warnings for themselves; the report names the source once.
    let prefix = format!("source {}: ", source.name);
    for w in &mut report.warnings {
        if !w.starts_with(&prefix) {
            w.insert_str(0, &prefix);
        }
    }
    report.last_success = next.last_success.map(|t| t.to_rfc3339());
    report.consecutive_failures = next.consecutive_failures;
    next.last_status = report.fetch.status;
    next.bytes = report.fetch.bytes;
    next.duration_ms = u64::try_from(report.fetch.duration.as_millis()).unwrap_or(u64::MAX);
    let update = SourceUpdate {
        name: source.name.clone(),
        state: next,
        articles,
    };
    (report, update, same_document)
}
