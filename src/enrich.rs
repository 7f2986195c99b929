//! Full text for summary-only feeds: a `full_text` source's article pages are fetched and
//! their body becomes the article's content.
//!
//! Rules (the README's "Full text" section says the same to operators):
//! - Pages go through the [`Fetcher`] with all its limits (timeouts, `max_bytes`, retries
//!   and `Retry-After`, redirects), at most `fetch.per_host` at a time per host and
//!   `fetch.concurrency` in all, and only where the source's [`LinkPolicy`] allows: the
//!   feed's own host and the `allow_hosts` of its `full_text`. An internal address
//!   (loopback, private, …) is reached only on the feed's own configured origin, whether
//!   written as an IP or as a name resolving there ([`FetchOptions::for_source`]).
//! - A page is fetched once per feed entry: the page's validators and extracted body are
//!   kept in the store ([`ArticlePage`]) under a print of the entry (link, title, summary,
//!   content, dates) and of the `full_text` rules. While both stay the same the stored
//!   body is used and nothing is fetched; when the entry changes the page is asked for
//!   again with its validators (a 304 keeps the stored body); when the rules change every
//!   page is read again.
//! - At most `limits.full_text_pages` pages are fetched per source and build; the others
//!   keep their feed's content until a later build, which reads the source again for them
//!   (the source's document print and validators are not kept meanwhile).
//! - A page that fails (an HTTP error, a timeout, a body the selector or readability finds
//!   nothing in) leaves the article with its feed's own summary and content, and marks the
//!   source degraded with the reason; a failure that may pass (5xx, 408, 429, a connection
//!   error) is tried again at later builds, `limits.full_text_attempts` times in all. A
//!   link the policy refuses, or an article without a link, is never fetched: a warning
//!   says so.
//! - The body replaces the feed's content only when it holds more text than the feed's
//!   content (a readability guess shorter than what the feed gave is not an improvement).
//!   It is sanitized and bounded like every content ([`extract`]); the summary stays the
//!   feed's; an article without an image gets the body's first one.

pub mod extract;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use serde::Serialize;
use tokio::sync::Semaphore;
use url::Url;
use xxhash_rust::xxh3::Xxh3;

use crate::config::{FullTextCfg, LimitsCfg, Source};
use crate::fetch::{FetchOptions, FetchOutcome, Fetcher, Validators, ACCEPT_HTML};
use crate::model::Article;
use crate::normalize::html::{cut_warning, first_image, Bounds};
use crate::normalize::text::plain_text;
use crate::scrape::{decode, LinkPolicy};
use crate::store::ArticlePage;

/// The request slots pages share within one build: `per_host` per host, `concurrency` in
/// all, whichever sources the pages are for.
#[derive(Debug)]
pub struct Limiter {
    global: Arc<Semaphore>,
    concurrency: usize,
    per_host: usize,
    hosts: Mutex<HashMap<String, Arc<Semaphore>>>,
}

impl Limiter {
    /// Slots for `concurrency` requests in all and `per_host` per host.
    pub fn new(concurrency: usize, per_host: usize) -> Limiter {
        Limiter {
            global: Arc::new(Semaphore::new(concurrency.max(1))),
            concurrency: concurrency.max(1),
            per_host: per_host.max(1),
            hosts: Mutex::new(HashMap::new()),
        }
    }

    fn host(&self, url: &Url) -> Arc<Semaphore> {
        let key = url.host_str().unwrap_or("").to_ascii_lowercase();
        let mut hosts = self
            .hosts
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        hosts
            .entry(key)
            .or_insert_with(|| Arc::new(Semaphore::new(self.per_host)))
            .clone()
    }
}

/// What full text did for one article, for `inspect` and the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "from", rename_all = "kebab-case")]
pub enum ArticleText {
    /// The page was fetched now and its body is the content.
    Fetched {
        /// Where the body came from (`readability`, ``selector `.post-body` ``).
        origin: String,
        /// Characters of its text.
        chars: usize,
    },
    /// The body kept from an earlier fetch of the page is the content.
    Stored {
        /// Where the body came from.
        origin: String,
        /// Characters of its text.
        chars: usize,
    },
    /// The feed's own content stays.
    Feed {
        /// Why.
        why: String,
        /// Characters of the feed content's text.
        chars: usize,
    },
}

/// What [`enrich`] did for one source.
#[derive(Debug, Clone, Default)]
pub struct Enriched {
    /// Per article, in the order given.
    pub articles: Vec<ArticleText>,
    /// Pages to store: those fetched (or refused) now.
    pub pages: Vec<ArticlePage>,
    /// One line per article left with its feed's content for a new reason.
    pub warnings: Vec<String>,
    /// Why the source is degraded, when a page failed this build.
    pub degraded: Option<String>,
    /// Whether articles are left for a later build (the page budget ran out, or a failed
    /// page will be tried again).
    pub pending: bool,
    /// Pages requested this build.
    pub fetched: usize,
}

/// A print of an article's feed entry under the `full_text` rules: while it stays the
/// same, the stored page stands.
pub fn entry_print(rules: &FullTextCfg, a: &Article) -> String {
    let mut h = Xxh3::new();
    let dates = format!("{:?}{:?}", a.published, a.updated);
    let rules = format!("{rules:?}");
    let url = a.url.as_deref().unwrap_or("");
    for part in [
        rules.as_str(),
        url,
        &a.title,
        &a.summary,
        &a.content,
        &dates,
    ] {
        h.update(&(part.len() as u64).to_le_bytes());
        h.update(part.as_bytes());
    }
    format!("xxh3:{:032x}", h.digest128())
}

/// One page to fetch.
struct Job {
    index: usize,
    url: Url,
    validators: Validators,
    attempts: u32,
    stored: Option<ArticlePage>,
}

/// What fetching one page gave.
enum Got {
    /// The body, and the page's validators for the next time it is asked for.
    Body(extract::Body, Validators),
    NotModified,
    Failed {
        message: String,
        retry: bool,
    },
}

/// Whether a failed fetch may succeed later: a 5xx, 408, 429 or no answer at all.
fn transient(status: Option<u16>) -> bool {
    status.is_none_or(|s| s >= 500 || s == 408 || s == 429)
}

async fn fetch_one(
    job: &Job,
    fetcher: &Fetcher,
    opts: &FetchOptions,
    limiter: &Limiter,
    cfg: &FullTextCfg,
    limits: &LimitsCfg,
) -> Got {
    let outcome = {
        let host = limiter.host(&job.url);
        let _host = host.acquire().await;
        let _slot = limiter.global.acquire().await;
        fetcher.fetch_url(&job.url, &job.validators, opts).await
    };
    match outcome {
        FetchOutcome::Fetched(f) => {
            let (cfg, limits) = (cfg.clone(), limits.clone());
            let validators = f.validators.clone();
            // Parsing a page is CPU work: off the runtime's threads, the slots released.
            let done = tokio::task::spawn_blocking(move || {
                let text = decode(&f.body, f.content_type.as_deref());
                extract::extract(&text, &f.final_url, &cfg, &limits)
                    .map_err(|e| format!("{}: {e}", f.final_url))
            })
            .await;
            match done {
                Ok(Ok(body)) => Got::Body(body, validators),
                Ok(Err(message)) => Got::Failed {
                    message,
                    retry: false,
                },
                Err(e) => Got::Failed {
                    message: format!("{}: extraction failed: {e}", job.url),
                    retry: false,
                },
            }
        }
        FetchOutcome::NotModified(_) => Got::NotModified,
        FetchOutcome::Failed { message, meta } => Got::Failed {
            message,
            retry: transient(meta.status),
        },
    }
}

/// Puts `body` (`chars` of text) in place of `a`'s content when it holds more text.
fn take_body(a: &mut Article, body: &str, chars: usize) -> bool {
    let own = plain_text(&a.content).chars().count();
    if chars <= own {
        return false;
    }
    a.content = body.to_string();
    if a.image.is_none() {
        a.image = first_image(&a.content);
    }
    true
}

/// Enriches `articles` of the `full_text` source `source` (see the module docs):
/// `stored` are the pages the store keeps for it, `now` the build's clock.
#[allow(clippy::too_many_arguments)]
pub async fn enrich(
    source: &Source,
    cfg: &FullTextCfg,
    articles: &mut [Article],
    stored: Vec<ArticlePage>,
    fetcher: &Fetcher,
    limiter: &Limiter,
    limits: &LimitsCfg,
    now: DateTime<Utc>,
) -> Enriched {
    let mut stored: HashMap<String, ArticlePage> =
        stored.into_iter().map(|p| (p.id.clone(), p)).collect();
    let policy = LinkPolicy::new(&source.url.as_url(), &cfg.allow_hosts);
    let mut out = Enriched::default();
    let mut jobs = Vec::new();
    let mut entries = Vec::with_capacity(articles.len());
    let feed = |why: String, a: &Article| ArticleText::Feed {
        why,
        chars: plain_text(&a.content).chars().count(),
    };
    for (index, a) in articles.iter_mut().enumerate() {
        let entry = entry_print(cfg, a);
        let page = stored.remove(&a.id);
        entries.push(entry.clone());
        let Some(link) = a.url.as_deref().and_then(|u| Url::parse(u).ok()) else {
            out.warnings.push(format!(
                "full text: article {:?} has no link to fetch; it keeps the feed's content",
                a.title
            ));
            out.articles.push(feed("no link".into(), a));
            continue;
        };
        let same = page
            .as_ref()
            .filter(|p| p.entry == entry && p.url == link.as_str());
        let text = match same {
            Some(p) if p.error.is_none() => {
                let origin = p.origin.clone();
                if take_body(a, &p.content, p.chars) {
                    ArticleText::Stored {
                        origin,
                        chars: p.chars,
                    }
                } else {
                    feed(format!("the page's text ({origin}) is not longer"), a)
                }
            }
            Some(p) if !p.retry || p.attempts as usize >= limits.full_text_attempts => feed(
                format!(
                    "the page failed ({}){}",
                    p.error.as_deref().unwrap_or(""),
                    if p.retry {
                        format!(" {} times; not tried again", p.attempts)
                    } else {
                        String::new()
                    }
                ),
                a,
            ),
            _ => {
                if let Err(why) = policy.check(&link) {
                    out.warnings.push(format!(
                        "full text: article {:?}: {why}; it keeps the feed's content",
                        a.title
                    ));
                    out.pages.push(ArticlePage {
                        source: source.name.clone(),
                        id: a.id.clone(),
                        url: link.to_string(),
                        entry,
                        error: Some(why.clone()),
                        fetched_at: Some(now),
                        ..ArticlePage::default()
                    });
                    out.articles.push(feed(why, a));
                    continue;
                }
                if jobs.len() >= limits.full_text_pages {
                    out.pending = true;
                    feed(
                        format!(
                            "over limits.full_text_pages = {} this build",
                            limits.full_text_pages
                        ),
                        a,
                    )
                } else {
                    let again = page.as_ref().filter(|p| p.entry == entry);
                    let attempts = again.map_or(0, |p| p.attempts) + 1;
                    // The stored page's validators, for a page whose entry changed: a 304
                    // then keeps its stored body.
                    let previous = page.filter(|p| p.url == link.as_str() && p.error.is_none());
                    jobs.push(Job {
                        index,
                        url: link,
                        validators: previous
                            .as_ref()
                            .map(|p| p.validators.clone())
                            .unwrap_or_default(),
                        attempts,
                        stored: previous,
                    });
                    feed("not fetched yet".into(), a)
                }
            }
        };
        out.articles.push(text);
    }
    let skipped = out
        .articles
        .iter()
        .filter(|t| matches!(t, ArticleText::Feed { why, .. } if why.starts_with("over limits")))
        .count();
    if skipped > 0 {
        out.warnings.push(format!(
            "full text: {skipped} article pages left for a later build: at most {} are fetched per build (limits.full_text_pages)",
            limits.full_text_pages
        ));
    }

    let mut opts = FetchOptions::for_source(source);
    opts.accept = Some(ACCEPT_HTML.to_string());
    out.fetched = jobs.len();
    let results: Vec<(usize, Got)> = futures_util::stream::iter(jobs.iter().enumerate())
        .map(|(j, job)| {
            let opts = &opts;
            async move { (j, fetch_one(job, fetcher, opts, limiter, cfg, limits).await) }
        })
        // More in flight would only wait for a slot, holding memory meanwhile.
        .buffer_unordered(limiter.concurrency)
        .collect()
        .await;
    let mut results: Vec<Option<Got>> = {
        let mut slots: Vec<Option<Got>> = (0..jobs.len()).map(|_| None).collect();
        for (j, got) in results {
            if let Some(s) = slots.get_mut(j) {
                *s = Some(got);
            }
        }
        slots
    };
    let mut failures = Vec::new();
    let bounds = Bounds::content(limits);
    for (j, job) in jobs.into_iter().enumerate() {
        let Some(got) = results.get_mut(j).and_then(Option::take) else {
            continue;
        };
        let (Some(a), Some(slot), Some(entry)) = (
            articles.get_mut(job.index),
            out.articles.get_mut(job.index),
            entries.get(job.index),
        ) else {
            continue;
        };
        let mut page = ArticlePage {
            source: source.name.clone(),
            id: a.id.clone(),
            url: job.url.to_string(),
            entry: entry.clone(),
            attempts: job.attempts,
            fetched_at: Some(now),
            ..ArticlePage::default()
        };
        match got {
            Got::Body(body, validators) => {
                let item = a.url.clone().unwrap_or_default();
                out.warnings.extend(cut_warning(
                    &source.name,
                    &item,
                    "full text",
                    &body.cuts,
                    &bounds,
                ));
                page.origin = body.origin.to_string();
                page.chars = body.chars;
                *slot = if take_body(a, &body.html, body.chars) {
                    ArticleText::Fetched {
                        origin: page.origin.clone(),
                        chars: body.chars,
                    }
                } else {
                    ArticleText::Feed {
                        why: format!("the page's text ({}) is not longer", page.origin),
                        chars: plain_text(&a.content).chars().count(),
                    }
                };
                page.content = body.html;
                page.validators = validators;
            }
            Got::NotModified => match job.stored {
                Some(old) => {
                    *slot = if take_body(a, &old.content, old.chars) {
                        ArticleText::Stored {
                            origin: old.origin.clone(),
                            chars: old.chars,
                        }
                    } else {
                        ArticleText::Feed {
                            why: format!("the page's text ({}) is not longer", old.origin),
                            chars: plain_text(&a.content).chars().count(),
                        }
                    };
                    page = ArticlePage {
                        entry: entry.clone(),
                        attempts: job.attempts,
                        fetched_at: Some(now),
                        ..old
                    };
                }
                None => {
                    page.error = Some(format!(
                        "{}: 304 Not Modified without a stored page",
                        job.url
                    ));
                    page.retry = true;
                }
            },
            Got::Failed { message, retry } => {
                let again = retry && (job.attempts as usize) < limits.full_text_attempts;
                out.pending |= again;
                out.warnings.push(format!(
                    "full text: article {:?}: {message}; it keeps the feed's content{}",
                    a.title,
                    if again {
                        " (tried again next build)"
                    } else {
                        ""
                    }
                ));
                *slot = ArticleText::Feed {
                    why: format!("the page failed ({message})"),
                    chars: plain_text(&a.content).chars().count(),
                };
                failures.push(message.clone());
                page.error = Some(message);
                page.retry = retry;
            }
        }
        out.pages.push(page);
    }
    if let Some(first) = failures.first() {
        out.degraded = Some(format!(
            "full text: {} of {} article pages failed and their articles keep the feed's content: {first}{}",
            failures.len(),
            out.fetched,
            if failures.len() > 1 { " (and others, see the warnings)" } else { "" }
        ));
    }
    out
}
