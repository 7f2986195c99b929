//! An incremental build prints (fingerprints, and reads the articles of) only the feeds
//! the store marked dirty: the build report's `timings.feeds_printed` counts them. A build
//! whose plan or config moved, or one after an emit that never finished, prints every
//! feed; the bytes are those of a full build either way (`tests/store_feeds.rs` holds the
//! property test of that).

mod build_support;

use chrono::{DateTime, Duration, TimeZone, Utc};

use build_support::*;

fn at(day: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 3, 1, 12, 0, 0).unwrap() + Duration::days(day)
}

/// Source `a` with 12 articles over 12 tags of their own; source `b` with 3 articles of
/// one tag. `a`'s first `changed` articles carry a revised title.
fn write_sources(site: &Site, changed: usize) {
    let a: Vec<Item> = (0..12)
        .map(|i| {
            let title = if i < changed {
                format!("Sửa {i}")
            } else {
                format!("Bài {i}")
            };
            item(
                &format!("a{i}"),
                &title,
                i as u32 + 1,
                &[&format!("Thẻ {i}")],
            )
        })
        .collect();
    site.write("a.rss", &rss(&a));
    let b: Vec<Item> = (0..3)
        .map(|i| item(&format!("b{i}"), &format!("Của b {i}"), 20 + i, &["Chè"]))
        .collect();
    site.write("b.rss", &rss(&b));
}

const CONFIG: &str =
    "[[source]]\nname = \"a\"\nurl = \"a.rss\"\n\n[[source]]\nname = \"b\"\nurl = \"b.rss\"\n";

#[test]
fn a_build_after_articles_changed_in_one_source_prints_only_their_feeds() {
    let site = Site::new("", CONFIG);
    write_sources(&site, 0);
    let first = site.build(Some(at(0)));
    // The merged feed, 12 tags of a, Chè of b.
    assert_eq!(first.feeds, 14);
    assert_eq!(
        first.timings.feeds_printed, 14,
        "a first build prints every feed"
    );

    let same = site.build(Some(at(0)));
    assert_eq!(same.timings.feeds_printed, 0, "nothing changed: {same:?}");
    assert_eq!(same.files_written, 0);

    // Three of a's articles change: their three tags and the merged feed.
    write_sources(&site, 3);
    let changed = site.build(Some(at(0)));
    assert_eq!(changed.timings.feeds_printed, 4, "{:?}", changed.timings);
    assert_eq!(site.titles("tag/the-0/rss.xml"), ["Sửa 0"]);
    assert_eq!(site.titles("tag/the-5/rss.xml"), ["Bài 5"]);

    // A config that moves the plan (the site's description) prints every feed again.
    site.set_config("description = \"Khác\"", CONFIG);
    let moved = site.build(Some(at(0)));
    assert_eq!(moved.timings.feeds_printed, 14, "{:?}", moved.timings);
}

#[test]
fn a_build_after_an_emit_that_never_finished_prints_every_feed() {
    let site = Site::new("", CONFIG);
    write_sources(&site, 0);
    site.build(Some(at(0)));
    // What a build killed mid-emit leaves: the emit begun, never saved.
    {
        use feedmill::store::{SqliteStore, Store};
        let mut store = SqliteStore::open(&site.store()).expect("store");
        store.begin_emit().expect("begin");
    }
    write_sources(&site, 1);
    let next = site.build(Some(at(0)));
    assert_eq!(next.timings.feeds_printed, 14, "{:?}", next.timings);
    assert_eq!(site.titles("tag/the-0/rss.xml"), ["Sửa 0"]);
}
