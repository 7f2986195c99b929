//! Fuzzes the whole normalize step with every limit on (and small, so inputs reach them):
//! any bytes, read as a feed or taken as an item's HTML content, summary and title, must
//! normalize without a panic, and every article must hold to what tests/hostile.rs holds
//! the corpus to — content of bounded size, depth and attributes, nothing in it that runs
//! code, http(s) links and images. Seeds: tests/data/hostile/.
#![no_main]

use std::borrow::Cow;
use std::path::Path;
use std::sync::OnceLock;

use feedmill::config::{Config, LimitsCfg, Source, SourceUrl};
use feedmill::model::{Article, RawArticle};
use feedmill::normalize::html::audit::{code_markup, shape};
use feedmill::normalize::Normalizer;
use libfuzzer_sys::fuzz_target;

struct Setup {
    normalizer: Normalizer,
    limits: LimitsCfg,
    source: Source,
    base: url::Url,
}

fn setup() -> &'static Setup {
    static SETUP: OnceLock<Setup> = OnceLock::new();
    SETUP.get_or_init(|| {
        let base = url::Url::parse("https://example.vn/feeds/rss.xml").expect("static URL");
        let mut cfg = Config::minimal(Path::new("/tmp"));
        cfg.limits = LimitsCfg {
            items_per_source: 50,
            tags_per_article: 8,
            tag_chars: 40,
            slug_bytes: 32,
            content_bytes: 8 * 1024,
            html_depth: 16,
            html_attributes: 8,
            ..LimitsCfg::default()
        };
        let source = Source::feed("fuzz", SourceUrl::Http(base.clone()));
        Setup {
            normalizer: Normalizer::new(&cfg),
            limits: cfg.limits.clone(),
            source,
            base,
        }
    })
}

fn check(a: &Article, limits: &LimitsCfg) {
    let bad = code_markup(&a.content);
    assert!(bad.is_empty(), "content runs code: {bad:?}\n{}", a.content);
    assert!(a.content.len() <= 6 * limits.content_bytes, "content of {} bytes", a.content.len());
    let s = shape(&a.content);
    assert!(s.depth <= 2 * limits.html_depth, "content {} deep: {}", s.depth, a.content);
    assert!(s.attributes <= limits.html_attributes, "{} attributes", s.attributes);
    for u in [&a.url, &a.image].into_iter().flatten() {
        let scheme = url::Url::parse(u).map(|u| u.scheme().to_string());
        assert!(matches!(scheme.as_deref(), Ok("http" | "https")), "URL {u:?}");
    }
}

fuzz_target!(|data: &[u8]| {
    let s = setup();
    let Some((mode, body)) = data.split_first() else {
        return;
    };
    let mut warnings = Vec::new();
    if mode % 2 == 0 {
        // A feed document, with the Content-Type picked by the next bits.
        let ct = match (mode / 2) % 4 {
            0 => None,
            1 => Some("application/json"),
            2 => Some("application/atom+xml; charset=utf-8"),
            _ => Some("application/rss+xml; charset=windows-1258"),
        };
        if let Ok(feed) = feedmill::read::read_feed(body, ct, Some(&s.base)) {
            for raw in feed.items {
                if let Some(a) = s.normalizer.article(raw, &s.source, &mut warnings) {
                    check(&a, &s.limits);
                }
            }
        }
    } else {
        // HTML straight into an item: as content, as summary and as title.
        let html = String::from_utf8_lossy(body);
        let raw = RawArticle {
            link: Some(Cow::Borrowed("https://example.vn/a/1.html")),
            title: Some(html.clone()),
            content_html: (mode & 2 == 0).then(|| html.clone()),
            summary_html: Some(html.clone()),
            ..RawArticle::default()
        };
        if let Some(a) = s.normalizer.article(raw, &s.source, &mut warnings) {
            check(&a, &s.limits);
        }
    }
});
