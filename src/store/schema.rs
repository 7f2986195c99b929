//! The SQLite schema and its migrations.
//!
//! The schema version is SQLite's `user_version`. Each migration takes the store from
//! version `n` to `n + 1` and runs in the same transaction as the version bump, so a store
//! is always exactly at one version. A new store runs every migration from 0.
//!
//! - v1: articles (with `first_seen`, `last_seen`, one hash), sources (validators and
//!   health), tag slugs.
//! - v2: one column per article field instead of one JSON document (reading a large store
//!   back is reading columns, not parsing); a separate content hash (title/text changes move `updated`, date or tag changes do
//!   not); sightings (whether an article is in its source's latest good fetch, and when it
//!   was last seen) moved to a narrow table of their own so that seeing an article again
//!   never rewrites its record; per source the last sighting, fetch bytes/duration and the
//!   last good document's hash; feed fingerprints for incremental emitting, and a marker of
//!   an emit in progress.
//! - v3: a covering index of article heads (identity, dates, hash, links, tags,
//!   categories), so that a build reads what it plans with without paging through every
//!   article's text; the text is read only for the feeds that are rendered again.
//! - v4: `sources.removed_at`, when a source left feeds.toml: its articles leave the feeds
//!   at once and are kept for `retention_days` after it, so that re-adding the source
//!   restores them.
//! - v5: `article_pages`, the article pages fetched for `full_text` sources: per article
//!   the page URL, the print of the feed entry it was read for, its validators, the
//!   extracted body (or why there is none) and the attempts made, so a page is fetched
//!   once per feed entry (see [`crate::enrich`]).
//! - v6: `articles.media` (an image's type and size, enclosures: JSON, NULL when none),
//!   and `first_seen` in the heads index, since archived feeds are ordered by it.
//! - v7: feed membership ([`migrate_membership`]): articles get an integer handle and a print;
//!   stories (articles after deduplication), their membership in the tag and category
//!   feeds indexed by rank, match keys, and what waits to be worked into stories, so a
//!   build can read the newest `items` of a feed instead of every article. The covering
//!   index of heads stays while emit still fingerprints from every head.
//! - v8: the store's size ([`COMPACT`]): an article's two hashes become 16-byte blobs (the
//!   first 128 bits of the same SHA-256 digests, so no stored article looks changed)
//!   instead of 64 hexadecimal characters, in the row and in the heads index. Rows written
//!   from v8 on keep their tags as one flat list of keys and names (see
//!   `record::tags_text`); rows written before keep their objects, read alike, until
//!   rewritten. New articles are inserted in key order (pages fill instead of splitting).

use rusqlite::{params, Connection, Transaction, TransactionBehavior};

/// The schema version this feedmill writes.
pub const SCHEMA_VERSION: u32 = 8;

/// Migration `i` takes the store from version `i` to `i + 1`.
const MIGRATIONS: &[&str] = &[
    // v0 → v1
    "CREATE TABLE articles (
        source     TEXT NOT NULL,
        id         TEXT NOT NULL,
        first_seen INTEGER NOT NULL,
        last_seen  INTEGER NOT NULL,
        hash       TEXT NOT NULL,
        data       TEXT NOT NULL,
        PRIMARY KEY (source, id)
    ) WITHOUT ROWID;
    CREATE TABLE sources (
        name                 TEXT PRIMARY KEY,
        etag                 TEXT,
        last_modified        TEXT,
        last_success         INTEGER,
        last_error           TEXT,
        consecutive_failures INTEGER NOT NULL DEFAULT 0,
        last_status          INTEGER
    );
    CREATE TABLE tag_slugs (key TEXT PRIMARY KEY, slug TEXT NOT NULL);",
    // v1 → v2
    "CREATE TABLE articles_v2 (
        source       TEXT NOT NULL,
        id           TEXT NOT NULL,
        first_seen   INTEGER NOT NULL,
        hash         TEXT NOT NULL,
        content_hash TEXT NOT NULL,
        source_guid  TEXT,
        url          TEXT,
        title        TEXT NOT NULL,
        summary      TEXT NOT NULL,
        content      TEXT NOT NULL,
        authors      TEXT NOT NULL,
        published    TEXT,
        updated      TEXT,
        image        TEXT,
        tags         TEXT NOT NULL,
        categories   TEXT NOT NULL,
        PRIMARY KEY (source, id)
    ) WITHOUT ROWID;
    INSERT INTO articles_v2
        SELECT source, id, first_seen, hash, hash,
            json_extract(data, '$.source_guid'), json_extract(data, '$.url'),
            coalesce(json_extract(data, '$.title'), ''),
            coalesce(json_extract(data, '$.summary'), ''),
            coalesce(json_extract(data, '$.content'), ''),
            coalesce(json_extract(data, '$.authors'), '[]'),
            json_extract(data, '$.published'), json_extract(data, '$.updated'),
            json_extract(data, '$.image'),
            coalesce(json_extract(data, '$.tags'), '[]'),
            coalesce(json_extract(data, '$.categories'), '[]')
        FROM articles;
    CREATE TABLE sightings (
        source    TEXT NOT NULL,
        id        TEXT NOT NULL,
        in_source INTEGER NOT NULL,
        last_seen INTEGER NOT NULL,
        PRIMARY KEY (source, id)
    ) WITHOUT ROWID;
    INSERT INTO sightings (source, id, in_source, last_seen)
        SELECT source, id, 1, last_seen FROM articles;
    DROP TABLE articles;
    ALTER TABLE articles_v2 RENAME TO articles;
    CREATE INDEX sightings_retention ON sightings (in_source, last_seen);
    ALTER TABLE sources ADD COLUMN bytes INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE sources ADD COLUMN duration_ms INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE sources ADD COLUMN body_hash TEXT;
    ALTER TABLE sources ADD COLUMN seen_at INTEGER;
    UPDATE sources SET seen_at = last_success;
    CREATE TABLE fingerprints (feed TEXT PRIMARY KEY, hash TEXT NOT NULL);
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);",
    // v2 → v3
    "CREATE INDEX articles_heads ON articles
        (source, id, hash, published, updated, url, source_guid, tags, categories);",
    // v3 → v4
    "ALTER TABLE sources ADD COLUMN removed_at INTEGER;",
    // v4 → v5
    ARTICLE_PAGES,
    // v5 → v6
    MEDIA_AND_FIRST_SEEN,
];

/// v6 → v7: feed membership. Articles get an integer handle (`aid`, what stories and
/// membership rows refer to: a few bytes instead of a source name and a 32-character id in
/// every row; new articles take the next one) and a print, as added columns: the table
/// keeps its other columns whatever they are, so this step does not depend on them. Every
/// article is pending, so the next build works out the stories of all of them. One
/// function, one version step.
fn migrate_membership(tx: &Transaction<'_>) -> rusqlite::Result<()> {
    tx.execute_batch(
        "ALTER TABLE articles ADD COLUMN aid INTEGER;
        ALTER TABLE articles ADD COLUMN print BLOB;
        UPDATE articles SET aid = n.aid
            FROM (SELECT source, id, row_number() OVER (ORDER BY source, id) AS aid
                  FROM articles) AS n
            WHERE articles.source = n.source AND articles.id = n.id;
        CREATE UNIQUE INDEX articles_aid ON articles (aid);
        CREATE TABLE match_keys (
            key INTEGER NOT NULL,
            aid INTEGER NOT NULL,
            PRIMARY KEY (key, aid)
        ) WITHOUT ROWID;
        CREATE TABLE stories (
            sid   INTEGER PRIMARY KEY,
            ts    INTEGER NOT NULL,
            ns    INTEGER NOT NULL,
            link  INTEGER,
            owner INTEGER NOT NULL,
            print BLOB NOT NULL,
            feeds TEXT NOT NULL,
            names INTEGER NOT NULL,
            parts TEXT
        );
        CREATE INDEX stories_newest ON stories (ts, ns, sid);
        CREATE INDEX stories_link ON stories (link);
        CREATE TABLE story_of (aid INTEGER PRIMARY KEY, sid INTEGER NOT NULL);
        CREATE TABLE feeds (
            fid         INTEGER PRIMARY KEY,
            kind        INTEGER NOT NULL,
            key         TEXT NOT NULL,
            articles    INTEGER NOT NULL DEFAULT 0,
            name        TEXT NOT NULL DEFAULT '',
            earliest_ts INTEGER,
            earliest_ns INTEGER,
            UNIQUE (kind, key)
        );
        CREATE TABLE members (
            fid  INTEGER NOT NULL,
            ts   INTEGER NOT NULL,
            ns   INTEGER NOT NULL,
            sid  INTEGER NOT NULL,
            name TEXT NOT NULL,
            PRIMARY KEY (fid, ts, ns, sid)
        ) WITHOUT ROWID;
        CREATE TABLE pending (aid INTEGER PRIMARY KEY);
        CREATE TABLE pending_keys (key INTEGER PRIMARY KEY);
        CREATE TABLE stale_stories (sid INTEGER PRIMARY KEY);
        CREATE TABLE dirty_feeds (fid INTEGER PRIMARY KEY);
        INSERT INTO pending (aid) SELECT aid FROM articles;
        DELETE FROM fingerprints;",
    )?;
    // Match keys are worked out here, not in SQL, one row at a time from the link and
    // GUID alone: memory does not follow the store. Prints are left empty: the first
    // refresh works each one out from its record, a chunk at a time.
    let mut read = tx.prepare(
        "SELECT aid, url, source_guid FROM articles
         WHERE source NOT IN (SELECT name FROM sources WHERE removed_at IS NOT NULL)",
    )?;
    let mut key =
        tx.prepare("INSERT INTO match_keys (key, aid) VALUES (?1, ?2) ON CONFLICT DO NOTHING")?;
    let mut rows = read.query([])?;
    while let Some(r) = rows.next()? {
        let (aid, url, guid): (i64, Option<String>, Option<String>) =
            (r.get(0)?, r.get(1)?, r.get(2)?);
        for k in super::story::match_key_hashes(url.as_deref(), guid.as_deref()) {
            key.execute(params![k, aid])?;
        }
    }
    Ok(())
}

/// The migrations after feed membership: migration `i` takes the store from version
/// `MIGRATIONS.len() + 1 + i` to the next.
const LATER: &[&str] = &[
    // v7 → v8
    COMPACT,
];

/// v7 → v8, self-contained: the hashes as the first 16 bytes of their digest. A hash that
/// is not hexadecimal (none is) becomes an empty blob: its article is seen as changed and
/// written again by the next build that reads it.
const COMPACT: &str = "UPDATE articles SET
        hash = coalesce(substr(unhex(hash), 1, 16), x''),
        content_hash = coalesce(substr(unhex(content_hash), 1, 16), x'');";

/// The table of article pages (v5), self-contained: it refers to no other table, and is
/// pruned against `articles` by the store when pages are saved.
const ARTICLE_PAGES: &str = "CREATE TABLE article_pages (
        source        TEXT NOT NULL,
        id            TEXT NOT NULL,
        url           TEXT NOT NULL,
        entry         TEXT NOT NULL,
        etag          TEXT,
        last_modified TEXT,
        error         TEXT,
        retry         INTEGER NOT NULL DEFAULT 0,
        attempts      INTEGER NOT NULL DEFAULT 0,
        content       TEXT NOT NULL DEFAULT '',
        origin        TEXT NOT NULL DEFAULT '',
        chars         INTEGER NOT NULL DEFAULT 0,
        fetched_at    INTEGER,
        PRIMARY KEY (source, id)
    );";

/// v5 → v6, self-contained: the `media` column and a heads index that covers
/// `first_seen` too (the same columns as v3's, plus it).
const MEDIA_AND_FIRST_SEEN: &str = "ALTER TABLE articles ADD COLUMN media TEXT;
    DROP INDEX articles_heads;
    CREATE INDEX articles_heads ON articles
        (source, id, hash, published, updated, url, source_guid, tags, categories, first_seen);";

/// Reads the schema version.
pub(super) fn version(conn: &Connection) -> rusqlite::Result<u32> {
    conn.query_row("PRAGMA user_version", [], |r| r.get(0))
}

/// Brings the store to [`SCHEMA_VERSION`]. A store newer than this feedmill is refused
/// rather than guessed at.
pub(super) fn migrate(conn: &mut Connection) -> Result<(), String> {
    loop {
        // IMMEDIATE: two processes opening one old store migrate it once, in turn.
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| format!("cannot start the migration: {e}"))?;
        let v = version(&tx).map_err(|e| format!("cannot read the schema version: {e}"))?;
        if v > SCHEMA_VERSION {
            return Err(format!(
                "schema version {v} is newer than this feedmill's ({SCHEMA_VERSION}); upgrade feedmill"
            ));
        }
        let step = match MIGRATIONS.get(v as usize) {
            Some(sql) => tx.execute_batch(sql),
            // Feed membership is the step after the SQL ones (the only step with Rust in it).
            None if v as usize == MIGRATIONS.len() => migrate_membership(&tx),
            None => match LATER.get(v as usize - MIGRATIONS.len() - 1) {
                Some(sql) => tx.execute_batch(sql),
                None => return Ok(()),
            },
        };
        step.map_err(|e| format!("migration to schema version {} failed: {e}", v + 1))?;
        tx.pragma_update(None, "user_version", v + 1)
            .map_err(|e| format!("cannot record schema version {}: {e}", v + 1))?;
        tx.commit()
            .map_err(|e| format!("cannot commit schema version {}: {e}", v + 1))?;
    }
}
