//! `/metrics` in the Prometheus text exposition format (version 0.0.4).
//!
//! Response counts are lock-free atomics (every request touches them); build facts change
//! once per build and sit behind a mutex that only builds and `/metrics` take.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use crate::pipeline::{BuildReport, SourceStatus};

/// Status codes counted individually (0..600); anything else counts as 0.
const STATUSES: usize = 600;

/// One source's figures from its last build.
#[derive(Debug, Clone)]
struct SourceFigures {
    name: String,
    last_success: Option<f64>,
    consecutive_failures: u32,
    articles: usize,
    duration: Duration,
    bytes: u64,
    up: bool,
}

/// A per-source metric: name, type, help, and how to read it from a source's figures.
type PerSource = (
    &'static str,
    &'static str,
    &'static str,
    fn(&SourceFigures) -> Option<f64>,
);

/// Facts that change once per build.
#[derive(Debug, Default)]
struct BuildFacts {
    sources: Vec<SourceFigures>,
    last_build_seconds: Option<f64>,
    last_build_timestamp: Option<f64>,
    builds_ok: u64,
    builds_failed: u64,
    feeds_served: usize,
    files_served: usize,
    config_reloads: u64,
    config_rejected: u64,
}

/// What the accept loop did with connections (see `listen`).
#[derive(Debug, Default)]
pub(crate) struct Connections {
    /// Held now.
    pub open: AtomicU64,
    /// Closed to make room at the cap (the longest idle).
    pub evicted: AtomicU64,
    /// Closed at once because every held connection was in a request.
    pub refused: AtomicU64,
    /// Closed for taking too long over a request head or sitting idle.
    pub timed_out: AtomicU64,
    /// Failed `accept` calls (EMFILE and the like).
    pub accept_errors: AtomicU64,
}

/// Everything `/metrics` shows.
#[derive(Debug)]
pub(crate) struct Metrics {
    responses: Vec<AtomicU64>,
    facts: Mutex<BuildFacts>,
    /// Connection counters, updated by the accept loop.
    pub connections: Connections,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics {
            responses: (0..STATUSES).map(|_| AtomicU64::new(0)).collect(),
            facts: Mutex::new(BuildFacts::default()),
            connections: Connections::default(),
        }
    }
}

impl Metrics {
    /// Counts one response.
    pub(crate) fn count(&self, status: u16) {
        let i = usize::from(status);
        let slot = self.responses.get(i).or_else(|| self.responses.first());
        if let Some(c) = slot {
            c.fetch_add(1, Ordering::Relaxed);
        }
    }

    fn facts(&self) -> std::sync::MutexGuard<'_, BuildFacts> {
        // A panic elsewhere while holding the lock leaves plain numbers behind: still usable.
        self.facts.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Records a finished build.
    pub(crate) fn build_done(&self, report: &BuildReport, took: Duration) {
        let mut f = self.facts();
        f.builds_ok += 1;
        f.last_build_seconds = Some(took.as_secs_f64());
        f.last_build_timestamp = Some(now_secs());
        // A build fetches only the sources that were due: the others keep their figures.
        let fresh: Vec<SourceFigures> = report
            .sources
            .iter()
            .map(|s| SourceFigures {
                name: s.name.clone(),
                last_success: s
                    .last_success
                    .as_deref()
                    .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
                    .map(|t| t.timestamp_millis() as f64 / 1000.0),
                consecutive_failures: s.consecutive_failures,
                articles: s.articles,
                duration: s.fetch.duration,
                bytes: s.fetch.bytes,
                up: matches!(s.status, SourceStatus::Ok | SourceStatus::NotModified),
            })
            .collect();
        for figures in fresh {
            match f.sources.iter_mut().find(|s| s.name == figures.name) {
                Some(old) => *old = figures,
                None => f.sources.push(figures),
            }
        }
    }

    /// Records a build that could not write its feeds.
    pub(crate) fn build_failed(&self, took: Duration) {
        let mut f = self.facts();
        f.builds_failed += 1;
        f.last_build_seconds = Some(took.as_secs_f64());
    }

    /// Records what is being served now.
    pub(crate) fn serving(&self, feeds: usize, files: usize) {
        let mut f = self.facts();
        f.feeds_served = feeds;
        f.files_served = files;
    }

    /// Forgets the figures of sources a config edit removed.
    pub(crate) fn keep_sources(&self, cfg: &crate::config::Config) {
        self.facts()
            .sources
            .retain(|s| cfg.source(&s.name).is_some());
    }

    /// Records a feeds.toml edit: applied or rejected.
    pub(crate) fn config_edit(&self, applied: bool) {
        let mut f = self.facts();
        if applied {
            f.config_reloads += 1;
        } else {
            f.config_rejected += 1;
        }
    }

    /// The exposition text.
    pub(crate) fn render(&self) -> String {
        let mut out = String::with_capacity(4096);
        {
            let f = self.facts();
            let per_source: [PerSource; 6] = [
                (
                    "feedmill_source_last_success_timestamp_seconds",
                    "gauge",
                    "Unix time of the source's last successful fetch.",
                    |s| s.last_success,
                ),
                (
                    "feedmill_source_consecutive_failures",
                    "gauge",
                    "Builds in a row in which the source failed.",
                    |s| Some(f64::from(s.consecutive_failures)),
                ),
                (
                    "feedmill_source_articles",
                    "gauge",
                    "Articles the source contributes to the feeds.",
                    |s| Some(s.articles as f64),
                ),
                (
                    "feedmill_source_fetch_duration_seconds",
                    "gauge",
                    "Wall time of the source's last fetch, retries included.",
                    |s| Some(s.duration.as_secs_f64()),
                ),
                (
                    "feedmill_source_fetch_bytes",
                    "gauge",
                    "Body bytes of the source's last fetch.",
                    |s| Some(s.bytes as f64),
                ),
                (
                    "feedmill_source_up",
                    "gauge",
                    "1 when the source's last fetch succeeded, else 0.",
                    |s| Some(if s.up { 1.0 } else { 0.0 }),
                ),
            ];
            for (name, kind, help, value) in per_source {
                header(&mut out, name, kind, help);
                for s in &f.sources {
                    if let Some(v) = value(s) {
                        let _ = writeln!(out, "{name}{{source=\"{}\"}} {v}", escape(&s.name));
                    }
                }
            }
            header(
                &mut out,
                "feedmill_build_duration_seconds",
                "gauge",
                "Wall time of the last build.",
            );
            if let Some(v) = f.last_build_seconds {
                let _ = writeln!(out, "feedmill_build_duration_seconds {v}");
            }
            header(
                &mut out,
                "feedmill_last_build_timestamp_seconds",
                "gauge",
                "Unix time the last successful build finished.",
            );
            if let Some(v) = f.last_build_timestamp {
                let _ = writeln!(out, "feedmill_last_build_timestamp_seconds {v}");
            }
            header(
                &mut out,
                "feedmill_builds_total",
                "counter",
                "Builds run, by result.",
            );
            let _ = writeln!(
                out,
                "feedmill_builds_total{{result=\"ok\"}} {}",
                f.builds_ok
            );
            let _ = writeln!(
                out,
                "feedmill_builds_total{{result=\"error\"}} {}",
                f.builds_failed
            );
            header(
                &mut out,
                "feedmill_feeds_served",
                "gauge",
                "RSS and Atom feeds being served.",
            );
            let _ = writeln!(out, "feedmill_feeds_served {}", f.feeds_served);
            header(
                &mut out,
                "feedmill_files_served",
                "gauge",
                "Files being served (feeds, OPML, index).",
            );
            let _ = writeln!(out, "feedmill_files_served {}", f.files_served);
            header(
                &mut out,
                "feedmill_config_reloads_total",
                "counter",
                "feeds.toml edits, by result.",
            );
            let _ = writeln!(
                out,
                "feedmill_config_reloads_total{{result=\"applied\"}} {}",
                f.config_reloads
            );
            let _ = writeln!(
                out,
                "feedmill_config_reloads_total{{result=\"rejected\"}} {}",
                f.config_rejected
            );
        }
        header(
            &mut out,
            "feedmill_http_responses_total",
            "counter",
            "HTTP responses sent, by status code.",
        );
        for (status, c) in self.responses.iter().enumerate() {
            let n = c.load(Ordering::Relaxed);
            if n > 0 {
                let _ = writeln!(
                    out,
                    "feedmill_http_responses_total{{status=\"{status}\"}} {n}"
                );
            }
        }
        let c = &self.connections;
        let read = |a: &AtomicU64| a.load(Ordering::Relaxed);
        header(
            &mut out,
            "feedmill_connections_open",
            "gauge",
            "HTTP connections held now.",
        );
        let _ = writeln!(out, "feedmill_connections_open {}", read(&c.open));
        header(
            &mut out,
            "feedmill_connections_closed_total",
            "counter",
            "Connections the server closed early, by reason: evicted (the longest idle, at the connection cap), refused (at the cap with every connection in a request), timeout (header-read or idle).",
        );
        for (reason, n) in [
            ("evicted", read(&c.evicted)),
            ("refused", read(&c.refused)),
            ("timeout", read(&c.timed_out)),
        ] {
            let _ = writeln!(
                out,
                "feedmill_connections_closed_total{{reason=\"{reason}\"}} {n}"
            );
        }
        header(
            &mut out,
            "feedmill_accept_errors_total",
            "counter",
            "Failed accepts (such as running out of file descriptors).",
        );
        let _ = writeln!(
            out,
            "feedmill_accept_errors_total {}",
            read(&c.accept_errors)
        );
        out
    }
}

fn header(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
}

/// Escapes a label value as the text format requires.
fn escape(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

fn now_secs() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(escape("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }

    #[test]
    fn responses_are_counted_by_status() {
        let m = Metrics::default();
        m.count(200);
        m.count(200);
        m.count(304);
        let text = m.render();
        assert!(text.contains("feedmill_http_responses_total{status=\"200\"} 2\n"));
        assert!(text.contains("feedmill_http_responses_total{status=\"304\"} 1\n"));
        assert!(!text.contains("status=\"404\""));
    }
}
