//! HTML served where a feed was expected: find the feeds the page advertises.

use scraper::{Html, Selector};
use url::Url;

use super::util::resolve_url;
use super::ReadError;

/// Whether the text starts like an HTML page rather than XML.
pub fn looks_like_html(head: &str) -> bool {
    let start = head.get(..head.len().min(1024)).unwrap_or_default();
    let lower = start.to_ascii_lowercase();
    let t = lower.trim_start();
    t.starts_with("<!doctype html")
        || t.starts_with("<html")
        || t.starts_with("<head")
        || t.starts_with("<body")
}

/// Whether an HTML root shows up anywhere near the start (after comments or an XML
/// declaration); used when XML parsing failed before the root element.
pub fn mentions_html(text: &str) -> bool {
    let start = text.get(..text.len().min(2048)).unwrap_or(text);
    start.to_ascii_lowercase().contains("<html")
}

/// The error for an HTML page, listing its `<link rel="alternate">` feeds as absolute URLs.
pub fn error(text: &str, base_url: Option<&Url>) -> ReadError {
    // Bounded first: the tree builder is quadratic in nesting depth (see normalize::html).
    let bounds = crate::normalize::html::Bounds::page(&crate::config::LimitsCfg::default());
    let doc = Html::parse_document(&crate::normalize::html::bound(text, &bounds).0);
    let mut base = base_url.cloned();
    if let Ok(sel) = Selector::parse("base[href]") {
        if let Some(href) = doc.select(&sel).next().and_then(|e| e.value().attr("href")) {
            if let Some(u) = resolve_url(base.as_ref(), href) {
                base = Some(u);
            }
        }
    }
    let mut alternates: Vec<String> = Vec::new();
    if let Ok(sel) = Selector::parse("link[rel][href]") {
        for link in doc.select(&sel) {
            let el = link.value();
            let rel = el.attr("rel").unwrap_or_default();
            if !rel
                .split_ascii_whitespace()
                .any(|r| r.eq_ignore_ascii_case("alternate"))
            {
                continue;
            }
            let typ = el
                .attr("type")
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase();
            let typ = typ.split(';').next().unwrap_or_default().trim();
            if !matches!(
                typ,
                "application/rss+xml"
                    | "application/atom+xml"
                    | "application/feed+json"
                    | "application/rdf+xml"
            ) {
                continue;
            }
            let href = el.attr("href").unwrap_or_default();
            let abs = match resolve_url(base.as_ref(), href) {
                Some(u) => u.to_string(),
                None => href.trim().to_string(),
            };
            if !abs.is_empty() && !alternates.contains(&abs) {
                alternates.push(abs);
            }
        }
    }
    let message = if alternates.is_empty() {
        "this is an HTML page, not a feed, and it advertises no feed".to_string()
    } else {
        "this is an HTML page, not a feed".to_string()
    };
    ReadError {
        message,
        line: None,
        column: None,
        alternates,
    }
}
