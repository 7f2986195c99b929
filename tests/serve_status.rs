//! `/status` and `/status.json` of a running `feedmill serve`, with one good source, one
//! answering 500 and one whose server sends markup: every source's health, errors escaped,
//! the same bytes for the same state, not linked from the index, a refused edit shown,
//! and a token (`FEEDMILL_STATUS_TOKEN`) required when one is set.

mod e2e_support;
mod serve_proc;

use std::io::{Read, Write};
use std::net::SocketAddr;
use std::path::Path;
use std::time::{Duration, Instant};

use e2e_support::{Reply, TestServer};
use serve_proc::{header, Proc};

/// A blocking HTTP/1.1 request with `Connection: close`: status, head, body.
fn request(addr: SocketAddr, method: &str, path: &str, headers: &str) -> (u16, String, String) {
    let mut s = std::net::TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    let req = format!("{method} {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n{headers}\r\n");
    s.write_all(req.as_bytes()).expect("send");
    let mut buf = Vec::new();
    let _ = s.read_to_end(&mut buf);
    let text = String::from_utf8(buf).expect("UTF-8 answer");
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    (status, head.to_string(), body.to_string())
}

fn get(addr: SocketAddr, path: &str) -> (u16, String, String) {
    request(addr, "GET", path, "")
}

/// `/status.json` once at least `builds` builds are in it.
fn status_after(proc: &Proc, builds: u64, headers: &str) -> serde_json::Value {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (code, _, body) = request(proc.addr, "GET", "/status.json", headers);
        if code == 200 {
            let v: serde_json::Value = serde_json::from_str(&body).expect("status.json is JSON");
            if v["builds_ok"].as_u64().unwrap_or(0) >= builds {
                return v;
            }
        }
        assert!(
            Instant::now() < deadline,
            "no build in /status.json:\n{}",
            proc.all()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn rss(titles: &[&str]) -> Vec<u8> {
    let items: String = titles
        .iter()
        .enumerate()
        .map(|(i, t)| {
            format!(
                "<item><title>{t}</title><link>https://news.test/{i}</link>\
                 <pubDate>0{} Jun 2025 08:00:00 +0700</pubDate></item>",
                i + 1
            )
        })
        .collect();
    format!(
        "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>t</title>\
         <link>https://news.test/</link><description>d</description>{items}</channel></rss>"
    )
    .into_bytes()
}

/// The three loopback servers and a config reading them, refreshed hourly (so no build
/// happens between two requests of a test).
struct Sites {
    _good: TestServer,
    _broken: TestServer,
    _hostile: TestServer,
    dir: tempfile::TempDir,
}

impl Sites {
    fn start() -> Sites {
        let good = TestServer::start(Reply {
            status: 200,
            content_type: "application/rss+xml".into(),
            body: rss(&["Một", "Hai"]),
        });
        let broken = TestServer::start(Reply {
            status: 500,
            content_type: "text/plain".into(),
            body: b"oops".to_vec(),
        });
        // A server whose answer the reader quotes in its error: the root element's name.
        let hostile = TestServer::start(Reply {
            status: 200,
            content_type: "application/rss+xml".into(),
            body: b"<script>alert(\"owned\")</script>".to_vec(),
        });
        let dir = tempfile::tempdir().expect("temp dir");
        let config = format!(
            "[site]\ntitle = \"Status test\"\nbase_url = \"http://feeds.test/\"\n\n\
             [fetch]\nretries = 0\ntimeout = \"5s\"\nrefresh = \"1h\"\n\n\
             [[source]]\nname = \"good\"\nurl = \"{}\"\n\n\
             [[source]]\nname = \"broken\"\nurl = \"{}\"\n\n\
             [[source]]\nname = \"hostile\"\nurl = \"{}\"\n",
            good.url("/feed.rss"),
            broken.url("/feed.rss"),
            hostile.url("/feed.rss")
        );
        std::fs::write(dir.path().join("feeds.toml"), config).expect("write config");
        Sites {
            _good: good,
            _broken: broken,
            _hostile: hostile,
            dir,
        }
    }

    fn config(&self) -> std::path::PathBuf {
        self.dir.path().join("feeds.toml")
    }
}

fn source<'a>(status: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    status["sources"]
        .as_array()
        .expect("sources")
        .iter()
        .find(|s| s["name"] == name)
        .unwrap_or_else(|| panic!("no source {name} in {status:#}"))
}

fn write_atomically(path: &Path, text: &str) {
    let tmp = path.with_extension("tmp-edit");
    std::fs::write(&tmp, text).expect("write");
    std::fs::rename(&tmp, path).expect("rename");
}

#[test]
fn status_shows_each_source_and_escapes_what_servers_sent() {
    let sites = Sites::start();
    let proc = Proc::start_with(&sites.config(), &[], &[]);
    let status = status_after(&proc, 1, "");

    let good = source(&status, "good");
    assert_eq!(good["kind"], "feed");
    assert_eq!(good["health"], "ok");
    assert_eq!(good["articles"], 2);
    assert_eq!(good["consecutive_failures"], 0);
    assert_eq!(good["http_status"], 200);
    assert!(good["last_success"].is_string(), "{good:#}");
    assert!(good["last_error"].is_null(), "{good:#}");
    assert!(good["next_refresh"].is_string(), "{good:#}");

    let broken = source(&status, "broken");
    assert_eq!(broken["health"], "failed");
    assert_eq!(broken["consecutive_failures"], 1);
    assert_eq!(broken["http_status"], 500);
    assert!(broken["last_success"].is_null(), "{broken:#}");
    let error = broken["last_error"]["message"]
        .as_str()
        .expect("error text");
    assert!(error.contains("HTTP 500"), "{error}");
    // Backed off: its next refresh is later than the good source's hour (doubled).
    assert!(
        broken["next_refresh"].as_str() > good["next_refresh"].as_str(),
        "{status:#}"
    );

    let hostile = source(&status, "hostile");
    assert_eq!(hostile["health"], "failed");
    let quoted = hostile["last_error"]["message"]
        .as_str()
        .expect("error text");
    assert!(
        quoted.contains("<script>"),
        "the reader quotes the page: {quoted}"
    );
    assert_eq!(status["config"]["sources"], 3);
    assert!(status["config"]["last_edit"].is_null());
    assert_eq!(status["last_build"]["ok"], true);

    let (code, head, page) = get(proc.addr, "/status");
    assert_eq!(code, 200, "{head}");
    assert_eq!(
        header(&head, "content-type").as_deref(),
        Some("text/html; charset=utf-8")
    );
    assert_eq!(header(&head, "cache-control").as_deref(), Some("no-store"));
    assert!(
        header(&head, "content-security-policy").is_some_and(|v| v.contains("default-src 'none'"))
    );
    assert!(page.contains("HTTP 500"), "{page}");
    assert!(
        page.contains("root element is &lt;script&gt;"),
        "escaped: {page}"
    );
    assert!(!page.contains("<script"), "no markup from a server: {page}");
    for name in ["good", "broken", "hostile"] {
        assert!(page.contains(&format!("<b>{name}</b>")), "{page}");
    }

    // Deterministic: the same state gives the same bytes, HTML and JSON.
    assert_eq!(get(proc.addr, "/status").2, page);
    let json = get(proc.addr, "/status.json").2;
    assert_eq!(get(proc.addr, "/status.json").2, json);
    let (code, head, body) = request(proc.addr, "HEAD", "/status", "");
    assert_eq!((code, body.as_str()), (200, ""));
    assert_eq!(
        header(&head, "content-length"),
        Some(page.len().to_string())
    );

    // The public index does not point at it.
    let (code, _, index) = get(proc.addr, "/");
    assert_eq!(code, 200);
    assert!(!index.contains("status"), "{index}");

    // A refused edit is on the page with its line and column; the old config serves on.
    let original = std::fs::read_to_string(sites.config()).expect("config");
    write_atomically(
        &sites.config(),
        &original.replacen("retries = 0", "retriez = 0", 1),
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    let edit = loop {
        let v: serde_json::Value =
            serde_json::from_str(&get(proc.addr, "/status.json").2).expect("JSON");
        if !v["config"]["last_edit"].is_null() {
            break v["config"]["last_edit"].clone();
        }
        assert!(Instant::now() < deadline, "edit not seen:\n{}", proc.all());
        std::thread::sleep(Duration::from_millis(100));
    };
    assert_eq!(edit["applied"], false, "{edit:#}");
    let problem = edit["errors"][0].as_str().expect("a problem");
    assert!(
        problem.contains("feeds.toml:6:1: unknown key `retriez`"),
        "{problem}"
    );
    let page = get(proc.addr, "/status").2;
    assert!(page.contains("Last edit refused"), "{page}");
    assert!(page.contains("unknown key `retriez`"), "{page}");
}

#[test]
fn a_status_token_is_required_when_set() {
    let sites = Sites::start();
    let token = "k3J9-only-the-operator-knows-this";
    let proc = Proc::start_with(&sites.config(), &[], &[("FEEDMILL_STATUS_TOKEN", token)]);
    let bearer = format!("Authorization: Bearer {token}\r\n");
    let status = status_after(&proc, 1, &bearer);
    assert_eq!(source(&status, "broken")["health"], "failed");

    for path in ["/status", "/status.json"] {
        let (code, head, body) = get(proc.addr, path);
        assert_eq!(code, 401, "{path} without the token: {head}");
        assert!(
            header(&head, "www-authenticate").is_some_and(|v| v.starts_with("Basic ")),
            "{head}"
        );
        assert!(!body.contains("broken"), "nothing of the status: {body}");
        for wrong in [
            "Authorization: Bearer k3J9-only-the-operator-knows-thiz\r\n".to_string(),
            "Authorization: Bearer k3J9\r\n".to_string(),
            format!("Authorization: Bearer {token}x\r\n"),
            format!("Authorization: Token {token}\r\n"),
            "Authorization: Basic dXNlcjp3cm9uZw==\r\n".to_string(), // user:wrong
        ] {
            assert_eq!(
                request(proc.addr, "GET", path, &wrong).0,
                401,
                "{path} {wrong}"
            );
        }
        let (code, _, body) = request(proc.addr, "GET", path, &bearer);
        assert_eq!(code, 200, "{path} with the token");
        assert!(body.contains("broken"), "{body}");
        // A browser sends it as the Basic password (any user name).
        use base64::Engine as _;
        let basic = base64::engine::general_purpose::STANDARD.encode(format!("ops:{token}"));
        let (code, _, _) = request(
            proc.addr,
            "GET",
            path,
            &format!("Authorization: Basic {basic}\r\n"),
        );
        assert_eq!(code, 200, "{path} with Basic");
    }
    // The rest of the server needs no token.
    assert_eq!(get(proc.addr, "/healthz").0, 200);
    assert_eq!(get(proc.addr, "/other-news/rss.xml").0, 200);
    assert!(
        proc.line("require FEEDMILL_STATUS_TOKEN", Duration::ZERO)
            .is_some(),
        "{}",
        proc.all()
    );
}

#[test]
fn a_selector_that_stopped_matching_is_listed() {
    let site = e2e_support::example_copy();
    let config = site.path().join("feeds.toml");
    let text = std::fs::read_to_string(&config).expect("config");
    std::fs::write(
        &config,
        text.replacen("author = \".author\"", "author = \".byline-gone\"", 1),
    )
    .expect("write");
    let proc = Proc::start_with(&config, &[], &[]);
    let status = status_after(&proc, 1, "");
    let web = source(&status, "baoyenbai-web");
    assert_eq!(web["kind"], "html");
    let degraded = web["degraded_selectors"].as_array().expect("list");
    assert_eq!(degraded.len(), 1, "{web:#}");
    assert_eq!(degraded[0]["field"], "author");
    assert_eq!(degraded[0]["selector"], ".byline-gone");
    assert_eq!(degraded[0]["pages_matched"], 0);
    assert!(
        degraded[0]["pages"].as_u64().is_some_and(|n| n >= 1),
        "{web:#}"
    );
    assert!(source(&status, "lucyen")["degraded_selectors"]
        .as_array()
        .is_some_and(Vec::is_empty));
    let page = get(proc.addr, "/status").2;
    assert!(
        page.contains("<code>author = .byline-gone</code>: 0 of "),
        "{page}"
    );
}
