//! The fast lane: reads the plain run of a feed's body — start, empty and end tags, text and
//! CDATA — straight from the text, and feeds each tag to the same handlers as quick-xml's
//! events do.
//!
//! quick-xml's event loop costs about as much per event as everything the reader then does
//! with it, and a feed is mostly small elements inside items: four events per field (start,
//! text, end, the blank text after it), of which the reader acts on two. This lane finds the
//! same tags with a few `memchr` calls each and skips the text events the reader would
//! ignore. It handles exactly what it is sure to read as quick-xml does (the same
//! quote-aware scan for `>`, the same name and `/>` rules), and hands everything else back
//! at the `<` where it stopped: comments, processing instructions, DOCTYPEs, namespace
//! declarations, unclosed markup and the root's own end. quick-xml reads that one event,
//! with its errors and recovery, and the lane takes over again.
//!
//! The reader's result is the same with or without the lane; a test reads the whole corpus
//! and mutated feeds both ways.

use memchr::{memchr, memchr3};
use quick_xml::events::BytesStart;

use super::ns::Scopes;
use super::util::{find_bytes, CDATA_CLOSE, CDATA_OPEN};
use super::xml::{close, open_with, State};

/// Reads from `pos` (just after a markup event, where quick-xml would read text next) for
/// as long as the lane can; returns where quick-xml must resume: the `<` of the first
/// markup the lane left to it, or `pos` when there is nothing it could read.
pub(super) fn run(st: &mut State<'_>, scopes: &mut Scopes, mut pos: usize) -> usize {
    let text = st.text;
    let b = text.as_bytes();
    loop {
        // Text before the next markup is never acted on outside a field, and inside one
        // the field is sliced from the source at its end tag.
        let Some(lt) = next_lt(b, pos) else {
            return pos;
        };
        match b.get(lt + 1) {
            Some(b'/') => {
                // The root's end (and whatever follows it) is quick-xml's.
                if st.depth <= 1 {
                    return lt;
                }
                let Some(gt) = tag_end(b, lt + 2) else {
                    return lt;
                };
                scopes.before_event();
                scopes.end();
                close(st, lt);
                pos = gt + 1;
            }
            Some(b'!') => {
                if !b
                    .get(lt..)
                    .is_some_and(|r| r.starts_with(CDATA_OPEN.as_bytes()))
                {
                    return lt;
                }
                let from = lt + CDATA_OPEN.len();
                let close = CDATA_CLOSE.as_bytes();
                let Some(end) = b.get(from..).and_then(|r| find_bytes(r, close)) else {
                    return lt;
                };
                scopes.before_event();
                if let Some(top) = st.caps.last_mut() {
                    top.note_cdata(from, from + end);
                }
                pos = from + end + close.len();
            }
            Some(b'?') | None => return lt,
            Some(_) => {
                let Some(gt) = tag_end(b, lt + 1) else {
                    return lt;
                };
                let Some(inner) = text.get(lt + 1..gt) else {
                    return lt;
                };
                let (inner, empty) = match inner.strip_suffix('/') {
                    Some(i) => (i, true),
                    None => (inner, false),
                };
                let name_len = inner
                    .bytes()
                    .position(|c| matches!(c, b' ' | b'\t' | b'\r' | b'\n'))
                    .unwrap_or(inner.len());
                // Namespace declarations change the scopes and can be errors, and
                // `xml:base` the base: both are quick-xml's path (one scan finds both).
                let attrs = inner.as_bytes().get(name_len..).unwrap_or_default();
                if !attrs.is_empty() && find_bytes(attrs, b"xml").is_some() {
                    return lt;
                }
                let e = BytesStart::from_content(inner, name_len);
                scopes.before_event();
                scopes.push_plain(empty);
                let ns = scopes.resolve(e.name().as_ref());
                st.depth += 1;
                if empty {
                    open_with(st, ns, &e, true, 0, false);
                    close(st, lt);
                } else {
                    open_with(st, ns, &e, false, gt + 1, false);
                }
                pos = gt + 1;
            }
        }
    }
}

/// The next `<` from `pos`. Between tags there is mostly a line break or nothing, so a
/// few bytes are looked at before `memchr` is called.
#[inline]
fn next_lt(b: &[u8], pos: usize) -> Option<usize> {
    for (i, &c) in b.get(pos..)?.iter().take(4).enumerate() {
        if c == b'<' {
            return Some(pos + i);
        }
    }
    b.get(pos..).and_then(|r| memchr(b'<', r)).map(|i| pos + i)
}

/// The `>` closing a tag whose name starts at `from`, skipping quoted attribute values as
/// quick-xml does (a quote anywhere in the tag opens a quoted run).
#[inline]
fn tag_end(b: &[u8], mut from: usize) -> Option<usize> {
    // Most tags are a short name and a few attributes: a plain loop first.
    for (i, &c) in b.get(from..)?.iter().take(24).enumerate() {
        match c {
            b'>' => return Some(from + i),
            b'"' | b'\'' => break,
            _ => {}
        }
    }
    loop {
        let at = from + memchr3(b'>', b'"', b'\'', b.get(from..)?)?;
        let q = *b.get(at)?;
        if q == b'>' {
            return Some(at);
        }
        from = at + 1 + memchr(q, b.get(at + 1..)?)? + 1;
    }
}
