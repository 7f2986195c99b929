//! `feedmill worker`: any number of processes, on any machines, sharing the sources of one
//! feeds.toml through a PostgreSQL database (`[worker] database`).
//!
//! Each worker loops: it claims up to `[worker] claim` due sources (a lease of
//! `[worker] lease`, see [`db`] for how claims, leases and per-host politeness work),
//! fetches, reads and normalizes them through the pipeline's own stages
//! ([`pipeline::fetch_sources`]), writes them to the store ([`pipeline::store_fetched`],
//! one writer at a time under an advisory lock), and releases the leases with each
//! source's next due time: its refresh interval after the release (doubled per
//! consecutive failure, as `serve` does), so no source is fetched twice within its
//! interval. A background task renews the worker's leases every third of the lease, so a
//! long fetch keeps its sources and a dead worker's come due when its leases expire.
//!
//! One worker emits: whichever holds the emit advisory lock renders the changed feeds
//! from the store after its rounds ([`pipeline::emit_stored`]) and publishes them
//! ([`crate::publish`]); `--no-emit` workers never try.
//!
//! The database being unreachable is never fatal: every statement that fails is logged
//! and tried again on a new connection after a wait that doubles up to
//! `[worker] max_backoff`. A store that fails (a PostgreSQL store whose server went away) is
//! opened again the same way, and the sources whose fetch it could not take are given back
//! due at once, to be fetched again.
//!
//! `config_version` ([`version`]): the first worker stores its config's version; a worker
//! whose feeds.toml differs refuses to start, naming both versions, and
//! `--adopt-config` rolls a new one out (the workers on the old one stop at their next
//! claim, for their supervisor to restart them with the new file).

mod db;
pub mod version;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use chrono::Utc;
use tokio_postgres::{Client, NoTls};

use crate::config::{Config, SourceUrl};
use crate::pipeline::{self, BuildError, BuildTimings, SourceReport, Stored};
use crate::serve::schedule;
use crate::store::{self, BuildLock, Store};

pub use db::{KEY_EMIT, KEY_STORE};

/// How `feedmill worker` runs.
#[derive(Debug, Clone, Default)]
pub struct WorkerOptions {
    /// This worker's name in the database (`host:pid` when `None`).
    pub id: Option<String>,
    /// Replace the database's config version (and source list) with this config's.
    pub adopt_config: bool,
    /// Never take the emit lock: fetch only.
    pub no_emit: bool,
}

/// Why a worker stopped. Transient failures never stop it.
#[derive(Debug, thiserror::Error)]
pub enum WorkerError {
    /// Neither `[worker] database` nor `[store] url` is set.
    #[error("{0}: neither [worker] database nor [store] url is set; `feedmill worker` needs the PostgreSQL database the workers share (database = \"postgres://…\")")]
    NoDatabase(PathBuf),
    /// The config file could not be read for its version.
    #[error("{path}: {message}")]
    Version {
        /// feeds.toml.
        path: PathBuf,
        /// Why.
        message: String,
    },
    /// The database runs another config version.
    #[error(
        "{path} is config version {ours}, but the workers on this database run {theirs} (adopted by {by} at {at}); \
         start this worker with the same feeds.toml as the others, or roll this one out with \
         `feedmill worker --adopt-config` (the workers on {theirs} then stop at their next claim)"
    )]
    ConfigMismatch {
        /// feeds.toml.
        path: PathBuf,
        /// This config's version.
        ours: String,
        /// The database's.
        theirs: String,
        /// Who adopted it.
        by: String,
        /// When.
        at: String,
    },
    /// Another worker adopted a new config while this one ran.
    #[error("the workers on this database now run config version {theirs} and this worker runs {ours}; it stops here, restart it with the new feeds.toml")]
    ConfigReplaced {
        /// This worker's version.
        ours: String,
        /// The database's.
        theirs: String,
    },
}

/// The store, opened again (with the same backoff as the database) after it failed.
struct StoreSlot {
    store: Option<Box<dyn Store + Send>>,
    failures: u32,
    max_backoff: Duration,
}

impl StoreSlot {
    async fn get(&mut self, cfg: &Config) -> &mut (dyn Store + Send) {
        while self.store.is_none() {
            match store::open_config(cfg) {
                Ok(s) => {
                    self.failures = 0;
                    self.store = Some(s);
                }
                Err(e) => {
                    self.failures = self.failures.saturating_add(1);
                    let wait = backoff(self.failures, self.max_backoff);
                    tracing::warn!(
                        "worker: cannot open the store ({e}); attempt {} again in {} ms",
                        self.failures,
                        wait.as_millis()
                    );
                    tokio::time::sleep(wait).await;
                }
            }
        }
        self.store.as_deref_mut().expect("opened above")
    }

    /// The store failed: it is opened again before its next use.
    fn broken(&mut self) {
        self.store = None;
    }
}

/// The connection to the database, made again whenever a statement fails.
struct Db {
    url: String,
    client: Option<Client>,
    /// Connections made so far: a session lock taken on connection `n` is gone once this
    /// moves past `n`.
    generation: u64,
    failures: u32,
    max_backoff: Duration,
}

impl Db {
    fn new(url: &str, max_backoff: Duration) -> Db {
        Db {
            url: url.to_string(),
            client: None,
            generation: 0,
            failures: 0,
            max_backoff,
        }
    }

    /// The connection, made (after a backoff while the database is unreachable) if there
    /// is none.
    async fn client(&mut self) -> &mut Client {
        while self.client.is_none() {
            match connect(&self.url).await {
                Ok(c) => {
                    if self.failures > 0 {
                        tracing::info!("worker: connected to the database again");
                    }
                    self.client = Some(c);
                    self.generation += 1;
                }
                Err(e) => self.backoff("connect", &e.to_string()).await,
            }
        }
        self.client.as_mut().expect("connected above")
    }

    /// A statement failed: forget the connection and wait before the next attempt.
    async fn lost(&mut self, what: &str, e: &tokio_postgres::Error) {
        self.client = None;
        self.backoff(what, &e.to_string()).await;
    }

    async fn backoff(&mut self, what: &str, why: &str) {
        self.failures = self.failures.saturating_add(1);
        let wait = backoff(self.failures, self.max_backoff);
        tracing::warn!(
            "worker: database {what} failed ({why}); attempt {} again in {} ms",
            self.failures,
            wait.as_millis()
        );
        tokio::time::sleep(wait).await;
    }

    fn ok(&mut self) {
        self.failures = 0;
    }
}

/// Waits 250 ms, 500 ms, 1 s, … up to `max` after the `failures`th failure in a row.
fn backoff(failures: u32, max: Duration) -> Duration {
    let factor = 1u32
        .checked_shl(failures.saturating_sub(1).min(20))
        .unwrap_or(u32::MAX);
    Duration::from_millis(250).saturating_mul(factor).min(max)
}

async fn connect(url: &str) -> Result<Client, tokio_postgres::Error> {
    let mut config: tokio_postgres::Config = url.parse()?;
    config.connect_timeout(Duration::from_secs(10));
    config.application_name("feedmill worker");
    let (client, connection) = config.connect(NoTls).await?;
    tokio::spawn(async move {
        if let Err(e) = connection.await {
            tracing::debug!("worker: database connection ended: {e}");
        }
    });
    Ok(client)
}

/// Runs a database step until it succeeds, on a new connection after each failure.
macro_rules! retrying {
    ($db:expr, $what:expr, |$c:ident| $body:expr) => {{
        loop {
            let $c = $db.client().await;
            match $body {
                Ok(v) => {
                    $db.ok();
                    break v;
                }
                Err(e) => $db.lost($what, &e).await,
            }
        }
    }};
}

/// The host a source's fetches count against for politeness.
fn host_of(url: &SourceUrl) -> String {
    match url {
        SourceUrl::Http(u) => u.host_str().unwrap_or("").to_ascii_lowercase(),
        SourceUrl::File(_) => "file".into(),
    }
}

fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

/// Runs a worker with `cfg` (loaded from `cfg.path`, whose text gives the config
/// version) until the config is replaced; transient failures are logged and retried.
pub async fn run(cfg: &Config, opts: &WorkerOptions) -> Result<(), WorkerError> {
    // The workers' tables live beside the store when it is in PostgreSQL.
    let url = cfg
        .worker
        .database
        .clone()
        .or_else(|| cfg.store.url.as_ref().map(|u| u.as_str().to_string()))
        .ok_or_else(|| WorkerError::NoDatabase(cfg.path.clone()))?;
    let text = std::fs::read_to_string(&cfg.path).map_err(|e| WorkerError::Version {
        path: cfg.path.clone(),
        message: e.to_string(),
    })?;
    let ours = version::config_version(&text).map_err(|message| WorkerError::Version {
        path: cfg.path.clone(),
        message,
    })?;
    let me = opts.id.clone().unwrap_or_else(|| {
        let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
            .map(|h| h.trim().to_string())
            .unwrap_or_else(|_| "worker".into());
        format!("{host}:{}", std::process::id())
    });
    let sources: Vec<db::SourceRow> = cfg
        .sources
        .iter()
        .map(|s| db::SourceRow {
            name: s.name.clone(),
            host: host_of(&s.url),
            refresh_ms: millis(schedule::interval(cfg, &s.name)),
        })
        .collect();
    let mut db = Db::new(&url, cfg.worker.max_backoff);
    retrying!(db, "migration", |c| db::migrate(c).await);
    let checked = retrying!(db, "config check", |c| db::check_config(
        c,
        &ours,
        &me,
        opts.adopt_config,
        &sources
    )
    .await);
    if let Err(held) = checked {
        return Err(WorkerError::ConfigMismatch {
            path: cfg.path.clone(),
            ours,
            theirs: held.version,
            by: held.by,
            at: held.at,
        });
    }
    tracing::info!(
        "worker {me}: config version {ours}, {} sources, lease {} ms, emit {}",
        sources.len(),
        millis(cfg.worker.lease),
        if opts.no_emit {
            "never"
        } else {
            "when it holds the lock"
        }
    );
    let renewer = tokio::spawn(renew_forever(
        url.clone(),
        me.clone(),
        cfg.worker.lease,
        cfg.worker.max_backoff,
    ));
    let mut store = StoreSlot {
        store: None,
        failures: 0,
        max_backoff: cfg.worker.max_backoff,
    };
    let result = rounds(cfg, opts, &ours, &me, &mut db, &mut store).await;
    renewer.abort();
    result
}

/// Renews `me`'s leases every third of `lease`, on a connection of its own (the main one
/// may be busy with a long statement), until aborted.
async fn renew_forever(url: String, me: String, lease: Duration, max_backoff: Duration) {
    let mut db = Db::new(&url, max_backoff);
    let every = lease / 3;
    loop {
        tokio::time::sleep(every).await;
        let renewed = retrying!(db, "lease renewal", |c| db::renew(c, &me, millis(lease))
            .await);
        tracing::debug!("worker {me}: {renewed} leases renewed");
    }
}

/// The loop: claim, fetch, store, release, emit.
async fn rounds(
    cfg: &Config,
    opts: &WorkerOptions,
    ours: &str,
    me: &str,
    db: &mut Db,
    store: &mut StoreSlot,
) -> Result<(), WorkerError> {
    // The connection generation the emit lock was taken on, while this worker holds it.
    let mut emitting: Option<u64> = None;
    let mut emitted_once = false;
    let limit = i64::try_from(cfg.worker.claim).unwrap_or(i64::MAX);
    let per_host = i64::try_from(cfg.fetch.per_host.max(1)).unwrap_or(i64::MAX);
    let lease_ms = millis(cfg.worker.lease);
    loop {
        let claim = retrying!(db, "claim", |c| db::claim(c, me, limit, per_host, lease_ms)
            .await);
        if let Some(theirs) = claim.version.filter(|v| v != ours) {
            return Err(WorkerError::ConfigReplaced {
                ours: ours.to_string(),
                theirs,
            });
        }
        let mut stored_any = false;
        if !claim.sources.is_empty() {
            let started = Instant::now();
            let chosen: Vec<_> = cfg
                .sources
                .iter()
                .filter(|s| claim.sources.contains(&s.name))
                .cloned()
                .collect();
            let reports = fetch_and_store(cfg, db, store, &chosen).await;
            let (names, delays): (Vec<String>, Vec<i64>) = match &reports {
                Some(reports) => reports
                    .iter()
                    .map(|r| (r.name.clone(), millis(next_wait(cfg, r))))
                    .unzip(),
                // Not stored: the sources are due again at once (by this worker or another).
                None => chosen.iter().map(|s| (s.name.clone(), 0)).unzip(),
            };
            retrying!(db, "release", |c| db::release(c, me, &names, &delays).await);
            stored_any = reports.is_some();
            match &reports {
                Some(r) => {
                    let failed = r
                        .iter()
                        .filter(|r| r.status == pipeline::SourceStatus::Failed)
                        .count();
                    tracing::info!(
                        "worker {me}: {} sources fetched ({failed} failed) and stored in {} ms",
                        names.len(),
                        started.elapsed().as_millis()
                    );
                }
                None => tracing::warn!(
                    "worker {me}: {} sources not stored; given back to be fetched again",
                    names.len()
                ),
            }
        }
        if !opts.no_emit {
            if emitting != Some(db.generation) {
                emitting = None;
                let gen = db.generation;
                if retrying!(db, "emit lock", |c| db::try_lock(c, KEY_EMIT).await)
                    && gen == db.generation
                {
                    tracing::info!("worker {me}: holds the emit lock; this worker emits");
                    emitting = Some(db.generation);
                    emitted_once = false;
                }
            }
            if emitting.is_some() {
                emit_if_changed(cfg, db, store, !emitted_once).await;
                emitted_once = true;
            }
        }
        if claim.sources.is_empty() && !stored_any {
            tokio::time::sleep(cfg.worker.idle).await;
        }
    }
}

/// How long after this fetch `report`'s source is due again: its interval (or what its
/// server says stays fresh, if longer), doubled per consecutive failure as in `serve`.
fn next_wait(cfg: &Config, report: &SourceReport) -> Duration {
    let interval = schedule::interval(cfg, &report.name);
    let fresh = Duration::from_secs(report.fetch.fresh_for_secs.unwrap_or(0));
    let polite = interval.max(fresh.min(schedule::MAX_BACKOFF));
    schedule::delay(polite, report.consecutive_failures).min(schedule::MAX_BACKOFF.max(interval))
}

/// Holds the store for writing: the workers' advisory lock (one writer across machines)
/// and the store's build lock (no `feedmill build` beside the workers).
struct StoreHold {
    _file: BuildLock,
}

async fn hold_store(cfg: &Config, db: &mut Db) -> StoreHold {
    let mut failures = 0;
    loop {
        let gen = db.generation;
        if retrying!(db, "store lock", |c| db::try_lock(c, KEY_STORE).await) && gen == db.generation
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    loop {
        match BuildLock::acquire_config(cfg) {
            Ok(l) => return StoreHold { _file: l },
            Err(e @ store::LockError::Held { .. }) => {
                tracing::debug!("worker: waiting for the store: {e}");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Err(e) => {
                failures += 1;
                let wait = backoff(failures, db.max_backoff);
                tracing::warn!(
                    "worker: {e}; attempt {failures} again in {} ms",
                    wait.as_millis()
                );
                tokio::time::sleep(wait).await;
            }
        }
    }
}

async fn let_go_store(db: &mut Db, hold: StoreHold) {
    drop(hold);
    // A lost connection took the lock with it; nothing to give back then.
    if let Some(c) = db.client.as_ref() {
        if let Err(e) = db::unlock(c, KEY_STORE).await {
            db.lost("store unlock", &e).await;
        }
    }
}

/// Fetches `chosen` and writes them to the store; `None` when the store could not be
/// read or written (logged, the store opened again before its next use; the sources are
/// released due, so they are fetched again).
async fn fetch_and_store(
    cfg: &Config,
    db: &mut Db,
    slot: &mut StoreSlot,
    chosen: &[crate::config::Source],
) -> Option<Vec<SourceReport>> {
    let now = Utc::now();
    let store = slot.get(cfg).await;
    let fetched = match pipeline::fetch_sources(cfg, chosen, store, now, false).await {
        Ok(f) => f,
        Err(e) => {
            tracing::error!("worker: fetching {} sources failed: {e}", chosen.len());
            slot.broken();
            return None;
        }
    };
    let hold = hold_store(cfg, db).await;
    let store = slot.get(cfg).await;
    let stored = pipeline::store_fetched(cfg, fetched, store);
    let_go_store(db, hold).await;
    match stored {
        Ok(s) => Some(s.reports),
        Err(e) => {
            tracing::error!("worker: storing {} sources failed: {e}", chosen.len());
            slot.broken();
            None
        }
    }
}

/// Renders the feeds the store marks changed (every feed the first time), then publishes.
async fn emit_if_changed(cfg: &Config, db: &mut Db, slot: &mut StoreSlot, first: bool) {
    let hold = hold_store(cfg, db).await;
    let store = slot.get(cfg).await;
    let emitted = (|| -> Result<Option<pipeline::BuildReport>, BuildError> {
        if !first && store.dirty_feeds()?.is_empty() {
            return Ok(None);
        }
        let stored = Stored {
            reports: Vec::new(),
            timings: BuildTimings::default(),
        };
        pipeline::emit_stored(cfg, &cfg.site.output_dir, Utc::now(), stored, store).map(Some)
    })();
    let_go_store(db, hold).await;
    let report = match emitted {
        Ok(Some(r)) => r,
        Ok(None) => return,
        Err(e) => {
            tracing::error!("worker: emit failed: {e}");
            if matches!(e, BuildError::Store(_)) {
                slot.broken();
            }
            return;
        }
    };
    for e in &report.output_errors {
        tracing::error!("worker: emit: {e}");
    }
    tracing::info!(
        "worker: emitted {} feeds: {} files written, {} unchanged",
        report.feeds,
        report.files_written,
        report.files_unchanged
    );
    match crate::publish::publish(cfg, &report.out_dir).await {
        Ok(Some(p)) => tracing::info!("worker: {}", published_line(&p)),
        Ok(None) => {}
        Err(e) => tracing::error!("worker: publish failed: {e}"),
    }
}

fn published_line(p: &crate::publish::PublishReport) -> String {
    format!(
        "published to {}: {} uploaded, {} unchanged, {} deleted",
        p.target,
        p.uploaded.len(),
        p.unchanged,
        p.deleted.len()
    )
}
