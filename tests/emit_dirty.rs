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
    site.write("a.rss", &rss(&own_tags(12, changed, |i| i + 1)));
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

/// Source `a` with 60 articles over 60 tags of their own, `feeds.items` 5: after 10 of
/// them change, the dirty feeds are their 10 tags (one story each) and the merged feed
/// (whose subscription documents show 5).
const MANY: &str = "[feeds]\nitems = 5\n\n[[source]]\nname = \"a\"\nurl = \"a.rss\"\n";

fn write_many(site: &Site, changed: usize) {
    site.write("a.rss", &rss(&own_tags(60, changed, |i| i % 24)));
}

/// `n` articles of source `a`, each with a tag of its own and its date from `date`; the
/// first `changed` carry a revised title.
fn own_tags(n: u32, changed: usize, date: impl Fn(u32) -> u32) -> Vec<Item> {
    (0..n)
        .map(|i| {
            let title = if (i as usize) < changed {
                format!("Sửa {i}")
            } else {
                format!("Bài {i}")
            };
            item(&format!("a{i}"), &title, date(i), &[&format!("Thẻ {i}")])
        })
        .collect()
}

#[test]
fn a_full_build_reports_the_article_heads_it_read() {
    let site = Site::new("", MANY);
    write_many(&site, 0);
    let first = site.build(Some(at(0)));
    assert_eq!(first.timings.heads_read, 60, "{:?}", first.timings);
}

/// Issue 14's target for the incremental emit: after 10 changed articles, emit reads the
/// dirty feeds' rows (10 tags of one story, the merged feed's 5), not every stored head.
/// Not met yet: emit still plans over every stored article (`Store::article_heads`), so
/// this reads 60 heads; run it with `--ignored` to see the figure.
#[test]
#[ignore = "issue 14: emit still reads every stored article's head"]
fn an_incremental_build_after_ten_changed_articles_reads_only_the_dirty_feeds_rows() {
    let site = Site::new("", MANY);
    write_many(&site, 0);
    site.build(Some(at(0)));
    write_many(&site, 10);
    let next = site.build(Some(at(0)));
    assert_eq!(next.timings.feeds_printed, 11, "{:?}", next.timings);
    assert!(
        next.timings.heads_read <= 10 + 5,
        "read {} heads for 11 dirty feeds: {:?}",
        next.timings.heads_read,
        next.timings
    );
}
