//! Bytes → [`RawFeed`]: format detection, encodings, and lenient streaming parsing on
//! quick-xml (RSS, RDF, Atom) and serde_json (JSON Feed).
//!
//! The XML reader hands plain runs of tags to a fast lane (`lane.rs`) that finds them with
//! `memchr` and drives the same handlers; everything unusual goes through quick-xml. The
//! items it returns borrow their text from the document whenever it needs no decoding.

use std::borrow::Cow;
use std::fmt;

use url::Url;

mod atom;
mod attrs;
mod encoding;
mod fields;
mod html;
mod json;
mod lane;
mod modules;
mod names;
mod ns;
mod rdf;
mod rss;
mod util;
mod xhtml;
mod xml;

use crate::model::{RawArticle, RawFeed};

/// Why a document could not be read as a feed at all. Recoverable problems are
/// warnings in [`RawFeed::warnings`] instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadError {
    /// What went wrong.
    pub message: String,
    /// 1-based line of the problem, when known.
    pub line: Option<usize>,
    /// 1-based column of the problem, when known.
    pub column: Option<usize>,
    /// Feeds an HTML page advertises with `<link rel="alternate">`, absolute.
    pub alternates: Vec<String>,
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let (Some(l), Some(c)) = (self.line, self.column) {
            write!(f, "{l}:{c}: ")?;
        }
        f.write_str(&self.message)?;
        if !self.alternates.is_empty() {
            write!(f, " (the page advertises: {})", self.alternates.join(", "))?;
        }
        Ok(())
    }
}

impl std::error::Error for ReadError {}

/// Reads one feed document.
///
/// `content_type` is the HTTP `Content-Type` header, if any (its charset takes part in
/// encoding detection); `base_url` is the document's own URL, against which relative links
/// resolve when no `xml:base` says otherwise.
pub fn read_feed<'a>(
    bytes: &'a [u8],
    content_type: Option<&str>,
    base_url: Option<&Url>,
) -> Result<RawFeed<'a>, ReadError> {
    read(bytes, content_type, base_url, true, usize::MAX)
}

/// [`read_feed`] keeping at most `max_items` items, in document order: the ones after are
/// counted in [`RawFeed::items_over_limit`], never held, so a document of half a million
/// tiny items costs what `max_items` of them cost.
pub fn read_feed_limited<'a>(
    bytes: &'a [u8],
    content_type: Option<&str>,
    base_url: Option<&Url>,
    max_items: usize,
) -> Result<RawFeed<'a>, ReadError> {
    read(bytes, content_type, base_url, true, max_items)
}

/// [`read_feed`] with every tag read by quick-xml's event loop, without the reader's fast
/// lane: the reference the tests and the benchmark hold the lane to.
#[doc(hidden)]
pub fn read_feed_reference<'a>(
    bytes: &'a [u8],
    content_type: Option<&str>,
    base_url: Option<&Url>,
) -> Result<RawFeed<'a>, ReadError> {
    read(bytes, content_type, base_url, false, usize::MAX)
}

fn read<'a>(
    bytes: &'a [u8],
    content_type: Option<&str>,
    base_url: Option<&Url>,
    lane: bool,
    max_items: usize,
) -> Result<RawFeed<'a>, ReadError> {
    // The document's top-level domain helps guess an undeclared encoding (`.vn`: Vietnamese).
    let tld = base_url
        .and_then(Url::host_str)
        .and_then(|h| h.rsplit('.').next());
    let decoded = encoding::decode(bytes, content_type, tld);
    let feed = RawFeed {
        encoding: decoded.encoding,
        warnings: decoded.warnings,
        ..RawFeed::default()
    };
    match decoded.text {
        Cow::Borrowed(text) => read_text(text, feed, base_url, lane, max_items),
        // Decoded from another encoding, or cleaned: the text dies here, the feed must not.
        Cow::Owned(text) => {
            read_text(&text, feed, base_url, lane, max_items).map(RawFeed::into_owned)
        }
    }
}

/// Reads decoded text; the feed's items borrow from it.
fn read_text<'t>(
    text: &'t str,
    feed: RawFeed<'t>,
    base_url: Option<&Url>,
    lane: bool,
    max_items: usize,
) -> Result<RawFeed<'t>, ReadError> {
    let head = text.trim_start_matches(|c: char| c.is_whitespace() || c == '\u{feff}');
    if head.is_empty() {
        return Err(error("the document is empty", None));
    }
    if head.starts_with('{') || head.starts_with('[') {
        let mut feed = json::parse(head, base_url, feed, max_items)?;
        note_repeated_guids(&mut feed);
        return Ok(feed);
    }
    if html::looks_like_html(head) {
        return Err(html::error(text, base_url));
    }
    let (mut feed, outcome) = xml::parse(text, base_url, feed.clone(), lane, max_items);
    let failure = match outcome {
        xml::Outcome::Feed { unique_guids } => {
            if !unique_guids {
                note_repeated_guids(&mut feed);
            }
            return Ok(feed);
        }
        xml::Outcome::Html => return Err(html::error(text, base_url)),
        xml::Outcome::NotAFeed(name) => error(
            &format!("not a feed: the root element is <{name}>, not <rss>, <rdf:RDF> or <feed>"),
            None,
        ),
        xml::Outcome::Empty(msg, pos) => {
            if html::mentions_html(text) {
                return Err(html::error(text, base_url));
            }
            error(&msg, pos)
        }
    };
    // Servers print PHP warnings or stray markup before the feed: read from the feed's root.
    let Some(at) = feed_root_offset(text) else {
        return Err(failure);
    };
    let rest = text.get(at..).unwrap_or_default();
    let (line, column) = util::line_col(text, at);
    let (mut feed, outcome) = xml::parse(rest, base_url, feed, lane, max_items);
    match outcome {
        xml::Outcome::Feed { unique_guids } => {
            feed.warnings.insert(
                0,
                format!(
                    "skipped {at} bytes of non-feed text before the feed's root element at line {line}, column {column}"
                ),
            );
            if !unique_guids {
                note_repeated_guids(&mut feed);
            }
            Ok(feed)
        }
        _ => Err(failure),
    }
}

/// Where a feed's root element starts when something else came first.
fn feed_root_offset(text: &str) -> Option<usize> {
    ["<rss", "<feed", "<rdf:RDF", "<RDF:RDF", "<RSS"]
        .iter()
        .filter_map(|n| util::find(text, n))
        .filter(|&i| i > 0)
        .min()
}

fn error(message: &str, pos: Option<(usize, usize)>) -> ReadError {
    ReadError {
        message: message.to_string(),
        line: pos.map(|p| p.0),
        column: pos.map(|p| p.1),
        alternates: vec![],
    }
}

/// Items sharing a GUID are all kept when they differ (feeds reuse GUIDs by mistake, and
/// dropping "duplicates" loses real articles); exact copies are dropped. Both are reported.
fn note_repeated_guids(feed: &mut RawFeed) {
    // One map entry per GUID, a list only for the repeated ones.
    let mut first: rustc_hash::FxHashMap<&str, usize> = Default::default();
    first.reserve(feed.items.len());
    let mut repeated: rustc_hash::FxHashMap<&str, Vec<(u64, usize)>> = Default::default();
    let mut order: Vec<&str> = Vec::new();
    let mut drop = vec![false; feed.items.len()];
    let mut copies = 0usize;
    for (i, item) in feed.items.iter().enumerate() {
        let Some(g) = item.guid.as_deref() else {
            continue;
        };
        // One hash and probe per GUID: most are new.
        let f = match first.entry(g) {
            std::collections::hash_map::Entry::Vacant(v) => {
                v.insert(i);
                continue;
            }
            std::collections::hash_map::Entry::Occupied(o) => *o.get(),
        };
        let seen = repeated.entry(g).or_insert_with(|| {
            order.push(g);
            vec![(item_hash(feed.items.get(f)), f)]
        });
        // Hashes first, so a feed of thousands of items under one GUID stays linear.
        let h = item_hash(Some(item));
        if seen
            .iter()
            .any(|&(hj, j)| hj == h && feed.items.get(j) == Some(item))
        {
            if let Some(d) = drop.get_mut(i) {
                *d = true;
            }
            copies += 1;
        } else {
            seen.push((h, i));
        }
    }
    let mut warnings: Vec<String> = order
        .iter()
        .filter_map(|g| {
            let n = repeated.get(g).map_or(0, Vec::len);
            (n > 1).then(|| format!("{n} different items share the GUID {g:?}; all were kept"))
        })
        .collect();
    if copies > 0 {
        let mut i = 0;
        feed.items.retain(|_| {
            let keep = !drop.get(i).copied().unwrap_or(false);
            i += 1;
            keep
        });
        warnings.insert(0, format!("{copies} exact duplicate items were dropped"));
    }
    feed.warnings.extend(warnings);
}

/// A hash of every field of an item, to find exact copies.
fn item_hash(item: Option<&RawArticle>) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = rustc_hash::FxHasher::default();
    if let Some(a) = item {
        (
            &a.guid,
            &a.link,
            &a.base,
            &a.title,
            &a.summary_html,
            &a.content_html,
        )
            .hash(&mut h);
        (&a.authors, &a.published, &a.updated, &a.image, &a.tags).hash(&mut h);
    }
    h.finish()
}
