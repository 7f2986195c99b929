//! Sampled article pages → the article selectors of an HTML source. A field the page
//! declares in JSON-LD, OpenGraph or `<time datetime>` on every sample gets no selector (the
//! scraper falls back to those); otherwise a selector is inferred on the first sample and
//! kept only if it gives the field on every sample.

use std::collections::HashSet;

use chrono_tz::Tz;
use scraper::{ElementRef, Html};
use url::Url;

use super::select::{self, candidates, select, text};
use super::signals::{fold, junk_tag};
use crate::normalize::date::parse_date;
use crate::scrape::PageMeta;

/// One fetched article page and what the listing said about it.
pub struct Sample {
    /// Where it was read from.
    pub url: Url,
    /// The page, decoded.
    pub html: String,
    /// The title the listing showed for it (may be empty).
    pub listed_title: String,
}

/// The article selectors inferred; `None` leaves a field to the scraper's fallbacks.
#[derive(Debug, Clone, Default)]
pub struct Fields {
    /// `title`.
    pub title: Option<String>,
    /// `date`.
    pub date: Option<String>,
    /// `author`.
    pub author: Option<String>,
    /// `tags`.
    pub tags: Option<String>,
    /// `summary`.
    pub summary: Option<String>,
    /// `content`.
    pub content: Option<String>,
    /// `remove`.
    pub remove: Vec<String>,
    /// `image`.
    pub image: Option<String>,
    /// Where each field comes from, for the operator.
    pub notes: Vec<String>,
}

pub(super) struct Doc {
    pub doc: Html,
    pub meta: PageMeta,
    pub title: String,
    /// Readability's paragraphs of the main text.
    pub paras: Vec<String>,
}

fn readable_paragraphs(html: &str, url: &Url) -> Vec<String> {
    let Ok(mut r) = dom_smoothie::Readability::new(html, Some(url.as_str()), None) else {
        return Vec::new();
    };
    let Ok(article) = r.parse() else {
        return Vec::new();
    };
    let content = Html::parse_fragment(&article.content);
    let mut paras: Vec<String> = select(&content, "p, li, blockquote, pre")
        .unwrap_or_default()
        .into_iter()
        .map(text)
        .filter(|t| t.chars().count() >= 25)
        .collect();
    paras.dedup();
    paras
}

/// Whether two titles are the same headline (a listing may cut it with `…`).
pub(super) fn same_title(a: &str, b: &str) -> bool {
    let clean = |s: &str| fold(s).trim_end_matches(['.', '…', ' ']).trim().to_string();
    let (a, b) = (clean(a), clean(b));
    if a.is_empty() || b.is_empty() {
        return false;
    }
    let (short, long) = if a.len() <= b.len() {
        (&a, &b)
    } else {
        (&b, &a)
    };
    a == b || (long.starts_with(short.as_str()) && short.len() * 10 >= long.len() * 6)
}

fn in_furniture(el: ElementRef<'_>) -> bool {
    std::iter::once(el)
        .chain(el.ancestors().filter_map(ElementRef::wrap))
        .any(junk_tag)
}

/// Body elements not in furniture, not script or style, in document order.
pub(super) fn body_elements(doc: &Html) -> Vec<ElementRef<'_>> {
    select(doc, "body *")
        .unwrap_or_default()
        .into_iter()
        .filter(|e| {
            !matches!(
                e.value().name(),
                "script" | "style" | "noscript" | "template"
            )
        })
        .filter(|e| !in_furniture(*e))
        .collect()
}

/// The first of `tries` whose first match on every sample satisfies `ok`.
pub(super) fn first_working<F>(tries: Vec<String>, docs: &[Doc], ok: F) -> Option<String>
where
    F: Fn(&Doc, &[ElementRef<'_>]) -> bool,
{
    tries.into_iter().find(|css| {
        docs.iter().all(|d| {
            let found = select(&d.doc, css).unwrap_or_default();
            !found.is_empty() && ok(d, &found)
        })
    })
}

fn class_words(el: ElementRef<'_>) -> Vec<String> {
    let mut out = Vec::new();
    for attr in ["class", "id", "itemprop", "rel"] {
        if let Some(v) = el.value().attr(attr) {
            for t in v.split_whitespace() {
                let t = t.to_ascii_lowercase();
                out.extend(t.split(['-', '_']).map(str::to_string));
                out.push(t.replace(['-', '_'], ""));
            }
        }
    }
    out
}

pub(super) fn hinted(el: ElementRef<'_>, words: &[&str]) -> bool {
    class_words(el).iter().any(|w| words.contains(&w.as_str()))
}

/// The date an element shows: its text, or its `datetime`/`content` when it has none.
fn date_text(el: ElementRef<'_>) -> String {
    let t = text(el);
    if t.is_empty() {
        el.attr("datetime")
            .or_else(|| el.attr("content"))
            .map(crate::text::collapse_ws)
            .unwrap_or_default()
    } else {
        t
    }
}

/// Whether a text reads as a date: short, two groups of digits or a month name, and
/// accepted by the normalizer's date reader.
fn reads_as_date(t: &str, tz: Tz) -> Option<chrono::DateTime<chrono::FixedOffset>> {
    if t.is_empty() || t.chars().count() > 80 {
        return None;
    }
    let groups = t
        .split(|c: char| !c.is_ascii_digit())
        .filter(|g| !g.is_empty())
        .count();
    if groups < 2 {
        return None;
    }
    parse_date(t, tz).ok()
}

fn title_field(docs: &[Doc], out: &mut Fields) {
    let all = |f: &dyn Fn(&Doc) -> Option<String>| {
        docs.iter()
            .all(|d| f(d).is_some_and(|v| same_title(&v, &d.title)))
    };
    if all(&|d| d.meta.ld.as_ref().and_then(|l| l.headline.clone())) {
        out.notes.push("title: the pages' JSON-LD headline".into());
        return;
    }
    let first = &docs[0];
    let mut tries = Vec::new();
    for el in body_elements(&first.doc) {
        let heading = matches!(el.value().name(), "h1" | "h2" | "h3")
            || hinted(el, &["title", "headline", "heading", "tieude"]);
        if heading && el.value().name() != "a" && same_title(&text(el), &first.title) {
            tries.extend(candidates(el));
        }
    }
    let found = first_working(tries, docs, |d, els| same_title(&text(els[0]), &d.title));
    match found {
        Some(css) => {
            out.notes.push(format!(
                "title: selector `{css}` (checked on {} pages)",
                docs.len()
            ));
            out.title = Some(css);
        }
        None if all(&|d| d.meta.og_title.clone()) => {
            out.notes.push("title: the pages' og:title".into());
        }
        None => out.notes.push(
            "title: no element matched the listing's titles; the page's <title> is used".into(),
        ),
    }
}

fn date_field(docs: &[Doc], tz: Tz, out: &mut Fields) {
    let declared = |d: &Doc| {
        let ld = d.meta.ld.as_ref().and_then(|l| l.date_published.clone());
        [
            ("JSON-LD datePublished", ld),
            ("article:published_time", d.meta.published_time.clone()),
            ("<time datetime>", d.meta.time_datetime.clone()),
        ]
        .into_iter()
        .find_map(|(k, v)| v.filter(|v| parse_date(v, tz).is_ok()).map(|_| k))
    };
    let origins: Vec<Option<&str>> = docs.iter().map(declared).collect();
    if origins.iter().all(Option::is_some) {
        let mut names: Vec<&str> = origins.into_iter().flatten().collect();
        names.dedup();
        out.notes
            .push(format!("date: the pages' {}", names.join(" / ")));
        return;
    }
    const HINTS: &[&str] = &[
        "date",
        "time",
        "datetime",
        "published",
        "publish",
        "posted",
        "pubdate",
        "ngay",
        "ngaydang",
        "thoigian",
        "dateline",
        "timestamp",
    ];
    let first = &docs[0];
    let mut ranked: Vec<(bool, bool, usize, usize, ElementRef<'_>)> = Vec::new();
    for (i, el) in body_elements(&first.doc).into_iter().enumerate() {
        let t = date_text(el);
        let Some(dt) = reads_as_date(&t, tz) else {
            continue;
        };
        let timed = dt.time() != chrono::NaiveTime::MIN;
        let hint = el.value().name() == "time" || hinted(el, HINTS);
        ranked.push((!hint, !timed, t.len(), i, el));
    }
    ranked.sort_by_key(|a| (a.0, a.1, a.2, a.3));
    let tries: Vec<String> = ranked.iter().flat_map(|r| candidates(r.4)).collect();
    let mut seen = HashSet::new();
    let tries: Vec<String> = tries
        .into_iter()
        .filter(|t| seen.insert(t.clone()))
        .collect();
    let value = |els: &[ElementRef<'_>]| reads_as_date(&date_text(els[0]), tz);
    // A date that is the same on every sampled article is the page header's "today", not
    // the article's: take one that differs when there is one.
    let differs = |css: &String| {
        let vals: HashSet<_> = docs
            .iter()
            .filter_map(|d| value(&select(&d.doc, css).unwrap_or_default()))
            .collect();
        docs.len() < 2 || vals.len() > 1
    };
    let working: Vec<String> = tries
        .into_iter()
        .filter(|css| {
            docs.iter().all(|d| {
                let found = select(&d.doc, css).unwrap_or_default();
                !found.is_empty() && value(&found).is_some()
            })
        })
        .collect();
    let pick = working
        .iter()
        .find(|c| differs(c))
        .or(working.first())
        .cloned();
    match pick {
        Some(css) => {
            out.notes.push(format!(
                "date: selector `{css}` (read on {} pages)",
                docs.len()
            ));
            out.date = Some(css);
        }
        None => out
            .notes
            .push("date: none found on every page; articles are dated when first seen".into()),
    }
}

fn author_field(docs: &[Doc], out: &mut Fields) {
    let declared = |d: &Doc| {
        d.meta.ld.as_ref().is_some_and(|l| !l.authors.is_empty())
            || d.meta
                .article_authors
                .iter()
                .any(|a| !a.starts_with("http"))
            || d.meta.meta_author.is_some()
    };
    if docs.iter().all(declared) {
        out.notes
            .push("author: the pages' JSON-LD author or <meta name=author>".into());
        return;
    }
    const HINTS: &[&str] = &[
        "author", "byline", "tacgia", "writer", "reporter", "butdanh", "creator",
    ];
    let ok_name = |t: &str| {
        let n = t.chars().count();
        (2..=80).contains(&n) && t.split_whitespace().count() <= 10
    };
    let mut tries = Vec::new();
    for el in body_elements(&docs[0].doc) {
        if hinted(el, HINTS) && ok_name(&text(el)) {
            tries.extend(candidates(el).into_iter().filter(|c| select::specific(c)));
        }
    }
    let found = first_working(tries, docs, |_, els| els.iter().all(|e| ok_name(&text(*e))));
    match found {
        Some(css) => {
            out.notes.push(format!(
                "author: selector `{css}` (checked on {} pages)",
                docs.len()
            ));
            out.author = Some(css);
        }
        None => out.notes.push("author: none found on every page".into()),
    }
}

fn tags_field(docs: &[Doc], out: &mut Fields) {
    let declared = |d: &Doc| {
        d.meta.ld.as_ref().is_some_and(|l| !l.keywords.is_empty())
            || !d.meta.article_tags.is_empty()
            || !d.meta.meta_keywords.is_empty()
    };
    if docs.iter().all(declared) {
        out.notes
            .push("tags: the pages' JSON-LD keywords, article:tag or <meta name=keywords>".into());
        return;
    }
    const HINTS: &[&str] = &[
        "tag", "tags", "keyword", "keywords", "tukhoa", "topics", "thetag", "labels",
    ];
    let mut tries = Vec::new();
    for el in body_elements(&docs[0].doc) {
        if el.value().name() == "a" {
            if el
                .attr("rel")
                .is_some_and(|r| r.split_whitespace().any(|x| x == "tag"))
            {
                tries.push(r#"a[rel~="tag"]"#.to_string());
            }
            continue;
        }
        if hinted(el, HINTS) && !select::select_in(el, "a[href]").is_empty() {
            tries.extend(
                candidates(el)
                    .into_iter()
                    .filter(|c| select::specific(c))
                    .map(|c| format!("{c} a")),
            );
        }
    }
    let ok = |_: &Doc, els: &[ElementRef<'_>]| {
        els.iter().all(|e| {
            let n = text(*e).chars().count();
            (1..=100).contains(&n)
        })
    };
    match first_working(tries, docs, ok) {
        Some(css) => {
            out.notes.push(format!(
                "tags: selector `{css}` (checked on {} pages)",
                docs.len()
            ));
            out.tags = Some(css);
        }
        None => out.notes.push("tags: none found on every page".into()),
    }
}

/// Infers the article selectors from `samples` (at least one); dates are read in `tz`.
pub fn infer(samples: &[Sample], tz: Tz) -> Fields {
    let docs: Vec<Doc> = samples
        .iter()
        .map(|s| {
            let doc = Html::parse_document(&s.html);
            let meta = PageMeta::read(&doc);
            let title = if s.listed_title.split_whitespace().count() >= 2 {
                s.listed_title.clone()
            } else {
                meta.ld
                    .as_ref()
                    .and_then(|l| l.headline.clone())
                    .or_else(|| meta.og_title.clone())
                    .unwrap_or_else(|| s.listed_title.clone())
            };
            Doc {
                paras: readable_paragraphs(&s.html, &s.url),
                doc,
                meta,
                title,
            }
        })
        .collect();
    let mut out = Fields::default();
    if docs.is_empty() {
        return out;
    }
    title_field(&docs, &mut out);
    date_field(&docs, tz, &mut out);
    author_field(&docs, &mut out);
    tags_field(&docs, &mut out);
    super::body::summary_field(&docs, &mut out);
    super::body::content_field(&docs, &mut out);
    super::body::image_field(&docs, &mut out);
    out
}
