//! The background worker: runs builds when sources are due, watches feeds.toml, swaps the
//! served set, pings the WebSub hub.
//!
//! It lives on its own thread with its own single-threaded runtime, so a build's CPU work
//! (reading, normalizing, writing, compressing) never occupies the threads answering
//! requests, and a request never waits for a fetch.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant as StdInstant};

use tokio::sync::watch;
use tokio::time::{Instant, MissedTickBehavior};

use super::events::{log_change, log_summary, SourceDiff, Summary};
use super::files::{self, FeedSet};
use super::schedule::{self, Schedule};
use super::Shared;
use crate::config::Config;
use crate::pipeline::{self, BuildError, BuildOptions};
use crate::store::LockError;

/// How often feeds.toml is checked for edits.
const CONFIG_POLL: Duration = Duration::from_secs(1);
/// How long shutdown waits for a build in progress before dropping it (its files are
/// written atomically, so dropping it leaves old or new files, never a mix).
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);
/// Timeout of one WebSub ping.
const HUB_TIMEOUT: Duration = Duration::from_secs(10);

/// Starts the worker thread.
pub(crate) fn spawn(
    shared: Arc<Shared>,
    cfg: Config,
    shutdown: watch::Receiver<bool>,
    no_build: bool,
) -> std::io::Result<std::thread::JoinHandle<()>> {
    std::thread::Builder::new()
        .name("feedmill-builder".into())
        .spawn(move || {
            lower_priority();
            let rt = match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(rt) => rt,
                Err(e) => {
                    tracing::error!("cannot start the build worker's runtime: {e}; no rebuilds");
                    return;
                }
            };
            if no_build {
                rt.block_on(follow_output(shared, cfg, shutdown));
            } else {
                rt.block_on(run(shared, cfg, shutdown));
            }
        })
}

/// Nice value of the build thread (and of the threads a build starts, which inherit it).
#[cfg(target_os = "linux")]
const BUILD_NICE: libc::c_int = 10;

/// Lowers this thread's CPU priority, so that on a busy machine the kernel runs request
/// handlers before a build's reading, normalizing and compressing: builds take a little
/// longer, answers keep their latency. Best effort: a failure is logged and ignored.
fn lower_priority() {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: gettid and setpriority take and return plain integers and touch no memory
        // of ours; on Linux the nice value is per thread and `who` is the thread id.
        let rc = unsafe {
            let tid = libc::gettid();
            libc::setpriority(libc::PRIO_PROCESS, tid as libc::id_t, BUILD_NICE)
        };
        if rc != 0 {
            tracing::debug!(
                "cannot lower the build thread's priority: {}",
                std::io::Error::last_os_error()
            );
        }
    }
}

/// Watches one config file's bytes.
struct ConfigWatch {
    path: PathBuf,
    last: Option<Vec<u8>>,
}

impl ConfigWatch {
    fn new(path: &Path) -> ConfigWatch {
        ConfigWatch {
            path: path.to_path_buf(),
            last: std::fs::read(path).ok(),
        }
    }

    /// Whether the file's bytes differ from the last look. Comparing bytes, not mtimes,
    /// catches two edits within one mtime tick; a missing file (an editor's rename in
    /// progress) is no edit.
    fn changed(&mut self) -> bool {
        match std::fs::read(&self.path) {
            Ok(bytes) if self.last.as_deref() != Some(&bytes[..]) => {
                self.last = Some(bytes);
                true
            }
            _ => false,
        }
    }
}

/// Input bytes compressed between two publications of the set at start: often enough
/// that clients get compressed forms early, rarely enough that copying the map is noise.
const PUBLISH_EVERY: usize = 16 << 20;

/// Serves what the output folder already holds: every file as soon as all are read (no
/// compression yet), then each one precompressed in turn, published in batches. Runs before
/// the first build; a stop request ends it between two files.
fn startup_load(shared: &Shared, cfg: &Config, shutdown: &watch::Receiver<bool>) {
    let max_age = schedule::shortest_interval(cfg);
    let loaded = files::load_uncompressed(&cfg.site.output_dir, max_age);
    for w in &loaded.warnings {
        tracing::warn!("{w}");
    }
    publish(shared, loaded.set);
    let mut keys: Vec<String> = shared
        .files
        .load()
        .files
        .keys()
        .filter(|k| !files::is_alias(k))
        .cloned()
        .collect();
    keys.sort();
    let started = StdInstant::now();
    let mut pending = Vec::new();
    let mut batch = 0usize;
    for key in keys {
        if *shutdown.borrow() {
            return;
        }
        let current = shared.files.load();
        let Some(entry) = current.files.get(&key).filter(|e| !e.compressed) else {
            continue;
        };
        batch += entry.identity.bytes.len();
        pending.push((key, Arc::new(files::compressed(entry))));
        if batch >= PUBLISH_EVERY {
            publish(shared, current.replaced(std::mem::take(&mut pending)));
            batch = 0;
        }
    }
    if !pending.is_empty() {
        let current = shared.files.load();
        publish(shared, current.replaced(pending));
    }
    tracing::debug!(
        "precompressed the previous output in {:.1}s",
        started.elapsed().as_secs_f64()
    );
}

async fn run(shared: Arc<Shared>, cfg: Config, mut shutdown: watch::Receiver<bool>) {
    startup_load(&shared, &cfg, &shutdown);
    if *shutdown.borrow() {
        return;
    }
    let mut cfg = Arc::new(cfg);
    let mut schedule = Schedule::new(&cfg, Instant::now());
    let mut watch = ConfigWatch::new(&cfg.path);
    let mut tick = tokio::time::interval(CONFIG_POLL);
    tick.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let client = reqwest::Client::builder()
        .timeout(HUB_TIMEOUT)
        .user_agent(concat!("feedmill/", env!("CARGO_PKG_VERSION")))
        .build()
        .ok();
    let mut rng = rand::thread_rng();
    // Whether the last attempt found another build holding the store (said once a run).
    let mut was_locked = false;
    // The next finished build is summed up in the log: the first one, and the first after
    // each applied edit (every source is fetched in those). The others are debug lines.
    let mut summary = Some(Summary::Startup);
    loop {
        let due = schedule.next_due();
        tokio::select! {
            _ = shutdown.changed() => return,
            _ = tick.tick() => {
                if watch.changed() {
                    if let Some(new) = reload(&shared, &cfg) {
                        cfg = Arc::new(new);
                        shared.metrics.keep_sources(&cfg);
                        schedule = Schedule::new(&cfg, Instant::now());
                        summary = Some(Summary::AfterEdit);
                    }
                }
                continue;
            }
            _ = sleep_until(due) => {}
        }
        let due_now = schedule.due_sources(Instant::now());
        let build = build_once(&shared, &cfg, client.as_ref(), due_now);
        tokio::pin!(build);
        let ok = tokio::select! {
            ok = &mut build => ok,
            _ = shutdown.changed() => {
                let _ = tokio::time::timeout(SHUTDOWN_GRACE, build).await;
                return;
            }
        };
        match ok {
            Attempt::Built(report, took) => {
                schedule.after_build(&report, Instant::now(), &mut rng);
                let changes = shared
                    .status
                    .build_done(&report, took, |name| schedule.due_of(name).map(wall_clock));
                for c in &changes {
                    log_change(c);
                }
                match summary.take() {
                    Some(kind) => log_summary(kind, &report, took),
                    None => tracing::debug!(
                        "built {} sources in {:.1}s",
                        report.sources.len(),
                        took.as_secs_f64()
                    ),
                }
                // Counted once the new files and the status are in place, so a caller
                // waiting on it sees both.
                shared.builds.fetch_add(1, Ordering::Release);
            }
            Attempt::Failed(why, took) => {
                schedule.after_failed_build(Instant::now());
                shared
                    .status
                    .build_failed(&why, took, |name| schedule.due_of(name).map(wall_clock));
                summary = None;
            }
            Attempt::Locked(why) => {
                // Nothing was fetched or written: the due sources stay due, at the next tick.
                if !was_locked {
                    tracing::warn!("{why}; serve tries again every {CONFIG_POLL:?}");
                } else {
                    tracing::debug!("{why}");
                }
                schedule.retry_at(Instant::now() + CONFIG_POLL);
                was_locked = true;
                continue;
            }
        }
        was_locked = false;
    }
}

/// What the output folder looks like from its metadata: the manifest's bytes and each
/// listed file's size and mtime. Emit replaces a changed file by rename (a new mtime) and
/// leaves an unchanged one alone, so a different stamp means the folder changed; taking it
/// costs one stat per file, no read.
fn output_stamp(dir: &Path) -> Vec<(String, u64, Option<std::time::SystemTime>)> {
    let manifest = std::fs::read(dir.join(crate::emit::write::MANIFEST)).unwrap_or_default();
    let mut stamp = vec![(String::from_utf8_lossy(&manifest).into_owned(), 0, None)];
    for rel in crate::emit::write::read_manifest(dir) {
        let meta = std::fs::symlink_metadata(dir.join(&rel)).ok();
        let size = meta.as_ref().map_or(0, std::fs::Metadata::len);
        let mtime = meta.and_then(|m| m.modified().ok());
        stamp.push((rel, size, mtime));
    }
    stamp
}

/// `serve --no-build`: serves the output folder another process writes, checking it every
/// [`CONFIG_POLL`] and swapping in a new set when it changed. Fetches nothing, opens no
/// store, pings no hub (the emitter does that).
async fn follow_output(shared: Arc<Shared>, cfg: Config, mut shutdown: watch::Receiver<bool>) {
    let dir = cfg.site.output_dir.clone();
    let max_age = schedule::shortest_interval(&cfg);
    let mut stamp = output_stamp(&dir);
    startup_load(&shared, &cfg, &shutdown);
    shared.builds.fetch_add(1, Ordering::Release);
    tracing::info!(
        event = "following",
        "serving {} as another process writes it (--no-build: nothing is fetched here)",
        dir.display()
    );
    let mut tick = tokio::time::interval(CONFIG_POLL);
    tick.set_missed_tick_behavior(MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = shutdown.changed() => return,
            _ = tick.tick() => {}
        }
        let now = output_stamp(&dir);
        if now == stamp {
            continue;
        }
        stamp = now;
        let previous = shared.files.load_full();
        let loaded = files::load(&dir, &previous, max_age);
        for w in &loaded.warnings {
            tracing::warn!("{w}");
        }
        if loaded.differs_from(&previous) {
            tracing::debug!(
                "serving {} files ({} changed, {} removed) written by another process",
                loaded.set.file_count(),
                loaded.changed.len(),
                loaded.removed.len()
            );
            publish(&shared, loaded.set);
        }
        shared.builds.fetch_add(1, Ordering::Release);
    }
}

/// The wall-clock time of a monotonic instant (for the status page).
fn wall_clock(at: Instant) -> chrono::DateTime<chrono::Utc> {
    let now = Instant::now();
    let wall = chrono::Utc::now();
    let ahead = chrono::Duration::from_std(at.saturating_duration_since(now)).unwrap_or_default();
    wall + ahead
}

/// Sleeps until `at`, or forever when nothing is scheduled.
async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// Loads an edited feeds.toml: the new config, or `None` (every problem logged with file,
/// line and column) so the previous config keeps serving. Either way the log says so once,
/// and the status page shows it.
fn reload(shared: &Shared, old: &Config) -> Option<Config> {
    let path = &old.path;
    match Config::load(path) {
        Ok(cfg) => {
            let diff = SourceDiff::new(old, &cfg);
            tracing::info!(
                event = "config_applied",
                sources = cfg.sources.len(),
                added = %diff.added.join(" "),
                removed = %diff.removed.join(" "),
                changed = %diff.changed.join(" "),
                "{}: edit applied: {} sources ({}); fetching every source",
                path.display(),
                cfg.sources.len(),
                diff
            );
            shared.metrics.config_edit(true);
            shared.status.config_applied(&cfg);
            Some(cfg)
        }
        Err(errors) => {
            for e in &errors {
                tracing::error!(event = "config_error", "{e}");
            }
            tracing::error!(
                event = "config_refused",
                problems = errors.len(),
                "{}: {} problem{} in the edited config; still serving the previous one",
                path.display(),
                errors.len(),
                if errors.len() == 1 { "" } else { "s" }
            );
            shared.metrics.config_edit(false);
            shared.status.config_refused(&errors);
            None
        }
    }
}

/// What one build attempt came to.
enum Attempt {
    /// Built (perhaps with some sources failing), in this long.
    Built(pipeline::BuildReport, Duration),
    /// Another build holds the store; nothing was done.
    Locked(String),
    /// The build could not write its feeds: why, and how long it took.
    Failed(String, Duration),
}

/// Runs one build, then swaps in the new files if any changed and pings the hub. What
/// each source came to is logged by the caller, from the status it records.
async fn build_once(
    shared: &Shared,
    cfg: &Config,
    client: Option<&reqwest::Client>,
    due: BTreeSet<String>,
) -> Attempt {
    let started = StdInstant::now();
    // Only the sources that are due are fetched; the others' stored articles stay in the
    // feeds untouched, so each source is asked for on its own interval.
    let opts = BuildOptions {
        progress: false,
        only: Some(due),
        ..BuildOptions::default()
    };
    let result = pipeline::build(cfg, &opts).await;
    let took = started.elapsed();
    let report = match result {
        Ok(r) => r,
        Err(e @ BuildError::Lock(LockError::Held { .. })) => return Attempt::Locked(e.to_string()),
        Err(e) => {
            tracing::error!(
                event = "build_failed",
                "build failed: {e}; still serving the previous feeds"
            );
            shared.metrics.build_failed(took);
            return Attempt::Failed(e.to_string(), took);
        }
    };
    for e in &report.output_errors {
        tracing::error!(event = "output_error", "{e}");
    }
    for w in &report.output_warnings {
        tracing::warn!(event = "output_warning", "{w}");
    }
    shared.metrics.build_done(&report, took);

    let previous = shared.files.load_full();
    let max_age = schedule::shortest_interval(cfg);
    // A build that rewrote no file into the folder already served changes nothing a client
    // sees: skip re-reading and hashing every file (thousands with many tags).
    let untouched = report.files_written == 0
        && previous.dir == report.out_dir
        && previous.cache_control == files::cache_control(max_age);
    if untouched {
        return Attempt::Built(report, took);
    }
    let loaded = files::load(&report.out_dir, &previous, max_age);
    for w in &loaded.warnings {
        tracing::warn!("{w}");
    }
    if loaded.differs_from(&previous) {
        // Debug: a build that changed files is routine (the summary and the source changes
        // are what the default log shows).
        tracing::debug!(
            "serving {} files ({} changed, {} removed) after a {:.1}s build",
            loaded.set.file_count(),
            loaded.changed.len(),
            loaded.removed.len(),
            took.as_secs_f64()
        );
        let changed_feeds: Vec<String> = loaded
            .changed
            .iter()
            .filter(|rel| {
                loaded.set.files.get(&format!("/{rel}")).is_some_and(|e| {
                    e.kind.is_feed() && !super::files::is_archive(&format!("/{rel}"))
                })
            })
            .cloned()
            .collect();
        publish(shared, loaded.set);
        if let (Some(hub), Some(client)) = (&cfg.site.hub, client) {
            ping_hub(client, hub, &cfg.site.base_url, &changed_feeds).await;
        }
    }
    Attempt::Built(report, took)
}

/// Makes `set` the served set, whole, in one atomic swap.
fn publish(shared: &Shared, set: FeedSet) {
    shared.metrics.serving(set.feeds(), set.file_count());
    shared.files.store(Arc::new(set));
}

/// Tells the hub which feeds changed (WebSub "publish"), one request per feed URL.
/// Failures are logged; they never stop serving or building.
async fn ping_hub(client: &reqwest::Client, hub: &url::Url, base: &url::Url, feeds: &[String]) {
    let pings = feeds.iter().filter_map(|rel| {
        let url = match base.join(rel) {
            Ok(u) => u,
            Err(e) => {
                tracing::warn!("websub: cannot make a URL of {rel} on {base}: {e}");
                return None;
            }
        };
        let body = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("hub.mode", "publish")
            .append_pair("hub.url", url.as_str())
            .finish();
        let req = client
            .post(hub.clone())
            .header(
                reqwest::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .body(body);
        Some(async move {
            match req.send().await {
                Ok(r) if r.status().is_success() => {
                    tracing::debug!("websub: {hub} accepted {url}");
                }
                Ok(r) => tracing::warn!("websub: {hub} answered {} for {url}", r.status()),
                Err(e) => tracing::warn!("websub: cannot ping {hub} for {url}: {e}"),
            }
        })
    });
    futures_util::future::join_all(pings).await;
}
