//! `feedmill serve` answering HTTP on 127.0.0.1: content types, validators and 304s,
//! compression, HEAD, 404s and traversal attempts, /healthz and /metrics.

mod serve_support;

use std::io::Read;

use reqwest::header::{
    ACCEPT_ENCODING, CACHE_CONTROL, CONTENT_ENCODING, CONTENT_LENGTH, CONTENT_TYPE, ETAG,
    IF_MODIFIED_SINCE, IF_NONE_MATCH, LAST_MODIFIED, VARY,
};
use serve_support::{client, raw_get, url, Site};

#[tokio::test]
async fn files_are_served_at_their_output_paths_with_their_content_types() {
    let site = Site::example();
    let server = site.start().await;
    let addr = server.local_addr();
    let c = client();
    let cases = [
        (
            "/other-news/rss.xml",
            "other-news/rss.xml",
            "application/rss+xml; charset=utf-8",
        ),
        (
            "/other-news/atom.xml",
            "other-news/atom.xml",
            "application/atom+xml; charset=utf-8",
        ),
        (
            "/tag/luc-yen/atom.xml",
            "tag/luc-yen/atom.xml",
            "application/atom+xml; charset=utf-8",
        ),
        (
            "/category/nong-nghiep/rss.xml",
            "category/nong-nghiep/rss.xml",
            "application/rss+xml; charset=utf-8",
        ),
        ("/feeds.opml", "feeds.opml", "text/x-opml; charset=utf-8"),
        ("/index.html", "index.html", "text/html; charset=utf-8"),
        ("/", "index.html", "text/html; charset=utf-8"),
    ];
    for (path, file, content_type) in cases {
        let r = c.get(url(addr, path)).send().await.expect("response");
        assert_eq!(r.status(), 200, "{path}");
        assert_eq!(r.headers()[CONTENT_TYPE], content_type, "{path}");
        assert_eq!(r.headers()[CACHE_CONTROL], "public, max-age=900", "{path}");
        // Feeds vary on Accept too: a browser gets them as XML (tests/web_serve.rs).
        let vary = if path.ends_with(".xml") {
            "Accept-Encoding, Accept"
        } else {
            "Accept-Encoding"
        };
        assert_eq!(r.headers()[VARY], vary, "{path}");
        assert!(r.headers().get(CONTENT_ENCODING).is_none(), "{path}");
        let body = r.bytes().await.expect("body");
        let on_disk = std::fs::read(site.out(file)).expect("output file");
        assert_eq!(&body[..], &on_disk[..], "{path} serves the file's bytes");
    }
    server.shutdown().await.expect("clean shutdown");
}

#[tokio::test]
async fn conditional_requests_get_304_by_etag_and_by_date() {
    let site = Site::example();
    let server = site.start().await;
    let addr = server.local_addr();
    let c = client();
    let feed = url(addr, "/other-news/rss.xml");
    let first = c.get(&feed).send().await.expect("response");
    let etag = first.headers()[ETAG].to_str().expect("ascii").to_string();
    assert!(
        etag.starts_with('"') && etag.ends_with('"') && etag.len() > 20,
        "strong ETag {etag}"
    );
    // When the file's bytes were written (its mtime), not the newest article's date.
    let written = std::fs::metadata(site.out("other-news/rss.xml"))
        .and_then(|m| m.modified())
        .expect("mtime");
    let newest = httpdate::fmt_http_date(written);
    let newest = newest.as_str();
    assert_eq!(
        first.headers()[LAST_MODIFIED],
        newest,
        "the time the file was written"
    );
    let atom = c
        .get(url(addr, "/other-news/atom.xml"))
        .send()
        .await
        .expect("atom");
    let atom_written = std::fs::metadata(site.out("other-news/atom.xml"))
        .and_then(|m| m.modified())
        .expect("mtime");
    assert_eq!(
        atom.headers()[LAST_MODIFIED],
        httpdate::fmt_http_date(atom_written).as_str()
    );
    assert_ne!(
        atom.headers()[ETAG].to_str().expect("ascii"),
        etag,
        "different files"
    );

    let same = c
        .get(&feed)
        .header(IF_NONE_MATCH, &etag)
        .send()
        .await
        .expect("304");
    assert_eq!(same.status(), 304);
    assert_eq!(same.headers()[ETAG].to_str().expect("ascii"), etag);
    assert_eq!(same.headers()[CACHE_CONTROL], "public, max-age=900");
    assert!(same.bytes().await.expect("body").is_empty());

    let listed = c
        .get(&feed)
        .header(IF_NONE_MATCH, format!("\"other\", {etag}"))
        .send()
        .await
        .expect("304");
    assert_eq!(listed.status(), 304, "one of several ETags matches");

    let stale = c
        .get(&feed)
        .header(IF_NONE_MATCH, "\"0123\"")
        .send()
        .await
        .expect("200");
    assert_eq!(stale.status(), 200);

    let since = c
        .get(&feed)
        .header(IF_MODIFIED_SINCE, newest)
        .send()
        .await
        .expect("304");
    assert_eq!(since.status(), 304);
    let later = c
        .get(&feed)
        .header(
            IF_MODIFIED_SINCE,
            httpdate::fmt_http_date(written + std::time::Duration::from_secs(60)),
        )
        .send()
        .await
        .expect("304");
    assert_eq!(later.status(), 304);
    let earlier = c
        .get(&feed)
        .header(
            IF_MODIFIED_SINCE,
            httpdate::fmt_http_date(written - std::time::Duration::from_secs(1)),
        )
        .send()
        .await
        .expect("200");
    assert_eq!(
        earlier.status(),
        200,
        "one second older than the file's bytes"
    );

    let mismatch_wins = c
        .get(&feed)
        .header(IF_NONE_MATCH, "\"0123\"")
        .header(IF_MODIFIED_SINCE, newest)
        .send()
        .await
        .expect("200");
    assert_eq!(
        mismatch_wins.status(),
        200,
        "If-None-Match takes precedence"
    );

    let gz = c
        .get(&feed)
        .header(ACCEPT_ENCODING, "gzip")
        .send()
        .await
        .expect("gzip");
    let gz_etag = gz.headers()[ETAG].to_str().expect("ascii").to_string();
    assert_ne!(gz_etag, etag, "each encoding has its own strong ETag");
    let again = c
        .get(&feed)
        .header(ACCEPT_ENCODING, "gzip")
        .header(IF_NONE_MATCH, &gz_etag)
        .send()
        .await
        .expect("304");
    assert_eq!(again.status(), 304);
    server.shutdown().await.expect("clean shutdown");
}

fn gunzip(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_end(&mut out)
        .expect("valid gzip");
    out
}

fn unbrotli(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    brotli::Decompressor::new(bytes, 4096)
        .read_to_end(&mut out)
        .expect("valid brotli");
    out
}

#[tokio::test]
async fn gzip_and_brotli_bodies_decode_to_the_file() {
    let site = Site::example();
    let server = site.start().await;
    let addr = server.local_addr();
    let c = client();
    for file in [
        "other-news/atom.xml",
        "tag/yen-bai/rss.xml",
        "feeds.opml",
        "index.html",
    ] {
        let on_disk = std::fs::read(site.out(file)).expect("output file");
        let path = format!("/{file}");
        let br = c
            .get(url(addr, &path))
            .header(ACCEPT_ENCODING, "gzip, deflate, br")
            .send()
            .await
            .expect("br");
        assert_eq!(br.headers()[CONTENT_ENCODING], "br", "{file}");
        let vary = if file.ends_with(".xml") {
            "Accept-Encoding, Accept"
        } else {
            "Accept-Encoding"
        };
        assert_eq!(br.headers()[VARY], vary);
        let br_body = br.bytes().await.expect("body");
        assert!(
            br_body.len() < on_disk.len(),
            "{file} is smaller compressed"
        );
        assert_eq!(unbrotli(&br_body), on_disk, "{file}");

        let gz = c
            .get(url(addr, &path))
            .header(ACCEPT_ENCODING, "gzip;q=1.0, br;q=0")
            .send()
            .await
            .expect("gzip");
        assert_eq!(gz.headers()[CONTENT_ENCODING], "gzip", "{file}");
        assert_eq!(gunzip(&gz.bytes().await.expect("body")), on_disk, "{file}");

        let plain = c
            .get(url(addr, &path))
            .header(ACCEPT_ENCODING, "deflate")
            .send()
            .await
            .expect("identity");
        assert!(plain.headers().get(CONTENT_ENCODING).is_none());
        assert_eq!(&plain.bytes().await.expect("body")[..], &on_disk[..]);
    }
    server.shutdown().await.expect("clean shutdown");
}

#[tokio::test]
async fn head_gives_the_headers_of_get_without_a_body() {
    let site = Site::example();
    let server = site.start().await;
    let addr = server.local_addr();
    let c = client();
    let on_disk = std::fs::read(site.out("other-news/atom.xml")).expect("file");
    let get = c
        .get(url(addr, "/other-news/atom.xml"))
        .send()
        .await
        .expect("get");
    let head = c
        .head(url(addr, "/other-news/atom.xml"))
        .send()
        .await
        .expect("head");
    assert_eq!(head.status(), 200);
    for h in [CONTENT_TYPE, ETAG, LAST_MODIFIED, CACHE_CONTROL, VARY] {
        assert_eq!(head.headers()[&h], get.headers()[&h], "{h}");
    }
    assert_eq!(
        head.headers()[CONTENT_LENGTH].to_str().expect("ascii"),
        on_disk.len().to_string()
    );
    assert!(head.bytes().await.expect("body").is_empty());

    let head_gz = c
        .head(url(addr, "/other-news/atom.xml"))
        .header(ACCEPT_ENCODING, "gzip")
        .send()
        .await
        .expect("head");
    assert_eq!(head_gz.headers()[CONTENT_ENCODING], "gzip");
    let missing = c.head(url(addr, "/nope.xml")).send().await.expect("head");
    assert_eq!(missing.status(), 404);
    server.shutdown().await.expect("clean shutdown");
}

#[tokio::test]
async fn unknown_paths_and_traversal_attempts_are_404() {
    let site = Site::example();
    // Things in and around the output folder that must never be served.
    std::fs::write(site.path().join("secret.txt"), "SECRET-OUTSIDE").expect("write");
    let server = site.start().await;
    std::fs::write(site.out(".hidden"), "SECRET-DOT").expect("write");
    std::fs::write(site.out("other-news/.feedmill-x1.tmp"), "SECRET-TMP").expect("write");
    std::fs::write(site.out("notes.txt"), "SECRET-UNLISTED").expect("write");
    let addr = server.local_addr();
    let targets = [
        "/nope",
        // `/other-news/` is the merged feed's page now (tests/web_serve.rs).
        "/other-news",
        "/tag/",
        "/.feedmill-manifest",
        "/.hidden",
        "/notes.txt",
        "/other-news/.feedmill-x1.tmp",
        "/../secret.txt",
        "/other-news/../../secret.txt",
        "/%2e%2e/secret.txt",
        "/%2E%2E/%2E%2E/secret.txt",
        "/other-news/%2e%2e/%2e%2e/secret.txt",
        "/..%2fsecret.txt",
        "/%2e%2e%2fsecret.txt",
        "/other-news%2frss.xml",
        "/other-news/..%2f..%2fsecret.txt",
        "/%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd",
        "/..%5csecret.txt",
        "//etc/passwd",
        "/other-news/rss.xml/..",
        "/feeds.toml",
        "/public/index.html",
    ];
    for target in targets {
        let (status, text) = raw_get(addr, target).await;
        assert_eq!(status, 404, "{target}: {text}");
        assert!(!text.contains("SECRET"), "{target} leaked a file");
        assert!(!text.contains("[site]"), "{target} leaked feeds.toml");
    }
    // The same server still serves real paths, with a query string ignored.
    assert_eq!(raw_get(addr, "/other-news/rss.xml").await.0, 200);
    assert_eq!(
        raw_get(addr, "/other-news/rss.xml?utm_source=x").await.0,
        200
    );
    server.shutdown().await.expect("clean shutdown");
}

/// One line of the Prometheus text format (0.0.4): a comment or `name{labels} value`.
fn check_prometheus_line(line: &str) -> Result<(), String> {
    let comment = regex::Regex::new(r"^# (HELP [a-zA-Z_:][a-zA-Z0-9_:]* .*|TYPE [a-zA-Z_:][a-zA-Z0-9_:]* (counter|gauge|histogram|summary|untyped))$")
        .expect("regex");
    let sample = regex::Regex::new(
        r#"^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*"(,[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*")*\})? (-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?|NaN|[+-]Inf)( -?[0-9]+)?$"#,
    )
    .expect("regex");
    if line.starts_with('#') {
        return comment
            .is_match(line)
            .then_some(())
            .ok_or_else(|| format!("bad comment line: {line}"));
    }
    sample
        .is_match(line)
        .then_some(())
        .ok_or_else(|| format!("bad sample line: {line}"))
}

#[tokio::test]
async fn metrics_parse_as_prometheus_text_and_name_each_source() {
    let site = Site::example();
    let server = site.start().await;
    let addr = server.local_addr();
    let c = client();
    assert_eq!(
        c.get(url(addr, "/healthz"))
            .send()
            .await
            .expect("ok")
            .status(),
        200
    );
    assert_eq!(
        c.get(url(addr, "/missing"))
            .send()
            .await
            .expect("404")
            .status(),
        404
    );
    let r = c.get(url(addr, "/metrics")).send().await.expect("metrics");
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.headers()[CONTENT_TYPE],
        "text/plain; version=0.0.4; charset=utf-8"
    );
    let text = r.text().await.expect("text");
    assert!(text.ends_with('\n'));
    let mut typed = std::collections::HashSet::new();
    for line in text.lines() {
        check_prometheus_line(line).unwrap_or_else(|e| panic!("{e}\n{text}"));
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            let name = rest.split(' ').next().expect("name");
            assert!(typed.insert(name.to_string()), "{name} typed twice");
        } else if !line.starts_with('#') {
            let name = line.split(['{', ' ']).next().expect("name");
            assert!(typed.contains(name), "{name} has a sample before its TYPE");
        }
    }
    let lines: Vec<&str> = text.lines().collect();
    for expected in [
        "feedmill_source_articles{source=\"baoyenbai-xdd\"} 5",
        "feedmill_source_articles{source=\"lucyen\"} 3",
        "feedmill_source_consecutive_failures{source=\"baoyenbai-xdd\"} 0",
        "feedmill_source_consecutive_failures{source=\"lucyen\"} 0",
        "feedmill_source_fetch_bytes{source=\"lucyen\"} 3000",
        "feedmill_source_up{source=\"lucyen\"} 1",
        "feedmill_builds_total{result=\"ok\"} 1",
        "feedmill_http_responses_total{status=\"404\"} 1",
    ] {
        assert!(lines.contains(&expected), "missing {expected}\n{text}");
    }
    let feeds = std::fs::read_to_string(site.out(".feedmill-manifest"))
        .expect("manifest")
        .lines()
        .filter(|l| l.ends_with("rss.xml") || l.ends_with("atom.xml") || l.ends_with("feed.json"))
        .count();
    assert!(
        lines.contains(&format!("feedmill_feeds_served {feeds}").as_str()),
        "{text}"
    );
    for source in ["baoyenbai-xdd", "lucyen"] {
        for metric in [
            "feedmill_source_last_success_timestamp_seconds",
            "feedmill_source_fetch_duration_seconds",
        ] {
            let prefix = format!("{metric}{{source=\"{source}\"}} ");
            let value: f64 = lines
                .iter()
                .find_map(|l| l.strip_prefix(prefix.as_str()))
                .unwrap_or_else(|| panic!("missing {prefix}"))
                .parse()
                .expect("number");
            assert!(value > 0.0, "{prefix}{value}");
        }
    }
    assert!(lines
        .iter()
        .any(|l| l.starts_with("feedmill_build_duration_seconds ")));
    assert!(lines
        .iter()
        .any(|l| l.starts_with("feedmill_http_responses_total{status=\"200\"} ")));
    server.shutdown().await.expect("clean shutdown");
}

#[tokio::test]
async fn other_methods_are_refused_and_shutdown_closes_the_port() {
    let site = Site::example();
    let server = site.start().await;
    let addr = server.local_addr();
    let c = client();
    let post = c
        .post(url(addr, "/other-news/rss.xml"))
        .send()
        .await
        .expect("post");
    assert_eq!(post.status(), 405);
    assert_eq!(post.headers()["allow"], "GET, HEAD");
    server.shutdown().await.expect("clean shutdown");
    assert!(
        std::net::TcpStream::connect(addr).is_err(),
        "nothing listens after shutdown"
    );
}
