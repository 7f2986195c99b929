//! `feedmill stats` agrees with the feeds: on the bundled example, articles per source
//! after cross-source deduplication, and every tag and category with the name, slug and
//! article count its feed shows. What the store holds is there too, labelled as such.

mod build_support;

use std::path::{Path, PathBuf};

use build_support::feedmill;

/// The bundled example's feeds.toml with its sources' paths made absolute and the store
/// and output in a temporary folder.
fn example(dir: &Path) -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(root.join("feeds.toml")).expect("feeds.toml");
    let text = text
        .replace(
            "output_dir = \"public\"",
            &format!(
                "output_dir = \"{}\"\nstore = \"{}\"",
                dir.join("public").display(),
                dir.join("feedmill.db").display()
            ),
        )
        .replace(
            "url = \"examples/",
            &format!("url = \"{}/examples/", root.display()),
        );
    let path = dir.join("feeds.toml");
    std::fs::write(&path, text).expect("write");
    path
}

fn feed(path: &Path) -> feed_rs::model::Feed {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    feed_rs::parser::parse(&bytes[..]).expect("parses")
}

#[test]
fn stats_agree_with_the_feeds_of_the_bundled_example() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let config = example(tmp.path());
    let run = feedmill()
        .args(["build", "--quiet", "--config"])
        .arg(&config)
        .output()
        .expect("build");
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let run = feedmill()
        .args(["stats", "--json", "--config"])
        .arg(&config)
        .output()
        .expect("stats");
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let stats: serde_json::Value = serde_json::from_slice(&run.stdout).expect("json");
    let out = tmp.path().join("public");

    let merged = feed(&out.join("other-news/rss.xml"));
    assert_eq!(stats["articles"], merged.entries.len(), "{stats:#}");
    let per_source: u64 = stats["sources"]
        .as_array()
        .expect("sources")
        .iter()
        .map(|s| s["articles"].as_u64().expect("count"))
        .sum();
    assert_eq!(per_source as usize, merged.entries.len(), "{stats:#}");
    // What the store holds, duplicates across sources included, is labelled as such.
    assert_eq!(stats["stored_articles"], 11, "{stats:#}");
    let stored: u64 = stats["sources"]
        .as_array()
        .expect("sources")
        .iter()
        .map(|s| s["stored"].as_u64().expect("count"))
        .sum();
    assert_eq!(stored, 11);

    for (kind, key) in [("tag", "tags"), ("category", "categories")] {
        let labels = stats[key].as_array().expect("labels");
        let folders = std::fs::read_dir(out.join(kind)).expect("feeds").count();
        assert_eq!(labels.len(), folders, "{key}: {stats:#}");
        for l in labels {
            let slug = l["slug"].as_str().expect("slug");
            let f = feed(&out.join(format!("{kind}/{slug}/rss.xml")));
            let title = f.title.expect("title").content;
            assert_eq!(
                title,
                format!("Tin Yên Bái — {}", l["name"].as_str().expect("name")),
                "{kind}/{slug}"
            );
            assert_eq!(l["articles"], f.entries.len(), "{kind}/{slug}");
        }
    }

    let run = feedmill()
        .args(["stats", "--tags", "0", "--config"])
        .arg(&config)
        .output()
        .expect("stats");
    let text = String::from_utf8_lossy(&run.stdout);
    assert!(text.contains("Đảng bộ xã"), "{text}");
    assert!(!text.contains("ĐẢNG BỘ XÃ"), "{text}");
    assert!(text.contains("): 9 articles"), "{text}");
}
