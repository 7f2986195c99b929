//! The reader's fields as the rest of the pipeline sees them: `read_feed` then
//! `Normalizer::article`, the way a build takes them.

use std::path::Path;

use feedmill::config::{Config, Source, SourceUrl};
use feedmill::model::Article;
use feedmill::normalize::Normalizer;
use feedmill::read::read_feed;
use url::Url;

/// Every normalized article of `doc` read as the source `https://example.vn/feed.xml`,
/// and every warning.
fn articles(doc: &str) -> (Vec<Article>, Vec<String>) {
    let cfg = Config::minimal(Path::new("/tmp/feedmill-read-normalize"));
    let url = Url::parse("https://example.vn/feed.xml").expect("test URL");
    let source = Source::feed("src", SourceUrl::Http(url.clone()));
    let feed = read_feed(doc.as_bytes(), None, Some(&url)).expect("reads");
    let normalizer = Normalizer::new(&cfg);
    let mut warnings = feed.warnings;
    let out = feed
        .items
        .into_iter()
        .filter_map(|raw| normalizer.article(raw, &source, &mut warnings))
        .collect();
    (out, warnings)
}

fn one(doc: &str) -> Article {
    let (mut a, w) = articles(doc);
    assert_eq!(a.len(), 1, "{w:?}");
    a.remove(0)
}

/// A YouTube entry has its description only in `media:group/media:description`.
#[test]
fn youtube_entries_have_a_summary() {
    let a = one(
        r#"<feed xmlns="http://www.w3.org/2005/Atom" xmlns:media="http://search.yahoo.com/mrss/">
        <entry><id>yt:video:abc</id><title>Lễ hội</title>
        <link rel="alternate" href="https://www.youtube.com/watch?v=abc"/>
        <media:group><media:title>Lễ hội</media:title>
        <media:thumbnail url="https://i.ytimg.com/vi/abc/hqdefault.jpg"/>
        <media:description>Mùa lúa chín ở Mù Cang Chải</media:description></media:group>
        </entry></feed>"#,
    );
    assert_eq!(a.summary, "Mùa lúa chín ở Mù Cang Chải");
    assert_eq!(
        a.image.as_deref(),
        Some("https://i.ytimg.com/vi/abc/hqdefault.jpg")
    );
}

/// Items whose only content is an XHTML `body`, `xhtml:body` or `fullitem` are kept,
/// with that content.
#[test]
fn body_and_fullitem_only_items_are_kept() {
    let (a, w) = articles(
        r#"<rss version="2.0" xmlns:xhtml="http://www.w3.org/1999/xhtml"><channel>
        <item><body xmlns="http://www.w3.org/1999/xhtml"><p>Một</p></body></item>
        <item><xhtml:body><xhtml:p>Hai</xhtml:p></xhtml:body></item>
        <item><fullitem>&lt;p&gt;Ba&lt;/p&gt;</fullitem></item>
        </channel></rss>"#,
    );
    let contents: Vec<&str> = a.iter().map(|a| a.content.as_str()).collect();
    assert_eq!(contents, ["<p>Một</p>", "<p>Hai</p>", "<p>Ba</p>"], "{w:?}");
}

/// `content:encoded` beside `description`: content from the former, summary from the latter.
#[test]
fn content_encoded_gives_content_and_description_the_summary() {
    let a = one(
        r#"<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>
        <item><title>T</title><link>https://example.vn/1</link>
        <content:encoded><![CDATA[<p>Toàn văn bài viết</p>]]></content:encoded>
        <description>Tóm tắt</description></item></channel></rss>"#,
    );
    assert_eq!(a.summary, "Tóm tắt");
    assert_eq!(a.content, "<p>Toàn văn bài viết</p>");
}

/// A self-closing `<iframe/>` (or `<a name/>`) in XHTML content does not swallow the
/// paragraphs after it: the sanitized content still has them.
#[test]
fn self_closing_elements_in_xhtml_keep_what_follows() {
    let a = one(
        r#"<feed xmlns="http://www.w3.org/2005/Atom"><entry><id>urn:1</id><title>T</title>
        <content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">
        <p>Đầu</p><iframe src="https://www.youtube.com/embed/x"/><p><a name="giua"/>Giữa</p><p>Cuối</p>
        </div></content></entry></feed>"#,
    );
    for p in ["Đầu", "Giữa", "Cuối"] {
        assert!(a.content.contains(p), "{p} missing from {:?}", a.content);
    }
    assert!(!a.content.contains("iframe"), "{:?}", a.content);
}

/// The same in an RSS `xhtml:body`.
#[test]
fn self_closing_elements_in_xhtml_body_keep_what_follows() {
    let a = one(r#"<rss version="2.0"><channel><item><title>T</title>
        <body xmlns="http://www.w3.org/1999/xhtml">an toàn<iframe src="https://x.vn/"/> mô tả</body>
        </item></channel></rss>"#);
    assert_eq!(a.content, "an toàn mô tả");
}

/// An Atom entry with only an `<id>` and an XHTML body is kept, with its content.
#[test]
fn atom_entry_with_only_an_id_and_xhtml_is_kept() {
    let a = one(
        r#"<feed xmlns="http://www.w3.org/2005/Atom"><entry><id>urn:uuid:1</id>
        <content type="xhtml"><xhtml:div xmlns:xhtml="http://www.w3.org/1999/xhtml"><xhtml:p>Chỉ có nội dung</xhtml:p></xhtml:div></content>
        </entry></feed>"#,
    );
    assert_eq!(a.content, "<p>Chỉ có nội dung</p>");
    assert_eq!(a.title, "Chỉ có nội dung");
}
