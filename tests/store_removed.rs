//! A source removed from feeds.toml: its articles leave the feeds at once, stay in the
//! store for `retention_days`, and come back when the source is re-added; tag slugs are
//! forgotten only when no stored article carries the tag. On every store backend.

mod build_support;

use chrono::{DateTime, Duration, TimeZone, Utc};

use build_support::*;
use feedmill::store::Store;

fn at(day: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 3, day, 12, 0, 0).unwrap()
}

const A: &str = "[[source]]\nname = \"a\"\nurl = \"a.rss\"\n";
const B: &str = "[[source]]\nname = \"b\"\nurl = \"b.rss\"\n";
const RETENTION: &str = "[store]\nretention_days = 30\n";

fn store(site: &Site) -> Box<dyn Store + Send> {
    site.open_store()
}

#[test]
fn a_removed_source_leaves_the_feeds_at_once_and_comes_back_when_re_added() {
    for backend in
        backends("a_removed_source_leaves_the_feeds_at_once_and_comes_back_when_re_added")
    {
        eprintln!(
            "a_removed_source_leaves_the_feeds_at_once_and_comes_back_when_re_added: {backend:?}"
        );
        let site = Site::on(backend, "", &format!("{RETENTION}{A}{B}"));
        site.write("a.rss", &rss(&[item("a1", "Bài của a", 8, &["Lục Yên"])]));
        site.write("b.rss", &rss(&[item("b1", "Bài của b", 9, &["Chè"])]));
        site.build(Some(at(1)));
        assert_eq!(
            site.titles("other-news/rss.xml"),
            ["Bài của b", "Bài của a"]
        );
        assert!(site.out().join("tag/che/rss.xml").is_file());

        // b leaves feeds.toml: its article leaves every feed now, the store keeps it.
        site.set_config("", &format!("{RETENTION}{A}"));
        site.build(Some(at(2)));
        assert_eq!(site.titles("other-news/rss.xml"), ["Bài của a"]);
        assert!(!site.out().join("tag/che/rss.xml").exists());
        let raw = store(&site).stats().expect("stats");
        assert_eq!(raw.articles, 2, "the store still holds b's article");
        let b = raw
            .sources
            .iter()
            .find(|s| s.name == "b")
            .expect("b is listed");
        assert!(b.removed_at.is_some(), "b is marked removed");
        assert!(
            store(&site)
                .emit_memory()
                .expect("memory")
                .tag_slugs
                .contains_key("chè"),
            "a stored article still carries Chè: its slug is kept"
        );

        // b comes back while its document is gone: its stored articles are its last good ones.
        std::fs::remove_file(site.dir.join("b.rss")).expect("rm");
        site.set_config("", &format!("{RETENTION}{A}{B}"));
        site.build(Some(at(3)));
        assert_eq!(
            site.titles("other-news/rss.xml"),
            ["Bài của b", "Bài của a"]
        );
        assert_eq!(site.titles("tag/che/rss.xml"), ["Bài của b"]);
        let raw = store(&site).stats().expect("stats");
        assert!(raw.sources.iter().all(|s| s.removed_at.is_none()));

        // Removed again and left out past the grace period: deleted for good.
        site.set_config("", &format!("{RETENTION}{A}"));
        site.build(Some(at(4)));
        site.build(Some(at(4) + Duration::days(31)));
        let raw = store(&site).stats().expect("stats");
        assert_eq!(raw.articles, 1, "only a's article is left");
        assert!(raw.sources.iter().all(|s| s.name != "b"));
        assert!(!store(&site)
            .emit_memory()
            .expect("memory")
            .tag_slugs
            .contains_key("chè"));
        site.set_config("", &format!("{RETENTION}{A}{B}"));
        site.build(Some(at(4) + Duration::days(32)));
        assert_eq!(site.titles("other-news/rss.xml"), ["Bài của a"]);
    }
}

#[test]
fn slugs_of_tags_no_stored_article_carries_are_pruned_and_the_others_keep_theirs() {
    for backend in
        backends("slugs_of_tags_no_stored_article_carries_are_pruned_and_the_others_keep_theirs")
    {
        eprintln!("slugs_of_tags_no_stored_article_carries_are_pruned_and_the_others_keep_theirs: {backend:?}");
        let site = Site::on(backend, "", &format!("{RETENTION}{A}"));
        site.write(
            "a.rss",
            &rss(&[
                item("lua", "Bài lúa", 8, &["Lúa"]),
                item("lua-2", "Bài lụa", 9, &["Lụa"]),
            ]),
        );
        site.build(Some(at(1)));
        let slugs = store(&site).emit_memory().expect("memory").tag_slugs;
        assert_eq!(slugs.get("lúa").map(String::as_str), Some("lua"));
        assert_eq!(slugs.get("lụa").map(String::as_str), Some("lua-2"));

        // Lúa's only article leaves the source, then the store (retention).
        site.write("a.rss", &rss(&[item("lua-2", "Bài lụa", 9, &["Lụa"])]));
        site.build(Some(at(2)));
        assert!(store(&site)
            .emit_memory()
            .expect("memory")
            .tag_slugs
            .contains_key("lúa"));
        site.build(Some(at(2) + Duration::days(31)));
        let slugs = store(&site).emit_memory().expect("memory").tag_slugs;
        assert!(!slugs.contains_key("lúa"), "{slugs:?}");
        assert_eq!(
            slugs.get("lụa").map(String::as_str),
            Some("lua-2"),
            "a tag still present keeps its slug"
        );
        assert_eq!(site.titles("tag/lua-2/rss.xml"), ["Bài lụa"]);
    }
}
