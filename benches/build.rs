//! Build benchmark: 100,000 generated articles in 100 local RSS sources, 5,000 tags and
//! 20 categories. Prints articles per second for the whole build (read, normalize, store,
//! plan, emit) with its stage timings, for the read and normalize stages alone (one thread,
//! every document), and for the emit stage alone, against a baseline measured in the same
//! run: quick-xml's raw event loop over the same source bytes.
//!
//! `cargo bench --bench build` (set FEEDMILL_BENCH_ARTICLES to change the size).

use std::path::Path;
use std::time::{Duration, Instant};

mod gen;

use feedmill::config::Config;
use feedmill::pipeline::{build, BuildOptions};
use gen::{load_average, peak_rss_kib, thread_cpu, BUILD};

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
}
