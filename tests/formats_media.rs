//! Newsletter-grade items through whole builds: a podcast's enclosures (from RSS
//! `enclosure` and Media RSS, Atom `rel="enclosure"`, JSON Feed `attachments`) come out in
//! its tag feed's RSS, Atom and JSON Feed with URL, type and length; an article's image
//! comes out as `media:content` with the width and height the source gave (Media RSS,
//! `<img width height>`, OpenGraph `og:image:width`).

mod build_support;
mod formats_support;

use build_support::Site;
use formats_support::{check_output, elements, find, texts};
use serde_json::Value;

const BASE: &str = "https://feeds.example.vn/";

const PODCAST_RSS: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/">
<channel><title>Podcast Yên Bái</title><link>https://podcast.example.vn/</link><description>d</description>
<item><title>Tập 1</title><link>https://podcast.example.vn/</link><guid isPermaLink="false">ep1</guid>
<pubDate>Sat, 01 Mar 2025 08:00:00 +0700</pubDate><description>Tập đầu</description>
<enclosure url="https://cdn.podcast.example.vn/ep1.mp3" length="12345678" type="audio/mpeg"/>
<media:content url="https://cdn.podcast.example.vn/ep1.m4a" type="audio/mp4" fileSize="9999" medium="audio"/>
<media:content url="https://cdn.podcast.example.vn/ep1.jpg" medium="image" type="image/jpeg" width="1400" height="1400"/>
</item>
<item><title>Tập 2</title><link>https://podcast.example.vn/</link><guid isPermaLink="false">ep2</guid>
<pubDate>Sat, 08 Mar 2025 08:00:00 +0700</pubDate><description>Tập hai</description>
<enclosure url="/ep2.mp3" type="audio/mpeg"/>
</item>
</channel></rss>
"#;

const PODCAST_ATOM: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Podcast Atom</title><id>urn:x:podcast</id>
<updated>2025-03-02T00:00:00Z</updated>
<entry><title>Tập Atom</title><id>urn:x:ep-atom</id><updated>2025-03-02T08:00:00+07:00</updated>
<link rel="alternate" href="https://atom.example.vn/ep"/>
<link rel="enclosure" href="https://atom.example.vn/ep.ogg" type="audio/ogg" length="4242"/>
<summary>Tập Atom</summary></entry></feed>
"#;

const PODCAST_JSON: &str = r#"{"version":"https://jsonfeed.org/version/1.1","title":"Podcast JSON",
"items":[{"id":"ep-json","url":"https://json.example.vn/ep","title":"Tập JSON",
"content_text":"Tập JSON","date_published":"2025-03-03T08:00:00+07:00",
"attachments":[{"url":"https://json.example.vn/ep.mp3","mime_type":"audio/mpeg","size_in_bytes":777}]}]}"#;

fn podcast_site() -> Site {
    let site = Site::new(
        "",
        "[[source]]\nname = \"podcast\"\nurl = \"podcast.rss\"\ntags = [\"Podcast\"]\n\n\
         [[source]]\nname = \"podcast-atom\"\nurl = \"podcast.atom\"\ntags = [\"Podcast\"]\n\n\
         [[source]]\nname = \"podcast-json\"\nurl = \"podcast.json\"\ntags = [\"Podcast\"]\n",
    );
    site.write("podcast.rss", PODCAST_RSS);
    site.write("podcast.atom", PODCAST_ATOM);
    site.write("podcast.json", PODCAST_JSON);
    site
}

fn item_of(els: &[formats_support::El], title: &str) -> std::ops::Range<usize> {
    // The elements of the item titled `title`: from its <item> to the next one.
    let starts: Vec<usize> = els
        .iter()
        .enumerate()
        .filter(|(_, e)| e.path == "rss/channel/item" || e.path == "feed/entry")
        .map(|(i, _)| i)
        .chain([els.len()])
        .collect();
    for w in starts.windows(2) {
        let part = &els[w[0]..w[1]];
        if part.iter().any(|e| {
            (e.path == "rss/channel/item/title" || e.path == "feed/entry/title") && e.text == title
        }) {
            return w[0]..w[1];
        }
    }
    panic!("no item {title}");
}

#[test]
fn a_podcasts_enclosures_come_out_in_the_tag_feeds_rss_atom_and_json_feed() {
    let site = podcast_site();
    let report = site.build(None);
    assert!(
        report.sources.iter().all(|s| s.error.is_none()),
        "{:?}",
        report.sources
    );
    let out = site.out();

    // RSS: one <enclosure> (url, type, length), the rest as media:content.
    let xml = std::fs::read_to_string(out.join("tag/podcast/rss.xml")).unwrap();
    let els = elements(&xml);
    let ep1 = &els[item_of(&els, "Tập 1")];
    let enc = find(ep1, "rss/channel/item/enclosure");
    assert_eq!(enc.len(), 1);
    assert_eq!(
        enc[0].attrs["url"],
        "https://cdn.podcast.example.vn/ep1.mp3"
    );
    assert_eq!(enc[0].attrs["type"], "audio/mpeg");
    assert_eq!(enc[0].attrs["length"], "12345678");
    let media: Vec<_> = find(ep1, "rss/channel/item/media:content")
        .into_iter()
        .map(|m| m.attrs.clone())
        .collect();
    assert!(media
        .iter()
        .any(|m| m["url"] == "https://cdn.podcast.example.vn/ep1.m4a"
            && m["type"] == "audio/mp4"
            && m["fileSize"] == "9999"
            && m["medium"] == "audio"));
    // Its image: media:content with the size the source gave, and a thumbnail.
    assert!(media
        .iter()
        .any(|m| m["url"] == "https://cdn.podcast.example.vn/ep1.jpg"
            && m["medium"] == "image"
            && m["type"] == "image/jpeg"
            && m["width"] == "1400"
            && m["height"] == "1400"));
    let thumb = find(ep1, "rss/channel/item/media:thumbnail");
    assert_eq!(thumb[0].attrs["width"], "1400");
    // An enclosure without a length cannot be an RSS enclosure (the validator wants a
    // positive length): it is media:content, and Atom and JSON Feed carry it as it is.
    let ep2 = &els[item_of(&els, "Tập 2")];
    assert!(find(ep2, "rss/channel/item/enclosure").is_empty());
    assert_eq!(
        find(ep2, "rss/channel/item/media:content")[0].attrs["url"],
        "https://podcast.example.vn/ep2.mp3"
    );
    for (title, url, typ, len) in [
        (
            "Tập Atom",
            "https://atom.example.vn/ep.ogg",
            "audio/ogg",
            "4242",
        ),
        (
            "Tập JSON",
            "https://json.example.vn/ep.mp3",
            "audio/mpeg",
            "777",
        ),
    ] {
        let it = &els[item_of(&els, title)];
        let e = find(it, "rss/channel/item/enclosure");
        assert_eq!(
            (
                e[0].attrs["url"].as_str(),
                e[0].attrs["type"].as_str(),
                e[0].attrs["length"].as_str()
            ),
            (url, typ, len),
            "{title}"
        );
    }

    // Atom: every enclosure as link rel="enclosure" with type and length.
    let atom = elements(&std::fs::read_to_string(out.join("tag/podcast/atom.xml")).unwrap());
    let ep1 = &atom[item_of(&atom, "Tập 1")];
    let links: Vec<_> = find(ep1, "feed/entry/link")
        .into_iter()
        .filter(|l| l.attrs["rel"] == "enclosure")
        .map(|l| {
            (
                l.attrs["href"].clone(),
                l.attrs["type"].clone(),
                l.attrs.get("length").cloned(),
            )
        })
        .collect();
    assert_eq!(
        links,
        [
            (
                "https://cdn.podcast.example.vn/ep1.mp3".into(),
                "audio/mpeg".into(),
                Some("12345678".into())
            ),
            (
                "https://cdn.podcast.example.vn/ep1.m4a".into(),
                "audio/mp4".into(),
                Some("9999".into())
            ),
        ]
    );
    let img = find(ep1, "feed/entry/media:content");
    assert_eq!(
        (
            img[0].attrs["width"].as_str(),
            img[0].attrs["height"].as_str()
        ),
        ("1400", "1400")
    );
    for (title, url, len) in [
        ("Tập Atom", "https://atom.example.vn/ep.ogg", "4242"),
        ("Tập JSON", "https://json.example.vn/ep.mp3", "777"),
    ] {
        let it = &atom[item_of(&atom, title)];
        assert!(find(it, "feed/entry/link")
            .iter()
            .any(|l| l.attrs["rel"] == "enclosure"
                && l.attrs["href"] == url
                && l.attrs["length"] == len));
    }

    // JSON Feed: attachments with mime_type and size_in_bytes.
    let json: Value =
        serde_json::from_slice(&std::fs::read(out.join("tag/podcast/feed.json")).unwrap()).unwrap();
    let items = json["items"].as_array().unwrap();
    let by_title = |t: &str| {
        items
            .iter()
            .find(|i| i["title"] == t)
            .unwrap_or_else(|| panic!("{t}"))
    };
    let att = by_title("Tập 1")["attachments"].as_array().unwrap();
    assert_eq!(att[0]["url"], "https://cdn.podcast.example.vn/ep1.mp3");
    assert_eq!(att[0]["mime_type"], "audio/mpeg");
    assert_eq!(att[0]["size_in_bytes"], 12345678);
    assert_eq!(att[1]["url"], "https://cdn.podcast.example.vn/ep1.m4a");
    assert_eq!(
        by_title("Tập 1")["image"],
        "https://cdn.podcast.example.vn/ep1.jpg"
    );
    let ep2 = &by_title("Tập 2")["attachments"][0];
    assert_eq!(
        (ep2["mime_type"].as_str(), ep2.get("size_in_bytes")),
        (Some("audio/mpeg"), None)
    );
    assert_eq!(
        by_title("Tập Atom")["attachments"][0]["size_in_bytes"],
        4242
    );
    assert_eq!(by_title("Tập JSON")["attachments"][0]["size_in_bytes"], 777);

    // feed-rs, another reader, sees the same enclosures.
    let f = site.feed("tag/podcast/rss.xml");
    let e = f
        .entries
        .iter()
        .find(|e| e.title.as_ref().unwrap().content == "Tập 1")
        .unwrap();
    assert!(e.media.iter().flat_map(|m| &m.content).any(|c| c
        .url
        .as_ref()
        .is_some_and(|u| u.as_str() == "https://cdn.podcast.example.vn/ep1.mp3")));
    check_output(&out, BASE);
}

#[test]
fn an_image_has_its_width_and_height_when_the_source_gives_them() {
    let site = Site::new(
        "",
        "[[source]]\nname = \"tin\"\nurl = \"tin.rss\"\ntags = [\"Ảnh\"]\n",
    );
    site.write(
        "tin.rss",
        r#"<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>Tin</title>
<link>https://tin.example.vn/</link><description>d</description>
<item><title>Ảnh trong bài</title><link>https://tin.example.vn/1</link><pubDate>Sat, 01 Mar 2025 08:00:00 +0700</pubDate>
<content:encoded><![CDATA[<p>Chữ</p><img src="/anh/1.png" width="800" height="450" alt="a">]]></content:encoded></item>
<item><title>Ảnh không cỡ</title><link>https://tin.example.vn/2</link><pubDate>Sat, 01 Mar 2025 09:00:00 +0700</pubDate>
<content:encoded><![CDATA[<p>Chữ</p><img src="https://tin.example.vn/anh/2.webp" width="100%">]]></content:encoded></item>
</channel></rss>
"#,
    );
    site.build(None);
    let out = site.out();
    let els = elements(&std::fs::read_to_string(out.join("tag/anh/rss.xml")).unwrap());
    let sized = &els[item_of(&els, "Ảnh trong bài")];
    let m = &find(sized, "rss/channel/item/media:content")[0].attrs;
    assert_eq!(m["url"], "https://tin.example.vn/anh/1.png");
    assert_eq!((m["width"].as_str(), m["height"].as_str()), ("800", "450"));
    assert_eq!(m["type"], "image/png", "the type its extension names");
    let no_size = &els[item_of(&els, "Ảnh không cỡ")];
    let m = &find(no_size, "rss/channel/item/media:content")[0].attrs;
    assert_eq!(m["type"], "image/webp");
    assert!(
        !m.contains_key("width") && !m.contains_key("height"),
        "100% is no size: {m:?}"
    );
    check_output(&out, BASE);
}

#[test]
fn an_html_sources_image_has_the_size_opengraph_declares() {
    let site = Site::new(
        "",
        "[[source]]\nname = \"web\"\nkind = \"html\"\nurl = \"site/index.html\"\ntags = [\"Web\"]\n\n\
         [source.html]\nitem = \"div.item\"\nlink = \"a\"\n",
    );
    std::fs::create_dir_all(site.dir.join("site")).unwrap();
    site.write(
        "site/index.html",
        r#"<html><body><div class="item"><a href="bai.html">Bài</a></div></body></html>"#,
    );
    site.write(
        "site/bai.html",
        r#"<html><head><title>Bài có ảnh</title>
<meta property="og:title" content="Bài có ảnh">
<meta property="og:image" content="https://web.example.vn/og.jpg">
<meta property="og:image:type" content="image/jpeg">
<meta property="og:image:width" content="1200">
<meta property="og:image:height" content="630">
<meta property="og:image" content="https://web.example.vn/other.jpg">
<meta property="og:image:width" content="10">
<meta property="article:published_time" content="2025-03-01T08:00:00+07:00">
</head><body><h1>Bài có ảnh</h1><p>Nội dung bài viết đủ dài để là một đoạn văn.</p></body></html>"#,
    );
    let report = site.build(None);
    assert!(report.sources[0].error.is_none(), "{:?}", report.sources[0]);
    let out = site.out();
    let els = elements(&std::fs::read_to_string(out.join("tag/web/rss.xml")).unwrap());
    let m = &find(&els, "rss/channel/item/media:content")[0].attrs;
    assert_eq!(m["url"], "https://web.example.vn/og.jpg");
    assert_eq!(
        (
            m["width"].as_str(),
            m["height"].as_str(),
            m["type"].as_str()
        ),
        ("1200", "630", "image/jpeg")
    );
    assert_eq!(texts(&els, "rss/channel/item/title"), ["Bài có ảnh"]);
    check_output(&out, BASE);
}
