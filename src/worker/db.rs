//! The workers' tables in PostgreSQL and the statements that claim, renew and release
//! sources.
//!
//! A source's lease *is* its due time: claiming a source sets its `next_due` to the lease's
//! expiry (and writes the lease to `worker_leases`), renewing pushes both on, releasing sets
//! `next_due` to the end of the source's refresh interval. So a source is claimable exactly
//! when it is due and nobody holds it, a dead worker's sources come due again when its
//! leases expire, and no claim needs to look at another table: the claim's
//! `FOR UPDATE … SKIP LOCKED` and PostgreSQL's recheck of an updated row (`next_due` moved
//! on by a concurrent claim) are what keep two workers off one source.
//!
//! Per-host politeness: a host's in-flight count is the number of unexpired leases on it.
//! A claim locks the host rows of its candidates (in host order, so two claims never
//! deadlock) before counting, so two workers never both take a host's last slot; a dead
//! worker's leases stop counting when they expire, so no count leaks.

use tokio_postgres::{Client, Error};

/// Advisory lock keys: "feedmill" in ASCII, then one key per use.
const KEY_BASE: i64 = 0x6665_6564_6d69_6c6c;
/// Held while the tables are created or migrated, and while the config version is checked.
const KEY_SCHEMA: i64 = KEY_BASE;
/// Held by the one worker that emits and publishes.
pub const KEY_EMIT: i64 = KEY_BASE + 1;
/// Held while a worker writes to the store (one writer at a time).
pub const KEY_STORE: i64 = KEY_BASE + 2;

/// The workers' migrations, in order; `worker_schema` holds how many were applied.
const MIGRATIONS: &[&str] = &[
    // 1: the config version, the sources with their due times, the leases, the hosts.
    "CREATE TABLE worker_config (
        id INT PRIMARY KEY CHECK (id = 1),
        version TEXT NOT NULL,
        adopted_by TEXT NOT NULL,
        adopted_at TIMESTAMPTZ NOT NULL DEFAULT now()
     );
     CREATE TABLE worker_sources (
        name TEXT PRIMARY KEY,
        host TEXT NOT NULL,
        refresh_ms BIGINT NOT NULL,
        next_due TIMESTAMPTZ NOT NULL DEFAULT now(),
        last_fetched TIMESTAMPTZ,
        fetches BIGINT NOT NULL DEFAULT 0
     );
     CREATE INDEX worker_sources_due ON worker_sources (next_due);
     CREATE TABLE worker_hosts (host TEXT PRIMARY KEY);
     CREATE TABLE worker_leases (
        source TEXT PRIMARY KEY REFERENCES worker_sources (name) ON DELETE CASCADE,
        host TEXT NOT NULL,
        worker TEXT NOT NULL,
        expires_at TIMESTAMPTZ NOT NULL
     );
     CREATE INDEX worker_leases_host ON worker_leases (host, expires_at);
     CREATE INDEX worker_leases_worker ON worker_leases (worker);",
];

/// Creates or migrates the workers' tables, under an advisory lock so that workers
/// starting together do it once.
pub async fn migrate(c: &mut Client) -> Result<(), Error> {
    let tx = c.transaction().await?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&KEY_SCHEMA])
        .await?;
    tx.batch_execute("CREATE TABLE IF NOT EXISTS worker_schema (version INT NOT NULL)")
        .await?;
    let applied: i64 = tx
        .query_one("SELECT count(*) FROM worker_schema", &[])
        .await?
        .get(0);
    let mut version: i32 = if applied == 0 {
        tx.execute("INSERT INTO worker_schema VALUES (0)", &[])
            .await?;
        0
    } else {
        tx.query_one("SELECT version FROM worker_schema", &[])
            .await?
            .get(0)
    };
    for (i, sql) in MIGRATIONS.iter().enumerate() {
        let number = i32::try_from(i + 1).unwrap_or(i32::MAX);
        if version < number {
            tx.batch_execute(sql).await?;
            version = number;
        }
    }
    tx.execute("UPDATE worker_schema SET version = $1", &[&version])
        .await?;
    tx.commit().await
}

/// One configured source as the workers' tables keep it.
#[derive(Debug, Clone)]
pub struct SourceRow {
    /// `[[source]] name`.
    pub name: String,
    /// The host politeness counts it against (lowercase; `file` for local files).
    pub host: String,
    /// Its refresh interval, in milliseconds.
    pub refresh_ms: i64,
}

/// The version the database holds, who adopted it and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Adopted {
    /// The config version.
    pub version: String,
    /// The worker that adopted it.
    pub by: String,
    /// When (as PostgreSQL writes a timestamp).
    pub at: String,
}

/// Checks `version` against the database's: the first worker stores it with its sources;
/// a worker with the same version goes on; `adopt` replaces the database's version and
/// sources with this one's. `Ok(Err(adopted))` when the versions differ and `adopt` is
/// false.
pub async fn check_config(
    c: &mut Client,
    version: &str,
    worker: &str,
    adopt: bool,
    sources: &[SourceRow],
) -> Result<Result<(), Adopted>, Error> {
    let tx = c.transaction().await?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&KEY_SCHEMA])
        .await?;
    let row = tx
        .query_opt(
            "SELECT version, adopted_by, adopted_at::text FROM worker_config WHERE id = 1",
            &[],
        )
        .await?;
    let held = row.map(|r| Adopted {
        version: r.get(0),
        by: r.get(1),
        at: r.get(2),
    });
    match held {
        Some(h) if h.version == version => return Ok(Ok(())),
        Some(h) if !adopt => return Ok(Err(h)),
        _ => {}
    }
    tx.execute(
        "INSERT INTO worker_config (id, version, adopted_by) VALUES (1, $1, $2)
         ON CONFLICT (id) DO UPDATE SET version = excluded.version,
             adopted_by = excluded.adopted_by, adopted_at = now()",
        &[&version, &worker],
    )
    .await?;
    let names: Vec<&str> = sources.iter().map(|s| s.name.as_str()).collect();
    let hosts: Vec<&str> = sources.iter().map(|s| s.host.as_str()).collect();
    let refresh: Vec<i64> = sources.iter().map(|s| s.refresh_ms).collect();
    tx.execute(
        "DELETE FROM worker_sources WHERE name <> ALL($1::text[])",
        &[&names],
    )
    .await?;
    tx.execute(
        "INSERT INTO worker_hosts (host) SELECT DISTINCT h FROM unnest($1::text[]) AS h
         ON CONFLICT DO NOTHING",
        &[&hosts],
    )
    .await?;
    // A source already known keeps its due time (and any lease on it); a new one is due.
    tx.execute(
        "INSERT INTO worker_sources (name, host, refresh_ms)
         SELECT * FROM unnest($1::text[], $2::text[], $3::int8[])
         ON CONFLICT (name) DO UPDATE SET host = excluded.host, refresh_ms = excluded.refresh_ms",
        &[&names, &hosts, &refresh],
    )
    .await?;
    tx.commit().await?;
    Ok(Ok(()))
}

/// What one claim got: the sources now leased to the worker, and the database's config
/// version (a worker whose version was replaced stops).
#[derive(Debug, Clone, Default)]
pub struct Claim {
    /// Source names.
    pub sources: Vec<String>,
    /// `worker_config.version`, if set.
    pub version: Option<String>,
}

/// Claims up to `limit` due sources for `worker` for `lease_ms`, at most `per_host` leases
/// on any host counting every worker's.
pub async fn claim(
    c: &mut Client,
    worker: &str,
    limit: i64,
    per_host: i64,
    lease_ms: i64,
) -> Result<Claim, Error> {
    let tx = c.transaction().await?;
    let version: Option<String> = tx
        .query_opt("SELECT version FROM worker_config WHERE id = 1", &[])
        .await?
        .map(|r| r.get(0));
    let candidates = tx
        .query(
            "SELECT name, host FROM worker_sources WHERE next_due <= now()
             ORDER BY next_due, name LIMIT $1 FOR UPDATE SKIP LOCKED",
            &[&limit],
        )
        .await?;
    if candidates.is_empty() {
        tx.commit().await?;
        return Ok(Claim {
            sources: Vec::new(),
            version,
        });
    }
    let mut hosts: Vec<String> = candidates.iter().map(|r| r.get(1)).collect();
    hosts.sort();
    hosts.dedup();
    tx.query(
        "SELECT host FROM worker_hosts WHERE host = ANY($1) ORDER BY host FOR UPDATE",
        &[&hosts],
    )
    .await?;
    let busy = tx
        .query(
            "SELECT host, count(*) FROM worker_leases
             WHERE host = ANY($1) AND expires_at > now() GROUP BY host",
            &[&hosts],
        )
        .await?;
    let mut room: std::collections::HashMap<String, i64> =
        hosts.iter().map(|h| (h.clone(), per_host)).collect();
    for r in &busy {
        let host: String = r.get(0);
        let n: i64 = r.get(1);
        if let Some(left) = room.get_mut(&host) {
            *left -= n;
        }
    }
    let mut names = Vec::new();
    let mut of_host = Vec::new();
    for r in &candidates {
        let host: String = r.get(1);
        if let Some(left) = room.get_mut(&host).filter(|left| **left > 0) {
            *left -= 1;
            names.push(r.get::<_, String>(0));
            of_host.push(host);
        }
    }
    tx.execute(
        "UPDATE worker_sources SET next_due = now() + $2::int8 * interval '1 millisecond'
         WHERE name = ANY($1)",
        &[&names, &lease_ms],
    )
    .await?;
    tx.execute(
        "INSERT INTO worker_leases (source, host, worker, expires_at)
         SELECT s, h, $3, now() + $4::int8 * interval '1 millisecond'
         FROM unnest($1::text[], $2::text[]) AS u(s, h)
         ON CONFLICT (source) DO UPDATE SET host = excluded.host, worker = excluded.worker,
             expires_at = excluded.expires_at",
        &[&names, &of_host, &worker, &lease_ms],
    )
    .await?;
    tx.commit().await?;
    Ok(Claim {
        sources: names,
        version,
    })
}

/// Pushes every lease `worker` holds `lease_ms` on; the number renewed.
pub async fn renew(c: &Client, worker: &str, lease_ms: i64) -> Result<u64, Error> {
    c.execute(
        "WITH l AS (
             UPDATE worker_leases SET expires_at = now() + $2::int8 * interval '1 millisecond'
             WHERE worker = $1 RETURNING source)
         UPDATE worker_sources s SET next_due = now() + $2::int8 * interval '1 millisecond'
         FROM l WHERE s.name = l.source",
        &[&worker, &lease_ms],
    )
    .await
}

/// Gives back `worker`'s leases on `names`, each source due again `delays_ms` after now
/// (its refresh interval, or longer while it fails). A lease another worker took over
/// after it expired is left alone: that worker releases it.
pub async fn release(
    c: &mut Client,
    worker: &str,
    names: &[String],
    delays_ms: &[i64],
) -> Result<(), Error> {
    let tx = c.transaction().await?;
    tx.execute(
        "UPDATE worker_sources s
         SET next_due = now() + d.ms * interval '1 millisecond', last_fetched = now(),
             fetches = s.fetches + 1
         FROM unnest($2::text[], $3::int8[]) AS d(name, ms), worker_leases l
         WHERE s.name = d.name AND l.source = d.name AND l.worker = $1",
        &[&worker, &names, &delays_ms],
    )
    .await?;
    tx.execute(
        "DELETE FROM worker_leases WHERE worker = $1 AND source = ANY($2)",
        &[&worker, &names],
    )
    .await?;
    tx.commit().await
}

/// Takes the session-level advisory lock `key` if free; held until
/// [`unlock`] or until the connection ends (a dead worker's lock goes with it).
pub async fn try_lock(c: &Client, key: i64) -> Result<bool, Error> {
    Ok(c.query_one("SELECT pg_try_advisory_lock($1)", &[&key])
        .await?
        .get(0))
}

/// Lets go of the session-level advisory lock `key`.
pub async fn unlock(c: &Client, key: i64) -> Result<(), Error> {
    c.execute("SELECT pg_advisory_unlock($1)", &[&key])
        .await
        .map(|_| ())
}
