//! The fetch stage: source bytes from http(s) URLs and local files.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use url::Url;

use crate::config::{Config, Source};

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

/// An HTTP client configured from `[fetch]`.
#[derive(Debug, Clone)]
pub struct Fetcher {
    client: reqwest::Client,
}

impl Fetcher {
    /// Builds the client (User-Agent, timeouts, limits) from `cfg`.
    pub fn new(cfg: &Config) -> Result<Fetcher, String> {
        let _ = cfg;
        let client = reqwest::Client::builder()
            .build()
            .map_err(|e| e.to_string())?;
        Ok(Fetcher { client })
    }

    /// Fetches one source: its http(s) URL or its local file.
    pub async fn fetch(&self, source: &Source, validators: &Validators) -> FetchOutcome {
        let _ = (source, validators, &self.client);
        FetchOutcome::Failed {
            message: "fetcher not written yet".into(),
            meta: FetchMeta::default(),
        }
    }
}

impl Fetcher {
    /// Fetches every source, in source order. (Stub until the fetch stage lands.)
    pub async fn fetch_all(
        &self,
        sources: &[Source],
        validators: &std::collections::HashMap<String, Validators>,
        progress: bool,
    ) -> Vec<(String, FetchOutcome)> {
        let _ = progress;
        let mut out = Vec::new();
        for s in sources {
            let v = validators.get(&s.name).cloned().unwrap_or_default();
            out.push((s.name.clone(), self.fetch(s, &v).await));
        }
        out
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
