//! One source's outcome settled: what a build reports of it and what it writes to the
//! store, from what was fetched and read.

use chrono::{DateTime, Utc};

use super::process::{Processed, Reading};
use super::{SourceReport, SourceStatus};
use crate::config::Source;
use crate::store::{SourceArticles, SourceState, SourceUpdate};

/// Turns what one source gave into its report and its part of the store update; whenever
/// this build got nothing usable from the source, its stored articles stay as they are.
/// The flag says the document was the same as last time (not read again).
pub(super) fn settle_source(
    source: &Source,
    processed: Processed,
    previous: SourceState,
    now: DateTime<Utc>,
) -> (SourceReport, SourceUpdate, bool) {
    let mut next = previous;
    let Processed { fetch, reading } = processed;
    let mut report = SourceReport {
        name: source.name.clone(),
        url: source.url.to_string(),
        status: SourceStatus::Ok,
        error: None,
        items: 0,
        articles: 0,
        from_last_good: false,
        warnings: Vec::new(),
        fetch,
        last_success: None,
        consecutive_failures: 0,
        degraded_selectors: Vec::new(),
    };
    let had_good = next.last_success.is_some();
    let mut same_document = false;
    let articles = match reading {
        Reading::Read(Ok(read), validators, hash) => {
            report.items = read.items;
            report.warnings = read.warnings;
            report.degraded_selectors = read.degraded_selectors;
            if read.articles.is_empty() {
                // An answer with nothing in it is a broken source, not an empty one.
                report.status = SourceStatus::Degraded;
                report.error = Some(
                    read.degraded
                        .unwrap_or_else(|| "the source gave no articles".into()),
                );
                report.from_last_good = had_good;
                next.last_error = report.error.clone();
                next.consecutive_failures += 1;
                SourceArticles::Kept
            } else {
                if let Some(why) = read.degraded {
                    report.status = SourceStatus::Degraded;
                    report.error = Some(why);
                }
                if let Some(v) = validators {
                    next.validators = v;
                }
                next.body_hash = hash;
                next.last_success = Some(now);
                next.last_error = report.error.clone();
                next.consecutive_failures = 0;
                SourceArticles::Fresh(read.articles)
            }
        }
        Reading::Read(Err(message), ..) | Reading::Failed(message) => {
            report.status = SourceStatus::Failed;
            report.error = Some(message.clone());
            report.from_last_good = had_good;
            next.last_error = Some(message);
            next.consecutive_failures += 1;
            SourceArticles::Kept
        }
        Reading::Same { not_modified } => {
            if not_modified {
                report.status = SourceStatus::NotModified;
                report.from_last_good = true;
            } else {
                same_document = true;
            }
            next.last_success = Some(now);
            next.last_error = None;
            next.consecutive_failures = 0;
            SourceArticles::Seen
        }
    };
    // Stages word their warnings for themselves; the report names the source once.
    let prefix = format!("source {}: ", source.name);
    for w in &mut report.warnings {
        if !w.starts_with(&prefix) {
            w.insert_str(0, &prefix);
        }
    }
    report.last_success = next.last_success.map(|t| t.to_rfc3339());
    report.consecutive_failures = next.consecutive_failures;
    next.last_status = report.fetch.status;
    next.bytes = report.fetch.bytes;
    next.duration_ms = u64::try_from(report.fetch.duration.as_millis()).unwrap_or(u64::MAX);
    let update = SourceUpdate {
        name: source.name.clone(),
        state: next,
        articles,
    };
    (report, update, same_document)
}
