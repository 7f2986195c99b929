//! Whatever text articles carry, every written file is well-formed XML that feed-rs reads
//! back with the same entries.

use std::collections::BTreeMap;
use std::path::Path;

use chrono::{DateTime, FixedOffset, TimeZone};
use feedmill::config::Config;
use feedmill::emit::{emit, plan};
use feedmill::model::{Article, Tag};
use feedmill::text::tag_key;
use proptest::prelude::*;

/// Text with the characters that break naive writers: markup, entities, CDATA ends,
/// controls, Vietnamese and astral characters.
fn nasty_text() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            Just("<".to_string()),
            Just("&".to_string()),
            Just("]]>".to_string()),
            Just("\"'".to_string()),
            Just("\u{0}\u{1}\u{b}\u{1f}".to_string()),
            Just("\u{FFFE}\u{FFFF}".to_string()),
            Just("Lục Yên Đảng bộ".to_string()),
            Just("&amp;&#x1;".to_string()),
            Just("\r\n\t ".to_string()),
            any::<String>(),
        ],
        0..6,
    )
    .prop_map(|v| v.concat())
}

fn article(i: usize, title: String, body: String, tag: String, secs: i64) -> Article {
    let published: Option<DateTime<FixedOffset>> =
        FixedOffset::east_opt(7 * 3600).and_then(|tz| tz.timestamp_opt(secs, 0).single());
    Article {
        id: format!("{i}:{tag}"),
        source: "s".into(),
        source_guid: None,
        url: Some(format!("https://example.vn/{i}?q={}", title.len())),
        title,
        summary: body.clone(),
        content: body.clone(),
        authors: vec![body.chars().take(10).collect()],
        published: (secs % 3 != 0).then_some(published).flatten(),
        updated: None,
        image: Some(body.clone()),
        tags: vec![Tag {
            key: tag_key(&tag),
            name: tag,
        }],
        categories: vec![body],
        ..Default::default()
    }
}

fn check_xml(bytes: &[u8], name: &str) {
    let text = std::str::from_utf8(bytes).unwrap_or_else(|e| panic!("{name}: not UTF-8: {e}"));
    let mut r = quick_xml::Reader::from_str(text);
    loop {
        match r.read_event() {
            Ok(quick_xml::events::Event::Eof) => break,
            Ok(_) => {}
            Err(e) => panic!("{name}: malformed at {}: {e}", r.buffer_position()),
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn any_text_gives_well_formed_feeds(
        items in prop::collection::vec(
            (nasty_text(), nasty_text(), nasty_text(), 0i64..4_000_000_000),
            1..5,
        ),
        site_title in nasty_text(),
    ) {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut cfg = Config::minimal(dir.path());
        cfg.site.title = site_title;
        cfg.site.timezone = chrono_tz::Asia::Ho_Chi_Minh;
        let arts: Vec<Article> = items
            .into_iter()
            .enumerate()
            .map(|(i, (t, b, tag, secs))| article(i, t, b, tag, secs))
            .collect();
        let out = dir.path().join("public");
        let p = plan(&arts, &cfg, &BTreeMap::new());
        let report = emit(&p, &arts, &cfg, Path::new(&out)).expect("emit");
        // RSS, Atom, JSON Feed and a page per feed; the OPML, the index, the stylesheet,
        // the icon.
        prop_assert_eq!(report.written.len(), p.feeds.len() * 4 + 4);
        for f in &report.written {
            let bytes = std::fs::read(f).expect("read");
            let name = f.display().to_string();
            if name.ends_with(".xml") || name.ends_with(".opml") {
                check_xml(&bytes, &name);
            }
            if name.ends_with(".xml") || name.ends_with(".json") {
                let feed = feed_rs::parser::parse(&bytes[..])
                    .unwrap_or_else(|e| panic!("{name}: feed-rs: {e}"));
                let planned = p
                    .feeds
                    .iter()
                    .find(|pf| name.contains(&format!("/{}/", pf.dir())))
                    .expect("file of a planned feed");
                prop_assert_eq!(feed.entries.len(), planned.articles.len(), "{}", name);
            }
        }
    }
}

proptest! {
    #[test]
    fn every_tag_gets_one_unique_safe_slug(
        names in prop::collection::vec(
            prop_oneof![
                Just("Lúa".to_string()),
                Just("Lụa".to_string()),
                Just("LUA".to_string()),
                Just("lua 2".to_string()),
                Just("lua-2".to_string()),
                Just("Lục Yên".to_string()),
                "\\PC{1,8}",
            ],
            1..30,
        ),
        known in prop::collection::btree_map("\\PC{1,6}", "[a-z]{1,3}(-[0-9])?", 0..5),
    ) {
        let dir = tempfile::tempdir().expect("tempdir");
        let cfg = Config::minimal(dir.path());
        let arts: Vec<Article> = names
            .iter()
            .enumerate()
            .map(|(i, n)| article(i, n.clone(), String::new(), n.clone(), i as i64 * 1000 + 1))
            .filter(|a| a.tags.iter().all(|t| !t.key.is_empty()))
            .collect();
        let known: BTreeMap<String, String> =
            known.into_iter().map(|(k, v)| (tag_key(&k), v)).collect();
        let p = plan(&arts, &cfg, &known);
        let mut seen = std::collections::HashSet::new();
        for f in p.feeds.iter().filter(|f| f.kind == feedmill::emit::FeedKind::Tag) {
            prop_assert!(feedmill::text::is_slug(&f.slug), "{}", f.slug);
            prop_assert!(seen.insert(f.slug.clone()), "duplicate slug {}", f.slug);
        }
        let keys: std::collections::BTreeSet<&str> =
            arts.iter().flat_map(|a| a.tags.iter().map(|t| t.key.as_str())).collect();
        prop_assert_eq!(seen.len(), keys.len());
        for k in keys {
            let slug = p.tag_slugs.get(k).expect("every tag has a slug");
            prop_assert!(seen.contains(slug));
            if let Some(old) = known.get(k) {
                // A remembered slug is kept unless another key remembered it first.
                let claimed_before = known.iter().any(|(k2, s2)| k2.as_str() < k && s2 == old);
                prop_assert!(claimed_before || slug == old, "{k}: {old} -> {slug}");
            }
        }
        // Remembered slugs are never handed to another key.
        for (k, s) in &known {
            if let Some((owner, _)) = p.tag_slugs.iter().find(|(k2, s2)| *s2 == s && *k2 != k) {
                let first = known.iter().find(|(_, s2)| *s2 == s).map(|(k2, _)| k2);
                prop_assert_eq!(Some(owner), first);
            }
        }
    }
}
