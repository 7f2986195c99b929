//! `feedmill serve` as a process: it reports an invalid feeds.toml edit with file, line and
//! column, keeps serving, and on SIGTERM finishes the request in flight before exiting.

mod serve_support;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serve_support::{get_text, raw_get, Site};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A running `feedmill serve` with its stderr collected line by line.
struct Proc {
    child: Child,
    lines: Arc<Mutex<Vec<String>>>,
}

impl Proc {
    fn start(site: &Site) -> Proc {
        let mut child = Command::new(env!("CARGO_BIN_EXE_feedmill"))
            .args(["serve", "--listen", "127.0.0.1:0", "--config"])
            .arg(site.config())
            .env_remove("RUST_LOG")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("feedmill starts");
        let stderr = child.stderr.take().expect("stderr");
        let lines = Arc::new(Mutex::new(Vec::new()));
        let l = lines.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                l.lock().expect("lock").push(line);
            }
        });
        Proc { child, lines }
    }

    /// Waits for a stderr line containing `needle`; returns it.
    async fn line(&self, needle: &str, timeout: Duration) -> Option<String> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(l) = self
                .lines
                .lock()
                .expect("lock")
                .iter()
                .find(|l| l.contains(needle))
            {
                return Some(l.clone());
            }
            if Instant::now() >= deadline {
                return None;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    fn all(&self) -> String {
        self.lines.lock().expect("lock").join("\n")
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn sigterm(child: &Child) {
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_edit_is_reported_with_line_and_column_and_sigterm_is_graceful() {
    let site = Site::example();
    let original = std::fs::read_to_string(site.config()).expect("config");
    let mut proc = Proc::start(&site);
    let started = proc
        .line("feedmill: serving", Duration::from_secs(20))
        .await
        .unwrap_or_else(|| panic!("no start line:\n{}", proc.all()));
    let addr: std::net::SocketAddr = started
        .split("http://")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .and_then(|a| a.parse().ok())
        .unwrap_or_else(|| panic!("no address in {started}"));
    let c = serve_support::client();
    let served = serve_support::eventually(Duration::from_secs(20), || async {
        get_text(&c, addr, "/other-news/atom.xml").await.is_some()
    })
    .await;
    assert!(served, "the first build is served:\n{}", proc.all());

    let bad_line = original
        .lines()
        .position(|l| l == "items = 50")
        .expect("items line")
        + 1;
    site.write_config(&original.replacen("items = 50", "itemz = 50", 1));
    let expected = format!(
        "{}:{bad_line}:1: unknown key `itemz` in [feeds]",
        site.config().display()
    );
    let logged = proc.line(&expected, Duration::from_secs(5)).await;
    assert!(
        logged.is_some(),
        "expected {expected:?} in:\n{}",
        proc.all()
    );
    assert_eq!(raw_get(addr, "/other-news/atom.xml").await.0, 200);

    // A request in flight (its head half sent) when SIGTERM arrives is still answered.
    let mut conn = tokio::net::TcpStream::connect(addr).await.expect("connect");
    conn.write_all(b"GET /other-news/rss.xml HTTP/1.1\r\nHost: x\r\n")
        .await
        .expect("send");
    tokio::time::sleep(Duration::from_millis(200)).await;
    sigterm(&proc.child);
    tokio::time::sleep(Duration::from_millis(300)).await;
    conn.write_all(b"Connection: close\r\n\r\n")
        .await
        .expect("send rest");
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), conn.read_to_end(&mut answer)).await;
    let answer = String::from_utf8_lossy(&answer);
    assert!(
        answer.starts_with("HTTP/1.1 200 OK"),
        "in-flight request answered: {answer}"
    );
    assert!(answer.contains("</rss>"));

    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(s) = proc.child.try_wait().expect("wait") {
            break s;
        }
        assert!(Instant::now() < deadline, "still running after SIGTERM");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(status.success(), "exit status {status}:\n{}", proc.all());
    assert!(proc.line("shutting down", Duration::ZERO).await.is_some());
}

#[test]
fn an_invalid_config_at_start_exits_2_naming_the_line() {
    let site = Site::example();
    let original = std::fs::read_to_string(site.config()).expect("config");
    site.write_config(&original.replacen("items = 50", "itemz = 50", 1));
    let out = Command::new(env!("CARGO_BIN_EXE_feedmill"))
        .args(["serve", "--listen", "127.0.0.1:0", "--config"])
        .arg(site.config())
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(":15:1: unknown key `itemz` in [feeds]"),
        "{err}"
    );
}
