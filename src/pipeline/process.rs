//! Reading and normalizing what each source gave: the CPU-heavy part of a build, done for
//! every source in parallel.
//!
//! A document identical to the source's last good one (same bytes, same URL and type, same
//! reading rules in the config, same feedmill version) is not read again: its articles are
//! the same, and are marked seen, as after a 304.

use std::sync::Mutex;

use xxhash_rust::xxh3::Xxh3;

use crate::config::{Config, Source};
use crate::fetch::{FetchMeta, FetchOutcome, Fetched, Validators};
use crate::model::Article;
use crate::normalize::Normalizer;
use crate::read;
use crate::scrape::{ScrapeOutcome, SelectorCount};

/// What one source gave this build, before reading.
pub(super) enum Got {
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
pub(super) struct SourceRead {
    pub items: usize,
    pub articles: Vec<Article>,
    pub warnings: Vec<String>,
    /// Why the source looks broken although it answered (a selector matching nothing).
    pub degraded: Option<String>,
    /// Selectors of an HTML source that matched on fewer pages than they were tried on.
    /// Left out: `remove` (it matches only where there is something to remove) and `next`
    /// (the last listing page has no next page; a missing one is already a warning).
    pub degraded_selectors: Vec<SelectorCount>,
}

/// How this build read one source.
pub(super) enum Reading {
    /// Read now; with the validators and document hash to remember if it was good.
    Read(
        Result<SourceRead, String>,
        Option<Validators>,
        Option<String>,
    ),
    /// The same articles as last time: a 304 (`not_modified`), or the same document.
    Same { not_modified: bool },
    /// Nothing usable.
    Failed(String),
}

/// One source after reading.
pub(super) struct Processed {
    pub fetch: FetchMeta,
    pub reading: Reading,
}

/// What shapes the reading of a document besides its bytes: feedmill's version and the
/// config sections normalize uses. Part of every document hash.
pub(super) fn reading_rules(cfg: &Config) -> String {
    format!(
        "{}\n{:?}\n{:?}\n{:?}\n{:?}",
        env!("CARGO_PKG_VERSION"),
        cfg.site.timezone,
        cfg.tags,
        cfg.categories,
        cfg.site.base_url
    )
}

/// Hash of everything besides the bytes that decides what reading a source's document
/// gives: the reading rules and the source's own settings. It opens the source's document
/// hash, so a build can tell whether the articles stored for a source were made under the
/// rules in force now.
pub(super) fn rules_key(source: &Source, rules: &str) -> String {
    let mut h = Xxh3::new();
    for part in [rules, &format!("{source:?}")] {
        h.update(&(part.len() as u64).to_le_bytes());
        h.update(part.as_bytes());
    }
    format!("xxh3:{:016x}:", h.digest())
}

/// Whether `body_hash` (a source's last document hash) was made under the current rules.
/// When it was not, the source's conditional-GET validators must not be sent: a 304 would
/// keep articles normalized under the old rules (a new category would stay empty).
pub(super) fn same_rules(body_hash: Option<&str>, source: &Source, rules: &str) -> bool {
    body_hash.is_some_and(|h| h.starts_with(&rules_key(source, rules)))
}

/// Hash (XXH3-128) of a fetched document and everything that decides what reading it gives,
/// after its [`rules_key`]. A cache key compared only with the source's own last one: every
/// document of every source is hashed each build, where SHA-256 would cost several times more.
fn document_hash(source: &Source, f: &Fetched, rules: &str) -> String {
    let mut h = Xxh3::new();
    for part in [
        f.final_url.as_str(),
        f.content_type.as_deref().unwrap_or(""),
    ] {
        h.update(&(part.len() as u64).to_le_bytes());
        h.update(part.as_bytes());
    }
    h.update(&f.body);
    format!("{}{:032x}", rules_key(source, rules), h.digest128())
}

/// Reads and normalizes what one source gave, unless it is the document read last time
/// (`last_hash`).
fn process(
    source: &Source,
    got: Got,
    last_hash: Option<&str>,
    normalizer: &Normalizer,
    rules: &str,
) -> Processed {
    match got {
        Got::Document(f) => {
            let hash = document_hash(source, &f, rules);
            let reading = if last_hash == Some(hash.as_str()) {
                Reading::Same {
                    not_modified: false,
                }
            } else {
                let read = read_document(
                    source,
                    &f.body,
                    f.content_type.as_deref(),
                    &f.final_url,
                    normalizer,
                );
                Reading::Read(read, Some(f.validators), Some(hash))
            };
            Processed {
                fetch: f.meta,
                reading,
            }
        }
        Got::Scraped(outcome, meta) => Processed {
            fetch: meta,
            reading: Reading::Read(Ok(read_scrape(source, outcome, normalizer)), None, None),
        },
        Got::NotModified(meta) => Processed {
            fetch: meta,
            reading: Reading::Same { not_modified: true },
        },
        Got::Failed(message, meta) => Processed {
            fetch: meta,
            reading: Reading::Failed(message),
        },
    }
}

/// [`process`] over every source on every core; results in input order. Each input is a
/// source, what it gave, and the hash of its last good document.
pub(super) fn process_all(
    inputs: Vec<(&Source, Got, Option<String>)>,
    normalizer: &Normalizer,
    rules: &str,
) -> Vec<Processed> {
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
                        let Some((i, (source, got, last))) = next else {
                            break;
                        };
                        out.push((i, process(source, got, last.as_deref(), normalizer, rules)));
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
        if let Some(slot) = slots.get_mut(i) {
            *slot = Some(p);
        }
    }
    slots
        .into_iter()
        .map(|p| {
            // Only a bug (a panic in a stage) leaves a slot empty; the source then counts as
            // failed and keeps its stored articles.
            p.unwrap_or(Processed {
                fetch: FetchMeta::default(),
                reading: Reading::Failed("reading the source failed unexpectedly".into()),
            })
        })
        .collect()
}

/// Reads one feed document into normalized articles.
fn read_document(
    source: &Source,
    body: &[u8],
    content_type: Option<&str>,
    url: &url::Url,
    normalizer: &Normalizer,
) -> Result<SourceRead, String> {
    let max = normalizer.limits().items_per_source;
    let mut feed = read::read_feed_limited(body, content_type, Some(url), max)
        .map_err(|e| format!("{url}: {e}"))?;
    let items = feed.items.len() + feed.items_over_limit;
    let mut warnings = std::mem::take(&mut feed.warnings);
    let articles = normalizer.feed_articles(feed, source, &mut warnings);
    Ok(SourceRead {
        items,
        articles,
        warnings,
        degraded: None,
        degraded_selectors: Vec::new(),
    })
}

/// Normalizes the articles a scrape produced.
fn read_scrape(source: &Source, outcome: ScrapeOutcome, normalizer: &Normalizer) -> SourceRead {
    let items = outcome.links;
    let mut warnings = outcome.warnings;
    let articles = normalizer.articles(outcome.articles, source, &mut warnings);
    let degraded_selectors = outcome
        .selector_counts
        .into_iter()
        .filter(|c| !matches!(c.field.as_str(), "remove" | "next") && c.pages_matched < c.pages)
        .collect();
    SourceRead {
        items,
        articles,
        warnings,
        degraded: outcome.degraded,
        degraded_selectors,
    }
}
