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

/// Articles per source in the store the config in `dir` names, by source name.
fn stored_per_source(dir: &std::path::Path) -> BTreeMap<String, Vec<String>> {
    let cfg = feedmill::config::Config::load(&dir.join("feeds.toml")).unwrap();
    let store = feedmill::store::open_config(&cfg).unwrap();
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
        // The store in PostgreSQL too: the workers' tables beside it ([worker] database
        // defaults to [store] url's).
        &format!("[fetch]\nper_host = 4\n[store]\nurl = \"{db}\"\n[worker]\nlease = \"10s\"\nclaim = 50\nidle = \"200ms\"\n"),
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
        // Every source at least once (how often more depends on the machine's load; the
        // figures are printed below).
        assert!(!at.is_empty(), "{path} never fetched in {elapsed:?}");
    }
    // Workers that started later may find every per-host slot (10 hosts × 4) taken by
    // the others under load: taking part is not asked of each, only that none emitted.
    for s in &said {
        assert!(!s.contains("emitted"), "a --no-emit worker emitted:\n{s}");
    }
    assert!(!dir.path().join("public").exists());
    let stored = stored_per_source(dir.path());
    assert_eq!(stored.len(), 300);
    assert!(stored.values().all(|ids| ids.len() == 3), "{stored:?}");
    let fewest = hits.values().map(Vec::len).min().unwrap_or(0);
    eprintln!(
        "300 sources, 3 workers, {elapsed:?}: {fetches} fetches (each source {fewest} times or more), closest two of one source {closest:?} apart"
    );
}

#[test]
fn workers_together_never_hold_more_than_per_host_requests_on_one_host() {
    let Some(pg) = postgres_url("per_host") else {
        return;
    };
    let db = fresh_database(&pg, "per_host");
    let server = FeedServer::start(1);
    server.delay(Duration::from_millis(300));
    let dir = tempfile::tempdir().unwrap();
    write_config(
        dir.path(),
        &server,
        30,
        "1h",
        &format!(
            "[fetch]\nper_host = 2\n[worker]\ndatabase = \"{db}\"\nclaim = 10\nidle = \"50ms\"\n"
        ),
    );
    let workers: Vec<Worker> = (0..3)
        .map(|k| Worker::start(dir.path(), &format!("w{k}"), &["--no-emit"], &[]))
        .collect();
    let all_fetched = wait_for(Duration::from_secs(40), || server.hits().len() == 30);
    let said: Vec<String> = workers.iter().map(Worker::said).collect();
    assert!(
        all_fetched,
        "{} of 30 fetched\n{}",
        server.hits().len(),
        said.join("\n")
    );
    // One host, per_host = 2: never more than two requests at once across the workers.
    assert_eq!(server.most_in_flight(), 2, "{}", said.join("\n"));
    assert!(server.hits().values().all(|at| at.len() == 1));
}

#[test]
fn a_killed_workers_sources_are_fetched_by_another_after_its_lease_expires() {
    let Some(pg) = postgres_url("killed_worker") else {
        return;
    };
    let db = fresh_database(&pg, "killed");
    let server = FeedServer::start(2);
    // Source 7's first request is never answered: worker a is mid-fetch when killed.
    server.hold_first(7);
    let dir = tempfile::tempdir().unwrap();
    write_config(
        dir.path(),
        &server,
        20,
        "1h",
        &format!(
            "[fetch]\nper_host = 20\ntimeout = \"120s\"\n[store]\nurl = \"{db}\"\n[worker]\nlease = \"3s\"\nclaim = 20\nidle = \"100ms\"\n"
        ),
    );
    let mut a = Worker::start(dir.path(), "a", &["--no-emit"], &[]);
    assert!(
        wait_for(Duration::from_secs(30), || server.hits().len() == 20),
        "worker a did not fetch the 20 sources:\n{}",
        a.said()
    );
    let b = Worker::start(dir.path(), "b", &["--no-emit"], &[]);
    // a is alive and renews its leases (every second): b takes none of its sources,
    // though the lease is 3 s and a's round is stuck on source 7.
    std::thread::sleep(Duration::from_secs(5));
    assert_eq!(
        server.total(),
        20,
        "b fetched a's leased sources:\n{}",
        b.said()
    );
    a.kill();
    let killed = Instant::now();
    // a stored nothing (its round never finished); b fetches all 20 once a's leases expire.
    assert!(
        wait_for(Duration::from_secs(30), || (0..20)
            .all(|i| server.count(i) == 2)
            && b.said().contains("20 sources fetched")),
        "b did not take a's sources: {:?}\n{}",
        (0..20).map(|i| server.count(i)).collect::<Vec<_>>(),
        b.said()
    );
    let taken = server.hits().values().map(|at| at[1]).min().unwrap();
    assert!(
        taken >= killed,
        "b fetched before a was killed (its leases were alive)"
    );
    drop(b);
    let stored = stored_per_source(dir.path());
    assert_eq!(stored.len(), 20, "{stored:?}");
    for (source, ids) in &stored {
        let mut unique = ids.clone();
        unique.sort();
        unique.dedup();
        assert_eq!((ids.len(), unique.len()), (3, 3), "{source}: {ids:?}");
    }
}

#[test]
fn a_worker_whose_config_differs_refuses_to_start_until_adopted() {
    let Some(pg) = postgres_url("config_version") else {
        return;
    };
    let db = fresh_database(&pg, "version");
    let server = FeedServer::start(1);
    let dir = tempfile::tempdir().unwrap();
    let worker = format!("[worker]\ndatabase = \"{db}\"\nidle = \"100ms\"\n");
    write_config(dir.path(), &server, 3, "1h", &worker);
    let mut a = Worker::start(dir.path(), "a", &["--no-emit"], &[]);
    assert!(wait_for(Duration::from_secs(20), || server.hits().len() == 3));
    // Another feeds.toml (a fourth source) on the same database.
    let other = tempfile::tempdir().unwrap();
    write_config(other.path(), &server, 4, "1h", &worker);
    let mut b = Worker::start(other.path(), "b", &["--no-emit"], &[]);
    let status = b.child.wait().unwrap();
    let said = b.said();
    assert_eq!(status.code(), Some(3), "{said}");
    let ours = feedmill::worker::version::config_version(
        &std::fs::read_to_string(other.path().join("feeds.toml")).unwrap(),
    )
    .unwrap();
    let theirs = feedmill::worker::version::config_version(
        &std::fs::read_to_string(dir.path().join("feeds.toml")).unwrap(),
    )
    .unwrap();
    assert!(
        said.contains(&format!("is config version {ours}")),
        "{said}"
    );
    assert!(
        said.contains(&format!("run {theirs} (adopted by a")),
        "{said}"
    );
    assert!(said.contains("--adopt-config"), "{said}");
    assert_eq!(server.hits().len(), 3, "b fetched before refusing");
    // Rolled out: b adopts its config and fetches the fourth source; a stops at its
    // next claim, naming both versions.
    let _c = Worker::start(other.path(), "c", &["--no-emit", "--adopt-config"], &[]);
    assert!(wait_for(Duration::from_secs(20), || server.count(3) == 1));
    let status = a.child.wait().unwrap();
    assert_eq!(status.code(), Some(3), "{}", a.said());
    assert!(
        a.said().contains(&format!(
            "now run config version {ours} and this worker runs {theirs}"
        )),
        "{}",
        a.said()
    );
}

#[test]
fn workers_outlive_postgresql_stopped_for_10_seconds_and_go_on_when_it_is_back() {
    let Some(cluster) = worker_support::Cluster::start("postgres_restart") else {
        return;
    };
    let server = FeedServer::start(2);
    let dir = tempfile::tempdir().unwrap();
    write_config(
        dir.path(),
        &server,
        20,
        "1s",
        &format!(
            // The store on the stopped server too: it is opened again when it is back.
            "[store]\nurl = \"{}\"\n[worker]\nlease = \"6s\"\nclaim = 5\nidle = \"100ms\"\nmax_backoff = \"2s\"\n",
            cluster.url()
        ),
    );
    let mut workers: Vec<Worker> = (0..2)
        .map(|k| Worker::start(dir.path(), &format!("w{k}"), &[], &[]))
        .collect();
    assert!(
        wait_for(Duration::from_secs(60), || server.total() >= 40),
        "{}",
        workers[0].said()
    );
    cluster.down();
    let stopped = Instant::now();
    std::thread::sleep(Duration::from_secs(10));
    let during = server.total();
    for w in &mut workers {
        assert!(
            w.alive(),
            "a worker exited while the database was down:\n{}",
            w.said()
        );
        let said = w.said();
        assert!(said.contains("failed ("), "{said}");
        assert!(
            said.contains("again in 2000 ms"),
            "no backoff up to the cap:\n{said}"
        );
    }
    let stored_before: Vec<usize> = workers
        .iter()
        .map(|w| w.said().matches("and stored").count())
        .collect();
    cluster.up();
    let restarted = Instant::now();
    assert!(
        wait_for(Duration::from_secs(60), || server.total() >= during + 40),
        "no fetch after the restart:\n{}",
        workers[0].said()
    );
    for w in &mut workers {
        assert!(w.alive(), "{}", w.said());
        assert!(
            w.said().contains("connected to the database again"),
            "{}",
            w.said()
        );
    }
    // And they store again (the store, in the restarted database, opened anew). Not
    // necessarily both: per_host (2 on each of 2 hosts) lets one worker hold every slot.
    assert!(
        wait_for(Duration::from_secs(60), || workers
            .iter()
            .zip(&stored_before)
            .any(|(w, n)| w.said().matches("and stored").count() > *n)),
        "{}",
        workers[0].said()
    );
    let hits = server.hits();
    for (path, at) in &hits {
        for pair in at.windows(2) {
            assert!(
                pair[1] - pair[0] >= Duration::from_millis(990),
                "{path}: {at:?}"
            );
        }
    }
    // What was fetched is in the store, each article once.
    let stored = stored_per_source(dir.path());
    assert_eq!(stored.len(), 20, "{stored:?}");
    assert!(stored.values().all(|ids| ids.len() == 3), "{stored:?}");
    eprintln!(
        "down {:?}, back: 40 more fetches {:?} after the restart",
        restarted - stopped,
        restarted.elapsed()
    );
}

#[test]
fn a_worker_without_a_database_refuses_to_start_naming_the_keys() {
    let dir = tempfile::tempdir().unwrap();
    let server = FeedServer::start(1);
    write_config(dir.path(), &server, 1, "1h", "");
    let mut w = Worker::start(dir.path(), "alone", &[], &[]);
    let status = w.child.wait().unwrap();
    assert_eq!(status.code(), Some(2), "{}", w.said());
    assert!(
        w.said()
            .contains("neither [worker] database nor [store] url is set"),
        "{}",
        w.said()
    );
    assert_eq!(server.total(), 0);
}
