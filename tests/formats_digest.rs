//! Daily digests through builds on several days, in Asia/Ho_Chi_Minh: one item per closed
//! day that had articles (none for the day between that had none), dated at the digest
//! time in the site's zone, with a GUID that is the same at every build, listing each
//! article's title, link, image, summary and source; an article that arrives after its
//! day's digest went out is in the next one.

mod build_support;
mod formats_support;

use build_support::Site;
use chrono::{DateTime, Utc};
use formats_support::{check_output, elements, find, texts};
use serde_json::Value;

const BASE: &str = "https://feeds.example.vn/";

struct It {
    guid: &'static str,
    title: &'static str,
    date: &'static str,
    image: bool,
}

fn doc(items: &[It]) -> String {
    let mut x = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\" xmlns:media=\"http://search.yahoo.com/mrss/\">\
         <channel><title>Nguồn</title><link>https://nguon.example.vn/</link><description>d</description>",
    );
    for i in items {
        x.push_str(&format!(
            "<item><title>{}</title><link>https://nguon.example.vn/{}.html</link><guid>https://nguon.example.vn/{}.html</guid>\
             <description>Tóm tắt {}</description><pubDate>{}</pubDate>",
            i.title, i.guid, i.guid, i.title, i.date
        ));
        if i.image {
            x.push_str(&format!(
                "<media:content url=\"https://nguon.example.vn/{}.jpg\" medium=\"image\" width=\"640\" height=\"360\"/>",
                i.guid
            ));
        }
        x.push_str("</item>");
    }
    x.push_str("</channel></rss>\n");
    x
}

fn at(s: &str) -> Option<DateTime<Utc>> {
    Some(DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc))
}

const A1: It = It {
    guid: "a1",
    title: "Bài A1",
    date: "Mon, 04 Mar 2024 09:00:00 +0700",
    image: true,
};
const A2: It = It {
    guid: "a2",
    title: "Bài A2",
    date: "Mon, 04 Mar 2024 08:00:00 +0700",
    image: false,
};
const B1: It = It {
    guid: "b1",
    title: "Bài B1",
    date: "Tue, 05 Mar 2024 11:00:00 +0700",
    image: false,
};
/// Published before the 5th's digest (06:00) but first seen after it.
const LATE: It = It {
    guid: "late",
    title: "Bài đến muộn",
    date: "Tue, 05 Mar 2024 05:30:00 +0700",
    image: false,
};
const C1: It = It {
    guid: "c1",
    title: "Bài C1",
    date: "Thu, 07 Mar 2024 10:00:00 +0700",
    image: false,
};

fn site() -> Site {
    Site::new(
        "",
        "[merged]\ndigest = \"daily\"\n\n[tags]\ndigest = \"daily\"\ndigest_time = \"06:00\"\ndigest_tags = [\"Lục Yên\"]\n\n\
         [[source]]\nname = \"nguon\"\nurl = \"nguon.rss\"\ntags = [\"Lục Yên\"]\n",
    )
}

/// (title, guid, pubDate, description, content) of each digest item.
fn digest_items(site: &Site, rel: &str) -> Vec<(String, String, String, String, String)> {
    let els = elements(&std::fs::read_to_string(site.out().join(rel)).unwrap());
    let t = |p: &str| texts(&els, &format!("rss/channel/item/{p}"));
    let (titles, guids, dates, descs, contents) = (
        t("title"),
        t("guid"),
        t("pubDate"),
        t("description"),
        t("content:encoded"),
    );
    assert!(find(&els, "rss/channel/item/guid")
        .iter()
        .all(|g| g.attrs["isPermaLink"] == "false"));
    (0..titles.len())
        .map(|i| {
            (
                titles[i].clone(),
                guids[i].clone(),
                dates[i].clone(),
                descs[i].clone(),
                contents[i].clone(),
            )
        })
        .collect()
}

#[test]
fn three_days_with_a_gap_day_give_three_items_dated_at_the_digest_time() {
    let site = site();
    site.write("nguon.rss", &doc(&[A1, A2]));
    site.build(at("2024-03-04T10:00:00+07:00"));
    site.write("nguon.rss", &doc(&[A1, A2, LATE, B1]));
    site.build(at("2024-03-05T12:00:00+07:00"));
    // The 6th: no new article (the 7th's digest will have none).
    site.build(at("2024-03-06T12:00:00+07:00"));
    site.write("nguon.rss", &doc(&[A1, A2, LATE, B1, C1]));
    site.build(at("2024-03-07T12:00:00+07:00"));
    let before_last = digest_items(&site, "tag/luc-yen/digest/rss.xml");
    assert_eq!(before_last.len(), 2, "the 8th's day is not closed yet");
    site.build(at("2024-03-08T07:00:00+07:00"));

    let items = digest_items(&site, "tag/luc-yen/digest/rss.xml");
    let heads: Vec<(&str, &str, &str)> = items
        .iter()
        .map(|(t, g, d, _, _)| (t.as_str(), g.as_str(), d.as_str()))
        .collect();
    assert_eq!(
        heads,
        [
            (
                "Bản tin ngày 08/03/2024",
                "digest/tag/luc-yen/2024-03-08",
                "Fri, 8 Mar 2024 06:00:00 +0700"
            ),
            (
                "Bản tin ngày 06/03/2024",
                "digest/tag/luc-yen/2024-03-06",
                "Wed, 6 Mar 2024 06:00:00 +0700"
            ),
            (
                "Bản tin ngày 05/03/2024",
                "digest/tag/luc-yen/2024-03-05",
                "Tue, 5 Mar 2024 06:00:00 +0700"
            ),
        ]
    );
    // The items that were there before are the same items (GUID and date), unchanged.
    assert_eq!(&items[1..], &before_last[..]);
    // Each item lists its day's articles: title and link, image, summary, source.
    let day5 = &items[2].4;
    for needle in [
        "<a href=\"https://nguon.example.vn/a1.html\"><strong>Bài A1</strong></a>",
        "<img src=\"https://nguon.example.vn/a1.jpg\" alt=\"Bài A1\" width=\"640\" height=\"360\">",
        "<p>Tóm tắt Bài A1</p>",
        "<p>Nguồn: nguon</p>",
        "<strong>Bài A2</strong>",
    ] {
        assert!(day5.contains(needle), "{needle} in {day5}");
    }
    assert!(
        day5.find("Bài A1").unwrap() < day5.find("Bài A2").unwrap(),
        "newest first"
    );
    assert!(
        items[2].3.starts_with("2 bài: Bài A1 · Bài A2"),
        "{}",
        items[2].3
    );
    // The late article is in the next digest, with the 5th's own article.
    assert!(items[1].4.contains("Bài đến muộn") && items[1].4.contains("Bài B1"));
    assert!(!day5.contains("Bài đến muộn"));
    assert!(items[0].4.contains("Bài C1"));

    // The merged feed's digest is the same days; Atom and JSON Feed carry the same items.
    assert_eq!(digest_items(&site, "other-news/digest/rss.xml").len(), 3);
    let atom =
        elements(&std::fs::read_to_string(site.out().join("tag/luc-yen/digest/atom.xml")).unwrap());
    assert_eq!(
        texts(&atom, "feed/entry/published"),
        [
            "2024-03-08T06:00:00+07:00",
            "2024-03-06T06:00:00+07:00",
            "2024-03-05T06:00:00+07:00"
        ]
    );
    let json: Value = serde_json::from_slice(
        &std::fs::read(site.out().join("tag/luc-yen/digest/feed.json")).unwrap(),
    )
    .unwrap();
    let ids: Vec<&str> = json["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 3);
    assert!(ids[0].ends_with("digest/tag/luc-yen/2024-03-08"), "{ids:?}");
    assert_eq!(
        json["items"][0]["date_published"],
        "2024-03-08T06:00:00+07:00"
    );

    // A later build the same day changes no digest file.
    let snapshot = |rel: &str| std::fs::read(site.out().join(rel)).unwrap();
    let files = [
        "tag/luc-yen/digest/rss.xml",
        "tag/luc-yen/digest/atom.xml",
        "tag/luc-yen/digest/feed.json",
    ];
    let before: Vec<Vec<u8>> = files.iter().map(|f| snapshot(f)).collect();
    let report = site.build(at("2024-03-08T09:00:00+07:00"));
    assert_eq!(report.files_written, 0);
    assert_eq!(
        files.iter().map(|f| snapshot(f)).collect::<Vec<_>>(),
        before
    );
    // Listed in the index and the OPML; a tag without a digest has none.
    // (The index is a template now: its links carry a title naming the feed.)
    let index = std::fs::read_to_string(site.out().join("index.html")).unwrap();
    assert!(
        index.contains("<a href=\"tag/luc-yen/digest/rss.xml\" title=\"Lục Yên: ")
            && index.contains(">Bản tin hằng ngày</a>"),
        "{index}"
    );
    let opml = std::fs::read_to_string(site.out().join("feeds.opml")).unwrap();
    assert!(opml.contains("xmlUrl=\"https://feeds.example.vn/tag/luc-yen/digest/rss.xml\""));
    check_output(&site.out(), BASE);
}

#[test]
fn a_digest_lists_at_most_digest_articles_and_counts_the_rest() {
    let site = Site::new(
        "",
        "[limits]\ndigest_articles = 2\n\n[merged]\ndigest = \"daily\"\ndigest_time = \"07:30\"\n\n\
         [[source]]\nname = \"nguon\"\nurl = \"nguon.rss\"\n",
    );
    site.write("nguon.rss", &doc(&[A1, A2, LATE]));
    site.build(at("2024-03-04T10:00:00+07:00"));
    site.build(at("2024-03-05T08:00:00+07:00"));
    let items = digest_items(&site, "other-news/digest/rss.xml");
    assert_eq!(items.len(), 1);
    assert_eq!(items[0].2, "Tue, 5 Mar 2024 07:30:00 +0700");
    let content = &items[0].4;
    assert_eq!(content.matches("<li>").count(), 2, "{content}");
    assert!(content.contains("và các bài khác: 1"), "{content}");
    assert!(items[0].3.starts_with("3 bài:"), "{}", items[0].3);
    check_output(&site.out(), BASE);
}
