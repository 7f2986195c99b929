//! The request handler: files from the in-memory set, `/healthz`, `/metrics`, `/status`
//! and `/status.json`.
//!
//! Every answer is built from bytes prepared at build time; nothing here reads the disk or
//! waits for a build.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::header::{
    ACCEPT, ACCEPT_ENCODING, ALLOW, CACHE_CONTROL, CONTENT_ENCODING, CONTENT_LENGTH, CONTENT_TYPE,
    ETAG, IF_MODIFIED_SINCE, IF_NONE_MATCH, LAST_MODIFIED, VARY,
};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::Response;

use super::files::{Body as Repr, Entry, FeedSet};
use super::{status_page, Shared};

/// An encoding a client accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Encoding {
    /// brotli.
    Br,
    /// gzip.
    Gzip,
    /// As is.
    Identity,
}

/// The values of a comma-separated header with their q-values (1 when not given), each
/// value lowercased: what `Accept` and `Accept-Encoding` share.
fn weighted(header: &str) -> impl Iterator<Item = (String, f32)> + '_ {
    header.split(',').map(|part| {
        let mut fields = part.split(';');
        let value = fields.next().unwrap_or("").trim().to_ascii_lowercase();
        let q = fields
            .filter_map(|f| {
                let (k, v) = f.split_once('=')?;
                (k.trim().eq_ignore_ascii_case("q")).then(|| v.trim().parse::<f32>().ok())?
            })
            .next()
            .unwrap_or(1.0);
        (value, q)
    })
}

/// Picks the best encoding from `Accept-Encoding`: brotli, then gzip, then identity, each
/// only with a non-zero q-value (given for it or through `*`).
pub(crate) fn choose_encoding(header: Option<&str>) -> Encoding {
    let Some(header) = header else {
        return Encoding::Identity;
    };
    let (mut br, mut gzip, mut star) = (None, None, None);
    for (coding, q) in weighted(header) {
        match coding.as_str() {
            "br" => br = Some(q),
            "gzip" | "x-gzip" => gzip = Some(q),
            "*" => star = Some(q),
            _ => {}
        }
    }
    let q_br = br.or(star).unwrap_or(0.0);
    let q_gzip = gzip.or(star).unwrap_or(0.0);
    if q_br > 0.0 && q_br >= q_gzip {
        Encoding::Br
    } else if q_gzip > 0.0 {
        Encoding::Gzip
    } else {
        Encoding::Identity
    }
}

/// Whether an `Accept` header asks for a page rather than a feed: `text/html` named with a
/// q-value above the best the feed's own type gets (named, or through `application/*`
/// or `*/*`). Browsers send `text/html,…,*/*;q=0.8`; feed readers name the feed types or
/// only `*/*`, and a tie goes to the feed, so a reader is never given a page type.
pub(crate) fn prefers_html(accept: Option<&str>, feed_type: &str) -> bool {
    let Some(accept) = accept else {
        return false;
    };
    let (mut html, mut feed, mut star) = (None::<f32>, None::<f32>, None::<f32>);
    for (range, q) in weighted(accept) {
        let best = |slot: &mut Option<f32>| *slot = Some(slot.map_or(q, |o| o.max(q)));
        match range.as_str() {
            "text/html" => best(&mut html),
            r if r == feed_type => best(&mut feed),
            "application/*" | "*/*" => best(&mut star),
            _ => {}
        }
    }
    let html = html.unwrap_or(0.0);
    html > 0.0 && html > feed.or(star).unwrap_or(0.0)
}

/// The single entry point: every request, every path.
pub(crate) async fn handle(State(shared): State<Arc<Shared>>, req: Request) -> Response {
    let resp = respond(&shared, &req);
    shared.metrics.count(resp.status().as_u16());
    resp
}

fn respond(shared: &Shared, req: &Request) -> Response {
    let head = req.method() == Method::HEAD;
    if !head && req.method() != Method::GET {
        let mut r = plain(StatusCode::METHOD_NOT_ALLOWED, "method not allowed\n");
        r.headers_mut()
            .insert(ALLOW, HeaderValue::from_static("GET, HEAD"));
        return r;
    }
    // The raw path, never percent-decoded or normalized: it must equal a key of the set
    // exactly, so `..`, `%2e%2e` and `%2f` name nothing.
    let path = req.uri().path();
    match path {
        "/healthz" => return with_head(plain(StatusCode::OK, "ok\n"), head),
        "/metrics" => {
            let mut r = plain(StatusCode::OK, shared.metrics.render());
            r.headers_mut().insert(
                CONTENT_TYPE,
                HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
            );
            return with_head(r, head);
        }
        "/status" => {
            let r = status_page::respond(&shared.status, req.headers(), status_page::Format::Html);
            return with_head(r, head);
        }
        "/status.json" => {
            let r = status_page::respond(&shared.status, req.headers(), status_page::Format::Json);
            return with_head(r, head);
        }
        _ => {}
    }
    let set = shared.files.load();
    match set.files.get(path) {
        Some(entry) => file_response(&set, entry, req.headers(), head),
        None => with_head(plain(StatusCode::NOT_FOUND, "not found\n"), head),
    }
}

/// A small text answer.
fn plain(status: StatusCode, body: impl Into<String>) -> Response {
    let body: String = body.into();
    let len = body.len();
    let mut r = Response::new(Body::from(body));
    *r.status_mut() = status;
    r.headers_mut()
        .insert(CONTENT_LENGTH, HeaderValue::from(len));
    r.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    r.headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

/// Drops the body of a HEAD answer; its Content-Length stays.
fn with_head(r: Response, head: bool) -> Response {
    if !head {
        return r;
    }
    let (parts, _) = r.into_parts();
    Response::from_parts(parts, Body::empty())
}

/// Whether the client's copy is current: `If-None-Match` when present (it takes
/// precedence, RFC 9110 §13.2.2), else `If-Modified-Since`.
fn not_modified(entry: &Entry, headers: &HeaderMap) -> bool {
    if let Some(inm) = headers.get(IF_NONE_MATCH) {
        return inm.to_str().map(|v| entry.matches(v)).unwrap_or(false);
    }
    headers
        .get(IF_MODIFIED_SINCE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| httpdate::parse_http_date(v).ok())
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .is_some_and(|since| entry.last_modified <= since.as_secs())
}

fn file_response(set: &FeedSet, entry: &Entry, headers: &HeaderMap, head: bool) -> Response {
    let encoding = choose_encoding(headers.get(ACCEPT_ENCODING).and_then(|v| v.to_str().ok()));
    let (repr, coding): (&Repr, Option<&'static str>) = match encoding {
        Encoding::Br => match &entry.br {
            Some(b) => (b, Some("br")),
            None => (&entry.identity, None),
        },
        Encoding::Gzip => match &entry.gzip {
            Some(b) => (b, Some("gzip")),
            None => (&entry.identity, None),
        },
        Encoding::Identity => (&entry.identity, None),
    };
    let fresh = not_modified(entry, headers);
    let body = if fresh || head {
        Body::empty()
    } else {
        Body::from(repr.bytes.clone())
    };
    let mut r = Response::new(body);
    let h = r.headers_mut();
    h.insert(ETAG, repr.etag.clone());
    h.insert(LAST_MODIFIED, entry.last_modified_header.clone());
    h.insert(CACHE_CONTROL, set.cache_control.clone());
    // A feed's type depends on who asks (see `prefers_html`), so caches key it on Accept.
    h.insert(
        VARY,
        HeaderValue::from_static(if entry.kind.is_feed() {
            "Accept-Encoding, Accept"
        } else {
            "Accept-Encoding"
        }),
    );
    if fresh {
        *r.status_mut() = StatusCode::NOT_MODIFIED;
        return r;
    }
    let accept = headers.get(ACCEPT).and_then(|v| v.to_str().ok());
    let content_type = match entry.kind.feed_type() {
        // Chromium applies a feed's stylesheet only to a document served as XML; served
        // as `application/rss+xml` it shows the source as text.
        Some(own) if prefers_html(accept, own) => {
            HeaderValue::from_static("application/xml; charset=utf-8")
        }
        _ => entry.kind.content_type(),
    };
    h.insert(CONTENT_TYPE, content_type);
    h.insert(CONTENT_LENGTH, HeaderValue::from(repr.bytes.len()));
    if let Some(c) = coding {
        h.insert(CONTENT_ENCODING, HeaderValue::from_static(c));
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoding_follows_accept_encoding_and_q_values() {
        assert_eq!(choose_encoding(None), Encoding::Identity);
        assert_eq!(choose_encoding(Some("gzip, deflate, br")), Encoding::Br);
        assert_eq!(choose_encoding(Some("gzip")), Encoding::Gzip);
        assert_eq!(choose_encoding(Some("br;q=0, gzip")), Encoding::Gzip);
        assert_eq!(
            choose_encoding(Some("br;q=0.5, gzip;q=0.8")),
            Encoding::Gzip
        );
        assert_eq!(choose_encoding(Some("*")), Encoding::Br);
        assert_eq!(
            choose_encoding(Some("gzip;q=0, br;q=0")),
            Encoding::Identity
        );
        assert_eq!(choose_encoding(Some("identity")), Encoding::Identity);
        assert_eq!(choose_encoding(Some("deflate")), Encoding::Identity);
    }

    #[test]
    fn a_browser_prefers_html_and_a_feed_reader_never_does() {
        let rss = "application/rss+xml";
        let chromium = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,\
                        image/webp,image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7";
        assert!(prefers_html(Some(chromium), rss));
        assert!(prefers_html(Some(chromium), "application/atom+xml"));
        let feedparser = "application/atom+xml,application/rdf+xml,application/rss+xml,\
                          application/x-netcdf,application/xml;q=0.9,text/xml;q=0.2,*/*;q=0.1";
        assert!(!prefers_html(Some(feedparser), rss));
        assert!(!prefers_html(None, rss));
        assert!(!prefers_html(Some("*/*"), rss));
        assert!(
            !prefers_html(Some("text/html, */*"), rss),
            "a tie goes to the feed"
        );
        assert!(!prefers_html(
            Some("application/rss+xml, text/html;q=0.5"),
            rss
        ));
        assert!(!prefers_html(Some("text/html;q=0"), rss));
        assert!(prefers_html(
            Some("TEXT/HTML;Q=0.9, application/*;q=0.5"),
            rss
        ));
    }
}
