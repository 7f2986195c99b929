//! End to end: the bundled example config, built into a temp dir, every feed parsed back by
//! an independent parser (feed-rs).

mod e2e_support;

use std::collections::BTreeMap;
use std::path::Path;

use chrono::{DateTime, FixedOffset, TimeZone, Utc};
use e2e_support::{example_copy, files_below, parse_feed};
use feedmill::config::Config;
use feedmill::pipeline::{build, BuildOptions, BuildReport, SourceStatus};

const SEED_TITLE: &str = "Lục Yên: Nâng cao sức chiến đấu của tổ chức đảng ở cơ sở";
const SEED_URL: &str =
    "https://baoyenbai.com.vn/12/251437/Luc-Yen-Nang-cao-suc-chien-dau-cua-to-chuc-dang-o-co-so.aspx";

fn build_example(out: &Path) -> BuildReport {
    let example = example_copy();
    let cfg =
        Config::load(&example.path().join("feeds.toml")).expect("the example config is valid");
    let opts = BuildOptions {
        out_dir: Some(out.to_path_buf()),
        store_path: Some(out.with_extension("db")),
        ..BuildOptions::default()
    };
    tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(build(&cfg, &opts))
        .expect("build")
}

fn titles(feed: &feed_rs::model::Feed) -> Vec<String> {
    feed.entries
        .iter()
        .map(|e| {
            e.title
                .as_ref()
                .map(|t| t.content.clone())
                .unwrap_or_default()
        })
        .collect()
}

#[test]
fn example_builds_every_feed_and_they_parse_back() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("public");
    let report = build_example(&out);
    assert!(
        report.sources.iter().all(|s| s.status == SourceStatus::Ok),
        "{:#?}",
        report.sources
    );

    for f in [
        "other-news/rss.xml",
        "other-news/atom.xml",
        "feeds.opml",
        "index.html",
    ] {
        assert!(out.join(f).is_file(), "{f} missing");
    }
    // Every feed file parses with feed-rs and carries the site title.
    let feeds: Vec<_> = files_below(&out)
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "xml"))
        .collect();
    assert_eq!(feeds.len(), report.feeds * 2);
    for path in &feeds {
        let feed = parse_feed(path);
        let title = feed
            .title
            .as_ref()
            .map(|t| t.content.clone())
            .unwrap_or_default();
        assert!(
            title.starts_with("Tin Yên Bái — "),
            "{}: title {title:?}",
            path.display()
        );
        assert!(!feed.entries.is_empty(), "{} is empty", path.display());
        for e in &feed.entries {
            assert!(
                e.published.is_some() || e.updated.is_some(),
                "{}: undated entry",
                path.display()
            );
            let link = &e.links.first().expect("entry link").href;
            assert!(link.starts_with("https://"), "{link}");
            assert!(
                !link.contains("utm_") && !link.contains('#'),
                "{link} is not canonical"
            );
        }
    }
}

#[test]
fn the_seed_article_appears_once_with_its_date_author_and_tags() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("public");
    build_example(&out);

    for file in ["other-news/rss.xml", "other-news/atom.xml"] {
        let feed = parse_feed(&out.join(file));
        // 5 RSS items + 3 Atom entries + 3 scraped pages; the seed article is in all three
        // sources (one canonical URL behind tracking parameters) and appears once.
        assert_eq!(feed.entries.len(), 9, "{file}: {:?}", titles(&feed));
        let seeds: Vec<_> = feed
            .entries
            .iter()
            .filter(|e| e.title.as_ref().unwrap().content == SEED_TITLE)
            .collect();
        assert_eq!(seeds.len(), 1, "{file}: the seed article must appear once");
        let seed = seeds[0];
        assert_eq!(seed.links[0].href, SEED_URL);
        // `Thứ tư, 18/5/2022 | 5:29:48 AM` in Yên Bái is 05:29:48+07:00.
        let expected = FixedOffset::east_opt(7 * 3600)
            .unwrap()
            .with_ymd_and_hms(2022, 5, 18, 5, 29, 48)
            .unwrap();
        assert_eq!(
            seed.published.unwrap(),
            expected.with_timezone(&Utc),
            "{file}"
        );
        assert_eq!(
            seed.authors.first().map(|a| a.name.as_str()),
            Some("Anh Dũng"),
            "{file}"
        );
        let cats: Vec<String> = seed
            .categories
            .iter()
            .map(|c| c.label.clone().unwrap_or_else(|| c.term.clone()))
            .collect();
        for tag in [
            "Lục Yên",
            "Nghị quyết số 37",
            "giao nhiệm vụ khoán sản phẩm",
            "hiến đất",
            "xây dựng Đảng",
        ] {
            assert!(
                cats.iter().any(|c| c == tag),
                "{file}: tag {tag:?} missing from {cats:?}"
            );
        }
        // Union of both sources' content: the full body from RSS, sanitized.
        let content = seed
            .content
            .as_ref()
            .and_then(|c| c.body.clone())
            .unwrap_or_default();
        assert!(content.contains("Chương trình hành động số 18"), "{file}");
        assert!(
            !content.contains("<script")
                && !content.contains("<iframe")
                && !content.contains("onclick")
        );
        assert!(content
            .contains("https://baoyenbai.com.vn/images/2022/05/18/luc-yen-chi-bo-thon-uc.jpg"));
    }

    let rss = std::fs::read_to_string(out.join("other-news/rss.xml")).unwrap();
    assert!(
        rss.contains("<pubDate>Wed, 18 May 2022 05:29:48 +0700</pubDate>"),
        "RFC 822 date in +0700"
    );
    assert!(rss.contains("<dc:creator>Anh Dũng</dc:creator>"));
    let atom = std::fs::read_to_string(out.join("other-news/atom.xml")).unwrap();
    assert!(atom.contains("2022-05-18T05:29:48+07:00"));
}

#[test]
fn tags_merge_across_spellings_and_colliding_slugs_both_get_feeds() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("public");
    build_example(&out);

    // `Lục Yên`, `LỤC YÊN`, its NFD form and the aliases `huyện Lục Yên` / `Luc Yen` are one tag.
    let luc_yen = parse_feed(&out.join("tag/luc-yen/rss.xml"));
    assert_eq!(
        luc_yen.title.as_ref().unwrap().content,
        "Tin Yên Bái — Lục Yên"
    );
    let mut t = titles(&luc_yen);
    t.sort();
    assert_eq!(
        t,
        [
            "Làng lụa Khánh Hòa giữ nghề truyền thống",
            "Lục Yên: Mùa lúa xuân bội thu",
            "Lục Yên: Nâng cao sức chiến đấu của tổ chức đảng ở cơ sở",
        ]
    );
    assert!(
        !out.join("tag/huyen-luc-yen").exists(),
        "an alias must not get its own feed"
    );

    // `ĐẢNG BỘ XÃ` and `Đảng bộ xã` are one tag; Đ slugs to d.
    assert_eq!(
        parse_feed(&out.join("tag/dang-bo-xa/atom.xml"))
            .entries
            .len(),
        2
    );
    // The mismatched-quote tag of the seed page.
    assert!(out
        .join("tag/giao-nhiem-vu-khoan-san-pham/rss.xml")
        .is_file());

    // `Lúa` and `Lụa` both slug to `lua`: two feeds, each with its own article.
    let mut lua: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for slug in ["lua", "lua-2"] {
        let feed = parse_feed(&out.join(format!("tag/{slug}/rss.xml")));
        lua.insert(feed.title.clone().unwrap().content, titles(&feed));
    }
    assert_eq!(lua["Tin Yên Bái — Lúa"], ["Lục Yên: Mùa lúa xuân bội thu"]);
    assert_eq!(
        lua["Tin Yên Bái — Lụa"],
        ["Làng lụa Khánh Hòa giữ nghề truyền thống"]
    );
}

#[test]
fn categories_follow_sources_tags_regexes_and_feed_categories() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("public");
    build_example(&out);

    let mut nong = titles(&parse_feed(&out.join("category/nong-nghiep/rss.xml")));
    nong.sort();
    assert_eq!(
        nong,
        [
            // tag `nông thôn mới`, in the RSS source and on the scraped site
            "Lương Thịnh gắn xây dựng Đảng với phát triển kinh tế - xã hội",
            "Lương Thịnh: Xây dựng Đảng gắn với phát triển kinh tế - xã hội",
            // regex `lúa`, tag `Lúa`, and its own feed category `nông nghiệp`
            "Lục Yên: Mùa lúa xuân bội thu",
            // tag `giao thông nông thôn`
            "Lục Yên: Nâng cao sức chiến đấu của tổ chức đảng ở cơ sở",
        ]
    );
    // Every article of `baoyenbai-xdd` (listed in `sources`) and of `baoyenbai-web` (its
    // source `category`) is in Xây dựng Đảng: 5 + 3, the seed article once.
    let xdd = parse_feed(&out.join("category/xay-dung-dang/atom.xml"));
    assert_eq!(xdd.entries.len(), 7, "{:?}", titles(&xdd));
    // Title regex for the RSS article; the `đoàn viên` keyword of the scraped Hồng Ca page.
    let mut thanh_nien = titles(&parse_feed(&out.join("category/thanh-nien/rss.xml")));
    thanh_nien.sort();
    assert_eq!(
        thanh_nien,
        [
            "Hồng Ca chú trọng công tác phát triển Đảng",
            "Phát triển Đảng trong đoàn viên, thanh niên: ươm mầm những \"hạt giống đỏ\""
        ]
    );
}

#[test]
fn rebuilding_the_same_articles_rewrites_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("public");
    let first = build_example(&out);
    assert!(first.files_written > 0);
    let before: Vec<(std::path::PathBuf, Vec<u8>, std::time::SystemTime)> = files_below(&out)
        .into_iter()
        .map(|p| {
            let bytes = std::fs::read(&p).unwrap();
            let mtime = std::fs::metadata(&p).unwrap().modified().unwrap();
            (p, bytes, mtime)
        })
        .collect();
    std::thread::sleep(std::time::Duration::from_millis(20));
    let second = build_example(&out);
    assert_eq!(
        second.files_written, 0,
        "a build that changes nothing rewrites nothing"
    );
    for (p, bytes, mtime) in before {
        assert_eq!(std::fs::read(&p).unwrap(), bytes, "{} changed", p.display());
        assert_eq!(
            std::fs::metadata(&p).unwrap().modified().unwrap(),
            mtime,
            "{} touched",
            p.display()
        );
    }
}

#[test]
fn lastbuilddate_is_the_newest_article_not_the_clock() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("public");
    build_example(&out);
    let feed = parse_feed(&out.join("other-news/atom.xml"));
    let newest: DateTime<Utc> = "2022-05-17T22:29:48Z".parse().unwrap();
    assert_eq!(feed.updated.unwrap(), newest);
}
