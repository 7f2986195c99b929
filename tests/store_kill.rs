//! A build killed at any moment (SIGKILL, from the test) leaves a readable, consistent
//! store and whole output files: every feed file is the old or the new version, and every
//! source's articles are all of one build (a build stores its sources in batches).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use feedmill::store::{SqliteStore, Store};

mod store_support;

const SOURCES: usize = 20;
const PER_SOURCE: usize = 400;
const TAGS: usize = 600;

/// Writes every source; `round` changes every title so each build has work to do.
fn write_sources(dir: &Path, round: usize) {
    for s in 0..SOURCES {
        let mut x = String::from(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><rss version=\"2.0\"><channel><title>Nguồn</title><link>https://nguon.example.vn/</link><description>d</description>",
        );
        for i in 0..PER_SOURCE {
            let n = s * PER_SOURCE + i;
            let _ = write!(
                x,
                "<item><title>Bài {n} lần {round}</title><link>https://nguon{s}.example.vn/bai-{n}.html</link><description>Tóm tắt bài {n}, phiên bản {round}.</description><pubDate>Sat, {:02} Mar 2025 {:02}:{:02}:00 +0700</pubDate>",
                1 + n % 28,
                n % 24,
                n % 60
            );
            for k in 0..3 {
                let _ = write!(x, "<category>Thẻ {}</category>", (n * 7 + k * 131) % TAGS);
            }
            x.push_str("</item>");
        }
        x.push_str("</channel></rss>");
        std::fs::write(dir.join(format!("s{s}.rss")), x).unwrap();
    }
}

fn write_config(dir: &Path) -> PathBuf {
    let mut t = String::from(
        "[site]\ntitle = \"Bench\"\nbase_url = \"https://feeds.example.vn/\"\nlanguage = \"vi\"\n\n[feeds]\nitems = 10\n\n[limits]\nsources_per_batch = 3\n\n",
    );
    for s in 0..SOURCES {
        let _ = writeln!(t, "[[source]]\nname = \"s{s}\"\nurl = \"s{s}.rss\"\n");
    }
    let path = dir.join("feeds.toml");
    std::fs::write(&path, t).unwrap();
    path
}

fn xml_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|e| e == "xml") {
                out.push(p);
            }
        }
    }
    out
}

/// The store opens, passes SQLite's integrity check and its articles all read back; every
/// feed file parses. Returns (stored articles, feed files).
fn check(dir: &Path) -> (usize, usize) {
    let db = dir.join("feedmill.db");
    let mut articles = 0;
    if db.exists() {
        let integrity: String = rusqlite::Connection::open(&db)
            .unwrap()
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .unwrap();
        assert_eq!(integrity, "ok");
        let store = SqliteStore::open(&db).expect("the store opens after a kill");
        articles = check_store(&store);
    }
    (articles, check_files(dir))
}

/// Every article of the store reads back, each source's from one build only; its stats
/// read. Returns
/// how many articles it holds.
fn check_store(store: &dyn Store) -> usize {
    let all = store.articles().expect("every article reads back");
    // A build stores its sources a batch at a time (`limits.sources_per_batch`): each
    // source's articles land all at once or not at all, one round's titles per source.
    let mut rounds: std::collections::BTreeMap<&str, std::collections::BTreeSet<&str>> =
        Default::default();
    for a in &all {
        if let Some((_, r)) = a.title.rsplit_once(" lần ") {
            rounds.entry(a.source.as_str()).or_default().insert(r);
        }
    }
    for (source, r) in &rounds {
        assert!(
            r.len() <= 1,
            "half of source {source} was committed: rounds {r:?}"
        );
    }
    store.stats().expect("stats after a kill");
    all.len()
}

/// Every feed file of the output parses; returns how many there are.
fn check_files(dir: &Path) -> usize {
    let files = xml_files(&dir.join("public"));
    for f in &files {
        let bytes = std::fs::read(f).unwrap();
        feed_rs::parser::parse(&bytes[..])
            .unwrap_or_else(|e| panic!("{} is not a whole feed: {e}", f.display()));
    }
    files.len()
}

#[test]
fn a_build_killed_at_any_moment_leaves_a_readable_store_and_whole_files() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let config = write_config(dir);
    let run = |round: usize| {
        write_sources(dir, round);
        Command::new(env!("CARGO_BIN_EXE_feedmill"))
            .args(["build", "--quiet", "--config"])
            .arg(&config)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn feedmill")
    };

    // One whole build first, so later kills interrupt rewriting existing files.
    let status = run(0).wait().unwrap();
    assert!(status.success());
    let (articles, files) = check(dir);
    assert_eq!(articles, SOURCES * PER_SOURCE);
    assert!(files > 2 * TAGS / 2, "{files} feed files");

    let mut finished_early = 0;
    for (round, delay_ms) in [100u64, 300, 600, 1000, 1500, 2200].into_iter().enumerate() {
        let mut child = run(round + 1);
        std::thread::sleep(Duration::from_millis(delay_ms));
        if child.try_wait().unwrap().is_some() {
            finished_early += 1;
        }
        // `Child::kill` is SIGKILL on Unix: no chance to clean up.
        let _ = child.kill();
        let _ = child.wait();
        check(dir);
    }
    assert!(
        finished_early < 6,
        "every build finished before its kill; the test killed nothing"
    );

    // After all that, a build runs to the end and everything is there.
    let status = run(99).wait().unwrap();
    assert!(status.success());
    let (articles, _) = check(dir);
    assert_eq!(articles, SOURCES * PER_SOURCE);
    // Temporary files a killed build left behind are gone after a build that completes.
    let mut leftovers = Vec::new();
    let mut stack = vec![dir.join("public")];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "tmp") {
                leftovers.push(p);
            }
        }
    }
    assert!(leftovers.is_empty(), "left behind: {leftovers:?}");
    let store = SqliteStore::open(&dir.join("feedmill.db")).unwrap();
    let titles: Vec<String> = store
        .articles()
        .unwrap()
        .into_iter()
        .map(|a| a.title)
        .collect();
    let stale: Vec<&String> = titles.iter().filter(|t| !t.ends_with(" lần 99")).collect();
    assert!(
        stale.is_empty(),
        "not from the last build: {:?}",
        &stale[..stale.len().min(3)]
    );

    // `feedmill stats` reads the same store.
    let stats = Command::new(env!("CARGO_BIN_EXE_feedmill"))
        .args(["stats", "--tags", "1", "--config"])
        .arg(&config)
        .output()
        .expect("run feedmill stats");
    assert!(stats.status.success());
    let text = String::from_utf8_lossy(&stats.stdout);
    assert!(
        text.contains(&format!(
            "(schema v{}): {} articles",
            feedmill::store::SCHEMA_VERSION,
            SOURCES * PER_SOURCE
        )),
        "{text}"
    );
    assert!(text.contains("sources (20):"), "{text}");
    assert!(text.contains(&format!("tags ({TAGS}, top 1):")), "{text}");
}

/// The same on the PostgreSQL store: a build killed at any moment leaves the database as
/// before or after it (one transaction), its build lock goes with its connection (the next
/// build runs), and the output stays whole.
#[test]
fn a_build_killed_at_any_moment_leaves_the_postgresql_store_consistent() {
    let Some(admin) = store_support::postgres_url("a killed build on PostgreSQL") else {
        return;
    };
    let db = store_support::TempDb::create(&admin);
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let config = write_config(dir);
    let mut text = std::fs::read_to_string(&config).unwrap();
    text.push_str(&format!("\n[store]\nurl = \"{}\"\n", db.url));
    std::fs::write(&config, text).unwrap();
    let open = || feedmill::store::open_url(&db.store_url()).expect("the store opens after a kill");
    let run = |round: usize| {
        write_sources(dir, round);
        Command::new(env!("CARGO_BIN_EXE_feedmill"))
            .args(["build", "--quiet", "--config"])
            .arg(&config)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn feedmill")
    };
    assert!(run(0).wait().unwrap().success());
    assert_eq!(check_store(open().as_ref()), SOURCES * PER_SOURCE);
    let mut finished_early = 0;
    for (round, delay_ms) in [100u64, 300, 600, 1000, 1500].into_iter().enumerate() {
        let mut child = run(round + 1);
        std::thread::sleep(Duration::from_millis(delay_ms));
        if child.try_wait().unwrap().is_some() {
            finished_early += 1;
        }
        let _ = child.kill();
        let _ = child.wait();
        check_store(open().as_ref());
        check_files(dir);
    }
    assert!(
        finished_early < 5,
        "every build finished before its kill; the test killed nothing"
    );
    // The killed builds' locks went with their connections: this one runs to the end.
    let status = run(99).wait().unwrap();
    assert!(status.success(), "a build after the kills runs");
    let store = open();
    assert_eq!(check_store(store.as_ref()), SOURCES * PER_SOURCE);
    assert!(store
        .articles()
        .unwrap()
        .iter()
        .all(|a| a.title.ends_with(" lần 99")));
    assert!(!dir.join("feedmill.db").exists(), "no SQLite file");
}
