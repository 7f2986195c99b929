//! Build benchmark: 100,000 generated articles in 100 local RSS sources, 5,000 tags and
//! 20 categories. Prints articles per second for the whole build (read, normalize, store,
//! plan, emit) with its stage timings, for the read and normalize stages alone (one thread,
//! every document), and for the emit stage alone, against a baseline measured in the same
//! run: quick-xml's raw event loop over the same source bytes.
//!
//! Then the cost of the extra formats: the same build, and the same emit stage, with
//! `feeds.json_feed` and `feeds.archives` on (the default) against both off, alternating
//! runs in fresh folders and stores, medians of wall and CPU time, and the ratio on/off,
//! with the load average before and after (`FEEDMILL_BENCH_FORMAT_RUNS` runs each,
//! default 3).
//!
//! `cargo bench --bench build` (set FEEDMILL_BENCH_ARTICLES to change the size).

use std::path::Path;
use std::time::{Duration, Instant};

mod gen;

use feedmill::config::Config;
use feedmill::pipeline::{build, BuildOptions};
use gen::{cpu_secs, load_average, peak_rss_kib, thread_cpu, BUILD};

/// Writes every source file and returns their bytes, one document each (for the baseline).
fn write_sources(dir: &Path, per_source: usize) -> Vec<Vec<u8>> {
    (0..BUILD.sources)
        .map(|s| {
            BUILD.write_source(dir, s, per_source, 0);
            std::fs::read(dir.join(format!("nguon-{s}.rss"))).expect("read back a source")
        })
        .collect()
}

/// The read and normalize stages alone, on one thread, over every document: (articles,
/// read time, normalize time), both in CPU time of the thread.
fn read_and_normalize(cfg: &Config, docs: &[Vec<u8>]) -> (usize, Duration, Duration) {
    let normalizer = feedmill::normalize::Normalizer::new(cfg);
    let (mut read, mut normalize, mut n) = (Duration::ZERO, Duration::ZERO, 0);
    for (source, doc) in cfg.sources.iter().zip(docs) {
        let t = thread_cpu();
        let feed = feedmill::read::read_feed_limited(doc, None, None, usize::MAX).expect("read");
        read += thread_cpu() - t;
        let t = thread_cpu();
        let mut warnings = Vec::new();
        n += normalizer.feed_articles(feed, source, &mut warnings).len();
        normalize += thread_cpu() - t;
    }
    (n, read, normalize)
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
    let per_source = articles / BUILD.sources;
    let tmp = tempfile::tempdir().unwrap();
    let docs = write_sources(tmp.path(), per_source);
    let all_bytes: usize = docs.iter().map(Vec::len).sum();
    let cfg = Config::load(&BUILD.write_config(tmp.path())).unwrap_or_else(|e| panic!("{e:?}"));
    println!(
        "input: {} articles in {} sources ({:.1} MB), {} tags, {} categories; load average {}",
        per_source * BUILD.sources,
        BUILD.sources,
        all_bytes as f64 / 1e6,
        BUILD.tags,
        BUILD.categories,
        load_average()
    );

    let (t, c) = (Instant::now(), thread_cpu());
    let events: usize = docs.iter().map(|d| raw_event_loop(d)).sum();
    let (baseline, baseline_cpu) = (t.elapsed(), thread_cpu() - c);
    println!("baseline  quick-xml raw event loop: {events} events in {baseline:.2?}");

    if std::env::var_os("FEEDMILL_BENCH_STAGES_ONLY").is_some() {
        // For a profiler: the read and normalize stages alone, again and again.
        for _ in 0..5 {
            let (n, read, normalize) = read_and_normalize(&cfg, &docs);
            println!("{n} articles: read {read:.2?}, normalize {normalize:.2?}");
        }
        return;
    }
    let (n, read, normalize) = read_and_normalize(&cfg, &docs);
    println!(
        "stages alone, one thread, CPU time: read {read:.2?} = {:.0} articles/s ({:.1}x the baseline's time); normalize {normalize:.2?} = {:.0} articles/s",
        rate(n, read),
        read.as_secs_f64() / baseline_cpu.as_secs_f64(),
        rate(n, normalize)
    );

    let rt = tokio::runtime::Runtime::new().unwrap();
    let out = tmp.path().join("public");
    let opts = BuildOptions {
        out_dir: Some(out.clone()),
        ..BuildOptions::default()
    };
    let t = Instant::now();
    let report = rt.block_on(build(&cfg, &opts)).unwrap();
    let full = t.elapsed();
    assert_eq!(report.articles, per_source * BUILD.sources);
    println!(
        "full build: {} articles, {} feeds, {} files in {full:.2?} = {:.0} articles/s ({:.1}x the baseline's time)",
        report.articles,
        report.feeds,
        report.files_written,
        rate(report.articles, full),
        full.as_secs_f64() / baseline.as_secs_f64()
    );
    println!("  stages (ms): {:?}", report.timings);

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
    println!(
        "peak memory: {} MiB; load average {}",
        peak_rss_kib() / 1024,
        load_average()
    );

    formats_cost(&rt, &cfg, tmp.path(), &articles_vec);
}

fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v.get(v.len() / 2).copied().unwrap_or(0.0)
}

/// Bytes and files below `dir`.
fn du(dir: &Path) -> (u64, usize) {
    let mut stack = vec![dir.to_path_buf()];
    let (mut bytes, mut files) = (0, 0);
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if let Ok(m) = std::fs::metadata(&p) {
                bytes += m.len();
                files += 1;
            }
        }
    }
    (bytes, files)
}

/// The whole build and the emit stage with JSON Feed and archives on against off, in one
/// run: alternating, each in a fresh output folder (and store, for builds).
fn formats_cost(
    rt: &tokio::runtime::Runtime,
    base: &Config,
    dir: &Path,
    articles: &[feedmill::model::Article],
) {
    let runs: usize = std::env::var("FEEDMILL_BENCH_FORMAT_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3);
    let mut off = base.clone();
    off.feeds.json_feed = false;
    off.feeds.archives = false;
    let mut on = base.clone();
    on.feeds.json_feed = true;
    on.feeds.archives = true;
    println!("formats: load average before {}", loadavg());
    // (wall s, cpu s) per variant, for the build and for the emit stage.
    let mut build_t: [Vec<(f64, f64)>; 2] = [Vec::new(), Vec::new()];
    let mut emit_t: [Vec<(f64, f64)>; 2] = [Vec::new(), Vec::new()];
    let mut sizes = [(0u64, 0usize); 2];
    for run in 0..runs {
        for (v, cfg) in [(0, &off), (1, &on)] {
            let out = dir.join(format!("fmt-out-{run}-{v}"));
            let opts = BuildOptions {
                out_dir: Some(out.clone()),
                store_path: Some(dir.join(format!("fmt-{run}-{v}.db"))),
                ..BuildOptions::default()
            };
            let (t, c) = (Instant::now(), cpu_secs());
            let report = rt.block_on(build(cfg, &opts)).unwrap();
            build_t[v].push((t.elapsed().as_secs_f64(), cpu_secs() - c));
            assert!(
                report.output_errors.is_empty(),
                "{:?}",
                report.output_errors
            );
            sizes[v] = du(&out);
            let _ = std::fs::remove_dir_all(&out);
            let _ = std::fs::remove_file(dir.join(format!("fmt-{run}-{v}.db")));

            let out = dir.join(format!("fmt-emit-{run}-{v}"));
            let (t, c) = (Instant::now(), cpu_secs());
            let plan = feedmill::emit::plan(articles, cfg, &Default::default());
            feedmill::emit::emit(&plan, articles, cfg, &out).unwrap();
            emit_t[v].push((t.elapsed().as_secs_f64(), cpu_secs() - c));
            let _ = std::fs::remove_dir_all(&out);
        }
    }
    let med = |v: &[(f64, f64)]| {
        (
            median(v.iter().map(|x| x.0).collect()),
            median(v.iter().map(|x| x.1).collect()),
        )
    };
    for (what, t) in [("full build", &build_t), ("emit stage", &emit_t)] {
        let (w_off, c_off) = med(&t[0]);
        let (w_on, c_on) = med(&t[1]);
        println!(
            "formats: {what}, median of {runs}: off {w_off:.2} s wall / {c_off:.2} s CPU; on {w_on:.2} s wall / {c_on:.2} s CPU; on/off = {:.2}x wall, {:.2}x CPU",
            w_on / w_off,
            c_on / c_off
        );
    }
    println!(
        "formats: output off {} files {:.0} MB; on {} files {:.0} MB ({:.2}x the bytes)",
        sizes[0].1,
        sizes[0].0 as f64 / 1e6,
        sizes[1].1,
        sizes[1].0 as f64 / 1e6,
        sizes[1].0 as f64 / sizes[0].0.max(1) as f64
    );
    println!("formats: load average after {}", loadavg());
}
