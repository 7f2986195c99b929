//! What the log says about builds, sources and config edits, at the levels an operator
//! reads (see the `serve` module docs): one line per change, each with an `event` field and
//! the facts as fields for `--log-format json`, and a message that reads whole without them.

use std::time::Duration;

use super::status::{Change, Health};
use crate::config::Config;
use crate::pipeline;

/// Which build a summary line is about.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Summary {
    /// The first build after the server started.
    Startup,
    /// The first build after an applied config edit.
    AfterEdit,
}

/// The log line summing up a build, in the words of `feedmill build`'s last line.
pub(crate) fn log_summary(kind: Summary, report: &pipeline::BuildReport, took: Duration) {
    let which = match kind {
        Summary::Startup => "first build",
        Summary::AfterEdit => "build after the edit",
    };
    let failed = report.failures().count();
    let degraded = report.problems().count() - failed;
    tracing::info!(
        event = "build_summary",
        articles = report.articles,
        sources = report.sources.len(),
        failed,
        degraded,
        feeds = report.feeds,
        files_written = report.files_written,
        files_unchanged = report.files_unchanged,
        seconds = took.as_secs_f64(),
        "{which}: {} articles from {} sources ({failed} failed, {degraded} degraded) → {} feeds \
         ({} files written, {} unchanged) in {:.1}s",
        report.articles,
        report.sources.len(),
        report.feeds,
        report.files_written,
        report.files_unchanged,
        took.as_secs_f64()
    );
}

/// Logs one change of a source's health: starting to fail and recovering at the default
/// level (warn, info), failing again the same way as a debug line only.
pub(crate) fn log_change(c: &Change) {
    // A source that has just started failing has failed once: only longer runs are said.
    let in_a_row = |n: u32| match n {
        0 | 1 => String::new(),
        n => format!(" ({n} failures in a row)"),
    };
    let verb = |h: Health| {
        if h == Health::Degraded {
            "is degraded"
        } else {
            "is failing"
        }
    };
    match c {
        Change::Failing {
            name,
            url,
            health,
            error,
            failures,
        }
        | Change::FailingDifferently {
            name,
            url,
            health,
            error,
            failures,
        } => {
            let how = match c {
                Change::Failing { .. } => format!("{}: {error}", verb(*health)),
                _ => format!(
                    "still {}, now: {error}",
                    verb(*health).trim_start_matches("is ")
                ),
            };
            tracing::warn!(
                event = "source_failing",
                source = %name,
                url = %url,
                health = health.word(),
                error = %error,
                consecutive_failures = failures,
                "source {name} ({url}) {how}{}",
                in_a_row(*failures)
            )
        }
        Change::FailingAgain {
            name,
            error,
            failures,
        } => tracing::debug!(
            source = %name,
            "source {name} failed again: {error}{}",
            in_a_row(*failures)
        ),
        Change::Recovered {
            name,
            url,
            failures,
            last_error,
        } => {
            let after = match failures {
                0 => "is fine again".to_string(),
                1 => "recovered after 1 failed fetch".to_string(),
                n => format!("recovered after {n} failed fetches"),
            };
            tracing::info!(
                event = "source_recovered",
                source = %name,
                url = %url,
                last_error = %last_error,
                "source {name} ({url}) {after}; the last error was: {last_error}"
            );
        }
        Change::Moved { name, to } => tracing::warn!(
            event = "source_moved",
            source = %name,
            to = %to,
            "source {name} moved permanently to {to}; update its url in feeds.toml"
        ),
    }
}

/// Which sources an edit added, removed or changed, by name.
pub(crate) struct SourceDiff {
    /// New names.
    pub added: Vec<String>,
    /// Names no longer there.
    pub removed: Vec<String>,
    /// Names whose entry differs.
    pub changed: Vec<String>,
}

impl SourceDiff {
    /// The difference between the config served and the edited one.
    pub(crate) fn new(old: &Config, new: &Config) -> SourceDiff {
        let mut d = SourceDiff {
            added: Vec::new(),
            removed: Vec::new(),
            changed: Vec::new(),
        };
        for s in &new.sources {
            match old.source(&s.name) {
                None => d.added.push(s.name.clone()),
                // `Source` has no `PartialEq`; its `Debug` form holds every field.
                Some(o) if format!("{o:?}") != format!("{s:?}") => d.changed.push(s.name.clone()),
                Some(_) => {}
            }
        }
        for s in &old.sources {
            if new.source(&s.name).is_none() {
                d.removed.push(s.name.clone());
            }
        }
        d
    }
}

impl std::fmt::Display for SourceDiff {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let parts: Vec<String> = [
            ("added", &self.added),
            ("removed", &self.removed),
            ("changed", &self.changed),
        ]
        .iter()
        .filter(|(_, names)| !names.is_empty())
        .map(|(what, names)| format!("{what}: {}", names.join(", ")))
        .collect();
        if parts.is_empty() {
            f.write_str("no source changed")
        } else {
            f.write_str(&parts.join("; "))
        }
    }
}
