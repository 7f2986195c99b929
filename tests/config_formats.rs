//! The keys of the formats: `[feeds] json_feed` and `archives`, daily digests
//! (`digest`, `digest_time` in `[merged]`, `[[category]]` and `[tags]` with
//! `digest_tags`), and `[limits] enclosures_per_article` and `digest_articles`: their
//! defaults, their values, and every mistake reported at its line and column.

use std::path::Path;

use chrono::NaiveTime;
use feedmill::config::Config;

mod config_support;
use config_support::{parse, SITE};

fn hm(h: u32, m: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(h, m, 0).unwrap()
}

/// The errors of `text` as (line, column, message).
fn errors(text: &str) -> Vec<(usize, usize, String)> {
    match parse(text) {
        Ok(_) => panic!("accepted:\n{text}"),
        Err(e) => e
            .into_iter()
            .map(|e| (e.line, e.column, e.message))
            .collect(),
    }
}

#[test]
fn defaults_are_json_feed_and_archives_on_no_digest() {
    let cfg = parse(SITE).unwrap();
    assert!(cfg.feeds.json_feed && cfg.feeds.archives);
    assert_eq!(cfg.digests, Default::default());
    assert_eq!(cfg.limits.enclosures_per_article, 16);
    assert_eq!(cfg.limits.digest_articles, 200);
}

#[test]
fn every_formats_key_with_its_value() {
    let cfg = parse(&format!(
        "{SITE}[feeds]\njson_feed = false\narchives = false\n\
         [merged]\ndigest = \"daily\"\n\
         [limits]\nenclosures_per_article = 3\ndigest_articles = 20\n\
         [[category]]\nname = \"Nông nghiệp\"\ndigest = \"daily\"\ndigest_time = \"07:15\"\n\
         [[category]]\nname = \"Thời sự\"\n\
         [tags]\ndigest = \"daily\"\ndigest_time = \"21:00\"\ndigest_tags = [\"Lục Yên\", \"chè\"]\n"
    ))
    .unwrap_or_else(|e| panic!("{e:?}"));
    assert!(!cfg.feeds.json_feed && !cfg.feeds.archives);
    assert_eq!(cfg.digests.merged, Some(hm(6, 0)), "06:00 by default");
    assert_eq!(
        cfg.digests.categories.into_iter().collect::<Vec<_>>(),
        [("nông nghiệp".to_string(), hm(7, 15))]
    );
    assert_eq!(
        cfg.digests.tags.into_iter().collect::<Vec<_>>(),
        [
            ("Lục Yên".to_string(), hm(21, 0)),
            ("chè".to_string(), hm(21, 0))
        ]
    );
    assert_eq!(cfg.limits.enclosures_per_article, 3);
    assert_eq!(cfg.limits.digest_articles, 20);
}

#[test]
fn digest_mistakes_are_reported_where_they_are_written() {
    // Lines: 1-3 [site], 4 [merged], 5 digest, 6 digest_time.
    let e = errors(&format!(
        "{SITE}[merged]\ndigest = \"weekly\"\ndigest_time = \"6h\"\n"
    ));
    assert_eq!(e.len(), 2, "{e:?}");
    assert_eq!((e[0].0, e[0].1), (5, 10));
    assert!(
        e[0].2
            .contains("`merged.digest`: \"weekly\" is not a digest cadence"),
        "{}",
        e[0].2
    );
    assert_eq!((e[1].0, e[1].1), (6, 15));
    assert!(
        e[1].2
            .contains("\"6h\" is not a time of day; write it as \"06:00\""),
        "{}",
        e[1].2
    );

    let e = errors(&format!(
        "{SITE}[[category]]\nname = \"Nông nghiệp\"\ndigest_time = \"25:00\"\n"
    ));
    assert_eq!(e.len(), 2, "{e:?}");
    assert!(e.iter().all(|x| x.0 == 6 && x.1 == 15), "{e:?}");
    assert!(e.iter().any(|x| x
        .2
        .contains("`category.digest_time` is set but `category.digest` is not")));

    let e = errors(&format!("{SITE}[tags]\ndigest = \"daily\"\n"));
    assert_eq!(e.len(), 1);
    assert_eq!((e[0].0, e[0].1), (5, 10));
    assert!(
        e[0].2.contains("`tags.digest` needs `tags.digest_tags`"),
        "{}",
        e[0].2
    );

    let e = errors(&format!("{SITE}[tags]\ndigest_tags = [\"Lục Yên\"]\n"));
    assert_eq!((e[0].0, e[0].1, e.len()), (5, 15, 1), "{e:?}");
    assert!(e[0]
        .2
        .contains("`tags.digest_tags` is set but `tags.digest` is not"));

    let e = errors(&format!(
        "{SITE}[feeds]\njson_feed = \"yes\"\narchive = true\n"
    ));
    assert_eq!(e.len(), 2, "{e:?}");
    assert_eq!((e[0].0, e[0].1), (5, 13));
    assert!(e[0].2.contains("expected true or false"));
    assert_eq!((e[1].0, e[1].1), (6, 1));
    assert!(e[1].2.contains("did you mean `archives`?"), "{}", e[1].2);

    let e = errors(&format!("{SITE}[limits]\ndigest_articles = 0\n"));
    assert_eq!((e[0].0, e[0].1), (5, 19));
}

#[test]
fn the_shipped_feeds_toml_sets_the_new_keys_to_their_defaults() {
    let cfg = Config::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("feeds.toml")).unwrap();
    let defaults = parse(SITE).unwrap();
    assert_eq!(cfg.feeds.json_feed, defaults.feeds.json_feed);
    assert_eq!(cfg.feeds.archives, defaults.feeds.archives);
    assert_eq!(cfg.limits, defaults.limits);
}
