//! HTML content: bounded in cost ([`bound`]), sanitized to an allow-list of what news is
//! made of ([`policy`]: media, figures, tables, MathML, a strict subset of SVG; no script,
//! frames, styles, event handlers or `javascript:`/`data:` URLs), relative URLs made
//! absolute, and the pieces other fields are derived from (the first image, the first
//! paragraph).

use std::borrow::Cow;
use std::sync::LazyLock;

use regex::Regex;
use scraper::{Html, Selector};
use url::Url;

use super::text::plain_text;
use crate::config::LimitsCfg;

pub mod audit;
pub mod bound;
pub mod policy;
mod tokens;

pub use bound::{bound, Bounds, Cuts};

/// Sanitized `html` with relative URLs made absolute against `base`, within the default
/// [`LimitsCfg`]. Without a base relative URLs are dropped, since a reader could not
/// follow them anyway.
pub fn sanitize(html: &str, base: Option<&Url>) -> String {
    sanitize_within(html, base, &Bounds::content(&LimitsCfg::default())).0
}

/// [`sanitize`] within `bounds`, with what the bounds cut (for the source's warnings).
pub fn sanitize_within(html: &str, base: Option<&Url>, bounds: &Bounds) -> (String, Cuts) {
    let (bounded, cuts) = bound(html, bounds);
    let clean = policy::clean(&lazy_images(&bounded), base);
    // After, not before: character references (`&#1;`, `&#x301;`) are decoded by the
    // parser and would bring back what a pass before it removed.
    let clean = super::text::clean_text_keep_lines(clean.trim()).into_owned();
    (clean, cuts)
}

/// The plain text of HTML (a title or summary) within `bounds`; see [`plain_text`].
pub fn plain_text_within(html: &str, bounds: &Bounds) -> (String, Cuts) {
    let (bounded, cuts) = bound(html, bounds);
    (plain_text(&bounded), cuts)
}

/// A plain-text field that may carry HTML (a title, an author) within `bounds`: its plain
/// text when it holds markup, else the text as it is, decoded no further (see
/// [`super::text::field_text`]), cut to `bounds.bytes` on a character boundary.
pub fn field_text_within(text: &str, bounds: &Bounds) -> (String, Cuts) {
    if super::text::has_markup(text) {
        return plain_text_within(text, bounds);
    }
    let mut end = text.len().min(bounds.bytes);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let cuts = Cuts {
        bytes: text.len() - end,
        ..Cuts::default()
    };
    (super::text::clean_text(&text[..end]), cuts)
}

/// The warning for what `bounds` cut from `field` of an item, if anything.
pub fn cut_warning(
    source: &str,
    item: &str,
    field: &str,
    cuts: &Cuts,
    bounds: &Bounds,
) -> Option<String> {
    cuts.any().then(|| {
        format!(
            "source {source}: item {item:?}: {field}: {}",
            cuts.describe(bounds)
        )
    })
}

/// An `<img>` start tag.
static IMG_TAG: LazyLock<Option<Regex>> = LazyLock::new(|| Regex::new(r"(?i)<img\b[^>]*>").ok());
/// A lazy-loading attribute holding the real image URL.
static LAZY_SRC: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r#"(?i)\sdata-(?:src|original|lazy-src|lazy)\s*=\s*(?:"([^"]*)"|'([^']*)')"#).ok()
});
/// An `src` attribute.
static SRC: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r#"(?i)\ssrc\s*=\s*(?:"[^"]*"|'[^']*'|[^\s>]+)"#).ok());

/// News sites load images lazily: the real URL sits in `data-src` (or `data-original`,
/// `data-lazy-src`) and `src` holds a placeholder. The sanitizer drops `data-*`, so the
/// real URL is moved into `src` first.
pub fn lazy_images(html: &str) -> Cow<'_, str> {
    let (Some(img), Some(lazy), Some(src)) = (&*IMG_TAG, &*LAZY_SRC, &*SRC) else {
        return Cow::Borrowed(html);
    };
    if !html.contains("data-") {
        return Cow::Borrowed(html);
    }
    img.replace_all(html, |c: &regex::Captures<'_>| {
        let tag = c.get(0).map_or("", |m| m.as_str());
        let real = lazy
            .captures(tag)
            .and_then(|l| l.get(1).or_else(|| l.get(2)))
            .map(|m| m.as_str().trim())
            .filter(|v| !v.is_empty());
        match real {
            Some(url) => {
                let without = src.replace_all(tag, "");
                let escaped = url.replace('"', "&quot;");
                // `<img` is 4 bytes long and ASCII, so slicing after it is on a boundary.
                format!("<img src=\"{escaped}\"{}", without.get(4..).unwrap_or(">"))
            }
            None => tag.to_string(),
        }
    })
}

/// The `src` of the first `<img>` that has one, as written (absolute after [`sanitize`]).
pub fn first_image(html: &str) -> Option<String> {
    if let Some(src) = first_image_serialized(html) {
        return Some(src);
    }
    if !html.to_ascii_lowercase().contains("<img") {
        return None;
    }
    let sel = Selector::parse("img[src]").ok()?;
    let doc = Html::parse_fragment(html);
    let src = doc
        .select(&sel)
        .filter_map(|e| e.value().attr("src"))
        .map(str::trim)
        .find(|s| !s.is_empty())?;
    Some(src.to_string())
}

/// The first image of sanitized HTML with its `alt` text (trimmed, maybe empty).
pub fn first_image_named(html: &str) -> Option<(String, String)> {
    let sel = Selector::parse("img[src]").ok()?;
    let doc = Html::parse_fragment(html);
    let img = doc
        .select(&sel)
        .find(|e| e.value().attr("src").is_some_and(|s| !s.trim().is_empty()))?;
    let src = img.value().attr("src")?.trim().to_string();
    let alt = super::text::clean_text(img.value().attr("alt").unwrap_or_default());
    Some((src, alt))
}

/// What a reader can call an image with no words of its own: its file name
/// (`…/photos/ruong-bac-thang.jpg` → `ruong-bac-thang.jpg`), percent-decoded.
pub fn image_file_name(url: &str) -> String {
    let name = Url::parse(url)
        .ok()
        .and_then(|u| {
            u.path_segments()
                .and_then(|mut s| s.rfind(|seg| !seg.is_empty()).map(str::to_string))
        })
        .unwrap_or_else(|| url.to_string());
    let decoded = percent_decode(&name);
    super::text::clean_text(&decoded)
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        match (
            b[i],
            b.get(i + 1).copied().and_then(hex),
            b.get(i + 2).copied().and_then(hex),
        ) {
            (b'%', Some(h), Some(l)) => {
                out.push((h * 16 + l) as u8);
                i += 3;
            }
            (c, _, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The first image in HTML as [`sanitize`] serializes it (`<img` then attributes written
/// `name="value"`), read without a second parse; `None` sends the caller to the parser.
fn first_image_serialized(html: &str) -> Option<String> {
    let start = html.find("<img ")?;
    let tag = html.get(start..)?;
    let tag = tag.get(..tag.find('>')?)?;
    let at = tag.find(" src=\"")? + " src=\"".len();
    let value = tag.get(at..)?;
    let value = value.get(..value.find('"')?)?.trim();
    if value.is_empty() {
        return None;
    }
    Some(html_escape::decode_html_entities(value).into_owned())
}

/// The plain text of the first non-empty `<p>`, or of the whole fragment when it has no
/// paragraphs (content that is one bare run of text).
pub fn first_paragraph(html: &str) -> String {
    if html.contains("<p") {
        if let Ok(sel) = Selector::parse("p") {
            let doc = Html::parse_fragment(html);
            // Paragraphs without text are passed over by their text nodes, not by writing
            // and parsing each one again (100,000 empty `<p>` took half a second).
            let first = doc
                .select(&sel)
                .filter(|p| p.text().any(|t| !t.trim().is_empty()))
                .map(|p| plain_text(&p.inner_html()))
                .find(|t| !t.is_empty());
            if let Some(t) = first {
                return t;
            }
        }
    }
    plain_text(html)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> Url {
        Url::parse("https://baoyenbai.com.vn/12/255000/Luc-Yen.aspx").expect("static")
    }

    #[test]
    fn dangerous_markup_is_removed() {
        let dirty = r#"<p onclick="steal()">Lục Yên<script>alert(1)</script></p>
<iframe src="https://evil.example/"></iframe><style>p{color:red}</style>
<a href="javascript:alert(1)">x</a><img src="x.jpg" onerror="steal()">"#;
        let clean = sanitize(dirty, Some(&base()));
        for bad in [
            "script",
            "alert",
            "iframe",
            "evil",
            "style",
            "onclick",
            "onerror",
            "javascript",
        ] {
            assert!(!clean.contains(bad), "{bad} left in {clean}");
        }
        assert!(clean.contains("<p>Lục Yên</p>"), "{clean}");
        assert!(
            clean.contains(r#"<img src="https://baoyenbai.com.vn/12/255000/x.jpg">"#),
            "{clean}"
        );
    }

    #[test]
    fn structure_is_kept_and_urls_made_absolute() {
        let html = r#"<figure><img src="/Uploads/anh.jpg" alt="Đồng chí Vũ Quỳnh Khánh"><figcaption>Chi bộ thôn Úc</figcaption></figure>
<h2>Tiêu đề</h2><ul><li>một</li></ul><table><tr><td>1</td></tr></table><p><a href="../tin.aspx">tin</a></p>"#;
        let clean = sanitize(html, Some(&base()));
        assert!(clean.contains(r#"<img src="https://baoyenbai.com.vn/Uploads/anh.jpg" alt="Đồng chí Vũ Quỳnh Khánh">"#), "{clean}");
        assert!(
            clean.contains("<figcaption>Chi bộ thôn Úc</figcaption>"),
            "{clean}"
        );
        assert!(
            clean.contains("<h2>Tiêu đề</h2><ul><li>một</li></ul>"),
            "{clean}"
        );
        assert!(clean.contains("<td>1</td>"), "{clean}");
        assert!(
            clean.contains(r#"<a href="https://baoyenbai.com.vn/12/tin.aspx" rel="noopener noreferrer">tin</a>"#),
            "{clean}"
        );
    }

    #[test]
    fn lazy_loaded_images_keep_their_real_url() {
        let html = r#"<img class="lazy" src="/img/blank.gif" data-src="/Uploads/anh.jpg" alt="Lục Yên">
<IMG data-original='https://cdn.x.vn/2.jpg'><img src="/3.jpg">"#;
        let clean = sanitize(html, Some(&base()));
        assert_eq!(
            clean,
            "<img src=\"https://baoyenbai.com.vn/Uploads/anh.jpg\" alt=\"Lục Yên\">\n\
             <img src=\"https://cdn.x.vn/2.jpg\"><img src=\"https://baoyenbai.com.vn/3.jpg\">"
        );
        assert!(matches!(lazy_images("<p>không ảnh</p>"), Cow::Borrowed(_)));
    }

    #[test]
    fn output_is_nfc_and_xml_safe() {
        assert_eq!(sanitize("<p>a&#1;b&#xFFFF;c</p>", None), "<p>abc</p>");
        assert_eq!(sanitize("<p>Lu&#x323;c Yên</p>", None), "<p>Lục Yên</p>");
    }

    #[test]
    fn relative_urls_without_base_are_dropped() {
        let clean = sanitize(r#"<a href="/x">x</a><img src="a.jpg">"#, None);
        assert_eq!(clean, r#"<a rel="noopener noreferrer">x</a><img>"#);
    }

    #[test]
    fn first_image_and_paragraph() {
        let html = r#"<div><img alt="no src"><img src="https://x.vn/1.jpg"><img src="https://x.vn/2.jpg"></div>
<p> </p><p>Sau 1 năm <b>thực hiện</b>, đội ngũ…</p><p>Hai</p>"#;
        assert_eq!(first_image(html).as_deref(), Some("https://x.vn/1.jpg"));
        assert_eq!(first_paragraph(html), "Sau 1 năm thực hiện, đội ngũ…");
        assert_eq!(
            first_paragraph("chỉ có chữ &amp; thôi"),
            "chỉ có chữ & thôi"
        );
        assert_eq!(first_image("<p>không ảnh</p>"), None);
        assert_eq!(
            first_image(r#"<IMG SRC='https://x.vn/a.jpg'>"#).as_deref(),
            Some("https://x.vn/a.jpg")
        );
        let clean = sanitize(
            r#"<p><img alt="a>b" src="/a.jpg?x=1&amp;y=2"></p>"#,
            Url::parse("https://x.vn/").ok().as_ref(),
        );
        assert_eq!(
            first_image(&clean).as_deref(),
            Some("https://x.vn/a.jpg?x=1&y=2")
        );
    }
}
