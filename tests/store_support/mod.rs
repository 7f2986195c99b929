//! The store's tests run against every backend: SQLite (a file in a temp folder) and
//! PostgreSQL (a database of its own per test, created on the server of
//! `FEEDMILL_TEST_POSTGRES_URL` and dropped after, so tests run in parallel).
//!
//! Without `FEEDMILL_TEST_POSTGRES_URL` the PostgreSQL half prints NOT CHECKED and passes,
//! unless `CI` is set: then it fails, so CI never skips it silently. Start a server with
//! `eval "$(scripts/test-servers.sh start)"`.
#![allow(dead_code)]

use std::sync::atomic::{AtomicUsize, Ordering};

use feedmill::config::StoreUrl;
use feedmill::store::{PostgresStore, SqliteStore, Store};

/// Which backend a store is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// A SQLite file.
    Sqlite,
    /// A PostgreSQL database.
    Postgres,
}

/// The PostgreSQL server the tests use, if one is named; fails under CI when none is.
pub fn postgres_url(what: &str) -> Option<String> {
    match std::env::var("FEEDMILL_TEST_POSTGRES_URL")
        .ok()
        .filter(|v| !v.is_empty())
    {
        Some(url) => Some(url),
        None => {
            assert!(
                std::env::var_os("CI").is_none(),
                "FEEDMILL_TEST_POSTGRES_URL is not set: CI must start PostgreSQL with scripts/test-servers.sh"
            );
            eprintln!(
                "NOT CHECKED: {what} on PostgreSQL: no test server (eval \"$(scripts/test-servers.sh start)\")"
            );
            None
        }
    }
}

/// A database created for one test on the test server, dropped (with whatever connects
/// to it) when this is dropped.
pub struct TempDb {
    admin: String,
    name: String,
    /// The database's URL.
    pub url: String,
}

static NEXT: AtomicUsize = AtomicUsize::new(0);

impl TempDb {
    /// Creates an empty database on the server of `admin` (a URL of any database there).
    pub fn create(admin: &str) -> TempDb {
        let name = format!(
            "feedmill_test_{}_{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::SeqCst),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .subsec_nanos()
        );
        // On a thread of its own: the blocking client cannot run inside a tokio runtime,
        // and async tests create databases too.
        let (a, n) = (admin.to_string(), name.clone());
        std::thread::spawn(move || {
            let mut c = postgres::Client::connect(&a, postgres::NoTls)
                .unwrap_or_else(|e| panic!("cannot connect to {a}: {e}"));
            c.batch_execute(&format!("CREATE DATABASE {n}"))
                .unwrap_or_else(|e| panic!("cannot create database {n}: {e}"));
        })
        .join()
        .expect("the database is created");
        let mut url = url::Url::parse(admin).expect("a URL");
        url.set_path(&format!("/{name}"));
        TempDb {
            admin: admin.to_string(),
            name,
            url: url.to_string(),
        }
    }

    /// The database's URL as the config takes it.
    pub fn store_url(&self) -> StoreUrl {
        StoreUrl::parse(&self.url).expect("a postgres URL")
    }
}

impl Drop for TempDb {
    fn drop(&mut self) {
        let name = self.name.clone();
        let admin = self.admin.clone();
        // Off any runtime: the blocking client has one of its own.
        let _ = std::thread::spawn(move || {
            if let Ok(mut c) = postgres::Client::connect(&admin, postgres::NoTls) {
                let _ = c.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
            }
        })
        .join();
    }
}

/// A fresh, empty store of one backend for one test, which can be opened again.
pub struct Fresh {
    /// Which backend.
    pub backend: Backend,
    dir: tempfile::TempDir,
    db: Option<TempDb>,
}

impl Fresh {
    /// A fresh store of `backend` (`None` for PostgreSQL without a test server).
    pub fn new(backend: Backend, what: &str) -> Option<Fresh> {
        let dir = tempfile::tempdir().unwrap();
        let db = match backend {
            Backend::Sqlite => None,
            Backend::Postgres => Some(TempDb::create(&postgres_url(what)?)),
        };
        Some(Fresh { backend, dir, db })
    }

    /// Opens the store (again): the same file or database every time.
    pub fn open(&self) -> Box<dyn Store + Send> {
        match &self.db {
            None => Box::new(SqliteStore::open(&self.dir.path().join("s.db")).unwrap()),
            Some(db) => Box::new(PostgresStore::open(&db.store_url()).unwrap()),
        }
    }

    /// The temp folder of the test (for SQLite, the store's).
    pub fn dir(&self) -> &std::path::Path {
        self.dir.path()
    }

    /// The database, for PostgreSQL.
    pub fn db(&self) -> Option<&TempDb> {
        self.db.as_ref()
    }
}

/// The backends this run checks: SQLite, and PostgreSQL when a test server is named
/// (see [`postgres_url`]).
pub fn backends(what: &str) -> Vec<Backend> {
    let mut out = vec![Backend::Sqlite];
    if postgres_url(what).is_some() {
        out.push(Backend::Postgres);
    }
    out
}

/// Runs `test` once per backend with a fresh store of it, naming the backend when it fails.
pub fn each_backend(what: &str, mut test: impl FnMut(&Fresh)) {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let Some(fresh) = Fresh::new(backend, what) else {
            continue;
        };
        eprintln!("{what}: {backend:?}");
        test(&fresh);
    }
}
