//! Response bodies against servers on 127.0.0.1: decoding, the size cap, charset
//! pass-through, a connection reset mid-body.

mod support;

use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::header;
use axum::routing::get;
use axum::Router;
use feedmill::fetch::Validators;
use futures_util::StreamExt;
use support::{config, expect_failed, expect_fetched, fetcher, rss, serve, serve_raw, source};
use tokio::io::AsyncWriteExt;

const CAP: u64 = 16 * 1024 * 1024;

/// Counts requests or chunks.
fn counter() -> Arc<AtomicUsize> {
    Arc::new(AtomicUsize::new(0))
}

#[tokio::test]
async fn connection_reset_mid_body_is_an_error() {
    let conns = counter();
    let c = conns.clone();
    let addr = serve_raw(move |mut s| {
        c.fetch_add(1, Ordering::SeqCst);
        async move {
            let _ = s
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n<rss>")
                .await;
            let _ = s.write_all(&[b' '; 2000]).await;
            let _ = s.flush().await;
            tokio::time::sleep(Duration::from_millis(50)).await;
            // Linger 0: close with RST instead of FIN. Deprecated because a non-zero linger
            // blocks on drop; a zero linger does not.
            #[allow(deprecated)]
            let _ = s.set_linger(Some(Duration::ZERO));
            drop(s);
        }
    })
    .await;
    let mut cfg = config();
    cfg.fetch.retries = 1;
    let (message, _) = expect_failed(
        fetcher(&cfg)
            .fetch(
                &source("reset", &format!("http://{addr}/feed")),
                &Validators::default(),
            )
            .await,
    );
    assert!(
        message.starts_with(&format!(
            "http://{addr}/feed: connection error while reading the body: "
        )),
        "{message}"
    );
    assert!(message.to_lowercase().contains("reset"), "{message}");
    assert!(message.ends_with("(gave up after 2 attempts)"), "{message}");
    assert_eq!(conns.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn content_type_charset_is_passed_through() {
    let app = Router::new().route(
        "/feed",
        get(|| async {
            (
                [(
                    header::CONTENT_TYPE,
                    "application/rss+xml; charset=windows-1258",
                )],
                rss("cs", 1),
            )
        }),
    );
    let addr = serve(app).await;
    let f = expect_fetched(
        fetcher(&config())
            .fetch(
                &source("cs", &format!("http://{addr}/feed")),
                &Validators::default(),
            )
            .await,
    );
    assert_eq!(
        f.content_type.as_deref(),
        Some("application/rss+xml; charset=windows-1258")
    );
}

#[tokio::test]
async fn compressed_bodies_are_decoded() {
    let text = rss("nén", 20);
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(text.as_bytes()).unwrap();
    let gz = gz.finish().unwrap();
    let mut zl = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    zl.write_all(text.as_bytes()).unwrap();
    let zl = zl.finish().unwrap();
    let mut br = Vec::new();
    {
        let mut w = brotli::CompressorWriter::new(&mut br, 4096, 5, 22);
        w.write_all(text.as_bytes()).unwrap();
    }
    let app = Router::new()
        .route(
            "/gz",
            get(move || async move { ([(header::CONTENT_ENCODING, "gzip")], gz) }),
        )
        .route(
            "/zl",
            get(move || async move { ([(header::CONTENT_ENCODING, "deflate")], zl) }),
        )
        .route(
            "/br",
            get(move || async move { ([(header::CONTENT_ENCODING, "br")], br) }),
        )
        .route(
            "/zstd",
            get(|| async { ([(header::CONTENT_ENCODING, "zstd")], "whatever") }),
        );
    let addr = serve(app).await;
    let fetcher = fetcher(&config());
    for path in ["gz", "zl", "br"] {
        let url = format!("http://{addr}/{path}");
        let f = expect_fetched(
            fetcher
                .fetch(&source(path, &url), &Validators::default())
                .await,
        );
        assert_eq!(f.body, text.as_bytes(), "{path}");
        assert_eq!(f.meta.bytes, text.len() as u64, "{path}");
    }
    let (message, _) = expect_failed(
        fetcher
            .fetch(
                &source("zstd", &format!("http://{addr}/zstd")),
                &Validators::default(),
            )
            .await,
    );
    assert_eq!(
        message,
        format!("http://{addr}/zstd: unsupported Content-Encoding \"zstd\"")
    );
}

/// 100 MB of zeros in 64 KiB chunks; counts the chunks the server managed to hand over.
fn hundred_mb(sent: Arc<AtomicUsize>) -> Body {
    let chunk = axum::body::Bytes::from(vec![0u8; 64 * 1024]);
    let stream = futures_util::stream::iter(0..1600).map(move |_| {
        sent.fetch_add(1, Ordering::SeqCst);
        Ok::<_, std::io::Error>(chunk.clone())
    });
    Body::from_stream(stream)
}

#[tokio::test]
async fn hundred_megabyte_body_is_capped() {
    let sent = counter();
    let (s1, s2) = (sent.clone(), sent.clone());
    let app = Router::new()
        .route(
            "/chunked",
            get(move || async move { hundred_mb(s1.clone()) }),
        )
        .route(
            "/sized",
            get(move || async move {
                (
                    [(header::CONTENT_LENGTH, "104857600")],
                    hundred_mb(s2.clone()),
                )
            }),
        );
    let addr = serve(app).await;
    let fetcher = fetcher(&config());
    let (message, meta) = expect_failed(
        fetcher
            .fetch(
                &source("big", &format!("http://{addr}/chunked")),
                &Validators::default(),
            )
            .await,
    );
    assert_eq!(
        message,
        format!("http://{addr}/chunked: body exceeds 16 MiB cap")
    );
    assert_eq!(meta.bytes, CAP);
    tokio::time::sleep(Duration::from_millis(200)).await;
    let chunks = sent.load(Ordering::SeqCst);
    assert!(
        chunks < 800,
        "server handed over {chunks} chunks of 64 KiB: not stopped"
    );

    let (message, _) = expect_failed(
        fetcher
            .fetch(
                &source("sized", &format!("http://{addr}/sized")),
                &Validators::default(),
            )
            .await,
    );
    assert_eq!(
        message,
        format!("http://{addr}/sized: body (Content-Length 104857600) exceeds 16 MiB cap")
    );
}
