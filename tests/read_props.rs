//! Property tests: the reader never panics and never hangs, whatever the bytes.

use std::fs;
use std::path::Path;

use feedmill::read::{read_feed, read_feed_reference};
use proptest::prelude::*;

/// Every corpus feed, as bytes.
fn corpus() -> Vec<Vec<u8>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/read");
    let mut files: Vec<_> = fs::read_dir(dir)
        .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    files.retain(|p: &std::path::PathBuf| {
        let n = p.to_string_lossy();
        !n.ends_with(".expect.json") && !n.ends_with(".py")
    });
    files.sort();
    files.iter().filter_map(|p| fs::read(p).ok()).collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let _ = read_feed(&bytes, None, None);
    }

    /// The fast lane reads exactly what quick-xml's event loop reads, warnings and error
    /// positions included, on cut and corrupted feeds as on whole ones.
    #[test]
    fn the_fast_lane_reads_mutated_feeds_as_quick_xml_does(
        pick in any::<prop::sample::Index>(),
        cut in any::<prop::sample::Index>(),
        at in any::<prop::sample::Index>(),
        insert in prop_oneof![
            Just("<"), Just(">"), Just("/>"), Just("</"), Just("\""), Just("'"), Just("<!--x-->"),
            Just("<![CDATA[<b>]]>"), Just("]]>"), Just("<?pi x?>"), Just("<b>"), Just("</b>"),
            Just("<x xmlns:dc=\"urn:x\">"), Just("<dc:creator>A</dc:creator>"), Just("&amp;"),
            Just("<media:content url='a.jpg'/>"), Just(" "), Just("<!DOCTYPE x>"), Just("<>"),
            Just("</item>"), Just("<item>"), Just("</entry><entry>"), Just("xml:base=\"/d/\""),
        ],
    ) {
        let feeds = corpus();
        prop_assume!(!feeds.is_empty());
        let feed = pick.get(&feeds);
        let n = cut.index(feed.len() + 1);
        let mut bytes = feed.get(..n).unwrap_or_default().to_vec();
        let i = at.index(bytes.len() + 1);
        bytes.splice(i..i, insert.bytes());
        prop_assert_eq!(read_feed(&bytes, None, None), read_feed_reference(&bytes, None, None));
    }

    #[test]
    fn xmlish_fragments_never_panic(parts in proptest::collection::vec(
        prop_oneof![
            Just("<rss version=\"2.0\">"), Just("<channel>"), Just("<item>"), Just("</item>"),
            Just("<title>"), Just("</title>"), Just("<![CDATA["), Just("]]>"), Just("&nbsp;"),
            Just("&"), Just("<"), Just(">"), Just("<feed xmlns=\"http://www.w3.org/2005/Atom\">"),
            Just("<entry>"), Just("</entry>"), Just("<content type=\"xhtml\">"), Just("<div>"),
            Just("xml:base=\"x\""), Just("<link href=\"/a\"/>"), Just("Việt"), Just("<!--"),
            Just("-->"), Just("<?xml version=\"1.0\" encoding=\"windows-1258\"?>"), Just("\u{0}"),
            Just("{\"items\":[{\"id\":1},"), Just("<media:content url=\"a.jpg\"/>"),
        ], 0..60)) {
        let doc: String = parts.concat();
        let _ = read_feed(doc.as_bytes(), None, None);
    }

    #[test]
    fn truncations_and_flips_of_valid_feeds_never_panic(
        pick in any::<prop::sample::Index>(),
        cut in any::<prop::sample::Index>(),
        flip in any::<prop::sample::Index>(),
        byte in any::<u8>(),
    ) {
        let feeds = corpus();
        prop_assume!(!feeds.is_empty());
        let feed = pick.get(&feeds);
        let n = cut.index(feed.len() + 1);
        let mut bytes = feed.get(..n).unwrap_or_default().to_vec();
        let _ = read_feed(&bytes, None, None);
        if !bytes.is_empty() {
            let i = flip.index(bytes.len());
            bytes[i] = byte;
            let _ = read_feed(&bytes, Some("text/xml; charset=utf-8"), None);
        }
    }
}

/// The fast lane changes nothing on any corpus feed.
#[test]
fn the_fast_lane_reads_the_corpus_as_quick_xml_does() {
    let feeds = corpus();
    assert!(feeds.len() > 150);
    for (i, bytes) in feeds.iter().enumerate() {
        assert_eq!(
            read_feed(bytes, None, None),
            read_feed_reference(bytes, None, None),
            "corpus file #{i}"
        );
    }
}

/// Every prefix of a Vietnamese RSS feed reads without a panic, and a prefix that ends
/// after the n-th `</item>` keeps at least those n items.
#[test]
fn every_prefix_keeps_complete_items() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/read/rss2_vi_basic.xml");
    let bytes = fs::read(dir).expect("corpus file");
    let text = String::from_utf8(bytes.clone()).expect("utf-8");
    for n in 0..=bytes.len() {
        let prefix = bytes.get(..n).unwrap_or_default();
        let done = text.get(..n).map_or(0, |t| t.matches("</item>").count());
        match read_feed(prefix, None, None) {
            Ok(feed) => assert!(
                feed.items.len() >= done,
                "prefix {n}: {} < {done}",
                feed.items.len()
            ),
            Err(_) => assert_eq!(done, 0, "prefix {n} failed after {done} items"),
        }
    }
}
