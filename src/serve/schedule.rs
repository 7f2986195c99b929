//! When each source is due: its own interval, jittered, backed off while it fails, and
//! raised (never lowered) by the freshness the source's server declares.
//!
//! A build runs as soon as any source is due and fetches only the sources due then (and
//! those coming due within [`BATCH`]); each fetched source's next due time is set from that
//! build's outcome, and the others keep theirs.

use std::collections::{BTreeSet, HashMap};
use std::time::Duration;

use rand::Rng;
use tokio::time::Instant;

use crate::config::Config;
use crate::pipeline::BuildReport;

/// Longest wait for a failing source.
pub(crate) const MAX_BACKOFF: Duration = Duration::from_secs(6 * 60 * 60);

/// Spread of the jitter: a due time moves by up to this fraction of the delay either way,
/// so sources with the same interval do not all come due at the same instant.
const JITTER: f64 = 0.1;

/// The wait before a source's next refresh after `failures` consecutive failures:
/// its interval, doubled per failure, never above [`MAX_BACKOFF`] (unless the interval
/// itself is longer, which then stands).
pub(crate) fn delay(interval: Duration, failures: u32) -> Duration {
    if failures == 0 {
        return interval;
    }
    let cap = MAX_BACKOFF.max(interval);
    let factor = 1u32.checked_shl(failures.min(31)).unwrap_or(u32::MAX);
    interval.checked_mul(factor).unwrap_or(cap).min(cap)
}

/// `d` moved by a random amount within ±[`JITTER`].
fn jittered(d: Duration, rng: &mut impl Rng) -> Duration {
    let f = rng.gen_range(1.0 - JITTER..=1.0 + JITTER);
    d.mul_f64(f)
}

/// Sources coming due this soon after a build starts are fetched by it too.
pub(crate) const BATCH: Duration = Duration::from_secs(1);

/// The per-source schedule.
#[derive(Debug, Default)]
pub(crate) struct Schedule {
    /// Source name → (refresh interval, next due time).
    due: HashMap<String, (Duration, Instant)>,
    /// Builds in a row that could not write their feeds.
    failed_builds: u32,
}

/// A source's refresh interval.
pub(crate) fn interval(cfg: &Config, name: &str) -> Duration {
    cfg.source(name)
        .and_then(|s| s.refresh)
        .unwrap_or(cfg.fetch.refresh)
}

/// The shortest refresh interval: how long a client may cache a served file.
pub(crate) fn shortest_interval(cfg: &Config) -> Duration {
    cfg.sources
        .iter()
        .map(|s| s.refresh.unwrap_or(cfg.fetch.refresh))
        .min()
        .unwrap_or(cfg.fetch.refresh)
}

impl Schedule {
    /// Every source of `cfg` due at `now` (a new config is built at once).
    pub(crate) fn new(cfg: &Config, now: Instant) -> Schedule {
        Schedule {
            due: cfg
                .sources
                .iter()
                .map(|s| (s.name.clone(), (interval(cfg, &s.name), now)))
                .collect(),
            failed_builds: 0,
        }
    }

    /// The sources due by `now`, with those coming due within [`BATCH`] after it, so
    /// sources due together are fetched in one build; the others are not fetched at all.
    pub(crate) fn due_sources(&self, now: Instant) -> BTreeSet<String> {
        self.due
            .iter()
            .filter(|(_, (_, at))| *at <= now + BATCH)
            .map(|(name, _)| name.clone())
            .collect()
    }

    /// When `name` is due next; `None` for a source not in the schedule.
    pub(crate) fn due_of(&self, name: &str) -> Option<Instant> {
        self.due.get(name).map(|(_, at)| *at)
    }

    /// The earliest due time; `None` when there is no source.
    pub(crate) fn next_due(&self) -> Option<Instant> {
        self.due.values().map(|(_, at)| *at).min()
    }

    /// Sets every source's next due time from a finished build's report.
    pub(crate) fn after_build(&mut self, report: &BuildReport, now: Instant, rng: &mut impl Rng) {
        self.failed_builds = 0;
        for s in &report.sources {
            if let Some((interval, at)) = self.due.get_mut(&s.name) {
                // A server that says its answer stays fresh longer than our interval is
                // asked less often; it never makes us ask more often.
                let fresh = Duration::from_secs(s.fetch.fresh_for_secs.unwrap_or(0));
                let polite = (*interval).max(fresh.min(MAX_BACKOFF));
                let wait = jittered(delay(polite, s.consecutive_failures), rng);
                *at = now + wait.min(MAX_BACKOFF.max(*interval));
            }
        }
        // A source the report does not mention (it should not happen) waits its interval.
        for (interval, at) in self.due.values_mut() {
            if *at <= now {
                *at = now + *interval;
            }
        }
    }

    /// After a build that found another one holding the store (nothing was fetched): the
    /// sources due stay due, tried again at `at`; no source is backed off.
    pub(crate) fn retry_at(&mut self, at: Instant) {
        for (_, due) in self.due.values_mut() {
            if *due < at {
                *due = at;
            }
        }
    }

    /// After a build that could not write its feeds: try again after the shortest
    /// interval, backed off like a failing source.
    pub(crate) fn after_failed_build(&mut self, now: Instant) {
        self.failed_builds = self.failed_builds.saturating_add(1);
        let shortest = self
            .due
            .values()
            .map(|(i, _)| *i)
            .min()
            .unwrap_or(Duration::from_secs(60));
        let at = now + delay(shortest, self.failed_builds);
        for (_, due) in self.due.values_mut() {
            *due = at;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn backoff_doubles_per_failure_up_to_six_hours() {
        let m15 = Duration::from_secs(15 * 60);
        assert_eq!(delay(m15, 0), m15);
        assert_eq!(delay(m15, 1), Duration::from_secs(30 * 60));
        assert_eq!(delay(m15, 3), Duration::from_secs(120 * 60));
        assert_eq!(delay(m15, 5), MAX_BACKOFF);
        assert_eq!(delay(m15, 400), MAX_BACKOFF);
    }

    #[test]
    fn an_interval_longer_than_the_cap_stands() {
        let d = Duration::from_secs(24 * 3600);
        assert_eq!(delay(d, 4), d);
    }

    #[test]
    fn jitter_stays_within_ten_percent() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        let d = Duration::from_secs(100);
        for _ in 0..1000 {
            let j = jittered(d, &mut rng);
            assert!(
                j >= Duration::from_secs(90) && j <= Duration::from_secs(110),
                "{j:?}"
            );
        }
    }
}

#[cfg(test)]
mod after_build_tests {
    use super::*;
    use crate::config::{Source, SourceUrl};
    use crate::fetch::FetchMeta;
    use crate::pipeline::{SourceReport, SourceStatus};
    use rand::SeedableRng;

    fn source(name: &str, refresh: Option<u64>) -> Source {
        Source {
            refresh: refresh.map(Duration::from_secs),
            ..Source::feed(name, SourceUrl::File(std::path::PathBuf::from("/x.rss")))
        }
    }

    fn line(name: &str, failures: u32) -> SourceReport {
        SourceReport {
            name: name.into(),
            url: "/x.rss".into(),
            status: if failures == 0 {
                SourceStatus::Ok
            } else {
                SourceStatus::Failed
            },
            error: None,
            items: 0,
            articles: 0,
            from_last_good: false,
            warnings: Vec::new(),
            fetch: FetchMeta::default(),
            last_success: None,
            consecutive_failures: failures,
            degraded_selectors: Vec::new(),
        }
    }

    #[test]
    fn each_source_waits_its_own_interval_and_a_failing_one_longer() {
        let mut cfg = Config::minimal(std::path::Path::new("/tmp"));
        cfg.fetch.refresh = Duration::from_secs(600);
        cfg.sources = vec![
            source("a", Some(60)),
            source("b", None),
            source("c", Some(60)),
        ];
        assert_eq!(shortest_interval(&cfg), Duration::from_secs(60));
        let now = Instant::now();
        let mut s = Schedule::new(&cfg, now);
        assert_eq!(s.next_due(), Some(now), "a new config builds at once");
        let report = BuildReport {
            out_dir: "/tmp/public".into(),
            sources: vec![line("a", 0), line("b", 0), line("c", 3)],
            articles: 0,
            feeds: 0,
            files_written: 0,
            files_unchanged: 0,
            output_errors: Vec::new(),
            output_warnings: Vec::new(),
            timings: Default::default(),
        };
        let mut rng = rand::rngs::StdRng::seed_from_u64(1);
        s.after_build(&report, now, &mut rng);
        let wait = |name: &str| s.due[name].1 - now;
        assert!((54..=66).contains(&wait("a").as_secs()), "{:?}", wait("a"));
        assert!(
            (540..=660).contains(&wait("b").as_secs()),
            "{:?}",
            wait("b")
        );
        assert!(
            (432..=528).contains(&wait("c").as_secs()),
            "8 × 60 s: {:?}",
            wait("c")
        );
        assert_eq!(s.next_due(), Some(s.due["a"].1));
    }

    #[test]
    fn only_the_sources_due_are_fetched() {
        let mut cfg = Config::minimal(std::path::Path::new("/tmp"));
        cfg.sources = vec![source("fast", Some(60)), source("slow", Some(3600))];
        let now = Instant::now();
        let mut s = Schedule::new(&cfg, now);
        assert_eq!(
            s.due_sources(now).len(),
            2,
            "a new config fetches every source"
        );
        let report = BuildReport {
            out_dir: "/tmp/public".into(),
            sources: vec![line("fast", 0), line("slow", 0)],
            articles: 0,
            feeds: 0,
            files_written: 0,
            files_unchanged: 0,
            output_errors: Vec::new(),
            output_warnings: Vec::new(),
            timings: Default::default(),
        };
        s.after_build(&report, now, &mut rand::rngs::StdRng::seed_from_u64(3));
        let later = now + Duration::from_secs(70);
        assert_eq!(s.due_sources(later), BTreeSet::from(["fast".to_string()]));
        assert!(s.due_sources(now + Duration::from_secs(10)).is_empty());
    }

    #[test]
    fn a_source_cache_lifetime_raises_its_interval_never_lowers_it() {
        let mut cfg = Config::minimal(std::path::Path::new("/tmp"));
        cfg.sources = vec![source("slow", Some(60)), source("eager", Some(600))];
        let now = Instant::now();
        let mut s = Schedule::new(&cfg, now);
        let mut slow = line("slow", 0);
        slow.fetch.fresh_for_secs = Some(3600);
        let mut eager = line("eager", 0);
        eager.fetch.fresh_for_secs = Some(10);
        let report = BuildReport {
            out_dir: "/tmp/public".into(),
            sources: vec![slow, eager],
            articles: 0,
            feeds: 0,
            files_written: 0,
            files_unchanged: 0,
            output_errors: Vec::new(),
            output_warnings: Vec::new(),
            timings: Default::default(),
        };
        s.after_build(&report, now, &mut rand::rngs::StdRng::seed_from_u64(7));
        let wait = |name: &str| (s.due[name].1 - now).as_secs();
        assert!(
            (3240..=3960).contains(&wait("slow")),
            "max-age=3600 raises 60 s: {}",
            wait("slow")
        );
        assert!(
            (540..=660).contains(&wait("eager")),
            "max-age=10 never lowers 600 s: {}",
            wait("eager")
        );
    }
}
