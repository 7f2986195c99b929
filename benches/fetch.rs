//! Fetch benchmark: one loopback server (listening on ten loopback addresses, so the
//! per-host limit works as it would across many publishers) serves 1,000 feeds of 50
//! items each, gzip-compressed; `Fetcher::fetch_all` fetches them all with the default
//! `[fetch]` settings. Prints wall time, sources per second and peak memory (VmHWM).
//!
//! `cargo bench --bench fetch` (add `-- --one-host` to put every feed on one host, where
//! the per-host limit of 2 is the bottleneck by design).

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use axum::http::header;
use axum::routing::get;
use axum::Router;
use feedmill::config::{Config, Source, SourceUrl};
use feedmill::fetch::{FetchOutcome, Fetcher};
use url::Url;

const FEEDS: usize = 1000;
const ITEMS: usize = 50;

fn feed(n: usize) -> String {
    let mut s = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\"><channel>\
         <title>Nguồn {n}</title><link>http://example.vn/{n}/</link><description>Tin Yên Bái\
         </description>"
    );
    for i in 0..ITEMS {
        s.push_str(&format!(
            "<item><title>Tin số {i} của nguồn {n}: Lục Yên giao nhiệm vụ khoán sản phẩm\
             </title><link>http://example.vn/{n}/{i}.html</link><guid>http://example.vn/{n}/{i}\
             </guid><pubDate>Tue, 03 Jun 2025 05:{:02}:48 +0700</pubDate><category>Lục Yên\
             </category><description>Ngày 3/6, Huyện ủy Lục Yên tổ chức hội nghị giao nhiệm \
             vụ khoán sản phẩm năm 2025 cho bài {i} của nguồn {n}.</description></item>",
            i % 60
        ));
    }
    s.push_str("</channel></rss>");
    s
}

fn gzip(text: &str) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    let _ = gz.write_all(text.as_bytes());
    gz.finish().unwrap_or_default()
}

fn peak_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kib| kib / 1024.0)
}

fn source(n: usize, host: &str) -> Option<Source> {
    let url = Url::parse(&format!("http://{host}/feed/{n}.xml")).ok()?;
    Some(Source::feed(&format!("nguon-{n}"), SourceUrl::Http(url)))
}

#[tokio::main]
async fn main() {
    let one_host = std::env::args().any(|a| a == "--one-host");
    let bodies: Arc<Vec<Vec<u8>>> = Arc::new((0..FEEDS).map(|n| gzip(&feed(n))).collect());
    let plain_lens: Vec<usize> = (0..FEEDS).map(|n| feed(n).len()).collect();
    let plain_bytes = plain_lens.iter().sum::<usize>() / FEEDS;
    let app = Router::new().route(
        "/feed/{file}",
        get(
            move |axum::extract::Path(file): axum::extract::Path<String>| {
                let bodies = bodies.clone();
                async move {
                    let n: usize = file.trim_end_matches(".xml").parse().unwrap_or(0);
                    let body = bodies.get(n).cloned().unwrap_or_default();
                    (
                        [
                            (header::CONTENT_TYPE, "application/rss+xml; charset=utf-8"),
                            (header::CONTENT_ENCODING, "gzip"),
                        ],
                        body,
                    )
                }
            },
        ),
    );
    let hosts = if one_host { 1 } else { 10 };
    let mut addrs = Vec::new();
    for h in 1..=hosts {
        let listener = match tokio::net::TcpListener::bind((format!("127.0.0.{h}"), 0)).await {
            Ok(l) => l,
            Err(e) => {
                eprintln!("cannot bind 127.0.0.{h}: {e}");
                return;
            }
        };
        addrs.push(
            listener
                .local_addr()
                .map(|a| a.to_string())
                .unwrap_or_default(),
        );
        let app = app.clone();
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
    }
    let sources: Vec<Source> = (0..FEEDS)
        .filter_map(|n| source(n, &addrs[n % addrs.len()]))
        .collect();
    let cfg = Config::minimal(Path::new("/tmp"));
    let fetcher = match Fetcher::new(&cfg) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("{e}");
            return;
        }
    };
    let before = peak_rss_mib();
    let start = Instant::now();
    let results = fetcher.fetch_all(&sources, &HashMap::new(), false).await;
    let wall = start.elapsed().as_secs_f64();
    let ok = results
        .iter()
        .zip(&plain_lens)
        .filter(|((_, o), len)| matches!(o, FetchOutcome::Fetched(f) if f.body.len() == **len))
        .count();
    let bytes: u64 = results
        .iter()
        .map(|(_, o)| match o {
            FetchOutcome::Fetched(f) => f.meta.bytes,
            _ => 0,
        })
        .sum();
    println!(
        "fetch_all: {FEEDS} feeds × {ITEMS} items ({} KiB each, gzip) on {hosts} loopback host(s), \
         concurrency {} per_host {}",
        plain_bytes / 1024,
        cfg.fetch.concurrency,
        cfg.fetch.per_host
    );
    println!(
        "  {ok}/{FEEDS} fetched, {:.1} MiB decoded, wall {wall:.3} s, {:.0} sources/s",
        bytes as f64 / 1048576.0,
        FEEDS as f64 / wall
    );
    println!(
        "  peak memory (VmHWM): {:.1} MiB before fetching (server + bodies), {:.1} MiB after",
        before,
        peak_rss_mib()
    );

    // The same sources through a whole `feedmill build`: fetch, read, normalize, dedup and
    // write every feed, against fetch_all above as the baseline.
    let tmp = match tempfile::tempdir() {
        Ok(t) => t,
        Err(e) => {
            eprintln!("{e}");
            return;
        }
    };
    let mut cfg = Config::minimal(tmp.path());
    cfg.sources = sources;
    let start = Instant::now();
    match feedmill::pipeline::build(&cfg, &feedmill::pipeline::BuildOptions::default()).await {
        Ok(report) => {
            let wall_build = start.elapsed().as_secs_f64();
            let ok = report
                .sources
                .iter()
                .filter(|s| s.status == feedmill::pipeline::SourceStatus::Ok)
                .count();
            println!(
                "build: {ok}/{FEEDS} sources ok, {} articles, {} feeds, wall {wall_build:.3} s, {:.0} sources/s \
                 ({:.1}x fetch_all's time); peak memory (VmHWM) {:.1} MiB",
                report.articles,
                report.feeds,
                FEEDS as f64 / wall_build,
                wall_build / wall,
                peak_rss_mib()
            );
        }
        Err(e) => eprintln!("build failed: {e}"),
    }
}
