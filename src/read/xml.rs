//! The streaming reader for the XML formats (RSS 0.9x/2.0, RSS 1.0/RDF, Atom 0.3/1.0): one
//! pass over the decoded text, no DOM. quick-xml's event loop reads the prolog, the root and
//! anything unusual; after each markup event the fast lane ([`super::lane`]) reads on for
//! as long as the markup is plain, through the same `open`/`close` handlers.
//!
//! Field values are taken as slices of the source text between an element's start and end
//! tags, so nested markup, CDATA and entities are handled once, at the end of the field,
//! and events inside a field cost nothing but the tokenizer's work.

use std::borrow::Cow;

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;
use url::Url;

use super::attrs::Attrs;
use super::fields::{Capture, ItemState, Kind, Target};
use super::names::{classify, Classifier, El, Ns};
use super::ns::Scopes;
use super::util::{line_col, rebase, resolve, resolve_url, CDATA_CLOSE, CDATA_OPEN};
use crate::model::{FeedFormat, RawFeed};

/// How a document ended up, for the caller.
pub enum Outcome {
    /// A feed was read (possibly with warnings). `unique_guids` says no two items share a
    /// GUID, so the caller need not look for repeats.
    Feed {
        /// No two items share a GUID.
        unique_guids: bool,
    },
    /// The root element is `<html>`.
    Html,
    /// The root element is something else (name given).
    NotAFeed(String),
    /// No element at all; the message says why.
    Empty(String, Option<(usize, usize)>),
}

/// Most errors quick-xml reports are local (a stray `<`, a broken comment); the reader
/// skips past up to this many before giving up on the rest of the document.
const MAX_ERRORS: usize = 50;

/// The parser's state between events.
pub(super) struct State<'t> {
    /// The whole decoded document.
    pub text: &'t str,
    /// Known once the root element is seen.
    pub format: Option<FeedFormat>,
    /// The root's unknown default namespace counts as the feed's own vocabulary.
    pub other_is_core: bool,
    /// Depth of the current element (root = 1).
    pub depth: usize,
    /// `xml:base` values in scope, with the depth of the element that set each.
    pub bases: Vec<(usize, Url)>,
    /// The document's own URL.
    pub doc_base: Option<Url>,
    /// Depth of the element whose children are feed-level fields.
    pub channel_depth: Option<usize>,
    /// The item being read.
    pub item: Option<ItemState<'t>>,
    /// Fields being read, innermost last.
    pub caps: Vec<Capture>,
    /// The result so far.
    pub feed: RawFeed<'t>,
    /// Rank of the feed link found so far.
    pub feed_link_rank: u8,
    /// Whether the root element was seen.
    pub seen_root: bool,
    /// Atom feed-level authors, and the name/email of the one being read.
    pub feed_authors: Vec<Cow<'t, str>>,
    /// Name of the feed-level author being read.
    pub author_name: Option<Cow<'t, str>>,
    /// E-mail of the feed-level author being read.
    pub author_email: Option<Cow<'t, str>>,
    /// 64-bit hashes of the GUIDs of the items read so far: checked while each item is
    /// still in cache, so the exact check for repeats runs only when one may exist.
    pub guid_hashes: rustc_hash::FxHashSet<u64>,
    /// Two items may share a GUID (a repeated hash).
    pub guid_repeated: bool,
    /// Element classifications seen so far.
    pub names: Classifier,
    /// Items kept; the ones after are only counted.
    pub max_items: usize,
}

impl<'t> State<'t> {
    /// The base URL in scope.
    pub fn base(&self) -> Option<&Url> {
        self.bases.last().map(|(_, u)| u).or(self.doc_base.as_ref())
    }

    /// A document read from a local file (or from nowhere) has no meaningful URL of its
    /// own; its relative links are meant against the site it describes, so the feed's
    /// home-page link becomes the document base.
    pub fn adopt_site_base(&mut self, link: &str) {
        let useless = self.doc_base.as_ref().is_none_or(|u| u.scheme() == "file");
        if useless {
            if let Ok(u) = Url::parse(link) {
                if matches!(u.scheme(), "http" | "https") {
                    self.doc_base = Some(u);
                }
            }
        }
    }

    fn is_core(&self, ns: Ns) -> bool {
        match ns {
            Ns::None => true,
            Ns::Rss1 | Ns::Rss090 => self.format != Some(FeedFormat::Atom),
            Ns::Atom | Ns::Atom03 => {
                !matches!(self.format, Some(FeedFormat::Rss | FeedFormat::Rdf))
            }
            Ns::Other => self.other_is_core,
            _ => false,
        }
    }
}

/// Reads an XML feed from decoded text into `feed`; `lane` lets the fast lane read the
/// plain runs of markup (off only to check that it changes nothing).
pub fn parse<'t>(
    text: &'t str,
    base_url: Option<&Url>,
    feed: RawFeed<'t>,
    lane: bool,
    max_items: usize,
) -> (RawFeed<'t>, Outcome) {
    let bytes = text.as_bytes();
    let mut reader = Reader::from_str(text);
    // Bytes the lane read that quick-xml did not: its positions plus this are the text's.
    let mut skipped = 0usize;
    let mut scopes = Scopes::default();
    {
        let cfg = reader.config_mut();
        cfg.check_end_names = false;
        cfg.allow_unmatched_ends = true;
        cfg.expand_empty_elements = false;
        cfg.trim_text(false);
    }
    let mut st = State {
        text,
        format: None,
        other_is_core: false,
        depth: 0,
        bases: Vec::new(),
        doc_base: base_url.cloned(),
        channel_depth: None,
        item: None,
        caps: Vec::new(),
        feed,
        feed_link_rank: u8::MAX,
        seen_root: false,
        feed_authors: Vec::new(),
        author_name: None,
        author_email: None,
        guid_hashes: Default::default(),
        max_items,
        guid_repeated: false,
        names: Classifier::default(),
    };
    // News feeds run 1–2 KB per item; reserving for the denser case costs at most a few
    // hundred bytes per KB of input and saves re-copying the whole list as it grows.
    let expected = (text.len() / 1024).min(50_000).min(max_items);
    st.feed.items.reserve(expected);
    st.guid_hashes.reserve(expected);
    let mut errors = 0usize;
    loop {
        let before = reader.buffer_position() as usize + skipped;
        scopes.before_event();
        let read = reader.read_event().and_then(|event| {
            match &event {
                Event::Start(e) => scopes.push(e, false)?,
                Event::Empty(e) => scopes.push(e, true)?,
                Event::End(_) => scopes.end(),
                _ => {}
            }
            Ok(event)
        });
        let event = match read {
            Ok(r) => r,
            Err(e) => {
                errors += 1;
                let pos = reader.error_position() as usize + skipped;
                let (line, column) = line_col(text, pos);
                let now = reader.buffer_position() as usize + skipped;
                if !st.seen_root {
                    return (
                        st.feed,
                        Outcome::Empty(format!("not XML: {e}"), Some((line, column))),
                    );
                }
                if errors > MAX_ERRORS || now <= before || now >= text.len() {
                    st.feed.warnings.push(format!(
                        "XML error at line {line}, column {column}: {e}; kept the {} items before it",
                        st.feed.items.len()
                    ));
                    finish_truncated(&mut st, pos, true);
                    break;
                }
                st.feed.warnings.push(format!(
                    "XML error at line {line}, column {column}: {e}; skipped"
                ));
                if let Some(top) = st.caps.last_mut() {
                    top.odd = true;
                }
                continue;
            }
        };
        // After a markup event quick-xml reads text next, so the lane can take over there.
        let markup = !matches!(event, Event::Text(_) | Event::Eof);
        match event {
            Event::Start(e) => {
                st.depth += 1;
                let ns = scopes.resolve(e.name().as_ref());
                if !st.seen_root {
                    if let Some(out) = root(&mut st, ns, &e) {
                        return (st.feed, out);
                    }
                }
                open(
                    &mut st,
                    ns,
                    &e,
                    false,
                    reader.buffer_position() as usize + skipped,
                );
            }
            Event::Empty(e) => {
                let ns = scopes.resolve(e.name().as_ref());
                st.depth += 1;
                if !st.seen_root {
                    if let Some(out) = root(&mut st, ns, &e) {
                        return (st.feed, out);
                    }
                }
                open(&mut st, ns, &e, true, 0);
                close(&mut st, before);
            }
            Event::End(_) if st.depth > 0 => close(&mut st, before),
            // Inside a field, what the tokenizer met tells how to read the field's text.
            Event::CData(_) => {
                let now = reader.buffer_position() as usize + skipped;
                if let Some(top) = st.caps.last_mut() {
                    top.note_cdata(
                        before + CDATA_OPEN.len(),
                        now.saturating_sub(CDATA_CLOSE.len()),
                    );
                }
            }
            Event::Comment(_) | Event::PI(_) | Event::DocType(_) | Event::Decl(_) => {
                if let Some(top) = st.caps.last_mut() {
                    top.odd = true;
                }
            }
            Event::Eof => {
                if !st.seen_root {
                    return (st.feed, Outcome::Empty("no XML element found".into(), None));
                }
                if st.depth > 0 {
                    finish_truncated(&mut st, text.len(), false);
                }
                break;
            }
            _ => {}
        }
        if lane && markup && st.seen_root && st.depth > 0 {
            let at = reader.buffer_position() as usize + skipped;
            let to = super::lane::run(&mut st, &mut scopes, at);
            if to > at {
                *reader.get_mut() = bytes.get(to..).unwrap_or_default();
                skipped += to - at;
            }
        }
    }
    if !st.feed_authors.is_empty() {
        for item in st.feed.items.iter_mut().filter(|i| i.authors.is_empty()) {
            item.authors.clone_from(&st.feed_authors);
        }
    }
    let unique_guids = !st.guid_repeated;
    (st.feed, Outcome::Feed { unique_guids })
}

/// Reports a document that stopped with elements still open.
fn finish_truncated(st: &mut State<'_>, pos: usize, after_error: bool) {
    let (line, column) = line_col(st.text, pos);
    if st.item.take().is_some() {
        st.feed.warnings.push(format!(
            "the document is cut off at line {line}, column {column}: the unfinished item there was dropped, the {} complete items before it were kept",
            st.feed.items.len()
        ));
    } else if !after_error && st.depth > 0 {
        st.feed.warnings.push(format!(
            "the document is cut off at line {line}, column {column}: {} elements were left open",
            st.depth
        ));
    }
}

/// Recognises the root element; returns an outcome when it is not a feed.
fn root(st: &mut State<'_>, ns: Ns, e: &BytesStart<'_>) -> Option<Outcome> {
    st.seen_root = true;
    let core = !matches!(
        ns,
        Ns::Content | Ns::Dc | Ns::Dcterms | Ns::Media | Ns::Itunes
    );
    let el = classify(ns, e.local_name().as_ref(), core);
    let attrs = Attrs::read(e);
    st.other_is_core = ns == Ns::Other;
    if let Some(lang) = attrs.lang.as_deref() {
        st.feed.language = Some(lang.trim().to_string());
    }
    match el {
        El::Rss => {
            st.format = Some(FeedFormat::Rss);
            st.feed.version = attrs
                .version
                .as_deref()
                .map(|v| v.trim().to_string())
                .unwrap_or_else(|| "2.0".into());
        }
        El::Channel => {
            st.format = Some(FeedFormat::Rss);
            st.feed.version = attrs
                .version
                .map(|v| v.trim().to_string())
                .unwrap_or_default();
        }
        El::RdfRoot => {
            st.format = Some(FeedFormat::Rdf);
            st.feed.version = "1.0".into();
            st.other_is_core = false;
        }
        El::Feed => {
            st.format = Some(FeedFormat::Atom);
            st.feed.version = match (ns, attrs.version.as_deref()) {
                (Ns::Atom03, _) => "0.3".into(),
                (Ns::Atom, _) => "1.0".into(),
                (_, Some(v)) => v.trim().to_string(),
                _ => "1.0".into(),
            };
            st.channel_depth = Some(st.depth);
        }
        El::Html => return Some(Outcome::Html),
        _ => {
            let name = String::from_utf8_lossy(e.name().as_ref()).into_owned();
            return Some(Outcome::NotAFeed(name));
        }
    }
    st.feed.format = st.format;
    None
}

/// Handles a start (or empty) tag at `st.depth`.
fn open(st: &mut State<'_>, ns: Ns, e: &BytesStart<'_>, empty: bool, content_start: usize) {
    let raw_attrs = e.attributes_raw();
    let has_base = !raw_attrs.is_empty() && contains(raw_attrs, b"xml:base");
    open_with(st, ns, e, empty, content_start, has_base);
}

/// [`open`] for a caller that already knows whether the tag has an `xml:base`.
pub(super) fn open_with(
    st: &mut State<'_>,
    ns: Ns,
    e: &BytesStart<'_>,
    empty: bool,
    content_start: usize,
    has_base: bool,
) {
    let depth = st.depth;
    // Inside a text field, nested elements are content, not structure.
    if let Some(top) = st.caps.last_mut() {
        if top.kind != Kind::Container {
            top.markup = true;
            return;
        }
    }
    if has_base {
        let attrs = Attrs::read(e);
        if let Some(b) = attrs.base.as_deref() {
            if let Some(u) = resolve_url(st.base(), b) {
                st.bases.push((depth, u));
            }
        }
    }
    let core = st.is_core(ns);
    let el = st.names.classify(ns, e.local_name().as_ref(), core);
    if el == El::Other {
        return;
    }
    if let Some(top) = st.caps.last() {
        // Inside an Atom author: its name and email.
        if top.target == Target::Author && depth == top.depth + 1 {
            let target = match el {
                El::Name => Target::AuthorName,
                El::Email => Target::AuthorEmail,
                _ => return,
            };
            if !empty {
                st.caps
                    .push(Capture::new(target, Kind::Text, depth, content_start));
            }
        }
        return;
    }
    if let Some(item) = &st.item {
        let item_depth = item.depth;
        if depth == item_depth + 1 {
            super::fields::item_field(st, el, e, empty, content_start);
        } else {
            // media:content inside media:group (or deeper) still describes the item.
            super::modules::nested_item_field(st, el, e, empty, content_start);
        }
        return;
    }
    match el {
        El::Item | El::Entry => {
            if el == El::Item {
                super::rdf::note_version(st, ns);
            }
            let base = st.base().map(|u| Cow::Owned(u.as_str().to_owned()));
            st.item = Some(ItemState::new(depth, base));
            if el == El::Item {
                super::rss::item_attributes(st, e);
            }
            if empty {
                // An empty item has no fields; it still counts as an item.
            }
        }
        El::Channel if st.channel_depth.is_none() => {
            super::rdf::note_version(st, ns);
            st.channel_depth = Some(depth);
        }
        _ => {
            if st.channel_depth.is_some_and(|c| depth == c + 1) {
                super::fields::feed_field(st, el, e, empty, content_start);
            }
        }
    }
}

/// Handles an end tag (or the end of an empty element) at `st.depth`; `end_start` is where
/// the end tag begins in the text.
pub(super) fn close(st: &mut State<'_>, end_start: usize) {
    let depth = st.depth;
    if st.caps.last().is_some_and(|c| c.depth == depth) {
        if let Some(cap) = st.caps.pop() {
            finish_capture(st, cap, end_start);
        }
    } else if st.caps.last().is_some_and(|c| c.depth > depth) {
        // End tags went missing inside a field; close the fields they would have closed.
        while st.caps.last().is_some_and(|c| c.depth >= depth) {
            if let Some(cap) = st.caps.pop() {
                finish_capture(st, cap, end_start);
            }
        }
    }
    if st.caps.is_empty() {
        if let Some(item) = st.item.as_mut().filter(|i| i.media_group == Some(depth)) {
            item.media_group = None;
        }
        if st.item.as_ref().is_some_and(|i| i.depth == depth) {
            if let Some(item) = st.item.take() {
                super::fields::finish_item(st, item);
            }
        } else if st.channel_depth == Some(depth) && st.format != Some(FeedFormat::Atom) {
            st.channel_depth = None;
        }
    }
    while st.bases.last().is_some_and(|(d, _)| *d >= depth) {
        st.bases.pop();
    }
    st.depth = depth.saturating_sub(1);
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    super::util::find_bytes(hay, needle).is_some()
}

/// Resolves an href against the base in scope, for the field handlers; a link already in
/// canonical form stays a slice of the document.
pub(super) fn resolve_here<'t>(st: &State<'t>, href: &str) -> Cow<'t, str> {
    match rebase(st.text, href) {
        Some(h) => resolve(st.base(), h),
        None => Cow::Owned(resolve(st.base(), href).into_owned()),
    }
}

/// `s` with the document's lifetime: borrowed when it is a slice of the document (an
/// attribute value without entities), copied otherwise.
pub(super) fn in_text<'t>(st: &State<'t>, s: &str) -> Cow<'t, str> {
    match rebase(st.text, s) {
        Some(t) => Cow::Borrowed(t),
        None => Cow::Owned(s.to_owned()),
    }
}

/// Applies a capture whose end tag starts at `end_start`.
fn finish_capture(st: &mut State<'_>, cap: Capture, end_start: usize) {
    let text = st.text;
    let raw = text.get(cap.start..end_start).unwrap_or_default();
    super::fields::apply(st, cap, raw);
}

/// Applies a capture of an empty element.
pub(super) fn finish_empty(st: &mut State<'_>, cap: Capture) {
    super::fields::apply(st, cap, "");
}
