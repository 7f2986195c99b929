//! The fetch stage: source bytes from http(s) URLs and local files.
//!
//! Good-citizen HTTP on reqwest: a global and a per-host concurrency limit, connect and
//! whole-request timeouts, retries with backoff and `Retry-After`, conditional GET, a cap
//! on (decompressed) body bytes, and redirects followed by hand so loops and permanent
//! moves are reported. Whatever a server does, the result is a [`FetchOutcome`]; nothing
//! here panics or hangs past the timeout.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use url::Url;

use crate::config::{Config, FetchCfg, Source, SourceKind, SourceUrl};

mod all;
mod decode;
mod file;
mod http;
mod net;
mod retry;

pub(crate) use file::read_regular;
pub use net::{is_internal, url_is_internal};
/// Conditional-GET validators kept per source between runs.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Validators {
    /// Last `ETag`.
    pub etag: Option<String>,
    /// Last `Last-Modified`.
    pub last_modified: Option<String>,
}

/// Facts about one fetch, whatever its outcome.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FetchMeta {
    /// Final HTTP status, if a response arrived.
    pub status: Option<u16>,
    /// Body bytes received (after decompression).
    pub bytes: u64,
    /// Wall time including retries.
    #[serde(with = "duration_ms")]
    pub duration: Duration,
    /// Set when a 301/308 moved the source: the URL to put in feeds.toml.
    pub permanent_redirect: Option<String>,
    /// Things worth telling the operator (retries, redirects).
    pub notes: Vec<String>,
    /// How long the server says its answer stays fresh (`Cache-Control: max-age`, or
    /// `Expires` minus `Date`), in seconds: a polite poller waits at least that long.
    #[serde(default)]
    pub fresh_for_secs: Option<u64>,
}

/// A body that arrived.
#[derive(Debug, Clone)]
pub struct Fetched {
    /// The (decompressed) body.
    pub body: Vec<u8>,
    /// `Content-Type` header.
    pub content_type: Option<String>,
    /// URL after redirects (a `file:` URL for local files).
    pub final_url: Url,
    /// Validators to send next time.
    pub validators: Validators,
    /// Facts.
    pub meta: FetchMeta,
}

/// The result of fetching one source.
#[derive(Debug, Clone)]
pub enum FetchOutcome {
    /// A new body.
    Fetched(Fetched),
    /// 304: the previous articles still stand.
    NotModified(FetchMeta),
    /// Nothing usable; `message` says why.
    Failed {
        /// Why, for the operator.
        message: String,
        /// Facts.
        meta: FetchMeta,
    },
}

/// `Accept` sent for feed sources.
pub const ACCEPT_FEED: &str = "application/rss+xml, application/atom+xml, application/feed+json, \
     application/xml;q=0.9, text/xml;q=0.9, application/json;q=0.8, */*;q=0.5";

/// `Accept` sent for HTML pages (listing and article pages of scraped sources).
pub const ACCEPT_HTML: &str = "text/html, application/xhtml+xml;q=0.9, */*;q=0.5";

/// Per-request settings that override `[fetch]` (a source's own timeouts, the scraper's
/// `Accept`). `None` keeps the `[fetch]` value.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FetchOptions {
    /// Whole-request timeout (per attempt, redirects and body included).
    pub timeout: Option<Duration>,
    /// Connect timeout.
    pub connect_timeout: Option<Duration>,
    /// `Accept` header; [`ACCEPT_FEED`] when `None`.
    pub accept: Option<String>,
    /// Connect only to public addresses: every hop (the URL and each redirect) whose
    /// origin is not in `internal_ok` is refused when it is an internal IP literal or
    /// `localhost`, and its host name is resolved with internal addresses dropped, so no
    /// name can lead into the local network either.
    pub public_only: bool,
    /// Origins (scheme, host, port) that may be internal even with `public_only`: the
    /// configured URL of a source, which the operator chose.
    pub internal_ok: Vec<url::Origin>,
}

impl FetchOptions {
    /// The options a source asks for: its timeout overrides, `Accept` by its kind, and
    /// public addresses only except for the source's own configured origin.
    pub fn for_source(source: &Source) -> FetchOptions {
        FetchOptions {
            timeout: source.timeout,
            connect_timeout: source.connect_timeout,
            public_only: true,
            internal_ok: vec![source.url.as_url().origin()],
            accept: Some(
                match source.kind {
                    SourceKind::Feed => ACCEPT_FEED,
                    SourceKind::Html => ACCEPT_HTML,
                }
                .to_string(),
            ),
        }
    }
}

/// An HTTP client configured from `[fetch]`. Cheap to clone: clones share the
/// connection pools.
#[derive(Debug, Clone)]
pub struct Fetcher {
    inner: Arc<Inner>,
    /// Base of the exponential backoff between retries.
    backoff: Duration,
}

#[derive(Debug)]
struct Inner {
    cfg: FetchCfg,
    user_agent: String,
    /// One client per connect timeout (reqwest sets that timeout per client, and a source
    /// may override it) and per reach: public only (internal addresses dropped by the
    /// resolver) or any address.
    clients: Mutex<HashMap<(Duration, bool), reqwest::Client>>,
    /// Names resolved without DNS.
    hosts: net::HostTable,
}

impl Fetcher {
    /// Builds the client (User-Agent, timeouts, limits) from `cfg`.
    pub fn new(cfg: &Config) -> Result<Fetcher, String> {
        let user_agent = cfg.fetch.user_agent.clone().unwrap_or_else(|| {
            format!(
                "feedmill/{} (+{})",
                env!("CARGO_PKG_VERSION"),
                cfg.site.base_url
            )
        });
        let fetcher = Fetcher {
            inner: Arc::new(Inner {
                cfg: cfg.fetch.clone(),
                user_agent,
                clients: Mutex::new(HashMap::new()),
                hosts: net::HostTable::default(),
            }),
            backoff: Duration::from_secs(1),
        };
        // Build the default client now so a bad User-Agent is reported before any fetch.
        fetcher.client(cfg.fetch.connect_timeout, true)?;
        Ok(fetcher)
    }

    /// The same fetcher resolving these names to these addresses without asking DNS (as
    /// `/etc/hosts` entries would); the internal-address rules apply to them as to any
    /// DNS answer. Tests use it to point names at 127.0.0.1.
    pub fn with_hosts(self, hosts: impl IntoIterator<Item = (String, Vec<IpAddr>)>) -> Fetcher {
        let table = hosts
            .into_iter()
            .map(|(name, ips)| (name.trim_end_matches('.').to_ascii_lowercase(), ips))
            .collect();
        Fetcher {
            inner: Arc::new(Inner {
                cfg: self.inner.cfg.clone(),
                user_agent: self.inner.user_agent.clone(),
                clients: Mutex::new(HashMap::new()),
                hosts: Arc::new(table),
            }),
            backoff: self.backoff,
        }
    }

    /// The same fetcher with another backoff base (default 1 s; the n-th retry waits
    /// about `base × 2^(n-1)`, ±50 % jitter). Tests use a short one.
    pub fn with_backoff(mut self, base: Duration) -> Fetcher {
        self.backoff = base;
        self
    }

    /// The `User-Agent` sent with every request.
    pub fn user_agent(&self) -> &str {
        &self.inner.user_agent
    }

    /// Fetches one source: its http(s) URL or its local file.
    pub async fn fetch(&self, source: &Source, validators: &Validators) -> FetchOutcome {
        match &source.url {
            SourceUrl::Http(url) => {
                let mut opts = FetchOptions::for_source(source);
                // A feed's configured URL may be internal; where its redirects may lead is
                // the operator's choice (default: public addresses only).
                opts.public_only = !self.cfg().allow_internal_redirects;
                self.fetch_http(url, validators, &opts).await
            }
            SourceUrl::File(path) => {
                let timeout = source.timeout.unwrap_or(self.cfg().timeout);
                file::fetch_file(path, self.cfg().max_bytes, timeout, validators).await
            }
        }
    }

    /// Fetches any http(s) URL (an article page for the scraper) under the same limits,
    /// retries and caps as sources. Pass `Validators::default()` for an unconditional GET.
    pub async fn fetch_url(
        &self,
        url: &Url,
        validators: &Validators,
        opts: &FetchOptions,
    ) -> FetchOutcome {
        match url.scheme() {
            "http" | "https" => self.fetch_http(url, validators, opts).await,
            "file" => match url.to_file_path() {
                Ok(path) => {
                    let timeout = opts.timeout.unwrap_or(self.cfg().timeout);
                    file::fetch_file(&path, self.cfg().max_bytes, timeout, validators).await
                }
                Err(()) => FetchOutcome::Failed {
                    message: format!("{url}: not a local file path"),
                    meta: FetchMeta::default(),
                },
            },
            other => FetchOutcome::Failed {
                message: format!("{url}: unsupported scheme {other:?} (http, https or file)"),
                meta: FetchMeta::default(),
            },
        }
    }

    fn cfg(&self) -> &FetchCfg {
        &self.inner.cfg
    }

    /// The client for `connect_timeout` that reaches public addresses only, or any, built
    /// on first use.
    fn client(
        &self,
        connect_timeout: Duration,
        public_only: bool,
    ) -> Result<reqwest::Client, String> {
        let mut clients = self
            .inner
            .clients
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(c) = clients.get(&(connect_timeout, public_only)) {
            return Ok(c.clone());
        }
        let resolver = net::Resolver {
            hosts: self.inner.hosts.clone(),
            public_only,
        };
        let client = reqwest::Client::builder()
            .user_agent(self.inner.user_agent.as_str())
            .connect_timeout(connect_timeout)
            .dns_resolver(Arc::new(resolver))
            // Redirects and decompression are ours: see `http` and `decode`.
            .redirect(reqwest::redirect::Policy::none())
            .no_gzip()
            .no_brotli()
            .no_deflate()
            .pool_idle_timeout(Duration::from_secs(30))
            .build()
            .map_err(|e| format!("cannot build the HTTP client (check fetch.user_agent): {e}"))?;
        clients.insert((connect_timeout, public_only), client.clone());
        Ok(client)
    }
}

mod duration_ms {
    use serde::{Deserialize, Deserializer, Serializer};
    use std::time::Duration;

    pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(d.as_millis() as u64)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        Ok(Duration::from_millis(u64::deserialize(d)?))
    }
}
