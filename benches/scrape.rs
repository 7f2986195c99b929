//! Scrape benchmark: the example news site (examples/site/) served on 127.0.0.1, scraped
//! through full builds with the per-host limit at 2. Prints articles per second, against a
//! baseline measured in the same run: fetching the same pages through the same fetcher,
//! without parsing them.
//!
//! `cargo bench --bench scrape` (FEEDMILL_BENCH_ROUNDS sets the number of builds).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Instant;

use axum::extract::Path;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use feedmill::config::Config;
use feedmill::fetch::{FetchOptions, FetchOutcome, Fetcher, Validators};
use feedmill::pipeline::{build, BuildOptions};

fn site() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples/site")
}

async fn page(Path(name): Path<String>) -> impl IntoResponse {
    match std::fs::read(site().join(&name)) {
        Ok(body) if !name.contains("..") => {
            ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], body).into_response()
        }
        _ => axum::http::StatusCode::NOT_FOUND.into_response(),
    }
}

async fn serve() -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, Router::new().route("/{name}", get(page))).await;
    });
    addr
}

fn main() {
    let rounds: usize = std::env::var("FEEDMILL_BENCH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let addr = rt.block_on(serve());
    let tmp = tempfile::tempdir().unwrap();
    let source = std::fs::read_to_string(site().join("source.toml"))
        .unwrap()
        .replace(
            "url = \"examples/site/index.html\"",
            &format!("url = \"http://{addr}/index.html\""),
        );
    let text = format!(
        "[site]\ntitle = \"Bench\"\nbase_url = \"https://feeds.example.vn/\"\ntimezone = \"Asia/Ho_Chi_Minh\"\n\n[fetch]\nper_host = 2\n\n{source}"
    );
    let path = tmp.path().join("feeds.toml");
    std::fs::write(&path, text).unwrap();
    let cfg = Config::load(&path).unwrap_or_else(|e| panic!("{e:?}"));

    // Baseline: the five pages a scrape reads (two listing pages, three articles), fetched
    // through the same fetcher two at a time, not parsed.
    let pages = [
        "index.html",
        "page2.html",
        "luc-yen-nang-cao-suc-chien-dau-cua-to-chuc-dang-o-co-so.html",
        "luong-thinh-xay-dung-dang-gan-voi-phat-trien-kinh-te-xa-hoi.html",
        "hong-ca-chu-trong-cong-tac-phat-trien-dang.html",
    ];
    let fetcher = Fetcher::new(&cfg).unwrap();
    let opts = FetchOptions::default();
    let t = Instant::now();
    rt.block_on(async {
        for _ in 0..rounds {
            for pair in pages.chunks(2) {
                let gets = pair.iter().map(|p| {
                    let url = url::Url::parse(&format!("http://{addr}/{p}")).unwrap();
                    let fetcher = fetcher.clone();
                    let opts = opts.clone();
                    async move { fetcher.fetch_url(&url, &Validators::default(), &opts).await }
                });
                for o in futures_util::future::join_all(gets).await {
                    assert!(matches!(o, FetchOutcome::Fetched(_)));
                }
            }
        }
    });
    let baseline = t.elapsed();
    let fetch_rate = (rounds * pages.len()) as f64 / baseline.as_secs_f64();
    println!(
        "baseline  fetch only: {} pages in {baseline:.2?} = {fetch_rate:.0} pages/s",
        rounds * pages.len()
    );

    // The scrape stage alone: listing, next page and article pages through the fetcher
    // (per-host limit 2), extracted and normalized.
    let source = &cfg.sources[0];
    let normalizer = feedmill::normalize::Normalizer::new(&cfg);
    let t = Instant::now();
    let mut scraped = 0;
    rt.block_on(async {
        for _ in 0..rounds {
            let pages = feedmill::pipeline::pages::FetcherPages::new(
                fetcher.clone(),
                source,
                cfg.fetch.per_host,
            );
            let outcome = feedmill::scrape::scrape_source(source, &pages, &cfg.limits)
                .await
                .unwrap();
            let mut warnings = Vec::new();
            scraped += outcome
                .articles
                .into_iter()
                .filter_map(|raw| normalizer.article(raw, source, &mut warnings))
                .count();
        }
    });
    let took = t.elapsed();
    println!(
        "scrape stage: {scraped} articles in {took:.2?} = {:.0} articles/s ({:.0} pages/s, {:.2}x the baseline's time per page)",
        scraped as f64 / took.as_secs_f64(),
        (rounds * pages.len()) as f64 / took.as_secs_f64(),
        took.as_secs_f64() / baseline.as_secs_f64()
    );

    let opts = BuildOptions {
        out_dir: Some(tmp.path().join("public")),
        ..BuildOptions::default()
    };
    let t = Instant::now();
    let mut articles = 0;
    for _ in 0..rounds {
        let report = rt.block_on(build(&cfg, &opts)).unwrap();
        assert_eq!(report.sources[0].articles, 3, "{:?}", report.sources[0]);
        articles += report.sources[0].items;
    }
    let took = t.elapsed();
    println!(
        "full builds (scrape + emit + state): {rounds} builds, {articles} articles in {took:.2?} = {:.0} articles/s ({:.0} pages/s, {:.2}x the baseline's time per page)",
        articles as f64 / took.as_secs_f64(),
        (rounds * pages.len()) as f64 / took.as_secs_f64(),
        took.as_secs_f64() / baseline.as_secs_f64()
    );
}
