//! `feedmill inspect`: what each selector matches on a source's listing and first article
//! pages, and the article fields that result — the operator's tool for writing selectors.

use std::fmt;

use serde::Serialize;

use super::{run, PageSource, SelectorCount};
use crate::config::{HtmlCfg, Source};
use crate::model::RawArticle;

/// Article pages [`inspect`] fetches.
pub const INSPECT_ARTICLES: usize = 3;

/// One listing page as the selectors saw it.
#[derive(Debug, Clone, Serialize)]
pub struct ListingReport {
    /// Where it was read from (after redirects).
    pub url: String,
    /// Elements `item` matched.
    pub items: usize,
    /// Items in which `link` found an href.
    pub linked_items: usize,
    /// Elements `next` matched, when `next` is configured.
    pub next_matches: Option<usize>,
    /// Article links kept from this page (absolute, cleaned, allowed, new).
    pub links: Vec<String>,
}

/// One article page as the selectors saw it.
#[derive(Debug, Clone, Serialize)]
pub struct ArticleReport {
    /// The article link followed.
    pub url: String,
    /// Per configured selector, elements matched on this page.
    pub counts: Vec<SelectorCount>,
    /// Per field, where its value came from (`selector `h1.title``, `og:title`, …).
    pub origins: Vec<(String, String)>,
    /// The fields extracted.
    pub article: RawArticle<'static>,
}

/// The result of [`inspect`].
#[derive(Debug, Clone, Serialize)]
pub struct Inspection {
    /// The source's name.
    pub source: String,
    /// Listing pages read, in order.
    pub listing: Vec<ListingReport>,
    /// Up to [`INSPECT_ARTICLES`] article pages.
    pub articles: Vec<ArticleReport>,
    /// Totals per selector over the pages above.
    pub selector_counts: Vec<SelectorCount>,
    /// Warnings, as the scrape would report them.
    pub warnings: Vec<String>,
    /// Why the source would be marked degraded, if it would.
    pub degraded: Option<String>,
    /// What the config's filters say about each of `articles`, in order (filled by
    /// [`crate::inspect::inspect_source`]; empty when nothing filled it).
    pub filters: Vec<crate::filter::Verdict>,
}

/// Fetches the listing page(s) of `source` and up to [`INSPECT_ARTICLES`] article pages,
/// and reports what every selector matched and what each article came out as.
pub async fn inspect(
    source: &Source,
    cfg: &HtmlCfg,
    pages: &dyn PageSource,
) -> Result<Inspection, String> {
    let run = run(
        source,
        cfg,
        pages,
        Some(INSPECT_ARTICLES),
        &crate::config::LimitsCfg::default(),
    )
    .await?;
    Ok(Inspection {
        source: source.name.clone(),
        listing: run.listing,
        articles: run.pages,
        selector_counts: run.outcome.selector_counts,
        warnings: run.outcome.warnings,
        degraded: run.outcome.degraded,
        filters: Vec::new(),
    })
}

fn field(f: &mut fmt::Formatter<'_>, name: &str, value: &str, origin: Option<&str>) -> fmt::Result {
    match origin {
        Some(o) => writeln!(f, "    {name:<9} {value}   [{o}]"),
        None => writeln!(f, "    {name:<9} {value}"),
    }
}

/// First `n` characters of `s`, with `…` when cut.
fn clip(s: &str, n: usize) -> String {
    let mut out: String = s.chars().take(n).collect();
    if s.chars().nth(n).is_some() {
        out.push('…');
    }
    out.replace('\n', " ")
}

impl fmt::Display for Inspection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "source {}", self.source)?;
        for (i, l) in self.listing.iter().enumerate() {
            writeln!(f, "listing page {}: {}", i + 1, l.url)?;
            writeln!(f, "  item   {:>4} matched", l.items)?;
            writeln!(f, "  link   {:>4} items with an href", l.linked_items)?;
            if let Some(n) = l.next_matches {
                writeln!(f, "  next   {n:>4} matched")?;
            }
            writeln!(f, "  {} article links kept", l.links.len())?;
        }
        for (i, a) in self.articles.iter().enumerate() {
            writeln!(f, "article {}", a.url)?;
            for c in &a.counts {
                writeln!(
                    f,
                    "  {:<8} {:>4} matched  `{}`",
                    c.field, c.matches, c.selector
                )?;
            }
            let origin = |name: &str| {
                a.origins
                    .iter()
                    .find(|(k, _)| k == name)
                    .map(|(_, v)| v.as_str())
            };
            let r = &a.article;
            let none = "(none)";
            field(
                f,
                "title",
                r.title.as_deref().unwrap_or(none),
                origin("title"),
            )?;
            field(f, "link", r.link.as_deref().unwrap_or(none), origin("link"))?;
            field(
                f,
                "date",
                r.published.as_deref().unwrap_or(none),
                origin("date"),
            )?;
            if let Some(u) = &r.updated {
                field(f, "updated", u, origin("updated"))?;
            }
            field(f, "authors", &r.authors.join(" | "), origin("author"))?;
            field(f, "tags", &r.tags.join(" | "), origin("tags"))?;
            field(
                f,
                "image",
                r.image.as_deref().unwrap_or(none),
                origin("image"),
            )?;
            let summary = r.summary_html.as_deref().map(|s| clip(s, 100));
            field(
                f,
                "summary",
                summary.as_ref().unwrap_or(&none.to_string()),
                origin("summary"),
            )?;
            let content = r
                .content_html
                .as_deref()
                .map(|s| format!("{} chars: {}", s.chars().count(), clip(s, 100)));
            field(
                f,
                "content",
                content.as_ref().unwrap_or(&none.to_string()),
                origin("content"),
            )?;
            if let Some(v) = self.filters.get(i) {
                field(f, "filters", &v.describe(), None)?;
            }
        }
        for w in &self.warnings {
            writeln!(f, "warning: {w}")?;
        }
        match &self.degraded {
            Some(d) => writeln!(f, "DEGRADED: {d}"),
            None => writeln!(f, "ok"),
        }
    }
}
