//! End to end on the PostgreSQL store: `feedmill build` of the bundled example with
//! `[store] url` naming a database writes the same bytes as with the SQLite file, at the
//! first build and at a second one over the stored history; `stats` reads the database;
//! and a second build while one holds the database's build lock stops at once.
//!
//! Needs the test server of `scripts/test-servers.sh` (`FEEDMILL_TEST_POSTGRES_URL`):
//! without it this prints NOT CHECKED and passes, unless `CI` is set.

mod e2e_support;
mod store_support;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use e2e_support::{example_copy, files_below};
use store_support::{postgres_url, TempDb};

fn feedmill(dir: &Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_feedmill"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("run feedmill")
}

#[track_caller]
fn ok(out: &std::process::Output) {
    assert!(
        out.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Every file of the output, by relative path, but the build manifest (which lists
/// modification times).
fn tree(out: &Path) -> BTreeMap<String, Vec<u8>> {
    files_below(out)
        .into_iter()
        .map(|p| {
            let rel = p.strip_prefix(out).unwrap().to_string_lossy().into_owned();
            let bytes = std::fs::read(&p).unwrap();
            (rel, bytes)
        })
        .collect()
}

/// The example's feeds.toml with `[store] url` naming `url`.
fn with_store_url(dir: &Path, url: &str) {
    let path = dir.join("feeds.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(
        text.contains("[store]\n"),
        "the example has a [store] table"
    );
    let text = text.replacen("[store]\n", &format!("[store]\nurl = \"{url}\"\n"), 1);
    std::fs::write(&path, text).unwrap();
}

#[test]
fn the_example_builds_the_same_bytes_on_postgresql_as_on_sqlite() {
    let Some(admin) = postgres_url("the example on PostgreSQL") else {
        return;
    };
    let db = TempDb::create(&admin);
    let sqlite = example_copy();
    let pg = example_copy();
    with_store_url(pg.path(), &db.url);
    for round in 1..=2 {
        ok(&feedmill(
            sqlite.path(),
            &["build", "--config", "feeds.toml"],
        ));
        ok(&feedmill(pg.path(), &["build", "--config", "feeds.toml"]));
        let (a, b) = (
            tree(&sqlite.path().join("public")),
            tree(&pg.path().join("public")),
        );
        assert!(a.len() > 10, "{:?}", a.keys());
        assert_eq!(
            a.keys().collect::<Vec<_>>(),
            b.keys().collect::<Vec<_>>(),
            "build {round}: the same files"
        );
        for (rel, bytes) in &a {
            assert!(
                b.get(rel) == Some(bytes),
                "build {round}: {rel} differs between SQLite and PostgreSQL"
            );
        }
    }
    assert!(
        !pg.path().join("feedmill.db").exists(),
        "the PostgreSQL site writes no SQLite file"
    );
    let stats = feedmill(pg.path(), &["stats", "--config", "feeds.toml"]);
    ok(&stats);
    let text = String::from_utf8_lossy(&stats.stdout);
    assert!(text.contains("postgres://"), "{text}");
    assert!(!text.contains("feedmill.db"), "{text}");
}

#[test]
fn a_build_stops_at_once_while_another_holds_the_databases_build_lock() {
    let Some(admin) = postgres_url("the build lock on PostgreSQL") else {
        return;
    };
    let db = TempDb::create(&admin);
    let site = example_copy();
    with_store_url(site.path(), &db.url);
    let held = feedmill::store::BuildLock::acquire_url(&db.store_url()).expect("lock");
    let out = feedmill(site.path(), &["build", "--config", "feeds.toml"]);
    assert_eq!(out.status.code(), Some(75), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!("pid {}", std::process::id())),
        "names the holder: {err}"
    );
    assert!(!site.path().join("public").exists(), "nothing written");
    drop(held);
    ok(&feedmill(site.path(), &["build", "--config", "feeds.toml"]));
}
