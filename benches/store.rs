//! Store benchmark: 100,000 articles in 100 local RSS sources of 1,000, 5,000 tags and 20
//! categories. A full build into an empty store and output folder, then three incremental
//! builds, each after one source changed 10 of its articles. Prints the times, the ratio of
//! the median incremental build to the full one (target: under 10%) and peak memory
//! (VmHWM). The output goes to the system's temporary folder; `TMPDIR=/dev/shm` takes the
//! file system (ext4 slows down creating many files after many runs) out of the figures.
//!
//! `cargo bench --bench store` (set FEEDMILL_BENCH_ARTICLES to change the size).

use std::time::Instant;

mod gen;

use feedmill::config::Config;
use feedmill::pipeline::{build, BuildOptions};
use gen::{cpu_secs, peak_rss_kib, write_config, write_source, CATEGORIES, SOURCES, TAGS};

/// Articles each incremental build finds changed, all in source 0.
const CHANGED: usize = 10;

/// Incremental builds measured; their median is compared with the full build.
const ROUNDS: usize = 3;

fn main() {
    let articles: usize = std::env::var("FEEDMILL_BENCH_ARTICLES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let per_source = (articles / SOURCES).max(CHANGED);
    let tmp = tempfile::tempdir().expect("temp dir");
    for s in 0..SOURCES {
        write_source(tmp.path(), s, per_source, 0);
    }
    let cfg = Config::load(&write_config(tmp.path())).unwrap_or_else(|e| panic!("{e:?}"));
    println!(
        "input: {} articles in {SOURCES} sources, {TAGS} tags, {CATEGORIES} categories",
        per_source * SOURCES
    );
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let opts = BuildOptions::default();

    let (t, c) = (Instant::now(), cpu_secs());
    let full = rt.block_on(build(&cfg, &opts)).expect("full build");
    let (full_time, full_cpu) = (t.elapsed(), cpu_secs() - c);
    assert_eq!(full.articles, per_source * SOURCES);
    println!(
        "full build:        {} articles, {} feeds, {} files written in {full_time:.2?} (CPU {full_cpu:.2} s)",
        full.articles, full.feeds, full.files_written
    );

    // Three incremental builds, each after source 0 changed 10 articles (revised, then
    // back, then revised again); the median is compared.
    let mut runs = Vec::new();
    for round in 0..ROUNDS {
        // A build frees its articles on a thread of its own after returning; let that
        // finish so it is not counted in (or slowing) the next build.
        std::thread::sleep(std::time::Duration::from_secs(2));
        write_source(
            tmp.path(),
            0,
            per_source,
            if round % 2 == 0 { CHANGED } else { 0 },
        );
        let (t, c) = (Instant::now(), cpu_secs());
        let inc = rt.block_on(build(&cfg, &opts)).expect("incremental build");
        let (inc_time, inc_cpu) = (t.elapsed(), cpu_secs() - c);
        assert_eq!(inc.articles, full.articles);
        println!(
            "incremental build {}: {CHANGED} articles changed in 1 source; {} files written, {} untouched in {inc_time:.2?} (CPU {inc_cpu:.2} s) = {:.1}% of the full build",
            round + 1,
            inc.files_written,
            inc.files_unchanged,
            100.0 * inc_time.as_secs_f64() / full_time.as_secs_f64(),
        );
        println!("  stages (ms): {:?}", inc.timings);
        runs.push((inc_time, inc_cpu));
    }
    runs.sort_by_key(|r| r.0);
    let (inc_time, inc_cpu) = runs[runs.len() / 2];
    println!(
        "ratio (median of {ROUNDS}): {:.1}% of the full build's wall time, {:.1}% of its CPU time (target < 10%)",
        100.0 * inc_time.as_secs_f64() / full_time.as_secs_f64(),
        100.0 * inc_cpu / full_cpu.max(0.01)
    );
    println!("stages (ms), full:        {:?}", full.timings);
    let store_bytes: u64 = ["", "-wal"]
        .iter()
        .filter_map(|ext| {
            let mut p = cfg.site.store.clone().into_os_string();
            p.push(ext);
            std::fs::metadata(p).ok()
        })
        .map(|m| m.len())
        .sum();
    println!(
        "store: {:.1} MB on disk (with its write-ahead log)",
        store_bytes as f64 / 1e6
    );
    println!("peak memory (VmHWM): {} MiB", peak_rss_kib() / 1024);
}
