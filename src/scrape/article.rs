//! One article page → one [`RawArticle`], selector first, page metadata second.

use std::collections::HashSet;

use ego_tree::NodeId;
use scraper::{ElementRef, Html, Selector};
use url::Url;

use super::compiled::{Compiled, Sel};
use super::html_out::{absolute, inner_html};
use super::links::{clean_url, LinkPolicy};
use super::meta::PageMeta;
use crate::model::{ImageMeta, RawArticle};
use crate::text::collapse_ws;

/// What one article page gave.
#[derive(Debug, Clone, Default)]
pub struct Extracted {
    /// The fields found; `title` is `None` when neither selector nor metadata had one.
    pub article: RawArticle<'static>,
    /// (field, selector, elements matched) for every configured selector.
    pub counts: Vec<(&'static str, String, usize)>,
    /// (field, where its value came from), for `inspect`.
    pub origins: Vec<(&'static str, String)>,
    /// Problems on this page (broken JSON-LD, a canonical link refused).
    pub warnings: Vec<String>,
}

/// The page's base URL: its `<base href>` when present, else where it was fetched from.
pub fn document_base(doc: &Html, page_url: &Url) -> Url {
    Selector::parse("base[href]")
        .ok()
        .and_then(|s| doc.select(&s).next())
        .and_then(|b| b.attr("href"))
        .and_then(|h| page_url.join(h.trim()).ok())
        .unwrap_or_else(|| page_url.clone())
}

fn text_of(el: ElementRef<'_>) -> String {
    collapse_ws(&el.text().collect::<String>())
}

/// Escapes plain text (from metadata) into HTML, one `<p>` per non-blank line.
fn text_to_html(text: &str) -> String {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| format!("<p>{}</p>", html_escape::encode_text(l)))
        .collect()
}

/// The URL an image-ish element points at: `src`, lazy-loading attributes, a `<meta
/// content>`, a link's `href`, or the first `<img>` inside it.
fn image_url(el: ElementRef<'_>) -> Option<String> {
    let direct = [
        "src",
        "data-src",
        "data-original",
        "data-lazy-src",
        "content",
        "href",
    ]
    .iter()
    .find_map(|a| el.attr(a).map(str::trim).filter(|v| !v.is_empty()));
    if let Some(v) = direct {
        return Some(v.to_string());
    }
    let img = Selector::parse("img").ok()?;
    el.select(&img).find_map(|i| {
        ["src", "data-src", "data-original"]
            .iter()
            .find_map(|a| i.attr(a).map(str::trim).filter(|v| !v.is_empty()))
            .map(str::to_string)
    })
}

/// The `width`/`height` an image element (or the first `<img>` inside it) declares.
fn image_size(el: ElementRef<'_>) -> ImageMeta {
    let img = if el.value().name().eq_ignore_ascii_case("img") {
        Some(el)
    } else {
        Selector::parse("img")
            .ok()
            .and_then(|s| el.select(&s).next())
    };
    let Some(img) = img else {
        return ImageMeta::default();
    };
    ImageMeta {
        mime_type: None,
        width: img.attr("width").and_then(crate::normalize::media::pixels),
        height: img.attr("height").and_then(crate::normalize::media::pixels),
    }
}

/// Whether `el` lies inside (or is) an element `remove` took out: an ad's image is never
/// the article's image.
fn removed(el: ElementRef<'_>, skip: &HashSet<NodeId>) -> bool {
    skip.contains(&el.id()) || el.ancestors().any(|a| skip.contains(&a.id()))
}

struct Page<'a> {
    doc: &'a Html,
    base: Url,
    counts: Vec<(&'static str, String, usize)>,
    origins: Vec<(&'static str, String)>,
}

impl<'a> Page<'a> {
    /// The elements `sel` matches, counted for the report.
    fn select(&mut self, sel: &Option<Sel>) -> Vec<ElementRef<'a>> {
        let Some(sel) = sel else { return Vec::new() };
        let found: Vec<ElementRef<'a>> = self.doc.select(&sel.sel).collect();
        self.counts.push((sel.field, sel.text.clone(), found.len()));
        found
    }

    /// Takes the first candidate that has a value, remembering where it came from.
    fn pick<T>(&mut self, field: &'static str, candidates: Vec<(String, Option<T>)>) -> Option<T> {
        for (origin, value) in candidates {
            if let Some(v) = value {
                self.origins.push((field, origin));
                return Some(v);
            }
        }
        None
    }

    fn pick_list(
        &mut self,
        field: &'static str,
        candidates: Vec<(String, Vec<String>)>,
    ) -> Vec<String> {
        let found = candidates.into_iter().find(|(_, v)| !v.is_empty());
        match found {
            Some((origin, v)) => {
                self.origins.push((field, origin));
                let mut seen = HashSet::new();
                v.into_iter().filter(|x| seen.insert(x.clone())).collect()
            }
            None => Vec::new(),
        }
    }
}

fn some_text(s: String) -> Option<String> {
    (!s.is_empty()).then_some(s)
}

fn from_sel(sel: &Option<Sel>) -> String {
    sel.as_ref()
        .map(|s| format!("selector `{}`", s.text))
        .unwrap_or_default()
}

/// Extracts an article from `html`, fetched from `page_url`. `policy` decides whether the
/// page's canonical link may stand for it.
pub fn extract(html: &str, page_url: &Url, sel: &Compiled, policy: &LinkPolicy) -> Extracted {
    let doc = Html::parse_document(html);
    let meta = PageMeta::read(&doc);
    let ld = meta.ld.clone().unwrap_or_default();
    let mut warnings: Vec<String> = meta
        .warnings
        .iter()
        .map(|w| format!("{page_url}: {w}"))
        .collect();
    let mut p = Page {
        doc: &doc,
        base: document_base(&doc, page_url),
        counts: Vec::new(),
        origins: Vec::new(),
    };
    let base = p.base.clone();

    let title_els = p.select(&sel.title);
    let title = p.pick(
        "title",
        vec![
            (
                from_sel(&sel.title),
                title_els.first().map(|e| text_of(*e)).and_then(some_text),
            ),
            ("JSON-LD headline".into(), ld.headline.clone()),
            ("og:title".into(), meta.og_title.clone()),
            ("<title>".into(), meta.title.clone()),
        ],
    );

    // The visible text is what the operator selected (and what `date_formats` describe);
    // an empty `<time datetime>` or `<meta content>` gives its attribute instead.
    let date_els = p.select(&sel.date);
    let selected_date = date_els.first().and_then(|e| {
        some_text(text_of(*e)).or_else(|| {
            e.attr("datetime")
                .or_else(|| e.attr("content"))
                .map(collapse_ws)
                .and_then(some_text)
        })
    });
    let published = p.pick(
        "date",
        vec![
            (from_sel(&sel.date), selected_date),
            ("JSON-LD datePublished".into(), ld.date_published.clone()),
            ("article:published_time".into(), meta.published_time.clone()),
            ("<time datetime>".into(), meta.time_datetime.clone()),
        ],
    );
    let updated = p.pick(
        "updated",
        vec![
            ("JSON-LD dateModified".into(), ld.date_modified.clone()),
            ("article:modified_time".into(), meta.modified_time.clone()),
        ],
    );

    let author_els = p.select(&sel.author);
    let author_names: Vec<String> = author_els
        .iter()
        .map(|e| text_of(*e))
        .filter(|t| !t.is_empty())
        .collect();
    // `article:author` is often a profile URL rather than a name.
    let meta_authors: Vec<String> = meta
        .article_authors
        .iter()
        .filter(|a| !a.starts_with("http://") && !a.starts_with("https://"))
        .cloned()
        .collect();
    let authors = p.pick_list(
        "author",
        vec![
            (from_sel(&sel.author), author_names),
            ("JSON-LD author".into(), ld.authors.clone()),
            ("article:author".into(), meta_authors),
            (
                "<meta name=author>".into(),
                meta.meta_author.clone().into_iter().collect(),
            ),
        ],
    );

    let tag_els = p.select(&sel.tags);
    let tag_texts: Vec<String> = tag_els
        .iter()
        .map(|e| text_of(*e))
        .filter(|t| !t.is_empty())
        .collect();
    let tags = p.pick_list(
        "tags",
        vec![
            (from_sel(&sel.tags), tag_texts),
            ("JSON-LD keywords".into(), ld.keywords.clone()),
            ("article:tag".into(), meta.article_tags.clone()),
            ("<meta name=keywords>".into(), meta.meta_keywords.clone()),
        ],
    );

    let summary_els = p.select(&sel.summary);
    let content_els = p.select(&sel.content);
    // `remove` applies to the summary and the content alike; counted inside the content.
    let mut skip: HashSet<NodeId> = HashSet::new();
    for r in &sel.remove {
        let mut n = 0;
        for scope in summary_els.first().into_iter().chain(content_els.first()) {
            for el in scope.select(&r.sel) {
                if skip.insert(el.id()) {
                    n += 1;
                }
            }
        }
        p.counts.push((r.field, r.text.clone(), n));
    }
    let selected_summary = summary_els
        .first()
        .map(|e| inner_html(*e, &skip, &base).trim().to_string())
        .and_then(some_text);
    let escaped = |s: &Option<String>| s.as_deref().map(text_to_html).and_then(some_text);
    let summary_html = p.pick(
        "summary",
        vec![
            (from_sel(&sel.summary), selected_summary),
            ("JSON-LD description".into(), escaped(&ld.description)),
            ("og:description".into(), escaped(&meta.og_description)),
            (
                "<meta name=description>".into(),
                escaped(&meta.meta_description),
            ),
        ],
    );
    let selected_content = content_els
        .first()
        .map(|e| inner_html(*e, &skip, &base).trim().to_string())
        .and_then(some_text);
    let content_html = p.pick(
        "content",
        vec![
            (from_sel(&sel.content), selected_content),
            ("JSON-LD articleBody".into(), escaped(&ld.body)),
        ],
    );

    let image_els = p.select(&sel.image);
    let abs = |v: Option<String>| v.map(|v| absolute(&base, &v));
    let selected_image = image_els
        .iter()
        .filter(|e| !removed(**e, &skip))
        .find_map(|e| image_url(*e).map(|u| (u, image_size(*e))));
    let (selected_image, selected_meta) = match selected_image {
        Some((u, m)) => (Some(u), m),
        None => (None, ImageMeta::default()),
    };
    let from_selector = selected_image.is_some();
    let from_og = meta.og_image.is_some();
    let image = p.pick(
        "image",
        vec![
            (from_sel(&sel.image), abs(selected_image)),
            ("JSON-LD image".into(), abs(ld.images.first().cloned())),
            ("og:image".into(), abs(meta.og_image.clone())),
        ],
    );
    // The size of the image taken, from where it was taken: the selected element's
    // `width`/`height`, or OpenGraph's `og:image:*` (JSON-LD's ImageObject sizes are rare).
    let image_meta = if from_selector {
        selected_meta
    } else if from_og && ld.images.is_empty() {
        meta.og_image_meta.clone()
    } else {
        ImageMeta::default()
    };

    let mut link = clean_url(page_url);
    let mut link_origin = "page URL".to_string();
    let claimed = [
        ("<link rel=canonical>", meta.canonical.clone()),
        ("JSON-LD url", ld.url.clone()),
    ];
    for (origin, href) in claimed {
        let Some(url) = href.and_then(|h| base.join(&h).ok()) else {
            continue;
        };
        // A page read from a local file is a snapshot the operator put there; the http(s)
        // address it claims is where it really lives, and the only link worth publishing.
        let snapshot_origin =
            page_url.scheme() == "file" && matches!(url.scheme(), "http" | "https");
        let verdict = if snapshot_origin {
            Ok(())
        } else {
            policy.check(&url)
        };
        match verdict {
            Ok(()) => {
                link = clean_url(&url);
                link_origin = origin.to_string();
                break;
            }
            Err(why) => warnings.push(format!("{page_url}: {origin} not used: {why}")),
        }
    }
    p.origins.push(("link", link_origin));

    Extracted {
        article: RawArticle {
            guid: None,
            link: Some(link.to_string().into()),
            base: Some(base.to_string().into()),
            title: title.map(Into::into),
            summary_html: summary_html.map(Into::into),
            content_html: content_html.map(Into::into),
            authors: authors.into_iter().map(Into::into).collect(),
            published: published.map(Into::into),
            updated: updated.map(Into::into),
            image: image.map(Into::into),
            image_meta,
            enclosures: Vec::new(),
            tags: tags.into_iter().map(Into::into).collect(),
        },
        counts: p.counts,
        origins: p.origins,
        warnings,
    }
}
