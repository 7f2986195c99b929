//! Local test servers and configs for the fetch tests. Every server listens on a loopback
//! address and is started by the test that uses it; nothing touches the internet.
#![allow(dead_code)] // each test binary uses a different subset

use std::future::Future;
use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use feedmill::config::{Config, Source, SourceUrl};
use feedmill::fetch::{FetchOutcome, Fetched, Fetcher};
use tokio::io::AsyncReadExt;
use tokio::net::{TcpListener, TcpStream};
use url::Url;

/// A config with every default, short timeouts and one retry: tests stay fast.
pub fn config() -> Config {
    let mut cfg = Config::minimal(Path::new("/nonexistent-feedmill-test"));
    cfg.fetch.connect_timeout = Duration::from_secs(2);
    cfg.fetch.timeout = Duration::from_secs(5);
    cfg.fetch.retries = 2;
    cfg
}

/// A fetcher for `cfg` with a 20 ms backoff base.
pub fn fetcher(cfg: &Config) -> Fetcher {
    Fetcher::new(cfg)
        .expect("fetcher builds")
        .with_backoff(Duration::from_millis(20))
}

/// An http(s) feed source named `name`.
pub fn source(name: &str, url: &str) -> Source {
    Source::feed(name, SourceUrl::Http(Url::parse(url).expect("test URL")))
}

/// Serves `router` on `ip`:0 in the background; returns the address.
pub async fn serve_on(ip: &str, router: axum::Router) -> SocketAddr {
    let listener = TcpListener::bind((ip, 0)).await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    addr
}

/// Serves `router` on 127.0.0.1.
pub async fn serve(router: axum::Router) -> SocketAddr {
    serve_on("127.0.0.1", router).await
}

/// A raw TCP server on 127.0.0.1 for behaviours axum will not produce (dripping, resets):
/// `handle` gets each connection after its request head has been read.
pub async fn serve_raw<F, Fut>(handle: F) -> SocketAddr
where
    F: Fn(TcpStream) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let listener = TcpListener::bind(("127.0.0.1", 0)).await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let mut head = Vec::new();
            let mut byte = [0u8; 1];
            while !head.ends_with(b"\r\n\r\n") {
                match stream.read(&mut byte).await {
                    Ok(1) => head.push(byte[0]),
                    _ => break,
                }
            }
            tokio::spawn(handle(stream));
        }
    });
    addr
}

/// The body, or a panic naming the failure (tests only).
pub fn expect_fetched(outcome: FetchOutcome) -> Fetched {
    match outcome {
        FetchOutcome::Fetched(f) => f,
        FetchOutcome::NotModified(m) => panic!("expected a body, got 304: {m:?}"),
        FetchOutcome::Failed { message, .. } => panic!("expected a body, got: {message}"),
    }
}

/// The failure message and meta, or a panic (tests only).
pub fn expect_failed(outcome: FetchOutcome) -> (String, feedmill::fetch::FetchMeta) {
    match outcome {
        FetchOutcome::Failed { message, meta } => (message, meta),
        FetchOutcome::Fetched(f) => panic!("expected a failure, got {} bytes", f.body.len()),
        FetchOutcome::NotModified(m) => panic!("expected a failure, got 304: {m:?}"),
    }
}

/// A small RSS document with `n` items.
pub fn rss(title: &str, n: usize) -> String {
    let mut s = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\"><channel>\
         <title>{title}</title><link>http://example.vn/</link><description>d</description>"
    );
    for i in 0..n {
        s.push_str(&format!(
            "<item><title>Tin số {i} — Lục Yên</title><link>http://example.vn/{title}/{i}</link>\
             <guid>http://example.vn/{title}/{i}</guid>\
             <pubDate>Tue, 03 Jun 2025 05:29:48 +0700</pubDate>\
             <description>Nội dung bài {i} ở Yên Bái.</description></item>"
        ));
    }
    s.push_str("</channel></rss>");
    s
}

/// Peak resident memory of this process so far (`VmHWM`), in bytes.
pub fn peak_rss() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kib| kib * 1024)
}
