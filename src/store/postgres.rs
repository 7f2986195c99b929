//! The server backend: one PostgreSQL database, shared by every process that names it in
//! `[store] url`.
//!
//! The tables are the SQLite backend's (see [`super::sqlite`]), in PostgreSQL's types
//! (`BIGINT` times and handles, `BOOLEAN` flags, `BYTEA` prints), with every text key
//! (`source`, `id`, names) in the `"C"` collation, so that "by source, then id" is the same
//! byte order SQLite's `BINARY` gives and the output of a build does not depend on the
//! server's locale. The rules are those of the [module documentation](super).
//!
//! The client is the `postgres` crate: the blocking face of `tokio-postgres`, from the same
//! project, which keeps its connection on a runtime of its own. The [`Store`] trait is
//! synchronous and is called from inside the pipeline's async code, where blocking on
//! another runtime panics; so every call that reaches the server runs on a thread outside
//! any runtime ([`off_runtime`]: a scoped thread when the caller is inside one, the
//! caller's own thread otherwise). A store is one connection: a build's statements are
//! sequential, and each process (a worker, `build`, `serve`) opens its own store.
//!
//! Writes are batched: one build's articles of a source are written with a few statements
//! over `unnest` arrays (not one statement per article, which over a network costs a round
//! trip each), and all of one [`Store::apply`] is one transaction. Applies are serialized by
//! a transaction-level advisory lock, so that article handles (`max + 1`) are handed out in
//! commit order and several writers cannot interleave their handles; see
//! [`super::postgres_write`].

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Mutex;

use postgres::{Client, NoTls};

use super::postgres_record as rec;
use super::postgres_schema as schema;
use super::{
    Applied, ArticleHead, ArticlePage, BuildChanges, EmitMemory, FeedKey, LabelCount, SourceState,
    SourceStats, Store, StoreError, StoreStats,
};
use crate::config::StoreUrl;
use crate::fetch::Validators;
use crate::model::Article;
use crate::text::tag_key;

/// Why a PostgreSQL step failed: the server's message (with its detail), or a stored value
/// that does not read.
#[derive(Debug)]
pub(super) struct Fail(pub(super) String);

impl From<postgres::Error> for Fail {
    fn from(e: postgres::Error) -> Fail {
        Fail(describe(&e))
    }
}

impl std::fmt::Display for Fail {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The server's own words for an error when it sent some (`db error` alone says nothing).
fn describe(e: &postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => {
            let mut s = format!("{}: {}", db.severity(), db.message());
            if let Some(d) = db.detail() {
                s.push_str(&format!(" ({d})"));
            }
            s
        }
        None => {
            let mut s = e.to_string();
            let mut src = std::error::Error::source(e);
            while let Some(cause) = src {
                let c = cause.to_string();
                if !s.contains(&c) {
                    s.push_str(&format!(": {c}"));
                }
                src = cause.source();
            }
            s
        }
    }
}

pub(super) type R<T> = Result<T, Fail>;

/// Runs `f` where blocking on the client's own runtime is allowed: on this thread when it
/// is outside any tokio runtime, else on a scoped thread of its own (a thread does not
/// inherit the runtime context), which this one waits for.
pub(super) fn off_runtime<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    if tokio::runtime::Handle::try_current().is_err() {
        return f();
    }
    std::thread::scope(|s| match s.spawn(f).join() {
        Ok(v) => v,
        Err(panic) => std::panic::resume_unwind(panic),
    })
}

/// A connection that is closed off any runtime when dropped (closing blocks on the client's
/// runtime, which panics inside another).
pub(super) struct Conn(Option<Client>);

impl Conn {
    /// Connects to `url`, within its `connect_timeout` (10 s when it names none).
    pub(super) fn connect(url: &StoreUrl, application: &str) -> R<Conn> {
        let mut config: postgres::Config = url
            .as_str()
            .parse()
            .map_err(|e: postgres::Error| Fail(describe(&e)))?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(std::time::Duration::from_secs(10));
        }
        config.application_name(application);
        let client = off_runtime(|| config.connect(NoTls))?;
        Ok(Conn(Some(client)))
    }

    /// Runs `f` on the client, off any runtime.
    pub(super) fn run<T: Send>(&mut self, f: impl FnOnce(&mut Client) -> R<T> + Send) -> R<T> {
        let client = self
            .0
            .as_mut()
            .ok_or_else(|| Fail("the connection is closed".into()))?;
        off_runtime(|| f(client))
    }
}

impl std::fmt::Debug for Conn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Conn")
    }
}

impl Drop for Conn {
    fn drop(&mut self) {
        if let Some(client) = self.0.take() {
            off_runtime(move || drop(client));
        }
    }
}

/// The PostgreSQL store. See the [module documentation](self).
pub struct PostgresStore {
    conn: Mutex<Conn>,
    /// The URL without its password: what messages name.
    pub(super) name: String,
    /// Feed handles by key, as [`super::Membership::feed_ids`] handed them out.
    pub(super) feed_cache: HashMap<FeedKey, i64>,
    /// Pending articles read by [`super::Membership::pending_heads`], with the mark each
    /// had: [`super::Membership::write_stories`] clears only these marks, so an article
    /// marked again meanwhile (by another process's apply) stays pending.
    pub(super) pending_read: Mutex<HashMap<i64, i64>>,
}

impl std::fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresStore")
            .field("url", &self.name)
            .finish()
    }
}

impl PostgresStore {
    /// Connects to the database at `url` and brings its schema to
    /// [`schema::VERSION`] (the migrations run in one transaction, under an advisory lock,
    /// so that processes opening one database at once migrate it once).
    pub fn open(url: &StoreUrl) -> Result<PostgresStore, StoreError> {
        let name = url.redacted();
        let err = |what: &str, e: Fail| StoreError {
            path: name.clone(),
            message: format!("{what}: {e}"),
        };
        let mut conn = Conn::connect(url, &format!("feedmill-{}", std::process::id()))
            .map_err(|e| err("cannot connect", e))?;
        conn.run(|c| schema::apply(c, schema::SET, schema::MIGRATIONS).map(|_| ()))
            .map_err(|e| err("cannot migrate the schema", e))?;
        Ok(PostgresStore {
            conn: Mutex::new(conn),
            name,
            feed_cache: HashMap::new(),
            pending_read: Mutex::new(HashMap::new()),
        })
    }

    /// The schema version of the open database (of feedmill's own migrations).
    pub fn schema_version(&self) -> Result<u32, StoreError> {
        self.run("cannot read the schema version", |c| {
            schema::recorded(c, schema::SET)
        })
    }

    /// Runs `f` on the connection, naming `what` failed in its error.
    pub(super) fn run<T: Send>(
        &self,
        what: &str,
        f: impl FnOnce(&mut Client) -> R<T> + Send,
    ) -> Result<T, StoreError> {
        let mut conn = self.conn.lock().unwrap_or_else(|p| p.into_inner());
        conn.run(f).map_err(|e| self.err(what, e))
    }

    /// Runs `f` in one transaction, committed when it succeeds.
    pub(super) fn in_transaction<T: Send>(
        &self,
        what: &str,
        f: impl FnOnce(&mut postgres::Transaction<'_>) -> R<T> + Send,
    ) -> Result<T, StoreError> {
        self.run(what, |c| {
            let mut tx = c.transaction()?;
            let out = f(&mut tx)?;
            tx.commit()?;
            Ok(out)
        })
    }

    pub(super) fn err(&self, what: &str, e: impl std::fmt::Display) -> StoreError {
        StoreError {
            path: self.name.clone(),
            message: format!("{what}: {e}"),
        }
    }
}

/// The sources removed from the config: a condition on `source`.
pub(super) const CONFIGURED: &str =
    "source NOT IN (SELECT name FROM sources WHERE removed_at IS NOT NULL)";

fn pairs(c: &mut Client, sql: &str) -> R<BTreeMap<String, String>> {
    Ok(c.query(sql, &[])?
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect())
}

impl Store for PostgresStore {
    fn source_states(&self) -> Result<BTreeMap<String, SourceState>, StoreError> {
        self.run("cannot read source states", |c| {
            let rows = c.query(
                "SELECT name, etag, last_modified, last_success, last_error,
                     consecutive_failures, last_status, bytes, duration_ms, body_hash
                 FROM sources",
                &[],
            )?;
            Ok(rows
                .iter()
                .map(|r| {
                    (
                        r.get::<_, String>(0),
                        SourceState {
                            validators: Validators {
                                etag: r.get(1),
                                last_modified: r.get(2),
                            },
                            last_success: r.get::<_, Option<i64>>(3).and_then(rec::from_ts),
                            last_error: r.get(4),
                            consecutive_failures: u32::try_from(r.get::<_, i64>(5))
                                .unwrap_or(u32::MAX),
                            last_status: r
                                .get::<_, Option<i32>>(6)
                                .and_then(|s| u16::try_from(s).ok()),
                            bytes: u64::try_from(r.get::<_, i64>(7)).unwrap_or(0),
                            duration_ms: u64::try_from(r.get::<_, i64>(8)).unwrap_or(0),
                            body_hash: r.get(9),
                        },
                    )
                })
                .collect())
        })
    }

    fn apply(&mut self, changes: &BuildChanges) -> Result<Applied, StoreError> {
        self.in_transaction("cannot store the build's articles", |tx| {
            super::postgres_write::apply_tx(tx, changes)
        })
    }

    fn articles(&self) -> Result<Vec<Article>, StoreError> {
        self.run("cannot read articles", |c| {
            let sql = format!(
                "SELECT source, id, {} FROM articles WHERE {CONFIGURED} ORDER BY source, id",
                rec::FIELDS
            );
            c.query(&sql, &[])?
                .iter()
                .map(|r| rec::read(r, 0))
                .collect()
        })
    }

    fn article_heads(&self, with_text: bool) -> Result<Vec<ArticleHead>, StoreError> {
        self.run("cannot read article heads", |c| {
            let columns = if with_text {
                rec::COMPLETE_HEAD_FIELDS
            } else {
                rec::HEAD_FIELDS
            };
            let sql =
                format!("SELECT {columns} FROM articles WHERE {CONFIGURED} ORDER BY source, id");
            let rows = c.query(&sql, &[])?;
            rows.iter()
                .map(|r| {
                    if with_text {
                        rec::read_complete_head(r)
                    } else {
                        rec::read_head(r)
                    }
                })
                .collect()
        })
    }

    fn articles_by_key(&self, keys: &[(&str, &str)]) -> Result<Vec<Article>, StoreError> {
        let sources: Vec<&str> = keys.iter().map(|k| k.0).collect();
        let ids: Vec<&str> = keys.iter().map(|k| k.1).collect();
        self.run("cannot read articles", |c| {
            let sql = format!(
                "SELECT a.source, a.id, {} FROM unnest($1::text[], $2::text[])
                     WITH ORDINALITY AS k(source, id, n)
                 JOIN articles a ON a.source = k.source AND a.id = k.id
                 ORDER BY k.n",
                rec::FIELDS_OF_A
            );
            c.query(&sql, &[&sources, &ids])?
                .iter()
                .map(|r| rec::read(r, 0))
                .collect()
        })
    }

    fn emit_memory(&self) -> Result<EmitMemory, StoreError> {
        self.run("cannot read the emit memory", |c| {
            let pending = c
                .query_opt("SELECT 1 FROM meta WHERE key = 'emit_pending'", &[])?
                .is_some();
            Ok(EmitMemory {
                tag_slugs: pairs(c, "SELECT key, slug FROM tag_slugs")?,
                // After an emit that never finished only the archive pages' bounds are kept.
                fingerprints: pairs(c, "SELECT feed, hash FROM fingerprints")?
                    .into_iter()
                    .filter(|(k, _)| !pending || crate::emit::history::is_bounds_key(k))
                    .collect(),
            })
        })
    }

    fn begin_emit(&mut self) -> Result<(), StoreError> {
        self.run("cannot mark the emit", |c| {
            c.execute(
                "INSERT INTO meta (key, value) VALUES ('emit_pending', '1')
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                &[],
            )?;
            Ok(())
        })
    }

    fn save_emit_memory(&mut self, memory: &EmitMemory) -> Result<(), StoreError> {
        self.in_transaction("cannot save tag slugs and fingerprints", |tx| {
            // Only what changed is written: most builds change a few feeds of thousands.
            for (table, key, value, new) in [
                ("tag_slugs", "key", "slug", &memory.tag_slugs),
                ("fingerprints", "feed", "hash", &memory.fingerprints),
            ] {
                let old: BTreeMap<String, String> = tx
                    .query(&format!("SELECT {key}, {value} FROM {table}"), &[])?
                    .iter()
                    .map(|r| (r.get(0), r.get(1)))
                    .collect();
                let gone: Vec<&String> = old.keys().filter(|k| !new.contains_key(*k)).collect();
                tx.execute(
                    &format!("DELETE FROM {table} WHERE {key} = ANY($1)"),
                    &[&gone],
                )?;
                let (ks, vs): (Vec<&String>, Vec<&String>) =
                    new.iter().filter(|(k, v)| old.get(*k) != Some(*v)).unzip();
                tx.execute(
                    &format!(
                        "INSERT INTO {table} ({key}, {value})
                         SELECT * FROM unnest($1::text[], $2::text[])
                         ON CONFLICT ({key}) DO UPDATE SET {value} = excluded.{value}"
                    ),
                    &[&ks, &vs],
                )?;
            }
            tx.execute("DELETE FROM meta WHERE key = 'emit_pending'", &[])?;
            Ok(())
        })
    }

    fn stats(&self) -> Result<StoreStats, StoreError> {
        let schema_version = self.schema_version()?;
        let articles = self.articles()?;
        let (stored, oldest, removed, per_source) = self.run("cannot count articles", |c| {
            let stored: i64 = c.query_one("SELECT count(*) FROM articles", &[])?.get(0);
            let oldest: Option<i64> = c
                .query_one("SELECT min(first_seen) FROM articles", &[])?
                .get(0);
            let removed: HashMap<String, i64> = c
                .query(
                    "SELECT name, removed_at FROM sources WHERE removed_at IS NOT NULL",
                    &[],
                )?
                .iter()
                .map(|r| (r.get(0), r.get(1)))
                .collect();
            let per_source: HashMap<String, (i64, i64)> = c
                .query(
                    "SELECT source, count(*), count(*) FILTER (WHERE in_source)
                     FROM sightings GROUP BY source",
                    &[],
                )?
                .iter()
                .map(|r| (r.get(0), (r.get(1), r.get(2))))
                .collect();
            Ok((stored, oldest, removed, per_source))
        })?;
        let sources = self
            .source_states()?
            .into_iter()
            .map(|(name, state)| {
                let (n, fresh) = per_source.get(&name).copied().unwrap_or_default();
                SourceStats {
                    articles: usize::try_from(n).unwrap_or(0),
                    in_source: usize::try_from(fresh).unwrap_or(0),
                    removed_at: removed.get(&name).copied().and_then(rec::from_ts),
                    name,
                    state,
                }
            })
            .collect();
        let mut tags = super::sqlite::Labels::default();
        let mut categories = super::sqlite::Labels::default();
        for a in &articles {
            for t in &a.tags {
                tags.add(&t.key, &t.name);
            }
            for c in &a.categories {
                categories.add(&tag_key(c), c);
            }
        }
        let (tags, categories): (Vec<LabelCount>, Vec<LabelCount>) =
            (tags.counts(), categories.counts());
        Ok(StoreStats {
            schema_version,
            articles: usize::try_from(stored).unwrap_or(0),
            oldest_first_seen: oldest.and_then(rec::from_ts),
            sources,
            tags,
            categories,
        })
    }

    fn removed_sources_tag_keys(&self) -> Result<BTreeSet<String>, StoreError> {
        self.run("cannot read the tags of removed sources", |c| {
            let mut keys = BTreeSet::new();
            for r in c.query(
                "SELECT tags FROM articles
                 WHERE source IN (SELECT name FROM sources WHERE removed_at IS NOT NULL)",
                &[],
            )? {
                let text: String = r.get(0);
                // A list that no longer reads keeps no slug: its tags are recounted later.
                let tags: Vec<crate::model::Tag> = serde_json::from_str(&text).unwrap_or_default();
                keys.extend(tags.into_iter().map(|t| t.key));
            }
            Ok(keys)
        })
    }

    fn article_pages(&self, source: &str) -> Result<Vec<ArticlePage>, StoreError> {
        self.run("cannot read article pages", |c| {
            super::postgres_record::read_pages(c, source)
        })
    }

    fn save_article_pages(
        &mut self,
        pages: &[ArticlePage],
        keep: &[(&str, &str)],
    ) -> Result<(), StoreError> {
        self.in_transaction("cannot save article pages", |tx| {
            super::postgres_record::save_pages(tx, pages, keep)
        })
    }
}
