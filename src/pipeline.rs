//! Drives one build: config → fetch → read → normalize → emit.
//!
//! Each source is fetched, read and normalized on its own; a source that fails keeps the
//! articles of its last good fetch (kept in the [`state`] file), so one broken source never
//! empties a feed or breaks the build.

pub mod pages;
pub mod state;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Instant;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::config::{Config, Source, SourceKind};
use crate::emit;
use crate::fetch::{FetchMeta, FetchOutcome, Fetched, Fetcher, Validators};
use crate::model::Article;
use crate::normalize::{self, Normalizer};
use crate::read;
use crate::scrape::{self, ScrapeOutcome};

use pages::FetcherPages;
use state::{SourceState, State};

/// How a build runs.
#[derive(Debug, Clone, Default)]
pub struct BuildOptions {
    /// Output folder; `site.output_dir` when `None`.
    pub out_dir: Option<PathBuf>,
    /// Where per-source state (validators, last good articles) is kept; beside the store
    /// (`<site.store>` with the extension `.state.json`) when `None`.
    pub state_path: Option<PathBuf>,
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
    /// Files left untouched.
    pub files_unchanged: usize,
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

/// Runs the whole pipeline once and writes the feeds.
pub async fn build(cfg: &Config, opts: &BuildOptions) -> Result<BuildReport, BuildError> {
    let now = opts.now.unwrap_or_else(Utc::now);
    let out_dir = opts
        .out_dir
        .clone()
        .unwrap_or_else(|| cfg.site.output_dir.clone());
    let state_path = opts
        .state_path
        .clone()
        .unwrap_or_else(|| state::default_path(cfg));
    let mut state = State::load(&state_path);
    if let Some(w) = state.load_warning.take() {
        tracing::warn!("{w}");
    }

    let fetcher = Fetcher::new(cfg).map_err(BuildError::Client)?;
    let mut got = gather(cfg, &fetcher, &state, opts.progress).await;

    let normalizer = Normalizer::new(cfg);
    let mut reports = Vec::with_capacity(cfg.sources.len());
    let mut all_articles = Vec::new();
    let inputs: Vec<(&Source, Got)> = cfg
        .sources
        .iter()
        .map(|source| {
            let outcome = got.remove(&source.name).unwrap_or_else(|| {
                Got::Failed("source was not fetched".into(), FetchMeta::default())
            });
            (source, outcome)
        })
        .collect();
    let processed = process_all(inputs, &normalizer);
    for (source, processed) in cfg.sources.iter().zip(processed) {
        let previous = state.sources.remove(&source.name).unwrap_or_default();
        let (report, kept) = settle_source(source, processed, previous, now);
        all_articles.extend(kept.articles.iter().cloned());
        state.sources.insert(source.name.clone(), kept);
        reports.push(report);
    }
    // Sources removed from feeds.toml take their state with them.
    state.sources.retain(|name, _| cfg.source(name).is_some());

    let articles = normalize::dedup(all_articles);
    let plan = emit::plan(&articles, cfg, &state.tag_slugs);
    let emitted =
        emit::emit(&plan, &articles, cfg, &out_dir).map_err(|source| BuildError::Output {
            path: out_dir.clone(),
            source,
        })?;
    state.tag_slugs = plan.tag_slugs.clone();
    if let Err(e) = state.save(&state_path) {
        // The feeds are written; losing the state only costs a full refetch next time.
        tracing::warn!("cannot save build state to {}: {e}", state_path.display());
    }

    Ok(BuildReport {
        out_dir,
        sources: reports,
        articles: articles.len(),
        feeds: plan.feeds.len(),
        files_written: emitted.written.len(),
        files_unchanged: emitted.unchanged.len(),
    })
}

/// Fetches every feed source and scrapes every HTML source, all at once within the
/// fetcher's limits.
async fn gather(
    cfg: &Config,
    fetcher: &Fetcher,
    state: &State,
    progress: bool,
) -> HashMap<String, Got> {
    let (feeds, html): (Vec<Source>, Vec<Source>) = cfg
        .sources
        .iter()
        .cloned()
        .partition(|s| s.kind == SourceKind::Feed);
    let validators: HashMap<String, Validators> = state
        .sources
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

/// What one source gave, read and normalized: the CPU-heavy part of a build, done for
/// every source in parallel.
struct Processed {
    fetch: FetchMeta,
    not_modified: bool,
    /// `Err(None)`: nothing new to read (304); `Err(Some(why))`: the source failed.
    read: Result<SourceRead, Option<String>>,
    validators: Option<Validators>,
}

/// Reads and normalizes what one source gave.
fn process(source: &Source, got: Got, normalizer: &Normalizer) -> Processed {
    match got {
        Got::Document(f) => Processed {
            read: read_document(
                source,
                &f.body,
                f.content_type.as_deref(),
                &f.final_url,
                normalizer,
            ),
            fetch: f.meta,
            not_modified: false,
            validators: Some(f.validators),
        },
        Got::Scraped(outcome, meta) => Processed {
            read: Ok(read_scrape(source, outcome, normalizer)),
            fetch: meta,
            not_modified: false,
            validators: None,
        },
        Got::NotModified(meta) => Processed {
            read: Err(None),
            fetch: meta,
            not_modified: true,
            validators: None,
        },
        Got::Failed(message, meta) => Processed {
            read: Err(Some(message)),
            fetch: meta,
            not_modified: false,
            validators: None,
        },
    }
}

/// [`process`] over every source on every core; results in input order.
fn process_all(inputs: Vec<(&Source, Got)>, normalizer: &Normalizer) -> Vec<Processed> {
    let n = inputs.len();
    let workers = std::thread::available_parallelism()
        .map_or(1, |c| c.get())
        .clamp(1, n.max(1));
    let queue = Mutex::new(inputs.into_iter().enumerate());
    let done: Vec<(usize, Processed)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                scope.spawn(|| {
                    let mut out = Vec::new();
                    loop {
                        let next = queue.lock().ok().and_then(|mut q| q.next());
                        let Some((i, (source, got))) = next else {
                            break;
                        };
                        out.push((i, process(source, got, normalizer)));
                    }
                    out
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_default())
            .collect()
    });
    let mut slots: Vec<Option<Processed>> = (0..n).map(|_| None).collect();
    for (i, p) in done {
        slots[i] = Some(p);
    }
    slots
        .into_iter()
        .map(|p| {
            // Only a bug (a panic in a stage) leaves a slot empty; the source then counts as
            // failed and keeps its last good articles.
            p.unwrap_or(Processed {
                fetch: FetchMeta::default(),
                not_modified: false,
                read: Err(Some("reading the source failed unexpectedly".into())),
                validators: None,
            })
        })
        .collect()
}

/// Turns what one source gave into its report and its new state, falling back to the last
/// good articles whenever this build got nothing usable from it.
fn settle_source(
    source: &Source,
    processed: Processed,
    previous: SourceState,
    now: DateTime<Utc>,
) -> (SourceReport, SourceState) {
    let mut next = previous;
    let Processed {
        fetch,
        not_modified,
        read,
        validators,
    } = processed;
    let mut report = SourceReport {
        name: source.name.clone(),
        url: source.url.to_string(),
        status: if not_modified {
            SourceStatus::NotModified
        } else {
            SourceStatus::Ok
        },
        error: None,
        items: 0,
        articles: 0,
        from_last_good: not_modified,
        warnings: Vec::new(),
        fetch,
        last_success: None,
        consecutive_failures: 0,
    };
    match read {
        Ok(read) => {
            report.items = read.items;
            report.warnings = read.warnings;
            if read.articles.is_empty() {
                // An answer with nothing in it is a broken source, not an empty one.
                report.status = SourceStatus::Degraded;
                report.error = Some(
                    read.degraded
                        .unwrap_or_else(|| "the source gave no articles".into()),
                );
                report.from_last_good = !next.articles.is_empty();
                next.last_error = report.error.clone();
                next.consecutive_failures += 1;
            } else {
                if let Some(why) = read.degraded {
                    report.status = SourceStatus::Degraded;
                    report.error = Some(why);
                }
                next.articles = read.articles;
                if let Some(v) = validators {
                    next.validators = v;
                }
                next.last_success = Some(now.to_rfc3339());
                next.last_error = report.error.clone();
                next.consecutive_failures = 0;
            }
        }
        Err(None) => {
            next.last_success = Some(now.to_rfc3339());
            next.last_error = None;
            next.consecutive_failures = 0;
        }
        Err(Some(message)) => {
            report.status = SourceStatus::Failed;
            report.error = Some(message.clone());
            report.from_last_good = !next.articles.is_empty();
            next.last_error = Some(message);
            next.consecutive_failures += 1;
        }
    }
    // Stages word their warnings for themselves; the report names the source once.
    let prefix = format!("source {}: ", source.name);
    for w in &mut report.warnings {
        if !w.starts_with(&prefix) {
            w.insert_str(0, &prefix);
        }
    }
    report.articles = next.articles.len();
    report.last_success = next.last_success.clone();
    report.consecutive_failures = next.consecutive_failures;
    next.last_status = report.fetch.status;
    (report, next)
}

/// Reads one feed document into normalized articles.
fn read_document(
    source: &Source,
    body: &[u8],
    content_type: Option<&str>,
    url: &url::Url,
    normalizer: &Normalizer,
) -> Result<SourceRead, Option<String>> {
    let feed =
        read::read_feed(body, content_type, Some(url)).map_err(|e| Some(format!("{url}: {e}")))?;
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
