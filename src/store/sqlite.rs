//! The embedded backend: one SQLite file in WAL mode.
//!
//! Articles are rows keyed by (source, id), one column per field, with their `first_seen`
//! and hashes; they are rewritten only when the source's record changes. A covering index
//! holds each row's head (identity, hash, dates, links, tags, categories), so the heads of
//! every article are read without paging through the text. Sightings live
//! in a narrow table of their own: whether the article is in its source's latest good fetch
//! and, once it has left it, when it was last seen. While it is in the feed its last
//! sighting is the source's (`sources.seen_at`), so a build that sees a source's articles
//! again writes one source row, not one row per article. Times are Unix seconds.
//! WAL lets a reader (a future server) read while a build writes; a build's changes are one
//! transaction, so SIGKILL at any moment leaves the last committed state.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use rusqlite::{params, Connection, OptionalExtension, Transaction};

use super::story::match_key_hashes;
use super::write::{
    cap_source, delete_articles, from_ts, mark_pending, save_state, set_keys, ts, unstory, upsert,
};
use super::{pages, record, schema};
use super::{
    Applied, ArticleHead, ArticlePage, BuildChanges, EmitMemory, FeedKey, LabelCount,
    SourceArticles, SourceState, SourceStats, Store, StoreError, StoreStats, UpsertCounts,
};
use crate::fetch::Validators;
use crate::model::Article;
use crate::text::tag_key;

/// The SQLite store. See the [module documentation](super) for the rules it keeps.
pub struct SqliteStore {
    pub(super) conn: Connection,
    pub(super) path: PathBuf,
    /// Feed handles by key, as [`Store::feed_ids`] handed them out.
    pub(super) feed_cache: HashMap<FeedKey, i64>,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore")
            .field("path", &self.path)
            .finish()
    }
}

impl SqliteStore {
    /// Opens (creating if needed) the store at `path`, switches it to WAL mode and runs
    /// the pending migrations.
    pub fn open(path: &Path) -> Result<SqliteStore, StoreError> {
        let err = |message: String| StoreError {
            path: path.display().to_string(),
            message,
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|e| err(format!("cannot create folder {}: {e}", dir.display())))?;
        }
        let mut conn = Connection::open(path).map_err(|e| err(format!("cannot open: {e}")))?;
        conn.busy_timeout(std::time::Duration::from_secs(10))
            .map_err(|e| err(format!("cannot set the busy timeout: {e}")))?;
        let mode: String = conn
            .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
            .map_err(|e| err(format!("cannot switch to WAL mode: {e}")))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(err(format!("journal mode is {mode}, WAL is required")));
        }
        // NORMAL is safe against a killed process in WAL mode (only power loss can lose the
        // last transactions, never consistency).
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(|e| err(format!("cannot set synchronous: {e}")))?;
        schema::migrate(&mut conn).map_err(err)?;
        Ok(SqliteStore {
            conn,
            path: path.to_path_buf(),
            feed_cache: HashMap::new(),
        })
    }

    /// The schema version of the open store.
    pub fn schema_version(&self) -> Result<u32, StoreError> {
        schema::version(&self.conn).map_err(|e| self.err("cannot read the schema version", e))
    }

    /// Where the store is.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs `f` in one immediate transaction, committed when it succeeds.
    pub(super) fn in_transaction<T>(
        &mut self,
        what: &str,
        f: impl FnOnce(&Transaction<'_>) -> rusqlite::Result<T>,
    ) -> Result<T, StoreError> {
        let path = self.path.display().to_string();
        let err = |e: rusqlite::Error| StoreError {
            path: path.clone(),
            message: format!("{what}: {e}"),
        };
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(err)?;
        let out = f(&tx).map_err(err)?;
        tx.commit().map_err(err)?;
        Ok(out)
    }

    pub(super) fn err(&self, what: &str, e: impl std::fmt::Display) -> StoreError {
        StoreError {
            path: self.path.display().to_string(),
            message: format!("{what}: {e}"),
        }
    }

    /// Every row of `table` (the articles, or an index of them) as `row` reads `columns`, by
    /// source and id. Reading a large store
    /// is most of what a build that changed little costs: the sources are shared out to a
    /// few threads, each with its own read-only connection (WAL lets readers run side by
    /// side), and the parts joined in source order.
    fn read_all<T: Send>(
        &self,
        table: &str,
        columns: &str,
        row: fn(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
    ) -> Result<Vec<T>, String> {
        let sources: Vec<String> = self
            .conn
            .prepare("SELECT DISTINCT source FROM sightings ORDER BY source")
            .and_then(|mut st| st.query_map([], |r| r.get(0))?.collect())
            .map_err(|e| e.to_string())?;
        let threads = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
            .clamp(1, 4)
            .min(sources.len().max(1));
        if threads <= 1 || self.path.as_os_str().is_empty() {
            return read_range(&self.conn, table, columns, row, None, None)
                .map_err(|e| e.to_string());
        }
        // Thread i reads the sources from the first of its share (open for the first
        // thread) up to the first of the next share (open for the last thread).
        let chunk = sources.len().div_ceil(threads).max(1);
        let starts: Vec<Option<&String>> = sources
            .chunks(chunk)
            .enumerate()
            .map(|(i, c)| if i == 0 { None } else { c.first() })
            .collect();
        let ranges: Vec<(Option<&String>, Option<&String>)> = starts
            .iter()
            .enumerate()
            .map(|(i, from)| (*from, starts.get(i + 1).copied().flatten()))
            .collect();
        let parts: Vec<Result<Vec<T>, String>> = std::thread::scope(|s| {
            let handles: Vec<_> = ranges
                .into_iter()
                .map(|(from, to)| {
                    let path = &self.path;
                    s.spawn(move || {
                        let conn = Connection::open_with_flags(
                            path,
                            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY
                                | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
                        )
                        .map_err(|e| e.to_string())?;
                        conn.busy_timeout(std::time::Duration::from_secs(10))
                            .map_err(|e| e.to_string())?;
                        read_range(&conn, table, columns, row, from, to).map_err(|e| e.to_string())
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| {
                    h.join()
                        .unwrap_or_else(|_| Err("a reading thread panicked".to_string()))
                })
                .collect()
        });
        let parts = parts.into_iter().collect::<Result<Vec<_>, _>>()?;
        // One allocation for the whole: growing it part by part would copy it again.
        let mut out = Vec::with_capacity(parts.iter().map(Vec::len).sum());
        for part in parts {
            out.extend(part);
        }
        Ok(out)
    }

    fn apply_tx(tx: &Transaction<'_>, changes: &BuildChanges) -> rusqlite::Result<Applied> {
        let mut applied = Applied::default();
        let now = ts(changes.now);
        if let Some(keep) = &changes.keep_only {
            let names: Vec<String> = tx
                .prepare("SELECT name FROM sources UNION SELECT DISTINCT source FROM sightings")?
                .query_map([], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            for name in names {
                if keep.contains(&name) {
                    let restored = tx.execute(
                        "UPDATE sources SET removed_at = NULL
                         WHERE name = ?1 AND removed_at IS NOT NULL",
                        [&name],
                    )?;
                    if restored > 0 {
                        // Back in the feeds: its articles are worked into stories again.
                        for (aid, url, guid) in source_rows(tx, &name)? {
                            let keys = match_key_hashes(url.as_deref(), guid.as_deref());
                            set_keys(tx, aid, &[], &keys)?;
                            mark_pending(tx, aid)?;
                        }
                    }
                    applied.restored += restored;
                } else {
                    // Hidden from the feeds at once; deleted when its grace period is over.
                    let removed = tx.execute(
                        "INSERT INTO sources (name, removed_at) VALUES (?1, ?2)
                         ON CONFLICT (name) DO UPDATE SET removed_at = ?2
                             WHERE removed_at IS NULL",
                        params![name, now],
                    )?;
                    if removed > 0 {
                        for (aid, url, guid) in source_rows(tx, &name)? {
                            unstory(tx, aid, url.as_deref(), guid.as_deref())?;
                        }
                    }
                    applied.removed += removed;
                }
            }
        }
        for update in &changes.sources {
            let previous_sighting: Option<i64> = tx
                .query_row(
                    "SELECT seen_at FROM sources WHERE name = ?1",
                    [&update.name],
                    |r| r.get(0),
                )
                .optional()?
                .flatten();
            let mut counts = UpsertCounts::default();
            let seen_at = match &update.articles {
                SourceArticles::Fresh(articles) => {
                    upsert(
                        tx,
                        &update.name,
                        articles,
                        changes.now,
                        previous_sighting,
                        &mut counts,
                    )?;
                    Some(now)
                }
                // The articles in the source's latest fetch are seen again: that is the
                // source's sighting, not a write per article.
                SourceArticles::Seen => Some(now),
                SourceArticles::Kept => None,
            };
            if let (SourceArticles::Fresh(_), Some(cap)) =
                (&update.articles, changes.stored_per_source)
            {
                counts.capped = cap_source(tx, &update.name, cap)?;
            }
            save_state(tx, &update.name, &update.state, seen_at)?;
            applied.sources.insert(update.name.clone(), counts);
        }
        if let Some(before) = changes.prune_before {
            let before = ts(before);
            let gone: Vec<String> = tx
                .prepare("SELECT name FROM sources WHERE removed_at < ?1")?
                .query_map([before], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            for name in gone {
                // Its articles left the stories when it was removed.
                applied.forgotten +=
                    tx.execute("DELETE FROM articles WHERE source = ?1", [&name])?;
                tx.execute("DELETE FROM sightings WHERE source = ?1", [&name])?;
                tx.execute("DELETE FROM sources WHERE name = ?1", [&name])?;
            }
            let old: Vec<(String, String)> = tx
                .prepare(
                    "SELECT source, id FROM sightings WHERE in_source = 0 AND last_seen < ?1
                     ORDER BY source, id",
                )?
                .query_map([before], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<rusqlite::Result<_>>()?;
            let mut by_source: BTreeMap<String, Vec<String>> = BTreeMap::new();
            for (source, id) in old {
                by_source.entry(source).or_default().push(id);
            }
            for (source, ids) in by_source {
                applied.pruned += delete_articles(tx, &source, &ids)?;
            }
        }
        for (name, counts) in applied.sources.iter_mut() {
            let (stored, in_source): (i64, i64) = tx.query_row(
                "SELECT count(*), coalesce(sum(in_source), 0) FROM sightings WHERE source = ?1",
                [name],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?;
            counts.stored = usize::try_from(stored).unwrap_or(0);
            counts.in_source = usize::try_from(in_source).unwrap_or(0);
        }
        Ok(applied)
    }
}

impl Store for SqliteStore {
    fn source_states(&self) -> Result<BTreeMap<String, SourceState>, StoreError> {
        let read = || -> rusqlite::Result<BTreeMap<String, SourceState>> {
            self.conn
                .prepare(
                    "SELECT name, etag, last_modified, last_success, last_error,
                         consecutive_failures, last_status, bytes, duration_ms, body_hash
                     FROM sources",
                )?
                .query_map([], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        SourceState {
                            validators: Validators {
                                etag: r.get(1)?,
                                last_modified: r.get(2)?,
                            },
                            last_success: r.get::<_, Option<i64>>(3)?.and_then(from_ts),
                            last_error: r.get(4)?,
                            consecutive_failures: r.get(5)?,
                            last_status: r.get(6)?,
                            bytes: u64::try_from(r.get::<_, i64>(7)?).unwrap_or(0),
                            duration_ms: u64::try_from(r.get::<_, i64>(8)?).unwrap_or(0),
                            body_hash: r.get(9)?,
                        },
                    ))
                })?
                .collect()
        };
        read().map_err(|e| self.err("cannot read source states", e))
    }

    fn apply(&mut self, changes: &BuildChanges) -> Result<Applied, StoreError> {
        let path = self.path.display().to_string();
        let err = |e: rusqlite::Error| StoreError {
            path: path.clone(),
            message: format!("cannot store the build's articles: {e}"),
        };
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(err)?;
        let applied = SqliteStore::apply_tx(&tx, changes).map_err(err)?;
        tx.commit().map_err(err)?;
        Ok(applied)
    }

    fn articles(&self) -> Result<Vec<Article>, StoreError> {
        self.read_all(
            "articles",
            &format!("source, id, {}", record::FIELDS),
            record::read,
        )
        .map_err(|e| self.err("cannot read articles", e))
    }

    fn article_heads(&self, with_text: bool) -> Result<Vec<ArticleHead>, StoreError> {
        let read = if with_text {
            self.read_all(
                "articles",
                record::COMPLETE_HEAD_FIELDS,
                record::read_complete_head,
            )
        } else {
            // Heads come from their covering index alone: the table's rows carry every
            // article's text, which a scan of the table would page through.
            self.read_all(
                "articles INDEXED BY articles_heads",
                record::HEAD_FIELDS,
                record::read_head,
            )
        };
        read.map_err(|e| self.err("cannot read article heads", e))
    }

    fn articles_by_key(&self, keys: &[(&str, &str)]) -> Result<Vec<Article>, StoreError> {
        let read = || -> rusqlite::Result<Vec<Article>> {
            let mut st = self.conn.prepare_cached(&format!(
                "SELECT source, id, {} FROM articles WHERE source = ?1 AND id = ?2",
                record::FIELDS
            ))?;
            let mut out = Vec::with_capacity(keys.len());
            for (source, id) in keys {
                if let Some(a) = st.query_row([source, id], record::read).optional()? {
                    out.push(a);
                }
            }
            Ok(out)
        };
        read().map_err(|e| self.err("cannot read articles", e))
    }

    fn emit_memory(&self) -> Result<EmitMemory, StoreError> {
        let pending: bool = self
            .conn
            .query_row(
                "SELECT count(*) FROM meta WHERE key = 'emit_pending'",
                [],
                |r| r.get::<_, i64>(0),
            )
            .map_err(|e| self.err("cannot read the emit mark", e))?
            > 0;
        Ok(EmitMemory {
            tag_slugs: pairs(&self.conn, "SELECT key, slug FROM tag_slugs")
                .map_err(|e| self.err("cannot read tag slugs", e))?,
            // After an emit that never finished, only the archive pages' bounds (which
            // the next emit derives again from them) are kept; no fingerprint is trusted.
            fingerprints: pairs(&self.conn, "SELECT feed, hash FROM fingerprints")
                .map_err(|e| self.err("cannot read feed fingerprints", e))?
                .into_iter()
                .filter(|(k, _)| !pending || crate::emit::history::is_bounds_key(k))
                .collect(),
        })
    }

    fn begin_emit(&mut self) -> Result<(), StoreError> {
        self.conn
            .execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES ('emit_pending', '1')",
                [],
            )
            .map(|_| ())
            .map_err(|e| self.err("cannot mark the emit", e))
    }

    fn save_emit_memory(&mut self, memory: &EmitMemory) -> Result<(), StoreError> {
        let write = |conn: &mut Connection| -> rusqlite::Result<()> {
            let tx = conn.transaction()?;
            // Only what changed is written: most builds change a few feeds of thousands.
            for (table, key, value, new) in [
                ("tag_slugs", "key", "slug", &memory.tag_slugs),
                ("fingerprints", "feed", "hash", &memory.fingerprints),
            ] {
                let old = pairs(&tx, &format!("SELECT {key}, {value} FROM {table}"))?;
                let mut del = tx.prepare(&format!("DELETE FROM {table} WHERE {key} = ?1"))?;
                for k in old.keys().filter(|k| !new.contains_key(*k)) {
                    del.execute([k])?;
                }
                let mut put = tx.prepare(&format!(
                    "INSERT OR REPLACE INTO {table} ({key}, {value}) VALUES (?1, ?2)"
                ))?;
                for (k, v) in new.iter().filter(|(k, v)| old.get(*k) != Some(*v)) {
                    put.execute([k, v])?;
                }
            }
            tx.execute("DELETE FROM meta WHERE key = 'emit_pending'", [])?;
            tx.commit()
        };
        write(&mut self.conn).map_err(|e| self.err("cannot save tag slugs and fingerprints", e))
    }

    fn article_pages(&self, source: &str) -> Result<Vec<ArticlePage>, StoreError> {
        pages::read(&self.conn, source).map_err(|e| self.err("cannot read article pages", e))
    }

    fn save_article_pages(
        &mut self,
        pages: &[ArticlePage],
        keep: &[(&str, &str)],
    ) -> Result<(), StoreError> {
        let result = pages::save(&mut self.conn, pages, keep);
        result.map_err(|e| self.err("cannot save article pages", e))
    }

    fn removed_sources_tag_keys(&self) -> Result<std::collections::BTreeSet<String>, StoreError> {
        self.removed_tag_keys()
            .map_err(|e| self.err("cannot read the tags of removed sources", e))
    }

    fn stats(&self) -> Result<StoreStats, StoreError> {
        let schema_version = self.schema_version()?;
        let articles = self.articles()?;
        let stored: i64 = self
            .conn
            .query_row("SELECT count(*) FROM articles", [], |r| r.get(0))
            .map_err(|e| self.err("cannot count articles", e))?;
        let removed: HashMap<String, i64> = self
            .conn
            .prepare("SELECT name, removed_at FROM sources WHERE removed_at IS NOT NULL")
            .and_then(|mut st| {
                st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                    .collect::<rusqlite::Result<_>>()
            })
            .map_err(|e| self.err("cannot read removed sources", e))?;
        let oldest: Option<i64> = self
            .conn
            .query_row("SELECT min(first_seen) FROM articles", [], |r| r.get(0))
            .optional()
            .map_err(|e| self.err("cannot read first_seen", e))?
            .flatten();
        let per_source = |sql: &str| -> rusqlite::Result<HashMap<String, usize>> {
            self.conn
                .prepare(sql)?
                .query_map([], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        usize::try_from(r.get::<_, i64>(1)?).unwrap_or(0),
                    ))
                })?
                .collect()
        };
        let per_source_stored =
            per_source("SELECT source, count(*) FROM sightings GROUP BY source")
                .map_err(|e| self.err("cannot count articles", e))?;
        let fresh = per_source("SELECT source, sum(in_source) FROM sightings GROUP BY source")
            .map_err(|e| self.err("cannot count articles", e))?;
        let sources = self
            .source_states()?
            .into_iter()
            .map(|(name, state)| SourceStats {
                articles: per_source_stored.get(&name).copied().unwrap_or(0),
                in_source: fresh.get(&name).copied().unwrap_or(0),
                removed_at: removed.get(&name).copied().and_then(from_ts),
                name,
                state,
            })
            .collect();
        let mut tags = Labels::default();
        let mut categories = Labels::default();
        for a in &articles {
            for t in &a.tags {
                tags.add(&t.key, &t.name);
            }
            for c in &a.categories {
                categories.add(&tag_key(c), c);
            }
        }
        Ok(StoreStats {
            schema_version,
            articles: usize::try_from(stored).unwrap_or(0),
            oldest_first_seen: oldest.and_then(from_ts),
            sources,
            tags: tags.counts(),
            categories: categories.counts(),
        })
    }
}

impl SqliteStore {
    fn removed_tag_keys(&self) -> rusqlite::Result<std::collections::BTreeSet<String>> {
        let mut keys = std::collections::BTreeSet::new();
        let mut st = self.conn.prepare(
            "SELECT tags FROM articles
             WHERE source IN (SELECT name FROM sources WHERE removed_at IS NOT NULL)",
        )?;
        let mut rows = st.query([])?;
        while let Some(row) = rows.next()? {
            let text: String = row.get(0)?;
            // A list that no longer reads keeps no slug: its tags are recounted at re-adding.
            let tags: Vec<crate::model::Tag> = serde_json::from_str(&text).unwrap_or_default();
            keys.extend(tags.into_iter().map(|t| t.key));
        }
        Ok(keys)
    }
}

/// The rows of `columns` of `table` with `from <= source < to` (a missing bound is open),
/// by source and id, leaving out the sources removed from the config.
fn read_range<T>(
    conn: &Connection,
    table: &str,
    columns: &str,
    row: fn(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
    from: Option<&String>,
    to: Option<&String>,
) -> rusqlite::Result<Vec<T>> {
    // Plain comparisons (no `?1 IS NULL OR ...`) so the primary key serves the range.
    let (cond, bounds): (&str, Vec<&String>) = match (from, to) {
        (None, None) => ("", vec![]),
        (Some(f), None) => ("AND source >= ?1", vec![f]),
        (None, Some(t)) => ("AND source < ?1", vec![t]),
        (Some(f), Some(t)) => ("AND source >= ?1 AND source < ?2", vec![f, t]),
    };
    let sql = format!(
        "SELECT {columns} FROM {table}
         WHERE source NOT IN (SELECT name FROM sources WHERE removed_at IS NOT NULL) {cond}
         ORDER BY source, id"
    );
    conn.prepare(&sql)?
        .query_map(rusqlite::params_from_iter(bounds), row)?
        .collect()
}

/// Every stored article of `source`: handle, link and GUID.
type KeyRow = (i64, Option<String>, Option<String>);

fn source_rows(tx: &Transaction<'_>, source: &str) -> rusqlite::Result<Vec<KeyRow>> {
    tx.prepare_cached("SELECT aid, url, source_guid FROM articles WHERE source = ?1")?
        .query_map([source], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect()
}

/// A two-column query as a map.
fn pairs(conn: &Connection, sql: &str) -> rusqlite::Result<BTreeMap<String, String>> {
    conn.prepare(sql)?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect()
}

/// Counts articles per label key (for every backend's [`Store::stats`]), remembering how often each spelling is used.
#[derive(Default)]
pub(super) struct Labels(HashMap<String, (usize, HashMap<String, usize>)>);

impl Labels {
    pub(super) fn add(&mut self, key: &str, name: &str) {
        let e = self.0.entry(key.to_string()).or_default();
        e.0 += 1;
        *e.1.entry(name.to_string()).or_default() += 1;
    }

    pub(super) fn counts(self) -> Vec<LabelCount> {
        let mut out: Vec<LabelCount> = self
            .0
            .into_iter()
            .map(|(key, (n, names))| LabelCount {
                name: names
                    .into_iter()
                    .max_by(|(a, x), (b, y)| x.cmp(y).then_with(|| b.cmp(a)))
                    .map(|(name, _)| name)
                    .unwrap_or(key),
                articles: n,
            })
            .collect();
        out.sort_by(|a, b| {
            b.articles
                .cmp(&a.articles)
                .then_with(|| a.name.cmp(&b.name))
        });
        out
    }
}
