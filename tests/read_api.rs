//! Behaviour of `read_feed` beyond single corpus files: scale, nesting, errors.

use feedmill::model::FeedFormat;
use feedmill::read::read_feed;
use url::Url;

/// Thousands of different items under one GUID are all kept (Miniflux #4197 lost them).
#[test]
fn thousands_of_items_sharing_one_guid_are_kept() {
    let mut doc = String::from("<rss version=\"2.0\"><channel><title>T</title>");
    for i in 0..5000 {
        doc.push_str(&format!(
            "<item><guid>same</guid><title>Tin {i}</title></item>"
        ));
    }
    doc.push_str("</channel></rss>");
    let feed = read_feed(doc.as_bytes(), None, None).expect("reads");
    assert_eq!(feed.items.len(), 5000);
    assert_eq!(feed.items[4999].title.as_deref(), Some("Tin 4999"));
    assert_eq!(
        feed.warnings,
        vec!["5000 different items share the GUID \"same\"; all were kept".to_string()]
    );
}

/// Deep nesting is handled without recursion.
#[test]
fn deeply_nested_elements_do_not_overflow() {
    let depth = 100_000;
    let mut doc =
        String::from("<rss version=\"2.0\"><channel><item><title>Sâu</title><description>");
    doc.push_str(&"<div>".repeat(depth));
    doc.push_str(&"</div>".repeat(depth));
    doc.push_str("</description></item></channel></rss>");
    let feed = read_feed(doc.as_bytes(), None, None).expect("reads");
    assert_eq!(feed.items.len(), 1);
    assert_eq!(feed.items[0].title.as_deref(), Some("Sâu"));
}

/// An error names its position.
#[test]
fn errors_name_line_and_column() {
    let err = read_feed(b"\n\n  <\x01", None, None).expect_err("not XML");
    assert!(err.line.is_some() && err.column.is_some(), "{err:?}");
    assert!(err.to_string().starts_with(&format!(
        "{}:{}: ",
        err.line.unwrap_or(0),
        err.column.unwrap_or(0)
    )));
}

/// The document URL is the base for relative links, and an item records it.
#[test]
fn base_url_resolves_relative_links() {
    let base = Url::parse("https://baoyenbai.com.vn/rss/tin.rss").expect("url");
    let doc = "<feed xmlns=\"http://www.w3.org/2005/Atom\"><title>A</title><link href=\"/\"/>\
               <entry><id>1</id><title>Một</title><link href=\"../12/1.aspx\"/></entry></feed>";
    let feed = read_feed(doc.as_bytes(), Some("application/atom+xml"), Some(&base)).expect("reads");
    assert_eq!(feed.format, Some(FeedFormat::Atom));
    assert_eq!(feed.link.as_deref(), Some("https://baoyenbai.com.vn/"));
    assert_eq!(
        feed.items[0].link.as_deref(),
        Some("https://baoyenbai.com.vn/12/1.aspx")
    );
    assert_eq!(feed.items[0].base.as_deref(), Some(base.as_str()));
}

/// A truncated 2,000-item feed keeps every item before the cut, whatever the cut point.
#[test]
fn truncation_keeps_items_before_the_cut() {
    let mut doc = String::from("<rss version=\"2.0\"><channel><title>T</title>");
    for i in 0..2000 {
        doc.push_str(&format!(
            "<item><title>Tin {i}</title><link>https://e.vn/{i}</link></item>"
        ));
    }
    for cut in [doc.len() / 3, doc.len() / 2, doc.len() - 20] {
        let part = &doc.as_bytes()[..cut];
        let complete = doc[..cut].matches("</item>").count();
        let feed = read_feed(part, None, None).expect("reads");
        assert_eq!(feed.items.len(), complete);
        assert!(
            feed.warnings.iter().any(|w| w.contains("cut off")),
            "{:?}",
            feed.warnings
        );
    }
}

#[test]
fn a_limited_read_keeps_the_first_items_and_only_counts_the_others() {
    let items: String = (0..50_000)
        .map(|i| format!("<item><guid>{i}</guid><title>t{i}</title></item>"))
        .collect();
    let rss = format!("<rss version=\"2.0\"><channel><title>C</title>{items}</channel></rss>");
    let feed = feedmill::read::read_feed_limited(rss.as_bytes(), None, None, 10).unwrap();
    assert_eq!(feed.items.len(), 10);
    assert_eq!(feed.items_over_limit, 49_990);
    assert_eq!(feed.items[9].title.as_deref(), Some("t9"));
    let json_items: Vec<String> = (0..1_000)
        .map(|i| format!("{{\"id\":\"{i}\",\"title\":\"t{i}\"}}"))
        .collect();
    let json = format!(
        "{{\"version\":\"https://jsonfeed.org/version/1.1\",\"title\":\"J\",\"items\":[{}]}}",
        json_items.join(",")
    );
    let feed = feedmill::read::read_feed_limited(json.as_bytes(), None, None, 3).unwrap();
    assert_eq!((feed.items.len(), feed.items_over_limit), (3, 997));
}
