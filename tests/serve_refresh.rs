//! The server keeps itself current: sources refreshed on their interval (with backoff
//! when they fail), and feeds.toml edits applied — or rejected — without a restart.

mod serve_support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::http::StatusCode;
use axum::response::IntoResponse;
use serve_support::{client, eventually, get_text, rss, url, Site};

/// A feed server on 127.0.0.1 whose answer the test changes; counts requests per path.
struct FeedServer {
    addr: std::net::SocketAddr,
    body: Arc<Mutex<String>>,
    hits: Arc<AtomicUsize>,
}

impl FeedServer {
    async fn start(status: StatusCode, body: String) -> FeedServer {
        let body = Arc::new(Mutex::new(body));
        let hits = Arc::new(AtomicUsize::new(0));
        let (b, h) = (body.clone(), hits.clone());
        let app = axum::Router::new().fallback(move || {
            let (b, h) = (b.clone(), h.clone());
            async move {
                h.fetch_add(1, Ordering::SeqCst);
                let text = b.lock().expect("lock").clone();
                (status, [("content-type", "application/rss+xml")], text).into_response()
            }
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        FeedServer { addr, body, hits }
    }

    fn url(&self) -> String {
        format!("http://{}/feed.rss", self.addr)
    }

    fn set(&self, body: String) {
        *self.body.lock().expect("lock") = body;
    }
}

fn site_config(sources: &str, categories: &str) -> String {
    format!(
        r#"[site]
title = "Thử nghiệm"
base_url = "http://feeds.test/"
language = "vi"
timezone = "Asia/Ho_Chi_Minh"
output_dir = "public"

[fetch]
retries = 0
timeout = "5s"

{sources}
{categories}
"#
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_changed_source_appears_after_its_refresh_interval() {
    let fast = FeedServer::start(StatusCode::OK, rss("nhanh", &["Tin một"])).await;
    let slow = FeedServer::start(StatusCode::OK, rss("cham", &["Tin chậm"])).await;
    let site = Site::empty();
    site.write_config(&site_config(
        &format!(
            "[[source]]\nname = \"nhanh\"\nurl = \"{}\"\nrefresh = \"1s\"\n\n\
             [[source]]\nname = \"cham\"\nurl = \"{}\"\nrefresh = \"1h\"\n",
            fast.url(),
            slow.url()
        ),
        "",
    ));
    let server = site.start().await;
    let addr = server.local_addr();
    let c = client();
    let first = c
        .get(url(addr, "/other-news/rss.xml"))
        .send()
        .await
        .expect("feed");
    assert_eq!(
        first.headers()["cache-control"],
        "public, max-age=1",
        "the shortest refresh interval"
    );
    let etag = first.headers()["etag"].clone();
    let body = first.text().await.expect("text");
    assert!(
        body.contains("Tin một") && body.contains("Tin chậm"),
        "{body}"
    );

    fast.set(rss("nhanh", &["Tin một", "Tin hai mới"]));
    let appeared = eventually(Duration::from_secs(8), || async {
        get_text(&c, addr, "/other-news/rss.xml")
            .await
            .is_some_and(|t| t.contains("Tin hai mới"))
    })
    .await;
    assert!(appeared, "the new article is served without a restart");
    let tag = get_text(&c, addr, "/tag/che/rss.xml")
        .await
        .expect("tag feed");
    assert!(
        tag.contains("Tin hai mới"),
        "every feed of the build is swapped in"
    );
    let now = c
        .get(url(addr, "/other-news/rss.xml"))
        .header("if-none-match", etag)
        .send()
        .await
        .expect("feed");
    assert_eq!(now.status(), 200, "the old ETag no longer matches");
    assert!(fast.hits.load(Ordering::SeqCst) >= 2);
    server.shutdown().await.expect("clean shutdown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_source_backs_off() {
    let broken = FeedServer::start(StatusCode::INTERNAL_SERVER_ERROR, String::new()).await;
    let site = Site::empty();
    site.write_config(&site_config(
        &format!(
            "[[source]]\nname = \"hong\"\nurl = \"{}\"\nrefresh = \"1s\"\n",
            broken.url()
        ),
        "",
    ));
    let server = site.start().await;
    // Without backoff a 1 s source is fetched about 5 times in 5 s; backing off (2 s after
    // the first failure, 4 s after the second) it is fetched at 0 s and about 2 s.
    tokio::time::sleep(Duration::from_millis(5000)).await;
    let hits = broken.hits.load(Ordering::SeqCst);
    assert!((2..=3).contains(&hits), "{hits} fetches in 5 s");
    let metrics = get_text(&client(), server.local_addr(), "/metrics")
        .await
        .expect("metrics");
    let failures: u32 = metrics
        .lines()
        .find_map(|l| l.strip_prefix("feedmill_source_consecutive_failures{source=\"hong\"} "))
        .expect("failures of hong")
        .parse()
        .expect("number");
    assert_eq!(failures as usize, hits);
    assert!(metrics
        .lines()
        .any(|l| l == "feedmill_source_up{source=\"hong\"} 0"));
    server.shutdown().await.expect("clean shutdown");
}

const CATEGORY_LANG_NGHE: &str =
    "\n[[category]]\nname = \"Làng nghề\"\nslug = \"lang-nghe\"\ntags = [\"làng nghề\"]\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invalid_edit_keeps_the_old_feeds_and_a_valid_one_adds_a_category() {
    let site = Site::example();
    let original = std::fs::read_to_string(site.config()).expect("config");
    let server = site.start().await;
    let addr = server.local_addr();
    let c = client();
    let before = get_text(&c, addr, "/category/nong-nghiep/rss.xml")
        .await
        .expect("category feed");
    assert_eq!(
        c.get(url(addr, "/category/lang-nghe/rss.xml"))
            .send()
            .await
            .expect("response")
            .status(),
        404
    );

    // A typo: rejected, and everything keeps being served as it was.
    let bad = original.replacen("items = 50", "itemz = 50", 1) + CATEGORY_LANG_NGHE;
    site.write_config(&bad);
    let rejected = eventually(Duration::from_secs(5), || async {
        get_text(&c, addr, "/metrics")
            .await
            .is_some_and(|m| m.contains("feedmill_config_reloads_total{result=\"rejected\"} 1\n"))
    })
    .await;
    assert!(rejected, "the invalid edit is noticed and rejected");
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        get_text(&c, addr, "/category/nong-nghiep/rss.xml")
            .await
            .as_deref(),
        Some(before.as_str())
    );
    assert_eq!(
        c.get(url(addr, "/category/lang-nghe/rss.xml"))
            .send()
            .await
            .expect("response")
            .status(),
        404,
        "the rejected config's category is not built"
    );
    assert_eq!(server.builds(), 1);

    // Fixed: applied and built.
    site.write_config(&(original.clone() + CATEGORY_LANG_NGHE));
    let added = eventually(Duration::from_secs(10), || async {
        get_text(&c, addr, "/category/lang-nghe/rss.xml")
            .await
            .is_some_and(|t| t.contains("Tin Yên Bái — Làng nghề"))
    })
    .await;
    assert!(added, "the new category feed is served");
    let opml = get_text(&c, addr, "/feeds.opml").await.expect("opml");
    assert!(
        opml.contains("xmlUrl=\"https://feeds.example.vn/category/lang-nghe/rss.xml\""),
        "{opml}"
    );
    assert!(get_text(&c, addr, "/category/lang-nghe/atom.xml")
        .await
        .is_some());
    assert_eq!(
        get_text(&c, addr, "/category/nong-nghiep/rss.xml")
            .await
            .as_deref(),
        Some(before.as_str()),
        "unchanged feeds keep their bytes"
    );
    server.shutdown().await.expect("clean shutdown");
}

/// A WebSub hub on 127.0.0.1 that records every publish ping and answers 500 (a failing
/// hub must never stop the server).
async fn start_hub() -> (std::net::SocketAddr, Arc<Mutex<Vec<String>>>) {
    let pings = Arc::new(Mutex::new(Vec::new()));
    let p = pings.clone();
    let app = axum::Router::new().route(
        "/hub",
        axum::routing::post(move |body: String| {
            let p = p.clone();
            async move {
                p.lock().expect("lock").push(body);
                StatusCode::INTERNAL_SERVER_ERROR
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (addr, pings)
}

fn ping(feed: &str) -> String {
    format!(
        "hub.mode=publish&hub.url=http%3A%2F%2Ffeeds.test%2F{}",
        feed.replace('/', "%2F")
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_hub_is_pinged_with_the_changed_feeds_only() {
    let (hub, pings) = start_hub().await;
    let fast = FeedServer::start(StatusCode::OK, rss("nhanh", &["Tin một"])).await;
    let slow = FeedServer::start(StatusCode::OK, rss("cham", &["Tin chậm"])).await;
    let site = Site::empty();
    let config = site_config(
        &format!(
            "[[source]]\nname = \"nhanh\"\nurl = \"{}\"\nrefresh = \"1s\"\n\n\
             [[source]]\nname = \"cham\"\nurl = \"{}\"\nrefresh = \"1h\"\n",
            fast.url(),
            slow.url()
        ),
        "[[category]]\nname = \"Chậm\"\nslug = \"cham\"\nsources = [\"cham\"]\n",
    )
    .replacen(
        "output_dir = \"public\"",
        &format!("output_dir = \"public\"\nhub = \"http://{hub}/hub\""),
        1,
    );
    site.write_config(&config);
    let server = site.start().await;
    let first: Vec<String> = std::mem::take(&mut *pings.lock().expect("lock"));
    let mut expected_first: Vec<String> = [
        "other-news/rss.xml",
        "other-news/atom.xml",
        "other-news/feed.json",
        "tag/che/rss.xml",
        "tag/che/atom.xml",
        "tag/che/feed.json",
        "category/cham/rss.xml",
        "category/cham/atom.xml",
        "category/cham/feed.json",
    ]
    .iter()
    .map(|f| ping(f))
    .collect();
    let mut first_sorted = first.clone();
    first_sorted.sort();
    expected_first.sort();
    assert_eq!(
        first_sorted, expected_first,
        "every new feed is announced once"
    );

    fast.set(rss("nhanh", &["Tin một", "Tin hai mới"]));
    let c = client();
    let changed = eventually(Duration::from_secs(8), || async {
        get_text(&c, server.local_addr(), "/other-news/rss.xml")
            .await
            .is_some_and(|t| t.contains("Tin hai mới"))
    })
    .await;
    assert!(changed, "the change is served although the hub fails");
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let mut second = std::mem::take(&mut *pings.lock().expect("lock"));
    second.sort();
    let mut expected: Vec<String> = [
        "other-news/rss.xml",
        "other-news/atom.xml",
        "other-news/feed.json",
        "tag/che/rss.xml",
        "tag/che/atom.xml",
        "tag/che/feed.json",
    ]
    .iter()
    .map(|f| ping(f))
    .collect();
    expected.sort();
    assert_eq!(
        second, expected,
        "the unchanged category feed is not announced"
    );
    server.shutdown().await.expect("clean shutdown");
}
