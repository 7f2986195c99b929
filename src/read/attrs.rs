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
    /// `xml:base`
    pub base: Option<Cow<'a, str>>,
    /// `xml:lang`
    pub lang: Option<Cow<'a, str>>,
}

impl<'a> Attrs<'a> {
    /// Reads the attributes of `e`, tolerating HTML-style syntax and duplicates.
    #[inline]
    pub fn read(e: &'a BytesStart<'_>) -> Self {
        let mut out = Attrs::default();
        // Most elements carry no attributes: skip the attribute parser for them.
        if e.attributes_raw().iter().all(u8::is_ascii_whitespace) {
            return out;
        }
        let mut attrs = e.html_attributes();
        attrs.with_checks(false);
        for attr in attrs.flatten() {
            let key = attr.key.as_ref();
            let slot = if key.eq_ignore_ascii_case(b"xml:base") {
                &mut out.base
            } else if key.eq_ignore_ascii_case(b"xml:lang") {
                &mut out.lang
            } else {
                let mut buf = [0u8; 16];
                match super::names::lower(attr.key.local_name().as_ref(), &mut buf) {
                    b"href" => &mut out.href,
                    b"rel" => &mut out.rel,
                    b"type" => &mut out.typ,
                    b"url" => &mut out.url,
                    b"medium" => &mut out.medium,
                    b"term" => &mut out.term,
                    b"label" => &mut out.label,
                    b"ispermalink" => &mut out.perma,
                    b"mode" => &mut out.mode,
                    b"src" => &mut out.src,
                    b"version" => &mut out.version,
                    _ => continue,
                }
            };
            if slot.is_some() {
                continue;
            }
            *slot = match attr.value {
                Cow::Borrowed(b) => match std::str::from_utf8(b) {
                    Ok(s) => Some(unescape(s)),
                    Err(_) => continue,
                },
                Cow::Owned(v) => match String::from_utf8(v) {
                    Ok(s) => Some(Cow::Owned(unescape(&s).into_owned())),
                    Err(_) => continue,
                },
            };
        }
        out
    }
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

pub fn looks_like_image(url: &str) -> bool {
    let path = url
        .split(['?', '#'])
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    [
        ".jpg", ".jpeg", ".png", ".gif", ".webp", ".avif", ".svg", ".bmp",
    ]
    .iter()
    .any(|ext| path.ends_with(ext))
}
