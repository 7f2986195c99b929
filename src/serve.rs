//! `feedmill serve`: a long-running HTTP server for feed readers.
//!
//! - Serves the built feeds, `feeds.opml` and `index.html` (also at `/`) from memory at the
//!   paths of the output layout, with strong ETags, Last-Modified, 304s, precompressed
//!   gzip and brotli, `Cache-Control: public, max-age=<shortest refresh>` and HEAD.
//!   Only the files listed in the output's `.feedmill-manifest` are loaded, so anything
//!   else — dot-files, temporary files, paths outside the output — is a 404 by
//!   construction. Each build's files replace the previous set in one atomic swap: no
//!   request ever sees a partial file or a mix of two builds.
//! - A background worker (its own thread) builds whenever a source is due, fetching only
//!   the sources due (the others' stored articles stay in the feeds untouched), so each
//!   source is asked for on its own interval; only feeds whose articles changed are
//!   rendered. It reloads the served set when files changed, and pings `site.hub`
//!   (WebSub) with the changed feeds.
//! - feeds.toml is checked every second; a valid edit is applied and built, an invalid one
//!   is logged with file, line and column and the previous config keeps serving.
//! - `/healthz` and `/metrics` (Prometheus text format).
//! - `/status` (HTML) and `/status.json`: every source's health, the last build and the
//!   last config edit (see `status`); behind `FEEDMILL_STATUS_TOKEN` when it is set.
//! - The log, at its default level, says what an operator acts on: the startup build's
//!   summary, each config edit applied or refused, each source that starts failing or
//!   recovers — nothing per successful fetch, and each failure once.
//! - What one client may hold is bounded (see `listen`): header-read and idle timeouts, a
//!   connection cap within the open-file limit that closes the longest-idle connection to
//!   make room, and a shutdown that ends within `serve.shutdown_grace`.
//! - The previous run's output is served from the start, before it is precompressed, so
//!   `/healthz` and the feeds answer at once however large the output.
//!
//! Last-Modified of every file is when its bytes last changed: the file's mtime, which emit
//! leaves alone while the bytes stay the same (so it is kept across restarts), and never
//! earlier than the previous version's. Not the newest article's date: adding an article
//! dated in the past changes the feed, and a reader sending only `If-Modified-Since` must
//! get it.

mod events;
mod files;
mod http;
mod listen;
mod metrics;
pub(crate) mod schedule;
mod status;
mod status_page;
mod worker;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use arc_swap::ArcSwap;
use tokio::sync::watch;

use crate::config::{Config, ConfigError};

/// The `Content-Type` serve gives a file of the output (by its relative path), `None` for
/// a file it does not serve; `publish` gives each object the same.
pub(crate) fn content_type_of(rel: &str) -> Option<&'static str> {
    files::Kind::of(rel).map(files::Kind::content_type_str)
}

/// The `Cache-Control` serve sends for every file under `cfg` (`public, max-age=` the
/// shortest refresh interval); `publish` gives each object the same.
pub(crate) fn cache_control_for(cfg: &Config) -> String {
    let value = files::cache_control(schedule::shortest_interval(cfg));
    value.to_str().unwrap_or("public").to_string()
}

/// State shared by the request handlers and the build worker.
#[derive(Debug)]
pub(crate) struct Shared {
    /// What is served now.
    files: ArcSwap<files::FeedSet>,
    /// Counters and last-build figures.
    metrics: metrics::Metrics,
    /// Builds finished and published.
    builds: AtomicU64,
    /// What `/status` shows.
    status: status::Status,
}

/// The environment variable holding the token `/status` and `/status.json` ask for.
pub const STATUS_TOKEN_ENV: &str = "FEEDMILL_STATUS_TOKEN";

/// Tokens shorter than this draw a warning at start: a status token should not be guessable.
const SHORT_TOKEN: usize = 16;

/// How a server runs, beyond its config and address.
#[derive(Debug, Clone, Default)]
pub struct ServeOptions {
    /// The token `/status` and `/status.json` require (as `Authorization: Bearer` or the
    /// Basic password); `None` leaves them open to whoever can reach the server.
    pub status_token: Option<Vec<u8>>,
    /// `serve --no-build`: serve the output folder that another process writes (a
    /// `feedmill build` on a timer, on this machine or a shared disk), reloading it when
    /// its files change; nothing is fetched and the store is never opened, so any number
    /// of such servers can sit behind one load balancer over the same folder.
    pub no_build: bool,
}

impl ServeOptions {
    /// The options `feedmill serve` runs with: the status token from
    /// [`STATUS_TOKEN_ENV`] (an empty value counts as unset).
    pub fn from_env() -> ServeOptions {
        ServeOptions {
            status_token: std::env::var_os(STATUS_TOKEN_ENV)
                .map(std::ffi::OsString::into_encoded_bytes)
                .filter(|t| !t.is_empty()),
            no_build: false,
        }
    }
}

/// Why the server could not start or stopped.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// feeds.toml is invalid; each problem carries file, line and column.
    #[error("{} problem(s) in the config: {}", .0.len(), join(.0))]
    Config(Vec<ConfigError>),
    /// The listen address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// The I/O error.
        source: std::io::Error,
    },
    /// Serving or starting the worker failed.
    #[error("server error: {0}")]
    Io(#[from] std::io::Error),
}

fn join(errors: &[ConfigError]) -> String {
    errors
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

/// Starts servers; see [`Server::start`].
#[derive(Debug)]
pub struct Server;

impl Server {
    /// Loads `config_path`, binds `listen` (port 0 picks a free port), and starts the
    /// worker, which first loads what the output folder already holds (served as soon as
    /// it is read, precompressed after) and then builds. Returns when the server is
    /// accepting connections. `/status` is open (see [`Server::start_with`]).
    pub async fn start(
        config_path: impl AsRef<Path>,
        listen: SocketAddr,
    ) -> Result<ServerHandle, ServeError> {
        Server::start_with(config_path, listen, ServeOptions::default()).await
    }

    /// [`Server::start`] with `options` (such as the status token).
    pub async fn start_with(
        config_path: impl AsRef<Path>,
        listen: SocketAddr,
        options: ServeOptions,
    ) -> Result<ServerHandle, ServeError> {
        let config_path = config_path.as_ref().to_path_buf();
        let cfg = Config::load(&config_path).map_err(ServeError::Config)?;
        let max_age = schedule::shortest_interval(&cfg);
        // Nothing is served until the worker has loaded the previous run's output, which
        // it does first (uncompressed at once, then compressed file by file): accepting
        // connections never waits for that.
        let shared = Arc::new(Shared {
            files: ArcSwap::from_pointee(files::FeedSet::empty(max_age)),
            metrics: metrics::Metrics::default(),
            builds: AtomicU64::new(0),
            status: status::Status::new(&cfg, options.status_token.as_deref()),
        });
        let limits = listen::Limits::new(&cfg.serve);

        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .map_err(|source| ServeError::Bind {
                addr: listen,
                source,
            })?;
        let local_addr = listener.local_addr()?;
        let (stop_tx, stop_rx) = watch::channel(false);

        let router = axum::Router::new()
            .fallback(http::handle)
            .with_state(shared.clone());
        let server = tokio::spawn(listen::run(
            listener,
            router,
            limits,
            shared.clone(),
            stop_rx.clone(),
        ));
        let worker = worker::spawn(shared.clone(), cfg, stop_rx, options.no_build)?;
        match options.status_token.as_ref().map(Vec::len) {
            None => tracing::info!(
                event = "status_open",
                "/status and /status.json are open to whoever can reach the server \
                 (set {STATUS_TOKEN_ENV} to require a token)"
            ),
            Some(n) if n < SHORT_TOKEN => tracing::warn!(
                event = "status_token_short",
                "{STATUS_TOKEN_ENV} is {n} bytes long: a token of 32 random characters or \
                 more is not guessable"
            ),
            Some(_) => tracing::info!(
                event = "status_protected",
                "/status and /status.json require {STATUS_TOKEN_ENV}"
            ),
        }
        Ok(ServerHandle {
            local_addr,
            config_path,
            stop: stop_tx,
            server,
            worker: Some(worker),
            shared,
        })
    }
}

/// A running server.
#[derive(Debug)]
pub struct ServerHandle {
    local_addr: SocketAddr,
    config_path: PathBuf,
    stop: watch::Sender<bool>,
    server: tokio::task::JoinHandle<std::io::Result<()>>,
    worker: Option<std::thread::JoinHandle<()>>,
    shared: Arc<Shared>,
}

impl ServerHandle {
    /// The address the server listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The config file being served (and watched).
    pub fn config_path(&self) -> &Path {
        &self.config_path
    }

    /// Builds finished whose files are being served (with
    /// [`ServeOptions::no_build`]: loads of the output folder, the first one included).
    pub fn builds(&self) -> u64 {
        self.shared.builds.load(Ordering::Acquire)
    }

    /// Waits until at least `n` builds have finished and been published, or `timeout`
    /// passes; returns whether they did.
    pub async fn wait_for_builds(&self, n: u64, timeout: std::time::Duration) -> bool {
        let deadline = tokio::time::Instant::now() + timeout;
        while self.builds() < n {
            if tokio::time::Instant::now() >= deadline {
                return false;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        true
    }

    /// Stops accepting connections, lets in-flight requests finish (closing every
    /// connection still open after `serve.shutdown_grace`), stops the worker (waiting
    /// briefly for a build in progress), and returns.
    pub async fn shutdown(mut self) -> Result<(), ServeError> {
        let _ = self.stop.send(true);
        let served = (&mut self.server).await;
        if let Some(worker) = self.worker.take() {
            // Joining blocks; keep it off the async threads.
            let _ = tokio::task::spawn_blocking(move || worker.join()).await;
        }
        match served {
            Ok(r) => r.map_err(ServeError::Io),
            Err(e) => Err(ServeError::Io(std::io::Error::other(e))),
        }
    }
}

impl Drop for ServerHandle {
    /// A handle dropped without [`ServerHandle::shutdown`] still stops the server and the
    /// worker (without waiting for them), so nothing keeps running unowned.
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}

/// Completes on SIGINT (Ctrl-C) or, on Unix, SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::warn!("cannot listen for Ctrl-C: {e}");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::warn!("cannot listen for SIGTERM: {e}");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = term => {}
    }
}

/// Runs `feedmill serve` until SIGINT/SIGTERM, then shuts down gracefully. Its lines go
/// to the log (`tracing`, at info), so `--log-format json` makes every line JSON.
pub async fn run(
    config_path: &Path,
    listen: SocketAddr,
    options: ServeOptions,
) -> Result<(), ServeError> {
    let handle = Server::start_with(config_path, listen, options).await?;
    tracing::info!(
        event = "listening",
        address = %handle.local_addr(),
        config = %config_path.display(),
        "serving {} on http://{}/ (Ctrl-C or SIGTERM to stop)",
        config_path.display(),
        handle.local_addr()
    );
    shutdown_signal().await;
    tracing::info!(
        event = "shutdown",
        "shutting down; letting in-flight requests finish"
    );
    handle.shutdown().await
}
