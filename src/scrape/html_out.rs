//! Serializes a selected element's children back to HTML, leaving out removed subtrees and
//! making URL attributes absolute, without mutating the parsed document.

use std::collections::HashSet;

use ego_tree::NodeId;
use scraper::{ElementRef, Node};
use url::Url;

/// Attributes holding one URL.
const URL_ATTRS: &[&str] = &[
    "href", "src", "poster", "cite", "action", "data-src", "longdesc",
];

/// Elements without end tags.
const VOID: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
    "track", "wbr",
];

/// Elements whose text is written as is.
const RAW_TEXT: &[&str] = &[
    "style",
    "script",
    "xmp",
    "iframe",
    "noembed",
    "noframes",
    "plaintext",
    "noscript",
];

/// The inner HTML of `root` without the subtrees in `skip`, URL attributes resolved
/// against `base`. Iterative, so a hostile, deeply nested page cannot overflow the stack.
pub fn inner_html(root: ElementRef<'_>, skip: &HashSet<NodeId>, base: &Url) -> String {
    enum Step<'a> {
        Open(ego_tree::NodeRef<'a, Node>),
        Close(&'a str),
    }
    let mut out = String::new();
    let mut stack: Vec<Step<'_>> = root.children().rev().map(Step::Open).collect();
    while let Some(step) = stack.pop() {
        let node = match step {
            Step::Close(name) => {
                out.push_str("</");
                out.push_str(name);
                out.push('>');
                continue;
            }
            Step::Open(node) => node,
        };
        if skip.contains(&node.id()) {
            continue;
        }
        match node.value() {
            Node::Text(text) => {
                let raw = node
                    .parent()
                    .and_then(|p| p.value().as_element().map(|e| e.name()))
                    .is_some_and(|name| RAW_TEXT.contains(&name));
                if raw {
                    out.push_str(text);
                } else {
                    escape_text(&mut out, text);
                }
            }
            Node::Comment(_) => {}
            Node::Element(el) => {
                let name = el.name();
                out.push('<');
                out.push_str(name);
                for (attr, value) in el.attrs() {
                    out.push(' ');
                    out.push_str(attr);
                    out.push_str("=\"");
                    let value = rewrite_attr(attr, value, base);
                    escape_attr(&mut out, &value);
                    out.push('"');
                }
                out.push('>');
                if !VOID.contains(&name) {
                    stack.push(Step::Close(name));
                    stack.extend(node.children().rev().map(Step::Open));
                }
            }
            _ => {}
        }
    }
    out
}

/// The attribute's value with URLs absolute (`srcset` entry by entry).
fn rewrite_attr(attr: &str, value: &str, base: &Url) -> String {
    if URL_ATTRS.contains(&attr) {
        return absolute(base, value);
    }
    if attr == "srcset" {
        return value
            .split(',')
            .map(|candidate| {
                let candidate = candidate.trim();
                match candidate.split_once(char::is_whitespace) {
                    Some((url, descriptor)) => {
                        format!("{} {}", absolute(base, url), descriptor.trim())
                    }
                    None => absolute(base, candidate),
                }
            })
            .collect::<Vec<_>>()
            .join(", ");
    }
    value.to_string()
}

/// `value` resolved against `base`; left as written when it does not resolve or is only
/// a fragment (an in-page anchor).
pub fn absolute(base: &Url, value: &str) -> String {
    let trimmed = value.trim();
    if trimmed.is_empty() || trimmed.starts_with('#') {
        return value.to_string();
    }
    base.join(trimmed)
        .map(String::from)
        .unwrap_or_else(|_| value.to_string())
}

fn escape_text(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\u{a0}' => out.push_str("&nbsp;"),
            c => out.push(c),
        }
    }
}

fn escape_attr(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\u{a0}' => out.push_str("&nbsp;"),
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use scraper::{Html, Selector};

    #[test]
    fn removes_skipped_subtrees_and_resolves_urls() {
        let doc = Html::parse_document(
            r#"<div id="c"><p>A &amp; B <a href="../x.html#s">x</a></p><div class="ads">ad</div>
            <img src="img/a.jpg" srcset="img/a.jpg 1x, /b.jpg 2x"><br><script>if (a < b) {}</script></div>"#,
        );
        let sel = Selector::parse("#c").expect("selector");
        let root = doc.select(&sel).next().expect("root");
        let ads = Selector::parse(".ads").expect("selector");
        let skip: HashSet<NodeId> = root.select(&ads).map(|e| e.id()).collect();
        let base = Url::parse("https://a.vn/tin/bai.html").expect("url");
        let html = inner_html(root, &skip, &base);
        assert_eq!(
            html,
            "<p>A &amp; B <a href=\"https://a.vn/x.html#s\">x</a></p>\n            \
             <img src=\"https://a.vn/tin/img/a.jpg\" srcset=\"https://a.vn/tin/img/a.jpg 1x, https://a.vn/b.jpg 2x\">\
             <br><script>if (a < b) {}</script>"
        );
    }
}
