//! The build's full-text step, between normalize and store: the articles a `full_text`
//! source gave this build get their page's body ([`crate::enrich`]), and the pages fetched
//! are kept for the store.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Utc};

use super::process::{Processed, Reading};
use super::BuildError;
use crate::config::{Config, Source};
use crate::enrich::{self, Limiter};
use crate::fetch::Fetcher;
use crate::store::{ArticlePage, SourceUpdate, Store};

/// What the step leaves for the store.
#[derive(Debug, Default)]
pub(super) struct FullText {
    /// Pages fetched (or refused) this build.
    pub pages: Vec<ArticlePage>,
    /// (source, id) of every article the step saw: their pages are not stale.
    pub seen: Vec<(String, String)>,
    /// Sources with articles left for a later build (see [`FullText::hold`]).
    pub pending: BTreeSet<String>,
}

impl FullText {
    /// Saves the pages, before the build's articles are applied, so that a build stopped
    /// in between never fetches them again.
    pub fn save(&self, store: &mut (dyn Store + Send)) -> Result<(), BuildError> {
        if self.pages.is_empty() && self.seen.is_empty() {
            return Ok(());
        }
        let keep: Vec<(&str, &str)> = self
            .seen
            .iter()
            .map(|(s, i)| (s.as_str(), i.as_str()))
            .collect();
        Ok(store.save_article_pages(&self.pages, &keep)?)
    }

    /// A source with articles left for later must be read again at the next build, not
    /// answered by a 304 or its unchanged document: its validators and document print are
    /// not kept.
    pub fn hold(&self, updates: &mut [SourceUpdate]) {
        for u in updates {
            if self.pending.contains(&u.name) {
                u.state.validators = Default::default();
                u.state.body_hash = None;
            }
        }
    }
}

/// The stored pages of every `full_text` source that read articles this build (each
/// `processed` entry belongs to the source at the same position).
pub(super) fn stored_pages(
    sources: &[Source],
    processed: &[Processed],
    store: &dyn Store,
) -> Result<HashMap<String, Vec<ArticlePage>>, BuildError> {
    let mut out = HashMap::new();
    for (source, p) in sources.iter().zip(processed) {
        if source.full_text.is_some() && matches!(p.reading, Reading::Read(Ok(_), ..)) {
            out.insert(source.name.clone(), store.article_pages(&source.name)?);
        }
    }
    Ok(out)
}

/// Enriches the articles every `full_text` source of `sources` read this build (each
/// `processed` entry belongs to the source at the same position; `stored` from
/// [`stored_pages`]), all sources at once within the fetcher's limits.
pub(super) async fn full_text(
    cfg: &Config,
    sources: &[Source],
    processed: &mut [Processed],
    fetcher: &Fetcher,
    mut stored: HashMap<String, Vec<ArticlePage>>,
    now: DateTime<Utc>,
) -> FullText {
    let limiter = Limiter::new(cfg.fetch.concurrency, cfg.fetch.per_host);
    let mut work = Vec::new();
    for (source, p) in sources.iter().zip(processed.iter_mut()) {
        let (Some(rules), Reading::Read(Ok(read), ..)) = (&source.full_text, &mut p.reading) else {
            continue;
        };
        let pages = stored.remove(&source.name).unwrap_or_default();
        work.push((source, rules, read, pages));
    }
    let mut out = FullText::default();
    if work.is_empty() {
        return out;
    }
    let limiter = &limiter;
    let done = futures_util::future::join_all(work.into_iter().map(
        |(source, rules, read, stored)| async move {
            let e = enrich::enrich(
                source,
                rules,
                &mut read.articles,
                stored,
                fetcher,
                limiter,
                &cfg.limits,
                now,
            )
            .await;
            (source, read, e)
        },
    ))
    .await;
    for (source, read, e) in done {
        out.seen.extend(
            read.articles
                .iter()
                .map(|a| (source.name.clone(), a.id.clone())),
        );
        read.warnings.extend(e.warnings);
        if let Some(why) = e.degraded {
            read.degraded = Some(match read.degraded.take() {
                Some(other) => format!("{other}; {why}"),
                None => why,
            });
        }
        if e.pending {
            out.pending.insert(source.name.clone());
        }
        out.pages.extend(e.pages);
    }
    out
}
