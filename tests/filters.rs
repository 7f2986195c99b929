//! Filters end to end: `[[filter]]` and `[[source.filter]]` decide which stored articles
//! the written feeds show and add tags and categories; `merged = false` keeps a source out
//! of the merged feed; a changed filter reaches every stored article at the next build
//! with nothing fetched again. Feeds are served by a loopback server and the written
//! feeds read back with feed-rs.

mod e2e_support;
mod enrich_support;

use std::path::Path;

use e2e_support::parse_feed;
use enrich_support::{config, run, Site};
use feedmill::config::Config;
use feedmill::pipeline::SourceStatus;

/// A feed of `items` (title, tags), each linking to `/<source>/<i>.html`.
fn rss(origin: &str, source: &str, items: &[(&str, &[&str])]) -> String {
    let mut s = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><rss version=\"2.0\"><channel><title>t</title>",
    );
    for (i, (title, tags)) in items.iter().enumerate() {
        s.push_str(&format!(
            "<item><title>{title}</title><link>{origin}/{source}/{i}.html</link>\
             <pubDate>Thu, 12 Jun 2025 0{i}:00:00 +0700</pubDate>\
             <description>Tóm tắt của bài {title}.</description>"
        ));
        for t in *tags {
            s.push_str(&format!("<category>{t}</category>"));
        }
        s.push_str("</item>");
    }
    s.push_str("</channel></rss>");
    s
}

/// Two sources on one loopback server: `tinh` (one sponsored post, tags in several
/// spellings) and `huyen`.
fn site() -> Site {
    // Every path is set below; nothing is read from this folder.
    let site = Site::start("/nonexistent-feedmill-site".into(), &[]);
    site.set(
        "/tinh.xml",
        200,
        &rss(
            &site.origin,
            "tinh",
            &[
                ("Lục Yên mở rộng vùng trồng quế", &["LỤC YÊN", "Kinh tế"]),
                ("[QC] Ưu đãi vay mua nhà lãi suất thấp", &["Lục Yên"]),
                ("Yên Bình khánh thành cầu mới", &["Yên Bình"]),
                // NFD spelling of the tag, no accents in the second.
                ("Hội thi nhà nông ở Lu\u{323}c Yên", &["Lu\u{323}c Yên"]),
                ("Chợ phiên vùng cao", &["luc yen"]),
            ],
        ),
    );
    site.set(
        "/huyen.xml",
        200,
        &rss(
            &site.origin,
            "huyen",
            &[
                ("Tin huyện: họp Hội đồng nhân dân", &["Thời sự"]),
                ("Tin huyện: giải bóng đá thiếu niên", &["Thể thao"]),
            ],
        ),
    );
    site
}

fn sources(site: &Site, huyen_extra: &str) -> String {
    format!(
        "[fetch]\nretries = 0\n\n[[source]]\nname = \"tinh\"\nurl = \"{}\"\n\n[[source]]\nname = \"huyen\"\nurl = \"{}\"\n{huyen_extra}\n",
        site.url("/tinh.xml"),
        site.url("/huyen.xml")
    )
}

/// Titles in a written feed (`dir` under the output folder), sorted.
fn titles(cfg: &Config, dir: &str) -> Vec<String> {
    let path = cfg.site.output_dir.join(dir).join("atom.xml");
    let mut t: Vec<String> = parse_feed(&path)
        .entries
        .into_iter()
        .filter_map(|e| e.title.map(|t| t.content))
        .collect();
    t.sort();
    t
}

fn exists(cfg: &Config, dir: &str) -> bool {
    Path::new(&cfg.site.output_dir.join(dir).join("rss.xml")).is_file()
}

#[test]
fn discard_by_title_regex_leaves_every_feed() {
    let site = site();
    let tmp = tempfile::tempdir().unwrap();
    let body = format!(
        "{}\n[[filter]]\nname = \"quảng cáo\"\naction = \"discard\"\nfields = [\"title\"]\nmatch = '^\\[QC\\]'\n",
        sources(&site, "")
    );
    let cfg = config(tmp.path(), &body);
    let report = run(&cfg);
    assert!(report.sources.iter().all(|s| s.status == SourceStatus::Ok));
    let merged = titles(&cfg, "other-news");
    assert_eq!(merged.len(), 6, "{merged:?}");
    assert!(!merged.iter().any(|t| t.contains("[QC]")), "{merged:?}");
    // Its tag feed holds the other Lục Yên articles only.
    assert!(!titles(&cfg, "tag/luc-yen")
        .iter()
        .any(|t| t.contains("[QC]")));
    // The store keeps it: the filter decides what the feeds show, not what is stored.
    let store = feedmill::store::open(&cfg.site.store).unwrap();
    assert_eq!(store.articles().unwrap().len(), 7);
}

#[test]
fn keep_by_tag_ignores_case_and_accents_and_touches_only_its_source() {
    let site = site();
    let tmp = tempfile::tempdir().unwrap();
    let body = format!(
        "[fetch]\nretries = 0\n\n[[source]]\nname = \"tinh\"\nurl = \"{}\"\n\n\
         [[source.filter]]\naction = \"keep\"\nfields = [\"tags\"]\nwords = [\"luc yen\"]\n\n\
         [[source]]\nname = \"huyen\"\nurl = \"{}\"\n",
        site.url("/tinh.xml"),
        site.url("/huyen.xml")
    );
    let cfg = config(tmp.path(), &body);
    run(&cfg);
    let merged = titles(&cfg, "other-news");
    let tinh: Vec<&String> = merged
        .iter()
        .filter(|t| !t.starts_with("Tin huyện"))
        .collect();
    // LỤC YÊN, Lục Yên, the NFD spelling and "luc yen" all match; Yên Bình does not.
    assert_eq!(tinh.len(), 4, "{merged:?}");
    assert!(!merged.iter().any(|t| t.contains("Yên Bình")), "{merged:?}");
    // `huyen` has no keep filter: both its articles stay.
    assert_eq!(
        merged.iter().filter(|t| t.starts_with("Tin huyện")).count(),
        2
    );
}

#[test]
fn a_filter_adds_a_category_and_tags_to_what_it_matches() {
    let site = site();
    let tmp = tempfile::tempdir().unwrap();
    let body = format!(
        "{}\n[[filter]]\nname = \"đặc sản\"\naction = \"tag\"\nsources = [\"tinh\"]\nwords = [\"quế\", \"chợ phiên\"]\nadd_category = \"Đặc sản vùng cao\"\nadd_tags = [\"Nông sản\"]\n",
        sources(&site, "")
    );
    let cfg = config(tmp.path(), &body);
    run(&cfg);
    assert_eq!(
        titles(&cfg, "category/dac-san-vung-cao"),
        ["Chợ phiên vùng cao", "Lục Yên mở rộng vùng trồng quế"]
    );
    assert_eq!(
        titles(&cfg, "tag/nong-san"),
        ["Chợ phiên vùng cao", "Lục Yên mở rộng vùng trồng quế"]
    );
    // Nothing left any feed.
    assert_eq!(titles(&cfg, "other-news").len(), 7);
}

#[test]
fn merged_false_keeps_a_source_out_of_the_merged_feed_only() {
    let site = site();
    let tmp = tempfile::tempdir().unwrap();
    let cfg = config(tmp.path(), &sources(&site, "merged = false"));
    run(&cfg);
    let merged = titles(&cfg, "other-news");
    assert_eq!(merged.len(), 5, "{merged:?}");
    assert!(!merged.iter().any(|t| t.starts_with("Tin huyện")));
    // Its tag feeds still exist.
    assert_eq!(
        titles(&cfg, "tag/the-thao"),
        ["Tin huyện: giải bóng đá thiếu niên"]
    );
}

#[test]
fn a_changed_filter_applies_to_every_stored_article_at_the_next_build_without_fetching() {
    let site = site();
    let tmp = tempfile::tempdir().unwrap();
    let cfg = config(tmp.path(), &sources(&site, ""));
    run(&cfg);
    assert_eq!(titles(&cfg, "other-news").len(), 7);

    // A discard filter is added: the feeds answer 304 (nothing is read again) and the
    // stored articles are filtered.
    let with_filter = format!(
        "{}\n[[filter]]\naction = \"discard\"\nwords = [\"lai suat\", \"bong da\"]\n",
        sources(&site, "")
    );
    let cfg = config(tmp.path(), &with_filter);
    site.clear();
    let report = run(&cfg);
    assert!(
        report
            .sources
            .iter()
            .all(|s| s.status == SourceStatus::NotModified),
        "{:?}",
        report.sources
    );
    let seen = site.requests();
    assert!(seen.iter().all(|r| r.status == 304), "{seen:?}");
    let merged = titles(&cfg, "other-news");
    assert_eq!(merged.len(), 5, "{merged:?}");
    assert!(
        !exists(&cfg, "tag/the-thao"),
        "the tag of the dropped article has no feed"
    );

    // With the sources down, a filter changed again still reaches the stored articles.
    site.set("/tinh.xml", 503, "down");
    site.set("/huyen.xml", 503, "down");
    let cfg = config(tmp.path(), &sources(&site, ""));
    let report = run(&cfg);
    assert!(report
        .sources
        .iter()
        .all(|s| s.status == SourceStatus::Failed));
    assert_eq!(
        titles(&cfg, "other-news").len(),
        7,
        "the filter removed: all back"
    );
    assert!(exists(&cfg, "tag/the-thao"));
}
