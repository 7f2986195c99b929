//! Drives one build: config → fetch → read → normalize → store → emit.
//!
//! Each source is fetched, read and normalized on its own, and its articles go into the
//! [`store`](crate::store): the feeds are built from everything the store keeps, so an
//! article that scrolled out of its source's feed stays in its feeds, and a source that
//! fails keeps its last good articles — one broken source never empties a feed or breaks
//! the build. Only feeds whose articles changed are rendered and written
//! ([`emit::emit_incremental`]).
//!
//! A document identical to the source's last good one (same bytes, same URL and type, same
//! reading rules in the config, same feedmill version) is not read again: its articles are
//! marked seen, as after a 304.

mod pages;

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::time::Instant;

use chrono::{DateTime, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::config::{Config, Source, SourceKind};
use crate::emit;
use crate::fetch::{FetchMeta, FetchOutcome, Fetched, Fetcher, Validators};
use crate::model::Article;
use crate::normalize::{self, Normalizer};
use crate::read;
use crate::scrape::{self, ScrapeOutcome};
use crate::store::{
    self, BuildChanges, EmitMemory, SourceArticles, SourceState, SourceUpdate, Store, StoreError,
};

use pages::FetcherPages;

/// How a build runs.
#[derive(Debug, Clone, Default)]
pub struct BuildOptions {
    /// Output folder; `site.output_dir` when `None`.
    pub out_dir: Option<PathBuf>,
    /// The store file; `site.store` when `None`.
    pub store_path: Option<PathBuf>,
    /// Show a progress bar on a terminal.
    pub progress: bool,
    /// The build's clock; `Utc::now()` when `None` (tests pin it).
    pub now: Option<DateTime<Utc>>,
}

/// How one source fared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SourceStatus {
    /// Fetched and read.
    Ok,
    /// The server said 304; the previous articles stand.
    NotModified,
    /// Read, but something the operator should look at went wrong (e.g. no article).
    Degraded,
    /// Nothing usable this time; the last good articles, if any, stand.
    Failed,
}

/// One source's line in the build report.
#[derive(Debug, Clone, Serialize)]
pub struct SourceReport {
    /// `[[source]] name`.
    pub name: String,
    /// Where it was read from.
    pub url: String,
    /// Outcome.
    pub status: SourceStatus,
    /// Why it failed or is degraded.
    pub error: Option<String>,
    /// Items found in the document this time.
    pub items: usize,
    /// Articles this source contributes to the feeds (fresh, or kept from the last good fetch).
    pub articles: usize,
    /// Whether `articles` are the last good ones rather than fresh ones.
    pub from_last_good: bool,
    /// Recoverable problems (bad dates, encoding repairs, ...).
    pub warnings: Vec<String>,
    /// Fetch facts: status, bytes, duration, redirects.
    pub fetch: FetchMeta,
    /// Last time this source was read successfully (RFC 3339).
    pub last_success: Option<String>,
    /// Consecutive failed builds, this one included.
    pub consecutive_failures: u32,
    /// Articles the store saw for the first time in this build.
    pub new_articles: usize,
    /// Articles whose source record changed in this build (updated in place).
    pub updated_articles: usize,
    /// Articles of this source the store keeps (this fetch's and earlier ones).
    pub stored_articles: usize,
    /// The document was byte-identical to the last good one and was not read again.
    pub same_document: bool,
}

/// What a build did, for the CLI summary and `--report FILE.json`.
#[derive(Debug, Clone, Serialize)]
pub struct BuildReport {
    /// Output folder.
    pub out_dir: PathBuf,
    /// One entry per source, in config order.
    pub sources: Vec<SourceReport>,
    /// Articles after deduplication.
    pub articles: usize,
    /// Feeds planned (each written as RSS and Atom).
    pub feeds: usize,
    /// Files rewritten because their bytes changed.
    pub files_written: usize,
    /// Files left untouched (not rendered at all when their feed's articles did not
    /// change).
    pub files_unchanged: usize,
    /// Articles deleted by `[store] retention_days`.
    pub pruned: usize,
}

impl BuildReport {
    /// Sources that failed (their last good articles, if any, were used).
    pub fn failures(&self) -> impl Iterator<Item = &SourceReport> {
        self.sources
            .iter()
            .filter(|s| s.status == SourceStatus::Failed)
    }

    /// Sources that need the operator's attention: failed or degraded.
    pub fn problems(&self) -> impl Iterator<Item = &SourceReport> {
        self.sources
            .iter()
            .filter(|s| matches!(s.status, SourceStatus::Failed | SourceStatus::Degraded))
    }
}

/// A build that could not write its feeds.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// The HTTP client could not be set up.
    #[error("cannot set up the HTTP client: {0}")]
    Client(String),
    /// The store could not be opened, read or written.
    #[error("{0}")]
    Store(#[from] StoreError),
    /// Writing the output failed.
    #[error("cannot write feeds to {path}: {source}")]
    Output {
        /// The folder or file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
}

/// What one source gave this build, before reading.
enum Got {
    /// A feed document arrived.
    Document(Fetched),
    /// An HTML source was scraped.
    Scraped(ScrapeOutcome, FetchMeta),
    /// 304: the previous articles stand.
    NotModified(FetchMeta),
    /// Nothing usable.
    Failed(String, FetchMeta),
}

impl From<FetchOutcome> for Got {
    fn from(o: FetchOutcome) -> Got {
        match o {
            FetchOutcome::Fetched(f) => Got::Document(f),
            FetchOutcome::NotModified(meta) => Got::NotModified(meta),
            FetchOutcome::Failed { message, meta } => Got::Failed(message, meta),
        }
    }
}

/// What reading and normalizing one source gave.
struct SourceRead {
    items: usize,
    articles: Vec<Article>,
    warnings: Vec<String>,
    /// Why the source looks broken although it answered (a selector matching nothing).
    degraded: Option<String>,
}

/// Runs the whole pipeline once and writes the feeds, with the store at
/// `opts.store_path` (default `site.store`).
pub async fn build(cfg: &Config, opts: &BuildOptions) -> Result<BuildReport, BuildError> {
    let path = opts
        .store_path
        .clone()
        .unwrap_or_else(|| cfg.site.store.clone());
    let mut store = store::open(&path)?;
    build_with_store(cfg, opts, store.as_mut()).await
}

/// Runs the whole pipeline once against any [`Store`] backend.
pub async fn build_with_store(
    cfg: &Config,
    opts: &BuildOptions,
    store: &mut (dyn Store + Send),
) -> Result<BuildReport, BuildError> {
    let now = opts.now.unwrap_or_else(Utc::now);
    let out_dir = opts
        .out_dir
        .clone()
        .unwrap_or_else(|| cfg.site.output_dir.clone());
    let mut states = store.source_states()?;

    let fetcher = Fetcher::new(cfg).map_err(BuildError::Client)?;
    let mut got = gather(cfg, &fetcher, &states, opts.progress).await;

    let normalizer = Normalizer::new(cfg);
    let rules = reading_rules(cfg);
    let mut reports = Vec::with_capacity(cfg.sources.len());
    let mut updates = Vec::with_capacity(cfg.sources.len());
    for source in &cfg.sources {
        let outcome = got
            .remove(&source.name)
            .unwrap_or_else(|| Got::Failed("source was not fetched".into(), FetchMeta::default()));
        let previous = states.remove(&source.name).unwrap_or_default();
        let (report, update) = settle_source(source, outcome, previous, &normalizer, &rules, now);
        reports.push(report);
        updates.push(update);
    }
    let retention = chrono::Duration::days(i64::from(cfg.store.retention_days));
    let applied = store.apply(&BuildChanges {
        now,
        sources: updates,
        // Sources removed from feeds.toml take their articles and state with them.
        keep_only: Some(cfg.sources.iter().map(|s| s.name.clone()).collect()),
        prune_before: now.checked_sub_signed(retention),
    })?;
    for r in &mut reports {
        if let Some(c) = applied.sources.get(&r.name) {
            r.articles = c.in_source;
            r.new_articles = c.new;
            r.updated_articles = c.updated;
            r.stored_articles = c.stored;
            if r.same_document {
                // An identical document: its items are the articles it gave last time.
                r.items = c.in_source;
            }
        }
    }

    let articles = dedup(store.articles()?);
    let memory = store.emit_memory()?;
    let plan = emit::plan(&articles, cfg, &memory.tag_slugs);
    // Fingerprints are not trusted while files are being written: a build killed mid-emit
    // makes the next one render every feed again rather than trust half-written output.
    store.begin_emit()?;
    let (emitted, fingerprints) =
        emit::emit_incremental(&plan, &articles, cfg, &out_dir, &memory.fingerprints).map_err(
            |source| BuildError::Output {
                path: out_dir.clone(),
                source,
            },
        )?;
    store.save_emit_memory(&EmitMemory {
        tag_slugs: plan.tag_slugs.clone(),
        fingerprints,
    })?;

    Ok(BuildReport {
        out_dir,
        sources: reports,
        articles: articles.len(),
        feeds: plan.feeds.len(),
        files_written: emitted.written.len(),
        files_unchanged: emitted.unchanged.len(),
        pruned: applied.pruned,
    })
}

/// [`normalize::dedup`] over the articles that can have a duplicate: those sharing a
/// canonical URL or a global GUID with another (the keys dedup merges on). Every other
/// article is its own group, which dedup leaves as it is, so the result is the same as
/// deduplicating them all (same order too: dedup's `newest_first`) — at a fraction of the
/// cost on a store of many articles, where almost none are duplicates. Store ids are
/// unique, so dedup's id disambiguation has nothing to do outside the groups either.
fn dedup(articles: Vec<Article>) -> Vec<Article> {
    use normalize::dedup::{guid_is_global, newest_first};
    let mut urls: HashMap<&str, u32> = HashMap::with_capacity(articles.len());
    let mut guids: HashMap<&str, u32> = HashMap::new();
    let mut ids: HashMap<&str, u32> = HashMap::with_capacity(articles.len());
    for a in &articles {
        if let Some(u) = &a.url {
            *urls.entry(u.as_str()).or_default() += 1;
        }
        if let Some(g) = a.source_guid.as_deref().filter(|g| guid_is_global(g)) {
            *guids.entry(g.trim()).or_default() += 1;
        }
        *ids.entry(a.id.as_str()).or_default() += 1;
    }
    let shared = |a: &Article| {
        a.url.as_deref().is_some_and(|u| urls.get(u) > Some(&1))
            || a.source_guid
                .as_deref()
                .filter(|g| guid_is_global(g))
                .is_some_and(|g| guids.get(g.trim()) > Some(&1))
            || ids.get(a.id.as_str()) > Some(&1)
    };
    let flags: Vec<bool> = articles.iter().map(shared).collect();
    drop((urls, guids, ids));
    let (mut maybe, single): (Vec<(Article, bool)>, Vec<(Article, bool)>) =
        articles.into_iter().zip(flags).partition(|(_, f)| *f);
    let mut out: Vec<Article> = single.into_iter().map(|(a, _)| a).collect();
    out.extend(normalize::dedup(maybe.drain(..).map(|(a, _)| a).collect()));
    out.sort_by(newest_first);
    out
}

/// What shapes the reading of a document besides its bytes: feedmill's version and the
/// config sections normalize uses. Part of every document hash.
fn reading_rules(cfg: &Config) -> String {
    format!(
        "{}\n{:?}\n{:?}\n{:?}\n{:?}",
        env!("CARGO_PKG_VERSION"),
        cfg.site.timezone,
        cfg.tags,
        cfg.categories,
        cfg.site.base_url
    )
}

/// Hash of a fetched document and everything that decides what reading it gives.
fn document_hash(source: &Source, f: &Fetched, rules: &str) -> String {
    let mut h = Sha256::new();
    for part in [
        rules,
        &format!("{source:?}"),
        f.final_url.as_str(),
        f.content_type.as_deref().unwrap_or(""),
    ] {
        h.update((part.len() as u64).to_le_bytes());
        h.update(part.as_bytes());
    }
    h.update(&f.body);
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// Fetches every feed source and scrapes every HTML source, all at once within the
/// fetcher's limits.
async fn gather(
    cfg: &Config,
    fetcher: &Fetcher,
    states: &BTreeMap<String, SourceState>,
    progress: bool,
) -> HashMap<String, Got> {
    let (feeds, html): (Vec<Source>, Vec<Source>) = cfg
        .sources
        .iter()
        .cloned()
        .partition(|s| s.kind == SourceKind::Feed);
    let validators: HashMap<String, Validators> = states
        .iter()
        .map(|(name, s)| (name.clone(), s.validators.clone()))
        .collect();
    let scrapes = futures_util::future::join_all(html.iter().map(|source| async move {
        let started = Instant::now();
        let pages = FetcherPages::new(fetcher.clone(), source, cfg.fetch.per_host);
        let got = match scrape::scrape_source(source, &pages).await {
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

/// How this build reads one source.
enum Reading {
    /// Read now.
    Read(
        Result<SourceRead, String>,
        Option<Validators>,
        Option<String>,
    ),
    /// The same articles as last time (304, or the same document).
    Same,
    /// Nothing usable.
    Failed(String),
}

/// Turns what one source gave into its report and its part of the store update; whenever
/// this build got nothing usable from the source, its stored articles stay as they are.
fn settle_source(
    source: &Source,
    got: Got,
    previous: SourceState,
    normalizer: &Normalizer,
    rules: &str,
    now: DateTime<Utc>,
) -> (SourceReport, SourceUpdate) {
    let mut next = previous;
    let mut report = SourceReport {
        name: source.name.clone(),
        url: source.url.to_string(),
        status: SourceStatus::Ok,
        error: None,
        items: 0,
        articles: 0,
        from_last_good: false,
        warnings: Vec::new(),
        fetch: FetchMeta::default(),
        last_success: None,
        consecutive_failures: 0,
        new_articles: 0,
        updated_articles: 0,
        stored_articles: 0,
        same_document: false,
    };
    let had_good = next.last_success.is_some();
    let reading = match got {
        Got::Document(f) => {
            report.fetch = f.meta.clone();
            let hash = document_hash(source, &f, rules);
            if next.body_hash.as_deref() == Some(hash.as_str()) {
                report.same_document = true;
                Reading::Same
            } else {
                let read = read_document(
                    source,
                    &f.body,
                    f.content_type.as_deref(),
                    &f.final_url,
                    normalizer,
                );
                Reading::Read(read, Some(f.validators), Some(hash))
            }
        }
        Got::Scraped(outcome, meta) => {
            report.fetch = meta;
            Reading::Read(Ok(read_scrape(source, outcome, normalizer)), None, None)
        }
        Got::NotModified(meta) => {
            report.fetch = meta;
            report.status = SourceStatus::NotModified;
            report.from_last_good = true;
            Reading::Same
        }
        Got::Failed(message, meta) => {
            report.fetch = meta;
            Reading::Failed(message)
        }
    };
    let articles = match reading {
        Reading::Read(Ok(read), validators, hash) => {
            report.items = read.items;
            report.warnings = read.warnings;
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
        Reading::Same => {
            next.last_success = Some(now);
            next.last_error = None;
            next.consecutive_failures = 0;
            SourceArticles::Seen
        }
    };
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
    (report, update)
}

/// Reads one feed document into normalized articles.
fn read_document(
    source: &Source,
    body: &[u8],
    content_type: Option<&str>,
    url: &url::Url,
    normalizer: &Normalizer,
) -> Result<SourceRead, String> {
    let feed = read::read_feed(body, content_type, Some(url)).map_err(|e| format!("{url}: {e}"))?;
    let items = feed.items.len();
    let mut warnings = feed.warnings;
    let articles = feed
        .items
        .into_iter()
        .filter_map(|raw| normalizer.article(raw, source, &mut warnings))
        .collect();
    Ok(SourceRead {
        items,
        articles,
        warnings,
        degraded: None,
    })
}

/// Normalizes the articles a scrape produced.
fn read_scrape(source: &Source, outcome: ScrapeOutcome, normalizer: &Normalizer) -> SourceRead {
    let items = outcome.links;
    let mut warnings = outcome.warnings;
    let articles = outcome
        .articles
        .into_iter()
        .filter_map(|raw| normalizer.article(raw, source, &mut warnings))
        .collect();
    SourceRead {
        items,
        articles,
        warnings,
        degraded: outcome.degraded,
    }
}

#[cfg(test)]
mod tests;
