//! Checks of sanitized HTML, as a browser would read it: anything in it that could run
//! code, and its shape (depth, attributes). The hostile-input tests and the fuzz target
//! hold every output to these; they are not part of the pipeline.

use ego_tree::NodeRef;
use scraper::{Html, Node};

/// Elements that run, load or re-base code or documents.
#[rustfmt::skip]
const CODE_ELEMENTS: &[&str] = &[
    "script", "iframe", "frame", "frameset", "object", "embed", "applet", "base", "meta",
    "link", "style", "noscript", "template", "foreignobject", "animate", "set", "animatemotion",
    "animatetransform", "use", "handler", "listener", "portal", "xss",
];

/// Attributes whose value is (a list of) URLs.
#[rustfmt::skip]
const URL_ATTRS: &[&str] = &[
    "href", "src", "srcset", "action", "formaction", "poster", "data", "cite", "background",
    "dynsrc", "lowsrc", "longdesc", "usemap", "ping", "icon", "codebase", "classid", "archive",
    "profile", "manifest", "datasrc", "altimg", "xlink:href",
];

/// Everything in `html` that could run code when a browser shows it: a code element, an
/// event handler, a URL attribute that is not http(s)/mailto (`javascript:`, `data:`, …),
/// a style with `expression(` or `url(`, or a value that reads like script. Empty when
/// the HTML is safe. The markup is also scanned as text, so that a difference between
/// this parser and a browser's cannot hide a tag.
pub fn code_markup(html: &str) -> Vec<String> {
    let mut found = Vec::new();
    let lower = html.to_ascii_lowercase();
    for el in CODE_ELEMENTS {
        let open = format!("<{el}");
        let mut from = 0;
        while let Some(i) = lower.get(from..).and_then(|s| s.find(&open)) {
            let at = from + i + open.len();
            let next = lower.as_bytes().get(at).copied();
            if next.is_none_or(|c| !c.is_ascii_alphanumeric() && c != b'-') {
                found.push(format!("<{el}> in the markup"));
                break;
            }
            from = at;
        }
    }
    let doc = Html::parse_fragment(html);
    walk(doc.tree.root(), &mut found);
    found
}

fn walk(node: NodeRef<'_, Node>, found: &mut Vec<String>) {
    // An explicit stack: the HTML under test may be deep.
    let mut stack = vec![node];
    while let Some(n) = stack.pop() {
        if let Node::Element(e) = n.value() {
            let name = e.name().to_ascii_lowercase();
            if CODE_ELEMENTS.contains(&name.as_str()) {
                found.push(format!("element <{name}>"));
            }
            for (attr, value) in e.attrs() {
                let attr = attr.to_ascii_lowercase();
                if let Some(why) = attribute(&attr, value) {
                    found.push(format!("<{name} {attr}={value:?}>: {why}"));
                }
            }
        }
        stack.extend(n.children());
    }
}

/// Why an attribute could run code, if it could.
fn attribute(attr: &str, value: &str) -> Option<&'static str> {
    if attr.starts_with("on") {
        return Some("event handler");
    }
    if attr == "formaction" || attr == "srcdoc" {
        return Some("replaces a document");
    }
    let squeezed: String = value
        .chars()
        .filter(|c| !c.is_whitespace() && !c.is_control())
        .flat_map(char::to_lowercase)
        .collect();
    let local = attr.rsplit(':').next().unwrap_or(attr);
    let url = URL_ATTRS.contains(&attr) || URL_ATTRS.contains(&local);
    // A URL runs code through its scheme alone (`https://x/javascript:` is a page).
    if !url {
        for s in ["javascript:", "vbscript:", "livescript:", "expression("] {
            if squeezed.contains(s) {
                return Some("reads like script");
            }
        }
    }
    if attr == "style" && squeezed.contains("url(") {
        return Some("style loads a URL");
    }
    if url {
        let urls: Vec<&str> = if attr == "srcset" {
            squeezed.split(',').collect()
        } else {
            vec![&squeezed]
        };
        for u in urls {
            let scheme = u.split_once(':').map(|(s, _)| s);
            let plain = scheme.is_none_or(|s| s.contains(['/', '?', '#']));
            if !plain && !matches!(scheme, Some("http" | "https" | "mailto")) {
                return Some("URL with an unsafe scheme");
            }
        }
    }
    None
}

/// The shape of parsed HTML.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Shape {
    /// Deepest element nesting.
    pub depth: usize,
    /// Most attributes on one element.
    pub attributes: usize,
    /// Elements.
    pub elements: usize,
}

/// The [`Shape`] of `html` parsed as a fragment.
pub fn shape(html: &str) -> Shape {
    let doc = Html::parse_fragment(html);
    let mut s = Shape::default();
    let mut stack = vec![(doc.tree.root(), 0usize)];
    while let Some((n, d)) = stack.pop() {
        let d = match n.value() {
            Node::Element(e) => {
                s.elements += 1;
                s.attributes = s.attributes.max(e.attrs().count());
                d + 1
            }
            _ => d,
        };
        s.depth = s.depth.max(d);
        stack.extend(n.children().map(|c| (c, d)));
    }
    // The fragment parser's own <html> root is not part of the content.
    s.depth = s.depth.saturating_sub(1);
    s.elements = s.elements.saturating_sub(1);
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_what_runs_code() {
        for bad in [
            "<script>x</script>",
            "<p onclick=x>a</p>",
            r#"<a href="jav&#x09;ascript:x">a</a>"#,
            r#"<img srcset="a.jpg 1x, javascript:x 2x">"#,
            r#"<img src="data:image/svg+xml,x">"#,
            r#"<div style="width:expression(x)">"#,
            r#"<svg><a xlink:href="javascript:x">a</a></svg>"#,
            "<base href=https://x>",
            r#"<button formaction="https://x">"#,
        ] {
            assert!(!code_markup(bad).is_empty(), "{bad}");
        }
        for ok in [
            r#"<p><a href="https://x.vn/a?b=1" rel="noopener">javascript: a tutorial</a></p>"#,
            r#"<img src="https://x.vn/a.jpg" srcset="https://x.vn/a.jpg 1x, https://x.vn/b.jpg 2x">"#,
            "&lt;script&gt;alert(1)&lt;/script&gt;",
            "<a href=\"mailto:a@x.vn\">a</a><scripts-are-text>",
            // Found by the fuzzer: a relative `*javascript:` resolved to a page.
            r#"<blockquote cite="https://hostile.example/feed/*javascript:alert(1)%22">q</blockquote>"#,
        ] {
            assert_eq!(code_markup(ok), Vec::<String>::new(), "{ok}");
        }
    }

    #[test]
    fn shape_counts_depth_and_attributes() {
        let s = shape(r#"<div a=1 b=2><p><b>x</b></p></div><br>"#);
        assert_eq!(
            s,
            Shape {
                depth: 3,
                attributes: 2,
                elements: 4
            }
        );
    }
}
