//! Small text and URL helpers the XML, JSON and HTML readers share.

use std::borrow::Cow;

use url::Url;

/// Decodes XML and HTML5 character references leniently: every named HTML5 entity works
/// without a DTD, and a bare `&` (or an unknown `&name;`) stays as written.
pub fn unescape(s: &str) -> Cow<'_, str> {
    if !s.as_bytes().contains(&b'&') {
        return Cow::Borrowed(s);
    }
    html_escape::decode_html_entities(s)
}

const CDATA_OPEN: &str = "<![CDATA[";
const CDATA_CLOSE: &str = "]]>";

/// The text of an element's raw inner XML: CDATA sections unwrapped, character references
/// decoded outside them. When the element had child elements (`markup`), the markup is kept
/// as written, since it is HTML someone forgot to escape (or XHTML).
pub fn inner_text(raw: &str, markup: bool) -> String {
    if markup {
        return strip_cdata_markers(raw);
    }
    if !raw.as_bytes().contains(&b'<') {
        return unescape(raw).into_owned();
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
    out
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
    while let Some(i) = hay.get(from..).and_then(|h| memchr::memchr(first, h)) {
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
fn strip_cdata_markers(raw: &str) -> String {
    if !raw.contains(CDATA_OPEN) {
        return raw.to_string();
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
    out
}

/// Plain text → HTML.
pub fn text_to_html(s: &str) -> String {
    html_escape::encode_text(s).into_owned()
}

/// Resolves `href` against `base`; keeps the trimmed text when it cannot be resolved.
pub fn resolve(base: Option<&Url>, href: &str) -> String {
    let href = href.trim();
    let parsed = match base {
        Some(b) => b.join(href),
        None => Url::parse(href),
    };
    match parsed {
        Ok(u) => u.into(),
        Err(_) => href.to_string(),
    }
}

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
