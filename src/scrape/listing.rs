//! One listing page → the article links it names and its next-page link.

use scraper::{ElementRef, Html};
use url::Url;

use super::article::document_base;
use super::compiled::Compiled;
use super::links::{clean_url, resolve};

/// What one listing page gave.
#[derive(Debug, Clone, Default)]
pub struct Listing {
    /// Article links, absolute and cleaned, in page order, duplicates on this page removed.
    pub links: Vec<Url>,
    /// The next listing page, if the `next` selector found one.
    pub next: Option<Url>,
    /// Elements `item` matched.
    pub items: usize,
    /// Items in which `link` found an element with an href.
    pub linked_items: usize,
    /// Elements `next` matched (`None` when no `next` is configured).
    pub next_matches: Option<usize>,
    /// Items whose link was missing or unusable.
    pub warnings: Vec<String>,
}

/// The href of the first element matching `link` in `item` (or `item` itself).
fn item_href<'a>(item: ElementRef<'a>, sel: &Compiled) -> Option<&'a str> {
    if sel.link.sel.matches(&item) {
        if let Some(h) = item.attr("href") {
            return Some(h);
        }
    }
    item.select(&sel.link.sel).find_map(|a| a.attr("href"))
}

/// Reads a listing page fetched from `page_url`.
pub fn parse(html: &str, page_url: &Url, sel: &Compiled) -> Listing {
    let doc = Html::parse_document(html);
    let base = document_base(&doc, page_url);
    let mut out = Listing::default();
    let mut seen = std::collections::HashSet::new();
    for (i, item) in doc.select(&sel.item.sel).enumerate() {
        out.items += 1;
        let Some(href) = item_href(item, sel) else {
            continue;
        };
        out.linked_items += 1;
        match resolve(&base, href) {
            Some(url) => {
                let url = clean_url(&url);
                if seen.insert(url.clone()) {
                    out.links.push(url);
                }
            }
            None => out.warnings.push(format!(
                "{page_url}: item {} has an unusable link `{href}`",
                i + 1
            )),
        }
    }
    if let Some(next) = &sel.next {
        let found: Vec<ElementRef<'_>> = doc.select(&next.sel).collect();
        out.next_matches = Some(found.len());
        out.next = found
            .iter()
            .find_map(|a| a.attr("href"))
            .and_then(|h| resolve(&base, h))
            .map(|u| clean_url(&u));
    }
    out
}
