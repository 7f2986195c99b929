//! `/status` (HTML) and `/status.json`: the record of [`status`](super::status) rendered,
//! behind `FEEDMILL_STATUS_TOKEN` when it is set.
//!
//! Error texts quote strangers' servers (a reader error names the root element it found,
//! a scraper warning quotes a page's URL), so every text on the page goes through
//! `html-escape`, and the answer carries a `Content-Security-Policy` that runs no script
//! even if something slipped through. The page is not linked from the public index, is
//! never cached, and asks search engines not to index it.
//!
//! The token is accepted as `Authorization: Bearer <token>`, or as the password of HTTP
//! Basic authentication (any user name), so a browser asks for it. Without it, or with a
//! wrong one, the answer is 401.

use std::fmt::Write as _;

use axum::body::{Body, Bytes};
use axum::http::header::{
    AUTHORIZATION, CACHE_CONTROL, CONTENT_LENGTH, CONTENT_TYPE, WWW_AUTHENTICATE,
};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use base64::Engine as _;
use html_escape::encode_text;

use super::status::{Health, Pages, SourceEntry, State, Status};

/// The two representations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    /// `/status`.
    Html,
    /// `/status.json`.
    Json,
}

/// The answer to `GET /status` or `/status.json`.
pub(crate) fn respond(status: &Status, headers: &HeaderMap, format: Format) -> Response {
    if status.protected() && !authorized(status, headers) {
        let body = "401: this page needs the server's FEEDMILL_STATUS_TOKEN, as \
                    `Authorization: Bearer <token>` or as the password of Basic authentication\n";
        let mut r = answer(StatusCode::UNAUTHORIZED, "text/plain; charset=utf-8", body);
        r.headers_mut().insert(
            WWW_AUTHENTICATE,
            HeaderValue::from_static("Basic realm=\"feedmill status\", charset=\"UTF-8\""),
        );
        return r;
    }
    let pages = status.pages(|state| Pages {
        html: Bytes::from(html(state)),
        json: Bytes::from(json(state)),
    });
    match format {
        Format::Json => answer(StatusCode::OK, "application/json", pages.json),
        Format::Html => answer(StatusCode::OK, "text/html; charset=utf-8", pages.html),
    }
}

/// The JSON document: the record as it is, pretty-printed.
fn json(state: &State) -> String {
    let mut body = serde_json::to_string_pretty(state).unwrap_or_else(|e| {
        // Plain data always serializes; say so rather than answer nothing.
        format!("{{\"error\": \"cannot serialize the status: {e}\"}}")
    });
    body.push('\n');
    body
}

/// Whether the request carries the token.
fn authorized(status: &Status, headers: &HeaderMap) -> bool {
    let Some(value) = headers.get(AUTHORIZATION).map(HeaderValue::as_bytes) else {
        return false;
    };
    let (scheme, rest) = match value.iter().position(|&b| b == b' ') {
        Some(i) => (&value[..i], trim(&value[i + 1..])),
        None => return false,
    };
    if scheme.eq_ignore_ascii_case(b"bearer") {
        status.token_matches(rest)
    } else if scheme.eq_ignore_ascii_case(b"basic") {
        let Ok(decoded) = base64::engine::general_purpose::STANDARD.decode(rest) else {
            return false;
        };
        // user:password; the user name is not checked.
        let password = match decoded.iter().position(|&b| b == b':') {
            Some(i) => &decoded[i + 1..],
            None => &decoded[..],
        };
        status.token_matches(password)
    } else {
        false
    }
}

fn trim(b: &[u8]) -> &[u8] {
    let start = b.iter().position(|c| *c != b' ').unwrap_or(b.len());
    let end = b.iter().rposition(|c| *c != b' ').map_or(start, |i| i + 1);
    &b[start..end.max(start)]
}

fn answer(status: StatusCode, content_type: &'static str, body: impl Into<Bytes>) -> Response {
    let body: Bytes = body.into();
    let len = body.len();
    let mut r = Response::new(Body::from(body));
    *r.status_mut() = status;
    let h = r.headers_mut();
    h.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(CONTENT_LENGTH, HeaderValue::from(len));
    // Error texts can name internal addresses: never kept by a proxy or a browser cache.
    h.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        "content-security-policy",
        HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'"),
    );
    h.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        "x-robots-tag",
        HeaderValue::from_static("noindex, nofollow"),
    );
    h.insert("referrer-policy", HeaderValue::from_static("no-referrer"));
    r
}

/// Escaped text, or a dash for nothing.
fn text(v: Option<&str>) -> String {
    match v {
        Some(v) if !v.is_empty() => encode_text(v).into_owned(),
        _ => "–".to_string(),
    }
}

const STYLE: &str = "body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222}\
table{border-collapse:collapse;width:100%}th,td{border-bottom:1px solid #ddd;padding:.3em .5em;\
text-align:left;vertical-align:top}th{background:#f4f4f4}td.n{text-align:right}\
.failed{color:#b00020;font-weight:600}.degraded{color:#8a5a00;font-weight:600}\
.ok{color:#1b6e20}code,.err{font-family:ui-monospace,monospace;font-size:12px;\
white-space:pre-wrap;word-break:break-all}";

/// The HTML page: the same bytes for the same record.
pub(crate) fn html(s: &State) -> String {
    let mut o = String::with_capacity(4096 + s.sources.len() * 512);
    o.push_str("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">");
    o.push_str("<meta name=\"robots\" content=\"noindex, nofollow\">");
    o.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">");
    o.push_str("<title>feedmill status</title><style>");
    o.push_str(STYLE);
    o.push_str("</style></head><body>\n<h1>feedmill status</h1>\n");
    let failing = s
        .sources
        .iter()
        .filter(|e| e.health == Health::Failed)
        .count();
    let degraded = s
        .sources
        .iter()
        .filter(|e| e.health == Health::Degraded)
        .count();
    let pending = s
        .sources
        .iter()
        .filter(|e| e.health == Health::Pending)
        .count();
    let _ = writeln!(
        o,
        "<p>feedmill {} serving since {}. {} sources: {} failed, {} degraded, {} not fetched yet. \
         <a href=\"status.json\">status.json</a></p>",
        text(Some(s.version)),
        text(Some(&s.started)),
        s.sources.len(),
        failing,
        degraded,
        pending
    );
    config_part(&mut o, s);
    build_part(&mut o, s);
    o.push_str(
        "<table>\n<thead><tr><th>source</th><th>kind</th><th>health</th><th>last success</th>\
         <th>failures in a row</th><th>last error</th><th>next refresh</th><th>articles</th>\
         <th>degraded selectors</th><th>warnings</th></tr></thead>\n<tbody>\n",
    );
    for e in &s.sources {
        source_row(&mut o, e);
    }
    o.push_str("</tbody></table>\n</body></html>\n");
    o
}

fn config_part(o: &mut String, s: &State) {
    let c = &s.config;
    let _ = write!(
        o,
        "<h2>Config</h2>\n<p><code>{}</code>: {} sources, loaded {}.",
        text(Some(&c.path)),
        c.sources,
        text(Some(&c.loaded))
    );
    match &c.last_edit {
        None => o.push_str(" No edit since the start.</p>\n"),
        Some(e) if e.applied => {
            let _ = writeln!(o, " Last edit applied {}.</p>", text(Some(&e.at)));
        }
        Some(e) => {
            let _ = writeln!(
                o,
                " <span class=\"failed\">Last edit refused {}</span> (the config loaded {} \
                 keeps serving):</p>\n<ul>",
                text(Some(&e.at)),
                text(Some(&c.loaded))
            );
            for err in &e.errors {
                let _ = writeln!(o, "<li class=\"err\">{}</li>", text(Some(err)));
            }
            o.push_str("</ul>\n");
        }
    }
}

fn build_part(o: &mut String, s: &State) {
    let _ = write!(
        o,
        "<h2>Builds</h2>\n<p>{} finished, {} could not write their feeds.",
        s.builds_ok, s.builds_failed
    );
    match &s.last_build {
        None => o.push_str(" No build yet.</p>\n"),
        Some(b) if b.ok => {
            let _ = writeln!(
                o,
                " Last: {} ({} ms), {} sources fetched: {} articles in {} feeds, {} files \
                 written, {} unchanged.</p>",
                text(Some(&b.finished)),
                b.took_ms,
                b.sources_fetched,
                b.articles,
                b.feeds,
                b.files_written,
                b.files_unchanged
            );
            if !b.output_errors.is_empty() {
                o.push_str("<p class=\"failed\">Output that could not be written:</p>\n<ul>\n");
                for e in &b.output_errors {
                    let _ = writeln!(o, "<li class=\"err\">{}</li>", text(Some(e)));
                }
                o.push_str("</ul>\n");
            }
        }
        Some(b) => {
            let _ = writeln!(
                o,
                " <span class=\"failed\">Last: {} ({} ms), failed</span>: <span class=\"err\">{}\
                 </span></p>",
                text(Some(&b.finished)),
                b.took_ms,
                text(b.error.as_deref())
            );
        }
    }
}

fn source_row(o: &mut String, e: &SourceEntry) {
    let class = match e.health {
        Health::Failed => "failed",
        Health::Degraded => "degraded",
        Health::Ok | Health::NotModified => "ok",
        Health::Pending => "pending",
    };
    let _ = write!(
        o,
        "<tr><td><b>{}</b><br><code>{}</code>",
        text(Some(&e.name)),
        text(Some(&e.url))
    );
    if let Some(to) = &e.moved_to {
        let _ = write!(
            o,
            "<br>moved permanently to <code>{}</code>",
            text(Some(to))
        );
    }
    let _ = write!(
        o,
        "</td><td>{}</td><td class=\"{class}\">{}",
        e.kind,
        e.health.word()
    );
    if let Some(code) = e.http_status {
        let _ = write!(o, " (HTTP {code})");
    }
    let _ = write!(
        o,
        "</td><td>{}</td><td class=\"n\">{}</td><td>",
        text(e.last_success.as_deref()),
        e.consecutive_failures
    );
    match &e.last_error {
        Some(err) => {
            let _ = write!(
                o,
                "<span class=\"err\">{}</span><br>at {}",
                text(Some(&err.message)),
                text(Some(&err.at))
            );
        }
        None => o.push('–'),
    }
    let _ = write!(
        o,
        "</td><td>{}</td><td class=\"n\">{}</td><td>",
        text(e.next_refresh.as_deref()),
        e.articles
            .map_or_else(|| "–".to_string(), |n| n.to_string())
    );
    if e.degraded_selectors.is_empty() {
        o.push('–');
    }
    for c in &e.degraded_selectors {
        let _ = write!(
            o,
            "<code>{} = {}</code>: {} of {} pages<br>",
            text(Some(&c.field)),
            text(Some(&c.selector)),
            c.pages_matched,
            c.pages
        );
    }
    let _ = write!(o, "</td><td>{}", e.warnings);
    for w in &e.first_warnings {
        let _ = write!(o, "<br><span class=\"err\">{}</span>", text(Some(w)));
    }
    if e.warnings > e.first_warnings.len() {
        let _ = write!(
            o,
            "<br>and {} more (<code>feedmill inspect --source {}</code>)",
            e.warnings - e.first_warnings.len(),
            text(Some(&e.name))
        );
    }
    o.push_str("</td></tr>\n");
}

#[cfg(test)]
mod tests {
    use super::super::status::{BuildState, ConfigState, Edit, SeenError};
    use super::*;
    use crate::scrape::SelectorCount;

    /// Every text of the record set to markup: none of it may reach the page as markup.
    #[test]
    fn every_text_on_the_page_is_escaped() {
        let evil = "<img src=x onerror=alert(1)>&\"'";
        let source = SourceEntry {
            name: evil.into(),
            kind: "feed",
            url: evil.into(),
            health: Health::Failed,
            last_fetch: Some(evil.into()),
            last_success: Some(evil.into()),
            last_error: Some(SeenError {
                at: evil.into(),
                message: evil.into(),
            }),
            consecutive_failures: 3,
            next_refresh: Some(evil.into()),
            articles: Some(1),
            http_status: Some(500),
            degraded_selectors: vec![SelectorCount {
                field: evil.into(),
                selector: evil.into(),
                pages: 3,
                pages_matched: 1,
                matches: 1,
            }],
            warnings: 9,
            first_warnings: vec![evil.into()],
            moved_to: Some(evil.into()),
        };
        let state = State {
            version: "0",
            started: evil.into(),
            config: ConfigState {
                path: evil.into(),
                loaded: evil.into(),
                sources: 1,
                last_edit: Some(Edit {
                    at: evil.into(),
                    applied: false,
                    errors: vec![evil.into()],
                }),
            },
            builds_ok: 1,
            builds_failed: 0,
            last_build: Some(BuildState {
                finished: evil.into(),
                took_ms: 1,
                ok: true,
                error: None,
                sources_fetched: 1,
                articles: 1,
                feeds: 1,
                files_written: 1,
                files_unchanged: 0,
                output_errors: vec![evil.into()],
            }),
            sources: vec![source],
        };
        let page = html(&state);
        assert!(!page.contains("<img"), "{page}");
        assert!(
            page.contains("&lt;img src=x onerror=alert(1)&gt;&amp;"),
            "{page}"
        );
        // Each text shown, escaped: started, path, loaded (twice: with the refused edit),
        // edit time and error, build time and output error; the source's name (twice: its
        // row and the inspect hint), URL, new address, last success, error and its time,
        // next refresh, selector field and text, warning.
        assert_eq!(page.matches("&lt;img").count(), 19, "{page}");
        assert_eq!(html(&state), page, "the same record, the same bytes");
    }
}
