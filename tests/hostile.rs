//! Hostile input through read → normalize with the default limits: every file of
//! `tests/data/hostile/` (small; the big bombs are generated here) must read and normalize
//! without a panic, give output of bounded size and shape, and no output field may hold
//! anything that runs code.

use std::borrow::Cow;
use std::path::{Path, PathBuf};

use feedmill::config::{Config, LimitsCfg, Source, SourceUrl};
use feedmill::model::{Article, RawArticle};
use feedmill::normalize::html::audit::{code_markup, shape};
use feedmill::normalize::html::{bound, Bounds};
use feedmill::normalize::Normalizer;
use url::Url;

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/hostile")
}

fn setup() -> (Normalizer, Source, Url) {
    let base = Url::parse("https://hostile.example/feed/rss.xml").expect("static URL");
    let cfg = Config::minimal(Path::new("/tmp/feedmill-hostile"));
    let source = Source::feed("hostile", SourceUrl::Http(base.clone()));
    (Normalizer::new(&cfg), source, base)
}

/// Normalizes one item with a content (or summary) body.
fn normalize_body(
    content: Option<&str>,
    summary: Option<&str>,
    title: &str,
) -> (Option<Article>, Vec<String>) {
    let (n, source, _) = setup();
    let raw = RawArticle {
        link: Some(Cow::Borrowed("https://hostile.example/a/1.html")),
        title: Some(Cow::Owned(title.to_string())),
        content_html: content.map(|c| Cow::Owned(c.to_string())),
        summary_html: summary.map(|s| Cow::Owned(s.to_string())),
        ..RawArticle::default()
    };
    let mut warnings = Vec::new();
    let a = n.article(raw, &source, &mut warnings);
    (a, warnings)
}

/// The properties every normalized article must have, whatever went in.
fn assert_safe(a: &Article, limits: &LimitsCfg, what: &str) {
    let bad = code_markup(&a.content);
    assert!(
        bad.is_empty(),
        "{what}: content runs code: {bad:?}\n{}",
        a.content
    );
    // Escaping may grow the kept bytes a few times over (`&` → `&amp;`), never more.
    assert!(
        a.content.len() <= 6 * limits.content_bytes,
        "{what}: content of {} bytes",
        a.content.len()
    );
    let s = shape(&a.content);
    assert!(
        s.depth <= 2 * limits.html_depth,
        "{what}: content {} deep",
        s.depth
    );
    assert!(
        s.attributes <= limits.html_attributes,
        "{what}: {} attributes",
        s.attributes
    );
    for (field, u) in [("url", &a.url), ("image", &a.image)] {
        if let Some(u) = u {
            let scheme = Url::parse(u).map(|u| u.scheme().to_string());
            assert!(
                matches!(scheme.as_deref(), Ok("http" | "https")),
                "{what}: {field} {u:?}"
            );
        }
    }
    let plain = [&a.title, &a.summary]
        .into_iter()
        .chain(&a.authors)
        .chain(a.tags.iter().map(|t| &t.name));
    for text in plain {
        assert!(
            !text.chars().any(|c| c.is_control() && c != '\n'),
            "{what}: control character in {text:?}"
        );
        assert!(
            text.len() <= limits.content_bytes,
            "{what}: a text field of {} bytes",
            text.len()
        );
    }
}

fn content_type(path: &Path) -> Option<&'static str> {
    match path.extension().and_then(|e| e.to_str()) {
        Some("json") => Some("application/feed+json"),
        Some("html") => Some("text/html"),
        _ => None,
    }
}

#[test]
fn every_hostile_file_reads_and_normalizes_safely() {
    let (n, source, base) = setup();
    let limits = LimitsCfg::default();
    let mut files: Vec<PathBuf> = std::fs::read_dir(corpus())
        .expect("corpus folder")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    files.sort();
    assert!(files.len() >= 25, "corpus has {} files", files.len());
    let mut articles = 0;
    for path in &files {
        let what = path.file_name().map(|f| f.to_string_lossy().into_owned());
        let what = what.unwrap_or_default();
        let bytes = std::fs::read(path).expect("corpus file");
        if content_type(path) == Some("text/html") {
            // A page: bounded as the scraper bounds it, and sanitized as content.
            let text = String::from_utf8_lossy(&bytes);
            let (page, _) = bound(&text, &Bounds::page(&limits));
            assert!(shape(&page).depth <= 2 * limits.html_depth, "{what}");
            let (a, _) = normalize_body(Some(&text), None, &what);
            if let Some(a) = a {
                assert_safe(&a, &limits, &what);
            }
        }
        let Ok(feed) = feedmill::read::read_feed(&bytes, content_type(path), Some(&base)) else {
            continue;
        };
        let mut warnings = Vec::new();
        for raw in feed.items {
            if let Some(a) = n.article(raw, &source, &mut warnings) {
                assert_safe(&a, &limits, &what);
                articles += 1;
            }
        }
    }
    assert!(articles >= 80, "only {articles} articles from the corpus");
}

#[test]
fn media_figures_and_math_are_kept() {
    let body = std::fs::read(corpus().join("media_kept.xml")).expect("corpus file");
    let (n, source, base) = setup();
    let feed = feedmill::read::read_feed(&body, None, Some(&base)).expect("feed");
    let mut warnings = Vec::new();
    let contents: Vec<String> = feed
        .items
        .into_iter()
        .filter_map(|raw| n.article(raw, &source, &mut warnings))
        .map(|a| a.content)
        .collect();
    assert_eq!(contents.len(), 4, "{contents:?}");
    assert_eq!(
        contents[0],
        r#"<video src="https://hostile.example/feed/v.mp4" poster="https://hostile.example/feed/p.jpg" controls="" width="640" height="360"></video>"#
    );
    assert_eq!(
        contents[1],
        r#"<audio controls=""><source src="https://hostile.example/feed/a.mp3" type="audio/mpeg"></audio>"#
    );
    assert!(contents[2].starts_with("<figure><picture><source srcset=\"https://hostile.example/feed/a.webp 1x, https://hostile.example/feed/a2.webp 2x\" type=\"image/webp\"><img src=\"https://hostile.example/feed/a.jpg\" alt=\"a\"></picture><figcaption>c</figcaption></figure>"), "{}", contents[2]);
    assert_eq!(
        contents[3],
        "<math><mfrac><mi>a</mi><mn>2</mn></mfrac></math>"
    );
}

#[test]
fn a_video_only_item_does_not_vanish() {
    let (a, _) = normalize_body(
        None,
        Some(r#"<video src="https://cdn.example/v.mp4" controls></video>"#),
        "",
    );
    let a = a.expect("the item is kept");
    assert!(a.content.starts_with("<video "), "{}", a.content);
}

#[test]
fn a_hundred_thousand_nested_lists_are_unwrapped_past_the_depth_limit() {
    let limits = LimitsCfg::default();
    let body = format!("{}Lục Yên", "<ul>".repeat(100_000));
    assert_eq!(body.len(), 400_000 + "Lục Yên".len());
    let (a, warnings) = normalize_body(Some(&body), None, "t");
    let a = a.expect("article");
    let s = shape(&a.content);
    assert!(s.depth <= limits.html_depth, "{} deep", s.depth);
    assert!(s.depth >= limits.html_depth / 2, "{} deep", s.depth);
    assert!(a.content.contains("Lục Yên"), "the text stays");
    assert!(
        warnings
            .iter()
            .any(|w| w.contains("limits.html_depth = 128")
                && w.contains("source hostile")
                && w.contains("99872 elements")),
        "{warnings:?}"
    );
}

#[test]
fn a_hundred_thousand_attributes_on_one_tag_are_cut_to_the_limit() {
    let limits = LimitsCfg::default();
    let attrs: String = (0..100_000).map(|i| format!(" a{i}")).collect();
    let body = format!(r#"<img src="https://cdn.example/a.jpg"{attrs} alt="x">"#);
    assert!(body.len() < limits.content_bytes);
    let (a, warnings) = normalize_body(Some(&body), None, "t");
    let a = a.expect("article");
    assert_eq!(a.content, r#"<img src="https://cdn.example/a.jpg">"#);
    let (bounded, cuts) = bound(&body, &Bounds::content(&limits));
    assert_eq!(shape(&bounded).attributes, limits.html_attributes);
    assert_eq!(cuts.attributes, 100_002 - limits.html_attributes);
    assert!(
        warnings
            .iter()
            .any(|w| w.contains("limits.html_attributes = 64")),
        "{warnings:?}"
    );
}

#[test]
fn content_past_content_bytes_is_cut_with_a_warning() {
    let limits = LimitsCfg::default();
    let para = "<p>Đảng bộ huyện Lục Yên</p>\n";
    let body = para.repeat(2 * limits.content_bytes / para.len());
    let (a, warnings) = normalize_body(Some(&body), Some(&body), "t");
    let a = a.expect("article");
    // The cut is of the input; closing the element it cut adds a few bytes.
    assert!(
        a.content.len() <= limits.content_bytes + 16,
        "{}",
        a.content.len()
    );
    assert!(a.content.len() >= limits.content_bytes * 9 / 10);
    assert!(a.content.ends_with("</p>"), "cut on a boundary and closed");
    for field in ["content", "summary"] {
        assert_eq!(
            warnings
                .iter()
                .filter(|w| w.contains(&format!(": {field}: "))
                    && w.contains("limits.content_bytes = 1048576"))
                .count(),
            1,
            "{field}: {warnings:?}"
        );
    }
}

#[test]
fn deep_and_wide_feeds_generated_big() {
    let (n, source, base) = setup();
    let limits = LimitsCfg::default();
    let ul = "&lt;ul&gt;".repeat(100_000);
    let attrs: String = (0..20_000).map(|i| format!(" a{i}=1")).collect();
    let attrs = attrs.replace('<', "&lt;");
    let xml_depth = "<x>".repeat(50_000);
    let feed = format!(
        "<rss version=\"2.0\"><channel><title>big</title>\
         <item><title>ul</title><link>https://hostile.example/ul</link><description>{ul}</description></item>\
         <item><title>attrs</title><link>https://hostile.example/at</link><description>&lt;img{attrs}&gt;</description></item>\
         <item><title>xml</title><link>https://hostile.example/x</link><description>{xml_depth}</description></item>\
         </channel></rss>"
    );
    let Ok(raw) = feedmill::read::read_feed(feed.as_bytes(), None, Some(&base)) else {
        return;
    };
    let mut warnings = Vec::new();
    for item in raw.items {
        if let Some(a) = n.article(item, &source, &mut warnings) {
            assert_safe(&a, &limits, "generated");
        }
    }
}

/// Pages from memory, keyed by URL.
struct MapPages(std::collections::HashMap<String, String>);

impl feedmill::scrape::PageSource for MapPages {
    fn get<'a>(&'a self, url: &'a Url) -> feedmill::scrape::PageFuture<'a> {
        let page = self
            .0
            .get(url.as_str())
            .map(|body| feedmill::scrape::Page {
                body: body.clone().into_bytes(),
                content_type: Some("text/html; charset=utf-8".into()),
                final_url: url.clone(),
            })
            .ok_or_else(|| format!("{url}: HTTP 404 Not Found"));
        Box::pin(async move { page })
    }
}

#[test]
fn scraped_pages_are_bounded_before_they_are_parsed() {
    use feedmill::config::{HtmlCfg, SourceKind};
    let deep = "<div>".repeat(100_000);
    let attrs: String = (0..100_000).map(|i| format!(" a{i}")).collect();
    let listing = format!(
        "<html><body><ul><li><a href=\"/a.html\"{attrs}>a</a></li></ul>{deep}</body></html>"
    );
    let article = format!(
        "<html><head><title>T</title></head><body><h1>Tiêu đề</h1><div class=c><p>Nội dung</p></div>{deep}</body></html>"
    );
    let pages = MapPages(
        [
            ("https://tin.vn/".to_string(), listing),
            ("https://tin.vn/a.html".to_string(), article),
        ]
        .into_iter()
        .collect(),
    );
    let cfg = HtmlCfg {
        item: "li".into(),
        link: "a".into(),
        pages: 1,
        title: Some("h1".into()),
        content: Some(".c".into()),
        ..HtmlCfg::default()
    };
    let src = Source {
        kind: SourceKind::Html,
        html: Some(cfg),
        ..Source::feed(
            "tin",
            SourceUrl::Http(Url::parse("https://tin.vn/").expect("url")),
        )
    };
    let limits = LimitsCfg::default();
    let out = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime")
        .block_on(feedmill::scrape::scrape_source(&src, &pages, &limits))
        .expect("scrape");
    // Both pages are cut (and say so); what lies within the bounds is scraped as before.
    let cut: Vec<&String> = out
        .warnings
        .iter()
        .filter(|w| w.contains("elements nested deeper than limits.html_depth = 128"))
        .collect();
    assert_eq!(cut.len(), 2, "{:?}", out.warnings);
    assert!(cut[0].starts_with("https://tin.vn/: "), "{cut:?}");
    assert!(
        cut[0].contains("attributes past limits.html_attributes = 64"),
        "{cut:?}"
    );
    assert!(cut[1].starts_with("https://tin.vn/a.html: "), "{cut:?}");
    assert_eq!(out.articles.len(), 1, "{:?}", out.warnings);
    assert_eq!(out.articles[0].title.as_deref(), Some("Tiêu đề"));
}

#[test]
fn authors_are_bounded_before_their_markup_is_parsed() {
    let (n, source, _) = setup();
    let author = format!("{}Anh Dũng", "<b>".repeat(50_000));
    let raw = RawArticle {
        link: Some(Cow::Borrowed("https://hostile.example/a/2.html")),
        title: Some(Cow::Borrowed("t")),
        authors: vec![Cow::Owned(author)],
        ..RawArticle::default()
    };
    let mut warnings = Vec::new();
    let a = n.article(raw, &source, &mut warnings).expect("article");
    assert_eq!(a.authors, ["Anh Dũng"]);
    assert!(
        warnings
            .iter()
            .any(|w| w.contains(": author: ") && w.contains("limits.html_depth = 128")),
        "{warnings:?}"
    );
}

/// Found by the fuzzer (-timeout=1): a 15 KB page of 3,000 nested `<div>` served where a
/// feed was expected took over a second to parse for its feed links.
#[test]
fn an_html_page_served_as_a_feed_is_bounded_before_it_is_parsed() {
    let page = format!(
        "<!doctype html><html><head><link rel=alternate type=application/rss+xml href=/rss.xml></head>\
         <body>{}<p>x</body></html>",
        "<div>".repeat(100_000)
    );
    let base = Url::parse("https://hostile.example/").expect("static URL");
    let err = feedmill::read::read_feed(page.as_bytes(), Some("text/html"), Some(&base))
        .expect_err("a page is not a feed");
    assert!(
        err.to_string().contains("https://hostile.example/rss.xml"),
        "{err}"
    );
}
