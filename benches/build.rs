//! Build benchmark: 100,000 generated articles in 100 local RSS sources, 5,000 tags and
//! 20 categories. Prints articles per second for the whole build (read, normalize, dedup,
//! plan, emit) and for the emit stage alone, against a baseline measured in the same run:
//! quick-xml's raw event loop over the same source bytes.
//!
//! `cargo bench --bench build` (set FEEDMILL_BENCH_ARTICLES to change the size).

use std::path::Path;
use std::time::{Duration, Instant};

mod gen;

use feedmill::config::Config;
use feedmill::pipeline::{build, BuildOptions};
use gen::{peak_rss_kib, write_config, write_source, CATEGORIES, SOURCES, TAGS};

/// Writes every source file and returns their bytes together (for the baseline).
fn write_sources(dir: &Path, per_source: usize) -> Vec<u8> {
    let mut all = Vec::new();
    for s in 0..SOURCES {
        write_source(dir, s, per_source, 0);
        all.extend(std::fs::read(dir.join(format!("nguon-{s}.rss"))).expect("read back a source"));
    }
    all
}

fn raw_event_loop(bytes: &[u8]) -> usize {
    let mut reader = quick_xml::Reader::from_reader(bytes);
    let mut buf = Vec::new();
    let mut events = 0;
    loop {
        match reader.read_event_into(&mut buf) {
            Ok(quick_xml::events::Event::Eof) | Err(_) => break,
            Ok(_) => events += 1,
        }
        buf.clear();
    }
    events
}

fn rate(n: usize, d: Duration) -> f64 {
    n as f64 / d.as_secs_f64()
}

fn main() {
    let articles: usize = std::env::var("FEEDMILL_BENCH_ARTICLES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let per_source = articles / SOURCES;
    let tmp = tempfile::tempdir().unwrap();
    let all_bytes = write_sources(tmp.path(), per_source);
    let cfg = Config::load(&write_config(tmp.path())).unwrap_or_else(|e| panic!("{e:?}"));
    println!(
        "input: {} articles in {SOURCES} sources ({:.1} MB), {TAGS} tags, {CATEGORIES} categories",
        per_source * SOURCES,
        all_bytes.len() as f64 / 1e6
    );

    let t = Instant::now();
    let events = raw_event_loop(&all_bytes);
    let baseline = t.elapsed();
    println!("baseline  quick-xml raw event loop: {events} events in {baseline:.2?}");

    let rt = tokio::runtime::Runtime::new().unwrap();
    let out = tmp.path().join("public");
    let opts = BuildOptions {
        out_dir: Some(out.clone()),
        ..BuildOptions::default()
    };
    let t = Instant::now();
    let report = rt.block_on(build(&cfg, &opts)).unwrap();
    let full = t.elapsed();
    assert_eq!(report.articles, per_source * SOURCES);
    println!(
        "full build: {} articles, {} feeds, {} files in {full:.2?} = {:.0} articles/s ({:.1}x the baseline's time)",
        report.articles,
        report.feeds,
        report.files_written,
        rate(report.articles, full),
        full.as_secs_f64() / baseline.as_secs_f64()
    );

    // The emit stage alone, on the articles the build kept: plan + render + write into a
    // fresh folder (every file written), then again into the same folder (nothing changes).
    let articles_vec = feedmill::store::open(&cfg.site.store)
        .and_then(|s| s.articles())
        .unwrap();
    let articles_vec = feedmill::normalize::dedup(articles_vec, &cfg.limits);
    let known = Default::default();
    let t = Instant::now();
    let plan = feedmill::emit::plan(&articles_vec, &cfg, &known);
    let planned = t.elapsed();
    let fresh = tmp.path().join("public-2");
    let t = Instant::now();
    let emitted = feedmill::emit::emit(&plan, &articles_vec, &cfg, &fresh).unwrap();
    let write_all = t.elapsed();
    let t = Instant::now();
    let again = feedmill::emit::emit(&plan, &articles_vec, &cfg, &fresh).unwrap();
    let unchanged = t.elapsed();
    println!(
        "emit stage: plan {planned:.2?}; render+write {} files {write_all:.2?} = {:.0} articles/s ({:.1}x the baseline's time); unchanged rebuild {unchanged:.2?} ({} files untouched)",
        emitted.written.len(),
        rate(articles_vec.len(), planned + write_all),
        (planned + write_all).as_secs_f64() / baseline.as_secs_f64(),
        again.unchanged.len()
    );
    println!("peak memory: {} MiB", peak_rss_kib() / 1024);
}
