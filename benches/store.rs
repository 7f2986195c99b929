//! Store benchmark: the newsroom of the scale issue — 1,000 local RSS sources, 20,000 tags,
//! 100 categories — at 100,000 and at 1,000,000 stored articles, each size in a process of
//! its own (so one size's peak memory is not the other's). Per size: a full build into an
//! empty store and output folder (wall and CPU time, peak memory as VmHWM, store size on
//! disk against the source bytes, the largest the write-ahead log grew), then three
//! incremental builds, each after one source changed 10 of its articles, and their median.
//! The targets are printed beside the figures. Files go to the system's temporary folder;
//! `TMPDIR=/dev/shm` takes the file system out of the figures.
//!
//! `cargo bench --bench store`; `FEEDMILL_BENCH_ARTICLES=100000,400000` picks the sizes.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

mod gen;

use feedmill::config::Config;
use feedmill::pipeline::{build, BuildOptions};
use gen::{cpu_secs, load_average, peak_rss_kib, NEWSROOM};

/// Articles each incremental build finds changed, all in source 0.
const CHANGED: usize = 10;

/// Incremental builds measured; their median is reported.
const ROUNDS: usize = 3;

/// The size a child process measures (set by the parent).
const CHILD: &str = "FEEDMILL_BENCH_STORE_CHILD";

fn main() {
    if let Some(n) = std::env::var(CHILD).ok().and_then(|v| v.parse().ok()) {
        measure(n);
        return;
    }
    let sizes: Vec<usize> = std::env::var("FEEDMILL_BENCH_ARTICLES")
        .ok()
        .map(|v| v.split(',').filter_map(|n| n.trim().parse().ok()).collect())
        .filter(|v: &Vec<usize>| !v.is_empty())
        .unwrap_or_else(|| vec![100_000, 1_000_000]);
    println!(
        "corpus: {} sources, {} tags, {} categories; load average at start {}",
        NEWSROOM.sources,
        NEWSROOM.tags,
        NEWSROOM.categories,
        load_average()
    );
    let exe = std::env::current_exe().expect("the bench's own path");
    let mut results: Vec<(usize, Figures)> = Vec::new();
    for n in sizes {
        let out = std::process::Command::new(&exe)
            .env(CHILD, n.to_string())
            .stderr(std::process::Stdio::inherit())
            .output()
            .expect("run one size");
        let text = String::from_utf8_lossy(&out.stdout);
        print!("{text}");
        assert!(out.status.success(), "the {n}-article run failed");
        let figures = text
            .lines()
            .find_map(|l| l.strip_prefix("figures: "))
            .and_then(Figures::parse)
            .expect("the child prints its figures");
        results.push((n, figures));
    }
    println!("\nsummary (load average now {}):", load_average());
    println!("| stored articles | full build | CPU | peak memory | store on disk | × source bytes | largest WAL | incremental (median of {ROUNDS}) |");
    println!("|---|---|---|---|---|---|---|---|");
    for (n, f) in &results {
        println!(
            "| {n} | {:.1} s | {:.1} s | {} MiB | {:.0} MB | {:.2} | {:.0} MB | {:.0} ms |",
            f.full_s,
            f.full_cpu_s,
            f.peak_mib,
            f.store_mb,
            f.store_mb / f.source_mb,
            f.wal_mb,
            f.inc_ms
        );
    }
    if let (Some((small, s)), Some((large, l))) = (results.first(), results.last()) {
        if large > small {
            println!(
                "incremental at {large} / at {small}: {:.2}× (target ≤ 1.5×)",
                l.inc_ms / s.inc_ms.max(0.001)
            );
        }
    }
    println!("targets at 1,000,000: full build < 60 s, peak memory < 512 MiB, store < 2× the source bytes, WAL ≤ 1 GB, incremental < 300 ms");
}

/// What one size's run measured.
struct Figures {
    full_s: f64,
    full_cpu_s: f64,
    peak_mib: u64,
    store_mb: f64,
    source_mb: f64,
    wal_mb: f64,
    inc_ms: f64,
}

impl Figures {
    fn line(&self) -> String {
        format!(
            "{} {} {} {} {} {} {}",
            self.full_s,
            self.full_cpu_s,
            self.peak_mib,
            self.store_mb,
            self.source_mb,
            self.wal_mb,
            self.inc_ms
        )
    }

    fn parse(s: &str) -> Option<Figures> {
        let v: Vec<f64> = s
            .split_whitespace()
            .map(|x| x.parse().ok())
            .collect::<Option<_>>()?;
        Some(Figures {
            full_s: *v.first()?,
            full_cpu_s: *v.get(1)?,
            peak_mib: *v.get(2)? as u64,
            store_mb: *v.get(3)?,
            source_mb: *v.get(4)?,
            wal_mb: *v.get(5)?,
            inc_ms: *v.get(6)?,
        })
    }
}

fn file_len(path: &Path, ext: &str) -> u64 {
    let mut p = path.as_os_str().to_owned();
    p.push(ext);
    std::fs::metadata(p).map(|m| m.len()).unwrap_or(0)
}

/// Watches the store's write-ahead log on a thread of its own; the largest size seen.
struct WalWatch {
    stop: Arc<AtomicBool>,
    max: Arc<AtomicU64>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl WalWatch {
    fn start(store: PathBuf) -> WalWatch {
        let stop = Arc::new(AtomicBool::new(false));
        let max = Arc::new(AtomicU64::new(0));
        let (s, m) = (stop.clone(), max.clone());
        let thread = std::thread::spawn(move || {
            while !s.load(Ordering::Relaxed) {
                m.fetch_max(file_len(&store, "-wal"), Ordering::Relaxed);
                std::thread::sleep(Duration::from_millis(20));
            }
        });
        WalWatch {
            stop,
            max,
            thread: Some(thread),
        }
    }

    fn max_bytes(&mut self) -> u64 {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        self.max.load(Ordering::Relaxed)
    }
}

/// What takes the store's bytes, table and index by table and index (SQLite's `dbstat`
/// virtual table), largest first: the store-size work is aimed by it.
fn print_dbstat(store: &Path) {
    let conn = match rusqlite::Connection::open(store) {
        Ok(c) => c,
        Err(e) => return println!("  dbstat: cannot open the store: {e}"),
    };
    let rows: rusqlite::Result<Vec<(String, i64, i64)>> = conn
        .prepare(
            "SELECT name, sum(pgsize), sum(payload) FROM dbstat GROUP BY name
             ORDER BY sum(pgsize) DESC",
        )
        .and_then(|mut st| {
            st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                .collect()
        });
    match rows {
        Ok(rows) => {
            let total: i64 = rows.iter().map(|r| r.1).sum();
            println!("  dbstat (pages, payload; share of the file):");
            for (name, pages, payload) in rows.iter().take(12) {
                println!(
                    "    {name:<24} {:>8.1} MB {:>8.1} MB {:>5.1}%",
                    *pages as f64 / 1e6,
                    *payload as f64 / 1e6,
                    100.0 * *pages as f64 / total.max(1) as f64
                );
            }
        }
        Err(e) => println!("  dbstat: {e}"),
    }
}

fn measure(articles: usize) {
    let corpus = NEWSROOM;
    let per_source = (articles / corpus.sources).max(CHANGED);
    let tmp = tempfile::tempdir().expect("temp dir");
    let source_bytes = corpus.write_sources(tmp.path(), per_source);
    let cfg = Config::load(&corpus.write_config(tmp.path())).unwrap_or_else(|e| panic!("{e:?}"));
    println!(
        "\n{} articles ({:.0} MB of RSS) in {} sources; load average {}",
        per_source * corpus.sources,
        source_bytes as f64 / 1e6,
        corpus.sources,
        load_average()
    );
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let opts = BuildOptions::default();

    let mut wal = WalWatch::start(cfg.site.store.clone());
    let (t, c) = (Instant::now(), cpu_secs());
    let full = rt.block_on(build(&cfg, &opts)).expect("full build");
    let (full_time, full_cpu) = (t.elapsed(), cpu_secs() - c);
    let peak = peak_rss_kib() / 1024;
    // The incremental builds' own peak: VmHWM restarts from the current RSS.
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    assert_eq!(full.articles, per_source * corpus.sources);
    println!(
        "  full build: {} articles, {} feeds, {} files written in {full_time:.2?} (CPU {full_cpu:.2} s), peak memory {peak} MiB",
        full.articles, full.feeds, full.files_written
    );
    println!("  stages (ms): {:?}", full.timings);

    // Three incremental builds, each after source 0 changed 10 articles (revised, then
    // back, then revised again); the median is reported.
    let mut runs = Vec::new();
    for round in 0..ROUNDS {
        // A build may free memory on a thread of its own after returning; let that finish
        // so it is not counted in (or slowing) the next build.
        std::thread::sleep(Duration::from_secs(2));
        corpus.write_source(
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
            "  incremental build {}: {CHANGED} articles changed in 1 source; {} files written, {} untouched in {inc_time:.2?} (CPU {inc_cpu:.2} s); load average {}",
            round + 1,
            inc.files_written,
            inc.files_unchanged,
            load_average()
        );
        println!("    stages (ms): {:?}", inc.timings);
        runs.push(inc_time);
    }
    runs.sort();
    let inc = runs[runs.len() / 2];
    let inc_peak = peak_rss_kib() / 1024;
    let wal_bytes = wal.max_bytes();
    let store_bytes = file_len(&cfg.site.store, "") + file_len(&cfg.site.store, "-wal");
    println!(
        "  store: {:.0} MB on disk with its write-ahead log ({:.2}× the {:.0} MB of RSS); the log grew to {:.0} MB at most",
        store_bytes as f64 / 1e6,
        store_bytes as f64 / source_bytes as f64,
        source_bytes as f64 / 1e6,
        wal_bytes as f64 / 1e6
    );
    println!(
        "  incremental, median of {ROUNDS}: {inc:.2?} ({:.2}% of the full build); peak memory of the incremental builds {inc_peak} MiB",
        100.0 * inc.as_secs_f64() / full_time.as_secs_f64()
    );
    print_dbstat(&cfg.site.store);
    let figures = Figures {
        full_s: full_time.as_secs_f64(),
        full_cpu_s: full_cpu,
        peak_mib: peak,
        store_mb: store_bytes as f64 / 1e6,
        source_mb: source_bytes as f64 / 1e6,
        wal_mb: wal_bytes as f64 / 1e6,
        inc_ms: inc.as_secs_f64() * 1e3,
    };
    println!("figures: {}", figures.line());
}
