//! `feedmill worker` throughput: 10,000 sources on 50 loopback addresses, fetched once each
//! by 1, 2 and 4 workers (release binaries as child processes) on one PostgreSQL server,
//! store and worker tables in a fresh database per run. Prints, per run, sources per second
//! and its ratio to the one-worker run, PostgreSQL's CPU per source (the postmaster and
//! every backend, from `/proc/<pid>/stat`, reaped backends through the postmaster's
//! `cutime`/`cstime`) and the workers' CPU per source, with the load average before and after.
//!
//! Needs the PostgreSQL server of `scripts/test-servers.sh` on this machine:
//!
//! ```text
//! eval "$(scripts/test-servers.sh start)"
//! cargo bench --bench workers            # FEEDMILL_BENCH_SOURCES=… for another count
//! ```

#[path = "../tests/worker_support/mod.rs"]
mod worker_support;

use std::time::{Duration, Instant};

use worker_support::{fresh_database, query, write_config, FeedServer, Worker};

/// Clock ticks per second of `/proc/<pid>/stat` (USER_HZ, 100 on Linux).
fn ticks_per_second() -> f64 {
    // SAFETY: sysconf has no preconditions.
    let t = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    if t > 0 {
        t as f64
    } else {
        100.0
    }
}

/// (ppid, utime + stime, cutime + cstime) of `pid`, in ticks.
fn stat(pid: u32) -> Option<(u32, u64, u64)> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name is in parentheses and may hold spaces: split after its end.
    let rest = &text[text.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    let n = |i: usize| f.get(i).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
    // After the name: state(0) ppid(1) … utime(11) stime(12) cutime(13) cstime(14).
    Some((n(1) as u32, n(11) + n(12), n(13) + n(14)))
}

/// CPU seconds PostgreSQL has used so far: the postmaster's own and its reaped children's,
/// plus every live child's.
fn postgres_cpu(postmaster: u32) -> f64 {
    let (_, own, reaped) = stat(postmaster).expect("the postmaster's /proc/<pid>/stat");
    let mut live = 0;
    for e in std::fs::read_dir("/proc").unwrap().flatten() {
        if let Some(pid) = e.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) {
            if let Some((ppid, t, _)) = stat(pid) {
                if ppid == postmaster {
                    live += t;
                }
            }
        }
    }
    (own + reaped + live) as f64 / ticks_per_second()
}

fn load() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .unwrap_or_default()
        .split_whitespace()
        .take(3)
        .collect::<Vec<_>>()
        .join(" ")
}

struct Run {
    workers: usize,
    wall: Duration,
    db_cpu: f64,
    worker_cpu: f64,
}

fn run(pg: &str, postmaster: u32, server: &FeedServer, sources: usize, workers: usize) -> Run {
    let db = fresh_database(pg, &format!("bench{workers}"));
    let dir = tempfile::tempdir().unwrap();
    write_config(
        dir.path(),
        server,
        sources,
        "1h",
        &format!(
            "[fetch]\nper_host = 8\nconcurrency = 64\n[store]\nurl = \"{db}\"\n\
             [worker]\nclaim = 64\nidle = \"50ms\"\n"
        ),
    );
    let cpu0 = postgres_cpu(postmaster);
    let started = Instant::now();
    let mut procs: Vec<Worker> = (0..workers)
        .map(|k| Worker::start(dir.path(), &format!("b{k}"), &["--no-emit"], &[]))
        .collect();
    // The first worker creates the tables.
    while query(&db, "SELECT to_regclass('worker_sources')::text")[0][0].is_none() {
        std::thread::sleep(Duration::from_millis(50));
    }
    loop {
        std::thread::sleep(Duration::from_millis(200));
        let done = query(&db, "SELECT count(*) FROM worker_sources WHERE fetches > 0");
        let n: usize = done[0][0].as_deref().unwrap_or("0").parse().unwrap_or(0);
        if n >= sources {
            break;
        }
        for p in &mut procs {
            assert!(p.alive(), "a worker died:\n{}", p.said());
        }
        assert!(
            started.elapsed() < Duration::from_secs(1800),
            "{n} of {sources} after 30 min"
        );
    }
    let wall = started.elapsed();
    let db_cpu = postgres_cpu(postmaster) - cpu0;
    let worker_cpu: f64 = procs
        .iter()
        .map(|p| stat(p.child.id()).map_or(0, |(_, t, _)| t) as f64 / ticks_per_second())
        .sum();
    drop(procs);
    Run {
        workers,
        wall,
        db_cpu,
        worker_cpu,
    }
}

fn main() {
    // `cargo bench` passes --bench; `cargo test --benches` runs it as a test: do nothing then.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let Some(pg) = std::env::var("FEEDMILL_TEST_POSTGRES_URL")
        .ok()
        .filter(|v| !v.is_empty())
    else {
        eprintln!("benches/workers: FEEDMILL_TEST_POSTGRES_URL is not set (eval \"$(scripts/test-servers.sh start)\")");
        std::process::exit(1);
    };
    let sources: usize = std::env::var("FEEDMILL_BENCH_SOURCES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let data = query(&pg, "SHOW data_directory")[0][0].clone().unwrap();
    let pid_file = std::fs::read_to_string(format!("{data}/postmaster.pid")).unwrap_or_else(|e| {
        panic!("{data}/postmaster.pid: {e} (the server must run on this machine)")
    });
    let postmaster: u32 = pid_file.lines().next().unwrap().trim().parse().unwrap();
    let server = FeedServer::start(50);
    println!(
        "workers: {sources} sources on 50 loopback addresses, fetched once each (3 items), store and worker tables in PostgreSQL; {} CPUs; load average before: {}",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        load()
    );
    let runs: Vec<Run> = [1, 2, 4]
        .into_iter()
        .map(|n| run(&pg, postmaster, &server, sources, n))
        .collect();
    let base = sources as f64 / runs[0].wall.as_secs_f64();
    println!(
        "workers  wall s  sources/s  ratio  db CPU s  db CPU ms/source  workers' CPU ms/source"
    );
    for r in &runs {
        let rate = sources as f64 / r.wall.as_secs_f64();
        println!(
            "{:>7}  {:>6.1}  {:>9.0}  {:>5.2}  {:>8.1}  {:>16.3}  {:>22.3}",
            r.workers,
            r.wall.as_secs_f64(),
            rate,
            rate / base,
            r.db_cpu,
            r.db_cpu * 1000.0 / sources as f64,
            r.worker_cpu * 1000.0 / sources as f64
        );
    }
    println!("load average after: {}", load());
}
