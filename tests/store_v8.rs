//! Schema v8 keeps an article's hashes as 16-byte blobs; a v7 store (64 hexadecimal
//! characters each) migrates in place, and no stored article looks changed after it.

use chrono::{TimeZone, Utc};
use feedmill::model::{Article, Tag};
use feedmill::store::{SqliteStore, Store, SCHEMA_VERSION};

fn article(id: &str, title: &str) -> Article {
    Article {
        id: id.into(),
        source: "tin-tinh".into(),
        source_guid: Some(id.into()),
        url: Some(format!("https://example.vn/{id}.html")),
        title: title.into(),
        summary: format!("Tóm tắt {title}"),
        content: format!("<p>{title}</p>"),
        published: Some(chrono::DateTime::parse_from_rfc3339("2025-03-01T08:00:00+07:00").unwrap()),
        tags: vec![Tag {
            key: "lục yên".into(),
            name: "Lục Yên".into(),
        }],
        ..Default::default()
    }
}

/// (type, length) of every article's two hashes, by id.
fn hash_columns(path: &std::path::Path) -> Vec<(String, String, i64, String, i64)> {
    let conn = rusqlite::Connection::open(path).unwrap();
    let mut st = conn
        .prepare(
            "SELECT id, typeof(hash), length(hash), typeof(content_hash), length(content_hash)
             FROM articles ORDER BY id",
        )
        .unwrap();
    st.query_map([], |r| {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
    })
    .unwrap()
    .collect::<rusqlite::Result<_>>()
    .unwrap()
}

#[test]
fn a_v7_store_migrates_to_blob_hashes_and_nothing_looks_changed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.db");
    let day = |d| Utc.with_ymd_and_hms(2025, 3, d, 0, 0, 0).unwrap();
    let articles = vec![article("a", "Một"), article("b", "Hai")];
    {
        let mut store = SqliteStore::open(&path).unwrap();
        let counts = store
            .upsert_source("tin-tinh", articles.clone(), day(1))
            .unwrap();
        assert_eq!(counts.new, 2);
    }
    assert_eq!(SCHEMA_VERSION, 8);
    for (_, t, n, ct, cn) in hash_columns(&path) {
        assert_eq!((t.as_str(), n, ct.as_str(), cn), ("blob", 16, "blob", 16));
    }
    // The store as v7 wrote it: each hash the whole SHA-256 digest in hexadecimal, whose
    // first 32 characters are the 16 bytes v8 keeps.
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(
            "UPDATE articles SET
                 hash = lower(hex(hash)) || '00112233445566778899aabbccddeeff',
                 content_hash = lower(hex(content_hash)) || 'ffeeddccbbaa99887766554433221100';
             PRAGMA user_version = 7;",
        )
        .unwrap();
    }
    for (_, t, n, ..) in hash_columns(&path) {
        assert_eq!((t.as_str(), n), ("text", 64));
    }
    let mut store = SqliteStore::open(&path).unwrap();
    assert_eq!(store.schema_version().unwrap(), 8);
    for (_, t, n, ct, cn) in hash_columns(&path) {
        assert_eq!((t.as_str(), n, ct.as_str(), cn), ("blob", 16, "blob", 16));
    }
    // The same articles again: unchanged, no write.
    let counts = store
        .upsert_source("tin-tinh", articles.clone(), day(2))
        .unwrap();
    assert_eq!((counts.new, counts.updated, counts.unchanged), (0, 0, 2));
    // A changed one is still told apart.
    let changed = vec![articles[0].clone(), article("b", "Hai (sửa)")];
    let counts = store.upsert_source("tin-tinh", changed, day(3)).unwrap();
    assert_eq!((counts.new, counts.updated, counts.unchanged), (0, 1, 1));
    assert_eq!(store.articles().unwrap().len(), 2);
}
