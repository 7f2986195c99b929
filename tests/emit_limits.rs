//! What one hostile item can cost the output: tags per article, tag length, slug length,
//! and one feed that cannot be written.

mod build_support;

use std::collections::BTreeMap;

use build_support::*;
use feedmill::emit::{plan, FeedKind};
use feedmill::model::{Article, RawArticle, Tag};
use feedmill::normalize::Normalizer;
use feedmill::text::{is_slug, tag_key};

const SOURCE: &str =
    "[[source]]\nname = \"nhieu-the\"\nurl = \"nguon.rss\"\ntags = [\"Yên Bái\"]\n";

/// `n` distinct categories, about 27 bytes each as RSS.
fn many(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("Thẻ số {i}")).collect()
}

#[test]
fn tags_per_article_are_capped_source_tags_first_with_one_warning() {
    let site = Site::new("", SOURCE);
    let cfg = site.config();
    let source = cfg.source("nhieu-the").expect("source");
    let raw = RawArticle {
        title: Some("Bài nhiều thẻ".into()),
        link: Some("https://nguon.example.vn/a.html".into()),
        tags: many(3000).into_iter().map(Into::into).collect(),
        ..RawArticle::default()
    };
    let mut warnings = Vec::new();
    let a = Normalizer::new(&cfg)
        .article(raw, source, &mut warnings)
        .expect("article");
    assert_eq!(a.tags.len(), 32, "limits.tags_per_article");
    // The source's own tag is kept, then the item's in document order.
    let mut want: Vec<String> = many(31);
    want.push("Yên Bái".to_string());
    let mut got: Vec<String> = a.tags.iter().map(|t| t.name.clone()).collect();
    got.sort();
    want.sort();
    assert_eq!(got, want);
    let about: Vec<&String> = warnings.iter().filter(|w| w.contains("dropped")).collect();
    assert_eq!(about.len(), 1, "one warning: {warnings:?}");
    assert!(about[0].contains("Bài nhiều thẻ"), "{}", about[0]);
    assert!(about[0].contains("2969"), "{}", about[0]);
    assert!(about[0].contains("nhieu-the"), "{}", about[0]);
}

#[test]
fn an_item_with_3000_categories_builds_to_a_bounded_output() {
    let site = Site::new("", SOURCE);
    let cats: Vec<String> = many(3000);
    let cats: Vec<&str> = cats.iter().map(String::as_str).collect();
    let doc = rss(&[item("a", "Bài nhiều thẻ", 8, &cats)]);
    assert!(
        (60_000..120_000).contains(&doc.len()),
        "{} bytes",
        doc.len()
    );
    site.write("nguon.rss", &doc);
    let started = std::time::Instant::now();
    let report = site.build(None);
    let took = started.elapsed();
    let out = site.out();
    let (n, total) = (files(&out).len(), bytes(&out));
    // 32 tag feeds and the merged feed, four files each (RSS, Atom, JSON Feed, its page),
    // OPML, index, stylesheet, icon, manifest.
    assert!(n <= 4 * 33 + 5, "{n} files");
    // The feeds within the bound they always had; each feed's page (with its inline style)
    // and the stylesheet within 16 KiB of its own, the index (33 feeds listed, their
    // headlines) within 64 KiB.
    let is_page = |p: &std::path::Path| {
        matches!(
            p.file_name().and_then(|n| n.to_str()),
            Some("index.html" | "feed.xsl" | "favicon.ico")
        )
    };
    let feeds: u64 = files(&out)
        .iter()
        .filter(|p| !is_page(p))
        .filter_map(|p| std::fs::metadata(p).ok())
        .map(|m| m.len())
        .sum();
    assert!(feeds <= 256 * 1024, "{feeds} bytes of feeds in {n} files");
    for p in files(&out).iter().filter(|p| is_page(p)) {
        let len = std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
        let max = if p == &out.join("index.html") { 64 } else { 16 } * 1024;
        assert!(len <= max, "{}: {len} bytes", p.display());
    }
    eprintln!("3,000 categories: {n} files, {total} bytes, {took:?}");
    let warnings: Vec<&String> = report.sources[0]
        .warnings
        .iter()
        .filter(|w| w.contains("dropped"))
        .collect();
    assert_eq!(warnings.len(), 1, "{:?}", report.sources[0].warnings);
}

/// A tag of `words` Vietnamese words, about 6.5 characters a word.
fn long_tag(words: usize, first: &str) -> String {
    let mut s = first.to_string();
    for i in 0..words {
        s.push_str(&format!(" chương trình {i}"));
    }
    s
}

#[test]
fn a_300_character_tag_cannot_break_the_build() {
    let site = Site::new("", SOURCE);
    let long = long_tag(20, "Nghị quyết");
    assert!(long.chars().count() >= 300, "{}", long.chars().count());
    site.write(
        "nguon.rss",
        &rss(&[item("a", "Bài thẻ dài", 8, &[&long, "Lục Yên"])]),
    );
    for build in 1..=2 {
        let report = site.build(None);
        let out = site.out();
        for f in ["index.html", "feeds.opml", ".feedmill-manifest"] {
            assert!(out.join(f).is_file(), "build {build}: {f}");
        }
        assert!(out.join("tag/luc-yen/rss.xml").is_file());
        for p in files(&out) {
            for c in rel(&out, &p).split('/') {
                assert!(c.len() <= 64, "build {build}: {c:?} is {} bytes", c.len());
            }
        }
        if build == 1 {
            // (The second build finds the same document and does not read it again.)
            let cut: Vec<&String> = report.sources[0]
                .warnings
                .iter()
                .filter(|w| w.contains("tag_chars"))
                .collect();
            assert_eq!(cut.len(), 1, "{:?}", report.sources[0].warnings);
        }
    }
    // The tag's name is cut at a word boundary to at most `tag_chars` (100) characters.
    let merged = site.feed("other-news/rss.xml");
    let names: Vec<String> = merged.entries[0]
        .categories
        .iter()
        .map(|c| c.term.clone())
        .collect();
    let cut = names
        .iter()
        .find(|n| n.starts_with("Nghị quyết"))
        .unwrap_or_else(|| panic!("{names:?}"));
    assert!(cut.chars().count() <= 100, "{cut}");
    assert!(long.starts_with(cut.as_str()), "{cut}");
    assert_eq!(
        long[cut.len()..].chars().next(),
        Some(' '),
        "cut at a word: {cut}"
    );
}

fn article(id: &str, tags: &[&str]) -> Article {
    Article {
        id: id.to_string(),
        source: "s".to_string(),
        title: format!("Bài {id}"),
        url: Some(format!("https://nguon.example.vn/{id}.html")),
        published: Some(
            chrono::DateTime::parse_from_rfc3339("2025-03-01T08:00:00+07:00").expect("date"),
        ),
        tags: tags
            .iter()
            .map(|t| Tag {
                key: tag_key(t),
                name: t.to_string(),
            })
            .collect(),
        ..Article::default()
    }
}

#[test]
fn long_slugs_are_cut_end_in_a_hash_and_never_collide() {
    let site = Site::new("", "");
    let cfg = site.config();
    let prefix = long_tag(20, "Nghị quyết");
    let (a, b) = (format!("{prefix} một"), format!("{prefix} hai"));
    // 64 bytes exactly as a slug: stays as it is.
    let exact = "a".repeat(64);
    let arts = vec![article("1", &[&a, &b, "Lục Yên", &exact])];
    let p = plan(&arts, &cfg, &BTreeMap::new());
    let tags: Vec<&str> = p
        .feeds
        .iter()
        .filter(|f| f.kind == FeedKind::Tag)
        .map(|f| f.slug.as_str())
        .collect();
    assert_eq!(tags.len(), 4, "{tags:?}");
    for s in &tags {
        assert!(s.len() <= 64 && is_slug(s), "{s}");
    }
    assert!(
        tags.contains(&"luc-yen"),
        "short slugs do not change: {tags:?}"
    );
    assert!(tags.contains(&exact.as_str()), "{tags:?}");
    let cut: Vec<&&str> = tags
        .iter()
        .filter(|s| s.starts_with("nghi-quyet"))
        .collect();
    assert_eq!(cut.len(), 2, "{tags:?}");
    assert_ne!(cut[0], cut[1]);
    // The same key gives the same slug in every build.
    let again = plan(&arts, &cfg, &BTreeMap::new());
    assert_eq!(again.tag_slugs, p.tag_slugs);
    // A smaller limit from the config bounds them too.
    let mut small = cfg.clone();
    small.limits.slug_bytes = 20;
    let p = plan(&arts, &small, &BTreeMap::new());
    for f in &p.feeds {
        assert!(f.slug.len() <= 20 && is_slug(&f.slug), "{}", f.slug);
    }
}

#[test]
fn a_feed_that_cannot_be_written_leaves_the_others_whole() {
    let site = Site::new("", SOURCE);
    site.write(
        "nguon.rss",
        &rss(&[
            item("a", "Bài một", 8, &["Lục Yên"]),
            item("b", "Bài hai", 9, &["Trấn Yên"]),
        ]),
    );
    // A plain file where the feed's folder goes: that one feed cannot be written.
    let out = site.out();
    std::fs::create_dir_all(out.join("tag")).expect("mkdir");
    std::fs::write(out.join("tag/luc-yen"), "not a folder").expect("write");
    let run = feedmill()
        .args(["build", "--quiet", "--config"])
        .arg(site.config_path())
        .output()
        .expect("run feedmill");
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("tag/luc-yen"), "{stderr}");
    for f in [
        "index.html",
        "feeds.opml",
        ".feedmill-manifest",
        "tag/tran-yen/rss.xml",
        "tag/tran-yen/atom.xml",
        "other-news/rss.xml",
        "other-news/atom.xml",
    ] {
        assert!(out.join(f).is_file(), "{f} missing; {stderr}");
    }
    assert_eq!(
        std::fs::read_to_string(out.join("tag/luc-yen")).expect("read"),
        "not a folder"
    );
    // The index does not link a feed that is not there.
    let index = std::fs::read_to_string(out.join("index.html")).expect("index");
    assert!(!index.contains("tag/luc-yen/"), "{index}");
    assert!(index.contains("tag/tran-yen/"), "{index}");

    // Once the obstacle is gone the next build writes it.
    std::fs::remove_file(out.join("tag/luc-yen")).expect("rm");
    let run = feedmill()
        .args(["build", "--quiet", "--config"])
        .arg(site.config_path())
        .output()
        .expect("run feedmill");
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(out.join("tag/luc-yen/rss.xml").is_file());
    let index = std::fs::read_to_string(out.join("index.html")).expect("index");
    assert!(index.contains("tag/luc-yen/"), "{index}");
}

#[test]
fn a_feed_half_written_keeps_the_half_it_has_in_the_manifest() {
    let site = Site::new("", SOURCE);
    site.write(
        "nguon.rss",
        &rss(&[
            item("a", "Bài một", 8, &["Lục Yên"]),
            item("b", "Bài hai", 9, &["Trấn Yên"]),
        ]),
    );
    // A folder where the feed's Atom file goes: its RSS file is written, its Atom not.
    let out = site.out();
    std::fs::create_dir_all(out.join("tag/luc-yen/atom.xml")).expect("mkdir");
    let report = site.build(None);
    assert_eq!(report.output_errors.len(), 1, "{:?}", report.output_errors);
    assert!(
        report.output_errors[0].contains("tag/luc-yen/atom.xml"),
        "{:?}",
        report.output_errors
    );
    assert!(out.join("tag/luc-yen/rss.xml").is_file());
    let manifest = std::fs::read_to_string(out.join(".feedmill-manifest")).expect("manifest");
    assert!(
        manifest.lines().any(|l| l == "tag/luc-yen/rss.xml"),
        "{manifest}"
    );
    let index = std::fs::read_to_string(out.join("index.html")).expect("index");
    assert!(!index.contains("tag/luc-yen/"), "{index}");
    // Once the folder is gone both files are there, and so is the feed in the index.
    std::fs::remove_dir(out.join("tag/luc-yen/atom.xml")).expect("rmdir");
    let report = site.build(None);
    assert!(
        report.output_errors.is_empty(),
        "{:?}",
        report.output_errors
    );
    assert!(out.join("tag/luc-yen/atom.xml").is_file());
    let index = std::fs::read_to_string(out.join("index.html")).expect("index");
    assert!(index.contains("tag/luc-yen/"), "{index}");
}
