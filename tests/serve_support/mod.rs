//! Helpers for the serve tests: a site in a temp folder, an HTTP client that does not
//! decompress, raw requests for paths a URL library would normalize, and polling.
#![allow(dead_code)] // each test binary uses a different subset

use std::future::Future;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use feedmill::serve::{Server, ServerHandle};

/// The crate's root folder.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A temp folder holding feeds.toml and its sources.
pub struct Site {
    pub dir: tempfile::TempDir,
}

impl Site {
    /// The bundled example: feeds.toml and examples/feeds copied to a temp folder.
    pub fn example() -> Site {
        let site = Site::empty();
        let feeds = site.path().join("examples/feeds");
        std::fs::create_dir_all(&feeds).expect("mkdir");
        for name in ["baoyenbai-xay-dung-dang.rss", "lucyen.atom"] {
            std::fs::copy(root().join("examples/feeds").join(name), feeds.join(name))
                .expect("copy example feed");
        }
        std::fs::copy(root().join("feeds.toml"), site.config()).expect("copy feeds.toml");
        site
    }

    /// An empty temp folder.
    pub fn empty() -> Site {
        Site {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn config(&self) -> PathBuf {
        self.path().join("feeds.toml")
    }

    pub fn out(&self, rel: &str) -> PathBuf {
        self.path().join("public").join(rel)
    }

    pub fn write_config(&self, text: &str) {
        write_atomically(&self.config(), text.as_bytes());
    }

    /// Starts a server on 127.0.0.1:0 and waits for its first build.
    pub async fn start(&self) -> ServerHandle {
        let handle = Server::start(self.config(), "127.0.0.1:0".parse().expect("addr"))
            .await
            .expect("server starts");
        assert!(
            handle.wait_for_builds(1, Duration::from_secs(20)).await,
            "the first build finishes"
        );
        handle
    }
}

/// Replaces a file the way editors do (write aside, rename), so the watcher never reads
/// half a file.
pub fn write_atomically(path: &Path, bytes: &[u8]) {
    let tmp = path.with_extension("tmp-edit");
    std::fs::write(&tmp, bytes).expect("write");
    std::fs::rename(&tmp, path).expect("rename");
}

/// A client that leaves bodies as sent (no automatic gzip/brotli decoding).
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_gzip()
        .no_brotli()
        .no_deflate()
        .timeout(Duration::from_secs(10))
        .build()
        .expect("client")
}

pub fn url(addr: SocketAddr, path: &str) -> String {
    format!("http://{addr}{path}")
}

/// Sends `GET <target>` exactly as written (no URL normalization) and returns the status
/// code and the whole response text.
pub async fn raw_get(addr: SocketAddr, target: &str) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let head = format!("GET {target} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    s.write_all(head.as_bytes()).await.expect("send");
    let mut buf = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), s.read_to_end(&mut buf)).await;
    let text = String::from_utf8_lossy(&buf).into_owned();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    (status, text)
}

/// Polls `check` every 100 ms until it returns true or `timeout` passes.
pub async fn eventually<F, Fut>(timeout: Duration, mut check: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        if check().await {
            return true;
        }
        if tokio::time::Instant::now() >= deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The body of `GET path`, or `None` unless the answer is 200.
pub async fn get_text(client: &reqwest::Client, addr: SocketAddr, path: &str) -> Option<String> {
    let r = client.get(url(addr, path)).send().await.ok()?;
    if r.status() != 200 {
        return None;
    }
    r.text().await.ok()
}

/// A small RSS 2.0 document with one item per title, dated a day apart from 2025-06-01.
pub fn rss(channel: &str, titles: &[&str]) -> String {
    let mut items = String::new();
    for (i, t) in titles.iter().enumerate() {
        items.push_str(&format!(
            "<item><title>{t}</title><link>https://news.test/{channel}/{i}</link>\
             <guid>https://news.test/{channel}/{i}</guid>\
             <pubDate>{:02} Jun 2025 08:00:00 +0700</pubDate><category>Chè</category></item>",
            i + 1
        ));
    }
    format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?><rss version=\"2.0\"><channel>\
         <title>{channel}</title><link>https://news.test/{channel}/</link>\
         <description>test</description>{items}</channel></rss>"
    )
}
