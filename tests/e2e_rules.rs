//! A 304 must never keep articles normalized under old rules: after a feeds.toml edit that
//! changes how articles are read (here, a new category), the next build fetches in full
//! and the new category's feed has its articles; later builds are conditional again.

use std::sync::{Arc, Mutex};

use feedmill::config::Config;
use feedmill::pipeline::{build, BuildOptions, SourceStatus};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

const FEED: &str = "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>t</title><link>https://example.vn/</link><description>d</description>\
<item><title>Mùa lúa xuân bội thu</title><link>https://example.vn/lua</link><pubDate>Tue, 17 May 2022 16:20:00 +0700</pubDate></item>\
</channel></rss>";

/// Serves FEED with an ETag, 304 to a matching If-None-Match; records each request's header.
async fn serve(seen: Arc<Mutex<Vec<Option<String>>>>) -> std::net::SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut s, _)) = listener.accept().await {
            let seen = seen.clone();
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut b = [0u8; 1];
                while !head.ends_with(b"\r\n\r\n") {
                    if s.read(&mut b).await.unwrap_or(0) == 0 {
                        return;
                    }
                    head.push(b[0]);
                }
                let head = String::from_utf8_lossy(&head).to_ascii_lowercase();
                let inm = head.lines().find_map(|l| {
                    l.strip_prefix("if-none-match:")
                        .map(|v| v.trim().to_string())
                });
                seen.lock().unwrap().push(inm.clone());
                let reply = if inm.as_deref() == Some("\"v1\"") {
                    "HTTP/1.1 304 Not Modified\r\nETag: \"v1\"\r\nConnection: close\r\n\r\n"
                        .to_string()
                } else {
                    format!(
                        "HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\nETag: \"v1\"\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{FEED}",
                        FEED.len()
                    )
                };
                let _ = s.write_all(reply.as_bytes()).await;
            });
        }
    });
    addr
}

fn write_config(dir: &std::path::Path, url: &str, with_category: bool) -> Config {
    let mut text = format!(
        "[site]\ntitle = \"T\"\nbase_url = \"https://feeds.example.vn/\"\n\n[[source]]\nname = \"nong-nghiep\"\nurl = \"{url}\"\n"
    );
    if with_category {
        text.push_str("\n[[category]]\nname = \"Nông nghiệp\"\nmatch = \"(?i)lúa\"\n");
    }
    let path = dir.join("feeds.toml");
    std::fs::write(&path, text).unwrap();
    Config::load(&path).unwrap_or_else(|e| panic!("{e:?}"))
}

#[tokio::test]
async fn a_config_change_is_not_answered_from_a_304() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let addr = serve(seen.clone()).await;
    let url = format!("http://{addr}/rss");
    let tmp = tempfile::tempdir().unwrap();
    let opts = BuildOptions::default();

    let cfg = write_config(tmp.path(), &url, false);
    assert_eq!(
        build(&cfg, &opts).await.unwrap().sources[0].status,
        SourceStatus::Ok
    );
    // Same rules: a conditional request, answered 304.
    assert_eq!(
        build(&cfg, &opts).await.unwrap().sources[0].status,
        SourceStatus::NotModified
    );

    // A new category changes how articles are read: fetched in full, and the category has
    // the article.
    let cfg = write_config(tmp.path(), &url, true);
    let report = build(&cfg, &opts).await.unwrap();
    assert_eq!(report.sources[0].status, SourceStatus::Ok);
    let feed = std::fs::read(cfg.site.output_dir.join("category/nong-nghiep/rss.xml")).unwrap();
    let feed = feed_rs::parser::parse(&feed[..]).unwrap();
    assert_eq!(
        feed.entries.len(),
        1,
        "the new category's feed has the article"
    );

    // And conditional again once the articles match the rules.
    assert_eq!(
        build(&cfg, &opts).await.unwrap().sources[0].status,
        SourceStatus::NotModified
    );
    let seen = seen.lock().unwrap().clone();
    assert_eq!(
        seen,
        [
            None,
            Some("\"v1\"".to_string()),
            None,
            Some("\"v1\"".to_string())
        ],
        "If-None-Match sent only when the stored articles match today's rules"
    );
}
