//! Fetching every source at once, within the global and per-host limits.

use std::collections::HashMap;
use std::io::IsTerminal;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use indicatif::{ProgressBar, ProgressStyle};
use tokio::sync::Semaphore;

use super::{FetchMeta, FetchOutcome, Fetcher, Validators};
use crate::config::{Source, SourceUrl};

impl Fetcher {
    /// Fetches every source, at most `fetch.concurrency` at a time overall and
    /// `fetch.per_host` at a time per host, and returns `(source name, outcome)` in source
    /// order. `validators` maps source names to what their last fetch returned.
    ///
    /// With `progress` and a terminal on stderr, a progress bar shows sources done and
    /// failures; each failure and permanent redirect is logged at debug level only (the
    /// build report carries them to the operator once).
    pub async fn fetch_all(
        &self,
        sources: &[Source],
        validators: &HashMap<String, Validators>,
        progress: bool,
    ) -> Vec<(String, FetchOutcome)> {
        let global = Arc::new(Semaphore::new(self.cfg().concurrency.max(1)));
        let mut hosts: HashMap<String, Arc<Semaphore>> = HashMap::new();
        let bar = (progress && std::io::stderr().is_terminal()).then(|| {
            let style = ProgressStyle::with_template(
                "{spinner} fetching [{bar:30}] {pos}/{len} sources {msg} ({elapsed})",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> ");
            ProgressBar::new(sources.len() as u64).with_style(style)
        });
        let failures = Arc::new(AtomicUsize::new(0));
        let mut tasks = Vec::with_capacity(sources.len());
        for source in sources {
            // Sources of one host wait on the host first and only then take a global
            // permit, so a crowd of same-host sources never holds every global permit.
            let host = match &source.url {
                SourceUrl::Http(u) => u.host_str().map(|h| {
                    let h = h.to_ascii_lowercase();
                    hosts
                        .entry(h)
                        .or_insert_with(|| Arc::new(Semaphore::new(self.cfg().per_host.max(1))))
                        .clone()
                }),
                SourceUrl::File(_) => None,
            };
            let fetcher = self.clone();
            let source = source.clone();
            let previous = validators.get(&source.name).cloned().unwrap_or_default();
            let global = global.clone();
            let bar = bar.clone();
            let failures = failures.clone();
            tasks.push(tokio::spawn(async move {
                let _host_permit = match &host {
                    Some(h) => h.acquire().await.ok(),
                    None => None,
                };
                let _permit = global.acquire().await.ok();
                let outcome = fetcher.fetch(&source, &previous).await;
                report(&source.name, &outcome, bar.as_ref(), &failures);
                outcome
            }));
        }
        let mut out = Vec::with_capacity(sources.len());
        for (source, task) in sources.iter().zip(tasks) {
            let outcome = task.await.unwrap_or_else(|e| FetchOutcome::Failed {
                message: format!("{}: fetch task failed: {e}", source.url),
                meta: FetchMeta::default(),
            });
            out.push((source.name.clone(), outcome));
        }
        if let Some(bar) = bar {
            bar.finish_and_clear();
        }
        out
    }
}

/// Logs one source's result and advances the bar.
fn report(name: &str, outcome: &FetchOutcome, bar: Option<&ProgressBar>, failures: &AtomicUsize) {
    // Debug only: failures and moves are in the build report, which `build` prints and
    // `serve` logs, one line each; a warning here printed every failure twice.
    let log = || match outcome {
        FetchOutcome::Failed { message, .. } => {
            tracing::debug!(source = name, "fetch failed: {message}");
        }
        FetchOutcome::Fetched(f) => {
            if let Some(new) = &f.meta.permanent_redirect {
                tracing::debug!(
                    source = name,
                    "moved permanently to {new}: update feeds.toml"
                );
            }
            tracing::debug!(source = name, bytes = f.meta.bytes, "fetched");
        }
        FetchOutcome::NotModified(_) => tracing::debug!(source = name, "not modified"),
    };
    let failed = matches!(outcome, FetchOutcome::Failed { .. });
    let total_failed = if failed {
        failures.fetch_add(1, Ordering::Relaxed) + 1
    } else {
        failures.load(Ordering::Relaxed)
    };
    match bar {
        Some(bar) => {
            bar.suspend(log);
            if total_failed > 0 {
                bar.set_message(format!("· {total_failed} failed"));
            }
            bar.inc(1);
        }
        None => log(),
    }
}
