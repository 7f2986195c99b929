//! What a page says about itself outside the visible layout: JSON-LD `NewsArticle` /
//! `Article`, OpenGraph and `article:*` meta tags, `<time datetime>`, `<meta name>`,
//! `<link rel="canonical">` and `<title>`. These are the fallbacks for every selector.

use scraper::{Html, Selector};
use serde_json::Value;

use crate::text::collapse_ws;

/// The schema.org types read as an article.
const ARTICLE_TYPES: &[&str] = &[
    "NewsArticle",
    "Article",
    "ReportageNewsArticle",
    "AnalysisNewsArticle",
    "OpinionNewsArticle",
    "BackgroundNewsArticle",
    "BlogPosting",
    "LiveBlogPosting",
    "Report",
];

/// The article object of a page's JSON-LD, fields as written.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LdArticle {
    /// `headline` (or `name`).
    pub headline: Option<String>,
    /// `datePublished`.
    pub date_published: Option<String>,
    /// `dateModified`.
    pub date_modified: Option<String>,
    /// `author`: names from strings, objects and arrays of either.
    pub authors: Vec<String>,
    /// `keywords`: a comma-separated string or an array.
    pub keywords: Vec<String>,
    /// `image`: URLs from strings, `ImageObject`s and arrays of either.
    pub images: Vec<String>,
    /// `description`.
    pub description: Option<String>,
    /// `articleBody`, plain text.
    pub body: Option<String>,
    /// `url` / `mainEntityOfPage`.
    pub url: Option<String>,
}

/// Everything a page declares about itself; empty fields when it declares nothing.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PageMeta {
    /// The first article object found in the page's JSON-LD blocks.
    pub ld: Option<LdArticle>,
    /// `og:title`.
    pub og_title: Option<String>,
    /// `og:image` (first).
    pub og_image: Option<String>,
    /// `og:image:type`, `og:image:width` and `og:image:height` of that first image.
    pub og_image_meta: crate::model::ImageMeta,
    /// `og:description`.
    pub og_description: Option<String>,
    /// `article:published_time`.
    pub published_time: Option<String>,
    /// `article:modified_time`.
    pub modified_time: Option<String>,
    /// `article:tag`, every one.
    pub article_tags: Vec<String>,
    /// `article:author`, every one.
    pub article_authors: Vec<String>,
    /// `<meta name="author">`.
    pub meta_author: Option<String>,
    /// `<meta name="keywords">`, split on commas.
    pub meta_keywords: Vec<String>,
    /// `<meta name="description">`.
    pub meta_description: Option<String>,
    /// `datetime` of the first `<time datetime>`.
    pub time_datetime: Option<String>,
    /// `<link rel="canonical">` href, as written.
    pub canonical: Option<String>,
    /// `<title>` text.
    pub title: Option<String>,
    /// JSON-LD blocks that were not valid JSON.
    pub warnings: Vec<String>,
}

fn sel(s: &str) -> Option<Selector> {
    Selector::parse(s).ok()
}

fn non_empty(s: &str) -> Option<String> {
    let s = collapse_ws(s);
    (!s.is_empty()).then_some(s)
}

impl PageMeta {
    /// Reads the metadata of `doc`.
    pub fn read(doc: &Html) -> PageMeta {
        let mut meta = PageMeta::default();
        if let Some(s) = sel(r#"script[type="application/ld+json" i]"#) {
            for script in doc.select(&s) {
                let text: String = script.text().collect();
                match parse_json_lenient(&text) {
                    Ok(value) => {
                        if meta.ld.is_none() {
                            meta.ld = find_article(&value, 0).map(ld_article);
                        }
                    }
                    Err(e) => meta
                        .warnings
                        .push(format!("JSON-LD block is not valid JSON ({e})")),
                }
            }
        }
        if let Some(s) = sel("meta[property], meta[name], meta[itemprop]") {
            // OpenGraph's structured properties (`og:image:width`) describe the `og:image`
            // before them: only those of the first image are the first image's.
            let mut og_images = 0usize;
            for m in doc.select(&s) {
                let key = m
                    .attr("property")
                    .or_else(|| m.attr("name"))
                    .or_else(|| m.attr("itemprop"))
                    .unwrap_or_default()
                    .trim()
                    .to_ascii_lowercase();
                let Some(content) = m.attr("content").and_then(non_empty) else {
                    continue;
                };
                let first = |slot: &mut Option<String>| {
                    if slot.is_none() {
                        *slot = Some(content.clone());
                    }
                };
                match key.as_str() {
                    "og:title" => first(&mut meta.og_title),
                    "og:image" => {
                        og_images += 1;
                        first(&mut meta.og_image)
                    }
                    "og:image:url" | "og:image:secure_url" => first(&mut meta.og_image),
                    "og:image:type" if og_images <= 1 => {
                        let m = &mut meta.og_image_meta;
                        if m.mime_type.is_none() && crate::normalize::media::is_image_mime(&content)
                        {
                            m.mime_type = Some(content.to_ascii_lowercase());
                        }
                    }
                    "og:image:width" if og_images <= 1 => {
                        let m = &mut meta.og_image_meta;
                        m.width = m.width.or(crate::normalize::media::pixels(&content));
                    }
                    "og:image:height" if og_images <= 1 => {
                        let m = &mut meta.og_image_meta;
                        m.height = m.height.or(crate::normalize::media::pixels(&content));
                    }
                    "og:description" => first(&mut meta.og_description),
                    "article:published_time" | "datepublished" => first(&mut meta.published_time),
                    "article:modified_time" | "datemodified" | "og:updated_time" => {
                        first(&mut meta.modified_time)
                    }
                    "article:tag" => meta.article_tags.push(content.clone()),
                    "article:author" => meta.article_authors.push(content.clone()),
                    "author" => first(&mut meta.meta_author),
                    "description" => first(&mut meta.meta_description),
                    "keywords" | "news_keywords" if meta.meta_keywords.is_empty() => {
                        meta.meta_keywords = split_keywords(&content);
                    }
                    _ => {}
                }
            }
        }
        if let Some(s) = sel("time[datetime]") {
            meta.time_datetime = doc
                .select(&s)
                .find_map(|t| t.attr("datetime").and_then(non_empty));
        }
        if let Some(s) = sel("link[rel][href]") {
            meta.canonical = doc
                .select(&s)
                .filter(|l| {
                    l.attr("rel").is_some_and(|r| {
                        r.split_whitespace()
                            .any(|r| r.eq_ignore_ascii_case("canonical"))
                    })
                })
                .find_map(|l| l.attr("href").and_then(non_empty));
        }
        if let Some(s) = sel("title") {
            meta.title = doc
                .select(&s)
                .next()
                .and_then(|t| non_empty(&t.text().collect::<String>()));
        }
        meta
    }
}

/// Parses JSON-LD, tolerating the raw newlines and tabs inside strings that CMSs often
/// emit (invalid JSON, but unambiguous).
fn parse_json_lenient(text: &str) -> Result<Value, serde_json::Error> {
    let text = text
        .trim()
        .trim_start_matches("<!--")
        .trim_end_matches("-->");
    serde_json::from_str(text).or_else(|first| {
        let cleaned: String = text
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        serde_json::from_str(&cleaned).map_err(|_| first)
    })
}

fn is_article(v: &Value) -> bool {
    match v.get("@type") {
        Some(Value::String(t)) => ARTICLE_TYPES.contains(&type_name(t)),
        Some(Value::Array(ts)) => ts
            .iter()
            .filter_map(Value::as_str)
            .any(|t| ARTICLE_TYPES.contains(&type_name(t))),
        _ => false,
    }
}

/// `https://schema.org/NewsArticle` and `schema:NewsArticle` name the same type.
fn type_name(t: &str) -> &str {
    t.rsplit(['/', ':', '#']).next().unwrap_or(t)
}

/// The first article object in a JSON-LD value: top level, an array, or `@graph`.
/// Depth-limited so a hostile document cannot recurse forever.
fn find_article(v: &Value, depth: usize) -> Option<&Value> {
    if depth > 8 {
        return None;
    }
    match v {
        Value::Array(items) => items.iter().find_map(|i| find_article(i, depth + 1)),
        Value::Object(map) => {
            if is_article(v) {
                return Some(v);
            }
            map.get("@graph")
                .or_else(|| map.get("mainEntity"))
                .and_then(|g| find_article(g, depth + 1))
        }
        _ => None,
    }
}

fn ld_article(v: &Value) -> LdArticle {
    let text = |key: &str| v.get(key).and_then(Value::as_str).and_then(non_empty);
    LdArticle {
        headline: text("headline").or_else(|| text("name")),
        date_published: text("datePublished"),
        date_modified: text("dateModified"),
        authors: names(v.get("author")),
        keywords: match v.get("keywords") {
            Some(Value::String(s)) => split_keywords(s),
            Some(Value::Array(a)) => a
                .iter()
                .filter_map(Value::as_str)
                .filter_map(non_empty)
                .collect(),
            _ => Vec::new(),
        },
        images: urls(v.get("image")),
        description: text("description"),
        body: v
            .get("articleBody")
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string),
        url: text("url").or_else(|| match v.get("mainEntityOfPage") {
            Some(Value::String(s)) => non_empty(s),
            Some(obj @ Value::Object(_)) => obj
                .get("@id")
                .or_else(|| obj.get("url"))
                .and_then(Value::as_str)
                .and_then(non_empty),
            _ => None,
        }),
    }
}

/// Author names from `"Name"`, `{"name": …}` or an array of either.
fn names(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::String(s)) => non_empty(s).into_iter().collect(),
        Some(Value::Object(o)) => o
            .get("name")
            .and_then(Value::as_str)
            .and_then(non_empty)
            .into_iter()
            .collect(),
        Some(Value::Array(a)) => a.iter().flat_map(|x| names(Some(x))).collect(),
        _ => Vec::new(),
    }
}

/// Image URLs from `"url"`, `{"url": …}` / `{"contentUrl": …}` or an array of either.
fn urls(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::String(s)) => non_empty(s).into_iter().collect(),
        Some(Value::Object(o)) => o
            .get("url")
            .or_else(|| o.get("contentUrl"))
            .or_else(|| o.get("@id"))
            .and_then(Value::as_str)
            .and_then(non_empty)
            .into_iter()
            .collect(),
        Some(Value::Array(a)) => a.iter().flat_map(|x| urls(Some(x))).collect(),
        _ => Vec::new(),
    }
}

/// `"a, b,c"` → `["a", "b", "c"]`, empty pieces dropped.
pub fn split_keywords(s: &str) -> Vec<String> {
    s.split([',', ';']).filter_map(non_empty).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_ld_in_a_graph_with_object_and_array_forms() {
        let doc = Html::parse_document(
            r#"<html><head><script type="application/ld+json">
            {"@context":"https://schema.org","@graph":[
              {"@type":"WebSite","name":"Báo"},
              {"@type":["NewsArticle"],"headline":"Tiêu đề","datePublished":"2022-05-18T05:29:48+07:00",
               "dateModified":"2022-05-18T08:00:00+07:00",
               "author":[{"@type":"Person","name":"Anh Dũng"},"Thu Trang"],
               "keywords":["Lục Yên","hiến đất"],
               "image":{"@type":"ImageObject","url":"/a.jpg"},
               "articleBody":"Dòng một.
Dòng hai."}
            ]}</script></head></html>"#,
        );
        let meta = PageMeta::read(&doc);
        let ld = meta.ld.expect("article found");
        assert_eq!(ld.headline.as_deref(), Some("Tiêu đề"));
        assert_eq!(
            ld.date_published.as_deref(),
            Some("2022-05-18T05:29:48+07:00")
        );
        assert_eq!(
            ld.date_modified.as_deref(),
            Some("2022-05-18T08:00:00+07:00")
        );
        assert_eq!(ld.authors, vec!["Anh Dũng", "Thu Trang"]);
        assert_eq!(ld.keywords, vec!["Lục Yên", "hiến đất"]);
        assert_eq!(ld.images, vec!["/a.jpg"]);
        assert_eq!(ld.body.as_deref(), Some("Dòng một. Dòng hai."));
    }

    #[test]
    fn keywords_string_author_string_image_array() {
        let doc = Html::parse_document(
            r#"<script type="application/ld+json">[{"@type":"Article","headline":"H",
            "author":"Anh Dũng","keywords":"a, b ,,c","image":["https://x.vn/1.jpg",{"url":"https://x.vn/2.jpg"}]}]</script>"#,
        );
        let ld = PageMeta::read(&doc).ld.expect("article");
        assert_eq!(ld.authors, vec!["Anh Dũng"]);
        assert_eq!(ld.keywords, vec!["a", "b", "c"]);
        assert_eq!(ld.images, vec!["https://x.vn/1.jpg", "https://x.vn/2.jpg"]);
    }

    #[test]
    fn broken_json_ld_is_a_warning_and_meta_tags_still_read() {
        let doc = Html::parse_document(
            r#"<head><script type="application/ld+json">{"@type": "NewsArticle",</script>
            <meta property="og:title" content=" Tiêu  đề ">
            <meta property="article:tag" content="Lục Yên"><meta property="article:tag" content="chè">
            <meta name="keywords" content="x, y">
            <link rel="canonical" href="/bai.html"><title>T</title></head>
            <body><time datetime="2022-05-18">18/5</time></body>"#,
        );
        let meta = PageMeta::read(&doc);
        assert_eq!(meta.ld, None);
        assert_eq!(meta.warnings.len(), 1);
        assert_eq!(meta.og_title.as_deref(), Some("Tiêu đề"));
        assert_eq!(meta.article_tags, vec!["Lục Yên", "chè"]);
        assert_eq!(meta.meta_keywords, vec!["x", "y"]);
        assert_eq!(meta.canonical.as_deref(), Some("/bai.html"));
        assert_eq!(meta.time_datetime.as_deref(), Some("2022-05-18"));
        assert_eq!(meta.title.as_deref(), Some("T"));
    }
}
