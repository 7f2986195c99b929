//! The HTML pages: the index, a page per feed with autodiscovery, the stylesheet every feed
//! names; deterministic and rewritten only when what they show changes.

mod emit_support;

use std::collections::BTreeMap;

use emit_support::*;
use feedmill::emit::{emit_incremental, plan};

#[test]
fn every_feed_has_a_page_with_autodiscovery_and_its_articles_in_order() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("public");
    build(&articles(), &config(dir.path()), &out);
    let page = read(&out.join("tag/luc-yen/index.html"));
    assert!(
        page.starts_with("<!DOCTYPE html>\n<html lang=\"vi\">"),
        "{page}"
    );
    for (mime, file) in [
        ("application/rss+xml", "rss.xml"),
        ("application/atom+xml", "atom.xml"),
    ] {
        assert!(
            page.contains(&format!(
                "<link rel=\"alternate\" type=\"{mime}\" title=\"Tin Yên Bái — Lục Yên ({})\" href=\"https://feeds.example.vn/tag/luc-yen/{file}\">",
                if file == "rss.xml" { "RSS" } else { "Atom" }
            )),
            "{page}"
        );
        assert!(page.contains(&format!("<a href=\"{file}\"")), "{page}");
    }
    // Newest first, as the feeds; dates in the site's zone (UTC+7), escaped text.
    let seed = page
        .find("Giao nhiệm vụ khoán sản phẩm &#60;cho&#62;")
        .or_else(|| page.find("Giao nhiệm vụ khoán sản phẩm &lt;cho&gt;"));
    let other = page.find(">Tin khác<");
    assert!(seed.is_some() && other.is_some(), "{page}");
    assert!(seed < other, "newest first: {page}");
    assert!(page.contains(">2024-03-05 05:29 +07:00</time>"), "{page}");
    assert!(page.contains(">2024-03-05 03:00 +07:00</time>"), "{page}");
    assert!(
        page.contains("datetime=\"2024-03-05T05:29:48+07:00\""),
        "{page}"
    );
    assert!(
        page.contains("<img src=\"https://baoyenbai.com.vn/img/a.jpg\" alt=\"\""),
        "{page}"
    );
    assert!(!page.contains("<cho>"), "escaped");
    assert!(
        page.contains("href=\"../../index.html\""),
        "back to the index"
    );
    // Nothing fetched from elsewhere: no external script, style or font.
    assert!(!page.contains("<script src") && !page.contains("<link rel=\"stylesheet\""));
    for p in [
        "other-news/index.html",
        "category/nong-nghiep/index.html",
        "category/van-hoa/index.html",
    ] {
        assert!(out.join(p).is_file(), "{p}");
    }
    let empty = read(&out.join("category/van-hoa/index.html"));
    assert!(empty.contains("Chưa có bài nào."), "{empty}");
}

#[test]
fn the_index_shows_headlines_counts_dates_and_subscribe_links() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("public");
    let mut cfg = config(dir.path());
    cfg.site.description = Some("Tin tức <tỉnh> Yên Bái".into());
    build(&articles(), &cfg, &out);
    let html = read(&out.join("index.html"));
    assert!(
        html.starts_with("<!DOCTYPE html>\n<html lang=\"vi\">"),
        "{html}"
    );
    assert!(html.contains("<h1>Tin Yên Bái</h1>"), "{html}");
    assert!(
        html.contains("Tin tức &#60;tỉnh&#62; Yên Bái")
            || html.contains("Tin tức &lt;tỉnh&gt; Yên Bái")
    );
    assert!(
        html.contains("<h2 id=\"latest\">Tin mới nhất</h2>"),
        "{html}"
    );
    assert!(
        html.contains("<a href=\"tag/luc-yen/\">Lục Yên</a>"),
        "{html}"
    );
    assert!(
        html.contains(
            "· 2 bài · <time datetime=\"2024-03-05T05:29:48+07:00\">2024-03-05 05:29 +07:00</time>"
        ),
        "{html}"
    );
    assert!(html.contains("<a href=\"tag/luc-yen/rss.xml\""), "{html}");
    assert!(html.contains("<a href=\"tag/luc-yen/atom.xml\""), "{html}");
    assert!(html.contains("data-copy=\"https://feeds.example.vn/other-news/rss.xml\""));
    assert!(html.contains("type=\"application/atom+xml\""));
    assert!(html.contains("id=\"filter\""), "{html}");
    // English labels on an English site.
    cfg.site.language = "en".into();
    build(&articles(), &cfg, &out);
    let html = read(&out.join("index.html"));
    assert!(html.contains("<html lang=\"en\">") && html.contains(">Latest</h2>"));
}

#[test]
fn names_that_read_alike_carry_their_slug() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("public");
    let mut arts = articles();
    arts[0].tags = tags(&["Lụa", "Lúa"]);
    build(&arts, &config(dir.path()), &out);
    let html = read(&out.join("index.html"));
    // Slugs go by plan order (`Lúa` sorts first); each name shows which one it has.
    assert!(
        html.contains(">Lúa</a> <span class=\"muted\">(tag/lua)</span>"),
        "{html}"
    );
    assert!(
        html.contains(">Lụa</a> <span class=\"muted\">(tag/lua-2)</span>"),
        "{html}"
    );
    // A name no other reads like carries none.
    assert!(html.contains(">Thời sự</a>\n"), "{html}");
}

#[test]
fn every_feed_names_the_stylesheet_and_still_parses_back() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("public");
    build(&articles(), &config(dir.path()), &out);
    for (rel, href) in [
        ("tag/luc-yen/rss.xml", "../../feed.xsl"),
        ("tag/luc-yen/atom.xml", "../../feed.xsl"),
        ("other-news/rss.xml", "../feed.xsl"),
    ] {
        let doc = read(&out.join(rel));
        let second = doc.lines().nth(1).expect("two lines");
        assert_eq!(
            second,
            format!("<?xml-stylesheet type=\"text/xsl\" href=\"{href}\"?>"),
            "{rel}"
        );
        feed_rs::parser::parse(doc.as_bytes()).expect("feed-rs parses it");
    }
    let xsl = read(&out.join("feed.xsl"));
    assert!(xsl.contains("<xsl:stylesheet"), "{xsl}");
    assert!(xsl.contains("Đây là một nguồn tin (feed)."), "{xsl}");
    // The stylesheet is well-formed XML.
    let mut r = quick_xml::Reader::from_str(&xsl);
    loop {
        match r.read_event() {
            Ok(quick_xml::events::Event::Eof) => break,
            Ok(_) => {}
            Err(e) => panic!("feed.xsl: {e}"),
        }
    }
}

#[test]
fn pages_are_deterministic_and_rewritten_only_when_they_change() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    let cfg = config(dir.path());
    let arts = articles();
    build(&arts, &cfg, &a);
    build(&arts, &cfg, &b);
    for rel in ["index.html", "tag/luc-yen/index.html", "feed.xsl"] {
        assert_eq!(read(&a.join(rel)), read(&b.join(rel)), "{rel}");
    }

    let p = plan(&arts, &cfg, &BTreeMap::new());
    let (first, prints) = emit_incremental(&p, &arts, &cfg, &a, &BTreeMap::new()).expect("emit");
    assert!(first.written.is_empty(), "same bytes, nothing rewritten");
    let (second, prints) = emit_incremental(&p, &arts, &cfg, &a, &prints).expect("emit");
    assert!(second.written.is_empty());
    assert!(second.unchanged.contains(&a.join("tag/luc-yen/index.html")));

    // A changed title reaches the feed's page and the index's headlines, and only the
    // pages showing it.
    let mut changed = arts.clone();
    changed[0].title = "Tiêu đề mới".into();
    let p = plan(&changed, &cfg, &BTreeMap::new());
    let (third, _) = emit_incremental(&p, &changed, &cfg, &a, &prints).expect("emit");
    let written: Vec<String> = third
        .written
        .iter()
        .map(|w| w.strip_prefix(&a).unwrap().to_string_lossy().into_owned())
        .collect();
    for rel in [
        "tag/luc-yen/index.html",
        "other-news/index.html",
        "index.html",
    ] {
        assert!(written.contains(&rel.to_string()), "{rel}: {written:?}");
    }
    assert!(!written.contains(&"category/nong-nghiep/index.html".to_string()));
    assert!(read(&a.join("index.html")).contains("Tiêu đề mới"));
    assert!(read(&a.join("tag/luc-yen/index.html")).contains("Tiêu đề mới"));
}

#[test]
fn pages_off_writes_feeds_and_an_index_without_pages() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("public");
    let mut cfg = config(dir.path());
    build(&articles(), &cfg, &out);
    assert!(out.join("tag/luc-yen/index.html").is_file());
    cfg.feeds.pages = false;
    let report = build(&articles(), &cfg, &out);
    assert!(
        !out.join("tag/luc-yen/index.html").exists(),
        "stale page removed"
    );
    assert!(report.removed.contains(&out.join("tag/luc-yen/index.html")));
    assert!(out.join("tag/luc-yen/rss.xml").is_file());
    let html = read(&out.join("index.html"));
    assert!(!html.contains("href=\"tag/luc-yen/\""), "{html}");
    assert!(html.contains("<a href=\"tag/luc-yen/rss.xml\""), "{html}");
    assert!(!html.contains("id=\"latest\""), "{html}");
}

mod build_support;

/// Through the store: a build that changed nothing writes no page; a new article reaches
/// its feed's page and the index's headlines, which show the older articles whole too
/// (their text read from the store, not just their heads).
#[test]
fn store_builds_rewrite_pages_only_when_they_change() {
    use build_support::{item, rss, Site};
    let site = Site::new("", "[[source]]\nname = \"nguon\"\nurl = \"nguon.rss\"\n");
    let one = item("a", "Bài một", 8, &["Lục Yên"]);
    site.write("nguon.rss", &rss(&[one]));
    let first = site.build(None);
    assert!(first.output_errors.is_empty(), "{:?}", first.output_errors);
    let again = site.build(None);
    assert_eq!(again.files_written, 0, "an unchanged build writes no page");

    let two = [
        item("a", "Bài một", 8, &["Lục Yên"]),
        item("b", "Bài hai", 9, &["Lục Yên"]),
    ];
    site.write("nguon.rss", &rss(&two));
    site.build(None);
    let index = read(&site.out().join("index.html"));
    let (new, old) = (index.find(">Bài hai<"), index.find(">Bài một<"));
    assert!(new.is_some() && old.is_some() && new < old, "{index}");
    assert!(
        index.contains("Tóm tắt Bài một"),
        "the older headline whole: {index}"
    );
    let page = read(&site.out().join("tag/luc-yen/index.html"));
    let (new, old) = (page.find(">Bài hai<"), page.find(">Bài một<"));
    assert!(new.is_some() && old.is_some() && new < old, "{page}");
}

/// The index is rendered again (a new tag) while the merged feed is not: its headlines'
/// text is read from the store for it, not left as the heads the build started from.
#[test]
fn the_index_reads_its_headlines_whole_when_only_the_feed_list_changed() {
    use build_support::{item, rss, Site};
    let site = Site::new(
        "",
        "[[source]]\nname = \"nguon\"\nurl = \"nguon.rss\"\n\n\
         [[source]]\nname = \"rieng\"\nurl = \"rieng.rss\"\nmerged = false\n",
    );
    site.write("nguon.rss", &rss(&[item("a", "Bài một", 8, &["Lục Yên"])]));
    site.write("rieng.rss", &rss(&[]));
    site.build(None);
    site.write(
        "rieng.rss",
        &rss(&[item("r", "Bài riêng", 9, &["Trấn Yên"])]),
    );
    let report = site.build(None);
    let rel = |p: &str| site.out().join(p);
    assert!(rel("tag/tran-yen/index.html").is_file());
    assert!(!report.output_errors.iter().any(|e| e.contains("index")));
    let index = read(&rel("index.html"));
    assert!(index.contains("href=\"tag/tran-yen/\""), "{index}");
    assert!(index.contains(">Bài một</a>"), "{index}");
    assert!(index.contains("Tóm tắt Bài một"), "{index}");
    assert!(
        !index.contains(">Bài riêng</a>"),
        "not in the merged feed: {index}"
    );
}

/// With archives, a feed's page links its older pages, which name the stylesheet too; the
/// pages offer JSON Feed beside RSS and Atom.
#[test]
fn a_feed_page_links_its_archive_pages_and_every_format() {
    use build_support::{item, rss, Site};
    let site = Site::new(
        "",
        "[feeds]\nitems = 2\n\n[[source]]\nname = \"nguon\"\nurl = \"nguon.rss\"\n",
    );
    let items: Vec<_> = (0..5)
        .map(|i| item(&format!("b{i}"), &format!("Bài {i}"), 8 + i, &["Lục Yên"]))
        .collect();
    site.write("nguon.rss", &rss(&items));
    site.build(None);
    let page = read(&site.out().join("tag/luc-yen/index.html"));
    assert!(page.contains("<h2>Các trang cũ hơn</h2>"), "{page}");
    assert!(
        page.contains("<a href=\"archive/1.xml\">Lưu trữ 1</a>"),
        "{page}"
    );
    assert!(page.contains("type=\"application/feed+json\""), "{page}");
    assert!(page.contains("<a href=\"feed.json\""), "{page}");
    let archive = read(&site.out().join("tag/luc-yen/archive/1.xml"));
    assert_eq!(
        archive.lines().nth(1),
        Some("<?xml-stylesheet type=\"text/xsl\" href=\"../../../feed.xsl\"?>"),
        "{archive}"
    );
    let index = read(&site.out().join("index.html"));
    assert!(
        index.contains("<a href=\"tag/luc-yen/feed.json\""),
        "{index}"
    );
}
