//! Peak memory of scraping a listing with many large article pages: pages are processed as
//! they arrive, so the peak follows the pages in flight, not the whole listing. The build
//! runs as a child process and its peak resident size is read with getrusage.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::process::Command;

/// Article pages on the listing, each about 1 MiB.
const PAGES: usize = 200;
const PAGE_BYTES: usize = 1 << 20;

/// Serves `/index.html` (PAGES links) and `/a/N.html` (a small article padded to 1 MiB)
/// on 127.0.0.1, generated per request so the test itself holds no page.
fn serve() -> std::net::SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            std::thread::spawn(move || {
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
                let body = if path == "/index.html" {
                    let items: String = (0..PAGES)
                        .map(|i| {
                            format!("<div class=\"item\"><a href=\"/a/{i}.html\">{i}</a></div>")
                        })
                        .collect();
                    format!("<html><body>{items}</body></html>")
                } else {
                    let mut page = format!(
                        "<html><head><title>Bài {path}</title></head><body><h1>Bài {path}</h1>\
                         <div class=\"content\"><p>Nội dung ngắn.</p></div><script>"
                    );
                    let pad = "// padding that no selector keeps\n";
                    while page.len() < PAGE_BYTES {
                        page.push_str(pad);
                    }
                    page.push_str("</script></body></html>");
                    page
                };
                let head = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    body.len()
                );
                let _ = stream.write_all(head.as_bytes());
                let _ = stream.write_all(body.as_bytes());
            });
        }
    });
    addr
}

/// The largest peak resident size of any child waited for so far, in bytes.
fn children_peak_rss() -> u64 {
    // SAFETY: getrusage fills the struct we pass and touches nothing else.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let rc = unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage) };
    assert_eq!(rc, 0);
    usage.ru_maxrss as u64 * 1024
}

#[test]
fn scraping_200_pages_of_1_mib_stays_far_below_their_total_size() {
    let addr = serve();
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("feeds.toml");
    std::fs::write(
        &path,
        format!(
            "[site]\ntitle = \"t\"\nbase_url = \"https://feeds.example.vn/\"\n\n\
             [limits]\nlinks_per_listing = 1000\n\n\
             [[source]]\nname = \"web\"\nkind = \"html\"\nurl = \"http://{addr}/index.html\"\n\
             [source.html]\nitem = \".item\"\nlink = \"a\"\ncontent = \".content\"\n"
        ),
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_feedmill"))
        .args(["build", "--quiet", "--report"])
        .arg(tmp.path().join("report.json"))
        .arg("--config")
        .arg(&path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(tmp.path().join("report.json")).unwrap()).unwrap();
    assert_eq!(report["sources"][0]["articles"], PAGES, "{report:#}");
    let peak = children_peak_rss();
    eprintln!("peak RSS of the build: {:.1} MiB", peak as f64 / 1048576.0);
    // Measured: 235 MiB when every body was held until the last arrived, 37 MiB (debug
    // build) when each is dropped after it is read.
    let total = (PAGES * PAGE_BYTES) as u64;
    assert!(
        peak < 64 << 20,
        "peak {:.1} MiB for {:.0} MiB of pages",
        peak as f64 / 1048576.0,
        total as f64 / 1048576.0
    );
}
