//! What schema v6 keeps: an article's image type and size and its enclosures, read back
//! with the article; `first_seen` on articles and heads, the same at every build; a
//! change of enclosures is an update in place that leaves `updated` alone; and the
//! archive pages' bounds kept across an emit that never finished, while its
//! fingerprints are not trusted. On every store backend (the v5 migration on SQLite).

mod store_support;

use std::collections::BTreeMap;

use chrono::{DateTime, TimeZone, Utc};
use feedmill::model::{Article, Enclosure, ImageMeta};
use feedmill::store::{EmitMemory, SqliteStore, Store};
use store_support::each_backend;

fn t(day: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 3, day, 8, 0, 0).unwrap()
}

fn podcast(id: &str, length: Option<u64>) -> Article {
    Article {
        id: id.into(),
        source: "podcast".into(),
        source_guid: Some(id.into()),
        title: format!("Tập {id}"),
        published: DateTime::parse_from_rfc3339("2025-03-01T08:00:00+07:00").ok(),
        image: Some("https://cdn.example.vn/a.jpg".into()),
        image_meta: ImageMeta {
            mime_type: Some("image/jpeg".into()),
            width: Some(1400),
            height: Some(1400),
        },
        enclosures: vec![Enclosure {
            url: format!("https://cdn.example.vn/{id}.mp3"),
            mime_type: Some("audio/mpeg".into()),
            length,
        }],
        ..Article::default()
    }
}

#[test]
fn image_meta_enclosures_and_first_seen_are_stored_and_read_back() {
    each_backend(
        "image_meta_enclosures_and_first_seen_are_stored_and_read_back",
        |fresh| {
            let mut store = fresh.open();
            let a = podcast("ep1", Some(123));
            let plain = Article {
                id: "plain".into(),
                source: "podcast".into(),
                title: "Không tệp".into(),
                ..Article::default()
            };
            store
                .upsert_source("podcast", vec![a.clone(), plain], t(1))
                .unwrap();
            let read = store.articles().unwrap();
            let ep1 = read.iter().find(|x| x.id == "ep1").unwrap();
            assert_eq!(ep1.image_meta, a.image_meta);
            assert_eq!(ep1.enclosures, a.enclosures);
            assert_eq!(ep1.first_seen, Some(t(1)));
            let plain = read.iter().find(|x| x.id == "plain").unwrap();
            assert!(plain.enclosures.is_empty() && plain.image_meta.is_empty());
            // Heads (read from the covering index) carry first_seen too.
            let heads = store.article_heads(false).unwrap();
            assert!(heads.iter().all(|h| h.article.first_seen == Some(t(1))));
            // Seen again later, and with a changed enclosure: first_seen stays, the record is
            // replaced in place, and `updated` is not moved (an enclosure is not the text).
            let changed = podcast("ep1", Some(456));
            let c = store
                .upsert_source("podcast", vec![changed.clone()], t(2))
                .unwrap();
            assert_eq!((c.new, c.updated), (0, 1));
            let ep1 = store
                .articles()
                .unwrap()
                .into_iter()
                .find(|x| x.id == "ep1")
                .unwrap();
            assert_eq!(ep1.enclosures[0].length, Some(456));
            assert_eq!(ep1.first_seen, Some(t(1)));
            assert_eq!(ep1.updated, None);
            let by_key = store.articles_by_key(&[("podcast", "ep1")]).unwrap();
            assert_eq!(by_key[0].enclosures, changed.enclosures);
        },
    );
}

#[test]
fn archive_bounds_outlive_an_emit_that_never_finished_and_fingerprints_do_not() {
    each_backend(
        "archive_bounds_outlive_an_emit_that_never_finished_and_fingerprints_do_not",
        |fresh| {
            let mut store = fresh.open();
            let memory = EmitMemory {
                tag_slugs: BTreeMap::new(),
                fingerprints: BTreeMap::from([
                    ("tag/luc-yen".to_string(), "f1".to_string()),
                    ("tag/luc-yen/archive/1".to_string(), "f2".to_string()),
                    (
                        "@archive:tag/luc-yen".to_string(),
                        "[[1,0,0,0,\"s\",\"a\"]]".to_string(),
                    ),
                    // A tag whose slug is `archive`: a fingerprint like any.
                    ("tag/archive".to_string(), "f3".to_string()),
                ]),
            };
            store.save_emit_memory(&memory).unwrap();
            assert_eq!(store.emit_memory().unwrap(), memory);
            store.begin_emit().unwrap();
            // A build killed now: the next one renders every document, on the same pages.
            let after = store.emit_memory().unwrap();
            assert_eq!(
                after.fingerprints.keys().collect::<Vec<_>>(),
                ["@archive:tag/luc-yen"]
            );
        },
    );
}

/// A store main's feedmill wrote at schema v5 (`article_pages`, no `media` column, the
/// v3 heads index) opens, migrates to v6 and v7 and keeps its articles and article pages.
#[test]
fn a_v5_store_with_article_pages_migrates_to_v6() {
    use feedmill::store::{ArticlePage, SCHEMA_VERSION};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v5.db");
    let plain = Article {
        id: "plain".into(),
        source: "podcast".into(),
        source_guid: Some("plain".into()),
        title: "Bài cũ".into(),
        ..Article::default()
    };
    let page = ArticlePage {
        source: "podcast".into(),
        id: "plain".into(),
        url: "https://example.vn/bai-cu".into(),
        entry: "e1".into(),
        content: "<p>Toàn văn</p>".into(),
        origin: "readability".into(),
        chars: 8,
        fetched_at: Some(t(1)),
        ..ArticlePage::default()
    };
    {
        let mut store = SqliteStore::open(&path).unwrap();
        store
            .upsert_source("podcast", vec![plain.clone()], t(1))
            .unwrap();
        store
            .save_article_pages(std::slice::from_ref(&page), &[])
            .unwrap();
    }
    // Take v7 (feed membership) and v6 back out, leaving exactly what main's v5 wrote.
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute_batch(
            "DROP INDEX articles_aid;
             ALTER TABLE articles DROP COLUMN aid;
             ALTER TABLE articles DROP COLUMN print;
             DROP TABLE match_keys; DROP TABLE stories; DROP TABLE story_of;
             DROP TABLE feeds; DROP TABLE members; DROP TABLE pending;
             DROP TABLE pending_keys; DROP TABLE stale_stories; DROP TABLE dirty_feeds;
             DROP INDEX articles_heads;
             ALTER TABLE articles DROP COLUMN media;
             CREATE INDEX articles_heads ON articles
                 (source, id, hash, published, updated, url, source_guid, tags, categories);
             PRAGMA user_version = 5;",
        )
        .unwrap();
    let mut store = SqliteStore::open(&path).unwrap();
    assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
    assert_eq!(SCHEMA_VERSION, 7);
    let read = store.articles().unwrap();
    assert_eq!(read.len(), 1);
    assert_eq!(read[0].title, plain.title);
    assert!(read[0].enclosures.is_empty() && read[0].image_meta.is_empty());
    assert_eq!(read[0].first_seen, Some(t(1)));
    assert_eq!(store.article_pages("podcast").unwrap(), vec![page]);
    // The v6 column takes new enclosures on the migrated store.
    store
        .upsert_source("podcast", vec![podcast("ep1", Some(7))], t(2))
        .unwrap();
    let heads = store.article_heads(false).unwrap();
    assert_eq!(heads.len(), 2);
    let ep1 = store.articles_by_key(&[("podcast", "ep1")]).unwrap();
    assert_eq!(ep1[0].enclosures[0].length, Some(7));
}
