//! The sanitizer's allow-list: what news content is made of (media, figures, tables,
//! MathML, a strict subset of SVG, the presentational attributes of feedparser's list),
//! and nothing that runs code.
//!
//! Built on ammonia, which parses with html5ever and guards namespace changes (the
//! `<svg><style>` and `<math><mtext><table>` mutation tricks). Decided here, not there:
//! every attribute that holds a URL — on any element, `srcset` candidate by candidate — is
//! made absolute and must be http(s) (or `mailto:` for a link); inline `style` is dropped
//! entirely (feedparser keeps a filtered subset; a style cannot run code in today's
//! browsers, but it can cover the reader's own page, and none of the news we read needs
//! it); `id`, `name` and `class` are dropped (DOM clobbering and the reader's own CSS).

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

use ammonia::{Builder, UrlRelative};
use url::Url;

/// HTML elements kept (feedparser's `acceptable_elements` less `noscript`, whose content
/// a browser reads as markup only when scripts are off, plus HTML5's media and text
/// elements).
#[rustfmt::skip]
const HTML_TAGS: &[&str] = &[
    "a", "abbr", "acronym", "address", "area", "article", "aside", "audio", "b", "bdi", "bdo",
    "big", "blockquote", "br", "button", "canvas", "caption", "center", "cite", "code", "col",
    "colgroup", "command", "data", "datagrid", "datalist", "dd", "del", "details", "dfn",
    "dialog", "dir", "div", "dl", "dt", "em", "event-source", "fieldset", "figcaption",
    "figure", "font", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hgroup",
    "hr", "i", "img", "input", "ins", "kbd", "keygen", "label", "legend", "li", "m", "main",
    "map", "mark", "menu", "meter", "multicol", "nav", "nextid", "ol", "optgroup", "option",
    "output", "p", "picture", "pre", "progress", "q", "rp", "rt", "ruby", "s", "samp",
    "section", "select", "small", "sound", "source", "spacer", "span", "strike", "strong",
    "sub", "summary", "sup", "table", "tbody", "td", "textarea", "tfoot", "th", "thead", "time",
    "tr", "track", "tt", "u", "ul", "var", "video", "wbr",
];

/// MathML presentation elements. Left out: `maction` (its `actiontype`/`href` pair was a
/// script vector) and `annotation-xml` (an HTML integration point); their children stay.
#[rustfmt::skip]
const MATHML_TAGS: &[&str] = &[
    "math", "annotation", "maligngroup", "malignmark", "menclose", "merror", "mfenced", "mfrac",
    "mglyph", "mi", "mlabeledtr", "mlongdiv", "mmultiscripts", "mn", "mo", "mover", "mpadded",
    "mphantom", "mprescripts", "mroot", "mrow", "ms", "mscarries", "mscarry", "msgroup",
    "msline", "mspace", "msqrt", "msrow", "mstack", "mstyle", "msub", "msubsup", "msup",
    "mtable", "mtd", "mtext", "mtr", "munder", "munderover", "none", "semantics",
];

/// SVG shapes, text and gradients: drawings and charts. Left out: `script`, `style`,
/// `foreignObject`, `use`, `image`, `a`'s SVG twin is the HTML one, and every animation
/// element (`animate`, `set`, … can rewrite another element's `href`).
#[rustfmt::skip]
const SVG_TAGS: &[&str] = &[
    "svg", "g", "path", "circle", "ellipse", "line", "polyline", "polygon", "rect", "text",
    "tspan", "defs", "linearGradient", "radialGradient", "stop",
];

/// Removed with everything inside them.
const CLEAN_CONTENT: &[&str] = &[
    "script", "style", "iframe", "object", "embed", "applet", "template", "noscript", "noembed",
    "noframes", "frame", "frameset", "title",
];

/// Attributes kept on any element: feedparser's `acceptable_attributes` less `style`,
/// `id`, `name`, `class`, `rel` (ammonia writes its own), `autofocus` and
/// `contenteditable`, plus HTML5's media attributes.
#[rustfmt::skip]
const GENERIC_ATTRS: &[&str] = &[
    "abbr", "accept", "accept-charset", "accesskey", "action", "align", "alt", "autocomplete",
    "axis", "background", "balance", "bgcolor", "bgproperties", "border", "bordercolor",
    "bordercolordark", "bordercolorlight", "bottompadding", "cellpadding", "cellspacing", "ch",
    "challenge", "char", "charoff", "charset", "checked", "choff", "cite", "clear", "color",
    "cols", "colspan", "compact", "controls", "coords", "data", "datafld", "datapagesize",
    "datasrc", "datetime", "default", "delay", "dir", "disabled", "draggable", "dynsrc",
    "enctype", "end", "face", "for", "form", "frame", "galleryimg", "gutter", "headers",
    "height", "hidden", "hidefocus", "high", "href", "hreflang", "hspace", "icon", "inputmode",
    "ismap", "keytype", "kind", "label", "lang", "leftspacing", "list", "longdesc", "loop",
    "loopcount", "loopend", "loopstart", "low", "lowsrc", "max", "maxlength", "media", "method",
    "min", "multiple", "muted", "nohref", "noshade", "nowrap", "open", "optimum", "pattern",
    "ping", "placeholder", "playsinline", "point-size", "poster", "pqg", "preload", "prompt",
    "radiogroup", "readonly", "repeat-max", "repeat-min", "replace", "required", "rev",
    "reversed", "rightspacing", "rows", "rowspan", "rules", "scope", "selected", "shape",
    "size", "sizes", "span", "src", "srclang", "srcset", "start", "step", "summary", "suppress",
    "tabindex", "target", "template", "title", "toppadding", "type", "unselectable", "urn",
    "usemap", "valign", "value", "variable", "volume", "vrml", "vspace", "width", "wrap",
    "xml:lang",
];

/// MathML attributes (feedparser's list; `href` is a URL, checked like any other).
#[rustfmt::skip]
const MATHML_ATTRS: &[&str] = &[
    "accent", "accentunder", "align", "alignmentscope", "altimg", "alttext", "bevelled",
    "charalign", "close", "columnalign", "columnlines", "columnspacing", "columnspan",
    "columnwidth", "crossout", "decimalpoint", "denomalign", "depth", "dir", "display",
    "displaystyle", "edge", "encoding", "equalcolumns", "equalrows", "fence", "fontstyle",
    "fontweight", "form", "frame", "framespacing", "groupalign", "height", "indentalign",
    "indentalignfirst", "indentalignlast", "indentshift", "indentshiftfirst", "indentshiftlast",
    "indenttarget", "largeop", "length", "linebreak", "linebreakmultchar", "linebreakstyle",
    "lineleading", "linethickness", "location", "longdivstyle", "lquote", "lspace",
    "mathbackground", "mathcolor", "mathsize", "mathvariant", "maxsize", "minlabelspacing",
    "minsize", "movablelimits", "notation", "numalign", "open", "position", "rowalign",
    "rowlines", "rowspacing", "rowspan", "rquote", "rspace", "scriptlevel", "scriptminsize",
    "scriptsizemultiplier", "selection", "separator", "separators", "shift", "side",
    "stackalign", "stretchy", "subscriptshift", "superscriptshift", "symmetric", "voffset",
    "width",
];

/// SVG geometry and paint, nothing that references another resource except `url(#id)`.
#[rustfmt::skip]
const SVG_ATTRS: &[&str] = &[
    "viewBox", "preserveAspectRatio", "width", "height", "x", "y", "x1", "y1", "x2", "y2", "cx",
    "cy", "r", "rx", "ry", "d", "points", "dx", "dy", "rotate", "fill", "fill-opacity",
    "fill-rule", "stroke", "stroke-width", "stroke-opacity", "stroke-linecap",
    "stroke-linejoin", "stroke-dasharray", "stroke-dashoffset", "stroke-miterlimit", "opacity",
    "transform", "offset", "stop-color", "stop-opacity", "gradientUnits", "gradientTransform",
    "spreadMethod", "fx", "fy", "text-anchor", "font-family", "font-size", "font-style",
    "font-weight", "textLength", "visibility",
];

/// Attributes whose value is a URL, on whichever element they appear (ammonia checks only
/// `href`/`src` and a few element-specific ones). `srcset` is a list of them.
#[rustfmt::skip]
const URL_ATTRS: &[&str] = &[
    "href", "src", "action", "background", "cite", "data", "datasrc", "dynsrc", "icon",
    "longdesc", "lowsrc", "ping", "poster", "usemap", "altimg",
];

/// Schemes a URL attribute may use (`mailto:` only in a link).
const SCHEMES: &[&str] = &["http", "https", "mailto"];

/// The ammonia builder for content resolved against `base` (relative URLs are dropped
/// without one). Building one fills a few hundred hash-set entries; [`clean`] uses one
/// built once instead.
pub fn builder(base: Option<&Url>) -> Builder<'static> {
    let mut b = allow_list();
    b.url_relative(match base {
        Some(u) => UrlRelative::RewriteWithBase(u.clone()),
        None => UrlRelative::Deny,
    });
    let base = base.cloned();
    b.attribute_filter(move |element, attr, value| filter(element, attr, value, base.as_ref()));
    b
}

/// Everything of the policy but where relative URLs resolve.
fn allow_list() -> Builder<'static> {
    let mut b = Builder::empty();
    let tags = HTML_TAGS.iter().chain(MATHML_TAGS).chain(SVG_TAGS).copied();
    let mut per_tag: HashMap<&'static str, HashSet<&'static str>> = HashMap::new();
    for t in MATHML_TAGS {
        per_tag.insert(t, MATHML_ATTRS.iter().copied().collect());
    }
    for t in SVG_TAGS {
        per_tag.insert(t, SVG_ATTRS.iter().copied().collect());
    }
    // `name` only where it is not a named property of `window`/`document`.
    per_tag.insert("map", HashSet::from(["name"]));
    b.tags(tags.collect())
        .clean_content_tags(CLEAN_CONTENT.iter().copied().collect())
        .generic_attributes(GENERIC_ATTRS.iter().copied().collect())
        .tag_attributes(per_tag)
        .url_schemes(SCHEMES.iter().copied().collect())
        .strip_comments(true)
        .link_rel(Some("noopener noreferrer"));
    b
}

thread_local! {
    /// The base of the content [`clean`] is sanitizing on this thread.
    static BASE: std::cell::RefCell<Option<Url>> = const { std::cell::RefCell::new(None) };
}

/// The policy built once, reading the base of each call from [`BASE`]: building the allow
/// list for every article was a third of normalizing a small one. Relative URLs resolve
/// as [`UrlRelative::RewriteWithBase`] does (`base.join`), and are dropped without a base,
/// as [`UrlRelative::Deny`] drops them.
static SHARED: std::sync::LazyLock<Builder<'static>> = std::sync::LazyLock::new(|| {
    let mut b = allow_list();
    b.url_relative(UrlRelative::Custom(Box::new(resolve)));
    b.attribute_filter(|element, attr, value| {
        BASE.with(|b| filter(element, attr, value, b.borrow().as_ref()))
    });
    b
});

/// A relative URL against this thread's [`BASE`]; `None` (dropped) without one.
fn resolve(url: &str) -> Option<Cow<'_, str>> {
    BASE.with(|b| {
        b.borrow()
            .as_ref()
            .and_then(|base| base.join(url).ok())
            .map(|u| Cow::Owned(String::from(u)))
    })
}

/// `html` sanitized by the policy, relative URLs resolved against `base` (dropped without
/// one): what `builder(base).clean(html)` gives, without building the policy again.
pub fn clean(html: &str, base: Option<&Url>) -> String {
    BASE.with(|b| *b.borrow_mut() = base.cloned());
    let out = SHARED.clean(html).to_string();
    BASE.with(|b| *b.borrow_mut() = None);
    out
}

/// Every kept attribute passes here: URLs made absolute and checked, anything that
/// still reads like script dropped.
fn filter<'v>(
    element: &str,
    attr: &str,
    value: &'v str,
    base: Option<&Url>,
) -> Option<Cow<'v, str>> {
    if attr == "srcset" {
        return srcset(value, base).map(Cow::Owned);
    }
    if URL_ATTRS.contains(&attr) {
        let mailto = attr == "href" && matches!(element, "a" | "area");
        return safe_url(value, base, mailto).map(Cow::Owned);
    }
    let squeezed: String = value
        .chars()
        .filter(|c| !c.is_whitespace() && !c.is_control())
        .flat_map(char::to_lowercase)
        .collect();
    let scripty = ["javascript:", "vbscript:", "livescript:", "expression("]
        .iter()
        .any(|s| squeezed.contains(s));
    if scripty || references_outside(&squeezed) {
        return None;
    }
    Some(Cow::Borrowed(value))
}

/// A paint or marker `url(...)` that points anywhere but into the same drawing.
fn references_outside(squeezed: &str) -> bool {
    squeezed.match_indices("url(").any(|(i, m)| {
        let rest = squeezed.get(i + m.len()..).unwrap_or_default();
        !rest.trim_start_matches(['"', '\'']).starts_with('#')
    })
}

/// `value` resolved against `base`, when it is http(s) (or `mailto:` where allowed).
pub fn safe_url(value: &str, base: Option<&Url>, mailto: bool) -> Option<String> {
    let value = value.trim();
    let url = match Url::parse(value) {
        Ok(u) => u,
        Err(url::ParseError::RelativeUrlWithoutBase) => base?.join(value).ok()?,
        Err(_) => return None,
    };
    match url.scheme() {
        "http" | "https" => Some(url.into()),
        "mailto" if mailto => Some(url.into()),
        _ => None,
    }
}

/// A `srcset` with each candidate's URL made absolute; candidates whose URL is not
/// http(s) are dropped, and the attribute with them when none is left.
fn srcset(value: &str, base: Option<&Url>) -> Option<String> {
    let mut out = String::new();
    for (url, descriptor) in srcset_candidates(value) {
        let Some(url) = safe_url(url, base, false) else {
            continue;
        };
        // A comma inside the URL would split it in two when read back.
        let url = url.replace(',', "%2C");
        if !out.is_empty() {
            out.push_str(", ");
        }
        out.push_str(&url);
        if !descriptor.is_empty() {
            out.push(' ');
            out.push_str(descriptor);
        }
    }
    (!out.is_empty()).then_some(out)
}

/// The (URL, descriptor) candidates of a `srcset`, split the way HTML's parser does: a
/// URL runs to whitespace (trailing commas end the candidate), its descriptor to the
/// next comma outside parentheses.
fn srcset_candidates(value: &str) -> Vec<(&str, &str)> {
    let mut out = Vec::new();
    let mut rest = value;
    loop {
        rest = rest.trim_start_matches(|c: char| c.is_ascii_whitespace() || c == ',');
        if rest.is_empty() {
            return out;
        }
        let end = rest
            .find(|c: char| c.is_ascii_whitespace())
            .unwrap_or(rest.len());
        let (url, after) = rest.split_at(end);
        if url.ends_with(',') {
            out.push((url.trim_end_matches(','), ""));
            rest = after;
            continue;
        }
        let mut depth = 0usize;
        let mut cut = after.len();
        for (i, c) in after.char_indices() {
            match c {
                '(' => depth += 1,
                ')' => depth = depth.saturating_sub(1),
                ',' if depth == 0 => {
                    cut = i;
                    break;
                }
                _ => {}
            }
        }
        let (descriptor, next) = after.split_at(cut);
        out.push((url, descriptor.trim()));
        rest = next;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn srcset_candidates_split_like_html() {
        // A comma inside a URL does not split it; one after it does.
        assert_eq!(
            srcset_candidates("a.jpg, b.jpg 2x"),
            vec![("a.jpg", ""), ("b.jpg", "2x")]
        );
        assert_eq!(
            srcset_candidates(" a.jpg 1x, b.jpg,c.jpg 2x ,d.jpg (x, y) 3w"),
            vec![
                ("a.jpg", "1x"),
                ("b.jpg,c.jpg", "2x"),
                ("d.jpg", "(x, y) 3w")
            ]
        );
        let base = Url::parse("https://x.vn/a/").ok();
        assert_eq!(
            srcset(
                "s.jpg 1x, javascript:alert(1) 2x, data:image/png;base64,AA 3x",
                base.as_ref()
            )
            .as_deref(),
            Some("https://x.vn/a/s.jpg 1x")
        );
        assert_eq!(srcset("javascript:alert(1)", base.as_ref()), None);
    }

    #[test]
    fn urls_need_a_safe_scheme() {
        let base = Url::parse("https://x.vn/").ok();
        for bad in [
            "javascript:alert(1)",
            "jav\tascript:alert(1)",
            " JAVASCRIPT:x",
            "data:text/html,x",
            "vbscript:x",
            "file:///etc/passwd",
        ] {
            assert_eq!(safe_url(bad, base.as_ref(), true), None, "{bad:?}");
        }
        assert_eq!(safe_url("mailto:a@x.vn", base.as_ref(), false), None);
        assert_eq!(safe_url("/p", None, false), None);
        assert_eq!(
            safe_url("/p", base.as_ref(), false).as_deref(),
            Some("https://x.vn/p")
        );
    }

    #[test]
    fn the_shared_policy_cleans_as_a_builder_of_the_same_base_does() {
        let mut inputs: Vec<String> = [
            r#"<p><a href="../x.html">x</a><img src="a.jpg" srcset="a.jpg 1x, /b.jpg 2x"></p>"#,
            r#"<a href="//cdn.x.vn/y">y</a><a href="mailto:a@x.vn">m</a><a href="?q=1#f">q</a>"#,
            r#"<video poster="p.jpg"><source src="v.mp4"><track src="t.vtt"></video>"#,
            r#"<blockquote cite="c.html">c</blockquote><form action="f"><input></form>"#,
            r#"<svg><a xlink:href="javascript:alert(1)"><rect fill="url(#g)"/></a></svg>"#,
            r#"<math href="m.html"><mi>x</mi></math><img src=" javascript:x">"#,
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/hostile");
        for e in std::fs::read_dir(dir)
            .expect("the hostile corpus")
            .flatten()
        {
            inputs.push(String::from_utf8_lossy(&std::fs::read(e.path()).unwrap()).into_owned());
        }
        let base = Url::parse("https://x.vn/a/b.html").ok();
        for html in &inputs {
            for b in [base.as_ref(), None] {
                assert_eq!(
                    clean(html, b),
                    builder(b).clean(html).to_string(),
                    "{html:.80}"
                );
            }
        }
    }
}
