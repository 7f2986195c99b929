//! The fetcher seen as the scraper's [`PageSource`]: listing and article pages of an HTML
//! source go through the same limits, timeouts and caps as feeds, at most `per_host` at a
//! time per source.

use std::sync::{Arc, Mutex};

use tokio::sync::Semaphore;
use url::Url;

use crate::config::Source;
use crate::fetch::{FetchMeta, FetchOptions, FetchOutcome, Fetcher, Validators};
use crate::scrape::{Page, PageFuture, PageSource};

/// Pages of one HTML source, fetched politely; keeps fetch facts for the source's report.
pub struct FetcherPages {
    fetcher: Fetcher,
    opts: FetchOptions,
    permits: Arc<Semaphore>,
    meta: Mutex<FetchMeta>,
}

impl FetcherPages {
    /// Pages of `source`, at most `per_host` in flight, with the source's timeouts.
    pub fn new(fetcher: Fetcher, source: &Source, per_host: usize) -> FetcherPages {
        FetcherPages {
            fetcher,
            // Public addresses only, whatever the names resolve to, except the listing's
            // own configured origin (an operator may run the site locally).
            opts: FetchOptions::for_source(source),
            permits: Arc::new(Semaphore::new(per_host.max(1))),
            meta: Mutex::new(FetchMeta::default()),
        }
    }

    /// Bytes over every page, the first page's status, and every note.
    pub fn meta(&self) -> FetchMeta {
        self.meta.lock().map(|m| m.clone()).unwrap_or_default()
    }

    fn record(&self, meta: &FetchMeta) {
        if let Ok(mut m) = self.meta.lock() {
            m.bytes += meta.bytes;
            m.status = m.status.or(meta.status);
            m.notes.extend(meta.notes.iter().cloned());
            if m.permanent_redirect.is_none() && m.status == meta.status {
                m.permanent_redirect = meta.permanent_redirect.clone();
            }
        }
    }
}

impl PageSource for FetcherPages {
    fn get<'a>(&'a self, url: &'a Url) -> PageFuture<'a> {
        Box::pin(async move {
            let _permit = self
                .permits
                .acquire()
                .await
                .map_err(|e| format!("{url}: {e}"))?;
            match self
                .fetcher
                .fetch_url(url, &Validators::default(), &self.opts)
                .await
            {
                FetchOutcome::Fetched(f) => {
                    self.record(&f.meta);
                    Ok(Page {
                        body: f.body,
                        content_type: f.content_type,
                        final_url: f.final_url,
                    })
                }
                FetchOutcome::NotModified(meta) => {
                    self.record(&meta);
                    Err(format!("{url}: unexpected 304 Not Modified"))
                }
                FetchOutcome::Failed { message, meta } => {
                    self.record(&meta);
                    Err(message)
                }
            }
        })
    }
}
