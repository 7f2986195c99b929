//! What the worker tests share: a loopback feed server that counts every request per path
//! (with its arrival time) and can hold a path's first request, a database of its own per
//! test on the PostgreSQL server CI starts, and `feedmill worker` child processes.

#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Requests seen, per path, with their arrival.
#[derive(Default)]
struct Seen {
    hits: BTreeMap<String, Vec<Instant>>,
    /// Paths whose first request is held (never answered).
    hold_first: BTreeSet<String>,
    /// Paths whose feed gains an item every `n`th request (0: never changes).
    changing: usize,
    /// How long each answer waits.
    delay: Duration,
    /// Requests being answered now, per listener, and the most at once.
    in_flight: BTreeMap<String, (usize, usize)>,
}

/// Feeds on several loopback addresses (127.0.0.1 … 127.0.0.n): each path is one RSS
/// document of three items, with an ETag answered by 304.
pub struct FeedServer {
    seen: Arc<Mutex<Seen>>,
    /// `http://127.0.0.k:port` per listener.
    pub bases: Vec<String>,
}

impl FeedServer {
    /// Listeners on `hosts` loopback addresses.
    pub fn start(hosts: usize) -> FeedServer {
        let seen = Arc::new(Mutex::new(Seen::default()));
        let mut bases = Vec::new();
        for k in 1..=hosts {
            let listener = TcpListener::bind(format!("127.0.0.{k}:0")).unwrap();
            bases.push(format!("http://{}", listener.local_addr().unwrap()));
            let seen = seen.clone();
            std::thread::spawn(move || {
                for conn in listener.incoming().flatten() {
                    let seen = seen.clone();
                    let host = conn.local_addr().map(|a| a.to_string()).unwrap_or_default();
                    std::thread::spawn(move || {
                        seen.lock()
                            .unwrap()
                            .in_flight
                            .entry(host.clone())
                            .or_default();
                        if !answer(conn, &seen, &host) {
                            return;
                        }
                        if let Some(f) = seen.lock().unwrap().in_flight.get_mut(&host) {
                            f.0 = f.0.saturating_sub(1);
                        }
                    });
                }
            });
        }
        FeedServer { seen, bases }
    }

    /// The URL of source `i`'s feed (spread over the listeners).
    pub fn url(&self, i: usize) -> String {
        format!("{}/feed/{i}.xml", self.bases[i % self.bases.len()])
    }

    /// Holds the first request for source `i` for ever (its connection stays open).
    pub fn hold_first(&self, i: usize) {
        self.seen
            .lock()
            .unwrap()
            .hold_first
            .insert(format!("/feed/{i}.xml"));
    }

    /// Every feed gains an item at every `n`th request for it.
    pub fn change_every(&self, n: usize) {
        self.seen.lock().unwrap().changing = n;
    }

    /// Every answer waits `d` first.
    pub fn delay(&self, d: Duration) {
        self.seen.lock().unwrap().delay = d;
    }

    /// The most requests any one listener answered at once.
    pub fn most_in_flight(&self) -> usize {
        let s = self.seen.lock().unwrap();
        s.in_flight.values().map(|f| f.1).max().unwrap_or(0)
    }

    /// Arrivals per path.
    pub fn hits(&self) -> BTreeMap<String, Vec<Instant>> {
        self.seen.lock().unwrap().hits.clone()
    }

    /// Requests for source `i`.
    pub fn count(&self, i: usize) -> usize {
        self.seen
            .lock()
            .unwrap()
            .hits
            .get(&format!("/feed/{i}.xml"))
            .map_or(0, Vec::len)
    }

    /// Requests in all.
    pub fn total(&self) -> usize {
        self.seen.lock().unwrap().hits.values().map(Vec::len).sum()
    }
}

/// Answers one request; whether it was counted in flight.
fn answer(conn: TcpStream, seen: &Mutex<Seen>, host: &str) -> bool {
    let mut reader = BufReader::new(conn.try_clone().unwrap());
    let mut line = String::new();
    if reader.read_line(&mut line).unwrap_or(0) == 0 {
        return false;
    }
    let path = line.split_whitespace().nth(1).unwrap_or("/").to_string();
    let mut inm = None;
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).unwrap_or(0) == 0 || h == "\r\n" {
            break;
        }
        if let Some(v) = h.to_ascii_lowercase().strip_prefix("if-none-match:") {
            inm = Some(v.trim().to_string());
        }
    }
    let (n, hold, changing, delay) = {
        let mut s = seen.lock().unwrap();
        let hits = s.hits.entry(path.clone()).or_default();
        hits.push(Instant::now());
        let n = hits.len();
        let hold = n == 1 && s.hold_first.contains(&path);
        if let Some(f) = s.in_flight.get_mut(host) {
            f.0 += 1;
            f.1 = f.1.max(f.0);
        }
        (n, hold, s.changing, s.delay)
    };
    std::thread::sleep(delay);
    if hold {
        // Never answered: the connection stays open until the client goes away.
        let mut sink = Vec::new();
        let _ = reader.read_to_end(&mut sink);
        std::thread::sleep(Duration::from_secs(3600));
        return true;
    }
    let version = n.checked_div(changing).unwrap_or(0);
    let etag = format!("\"v{version}\"");
    let mut out = conn;
    if inm.as_deref() == Some(etag.as_str()) {
        let _ = write!(
            out,
            "HTTP/1.1 304 Not Modified\r\nETag: {etag}\r\nConnection: close\r\n\r\n"
        );
        return true;
    }
    let name = path.trim_start_matches("/feed/").trim_end_matches(".xml");
    let mut items = String::new();
    for k in 0..3 + version {
        items.push_str(&format!(
            "<item><title>Source {name} story {k}</title><link>http://example.vn/{name}/{k}</link>\
             <guid>{name}-{k}</guid><pubDate>Mon, 0{} Dec 2026 08:00:00 GMT</pubDate>\
             <description>Story {k} of source {name}.</description></item>",
            1 + k % 9
        ));
    }
    let body = format!(
        "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Source {name}</title>\
         <link>http://example.vn/{name}/</link><description>d</description>{items}</channel></rss>"
    );
    let _ = write!(
        out,
        "HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\nETag: {etag}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    true
}

/// The PostgreSQL server `scripts/test-servers.sh start` exported, or `None` (with a NOT
/// CHECKED line) outside CI when it is not running; with `CI` set, a panic.
pub fn postgres_url(test: &str) -> Option<String> {
    match std::env::var("FEEDMILL_TEST_POSTGRES_URL")
        .ok()
        .filter(|v| !v.is_empty())
    {
        Some(u) => Some(u),
        None if std::env::var_os("CI").is_some() => panic!(
            "{test}: FEEDMILL_TEST_POSTGRES_URL is not set: CI must start PostgreSQL with scripts/test-servers.sh"
        ),
        None => {
            eprintln!(
                "NOT CHECKED: {test}: no PostgreSQL test server (eval \"$(scripts/test-servers.sh start)\")"
            );
            None
        }
    }
}

/// Runs one statement on the server at `url`.
pub fn sql(url: &str, statement: &str) {
    rt().block_on(async {
        let (client, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls)
            .await
            .unwrap_or_else(|e| panic!("cannot connect to {url}: {e}"));
        let task = tokio::spawn(conn);
        client
            .batch_execute(statement)
            .await
            .unwrap_or_else(|e| panic!("{statement}: {e}"));
        drop(client);
        let _ = task.await;
    });
}

/// Rows of one query, every column as text.
pub fn query(url: &str, q: &str) -> Vec<Vec<Option<String>>> {
    rt().block_on(async {
        let (client, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls)
            .await
            .unwrap();
        let task = tokio::spawn(conn);
        let rows = client.simple_query(q).await.unwrap();
        drop(client);
        let _ = task.await;
        rows.into_iter()
            .filter_map(|m| match m {
                tokio_postgres::SimpleQueryMessage::Row(r) => {
                    Some((0..r.len()).map(|i| r.get(i).map(str::to_string)).collect())
                }
                _ => None,
            })
            .collect()
    })
}

pub fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// A fresh database for `test` on the server at `url`; its URL.
pub fn fresh_database(url: &str, test: &str) -> String {
    let name = format!(
        "feedmill_{test}_{}_{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .subsec_nanos()
    );
    sql(url, &format!("CREATE DATABASE {name}"));
    with_database(url, &name)
}

/// `url` with its database replaced by `name`.
pub fn with_database(url: &str, name: &str) -> String {
    let (head, _) = url.rsplit_once('/').expect("a URL with a database");
    format!("{head}/{name}")
}

/// A feeds.toml in `dir` over `sources` (name `s<i>`, URL from the server), with `extra`
/// tables (`[worker]`, `[fetch]`, …) and the store and output in `dir`.
pub fn write_config(dir: &Path, server: &FeedServer, sources: usize, refresh: &str, extra: &str) {
    let mut text = format!(
        "[site]\ntitle = \"Workers\"\nbase_url = \"https://feeds.example.vn/\"\n\
         output_dir = \"public\"\nstore = \"feedmill.db\"\n{extra}\n"
    );
    for i in 0..sources {
        text.push_str(&format!(
            "[[source]]\nname = \"s{i}\"\nurl = \"{}\"\nrefresh = \"{refresh}\"\ntags = [\"t{}\"]\n",
            server.url(i),
            i % 5
        ));
    }
    std::fs::write(dir.join("feeds.toml"), text).unwrap();
}

/// A running `feedmill worker`, its stderr collected into a file.
pub struct Worker {
    pub child: Child,
    pub log: PathBuf,
}

impl Worker {
    /// Starts `feedmill worker --config dir/feeds.toml args…` with `env`.
    pub fn start(dir: &Path, id: &str, args: &[&str], env: &[(&str, &str)]) -> Worker {
        let log = dir.join(format!("{id}.log"));
        let file = std::fs::File::create(&log).unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_feedmill"))
            .arg("worker")
            .arg("--config")
            .arg(dir.join("feeds.toml"))
            .arg("--id")
            .arg(id)
            .args(args)
            .envs(env.iter().copied())
            .env("RUST_LOG", "warn,feedmill=info")
            .stdout(Stdio::null())
            .stderr(file)
            .spawn()
            .unwrap();
        Worker { child, log }
    }

    /// What it logged so far.
    pub fn said(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Still running.
    pub fn alive(&mut self) -> bool {
        self.child.try_wait().unwrap().is_none()
    }

    /// SIGKILL, then reaped.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Waits up to `limit` for `cond`; whether it held.
pub fn wait_for(limit: Duration, mut cond: impl FnMut() -> bool) -> bool {
    let until = Instant::now() + limit;
    while Instant::now() < until {
        if cond() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    cond()
}

/// A PostgreSQL cluster of the test's own in a temp folder (so that stopping it never
/// stops the shared server), made and run with the commands of `scripts/test-servers.sh`.
pub struct Cluster {
    pub dir: tempfile::TempDir,
    bin: PathBuf,
    pub port: u16,
}

impl Cluster {
    /// initdb and start, or `None` (NOT CHECKED) when PostgreSQL's binaries are missing
    /// outside CI; with `CI` set, a panic.
    pub fn start(test: &str) -> Option<Cluster> {
        let bin = std::fs::read_dir("/usr/lib/postgresql").ok().and_then(|d| {
            let mut v: Vec<PathBuf> = d
                .flatten()
                .map(|e| e.path().join("bin"))
                .filter(|b| b.join("initdb").exists())
                .collect();
            v.sort();
            v.pop()
        });
        let Some(bin) = bin else {
            assert!(
                std::env::var_os("CI").is_none(),
                "{test}: PostgreSQL's initdb is not under /usr/lib/postgresql: CI must install Debian's postgresql"
            );
            eprintln!("NOT CHECKED: {test}: no PostgreSQL binaries (apt-get install postgresql)");
            return None;
        };
        let dir = tempfile::tempdir().unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let c = Cluster { dir, bin, port };
        Command::new("chmod")
            .arg("755")
            .arg(c.dir.path())
            .status()
            .unwrap();
        let mut install = Command::new("install");
        install.args(["-d", "-m", "700"]);
        if c.root() {
            install.args(["-o", "postgres", "-g", "postgres"]);
        }
        assert!(install
            .arg(c.dir.path().join("pg"))
            .status()
            .unwrap()
            .success());
        let data = c.dir.path().join("pg/data");
        let out = c
            .pg("initdb")
            .arg("-D")
            .arg(&data)
            .args(["-U", "postgres", "--auth=trust", "-E", "UTF8"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "initdb: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        c.up();
        Some(c)
    }

    fn root(&self) -> bool {
        euid_is_root()
    }

    /// The command `name` of PostgreSQL's binaries, as the postgres user when root.
    fn pg(&self, name: &str) -> Command {
        if self.root() {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(self.bin.join(name));
            c
        } else {
            Command::new(self.bin.join(name))
        }
    }

    /// Starts the server (again).
    pub fn up(&self) {
        let pg = self.dir.path().join("pg");
        let out = self
            .pg("pg_ctl")
            .arg("-D")
            .arg(pg.join("data"))
            .arg("-l")
            .arg(pg.join("server.log"))
            .args(["-w", "-t", "30", "-o"])
            .arg(format!(
                "-c listen_addresses=127.0.0.1 -p {} -k {}",
                self.port,
                pg.display()
            ))
            .arg("start")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "pg_ctl start: {}{}",
            String::from_utf8_lossy(&out.stderr),
            std::fs::read_to_string(pg.join("server.log")).unwrap_or_default()
        );
    }

    /// Stops the server (fast: open connections are cut).
    pub fn down(&self) {
        let out = self
            .pg("pg_ctl")
            .arg("-D")
            .arg(self.dir.path().join("pg/data"))
            .args(["-m", "fast", "-w", "stop"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "pg_ctl stop: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Its URL.
    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = self
            .pg("pg_ctl")
            .arg("-D")
            .arg(self.dir.path().join("pg/data"))
            .args(["-m", "immediate", "-w", "stop"])
            .output();
    }
}

fn euid_is_root() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}
