//! Shared by the scrape tests: a real HTTP server on 127.0.0.1 serving a folder, a
//! recording page source, and the example site's `[source.html]` from its source.toml.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use axum::http::{header, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Router;
use feedmill::config::{HtmlCfg, Source, SourceKind, SourceUrl};
use feedmill::scrape::{PageFuture, PageSource, SimplePages};
use url::Url;

/// The example site's folder.
pub fn site_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/site")
}

fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()) {
        Some("html") => "text/html; charset=utf-8",
        Some("css") => "text/css",
        Some("png") => "image/png",
        _ => "application/octet-stream",
    }
}

async fn serve_file(root: PathBuf, uri: Uri) -> Response {
    let path = uri.path().trim_start_matches('/');
    let path = if path.is_empty() { "index.html" } else { path };
    if path.split('/').any(|seg| seg == ".." || seg.is_empty()) {
        return StatusCode::BAD_REQUEST.into_response();
    }
    let file = root.join(path);
    match tokio::fs::read(&file).await {
        Ok(body) => ([(header::CONTENT_TYPE, content_type(&file))], body).into_response(),
        Err(_) => StatusCode::NOT_FOUND.into_response(),
    }
}

/// Serves `root` over HTTP on 127.0.0.1 (a free port) until the test's runtime ends;
/// returns the base URL, ending in `/`.
pub async fn serve(root: PathBuf) -> Url {
    let app = Router::new().fallback(move |uri: Uri| serve_file(root.clone(), uri));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind 127.0.0.1");
    let addr = listener.local_addr().expect("local address");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Url::parse(&format!("http://{addr}/")).expect("server URL")
}

/// A [`SimplePages`] that remembers every URL asked for.
pub struct Recording {
    inner: SimplePages,
    /// URLs requested, in order.
    pub seen: Mutex<Vec<String>>,
}

impl Recording {
    pub fn new() -> Recording {
        Recording {
            inner: SimplePages::new(2).expect("HTTP client"),
            seen: Mutex::new(Vec::new()),
        }
    }

    pub fn seen(&self) -> Vec<String> {
        self.seen.lock().map(|s| s.clone()).unwrap_or_default()
    }
}

impl PageSource for Recording {
    fn get<'a>(&'a self, url: &'a Url) -> PageFuture<'a> {
        if let Ok(mut seen) = self.seen.lock() {
            seen.push(url.to_string());
        }
        self.inner.get(url)
    }
}

fn string(table: &toml::Table, key: &str) -> Option<String> {
    table.get(key).and_then(|v| v.as_str()).map(str::to_string)
}

fn strings(table: &toml::Table, key: &str) -> Vec<String> {
    table
        .get(key)
        .and_then(|v| v.as_array())
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// The `[source.html]` table of examples/site/source.toml, so the tests exercise exactly
/// the selectors the default config ships.
pub fn site_html_cfg() -> HtmlCfg {
    let text = std::fs::read_to_string(site_dir().join("source.toml")).expect("source.toml");
    let doc: toml::Table = text.parse().expect("source.toml is TOML");
    let source = doc
        .get("source")
        .and_then(|s| s.as_array())
        .and_then(|a| a.first())
        .and_then(|s| s.as_table())
        .expect("[[source]]");
    assert_eq!(string(source, "kind").as_deref(), Some("html"));
    let html = source
        .get("html")
        .and_then(|h| h.as_table())
        .expect("[source.html]");
    HtmlCfg {
        item: string(html, "item").expect("item"),
        link: string(html, "link").expect("link"),
        pages: html
            .get("pages")
            .and_then(|p| p.as_integer())
            .and_then(|p| u32::try_from(p).ok())
            .unwrap_or(1),
        next: string(html, "next"),
        title: string(html, "title"),
        date: string(html, "date"),
        date_formats: strings(html, "date_formats"),
        author: string(html, "author"),
        tags: string(html, "tags"),
        summary: string(html, "summary"),
        content: string(html, "content"),
        remove: strings(html, "remove"),
        image: string(html, "image"),
        allow_hosts: strings(html, "allow_hosts"),
    }
}

/// An html source named `name` whose listing is `url`.
pub fn source(name: &str, url: Url, html: &HtmlCfg) -> Source {
    let url = if url.scheme() == "file" {
        SourceUrl::File(url.to_file_path().expect("file URL"))
    } else {
        SourceUrl::Http(url)
    };
    Source {
        kind: SourceKind::Html,
        category: Some("Xây dựng Đảng".into()),
        timezone: Some(chrono_tz::Asia::Ho_Chi_Minh),
        html: Some(html.clone()),
        ..Source::feed(name, url)
    }
}

/// The example site's page names.
pub const LUC_YEN: &str = "luc-yen-nang-cao-suc-chien-dau-cua-to-chuc-dang-o-co-so.html";
pub const LUONG_THINH: &str = "luong-thinh-xay-dung-dang-gan-voi-phat-trien-kinh-te-xa-hoi.html";
pub const HONG_CA: &str = "hong-ca-chu-trong-cong-tac-phat-trien-dang.html";
