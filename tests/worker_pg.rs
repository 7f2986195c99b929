//! `feedmill worker` processes on one PostgreSQL database (the server CI starts with
//! `scripts/test-servers.sh`; a test that stops PostgreSQL starts a private cluster), over
//! feeds served on loopback addresses by a server that counts every request per path:
//! sources shared without a double fetch within their refresh interval, a killed worker's
//! sources taken over when its leases expire, the database going away and coming back,
//! one emitter publishing to the S3 server.
//!
//! Without the servers these tests print NOT CHECKED and pass, unless `CI` is set: then
//! they fail, so CI can never skip them silently.

mod worker_support;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use worker_support::{fresh_database, postgres_url, wait_for, write_config, FeedServer, Worker};

/// Articles per source in the store, by source name.
fn stored_per_source(dir: &std::path::Path) -> BTreeMap<String, Vec<String>> {
    let store = feedmill::store::open(&dir.join("feedmill.db")).unwrap();
    let mut by: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for a in store.articles().unwrap() {
        by.entry(a.source.clone()).or_default().push(a.id.clone());
    }
    by
}

#[test]
fn three_workers_fetch_every_one_of_300_sources_and_none_twice_within_its_interval() {
    let Some(pg) = postgres_url("three_workers") else {
        return;
    };
    let db = fresh_database(&pg, "three");
    let server = FeedServer::start(10);
    let dir = tempfile::tempdir().unwrap();
    write_config(
        dir.path(),
        &server,
        300,
        "2s",
        &format!("[fetch]\nper_host = 4\n[worker]\ndatabase = \"{db}\"\nlease = \"10s\"\nclaim = 50\nidle = \"200ms\"\n"),
    );
    let started = Instant::now();
    let mut workers: Vec<Worker> = (0..3)
        .map(|k| Worker::start(dir.path(), &format!("w{k}"), &["--no-emit"], &[]))
        .collect();
    std::thread::sleep(Duration::from_secs(20));
    for w in &mut workers {
        assert!(w.alive(), "worker died:\n{}", w.said());
    }
    let hits = server.hits();
    let elapsed = started.elapsed();
    for w in &mut workers {
        w.kill();
    }
    let said: Vec<String> = workers.iter().map(Worker::said).collect();
    let all = said.join("\n---\n");
    assert_eq!(hits.len(), 300, "sources fetched: {}\n{all}", hits.len());
    let mut fetches = 0;
    let mut closest = Duration::MAX;
    for (path, at) in &hits {
        fetches += at.len();
        for pair in at.windows(2) {
            let gap = pair[1] - pair[0];
            closest = closest.min(gap);
            assert!(
                gap >= Duration::from_millis(1990),
                "{path} fetched twice {gap:?} apart (refresh 2s)\n{all}"
            );
        }
        assert!(
            at.len() >= 3,
            "{path} fetched {} times in {elapsed:?}",
            at.len()
        );
    }
    // Every worker took part.
    for (k, s) in said.iter().enumerate() {
        assert!(
            s.contains("sources fetched"),
            "worker w{k} fetched nothing:\n{s}"
        );
    }
    let stored = stored_per_source(dir.path());
    assert_eq!(stored.len(), 300);
    assert!(stored.values().all(|ids| ids.len() == 3), "{stored:?}");
    eprintln!(
        "300 sources, 3 workers, {elapsed:?}: {fetches} fetches, closest two of one source {closest:?} apart"
    );
}
