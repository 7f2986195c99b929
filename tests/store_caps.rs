//! A source can make the store hold at most `limits.stored_per_source` of its articles: a
//! feed that rotates its GUIDs at every fetch no longer grows the store until retention.

mod store_support;

use std::path::Path;

use feedmill::config::Config;
use feedmill::pipeline::{build, BuildOptions, BuildReport};

/// A build an hour after the previous one (the store keeps sightings to the second).
fn run(cfg: &Config, round: i64) -> BuildReport {
    let opts = BuildOptions {
        now: chrono::DateTime::from_timestamp(1_700_000_000 + 3600 * round, 0),
        ..BuildOptions::default()
    };
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(build(cfg, &opts))
        .expect("build")
}

fn write_feed(dir: &Path, round: usize, n: usize) {
    let items: String = (0..n)
        .map(|i| {
            format!(
                "<item><title>Round {round} item {i}</title><guid isPermaLink=\"false\">r{round}-{i}</guid></item>"
            )
        })
        .collect();
    std::fs::write(
        dir.join("rot.rss"),
        format!("<rss version=\"2.0\"><channel><title>C</title>{items}</channel></rss>"),
    )
    .unwrap();
}

#[test]
fn rotating_guids_keep_the_store_at_stored_per_source() {
    store_support::each_backend(
        "rotating_guids_keep_the_store_at_stored_per_source",
        |fresh| {
            let tmp = fresh.dir();
            let store_url = fresh
                .db()
                .map(|db| format!("[store]\nurl = \"{}\"\n", db.url))
                .unwrap_or_default();
            std::fs::write(
                tmp.join("feeds.toml"),
                format!(
                    "[site]\ntitle = \"T\"\nbase_url = \"https://feeds.example.vn/\"\n\
             [limits]\nitems_per_source = 300\nstored_per_source = 700\n{store_url}\
             [[source]]\nname = \"rot\"\nurl = \"rot.rss\"\n"
                ),
            )
            .unwrap();
            let cfg = Config::load(&tmp.join("feeds.toml")).unwrap();
            let mut last = None;
            for round in 0..5 {
                write_feed(tmp, round, 300);
                last = Some(run(&cfg, round as i64));
            }
            let report = last.unwrap();
            let store = feedmill::store::open_config(&cfg).unwrap();
            let stored: usize = store.stats().unwrap().articles;
            assert_eq!(
                stored, 700,
                "the store holds at most stored_per_source articles of a source"
            );
            // The latest fetch is always kept whole; the oldest sightings go first.
            assert_eq!(report.sources[0].articles, 300);
            let titles: Vec<String> = store
                .articles()
                .unwrap()
                .into_iter()
                .map(|a| a.title)
                .collect();
            assert!(titles.iter().any(|t| t.starts_with("Round 4 ")));
            assert!(
                !titles.iter().any(|t| t.starts_with("Round 0 ")),
                "the oldest round is gone"
            );
            assert!(
                report.sources[0]
                    .warnings
                    .iter()
                    .any(|w| w.contains("limits.stored_per_source")),
                "{:?}",
                report.sources[0].warnings
            );
        },
    );
}
