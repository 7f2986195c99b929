//! A build stores its sources a batch at a time (`limits.sources_per_batch`); how the
//! sources are batched changes nothing a reader sees: the same history built with one
//! source per batch and with every source in one batch gives byte-identical output and the
//! same stored articles, including articles merged across sources of different batches,
//! a source removed from the config and retention.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Duration, Utc};
use feedmill::config::Config;
use feedmill::pipeline::{build, BuildOptions};
use feedmill::store::{SqliteStore, Store};

const SOURCES: usize = 7;
const PER_SOURCE: usize = 30;

/// Source `s` at `round`: its articles, every third one sharing its link with the same
/// article of source `s + 1` (so stories merge across batches), and from round 1 the first
/// five articles of each source changed and the last ten gone from its feed.
fn write_sources(dir: &Path, round: usize) {
    for s in 0..SOURCES {
        let mut x = String::from(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><rss version=\"2.0\"><channel><title>Nguồn</title><link>https://nguon.example.vn/</link><description>d</description>",
        );
        let shown = if round == 0 {
            PER_SOURCE
        } else {
            PER_SOURCE - 10
        };
        for i in 0..shown {
            let n = s * PER_SOURCE + i;
            let link = if i % 3 == 0 {
                format!("https://chung.example.vn/bai-{}.html", (s / 2) * 100 + i)
            } else {
                format!("https://nguon{s}.example.vn/bai-{n}.html")
            };
            let rev = if round > 0 && i < 5 { round } else { 0 };
            let _ = write!(
                x,
                "<item><title>Bài {n} bản {rev}</title><link>{link}</link><description>Tóm tắt bài {n}.</description><pubDate>Sat, {:02} Mar 2025 {:02}:{:02}:00 +0700</pubDate><category>Thẻ {}</category><category>Thẻ {}</category></item>",
                1 + n % 28,
                n % 24,
                n % 60,
                n % 5,
                (n * 7) % 11
            );
        }
        x.push_str("</channel></rss>");
        std::fs::write(dir.join(format!("s{s}.rss")), x).unwrap();
    }
}

fn write_config(dir: &Path, per_batch: usize, sources: usize) -> PathBuf {
    let mut t = format!(
        "[site]\ntitle = \"Lô\"\nbase_url = \"https://feeds.example.vn/\"\nlanguage = \"vi\"\n\n[feeds]\nitems = 12\n\n[store]\nretention_days = 3\n\n[limits]\nsources_per_batch = {per_batch}\n\n[[category]]\nname = \"Chuyên mục\"\ntags = [\"Thẻ 1\", \"Thẻ 2\"]\n\n"
    );
    for s in 0..sources {
        let _ = writeln!(t, "[[source]]\nname = \"s{s}\"\nurl = \"s{s}.rss\"\n");
    }
    let path = dir.join("feeds.toml");
    std::fs::write(&path, t).unwrap();
    path
}

/// What one build left: every output file with its bytes, and the stored articles.
type Round = (BTreeMap<String, Vec<u8>>, Vec<String>);

/// Every file below `dir` by its path relative to it, with its bytes.
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(dir).unwrap().display().to_string();
                out.insert(rel, std::fs::read(&p).unwrap());
            }
        }
    }
    out
}

/// Builds the same three rounds (all sources; changed sources; the last source removed
/// and, days later, retention) with `per_batch` sources a batch; what each round left.
fn history(per_batch: usize) -> Vec<Round> {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let start: DateTime<Utc> = "2025-03-10T00:00:00Z".parse().unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let mut out = Vec::new();
    for (round, sources, days) in [(0, SOURCES, 0), (1, SOURCES, 1), (1, SOURCES - 1, 5)] {
        write_sources(dir, round);
        let cfg = Config::load(&write_config(dir, per_batch, sources)).unwrap();
        let opts = BuildOptions {
            now: Some(start + Duration::days(days)),
            ..BuildOptions::default()
        };
        let report = rt.block_on(build(&cfg, &opts)).unwrap();
        assert!(report.failures().next().is_none(), "{:?}", report.sources);
        let store = SqliteStore::open(&cfg.site.store).unwrap();
        let mut stored: Vec<String> = store
            .articles()
            .unwrap()
            .into_iter()
            .map(|a| format!("{} {} {} {:?}", a.source, a.id, a.title, a.updated))
            .collect();
        stored.sort();
        out.push((files(&cfg.site.output_dir), stored));
    }
    out
}

#[test]
fn batching_the_sources_changes_nothing_a_reader_sees() {
    let one_by_one = history(1);
    let all_at_once = history(1000);
    let three = history(3);
    for (round, ((a, b), c)) in one_by_one.iter().zip(&all_at_once).zip(&three).enumerate() {
        assert_eq!(a.1, b.1, "round {round}: stored articles differ");
        assert_eq!(a.1, c.1, "round {round}: stored articles differ");
        assert_eq!(
            a.0.keys().collect::<Vec<_>>(),
            b.0.keys().collect::<Vec<_>>(),
            "round {round}: different files"
        );
        for (name, bytes) in &a.0 {
            assert!(b.0[name] == *bytes, "round {round}: {name} differs");
            assert!(c.0[name] == *bytes, "round {round}: {name} differs");
        }
    }
    // The history did what it says: retention took the articles that left their feeds,
    // and the removed source's articles left the feeds.
    assert!(one_by_one[2].1.len() < one_by_one[1].1.len());
    assert!(one_by_one[0].0.len() > 10, "{:?}", one_by_one[0].0.keys());
}
