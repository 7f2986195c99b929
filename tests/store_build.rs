//! Builds through the library API with a store: feeds keep their history, undated articles
//! keep one date, changed articles are updated in place, unchanged feeds are not rewritten,
//! retention removes old articles, and an old store is migrated. On every store backend
//! (the migration from SQLite's schema v1 on SQLite).

mod store_support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use chrono::{DateTime, TimeZone, Utc};
use feedmill::config::Config;
use feedmill::pipeline::{build, BuildOptions, BuildReport};
use store_support::{backends, Backend, TempDb};

/// One item of a generated RSS source.
struct Item<'a> {
    guid: &'a str,
    title: &'a str,
    date: Option<&'a str>,
    tags: &'a [&'a str],
}

fn item<'a>(guid: &'a str, title: &'a str, date: Option<&'a str>, tags: &'a [&'a str]) -> Item<'a> {
    Item {
        guid,
        title,
        date,
        tags,
    }
}

fn rss(items: &[Item<'_>]) -> String {
    let mut x = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\"><channel><title>Nguồn</title><link>https://nguon.example.vn/</link><description>d</description>",
    );
    for i in items {
        x.push_str(&format!(
            "<item><title>{}</title><link>https://nguon.example.vn/{}.html</link><guid>https://nguon.example.vn/{}.html</guid><description>Tóm tắt {}</description>",
            i.title, i.guid, i.guid, i.title
        ));
        if let Some(d) = i.date {
            x.push_str(&format!("<pubDate>{d}</pubDate>"));
        }
        for t in i.tags {
            x.push_str(&format!("<category>{t}</category>"));
        }
        x.push_str("</item>");
    }
    x.push_str("</channel></rss>\n");
    x
}

struct Site {
    _db: Option<TempDb>,
    _tmp: tempfile::TempDir,
    dir: PathBuf,
    cfg: Config,
}

impl Site {
    /// Two sources, `a` (category Thời sự) and `b`, read from `a.rss` and `b.rss`.
    fn new(extra: &str) -> Site {
        Site::on(Backend::Sqlite, extra)
    }

    /// [`Site::new`] with the store on `backend` (for PostgreSQL, a database of its own).
    fn on(backend: Backend, extra: &str) -> Site {
        let db = (backend == Backend::Postgres).then(|| {
            TempDb::create(&store_support::postgres_url("a site").expect("a test server"))
        });
        let extra = match &db {
            None => extra.to_string(),
            Some(db) if extra.contains("[store]\n") => {
                extra.replacen("[store]\n", &format!("[store]\nurl = \"{}\"\n", db.url), 1)
            }
            Some(db) => format!("{extra}\n[store]\nurl = \"{}\"\n", db.url),
        };
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().to_path_buf();
        std::fs::write(dir.join("a.rss"), rss(&[])).unwrap();
        std::fs::write(dir.join("b.rss"), rss(&[])).unwrap();
        let text = format!(
            r#"[site]
title = "Tin Yên Bái"
base_url = "https://feeds.example.vn/"
language = "vi"
timezone = "Asia/Ho_Chi_Minh"

[feeds]
items = 3

{extra}

[[source]]
name = "a"
url = "a.rss"
category = "Thời sự"

[[source]]
name = "b"
url = "b.rss"
"#
        );
        std::fs::write(dir.join("feeds.toml"), text).unwrap();
        let cfg = Config::load(&dir.join("feeds.toml")).unwrap_or_else(|e| panic!("{e:?}"));
        Site {
            _db: db,
            _tmp: tmp,
            dir,
            cfg,
        }
    }

    fn source(&self, name: &str, items: &[Item<'_>]) {
        std::fs::write(self.dir.join(format!("{name}.rss")), rss(items)).unwrap();
    }

    fn build(&self, now: DateTime<Utc>) -> BuildReport {
        let opts = BuildOptions {
            now: Some(now),
            ..BuildOptions::default()
        };
        tokio::runtime::Runtime::new()
            .unwrap()
            .block_on(build(&self.cfg, &opts))
            .expect("build")
    }

    /// What the store holds now.
    fn stored(&self) -> Vec<feedmill::model::Article> {
        feedmill::store::open_config(&self.cfg)
            .unwrap()
            .articles()
            .unwrap()
    }

    fn out(&self) -> PathBuf {
        self.cfg.site.output_dir.clone()
    }

    fn feed(&self, rel: &str) -> feed_rs::model::Feed {
        let bytes = std::fs::read(self.out().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"));
        feed_rs::parser::parse(&bytes[..]).unwrap_or_else(|e| panic!("{rel}: {e}"))
    }

    fn titles(&self, rel: &str) -> Vec<String> {
        self.feed(rel)
            .entries
            .iter()
            .map(|e| {
                e.title
                    .as_ref()
                    .map(|t| t.content.clone())
                    .unwrap_or_default()
            })
            .collect()
    }
}

fn at(day: u32, hour: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 3, day, hour, 0, 0).unwrap()
}

/// mtime and bytes of every file under `dir`.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, (SystemTime, Vec<u8>)> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let m = std::fs::metadata(&p).unwrap().modified().unwrap();
                out.insert(p.clone(), (m, std::fs::read(&p).unwrap()));
            }
        }
    }
    out
}

#[test]
fn an_article_removed_from_its_source_stays_in_its_feeds() {
    for backend in backends("an_article_removed_from_its_source_stays_in_its_feeds") {
        eprintln!("an_article_removed_from_its_source_stays_in_its_feeds: {backend:?}");
        let site = Site::on(backend, "");
        site.source(
            "a",
            &[
                item(
                    "a1",
                    "Bài một",
                    Some("Sat, 01 Mar 2025 08:00:00 +0700"),
                    &["Lục Yên"],
                ),
                item(
                    "a2",
                    "Bài hai",
                    Some("Sun, 02 Mar 2025 08:00:00 +0700"),
                    &["Lục Yên"],
                ),
            ],
        );
        site.build(at(2, 12));
        // The source scrolls: a1 is gone, a3 arrives.
        site.source(
            "a",
            &[
                item(
                    "a2",
                    "Bài hai",
                    Some("Sun, 02 Mar 2025 08:00:00 +0700"),
                    &["Lục Yên"],
                ),
                item(
                    "a3",
                    "Bài ba",
                    Some("Mon, 03 Mar 2025 08:00:00 +0700"),
                    &["Lục Yên"],
                ),
            ],
        );
        let report = site.build(at(3, 12));
        assert_eq!(report.articles, 3);
        assert_eq!(
            report.sources[0].articles, 2,
            "two in the source's feed now"
        );
        assert_eq!(site.stored().len(), 3, "the store keeps all three");
        let want = vec!["Bài ba", "Bài hai", "Bài một"];
        assert_eq!(site.titles("tag/luc-yen/rss.xml"), want);
        assert_eq!(site.titles("tag/luc-yen/atom.xml"), want);
        assert_eq!(site.titles("category/thoi-su/rss.xml"), want);
        assert_eq!(site.titles("other-news/rss.xml"), want);

        // Newer articles push it past `items` (3): then, and only then, it leaves the feed.
        site.source(
            "a",
            &[item(
                "a4",
                "Bài bốn",
                Some("Tue, 04 Mar 2025 08:00:00 +0700"),
                &["Lục Yên"],
            )],
        );
        site.build(at(4, 12));
        assert_eq!(
            site.titles("tag/luc-yen/rss.xml"),
            vec!["Bài bốn", "Bài ba", "Bài hai"]
        );
    }
}

#[test]
fn a_failing_source_keeps_its_articles() {
    for backend in backends("a_failing_source_keeps_its_articles") {
        eprintln!("a_failing_source_keeps_its_articles: {backend:?}");
        let site = Site::on(backend, "");
        site.source(
            "b",
            &[item(
                "b1",
                "Bài của b",
                Some("Sat, 01 Mar 2025 08:00:00 +0700"),
                &["Chè"],
            )],
        );
        site.build(at(1, 12));
        std::fs::remove_file(site.dir.join("b.rss")).unwrap();
        let report = site.build(at(2, 12));
        assert_eq!(report.sources[1].consecutive_failures, 1);
        assert!(report.sources[1].from_last_good);
        assert_eq!(site.titles("tag/che/rss.xml"), vec!["Bài của b"]);
        assert_eq!(site.titles("other-news/rss.xml"), vec!["Bài của b"]);
    }
}

#[test]
fn an_undated_article_keeps_its_date_over_three_builds() {
    for backend in backends("an_undated_article_keeps_its_date_over_three_builds") {
        eprintln!("an_undated_article_keeps_its_date_over_three_builds: {backend:?}");
        let site = Site::on(backend, "");
        let first_seen = at(1, 6);
        for (n, now) in [at(1, 6), at(2, 6), at(3, 6)].into_iter().enumerate() {
            // Another item changes every time so the document is read again each build.
            let other = format!("Bài khác {n}");
            site.source(
                "a",
                &[
                    item("khong-ngay", "Bài không ngày", None, &["Lục Yên"]),
                    item(
                        &format!("khac-{n}"),
                        &other,
                        Some("Sat, 01 Mar 2025 00:00:00 +0700"),
                        &[],
                    ),
                ],
            );
            site.build(now);
            for rel in [
                "tag/luc-yen/rss.xml",
                "tag/luc-yen/atom.xml",
                "other-news/rss.xml",
            ] {
                let feed = site.feed(rel);
                let e = feed
                    .entries
                    .iter()
                    .find(|e| {
                        e.title
                            .as_ref()
                            .is_some_and(|t| t.content == "Bài không ngày")
                    })
                    .unwrap_or_else(|| panic!("{rel}: undated article missing"));
                assert_eq!(e.published, Some(first_seen), "{rel}, build {}", n + 1);
            }
        }
    }
}

#[test]
fn a_changed_article_is_updated_not_duplicated() {
    for backend in backends("a_changed_article_is_updated_not_duplicated") {
        eprintln!("a_changed_article_is_updated_not_duplicated: {backend:?}");
        let site = Site::on(backend, "");
        site.source(
            "a",
            &[item(
                "a1",
                "Tiêu đề cũ",
                Some("Sat, 01 Mar 2025 08:00:00 +0700"),
                &["Lục Yên"],
            )],
        );
        site.build(at(1, 12));
        site.source(
            "a",
            &[item(
                "a1",
                "Tiêu đề mới",
                Some("Sat, 01 Mar 2025 08:00:00 +0700"),
                &["Lục Yên"],
            )],
        );
        let report = site.build(at(2, 12));
        assert_eq!(report.articles, 1);
        let stored = site.stored();
        assert_eq!(stored.len(), 1, "updated in place, not duplicated");
        assert_eq!(stored[0].title, "Tiêu đề mới");
        for rel in ["tag/luc-yen/atom.xml", "other-news/atom.xml"] {
            let feed = site.feed(rel);
            assert_eq!(feed.entries.len(), 1, "{rel}");
            let e = &feed.entries[0];
            assert_eq!(e.title.as_ref().unwrap().content, "Tiêu đề mới");
            assert_eq!(
                e.published,
                Some(Utc.with_ymd_and_hms(2025, 3, 1, 1, 0, 0).unwrap())
            );
            assert_eq!(
                e.updated,
                Some(at(2, 12)),
                "{rel}: updated is the build that saw the change"
            );
        }
    }
}

#[test]
fn a_build_with_no_change_rewrites_no_file_and_a_change_rewrites_only_its_feeds() {
    for backend in
        backends("a_build_with_no_change_rewrites_no_file_and_a_change_rewrites_only_its_feeds")
    {
        eprintln!("a_build_with_no_change_rewrites_no_file_and_a_change_rewrites_only_its_feeds: {backend:?}");
        let site = Site::on(backend, "");
        site.source(
            "a",
            &[item(
                "a1",
                "Bài a",
                Some("Sat, 01 Mar 2025 08:00:00 +0700"),
                &["Lục Yên"],
            )],
        );
        site.source(
            "b",
            &[item(
                "b1",
                "Bài b",
                Some("Sat, 01 Mar 2025 09:00:00 +0700"),
                &["Chè"],
            )],
        );
        let first = site.build(at(1, 12));
        assert!(first.files_written > 0);
        let before = snapshot(&site.out());
        // Later clocks must not matter: nothing changed at the sources.
        std::thread::sleep(std::time::Duration::from_millis(20));
        let second = site.build(at(2, 12));
        assert_eq!(second.files_written, 0);
        assert_eq!(
            second.files_unchanged,
            first.files_written + first.files_unchanged
        );
        assert_eq!(
            snapshot(&site.out()),
            before,
            "mtimes and bytes are the same"
        );

        // b's article changes: its tag feed and the merged feed are rewritten, a's tag and
        // category feeds are not touched.
        std::thread::sleep(std::time::Duration::from_millis(20));
        site.source(
            "b",
            &[item(
                "b1",
                "Bài b đã sửa",
                Some("Sat, 01 Mar 2025 09:00:00 +0700"),
                &["Chè"],
            )],
        );
        let third = site.build(at(3, 12));
        let after = snapshot(&site.out());
        let out = site.out();
        let changed: Vec<String> = after
            .iter()
            .filter(|(p, v)| before.get(*p) != Some(v))
            .map(|(p, _)| p.strip_prefix(&out).unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            changed,
            vec![
                // The index's headlines and the two feeds' pages show the changed title.
                "index.html",
                "other-news/atom.xml",
                "other-news/feed.json",
                "other-news/index.html",
                "other-news/rss.xml",
                "tag/che/atom.xml",
                "tag/che/feed.json",
                "tag/che/index.html",
                "tag/che/rss.xml"
            ]
        );
        assert_eq!(third.files_written, 9);
    }
}

#[test]
fn retention_removes_articles_that_left_their_source_long_ago() {
    for backend in backends("retention_removes_articles_that_left_their_source_long_ago") {
        eprintln!("retention_removes_articles_that_left_their_source_long_ago: {backend:?}");
        let site = Site::on(backend, "[store]\nretention_days = 30");
        site.source(
            "a",
            &[
                item(
                    "cu",
                    "Bài cũ",
                    Some("Sat, 01 Mar 2025 08:00:00 +0700"),
                    &["Lục Yên"],
                ),
                item(
                    "van-con",
                    "Bài vẫn còn",
                    Some("Sat, 01 Mar 2025 07:00:00 +0700"),
                    &["Lục Yên"],
                ),
            ],
        );
        site.build(at(1, 12));
        site.source(
            "a",
            &[item(
                "van-con",
                "Bài vẫn còn",
                Some("Sat, 01 Mar 2025 07:00:00 +0700"),
                &["Lục Yên"],
            )],
        );
        site.build(at(2, 12));
        assert_eq!(
            site.titles("tag/luc-yen/rss.xml"),
            vec!["Bài cũ", "Bài vẫn còn"]
        );
        // 30 days after "Bài cũ" was last seen (day 1) it is gone; the article its source still
        // shows stays, however old.
        let later = at(1, 12) + chrono::Duration::days(31);
        site.build(later);
        assert_eq!(
            site.stored().len(),
            1,
            "the old article is deleted from the store"
        );
        assert_eq!(site.titles("tag/luc-yen/rss.xml"), vec!["Bài vẫn còn"]);
    }
}

/// The v1 schema exactly as feedmill's first store wrote it.
const V1: &str = "CREATE TABLE articles (
        source TEXT NOT NULL, id TEXT NOT NULL, first_seen INTEGER NOT NULL,
        last_seen INTEGER NOT NULL, hash TEXT NOT NULL, data TEXT NOT NULL,
        PRIMARY KEY (source, id)) WITHOUT ROWID;
    CREATE TABLE sources (name TEXT PRIMARY KEY, etag TEXT, last_modified TEXT,
        last_success INTEGER, last_error TEXT,
        consecutive_failures INTEGER NOT NULL DEFAULT 0, last_status INTEGER);
    CREATE TABLE tag_slugs (key TEXT PRIMARY KEY, slug TEXT NOT NULL);
    PRAGMA user_version = 1;";

#[test]
fn a_store_of_an_older_schema_is_migrated_and_its_articles_stay_in_the_feeds() {
    let site = Site::new("");
    // Build once into a scratch store to get a real article record, then plant it in a
    // v1 store at the site's store path.
    site.source(
        "a",
        &[item(
            "xua",
            "Bài từ bản cũ",
            Some("Sat, 01 Mar 2025 08:00:00 +0700"),
            &["Lục Yên"],
        )],
    );
    let scratch = site.dir.join("scratch.db");
    tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(build(
            &site.cfg,
            &BuildOptions {
                out_dir: Some(site.dir.join("scratch-out")),
                store_path: Some(scratch.clone()),
                now: Some(at(1, 12)),
                ..BuildOptions::default()
            },
        ))
        .unwrap();
    use feedmill::store::Store;
    let article = feedmill::store::SqliteStore::open(&scratch)
        .unwrap()
        .articles()
        .unwrap()
        .remove(0);
    {
        // v1 kept each article as one JSON document.
        let conn = rusqlite::Connection::open(&site.cfg.site.store).unwrap();
        conn.execute_batch(V1).unwrap();
        conn.execute(
            "INSERT INTO articles VALUES ('a', ?1, ?2, ?2, 'h', ?3)",
            rusqlite::params![
                article.id,
                at(1, 12).timestamp(),
                serde_json::to_string(&article).unwrap()
            ],
        )
        .unwrap();
        // The tag was once given a slug other than the one it would get today.
        conn.execute("INSERT INTO tag_slugs VALUES ('lục yên', 'luc-yen-cu')", [])
            .unwrap();
    }
    site.source(
        "a",
        &[item(
            "moi",
            "Bài mới",
            Some("Sun, 02 Mar 2025 08:00:00 +0700"),
            &["Lục Yên"],
        )],
    );
    site.build(at(2, 12));
    assert_eq!(
        site.titles("tag/luc-yen-cu/rss.xml"),
        vec!["Bài mới", "Bài từ bản cũ"],
        "the v1 article and tag slug survive the migration"
    );
    let version: u32 = rusqlite::Connection::open(&site.cfg.site.store)
        .unwrap()
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, feedmill::store::SCHEMA_VERSION);
}
