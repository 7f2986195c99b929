//! The article body's selectors: the summary, the main text readability finds (with the
//! furniture inside it to remove), and the lead image.

use std::collections::{HashMap, HashSet};

use ego_tree::NodeId;
use scraper::ElementRef;

use super::article::{body_elements, first_working, hinted, same_title, Doc, Fields};
use super::select::{candidates, select, specific, text};
use super::signals::junk_tokens;

/// Shortest paragraph that counts as body text: a dateline or a caption is shorter.
const BODY_PARAGRAPH: usize = 60;

/// Readability's paragraphs of `d` that are body text: long enough, not a link's text (a
/// "more news" list readability kept on a short article) and not inside what another
/// selector already takes (the summary, the title, the byline).
fn body_paras<'d>(d: &'d Doc, taken: &[String]) -> Vec<&'d str> {
    let links: HashSet<String> = select(&d.doc, "a")
        .unwrap_or_default()
        .into_iter()
        .map(text)
        .collect();
    let taken: Vec<String> = taken
        .iter()
        .filter_map(|css| select(&d.doc, css).and_then(|m| m.first().map(|e| text(*e))))
        .collect();
    d.paras
        .iter()
        .map(String::as_str)
        .filter(|p| p.chars().count() >= BODY_PARAGRAPH)
        .filter(|p| !links.contains(*p) && !taken.iter().any(|t| t.contains(*p)))
        .collect()
}

/// The tightest element holding most of the body paragraphs of `d`.
fn main_text<'d>(d: &'d Doc, taken: &[String]) -> Option<ElementRef<'d>> {
    let paras: HashSet<&str> = body_paras(d, taken).into_iter().collect();
    if paras.is_empty() {
        return None;
    }
    let mut counts: HashMap<NodeId, usize> = HashMap::new();
    let mut total = 0usize;
    for el in select(&d.doc, "body p, body li, body blockquote, body pre").unwrap_or_default() {
        if paras.contains(text(el).as_str()) {
            total += 1;
            for anc in el.ancestors() {
                *counts.entry(anc.id()).or_default() += 1;
            }
        }
    }
    if total == 0 {
        return None;
    }
    let mut best: Option<(usize, ElementRef<'_>)> = None;
    for el in select(&d.doc, "body *").unwrap_or_default() {
        let n = counts.get(&el.id()).copied().unwrap_or(0);
        if n * 10 < total * 8 {
            continue;
        }
        let depth = el.ancestors().count();
        if best.is_none_or(|(bd, _)| depth > bd) {
            best = Some((depth, el));
        }
    }
    best.map(|(_, e)| e)
}

fn contains(outer: ElementRef<'_>, inner: ElementRef<'_>) -> bool {
    outer.id() == inner.id() || inner.ancestors().any(|a| a.id() == outer.id())
}

pub(super) fn content_field(docs: &[Doc], out: &mut Fields) {
    // The sample with the most text names the element; a short article's few paragraphs
    // (a dateline, a lead) say less about where the text lives.
    let reference = docs
        .iter()
        .enumerate()
        .max_by_key(|(i, d)| {
            (
                d.paras.iter().map(String::len).sum::<usize>(),
                std::cmp::Reverse(*i),
            )
        })
        .map(|(i, _)| i)
        .unwrap_or(0);
    let taken: Vec<String> = [&out.summary, &out.title, &out.author]
        .into_iter()
        .flatten()
        .cloned()
        .collect();
    let Some(first) = main_text(&docs[reference], &taken) else {
        let ld = docs
            .iter()
            .all(|d| d.meta.ld.as_ref().is_some_and(|l| l.body.is_some()));
        out.notes.push(if ld {
            "content: the pages' JSON-LD articleBody (plain text)".into()
        } else {
            "content: no main text found; articles carry the summary only".into()
        });
        return;
    };
    // On every page the element holds most of the readable text and not much else.
    let ok = |d: &Doc, els: &[ElementRef<'_>]| {
        let got = text(els[0]);
        let paras = body_paras(d, &taken);
        let total: usize = paras.iter().map(|p| p.len()).sum();
        let inside: usize = paras
            .iter()
            .filter(|p| got.contains(*p))
            .map(|p| p.len())
            .sum();
        total > 0 && inside * 10 >= total * 8 && got.len() * 2 <= total * 3
    };
    let Some(css) = first_working(candidates(first), docs, ok) else {
        out.notes
            .push("content: no selector finds the main text on every page".into());
        return;
    };
    out.notes.push(format!(
        "content: selector `{css}`, the main text readability finds (checked on {} pages)",
        docs.len()
    ));
    // Furniture inside the text (share buttons, ads, related links) is removed.
    let mut remove: Vec<String> = Vec::new();
    for d in docs {
        let Some(root) = select(&d.doc, &css).and_then(|f| f.first().copied()) else {
            continue;
        };
        for el in root.descendants().skip(1).filter_map(ElementRef::wrap) {
            let name = el.value().name();
            let junk_inside = el
                .ancestors()
                .filter_map(ElementRef::wrap)
                .take_while(|a| a.id() != root.id())
                .any(junk_tokens);
            if junk_inside {
                continue;
            }
            let r = if matches!(name, "script" | "style" | "iframe" | "form") {
                Some(name.to_string())
            } else if junk_tokens(el) {
                candidates(el).into_iter().next()
            } else {
                None
            };
            if let Some(r) = r {
                if !remove.contains(&r) {
                    remove.push(r);
                }
            }
        }
    }
    // Fields the page shows inside the content element are not content.
    for field in [&out.title, &out.date, &out.author, &out.tags]
        .into_iter()
        .flatten()
    {
        let inside = select(&docs[reference].doc, field)
            .and_then(|f| f.first().copied())
            .is_some_and(|e| contains(first, e) && e.id() != first.id());
        let sel = field.strip_suffix(" a").unwrap_or(field).to_string();
        if inside && !remove.contains(&sel) {
            remove.push(sel);
        }
    }
    out.remove = remove;
    out.content = Some(css);
}

pub(super) fn summary_field(docs: &[Doc], out: &mut Fields) {
    const HINTS: &[&str] = &[
        "sapo",
        "lead",
        "summary",
        "excerpt",
        "description",
        "intro",
        "standfirst",
        "chapeau",
        "dek",
        "tomtat",
        "desc",
        "abstract",
    ];
    let long = |t: &str| t.chars().count() >= 20;
    let mut tries = Vec::new();
    for el in body_elements(&docs[0].doc) {
        if el.value().name() != "a" && hinted(el, HINTS) && long(&text(el)) {
            tries.extend(candidates(el).into_iter().filter(|c| specific(c)));
        }
    }
    // A text the same on every sampled article is the site's tagline, not a summary.
    let varies = |css: &String| {
        let texts: HashSet<String> = docs
            .iter()
            .filter_map(|d| select(&d.doc, css).and_then(|m| m.first().map(|e| text(*e))))
            .collect();
        docs.len() < 2 || texts.len() > 1
    };
    let tries: Vec<String> = tries.into_iter().filter(varies).collect();
    let found = first_working(tries, docs, |d, els| {
        let t = text(els[0]);
        long(&t) && !same_title(&t, &d.title)
    });
    match found {
        Some(css) => {
            out.notes.push(format!(
                "summary: selector `{css}` (checked on {} pages)",
                docs.len()
            ));
            out.summary = Some(css);
        }
        None => out
            .notes
            .push("summary: the pages' description, else the content's first paragraph".into()),
    }
}

pub(super) fn image_field(docs: &[Doc], out: &mut Fields) {
    let declared = |d: &Doc| {
        d.meta.ld.as_ref().is_some_and(|l| !l.images.is_empty()) || d.meta.og_image.is_some()
    };
    if docs.iter().all(declared) {
        out.notes
            .push("image: the pages' JSON-LD image or og:image".into());
        return;
    }
    let Some(content) = &out.content else {
        out.notes.push("image: none".into());
        return;
    };
    let css = format!("{content} img");
    // An image inside what `remove` takes out (an ad) is never the article's.
    let removed = |d: &Doc, img: ElementRef<'_>| {
        out.remove.iter().any(|r| {
            select(&d.doc, r)
                .unwrap_or_default()
                .iter()
                .any(|e| contains(*e, img))
        })
    };
    let ok = docs.iter().all(|d| {
        select(&d.doc, &css)
            .unwrap_or_default()
            .iter()
            .any(|i| i.attr("src").or_else(|| i.attr("data-src")).is_some() && !removed(d, *i))
    });
    if ok {
        out.notes.push(format!("image: selector `{css}`"));
        out.image = Some(css);
    } else {
        out.notes.push("image: none on every page".into());
    }
}
