//! The fetcher against hostile and well-behaved servers on 127.0.0.1, one behaviour each:
//! timeouts, retries, Retry-After, conditional GET, identity, local files.

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::http::{header, HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use feedmill::fetch::{FetchOptions, FetchOutcome, Validators};
use support::{config, expect_failed, expect_fetched, fetcher, rss, serve, serve_raw, source};
use tokio::io::AsyncWriteExt;
use url::Url;

/// Counts requests.
fn counter() -> Arc<AtomicUsize> {
    Arc::new(AtomicUsize::new(0))
}

#[tokio::test]
async fn slow_drip_is_cut_at_the_timeout() {
    let addr = serve_raw(|mut s| async move {
        let _ = s
            .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n")
            .await;
        for _ in 0..1000 {
            if s.write_all(b"x").await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    })
    .await;
    let mut cfg = config();
    cfg.fetch.timeout = Duration::from_secs(10);
    let mut src = source("drip", &format!("http://{addr}/feed.xml"));
    src.timeout = Some(Duration::from_secs(2)); // the per-source override wins
    let start = Instant::now();
    let outcome = fetcher(&cfg).fetch(&src, &Validators::default()).await;
    let elapsed = start.elapsed();
    let (message, meta) = expect_failed(outcome);
    assert!(
        message.starts_with(&format!("http://{addr}/feed.xml: timed out after 2 s")),
        "{message}"
    );
    assert_eq!(meta.status, Some(200));
    assert!(meta.bytes <= 3, "{} bytes", meta.bytes);
    assert!(
        elapsed >= Duration::from_secs(2) && elapsed < Duration::from_millis(3500),
        "{elapsed:?}"
    );
}

#[tokio::test]
async fn server_error_then_ok_is_retried_and_read() {
    let hits = counter();
    let h = hits.clone();
    let app = Router::new().route(
        "/feed",
        get(move || {
            let n = h.fetch_add(1, Ordering::SeqCst) + 1;
            async move {
                if n == 1 {
                    (StatusCode::INTERNAL_SERVER_ERROR, "boom").into_response()
                } else {
                    rss("ok", 2).into_response()
                }
            }
        }),
    );
    let addr = serve(app).await;
    let src = source("flaky", &format!("http://{addr}/feed"));
    let f = expect_fetched(fetcher(&config()).fetch(&src, &Validators::default()).await);
    assert_eq!(f.body, rss("ok", 2).into_bytes());
    assert_eq!(f.meta.status, Some(200));
    assert_eq!(hits.load(Ordering::SeqCst), 2);
    assert_eq!(f.meta.notes.len(), 1, "{:?}", f.meta.notes);
    assert!(
        f.meta.notes[0].starts_with("attempt 1 of 3 failed (HTTP 500 Internal Server Error)"),
        "{:?}",
        f.meta.notes
    );
}

#[tokio::test]
async fn too_many_requests_waits_for_retry_after() {
    let hits = counter();
    let h = hits.clone();
    let app = Router::new().route(
        "/feed",
        get(move || {
            let n = h.fetch_add(1, Ordering::SeqCst) + 1;
            async move {
                if n == 1 {
                    (
                        StatusCode::TOO_MANY_REQUESTS,
                        [(header::RETRY_AFTER, "1")],
                        "slow down",
                    )
                        .into_response()
                } else {
                    rss("later", 1).into_response()
                }
            }
        }),
    );
    let addr = serve(app).await;
    let src = source("busy", &format!("http://{addr}/feed"));
    let start = Instant::now();
    let f = expect_fetched(fetcher(&config()).fetch(&src, &Validators::default()).await);
    assert!(
        start.elapsed() >= Duration::from_secs(1),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(f.body, rss("later", 1).into_bytes());
    assert_eq!(hits.load(Ordering::SeqCst), 2);
    assert!(
        f.meta.notes[0].ends_with("retrying in 1 s"),
        "{:?}",
        f.meta.notes
    );
}

#[tokio::test]
async fn retry_after_beyond_the_limit_is_not_waited_for() {
    let hits = counter();
    let h = hits.clone();
    let app = Router::new().route(
        "/feed",
        get(move || {
            h.fetch_add(1, Ordering::SeqCst);
            async {
                (
                    StatusCode::SERVICE_UNAVAILABLE,
                    [(header::RETRY_AFTER, "3600")],
                    "",
                )
            }
        }),
    );
    let addr = serve(app).await;
    let start = Instant::now();
    let outcome = fetcher(&config())
        .fetch(
            &source("down", &format!("http://{addr}/feed")),
            &Validators::default(),
        )
        .await;
    let (message, meta) = expect_failed(outcome);
    assert_eq!(
        message,
        format!(
            "http://{addr}/feed: HTTP 503 Service Unavailable; the server asks to retry after \
             3600 s, over the 60 s limit (fetch.max_retry_after)"
        )
    );
    assert_eq!(meta.status, Some(503));
    assert_eq!(hits.load(Ordering::SeqCst), 1);
    assert!(start.elapsed() < Duration::from_secs(1));
}

#[tokio::test]
async fn not_found_is_not_retried() {
    let hits = counter();
    let h = hits.clone();
    let app = Router::new().route(
        "/gone",
        get(move || {
            h.fetch_add(1, Ordering::SeqCst);
            async { (StatusCode::NOT_FOUND, "no") }
        }),
    );
    let addr = serve(app).await;
    let outcome = fetcher(&config())
        .fetch(
            &source("gone", &format!("http://{addr}/gone")),
            &Validators::default(),
        )
        .await;
    let (message, meta) = expect_failed(outcome);
    assert_eq!(message, format!("http://{addr}/gone: HTTP 404 Not Found"));
    assert_eq!(meta.status, Some(404));
    assert_eq!(hits.load(Ordering::SeqCst), 1);
}

/// Serves `/etag` with only an ETag and `/lm` with only Last-Modified, answering 304 when
/// the matching validator comes back; records the conditional headers it saw.
fn conditional_app(seen: Arc<Mutex<Vec<(String, String)>>>) -> Router {
    const ETAG: &str = "\"v1-abc\"";
    const LM: &str = "Tue, 03 Jun 2025 05:29:48 GMT";
    let s1 = seen.clone();
    let s2 = seen;
    Router::new()
        .route(
            "/etag",
            get(move |h: HeaderMap| async move {
                let inm = h.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok());
                s1.lock()
                    .unwrap()
                    .push(("etag".into(), inm.unwrap_or("").into()));
                if inm == Some(ETAG) {
                    StatusCode::NOT_MODIFIED.into_response()
                } else {
                    ([(header::ETAG, ETAG)], rss("e", 1)).into_response()
                }
            }),
        )
        .route(
            "/lm",
            get(move |h: HeaderMap| async move {
                let ims = h
                    .get(header::IF_MODIFIED_SINCE)
                    .and_then(|v| v.to_str().ok());
                s2.lock()
                    .unwrap()
                    .push(("lm".into(), ims.unwrap_or("").into()));
                if ims == Some(LM) {
                    StatusCode::NOT_MODIFIED.into_response()
                } else {
                    ([(header::LAST_MODIFIED, LM)], rss("l", 1)).into_response()
                }
            }),
        )
}

#[tokio::test]
async fn etag_and_last_modified_give_not_modified() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let addr = serve(conditional_app(seen.clone())).await;
    let fetcher = fetcher(&config());
    for path in ["etag", "lm"] {
        let src = source(path, &format!("http://{addr}/{path}"));
        let first = expect_fetched(fetcher.fetch(&src, &Validators::default()).await);
        let expected = if path == "etag" {
            Validators {
                etag: Some("\"v1-abc\"".into()),
                last_modified: None,
            }
        } else {
            Validators {
                etag: None,
                last_modified: Some("Tue, 03 Jun 2025 05:29:48 GMT".into()),
            }
        };
        assert_eq!(first.validators, expected);
        match fetcher.fetch(&src, &first.validators).await {
            FetchOutcome::NotModified(meta) => assert_eq!(meta.status, Some(304)),
            other => panic!("{path}: expected 304, got {other:?}"),
        }
    }
    assert_eq!(
        *seen.lock().unwrap(),
        vec![
            ("etag".to_string(), String::new()),
            ("etag".to_string(), "\"v1-abc\"".to_string()),
            ("lm".to_string(), String::new()),
            (
                "lm".to_string(),
                "Tue, 03 Jun 2025 05:29:48 GMT".to_string()
            ),
        ]
    );
}

#[tokio::test]
async fn connection_refused_is_an_error() {
    // Bind then drop: the port is closed.
    let addr = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let mut cfg = config();
    cfg.fetch.retries = 0;
    let (message, meta) = expect_failed(
        fetcher(&cfg)
            .fetch(
                &source("closed", &format!("http://{addr}/")),
                &Validators::default(),
            )
            .await,
    );
    assert!(
        message.starts_with(&format!("http://{addr}/: cannot connect: ")),
        "{message}"
    );
    assert!(message.contains("refused"), "{message}");
    assert_eq!(meta.status, None);
}

#[tokio::test]
async fn identity_headers_and_user_agent_override() {
    let app = Router::new().route(
        "/echo",
        get(|h: HeaderMap| async move {
            let get = |n: header::HeaderName| {
                h.get(n)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("")
                    .to_string()
            };
            format!(
                "{}\n{}\n{}",
                get(header::USER_AGENT),
                get(header::ACCEPT_ENCODING),
                get(header::ACCEPT)
            )
        }),
    );
    let addr = serve(app).await;
    let src = source("echo", &format!("http://{addr}/echo"));
    let mut cfg = config();
    cfg.site.base_url = Url::parse("https://feeds.example.vn/").unwrap();
    let f = expect_fetched(fetcher(&cfg).fetch(&src, &Validators::default()).await);
    let text = String::from_utf8(f.body).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        format!(
            "feedmill/{} (+https://feeds.example.vn/)",
            env!("CARGO_PKG_VERSION")
        )
    );
    assert_eq!(lines[1], "gzip, deflate, br");
    assert!(
        lines[2].starts_with("application/rss+xml, application/atom+xml"),
        "{}",
        lines[2]
    );
    cfg.fetch.user_agent = Some("MyBot/2.0".into());
    let f = expect_fetched(fetcher(&cfg).fetch(&src, &Validators::default()).await);
    assert!(String::from_utf8(f.body)
        .unwrap()
        .starts_with("MyBot/2.0\n"));
}

#[tokio::test]
async fn local_files_are_read_and_missing_ones_named() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tin.xml");
    std::fs::write(&path, rss("file", 1)).unwrap();
    let fetcher = fetcher(&config());
    let mut src = source("file", "http://unused/");
    src.url = feedmill::config::SourceUrl::File(path.clone());
    let f = expect_fetched(fetcher.fetch(&src, &Validators::default()).await);
    assert_eq!(f.body, rss("file", 1).into_bytes());
    assert_eq!(f.final_url, Url::from_file_path(&path).unwrap());
    let missing = dir.path().join("không-có.xml");
    src.url = feedmill::config::SourceUrl::File(missing.clone());
    let (message, _) = expect_failed(fetcher.fetch(&src, &Validators::default()).await);
    assert_eq!(
        message,
        format!(
            "cannot read {}: No such file or directory (os error 2)",
            missing.display()
        )
    );
}

#[tokio::test]
async fn an_unchanged_local_file_is_answered_like_a_304_without_being_read() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tin.xml");
    std::fs::write(&path, rss("file", 1)).unwrap();
    let fetcher = fetcher(&config());
    let mut src = source("file", "http://unused/");
    src.url = feedmill::config::SourceUrl::File(path.clone());
    let first = expect_fetched(fetcher.fetch(&src, &Validators::default()).await);
    let tag = first
        .validators
        .etag
        .clone()
        .expect("a file gets an entity tag");
    assert!(first.validators.last_modified.is_some());
    // The same file: not read again.
    match fetcher.fetch(&src, &first.validators).await {
        FetchOutcome::NotModified(_) => {}
        other => panic!("expected not modified, got {other:?}"),
    }
    // Rewritten with bytes of the same length: a new tag, read again.
    std::thread::sleep(std::time::Duration::from_millis(20));
    std::fs::write(&path, rss("fill", 1)).unwrap();
    let second = expect_fetched(fetcher.fetch(&src, &first.validators).await);
    assert_eq!(second.body, rss("fill", 1).into_bytes());
    assert_ne!(second.validators.etag.as_deref(), Some(tag.as_str()));
    // Replaced by another file (a new inode) of the same bytes: read again too.
    let other = dir.path().join("moi.xml");
    std::fs::write(&other, rss("fill", 1)).unwrap();
    std::fs::rename(&other, &path).unwrap();
    expect_fetched(fetcher.fetch(&src, &second.validators).await);
    // Validators of another kind (an HTTP ETag) never match a file.
    let http = Validators {
        etag: Some("\"abc\"".into()),
        last_modified: None,
    };
    expect_fetched(fetcher.fetch(&src, &http).await);
}

#[tokio::test]
async fn fetch_url_serves_the_scraper_with_html_accept() {
    let app = Router::new().route(
        "/article",
        get(|h: HeaderMap| async move {
            h.get(header::ACCEPT)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_string()
        }),
    );
    let addr = serve(app).await;
    let url = Url::parse(&format!("http://{addr}/article")).unwrap();
    let opts = FetchOptions {
        accept: Some(feedmill::fetch::ACCEPT_HTML.into()),
        ..FetchOptions::default()
    };
    let f = expect_fetched(
        fetcher(&config())
            .fetch_url(&url, &Validators::default(), &opts)
            .await,
    );
    assert_eq!(f.body, feedmill::fetch::ACCEPT_HTML.as_bytes());
    let (message, _) = expect_failed(
        fetcher(&config())
            .fetch_url(
                &Url::parse("ftp://x/y").unwrap(),
                &Validators::default(),
                &opts,
            )
            .await,
    );
    assert_eq!(
        message,
        "ftp://x/y: unsupported scheme \"ftp\" (http, https or file)"
    );
}

#[tokio::test]
async fn unusable_stored_validators_fall_back_to_a_plain_get() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let addr = serve(conditional_app(seen.clone())).await;
    let broken = Validators {
        etag: Some("\"v1\nabc\"".into()),
        last_modified: None,
    };
    let f = expect_fetched(
        fetcher(&config())
            .fetch(&source("etag", &format!("http://{addr}/etag")), &broken)
            .await,
    );
    assert_eq!(f.body, rss("e", 1).into_bytes());
    assert_eq!(
        *seen.lock().unwrap(),
        vec![("etag".to_string(), String::new())]
    );
}

#[tokio::test]
async fn request_timeout_408_is_retried() {
    let hits = counter();
    let h = hits.clone();
    let app = Router::new().route(
        "/feed",
        get(move || {
            let n = h.fetch_add(1, Ordering::SeqCst) + 1;
            async move {
                if n < 3 {
                    (StatusCode::REQUEST_TIMEOUT, "again").into_response()
                } else {
                    rss("third", 1).into_response()
                }
            }
        }),
    );
    let addr = serve(app).await;
    let f = expect_fetched(
        fetcher(&config())
            .fetch(
                &source("t", &format!("http://{addr}/feed")),
                &Validators::default(),
            )
            .await,
    );
    assert_eq!(f.body, rss("third", 1).into_bytes());
    assert_eq!(hits.load(Ordering::SeqCst), 3);
    assert_eq!(f.meta.notes.len(), 2);
    assert!(f.meta.notes[1].starts_with("attempt 2 of 3 failed (HTTP 408 Request Timeout)"));
}
