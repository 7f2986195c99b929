//! Small text and URL helpers the XML, JSON and HTML readers share.

use std::borrow::Cow;

use url::Url;

/// Decodes XML and HTML5 character references leniently: every named HTML5 entity works
/// without a DTD, and a bare `&` (or an unknown `&name;`) stays as written.
pub fn unescape(s: &str) -> Cow<'_, str> {
    let Some(first) = find_byte(b'&', s.as_bytes()) else {
        return Cow::Borrowed(s);
    };
    // Escaped HTML in feeds is almost all `&lt;`/`&gt;`/`&amp;`/`&quot;`: those are decoded
    // in one pass here; anything else goes to the full HTML5 decoder.
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    let mut at = first;
    loop {
        let (before, amp) = rest.split_at(at);
        out.push_str(before);
        let tail = amp.as_bytes().get(1..).unwrap_or_default();
        let (ch, len) = match tail {
            [b'l', b't', b';', ..] => ('<', 4),
            [b'g', b't', b';', ..] => ('>', 4),
            [b'a', b'm', b'p', b';', ..] => ('&', 5),
            [b'q', b'u', b'o', b't', b';', ..] => ('"', 6),
            [b'a', b'p', b'o', b's', b';', ..] => ('\'', 6),
            _ => return html_escape::decode_html_entities(s),
        };
        out.push(ch);
        rest = amp.get(len..).unwrap_or_default();
        match find_byte(b'&', rest.as_bytes()) {
            Some(i) => at = i,
            None => break,
        }
    }
    out.push_str(rest);
    Cow::Owned(out)
}

/// What opens a CDATA section.
pub const CDATA_OPEN: &str = "<![CDATA[";
/// What closes it.
pub const CDATA_CLOSE: &str = "]]>";

/// The text of an element's raw inner XML: CDATA sections unwrapped, character references
/// decoded outside them. When the element had child elements (`markup`), the markup is kept
/// as written, since it is HTML someone forgot to escape (or XHTML). Borrowed from `raw`
/// when nothing had to change.
pub fn inner_text(raw: &str, markup: bool) -> Cow<'_, str> {
    if markup {
        return strip_cdata_markers(raw);
    }
    if find_byte(b'<', raw.as_bytes()).is_none() {
        return unescape(raw);
    }
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(open) = find(rest, CDATA_OPEN) {
        let (before, after) = rest.split_at(open);
        out.push_str(&strip_comments(&unescape(before)));
        let after = after.get(CDATA_OPEN.len()..).unwrap_or_default();
        match find(after, CDATA_CLOSE) {
            Some(close) => {
                out.push_str(after.get(..close).unwrap_or_default());
                rest = after.get(close + CDATA_CLOSE.len()..).unwrap_or_default();
            }
            None => {
                out.push_str(after);
                rest = "";
            }
        }
    }
    out.push_str(&strip_comments(&unescape(rest)));
    Cow::Owned(out)
}

/// The first `needle` in `hay`. Most values the reader looks into are a few dozen bytes,
/// where a plain loop beats `memchr`'s dispatch; longer ones go to `memchr`.
#[inline]
pub fn find_byte(needle: u8, hay: &[u8]) -> Option<usize> {
    if hay.len() <= 32 {
        hay.iter().position(|&c| c == needle)
    } else {
        memchr::memchr(needle, hay)
    }
}

/// Substring search for the short needles used here: memchr to each candidate first byte
/// (building a full memmem searcher per field costs more than the search itself).
pub fn find(hay: &str, needle: &str) -> Option<usize> {
    find_bytes(hay.as_bytes(), needle.as_bytes())
}

/// [`find`] on bytes.
pub fn find_bytes(hay: &[u8], needle: &[u8]) -> Option<usize> {
    let (&first, _) = needle.split_first()?;
    let mut from = 0;
    while let Some(i) = hay.get(from..).and_then(|h| find_byte(first, h)) {
        let at = from + i;
        if hay.get(at..).is_some_and(|h| h.starts_with(needle)) {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

/// Drops `<!-- … -->` comments from text outside CDATA.
fn strip_comments(s: &str) -> Cow<'_, str> {
    if find(s, "<!--").is_none() {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(open) = rest.find("<!--") {
        out.push_str(rest.get(..open).unwrap_or_default());
        let after = rest.get(open + 4..).unwrap_or_default();
        rest = match after.find("-->") {
            Some(close) => after.get(close + 3..).unwrap_or_default(),
            None => "",
        };
    }
    out.push_str(rest);
    Cow::Owned(out)
}

/// Removes the CDATA markers of inner markup, escaping what they protected so the result
/// stays well-formed HTML.
fn strip_cdata_markers(raw: &str) -> Cow<'_, str> {
    if find(raw, CDATA_OPEN).is_none() {
        return Cow::Borrowed(raw);
    }
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(open) = rest.find(CDATA_OPEN) {
        out.push_str(rest.get(..open).unwrap_or_default());
        let after = rest.get(open + CDATA_OPEN.len()..).unwrap_or_default();
        let close = after.find(CDATA_CLOSE).unwrap_or(after.len());
        out.push_str(&html_escape::encode_text(
            after.get(..close).unwrap_or_default(),
        ));
        rest = after.get(close + CDATA_CLOSE.len()..).unwrap_or_default();
    }
    out.push_str(rest);
    Cow::Owned(out)
}

/// Plain text → HTML, borrowed when there was nothing to escape.
pub fn text_to_html(s: Cow<'_, str>) -> Cow<'_, str> {
    let escaped = match html_escape::encode_text(&s) {
        Cow::Owned(o) => Some(o),
        Cow::Borrowed(_) => None,
    };
    escaped.map_or(s, Cow::Owned)
}

/// Resolves `href` against `base`; keeps the trimmed text when it cannot be resolved.
pub fn resolve<'h>(base: Option<&Url>, href: &'h str) -> Cow<'h, str> {
    let href = href.trim();
    // Nearly every link in a feed is already an absolute URL in the form the URL parser
    // would write it; parsing it only to print it back costs more than the rest of a field.
    if is_canonical_http_url(href) {
        return Cow::Borrowed(href);
    }
    let parsed = match base {
        Some(b) => b.join(href),
        None => Url::parse(href),
    };
    match parsed {
        Ok(u) => Cow::Owned(u.into()),
        Err(_) => Cow::Borrowed(href),
    }
}

/// `part` as a slice of `text` with `text`'s lifetime, when it is one: values quick-xml or
/// the attribute reader handed out by reference point into the document.
pub fn rebase<'t>(text: &'t str, part: &str) -> Option<&'t str> {
    let start = (part.as_ptr() as usize).checked_sub(text.as_ptr() as usize)?;
    text.get(start..start.checked_add(part.len())?)
}

/// Whether `href` is an absolute http(s) URL that the WHATWG URL parser would serialize
/// unchanged (so resolving it against any base gives it back as is). Conservative: any
/// doubt (ports, user info, IDNA, numeric hosts, dot segments, characters the parser
/// percent-encodes) says no, and the parser decides.
fn is_canonical_http_url(href: &str) -> bool {
    let b = href.as_bytes();
    let Some(rest) = b
        .strip_prefix(b"https://")
        .or_else(|| b.strip_prefix(b"http://"))
    else {
        return false;
    };
    let Some(host_end) = rest.iter().position(|&c| c == b'/') else {
        return false;
    };
    let (host, path) = rest.split_at(host_end);
    // One pass over the host: lowercase letters, digits, `-` and `.`, no empty labels.
    let mut prev = b'.';
    let mut hyphen = false;
    for &c in host {
        let ok = c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-' || c == b'.';
        if !ok || (c == b'.' && prev == b'.') {
            return false;
        }
        hyphen |= c == b'-';
        prev = c;
    }
    // The last label must not look like a number (IPv4 parsing would rewrite it), and
    // punycode labels go through IDNA checks.
    let last_label = host.rsplit(|&c| c == b'.').next().unwrap_or_default();
    if prev == b'.'
        || !last_label.first().is_some_and(u8::is_ascii_lowercase)
        || (hyphen && find_bytes(host, b"xn--").is_some())
    {
        return false;
    }
    // One pass over the path, one table lookup per byte: no character the parser would
    // percent-encode or rewrite, and no dot segment (`/.`, `%2e`) before the query.
    for (i, &c) in path.iter().enumerate() {
        match URL_CLASS.get(usize::from(c)).copied().unwrap_or(BAD) {
            PLAIN => {}
            BAD => return false,
            _ => match c {
                b'?' | b'#' => {
                    let after = path.get(i..).unwrap_or_default();
                    return after
                        .iter()
                        .all(|&c| URL_CLASS.get(usize::from(c)).is_some_and(|&k| k != BAD));
                }
                b'.' if i > 0 && path.get(i - 1) == Some(&b'/') => return false,
                b'%' if path.get(i + 1) == Some(&b'2')
                    && matches!(path.get(i + 2), Some(b'e' | b'E')) =>
                {
                    return false
                }
                _ => {}
            },
        }
    }
    true
}

/// Classes of URL bytes for [`is_canonical_http_url`].
const PLAIN: u8 = 0;
const SPECIAL: u8 = 1;
const BAD: u8 = 2;

/// `PLAIN` for printable ASCII the URL parser keeps as is, `SPECIAL` for the ones that
/// need a look (`?`, `#`, `.`, `%`), `BAD` for everything it would encode or rewrite.
static URL_CLASS: [u8; 256] = {
    let mut t = [BAD; 256];
    let mut c = 0x21;
    while c < 0x7f {
        t[c] = PLAIN;
        c += 1;
    }
    let bad = *b"\"<>`{}\\'^|";
    let mut i = 0;
    while i < bad.len() {
        t[bad[i] as usize] = BAD;
        i += 1;
    }
    t[b'?' as usize] = SPECIAL;
    t[b'#' as usize] = SPECIAL;
    t[b'.' as usize] = SPECIAL;
    t[b'%' as usize] = SPECIAL;
    t
};

/// Resolves `href` against `base` into a URL, if possible.
pub fn resolve_url(base: Option<&Url>, href: &str) -> Option<Url> {
    let href = href.trim();
    match base {
        Some(b) => b.join(href).ok(),
        None => Url::parse(href).ok(),
    }
}

/// 1-based line and column (in characters) of byte offset `pos` in `text`.
pub fn line_col(text: &str, pos: usize) -> (usize, usize) {
    let mut pos = pos.min(text.len());
    while !text.is_char_boundary(pos) {
        pos -= 1;
    }
    let before = text.get(..pos).unwrap_or_default();
    let line = before.bytes().filter(|&b| b == b'\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let col = before.get(line_start..).map_or(0, |s| s.chars().count()) + 1;
    (line, col)
}

/// Non-empty trimmed text, or `None`; borrowed text stays borrowed.
pub fn non_empty_cow(s: Cow<'_, str>) -> Option<Cow<'_, str>> {
    match s {
        Cow::Borrowed(b) => Some(b.trim()).filter(|t| !t.is_empty()).map(Cow::Borrowed),
        Cow::Owned(o) => non_empty(o).map(Cow::Owned),
    }
}

/// Non-empty trimmed text, or `None`.
pub fn non_empty(s: String) -> Option<String> {
    let t = s.trim();
    if t.is_empty() {
        None
    } else if t.len() == s.len() {
        Some(s)
    } else {
        Some(t.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_entities_and_bare_ampersands() {
        assert_eq!(
            unescape("a&nbsp;b &eacute; AT&T &amp; &#7879; &#x1EC7;"),
            "a\u{a0}b é AT&T & ệ ệ"
        );
    }

    #[test]
    fn canonical_urls_skip_the_parser_and_match_it() {
        let base = Url::parse("https://example.com/dir/").ok();
        for href in [
            "https://baoyenbai.com.vn/12/1/tin.aspx",
            "http://a.b/c?d=e&f=g#h",
            "https://Example.com/a",
            "https://example.com",
            "https://example.com:443/a",
            "https://x.com/a/../b",
            "https://x.com/a b",
            "https://1.2.3.4/a",
            "https://x.0x7f/a",
            "https://x.com/%2e%2e/a",
            "https://xn--bcher-kva.example/a",
            "https://x.com/a'b?c'd",
            "/relative",
            "https://a..b/x",
            "https://.a.b/x",
            "https://a.b./x",
            "https:///x",
            "https://x.com/a/./b",
            "https://x.com/a/%2E%2E/b",
            "https://x.com/a?b=/./c#/../d",
            "https://my-site.com/a%20b",
        ] {
            let parsed = base.as_ref().and_then(|b| b.join(href).ok());
            let expected = parsed.map_or_else(|| href.to_string(), String::from);
            assert_eq!(resolve(base.as_ref(), href), expected, "{href}");
            if is_canonical_http_url(href) {
                assert_eq!(expected, href);
            }
        }
        assert!(is_canonical_http_url(
            "https://baoyenbai.com.vn/12/1/tin.aspx"
        ));
        assert!(!is_canonical_http_url("https://example.com"));
    }

    proptest::proptest! {
        /// A URL taken as canonical is exactly what the URL parser writes back.
        #[test]
        fn canonical_means_the_parser_agrees(
            host in "[a-z0-9.-]{1,12}",
            path in "[a-zA-Z0-9/.%?#&=_~!$'()*+,;:@<>\\^`{|} \"-]{0,24}",
            tls in proptest::bool::ANY,
        ) {
            let href = format!("{}://{host}/{path}", if tls { "https" } else { "http" });
            if is_canonical_http_url(&href) {
                let parsed = Url::parse(&href).map(String::from);
                proptest::prop_assert_eq!(parsed.as_deref(), Ok(href.as_str()));
            }
        }
    }

    #[test]
    fn common_entities_fast_and_others_full() {
        assert_eq!(
            unescape("&lt;p&gt;a &amp; b&quot;&apos;&lt;/p&gt;"),
            "<p>a & b\"'</p>"
        );
        assert_eq!(unescape("&lt;p&gt;&eacute;&#7879;"), "<p>é\u{1ec7}");
        let odd = "AT&T &lt &amp";
        assert_eq!(unescape(odd), html_escape::decode_html_entities(odd));
    }

    #[test]
    fn cdata_is_literal() {
        assert_eq!(
            inner_text("x <![CDATA[<b>&amp;</b>]]> &lt;", false),
            "x <b>&amp;</b> <"
        );
    }

    #[test]
    fn line_col_counts_chars() {
        assert_eq!(line_col("ab\nệx", 6), (2, 2));
    }
}
