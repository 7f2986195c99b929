//! Pages fetched while discovering, through the build's fetcher (its timeouts, size caps,
//! retries and redirect checks), one at a time, each at most once: the inspection that
//! ends `feedmill add` reads the cached pages instead of asking the site again.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use url::Url;

use crate::fetch::{FetchOptions, FetchOutcome, Fetcher, Validators};
use crate::scrape::{Page, PageFuture, PageSource};

/// `Accept` for an address that may be a feed or a page.
pub const ACCEPT_ANY: &str = "text/html, application/xhtml+xml, application/rss+xml, \
     application/atom+xml, application/feed+json, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5";

/// A fetcher that remembers what it fetched and counts its requests.
#[derive(Debug)]
pub struct Probe {
    fetcher: Fetcher,
    cache: Mutex<HashMap<Url, Result<Page, String>>>,
    requests: AtomicUsize,
}

impl Probe {
    /// Fetches through `fetcher`.
    pub fn new(fetcher: Fetcher) -> Probe {
        Probe {
            fetcher,
            cache: Mutex::new(HashMap::new()),
            requests: AtomicUsize::new(0),
        }
    }

    /// Requests sent so far.
    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::Relaxed)
    }

    /// Whether `url` was fetched already.
    pub fn seen(&self, url: &Url) -> bool {
        self.cache
            .lock()
            .map(|c| c.contains_key(url))
            .unwrap_or(false)
    }

    /// `url`'s page, from the cache or fetched with `accept`. A redirect to an internal
    /// address from a public one is refused, as for a scraped site's pages.
    pub async fn get(&self, url: &Url, accept: &str) -> Result<Page, String> {
        if let Some(hit) = self.cache.lock().ok().and_then(|c| c.get(url).cloned()) {
            return hit;
        }
        self.requests.fetch_add(1, Ordering::Relaxed);
        // The address asked for may be internal (the operator's own, or one its public page
        // was checked to lead to); its redirects may not lead anywhere else inside.
        let opts = FetchOptions {
            accept: Some(accept.to_string()),
            public_only: true,
            internal_ok: vec![url.origin()],
            ..FetchOptions::default()
        };
        let result = match self
            .fetcher
            .fetch_url(url, &Validators::default(), &opts)
            .await
        {
            FetchOutcome::Fetched(f) => Ok(Page {
                body: f.body,
                content_type: f.content_type,
                final_url: f.final_url,
            }),
            FetchOutcome::NotModified(_) => Err(format!("{url}: unexpected 304 Not Modified")),
            FetchOutcome::Failed { message, .. } => Err(message),
        };
        if let Ok(mut c) = self.cache.lock() {
            c.insert(url.clone(), result.clone());
        }
        result
    }
}

impl PageSource for Probe {
    fn get<'a>(&'a self, url: &'a Url) -> PageFuture<'a> {
        Box::pin(Probe::get(self, url, crate::fetch::ACCEPT_HTML))
    }
}
