//! `feedmill serve` against slow and silent clients: header-read and idle timeouts, a
//! connection cap under a low open-file limit that keeps `/healthz` answering, a bounded
//! shutdown with silent sockets open, and `/healthz` while a large output is precompressed.

mod serve_proc;
mod serve_support;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use serve_proc::{get, Proc};
use serve_support::{rss, write_atomically, Site};

const T: Duration = Duration::from_secs(5);

fn site(extra: &str) -> Site {
    let site = Site::empty();
    write_atomically(
        &site.path().join("feed.rss"),
        rss("tin", &["Một", "Hai"]).as_bytes(),
    );
    site.write_config(&format!(
        "[site]\ntitle = \"t\"\nbase_url = \"https://feeds.example.vn/\"\n\n{extra}\n\
         [[source]]\nname = \"tin\"\nurl = \"feed.rss\"\n"
    ));
    site
}

/// Seconds until the server closes `s` (reads return 0 or fail), reading at most `limit`.
fn closed_after(s: &mut TcpStream, start: Instant, limit: Duration) -> Option<Duration> {
    s.set_read_timeout(Some(Duration::from_millis(100)))
        .unwrap();
    let mut buf = [0u8; 4096];
    while start.elapsed() < limit {
        match s.read(&mut buf) {
            Ok(0) => return Some(start.elapsed()),
            Ok(_) => {}
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) => {}
            Err(_) => return Some(start.elapsed()),
        }
    }
    None
}

#[test]
fn a_dripping_header_is_cut_off_and_an_idle_keep_alive_connection_closed() {
    let site = site("[serve]\nheader_read_timeout = \"1s\"\nidle_timeout = \"2s\"\n");
    let proc = Proc::start(&site.config(), None);

    // One header byte every 200 ms: never a whole head.
    let mut s = TcpStream::connect(proc.addr).unwrap();
    let start = Instant::now();
    s.write_all(b"GET /healthz HTTP/1.1\r\n").unwrap();
    let mut closed = None;
    while start.elapsed() < Duration::from_secs(8) {
        if s.write_all(b"X").is_err() {
            closed = Some(start.elapsed());
            break;
        }
        if let Some(t) = closed_after(&mut s, Instant::now(), Duration::from_millis(200)) {
            closed = Some(start.elapsed().max(t));
            break;
        }
    }
    let closed = closed.unwrap_or_else(|| panic!("a dripping client was never cut off"));
    assert!(closed < Duration::from_secs(3), "cut off after {closed:?}");

    // A finished request on a keep-alive connection, then silence.
    let mut s = TcpStream::connect(proc.addr).unwrap();
    s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let mut buf = [0u8; 1024];
    s.set_read_timeout(Some(T)).unwrap();
    let n = s.read(&mut buf).unwrap();
    assert!(
        buf[..n].starts_with(b"HTTP/1.1 200"),
        "{:?}",
        String::from_utf8_lossy(&buf[..n])
    );
    let idle_from = Instant::now();
    let closed = closed_after(&mut s, idle_from, Duration::from_secs(8))
        .unwrap_or_else(|| panic!("an idle keep-alive connection was never closed"));
    assert!(
        closed >= Duration::from_millis(1500) && closed < Duration::from_secs(4),
        "idle connection closed after {closed:?}"
    );
}

#[test]
fn three_hundred_silent_connections_under_a_256_file_limit_leave_healthz_answering() {
    let site = site("");
    let proc = Proc::start(&site.config(), Some(256));
    let mut held = Vec::new();
    for _ in 0..300 {
        match TcpStream::connect_timeout(&proc.addr, T) {
            Ok(mut s) => {
                let _ = s.write_all(b"GET /healthz HTTP/1.1\r\nHost");
                held.push(s);
            }
            Err(e) => panic!("connect: {e}"),
        }
    }
    std::thread::sleep(Duration::from_millis(500));
    for i in 0..5 {
        let start = Instant::now();
        let (status, head) = get(proc.addr, "/healthz", "", T);
        assert_eq!(
            status,
            200,
            "healthz #{i} under 300 silent connections: {head}\n{}",
            proc.all()
        );
        assert!(
            start.elapsed() < Duration::from_secs(2),
            "{:?}",
            start.elapsed()
        );
    }
    assert!(
        !proc.all().contains("Too many open files"),
        "{}",
        proc.all()
    );
    // The cap made room by closing the longest-idle connections, and says so.
    let (status, _) = get(proc.addr, "/metrics", "", T);
    assert_eq!(status, 200);
    let metrics = {
        let mut s = TcpStream::connect(proc.addr).unwrap();
        s.write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            .unwrap();
        let mut text = String::new();
        s.read_to_string(&mut text).unwrap();
        text
    };
    let evicted: u64 = metrics
        .lines()
        .find_map(|l| l.strip_prefix("feedmill_connections_closed_total{reason=\"evicted\"} "))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no eviction count in\n{metrics}"));
    assert!(evicted >= 100, "{metrics}");
    drop(held);
}

#[test]
fn sigterm_exits_within_the_grace_period_with_silent_sockets_open() {
    let site = site("");
    let mut proc = Proc::start(&site.config(), None);
    assert_eq!(get(proc.addr, "/healthz", "", T).0, 200);
    // One socket that never sends, one that sent half a head, one idle after a request.
    let silent = TcpStream::connect(proc.addr).unwrap();
    let mut half = TcpStream::connect(proc.addr).unwrap();
    half.write_all(b"GET /healthz HTTP/1.1\r\nHo").unwrap();
    let mut idle = TcpStream::connect(proc.addr).unwrap();
    idle.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let mut buf = [0u8; 512];
    idle.set_read_timeout(Some(T)).unwrap();
    let _ = idle.read(&mut buf).unwrap();
    std::thread::sleep(Duration::from_millis(200));
    let start = Instant::now();
    proc.sigterm();
    let status = proc
        .wait_exit(Duration::from_secs(20))
        .unwrap_or_else(|| panic!("still running 20 s after SIGTERM:\n{}", proc.all()));
    let took = start.elapsed();
    assert!(took < Duration::from_secs(8), "exit took {took:?}");
    assert!(status.success(), "{status}\n{}", proc.all());
    drop((silent, half, idle));
}

#[test]
fn healthz_answers_while_a_large_output_is_precompressed() {
    let site = site("");
    // A previous run's output: 24 feeds of 2 MiB of varied text each.
    let out = site.path().join("public");
    let mut manifest = String::new();
    let mut seed: u64 = 1;
    for i in 0..24 {
        let rel = format!("tag/t{i}/rss.xml");
        let path = out.join(&rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        let mut body = String::from("<?xml version=\"1.0\"?><rss><channel><title>x</title>");
        while body.len() < 2 << 20 {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            body.push_str(&format!("<item><title>{:x}</title></item>", seed >> 20));
        }
        body.push_str("</channel></rss>");
        std::fs::write(&path, body).unwrap();
        manifest.push_str(&rel);
        manifest.push('\n');
    }
    std::fs::write(out.join(".feedmill-manifest"), manifest).unwrap();
    let started = Instant::now();
    let proc = Proc::start(&site.config(), None);
    let (status, _) = get(proc.addr, "/healthz", "", T);
    let first_answer = started.elapsed();
    assert_eq!(status, 200, "{}", proc.all());
    assert!(
        first_answer < Duration::from_secs(2),
        "/healthz first answered {first_answer:?} after start"
    );
}
