//! The scrape stage: an HTML listing page and the article pages it links to →
//! [`RawArticle`]s, described only by the CSS selectors of a `[source.html]` table.
//!
//! Every field falls back, when its selector is absent or matches nothing, to what the page
//! declares about itself (JSON-LD, OpenGraph / `article:*`, `<time datetime>`,
//! `<meta name="keywords">`, `<link rel="canonical">`, `<title>`). Dates stay text: the
//! normalize stage reads them with the source's time zone and `date_formats`. Content is
//! the selected element's HTML minus `remove`, with absolute URLs; normalize sanitizes it.
//!
//! Pages come through [`PageSource`], so the pipeline plugs in its polite fetcher and tests
//! use [`SimplePages`]. A selector that stops matching is reported in
//! [`ScrapeOutcome::degraded`] rather than silently yielding an empty feed.

mod article;
mod compiled;
mod html_out;
mod inspect;
mod links;
mod listing;
mod meta;
mod pages;

/// A page's base URL (its `<base href>`, else its own), for other stages reading pages.
pub(crate) use article::document_base;

use std::collections::{BTreeMap, HashSet};

use futures_util::stream::{self, StreamExt};
use serde::Serialize;
use url::Url;

use crate::config::{HtmlCfg, LimitsCfg, Source};
use crate::model::RawArticle;
use crate::normalize::html::{bound, Bounds};

pub use compiled::validate;
pub use inspect::{inspect, ArticleReport, Inspection, ListingReport};
pub use links::{clean_url, is_internal, LinkPolicy};
pub use meta::{LdArticle, PageMeta};
pub use pages::{decode, Page, PageFuture, PageSource, SimplePages};

use compiled::Compiled;

/// Article pages fetched at once; the [`PageSource`] applies its own per-host limit.
const IN_FLIGHT: usize = 8;

/// How often one selector matched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SelectorCount {
    /// The `[source.html]` key (`item`, `link`, `next`, `title`, …, `remove`).
    pub field: String,
    /// The selector as written.
    pub selector: String,
    /// Pages it was tried on.
    pub pages: usize,
    /// Pages on which it matched at least once.
    pub pages_matched: usize,
    /// Elements matched over all those pages (for `link`: items that had a link).
    pub matches: usize,
}

/// What scraping one source gave.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ScrapeOutcome {
    /// One per article page that yielded a title, in listing order.
    pub articles: Vec<RawArticle<'static>>,
    /// Things the operator should know that did not stop the scrape (skipped links, article
    /// pages that failed, selectors that fell back to metadata).
    pub warnings: Vec<String>,
    /// Set when the site seems to have changed: `item` or `link` matched nothing, or an
    /// article page yielded no title. Names the selector and the URL.
    pub degraded: Option<String>,
    /// Per selector, over every page scraped.
    pub selector_counts: Vec<SelectorCount>,
    /// Listing pages read.
    pub listing_pages: usize,
    /// Article links found (after filtering and deduplication).
    pub links: usize,
}

/// Scrapes `source` (its URL is the listing) with the selectors of `cfg`.
///
/// `Err` only when nothing could be attempted: the required selectors do not parse or the
/// first listing page could not be fetched. Everything else — a selector matching
/// nothing, an article page failing — is in the outcome.
///
/// Runs under the default `[limits]`; [`scrape_with`] takes the config's.
pub async fn scrape(
    source: &Source,
    cfg: &HtmlCfg,
    pages: &dyn PageSource,
) -> Result<ScrapeOutcome, String> {
    scrape_with(source, cfg, pages, &LimitsCfg::default()).await
}

/// [`scrape`] under `limits`: every page parsed within their HTML bounds, and at most
/// `limits.links_per_listing` article pages followed from each listing page (the rest are
/// skipped with a warning saying how many).
pub async fn scrape_with(
    source: &Source,
    cfg: &HtmlCfg,
    pages: &dyn PageSource,
    limits: &LimitsCfg,
) -> Result<ScrapeOutcome, String> {
    let run = run(source, cfg, pages, None, limits).await?;
    Ok(run.outcome)
}

/// [`scrape_with`] the source's own `[source.html]` table; `Err` when it has no table.
pub async fn scrape_source(
    source: &Source,
    pages: &dyn PageSource,
    limits: &LimitsCfg,
) -> Result<ScrapeOutcome, String> {
    let cfg = source.html.as_ref().ok_or_else(|| {
        format!(
            "source {}: kind = \"html\" needs a [source.html] table",
            source.name
        )
    })?;
    scrape_with(source, cfg, pages, limits).await
}

/// One scrape's full record; [`inspect`] keeps the per-page detail.
struct Run {
    outcome: ScrapeOutcome,
    listing: Vec<ListingReport>,
    pages: Vec<ArticleReport>,
}

/// Aggregates per-page counts into [`SelectorCount`]s, in first-seen order.
#[derive(Default)]
struct Tally {
    order: Vec<(String, String)>,
    counts: BTreeMap<(String, String), SelectorCount>,
}

impl Tally {
    fn add(&mut self, field: &str, selector: &str, matches: usize) {
        let key = (field.to_string(), selector.to_string());
        let entry = self.counts.entry(key.clone()).or_insert_with(|| {
            self.order.push(key);
            SelectorCount {
                field: field.to_string(),
                selector: selector.to_string(),
                pages: 0,
                pages_matched: 0,
                matches: 0,
            }
        });
        entry.pages += 1;
        entry.pages_matched += usize::from(matches > 0);
        entry.matches += matches;
    }

    fn into_counts(mut self) -> Vec<SelectorCount> {
        self.order
            .iter()
            .filter_map(|k| self.counts.remove(k))
            .collect()
    }
}

/// A page within the HTML cost bounds, before it is parsed; what they cut is a warning.
fn bounded<'a>(
    text: &'a str,
    bounds: &Bounds,
    url: &Url,
    warnings: &mut Vec<String>,
) -> std::borrow::Cow<'a, str> {
    let (text, cuts) = bound(text, bounds);
    if cuts.any() {
        warnings.push(format!("{url}: {}", cuts.describe(bounds)));
    }
    text
}

fn degrade(outcome: &mut ScrapeOutcome, why: String) {
    outcome.degraded = Some(match outcome.degraded.take() {
        Some(prev) => format!("{prev}; {why}"),
        None => why,
    });
}

/// Scrapes, fetching at most `max_articles` article pages when given.
async fn run(
    source: &Source,
    cfg: &HtmlCfg,
    pages: &dyn PageSource,
    max_articles: Option<usize>,
    limits: &LimitsCfg,
) -> Result<Run, String> {
    let bounds = Bounds::page(limits);
    let (sel, selector_warnings) =
        Compiled::new(cfg).map_err(|e| format!("source {}: {e}", source.name))?;
    let mut outcome = ScrapeOutcome {
        warnings: selector_warnings,
        ..ScrapeOutcome::default()
    };
    let mut tally = Tally::default();
    let mut listing_reports = Vec::new();

    let start = source.url.as_url();
    let mut policy = LinkPolicy::new(&start, &cfg.allow_hosts);
    let mut visited: HashSet<Url> = HashSet::new();
    let mut links: Vec<Url> = Vec::new();
    let mut known: HashSet<Url> = HashSet::new();
    let mut refused = 0usize;
    let mut next_page = Some(start.clone());
    let wanted_pages = cfg.pages.max(1) as usize;
    while let Some(page_url) = next_page.take() {
        if outcome.listing_pages >= wanted_pages || !visited.insert(clean_url(&page_url)) {
            break;
        }
        let page = match pages.get(&page_url).await {
            Ok(p) => p,
            Err(e) if outcome.listing_pages == 0 => {
                return Err(format!("source {}: listing: {e}", source.name))
            }
            Err(e) => {
                outcome
                    .warnings
                    .push(format!("listing page {page_url}: {e}"));
                break;
            }
        };
        let first = outcome.listing_pages == 0;
        outcome.listing_pages += 1;
        if first {
            policy.add_own(&page.final_url);
        }
        let text = decode(&page.body, page.content_type.as_deref());
        let text = bounded(&text, &bounds, &page.final_url, &mut outcome.warnings);
        let found = listing::parse(&text, &page.final_url, &sel);
        tally.add("item", &sel.item.text, found.items);
        tally.add("link", &sel.link.text, found.linked_items);
        if let (Some(n), Some(next)) = (found.next_matches, &sel.next) {
            tally.add("next", &next.text, n);
        }
        outcome.warnings.extend(found.warnings.iter().cloned());
        if found.items == 0 {
            let why = format!(
                "selector `item` = `{}` matched nothing on {}",
                sel.item.text, page.final_url
            );
            if first {
                degrade(&mut outcome, why);
            } else {
                outcome.warnings.push(why);
            }
        } else if found.linked_items == 0 {
            degrade(
                &mut outcome,
                format!(
                    "selector `link` = `{}` matched no element with an href in any of the {} items on {}",
                    sel.link.text, found.items, page.final_url
                ),
            );
        } else if found.linked_items < found.items {
            outcome.warnings.push(format!(
                "selector `link` = `{}` found no href in {} of {} items on {}",
                sel.link.text,
                found.items - found.linked_items,
                found.items,
                page.final_url
            ));
        }
        let mut page_links = Vec::new();
        let mut over_limit = 0usize;
        for url in &found.links {
            match policy.check(url) {
                // Each page followed costs a request and a body: the cap is per listing page.
                Ok(()) if page_links.len() >= limits.links_per_listing => {
                    if !known.contains(url) {
                        over_limit += 1;
                    }
                }
                Ok(()) if known.insert(url.clone()) => {
                    links.push(url.clone());
                    page_links.push(url.to_string());
                }
                Ok(()) => {}
                Err(why) => {
                    refused += 1;
                    outcome.warnings.push(why);
                }
            }
        }
        if over_limit > 0 {
            outcome.warnings.push(format!(
                "{over_limit} article links on {} skipped: only the first {} of a listing page \
                 are followed (limits.links_per_listing)",
                page.final_url, limits.links_per_listing
            ));
        }
        listing_reports.push(ListingReport {
            url: page.final_url.to_string(),
            items: found.items,
            linked_items: found.linked_items,
            next_matches: found.next_matches,
            links: page_links,
        });
        // A page without items means the layout changed or the list ended: stop paging.
        if outcome.listing_pages < wanted_pages && found.items > 0 {
            match (&sel.next, found.next) {
                (None, _) => outcome.warnings.push(format!(
                    "pages = {wanted_pages} but no `next` selector is configured; read 1 listing page"
                )),
                (Some(next), None) => outcome.warnings.push(format!(
                    "selector `next` = `{}` found no next page on {}",
                    next.text, page.final_url
                )),
                (Some(_), Some(url)) => match policy.check(&url) {
                    Ok(()) => next_page = Some(url),
                    Err(why) => outcome.warnings.push(format!("next page {why}")),
                },
            }
        }
    }
    outcome.links = links.len();
    if links.is_empty() && refused > 0 {
        degrade(
            &mut outcome,
            format!(
                "all {refused} article links on the listing were skipped (other hosts or \
                 schemes; see warnings) — did the site move? name its host in allow_hosts"
            ),
        );
    }
    if let Some(max) = max_articles {
        links.truncate(max);
    }

    // Owned URLs: a closure over borrowed ones would make the future not `Send`
    // (rust-lang/rust#102211), and the pipeline spawns it. Each page is processed as it
    // arrives (in listing order) and its body dropped, so at most IN_FLIGHT bodies are held
    // at once, never every page of the listing.
    let mut fetched = stream::iter(links)
        .map(|url: Url| async move {
            let page = pages.get(&url).await;
            (url, page)
        })
        .buffered(IN_FLIGHT);
    let mut reports = Vec::new();
    let mut untitled = Vec::new();
    let mut article_links: HashSet<Option<String>> = HashSet::new();
    let mut failures = 0;
    while let Some((url, result)) = fetched.next().await {
        let page = match result {
            Ok(p) => p,
            Err(e) => {
                failures += 1;
                outcome.warnings.push(format!("article page: {e}"));
                continue;
            }
        };
        // A redirect may have taken the request somewhere the listing could not send it.
        if let Err(why) = policy.check(&page.final_url) {
            outcome
                .warnings
                .push(format!("article page {url} redirected away: {why}"));
            continue;
        }
        let text = decode(&page.body, page.content_type.as_deref());
        let text = bounded(&text, &bounds, &page.final_url, &mut outcome.warnings);
        let got = article::extract(&text, &page.final_url, &sel, &policy);
        for (field, selector, n) in &got.counts {
            tally.add(field, selector, *n);
        }
        outcome.warnings.extend(got.warnings.iter().cloned());
        if got.article.title.is_none() {
            untitled.push(page.final_url.to_string());
        } else if !article_links.insert(got.article.link.as_deref().map(String::from)) {
            // Two listing links (say `?ref=home` and the plain URL) named one canonical page.
            outcome.warnings.push(format!(
                "{url}: same article as an earlier link ({})",
                got.article.link.as_deref().unwrap_or_default()
            ));
        } else {
            outcome.articles.push(got.article.clone());
        }
        reports.push(ArticleReport {
            url: url.to_string(),
            counts: got
                .counts
                .iter()
                .map(|(f, s, n)| SelectorCount {
                    field: f.to_string(),
                    selector: s.clone(),
                    pages: 1,
                    pages_matched: usize::from(*n > 0),
                    matches: *n,
                })
                .collect(),
            origins: got
                .origins
                .iter()
                .map(|(f, o)| (f.to_string(), o.clone()))
                .collect(),
            article: got.article,
        });
    }
    if let Some(first) = untitled.first() {
        let how = match &sel.title {
            Some(t) => format!("selector `title` = `{}` matched nothing and the page has no headline, og:title or <title>", t.text),
            None => "no `title` selector is configured and the page has no headline, og:title or <title>".to_string(),
        };
        degrade(
            &mut outcome,
            format!(
                "{} of {} article pages yielded no title ({how}), e.g. {first}",
                untitled.len(),
                reports.len()
            ),
        );
    }
    if failures > 0 && reports.is_empty() {
        degrade(
            &mut outcome,
            format!("none of the {failures} article pages could be fetched"),
        );
    }
    let counts = tally.into_counts();
    for c in &counts {
        let article_field = !matches!(c.field.as_str(), "item" | "link" | "next" | "remove");
        if article_field && c.pages_matched < c.pages {
            outcome.warnings.push(format!(
                "selector `{}` = `{}` matched nothing on {} of {} article pages (page metadata used instead where it had the field)",
                c.field,
                c.selector,
                c.pages - c.pages_matched,
                c.pages
            ));
        }
    }
    outcome.selector_counts = counts;
    Ok(Run {
        outcome,
        listing: listing_reports,
        pages: reports,
    })
}

#[cfg(test)]
mod tests;
