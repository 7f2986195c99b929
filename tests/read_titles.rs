//! Titles, tags and authors are decoded exactly once: the XML layer decodes the document's
//! entities; a value that then holds markup is HTML and becomes its plain text; a value
//! that holds none is plain text and is not decoded again. Through `read_feed` +
//! `Normalizer::article`, and once through a whole build read back with feed-rs.

use std::path::Path;

use feedmill::config::{Config, Source, SourceUrl};
use feedmill::model::Article;
use feedmill::normalize::Normalizer;
use feedmill::pipeline::{build, BuildOptions};
use feedmill::read::read_feed;
use url::Url;

const EVIL: &str = "A &lt;img src=x onerror=alert(1)&gt; B";

fn articles(doc: &str) -> Vec<Article> {
    let cfg = Config::minimal(Path::new("/tmp/feedmill-read-titles"));
    let url = Url::parse("https://example.vn/feed.xml").expect("test URL");
    let source = Source::feed("src", SourceUrl::Http(url.clone()));
    let feed = read_feed(doc.as_bytes(), None, Some(&url)).expect("reads");
    let normalizer = Normalizer::new(&cfg);
    let mut warnings = feed.warnings;
    feed.items
        .into_iter()
        .filter_map(|raw| normalizer.article(raw, &source, &mut warnings))
        .collect()
}

fn titles(doc: &str) -> Vec<String> {
    articles(doc).into_iter().map(|a| a.title).collect()
}

fn rss(items: &str) -> String {
    format!(
        r#"<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>T</title>{items}</channel></rss>"#
    )
}

/// The issue's example: an escaped `&lt;img …&gt;` in an RSS title, tag and `dc:creator`
/// is text, and stays the text it was after the XML decode.
#[test]
fn escaped_markup_in_rss_text_fields_stays_text() {
    let a = articles(&rss(
        "<item><title>A &amp;lt;img src=x onerror=alert(1)&amp;gt; B</title>\
         <link>https://example.vn/1</link>\
         <category>C &amp;lt;b&amp;gt; D</category>\
         <dc:creator>D &amp;lt;i&amp;gt; E</dc:creator></item>",
    ));
    assert_eq!(a.len(), 1);
    assert_eq!(a[0].title, EVIL);
    let tags: Vec<&str> = a[0].tags.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(tags, ["C &lt;b&gt; D"]);
    assert_eq!(a[0].authors, ["D &lt;i&gt; E"]);
}

/// Markup (real tags) makes a value HTML: it becomes its plain text, entities decoded.
/// One CDATA section is how publishers wrap HTML-escaped text: decoded once.
#[test]
fn markup_in_titles_becomes_plain_text() {
    assert_eq!(
        titles(&rss(
            "<item><title>&lt;b&gt;Tin nóng&lt;/b&gt;: lũ &amp;amp; mưa</title><link>https://example.vn/1</link></item>\
             <item><title><![CDATA[<b>Chè</b> &amp; lúa]]></title><link>https://example.vn/2</link></item>\
             <item><title><![CDATA[Tom &amp; Jerry]]></title><link>https://example.vn/3</link></item>\
             <item><title>Vector&lt;int&gt; &amp; 1 &lt; 2</title><link>https://example.vn/4</link></item>"
        )),
        ["Tin nóng: lũ & mưa", "Chè & lúa", "Tom & Jerry", "Vector<int> & 1 < 2"]
    );
}

/// Atom says what a title is: `type="html"` is HTML (decoded once as HTML), the default
/// `type="text"` is text.
#[test]
fn atom_titles_follow_their_type() {
    let doc = r#"<feed xmlns="http://www.w3.org/2005/Atom"><title>F</title>
        <entry><id>1</id><title type="html">AT&amp;amp;T &lt;i&gt;x&lt;/i&gt;</title></entry>
        <entry><id>2</id><title type="html">Tom &amp;amp; Jerry</title></entry>
        <entry><id>3</id><title>A &amp;lt;img src=x onerror=alert(1)&amp;gt; B</title></entry>
        <entry><id>4</id><title type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">Mù <b>Cang</b> &amp;amp; Chải</div></title></entry>
        </feed>"#;
    assert_eq!(
        titles(doc),
        ["AT&T x", "Tom & Jerry", EVIL, "Mù Cang &amp; Chải"]
    );
}

/// JSON Feed titles are plain text after the JSON decode, as RSS ones after the XML decode.
#[test]
fn json_feed_titles_are_decoded_once() {
    let doc = r#"{"version": "https://jsonfeed.org/version/1.1", "title": "F", "items": [
        {"id": "1", "title": "A &lt;img src=x onerror=alert(1)&gt; B", "url": "https://example.vn/1"},
        {"id": "2", "title": "<b>Chè</b> &amp; lúa", "url": "https://example.vn/2"},
        {"id": "3", "title": "Tom & Jerry", "url": "https://example.vn/3", "tags": ["C &lt;b&gt; D"]}]}"#;
    let a = articles(doc);
    let t: Vec<&str> = a.iter().map(|a| a.title.as_str()).collect();
    assert_eq!(t, [EVIL, "Chè & lúa", "Tom & Jerry"]);
    assert_eq!(a[2].tags[0].name, "C &lt;b&gt; D");
}

/// Through a whole build: the RSS and Atom written carry the title as text, so one XML
/// decode (feed-rs's) gives the literal text, never an `<img` tag.
#[tokio::test]
async fn built_feeds_carry_the_title_as_text() {
    let dir = tempfile::tempdir().expect("tempdir");
    let feed = rss(
        "<item><title>A &amp;lt;img src=x onerror=alert(1)&amp;gt; B</title>\
         <link>https://example.vn/1</link><guid>g1</guid>\
         <pubDate>Wed, 18 May 2022 05:29:48 +0700</pubDate></item>",
    );
    std::fs::write(dir.path().join("feed.xml"), feed).expect("feed written");
    std::fs::write(
        dir.path().join("feeds.toml"),
        "[site]\ntitle = \"T\"\nbase_url = \"https://feeds.example.vn/\"\n\n\
         [[source]]\nname = \"src\"\nurl = \"feed.xml\"\n",
    )
    .expect("config written");
    let cfg = Config::load(&dir.path().join("feeds.toml")).expect("config loads");
    let report = build(&cfg, &BuildOptions::default()).await.expect("builds");
    let out = report.out_dir;
    for file in ["other-news/rss.xml", "other-news/atom.xml"] {
        let bytes = std::fs::read(out.join(file)).expect("feed written");
        let text = String::from_utf8_lossy(&bytes);
        assert!(!text.contains("&lt;img"), "{file}: {text}");
        let parsed = feed_rs::parser::parse(bytes.as_slice()).expect("feed-rs parses");
        let title = parsed.entries[0].title.as_ref().map(|t| t.content.clone());
        assert_eq!(title.as_deref(), Some(EVIL), "{file}");
    }
}
