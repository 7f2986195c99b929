//! Local files as sources and as scraped pages: regular files only (a FIFO never hangs a
//! build), and a `file:` listing's links stay inside the listing's folder whatever their
//! spelling (percent-encoded `..`, symlinks).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use feedmill::config::Config;
use feedmill::fetch::Fetcher;
use feedmill::pipeline::pages::FetcherPages;

fn feedmill() -> Command {
    Command::new(env!("CARGO_BIN_EXE_feedmill"))
}

fn mkfifo(path: &Path) {
    use std::os::unix::ffi::OsStrExt;
    let c = std::ffi::CString::new(path.as_os_str().as_bytes()).unwrap();
    // SAFETY: a valid NUL-terminated path; mkfifo only creates a file system node.
    let rc = unsafe { libc::mkfifo(c.as_ptr(), 0o644) };
    assert_eq!(rc, 0, "mkfifo {}", path.display());
}

/// Runs `feedmill build` on `cfg`, killing it after `limit`; returns (finished, stderr).
fn build_within(cfg: &Path, limit: Duration) -> (bool, String) {
    let mut child = feedmill()
        .arg("build")
        .arg("--config")
        .arg(cfg)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    let finished = loop {
        if child.try_wait().unwrap().is_some() {
            break true;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            break false;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut err = String::new();
    use std::io::Read;
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    (finished, err)
}

const HEAD: &str = "[site]\ntitle = \"t\"\nbase_url = \"https://feeds.example.vn/\"\n\n";

#[test]
fn a_feed_source_that_is_a_fifo_fails_at_once_instead_of_hanging_the_build() {
    let tmp = tempfile::tempdir().unwrap();
    mkfifo(&tmp.path().join("feed.rss"));
    let cfg = tmp.path().join("feeds.toml");
    std::fs::write(
        &cfg,
        format!("{HEAD}[[source]]\nname = \"fifo\"\nurl = \"feed.rss\"\n"),
    )
    .unwrap();
    let started = Instant::now();
    let (finished, err) = build_within(&cfg, Duration::from_secs(20));
    assert!(finished, "the build hung on a FIFO:\n{err}");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    assert!(err.contains("error: source fifo"), "{err}");
    assert!(err.contains("not a regular file"), "{err}");
}

/// A local site: `site/index.html` lists the given hrefs; `secret.html` sits beside `site/`.
fn local_site(dir: &Path, hrefs: &[&str]) -> PathBuf {
    let site = dir.join("site");
    std::fs::create_dir_all(&site).unwrap();
    let items: String = hrefs
        .iter()
        .map(|h| format!("<div class=\"item\"><a href=\"{h}\">x</a></div>\n"))
        .collect();
    std::fs::write(
        site.join("index.html"),
        format!("<html><body>{items}</body></html>"),
    )
    .unwrap();
    std::fs::write(
        site.join("a.html"),
        "<html><head><title>Inside</title></head><body><h1>Inside</h1><p>ok</p></body></html>",
    )
    .unwrap();
    std::fs::write(
        dir.join("secret.html"),
        "<html><head><title>SECRET</title></head><body><h1>SECRET</h1></body></html>",
    )
    .unwrap();
    let cfg = dir.join("feeds.toml");
    std::fs::write(
        &cfg,
        format!(
            "{HEAD}[[source]]\nname = \"local\"\nkind = \"html\"\nurl = \"site/index.html\"\n\
             [source.html]\nitem = \".item\"\nlink = \"a\"\n"
        ),
    )
    .unwrap();
    cfg
}

fn scrape(cfg_path: &Path) -> feedmill::scrape::ScrapeOutcome {
    let cfg = Config::load(cfg_path).unwrap();
    let fetcher = Fetcher::new(&cfg).unwrap();
    let source = cfg.sources[0].clone();
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let pages = FetcherPages::new(fetcher, &source, 2);
        tokio::time::timeout(
            Duration::from_secs(20),
            feedmill::scrape::scrape_source(
                &source,
                &pages,
                &feedmill::config::LimitsCfg::default(),
            ),
        )
        .await
        .expect("the scrape hung")
        .expect("scrape")
    })
}

#[test]
fn a_file_listing_cannot_reach_outside_its_folder() {
    let tmp = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(tmp.path().join("secret.html"), {
        std::fs::create_dir_all(tmp.path().join("site")).unwrap();
        tmp.path().join("site/link.html")
    })
    .unwrap();
    let cfg = local_site(
        tmp.path(),
        &[
            "a.html",
            "..%2Fsecret.html",
            "%2e%2e/secret.html",
            "sub/..%2F..%2Fsecret.html",
            "%2E%2E%2Fsecret.html",
            "link.html",
        ],
    );
    let out = scrape(&cfg);
    let titles: Vec<_> = out.articles.iter().map(|a| a.title.clone()).collect();
    assert!(
        titles.iter().all(|t| t.as_deref() != Some("SECRET")),
        "read outside the folder: {titles:?}\n{:#?}",
        out.warnings
    );
    assert!(
        titles.iter().any(|t| t.as_deref() == Some("Inside")),
        "{titles:?} {:#?}",
        out.warnings
    );
    let outside = out
        .warnings
        .iter()
        .filter(|w| w.contains("outside the listing's folder"))
        .count();
    assert!(outside >= 4, "{:#?}", out.warnings);
}

#[test]
fn a_file_listing_linking_a_fifo_does_not_hang() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(tmp.path().join("site")).unwrap();
    mkfifo(&tmp.path().join("site/pipe.html"));
    let cfg = local_site(tmp.path(), &["pipe.html", "a.html"]);
    let started = Instant::now();
    let out = scrape(&cfg);
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    assert!(
        out.warnings
            .iter()
            .any(|w| w.contains("not a regular file")),
        "{:#?}",
        out.warnings
    );
    assert_eq!(out.articles.len(), 1, "{:#?}", out.warnings);
}
