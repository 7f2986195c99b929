//! Drives one build: config → fetch → read → normalize → store → emit.
//!
//! Each source is fetched, read and normalized on its own, and its articles go into the
//! [`store`](crate::store): the feeds are built from everything the store keeps, so an
//! article that scrolled out of its source's feed stays in its feeds, and a source that
//! fails keeps its last good articles — one broken source never empties a feed or breaks
//! the build. Only feeds whose articles changed are rendered and written
//! ([`emit::emit_incremental`]).
//! Sources are read and normalized in parallel ([`process`](mod@process)); a document
//! identical to the source's last good one is not read again.
//! Between normalize and store, the articles of `full_text` sources get their page's body
//! ([`full_text`](mod@full_text), [`crate::enrich`]); where the build reads the stored
//! articles for its feeds, the filters decide which it shows ([`filtered`](mod@filtered),
//! [`crate::filter`]).

mod batch;
mod dedup;
mod feed_rows;
mod filtered;
mod full_text;
pub mod pages;
mod process;
mod settle;
mod stats;
pub mod stories;

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::time::Instant;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::config::{Config, Source};
use crate::emit;
use crate::fetch::{FetchMeta, Fetcher};
use crate::normalize::Normalizer;
use crate::store::{self, BuildChanges, BuildLock, EmitMemory, LockError, Store, StoreError};

pub use batch::Fetched;
use batch::{fetch_batch, store_batch};
use dedup::fill_text;
use process::reading_rules;
pub use stats::{stats, FeedLabel, FeedStats, SourceFeedStats};

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
    /// Fetch only these sources (by name); every other source keeps its stored articles
    /// and state untouched, stays in the feeds, and is left out of the report. `None`
    /// fetches every source. `serve` uses it to refresh each source on its own interval.
    pub only: Option<BTreeSet<String>>,
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
    /// Selectors of an HTML source that matched on fewer of this build's pages than they
    /// were tried on (`serve`'s `/status` shows them); empty for feeds.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub degraded_selectors: Vec<crate::scrape::SelectorCount>,
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
    /// Feeds, pages or stale files that could not be written or removed, each naming its
    /// file (see [`emit::EmitReport::errors`]); the rest of the output was written.
    pub output_errors: Vec<String>,
    /// Stale files left in place because they are not feedmill's regular files (see
    /// [`emit::EmitReport::warnings`]).
    pub output_warnings: Vec<String>,
    /// Where the build's time went, in milliseconds.
    pub timings: BuildTimings,
}

/// Wall time of each stage of a build, in milliseconds.
#[derive(Debug, Clone, Default, Serialize)]
pub struct BuildTimings {
    /// Fetching and scraping every source.
    pub fetch_ms: u64,
    /// Fetching and extracting the article pages of `full_text` sources.
    pub full_text_ms: u64,
    /// Reading and normalizing what arrived.
    pub read_ms: u64,
    /// Writing the sources' articles and state to the store.
    pub store_ms: u64,
    /// Working what the store changed into stories and feed membership (part of
    /// `store_ms`).
    pub membership_ms: u64,
    /// Loading the stored articles and deduplicating them.
    pub load_ms: u64,
    /// Deciding which feeds exist.
    pub plan_ms: u64,
    /// Fingerprinting, rendering and writing the feeds whose articles changed.
    pub emit_ms: u64,
    /// Not a time: how many feeds were fingerprinted (those the store marked dirty, or
    /// every feed when the plan or config moved or nothing is remembered).
    pub feeds_printed: usize,
    /// Not a time: how many article heads emit read from the store. Today every stored
    /// article's (the plan is made over all of them); issue 14's target is the dirty
    /// feeds' rows only.
    pub heads_read: usize,
}

impl BuildTimings {
    /// Adds the source stages' times of one batch (fetch, full text, read, store).
    fn add_batch(&mut self, batch: &BuildTimings) {
        self.fetch_ms += batch.fetch_ms;
        self.full_text_ms += batch.full_text_ms;
        self.read_ms += batch.read_ms;
        self.store_ms += batch.store_ms;
    }
}

fn ms(since: Instant) -> u64 {
    since.elapsed().as_millis() as u64
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
    /// Another build holds the store (or its lock file cannot be used): nothing was done.
    #[error("{0}")]
    Lock(#[from] LockError),
    /// An article the build was reading disappeared from the store (another process
    /// changed it meanwhile).
    #[error("article {0} disappeared from the store while the build read it; run the build again")]
    StoreChanged(String),
    /// Writing the output failed.
    #[error("cannot write feeds to {path}: {source}")]
    Output {
        /// The folder or file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
}

/// Runs the whole pipeline once and writes the feeds, with the store at
/// `opts.store_path` (a SQLite file), else the config's (`[store] url`, else `site.store`).
///
/// The build holds the store's [`BuildLock`] from start to end: while another build holds
/// it, this one fails at once with [`BuildError::Lock`] and changes nothing.
pub async fn build(cfg: &Config, opts: &BuildOptions) -> Result<BuildReport, BuildError> {
    // An explicit store path is a SQLite file; else the config's store (`[store] url`).
    let (_lock, mut store) = match &opts.store_path {
        Some(path) => (BuildLock::acquire(path)?, store::open(path)?),
        None => (BuildLock::acquire_config(cfg)?, store::open_config(cfg)?),
    };
    build_with_store(cfg, opts, store.as_mut()).await
}

/// Runs the whole pipeline once against any [`Store`] backend. The caller keeps other
/// builds off the store meanwhile (for SQLite, [`build`] takes the [`BuildLock`]).
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
    let chosen: Vec<Source> = cfg
        .sources
        .iter()
        .filter(|s| opts.only.as_ref().is_none_or(|only| only.contains(&s.name)))
        .cloned()
        .collect();
    let mut timings = BuildTimings::default();
    // Sources removed from feeds.toml leave the feeds now; the store keeps their articles
    // and state for `retention_days`, in case they come back. Done before the batches, as
    // one store transaction of its own.
    let started = Instant::now();
    let mut applied = store.apply(&BuildChanges {
        now,
        sources: Vec::new(),
        keep_only: Some(cfg.sources.iter().map(|s| s.name.clone()).collect()),
        prune_before: None,
        stored_per_source: None,
    })?;
    timings.store_ms += ms(started);
    let mut states = store.source_states()?;
    let fetcher = Fetcher::new(cfg).map_err(BuildError::Client)?;
    let normalizer = Normalizer::new(cfg);
    let rules = reading_rules(cfg);
    let mut reports = Vec::with_capacity(chosen.len());
    // Sources go through fetch → read → normalize → store a batch at a time, so a build
    // holds one batch's documents and articles, never every source's; each batch's
    // articles are stored in one transaction (see the store's rules on a killed build).
    for batch in chosen.chunks(cfg.limits.sources_per_batch.max(1)) {
        let fetched = fetch_batch(
            cfg,
            batch,
            &fetcher,
            &mut states,
            &normalizer,
            &rules,
            opts.progress,
            now,
            &*store,
        )
        .await?;
        let (batch_reports, batch_applied, batch_timings) =
            store_batch(cfg, fetched, store, None, None)?;
        timings.add_batch(&batch_timings);
        reports.extend(batch_reports);
        applied.sources.extend(batch_applied.sources);
    }
    // Retention last, as in one build's changes: an article seen again by this build is
    // not deleted.
    let started = Instant::now();
    let pruned = store.apply(&BuildChanges {
        now,
        sources: Vec::new(),
        keep_only: None,
        prune_before: retention_bound(cfg, now),
        stored_per_source: None,
    })?;
    timings.store_ms += ms(started);
    applied.pruned += pruned.pruned;
    applied.forgotten += pruned.forgotten;
    let stored = settle_stories(cfg, store, &applied, reports, timings)?;
    emit_stored(cfg, &out_dir, now, stored, store)
}

/// What [`store_fetched`] wrote: the sources' reports with their store counts, for
/// [`emit_stored`] or for a caller that emits elsewhere (`feedmill worker`).
pub struct Stored {
    /// One line per source fetched.
    pub reports: Vec<SourceReport>,
    /// Where the time went so far.
    pub timings: BuildTimings,
}

/// Fetches, reads and normalizes `chosen` (and the full text of their new articles),
/// reading the store only (validators, kept article pages): the sources' part of a build
/// before anything is written, so that several processes can fetch at once and write one
/// after the other ([`store_fetched`]).
pub async fn fetch_sources(
    cfg: &Config,
    chosen: &[Source],
    store: &mut (dyn Store + Send),
    now: DateTime<Utc>,
    progress: bool,
) -> Result<Fetched, BuildError> {
    let mut states = store.source_states()?;
    let fetcher = Fetcher::new(cfg).map_err(BuildError::Client)?;
    let normalizer = Normalizer::new(cfg);
    let rules = reading_rules(cfg);
    fetch_batch(
        cfg,
        chosen,
        &fetcher,
        &mut states,
        &normalizer,
        &rules,
        progress,
        now,
        &*store,
    )
    .await
}

/// Writes what [`fetch_sources`] got to the store in one [`Store::apply`] (retention and
/// the removal of sources no longer configured included), then works the changes into
/// stories and feed membership. The caller keeps other writers off the store meanwhile.
pub fn store_fetched(
    cfg: &Config,
    fetched: Fetched,
    store: &mut (dyn Store + Send),
) -> Result<Stored, BuildError> {
    let now = fetched.now;
    let (reports, applied, timings) = store_batch(
        cfg,
        fetched,
        store,
        // Sources removed from feeds.toml leave the feeds now; the store keeps their
        // articles and state for `retention_days`, in case they come back.
        Some(cfg.sources.iter().map(|s| s.name.clone()).collect()),
        retention_bound(cfg, now),
    )?;
    settle_stories(cfg, store, &applied, reports, timings)
}

/// The instant before which retention deletes what left its source.
fn retention_bound(cfg: &Config, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    now.checked_sub_signed(chrono::Duration::days(i64::from(cfg.store.retention_days)))
}

/// Logs what a build's store writes did beyond the sources (retention, removed sources),
/// then works the changes into stories and feed membership.
fn settle_stories(
    cfg: &Config,
    store: &mut (dyn Store + Send),
    applied: &store::Applied,
    reports: Vec<SourceReport>,
    mut timings: BuildTimings,
) -> Result<Stored, BuildError> {
    if applied.pruned > 0 {
        tracing::info!("retention removed {} articles", applied.pruned);
    }
    if applied.removed + applied.restored + applied.forgotten > 0 {
        tracing::info!(
            "sources removed from the config: {} now (their articles leave the feeds), {} back, \
             {} articles of sources removed longer than {} days deleted",
            applied.removed,
            applied.restored,
            applied.forgotten,
            cfg.store.retention_days
        );
    }
    // Feed membership follows what this build changed (articles written, updated,
    // deleted by retention or caps, sources removed or back): the feeds whose content may
    // have changed are marked dirty in the store.
    let refreshing = Instant::now();
    let refreshed = stories::refresh(&mut *store, cfg)?;
    timings.membership_ms = ms(refreshing);
    timings.store_ms += timings.membership_ms;
    tracing::debug!(
        "stories: {} changed, {} articles regrouped, {} feed rows worked out",
        refreshed.changed,
        refreshed.regrouped,
        refreshed.feed_rows
    );
    Ok(Stored { reports, timings })
}

/// Renders the feeds whose articles changed from what the store holds, into `out_dir`
/// (the emit half of a build, with the reports of the sources [`store_fetched`] wrote).
/// The caller keeps other writers off the store and the folder meanwhile.
pub fn emit_stored(
    cfg: &Config,
    out_dir: &std::path::Path,
    now: DateTime<Utc>,
    stored: Stored,
    store: &mut (dyn Store + Send),
) -> Result<BuildReport, BuildError> {
    let Stored {
        reports,
        mut timings,
    } = stored;
    let out_dir = out_dir.to_path_buf();
    let started = Instant::now();
    let memory = store.emit_memory()?;
    // Heads only, unless every feed will be rendered (no trusted fingerprints): the text
    // of an article is read when a feed showing it is rendered again.
    let with_text = memory
        .fingerprints
        .keys()
        .all(|k| emit::history::is_bounds_key(k));
    let (
        dedup::Deduped {
            mut articles,
            versions,
            text,
        },
        heads_read,
    ) = filtered::feed_articles_counted(cfg, &*store, with_text)?;
    timings.heads_read = heads_read;
    timings.load_ms = ms(started);
    let started = Instant::now();
    let mut plan = emit::plan(&articles, cfg, &memory.tag_slugs);
    // Digest days close by the build's clock.
    plan.now = Some(now);
    // The plan forgets the slugs of tags no article in the feeds carries; a removed
    // source's articles, kept for their grace period, still carry theirs.
    for key in store.removed_sources_tag_keys()? {
        if let Some(slug) = memory.tag_slugs.get(&key) {
            plan.tag_slugs.entry(key).or_insert_with(|| slug.clone());
        }
    }
    timings.plan_ms = ms(started);
    let started = Instant::now();
    // The feeds this build (or one before it, killed before its emit finished) changed:
    // the others are not printed again.
    let dirty = store.dirty_feeds()?;
    let touched = emit::touched_dirs(&plan, &dirty, &store.feed_rows()?);
    let todo = emit::outdated(
        &plan,
        &articles,
        &versions,
        cfg,
        &out_dir,
        &memory.fingerprints,
        touched.as_ref(),
    );
    timings.feeds_printed = todo.printed;
    let need: Vec<usize> = todo
        .shown(&plan)
        .into_iter()
        .filter(|&i| text.get(i) == Some(&false))
        .collect();
    fill_text(&mut articles, &need, &*store)?;
    // Fingerprints are not trusted while files are being written: a build killed mid-emit
    // makes the next one render every feed again rather than trust half-written output.
    store.begin_emit()?;
    let (emitted, fingerprints) = emit::emit_outdated(&plan, &articles, cfg, &out_dir, todo)
        .map_err(|source| BuildError::Output {
            path: out_dir.clone(),
            source,
        })?;
    store.save_emit_memory(&EmitMemory {
        tag_slugs: plan.tag_slugs.clone(),
        fingerprints,
    })?;
    // Every feed whose content changed was rendered above (by its fingerprint).
    store.clear_dirty_feeds(&dirty)?;

    timings.emit_ms = ms(started);
    let report = BuildReport {
        out_dir,
        sources: reports,
        articles: articles.len(),
        feeds: plan.feeds.len(),
        files_written: emitted.written.len(),
        files_unchanged: emitted.unchanged.len(),
        output_errors: emitted.errors,
        output_warnings: emitted.warnings,
        timings,
    };
    // Freeing every stored article one by one is a noticeable share of a build that changed
    // little; the files are written and the store saved, so it happens off the caller's
    // path (on this thread if no thread can be started).
    let garbage = (articles, plan);
    let _ = std::thread::Builder::new()
        .name("feedmill-free".into())
        .spawn(move || drop(garbage));
    Ok(report)
}

#[cfg(test)]
mod tests;
