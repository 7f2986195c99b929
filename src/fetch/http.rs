//! One http(s) fetch: redirects followed by hand, retries, the whole-request timeout,
//! conditional GET and the capped body read.

use std::time::{Duration, Instant, SystemTime};

use reqwest::header::{self, HeaderMap};
use reqwest::StatusCode;
use url::Url;

use super::decode::{DecodeError, Decoder};
use super::retry::{backoff, fmt_bytes, fmt_secs, parse_retry_after};
use super::{FetchMeta, FetchOptions, FetchOutcome, Fetched, Fetcher, Validators, ACCEPT_FEED};

/// What one attempt learned, kept even when the attempt is cut off by the timeout.
#[derive(Default)]
struct AttemptState {
    status: Option<u16>,
    /// Freshness the final response declared.
    fresh_for: Option<Duration>,
    bytes: u64,
    permanent_redirect: Option<Url>,
    redirect_notes: Vec<String>,
}

/// A successful attempt.
enum Success {
    Body {
        body: Vec<u8>,
        content_type: Option<String>,
        final_url: Url,
        validators: Validators,
    },
    NotModified,
}

/// Whether a failed attempt is worth repeating.
enum Retry {
    No,
    /// After the usual backoff.
    Backoff,
    /// After the server's `Retry-After`.
    After(Duration),
}

/// A failed attempt: the reason, without the URL (added once, by the caller).
struct Failure {
    reason: String,
    retry: Retry,
}

impl Failure {
    fn fatal(reason: impl Into<String>) -> Failure {
        Failure {
            reason: reason.into(),
            retry: Retry::No,
        }
    }
}

impl Fetcher {
    /// The retry loop around [`Fetcher::attempt`].
    pub(super) async fn fetch_http(
        &self,
        url: &Url,
        validators: &Validators,
        opts: &FetchOptions,
    ) -> FetchOutcome {
        let start = Instant::now();
        let mut meta = FetchMeta::default();
        let fail = |reason: String, mut meta: FetchMeta| {
            meta.duration = start.elapsed();
            FetchOutcome::Failed {
                message: format!("{url}: {reason}"),
                meta,
            }
        };
        let connect_timeout = opts.connect_timeout.unwrap_or(self.cfg().connect_timeout);
        let timeout = opts.timeout.unwrap_or(self.cfg().timeout);
        let attempts = self.cfg().retries.saturating_add(1);
        let mut attempt = 0;
        loop {
            attempt += 1;
            let mut st = AttemptState::default();
            let result = tokio::time::timeout(
                timeout,
                self.attempt(url, validators, connect_timeout, opts, &mut st),
            )
            .await
            .unwrap_or_else(|_| {
                // Not retried: the server is reachable but too slow, and retrying would
                // multiply the time one bad source holds the build.
                Err(Failure::fatal(format!(
                    "timed out after {} ({} received)",
                    fmt_secs(timeout),
                    fmt_bytes(st.bytes)
                )))
            });
            meta.status = st.status;
            meta.fresh_for_secs = st.fresh_for.map(|d| d.as_secs());
            meta.bytes = st.bytes;
            meta.permanent_redirect = st.permanent_redirect.as_ref().map(Url::to_string);
            let failure = match result {
                Ok(success) => {
                    meta.notes.extend(st.redirect_notes);
                    if let Some(new) = &meta.permanent_redirect {
                        meta.notes.push(format!(
                            "{url} moved permanently to {new}: update its url in feeds.toml"
                        ));
                    }
                    meta.duration = start.elapsed();
                    return match success {
                        Success::NotModified => FetchOutcome::NotModified(meta),
                        Success::Body {
                            body,
                            content_type,
                            final_url,
                            validators,
                        } => FetchOutcome::Fetched(Fetched {
                            body,
                            content_type,
                            final_url,
                            validators,
                            meta,
                        }),
                    };
                }
                Err(f) => f,
            };
            let wait = match failure.retry {
                Retry::No => None,
                _ if attempt >= attempts => None,
                Retry::Backoff => Some(backoff(self.backoff, attempt - 1)),
                Retry::After(d) if d > self.cfg().max_retry_after => {
                    meta.notes.extend(st.redirect_notes);
                    return fail(
                        format!(
                            "{}; the server asks to retry after {}, over the {} limit \
                             (fetch.max_retry_after)",
                            failure.reason,
                            fmt_secs(d),
                            fmt_secs(self.cfg().max_retry_after)
                        ),
                        meta,
                    );
                }
                Retry::After(d) => Some(d),
            };
            let Some(wait) = wait else {
                meta.notes.extend(st.redirect_notes);
                let reason = if attempt > 1 {
                    format!("{} (gave up after {attempt} attempts)", failure.reason)
                } else {
                    failure.reason
                };
                return fail(reason, meta);
            };
            meta.notes.push(format!(
                "attempt {attempt} of {attempts} failed ({}); retrying in {}",
                failure.reason,
                fmt_secs(Duration::from_millis(wait.as_millis() as u64))
            ));
            tokio::time::sleep(wait).await;
        }
    }

    /// One attempt: GET, following redirects by hand (reqwest's policy is off so that a
    /// loop, the hop limit and permanent moves are ours to report), then the body.
    async fn attempt(
        &self,
        url: &Url,
        validators: &Validators,
        connect_timeout: Duration,
        opts: &FetchOptions,
        st: &mut AttemptState,
    ) -> Result<Success, Failure> {
        let accept = opts.accept.as_deref().unwrap_or(ACCEPT_FEED);
        let max_redirects = self.cfg().max_redirects;
        let mut current = url.clone();
        let mut chain = vec![url.clone()];
        // A move is permanent for the operator only while every hop so far was permanent.
        let mut all_permanent = true;
        loop {
            // Each hop is judged on its own: only the trusted origins may be internal.
            let public_only = opts.public_only && !opts.internal_ok.contains(&current.origin());
            if public_only && super::url_is_internal(&current) {
                let why = match chain.len() {
                    1 => format!("{current} is an internal address; refused"),
                    _ => format!(
                        "redirect to {current}, an internal address, refused (only the \
                         configured URL's own server may be internal; for feeds see \
                         fetch.allow_internal_redirects)"
                    ),
                };
                return Err(Failure::fatal(why));
            }
            let client = self
                .client(connect_timeout, public_only)
                .map_err(Failure::fatal)?;
            let mut req = client
                .get(current.clone())
                .header(header::ACCEPT, accept)
                .header(header::ACCEPT_ENCODING, "gzip, deflate, br");
            // A stored validator that is no longer a valid header value (a hand-edited
            // state file) is dropped: an unconditional GET is the safe fallback.
            let valid = |v: &Option<String>| {
                v.as_deref()
                    .and_then(|v| header::HeaderValue::from_str(v).ok())
            };
            if let Some(etag) = valid(&validators.etag) {
                req = req.header(header::IF_NONE_MATCH, etag);
            }
            if let Some(lm) = valid(&validators.last_modified) {
                req = req.header(header::IF_MODIFIED_SINCE, lm);
            }
            let resp = req
                .send()
                .await
                .map_err(|e| transport_failure(&e, connect_timeout))?;
            let status = resp.status();
            st.status = Some(status.as_u16());
            st.fresh_for = freshness(resp.headers(), SystemTime::now());
            if status.is_redirection() && status != StatusCode::NOT_MODIFIED {
                let next = redirect_target(&current, status, resp.headers())?;
                if chain.contains(&next) {
                    chain.push(next);
                    return Err(Failure::fatal(format!(
                        "redirect loop: {}",
                        chain
                            .iter()
                            .map(Url::as_str)
                            .collect::<Vec<_>>()
                            .join(" → ")
                    )));
                }
                if chain.len() > max_redirects {
                    return Err(Failure::fatal(format!(
                        "more than {max_redirects} redirects (fetch.max_redirects), last to {next}"
                    )));
                }
                let permanent = matches!(
                    status,
                    StatusCode::MOVED_PERMANENTLY | StatusCode::PERMANENT_REDIRECT
                );
                all_permanent &= permanent;
                if all_permanent {
                    st.permanent_redirect = Some(next.clone());
                }
                st.redirect_notes.push(format!(
                    "HTTP {} redirect {current} → {next}",
                    status.as_u16()
                ));
                chain.push(next.clone());
                current = next;
                continue;
            }
            if status == StatusCode::NOT_MODIFIED {
                if validators.etag.is_none() && validators.last_modified.is_none() {
                    return Err(Failure::fatal(
                        "HTTP 304 Not Modified to a request without validators",
                    ));
                }
                return Ok(Success::NotModified);
            }
            if !status.is_success() {
                return Err(status_failure(status, resp.headers()));
            }
            return self.read_body(resp, current, st).await;
        }
    }

    /// Streams the body through the decoder, stopping at the cap.
    async fn read_body(
        &self,
        mut resp: reqwest::Response,
        final_url: Url,
        st: &mut AttemptState,
    ) -> Result<Success, Failure> {
        let cap = self.cfg().max_bytes;
        let headers = resp.headers();
        let text = |name: header::HeaderName| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(|s| s.trim().to_string())
        };
        let content_type = text(header::CONTENT_TYPE);
        let encoding = text(header::CONTENT_ENCODING);
        let validators = Validators {
            etag: text(header::ETAG),
            last_modified: text(header::LAST_MODIFIED),
        };
        let over_cap =
            |what: &str| Failure::fatal(format!("{what} exceeds {} cap", fmt_bytes(cap)));
        if let Some(n) = resp.content_length().filter(|n| *n > cap) {
            return Err(over_cap(&format!("body (Content-Length {n})")));
        }
        let cap_usize = usize::try_from(cap).unwrap_or(usize::MAX);
        let mut decoder = Decoder::new(encoding.as_deref(), cap_usize).map_err(Failure::fatal)?;
        let decoded = if encoding.is_some() && !matches!(decoder, Decoder::Identity(_)) {
            "decompressed body"
        } else {
            "body"
        };
        let mut raw: u64 = 0;
        while let Some(chunk) = resp.chunk().await.map_err(|e| {
            let mut f = transport_failure(&e, Duration::ZERO);
            f.reason = format!("{} after {} of body", f.reason, fmt_bytes(raw));
            f
        })? {
            raw += chunk.len() as u64;
            if raw > cap {
                return Err(over_cap("body"));
            }
            let written = decoder.write(&chunk);
            st.bytes = decoder.decoded_len() as u64;
            match written {
                Ok(()) => {}
                Err(DecodeError::CapExceeded) => {
                    st.bytes = cap;
                    return Err(over_cap(decoded));
                }
                Err(DecodeError::Corrupt(e)) => {
                    return Err(Failure::fatal(format!(
                        "cannot decode {encoding:?} body: {e}"
                    )))
                }
            }
        }
        let body = match decoder.finish() {
            Ok(b) => b,
            Err(DecodeError::CapExceeded) => return Err(over_cap(decoded)),
            Err(DecodeError::Corrupt(e)) => {
                return Err(Failure::fatal(format!(
                    "cannot decode {encoding:?} body: {e}"
                )))
            }
        };
        st.bytes = body.len() as u64;
        Ok(Success::Body {
            body,
            content_type,
            final_url,
            validators,
        })
    }
}

/// The absolute target of a redirect, or why it cannot be followed.
fn redirect_target(current: &Url, status: StatusCode, headers: &HeaderMap) -> Result<Url, Failure> {
    let code = status.as_u16();
    if !matches!(code, 301 | 302 | 303 | 307 | 308) {
        return Err(Failure::fatal(format!("HTTP {status}")));
    }
    let location = headers
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| {
            Failure::fatal(format!("HTTP {code} redirect without a readable Location"))
        })?;
    let next = current.join(location.trim()).map_err(|e| {
        Failure::fatal(format!("HTTP {code} redirect to bad URL {location:?}: {e}"))
    })?;
    if !matches!(next.scheme(), "http" | "https") {
        return Err(Failure::fatal(format!(
            "HTTP {code} redirect to non-http URL {next}"
        )));
    }
    Ok(next)
}

/// An error status: 5xx, 408 and 429 are worth retrying, other 4xx are not.
fn status_failure(status: StatusCode, headers: &HeaderMap) -> Failure {
    let reason = format!("HTTP {status}");
    let retryable = status.is_server_error()
        || status == StatusCode::REQUEST_TIMEOUT
        || status == StatusCode::TOO_MANY_REQUESTS;
    if !retryable {
        return Failure::fatal(reason);
    }
    let after = headers
        .get(header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| parse_retry_after(v, SystemTime::now()));
    Failure {
        reason,
        retry: after.map_or(Retry::Backoff, Retry::After),
    }
}

/// A transport error as the operator needs it: what kind, and the root cause
/// ("Connection reset by peer", "Connection refused"), without reqwest's wrapping.
fn transport_failure(e: &reqwest::Error, connect_timeout: Duration) -> Failure {
    let mut root: &dyn std::error::Error = e;
    while let Some(next) = root.source() {
        if let Some(internal) = next.downcast_ref::<super::net::InternalName>() {
            // A refusal, not a network problem: retrying gives the same answer.
            return Failure::fatal(internal.to_string());
        }
        root = next;
    }
    let cause = root.to_string();
    let reason = if e.is_connect() && e.is_timeout() {
        format!("connect timed out after {}", fmt_secs(connect_timeout))
    } else if e.is_connect() {
        format!("cannot connect: {cause}")
    } else if e.is_body() || e.is_decode() {
        format!("connection error while reading the body: {cause}")
    } else {
        format!("connection error: {cause}")
    };
    if e.is_builder() {
        return Failure::fatal(format!("invalid request: {cause}"));
    }
    // Connection-level trouble is often transient (a restart, a dropped packet).
    Failure {
        reason,
        retry: Retry::Backoff,
    }
}

/// How long a response says it stays fresh: `Cache-Control: max-age` (or `s-maxage`),
/// else `Expires` minus `Date` (or minus `now`). `no-store`/`no-cache` say nothing.
pub(super) fn freshness(headers: &header::HeaderMap, now: SystemTime) -> Option<Duration> {
    let text = |name: header::HeaderName| headers.get(name).and_then(|v| v.to_str().ok());
    if let Some(cc) = text(header::CACHE_CONTROL) {
        let mut max_age = None;
        for directive in cc.split(',').map(|d| d.trim().to_ascii_lowercase()) {
            if directive == "no-store" || directive == "no-cache" {
                return None;
            }
            if let Some(v) = directive
                .strip_prefix("max-age=")
                .or_else(|| directive.strip_prefix("s-maxage="))
            {
                if let Ok(n) = v.trim_matches('"').parse::<u64>() {
                    max_age = Some(max_age.map_or(n, |m: u64| m.max(n)));
                }
            }
        }
        if let Some(n) = max_age {
            return Some(Duration::from_secs(n));
        }
    }
    let expires = httpdate::parse_http_date(text(header::EXPIRES)?).ok()?;
    let date = text(header::DATE)
        .and_then(|d| httpdate::parse_http_date(d).ok())
        .unwrap_or(now);
    expires.duration_since(date).ok()
}

#[cfg(test)]
mod freshness_tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> header::HeaderMap {
        let mut h = header::HeaderMap::new();
        for (k, v) in pairs {
            h.insert(
                header::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                v.parse().unwrap(),
            );
        }
        h
    }

    #[test]
    fn max_age_expires_and_no_cache() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let f = |h: &[(&str, &str)]| freshness(&headers(h), now);
        assert_eq!(
            f(&[("cache-control", "public, max-age=3600")]),
            Some(Duration::from_secs(3600))
        );
        assert_eq!(
            f(&[("cache-control", "max-age=60, s-maxage=600")]),
            Some(Duration::from_secs(600))
        );
        assert_eq!(f(&[("cache-control", "no-cache, max-age=3600")]), None);
        assert_eq!(
            f(&[
                ("date", "Wed, 18 May 2022 05:00:00 GMT"),
                ("expires", "Wed, 18 May 2022 07:00:00 GMT")
            ]),
            Some(Duration::from_secs(7200))
        );
        assert_eq!(
            f(&[("expires", "Wed, 18 May 2022 07:00:00 GMT")]),
            None,
            "already expired"
        );
        assert_eq!(f(&[("expires", "0")]), None);
        assert_eq!(f(&[]), None);
    }
}
