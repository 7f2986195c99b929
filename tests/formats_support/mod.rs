//! Checks of every document feedmill writes, at the level the tests can see without the
//! network: the W3C Feed Validator's rules for RSS 2.0 and Atom 1.0 documents (as the
//! validator's own source states them: required elements, RFC 822 / RFC 3339 dates,
//! unique ids, `enclosure` with a positive `length` and a MIME `type`, Media RSS
//! attributes it expects with positive integer sizes, registered link relations, RFC 5005
//! `fh:archive` only in archive pages), the JSON Feed 1.1 rules (required fields, types,
//! RFC 3339 dates, unique ids, `next_url` never the feed's own URL), and parsing back with
//! feed-rs, an independent reader.
#![allow(dead_code)] // each test file uses a different subset

mod json;

pub use json::json_feed_problems;

use std::collections::HashSet;
use std::path::{Path, PathBuf};

#[path = "../xml_support/mod.rs"]
mod xml_support;
#[allow(unused_imports)] // each test file uses a different subset
pub use xml_support::{elements, find, texts, El};

/// Link relations the validator knows (IANA's registry; RFC 5005's among them).
const RELS: &[&str] = &[
    "alternate",
    "self",
    "hub",
    "enclosure",
    "related",
    "via",
    "current",
    "prev-archive",
    "next-archive",
];

/// The attributes the validator expects on `media:content` and `media:thumbnail`.
const MEDIA_CONTENT_ATTRS: &[&str] = &[
    "bitrate",
    "channels",
    "duration",
    "expression",
    "fileSize",
    "framerate",
    "height",
    "isDefault",
    "lang",
    "medium",
    "samplingrate",
    "type",
    "url",
    "width",
];
const MEDIA_THUMBNAIL_ATTRS: &[&str] = &["height", "time", "url", "width"];

/// A MIME type as the validator's `mime_re` reads it.
pub(crate) fn is_mime(t: &str) -> bool {
    let Some((a, b)) = t.split_once('/') else {
        return false;
    };
    let tok = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|c| c.is_ascii_alphanumeric() || b"!#$&-^_.+".contains(&c))
    };
    tok(a) && tok(b)
}

fn positive(v: &str) -> bool {
    v.parse::<u64>().is_ok_and(|n| n > 0)
}

pub(crate) fn absolute_http(u: &str) -> bool {
    url::Url::parse(u).is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
}

fn media_checks(els: &[El], item: &str, problems: &mut Vec<String>) {
    for m in find(els, &format!("{item}/media:content")) {
        for k in m.attrs.keys() {
            if !MEDIA_CONTENT_ATTRS.contains(&k.as_str()) {
                problems.push(format!("media:content: unexpected attribute {k}"));
            }
        }
        if !m.attrs.get("url").is_some_and(|u| absolute_http(u)) {
            problems.push(format!("media:content without an absolute url: {m:?}"));
        }
        for k in ["width", "height", "fileSize"] {
            if let Some(v) = m.attrs.get(k) {
                if !positive(v) {
                    problems.push(format!("media:content {k}={v:?} is not a positive integer"));
                }
            }
        }
        if let Some(t) = m.attrs.get("type") {
            if !is_mime(t) {
                problems.push(format!("media:content type {t:?}"));
            }
        }
        if let Some(md) = m.attrs.get("medium") {
            if !["image", "audio", "video", "document", "executable"].contains(&md.as_str()) {
                problems.push(format!("media:content medium {md:?}"));
            }
        }
    }
    for m in find(els, &format!("{item}/media:thumbnail")) {
        for k in m.attrs.keys() {
            if !MEDIA_THUMBNAIL_ATTRS.contains(&k.as_str()) {
                problems.push(format!("media:thumbnail: unexpected attribute {k}"));
            }
        }
        if !m.attrs.get("url").is_some_and(|u| absolute_http(u)) {
            problems.push("media:thumbnail without url".into());
        }
        for k in ["width", "height"] {
            if let Some(v) = m.attrs.get(k) {
                if !positive(v) {
                    problems.push(format!("media:thumbnail {k}={v:?}"));
                }
            }
        }
    }
}

/// The validator's rules for an RSS 2.0 document at `url`; `archive` says whether it is
/// an archive page. Returns every problem.
pub fn rss_problems(xml: &str, url: &str, archive: bool) -> Vec<String> {
    let els = elements(xml);
    let mut p = Vec::new();
    let Some(rss) = find(&els, "rss").first().copied() else {
        return vec!["no <rss> root".into()];
    };
    if rss.attrs.get("version").map(String::as_str) != Some("2.0") {
        p.push("rss version is not 2.0".into());
    }
    for (prefix, uses) in [
        ("atom", "atom:"),
        ("media", "media:"),
        ("fh", "fh:"),
        ("dc", "dc:"),
        ("content", "content:"),
    ] {
        let used = els.iter().any(|e| {
            e.path
                .rsplit('/')
                .next()
                .is_some_and(|n| n.starts_with(uses))
        });
        if used && !rss.attrs.contains_key(&format!("xmlns:{prefix}")) {
            p.push(format!("{prefix}: used but not declared"));
        }
    }
    for req in ["title", "link", "description"] {
        if find(&els, &format!("rss/channel/{req}")).len() != 1 {
            p.push(format!("channel needs exactly one {req}"));
        }
    }
    for d in texts(&els, "rss/channel/lastBuildDate")
        .iter()
        .chain(&texts(&els, "rss/channel/item/pubDate"))
    {
        match chrono::DateTime::parse_from_rfc2822(d) {
            Ok(t) if (1990..=9999).contains(&chrono::Datelike::year(&t)) => {}
            _ => p.push(format!("not an RFC 822 date (or implausible): {d:?}")),
        }
    }
    let links = find(&els, "rss/channel/atom:link");
    if !links.iter().any(|l| {
        l.attrs.get("rel").map(String::as_str) == Some("self")
            && l.attrs.get("href").map(String::as_str) == Some(url)
    }) {
        p.push(format!("no atom:link rel=self href={url}"));
    }
    for l in &links {
        let rel = l
            .attrs
            .get("rel")
            .map(String::as_str)
            .unwrap_or("alternate");
        if !RELS.contains(&rel) {
            p.push(format!("unregistered rel {rel}"));
        }
        if !l.attrs.get("href").is_some_and(|h| absolute_http(h)) {
            p.push(format!("atom:link without an absolute href: {l:?}"));
        }
    }
    let fh = find(&els, "rss/channel/fh:archive").len();
    if fh != usize::from(archive) {
        p.push(format!(
            "{fh} fh:archive in a document that is{} an archive",
            if archive { "" } else { " not" }
        ));
    }
    let items = find(&els, "rss/channel/item");
    let mut guids = HashSet::new();
    for g in find(&els, "rss/channel/item/guid") {
        if !guids.insert(g.text.clone()) {
            p.push(format!("guid {:?} repeated", g.text));
        }
        let perma = g.attrs.get("isPermaLink").map(String::as_str) != Some("false");
        if perma && !absolute_http(&g.text) {
            p.push(format!("permalink guid {:?} is not a URL", g.text));
        }
    }
    if guids.len() != items.len() {
        p.push("an item without a guid".into());
    }
    if texts(&els, "rss/channel/item/title").len() != items.len() {
        p.push("an item without a title".into());
    }
    let enclosures = find(&els, "rss/channel/item/enclosure");
    for e in &enclosures {
        if !e.attrs.get("url").is_some_and(|u| absolute_http(u)) {
            p.push(format!("enclosure url: {e:?}"));
        }
        if !e.attrs.get("length").is_some_and(|l| positive(l)) {
            p.push(format!(
                "enclosure length must be a positive integer: {e:?}"
            ));
        }
        if !e.attrs.get("type").is_some_and(|t| is_mime(t)) {
            p.push(format!("enclosure type: {e:?}"));
        }
    }
    // One enclosure per item: count them per item by walking the element list.
    let mut per_item = 0usize;
    for e in &els {
        if e.path == "rss/channel/item" {
            per_item = 0;
        } else if e.path == "rss/channel/item/enclosure" {
            per_item += 1;
            if per_item > 1 {
                p.push("more than one enclosure in an item".into());
            }
        }
    }
    media_checks(&els, "rss/channel/item", &mut p);
    p
}

/// The validator's rules for an Atom 1.0 document at `url`.
pub fn atom_problems(xml: &str, url: &str, archive: bool) -> Vec<String> {
    let els = elements(xml);
    let mut p = Vec::new();
    let Some(feed) = find(&els, "feed").first().copied() else {
        return vec!["no <feed> root".into()];
    };
    if feed.attrs.get("xmlns").map(String::as_str) != Some("http://www.w3.org/2005/Atom") {
        p.push("not in the Atom namespace".into());
    }
    for prefix in ["media", "fh"] {
        let used = els.iter().any(|e| {
            e.path
                .rsplit('/')
                .next()
                .is_some_and(|n| n.starts_with(&format!("{prefix}:")))
        });
        if used && !feed.attrs.contains_key(&format!("xmlns:{prefix}")) {
            p.push(format!("{prefix}: used but not declared on the feed"));
        }
    }
    for req in ["id", "title", "updated"] {
        if find(&els, &format!("feed/{req}")).len() != 1 {
            p.push(format!("feed needs exactly one {req}"));
        }
    }
    if find(&els, "feed/author").is_empty() && !find(&els, "feed/entry").is_empty() {
        p.push("feed without author".into());
    }
    let dates: Vec<String> = texts(&els, "feed/updated")
        .into_iter()
        .chain(texts(&els, "feed/entry/updated"))
        .chain(texts(&els, "feed/entry/published"))
        .collect();
    for d in dates {
        if chrono::DateTime::parse_from_rfc3339(&d).is_err() {
            p.push(format!("not RFC 3339: {d:?}"));
        }
    }
    let links = find(&els, "feed/link");
    if !links.iter().any(|l| {
        l.attrs.get("rel").map(String::as_str) == Some("self")
            && l.attrs.get("href").map(String::as_str) == Some(url)
    }) {
        p.push(format!("no link rel=self href={url}"));
    }
    for l in links.iter().chain(find(&els, "feed/entry/link").iter()) {
        let rel = l
            .attrs
            .get("rel")
            .map(String::as_str)
            .unwrap_or("alternate");
        if !RELS.contains(&rel) {
            p.push(format!("unregistered rel {rel}"));
        }
        if !l.attrs.get("href").is_some_and(|h| absolute_http(h)) {
            p.push(format!("link without absolute href {l:?}"));
        }
        if rel == "enclosure" {
            if !l.attrs.get("type").is_some_and(|t| is_mime(t)) {
                p.push(format!("enclosure link type {l:?}"));
            }
            if let Some(len) = l.attrs.get("length") {
                if !positive(len) {
                    p.push(format!("enclosure link length {len:?}"));
                }
            }
        }
    }
    let fh = find(&els, "feed/fh:archive").len();
    if fh != usize::from(archive) {
        p.push(format!("{fh} fh:archive, archive = {archive}"));
    }
    let entries = find(&els, "feed/entry");
    let ids: Vec<String> = texts(&els, "feed/entry/id");
    let unique: HashSet<&String> = ids.iter().collect();
    if ids.len() != entries.len() || unique.len() != ids.len() {
        p.push("entry ids missing or repeated".into());
    }
    for id in &ids {
        if url::Url::parse(id).is_err() {
            p.push(format!("entry id {id:?} is not an IRI"));
        }
    }
    if texts(&els, "feed/entry/title").len() != entries.len()
        || texts(&els, "feed/entry/updated").len() != entries.len()
    {
        p.push("an entry without title or updated".into());
    }
    media_checks(&els, "feed/entry", &mut p);
    p
}

/// Every feed document below `out`: (relative path, bytes).
pub fn documents(out: &Path) -> Vec<(String, Vec<u8>)> {
    let mut docs = Vec::new();
    let mut stack = vec![out.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("read_dir").flatten() {
            let p: PathBuf = e.path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            let rel = p
                .strip_prefix(out)
                .expect("inside")
                .to_string_lossy()
                .replace('\\', "/");
            let feed_doc =
                rel.ends_with(".xml") || rel.ends_with(".atom") || rel.ends_with(".json");
            if feed_doc {
                docs.push((rel, std::fs::read(&p).expect("read")));
            }
        }
    }
    docs.sort();
    docs
}

/// Checks every feed document below `out` (published at `base`): RSS and Atom against
/// the validator's rules, JSON Feed against JSON Feed 1.1, each parsed back by feed-rs.
/// Returns how many documents of each kind (RSS, Atom, JSON) were checked.
pub fn check_output(out: &Path, base: &str) -> (usize, usize, usize) {
    let mut counts = (0, 0, 0);
    let mut problems = Vec::new();
    for (rel, bytes) in documents(out) {
        let text = String::from_utf8(bytes.clone()).expect("UTF-8");
        let url = format!("{base}{rel}");
        let archive = rel.contains("/archive/");
        let found = if rel.ends_with(".json") {
            counts.2 += 1;
            json_feed_problems(&text, &url)
        } else if text.contains("<rss") {
            counts.0 += 1;
            rss_problems(&text, &url, archive)
        } else {
            counts.1 += 1;
            atom_problems(&text, &url, archive)
        };
        problems.extend(found.into_iter().map(|f| format!("{rel}: {f}")));
        if let Err(e) = feed_rs::parser::parse(&bytes[..]) {
            problems.push(format!("{rel}: feed-rs cannot read it: {e}"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    counts
}
