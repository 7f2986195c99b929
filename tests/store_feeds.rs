//! Feed membership in the store and what a build rewrites: retention rewrites exactly the
//! feeds its articles were in, a category added in the config writes that category's feed
//! and the pages only, the store's per-feed query ([`Store::feed_top`]) answers what the
//! written feed shows, and a chain of incremental builds writes the same bytes as full
//! builds over the same history (a property test over random change sequences). On every
//! store backend: the PostgreSQL store's incremental builds write the bytes SQLite's full
//! builds write.

mod build_support;

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, TimeZone, Utc};
use proptest::prelude::*;

use build_support::*;
use feedmill::store::{FeedKey, Membership, Rank, SqliteStore, Store};

fn at(day: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 3, 1, 12, 0, 0).unwrap() + Duration::days(day)
}

const SOURCES: &str = "[[source]]\nname = \"a\"\nurl = \"a.rss\"\ncategory = \"Thời sự\"\n\n\
                       [[source]]\nname = \"b\"\nurl = \"b.rss\"\n";

fn config(extra: &str) -> String {
    format!("[feeds]\nitems = 3\n\n[store]\nretention_days = 10\n\n{extra}\n{SOURCES}")
}

/// Every file of the output with its inode and modification time: a file written again
/// (atomically, by a rename) has another.
fn snapshot(site: &Site) -> BTreeMap<String, (u64, i128)> {
    use std::os::unix::fs::MetadataExt;
    files(&site.out())
        .into_iter()
        .map(|p| {
            let m = std::fs::symlink_metadata(&p).expect("stat");
            let t = i128::from(m.mtime()) * 1_000_000_000 + i128::from(m.mtime_nsec());
            (rel(&site.out(), &p), (m.ino(), t))
        })
        .collect()
}

/// Builds at `now`; returns the feed folders (`tag/che`) whose files the build wrote, and
/// whether it wrote a page (index or OPML).
fn build_written(site: &Site, now: DateTime<Utc>) -> (Vec<String>, bool) {
    let before = snapshot(site);
    site.build(Some(now));
    let mut feeds: Vec<String> = Vec::new();
    let mut pages = false;
    for (rel, stamp) in snapshot(site) {
        if before.get(&rel) == Some(&stamp) || rel == ".feedmill-manifest" {
            continue;
        }
        if rel == "index.html" || rel == "feeds.opml" {
            pages = true;
        } else if let Some(dir) = rel
            .strip_suffix("/rss.xml")
            .or_else(|| rel.strip_suffix("/atom.xml"))
        {
            if !feeds.iter().any(|f| f == dir) {
                feeds.push(dir.to_string());
            }
        }
    }
    feeds.sort();
    (feeds, pages)
}

#[test]
fn retention_rewrites_exactly_the_feeds_its_articles_were_in() {
    for backend in backends("retention_rewrites_exactly_the_feeds_its_articles_were_in") {
        eprintln!("retention_rewrites_exactly_the_feeds_its_articles_were_in: {backend:?}");
        let site = Site::on(backend, "", &config(""));
        site.write(
            "a.rss",
            &rss(&[
                item("a1", "Cũ", 8, &["Lục Yên"]),
                item("a2", "Mới", 9, &["Chè"]),
            ]),
        );
        site.write(
            "b.rss",
            &rss(&[item("b1", "Của b", 10, &["Chè", "Mù Cang Chải"])]),
        );
        site.build(Some(at(0)));
        // a1 leaves its source's document: it stays in its feeds until retention passes.
        site.write("a.rss", &rss(&[item("a2", "Mới", 9, &["Chè"])]));
        assert_eq!(
            build_written(&site, at(1)),
            (vec![], false),
            "nothing changed yet"
        );
        assert!(site
            .titles("tag/luc-yen/rss.xml")
            .contains(&"Cũ".to_string()));

        let (feeds, _) = build_written(&site, at(12));
        assert_eq!(
            feeds,
            ["category/thoi-su", "other-news"]
                .map(String::from)
                .to_vec(),
            "exactly the feeds a1 was in"
        );
        // Its tag's feed had no other article: it is gone, not written.
        assert!(!site.out().join("tag/luc-yen/rss.xml").exists());
        assert_eq!(site.titles("other-news/rss.xml"), ["Của b", "Mới"]);
        // The store's membership of a1's feeds no longer holds it.
        let mut store = site.open_store();
        let fid = store
            .feed_ids(&[FeedKey::Category("thời sự".into())])
            .expect("feed ids");
        let top = store.feed_top(fid.first().copied(), 3).expect("top");
        assert_eq!(top.len(), 1, "only a2 is left in Thời sự: {top:?}");
    }
}

#[test]
fn a_category_added_in_the_config_writes_its_feed_and_the_pages_only() {
    for backend in backends("a_category_added_in_the_config_writes_its_feed_and_the_pages_only") {
        eprintln!("a_category_added_in_the_config_writes_its_feed_and_the_pages_only: {backend:?}");
        let site = Site::on(backend, "", &config(""));
        site.write("a.rss", &rss(&[item("a1", "Chè xuân", 8, &["Chè"])]));
        site.write(
            "b.rss",
            &rss(&[
                item("b1", "Chè thu", 9, &["Chè", "Lục Yên"]),
                item("b2", "Lúa", 10, &["Lục Yên"]),
            ]),
        );
        site.build(Some(at(0)));
        let before = files(&site.out());
        // A category of the key a tag already has: every item already shows it as the tag, so
        // only the new feed and the pages listing it change.
        site.set_config(
            "",
            &config("[[category]]\nname = \"Chè\"\nslug = \"nganh-che\"\ntags = [\"Chè\"]\n"),
        );
        let (feeds, pages) = build_written(&site, at(1));
        assert_eq!(feeds, ["category/nganh-che".to_string()]);
        assert!(pages, "the index and the OPML list the new feed");
        assert_eq!(
            site.titles("category/nganh-che/rss.xml"),
            ["Chè thu", "Chè xuân"]
        );
        // The only new files are the new feed's (RSS, Atom and whatever else a feed has).
        let added: Vec<String> = files(&site.out())
            .into_iter()
            .filter(|p| !before.contains(p))
            .map(|p| rel(&site.out(), &p))
            .collect();
        assert!(added.len() >= 2, "{added:?}");
        assert!(
            added.iter().all(|r| r.starts_with("category/nganh-che/")),
            "{added:?}"
        );
    }
}

#[test]
fn the_store_answers_the_newest_items_of_each_feed_as_the_feed_shows_them() {
    for backend in
        backends("the_store_answers_the_newest_items_of_each_feed_as_the_feed_shows_them")
    {
        eprintln!(
            "the_store_answers_the_newest_items_of_each_feed_as_the_feed_shows_them: {backend:?}"
        );
        let site = Site::on(backend, "", &config(""));
        site.write(
            "a.rss",
            &rss(&[
                item("a1", "Một", 1, &["Chè"]),
                item("a2", "Hai", 2, &["Chè", "Lúa"]),
                item("a3", "Ba", 3, &["Chè"]),
                item("a4", "Bốn", 4, &["Chè", "Lúa"]),
            ]),
        );
        site.write("b.rss", &rss(&[item("b1", "Năm", 5, &["Chè"])]));
        site.build(Some(at(0)));
        let mut store = site.open_store();
        for (key, rel) in [
            (FeedKey::Tag("chè".into()), "tag/che/rss.xml"),
            (FeedKey::Tag("lúa".into()), "tag/lua/rss.xml"),
            (
                FeedKey::Category("thời sự".into()),
                "category/thoi-su/rss.xml",
            ),
        ] {
            let fid = store.feed_ids(&[key]).expect("ids");
            let top = store.feed_top(fid.first().copied(), 3).expect("top");
            let aids: Vec<i64> = top.iter().map(|(_, sid)| *sid).collect();
            let titles: Vec<String> = store
                .articles_by_aid(&aids)
                .expect("articles")
                .into_iter()
                .map(|(_, a)| a.title)
                .collect();
            assert_eq!(titles, site.titles(rel), "{rel}");
        }
        let top = store.feed_top(None, 100).expect("merged");
        assert_eq!(top.len(), 5);
    }
}

#[test]
fn feed_rows_follow_the_feeds_a_build_changed_and_a_store_that_never_kept_them_gets_them() {
    let site = Site::new("", &config(""));
    site.write(
        "a.rss",
        &rss(&[
            item("a1", "Cũ", 8, &["Lục Yên"]),
            item("a2", "Mới", 9, &["Chè"]),
        ]),
    );
    site.write("b.rss", &rss(&[item("b1", "Của b", 10, &["chè"])]));
    site.build(Some(at(0)));
    let rows = |site: &Site| -> BTreeMap<FeedKey, (usize, String)> {
        SqliteStore::open(&site.store())
            .expect("store")
            .feed_rows()
            .expect("rows")
            .into_iter()
            .map(|r| (r.key, (r.articles, r.name)))
            .collect()
    };
    let first = rows(&site);
    assert_eq!(
        first.get(&FeedKey::Tag("chè".into())),
        Some(&(2, "chè".to_string())),
        "two stories; a tie of spellings goes to the newest story's: {first:?}"
    );
    assert_eq!(
        first.get(&FeedKey::Category("thời sự".into())),
        Some(&(2, "Thời sự".to_string()))
    );
    // Retention takes a1 out: its tag's feed has no story left, and loses its row.
    site.write("a.rss", &rss(&[item("a2", "Mới", 9, &["Chè"])]));
    site.build(Some(at(12)));
    let later = rows(&site);
    assert_eq!(
        later.get(&FeedKey::Tag("lục yên".into())),
        None,
        "{later:?}"
    );
    assert_eq!(
        later.get(&FeedKey::Category("thời sự".into())),
        Some(&(1, "Thời sự".to_string()))
    );
    // A store a build before the upkeep wrote holds rows of zero stories: the next build
    // works every row out, though nothing changed.
    rusqlite::Connection::open(site.store())
        .expect("open")
        .execute("UPDATE feeds SET articles = 0, name = ''", [])
        .expect("zero the rows");
    site.build(Some(at(12)));
    assert_eq!(rows(&site), later);
}

#[test]
fn the_store_answers_the_stories_of_a_feed_between_two_ranks() {
    let site = Site::new("", &config(""));
    site.write(
        "a.rss",
        &rss(&[
            item("a1", "Một", 1, &["Chè"]),
            item("a2", "Hai", 2, &["Chè", "Lúa"]),
            item("a3", "Ba", 3, &["Chè"]),
            item("a4", "Bốn", 4, &["Chè"]),
        ]),
    );
    site.write("b.rss", &rss(&[item("b1", "Năm", 5, &["Chè"])]));
    site.build(Some(at(0)));
    let mut store = SqliteStore::open(&site.store()).expect("store");
    let fid = store.feed_ids(&[FeedKey::Tag("chè".into())]).expect("ids")[0];
    let all: Vec<(Rank, i64)> = store
        .feed_members(fid)
        .expect("members")
        .into_iter()
        .map(|m| (m.rank, m.sid))
        .collect();
    assert_eq!(all.len(), 5);
    // Every stretch of the feed, both ends included, newest first: as its membership.
    for i in 0..all.len() {
        for j in i..all.len() {
            let got = store
                .feed_range(Some(fid), all[i].0, all[j].0)
                .expect("range");
            assert_eq!(got, all[i..=j].to_vec(), "{i}..={j}");
        }
    }
    // A stretch of time: the stories dated 02:00 to 04:00 of their day.
    let day = |h: u32| {
        let d = chrono::DateTime::parse_from_rfc3339(&format!("2025-03-01T{h:02}:00:00+07:00"));
        Rank::at(d.ok())
    };
    let titles = |ranks: Vec<(Rank, i64)>| -> Vec<String> {
        let sids: Vec<i64> = ranks.into_iter().map(|(_, s)| s).collect();
        store
            .articles_by_aid(&sids)
            .expect("articles")
            .into_iter()
            .map(|(_, a)| a.title)
            .collect()
    };
    let got = store.feed_range(Some(fid), day(4), day(2)).expect("range");
    assert_eq!(titles(got), ["Bốn", "Ba", "Hai"]);
    let merged = store.feed_range(None, day(5), day(4)).expect("merged");
    assert_eq!(titles(merged), ["Năm", "Bốn"]);
    assert!(store
        .feed_range(Some(fid), day(2), day(4))
        .expect("empty")
        .is_empty());
}

/// One change to the sources between two builds.
#[derive(Debug, Clone)]
enum Step {
    /// A new article in source `a` (false) or `b` (true), with these of the tags.
    Add(bool, Vec<usize>),
    /// A new article in both sources, with one link (deduplication merges them).
    Both(Vec<usize>),
    /// The `n`th article of a source gets a new title.
    Retitle(bool, usize),
    /// The `n`th article of a source leaves its document (retention removes it later).
    Drop(bool, usize),
    /// The clock moves on by this many days.
    Wait(i64),
    /// The category `Lúa` is added to the config, or taken out.
    ToggleCategory,
    /// Filters are added to the config, or taken out: one discards retitled articles, one
    /// tags those of `Chè` with `Nông sản`.
    ToggleFilters,
}

const TAGS: [&str; 4] = ["Chè", "Lúa", "Lục Yên", "Mù Cang Chải"];

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        3 => (any::<bool>(), proptest::collection::vec(0..TAGS.len(), 0..3)).prop_map(|(b, t)| Step::Add(b, t)),
        1 => proptest::collection::vec(0..TAGS.len(), 0..3).prop_map(Step::Both),
        1 => (any::<bool>(), 0..6usize).prop_map(|(b, n)| Step::Retitle(b, n)),
        1 => (any::<bool>(), 0..6usize).prop_map(|(b, n)| Step::Drop(b, n)),
        1 => (1..8i64).prop_map(Step::Wait),
        1 => Just(Step::ToggleCategory),
        1 => Just(Step::ToggleFilters),
    ]
}

/// Every file of the output, by relative path.
fn tree(site: &Site) -> BTreeMap<String, Vec<u8>> {
    files(&site.out())
        .into_iter()
        .map(|p| (rel(&site.out(), &p), std::fs::read(&p).expect("read")))
        .collect()
}

/// The store's membership, kept up by every build from what it changed, answers for each
/// feed the newest items its written file shows.
fn membership_as_written(site: &Site) -> Result<(), TestCaseError> {
    let mut store = site.open_store();
    // Before `feed_ids` below numbers feeds no story joined.
    feed_rows_as_listed(site, &*store)?;
    let mut feeds: Vec<(FeedKey, String)> = store
        .emit_memory()
        .expect("memory")
        .tag_slugs
        .into_iter()
        .map(|(key, slug)| (FeedKey::Tag(key), format!("tag/{slug}")))
        .collect();
    feeds.push((
        FeedKey::Category("thời sự".into()),
        "category/thoi-su".into(),
    ));
    feeds.push((
        FeedKey::Category("lúa gạo".into()),
        "category/lua-gao".into(),
    ));
    for (key, dir) in feeds {
        let rel = format!("{dir}/rss.xml");
        let shown = if site.out().join(&rel).is_file() {
            site.titles(&rel)
        } else {
            Vec::new()
        };
        let fid = store.feed_ids(&[key]).expect("ids");
        let top = store.feed_top(fid.first().copied(), 3).expect("top");
        prop_assert_eq!(top.len(), shown.len(), "{}: {:?}", dir, top);
        for ((_, sid), title) in top.iter().zip(&shown) {
            // A merged story shows its richest record: the title of one of its articles.
            let story = store
                .stories(&[*sid])
                .expect("story")
                .pop()
                .expect("stored");
            let parts = if story.parts.is_empty() {
                vec![*sid]
            } else {
                story.parts
            };
            let titles: Vec<String> = store
                .articles_by_aid(&parts)
                .expect("articles")
                .into_iter()
                .map(|(_, a)| a.title)
                .collect();
            prop_assert!(
                titles.contains(title),
                "{}: {:?} shows {}",
                dir,
                titles,
                title
            );
        }
    }
    let merged = store.feed_top(None, 100).expect("merged").len();
    prop_assert_eq!(merged, site.titles("other-news/rss.xml").len());
    Ok(())
}

/// Feeds whose row was compared with the index, over every case of the property test.
static COMPARED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// The name and story count the index lists for the feed in folder `dir`, if it lists it.
fn listed(index: &str, dir: &str) -> Option<(String, usize)> {
    let at = index.find(&format!("<a href=\"{dir}/\">"))?;
    let rest = index.get(at..)?;
    let rest = rest.get(rest.find('>')? + 1..)?;
    let name = rest.get(..rest.find("</a>")?)?.to_string();
    let rest = rest.get(rest.find("· ")? + "· ".len()..)?;
    let count = rest.get(..rest.find(' ')?)?.parse().ok()?;
    Some((name, count))
}

/// The store's feed rows, kept up by every build from the feeds it marked dirty, hold for
/// every feed the name and story count the index lists (the plan's, worked out from every
/// article), and for every other feed its membership's count; no row is of no story.
fn feed_rows_as_listed(site: &Site, store: &(dyn Store + Send)) -> Result<(), TestCaseError> {
    let index = std::fs::read_to_string(site.out().join("index.html")).expect("index");
    let slugs = store.emit_memory().expect("memory").tag_slugs;
    let mut compared = 0;
    for row in store.feed_rows().expect("rows") {
        let members = store.feed_members(row.fid).expect("members").len();
        prop_assert!(row.articles > 0, "{:?}", row);
        prop_assert_eq!(row.articles, members, "{:?}", row);
        let dir = match &row.key {
            FeedKey::Tag(k) => slugs.get(k).map(|s| format!("tag/{s}")),
            FeedKey::Category(k) if k == "thời sự" => Some("category/thoi-su".into()),
            FeedKey::Category(k) if k == "lúa gạo" => Some("category/lua-gao".into()),
            FeedKey::Category(_) => None,
        };
        if let Some((name, count)) = dir.and_then(|d| listed(&index, &d)) {
            prop_assert_eq!((&row.name, row.articles), (&name, count), "{:?}", row);
            compared += 1;
        }
    }
    COMPARED.fetch_add(compared, std::sync::atomic::Ordering::Relaxed);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 16, ..ProptestConfig::default() })]

    /// Site `inc` builds incrementally; site `full` goes through the same history but
    /// renders every feed at every build (its output and with it the memory of what was
    /// written are gone before each one). After every step both outputs are the same bytes.
    #[test]
    fn incremental_builds_write_what_full_builds_write(steps in proptest::collection::vec(step(), 1..7)) {
        // One incremental site per backend: the PostgreSQL store's builds write the
        // same bytes as the SQLite store's.
        let incs: Vec<Site> = backends("incremental_builds_write_what_full_builds_write")
            .into_iter()
            .map(|b| Site::on(b, "", &config("")))
            .collect();
        let full = Site::new("", &config(""));
        let mut docs: [Vec<Item>; 2] = [Vec::new(), Vec::new()];
        let mut serial = 0u32;
        let mut day = 0i64;
        let mut category = false;
        let mut filters = false;
        let write = |docs: &[Vec<Item>; 2], category: bool, filters: bool| {
            let mut extra = String::new();
            if category {
                extra.push_str("[[category]]\nname = \"Lúa gạo\"\ntags = [\"Lúa\"]\n");
            }
            if filters {
                extra.push_str(
                    "[[filter]]\naction = \"discard\"\nfields = [\"title\"]\nwords = [\"Sửa\"]\n\n\
                     [[filter]]\naction = \"tag\"\nfields = [\"tags\"]\nwords = [\"Chè\"]\nadd_tags = [\"Nông sản\"]\n",
                );
            }
            for site in incs.iter().chain([&full]) {
                site.write("a.rss", &rss(&docs[0]));
                site.write("b.rss", &rss(&docs[1]));
                site.set_config("", &config(&extra));
            }
        };
        docs[0].push(item("a0", "Đầu tiên", 0, &["Chè"]));
        for s in std::iter::once(Step::Wait(0)).chain(steps) {
            match s {
                Step::Add(b, tags) => {
                    serial += 1;
                    let tags: Vec<&str> = tags.iter().map(|&t| TAGS[t]).collect();
                    let src = usize::from(b);
                    docs[src].push(item(&format!("{src}-{serial}"), &format!("Bài {serial}"), serial % 23 + 1, &tags));
                }
                Step::Both(tags) => {
                    serial += 1;
                    let tags: Vec<&str> = tags.iter().map(|&t| TAGS[t]).collect();
                    for d in &mut docs {
                        d.push(item(&format!("both-{serial}"), &format!("Chung {serial}"), serial % 23 + 1, &tags));
                    }
                }
                Step::Retitle(b, n) => {
                    serial += 1;
                    let d = &mut docs[usize::from(b)];
                    if !d.is_empty() {
                        let i = n % d.len();
                        d[i].title = format!("Sửa {serial}");
                    }
                }
                Step::Drop(b, n) => {
                    let d = &mut docs[usize::from(b)];
                    if d.len() > 1 {
                        let i = n % d.len();
                        d.remove(i);
                    }
                }
                Step::Wait(n) => day += n,
                Step::ToggleCategory => category = !category,
                Step::ToggleFilters => filters = !filters,
            }
            write(&docs, category, filters);
            for inc in &incs {
                inc.build(Some(at(day)));
            }
            let _ = std::fs::remove_dir_all(full.out());
            full.build(Some(at(day)));
            for inc in &incs {
                prop_assert_eq!(tree(inc), tree(&full));
                membership_as_written(inc)?;
            }
        }
    }
}

#[test]
fn the_index_lists_what_the_feed_rows_hold() {
    let site = Site::new("", &config(""));
    site.write(
        "a.rss",
        &rss(&[
            item("a1", "Một", 1, &["Chè"]),
            item("a2", "Hai", 2, &["Chè"]),
        ]),
    );
    site.build(Some(at(0)));
    let index = std::fs::read_to_string(site.out().join("index.html")).expect("index");
    assert_eq!(
        listed(&index, "tag/che"),
        Some(("Chè".to_string(), 2)),
        "{index}"
    );
    let store = SqliteStore::open(&site.store()).expect("store");
    feed_rows_as_listed(&site, &store).expect("as listed");
    assert!(COMPARED.load(std::sync::atomic::Ordering::Relaxed) > 0);
}
