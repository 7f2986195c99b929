//! Plain-text fields: markup stripped, entities decoded, NFC, whitespace collapsed,
//! XML-invalid characters removed.

use ego_tree::iter::Edge;
use scraper::{Html, Node};

use std::borrow::Cow;

use unicode_normalization::{is_nfc_quick, IsNormalized};

use crate::text::{collapse_ws, nfc, strip_xml_invalid};

/// Elements whose text is never shown to a reader.
const HIDDEN: &[&str] = &["script", "style", "template", "noscript", "head", "title"];

/// Elements that separate words: their boundaries become spaces in plain text, so
/// `<p>a</p><p>b</p>` reads `a b`, not `ab`.
const BLOCK: &[&str] = &[
    "address",
    "article",
    "aside",
    "blockquote",
    "br",
    "dd",
    "div",
    "dl",
    "dt",
    "figcaption",
    "figure",
    "footer",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hr",
    "li",
    "main",
    "nav",
    "ol",
    "p",
    "pre",
    "section",
    "table",
    "td",
    "th",
    "tr",
    "ul",
    "img",
];

/// The plain-text form of a field that may hold markup or entities (feed titles do):
/// tags stripped (hidden elements dropped with their text), HTML entities decoded, NFC,
/// XML-invalid characters removed, whitespace collapsed.
pub fn plain_text(html: &str) -> String {
    if !html.contains(['<', '&']) {
        return clean_text(html);
    }
    let doc = Html::parse_fragment(html);
    let mut out = String::with_capacity(html.len());
    let mut hidden_depth = 0usize;
    for edge in doc.tree.root().traverse() {
        match edge {
            Edge::Open(node) => match node.value() {
                Node::Text(t) if hidden_depth == 0 => out.push_str(t),
                Node::Element(e) => {
                    let name = e.name();
                    if HIDDEN.contains(&name) {
                        hidden_depth += 1;
                    } else if BLOCK.contains(&name) {
                        out.push(' ');
                    }
                }
                _ => {}
            },
            Edge::Close(node) => {
                if let Node::Element(e) = node.value() {
                    let name = e.name();
                    if HIDDEN.contains(&name) {
                        hidden_depth = hidden_depth.saturating_sub(1);
                    } else if BLOCK.contains(&name) {
                        out.push(' ');
                    }
                }
            }
        }
    }
    clean_text(&out)
}

/// A plain-text field that may carry HTML (a title, an author, a tag): when it holds
/// markup (real tags, see [`has_markup`]) it is HTML and becomes its plain text; otherwise
/// it is plain text already and is not decoded again, so `A &lt;img&gt; B` stays that
/// text (decoding it once more would make live markup of it for every reader that renders
/// titles as HTML).
pub fn field_text(s: &str) -> String {
    if has_markup(s) {
        plain_text(s)
    } else {
        clean_text(s)
    }
}

/// Whether `s` holds markup: a start or end tag of an HTML element (`<b>`, `</p>`,
/// `<img src=x>`, `<br/>`) or a comment. `a < b`, `Vector<int>` and `<3` are text.
pub fn has_markup(s: &str) -> bool {
    let b = s.as_bytes();
    let mut from = 0;
    while let Some(i) = b.get(from..).and_then(|r| memchr::memchr(b'<', r)) {
        let at = from + i + 1;
        from = at;
        let rest = b.get(at..).unwrap_or_default();
        if rest.starts_with(b"!--") {
            return true;
        }
        let rest = rest.strip_prefix(b"/").unwrap_or(rest);
        let len = rest
            .iter()
            .position(|c| !c.is_ascii_alphanumeric())
            .unwrap_or(rest.len());
        let (name, after) = rest.split_at(len);
        let ends_tag = matches!(
            after.first(),
            Some(b'>' | b'/' | b' ' | b'\t' | b'\n' | b'\r')
        ) && memchr::memchr(b'>', after).is_some();
        // A known element, a custom one (`my-widget`: its name goes on past the letters and
        // digits), or any tag with an attribute (`<x onmouseover=…>` runs code in a reader
        // that renders titles as HTML, whatever `x` is). `Vector<int>` stays text.
        let custom = name.first().is_some_and(u8::is_ascii_alphabetic)
            && after.first() == Some(&b'-')
            && memchr::memchr(b'>', after).is_some();
        if (ends_tag || custom) && (is_html_element(name) || custom || has_attribute(after)) {
            return true;
        }
    }
    false
}

/// Whether the rest of a tag after its name (`after`) holds an attribute with a value
/// (`name=`) before the tag's `>`.
fn has_attribute(after: &[u8]) -> bool {
    let end = memchr::memchr(b'>', after).unwrap_or(after.len());
    let tag = after.get(..end).unwrap_or_default();
    tag.first().is_some_and(u8::is_ascii_whitespace) && memchr::memchr(b'=', tag).is_some()
}

/// HTML element names (current and obsolete ones feeds still use), lowercase and sorted.
#[rustfmt::skip]
const HTML_ELEMENTS: &[&str] = &[
    "a", "abbr", "acronym", "address", "applet", "area", "article", "aside", "audio", "b",
    "base", "basefont", "bdi", "bdo", "bgsound", "big", "blink", "blockquote", "body", "br",
    "button", "canvas", "caption", "center", "cite", "code", "col", "colgroup", "data",
    "datalist", "dd", "del", "details", "dfn", "dialog", "dir", "div", "dl", "dt", "em",
    "embed", "fieldset", "figcaption", "figure", "font", "footer", "form", "frame", "frameset",
    "h1", "h2", "h3", "h4", "h5", "h6", "head", "header", "hgroup", "hr", "html", "i", "iframe",
    "ilayer", "image", "img", "input", "ins", "isindex", "kbd", "keygen", "label", "layer",
    "legend", "li", "link", "listing", "main", "map", "mark", "marquee", "math", "menu", "meta",
    "meter", "multicol", "nav", "nextid", "nobr", "noembed", "noframes", "noscript", "object",
    "ol", "optgroup", "option", "output", "p", "param", "picture", "plaintext", "portal", "pre",
    "progress", "q", "rb", "rp", "rt", "rtc", "ruby", "s", "samp", "script", "search",
    "section", "select", "slot", "small", "source", "spacer", "span", "strike", "strong",
    "style", "sub", "summary", "sup", "svg", "table", "tbody", "td", "template", "textarea",
    "tfoot", "th", "thead", "time", "title", "tr", "track", "tt", "u", "ul", "var", "video",
    "wbr", "xml", "xmp",
];

fn is_html_element(name: &[u8]) -> bool {
    if name.is_empty() || name.len() > 10 {
        return false;
    }
    let mut buf = [0u8; 10];
    let Some(dst) = buf.get_mut(..name.len()) else {
        return false;
    };
    for (d, c) in dst.iter_mut().zip(name) {
        *d = c.to_ascii_lowercase();
    }
    let lower = std::str::from_utf8(dst).unwrap_or_default();
    HTML_ELEMENTS.binary_search(&lower).is_ok()
}

/// Text already free of markup: NFC, XML-invalid characters removed, whitespace collapsed.
pub fn clean_text(s: &str) -> String {
    collapse_ws(&nfc_xml(s))
}

/// `s` in NFC with XML-invalid characters removed, borrowed when it already is (most
/// text is: feeds are mostly NFC, and full normalization of a long article costs more
/// than sanitizing it).
pub fn nfc_xml(s: &str) -> Cow<'_, str> {
    let s: Cow<'_, str> = match is_nfc_quick(s.chars()) {
        IsNormalized::Yes => Cow::Borrowed(s),
        _ => Cow::Owned(nfc(s)),
    };
    if has_xml_invalid(&s) {
        Cow::Owned(strip_xml_invalid(&s))
    } else {
        s
    }
}

/// Whether `s` holds a character XML 1.0 cannot carry. Scans bytes: the only such
/// characters in a `str` are C0 controls and U+FFFE/U+FFFF.
fn has_xml_invalid(s: &str) -> bool {
    s.bytes()
        .any(|b| b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r'))
        || s.contains('\u{FFFE}')
        || s.contains('\u{FFFF}')
}

/// An author as a display name: plain text, and the name from RSS's
/// `e-mail (Name)` convention (`bbt@baoyenbai.com.vn (Anh Dũng)` → `Anh Dũng`).
pub fn author_name(raw: &str) -> String {
    author_of_text(field_text(raw))
}

/// [`author_name`] of an author already made plain text (see [`field_text`]).
pub fn author_of_text(s: String) -> String {
    if let Some((addr, rest)) = s.split_once(" (") {
        if addr.contains('@') && !addr.contains(' ') {
            if let Some(name) = rest.strip_suffix(')') {
                let name = name.trim();
                if !name.is_empty() {
                    return name.to_string();
                }
            }
        }
    }
    s
}

/// HTML or text with NFC and XML-invalid characters removed, but whitespace kept (it is
/// significant inside `<pre>`).
pub fn clean_text_keep_lines(s: &str) -> Cow<'_, str> {
    nfc_xml(s)
}

/// `text` cut to at most `max` characters at a word boundary, with `…` appended when
/// something was cut. A single word longer than `max` is cut inside the word.
pub fn truncate_words(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let cut = text.char_indices().nth(max).map_or(text.len(), |(i, _)| i);
    let head = &text[..cut];
    let head = match head.rfind(' ') {
        Some(i) if i > 0 => &head[..i],
        _ => head,
    };
    let head = head.trim_end_matches([' ', ',', ';', ':', '-', '–', '—']);
    format!("{head}…")
}

/// The first `n` words of `text` (for a title made from a summary), with `…` when cut.
pub fn first_words(text: &str, n: usize) -> String {
    let words: Vec<&str> = text.split(' ').filter(|w| !w.is_empty()).collect();
    if words.len() <= n {
        return words.join(" ");
    }
    let s = words.iter().take(n).copied().collect::<Vec<_>>().join(" ");
    format!("{}…", s.trim_end_matches([',', ';', ':', '-', '–', '—']))
}

#[cfg(test)]
mod tests {
    use super::*;
    use unicode_normalization::UnicodeNormalization;

    #[test]
    fn markup_in_titles_is_stripped() {
        assert_eq!(
            plain_text("<b>Lục Yên</b>: Nâng cao <i>sức chiến đấu</i>"),
            "Lục Yên: Nâng cao sức chiến đấu"
        );
        assert_eq!(plain_text("<p>một</p><p>hai</p>"), "một hai");
        assert_eq!(plain_text("a<br>b"), "a b");
        assert_eq!(plain_text("x<script>alert(1)</script>y"), "xy");
    }

    #[test]
    fn entities_are_decoded() {
        assert_eq!(plain_text("Tom &amp; Jerry"), "Tom & Jerry");
        assert_eq!(
            plain_text("Y&ecirc;n B&aacute;i&nbsp;&#8211; 2022"),
            "Yên Bái – 2022"
        );
        assert_eq!(plain_text("&#x110;ảng bộ"), "Đảng bộ");
        assert_eq!(plain_text("AT&T < 5"), "AT&T < 5");
    }

    #[test]
    fn nfc_whitespace_and_controls() {
        let nfd: String = "Lục Yên".nfd().collect();
        assert_eq!(plain_text(&format!("  {nfd}\n\t ")), "Lục Yên");
        assert_eq!(plain_text("a\u{1}b\u{0} c\u{FFFE}"), "ab c");
        assert_eq!(plain_text("<i>a\u{b}</i>\u{a0}b"), "a b");
    }

    #[test]
    fn nfc_xml_borrows_clean_text() {
        assert!(matches!(nfc_xml("Lục Yên"), Cow::Borrowed(_)));
        let nfd: String = "Lục Yên".nfd().collect();
        assert_eq!(nfc_xml(&nfd), "Lục Yên");
        assert_eq!(nfc_xml("a\u{1}b"), "ab");
        assert_eq!(nfc_xml("ạ\u{FFFF}\u{1F}\tb\u{FFFD}"), "ạ\tb\u{FFFD}");
        assert!(matches!(nfc_xml("a\tb\r\n"), Cow::Borrowed(_)));
        assert_eq!(
            clean_text_keep_lines("<pre>a\n  b</pre>"),
            "<pre>a\n  b</pre>"
        );
    }

    #[test]
    fn the_element_list_is_sorted() {
        assert!(HTML_ELEMENTS.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn markup_is_real_tags_only() {
        for html in [
            "<b>x</b>",
            "a<br/>b",
            "a <img src=x onerror=alert(1)> b",
            "x</p>",
            "<!-- c -->",
            "<P CLASS=a>",
            "safe<applet code=\"foo.class\"></applet> description",
            "<xmp>x</xmp>",
            "<my-widget>x</my-widget>",
            "a <x onmouseover=alert(1)>b",
            "<foo bar='1'>",
        ] {
            assert!(has_markup(html), "{html}");
        }
        for text in [
            "a < b",
            "Vector<int>",
            "<3",
            "A &lt;img&gt; B",
            "x <b",
            "AT&T",
            "<>",
            "</>",
            "Tom <re-election",
            "List<String> and Map<K, V>",
        ] {
            assert!(!has_markup(text), "{text}");
        }
    }

    #[test]
    fn fields_are_decoded_once() {
        assert_eq!(
            field_text("A &lt;img src=x onerror=alert(1)&gt; B"),
            "A &lt;img src=x onerror=alert(1)&gt; B"
        );
        assert_eq!(field_text("<b>Tom</b> &amp; Jerry"), "Tom & Jerry");
        assert_eq!(field_text("Tom &amp; Jerry"), "Tom &amp; Jerry");
        assert_eq!(field_text("  Lục   Yên "), "Lục Yên");
    }

    #[test]
    fn author_names() {
        assert_eq!(author_name("bbt@baoyenbai.com.vn (Anh Dũng)"), "Anh Dũng");
        assert_eq!(author_name(" Anh  Dũng "), "Anh Dũng");
        assert_eq!(author_name("bbt@baoyenbai.com.vn"), "bbt@baoyenbai.com.vn");
        assert_eq!(author_name("Nhóm PV (Yên Bái)"), "Nhóm PV (Yên Bái)");
        assert_eq!(author_name("a@b.vn ()"), "a@b.vn ()");
    }

    #[test]
    fn truncation_at_word_boundary() {
        assert_eq!(truncate_words("một hai ba", 20), "một hai ba");
        assert_eq!(truncate_words("một hai ba bốn", 9), "một hai…");
        assert_eq!(truncate_words("abcdefghij", 4), "abcd…");
        assert_eq!(first_words("a b c d", 2), "a b…");
        assert_eq!(first_words("a b, c d", 2), "a b…");
        assert_eq!(first_words("a b", 5), "a b");
    }
}
