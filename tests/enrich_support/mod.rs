//! A loopback site for the full-text and filter tests: files of a folder served with
//! `{{NAME}}` placeholders filled in, strong ETags (a matching `If-None-Match` gets a
//! 304), per-path overrides (a 500, a changed page) and a log of every request. Builds run
//! in temp folders; nothing touches the internet or the checkout's own feeds.toml, store or
//! output.
#![allow(dead_code)]

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use feedmill::config::Config;
use feedmill::pipeline::{build, BuildOptions, BuildReport};

/// The checkout.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The full-text test site's folder.
pub fn site_dir() -> PathBuf {
    root().join("tests/data/sites/fulltext")
}

/// One request as the server saw it.
#[derive(Debug, Clone)]
pub struct Request {
    pub path: String,
    pub if_none_match: Option<String>,
    pub status: u16,
}

type Overrides = Arc<Mutex<HashMap<String, (u16, String)>>>;

/// A folder served on 127.0.0.1.
pub struct Site {
    pub origin: String,
    log: Arc<Mutex<Vec<Request>>>,
    overrides: Overrides,
}

fn etag(body: &[u8]) -> String {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    body.hash(&mut h);
    format!("\"{:016x}\"", h.finish())
}

impl Site {
    /// Serves `dir`; `{{ORIGIN}}` becomes this server's origin, each `(name, value)` of
    /// `vars` replaces `{{name}}`.
    pub fn start(dir: PathBuf, vars: &[(&str, &str)]) -> Site {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        let origin = format!("http://{}", listener.local_addr().unwrap());
        let log: Arc<Mutex<Vec<Request>>> = Arc::default();
        let overrides: Overrides = Arc::default();
        let mut vars: Vec<(String, String)> = vars
            .iter()
            .map(|(k, v)| (format!("{{{{{k}}}}}"), v.to_string()))
            .collect();
        vars.push(("{{ORIGIN}}".into(), origin.clone()));
        let (l, o) = (log.clone(), overrides.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut first = String::new();
                let _ = reader.read_line(&mut first);
                let mut inm = None;
                let mut line = String::new();
                loop {
                    line.clear();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                        break;
                    }
                    if let Some((k, v)) = line.split_once(':') {
                        if k.trim().eq_ignore_ascii_case("if-none-match") {
                            inm = Some(v.trim().to_string());
                        }
                    }
                }
                let path = first.split_whitespace().nth(1).unwrap_or("/").to_string();
                let rel = path.trim_start_matches('/').to_string();
                let (mut status, body) = match o.lock().unwrap().get(&rel).cloned() {
                    Some((s, b)) => (s, b.into_bytes()),
                    None => match (!rel.contains("..")).then(|| std::fs::read(dir.join(&rel))) {
                        Some(Ok(b)) => {
                            let mut text = String::from_utf8_lossy(&b).into_owned();
                            for (k, v) in &vars {
                                text = text.replace(k, v);
                            }
                            (200, text.into_bytes())
                        }
                        _ => (404, b"not found".to_vec()),
                    },
                };
                let tag = etag(&body);
                if status == 200 && inm.as_deref() == Some(tag.as_str()) {
                    status = 304;
                }
                l.lock().unwrap().push(Request {
                    path: path.clone(),
                    if_none_match: inm,
                    status,
                });
                let ctype = if rel.ends_with(".xml") {
                    "application/rss+xml; charset=utf-8"
                } else {
                    "text/html; charset=utf-8"
                };
                let body: &[u8] = if status == 304 { b"" } else { &body };
                let head = format!(
                    "HTTP/1.1 {status} X\r\nContent-Type: {ctype}\r\nETag: {tag}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    body.len()
                );
                let _ = stream.write_all(head.as_bytes());
                let _ = stream.write_all(body);
            }
        });
        Site {
            origin,
            log,
            overrides,
        }
    }

    /// `origin` + `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.origin)
    }

    /// Answers `path` with `status` and `body` from now on.
    pub fn set(&self, path: &str, status: u16, body: &str) {
        self.overrides.lock().unwrap().insert(
            path.trim_start_matches('/').to_string(),
            (status, body.to_string()),
        );
    }

    /// Serves the file at `path` again.
    pub fn reset(&self, path: &str) {
        self.overrides
            .lock()
            .unwrap()
            .remove(path.trim_start_matches('/'));
    }

    /// Every request so far.
    pub fn requests(&self) -> Vec<Request> {
        self.log.lock().unwrap().clone()
    }

    /// Requests so far whose path ends in `.html` (article pages).
    pub fn page_requests(&self) -> Vec<String> {
        self.requests()
            .into_iter()
            .filter(|r| r.path.ends_with(".html"))
            .map(|r| r.path)
            .collect()
    }

    /// Forgets the requests so far.
    pub fn clear(&self) {
        self.log.lock().unwrap().clear();
    }
}

/// The true body of a test page, one paragraph a line.
pub fn truth(page: &str) -> Vec<String> {
    std::fs::read_to_string(site_dir().join("truth").join(format!("{page}.txt")))
        .unwrap()
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(String::from)
        .collect()
}

/// Text of the page furniture: none of it may end up in an article's content.
pub const FURNITURE: &[&str] = &[
    "Thời sự",
    "Liên hệ tòa soạn",
    "Tìm kiếm tin tức",
    "Trang chủ",
    "Chia sẻ bài viết",
    "Facebook",
    "In bài viết",
    "Quảng cáo",
    "Tin liên quan",
    "Nâng cao chất lượng đội ngũ cấp ủy viên",
    "Tin đọc nhiều",
    "chuyển đổi số trong cải cách hành chính",
    "Bình luận",
    "Bài viết rất hay và thiết thực",
    "bảo dưỡng các tuyến đường",
    "Gửi bình luận",
    "Cơ quan chủ quản",
    "Ghi rõ nguồn",
    "track(",
    "dataLayer",
];

/// Writes `feeds.toml` in `dir` with `body` after a `[site]` table, and loads it.
pub fn config(dir: &Path, body: &str) -> Config {
    let text = format!(
        "[site]\ntitle = \"Tin Lục Yên\"\nbase_url = \"https://feeds.example.vn/\"\nlanguage = \"vi\"\ntimezone = \"Asia/Ho_Chi_Minh\"\n\n{body}"
    );
    let path = dir.join("feeds.toml");
    std::fs::write(&path, text).unwrap();
    Config::load(&path).unwrap_or_else(|e| panic!("{e:?}"))
}

/// One build of `cfg`.
pub fn run(cfg: &Config) -> BuildReport {
    tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(build(cfg, &BuildOptions::default()))
        .expect("build")
}

/// The stored articles of `cfg`'s store, by title.
pub fn stored(cfg: &Config) -> HashMap<String, feedmill::model::Article> {
    feedmill::store::open(&cfg.site.store)
        .unwrap()
        .articles()
        .unwrap()
        .into_iter()
        .map(|a| (a.title.clone(), a))
        .collect()
}

/// Plain text of sanitized HTML, whitespace collapsed.
pub fn text(html: &str) -> String {
    feedmill::normalize::text::plain_text(html)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}
