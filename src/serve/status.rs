//! What `/status` and `/status.json` show, and what the log says when it changes.
//!
//! The worker records every build, failed build and config edit here; the handlers render
//! the record (see `status_page`). Every value shown is a fact recorded when it happened —
//! nothing is computed from the clock at request time — so two requests with no build or
//! edit between them get the same bytes, and sources are listed in the config's order.
//!
//! [`Status::build_done`] also compares each source with its previous record and returns
//! the [`Change`]s the log reports: a source that starts failing (or is degraded), fails
//! with a different error, recovers, or is moved permanently by its server. A source that
//! fails again the same way is a debug line only, so each failure is printed once.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use axum::body::Bytes;
use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::config::{Config, ConfigError, SourceKind};
use crate::pipeline::{BuildReport, SourceStatus};
use crate::scrape::SelectorCount;

/// Warnings of a source's last fetch shown by text; the rest are counted.
pub(crate) const WARNINGS_SHOWN: usize = 5;

/// A source's health as the status shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum Health {
    /// Not fetched since the server started or the source was added.
    Pending,
    /// Its last fetch was read.
    Ok,
    /// Its server said 304 (or sent the same document): the stored articles stand.
    NotModified,
    /// It answered, but something is wrong (a selector matching nothing, no article).
    Degraded,
    /// Its last fetch gave nothing usable.
    Failed,
}

impl Health {
    fn from_report(s: SourceStatus) -> Health {
        match s {
            SourceStatus::Ok => Health::Ok,
            SourceStatus::NotModified => Health::NotModified,
            SourceStatus::Degraded => Health::Degraded,
            SourceStatus::Failed => Health::Failed,
        }
    }

    /// Whether the operator should look at it.
    pub(crate) fn is_problem(self) -> bool {
        matches!(self, Health::Degraded | Health::Failed)
    }

    /// The word shown on the page.
    pub(crate) fn word(self) -> &'static str {
        match self {
            Health::Pending => "pending",
            Health::Ok => "ok",
            Health::NotModified => "not modified",
            Health::Degraded => "degraded",
            Health::Failed => "failed",
        }
    }
}

/// An error and when it was seen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct SeenError {
    /// When (RFC 3339, seconds, UTC).
    pub at: String,
    /// The text, as the fetcher, reader or scraper worded it (it may quote the source's
    /// server: the page escapes it).
    pub message: String,
}

/// One source on the page.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct SourceEntry {
    /// `[[source]] name`.
    pub name: String,
    /// `feed` or `html`.
    pub kind: &'static str,
    /// Where it is read from.
    pub url: String,
    /// Its health after its last fetch.
    pub health: Health,
    /// When its last fetch finished.
    pub last_fetch: Option<String>,
    /// Its last fetch that was read (kept in the store across restarts).
    pub last_success: Option<String>,
    /// The last error seen since the server started; kept after a recovery, so the page
    /// says what went wrong last.
    pub last_error: Option<SeenError>,
    /// Failed fetches in a row (0 once it recovers).
    pub consecutive_failures: u32,
    /// When it is fetched next (backed off while it fails).
    pub next_refresh: Option<String>,
    /// Articles it contributes to the feeds.
    pub articles: Option<usize>,
    /// The HTTP status of its last fetch.
    pub http_status: Option<u16>,
    /// Selectors (of an HTML source) that matched on fewer pages than they were tried on.
    pub degraded_selectors: Vec<SelectorCount>,
    /// Warnings of its last fetch.
    pub warnings: usize,
    /// The first [`WARNINGS_SHOWN`] of them.
    pub first_warnings: Vec<String>,
    /// The address its server moved it to permanently (update feeds.toml).
    pub moved_to: Option<String>,
}

/// The last edit of feeds.toml the server saw.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Edit {
    /// When it was seen.
    pub at: String,
    /// Whether it was applied; a refused edit leaves the previous config serving.
    pub applied: bool,
    /// What was wrong with a refused edit: file, line and column each.
    pub errors: Vec<String>,
}

/// The config being served.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct ConfigState {
    /// The file.
    pub path: String,
    /// When the config being served was loaded (at start or by the last applied edit).
    pub loaded: String,
    /// Its sources.
    pub sources: usize,
    /// The last edit seen, applied or refused.
    pub last_edit: Option<Edit>,
}

/// The last build.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct BuildState {
    /// When it finished.
    pub finished: String,
    /// Its wall time, in milliseconds.
    pub took_ms: u64,
    /// Whether it wrote its feeds.
    pub ok: bool,
    /// Why it could not, when it could not.
    pub error: Option<String>,
    /// Sources it fetched (only the ones due).
    pub sources_fetched: usize,
    /// Articles in the feeds.
    pub articles: usize,
    /// Feeds planned.
    pub feeds: usize,
    /// Files rewritten.
    pub files_written: usize,
    /// Files left as they were.
    pub files_unchanged: usize,
    /// Parts of the output that could not be written.
    pub output_errors: Vec<String>,
}

/// Everything the page shows.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct State {
    /// feedmill's version.
    pub version: &'static str,
    /// When the server started.
    pub started: String,
    /// The config.
    pub config: ConfigState,
    /// Builds finished since the start, and builds that could not write their feeds.
    pub builds_ok: u64,
    /// See `builds_ok`.
    pub builds_failed: u64,
    /// The last build.
    pub last_build: Option<BuildState>,
    /// Every source, in the config's order.
    pub sources: Vec<SourceEntry>,
}

/// Something the log reports about a source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Change {
    /// It was fine (or not fetched yet) and now fails or is degraded.
    Failing {
        name: String,
        url: String,
        health: Health,
        error: String,
        failures: u32,
    },
    /// It still fails, with another error.
    FailingDifferently {
        name: String,
        url: String,
        health: Health,
        error: String,
        failures: u32,
    },
    /// It fails again the same way (a debug line).
    FailingAgain {
        name: String,
        error: String,
        failures: u32,
    },
    /// It failed and is fine again.
    Recovered {
        name: String,
        url: String,
        failures: u32,
        last_error: String,
    },
    /// Its server answered with a permanent redirect (said once per new address).
    Moved { name: String, to: String },
}

/// The record, and the token that guards it.
#[derive(Debug)]
pub(crate) struct Status {
    /// SHA-256 of `FEEDMILL_STATUS_TOKEN`, when one is set. Comparing digests keeps the
    /// comparison constant-time in the token's length too.
    token: Option<[u8; 32]>,
    inner: Mutex<Inner>,
}

/// The record and, once asked for, its rendering.
#[derive(Debug)]
struct Inner {
    state: State,
    /// Rendered at the first request after a change and served until the next change:
    /// a client asking again and again costs a copy of a reference, not a rendering.
    pages: Option<Pages>,
}

/// The page and the JSON of one record.
#[derive(Debug, Clone)]
pub(crate) struct Pages {
    /// `/status`.
    pub html: Bytes,
    /// `/status.json`.
    pub json: Bytes,
}

/// Now, as the page writes instants: RFC 3339, whole seconds, UTC.
pub(crate) fn stamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn kind_word(k: SourceKind) -> &'static str {
    match k {
        SourceKind::Feed => "feed",
        SourceKind::Html => "html",
    }
}

fn entries(cfg: &Config, old: &[SourceEntry]) -> Vec<SourceEntry> {
    let old: HashMap<&str, &SourceEntry> = old.iter().map(|e| (e.name.as_str(), e)).collect();
    cfg.sources
        .iter()
        .map(|s| {
            let url = s.url.to_string();
            match old.get(s.name.as_str()) {
                // The same source at the same address keeps its record across an edit.
                Some(e) if e.url == url => SourceEntry {
                    kind: kind_word(s.kind),
                    ..(*e).clone()
                },
                _ => SourceEntry {
                    name: s.name.clone(),
                    kind: kind_word(s.kind),
                    url,
                    health: Health::Pending,
                    last_fetch: None,
                    last_success: None,
                    last_error: None,
                    consecutive_failures: 0,
                    next_refresh: None,
                    articles: None,
                    http_status: None,
                    degraded_selectors: Vec::new(),
                    warnings: 0,
                    first_warnings: Vec::new(),
                    moved_to: None,
                },
            }
        })
        .collect()
}

impl Status {
    /// A record of `cfg` with every source pending; `token` guards the page when given.
    pub(crate) fn new(cfg: &Config, token: Option<&[u8]>) -> Status {
        let now = stamp(Utc::now());
        Status {
            token: token.map(|t| Sha256::digest(t).into()),
            inner: Mutex::new(Inner {
                pages: None,
                state: State {
                    version: env!("CARGO_PKG_VERSION"),
                    started: now.clone(),
                    config: ConfigState {
                        path: cfg.path.display().to_string(),
                        loaded: now,
                        sources: cfg.sources.len(),
                        last_edit: None,
                    },
                    builds_ok: 0,
                    builds_failed: 0,
                    last_build: None,
                    sources: entries(cfg, &[]),
                },
            }),
        }
    }

    fn inner(&self) -> MutexGuard<'_, Inner> {
        // A panic elsewhere while holding the lock leaves plain data behind: still usable.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The record, to change: its rendering is dropped.
    fn change(&self) -> MutexGuard<'_, Inner> {
        let mut g = self.inner();
        g.pages = None;
        g
    }

    /// The rendering of the current record: `render`ed once per change.
    pub(crate) fn pages(&self, render: impl FnOnce(&State) -> Pages) -> Pages {
        let mut g = self.inner();
        if let Some(p) = &g.pages {
            return p.clone();
        }
        let p = render(&g.state);
        g.pages = Some(p.clone());
        p
    }

    /// Whether a token guards the page.
    pub(crate) fn protected(&self) -> bool {
        self.token.is_some()
    }

    /// Whether `given` is the token (always true when none is set). Constant-time: both
    /// sides are hashed and the digests compared with `subtle`.
    pub(crate) fn token_matches(&self, given: &[u8]) -> bool {
        use subtle::ConstantTimeEq;
        match &self.token {
            None => true,
            Some(want) => {
                let got: [u8; 32] = Sha256::digest(given).into();
                bool::from(got.ct_eq(want))
            }
        }
    }

    /// Records an applied edit: the new config's sources (those kept at the same address
    /// keep their record).
    pub(crate) fn config_applied(&self, cfg: &Config) {
        let mut g = self.change();
        let s = &mut g.state;
        let now = stamp(Utc::now());
        s.config.path = cfg.path.display().to_string();
        s.config.loaded = now.clone();
        s.config.sources = cfg.sources.len();
        s.config.last_edit = Some(Edit {
            at: now,
            applied: true,
            errors: Vec::new(),
        });
        s.sources = entries(cfg, &s.sources);
    }

    /// Records a refused edit and its problems; the previous config keeps serving.
    pub(crate) fn config_refused(&self, errors: &[ConfigError]) {
        self.change().state.config.last_edit = Some(Edit {
            at: stamp(Utc::now()),
            applied: false,
            errors: errors.iter().map(ToString::to_string).collect(),
        });
    }

    /// Records a build that could not write its feeds; every source is tried again when
    /// `next` says (the whole build backs off).
    pub(crate) fn build_failed(
        &self,
        error: &str,
        took: Duration,
        next: impl Fn(&str) -> Option<DateTime<Utc>>,
    ) {
        let mut g = self.change();
        let s = &mut g.state;
        for e in &mut s.sources {
            e.next_refresh = next(&e.name).map(stamp);
        }
        s.builds_failed += 1;
        s.last_build = Some(BuildState {
            finished: stamp(Utc::now()),
            took_ms: millis(took),
            ok: false,
            error: Some(error.to_string()),
            sources_fetched: 0,
            articles: 0,
            feeds: 0,
            files_written: 0,
            files_unchanged: 0,
            output_errors: Vec::new(),
        });
    }

    /// Records a finished build: each source it fetched, with `next` telling when that
    /// source is due again. Returns what changed, for the log.
    pub(crate) fn build_done(
        &self,
        report: &BuildReport,
        took: Duration,
        next: impl Fn(&str) -> Option<DateTime<Utc>>,
    ) -> Vec<Change> {
        let now = Utc::now();
        let mut g = self.change();
        let s = &mut g.state;
        s.builds_ok += 1;
        s.last_build = Some(BuildState {
            finished: stamp(now),
            took_ms: millis(took),
            ok: true,
            error: None,
            sources_fetched: report.sources.len(),
            articles: report.articles,
            feeds: report.feeds,
            files_written: report.files_written,
            files_unchanged: report.files_unchanged,
            output_errors: report.output_errors.clone(),
        });
        let mut changes = Vec::new();
        for r in &report.sources {
            let Some(e) = s.sources.iter_mut().find(|e| e.name == r.name) else {
                continue;
            };
            let before = e.health;
            let before_failures = e.consecutive_failures;
            let before_error = e.last_error.as_ref().map(|x| x.message.clone());
            let health = Health::from_report(r.status);
            e.health = health;
            e.last_fetch = Some(stamp(now));
            e.last_success = r
                .last_success
                .as_deref()
                .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
                .map(|t| stamp(t.with_timezone(&Utc)));
            e.consecutive_failures = r.consecutive_failures;
            e.next_refresh = next(&r.name).map(stamp);
            e.articles = Some(r.articles);
            e.http_status = r.fetch.status;
            e.degraded_selectors = r.degraded_selectors.clone();
            e.warnings = r.warnings.len();
            e.first_warnings = r.warnings.iter().take(WARNINGS_SHOWN).cloned().collect();
            if health.is_problem() {
                let error = r.error.clone().unwrap_or_else(|| health.word().to_string());
                e.last_error = Some(SeenError {
                    at: stamp(now),
                    message: error.clone(),
                });
                let (name, url, failures) = (r.name.clone(), r.url.clone(), r.consecutive_failures);
                changes.push(if !before.is_problem() {
                    Change::Failing {
                        name,
                        url,
                        health,
                        error,
                        failures,
                    }
                } else if before_error.as_deref() != Some(error.as_str()) {
                    Change::FailingDifferently {
                        name,
                        url,
                        health,
                        error,
                        failures,
                    }
                } else {
                    Change::FailingAgain {
                        name,
                        error,
                        failures,
                    }
                });
            } else if before.is_problem() {
                changes.push(Change::Recovered {
                    name: r.name.clone(),
                    url: r.url.clone(),
                    failures: before_failures,
                    last_error: before_error.unwrap_or_default(),
                });
            }
            match &r.fetch.permanent_redirect {
                Some(to) if e.moved_to.as_deref() != Some(to.as_str()) => {
                    e.moved_to = Some(to.clone());
                    changes.push(Change::Moved {
                        name: r.name.clone(),
                        to: to.clone(),
                    });
                }
                Some(_) => {}
                None if health == Health::Ok => e.moved_to = None,
                None => {}
            }
        }
        changes
    }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}
