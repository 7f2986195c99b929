//! RFC 5005 archived feeds through whole builds: 230 articles in one tag with `items =
//! 50` give a subscription document and four archive pages that, followed by
//! `prev-archive`, list every article once, newest first; a build that changes nothing
//! rewrites none of them; a build that adds an article rewrites the subscription
//! documents and the newest page only; retention empties pages from the oldest end and
//! nothing moves; every page passes the validator's rules and parses back.

mod build_support;
mod formats_support;

use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use build_support::{files, rel, Site};
use chrono::{DateTime, Duration, Utc};
use formats_support::{check_output, elements, find, texts};

const BASE: &str = "https://feeds.example.vn/";

/// A podcast-free RSS document of items `range`, item `i` published `i` minutes after
/// 2025-03-01 00:00 +07:00.
fn rss(range: std::ops::Range<usize>) -> String {
    let mut x = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\"><channel><title>Nguồn</title>\
         <link>https://nguon.example.vn/</link><description>d</description>",
    );
    let start = DateTime::parse_from_rfc3339("2025-03-01T00:00:00+07:00").unwrap();
    for i in range {
        let d = (start + Duration::minutes(i as i64)).to_rfc2822();
        x.push_str(&format!(
            "<item><title>Bài {i:03}</title><link>https://nguon.example.vn/{i}.html</link>\
             <guid>https://nguon.example.vn/{i}.html</guid><description>Tóm tắt {i}</description>\
             <pubDate>{d}</pubDate></item>"
        ));
    }
    x.push_str("</channel></rss>\n");
    x
}

fn site() -> Site {
    Site::new(
        "",
        "[feeds]\nitems = 50\n\n[[source]]\nname = \"nguon\"\nurl = \"nguon.rss\"\ntags = [\"Lục Yên\"]\n",
    )
}

fn at(day: i64) -> Option<DateTime<Utc>> {
    Some(
        DateTime::parse_from_rfc3339("2025-03-02T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
            + Duration::days(day),
    )
}

/// The file a URL of the output names.
fn file_of(out: &Path, url: &str) -> std::path::PathBuf {
    out.join(url.strip_prefix(BASE).expect("a URL of the output"))
}

/// Follows `prev-archive` from the RSS subscription document: (document, its item
/// titles) in order.
fn chain(out: &Path, start: &str) -> Vec<(String, Vec<String>)> {
    let mut docs = Vec::new();
    let mut next = Some(format!("{BASE}{start}"));
    while let Some(url) = next.take() {
        let xml = std::fs::read_to_string(file_of(out, &url)).expect("linked document");
        let els = elements(&xml);
        next = find(&els, "rss/channel/atom:link")
            .iter()
            .find(|l| l.attrs.get("rel").map(String::as_str) == Some("prev-archive"))
            .map(|l| l.attrs["href"].clone());
        docs.push((url, texts(&els, "rss/channel/item/title")));
        assert!(docs.len() < 20, "prev-archive loops");
    }
    docs
}

fn snapshot(out: &Path) -> BTreeMap<String, Vec<u8>> {
    files(out)
        .into_iter()
        .map(|p| (rel(out, &p), std::fs::read(&p).expect("read")))
        .collect()
}

fn changed(before: &BTreeMap<String, Vec<u8>>, after: &BTreeMap<String, Vec<u8>>) -> Vec<String> {
    after
        .iter()
        .filter(|(p, v)| before.get(*p) != Some(*v))
        .map(|(p, _)| p.clone())
        .chain(before.keys().filter(|p| !after.contains_key(*p)).cloned())
        .filter(|p| p != ".feedmill-manifest")
        .collect()
}

#[test]
fn two_hundred_thirty_articles_are_one_subscription_document_and_four_archives_listing_each_once() {
    let site = site();
    site.write("nguon.rss", &rss(0..230));
    site.build(at(0));
    let out = site.out();
    let docs = chain(&out, "tag/luc-yen/rss.xml");
    let sizes: Vec<usize> = docs.iter().map(|(_, t)| t.len()).collect();
    assert_eq!(
        sizes,
        [50, 30, 50, 50, 50],
        "{:?}",
        docs.iter().map(|d| &d.0).collect::<Vec<_>>()
    );
    assert_eq!(
        docs.iter()
            .map(|(u, _)| u.strip_prefix(BASE).unwrap())
            .collect::<Vec<_>>(),
        [
            "tag/luc-yen/rss.xml",
            "tag/luc-yen/archive/4.xml",
            "tag/luc-yen/archive/3.xml",
            "tag/luc-yen/archive/2.xml",
            "tag/luc-yen/archive/1.xml"
        ]
    );
    let all: Vec<String> = docs.into_iter().flat_map(|(_, t)| t).collect();
    let expected: Vec<String> = (0..230).rev().map(|i| format!("Bài {i:03}")).collect();
    assert_eq!(all, expected, "every article once, newest first");

    // Each page links current, its neighbours and says it is an archive; Atom and JSON
    // Feed page the same way.
    let page = std::fs::read_to_string(out.join("tag/luc-yen/archive/2.xml")).unwrap();
    let els = elements(&page);
    let links: BTreeMap<String, String> = find(&els, "rss/channel/atom:link")
        .iter()
        .map(|l| (l.attrs["rel"].clone(), l.attrs["href"].clone()))
        .collect();
    assert_eq!(links["current"], format!("{BASE}tag/luc-yen/rss.xml"));
    assert_eq!(
        links["prev-archive"],
        format!("{BASE}tag/luc-yen/archive/1.xml")
    );
    assert_eq!(
        links["next-archive"],
        format!("{BASE}tag/luc-yen/archive/3.xml")
    );
    assert_eq!(links["self"], format!("{BASE}tag/luc-yen/archive/2.xml"));
    assert_eq!(find(&els, "rss/channel/fh:archive").len(), 1);
    let newest = elements(&std::fs::read_to_string(out.join("tag/luc-yen/archive/4.xml")).unwrap());
    assert!(!find(&newest, "rss/channel/atom:link")
        .iter()
        .any(|l| l.attrs["rel"] == "next-archive"));
    let atom = elements(&std::fs::read_to_string(out.join("tag/luc-yen/atom.xml")).unwrap());
    assert!(find(&atom, "feed/link")
        .iter()
        .any(|l| l.attrs["rel"] == "prev-archive"
            && l.attrs["href"] == format!("{BASE}tag/luc-yen/archive/4.atom")));
    let mut json_ids = HashSet::new();
    let mut next = Some(format!("{BASE}tag/luc-yen/feed.json"));
    let mut pages = 0;
    while let Some(u) = next.take() {
        let v: serde_json::Value =
            serde_json::from_slice(&std::fs::read(file_of(&out, &u)).unwrap()).unwrap();
        assert_eq!(v["feed_url"], format!("{BASE}tag/luc-yen/feed.json"));
        for item in v["items"].as_array().unwrap() {
            assert!(json_ids.insert(item["id"].as_str().unwrap().to_string()));
        }
        next = v["next_url"].as_str().map(str::to_string);
        pages += 1;
    }
    assert_eq!(
        (pages, json_ids.len()),
        (5, 230),
        "JSON Feed pages by next_url"
    );

    // Every document, archives included, passes the rules and parses back.
    let (rss_docs, atom_docs, json_docs) = check_output(&out, BASE);
    assert!(
        rss_docs >= 7 && atom_docs >= 7 && json_docs >= 7,
        "{rss_docs} {atom_docs} {json_docs}"
    );
}

#[test]
fn a_second_build_rewrites_no_archive_and_a_new_article_only_the_subscription_documents_and_the_newest_page(
) {
    let site = site();
    site.write("nguon.rss", &rss(0..230));
    site.build(at(0));
    let out = site.out();
    let first = snapshot(&out);

    let again = site.build(at(1));
    assert_eq!(again.files_written, 0, "nothing changed");
    assert_eq!(changed(&first, &snapshot(&out)), Vec::<String>::new());

    site.write("nguon.rss", &rss(0..231));
    let third = site.build(at(2));
    let mut written = changed(&first, &snapshot(&out));
    written.sort();
    assert_eq!(
        written,
        [
            // The index's headlines and each feed's page show the new article too.
            "index.html",
            // The merged feed holds the same articles (items = 100: 131 archived).
            "other-news/archive/2.atom",
            "other-news/archive/2.json",
            "other-news/archive/2.xml",
            "other-news/atom.xml",
            "other-news/feed.json",
            "other-news/index.html",
            "other-news/rss.xml",
            "tag/luc-yen/archive/4.atom",
            "tag/luc-yen/archive/4.json",
            "tag/luc-yen/archive/4.xml",
            "tag/luc-yen/atom.xml",
            "tag/luc-yen/feed.json",
            "tag/luc-yen/index.html",
            "tag/luc-yen/rss.xml",
        ]
    );
    assert_eq!(third.files_written, 15);
    let docs = chain(&out, "tag/luc-yen/rss.xml");
    assert_eq!(
        docs.iter().map(|d| d.1.len()).collect::<Vec<_>>(),
        [50, 31, 50, 50, 50]
    );
    assert_eq!(docs[0].1[0], "Bài 230");
    assert_eq!(
        docs[1].1[0], "Bài 180",
        "the article that left the subscription document"
    );
}

#[test]
fn a_full_newest_page_closes_and_the_next_page_opens_after_it() {
    let site = site();
    site.write("nguon.rss", &rss(0..250));
    site.build(at(0));
    let out = site.out();
    // 200 archived: four full pages, closed.
    assert_eq!(chain(&out, "tag/luc-yen/rss.xml").len(), 5);
    let before = snapshot(&out);
    site.write("nguon.rss", &rss(0..251));
    site.build(at(1));
    let mut written: Vec<String> = changed(&before, &snapshot(&out))
        .into_iter()
        .filter(|p| p.starts_with("tag/"))
        .collect();
    written.sort();
    // Page 5 opens; page 4, the newest before, gains its next-archive link (once) and
    // keeps its articles.
    assert_eq!(
        written,
        [
            "tag/luc-yen/archive/4.atom",
            "tag/luc-yen/archive/4.xml",
            "tag/luc-yen/archive/5.atom",
            "tag/luc-yen/archive/5.json",
            "tag/luc-yen/archive/5.xml",
            "tag/luc-yen/atom.xml",
            "tag/luc-yen/feed.json",
            // The feed's page shows its articles and links the new page.
            "tag/luc-yen/index.html",
            "tag/luc-yen/rss.xml",
        ]
    );
    let docs = chain(&out, "tag/luc-yen/rss.xml");
    assert_eq!(
        docs.iter().map(|d| d.1.len()).collect::<Vec<_>>(),
        [50, 1, 50, 50, 50, 50]
    );
    let before_4 = elements(std::str::from_utf8(&before["tag/luc-yen/archive/4.xml"]).unwrap());
    let after_4 =
        elements(&std::fs::read_to_string(out.join("tag/luc-yen/archive/4.xml")).unwrap());
    assert_eq!(
        texts(&before_4, "rss/channel/item/title"),
        texts(&after_4, "rss/channel/item/title")
    );
}

#[test]
fn retention_removes_whole_pages_from_the_oldest_end_and_nothing_moves() {
    let site = Site::new(
        "",
        "[feeds]\nitems = 50\n\n[store]\nretention_days = 30\n\n[[source]]\nname = \"nguon\"\nurl = \"nguon.rss\"\ntags = [\"Lục Yên\"]\n",
    );
    site.write("nguon.rss", &rss(0..170));
    site.build(at(0));
    let out = site.out();
    let pages_before: Vec<(String, Vec<String>)> = chain(&out, "tag/luc-yen/rss.xml");
    assert_eq!(
        pages_before.iter().map(|d| d.1.len()).collect::<Vec<_>>(),
        [50, 20, 50, 50]
    );
    // The source drops its 60 oldest items; 40 days later they are past retention.
    site.write("nguon.rss", &rss(60..170));
    site.build(at(1));
    site.build(at(41));
    let docs = chain(&out, "tag/luc-yen/rss.xml");
    let names: Vec<&str> = docs
        .iter()
        .map(|(u, _)| u.strip_prefix(BASE).unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "tag/luc-yen/rss.xml",
            "tag/luc-yen/archive/3.xml",
            "tag/luc-yen/archive/2.xml"
        ],
        "page 1 is gone whole, page 2 keeps its number"
    );
    assert_eq!(
        docs.iter().map(|d| d.1.len()).collect::<Vec<_>>(),
        [50, 20, 40]
    );
    assert_eq!(
        docs[2].1,
        pages_before[2].1[..40].to_vec(),
        "page 2 lost its oldest ten"
    );
    assert_eq!(docs[1].1, pages_before[1].1, "page 3 did not move");
    assert!(!out.join("tag/luc-yen/archive/1.xml").exists());
    assert!(!find(
        &elements(&std::fs::read_to_string(out.join("tag/luc-yen/archive/2.xml")).unwrap()),
        "rss/channel/atom:link"
    )
    .iter()
    .any(|l| l.attrs["rel"] == "prev-archive"));
    check_output(&out, BASE);
}

#[test]
fn archives_off_keeps_the_newest_by_date_and_writes_no_page() {
    let site = Site::new(
        "",
        "[feeds]\nitems = 50\narchives = false\njson_feed = false\n\n[[source]]\nname = \"nguon\"\nurl = \"nguon.rss\"\ntags = [\"Lục Yên\"]\n",
    );
    site.write("nguon.rss", &rss(0..120));
    site.build(at(0));
    let out = site.out();
    assert!(!out.join("tag/luc-yen/archive").exists());
    assert!(!out.join("tag/luc-yen/feed.json").exists());
    assert_eq!(chain(&out, "tag/luc-yen/rss.xml").len(), 1);
    assert_eq!(site.titles("tag/luc-yen/rss.xml")[0], "Bài 119");
}
