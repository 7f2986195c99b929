//! JSON Feed 1.1 beside every RSS and Atom feed of the bundled example, built with the
//! `feedmill` binary: each document passes the JSON Feed rules, parses back with feed-rs
//! with the same entries as its RSS twin, and is listed in the index (with
//! autodiscovery) and the OPML; `json_feed = false` writes none and lists none.

mod e2e_support;
mod formats_support;

use std::process::Command;

use e2e_support::{example_copy, parse_feed};
use formats_support::{check_output, json_feed_problems};
use serde_json::Value;

const BASE: &str = "https://feeds.example.vn/";

fn build(dir: &std::path::Path) {
    let out = Command::new(env!("CARGO_BIN_EXE_feedmill"))
        .args(["build", "--quiet", "--config"])
        .arg(dir.join("feeds.toml"))
        .output()
        .expect("feedmill runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn every_feed_of_the_example_has_a_json_feed_that_follows_the_rules_and_reads_back() {
    let example = example_copy();
    build(example.path());
    let out = example.path().join("public");
    let (rss, atom, json) = check_output(&out, BASE);
    assert_eq!(
        (rss, atom),
        (json, json),
        "one JSON Feed per RSS and Atom feed"
    );
    assert!(json >= 20, "{json}");
    for (rel, _) in formats_support::documents(&out)
        .into_iter()
        .filter(|(r, _)| r.ends_with("feed.json"))
    {
        let f = parse_feed(&out.join(&rel));
        let twin = parse_feed(&out.join(rel.replace("feed.json", "rss.xml")));
        let ids = |f: &feed_rs::model::Feed| -> Vec<String> {
            f.entries
                .iter()
                .map(|e| {
                    e.title
                        .as_ref()
                        .map(|t| t.content.clone())
                        .unwrap_or_default()
                })
                .collect()
        };
        assert_eq!(ids(&f), ids(&twin), "{rel}");
    }
    let v: Value =
        serde_json::from_slice(&std::fs::read(out.join("other-news/feed.json")).unwrap()).unwrap();
    assert_eq!(v["home_page_url"], BASE);
    assert_eq!(v["feed_url"], format!("{BASE}other-news/feed.json"));
    assert_eq!(v["language"], "vi");
    assert_eq!(v["authors"][0]["name"], "Tin Yên Bái");
    let first = &v["items"][0];
    for key in [
        "id",
        "url",
        "title",
        "content_html",
        "summary",
        "image",
        "date_published",
        "tags",
    ] {
        assert!(first.get(key).is_some(), "items carry {key}: {first}");
    }
    // Dates in the site's zone (+07:00).
    assert!(first["date_published"]
        .as_str()
        .unwrap()
        .ends_with("+07:00"));

    let index = std::fs::read_to_string(out.join("index.html")).unwrap();
    // (The index is a template now: an alternate's title names its format, a link's
    // title its feed.)
    assert!(index.contains(
        "<link rel=\"alternate\" type=\"application/feed+json\" title=\"Tin Yên Bái — Các tin khác (JSON Feed)\" href=\"https://feeds.example.vn/other-news/feed.json\">"
    ), "{index}");
    assert!(index.contains("<a href=\"tag/luc-yen/feed.json\" title=\"Lục Yên: nguồn tin dạng JSON Feed\">JSON Feed</a>"));
    let opml = std::fs::read_to_string(out.join("feeds.opml")).unwrap();
    assert!(
        opml.contains("jsonUrl=\"https://feeds.example.vn/tag/luc-yen/feed.json\""),
        "{opml}"
    );
    // The checker itself rejects what JSON Feed 1.1 rejects.
    let bad = r#"{"version":"https://jsonfeed.org/version/1.1","title":"t","feed_url":"https://x/f.json",
        "next_url":"https://x/f.json","items":[{"id":"1","date_published":"yesterday"},{"id":"1","content_text":"x"}]}"#;
    let problems = json_feed_problems(bad, "https://x/f.json");
    for needle in [
        "next_url is the feed's own URL",
        "neither content_html",
        "not RFC 3339",
        "repeated",
    ] {
        assert!(
            problems.iter().any(|p| p.contains(needle)),
            "{needle}: {problems:?}"
        );
    }
}

#[test]
fn json_feed_off_writes_and_lists_none() {
    let example = example_copy();
    let cfg = example.path().join("feeds.toml");
    let text = std::fs::read_to_string(&cfg).unwrap();
    assert!(
        text.contains("json_feed = true"),
        "the example sets the key"
    );
    std::fs::write(&cfg, text.replace("json_feed = true", "json_feed = false")).unwrap();
    build(example.path());
    let out = example.path().join("public");
    let (_, _, json) = check_output(&out, BASE);
    assert_eq!(json, 0);
    let index = std::fs::read_to_string(out.join("index.html")).unwrap();
    assert!(!index.contains("feed.json"));
    assert!(!std::fs::read_to_string(out.join("feeds.opml"))
        .unwrap()
        .contains("jsonUrl"));
}
