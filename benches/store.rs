//! Store benchmark: 100,000 articles in 100 local RSS sources of 1,000, 5,000 tags and 20
//! categories. A full build into an empty store and output folder, then an incremental
//! build after one source changed 10 of its articles. Prints both times, their ratio
//! (target: the incremental build under 10% of the full one) and peak memory (VmHWM).
//!
//! `cargo bench --bench store` (set FEEDMILL_BENCH_ARTICLES to change the size).

use std::time::Instant;

mod gen;

use feedmill::config::Config;
use feedmill::pipeline::{build, BuildOptions};
use gen::{cpu_secs, peak_rss_kib, write_config, write_source, CATEGORIES, SOURCES, TAGS};

/// Articles the incremental build finds changed, all in source 0.
const CHANGED: usize = 10;

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

    // A build frees its articles on a thread of its own after returning; let that finish so
    // it is not counted in (or slowing) the next build.
    std::thread::sleep(std::time::Duration::from_secs(2));
    write_source(tmp.path(), 0, per_source, CHANGED);
    let (t, c) = (Instant::now(), cpu_secs());
    let inc = rt.block_on(build(&cfg, &opts)).expect("incremental build");
    let (inc_time, inc_cpu) = (t.elapsed(), cpu_secs() - c);
    let changed = CHANGED;
    assert_eq!(inc.articles, full.articles);
    println!(
        "incremental build: {changed} articles changed in 1 source; {} files written, {} untouched in {inc_time:.2?} (CPU {inc_cpu:.2} s)",
        inc.files_written, inc.files_unchanged
    );
    println!(
        "ratio: {:.1}% of the full build's wall time, {:.1}% of its CPU time (target < 10%)",
        100.0 * inc_time.as_secs_f64() / full_time.as_secs_f64(),
        100.0 * inc_cpu / full_cpu.max(0.01)
    );
    println!("stages (ms), full:        {:?}", full.timings);
    println!("stages (ms), incremental: {:?}", inc.timings);
    println!("peak memory (VmHWM): {} MiB", peak_rss_kib() / 1024);
}
