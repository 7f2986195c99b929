//! The build lock: one build at a time per store.
//!
//! Two builds against one store at once (cron beside a manual run, `build` beside `serve`)
//! would interleave their transactions (`database is locked` after SQLite's busy timeout)
//! and their output writes. A build therefore holds an exclusive lock on `<store>.lock`,
//! beside the store, from before it reads the store until its output and emit memory are
//! saved. The lock is the operating system's (`flock`, through [`std::fs::File::try_lock`]):
//! it goes with the process, so a killed build never leaves it behind, and the file's
//! content (the holder's pid) is only there to name the holder in the message of a build
//! that finds it taken.
//!
//! With the PostgreSQL backend the lock is a session-level advisory lock of the database
//! ([`BuildLock::acquire_url`]), held on a connection of its own: it goes with that
//! connection (a killed build's is closed by the server), and the holder's pid is in the
//! connection's `application_name`, read from `pg_stat_activity` to name it.
//!
//! A build that finds the lock taken fails at once instead of waiting: a waiting build
//! would run on a store and sources the other one has just refreshed, and cron runs that
//! queue up behind a slow build pile up. The next run (or `serve`'s next tick) builds.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// A build that could not take the lock.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// Another build holds it.
    #[error(
        "another build is running (pid {}) with the store {}; this one stopped before changing anything — run it again once that one has finished",
        .pid.map_or_else(|| "unknown".to_string(), |p| p.to_string()),
        .store.display()
    )]
    Held {
        /// The holder's process id, when it could be read.
        pid: Option<u32>,
        /// The store.
        store: PathBuf,
    },
    /// The database holding the lock could not be reached.
    #[error("cannot take the build lock in {url}: {message}")]
    Database {
        /// The database (its URL without the password).
        url: String,
        /// What failed.
        message: String,
    },
    /// The lock file could not be opened or locked.
    #[error("cannot lock {}: {source}", .path.display())]
    Io {
        /// The lock file.
        path: PathBuf,
        /// What failed.
        source: std::io::Error,
    },
}

/// The held lock; released when dropped (or when the process ends, however it ends).
#[derive(Debug)]
pub struct BuildLock {
    _file: Option<File>,
    /// The connection holding the advisory lock, for the PostgreSQL backend.
    _conn: Option<super::postgres::Conn>,
    path: PathBuf,
}

/// The session-level advisory lock key of the build lock: "feedmill" in ASCII, negated and
/// less one, apart from the migration and write keys.
const BUILD_LOCK: i64 = -0x6665_6564_6d69_6c6c - 1;

impl BuildLock {
    /// The lock file of the store at `store`: `<store>.lock`.
    pub fn path_for(store: &Path) -> PathBuf {
        let mut name = store.as_os_str().to_owned();
        name.push(".lock");
        PathBuf::from(name)
    }

    /// Takes the lock of the store at `store`, or fails at once when another build holds
    /// it ([`LockError::Held`], naming its pid).
    pub fn acquire(store: &Path) -> Result<BuildLock, LockError> {
        let path = BuildLock::path_for(store);
        let io = |source: std::io::Error| LockError::Io {
            path: path.clone(),
            source,
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(io)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                let mut text = String::new();
                let _ = file.read_to_string(&mut text);
                return Err(LockError::Held {
                    pid: text.trim().parse().ok(),
                    store: store.to_path_buf(),
                });
            }
            Err(TryLockError::Error(e)) => return Err(io(e)),
        }
        // Only the holder writes the file, so a reader sees a whole pid or nothing.
        let note = file
            .set_len(0)
            .and_then(|()| file.seek(SeekFrom::Start(0)))
            .and_then(|_| writeln!(file, "{}", std::process::id()));
        if let Err(e) = note {
            tracing::debug!("cannot note the pid in {}: {e}", path.display());
        }
        Ok(BuildLock {
            _file: Some(file),
            _conn: None,
            path,
        })
    }

    /// Takes the build lock of the PostgreSQL store at `url` (an advisory lock held while
    /// this value lives), or fails at once when another build holds it
    /// ([`LockError::Held`], naming its pid when the holder is a feedmill).
    pub fn acquire_url(url: &crate::config::StoreUrl) -> Result<BuildLock, LockError> {
        let name = url.redacted();
        let fail = |e: super::postgres::Fail| LockError::Database {
            url: name.clone(),
            message: e.to_string(),
        };
        let pid = std::process::id();
        let mut conn =
            super::postgres::Conn::connect(url, &format!("feedmill-build-{pid}")).map_err(fail)?;
        let holder = conn
            .run(|c| {
                let got: bool = c
                    .query_one("SELECT pg_try_advisory_lock($1)", &[&BUILD_LOCK])?
                    .get(0);
                if got {
                    return Ok(None);
                }
                // The holder's application name is feedmill-build-<pid>.
                let app: Option<String> = c
                    .query_opt(
                        "SELECT a.application_name FROM pg_locks l
                         JOIN pg_stat_activity a ON a.pid = l.pid
                         WHERE l.locktype = 'advisory' AND l.granted
                           AND l.classid = (($1::bigint >> 32) & 4294967295)::oid
                           AND l.objid = ($1::bigint & 4294967295)::oid AND l.objsubid = 1",
                        &[&BUILD_LOCK],
                    )?
                    .map(|r| r.get(0));
                Ok(Some(app))
            })
            .map_err(fail)?;
        match holder {
            None => Ok(BuildLock {
                _file: None,
                _conn: Some(conn),
                path: PathBuf::from(name),
            }),
            Some(app) => Err(LockError::Held {
                pid: app
                    .as_deref()
                    .and_then(|a| a.strip_prefix("feedmill-build-"))
                    .and_then(|p| p.parse().ok()),
                store: PathBuf::from(name),
            }),
        }
    }

    /// Takes the lock of the store the config names (see [`super::open_config`]).
    pub fn acquire_config(cfg: &crate::config::Config) -> Result<BuildLock, LockError> {
        match &cfg.store.url {
            Some(url) => BuildLock::acquire_url(url),
            None => BuildLock::acquire(&cfg.site.store),
        }
    }

    /// The lock file (for the PostgreSQL backend, the database's URL without password).
    pub fn path(&self) -> &Path {
        &self.path
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_is_refused_with_the_holders_pid_and_free_again_after() {
        let dir = tempfile::tempdir().unwrap();
        let store = dir.path().join("feedmill.db");
        let held = BuildLock::acquire(&store).unwrap();
        assert_eq!(held.path(), dir.path().join("feedmill.db.lock"));
        match BuildLock::acquire(&store) {
            Err(LockError::Held { pid, .. }) => assert_eq!(pid, Some(std::process::id())),
            other => panic!("{other:?}"),
        }
        drop(held);
        BuildLock::acquire(&store).expect("free once dropped");
    }
}
