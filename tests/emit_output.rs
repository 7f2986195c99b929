//! Every written file: parsed back with feed-rs, and checked at the XML level against the
//! W3C Feed Validator rules the feeds must pass.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::{DateTime, FixedOffset};
use feedmill::config::{CategoryCfg, Config};
use feedmill::emit::{emit, plan, EmitReport};
use feedmill::model::{Article, Tag};
use feedmill::text::tag_key;
use quick_xml::events::Event;
use quick_xml::Reader;

fn date(s: &str) -> Option<DateTime<FixedOffset>> {
    Some(DateTime::parse_from_rfc3339(s).expect("test date"))
}

fn tags(names: &[&str]) -> Vec<Tag> {
    names
        .iter()
        .map(|t| Tag {
            key: tag_key(t),
            name: (*t).to_string(),
        })
        .collect()
}

/// The seed article and its "other news", roughly as normalize produces them.
fn articles() -> Vec<Article> {
    vec![
        Article {
            id: "tin-tinh:seed".into(),
            source: "tin-tinh".into(),
            source_guid: Some("123".into()),
            url: Some("https://baoyenbai.com.vn/12/123/luc-yen.htm".into()),
            title: "Lục Yên: Giao nhiệm vụ khoán sản phẩm <cho> \"công bộc\" & dân".into(),
            summary: "Huyện Lục Yên giao nhiệm vụ a < b & c > d.".into(),
            content: "<p>Nội dung <strong>chính</strong> &amp; ảnh.</p>".into(),
            authors: vec!["Thanh Tâm".into()],
            // 5:29:48 AM in Yên Bái.
            published: date("2024-03-05T05:29:48+07:00"),
            updated: date("2024-03-05T08:00:00+07:00"),
            image: Some("https://baoyenbai.com.vn/img/a.jpg".into()),
            tags: tags(&["Lục Yên", "giao nhiệm vụ khoán sản phẩm"]),
            categories: vec!["Thời sự".into()],
        },
        Article {
            id: "tin-tinh:other 1".into(),
            source: "tin-tinh".into(),
            source_guid: None,
            url: None,
            title: "Tin khác".into(),
            summary: String::new(),
            content: String::new(),
            authors: vec![],
            // Written in UTC at the source; output in the site's zone.
            published: date("2024-03-04T20:00:00Z"),
            updated: None,
            image: Some("/relative.jpg".into()),
            tags: tags(&["LỤC YÊN"]),
            categories: vec![],
        },
        Article {
            id: "tin-tinh:undated".into(),
            source: "tin-tinh".into(),
            source_guid: None,
            url: Some("https://baoyenbai.com.vn/undated".into()),
            title: "Không ngày".into(),
            summary: "Tóm tắt".into(),
            content: "<p>x</p>".into(),
            authors: vec![],
            published: None,
            updated: None,
            image: None,
            tags: vec![],
            categories: vec!["Nông nghiệp".into()],
        },
    ]
}

fn config(dir: &Path) -> Config {
    let mut c = Config::minimal(dir);
    c.site.title = "Tin Yên Bái".into();
    c.site.base_url = url::Url::parse("https://feeds.example.vn/").expect("url");
    c.site.language = "vi".into();
    c.site.timezone = chrono_tz::Asia::Ho_Chi_Minh;
    c.categories = vec![
        CategoryCfg {
            name: "Nông nghiệp".into(),
            slug: "nong-nghiep".into(),
            sources: vec![],
            tags: vec![],
            pattern: None,
        },
        CategoryCfg {
            name: "Văn hóa".into(),
            slug: "van-hoa".into(),
            sources: vec![],
            tags: vec![],
            pattern: None,
        },
    ];
    c
}

fn build(arts: &[Article], cfg: &Config, out: &Path) -> EmitReport {
    let p = plan(arts, cfg, &BTreeMap::new());
    emit(&p, arts, cfg, out).expect("emit")
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn all_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("read_dir") {
            let p = e.expect("entry").path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// (path of element names, attributes, text) of every element, for XML-level checks.
#[derive(Debug, Default, Clone)]
struct El {
    path: String,
    attrs: BTreeMap<String, String>,
    text: String,
}

fn elements(xml: &str) -> Vec<El> {
    let mut r = Reader::from_str(xml);
    let mut names: Vec<String> = Vec::new();
    let mut open: Vec<usize> = Vec::new();
    let mut out: Vec<El> = Vec::new();
    loop {
        let ev = r.read_event().expect("well-formed XML");
        match ev {
            Event::Start(ref e) | Event::Empty(ref e) => {
                let name = String::from_utf8(e.name().as_ref().to_vec()).expect("utf8");
                let mut attrs = BTreeMap::new();
                for a in e.attributes() {
                    let a = a.expect("attribute");
                    attrs.insert(
                        String::from_utf8(a.key.as_ref().to_vec()).expect("utf8"),
                        a.unescape_value().expect("attr value").into_owned(),
                    );
                }
                names.push(name);
                out.push(El {
                    path: names.join("/"),
                    attrs,
                    text: String::new(),
                });
                if matches!(ev, Event::Empty(_)) {
                    names.pop();
                } else {
                    open.push(out.len() - 1);
                }
            }
            Event::End(_) => {
                names.pop();
                open.pop();
            }
            Event::Text(t) => {
                if let Some(&i) = open.last() {
                    out[i].text.push_str(&t.unescape().expect("text"));
                }
            }
            Event::CData(t) => {
                if let Some(&i) = open.last() {
                    out[i]
                        .text
                        .push_str(std::str::from_utf8(&t.into_inner()).expect("utf8"));
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    out
}

fn find<'a>(els: &'a [El], path: &str) -> Vec<&'a El> {
    els.iter().filter(|e| e.path == path).collect()
}

fn texts(els: &[El], path: &str) -> Vec<String> {
    find(els, path).iter().map(|e| e.text.clone()).collect()
}

#[test]
fn writes_the_output_layout() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("public");
    let arts = articles();
    let report = build(&arts, &config(dir.path()), &out);
    let rel: Vec<String> = all_files(&out)
        .iter()
        .map(|p| {
            p.strip_prefix(&out)
                .expect("inside")
                .to_string_lossy()
                .replace('\\', "/")
        })
        .collect();
    assert_eq!(
        rel,
        vec![
            ".feedmill-manifest",
            "category/nong-nghiep/atom.xml",
            "category/nong-nghiep/rss.xml",
            "category/thoi-su/atom.xml",
            "category/thoi-su/rss.xml",
            "category/van-hoa/atom.xml",
            "category/van-hoa/rss.xml",
            "feeds.opml",
            "index.html",
            "other-news/atom.xml",
            "other-news/rss.xml",
            "tag/giao-nhiem-vu-khoan-san-pham/atom.xml",
            "tag/giao-nhiem-vu-khoan-san-pham/rss.xml",
            "tag/luc-yen/atom.xml",
            "tag/luc-yen/rss.xml",
        ]
    );
    assert_eq!(report.written.len(), 14);
    assert!(report.unchanged.is_empty());
}

#[test]
fn rss_parses_back_with_feed_rs() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("public");
    let arts = articles();
    build(&arts, &config(dir.path()), &out);
    let bytes = std::fs::read(out.join("tag/luc-yen/rss.xml")).expect("rss");
    let f = feed_rs::parser::parse(&bytes[..]).expect("feed-rs parses RSS");
    assert_eq!(f.title.expect("title").content, "Tin Yên Bái — Lục Yên");
    assert_eq!(f.language.as_deref(), Some("vi"));
    assert_eq!(f.entries.len(), 2);
    let e = &f.entries[0];
    assert_eq!(
        e.title.as_ref().expect("title").content,
        "Lục Yên: Giao nhiệm vụ khoán sản phẩm <cho> \"công bộc\" & dân"
    );
    assert_eq!(
        e.links[0].href,
        "https://baoyenbai.com.vn/12/123/luc-yen.htm"
    );
    assert_eq!(e.id, "https://baoyenbai.com.vn/12/123/luc-yen.htm");
    assert_eq!(
        e.published.expect("published").to_rfc3339(),
        "2024-03-04T22:29:48+00:00"
    );
    assert_eq!(e.authors[0].name, "Thanh Tâm");
    let cats: Vec<&str> = e.categories.iter().map(|c| c.term.as_str()).collect();
    assert_eq!(
        cats,
        vec!["Lục Yên", "giao nhiệm vụ khoán sản phẩm", "Thời sự"]
    );
    assert_eq!(
        e.content.as_ref().and_then(|c| c.body.as_deref()),
        Some("<p>Nội dung <strong>chính</strong> &amp; ảnh.</p>")
    );
    // The second article has no URL: its id is not a permalink.
    assert_eq!(f.entries[1].id, "tin-tinh:other 1");
    assert_eq!(
        f.entries[1].title.as_ref().expect("title").content,
        "Tin khác"
    );
}

#[test]
fn atom_parses_back_with_feed_rs() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("public");
    let arts = articles();
    build(&arts, &config(dir.path()), &out);
    let bytes = std::fs::read(out.join("tag/luc-yen/atom.xml")).expect("atom");
    let f = feed_rs::parser::parse(&bytes[..]).expect("feed-rs parses Atom");
    assert_eq!(f.title.expect("title").content, "Tin Yên Bái — Lục Yên");
    assert_eq!(f.id, "https://feeds.example.vn/tag/luc-yen/atom.xml");
    // The newest change among its articles, not the build time.
    assert_eq!(
        f.updated.expect("updated").to_rfc3339(),
        "2024-03-05T01:00:00+00:00"
    );
    assert_eq!(f.authors[0].name, "Tin Yên Bái");
    let e = &f.entries[0];
    assert_eq!(e.id, "tag:feeds.example.vn,2000:article:tin-tinh:seed");
    assert_eq!(
        e.links[0].href,
        "https://baoyenbai.com.vn/12/123/luc-yen.htm"
    );
    assert_eq!(
        e.published.expect("published").to_rfc3339(),
        "2024-03-04T22:29:48+00:00"
    );
    let cats: Vec<(String, Option<String>)> = e
        .categories
        .iter()
        .map(|c| (c.term.clone(), c.label.clone()))
        .collect();
    assert_eq!(
        cats,
        vec![
            ("luc-yen".to_string(), Some("Lục Yên".to_string())),
            (
                "giao-nhiem-vu-khoan-san-pham".to_string(),
                Some("giao nhiệm vụ khoán sản phẩm".to_string())
            ),
            ("thoi-su".to_string(), Some("Thời sự".to_string())),
        ]
    );
    assert_eq!(
        e.summary.as_ref().map(|s| s.content.as_str()),
        Some("Huyện Lục Yên giao nhiệm vụ a < b & c > d.")
    );
    assert_eq!(
        f.entries[1].id,
        "tag:feeds.example.vn,2000:article:tin-tinh:other%201"
    );
}

#[test]
fn rss_follows_the_validator_rules() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("public");
    let mut cfg = config(dir.path());
    cfg.site.hub = Some(url::Url::parse("https://hub.example/").expect("url"));
    let arts = articles();
    build(&arts, &cfg, &out);
    let xml = read(&out.join("other-news/rss.xml"));
    let els = elements(&xml);
    let rss = &find(&els, "rss")[0];
    assert_eq!(rss.attrs.get("version").map(String::as_str), Some("2.0"));
    assert_eq!(
        rss.attrs.get("xmlns:atom").map(String::as_str),
        Some("http://www.w3.org/2005/Atom")
    );
    assert_eq!(
        rss.attrs.get("xmlns:dc").map(String::as_str),
        Some("http://purl.org/dc/elements/1.1/")
    );
    assert_eq!(
        texts(&els, "rss/channel/title"),
        vec!["Tin Yên Bái — Các tin khác"]
    );
    assert_eq!(
        texts(&els, "rss/channel/link"),
        vec!["https://feeds.example.vn/"]
    );
    assert_eq!(texts(&els, "rss/channel/language"), vec!["vi"]);
    // The newest change (updated 08:00 +07:00), in the site's zone, four-digit year.
    assert_eq!(
        texts(&els, "rss/channel/lastBuildDate"),
        vec!["Tue, 5 Mar 2024 08:00:00 +0700"]
    );
    let links: Vec<_> = find(&els, "rss/channel/atom:link")
        .iter()
        .map(|e| (e.attrs["rel"].clone(), e.attrs["href"].clone()))
        .collect();
    assert_eq!(
        links,
        vec![
            (
                "self".to_string(),
                "https://feeds.example.vn/other-news/rss.xml".to_string()
            ),
            ("hub".to_string(), "https://hub.example/".to_string()),
        ]
    );
    let guids = find(&els, "rss/channel/item/guid");
    assert_eq!(guids.len(), 3);
    for g in &guids {
        let permalink = g.attrs.get("isPermaLink").map(String::as_str) != Some("false");
        assert_eq!(permalink, g.text.starts_with("https://"), "{g:?}");
    }
    assert_eq!(
        texts(&els, "rss/channel/item/guid"),
        vec![
            "https://baoyenbai.com.vn/12/123/luc-yen.htm",
            "tin-tinh:other 1",
            "https://baoyenbai.com.vn/undated"
        ]
    );
    // The undated article has no pubDate; the others are RFC 822 in +0700.
    assert_eq!(
        texts(&els, "rss/channel/item/pubDate"),
        vec![
            "Tue, 5 Mar 2024 05:29:48 +0700",
            "Tue, 5 Mar 2024 03:00:00 +0700"
        ]
    );
    assert_eq!(
        texts(&els, "rss/channel/item/dc:creator"),
        vec!["Thanh Tâm"]
    );
    assert!(find(&els, "rss/channel/item/author").is_empty());
    assert_eq!(
        texts(&els, "rss/channel/item/description")[0],
        "Huyện Lục Yên giao nhiệm vụ a &lt; b &amp; c &gt; d."
    );
    assert_eq!(
        texts(&els, "rss/channel/item/content:encoded")[0],
        "<p>Nội dung <strong>chính</strong> &amp; ảnh.</p>"
    );
    // Only the absolute image is kept, as media:content.
    let media = find(&els, "rss/channel/item/media:content");
    assert_eq!(media.len(), 1);
    assert_eq!(media[0].attrs["url"], "https://baoyenbai.com.vn/img/a.jpg");
    assert!(find(&els, "rss/channel/item/enclosure").is_empty());
    assert_eq!(
        texts(&els, "rss/channel/item/title")[0],
        "Lục Yên: Giao nhiệm vụ khoán sản phẩm <cho> \"công bộc\" & dân"
    );
    assert!(xml.contains("&lt;cho&gt;"));
}

#[test]
fn atom_follows_the_validator_rules() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("public");
    let mut cfg = config(dir.path());
    cfg.site.hub = Some(url::Url::parse("https://hub.example/").expect("url"));
    let arts = articles();
    build(&arts, &cfg, &out);
    let xml = read(&out.join("other-news/atom.xml"));
    let els = elements(&xml);
    assert_eq!(
        find(&els, "feed")[0].attrs.get("xmlns").map(String::as_str),
        Some("http://www.w3.org/2005/Atom")
    );
    assert_eq!(
        texts(&els, "feed/updated"),
        vec!["2024-03-05T08:00:00+07:00"]
    );
    assert_eq!(texts(&els, "feed/author/name"), vec!["Tin Yên Bái"]);
    let links: Vec<_> = find(&els, "feed/link")
        .iter()
        .map(|e| (e.attrs["rel"].clone(), e.attrs["href"].clone()))
        .collect();
    assert_eq!(
        links,
        vec![
            (
                "self".to_string(),
                "https://feeds.example.vn/other-news/atom.xml".to_string()
            ),
            (
                "alternate".to_string(),
                "https://feeds.example.vn/".to_string()
            ),
            ("hub".to_string(), "https://hub.example/".to_string()),
        ]
    );
    assert_eq!(
        texts(&els, "feed/entry/updated"),
        vec![
            "2024-03-05T08:00:00+07:00",
            "2024-03-05T03:00:00+07:00",
            // Undated: the Unix epoch in the site's zone (Saigon was +08:00 in 1970),
            // stable across builds.
            "1970-01-01T08:00:00+08:00"
        ]
    );
    assert_eq!(
        texts(&els, "feed/entry/published"),
        vec!["2024-03-05T05:29:48+07:00", "2024-03-05T03:00:00+07:00"]
    );
    let content = find(&els, "feed/entry/content");
    assert!(content.iter().all(|c| c.attrs["type"] == "html"));
    for id in texts(&els, "feed/entry/id") {
        assert!(id.starts_with("tag:feeds.example.vn,2000:article:"), "{id}");
    }
}

#[test]
fn opml_and_index_list_every_feed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("public");
    let mut cfg = config(dir.path());
    cfg.site.title = "Tin <Yên> & \"Bái\"".into();
    let arts = articles();
    build(&arts, &cfg, &out);
    let opml = read(&out.join("feeds.opml"));
    let els = elements(&opml);
    assert_eq!(find(&els, "opml")[0].attrs["version"], "2.0");
    assert_eq!(texts(&els, "opml/head/title"), vec!["Tin <Yên> & \"Bái\""]);
    let groups: Vec<_> = find(&els, "opml/body/outline")
        .iter()
        .map(|e| e.attrs["text"].clone())
        .collect();
    assert_eq!(groups, vec!["Tổng hợp", "Chuyên mục", "Thẻ"]);
    let feeds: Vec<_> = find(&els, "opml/body/outline/outline")
        .iter()
        .map(|e| (e.attrs["type"].clone(), e.attrs["xmlUrl"].clone()))
        .collect();
    assert_eq!(feeds.len(), 6);
    assert_eq!(
        feeds[0],
        (
            "rss".to_string(),
            "https://feeds.example.vn/other-news/rss.xml".to_string()
        )
    );
    assert_eq!(
        find(&els, "opml/body/outline/outline")[0].attrs["title"],
        "Tin <Yên> & \"Bái\" — Các tin khác"
    );

    let html = read(&out.join("index.html"));
    assert!(html.starts_with("<!DOCTYPE html>\n<html lang=\"vi\">"));
    assert!(html.contains("<meta charset=\"utf-8\">"));
    assert!(html.contains("<title>Tin &lt;Yên&gt; &amp; \"Bái\"</title>"));
    assert!(html.contains(
        "<link rel=\"alternate\" type=\"application/rss+xml\" title=\"Tin &lt;Yên&gt; &amp; &quot;Bái&quot; — Các tin khác\" href=\"https://feeds.example.vn/other-news/rss.xml\">"
    ));
    assert!(html.contains("type=\"application/atom+xml\""));
    assert!(html.contains(
        "<li>Lục Yên (2 bài) — <a href=\"tag/luc-yen/rss.xml\">RSS</a> · <a href=\"tag/luc-yen/atom.xml\">Atom</a></li>"
    ));
    assert!(html.contains("<li>Văn hóa (0 bài)"));
    assert!(!html.contains("<Yên>"));
}

#[test]
fn empty_feed_is_valid_and_dated_at_the_epoch() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("public");
    build(&articles(), &config(dir.path()), &out);
    let rss = read(&out.join("category/van-hoa/rss.xml"));
    let els = elements(&rss);
    assert_eq!(
        texts(&els, "rss/channel/lastBuildDate"),
        vec!["Thu, 1 Jan 1970 08:00:00 +0800"]
    );
    let atom = std::fs::read(out.join("category/van-hoa/atom.xml")).expect("atom");
    let f = feed_rs::parser::parse(&atom[..]).expect("parses");
    assert!(f.entries.is_empty());
    assert_eq!(f.title.expect("title").content, "Tin Yên Bái — Văn hóa");
}

#[test]
fn output_is_deterministic_and_second_emit_rewrites_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cfg = config(dir.path());
    let a = dir.path().join("a");
    let b = dir.path().join("b");
    let arts = articles();
    build(&arts, &cfg, &a);
    // Same articles in another order: same bytes.
    let mut rev = arts.clone();
    rev.reverse();
    build(&rev, &cfg, &b);
    let fa = all_files(&a);
    let fb = all_files(&b);
    assert_eq!(fa.len(), fb.len());
    for (x, y) in fa.iter().zip(&fb) {
        assert_eq!(x.strip_prefix(&a).ok(), y.strip_prefix(&b).ok());
        assert_eq!(
            std::fs::read(x).ok(),
            std::fs::read(y).ok(),
            "{}",
            x.display()
        );
    }

    let mtimes = |files: &[PathBuf]| -> Vec<std::time::SystemTime> {
        files
            .iter()
            .map(|p| {
                std::fs::metadata(p)
                    .and_then(|m| m.modified())
                    .expect("mtime")
            })
            .collect()
    };
    let before = mtimes(&fa);
    std::thread::sleep(std::time::Duration::from_millis(20));
    let report = build(&arts, &cfg, &a);
    assert!(report.written.is_empty(), "{:?}", report.written);
    assert_eq!(report.unchanged.len(), 14);
    assert_eq!(mtimes(&all_files(&a)), before);

    // One changed article rewrites only the feeds it is in (plus OPML/index untouched).
    let mut changed = arts.clone();
    changed[2].title = "Không ngày (sửa)".into();
    let report = build(&changed, &cfg, &a);
    let mut written: Vec<String> = report
        .written
        .iter()
        .map(|p| {
            p.strip_prefix(&a)
                .expect("inside")
                .to_string_lossy()
                .replace('\\', "/")
        })
        .collect();
    written.sort();
    assert_eq!(
        written,
        vec![
            "category/nong-nghiep/atom.xml",
            "category/nong-nghiep/rss.xml",
            "other-news/atom.xml",
            "other-news/rss.xml"
        ]
    );
}

#[test]
fn feeds_that_disappear_are_removed_but_foreign_files_stay() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("public");
    let cfg = config(dir.path());
    let arts = articles();
    build(&arts, &cfg, &out);
    std::fs::write(out.join("tag/luc-yen/keep.txt"), "mine").expect("write");
    std::fs::create_dir_all(out.join("tag/handmade")).expect("mkdir");
    std::fs::write(out.join("tag/handmade/rss.xml"), "<rss/>").expect("write");

    let mut fewer = arts.clone();
    for a in &mut fewer {
        a.tags.retain(|t| t.key != "giao nhiệm vụ khoán sản phẩm");
        a.tags.retain(|t| t.key != "lục yên");
    }
    let report = build(&fewer, &cfg, &out);
    assert_eq!(report.removed.len(), 4, "{:?}", report.removed);
    assert!(!out.join("tag/giao-nhiem-vu-khoan-san-pham").exists());
    assert!(!out.join("tag/luc-yen/rss.xml").exists());
    assert!(out.join("tag/luc-yen/keep.txt").exists());
    assert!(out.join("tag/handmade/rss.xml").exists());
}

#[test]
fn a_manifest_cannot_make_emit_delete_outside_its_files() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("public");
    std::fs::create_dir_all(&out).expect("mkdir");
    std::fs::write(dir.path().join("secret.txt"), "x").expect("write");
    std::fs::write(dir.path().join("rss.xml"), "x").expect("write");
    std::fs::write(
        out.join(".feedmill-manifest"),
        "../secret.txt\n../rss.xml\n/etc/rss.xml\nfeeds.toml\n",
    )
    .expect("write");
    let report = build(&articles(), &config(dir.path()), &out);
    assert!(report.removed.is_empty());
    assert!(dir.path().join("secret.txt").exists());
    assert!(dir.path().join("rss.xml").exists());
}

#[test]
fn characters_xml_cannot_carry_are_dropped() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("public");
    let mut arts = articles();
    arts[0].title = "Lục\u{1} Yên\u{FFFF}\u{0}".into();
    arts[0].content = "<p>a\u{b}b</p>".into();
    build(&arts, &config(dir.path()), &out);
    for f in ["other-news/rss.xml", "other-news/atom.xml"] {
        let bytes = std::fs::read(out.join(f)).expect("read");
        assert!(!bytes.iter().any(|&b| b < 0x20 && b != b'\n'), "{f}");
        let feed = feed_rs::parser::parse(&bytes[..]).expect("parses");
        assert_eq!(
            feed.entries[0].title.as_ref().expect("title").content,
            "Lục Yên"
        );
    }
}
