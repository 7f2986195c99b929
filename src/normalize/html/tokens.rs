//! A linear HTML tokenizer for [`super::bound`]: the WHATWG tokenizer's tag, attribute,
//! comment and raw-text rules, without character-reference decoding (text and values are
//! handed on as written, and the parser that reads the output decodes them exactly as it
//! would have decoded the input).
//!
//! Hand-written because neither tokenizer at hand is linear on hostile input: html5ever's
//! compares each new attribute with every earlier one of its tag (quadratic: 100,000
//! attributes took 24 s), and html5gum's states call one another directly, so one tag
//! with 100,000 attributes overflows the stack of a debug build. Every loop here moves
//! forward through the input and every search stops at the first match, so the whole
//! pass is O(n) and uses no recursion.

use memchr::{memchr, memmem};

/// How the text after a start tag is read, as the tree builder would switch the tokenizer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Markup.
    Data,
    /// Text up to the matching end tag (`<script>`, `<style>`, `<title>`, …).
    RawUntilEnd,
    /// Text to the end of the input (`<plaintext>`).
    Plain,
}

/// What the tokenizer reports.
pub trait Sink {
    /// A start tag opens (`name` lower-cased).
    fn start(&mut self, name: &str);
    /// An attribute of the open start tag, its value as written (unquoted).
    fn attribute(&mut self, name: &str, value: &str);
    /// The start tag closes; the answer says how to read what follows.
    fn close_start(&mut self, self_closing: bool) -> Mode;
    /// An end tag (`name` lower-cased).
    fn end(&mut self, name: &str);
    /// Text as written (character references not decoded).
    fn text(&mut self, text: &str);
    /// Text of a raw-text element or after `<plaintext>`.
    fn raw_text(&mut self, text: &str);
    /// A doctype; `html` when it is plainly `<!DOCTYPE html>`.
    fn doctype(&mut self, html: bool);
}

/// Tokenizes `s` into `sink`.
pub fn tokenize(s: &str, sink: &mut impl Sink) {
    let b = s.as_bytes();
    let mut pos = 0;
    let mut lower = String::new();
    while pos < b.len() {
        let Some(lt) = memchr(b'<', &b[pos..]).map(|i| pos + i) else {
            sink.text(&s[pos..]);
            return;
        };
        if lt > pos {
            sink.text(&s[pos..lt]);
        }
        pos = lt;
        let next = b.get(pos + 1).copied();
        match next {
            Some(c) if c.is_ascii_alphabetic() => {
                let Some((end, self_closing)) = tag(s, pos + 1, true, sink, &mut lower) else {
                    return; // EOF inside a tag: the tag is dropped, as HTML does.
                };
                pos = end;
                match sink.close_start(self_closing) {
                    Mode::Data => {}
                    Mode::Plain => {
                        sink.raw_text(&s[pos..]);
                        return;
                    }
                    Mode::RawUntilEnd => {
                        let stop = raw_end(b, pos, lower.as_bytes());
                        sink.raw_text(&s[pos..stop]);
                        pos = stop;
                    }
                }
            }
            Some(b'/') => match b.get(pos + 2).copied() {
                Some(c) if c.is_ascii_alphabetic() => {
                    let Some((end, _)) = tag(s, pos + 2, false, sink, &mut lower) else {
                        return;
                    };
                    sink.end(&lower);
                    pos = end;
                }
                Some(b'>') => pos += 3,
                None => {
                    sink.text("&lt;/");
                    return;
                }
                _ => pos = bogus_comment(b, pos + 2),
            },
            Some(b'!') => pos = declaration(s, pos, sink),
            Some(b'?') => pos = bogus_comment(b, pos + 1),
            _ => {
                sink.text("&lt;");
                pos += 1;
            }
        }
    }
}

fn is_ws(c: u8) -> bool {
    matches!(c, b'\t' | b'\n' | b'\x0c' | b'\r' | b' ')
}

/// Reads a tag from its name at `at`: the lower-cased name into `name`, attributes to
/// the sink when `start`. `(index after '>', self-closing)`, `None` at EOF.
fn tag(
    s: &str,
    at: usize,
    start: bool,
    sink: &mut impl Sink,
    name: &mut String,
) -> Option<(usize, bool)> {
    let b = s.as_bytes();
    let mut i = at;
    while i < b.len() && !is_ws(b[i]) && b[i] != b'/' && b[i] != b'>' {
        i += 1;
    }
    name.clear();
    name.push_str(&s[at..i]);
    name.make_ascii_lowercase();
    if start {
        sink.start(name);
    }
    let mut attr_name = String::new();
    loop {
        // Before an attribute name: whitespace, and a '/' not followed by '>'.
        while i < b.len() && (is_ws(b[i]) || (b[i] == b'/' && b.get(i + 1) != Some(&b'>'))) {
            i += 1;
        }
        match b.get(i)? {
            b'>' => return Some((i + 1, false)),
            // "/>": a lone '/' was skipped above.
            b'/' => return Some((i + 2, true)),
            _ => {}
        }
        // An attribute name; a leading '=' belongs to it.
        let n0 = i;
        i += 1;
        while i < b.len() && !is_ws(b[i]) && !matches!(b[i], b'/' | b'>' | b'=') {
            i += 1;
        }
        let n1 = i;
        while i < b.len() && is_ws(b[i]) {
            i += 1;
        }
        let mut value = "";
        if b.get(i) == Some(&b'=') {
            i += 1;
            while i < b.len() && is_ws(b[i]) {
                i += 1;
            }
            match b.get(i)? {
                q @ (b'"' | b'\'') => {
                    let close = memchr(*q, &b[i + 1..])? + i + 1;
                    value = &s[i + 1..close];
                    i = close + 1;
                }
                b'>' => {}
                _ => {
                    let v0 = i;
                    while i < b.len() && !is_ws(b[i]) && b[i] != b'>' {
                        i += 1;
                    }
                    value = &s[v0..i];
                }
            }
        }
        if start {
            attr_name.clear();
            attr_name.push_str(&s[n0..n1]);
            attr_name.make_ascii_lowercase();
            sink.attribute(&attr_name, value);
        }
    }
}

/// Where the raw text that starts at `from` ends: at `</name` followed by whitespace,
/// '/' or '>' (case-insensitive), or at the end of the input.
fn raw_end(b: &[u8], from: usize, name: &[u8]) -> usize {
    let finder = memmem::Finder::new(b"</");
    let mut at = from;
    while let Some(i) = finder.find(&b[at..]).map(|i| at + i) {
        let n = i + 2;
        let candidate = b.get(n..n + name.len());
        let after = b.get(n + name.len()).copied();
        if candidate.is_some_and(|c| c.eq_ignore_ascii_case(name))
            && after.is_some_and(|c| is_ws(c) || c == b'/' || c == b'>')
        {
            return i;
        }
        at = i + 2;
    }
    b.len()
}

/// Skips a bogus comment whose content starts at `from`: to just after the next '>'.
fn bogus_comment(b: &[u8], from: usize) -> usize {
    memchr(b'>', b.get(from..).unwrap_or_default()).map_or(b.len(), |i| from + i + 1)
}

/// `<!`: a comment, a doctype or a bogus comment (CDATA outside SVG/MathML is one too).
fn declaration(s: &str, lt: usize, sink: &mut impl Sink) -> usize {
    let b = s.as_bytes();
    let rest = &b[lt + 2..];
    if rest.starts_with(b"--") {
        let body = lt + 4;
        // `<!-->` and `<!--->` are whole (empty) comments.
        if b.get(body) == Some(&b'>') {
            return body + 1;
        }
        if b.get(body..body + 2) == Some(b"->") {
            return body + 2;
        }
        let mut at = body;
        while let Some(i) = memmem::find(&b[at..], b"--").map(|i| at + i) {
            match b.get(i + 2) {
                Some(b'>') => return i + 3,
                Some(b'!') if b.get(i + 3) == Some(&b'>') => return i + 4,
                _ => at = i + 1,
            }
        }
        return b.len();
    }
    if rest.len() >= 7 && rest[..7].eq_ignore_ascii_case(b"doctype") {
        let end = bogus_comment(b, lt + 9);
        let inner = s.get(lt + 9..end.saturating_sub(1)).unwrap_or_default();
        sink.doctype(inner.trim().eq_ignore_ascii_case("html"));
        return end;
    }
    bogus_comment(b, lt + 2)
}
