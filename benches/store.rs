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
//! With `FEEDMILL_BENCH_STORE_URL=postgres://…` (a URL of any database of a server the bench
//! may create databases on) every size is measured on PostgreSQL too, in the same run, in a
//! database created for it and dropped after: the same figures, the store's size being the
//! database's, no write-ahead log figure, and the server's CPU time beside the bench's.

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

/// The PostgreSQL database a child measures in, when it measures PostgreSQL.
const CHILD_DB: &str = "FEEDMILL_BENCH_STORE_CHILD_DB";

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
    let pg_admin = std::env::var("FEEDMILL_BENCH_STORE_URL")
        .ok()
        .filter(|u| !u.is_empty());
    let mut results: Vec<(usize, Figures)> = Vec::new();
    let mut pg_results: Vec<(usize, Figures)> = Vec::new();
    for n in sizes {
        let mut backends: Vec<Option<pg::Db>> = vec![None];
        if let Some(admin) = &pg_admin {
            backends.push(Some(pg::Db::create(admin)));
        }
        for db in backends {
            let mut child = std::process::Command::new(&exe);
            child.env(CHILD, n.to_string());
            if let Some(db) = &db {
                child.env(CHILD_DB, &db.url);
            }
            let out = child
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
            match db {
                None => results.push((n, figures)),
                Some(_) => pg_results.push((n, figures)),
            }
        }
    }
    println!("\nsummary (load average now {}):", load_average());
    println!("| store | stored articles | full build | CPU | server CPU | peak memory | store on disk | × source bytes | largest WAL | incremental (median of {ROUNDS}) |");
    println!("|---|---|---|---|---|---|---|---|---|---|");
    for (backend, rows) in [("SQLite", &results), ("PostgreSQL", &pg_results)] {
        for (n, f) in rows.iter() {
            println!(
                "| {backend} | {n} | {:.1} s | {:.1} s | {} | {} MiB | {:.0} MB | {:.2} | {} | {:.0} ms |",
                f.full_s,
                f.full_cpu_s,
                if backend == "SQLite" { "—".to_string() } else { format!("{:.1} s", f.server_cpu_s) },
                f.peak_mib,
                f.store_mb,
                f.store_mb / f.source_mb,
                if backend == "SQLite" { format!("{:.0} MB", f.wal_mb) } else { "—".to_string() },
                f.inc_ms
            );
        }
    }
    for ((n, s), (_, p)) in results.iter().zip(&pg_results) {
        println!(
            "PostgreSQL / SQLite at {n}: full build {:.2}×, incremental {:.2}×, store size {:.2}×",
            p.full_s / s.full_s.max(0.001),
            p.inc_ms / s.inc_ms.max(0.001),
            p.store_mb / s.store_mb.max(0.001)
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
    /// CPU time of the PostgreSQL server's processes (0 for SQLite).
    server_cpu_s: f64,
}

impl Figures {
    fn line(&self) -> String {
        format!(
            "{} {} {} {} {} {} {} {}",
            self.full_s,
            self.full_cpu_s,
            self.peak_mib,
            self.store_mb,
            self.source_mb,
            self.wal_mb,
            self.inc_ms,
            self.server_cpu_s
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
            server_cpu_s: *v.get(7)?,
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
    let config = corpus.write_config(tmp.path());
    let db = std::env::var(CHILD_DB).ok();
    if let Some(url) = &db {
        let mut text = std::fs::read_to_string(&config).expect("the config");
        text.push_str(&format!("\n[store]\nurl = \"{url}\"\n"));
        std::fs::write(&config, text).expect("write the config");
    }
    let cfg = Config::load(&config).unwrap_or_else(|e| panic!("{e:?}"));
    let server = db.as_deref().map(pg::Server::of);
    let server_cpu0 = server.as_ref().map_or(0.0, pg::Server::cpu_secs);
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
    let store_bytes = match &db {
        Some(url) => pg::database_bytes(url),
        None => file_len(&cfg.site.store, "") + file_len(&cfg.site.store, "-wal"),
    };
    let server_cpu_s = server.as_ref().map_or(0.0, pg::Server::cpu_secs) - server_cpu0;
    if server.is_some() {
        println!("  PostgreSQL server CPU over the four builds: {server_cpu_s:.2} s");
    }
    // PostgreSQL's write-ahead log is the server's, shared by every database on it: the
    // SQLite file's is the one the target bounds.
    let log = if db.is_some() {
        "the server's own write-ahead log is not measured".to_string()
    } else {
        format!("the log grew to {:.0} MB at most", wal_bytes as f64 / 1e6)
    };
    println!(
        "  store: {:.0} MB on disk with its write-ahead log ({:.2}× the {:.0} MB of RSS); {log}",
        store_bytes as f64 / 1e6,
        store_bytes as f64 / source_bytes as f64,
        source_bytes as f64 / 1e6,
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
        server_cpu_s,
    };
    println!("figures: {}", figures.line());
}

/// The PostgreSQL side of the bench: a database per run, its size, and the server's CPU.
mod pg {
    /// A database created for one run, dropped with this.
    pub struct Db {
        admin: String,
        name: String,
        pub url: String,
    }

    impl Db {
        pub fn create(admin: &str) -> Db {
            let name = format!("feedmill_bench_{}", std::process::id());
            let mut c = postgres::Client::connect(admin, postgres::NoTls).expect("connect");
            // One statement each: two in one batch would be a transaction, which neither
            // may run in.
            c.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .expect("drop a leftover bench database");
            c.batch_execute(&format!("CREATE DATABASE {name}"))
                .expect("create the bench database");
            let mut url = url::Url::parse(admin).expect("a URL");
            url.set_path(&format!("/{name}"));
            Db {
                admin: admin.to_string(),
                name,
                url: url.to_string(),
            }
        }
    }

    impl Drop for Db {
        fn drop(&mut self) {
            if let Ok(mut c) = postgres::Client::connect(&self.admin, postgres::NoTls) {
                let _ = c.batch_execute(&format!(
                    "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                    self.name
                ));
            }
        }
    }

    /// Bytes the database takes on disk.
    pub fn database_bytes(url: &str) -> u64 {
        let mut c = postgres::Client::connect(url, postgres::NoTls).expect("connect");
        let n: i64 = c
            .query_one("SELECT pg_database_size(current_database())", &[])
            .expect("database size")
            .get(0);
        u64::try_from(n).unwrap_or(0)
    }

    /// The server's processes: its postmaster (from `postmaster.pid` in its data folder,
    /// which the bench reads when it runs on the server's machine) and the children.
    pub struct Server {
        postmaster: Option<u32>,
    }

    fn ticks(pid: u32, children_too: bool) -> u64 {
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            return 0;
        };
        // Fields after the command's closing parenthesis: state is field 3, utime 14.
        let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
        let f: Vec<u64> = rest
            .split_whitespace()
            .map(|x| x.parse().unwrap_or(0))
            .collect();
        let at = |i: usize| f.get(i - 3).copied().unwrap_or(0);
        at(14) + at(15) + if children_too { at(16) + at(17) } else { 0 }
    }

    fn parent(pid: u32) -> Option<u32> {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        let rest = stat.rsplit_once(')')?.1;
        rest.split_whitespace().nth(1)?.parse().ok()
    }

    impl Server {
        pub fn of(url: &str) -> Server {
            let postmaster = postgres::Client::connect(url, postgres::NoTls)
                .ok()
                .and_then(|mut c| c.query_one("SHOW data_directory", &[]).ok())
                .map(|r| r.get::<_, String>(0))
                .and_then(|d| std::fs::read_to_string(format!("{d}/postmaster.pid")).ok())
                .and_then(|t| t.lines().next().and_then(|l| l.trim().parse().ok()));
            if postmaster.is_none() {
                println!(
                    "  (the server's CPU is not measured: its postmaster.pid cannot be read here)"
                );
            }
            Server { postmaster }
        }

        /// CPU seconds of the postmaster, its children now running, and those that ended.
        pub fn cpu_secs(&self) -> f64 {
            let Some(pm) = self.postmaster else {
                return 0.0;
            };
            let mut t = ticks(pm, true);
            if let Ok(dir) = std::fs::read_dir("/proc") {
                for e in dir.flatten() {
                    if let Some(pid) = e.file_name().to_str().and_then(|n| n.parse::<u32>().ok()) {
                        if parent(pid) == Some(pm) {
                            t += ticks(pid, false);
                        }
                    }
                }
            }
            // Clock ticks are 1/100 s on Linux.
            t as f64 / 100.0
        }
    }
}
