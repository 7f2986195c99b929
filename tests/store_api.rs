//! The store on its own, through the `Store` trait: dating, updating in place, retention,
//! fetch state, emit memory, stats, and the migration from schema v1.

mod store_support;

use std::collections::BTreeMap;

use chrono::{DateTime, FixedOffset, TimeZone, Utc};
use feedmill::fetch::Validators;
use feedmill::model::{Article, Tag};
use feedmill::store::{
    BuildChanges, EmitMemory, SourceArticles, SourceState, SourceUpdate, SqliteStore, Store,
    UpsertCounts, SCHEMA_VERSION,
};
use store_support::each_backend;

fn t(day: u32, hour: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 3, day, hour, 0, 0).unwrap()
}

fn fixed(s: &str) -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(s).unwrap()
}

fn article(id: &str, title: &str, published: Option<&str>) -> Article {
    Article {
        id: id.into(),
        source: "tin-tinh".into(),
        source_guid: Some(id.into()),
        url: Some(format!("https://example.vn/{id}.html")),
        title: title.into(),
        summary: format!("Tóm tắt {title}"),
        content: format!("<p>{title}</p>"),
        authors: vec!["Thanh Hà".into()],
        published: published.map(fixed),
        updated: None,
        image: None,
        tags: vec![Tag {
            key: "lục yên".into(),
            name: "Lục Yên".into(),
        }],
        categories: vec!["Thời sự".into()],
        ..Default::default()
    }
}

fn by_id(store: &dyn Store) -> BTreeMap<String, Article> {
    store
        .articles()
        .unwrap()
        .into_iter()
        .map(|a| (a.id.clone(), a))
        .collect()
}

#[test]
fn undated_articles_carry_their_first_seen_forever() {
    each_backend("undated_articles_carry_their_first_seen_forever", |fresh| {
        let mut store = fresh.open();
        for day in [1, 2, 3] {
            store
                .upsert_source(
                    "tin-tinh",
                    vec![article("a", "Không ngày", None)],
                    t(day, 8),
                )
                .unwrap();
            let a = &by_id(store.as_ref())["a"];
            assert_eq!(a.published, Some(t(1, 8).fixed_offset()), "build {day}");
            assert_eq!(a.updated, None);
        }
    });
}

#[test]
fn a_changed_article_is_replaced_in_place_and_its_updated_moves() {
    each_backend(
        "a_changed_article_is_replaced_in_place_and_its_updated_moves",
        |fresh| {
            let mut store = fresh.open();
            let first = article("a", "Bản đầu", Some("2025-03-01T07:00:00+07:00"));
            let c = store
                .upsert_source("tin-tinh", vec![first.clone()], t(1, 8))
                .unwrap();
            assert_eq!((c.new, c.updated, c.unchanged), (1, 0, 0));
            let c = store
                .upsert_source("tin-tinh", vec![first.clone()], t(2, 8))
                .unwrap();
            assert_eq!((c.new, c.updated, c.unchanged), (0, 0, 1));

            let mut second = first.clone();
            second.title = "Bản sửa".into();
            let c = store
                .upsert_source("tin-tinh", vec![second], t(3, 8))
                .unwrap();
            assert_eq!((c.new, c.updated, c.unchanged, c.stored), (0, 1, 0, 1));
            let all = store.articles().unwrap();
            assert_eq!(all.len(), 1);
            assert_eq!(all[0].title, "Bản sửa");
            assert_eq!(
                all[0].published,
                Some(fixed("2025-03-01T07:00:00+07:00")),
                "the publication date stays"
            );
            assert_eq!(
                all[0].updated,
                Some(t(3, 8).fixed_offset()),
                "no source date: the build time"
            );

            // A source that gives a newer `updated` is believed.
            let mut third = first.clone();
            third.title = "Bản ba".into();
            third.updated = Some(fixed("2025-03-04T09:30:00+07:00"));
            store
                .upsert_source("tin-tinh", vec![third], t(5, 8))
                .unwrap();
            let a = &by_id(store.as_ref())["a"];
            assert_eq!(a.updated, Some(fixed("2025-03-04T09:30:00+07:00")));

            // A change of tags only is stored but does not move `updated`.
            let mut fourth = first;
            fourth.title = "Bản ba".into();
            fourth.updated = Some(fixed("2025-03-04T09:30:00+07:00"));
            fourth.tags.push(Tag {
                key: "chè".into(),
                name: "Chè".into(),
            });
            let c = store
                .upsert_source("tin-tinh", vec![fourth], t(6, 8))
                .unwrap();
            assert_eq!(c.updated, 1);
            let a = &by_id(store.as_ref())["a"];
            assert_eq!(a.tags.len(), 2);
            assert_eq!(a.updated, Some(fixed("2025-03-04T09:30:00+07:00")));
        },
    );
}

#[test]
fn retention_deletes_only_articles_that_left_their_source_long_ago() {
    each_backend(
        "retention_deletes_only_articles_that_left_their_source_long_ago",
        |fresh| {
            let mut store = fresh.open();
            let old = article("old", "Cũ", Some("2020-01-01T00:00:00Z"));
            let gone = article("gone", "Đã rời nguồn", Some("2025-03-01T00:00:00Z"));
            store
                .upsert_source("tin-tinh", vec![old.clone(), gone], t(1, 0))
                .unwrap();
            // `gone` drops out of the source on day 2; `old` stays in it.
            store.upsert_source("tin-tinh", vec![old], t(2, 0)).unwrap();
            assert_eq!(
                store.articles().unwrap().len(),
                2,
                "a dropped article stays"
            );
            // Last seen on day 1: a cutoff on day 1 at noon removes it; `old` is still in its
            // source, so it stays however old its date.
            let pruned = store.prune(t(1, 12), t(30, 0)).unwrap();
            assert_eq!(pruned, 1);
            assert_eq!(
                by_id(store.as_ref()).keys().collect::<Vec<_>>(),
                vec!["old"]
            );
        },
    );
}

#[test]
fn a_failing_source_keeps_its_articles_and_its_health_is_recorded() {
    each_backend(
        "a_failing_source_keeps_its_articles_and_its_health_is_recorded",
        |fresh| {
            let mut store = fresh.open();
            let ok = SourceState {
                validators: Validators {
                    etag: Some("\"v1\"".into()),
                    last_modified: Some("Sat, 01 Mar 2025 00:00:00 GMT".into()),
                },
                last_success: Some(t(1, 0)),
                last_status: Some(200),
                bytes: 1234,
                duration_ms: 56,
                ..SourceState::default()
            };
            store
                .apply(&BuildChanges {
                    now: t(1, 0),
                    sources: vec![SourceUpdate {
                        name: "tin-tinh".into(),
                        state: ok.clone(),
                        articles: SourceArticles::Fresh(vec![article("a", "A", None)]),
                    }],
                    keep_only: None,
                    prune_before: None,
                    stored_per_source: None,
                })
                .unwrap();
            let failing = SourceState {
                last_error: Some("HTTP 500".into()),
                consecutive_failures: 3,
                last_status: Some(500),
                ..ok.clone()
            };
            let applied = store
                .apply(&BuildChanges {
                    now: t(9, 0),
                    sources: vec![SourceUpdate {
                        name: "tin-tinh".into(),
                        state: failing.clone(),
                        articles: SourceArticles::Kept,
                    }],
                    keep_only: Some(vec!["tin-tinh".into()]),
                    // Far past its last sighting, but it is still its source's latest good fetch.
                    prune_before: Some(t(8, 0)),
                    stored_per_source: None,
                })
                .unwrap();
            assert_eq!(applied.pruned, 0);
            assert_eq!(
                applied.sources["tin-tinh"],
                UpsertCounts {
                    in_source: 1,
                    stored: 1,
                    ..UpsertCounts::default()
                }
            );
            assert_eq!(store.source_states().unwrap()["tin-tinh"], failing);
            let stats = store.stats().unwrap();
            assert_eq!(stats.articles, 1);
            assert_eq!(stats.sources.len(), 1);
            assert_eq!(stats.sources[0].state.consecutive_failures, 3);
            assert_eq!(stats.tags[0].name, "Lục Yên");
            assert_eq!(stats.tags[0].articles, 1);
            assert_eq!(stats.categories[0].name, "Thời sự");
        },
    );
}

#[test]
fn sources_removed_from_the_config_are_forgotten() {
    each_backend("sources_removed_from_the_config_are_forgotten", |fresh| {
        let mut store = fresh.open();
        store
            .upsert_source("tin-tinh", vec![article("a", "A", None)], t(1, 0))
            .unwrap();
        let mut b = article("b", "B", None);
        b.source = "khac".into();
        store.upsert_source("khac", vec![b], t(1, 0)).unwrap();
        let keep = |now, prune_before| BuildChanges {
            now,
            sources: Vec::new(),
            keep_only: Some(vec!["tin-tinh".into()]),
            prune_before,
            stored_per_source: None,
        };
        // Out of the articles the feeds are built from at once, kept for the grace period.
        let applied = store.apply(&keep(t(2, 0), Some(t(1, 0)))).unwrap();
        assert_eq!((applied.removed, applied.forgotten), (1, 0));
        assert_eq!(by_id(store.as_ref()).keys().collect::<Vec<_>>(), vec!["a"]);
        assert_eq!(store.stats().unwrap().articles, 2, "still stored");
        // Forgotten with its articles once it has been removed longer than that.
        let applied = store.apply(&keep(t(9, 0), Some(t(3, 0)))).unwrap();
        assert_eq!((applied.removed, applied.forgotten), (0, 1));
        assert_eq!(by_id(store.as_ref()).keys().collect::<Vec<_>>(), vec!["a"]);
        assert_eq!(store.stats().unwrap().articles, 1);
        assert!(!store.source_states().unwrap().contains_key("khac"));
    });
}

#[test]
fn a_removed_source_configured_again_within_its_grace_period_is_restored() {
    each_backend(
        "a_removed_source_configured_again_within_its_grace_period_is_restored",
        |fresh| {
            let mut store = fresh.open();
            let mut b = article("b", "B", None);
            b.source = "khac".into();
            store.upsert_source("khac", vec![b], t(1, 0)).unwrap();
            let keep = |now, names: &[&str]| BuildChanges {
                now,
                sources: Vec::new(),
                keep_only: Some(names.iter().map(|n| n.to_string()).collect()),
                prune_before: Some(t(1, 0)),
                stored_per_source: None,
            };
            store.apply(&keep(t(2, 0), &[])).unwrap();
            assert!(by_id(store.as_ref()).is_empty());
            assert!(store.article_heads(false).unwrap().is_empty());
            let tags = store.removed_sources_tag_keys().unwrap();
            assert!(tags.contains("lục yên"), "{tags:?}");
            let applied = store.apply(&keep(t(3, 0), &["khac"])).unwrap();
            assert_eq!(applied.restored, 1);
            assert_eq!(by_id(store.as_ref()).keys().collect::<Vec<_>>(), vec!["b"]);
            assert_eq!(store.article_heads(false).unwrap().len(), 1);
            assert!(store.removed_sources_tag_keys().unwrap().is_empty());
            assert!(store.stats().unwrap().sources[0].removed_at.is_none());
        },
    );
}

#[test]
fn emit_memory_round_trips() {
    each_backend("emit_memory_round_trips", |fresh| {
        let memory = EmitMemory {
            tag_slugs: BTreeMap::from([
                ("lúa".into(), "lua".into()),
                ("lụa".into(), "lua-2".into()),
            ]),
            fingerprints: BTreeMap::from([("tag/lua".into(), "abc".into())]),
        };
        fresh.open().save_emit_memory(&memory).unwrap();
        assert_eq!(fresh.open().emit_memory().unwrap(), memory);
    });
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
fn a_v1_store_is_migrated_with_its_data() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db");
    let migrated = article("a", "Từ bản cũ", Some("2025-02-01T08:00:00+07:00"));
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(V1).unwrap();
        conn.execute(
            "INSERT INTO articles VALUES ('tin-tinh', 'a', ?1, ?1, 'h1', ?2)",
            rusqlite::params![
                t(1, 0).timestamp(),
                serde_json::to_string(&migrated).unwrap()
            ],
        )
        .unwrap();
        conn.execute(
            "INSERT INTO sources (name, etag, last_success, consecutive_failures, last_status)
             VALUES ('tin-tinh', '\"e1\"', ?1, 0, 200)",
            [t(1, 0).timestamp()],
        )
        .unwrap();
        conn.execute("INSERT INTO tag_slugs VALUES ('lục yên', 'luc-yen')", [])
            .unwrap();
    }
    let mut store = SqliteStore::open(&path).unwrap();
    assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
    assert_eq!(SCHEMA_VERSION, 7);
    // Read back as stored, with the instant it was first seen.
    let mut read_back = migrated.clone();
    read_back.first_seen = Some(t(1, 0));
    assert_eq!(store.articles().unwrap(), vec![read_back]);
    // v3's heads index serves the migrated row too.
    let heads = store.article_heads(false).unwrap();
    assert_eq!(heads.len(), 1);
    assert_eq!(heads[0].article.id, "a");
    assert_eq!(heads[0].article.published, migrated.published);
    assert_eq!(heads[0].article.tags, migrated.tags);
    assert!(heads[0].version.is_some());
    let states = store.source_states().unwrap();
    assert_eq!(
        states["tin-tinh"].validators.etag.as_deref(),
        Some("\"e1\"")
    );
    assert_eq!(states["tin-tinh"].last_success, Some(t(1, 0)));
    assert_eq!(
        store.emit_memory().unwrap().tag_slugs,
        BTreeMap::from([("lục yên".to_string(), "luc-yen".to_string())])
    );
    // The migrated article behaves as any: an article from v1 is in its source's latest
    // fetch, and a new record for it is an update, not a second article.
    let mut changed = migrated;
    changed.title = "Từ bản cũ, đã sửa".into();
    let c = store
        .upsert_source("tin-tinh", vec![changed], t(2, 0))
        .unwrap();
    assert_eq!((c.new, c.updated, c.stored), (0, 1, 1));
    // Opening again runs no migration twice.
    drop(store);
    assert_eq!(
        SqliteStore::open(&path).unwrap().schema_version().unwrap(),
        SCHEMA_VERSION
    );
}

#[test]
fn a_store_from_a_newer_feedmill_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("new.db");
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute_batch("PRAGMA user_version = 99;")
        .unwrap();
    let err = SqliteStore::open(&path).unwrap_err().to_string();
    assert!(err.contains("schema version 99 is newer"), "{err}");
}

#[test]
fn the_store_is_in_wal_mode() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.db");
    drop(SqliteStore::open(&path).unwrap());
    let mode: String = rusqlite::Connection::open(&path)
        .unwrap()
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
}

#[test]
fn a_nul_character_in_an_article_does_not_fail_its_build() {
    each_backend(
        "a_nul_character_in_an_article_does_not_fail_its_build",
        |fresh| {
            let mut store = fresh.open();
            let mut a = article("a", "Có\u{0}NUL", None);
            a.content = "<p>x\u{0}y</p>".into();
            let c = store.upsert_source("tin-tinh", vec![a], t(1, 0)).unwrap();
            assert_eq!(c.new, 1);
            let stored = &by_id(store.as_ref())["a"];
            assert!(stored.title.starts_with("Có"), "{:?}", stored.title);
            // Seen again as it was: unchanged, not rewritten.
            let mut again = article("a", "Có\u{0}NUL", None);
            again.content = "<p>x\u{0}y</p>".into();
            let c = store
                .upsert_source("tin-tinh", vec![again], t(2, 0))
                .unwrap();
            assert_eq!(c.unchanged, 1);
        },
    );
}
