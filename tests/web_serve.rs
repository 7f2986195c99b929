//! `feedmill serve` and the pages: a browser asking for a feed gets a type it applies the
//! feed's stylesheet to, a feed reader the feed's own type, both with `Vary: Accept`; feed
//! pages answer at their folder's path with the usual validators.

mod serve_support;

use reqwest::header::{ACCEPT, CACHE_CONTROL, CONTENT_TYPE, ETAG, IF_NONE_MATCH, VARY};
use serve_support::{client, url, Site};

/// What Chromium sends when it navigates to a URL.
const CHROMIUM: &str = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,\
                        image/webp,image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7";
/// What feedparser sends.
const FEEDPARSER: &str = "application/atom+xml,application/rdf+xml,application/rss+xml,\
                          application/x-netcdf,application/xml;q=0.9,text/xml;q=0.2,*/*;q=0.1";

#[tokio::test]
async fn a_browser_gets_xml_a_feed_reader_gets_the_feed_type() {
    let site = Site::example();
    let server = site.start().await;
    let addr = server.local_addr();
    let c = client();
    for (path, own) in [
        ("/other-news/rss.xml", "application/rss+xml; charset=utf-8"),
        (
            "/tag/luc-yen/atom.xml",
            "application/atom+xml; charset=utf-8",
        ),
    ] {
        let on_disk = std::fs::read(site.out(path.trim_start_matches('/'))).expect("file");
        for (accept, want) in [
            (Some(CHROMIUM), "application/xml; charset=utf-8"),
            (Some(FEEDPARSER), own),
            (Some("*/*"), own),
            (None, own),
        ] {
            let mut req = c.get(url(addr, path));
            if let Some(a) = accept {
                req = req.header(ACCEPT, a);
            }
            let r = req.send().await.expect("response");
            assert_eq!(r.status(), 200, "{path} {accept:?}");
            assert_eq!(r.headers()[CONTENT_TYPE], want, "{path} {accept:?}");
            assert_eq!(r.headers()[VARY], "Accept-Encoding, Accept", "{path}");
            let body = r.bytes().await.expect("body");
            assert_eq!(&body[..], &on_disk[..], "the same bytes either way");
        }
    }
    server.shutdown().await.expect("clean shutdown");
}

#[tokio::test]
async fn pages_and_the_stylesheet_are_served_with_their_types_and_validators() {
    let site = Site::example();
    let server = site.start().await;
    let addr = server.local_addr();
    let c = client();
    for (path, file, ty) in [
        (
            "/tag/luc-yen/",
            "tag/luc-yen/index.html",
            "text/html; charset=utf-8",
        ),
        (
            "/tag/luc-yen/index.html",
            "tag/luc-yen/index.html",
            "text/html; charset=utf-8",
        ),
        (
            "/other-news/",
            "other-news/index.html",
            "text/html; charset=utf-8",
        ),
        ("/feed.xsl", "feed.xsl", "text/xsl; charset=utf-8"),
        ("/favicon.ico", "favicon.ico", "image/x-icon"),
    ] {
        let r = c.get(url(addr, path)).send().await.expect("response");
        assert_eq!(r.status(), 200, "{path}");
        assert_eq!(r.headers()[CONTENT_TYPE], ty, "{path}");
        assert_eq!(r.headers()[VARY], "Accept-Encoding", "{path}");
        assert_eq!(r.headers()[CACHE_CONTROL], "public, max-age=900", "{path}");
        let etag = r.headers()[ETAG].clone();
        let body = r.bytes().await.expect("body");
        assert_eq!(&body[..], &std::fs::read(site.out(file)).expect("file")[..]);
        let again = c
            .get(url(addr, path))
            .header(IF_NONE_MATCH, etag)
            .send()
            .await
            .expect("response");
        assert_eq!(again.status(), 304, "{path}");
    }
    // A folder with no page, and a folder path without its slash, name nothing.
    for path in ["/tag/", "/tag/luc-yen"] {
        let r = c.get(url(addr, path)).send().await.expect("response");
        assert_eq!(r.status(), 404, "{path}");
    }
    server.shutdown().await.expect("clean shutdown");
}
