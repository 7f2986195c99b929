//! Full-text benchmark: a summary-only feed of 1,000 articles whose pages (the three
//! layouts of tests/data/sites/fulltext/, each page made distinct) are served from
//! 127.0.0.1, built with `full_text = true` and `per_host = 2`. Prints articles per second
//! and peak heap, against a baseline measured in the same run: the same 1,000 pages fetched
//! through the same fetcher two at a time, not parsed. Then the extraction's accuracy on
//! each test page and on the example site's article page: characters of the true body
//! recovered, and characters kept that are not the body (furniture).
//!
//! Last, what filters cost a build that changed nothing, on a store of 20,000 articles
//! (FEEDMILL_BENCH_STORED): no filter, a filter on tags (planned from article heads), and a
//! filter on titles (which reads every stored article's text).
//!
//! `cargo bench --bench fulltext` (FEEDMILL_BENCH_ARTICLES sets the number of articles).

use std::alloc::{GlobalAlloc, Layout, System};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;

use axum::extract::Path;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use feedmill::config::{Config, FullTextCfg, LimitsCfg};
use feedmill::enrich::extract::extract;
use feedmill::fetch::{FetchOptions, FetchOutcome, Fetcher, Validators};
use feedmill::pipeline::{build, BuildOptions};

/// Counts live heap bytes so the bench can report each phase's peak.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let now = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            if new_size >= layout.size() {
                let now = LIVE.fetch_add(new_size - layout.size(), Ordering::Relaxed) + new_size
                    - layout.size();
                PEAK.fetch_max(now, Ordering::Relaxed);
            } else {
                LIVE.fetch_sub(layout.size() - new_size, Ordering::Relaxed);
            }
        }
        p
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

/// Starts a phase: the peak is measured from the heap in use now.
fn peak_reset() -> usize {
    let live = LIVE.load(Ordering::Relaxed);
    PEAK.store(live, Ordering::Relaxed);
    live
}

fn peak_since(base: usize) -> f64 {
    PEAK.load(Ordering::Relaxed).saturating_sub(base) as f64 / 1e6
}

fn site() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/sites/fulltext")
}

const PAGES: [&str; 3] = ["bai-1", "bai-2", "bai-3"];

struct Served {
    pages: Vec<String>,
    feed: String,
}

async fn serve(n: usize) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let pages = PAGES
        .iter()
        .map(|p| std::fs::read_to_string(site().join(format!("{p}.html"))).unwrap())
        .collect();
    let mut feed = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><rss version=\"2.0\"><channel><title>Bench</title>",
    );
    for i in 0..n {
        feed.push_str(&format!(
            "<item><title>Bài số {i}</title><link>http://{addr}/a/{i}.html</link>\
             <guid>http://{addr}/a/{i}.html</guid><pubDate>Thu, 12 Jun 2025 09:15:00 +0700</pubDate>\
             <description>Tóm tắt bài số {i}.</description></item>"
        ));
    }
    feed.push_str("</channel></rss>");
    let served = Arc::new(Served { pages, feed });
    let (s1, s2) = (served.clone(), served);
    let router = Router::new()
        .route(
            "/feed.xml",
            get(move || {
                let s = s1.clone();
                async move {
                    (
                        [(header::CONTENT_TYPE, "application/rss+xml")],
                        s.feed.clone(),
                    )
                }
            }),
        )
        .route(
            "/a/{name}",
            get(move |Path(name): Path<String>| {
                let s = s2.clone();
                async move {
                    let i: usize = name.trim_end_matches(".html").parse().unwrap_or(0);
                    // Each page distinct, as a site's pages are.
                    let body = s.pages[i % s.pages.len()]
                        .replace("<title>", &format!("<title>Bài số {i}: "));
                    ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], body).into_response()
                }
            }),
        );
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    addr
}

/// Peak resident memory of the process so far (`VmHWM`), in MB: the allocator's count
/// includes reservations never touched (the fetcher reserves `max_bytes` for each body).
fn peak_rss() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kib| kib * 1024.0 / 1e6)
}

fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .unwrap_or_default()
        .split_whitespace()
        .take(3)
        .collect::<Vec<_>>()
        .join(" ")
}

/// Whitespace collapsed.
fn squash(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// (true body characters recovered, body characters, extracted characters not the body).
fn accuracy(extracted: &str, truth: &[String]) -> (usize, usize, usize) {
    let got = squash(&feedmill::normalize::text::plain_text(extracted));
    let total: usize = truth.iter().map(|p| p.chars().count()).sum();
    let recovered: usize = truth
        .iter()
        .filter(|p| got.contains(p.as_str()))
        .map(|p| p.chars().count())
        .sum();
    let mut rest = got.clone();
    for p in truth {
        rest = rest.replacen(p.as_str(), "", 1);
    }
    let furniture = rest.chars().filter(|c| !c.is_whitespace()).count();
    (recovered, total, furniture)
}

fn main() {
    let n: usize = std::env::var("FEEDMILL_BENCH_ARTICLES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000);
    println!("load average before: {}", loadavg());
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let addr = rt.block_on(serve(n));
    let tmp = tempfile::tempdir().unwrap();
    let text = format!(
        "[site]\ntitle = \"Bench\"\nbase_url = \"https://feeds.example.vn/\"\ntimezone = \"Asia/Ho_Chi_Minh\"\n\n\
         [fetch]\nper_host = 2\n\n[limits]\nitems_per_source = {n}\nstored_per_source = {n}\nfull_text_pages = {n}\n\n\
         [[source]]\nname = \"bench\"\nurl = \"http://{addr}/feed.xml\"\nfull_text = true\n"
    );
    let path = tmp.path().join("feeds.toml");
    std::fs::write(&path, text).unwrap();
    let cfg = Config::load(&path).unwrap_or_else(|e| panic!("{e:?}"));

    // Baseline: the same pages through the same fetcher, two at a time, not parsed.
    let fetcher = Fetcher::new(&cfg).unwrap();
    let opts = FetchOptions::default();
    // One fetch first, so the HTTP client's one-time set-up is not counted as the pages'.
    let warm = url::Url::parse(&format!("http://{addr}/a/0.html")).unwrap();
    rt.block_on(fetcher.fetch_url(&warm, &Validators::default(), &opts));
    let base = peak_reset();
    let t = Instant::now();
    rt.block_on(async {
        use futures_util::StreamExt;
        // Streamed, two in flight: the bodies are dropped as they arrive, as a build's are.
        let ok: Vec<bool> = futures_util::stream::iter(0..n)
            .map(|i| {
                let url = url::Url::parse(&format!("http://{addr}/a/{i}.html")).unwrap();
                let (fetcher, opts) = (fetcher.clone(), opts.clone());
                async move {
                    matches!(
                        fetcher.fetch_url(&url, &Validators::default(), &opts).await,
                        FetchOutcome::Fetched(_)
                    )
                }
            })
            .buffer_unordered(cfg.fetch.per_host)
            .collect()
            .await;
        assert!(ok.iter().all(|&b| b));
    });
    let baseline = t.elapsed();
    let baseline_peak = peak_since(base);
    println!(
        "baseline  fetch only, per_host 2: {n} pages in {baseline:.2?} = {:.0} pages/s, peak heap {baseline_peak:.1} MB (process peak RSS so far {:.1} MB)",
        n as f64 / baseline.as_secs_f64(),
        peak_rss()
    );

    // Second baseline: the same feed built without `full_text` (its own store and output).
    let plain_dir = tempfile::tempdir().unwrap();
    let plain_path = plain_dir.path().join("feeds.toml");
    std::fs::write(
        &plain_path,
        std::fs::read_to_string(&path)
            .unwrap()
            .replace("full_text = true\n", ""),
    )
    .unwrap();
    let plain = Config::load(&plain_path).unwrap_or_else(|e| panic!("{e:?}"));
    let base = peak_reset();
    let t = Instant::now();
    rt.block_on(build(&plain, &BuildOptions::default()))
        .unwrap();
    let plain_took = t.elapsed();
    let plain_peak = peak_since(base);
    println!(
        "baseline  build without full_text: {n} articles in {plain_took:.2?}, peak heap {plain_peak:.1} MB (process peak RSS so far {:.1} MB)",
        peak_rss()
    );

    let opts = BuildOptions {
        out_dir: Some(tmp.path().join("public")),
        ..BuildOptions::default()
    };
    let base = peak_reset();
    let t = Instant::now();
    let report = rt.block_on(build(&cfg, &opts)).unwrap();
    let took = t.elapsed();
    let peak = peak_since(base);
    assert_eq!(report.sources[0].articles, n, "{:?}", report.sources[0]);
    assert!(report.sources[0].error.is_none(), "{:?}", report.sources[0]);
    println!(
        "full text first build: {n} articles in {took:.2?} = {:.0} articles/s ({:.2}x the fetch-only time, {:.2}x the build without full_text; page fetch and extract {} ms), peak heap {peak:.1} MB ({:.2}x fetch-only, {:.2}x the build without full_text)",
        n as f64 / took.as_secs_f64(),
        took.as_secs_f64() / baseline.as_secs_f64(),
        took.as_secs_f64() / plain_took.as_secs_f64(),
        report.timings.full_text_ms,
        peak / baseline_peak.max(0.001),
        peak / plain_peak.max(0.001)
    );
    println!(
        "process peak RSS after the full text build: {:.1} MB",
        peak_rss()
    );
    let t = Instant::now();
    rt.block_on(build(&cfg, &opts)).unwrap();
    println!(
        "second build (no page fetched): {:.2?} = {:.3}x the first",
        t.elapsed(),
        t.elapsed().as_secs_f64() / took.as_secs_f64()
    );
    println!("load average after: {}", loadavg());

    // Accuracy on each test page, readability and selectors, and on the example site's
    // article page (its true body: what the example's own [source.html] selectors take).
    let limits = LimitsCfg::default();
    let readability = FullTextCfg::default();
    let selectors = FullTextCfg {
        content: Some(".post-body, #main-content, .entry".into()),
        remove: vec![".ads".into(), ".share-buttons".into()],
        allow_hosts: Vec::new(),
    };
    let page_url = url::Url::parse("https://baolucyen.example/tin/bai.html").unwrap();
    println!("accuracy (true body characters recovered / body characters; other characters kept):");
    for page in PAGES {
        let html = std::fs::read_to_string(site().join(format!("{page}.html"))).unwrap();
        let truth: Vec<String> = std::fs::read_to_string(site().join(format!("truth/{page}.txt")))
            .unwrap()
            .lines()
            .map(squash)
            .filter(|l| !l.is_empty())
            .collect();
        for (mode, cfg) in [("readability", &readability), ("selectors", &selectors)] {
            let body = extract(&html, &page_url, cfg, &limits).unwrap();
            let (got, total, furniture) = accuracy(&body.html, &truth);
            println!(
                "  {page} {mode:<11}: {got}/{total} ({:.1}%), {furniture} other characters",
                100.0 * got as f64 / total as f64
            );
        }
    }
    let example = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("examples/site/luc-yen-nang-cao-suc-chien-dau-cua-to-chuc-dang-o-co-so.html");
    let html = std::fs::read_to_string(example).unwrap();
    let own = FullTextCfg {
        content: Some(".content".into()),
        remove: vec![".ads".into(), ".share".into(), "script".into()],
        allow_hosts: Vec::new(),
    };
    let truth_html = extract(&html, &page_url, &own, &limits).unwrap().html;
    let doc = scraper::Html::parse_fragment(&truth_html);
    let sel = scraper::Selector::parse("p, li, h2, h3, figcaption").unwrap();
    let truth: Vec<String> = doc
        .select(&sel)
        .map(|e| squash(&e.text().collect::<String>()))
        .filter(|t| !t.is_empty())
        .collect();
    let t = Instant::now();
    let body = extract(&html, &page_url, &readability, &limits).unwrap();
    let one = t.elapsed();
    let (got, total, furniture) = accuracy(&body.html, &truth);
    println!(
        "  example site article, readability: {got}/{total} ({:.1}%), {furniture} other characters; {one:.2?} per page",
        100.0 * got as f64 / total as f64
    );

    filters_cost(&rt);
}

/// Builds that changed nothing over a store of many articles, with no filter, a filter
/// on tags and one on titles; each the median of five.
fn filters_cost(rt: &tokio::runtime::Runtime) {
    let n: usize = std::env::var("FEEDMILL_BENCH_STORED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000);
    let tmp = tempfile::tempdir().unwrap();
    let mut feed = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><rss version=\"2.0\"><channel><title>t</title>",
    );
    for i in 0..n {
        feed.push_str(&format!(
            "<item><title>Tin số {i} ở Lục Yên</title><link>https://tin.example/{i}.html</link>\
             <pubDate>Thu, 12 Jun 2025 09:15:00 +0700</pubDate><category>Tag {}</category>\
             <description>Nội dung bài số {i}: một đoạn văn vừa phải về tin tức trong tỉnh.</description></item>",
            i % 500
        ));
    }
    feed.push_str("</channel></rss>");
    std::fs::write(tmp.path().join("big.xml"), feed).unwrap();
    let write = |filter: &str| {
        let text = format!(
            "[site]\ntitle = \"Bench\"\nbase_url = \"https://feeds.example.vn/\"\n\n\
             [limits]\nitems_per_source = {n}\nstored_per_source = {n}\n\n\
             [[source]]\nname = \"big\"\nurl = \"big.xml\"\n\n{filter}"
        );
        let path = tmp.path().join("feeds.toml");
        std::fs::write(&path, text).unwrap();
        Config::load(&path).unwrap_or_else(|e| panic!("{e:?}"))
    };
    let median = |cfg: &Config| {
        // The first build after a change renders what changed; the five after it are
        // what every later build costs.
        rt.block_on(build(cfg, &BuildOptions::default())).unwrap();
        let mut times: Vec<f64> = (0..5)
            .map(|_| {
                let t = Instant::now();
                rt.block_on(build(cfg, &BuildOptions::default())).unwrap();
                t.elapsed().as_secs_f64() * 1000.0
            })
            .collect();
        times.sort_by(f64::total_cmp);
        times[2]
    };
    let none = median(&write(""));
    let tags = median(&write(
        "[[filter]]\naction = \"discard\"\nfields = [\"tags\"]\nwords = [\"tag 7\"]\n",
    ));
    let titles = median(&write(
        "[[filter]]\naction = \"discard\"\nfields = [\"title\"]\nwords = [\"tin so 7\"]\n",
    ));
    println!(
        "filters, {n} stored articles, a build that changed nothing (median of 5): no filter {none:.1} ms; \
         a filter on tags {tags:.1} ms ({:.2}x); a filter on titles {titles:.1} ms ({:.2}x)",
        tags / none,
        titles / none
    );
    println!("load average after: {}", loadavg());
}
