//! The test sites of tests/data/sites/ served on 127.0.0.1, and the `feedmill` binary run
//! against them in a temporary folder. Nothing touches the internet or the checkout's own
//! feeds.toml, store or output.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};

/// The checkout.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// One site folder served over HTTP/1.1: `/` and `/dir/` serve `index.html`; `{{ORIGIN}}`
/// in a file becomes `http://127.0.0.1:PORT`; every request's path (and query) is logged.
pub struct Site {
    pub origin: String,
    pub requests: Arc<Mutex<Vec<String>>>,
}

fn content_type(path: &Path, body: &[u8]) -> &'static str {
    match path.extension().and_then(|e| e.to_str()) {
        Some("html" | "htm") => "text/html; charset=utf-8",
        Some("xml" | "rss") if body.windows(5).take(200).any(|w| w == b"<feed") => {
            "application/atom+xml; charset=utf-8"
        }
        Some("xml" | "rss") => "application/rss+xml; charset=utf-8",
        Some("atom") => "application/atom+xml; charset=utf-8",
        Some("png") => "image/png",
        _ if body.starts_with(b"<?xml") => "application/rss+xml; charset=utf-8",
        _ => "text/html; charset=utf-8",
    }
}

impl Site {
    /// Serves `tests/data/sites/<name>/`.
    pub fn start(name: &str) -> Site {
        Site::start_dir(root().join("tests/data/sites").join(name))
    }

    /// Serves the folder `dir`.
    pub fn start_dir(dir: PathBuf) -> Site {
        assert!(dir.is_dir(), "{} is not a folder", dir.display());
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        let origin = format!("http://{}", listener.local_addr().unwrap());
        let requests: Arc<Mutex<Vec<String>>> = Arc::default();
        let (log, o) = (requests.clone(), origin.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut first = String::new();
                let _ = reader.read_line(&mut first);
                let mut line = String::new();
                loop {
                    line.clear();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                        break;
                    }
                }
                let target = first.split_whitespace().nth(1).unwrap_or("/").to_string();
                log.lock().unwrap().push(target.clone());
                let path = target.split(['?', '#']).next().unwrap_or("/");
                let query = target.split_once('?').is_some();
                let mut rel = path.trim_start_matches('/').to_string();
                if rel.is_empty() || rel.ends_with('/') {
                    rel.push_str("index.html");
                }
                let file = dir.join(&rel);
                let found = (!rel.contains("..") && !query && file.is_file())
                    .then(|| std::fs::read(&file).ok())
                    .flatten();
                let (status, ctype, body) = match found {
                    Some(b) => {
                        let ctype = content_type(&file, &b);
                        let body = if ctype.starts_with("image/") {
                            b
                        } else {
                            String::from_utf8_lossy(&b)
                                .replace("{{ORIGIN}}", &o)
                                .into_bytes()
                        };
                        ("200 OK", ctype, body)
                    }
                    None => ("404 Not Found", "text/html", b"<h1>not found</h1>".to_vec()),
                };
                let head = format!(
                    "HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    body.len()
                );
                let _ = stream.write_all(head.as_bytes());
                let _ = stream.write_all(&body);
            }
        });
        Site { origin, requests }
    }

    /// The absolute URL of `path` on this site.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.origin)
    }

    /// Paths requested so far.
    pub fn requested(&self) -> Vec<String> {
        self.requests.lock().unwrap().clone()
    }

    /// Forgets the requests so far.
    pub fn clear(&self) {
        self.requests.lock().unwrap().clear();
    }
}

/// A starter feeds.toml for a test: the site's settings, with a short timeout, no sources.
pub const BASE_CONFIG: &str = "# A test config: its comments must survive `feedmill add`.\n[site]\ntitle = \"Tin thử\"   # the feed titles' prefix\nbase_url = \"https://feeds.example.vn/\"\nlanguage = \"vi\"\ntimezone = \"Asia/Ho_Chi_Minh\"\n\n[fetch]\ntimeout = \"5s\"\nretries = 0\n\n# Sources follow.\n";

/// A temporary folder holding `feeds.toml` with `text`.
pub fn workdir(text: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("feeds.toml"), text).unwrap();
    dir
}

/// Runs `feedmill ARGS` in `dir`.
pub fn feedmill(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_feedmill"))
        .current_dir(dir)
        .args(args)
        .output()
        .expect("run feedmill")
}

/// stdout and stderr of `out`, for assertion messages.
pub fn said(out: &Output) -> String {
    format!(
        "exit {:?}\n--- stdout\n{}\n--- stderr\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}
