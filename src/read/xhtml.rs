//! Markup inside a field, read as XML: inline XHTML serialized as the HTML an HTML5 parser
//! reads the same way, and the texts of a field whose children are a list.
//!
//! XHTML content handed to an HTML parser as text is misread: `<iframe/>` or `<a name="x"/>`
//! is a start tag there, and everything after it becomes its content (and goes with it when
//! the sanitizer drops the element). So a self-closing element that is not void is written
//! `<x ...></x>`, namespace prefixes and declarations are dropped, and text is escaped for
//! HTML, before the content reaches the sanitizer.

use std::borrow::Cow;

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

use super::util::unescape;

/// HTML's void elements: written without an end tag.
const VOID: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
    "track", "wbr",
];

fn reader(raw: &str) -> Reader<&[u8]> {
    let mut r = Reader::from_str(raw);
    let cfg = r.config_mut();
    cfg.check_end_names = false;
    cfg.allow_unmatched_ends = true;
    cfg.expand_empty_elements = false;
    cfg.trim_text(false);
    r
}

/// The local part of a (possibly prefixed) name.
fn local(name: &[u8]) -> &str {
    let l = match name.iter().rposition(|&c| c == b':') {
        Some(i) => name.get(i + 1..).unwrap_or_default(),
        None => name,
    };
    std::str::from_utf8(l).unwrap_or_default()
}

fn is_void(name: &str) -> bool {
    VOID.iter().any(|v| v.eq_ignore_ascii_case(name))
}

/// `raw` (an XML fragment: the inner XML of an element) serialized as HTML; `None` when it
/// is not well-formed enough to read as XML, for the caller to keep it as written.
pub fn to_html(raw: &str) -> Option<String> {
    let mut r = reader(raw);
    let mut out = String::with_capacity(raw.len() + raw.len() / 8);
    loop {
        match r.read_event().ok()? {
            Event::Start(e) => start_tag(&mut out, &e),
            Event::Empty(e) => {
                start_tag(&mut out, &e);
                let name = local(e.name().into_inner());
                if !is_void(name) {
                    out.push_str("</");
                    out.push_str(name);
                    out.push('>');
                }
            }
            Event::End(e) => {
                let name = local(e.name().into_inner());
                if !is_void(name) {
                    out.push_str("</");
                    out.push_str(name);
                    out.push('>');
                }
            }
            Event::Text(t) => {
                let raw = std::str::from_utf8(t.as_ref()).ok()?;
                out.push_str(&html_escape::encode_text(&unescape(raw)));
            }
            Event::CData(c) => {
                let raw = std::str::from_utf8(c.as_ref()).ok()?;
                out.push_str(&html_escape::encode_text(raw));
            }
            Event::Eof => break,
            // Comments, processing instructions and declarations carry nothing to show.
            _ => {}
        }
    }
    Some(out)
}

/// Writes `<name attrs>` without namespace prefixes or declarations; `xml:lang` becomes
/// `lang`, other `xml:` attributes (base, space) are dropped.
fn start_tag(out: &mut String, e: &BytesStart<'_>) {
    out.push('<');
    out.push_str(local(e.name().into_inner()));
    let mut attrs = e.html_attributes();
    attrs.with_checks(false);
    for a in attrs.flatten() {
        let key = std::str::from_utf8(a.key.as_ref()).unwrap_or_default();
        if key.is_empty() || key == "xmlns" || key.starts_with("xmlns:") {
            continue;
        }
        let key = match key.strip_prefix("xml:") {
            Some("lang") => "lang",
            Some(_) => continue,
            None => key,
        };
        out.push(' ');
        out.push_str(key);
        let value = std::str::from_utf8(&a.value).unwrap_or_default();
        out.push_str("=\"");
        out.push_str(&html_escape::encode_double_quoted_attribute(&unescape(
            value,
        )));
        out.push('"');
    }
    out.push('>');
}

/// The values of a field whose children are a list (`<categories><category>a</category>
/// <category>b</category></categories>`, `<dc:subject><rdf:Bag><rdf:li>…`): its own text
/// when it has some (`<category>Ảnh<image>…</image></category>` is "Ảnh"), else the text
/// of each innermost element. Entities are decoded, CDATA unwrapped.
pub fn list_texts(raw: &str) -> Vec<Cow<'static, str>> {
    let mut r = reader(raw);
    let mut own = String::new();
    // Per open element: whether it has child elements, and its text so far.
    let mut open: Vec<(bool, String)> = Vec::new();
    let mut leaves = Vec::new();
    let push_text =
        |open: &mut Vec<(bool, String)>, own: &mut String, t: &str| match open.last_mut() {
            Some((_, text)) => text.push_str(t),
            None => own.push_str(t),
        };
    loop {
        match r.read_event() {
            Ok(Event::Start(_)) => {
                if let Some(parent) = open.last_mut() {
                    parent.0 = true;
                }
                open.push((false, String::new()));
            }
            Ok(Event::Empty(_)) => {
                if let Some(parent) = open.last_mut() {
                    parent.0 = true;
                }
            }
            Ok(Event::End(_)) => {
                if let Some((nested, text)) = open.pop() {
                    let t = text.trim();
                    if !nested && !t.is_empty() {
                        leaves.push(Cow::Owned(t.to_string()));
                    }
                }
            }
            Ok(Event::Text(t)) => {
                let s = String::from_utf8_lossy(t.as_ref());
                push_text(&mut open, &mut own, &unescape(&s));
            }
            Ok(Event::CData(c)) => {
                push_text(&mut open, &mut own, &String::from_utf8_lossy(c.as_ref()));
            }
            Ok(Event::Eof) | Err(_) => break,
            Ok(_) => {}
        }
    }
    let own = own.trim();
    if own.is_empty() {
        leaves
    } else {
        vec![Cow::Owned(own.to_string())]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn self_closing_elements_are_closed_and_prefixes_dropped() {
        assert_eq!(
            to_html(r#"<p>a</p><iframe src="https://x/"/><a name="n"/><p>b &amp; c<br/></p>"#)
                .as_deref(),
            Some(
                r#"<p>a</p><iframe src="https://x/"></iframe><a name="n"></a><p>b &amp; c<br></p>"#
            )
        );
        assert_eq!(
            to_html(r#"<x:p xmlns:x="http://www.w3.org/1999/xhtml" xml:lang="vi">&lt;b&gt;<![CDATA[<i>]]></x:p>"#)
                .as_deref(),
            Some(r#"<p lang="vi">&lt;b&gt;&lt;i&gt;</p>"#)
        );
    }

    #[test]
    fn list_texts_take_own_text_or_leaves() {
        assert_eq!(list_texts("<c>a</c><c> b </c>"), vec!["a", "b"]);
        assert_eq!(
            list_texts("Ảnh<image><title>x</title></image>"),
            vec!["Ảnh"]
        );
        assert_eq!(
            list_texts(
                "<rdf:Bag><rdf:li>A &amp; B</rdf:li><rdf:li><![CDATA[C]]></rdf:li></rdf:Bag>"
            ),
            vec!["A & B", "C"]
        );
    }
}
