//! The accept loop: what one client may hold, and a shutdown that always ends.
//!
//! `axum::serve` gives no header-read timeout, no idle timeout and no connection cap, and
//! waits forever for silent sockets at shutdown. This loop serves the same router over
//! hyper's HTTP/1 connections with:
//!
//! - a header-read timeout from the moment a connection is accepted until its first
//!   request head is complete, and an idle timeout from each response until the next head
//!   is complete (a dripping second head is bounded by it too);
//! - a connection cap, at most what the open-file limit leaves room for: at the cap, the
//!   connection idle the longest is closed to make room, so slow or silent clients can
//!   never lock out `/healthz` or a feed reader; only when every held connection is in a
//!   request is a new one closed at once;
//! - accept errors (EMFILE and the like) that neither spin nor end the loop: one is
//!   logged, an idle connection is closed to free a descriptor, and accepting resumes
//!   after a short pause;
//! - shutdown: stop accepting, let requests in flight finish (hyper's graceful shutdown),
//!   and after `shutdown_grace` close whatever is left.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::{watch, Notify};
use tokio::task::JoinSet;

use super::metrics::Connections;
use super::Shared;
use crate::config::ServeCfg;

/// Descriptors kept free of connections for the build (store, source files, fetches)
/// and the process itself.
const RESERVED_FDS: u64 = 64;
/// Pause after an accept error, so a full descriptor table is not retried in a spin.
const ACCEPT_PAUSE: Duration = Duration::from_millis(50);
/// Longest wait for an evicted connection to close before the new one is served anyway.
const EVICT_WAIT: Duration = Duration::from_millis(100);
/// Shortest time between two logged accept errors.
const ACCEPT_LOG_EVERY: Duration = Duration::from_secs(10);

/// The limits the loop enforces, worked out once at start.
#[derive(Debug, Clone)]
pub(crate) struct Limits {
    pub header_read_timeout: Duration,
    pub idle_timeout: Duration,
    pub max_connections: usize,
    pub shutdown_grace: Duration,
}

impl Limits {
    /// `[serve]` with the cap lowered to what the open-file limit allows (after raising the
    /// soft limit to the hard one, as servers do).
    pub(crate) fn new(cfg: &ServeCfg) -> Limits {
        let room = open_file_limit().map_or(u64::MAX, |n| n.saturating_sub(RESERVED_FDS).max(8));
        let max_connections = cfg
            .max_connections
            .min(usize::try_from(room).unwrap_or(usize::MAX));
        if max_connections < cfg.max_connections {
            // Worded so it does not read as the "serving … on http://…" line.
            tracing::info!(
                event = "connection_cap",
                "connections held at once: at most {max_connections} (serve.max_connections \
                 is {}, the open-file limit leaves room for {max_connections})",
                cfg.max_connections
            );
        }
        Limits {
            header_read_timeout: cfg.header_read_timeout,
            idle_timeout: cfg.idle_timeout,
            max_connections: max_connections.max(1),
            shutdown_grace: cfg.shutdown_grace,
        }
    }
}

/// The soft open-file limit, raised to the hard limit first when it is lower.
fn open_file_limit() -> Option<u64> {
    #[cfg(unix)]
    {
        let mut lim = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: getrlimit/setrlimit read and write the struct we pass, nothing else.
        unsafe {
            if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) != 0 {
                return None;
            }
            if lim.rlim_cur < lim.rlim_max {
                let raised = libc::rlimit {
                    rlim_cur: lim.rlim_max,
                    rlim_max: lim.rlim_max,
                };
                if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) == 0 {
                    lim = raised;
                }
            }
        }
        if lim.rlim_cur == libc::RLIM_INFINITY {
            return None;
        }
        Some(lim.rlim_cur)
    }
    #[cfg(not(unix))]
    None
}

/// One held connection, as the cap sees it.
struct Slot {
    /// Since when it has not been in a request (accept, or the end of its last response).
    idle_since: Instant,
    /// Requests being answered now.
    busy: usize,
    /// Closes it.
    close: Arc<Notify>,
}

/// Every held connection.
struct Slots {
    /// Where the connection counters are shown.
    shared: Arc<Shared>,
    map: Mutex<HashMap<u64, Slot>>,
    /// Connections told to close that still hold their socket.
    closing: AtomicUsize,
    /// Signalled when such a connection has let go of its socket.
    freed: Notify,
}

impl Slots {
    fn new(shared: Arc<Shared>) -> Slots {
        Slots {
            shared,
            map: Mutex::default(),
            closing: AtomicUsize::new(0),
            freed: Notify::new(),
        }
    }

    fn counters(&self) -> &Connections {
        &self.shared.metrics.connections
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<u64, Slot>> {
        self.map
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Sockets held: connections served and connections still closing.
    fn held(&self) -> usize {
        self.lock().len() + self.closing.load(Ordering::Acquire)
    }

    fn insert(&self, id: u64, close: Arc<Notify>) {
        self.counters().open.fetch_add(1, Ordering::Relaxed);
        self.lock().insert(
            id,
            Slot {
                idle_since: Instant::now(),
                busy: 0,
                close,
            },
        );
    }

    /// Called when connection `id` has closed its socket.
    fn closed(&self, id: u64) {
        self.counters().open.fetch_sub(1, Ordering::Relaxed);
        let was_held = self.lock().remove(&id).is_some();
        if !was_held {
            // It had been evicted: its socket is gone now.
            self.closing.fetch_sub(1, Ordering::AcqRel);
            self.freed.notify_one();
        }
    }

    fn request_started(&self, id: u64) {
        if let Some(s) = self.lock().get_mut(&id) {
            s.busy += 1;
        }
    }

    fn request_done(&self, id: u64) {
        if let Some(s) = self.lock().get_mut(&id) {
            s.busy = s.busy.saturating_sub(1);
            s.idle_since = Instant::now();
        }
    }

    /// When connection `id` stops being allowed to sit idle, if it is idle now.
    fn idle_deadline(&self, id: u64, first: bool, limits: &Limits) -> Option<Instant> {
        let map = self.lock();
        let s = map.get(&id)?;
        (s.busy == 0).then(|| {
            // Before its first request a connection gets the header-read timeout, after
            // that the idle timeout (which also bounds a slowly sent next head).
            let allowed = if first {
                limits.header_read_timeout.max(Duration::from_millis(1))
            } else {
                limits.idle_timeout
            };
            s.idle_since + allowed
        })
    }

    /// Closes the connection idle the longest; whether there was one. Its slot is freed
    /// at once, so the next eviction picks another.
    fn evict_oldest_idle(&self) -> bool {
        let mut map = self.lock();
        let oldest = map
            .iter()
            .filter(|(_, s)| s.busy == 0)
            .min_by_key(|(_, s)| s.idle_since)
            .map(|(id, _)| *id);
        match oldest.and_then(|id| map.remove(&id)) {
            Some(s) => {
                self.closing.fetch_add(1, Ordering::AcqRel);
                self.counters().evicted.fetch_add(1, Ordering::Relaxed);
                s.close.notify_one();
                true
            }
            None => false,
        }
    }
}

/// Serves `router` on `listener` until `stop` turns true, then shuts down within
/// `limits.shutdown_grace`.
pub(crate) async fn run(
    listener: TcpListener,
    router: axum::Router,
    limits: Limits,
    shared: Arc<Shared>,
    mut stop: watch::Receiver<bool>,
) -> std::io::Result<()> {
    let slots = Arc::new(Slots::new(shared));
    let mut conns = JoinSet::new();
    let mut next_id: u64 = 0;
    let mut last_error_log: Option<Instant> = None;
    let service = TowerToHyperService::new(router);
    loop {
        // Reap finished connections so the set does not grow with the server's uptime.
        while conns.try_join_next().is_some() {}
        let accepted = tokio::select! {
            _ = stop.wait_for(|s| *s) => break,
            r = listener.accept() => r,
        };
        let stream = match accepted {
            Ok((stream, _peer)) => stream,
            Err(e) => {
                slots
                    .counters()
                    .accept_errors
                    .fetch_add(1, Ordering::Relaxed);
                // Out of descriptors (or a connection reset before it was accepted): free
                // one if an idle connection holds it, and try again shortly.
                let log_now = last_error_log.is_none_or(|t| t.elapsed() >= ACCEPT_LOG_EVERY);
                if log_now {
                    tracing::warn!(
                        "accept error: {e}; closing the longest-idle connection and retrying \
                         (held now: {})",
                        slots.held()
                    );
                    last_error_log = Some(Instant::now());
                }
                slots.evict_oldest_idle();
                tokio::time::sleep(ACCEPT_PAUSE).await;
                continue;
            }
        };
        if slots.held() >= limits.max_connections {
            let freed = slots.freed.notified();
            tokio::pin!(freed);
            freed.as_mut().enable();
            if !slots.evict_oldest_idle() {
                // Every held connection is in a request: this one is closed at once.
                slots.counters().refused.fetch_add(1, Ordering::Relaxed);
                drop(stream);
                continue;
            }
            // Let the evicted connection give its socket back before this one takes
            // another: a burst of arrivals never holds more sockets than the cap.
            let _ = tokio::time::timeout(EVICT_WAIT, freed).await;
        }
        let _ = stream.set_nodelay(true);
        next_id += 1;
        let id = next_id;
        let close = Arc::new(Notify::new());
        slots.insert(id, close.clone());
        conns.spawn(connection(
            id,
            stream,
            service.clone(),
            slots.clone(),
            limits.clone(),
            close,
            stop.clone(),
        ));
    }
    drop(listener);
    // Requests in flight finish (each connection got the stop and shut down gracefully);
    // whatever is still open after the grace period is closed.
    let drained = tokio::time::timeout(limits.shutdown_grace, async {
        while conns.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        tracing::info!(
            "closing {} connection(s) still open after the {:?} shutdown grace",
            conns.len(),
            limits.shutdown_grace
        );
        conns.shutdown().await;
    }
    Ok(())
}

/// One connection: hyper's HTTP/1 with its header-read timeout, our idle timeout, closed
/// early when the cap needs its slot, shut down gracefully on stop.
async fn connection(
    id: u64,
    stream: tokio::net::TcpStream,
    service: TowerToHyperService<axum::Router>,
    slots: Arc<Slots>,
    limits: Limits,
    close: Arc<Notify>,
    mut stop: watch::Receiver<bool>,
) {
    let served = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let svc = {
        let slots = slots.clone();
        let served = served.clone();
        hyper::service::service_fn(move |req: hyper::Request<Incoming>| {
            slots.request_started(id);
            served.store(true, std::sync::atomic::Ordering::Relaxed);
            let slots = slots.clone();
            let fut = hyper::service::Service::call(&service, req);
            async move {
                let r = fut.await;
                slots.request_done(id);
                r
            }
        })
    };
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        // Ours, not hyper's: hyper's also cuts the wait between keep-alive requests at the
        // header-read timeout; the loop below gives the first head `header_read_timeout`
        // from accept, and each later one `idle_timeout` from the last response.
        .header_read_timeout(None)
        .keep_alive(true);
    let conn = builder.serve_connection(TokioIo::new(stream), svc);
    tokio::pin!(conn);
    let mut stopping = *stop.borrow();
    if stopping {
        conn.as_mut().graceful_shutdown();
    }
    loop {
        let first = !served.load(std::sync::atomic::Ordering::Relaxed);
        let deadline = slots.idle_deadline(id, first, &limits);
        tokio::select! {
            r = conn.as_mut() => {
                if let Err(e) = r {
                    tracing::debug!("connection {id}: {e}");
                }
                break;
            }
            _ = close.notified() => break,
            _ = stop.wait_for(|s| *s), if !stopping => {
                stopping = true;
                conn.as_mut().graceful_shutdown();
            }
            _ = sleep_until(deadline) => {
                // Re-read: a request may have started since the deadline was taken.
                let first = !served.load(std::sync::atomic::Ordering::Relaxed);
                if slots
                    .idle_deadline(id, first, &limits)
                    .is_some_and(|d| d <= Instant::now())
                {
                    slots.counters().timed_out.fetch_add(1, Ordering::Relaxed);
                    break;
                }
            }
        }
    }
    slots.closed(id);
}

/// Sleeps until `at`; with no deadline (a request in progress), wakes up after a second to
/// look again.
async fn sleep_until(at: Option<Instant>) {
    let at = at.unwrap_or_else(|| Instant::now() + Duration::from_secs(1));
    tokio::time::sleep_until(at.into()).await;
}
