//! The pages in a real browser: Debian's `chromium`, headless, driven through
//! `chromedriver` (WebDriver) with fantoccini, against `feedmill serve` on 127.0.0.1.
//!
//! Without chromium and chromedriver the tests say so and pass, except when `CI` is set:
//! CI installs both (`.ci/run`), so there a missing browser fails loudly. With
//! `FEEDMILL_SCREENSHOTS=<folder>` set, the screenshots of the README are written there.

mod build_support;
mod e2e_support;

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use build_support::{item, rss, Site};
use fantoccini::wd::WebDriverCompatibleCommand;
use fantoccini::{Client, ClientBuilder};
use feedmill::serve::{Server, ServerHandle};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{json, Value};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// The tags of the test site, the first ones with accents that fold alike.
fn tags_of(i: usize) -> Vec<String> {
    let mut t = vec![format!("Thẻ số {i}")];
    match i % 5 {
        0 => t.push("Lục Yên".into()),
        1 => t.push("Trấn Yên".into()),
        2 => t.push("Lụa".into()),
        3 => t.push("Lúa".into()),
        _ => t.push("Văn Chấn".into()),
    }
    t
}

/// A site of 20 articles (one an hour, 1 March 2025, +07:00), 25 tags; article 15 has an
/// image at `image` (an article's own image, from its own host).
fn site(image: &str) -> Site {
    let site = Site::new(
        "description = \"Tin tức tỉnh Yên Bái\"",
        "[[source]]\nname = \"bao-yen-bai\"\nurl = \"nguon.rss\"\n",
    );
    let items: Vec<_> = (0..20)
        .map(|i| {
            let tags = tags_of(i);
            let tags: Vec<&str> = tags.iter().map(String::as_str).collect();
            item(
                &format!("bai-{i}"),
                &format!("Bài số {i}"),
                u32::try_from(i).unwrap_or(0) + 1,
                &tags,
            )
        })
        .collect();
    let doc = rss(&items).replacen(
        "<title>Bài số 15</title>",
        &format!(
            "<title>Bài số 15</title><enclosure url=\"{image}\" type=\"image/png\" length=\"98\"/>"
        ),
        1,
    );
    site.write("nguon.rss", &doc);
    site
}

/// chromedriver on a free port, stopped when dropped.
struct Driver {
    child: Child,
    url: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts chromedriver, or `None` when the browser is not installed (a failure under CI).
fn driver() -> Option<Driver> {
    if !Path::new(CHROMIUM).exists() || !Path::new(CHROMEDRIVER).exists() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI is set but {CHROMIUM} or {CHROMEDRIVER} is missing: .ci/run installs chromium and chromium-driver"
        );
        eprintln!("NOT CHECKED: {CHROMIUM} or {CHROMEDRIVER} is not installed");
        return None;
    }
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let child = Command::new(CHROMEDRIVER)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromedriver");
    let url = format!("http://127.0.0.1:{port}");
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "chromedriver did not listen"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    Some(Driver { child, url })
}

/// A headless Chromium session, with or without JavaScript, `width` px wide.
async fn browser(driver: &Driver, javascript: bool, width: u32) -> Client {
    session(driver, javascript, width, false).await
}

/// [`browser`], in the dark colour scheme when `dark`.
async fn session(driver: &Driver, javascript: bool, width: u32, dark: bool) -> Client {
    let mut prefs = json!({});
    if !javascript {
        prefs = json!({ "profile.managed_default_content_settings.javascript": 2 });
    }
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        json!({
            "binary": CHROMIUM,
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu",
                     "--disable-dev-shm-usage", "--hide-scrollbars",
                     format!("--window-size={width},900"),
                     // 0 is dark, 1 light (Blink's PreferredColorScheme).
                     format!("--blink-settings=preferredColorScheme={}", if dark { 0 } else { 1 })],
            "prefs": prefs,
        }),
    );
    caps.insert("goog:loggingPrefs".into(), json!({ "browser": "ALL" }));
    let c = ClientBuilder::new(HttpConnector::new())
        .capabilities(caps)
        .connect(&driver.url)
        .await
        .expect("a chromium session");
    c.set_window_size(width, 900).await.expect("window size");
    c
}

/// chromedriver's browser log (`POST /session/{id}/se/log`): the console messages and
/// failed loads since the last call.
#[derive(Debug)]
struct BrowserLog;

impl WebDriverCompatibleCommand for BrowserLog {
    fn endpoint(
        &self,
        base: &url::Url,
        session: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base.join(&format!("session/{}/se/log", session.unwrap_or("")))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        (
            http::Method::POST,
            Some(r#"{"type":"browser"}"#.to_string()),
        )
    }
}

async fn console_errors(c: &Client) -> Vec<String> {
    let log = c.issue_cmd(BrowserLog).await.expect("browser log");
    log.as_array()
        .into_iter()
        .flatten()
        .filter(|e| e["level"] == "SEVERE" || e["level"] == "WARNING")
        .map(|e| e["message"].as_str().unwrap_or("").to_string())
        .collect()
}

async fn js(c: &Client, script: &str) -> Value {
    c.execute(script, vec![]).await.expect(script)
}

async fn strings(c: &Client, script: &str) -> Vec<String> {
    serde_json::from_value(js(c, script).await).expect("strings")
}

/// Every URL the page loaded (itself and each resource).
async fn requests(c: &Client) -> Vec<String> {
    strings(
        c,
        "return performance.getEntries().filter(e => e.name.startsWith('http')).map(e => e.name)",
    )
    .await
}

/// Runs axe-core in the page; returns its violations as `id: help (n nodes)`.
async fn axe(c: &Client) -> (Vec<String>, Vec<String>) {
    let src = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vendor/axe-core/axe.min.js"),
    )
    .expect("tests/vendor/axe-core/axe.min.js");
    c.execute(&format!("{src}\nreturn true;"), vec![])
        .await
        .expect("inject axe");
    let r = c
        .execute_async(
            "const done = arguments[arguments.length - 1];
             axe.run(document)
                .then(r => done({ violations: r.violations.map(v =>
                    v.id + ': ' + v.help + ' (' + v.nodes.length + ' nodes: ' +
                    v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', ') + ')'),
                    passes: r.passes.map(p => p.id),
                    incomplete: r.incomplete.map(p => p.id) }));",
            vec![],
        )
        .await
        .expect("axe.run");
    let violations = serde_json::from_value(r["violations"].clone()).expect("violations");
    let passes: Vec<String> = serde_json::from_value(r["passes"].clone()).expect("passes");
    let incomplete: Vec<String> =
        serde_json::from_value(r["incomplete"].clone()).expect("incomplete");
    eprintln!("axe-core passed: {passes:?}; needs review: {incomplete:?}");
    // Contrast and heading order are what the issue asks about: they must have been
    // checked, not left for review.
    for rule in ["color-contrast", "heading-order", "link-name"] {
        assert!(
            passes.iter().any(|p| p == rule) || incomplete.iter().all(|p| p != rule),
            "axe-core could not decide {rule}"
        );
    }
    (violations, passes)
}

async fn serve(site: &Site) -> ServerHandle {
    let server = Server::start(site.config_path(), "127.0.0.1:0".parse().expect("addr"))
        .await
        .expect("serve starts");
    assert!(server.wait_for_builds(1, Duration::from_secs(30)).await);
    server
}

fn screenshot_dir() -> Option<PathBuf> {
    std::env::var_os("FEEDMILL_SCREENSHOTS").map(PathBuf::from)
}

#[tokio::test]
async fn the_pages_work_in_chromium() {
    let Some(driver) = driver() else { return };
    // The article's image, on a host of its own: the only request a page may make outside
    // the output folder.
    let images = tempfile::tempdir().expect("tempdir");
    let icon = include_bytes!("../templates/favicon.ico");
    std::fs::write(images.path().join("anh.png"), &icon[22..]).expect("png");
    let image_host = e2e_support::SiteServer::start(images.path().to_path_buf());
    let image = image_host.url("/anh.png");
    let site = site(&image);
    let server = serve(&site).await;
    let origin = format!("http://{}", server.local_addr());
    let c = browser(&driver, true, 1280).await;

    // The index: no console error, nothing requested outside the output folder.
    c.goto(&format!("{origin}/")).await.expect("index");
    let all_tags = strings(
        &c,
        "return [...document.querySelectorAll('ul.feeds li')].map(li => li.dataset.name)",
    )
    .await;
    assert!(all_tags.len() >= 25, "{all_tags:?}");
    let errors = console_errors(&c).await;
    assert!(errors.is_empty(), "console: {errors:?}");
    for r in requests(&c).await {
        assert!(
            r.starts_with(&format!("{origin}/")) || r == image,
            "a request left the output: {r}"
        );
    }

    // The filter: accent-insensitive, only matching tags left.
    let visible = "return [...document.querySelectorAll('ul.feeds li')].filter(li => !li.hidden && li.offsetParent !== null).map(li => li.dataset.name)";
    let box_ = c
        .find(fantoccini::Locator::Css("#filter"))
        .await
        .expect("filter box shown with JavaScript");
    box_.send_keys("luc yen").await.expect("type");
    assert_eq!(strings(&c, visible).await, vec!["Lục Yên"]);
    box_.clear().await.expect("clear");
    box_.send_keys("LUA").await.expect("type");
    let mut lua = strings(&c, visible).await;
    lua.sort();
    assert_eq!(lua, vec!["Lúa", "Lụa"]);
    box_.clear().await.expect("clear");
    box_.send_keys(" ").await.expect("type");
    box_.clear().await.expect("clear");
    js(
        &c,
        "document.getElementById('filter').dispatchEvent(new Event('input'))",
    )
    .await;
    assert_eq!(strings(&c, visible).await.len(), all_tags.len(), "all back");

    let (violations, passes) = axe(&c).await;
    eprintln!(
        "axe-core on the index: {} violations, {} rules passed",
        violations.len(),
        passes.len()
    );
    assert!(
        passes.iter().any(|p| p == "image-alt"),
        "the thumbnail was checked"
    );
    assert!(
        violations.is_empty(),
        "axe-core on the index: {violations:#?}"
    );
    if let Some(dir) = screenshot_dir() {
        shots(&c, &origin, &dir, 1280).await;
        // What the shots logged (the XSLT deprecation warning) is not the tag page's.
        console_errors(&c).await;
    }

    // A feed page: its articles newest first, dates in +07:00.
    c.goto(&format!("{origin}/tag/luc-yen/"))
        .await
        .expect("tag page");
    let titles = strings(
        &c,
        "return [...document.querySelectorAll('ul.items h3')].map(h => h.textContent)",
    )
    .await;
    assert_eq!(
        titles,
        vec!["Bài số 15", "Bài số 10", "Bài số 5", "Bài số 0"]
    );
    let dates = strings(
        &c,
        "return [...document.querySelectorAll('ul.items time')].map(t => t.textContent)",
    )
    .await;
    assert_eq!(
        dates,
        vec![
            "2025-03-01 16:00 +07:00",
            "2025-03-01 11:00 +07:00",
            "2025-03-01 06:00 +07:00",
            "2025-03-01 01:00 +07:00"
        ]
    );
    let errors = console_errors(&c).await;
    assert!(errors.is_empty(), "console: {errors:?}");
    let (violations, passes) = axe(&c).await;
    eprintln!(
        "axe-core on a tag page: {} violations, {} rules passed",
        violations.len(),
        passes.len()
    );
    assert!(
        passes.iter().any(|p| p == "image-alt"),
        "the thumbnail was checked"
    );
    assert!(
        violations.is_empty(),
        "axe-core on a tag page: {violations:#?}"
    );

    // RSS and Atom through the stylesheet: the browser shows their item titles.
    for feed in ["tag/luc-yen/rss.xml", "tag/luc-yen/atom.xml"] {
        c.goto(&format!("{origin}/{feed}")).await.expect("feed");
        let shown = strings(
            &c,
            "return [...document.querySelectorAll('ul.items h3')].map(h => h.textContent)",
        )
        .await;
        assert_eq!(shown, titles, "{feed}: the XSLT ran");
        let note = js(&c, "return document.querySelector('p.note').textContent").await;
        assert!(
            note.as_str().unwrap_or("").contains("nguồn tin"),
            "{feed}: {note}"
        );
        // Chromium 156 warns, once per document, that XSLT is deprecated and to be removed
        // (https://chromestatus.com/feature/4709671889534976): that warning is expected, any
        // other message is not. The feed's HTML page is the one that will outlive it.
        let errors: Vec<String> = console_errors(&c)
            .await
            .into_iter()
            .filter(|m| !m.contains("XSLT Processing Instructions have been deprecated"))
            .collect();
        assert!(errors.is_empty(), "{feed} console: {errors:?}");
    }
    c.close().await.expect("close");

    // JavaScript off: every tag is listed, none hidden, the filter box not shown.
    let c = browser(&driver, false, 390).await;
    c.goto(&format!("{origin}/")).await.expect("index");
    let listed = strings(&c, visible).await;
    assert_eq!(listed.len(), all_tags.len(), "{listed:?}");
    let form_hidden = js(&c, "return document.getElementById('filter-form').hidden").await;
    assert_eq!(form_hidden, json!(true));
    c.close().await.expect("close");

    // Dark: the same pages pass axe-core (contrast is the rule that can differ).
    let c = session(&driver, true, 1280, true).await;
    for path in ["/", "/tag/luc-yen/"] {
        c.goto(&format!("{origin}{path}")).await.expect("page");
        let dark = js(
            &c,
            "return matchMedia('(prefers-color-scheme: dark)').matches",
        )
        .await;
        assert_eq!(dark, json!(true), "the dark scheme is on");
        let (violations, passes) = axe(&c).await;
        eprintln!(
            "axe-core on {path} in the dark scheme: {} violations, {} rules passed",
            violations.len(),
            passes.len()
        );
        assert!(
            violations.is_empty(),
            "axe-core on {path}, dark: {violations:#?}"
        );
    }
    c.close().await.expect("close");

    if let Some(dir) = screenshot_dir() {
        let c = browser(&driver, true, 390).await;
        shots(&c, &origin, &dir, 390).await;
        c.close().await.expect("close");
    }
    server.shutdown().await.expect("shutdown");
}

/// The README's screenshots at one width: the index, a tag page, a feed through XSLT.
async fn shots(c: &Client, origin: &str, dir: &Path, width: u32) {
    std::fs::create_dir_all(dir).expect("screenshot folder");
    for (path, name) in [
        ("/", "index"),
        ("/tag/luc-yen/", "tag-page"),
        ("/tag/luc-yen/rss.xml", "feed-xslt"),
    ] {
        c.goto(&format!("{origin}{path}")).await.expect("page");
        let png = c.screenshot().await.expect("screenshot");
        std::fs::write(dir.join(format!("{name}-{width}.png")), png).expect("write screenshot");
    }
}
