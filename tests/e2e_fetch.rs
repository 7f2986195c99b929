//! Hostile servers at the build level: one healthy source and one source per bad behaviour,
//! all served from 127.0.0.1. A first build reads every source; then each hostile source
//! turns bad, and the second build must finish, keep the healthy source's articles, keep
//! every failing source's last good articles, and report each source as it fared.

mod support;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use feedmill::config::Config;
use feedmill::pipeline::{build, BuildOptions, BuildReport, SourceStatus};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// Shared between the test and its server: which phase we are in, and what was asked.
struct World {
    hostile: AtomicBool,
    /// Requests seen per path, with their `If-None-Match`.
    seen: Mutex<HashMap<String, Vec<Option<String>>>>,
    /// 256 MiB of zeros, gzipped to about 250 KB: far past the 1 MiB cap once inflated.
    bomb: Vec<u8>,
}

fn gzip_bomb() -> Vec<u8> {
    use std::io::Write;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..256 {
        gz.write_all(&zeros).unwrap();
    }
    gz.finish().unwrap()
}

fn feed(name: &str) -> Vec<u8> {
    support::rss(name, 2).into_bytes()
}

async fn respond(mut s: TcpStream, status: &str, headers: &[(&str, String)], body: &[u8]) {
    let mut head = format!(
        "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    let _ = s.write_all(head.as_bytes()).await;
    let _ = s.write_all(body).await;
    let _ = s.shutdown().await;
}

async fn handle(mut s: TcpStream, world: Arc<World>) {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        match s.read(&mut byte).await {
            Ok(1) => head.push(byte[0]),
            _ => return,
        }
    }
    let head = String::from_utf8_lossy(&head).to_string();
    let path = head.split_whitespace().nth(1).unwrap_or("/").to_string();
    let inm = head.lines().find_map(|l| {
        l.to_ascii_lowercase()
            .strip_prefix("if-none-match:")
            .map(|v| v.trim().to_string())
    });
    let count = {
        let mut seen = world.seen.lock().unwrap();
        let list = seen.entry(path.clone()).or_default();
        list.push(inm.clone());
        list.len()
    };
    let rss = ("Content-Type", "application/rss+xml".to_string());
    let name = path.trim_start_matches('/').to_string();
    if !world.hostile.load(Ordering::SeqCst) {
        let etag = ("ETag", "\"v1\"".to_string());
        return respond(s, "200 OK", &[rss, etag], &feed(&name)).await;
    }
    match name.as_str() {
        "healthy" => respond(s, "200 OK", &[rss], &feed("healthy-2")).await,
        "drip" => {
            let _ = s
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n<rss")
                .await;
            for _ in 0..20 {
                tokio::time::sleep(std::time::Duration::from_millis(500)).await;
                if s.write_all(b" ").await.is_err() {
                    return;
                }
            }
        }
        // Fails once with 500, then answers: a retry reads it.
        "flaky" if count % 2 == 0 => respond(s, "500 Internal Server Error", &[], b"oops").await,
        "flaky" => respond(s, "200 OK", &[rss], &feed("flaky-2")).await,
        "ratelimited" if count % 2 == 0 => {
            respond(
                s,
                "429 Too Many Requests",
                &[("Retry-After", "1".into())],
                b"slow down",
            )
            .await
        }
        "ratelimited" => respond(s, "200 OK", &[rss], &feed("ratelimited-2")).await,
        "gone" => respond(s, "404 Not Found", &[], b"no").await,
        "loop" => respond(s, "302 Found", &[("Location", "/loop".into())], b"").await,
        "moved" => {
            respond(
                s,
                "301 Moved Permanently",
                &[("Location", "/moved-here".into())],
                b"",
            )
            .await
        }
        "moved-here" => respond(s, "200 OK", &[rss], &feed("moved-2")).await,
        "reset" => {
            let body = feed("reset-2");
            let head = format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n", body.len());
            let _ = s.write_all(head.as_bytes()).await;
            let _ = s.write_all(&body[..body.len() / 2]).await;
            let _ = s.flush().await;
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            // Linger 0: close with RST instead of FIN (a zero linger never blocks on drop).
            #[allow(deprecated)]
            let _ = s.set_linger(Some(std::time::Duration::ZERO));
            drop(s);
        }
        "huge" => {
            let _ = s
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\n\r\n<rss>")
                .await;
            let chunk = vec![b' '; 1 << 20];
            for _ in 0..100 {
                if s.write_all(&chunk).await.is_err() {
                    return;
                }
            }
        }
        "bomb" => {
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\nContent-Encoding: gzip\r\nContent-Length: {}\r\n\r\n",
                world.bomb.len()
            );
            let _ = s.write_all(head.as_bytes()).await;
            let _ = s.write_all(&world.bomb).await;
        }
        "etag" if inm.as_deref() == Some("\"v1\"") => {
            respond(s, "304 Not Modified", &[], b"").await
        }
        "etag" => respond(s, "200 OK", &[rss], &feed("etag-2")).await,
        // The header says windows-1252, the XML declaration says UTF-8: the bytes are
        // windows-1252, and the header must win.
        "charset" => {
            let mut body = b"<?xml version=\"1.0\" encoding=\"UTF-8\"?><rss version=\"2.0\"><channel><title>c</title><link>http://example.vn/</link><description>d</description><item><title>Caf".to_vec();
            body.push(0xE9);
            body.extend_from_slice(b" Y\xEAn B\xE1i</title><link>http://example.vn/charset/cafe</link></item></channel></rss>");
            respond(
                s,
                "200 OK",
                &[(
                    "Content-Type",
                    "application/rss+xml; charset=windows-1252".into(),
                )],
                &body,
            )
            .await
        }
        "not-a-feed" => {
            let html = b"<html><head><link rel=\"alternate\" type=\"application/rss+xml\" href=\"/rss\"></head></html>";
            respond(s, "200 OK", &[("Content-Type", "text/html".into())], html).await
        }
        _ => respond(s, "404 Not Found", &[], b"").await,
    }
}

async fn serve(world: Arc<World>) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((s, _)) = listener.accept().await {
            tokio::spawn(handle(s, world.clone()));
        }
    });
    addr
}

const SOURCES: [&str; 13] = [
    "healthy",
    "bomb",
    "drip",
    "flaky",
    "ratelimited",
    "gone",
    "loop",
    "moved",
    "reset",
    "huge",
    "etag",
    "charset",
    "not-a-feed",
];

fn config(dir: &Path, addr: SocketAddr) -> Config {
    let mut text = String::from(
        "[site]\ntitle = \"T\"\nbase_url = \"https://feeds.example.vn/\"\n\n[fetch]\nper_host = 16\ntimeout = \"2s\"\nretries = 1\nmax_bytes = \"1MiB\"\n\n",
    );
    for s in SOURCES {
        text.push_str(&format!(
            "[[source]]\nname = \"{s}\"\nurl = \"http://{addr}/{s}\"\n\n"
        ));
    }
    let path = dir.join("feeds.toml");
    std::fs::write(&path, text).unwrap();
    Config::load(&path).unwrap_or_else(|e| panic!("{e:?}"))
}

fn titles(cfg: &Config) -> Vec<String> {
    let bytes = std::fs::read(cfg.site.output_dir.join("other-news/rss.xml")).unwrap();
    let feed = feed_rs::parser::parse(&bytes[..]).unwrap();
    feed.entries
        .iter()
        .map(|e| e.links[0].href.clone())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_hostile_server_leaves_the_build_whole() {
    let world = Arc::new(World {
        hostile: AtomicBool::new(false),
        seen: Mutex::default(),
        bomb: gzip_bomb(),
    });
    let addr = serve(world.clone()).await;
    let tmp = tempfile::tempdir().unwrap();
    let cfg = config(tmp.path(), addr);

    let first: BuildReport = build(&cfg, &BuildOptions::default()).await.unwrap();
    assert!(
        first.sources.iter().all(|s| s.status == SourceStatus::Ok),
        "{:#?}",
        first.sources
    );
    let before = titles(&cfg);
    assert_eq!(before.len(), SOURCES.len() * 2);

    world.hostile.store(true, Ordering::SeqCst);
    let started = std::time::Instant::now();
    let second = build(&cfg, &BuildOptions::default()).await.unwrap();
    // Every source at once within the limits: the slowest (drip, cut at 2 s) bounds it.
    assert!(
        started.elapsed() < std::time::Duration::from_secs(15),
        "{:?}",
        started.elapsed()
    );
    let by: HashMap<&str, _> = second
        .sources
        .iter()
        .map(|s| (s.name.as_str(), s))
        .collect();
    let status = |n: &str| by[n].status;
    let error = |n: &str| by[n].error.clone().unwrap_or_default();

    assert_eq!(status("healthy"), SourceStatus::Ok);
    assert_eq!(
        status("flaky"),
        SourceStatus::Ok,
        "500 then 200 is retried: {}",
        error("flaky")
    );
    assert_eq!(
        status("ratelimited"),
        SourceStatus::Ok,
        "429 + Retry-After: {}",
        error("ratelimited")
    );
    assert_eq!(status("moved"), SourceStatus::Ok);
    assert!(by["moved"]
        .fetch
        .permanent_redirect
        .as_deref()
        .unwrap_or_default()
        .ends_with("/moved-here"));
    assert_eq!(status("etag"), SourceStatus::NotModified);
    assert_eq!(
        world.seen.lock().unwrap()["/etag"][1].as_deref(),
        Some("\"v1\""),
        "the validator was sent"
    );
    assert_eq!(status("charset"), SourceStatus::Ok);
    for (name, why) in [
        ("drip", "tim"),
        ("gone", "404"),
        ("loop", "loop"),
        ("reset", "reset"),
        ("huge", "cap"),
        ("bomb", "cap"),
        ("not-a-feed", "/rss"),
    ] {
        assert_eq!(status(name), SourceStatus::Failed, "{name}: {:?}", by[name]);
        assert!(
            error(name).contains(why),
            "{name}: {:?} should mention {why:?}",
            error(name)
        );
        assert!(
            by[name].from_last_good && by[name].articles == 2,
            "{name} keeps its last good articles"
        );
        assert_eq!(by[name].consecutive_failures, 1);
    }

    let after = titles(&cfg);
    for failing in [
        "drip",
        "gone",
        "loop",
        "reset",
        "huge",
        "not-a-feed",
        "etag",
    ] {
        let kept = after
            .iter()
            .filter(|l| l.contains(&format!("/{failing}/")))
            .count();
        assert_eq!(
            kept, 2,
            "{failing}'s last good articles stay in the merged feed"
        );
    }
    for fresh in ["healthy-2", "flaky-2", "ratelimited-2", "moved-2"] {
        assert!(
            after.iter().any(|l| l.contains(&format!("/{fresh}/"))),
            "{fresh} was read: {after:?}"
        );
    }
    let merged = std::fs::read_to_string(cfg.site.output_dir.join("other-news/rss.xml")).unwrap();
    assert!(
        merged.contains("Café Yên Bái"),
        "the header charset wins over the XML declaration"
    );
}
