//! End to end against a feed served by a real HTTP server on 127.0.0.1, including a source
//! that breaks between builds: its last good articles stay in every feed.

mod e2e_support;

use std::path::Path;

use e2e_support::{parse_feed, root, Reply, TestServer};
use feedmill::config::Config;
use feedmill::pipeline::{build, BuildOptions, BuildReport, SourceStatus};

fn config(dir: &Path, rss_url: &str, atom_url: &str) -> Config {
    let text = format!(
        r#"
[site]
title = "Tin Yên Bái"
base_url = "https://feeds.example.vn/"
language = "vi"
timezone = "Asia/Ho_Chi_Minh"

[[source]]
name = "baoyenbai-xdd"
url = "{rss_url}"

[[source]]
name = "lucyen"
url = "{atom_url}"

[[category]]
name = "Xây dựng Đảng"
sources = ["baoyenbai-xdd"]
"#
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

fn example(name: &str) -> Vec<u8> {
    std::fs::read(root().join("examples/feeds").join(name)).unwrap()
}

#[test]
fn feeds_served_over_http_are_read_and_a_broken_source_keeps_its_articles() {
    let rss = TestServer::start(Reply {
        status: 200,
        content_type: "application/rss+xml; charset=utf-8".into(),
        body: example("baoyenbai-xay-dung-dang.rss"),
    });
    let atom = TestServer::start(Reply {
        status: 200,
        content_type: "application/atom+xml".into(),
        body: example("lucyen.atom"),
    });
    let tmp = tempfile::tempdir().unwrap();
    let cfg = config(
        tmp.path(),
        &rss.url("/rss/xay-dung-dang.rss"),
        &atom.url("/atom.xml"),
    );
    let out = &cfg.site.output_dir;

    let first = run(&cfg);
    assert!(
        first.sources.iter().all(|s| s.status == SourceStatus::Ok),
        "{:#?}",
        first.sources
    );
    assert_eq!(first.sources[0].fetch.status, Some(200));
    assert_eq!(first.articles, 7);
    let merged = parse_feed(&out.join("other-news/rss.xml"));
    assert_eq!(merged.entries.len(), 7);
    // Relative links of the Atom source resolve against the URL it was served from.
    let atom_base = atom.url("/tin-tuc/mua-lua-xuan-boi-thu-1207.html");
    assert!(
        merged.entries.iter().any(|e| e.links[0].href == atom_base),
        "{atom_base} missing"
    );

    // The RSS source now answers 500: the build completes, the failure is reported, and its
    // five articles stay in the merged and category feeds.
    rss.set(Reply {
        status: 500,
        content_type: "text/plain".into(),
        body: b"oops".to_vec(),
    });
    let second = run(&cfg);
    let bad = &second.sources[0];
    assert_eq!(bad.status, SourceStatus::Failed);
    assert!(
        bad.error.as_deref().unwrap_or("").contains("500"),
        "{:?}",
        bad.error
    );
    assert!(bad.from_last_good);
    assert_eq!(bad.articles, 5);
    assert_eq!(bad.consecutive_failures, 1);
    assert_eq!(second.sources[1].status, SourceStatus::Ok);
    assert_eq!(parse_feed(&out.join("other-news/rss.xml")).entries.len(), 7);
    assert_eq!(
        parse_feed(&out.join("category/xay-dung-dang/rss.xml"))
            .entries
            .len(),
        5
    );

    // It now serves an HTML page instead of a feed: still an error, articles still kept.
    rss.set(Reply {
        status: 200,
        content_type: "text/html".into(),
        body: b"<html><body>Maintenance</body></html>".to_vec(),
    });
    let third = run(&cfg);
    assert_eq!(third.sources[0].status, SourceStatus::Failed);
    assert_eq!(third.sources[0].consecutive_failures, 2);
    assert_eq!(
        parse_feed(&out.join("category/xay-dung-dang/rss.xml"))
            .entries
            .len(),
        5
    );
}

#[test]
fn a_build_of_some_sources_leaves_the_others_untouched() {
    let rss = TestServer::start(Reply {
        status: 200,
        content_type: "application/rss+xml; charset=utf-8".into(),
        body: example("baoyenbai-xay-dung-dang.rss"),
    });
    let atom = TestServer::start(Reply {
        status: 200,
        content_type: "application/atom+xml".into(),
        body: example("lucyen.atom"),
    });
    let tmp = tempfile::tempdir().unwrap();
    let cfg = config(tmp.path(), &rss.url("/rss.xml"), &atom.url("/atom.xml"));
    assert_eq!(run(&cfg).articles, 7);
    let rss_hits = *rss.hits.lock().unwrap();

    // The RSS source breaks, but only the Atom source is due: the RSS server is not asked,
    // its articles stay, and the report speaks of the Atom source alone.
    rss.set(Reply {
        status: 500,
        content_type: "text/plain".into(),
        body: b"oops".to_vec(),
    });
    let opts = BuildOptions {
        only: Some(["lucyen".to_string()].into()),
        ..BuildOptions::default()
    };
    let report = tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(build(&cfg, &opts))
        .unwrap();
    assert_eq!(
        *rss.hits.lock().unwrap(),
        rss_hits,
        "a source that is not due is not fetched"
    );
    assert_eq!(report.sources.len(), 1);
    assert_eq!(report.sources[0].name, "lucyen");
    assert_eq!(report.articles, 7);
    let out = &cfg.site.output_dir;
    assert_eq!(
        parse_feed(&out.join("category/xay-dung-dang/rss.xml"))
            .entries
            .len(),
        5
    );
}
