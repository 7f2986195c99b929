//! XML-level checks of the written files against the W3C Feed Validator rules the feeds
//! must pass, and of the OPML and HTML index.

mod emit_support;

use emit_support::*;

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
            // Undated: a fixed, plausible date in the site's zone, stable across builds.
            "2000-01-01T07:00:00+07:00"
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

    // The index is a template now (askama escapes with numeric references); what it must
    // carry is unchanged: the escaped title, autodiscovery of the merged feed, every feed
    // with its article count and subscribe links.
    let html = read(&out.join("index.html"));
    assert!(html.starts_with("<!DOCTYPE html>\n<html lang=\"vi\">"));
    assert!(html.contains("<meta charset=\"utf-8\">"));
    assert!(html.contains("<title>Tin &#60;Yên&#62; &#38; &#34;Bái&#34;</title>"));
    assert!(html.contains(
        "<link rel=\"alternate\" type=\"application/rss+xml\" title=\"Tin &#60;Yên&#62; &#38; &#34;Bái&#34; — Các tin khác (RSS)\" href=\"https://feeds.example.vn/other-news/rss.xml\">"
    ));
    assert!(html.contains("type=\"application/atom+xml\""));
    assert!(html.contains("<a href=\"tag/luc-yen/\">Lục Yên</a>\n<span class=\"meta\">· 2 bài"));
    assert!(html.contains("<a href=\"tag/luc-yen/rss.xml\""));
    assert!(html.contains("<a href=\"tag/luc-yen/atom.xml\""));
    assert!(html.contains(">Văn hóa</a>\n<span class=\"meta\">· 0 bài"));
    assert!(html.contains("<a href=\"tag/luc-yen/feed.json\""));
    assert!(!html.contains("<Yên>"));
}

#[test]
fn empty_feed_is_valid_and_carries_the_fixed_date() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("public");
    build(&articles(), &config(dir.path()), &out);
    let rss = read(&out.join("category/van-hoa/rss.xml"));
    let els = elements(&rss);
    assert_eq!(
        texts(&els, "rss/channel/lastBuildDate"),
        vec!["Sat, 1 Jan 2000 07:00:00 +0700"]
    );
    let atom = std::fs::read(out.join("category/van-hoa/atom.xml")).expect("atom");
    let f = feed_rs::parser::parse(&atom[..]).expect("parses");
    assert!(f.entries.is_empty());
    assert_eq!(f.title.expect("title").content, "Tin Yên Bái — Văn hóa");
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

#[test]
fn a_tag_and_a_category_spelled_alike_are_one_element() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("public");
    let mut arts = articles();
    // The tag `nông nghiệp` and the configured category `Nông nghiệp` share one key.
    arts[2].tags = tags(&["nông nghiệp", "Lúa"]);
    build(&arts, &config(dir.path()), &out);
    let alike = |s: &str| s.to_lowercase() == "nông nghiệp";
    for f in ["category/nong-nghiep/rss.xml", "other-news/rss.xml"] {
        let els = elements(&read(&out.join(f)));
        let cats = texts(&els, "rss/channel/item/category");
        assert_eq!(cats.iter().filter(|c| alike(c)).count(), 1, "{f}: {cats:?}");
        assert!(cats.iter().any(|c| c == "Lúa"), "{f}: {cats:?}");
    }
    for f in ["category/nong-nghiep/atom.xml", "other-news/atom.xml"] {
        let els = elements(&read(&out.join(f)));
        let labels: Vec<String> = find(&els, "feed/entry/category")
            .iter()
            .map(|e| e.attrs.get("label").cloned().unwrap_or_default())
            .collect();
        assert_eq!(
            labels.iter().filter(|c| alike(c)).count(),
            1,
            "{f}: {labels:?}"
        );
    }
}
