//! Helpers shared by the end-to-end tests: a tiny HTTP server on 127.0.0.1 and feed parsing.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// What the test server answers: status, content type, body.
#[derive(Clone)]
pub struct Reply {
    pub status: u16,
    pub content_type: String,
    pub body: Vec<u8>,
}

/// A minimal HTTP/1.1 server on 127.0.0.1 whose reply the test can change between builds.
pub struct TestServer {
    pub addr: SocketAddr,
    reply: Arc<Mutex<Reply>>,
    pub hits: Arc<Mutex<usize>>,
}

impl TestServer {
    pub fn start(reply: Reply) -> TestServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        let addr = listener.local_addr().unwrap();
        let reply = Arc::new(Mutex::new(reply));
        let hits = Arc::new(Mutex::new(0));
        let (r, h) = (reply.clone(), hits.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut line = String::new();
                // Read the request head up to the blank line.
                loop {
                    line.clear();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                        break;
                    }
                }
                *h.lock().unwrap() += 1;
                let reply = r.lock().unwrap().clone();
                let head = format!(
                    "HTTP/1.1 {} X\r\nContent-Type: {}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    reply.status,
                    reply.content_type,
                    reply.body.len()
                );
                let _ = stream.write_all(head.as_bytes());
                let _ = stream.write_all(&reply.body);
            }
        });
        TestServer { addr, reply, hits }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    pub fn set(&self, reply: Reply) {
        *self.reply.lock().unwrap() = reply;
    }
}

/// A static-file server on 127.0.0.1 for a folder, whose files the test can override
/// (to simulate a site changing its layout). Counts requests per path.
pub struct SiteServer {
    pub addr: SocketAddr,
    overrides: Arc<Mutex<std::collections::HashMap<String, Vec<u8>>>>,
    pub requests: Arc<Mutex<Vec<String>>>,
}

impl SiteServer {
    pub fn start(dir: PathBuf) -> SiteServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        let addr = listener.local_addr().unwrap();
        let overrides: Arc<Mutex<std::collections::HashMap<String, Vec<u8>>>> = Arc::default();
        let requests: Arc<Mutex<Vec<String>>> = Arc::default();
        let (o, r) = (overrides.clone(), requests.clone());
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
                let path = first.split_whitespace().nth(1).unwrap_or("/").to_string();
                let path = path.split(['?', '#']).next().unwrap_or("/").to_string();
                r.lock().unwrap().push(path.clone());
                let rel = path.trim_start_matches('/');
                let body = o.lock().unwrap().get(rel).cloned().or_else(|| {
                    (!rel.contains(".."))
                        .then(|| std::fs::read(dir.join(rel)).ok())
                        .flatten()
                });
                let (status, body) = match body {
                    Some(b) => ("200 OK", b),
                    None => ("404 Not Found", b"not found".to_vec()),
                };
                let ctype = if rel.ends_with(".png") {
                    "image/png"
                } else {
                    "text/html; charset=utf-8"
                };
                let head = format!(
                    "HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    body.len()
                );
                let _ = stream.write_all(head.as_bytes());
                let _ = stream.write_all(&body);
            }
        });
        SiteServer {
            addr,
            overrides,
            requests,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// Serves `body` at `path` from now on instead of the file.
    pub fn replace(&self, path: &str, body: &str) {
        self.overrides.lock().unwrap().insert(
            path.trim_start_matches('/').to_string(),
            body.as_bytes().to_vec(),
        );
    }
}

/// The crate's root folder.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A copy of the bundled example (feeds.toml, examples/feeds, examples/site) in a temp
/// folder: tests build there, never in the checkout, whose feedmill.db and public/ belong
/// to whoever ran `cargo run -- build`.
pub fn example_copy() -> tempfile::TempDir {
    fn copy_dir(from: &Path, to: &Path) {
        std::fs::create_dir_all(to).unwrap();
        for e in std::fs::read_dir(from).unwrap() {
            let e = e.unwrap();
            let target = to.join(e.file_name());
            if e.file_type().unwrap().is_dir() {
                copy_dir(&e.path(), &target);
            } else {
                std::fs::copy(e.path(), target).unwrap();
            }
        }
    }
    let tmp = tempfile::tempdir().expect("temp dir");
    std::fs::copy(root().join("feeds.toml"), tmp.path().join("feeds.toml")).unwrap();
    for d in ["examples/feeds", "examples/site"] {
        copy_dir(&root().join(d), &tmp.path().join(d));
    }
    tmp
}

/// Parses a written feed with the independent `feed-rs` parser.
pub fn parse_feed(path: &Path) -> feed_rs::model::Feed {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    feed_rs::parser::parse(&bytes[..])
        .unwrap_or_else(|e| panic!("{} does not parse: {e}", path.display()))
}

/// Every file below `dir`, sorted.
pub fn files_below(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}
