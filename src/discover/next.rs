//! The link to a listing's next page: `<link rel="next">`, a link saying "next" (in the
//! languages feedmill reads), or the pager link right after the current page's marker;
//! with a selector that finds it, checked on the page.

use scraper::{ElementRef, Html};
use url::Url;

use super::listing::{resolve, same_site};
use super::select::{self, candidates, select, text};
use super::signals::fold;
use crate::scrape::clean_url;

/// Link texts that mean "the next page" (folded: lowercase, no marks).
const NEXT_WORDS: &[&str] = &[
    "next",
    "next page",
    "older",
    "older posts",
    "older entries",
    "more",
    "sau",
    "trang sau",
    "tiep",
    "tiep theo",
    "trang tiep",
    "xem tiep",
    "suivant",
    "page suivante",
    "weiter",
    "nachste",
    "siguiente",
];

fn says_next(a: ElementRef<'_>) -> bool {
    let raw = text(a);
    let arrows = raw.trim();
    if matches!(arrows, "»" | "›" | ">" | ">>" | "→" | "»»") {
        return true;
    }
    let words: String = fold(&raw)
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { ' ' })
        .collect();
    let words = words.split_whitespace().collect::<Vec<_>>().join(" ");
    let labelled = ["aria-label", "title"].iter().any(|k| {
        a.attr(k)
            .map(fold)
            .is_some_and(|v| v.contains("next") || v.contains("trang sau") || v.contains("tiep"))
    });
    NEXT_WORDS.contains(&words.as_str())
        || labelled
        || select::classes(a).iter().any(|c| {
            c.to_ascii_lowercase()
                .split(['-', '_'])
                .any(|w| w == "next")
        })
}

/// Whether `el` sits in a pagination box (`.pagination`, `.paging`, `.page-numbers`, …).
fn in_pager(el: ElementRef<'_>) -> bool {
    el.ancestors()
        .filter_map(ElementRef::wrap)
        .take(4)
        .any(|e| {
            e.value().name() == "nav"
                || select::classes(e)
                    .iter()
                    .chain(e.value().id().map(str::to_string).iter())
                    .any(|c| {
                        let c = c.to_ascii_lowercase();
                        [
                            "pagination",
                            "pager",
                            "paging",
                            "page-numbers",
                            "phan-trang",
                            "nav-links",
                            "pages",
                        ]
                        .iter()
                        .any(|w| c.contains(w))
                    })
        })
}

/// Whether `el` is the current page's marker in a pager.
fn current(el: ElementRef<'_>) -> bool {
    el.attr("aria-current").is_some()
        || select::classes(el).iter().any(|c| {
            matches!(
                c.to_ascii_lowercase().as_str(),
                "active" | "current" | "selected" | "on"
            )
        })
}

/// Selectors for the pager link right after the current page's marker.
fn prev_element(e: ElementRef<'_>) -> Option<ElementRef<'_>> {
    e.prev_siblings().find_map(ElementRef::wrap)
}

fn after_current(a: ElementRef<'_>) -> Vec<String> {
    let mut out = Vec::new();
    let prev = prev_element;
    if let Some(p) = prev(a).filter(|p| current(*p)) {
        for c in select::classes(p) {
            out.push(format!("{}.{c} + a", p.value().name()));
        }
    }
    if let Some(li) = a.parent().and_then(ElementRef::wrap) {
        if let Some(p) = prev(li).filter(|p| current(*p) || current_inside(*p)) {
            let tag = li.value().name();
            for c in select::classes(p) {
                out.push(format!("{}.{c} + {tag} a", p.value().name()));
            }
        }
    }
    out
}

fn current_inside(el: ElementRef<'_>) -> bool {
    el.children().filter_map(ElementRef::wrap).any(current)
}

/// The next listing page: `<link rel=next>`, a link saying "next", or the pager link after
/// the current page; with a selector that finds it.
pub fn next_page(doc: &Html, base: &Url, page_url: &Url) -> Option<(String, Url)> {
    let page = clean_url(page_url);
    let works = |css: &str, want: &Url| {
        select(doc, css)
            .unwrap_or_default()
            .into_iter()
            .find_map(|e| e.attr("href"))
            .and_then(|h| resolve(base, h))
            .as_ref()
            == Some(want)
    };
    let usable = |u: &Url| *u != page && same_site(u, page_url);
    for css in [r#"link[rel~="next"]"#, r#"a[rel~="next"]"#] {
        let found = select(doc, css)
            .unwrap_or_default()
            .into_iter()
            .find_map(|e| e.attr("href"))
            .and_then(|h| resolve(base, h));
        if let Some(u) = found.filter(usable) {
            if works(css, &u) {
                return Some((css.to_string(), u));
            }
        }
    }
    let anchors = select(doc, "a[href]").unwrap_or_default();
    let by_word = anchors.iter().filter(|a| says_next(**a));
    let by_number = anchors.iter().filter(|a| text(**a) == "2" && in_pager(**a));
    for a in by_word.chain(by_number) {
        let Some(u) = a.attr("href").and_then(|h| resolve(base, h)).filter(usable) else {
            continue;
        };
        let mut tries = Vec::new();
        for k in ["aria-label", "title"] {
            if let Some(v) = a.attr(k).filter(|v| !v.contains('"') && !v.is_empty()) {
                tries.push(format!("a[{k}=\"{v}\"]"));
            }
        }
        tries.extend(after_current(*a));
        tries.extend(candidates(*a).into_iter().filter(|c| c != "a"));
        if let Some(css) = tries.into_iter().find(|css| works(css, &u)) {
            return Some((css, u));
        }
    }
    None
}
