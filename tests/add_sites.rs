//! `feedmill add URL` against test sites served on 127.0.0.1 (tests/data/sites/): a page
//! advertising its feeds, a feed only at /feed, a portal listing its feeds on an RSS page,
//! and two news sites without a feed, of different markup, whose inferred HTML source must
//! build into every listed article with its title and date, and nothing else.

mod sites_support;

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use sites_support::{feedmill, root, said, workdir, Site, BASE_CONFIG};

/// Runs `feedmill add` in `dir`; returns (feeds.toml before, after, output).
fn add(dir: &std::path::Path, args: &[&str]) -> (String, String, std::process::Output) {
    let before = std::fs::read_to_string(dir.join("feeds.toml")).unwrap();
    let mut all = vec!["add"];
    all.extend_from_slice(args);
    let out = feedmill(dir, &all);
    let after = std::fs::read_to_string(dir.join("feeds.toml")).unwrap();
    (before, after, out)
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &to.join(e.file_name()));
        } else {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}

/// The appended block, after checking that everything before it is the file as it was.
fn appended<'a>(before: &str, after: &'a str) -> &'a str {
    assert!(
        after.starts_with(before),
        "the file before `add` is not kept byte for byte:\n{after}"
    );
    &after[before.len()..]
}

fn check_ok(dir: &std::path::Path) {
    let out = feedmill(dir, &["check"]);
    assert!(out.status.success(), "check after add: {}", said(&out));
}

#[test]
fn a_page_advertising_its_feeds_gives_its_own_article_feed() {
    let site = Site::start("advertised");
    let dir = workdir(BASE_CONFIG);
    let (before, after, out) = add(dir.path(), &[&site.url("/"), "--category", "Thời sự"]);
    assert!(out.status.success(), "{}", said(&out));
    let block = appended(&before, &after);
    assert!(
        block.contains(&format!("url = \"{}\"", site.url("/feed.xml"))),
        "{block}"
    );
    assert!(block.contains("kind = \"feed\"") && block.contains("category = \"Thời sự\""));
    assert!(
        block.contains("name = \"bao-thac-ba\""),
        "named after the feed: {block}"
    );
    assert!(
        block.contains("<link rel=\"alternate\">"),
        "says how: {block}"
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("comments/feed.xml") && err.contains("feeds.elsewhere.example"),
        "the other advertised feeds are named: {err}"
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("Mùa nước nổi trên hồ Thác Bà"),
        "preview: {stdout}"
    );
    let asked = site.requested();
    assert!(
        !asked.iter().any(|p| p.contains("comments")),
        "the comments feed is never fetched: {asked:?}"
    );
    check_ok(dir.path());
}

#[test]
fn a_site_whose_feed_is_only_at_slash_feed() {
    let site = Site::start("feed-path");
    let dir = workdir(BASE_CONFIG);
    let (before, after, out) = add(dir.path(), &[&site.url("/")]);
    assert!(out.status.success(), "{}", said(&out));
    let block = appended(&before, &after);
    assert!(
        block.contains(&format!("url = \"{}\"", site.url("/feed"))),
        "{block}"
    );
    assert!(block.contains("well-known path /feed"), "{block}");
    // The page, the probe, and the preview's read of the feed: a handful at most.
    let asked = site.requested();
    assert_eq!(asked, ["/", "/feed", "/feed"], "{asked:?}");
    check_ok(dir.path());
}

#[test]
fn a_portal_listing_its_feeds_on_an_rss_page_linked_from_its_footer() {
    let site = Site::start("rss-page");
    let dir = workdir(BASE_CONFIG);
    let (before, after, out) = add(dir.path(), &[&site.url("/")]);
    assert!(out.status.success(), "{}", said(&out));
    let block = appended(&before, &after);
    assert!(
        block.contains(&format!("url = \"{}\"", site.url("/rss/tin-moi-nhat.rss"))),
        "the portal's main feed, not the first listed: {block}"
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("/rss/thoi-su.rss") && err.contains("/rss/kinh-te.rss"),
        "the other feeds are named: {err}"
    );
    let asked = site.requested();
    assert!(
        asked.len() <= 5 && !asked.iter().any(|p| p == "/rss.xml" || p == "/feed"),
        "the RSS page is followed before guessing paths: {asked:?}"
    );
    check_ok(dir.path());
}

#[derive(serde::Deserialize)]
struct Expected {
    path: String,
    title: String,
    published: String,
}

fn expected(site: &str) -> Vec<Expected> {
    let text = std::fs::read_to_string(root().join("tests/data/sites/expected.json")).unwrap();
    let mut all: BTreeMap<String, Vec<Expected>> = serde_json::from_str(&text).unwrap();
    all.remove(site).unwrap()
}

/// Adds the no-feed site `name` from `listing`, builds, and compares the merged feed with
/// the site's listed articles. Returns (articles built, articles listed, titles right, dates right).
fn infer_and_build(name: &str, listing: &str) -> (usize, usize, usize, usize) {
    infer_and_build_site(Site::start(name), name, listing, expected(name))
}

fn infer_and_build_site(
    site: Site,
    name: &str,
    listing: &str,
    want: Vec<Expected>,
) -> (usize, usize, usize, usize) {
    let dir = workdir(BASE_CONFIG);
    let (before, after, out) = add(dir.path(), &[&site.url(listing)]);
    assert!(out.status.success(), "{}", said(&out));
    let block = appended(&before, &after);
    assert!(
        block.contains("kind = \"html\"") && block.contains("[source.html]"),
        "{block}"
    );
    assert!(block.contains("# Added by `feedmill add"), "{block}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("\nok\n") && !stdout.contains("DEGRADED"),
        "the preview is not degraded: {}",
        said(&out)
    );
    check_ok(dir.path());
    // The page, the probes for a feed, the next page and the sampled articles, each once.
    let asked = site.requested();
    let unique: std::collections::HashSet<&String> = asked.iter().collect();
    assert_eq!(
        unique.len(),
        asked.len(),
        "a page was fetched twice: {asked:?}"
    );
    assert!(asked.len() <= 1 + 10 + 1 + 4, "{asked:?}");
    let requests = asked.len();
    site.clear();

    let report = dir.path().join("report.json");
    let built = feedmill(
        dir.path(),
        &["build", "--quiet", "--report", report.to_str().unwrap()],
    );
    assert!(built.status.success(), "{}", said(&built));
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    let src = &report["sources"][0];
    assert_eq!(src["status"], "ok", "{src:#}");

    let xml = std::fs::read(dir.path().join("public/other-news/atom.xml")).unwrap();
    let feed = feed_rs::parser::parse(&xml[..]).unwrap();
    let by_link: BTreeMap<String, &feed_rs::model::Entry> = feed
        .entries
        .iter()
        .map(|e| (e.links[0].href.clone(), e))
        .collect();
    let (mut titles, mut dates, mut found) = (0, 0, 0);
    for w in &want {
        let Some(e) = by_link.get(&site.url(&w.path)) else {
            continue;
        };
        found += 1;
        if e.title.as_ref().map(|t| t.content.as_str()) == Some(w.title.as_str()) {
            titles += 1;
        }
        let at: DateTime<Utc> = DateTime::parse_from_rfc3339(&w.published).unwrap().to_utc();
        if e.published == Some(at) {
            dates += 1;
        }
    }
    // A text repeated on every page (a site's tagline) is no article's summary.
    let summaries: std::collections::HashSet<String> = feed
        .entries
        .iter()
        .map(|e| {
            e.summary
                .as_ref()
                .map(|t| t.content.clone())
                .unwrap_or_default()
        })
        .collect();
    assert!(
        feed.entries.len() < 2 || summaries.len() > 1,
        "every article has the same summary: {summaries:?}"
    );
    let listed: Vec<String> = want.iter().map(|w| site.url(&w.path)).collect();
    let extra: Vec<&String> = by_link.keys().filter(|k| !listed.contains(k)).collect();
    eprintln!(
        "{name}: {found}/{} listed articles built, {titles} titles and {dates} dates right, {} others; `add` sent {requests} requests",
        want.len(),
        extra.len()
    );
    assert!(
        extra.is_empty(),
        "menu, sidebar or ad links were built: {extra:?}"
    );
    (found, want.len(), titles, dates)
}

#[test]
fn a_magazine_without_a_feed_is_inferred_and_builds_every_listed_article() {
    let (found, listed, titles, dates) = infer_and_build("magazine", "/");
    assert_eq!((found, titles, dates), (listed, listed, listed));
}

#[test]
fn a_portal_without_a_feed_is_inferred_and_builds_every_listed_article() {
    let (found, listed, titles, dates) = infer_and_build("portal", "/tin-moi.htm");
    assert_eq!((found, titles, dates), (listed, listed, listed));
}

#[test]
fn an_old_blog_theme_without_a_feed_is_inferred_and_builds_every_listed_article() {
    // The logo is each page's first <h1>, "Older posts" leads to page 2, dates are English.
    let (found, listed, titles, dates) = infer_and_build("blog", "/");
    assert_eq!((found, titles, dates), (listed, listed, listed));
}

#[test]
fn the_bundled_example_site_is_inferred_as_its_hand_written_source_reads_it() {
    // examples/site/ has a hand-written [source.html] (examples/site/source.toml); the
    // inferred one must build the same three articles, without the sponsored item.
    let want = [
        (
            "/luc-yen-nang-cao-suc-chien-dau-cua-to-chuc-dang-o-co-so.html",
            "Lục Yên: Nâng cao sức chiến đấu của tổ chức đảng ở cơ sở",
            "2022-05-18T05:29:48+07:00",
        ),
        (
            "/luong-thinh-xay-dung-dang-gan-voi-phat-trien-kinh-te-xa-hoi.html",
            "Lương Thịnh: Xây dựng Đảng gắn với phát triển kinh tế - xã hội",
            "2022-05-17T15:15:20+07:00",
        ),
        (
            "/hong-ca-chu-trong-cong-tac-phat-trien-dang.html",
            "Hồng Ca chú trọng công tác phát triển Đảng",
            "2022-05-16T00:00:00+07:00",
        ),
    ]
    .map(|(path, title, published)| Expected {
        path: path.into(),
        title: title.into(),
        published: published.into(),
    });
    let site = Site::start_dir(root().join("examples/site"));
    let (found, listed, titles, dates) =
        infer_and_build_site(site, "example", "/index.html", want.into());
    assert_eq!((found, titles, dates), (listed, listed, listed));
}

#[test]
fn add_appends_to_a_commented_file_and_keeps_every_byte_before() {
    // The bundled example: comments, trailing comments, categories and aliases after the
    // sources.
    let text = std::fs::read_to_string(root().join("feeds.toml")).unwrap();
    let text = text.replace("[fetch]", "[fetch]\ntimeout = \"5s\"");
    let site = Site::start("feed-path");
    let dir = workdir(&text);
    // With the example's sources beside it, as `check` wants local sources to exist.
    copy_dir(&root().join("examples"), &dir.path().join("examples"));
    let (before, after, out) = add(dir.path(), &[&site.url("/"), "--name", "mu-cang-chai"]);
    assert!(out.status.success(), "{}", said(&out));
    let block = appended(&before, &after);
    assert!(block.starts_with("\n# Added by `feedmill add"), "{block:?}");
    assert_eq!(
        block.matches("[[source]]").count(),
        1,
        "exactly one block appended: {block}"
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        stdout.matches(block.trim()).count(),
        1,
        "the block is printed: {stdout}"
    );
    check_ok(dir.path());
}

#[test]
fn a_name_or_url_already_there_is_refused_with_its_line() {
    let site = Site::start("feed-path");
    let dir = workdir(BASE_CONFIG);
    let (_, first, out) = add(dir.path(), &[&site.url("/")]);
    assert!(out.status.success(), "{}", said(&out));
    let url_line = first
        .lines()
        .position(|l| l == format!("url = \"{}\"", site.url("/feed")))
        .unwrap()
        + 1;
    let name_line = url_line - 1;

    // The feed found is there already.
    let (_, again, out) = add(dir.path(), &[&site.url("/")]);
    assert_eq!(out.status.code(), Some(1), "{}", said(&out));
    assert_eq!(again, first, "nothing was written");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&format!("feeds.toml:{url_line}:7:")), "{err}");

    // The name is taken: refused before the site is asked anything.
    site.clear();
    let name = first.lines().nth(name_line - 1).unwrap();
    let name = name.trim_start_matches("name = \"").trim_end_matches('"');
    let (_, again, out) = add(dir.path(), &[&site.url("/other"), "--name", name]);
    assert_eq!(out.status.code(), Some(1), "{}", said(&out));
    assert_eq!(again, first);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&format!("feeds.toml:{name_line}:8:")), "{err}");
    assert!(site.requested().is_empty(), "{:?}", site.requested());
}

#[test]
fn the_default_name_is_unique_in_the_file() {
    let dir = workdir(BASE_CONFIG);
    let (one, two) = (Site::start("feed-path"), Site::start("feed-path"));
    let (_, _, out) = add(dir.path(), &[&one.url("/")]);
    assert!(out.status.success(), "{}", said(&out));
    let (before, after, out) = add(dir.path(), &[&two.url("/")]);
    assert!(out.status.success(), "{}", said(&out));
    let block = appended(&before, &after);
    assert!(
        before.contains("name = \"nhat-ky-mu-cang-chai\"\n"),
        "{before}"
    );
    assert!(
        block.contains("name = \"nhat-ky-mu-cang-chai-2\"\n"),
        "{block}"
    );
    check_ok(dir.path());
}

#[test]
fn dry_run_prints_the_block_and_changes_nothing_the_same_each_time() {
    let site = Site::start("portal");
    let dir = workdir(BASE_CONFIG);
    let (before, after, first) = add(dir.path(), &[&site.url("/tin-moi.htm"), "--dry-run"]);
    assert!(first.status.success(), "{}", said(&first));
    assert_eq!(before, after);
    let stdout = String::from_utf8_lossy(&first.stdout).to_string();
    assert!(stdout.contains("[source.html]"), "{stdout}");
    let (_, _, second) = add(dir.path(), &[&site.url("/tin-moi.htm"), "--dry-run"]);
    assert_eq!(
        stdout,
        String::from_utf8_lossy(&second.stdout),
        "the same site gives the same source"
    );
}

#[test]
fn a_page_with_neither_feed_nor_article_list_is_reported() {
    let site = Site::start("feed-path");
    let dir = workdir(BASE_CONFIG);
    let (before, after, out) = add(dir.path(), &[&site.url("/no-such-page.html")]);
    assert_eq!(out.status.code(), Some(1), "{}", said(&out));
    assert_eq!(before, after);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("404"), "{err}");
}
