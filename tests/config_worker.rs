//! feeds.toml `[worker]`: its defaults, every key, and each mistake reported at its line
//! and column.

use std::path::Path;
use std::time::Duration;

use feedmill::config::{Config, WorkerCfg};

mod config_support;
use config_support::{assert_one, parse, SITE};

#[test]
fn without_worker_there_is_no_database_and_the_default_bounds() {
    let cfg = parse(SITE).unwrap();
    assert_eq!(cfg.worker, WorkerCfg::default());
    assert_eq!(cfg.worker.database, None);
    assert_eq!(cfg.worker.lease, Duration::from_secs(60));
    assert_eq!(cfg.worker.claim, 32);
    assert_eq!(cfg.worker.idle, Duration::from_secs(1));
    assert_eq!(cfg.worker.max_backoff, Duration::from_secs(30));
}

#[test]
fn worker_takes_every_key() {
    let text = format!(
        "{SITE}[worker]\ndatabase = \"postgres://feedmill@db.example.vn/feedmill\"\nlease = \"2m\"\nclaim = 5\nidle = \"250ms\"\nmax_backoff = \"10s\"\n"
    );
    let w = parse(&text).unwrap().worker;
    assert_eq!(
        w.database.as_deref(),
        Some("postgres://feedmill@db.example.vn/feedmill")
    );
    assert_eq!(w.lease, Duration::from_secs(120));
    assert_eq!(w.claim, 5);
    assert_eq!(w.idle, Duration::from_millis(250));
    assert_eq!(w.max_backoff, Duration::from_secs(10));
}

#[test]
fn worker_mistakes_are_errors_at_their_place() {
    let t = |body: &str| format!("{SITE}[worker]\n{body}\n");
    assert_one(&t("database = \"mysql://x/y\""), 5, 12, "PostgreSQL URL");
    assert_one(&t("claim = 0"), 5, 9, "claim");
    assert_one(&t("claim = 100000"), 5, 9, "claim");
    assert_one(&t("lease = \"0s\""), 5, 9, "lease");
    assert_one(&t("idle = \"0s\""), 5, 8, "idle");
    assert_one(&t("max_backoff = \"soon\""), 5, 15, "max_backoff");
    assert_one(&t("leese = \"5s\""), 5, 1, "lease");
}

#[test]
fn the_example_and_the_starter_carry_the_defaults() {
    let example = Config::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("feeds.toml")).unwrap();
    assert_eq!(example.worker, WorkerCfg::default());
}
