//! An article page → its body as sanitized HTML: the operator's `content` selector, or
//! readability ([`dom_smoothie`], a port of Mozilla's readability.js) when there is none.
//! Before readability reads the page, the elements whose tag, role, class or id says they
//! are furniture (navigation, sidebars, share buttons, ads, comments, related posts — the
//! signals `feedmill add` uses) are taken out: readability.js keeps an ad box that sits
//! between the paragraphs of the body.
//!
//! The page is bounded ([`Bounds::page`]: depth and attributes, its size already capped by
//! the fetcher) before any parser sees it; `remove` is taken out of the page first; the
//! body then goes through the same sanitizer and content bounds as every feed's content
//! ([`sanitize_within`] with [`Bounds::content`]), its relative URLs resolved against the
//! page (its `<base href>`, else where it was fetched from).

use scraper::{Html, Selector};
use serde::Serialize;
use url::Url;

use crate::config::{FullTextCfg, LimitsCfg};
use crate::normalize::html::{bound, sanitize_within, Bounds, Cuts};
use crate::normalize::text::plain_text;
use crate::scrape::document_base;

/// Where an article's body came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Origin {
    /// The operator's `content` selector.
    Selector(String),
    /// Readability found it.
    Readability,
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Origin::Selector(s) => write!(f, "selector `{s}`"),
            Origin::Readability => write!(f, "readability"),
        }
    }
}

/// A page's body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Body {
    /// Sanitized HTML with absolute URLs.
    pub html: String,
    /// Characters of its text.
    pub chars: usize,
    /// Where it came from.
    pub origin: Origin,
    /// What the content bounds cut from it.
    pub cuts: Cuts,
}

/// Removes every element `selectors` match from `doc`.
fn remove_all(doc: &mut Html, selectors: &[String]) -> Result<(), String> {
    for css in selectors {
        let sel = Selector::parse(css).map_err(|e| format!("`remove` selector `{css}`: {e:?}"))?;
        let ids: Vec<_> = doc.select(&sel).map(|e| e.id()).collect();
        for id in ids {
            if let Some(mut node) = doc.tree.get_mut(id) {
                node.detach();
            }
        }
    }
    Ok(())
}

/// Takes out the elements of `doc`'s body that name themselves furniture (see the module
/// docs). An element holding half the page's text or more is never furniture (a theme may
/// put `sidebar-right` on the column that holds the article), nor are `main`, `article`
/// and the body itself.
fn remove_furniture(doc: &mut Html) {
    use crate::discover::signals::{junk_tag, junk_tokens};
    let Ok(all) = Selector::parse("body *") else {
        return;
    };
    let text_len = |el: scraper::ElementRef<'_>| el.text().map(str::len).sum::<usize>();
    let total = Selector::parse("body")
        .ok()
        .and_then(|b| doc.select(&b).next())
        .map_or(0, text_len);
    let ids: Vec<_> = doc
        .select(&all)
        .filter(|el| !matches!(el.value().name(), "main" | "article" | "body"))
        .filter(|el| junk_tag(*el) || junk_tokens(*el))
        .filter(|el| text_len(*el) * 2 < total.max(1))
        .map(|el| el.id())
        .collect();
    for id in ids {
        if let Some(mut node) = doc.tree.get_mut(id) {
            node.detach();
        }
    }
}

/// The body of the page `text` (decoded HTML) read from `page_url`, per `cfg`; an error
/// says why there is none (the selector matched nothing, readability found no text).
pub fn extract(
    text: &str,
    page_url: &Url,
    cfg: &FullTextCfg,
    limits: &LimitsCfg,
) -> Result<Body, String> {
    let (bounded, _) = bound(text, &Bounds::page(limits));
    let mut doc = Html::parse_document(&bounded);
    let base = document_base(&doc, page_url);
    remove_all(&mut doc, &cfg.remove)?;
    let (raw, origin) = match &cfg.content {
        Some(css) => {
            let sel =
                Selector::parse(css).map_err(|e| format!("`content` selector `{css}`: {e:?}"))?;
            let el = doc
                .select(&sel)
                .next()
                .ok_or_else(|| format!("selector `{css}` matched nothing on the page"))?;
            (el.inner_html(), Origin::Selector(css.clone()))
        }
        None => {
            // Readability parses the page again: the tree above, without `remove` and
            // without the furniture.
            remove_furniture(&mut doc);
            (readable(&doc.html(), &base)?, Origin::Readability)
        }
    };
    let (html, cuts) = sanitize_within(&raw, Some(&base), &Bounds::content(limits));
    let chars = plain_text(&html).chars().count();
    if chars == 0 {
        return Err(format!("{origin} found no article text on the page"));
    }
    Ok(Body {
        html,
        chars,
        origin,
        cuts,
    })
}

/// Readability's article content of `page`.
fn readable(page: &str, base: &Url) -> Result<String, String> {
    let mut r = dom_smoothie::Readability::new(page, Some(base.as_str()), None)
        .map_err(|e| format!("readability: {e}"))?;
    let article = r.parse().map_err(|e| format!("readability: {e}"))?;
    Ok(article.content.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = r#"<html><head><base href="https://a.vn/tin/"></head><body>
<nav>Trang chủ | Thời sự</nav>
<article><h1>Tiêu đề</h1><div class="body"><p>Câu đầu tiên của bài.</p>
<div class="share">Chia sẻ Facebook</div><p><a href="bai-2.html">Câu cuối</a> <img src="a.jpg" onerror="x()"></p></div></article>
<div class="comments">Bình luận</div></body></html>"#;

    #[test]
    fn selector_remove_sanitize_and_base() {
        let cfg = FullTextCfg {
            content: Some(".body".into()),
            remove: vec![".share".into()],
            allow_hosts: Vec::new(),
        };
        let url = Url::parse("https://a.vn/x/1.html").unwrap();
        let body = extract(PAGE, &url, &cfg, &LimitsCfg::default()).unwrap();
        assert_eq!(body.origin, Origin::Selector(".body".into()));
        assert!(body.html.contains("Câu đầu tiên"), "{}", body.html);
        assert!(!body.html.contains("Chia sẻ"), "{}", body.html);
        assert!(!body.html.contains("onerror"), "{}", body.html);
        assert!(
            body.html.contains(r#"href="https://a.vn/tin/bai-2.html""#),
            "{}",
            body.html
        );
        assert!(body.html.contains(r#"src="https://a.vn/tin/a.jpg""#));
        let missing = FullTextCfg {
            content: Some(".nope".into()),
            ..cfg
        };
        let err = extract(PAGE, &url, &missing, &LimitsCfg::default()).unwrap_err();
        assert!(err.contains("matched nothing"), "{err}");
    }

    #[test]
    fn hostile_pages_come_out_sanitized_and_bounded() {
        let deep = "<div>".repeat(20_000);
        let page = format!(
            "<html><body><article>{deep}<p onclick=\"x()\">Đoạn một của bài viết, đủ dài để đọc.</p>\
             <script>alert(1)</script><iframe src=\"https://evil.example/\"></iframe>\
             <p><a href=\"javascript:alert(1)\">j</a> Đoạn hai của bài viết.</p></article></body></html>"
        );
        let url = Url::parse("https://a.vn/1.html").unwrap();
        for cfg in [
            FullTextCfg::default(),
            FullTextCfg {
                content: Some("article".into()),
                ..FullTextCfg::default()
            },
        ] {
            let body = extract(&page, &url, &cfg, &LimitsCfg::default()).unwrap();
            for bad in [
                "onclick",
                "<script",
                "alert",
                "iframe",
                "evil",
                "javascript",
            ] {
                assert!(!body.html.contains(bad), "{bad} in {}", body.html);
            }
            assert!(body.html.contains("Đoạn hai"), "{}", body.html);
            let depth = body.html.matches("<div>").count();
            assert!(
                depth <= LimitsCfg::default().html_depth,
                "{depth} nested divs kept"
            );
        }
    }
}
