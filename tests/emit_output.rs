//! Every written file parsed back with feed-rs; the output layout; determinism,
//! skip-unchanged writes and removal of stale feeds.

mod emit_support;

use std::path::PathBuf;

use emit_support::*;

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
            "category/nong-nghiep/feed.json",
            "category/nong-nghiep/index.html",
            "category/nong-nghiep/rss.xml",
            "category/thoi-su/atom.xml",
            "category/thoi-su/feed.json",
            "category/thoi-su/index.html",
            "category/thoi-su/rss.xml",
            "category/van-hoa/atom.xml",
            "category/van-hoa/feed.json",
            "category/van-hoa/index.html",
            "category/van-hoa/rss.xml",
            "favicon.ico",
            "feed.xsl",
            "feeds.opml",
            "index.html",
            "other-news/atom.xml",
            "other-news/feed.json",
            "other-news/index.html",
            "other-news/rss.xml",
            "tag/giao-nhiem-vu-khoan-san-pham/atom.xml",
            "tag/giao-nhiem-vu-khoan-san-pham/feed.json",
            "tag/giao-nhiem-vu-khoan-san-pham/index.html",
            "tag/giao-nhiem-vu-khoan-san-pham/rss.xml",
            "tag/luc-yen/atom.xml",
            "tag/luc-yen/feed.json",
            "tag/luc-yen/index.html",
            "tag/luc-yen/rss.xml",
        ]
    );
    // Four files a feed (RSS, Atom, JSON Feed, its page), the OPML, the index, the
    // stylesheet and the icon (the manifest is not counted).
    assert_eq!(report.written.len(), 28);
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
    assert_eq!(report.unchanged.len(), 28);
    assert_eq!(mtimes(&all_files(&a)), before);

    // One changed article rewrites only the feeds it is in, their pages and the index,
    // whose headlines show it (the OPML untouched).
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
            "category/nong-nghiep/feed.json",
            "category/nong-nghiep/index.html",
            "category/nong-nghiep/rss.xml",
            "index.html",
            "other-news/atom.xml",
            "other-news/feed.json",
            "other-news/index.html",
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
    // RSS, Atom, JSON Feed and the page of each of the two.
    assert_eq!(report.removed.len(), 8, "{:?}", report.removed);
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
