//! Copying a build's output folder to object storage: `[publish] url = "s3://bucket/prefix"`.
//!
//! What is uploaded: every file of the output's manifest (the files the last build wrote,
//! as `serve` loads them), each as one object under `prefix/`, with the `Content-Type` and
//! `Cache-Control` that `serve` gives it. No precompressed variant is uploaded: a bucket
//! does not negotiate `Accept-Encoding`, so a gzip object under a feed's own key would
//! reach readers that never asked for gzip, and one under another key (`rss.xml.gz`) is
//! never requested by a feed reader; a CDN in front of the bucket compresses text itself.
//!
//! What is skipped: a file whose object in the bucket has the same size and the MD5 of
//! its bytes as ETag (what S3 gives an object PUT in one piece; from the listing, or from a
//! HEAD of the object where the server lists no ETags). The bucket's own word is the truth
//! compared with, not a record of the last publish, so a publish that crashed
//! half-way leaves nothing to repair: the next one uploads what the listing lacks. The
//! headers' settings (the `Cache-Control` value) are kept in a small state object written
//! last; when it is missing or differs, every file is uploaded again.
//!
//! Order, so that a reader never sees a listing point at a feed that is not there yet:
//! files are uploaded deepest folder first (`tag/x/rss.xml` before `other-news/rss.xml`
//! before the root), and within a folder `index.html` and `feeds.opml` after the rest;
//! each group starts only when the one before it has been uploaded whole. An S3 PUT
//! replaces an object whole, so no reader sees half a file. Objects of files the output no
//! longer has (feedmill's own file names only) are deleted after everything was uploaded,
//! when no uploaded listing names them any more. A failed upload stops the publish before
//! the next group: the bucket keeps serving the previous listings.
//!
//! Bounded: at most `publish.concurrency` requests in flight (and as many files read into
//! memory), each limited to `publish.upload_timeout`, retries included.

use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use futures_util::{StreamExt, TryStreamExt};
use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::path::Path as ObjectPath;
use object_store::{
    Attribute, Attributes, BackoffConfig, ClientOptions, ObjectStore, PutOptions, PutPayload,
    RetryConfig,
};

use crate::config::{Config, PublishUrl};

/// Name of the state object under the prefix: the header settings of the last complete
/// publish.
pub const STATE_OBJECT: &str = ".feedmill-publish";

/// What a publish did.
#[derive(Debug, Clone, Default)]
pub struct PublishReport {
    /// `s3://bucket/prefix`.
    pub target: String,
    /// Files uploaded (relative paths, in upload order).
    pub uploaded: Vec<String>,
    /// Files whose object was already right.
    pub unchanged: usize,
    /// Objects deleted because the output no longer has their file (relative paths).
    pub deleted: Vec<String>,
    /// Files of the manifest that were not published (not a kind `serve` serves, or not
    /// a regular file), each with why.
    pub warnings: Vec<String>,
}

/// Why a publish failed; each message names the bucket, and the key or file concerned.
#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    /// The environment does not say how to reach the bucket.
    #[error("publish to {target}: {message}")]
    Setup {
        /// `s3://bucket/prefix`.
        target: String,
        /// What is missing or wrong, naming the variable.
        message: String,
    },
    /// Listing, uploading or deleting failed; the local output is untouched.
    #[error("publish to {target}: {}", failures.join("; "))]
    Remote {
        /// `s3://bucket/prefix`.
        target: String,
        /// One line per failed request (the first few), naming its key.
        failures: Vec<String>,
    },
}

/// Copies `out_dir`'s output to `cfg.publish.url`; `Ok(None)` when no url is set (the
/// output stays in the local folder only). Reads credentials, region and endpoint from
/// `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` (and `AWS_SESSION_TOKEN`), `AWS_REGION`
/// (default `us-east-1`) and `AWS_ENDPOINT_URL` (plain http only for a loopback host).
pub async fn publish(cfg: &Config, out_dir: &Path) -> Result<Option<PublishReport>, PublishError> {
    let Some(url) = &cfg.publish.url else {
        return Ok(None);
    };
    let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    let store = s3_store(url, cfg.publish.upload_timeout, &env)?;
    let cache_control = crate::serve::cache_control_for(cfg);
    let job = Job {
        store: Arc::new(store),
        target: url.to_string(),
        prefix: url.prefix.clone(),
        out_dir: out_dir.to_path_buf(),
        timeout: cfg.publish.upload_timeout,
        concurrency: cfg.publish.concurrency,
        cache_control,
    };
    job.run().await.map(Some)
}

/// The S3 client for `url`, configured from the environment `env` reads.
fn s3_store(
    url: &PublishUrl,
    timeout: Duration,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<AmazonS3, PublishError> {
    let setup = |message: String| PublishError::Setup {
        target: url.to_string(),
        message,
    };
    let (Some(key_id), Some(secret)) = (env("AWS_ACCESS_KEY_ID"), env("AWS_SECRET_ACCESS_KEY"))
    else {
        return Err(setup(
            "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set in the environment".into(),
        ));
    };
    let region = env("AWS_REGION")
        .or_else(|| env("AWS_DEFAULT_REGION"))
        .unwrap_or_else(|| "us-east-1".into());
    // Retries are bounded by the same time as the request, so one upload never takes
    // longer than `upload_timeout` however the server answers.
    let retry = RetryConfig {
        backoff: BackoffConfig::default(),
        max_retries: 3,
        retry_timeout: timeout,
    };
    let mut options = ClientOptions::new()
        .with_timeout(timeout)
        .with_connect_timeout(timeout.min(Duration::from_secs(10)));
    let mut builder = AmazonS3Builder::new()
        .with_bucket_name(&url.bucket)
        .with_region(region)
        .with_access_key_id(key_id)
        .with_secret_access_key(secret)
        .with_retry(retry);
    if let Some(token) = env("AWS_SESSION_TOKEN") {
        builder = builder.with_token(token);
    }
    if let Some(endpoint) = env("AWS_ENDPOINT_URL") {
        let parsed = url::Url::parse(&endpoint)
            .map_err(|e| setup(format!("AWS_ENDPOINT_URL \"{endpoint}\" is not a URL: {e}")))?;
        match parsed.scheme() {
            "https" => {}
            "http" if is_loopback(&parsed) => options = options.with_allow_http(true),
            "http" => {
                return Err(setup(format!(
                    "AWS_ENDPOINT_URL \"{endpoint}\": plain http is allowed only for a loopback endpoint (127.0.0.1, ::1, localhost); use https"
                )))
            }
            other => {
                return Err(setup(format!(
                    "AWS_ENDPOINT_URL \"{endpoint}\" has scheme \"{other}\"; expected https (or http on loopback)"
                )))
            }
        }
        builder = builder.with_endpoint(endpoint.trim_end_matches('/'));
    }
    builder
        .with_client_options(options)
        .build()
        .map_err(|e| setup(format!("cannot set up the S3 client: {e}")))
}

/// Whether a URL's host is a loopback address or `localhost`.
fn is_loopback(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(a)) => a.is_loopback(),
        Some(url::Host::Ipv6(a)) => a.is_loopback(),
        Some(url::Host::Domain(d)) => {
            d.eq_ignore_ascii_case("localhost")
                || d.parse::<IpAddr>().is_ok_and(|a| a.is_loopback())
        }
        None => false,
    }
}

/// One publish: where from, where to, and its bounds.
struct Job {
    store: Arc<AmazonS3>,
    target: String,
    prefix: String,
    out_dir: PathBuf,
    timeout: Duration,
    concurrency: usize,
    cache_control: String,
}

/// What one upload task did: `Ok(true)` uploaded, `Ok(false)` already right.
type Outcome = Result<bool, String>;

/// Most failures named in one error; the rest are counted.
const FAILURES_SHOWN: usize = 5;

impl Job {
    async fn run(self) -> Result<PublishReport, PublishError> {
        let mut report = PublishReport {
            target: self.target.clone(),
            ..PublishReport::default()
        };
        let files = crate::emit::write::read_manifest(&self.out_dir);
        let mut publishable = BTreeSet::new();
        for rel in files {
            match crate::serve::content_type_of(&rel) {
                Some(_) => {
                    publishable.insert(rel);
                }
                None => report.warnings.push(format!(
                    "{rel}: not a kind of file serve serves; not published"
                )),
            }
        }
        let remote = self.list().await?;
        let state = self.state_text();
        // Header settings changed (or an earlier publish never finished): every object is
        // uploaded again so each carries the current headers.
        let headers_current = remote.get(STATE_OBJECT).map(|m| m.size) == Some(state.len() as u64)
            && self.get_text(STATE_OBJECT).await.as_deref() == Some(state.as_str());
        let remote = Arc::new(remote);
        for group in upload_groups(&publishable) {
            let outcomes = self.upload_all(&group, &remote, headers_current).await;
            let mut failures = Vec::new();
            for (rel, outcome) in group.iter().zip(outcomes) {
                match outcome {
                    Ok(true) => report.uploaded.push(rel.clone()),
                    Ok(false) => report.unchanged += 1,
                    Err(e) => failures.push(e),
                }
            }
            if !failures.is_empty() {
                return Err(self.remote_error(failures));
            }
        }
        // Only now no listing in the bucket names them.
        let stale: Vec<String> = remote
            .keys()
            .filter(|rel| is_feedmill_file(rel) && !publishable.contains(*rel))
            .cloned()
            .collect();
        let outcomes = self.delete_all(&stale).await;
        let mut failures = Vec::new();
        for (rel, outcome) in stale.into_iter().zip(outcomes) {
            match outcome {
                Ok(()) => report.deleted.push(rel),
                Err(e) => failures.push(e),
            }
        }
        if !failures.is_empty() {
            return Err(self.remote_error(failures));
        }
        if !headers_current {
            let key = self.key(STATE_OBJECT);
            let put = self.store.put(&key, PutPayload::from(state.into_bytes()));
            bounded(self.timeout, put)
                .await
                .map_err(|e| self.remote_error(vec![format!("upload {key}: {e}")]))?;
        }
        Ok(report)
    }

    /// The state object's text: the header settings every object was uploaded with.
    fn state_text(&self) -> String {
        format!(
            "# feedmill publish: headers of the objects below this prefix\ncache-control: {}\n",
            self.cache_control
        )
    }

    /// The object key of a relative path.
    fn key(&self, rel: &str) -> ObjectPath {
        if self.prefix.is_empty() {
            ObjectPath::from(rel)
        } else {
            ObjectPath::from(format!("{}/{rel}", self.prefix))
        }
    }

    /// Every object under the prefix: relative path → (size, ETag).
    async fn list(&self) -> Result<BTreeMap<String, Remote>, PublishError> {
        let prefix = (!self.prefix.is_empty()).then(|| ObjectPath::from(self.prefix.as_str()));
        let listing = self.store.list(prefix.as_ref()).try_collect::<Vec<_>>();
        let metas = bounded(self.timeout, listing).await.map_err(|e| {
            self.remote_error(vec![format!(
                "cannot list the objects under {}: {e}",
                self.target
            )])
        })?;
        let strip = if self.prefix.is_empty() {
            String::new()
        } else {
            format!("{}/", self.prefix)
        };
        Ok(metas
            .into_iter()
            .filter_map(|m| {
                let rel = m
                    .location
                    .as_ref()
                    .strip_prefix(strip.as_str())?
                    .to_string();
                Some((
                    rel,
                    Remote {
                        size: m.size,
                        etag: m.e_tag,
                    },
                ))
            })
            .collect())
    }

    /// The text of a small object, `None` when it cannot be read.
    async fn get_text(&self, rel: &str) -> Option<String> {
        let key = self.key(rel);
        let got = bounded(self.timeout, async {
            self.store.get(&key).await?.bytes().await
        })
        .await
        .ok()?;
        String::from_utf8(got.to_vec()).ok()
    }

    /// Uploads each file of `group` whose object is not already right, at most
    /// `concurrency` at once; one outcome per file, in order.
    async fn upload_all(
        &self,
        group: &[String],
        remote: &Arc<BTreeMap<String, Remote>>,
        headers_current: bool,
    ) -> Vec<Outcome> {
        futures_util::stream::iter(group.iter().map(|rel| {
            let remote = remote.get(rel).filter(|_| headers_current).cloned();
            self.upload_one(rel, remote)
        }))
        .buffered(self.concurrency)
        .collect()
        .await
    }

    /// Reads one file and uploads it unless `remote` already holds its bytes.
    async fn upload_one(&self, rel: &str, remote: Option<Remote>) -> Outcome {
        let path = self.out_dir.join(rel);
        let bytes = read_regular(&path)
            .await
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let key = self.key(rel);
        if let Some(mut remote) = remote.filter(|r| r.size == bytes.len() as u64) {
            // Some servers (s3s-fs) list no ETags: a HEAD of the object of the same size
            // gives it, still the bucket's own word on what it holds.
            if remote.etag.is_none() {
                remote.etag = bounded(self.timeout, self.store.head(&key))
                    .await
                    .map_err(|e| format!("cannot read the ETag of {key}: {e}"))?
                    .e_tag;
            }
            if remote.holds(&bytes) {
                return Ok(false);
            }
        }
        let content_type = crate::serve::content_type_of(rel).unwrap_or("application/octet-stream");
        let mut attributes = Attributes::new();
        attributes.insert(Attribute::ContentType, content_type.into());
        attributes.insert(Attribute::CacheControl, self.cache_control.clone().into());
        let opts = PutOptions {
            attributes,
            ..PutOptions::default()
        };
        bounded(
            self.timeout,
            self.store.put_opts(&key, PutPayload::from(bytes), opts),
        )
        .await
        .map_err(|e| format!("upload {} to {key}: {e}", path.display()))?;
        Ok(true)
    }

    /// Deletes the objects of `rels`, at most `concurrency` at once.
    async fn delete_all(&self, rels: &[String]) -> Vec<Result<(), String>> {
        futures_util::stream::iter(rels.iter().map(|rel| async move {
            let key = self.key(rel);
            bounded(self.timeout, self.store.delete(&key))
                .await
                .map_err(|e| format!("delete {key}: {e}"))
        }))
        .buffered(self.concurrency)
        .collect()
        .await
    }

    fn remote_error(&self, mut failures: Vec<String>) -> PublishError {
        if failures.len() > FAILURES_SHOWN {
            let more = failures.len() - FAILURES_SHOWN;
            failures.truncate(FAILURES_SHOWN);
            failures.push(format!("and {more} more"));
        }
        PublishError::Remote {
            target: self.target.clone(),
            failures,
        }
    }
}

/// What the bucket holds for one key.
#[derive(Debug, Clone)]
struct Remote {
    size: u64,
    etag: Option<String>,
}

impl Remote {
    /// Whether this object has exactly `bytes`: same size and an ETag that is their MD5
    /// (an ETag of another form, such as a multipart upload's, never matches, and the file
    /// is uploaded again).
    fn holds(&self, bytes: &[u8]) -> bool {
        use md5::Digest;
        let Some(etag) = &self.etag else {
            return false;
        };
        let etag = etag.trim_start_matches("W/").trim_matches('"');
        let digest = md5::Md5::digest(bytes);
        let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
        self.size == bytes.len() as u64 && etag.eq_ignore_ascii_case(&hex)
    }
}

/// `fut`, failing with a message once `limit` has passed.
async fn bounded<T, F>(limit: Duration, fut: F) -> Result<T, String>
where
    F: std::future::Future<Output = object_store::Result<T>>,
{
    match tokio::time::timeout(limit, fut).await {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err(format!(
            "no answer within publish.upload_timeout ({} s)",
            limit.as_secs_f64()
        )),
    }
}

/// Reads a regular file, never a symbolic link's target (feedmill writes regular files).
async fn read_regular(path: &Path) -> std::io::Result<Vec<u8>> {
    let meta = tokio::fs::symlink_metadata(path).await?;
    if !meta.file_type().is_file() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "not a regular file",
        ));
    }
    tokio::fs::read(path).await
}

/// Whether a relative key names a file feedmill writes (only those are ever deleted).
fn is_feedmill_file(rel: &str) -> bool {
    !rel.split('/').any(|s| s.is_empty() || s.starts_with('.'))
        && crate::emit::write::is_own_file(rel)
}

/// The files in upload order: groups uploaded one after the other, deepest folder first,
/// and within a folder depth the listings (`index.html`, `feeds.opml`) after the rest.
fn upload_groups(files: &BTreeSet<String>) -> Vec<Vec<String>> {
    let mut groups: BTreeMap<(std::cmp::Reverse<usize>, bool), Vec<String>> = BTreeMap::new();
    for rel in files {
        let depth = rel.matches('/').count();
        let name = rel.rsplit('/').next().unwrap_or(rel);
        let listing = matches!(name, "index.html" | "feeds.opml");
        groups
            .entry((std::cmp::Reverse(depth), listing))
            .or_default()
            .push(rel.clone());
    }
    groups.into_values().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn feeds_go_before_the_listings_that_name_them() {
        let files: BTreeSet<String> = [
            "index.html",
            "feeds.opml",
            "other-news/rss.xml",
            "tag/a/rss.xml",
            "tag/a/atom.xml",
            "tag/a/index.html",
        ]
        .into_iter()
        .map(String::from)
        .collect();
        let groups = upload_groups(&files);
        assert_eq!(
            groups,
            vec![
                vec!["tag/a/atom.xml".to_string(), "tag/a/rss.xml".to_string()],
                vec!["tag/a/index.html".to_string()],
                vec!["other-news/rss.xml".to_string()],
                vec!["feeds.opml".to_string(), "index.html".to_string()],
            ]
        );
    }

    #[test]
    fn an_object_holds_bytes_only_with_their_md5_and_size() {
        let r = Remote {
            size: 3,
            etag: Some("\"900150983cd24fb0d6963f7d28e17f72\"".into()),
        };
        assert!(r.holds(b"abc"));
        assert!(!r.holds(b"abd"));
        let multipart = Remote {
            size: 3,
            etag: Some("\"900150983cd24fb0d6963f7d28e17f72-2\"".into()),
        };
        assert!(!multipart.holds(b"abc"));
    }

    #[test]
    fn plain_http_only_to_loopback() {
        let url = PublishUrl {
            bucket: "feeds".into(),
            prefix: String::new(),
        };
        let env_with = |endpoint: &'static str| {
            move |k: &str| match k {
                "AWS_ACCESS_KEY_ID" | "AWS_SECRET_ACCESS_KEY" => Some("x".to_string()),
                "AWS_ENDPOINT_URL" => Some(endpoint.to_string()),
                _ => None,
            }
        };
        let t = Duration::from_secs(5);
        assert!(s3_store(&url, t, &env_with("http://127.0.0.1:9000")).is_ok());
        assert!(s3_store(&url, t, &env_with("http://localhost:9000")).is_ok());
        let err = s3_store(&url, t, &env_with("http://s3.example.com"))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("AWS_ENDPOINT_URL") && err.contains("loopback"),
            "{err}"
        );
        let err = s3_store(&url, t, &|_: &str| None).unwrap_err().to_string();
        assert!(
            err.contains("s3://feeds") && err.contains("AWS_ACCESS_KEY_ID"),
            "{err}"
        );
    }
}
