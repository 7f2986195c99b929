//! The attributes the reader acts on, read once per element with lenient syntax
//! (unquoted values, duplicates, undeclared prefixes, bare `&`).

use std::borrow::Cow;

use quick_xml::events::BytesStart;

use super::fields::Kind;
use super::util::unescape;

/// The attributes the reader looks at, decoded leniently.
#[derive(Default)]
pub struct Attrs<'a> {
    /// `href`
    pub href: Option<Cow<'a, str>>,
    /// `rel`
    pub rel: Option<Cow<'a, str>>,
    /// `type`
    pub typ: Option<Cow<'a, str>>,
    /// `url`
    pub url: Option<Cow<'a, str>>,
    /// `medium` (Media RSS)
    pub medium: Option<Cow<'a, str>>,
    /// `term` (Atom category)
    pub term: Option<Cow<'a, str>>,
    /// `label` (Atom category)
    pub label: Option<Cow<'a, str>>,
    /// `isPermaLink` (RSS guid)
    pub perma: Option<Cow<'a, str>>,
    /// `mode` (Atom 0.3)
    pub mode: Option<Cow<'a, str>>,
    /// `src` (Atom out-of-line content)
    pub src: Option<Cow<'a, str>>,
    /// `version`
    pub version: Option<Cow<'a, str>>,
    /// `lastmod` (CDF)
    pub lastmod: Option<Cow<'a, str>>,
    /// `xml:base`
    pub base: Option<Cow<'a, str>>,
    /// `xml:lang`
    pub lang: Option<Cow<'a, str>>,
    /// `length` (RSS `enclosure`, Atom `link`)
    pub length: Option<Cow<'a, str>>,
    /// `fileSize` (Media RSS)
    pub filesize: Option<Cow<'a, str>>,
    /// `width` (Media RSS)
    pub width: Option<Cow<'a, str>>,
    /// `height` (Media RSS)
    pub height: Option<Cow<'a, str>>,
}

impl<'a> Attrs<'a> {
    /// Reads the attributes of `e`, tolerating HTML-style syntax and duplicates.
    #[inline]
    pub fn read(e: &'a BytesStart<'_>) -> Self {
        // Filled in place: the struct is a few hundred bytes, and copying it out of helper
        // functions showed up in profiles.
        let mut out = Attrs::default();
        let raw = e.attributes_raw();
        // Most elements carry no attributes: skip the attribute parser for them.
        if raw.iter().all(u8::is_ascii_whitespace) {
            return out;
        }
        if !out.read_plain(raw) {
            out = Attrs::default();
            out.read_lenient(e);
        }
        out
    }

    /// Reads the attributes with quick-xml's HTML-style attribute iterator.
    fn read_lenient(&mut self, e: &'a BytesStart<'_>) {
        let mut attrs = e.html_attributes();
        attrs.with_checks(false);
        for attr in attrs.flatten() {
            self.set(attr.key.as_ref(), attr.value);
        }
    }

    /// The common case, read without quick-xml's general attribute iterator: every
    /// attribute written `name="value"` (or with single quotes), separated by whitespace.
    /// Anything else returns `false`, for the lenient iterator to read.
    fn read_plain(&mut self, raw: &'a [u8]) -> bool {
        let mut rest = raw;
        loop {
            let Some(start) = rest.iter().position(|c| !is_space(*c)) else {
                return true;
            };
            let Some(attr) = rest.get(start..) else {
                return false;
            };
            let Some(key_len) = attr.iter().position(|&c| !is_key_char(c)) else {
                return false;
            };
            let (key, after) = attr.split_at(key_len);
            let [b'=', quote @ (b'"' | b'\''), after @ ..] = after else {
                return false;
            };
            let Some(close) = super::util::find_byte(*quote, after) else {
                return false;
            };
            let (Some(value), Some(next)) = (after.get(..close), after.get(close + 1..)) else {
                return false;
            };
            if key.is_empty() || next.first().is_some_and(|c| !is_space(*c)) {
                return false;
            }
            self.set(key, Cow::Borrowed(value));
            rest = next;
        }
    }

    /// Stores one attribute, if it is one the reader uses and not already set (the first
    /// of duplicates wins).
    fn set(&mut self, key: &[u8], value: Cow<'a, [u8]>) {
        let slot = if key.eq_ignore_ascii_case(b"xml:base") {
            &mut self.base
        } else if key.eq_ignore_ascii_case(b"xml:lang") {
            &mut self.lang
        } else {
            let local = match key.iter().position(|&c| c == b':') {
                Some(i) => key.get(i + 1..).unwrap_or_default(),
                None => key,
            };
            let mut buf = [0u8; 16];
            match super::names::lower(local, &mut buf) {
                b"href" => &mut self.href,
                b"rel" => &mut self.rel,
                b"type" => &mut self.typ,
                b"url" => &mut self.url,
                b"medium" => &mut self.medium,
                b"term" => &mut self.term,
                b"label" => &mut self.label,
                b"ispermalink" => &mut self.perma,
                b"mode" => &mut self.mode,
                b"src" => &mut self.src,
                b"version" => &mut self.version,
                b"lastmod" => &mut self.lastmod,
                b"length" => &mut self.length,
                b"filesize" => &mut self.filesize,
                b"width" => &mut self.width,
                b"height" => &mut self.height,
                _ => return,
            }
        };
        if slot.is_some() {
            return;
        }
        *slot = match value {
            Cow::Borrowed(b) => match std::str::from_utf8(b) {
                Ok(s) => Some(unescape(s)),
                Err(_) => return,
            },
            Cow::Owned(v) => match String::from_utf8(v) {
                Ok(s) => Some(Cow::Owned(unescape(&s).into_owned())),
                Err(_) => return,
            },
        };
    }
}

/// XML whitespace, as quick-xml's attribute reader counts it.
fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\r')
}

/// Characters of the attribute names [`Attrs::read_plain`] accepts.
fn is_key_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b':' | b'_' | b'-' | b'.')
}

/// The kind of an Atom text construct (`type`, and Atom 0.3 `mode`).
pub fn text_kind(attrs: &Attrs<'_>, atom: bool) -> (Kind, bool) {
    if !atom {
        return (Kind::Text, false);
    }
    let typ = attrs.typ.as_deref().unwrap_or("text").trim();
    let is = |s: &str| typ.eq_ignore_ascii_case(s);
    let mut kind = if is("html") || is("text/html") {
        Kind::Html
    } else if is("xhtml")
        || typ.len() >= 3
            && typ
                .get(typ.len() - 3..)
                .is_some_and(|e| e.eq_ignore_ascii_case("xml"))
    {
        Kind::Xhtml
    } else {
        Kind::Text
    };
    let mode = attrs.mode.as_deref().map(str::trim).unwrap_or_default();
    if mode.eq_ignore_ascii_case("escaped") && kind == Kind::Xhtml {
        kind = Kind::Html;
    }
    (kind, mode.eq_ignore_ascii_case("base64"))
}

pub fn is_image_type(t: Option<&str>) -> bool {
    t.is_some_and(|t| {
        t.trim()
            .get(..6)
            .is_some_and(|p| p.eq_ignore_ascii_case("image/"))
    })
}

/// The image meta a media element's attributes give (`type`, `width`, `height`).
pub fn image_meta(attrs: &Attrs<'_>) -> crate::model::ImageMeta {
    use crate::normalize::media::{clean_mime, is_image_mime, pixels};
    crate::model::ImageMeta {
        mime_type: attrs
            .typ
            .as_deref()
            .filter(|t| is_image_mime(t))
            .and_then(clean_mime),
        width: attrs.width.as_deref().and_then(pixels),
        height: attrs.height.as_deref().and_then(pixels),
    }
}

/// A byte count as `length` and `fileSize` write it; `None` for anything but digits
/// (RSS feeds write `length="0"` for "unknown", which stays `Some(0)`).
pub fn byte_count(s: Option<&str>) -> Option<u64> {
    let t = s?.trim();
    if t.is_empty() || t.len() > 19 || !t.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    t.parse().ok()
}

pub fn looks_like_image(url: &str) -> bool {
    let path = url.split(['?', '#']).next().unwrap_or_default().as_bytes();
    [
        ".jpg", ".jpeg", ".png", ".gif", ".webp", ".avif", ".svg", ".bmp",
    ]
    .iter()
    .any(|ext| {
        path.len() >= ext.len()
            && path
                .get(path.len() - ext.len()..)
                .is_some_and(|end| end.eq_ignore_ascii_case(ext.as_bytes()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields<'x>(a: &'x Attrs<'_>) -> Vec<Option<&'x str>> {
        [
            &a.href,
            &a.rel,
            &a.typ,
            &a.url,
            &a.medium,
            &a.term,
            &a.label,
            &a.perma,
            &a.mode,
            &a.src,
            &a.version,
            &a.lastmod,
            &a.base,
            &a.lang,
            &a.length,
            &a.filesize,
            &a.width,
            &a.height,
        ]
        .iter()
        .map(|f| f.as_deref())
        .collect()
    }

    #[test]
    fn plain_reading_matches_the_lenient_iterator() {
        for attrs in [
            r#" rel="alternate" type="text/html" href="https://x.vn/a?b=1&amp;c=2""#,
            " term='luc-yen' label='Lục Yên' ",
            r#" HREF="a" href="b" atom:rel="self" xml:base="/d/" XML:LANG="vi""#,
            r#" isPermaLink="false""#,
            r#" url=https://x/a.jpg medium="image""#,
            r#" url="https://x/a.mp3" length="123" type="audio/mpeg""#,
            r#" url="https://x/a.jpg" width="600" height='400' fileSize="9""#,
            r#" href = "a" rel="b""#,
            r#" href="a"rel="b""#,
            r#" checked href="a""#,
            r#" href="a AT&T""#,
            r#" href="unterminated"#,
        ] {
            let name_len = 4;
            let content = format!("link{attrs}");
            let e = BytesStart::from_content(content.as_str(), name_len);
            let fast = Attrs::read(&e);
            let mut lenient = Attrs::default();
            lenient.read_lenient(&e);
            assert_eq!(fields(&fast), fields(&lenient), "{attrs}");
        }
        let e = BytesStart::from_content(r#"link rel="alternate" href="https://x.vn/a""#, 4);
        let a = Attrs::read(&e);
        assert_eq!(a.rel.as_deref(), Some("alternate"));
        assert_eq!(a.href.as_deref(), Some("https://x.vn/a"));
    }
}
