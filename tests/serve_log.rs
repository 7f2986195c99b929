//! What a running `feedmill serve` logs at its default level: the startup build's summary,
//! each applied or refused config edit, each source that starts failing or recovers — one
//! line each, nothing per successful fetch, no colour codes into a pipe — and the same
//! events as JSON objects with `--log-format json`.

mod e2e_support;
mod serve_proc;

use std::io::{Read, Write};
use std::net::SocketAddr;
use std::path::Path;
use std::time::{Duration, Instant};

use e2e_support::{Reply, TestServer};
use serve_proc::Proc;

fn get_body(addr: SocketAddr, path: &str) -> Option<String> {
    let mut s = std::net::TcpStream::connect(addr).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
    let req = format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    s.write_all(req.as_bytes()).ok()?;
    let mut text = String::new();
    s.read_to_string(&mut text).ok()?;
    let (head, body) = text.split_once("\r\n\r\n")?;
    head.starts_with("HTTP/1.1 200").then(|| body.to_string())
}

/// Polls `/status.json` until `check` holds; panics with the log after 30 s.
fn wait_status(proc: &Proc, what: &str, mut check: impl FnMut(&serde_json::Value) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let v = get_body(proc.addr, "/status.json")
            .and_then(|b| serde_json::from_str::<serde_json::Value>(&b).ok());
        if v.as_ref().is_some_and(&mut check) {
            return;
        }
        assert!(Instant::now() < deadline, "{what}: never\n{}", proc.all());
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn source_field(v: &serde_json::Value, name: &str, field: &str) -> serde_json::Value {
    v["sources"]
        .as_array()
        .and_then(|a| a.iter().find(|s| s["name"] == name))
        .map(|s| s[field].clone())
        .unwrap_or_default()
}

fn rss(title: &str) -> Reply {
    Reply {
        status: 200,
        content_type: "application/rss+xml".into(),
        body: format!(
            "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>t</title>\
             <link>https://news.test/</link><description>d</description><item>\
             <title>{title}</title><link>https://news.test/{title}</link>\
             <pubDate>01 Jun 2025 08:00:00 +0700</pubDate></item></channel></rss>"
        )
        .into_bytes(),
    }
}

fn error_500() -> Reply {
    Reply {
        status: 500,
        content_type: "text/plain".into(),
        body: b"down".to_vec(),
    }
}

fn config(dir: &Path, sources: &[(&str, String, &str)]) -> std::path::PathBuf {
    let mut text = String::from(
        "[site]\ntitle = \"Log test\"\nbase_url = \"http://feeds.test/\"\n\n\
         [fetch]\nretries = 0\ntimeout = \"5s\"\n",
    );
    for (name, url, refresh) in sources {
        text.push_str(&format!(
            "\n[[source]]\nname = \"{name}\"\nurl = \"{url}\"\nrefresh = \"{refresh}\"\n"
        ));
    }
    let path = dir.join("feeds.toml");
    let tmp = dir.join("feeds.toml.tmp-edit");
    std::fs::write(&tmp, text).expect("write");
    std::fs::rename(&tmp, &path).expect("rename");
    path
}

fn count(lines: &[String], needle: &str) -> usize {
    lines.iter().filter(|l| l.contains(needle)).count()
}

#[test]
fn serve_logs_what_changed_once_and_nothing_per_successful_fetch() {
    let good = TestServer::start(rss("good"));
    let flaky = TestServer::start(error_500());
    let dir = tempfile::tempdir().expect("temp dir");
    let sources = vec![
        ("good", good.url("/feed.rss"), "1s"),
        ("flaky", flaky.url("/feed.rss"), "1s"),
    ];
    let cfg = config(dir.path(), &sources);
    let proc = Proc::start_with(&cfg, &[], &[]);

    // Two failed fetches (the second after a 2 s backoff), then the server is fixed.
    wait_status(&proc, "flaky failed twice", |v| {
        source_field(v, "flaky", "consecutive_failures") == 2
    });
    flaky.set(rss("flaky"));
    wait_status(&proc, "flaky recovered", |v| {
        source_field(v, "flaky", "health") == "ok"
    });
    // Several more builds of the good source (every second), each a successful fetch.
    let mut builds = 0;
    wait_status(&proc, "builds", |v| {
        builds = v["builds_ok"].as_u64().unwrap_or(0);
        true
    });
    let more = builds + 3;
    wait_status(&proc, "three more builds", |v| {
        v["builds_ok"].as_u64().unwrap_or(0) >= more
    });

    let lines = proc.lines();
    let all = lines.join("\n");
    assert!(
        !all.contains('\u{1b}'),
        "no ANSI codes into a pipe:\n{all:?}"
    );
    let failing: Vec<&String> = lines
        .iter()
        .filter(|l| l.contains("HTTP 500") && !l.contains("recovered"))
        .collect();
    assert_eq!(failing.len(), 1, "one line for two failures:\n{all}");
    assert!(
        failing[0].contains("warning: source flaky (http://127.0.0.1:")
            && failing[0].contains("is failing: "),
        "{all}"
    );
    assert_eq!(
        count(&lines, "source flaky"),
        2,
        "failing, recovered:\n{all}"
    );
    assert!(
        lines.iter().any(|l| l.contains("feedmill: source flaky (")
            && l.contains("recovered after 2 failed fetches; the last error was: ")
            && l.contains("HTTP 500")),
        "{all}"
    );
    let summary: Vec<&String> = lines
        .iter()
        .filter(|l| l.contains("first build: "))
        .collect();
    assert_eq!(summary.len(), 1, "{all}");
    assert!(
        summary[0]
            .contains("feedmill: first build: 1 articles from 2 sources (1 failed, 0 degraded)"),
        "{all}"
    );
    // Nothing else: no line per build or per fetch. Every line is stamped with its time.
    // (The connection cap's line appears where the open-file limit is low.)
    let expected = [
        "/status and /status.json are open",
        "connections held at once: at most",
        " on http://",
        "source flaky",
        "first build: ",
    ];
    for l in &lines {
        assert!(
            expected.iter().any(|e| l.contains(e)),
            "unexpected line {l:?} in:\n{all}"
        );
        assert!(
            l.len() > 25 && l.as_bytes()[4] == b'-' && l[..24].ends_with('Z'),
            "no timestamp: {l:?}"
        );
    }
    let fetched = good.hits.lock().map(|h| *h).unwrap_or(0);
    assert!(
        fetched >= 4,
        "the good source was fetched at each build: {fetched}"
    );

    // An applied edit: one line naming what changed, then the summary of the build after it.
    let mut edited = sources.clone();
    edited.push(("extra", good.url("/extra.rss"), "1h"));
    config(dir.path(), &edited);
    let applied = proc
        .line("edit applied", Duration::from_secs(10))
        .unwrap_or_else(|| panic!("no edit line:\n{}", proc.all()));
    assert!(
        applied
            .contains("feeds.toml: edit applied: 3 sources (added: extra); fetching every source"),
        "{applied}"
    );
    let after = proc
        .line("build after the edit: ", Duration::from_secs(20))
        .unwrap_or_else(|| panic!("no summary after the edit:\n{}", proc.all()));
    assert!(
        after.contains("from 3 sources (0 failed, 0 degraded)"),
        "{after}"
    );

    proc.sigterm();
    assert!(proc
        .line("feedmill: shutting down", Duration::from_secs(10))
        .is_some());
}

#[test]
fn log_format_json_writes_one_object_per_line() {
    let broken = TestServer::start(error_500());
    let dir = tempfile::tempdir().expect("temp dir");
    let cfg = config(dir.path(), &[("broken", broken.url("/feed.rss"), "1h")]);
    let mut proc = Proc::start_with(&cfg, &["--log-format", "json"], &[]);
    proc.line("build_summary", Duration::from_secs(20))
        .unwrap_or_else(|| panic!("no summary:\n{}", proc.all()));
    // A refused edit: its problem and the refusal, as objects too.
    let text = std::fs::read_to_string(&cfg).expect("config");
    let tmp = dir.path().join("edit.tmp");
    std::fs::write(&tmp, text.replacen("retries = 0", "retriez = 0", 1)).expect("write");
    std::fs::rename(&tmp, &cfg).expect("rename");
    proc.line("config_refused", Duration::from_secs(10))
        .unwrap_or_else(|| panic!("no refusal:\n{}", proc.all()));
    proc.sigterm();
    assert!(proc
        .wait_exit(Duration::from_secs(10))
        .is_some_and(|s| s.success()));

    let events: Vec<serde_json::Value> = proc
        .lines()
        .iter()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l:?}")))
        .collect();
    let find = |event: &str| {
        events
            .iter()
            .find(|e| e["event"] == event)
            .unwrap_or_else(|| panic!("no {event} in {events:#?}"))
    };
    let listening = find("listening");
    assert_eq!(listening["level"], "INFO");
    assert_eq!(listening["address"], proc.addr.to_string());
    assert!(listening["timestamp"].is_string());
    let failing = find("source_failing");
    assert_eq!(failing["level"], "WARN");
    assert_eq!(failing["source"], "broken");
    assert_eq!(failing["consecutive_failures"], 1);
    assert!(
        failing["error"]
            .as_str()
            .is_some_and(|e| e.contains("HTTP 500")),
        "{failing}"
    );
    let summary = find("build_summary");
    assert_eq!(
        (summary["sources"].as_u64(), summary["failed"].as_u64()),
        (Some(1), Some(1))
    );
    let problem = find("config_error");
    assert_eq!(problem["level"], "ERROR");
    assert!(
        problem["message"]
            .as_str()
            .is_some_and(|m| m.contains("feeds.toml:6:1: unknown key `retriez`")),
        "{problem}"
    );
    find("config_refused");
    find("shutdown");
}

#[test]
fn log_format_json_reports_an_invalid_config_at_start_as_json() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        dir.path().join("feeds.toml"),
        "[site]\ntitle = \"t\"\nbase_url = \"http://feeds.test/\"\nbogus = 1\n",
    )
    .expect("write");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_feedmill"))
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--log-format",
            "json",
            "--config",
        ])
        .arg(dir.path().join("feeds.toml"))
        .env_remove("RUST_LOG")
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).expect("UTF-8");
    assert!(!err.is_empty());
    for l in err.lines() {
        let v: serde_json::Value =
            serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l:?}"));
        assert_eq!(v["level"], "ERROR", "{l}");
    }
    assert!(err.contains("feeds.toml:4:1: unknown key `bogus`"), "{err}");
}

#[test]
fn lines_carry_no_timestamp_when_stderr_is_the_journal() {
    use std::io::BufRead;
    use std::os::unix::fs::MetadataExt;
    // systemd sets JOURNAL_STREAM to the device and inode of the stream it gives the
    // service; here that stream is a pipe of the test's own.
    let (reader, writer) = std::io::pipe().expect("pipe");
    let meta = std::fs::metadata(format!("/proc/self/fd/{}", {
        use std::os::fd::AsRawFd;
        writer.as_raw_fd()
    }))
    .expect("stat the pipe");
    let dir = tempfile::tempdir().expect("temp dir");
    let good = TestServer::start(rss("good"));
    let cfg = config(dir.path(), &[("good", good.url("/feed.rss"), "1h")]);
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_feedmill"))
        .args(["serve", "--listen", "127.0.0.1:0", "--config"])
        .arg(&cfg)
        .env_remove("RUST_LOG")
        .env("JOURNAL_STREAM", format!("{}:{}", meta.dev(), meta.ino()))
        .stdout(std::process::Stdio::null())
        .stderr(writer)
        .spawn()
        .expect("starts");
    let mut lines = std::io::BufReader::new(reader).lines();
    let mut seen = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    while let Some(Ok(line)) = lines.next() {
        seen.push(line.clone());
        if line.contains("first build: ") || Instant::now() > deadline {
            break;
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    assert!(
        seen.iter().any(|l| l.starts_with("feedmill: serving ")),
        "{seen:#?}"
    );
    assert!(
        seen.iter().all(|l| l.starts_with("feedmill: ")),
        "no timestamps: {seen:#?}"
    );
}
