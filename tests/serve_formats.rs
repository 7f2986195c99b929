//! `feedmill serve` on 127.0.0.1 serving the new documents: `feed.json` as
//! `application/feed+json` with the same strong ETag, 304 and gzip/brotli as the XML
//! feeds, and archive pages with their format's type.

mod serve_support;

use std::io::Read;

use reqwest::header::{ACCEPT_ENCODING, CONTENT_ENCODING, CONTENT_TYPE, ETAG, IF_NONE_MATCH};
use serve_support::{client, url, Site};

#[tokio::test]
async fn json_feed_and_archive_pages_are_served_with_their_types_etags_and_compression() {
    let site = Site::example();
    // One article per subscription document, so the example's feeds have archives.
    let text = std::fs::read_to_string(site.config()).expect("feeds.toml");
    let text = text
        .replace("[feeds]\nitems = 50", "[feeds]\nitems = 1")
        .replace(
            "[merged]\nslug = \"other-news\"\ntitle = \"Các tin khác\"\nitems = 100",
            "[merged]\nslug = \"other-news\"\ntitle = \"Các tin khác\"\nitems = 1",
        );
    assert!(
        text.contains("items = 1\ntag_min") && text.matches("items = 1\n").count() >= 2,
        "{text}"
    );
    site.write_config(&text);
    let server = site.start().await;
    let addr = server.local_addr();
    let c = client();
    for (path, content_type) in [
        (
            "/other-news/feed.json",
            "application/feed+json; charset=utf-8",
        ),
        (
            "/tag/luc-yen/feed.json",
            "application/feed+json; charset=utf-8",
        ),
        (
            "/other-news/archive/1.xml",
            "application/rss+xml; charset=utf-8",
        ),
        (
            "/other-news/archive/1.atom",
            "application/atom+xml; charset=utf-8",
        ),
        (
            "/other-news/archive/1.json",
            "application/feed+json; charset=utf-8",
        ),
    ] {
        let r = c.get(url(addr, path)).send().await.expect("response");
        assert_eq!(r.status(), 200, "{path}");
        assert_eq!(r.headers()[CONTENT_TYPE], content_type, "{path}");
        let etag = r.headers()[ETAG].to_str().expect("ascii").to_string();
        assert!(
            etag.starts_with('"') && etag.len() > 20,
            "{path}: strong ETag {etag}"
        );
        let body = r.bytes().await.expect("body");
        let on_disk = std::fs::read(site.out(path.trim_start_matches('/'))).expect("file");
        assert_eq!(&body[..], &on_disk[..], "{path}");

        let again = c
            .get(url(addr, path))
            .header(IF_NONE_MATCH, &etag)
            .send()
            .await
            .expect("304");
        assert_eq!(again.status(), 304, "{path}");

        let gz = c
            .get(url(addr, path))
            .header(ACCEPT_ENCODING, "gzip")
            .send()
            .await
            .expect("gzip");
        if gz.headers().get(CONTENT_ENCODING).is_some() {
            assert_eq!(gz.headers()[CONTENT_ENCODING], "gzip", "{path}");
            let mut plain = Vec::new();
            flate2::read::GzDecoder::new(&gz.bytes().await.expect("body")[..])
                .read_to_end(&mut plain)
                .expect("gzip");
            assert_eq!(plain, on_disk, "{path}");
        }
    }
    let feed = c
        .get(url(addr, "/other-news/feed.json"))
        .header(ACCEPT_ENCODING, "br")
        .send()
        .await
        .expect("br");
    assert_eq!(
        feed.headers()[CONTENT_ENCODING],
        "br",
        "feed.json is compressed"
    );
    server.shutdown().await.expect("clean shutdown");
}
