//! End to end for HTML sources: the example news site (examples/site/, modeled on the seed
//! page) served by a real HTTP server on 127.0.0.1, scraped and normalized by a full build,
//! and read back from the written feeds.

mod e2e_support;

use chrono::{DateTime, FixedOffset};
use e2e_support::{parse_feed, root, SiteServer};
use feedmill::config::Config;
use feedmill::pipeline::{build, BuildOptions, BuildReport, SourceStatus};

const SEED_TITLE: &str = "Lục Yên: Nâng cao sức chiến đấu của tổ chức đảng ở cơ sở";
const SEED_TAGS: [&str; 7] = [
    "Lục Yên",
    "sức chiến đấu",
    "Nghị quyết số 37",
    "giao nhiệm vụ khoán sản phẩm",
    "luân chuyển cán bộ",
    "hiến đất",
    "giao thông nông thôn",
];

fn config(dir: &std::path::Path, listing: &str) -> Config {
    let source = std::fs::read_to_string(root().join("examples/site/source.toml")).unwrap();
    let source = source.replace(
        "url = \"examples/site/index.html\"",
        &format!("url = \"{listing}\""),
    );
    let text = format!(
        "[site]\ntitle = \"Tin Yên Bái\"\nbase_url = \"https://feeds.example.vn/\"\nlanguage = \"vi\"\ntimezone = \"Asia/Ho_Chi_Minh\"\n\n[fetch]\nper_host = 2\n\n{source}"
    );
    let path = dir.join("feeds.toml");
    std::fs::write(&path, text).unwrap();
    Config::load(&path).unwrap_or_else(|e| panic!("{e:?}"))
}

fn run(cfg: &Config) -> BuildReport {
    tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(build(cfg, &BuildOptions::default()))
        .expect("build")
}

fn instant(s: &str) -> DateTime<chrono::Utc> {
    DateTime::<FixedOffset>::parse_from_rfc3339(s)
        .unwrap()
        .to_utc()
}

#[test]
fn the_seed_site_scraped_over_http_gives_every_field() {
    let site = SiteServer::start(root().join("examples/site"));
    let tmp = tempfile::tempdir().unwrap();
    let cfg = config(tmp.path(), &site.url("/index.html"));
    let report = run(&cfg);
    let src = &report.sources[0];
    assert_eq!(src.status, SourceStatus::Ok, "{src:#?}");
    assert_eq!(src.articles, 3);

    // The listing's link to another host is skipped, never requested.
    let requested = site.requests.lock().unwrap().clone();
    assert!(
        requested.iter().all(|p| !p.contains("tai-tro")),
        "{requested:?}"
    );
    assert!(
        src.warnings
            .iter()
            .any(|w| w.contains("quangcao.example.com")),
        "{:?}",
        src.warnings
    );

    let out = &cfg.site.output_dir;
    let feed = parse_feed(&out.join("category/xay-dung-dang/atom.xml"));
    assert_eq!(feed.entries.len(), 3);
    let seed = feed
        .entries
        .iter()
        .find(|e| e.title.as_ref().unwrap().content == SEED_TITLE)
        .expect("seed");
    // `Thứ tư, 18/5/2022 | 5:29:48 AM` in the source's zone.
    assert_eq!(
        seed.published.unwrap(),
        instant("2022-05-18T05:29:48+07:00")
    );
    assert_eq!(seed.authors[0].name, "Anh Dũng");
    let tags: Vec<String> = seed
        .categories
        .iter()
        .filter_map(|c| c.label.clone())
        .collect();
    for t in SEED_TAGS {
        assert!(
            tags.iter().any(|x| x == t),
            "tag {t:?} missing from {tags:?}"
        );
    }
    assert!(
        tags.iter().any(|x| x == "Xây dựng Đảng"),
        "the source category: {tags:?}"
    );
    assert!(
        !tags.iter().any(|x| x.contains('"') || x.contains('”')),
        "stray quotes left: {tags:?}"
    );
    let content = seed.content.as_ref().and_then(|c| c.body.clone()).unwrap();
    assert!(content.contains("Sau 1 năm thực hiện"), "the body");
    let summary = seed
        .summary
        .as_ref()
        .map(|s| s.content.clone())
        .unwrap_or_default();
    assert!(
        summary.starts_with("YênBái - Thực hiện Nghị quyết số 37"),
        "the dateline lead: {summary}"
    );
    assert!(
        content.contains("trao đổi với đảng viên Chi bộ thôn Úc"),
        "the photo caption stays"
    );
    assert!(
        !content.contains("<script")
            && !content.contains("quangcao")
            && !content.contains("Quảng cáo"),
        "{content}"
    );
    // Over HTTP the page's link is its own URL (the canonical names another host).
    assert!(
        seed.links[0].href.starts_with(&site.url("/luc-yen-")),
        "{}",
        seed.links[0].href
    );

    // The article dated with PM, and the one at 12:00:00 AM (midnight, not noon).
    let by_title = |t: &str| {
        feed.entries
            .iter()
            .find(|e| e.title.as_ref().unwrap().content.starts_with(t))
            .unwrap()
    };
    assert_eq!(
        by_title("Lương Thịnh").published.unwrap(),
        instant("2022-05-17T15:15:20+07:00")
    );
    assert_eq!(
        by_title("Hồng Ca").published.unwrap(),
        instant("2022-05-16T00:00:00+07:00")
    );

    // The RSS form carries the offset of the site's zone.
    let rss = std::fs::read_to_string(out.join("category/xay-dung-dang/rss.xml")).unwrap();
    assert!(
        rss.contains("<pubDate>Wed, 18 May 2022 05:29:48 +0700</pubDate>"),
        "{rss}"
    );
}

#[test]
fn a_changed_layout_is_reported_and_the_previous_articles_stay() {
    let site = SiteServer::start(root().join("examples/site"));
    let tmp = tempfile::tempdir().unwrap();
    let cfg = config(tmp.path(), &site.url("/index.html"));
    assert_eq!(run(&cfg).sources[0].articles, 3);

    // The site redesigns its listing: `div.list-news .item` matches nothing any more.
    site.replace(
        "/index.html",
        "<html><body><ul class=\"news\"><li><a href=\"luc-yen-nang-cao-suc-chien-dau-cua-to-chuc-dang-o-co-so.html\">x</a></li></ul></body></html>",
    );
    let report = run(&cfg);
    let src = &report.sources[0];
    assert_eq!(src.status, SourceStatus::Degraded, "{src:#?}");
    let why = src.error.as_deref().unwrap_or_default();
    assert!(
        why.contains("div.list-news .item"),
        "the message names the selector: {why}"
    );
    assert!(src.from_last_good);
    assert_eq!(src.articles, 3);
    let feed = parse_feed(&cfg.site.output_dir.join("category/xay-dung-dang/rss.xml"));
    assert_eq!(
        feed.entries.len(),
        3,
        "the last good articles stay in the feeds"
    );
}
