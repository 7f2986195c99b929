//! The pipeline's own helpers.

use chrono::DateTime;

use super::dedup::{dedup, fill_text};
use crate::config::LimitsCfg;
use crate::model::{Article, Tag};
use crate::store::{ArticleHead, SqliteStore, Store};

fn art(source: &str, id: &str, url: Option<&str>, guid: Option<&str>, day: Option<u32>) -> Article {
    Article {
        id: id.into(),
        source: source.into(),
        source_guid: guid.map(String::from),
        url: url.map(String::from),
        title: format!("Bài {id}"),
        summary: format!("Tóm tắt {id}"),
        content: format!("<p>{id}</p>"),
        authors: vec![format!("Tác giả {source}")],
        published: day.and_then(|d| {
            DateTime::parse_from_rfc3339(&format!("2025-03-{d:02}T08:00:00+07:00")).ok()
        }),
        updated: None,
        image: None,
        tags: vec![Tag {
            key: format!("thẻ {source}"),
            name: format!("Thẻ {source}"),
        }],
        categories: vec![format!("Mục {source}")],
        ..Default::default()
    }
}

#[test]
fn dedup_over_possible_duplicates_equals_dedup_over_everything() {
    let mut articles = Vec::new();
    for i in 0..60u32 {
        let day = (i % 7 != 0).then_some(1 + i % 28);
        // Every fifth article shares its URL with one of source b; every seventh has a
        // global GUID also carried by source c; source c links b's and a's (transitive).
        let url = format!("https://a.vn/{}", if i % 5 == 0 { i / 5 } else { 1000 + i });
        let guid = (i % 7 == 0).then(|| format!("tag:a.vn,2025:{i}"));
        articles.push(art("a", &format!("a{i}"), Some(&url), guid.as_deref(), day));
    }
    for j in 0..12u32 {
        let url = format!("https://a.vn/{j}");
        articles.push(art(
            "b",
            &format!("b{j}"),
            Some(&url),
            Some("42"),
            Some(3 + j),
        ));
    }
    for k in (0..60u32).step_by(7) {
        let guid = format!(" tag:a.vn,2025:{k}");
        articles.push(art("c", &format!("c{k}"), None, Some(&guid), None));
    }
    // Same id in two sources (never made by normalize, which scopes ids by source): two
    // articles all the same.
    articles.push(art("d", "a1", Some("https://d.vn/1"), None, Some(9)));

    let everything = crate::normalize::dedup(articles.clone(), &LimitsCfg::default());
    assert!(
        everything.len() < 60 + 12 + 9 + 1,
        "the sample has duplicates"
    );

    // Complete articles (no versions): nothing is read from the store.
    let dir = tempfile::tempdir().unwrap();
    let empty = SqliteStore::open(&dir.path().join("empty.db")).unwrap();
    let heads = articles
        .iter()
        .cloned()
        .map(|article| ArticleHead {
            article,
            text: true,
            version: None,
        })
        .collect();
    let fast = dedup(heads, &empty, &LimitsCfg::default()).unwrap();
    assert!(fast.versions.iter().all(Option::is_none));
    assert!(fast.text.iter().all(|&t| t));
    assert_eq!(newest_first(fast.articles), everything);

    // Heads from a store: the possible duplicates are read in full, the others stay heads.
    let mut store = SqliteStore::open(&dir.path().join("full.db")).unwrap();
    let now = DateTime::parse_from_rfc3339("2025-04-01T00:00:00Z")
        .unwrap()
        .to_utc();
    for source in ["a", "b", "c", "d"] {
        let of_source: Vec<Article> = articles
            .iter()
            .filter(|a| a.source == source)
            .cloned()
            .collect();
        store.upsert_source(source, of_source, now).unwrap();
    }
    let stored = store.articles().unwrap();
    let fast = dedup(
        store.article_heads(false).unwrap(),
        &store,
        &LimitsCfg::default(),
    )
    .unwrap();
    assert_eq!(fast.articles.len(), everything.len());
    let heads = fast.text.iter().filter(|&&t| !t).count();
    assert!(heads > 0 && heads < fast.articles.len(), "{heads} heads");
    for ((a, v), t) in fast.articles.iter().zip(&fast.versions).zip(&fast.text) {
        if *t {
            assert!(!a.content.is_empty(), "{a:?}");
        } else {
            assert!(a.content.is_empty() && a.title.is_empty(), "{a:?}");
            assert!(v.is_some(), "a head without its text has a version");
        }
    }
    // Filled in, the heads give exactly what deduplicating every complete article gives.
    let mut filled = fast.articles;
    let need: Vec<usize> = (0..fast.text.len()).filter(|&i| !fast.text[i]).collect();
    fill_text(&mut filled, &need, &store).unwrap();
    let expected = crate::normalize::dedup(stored.clone(), &LimitsCfg::default());
    assert_eq!(newest_first(filled), expected);

    // Asked with their text, the same heads come complete, with the same versions.
    let full = dedup(
        store.article_heads(true).unwrap(),
        &store,
        &LimitsCfg::default(),
    )
    .unwrap();
    assert!(full.text.iter().all(|&t| t));
    assert_eq!(full.versions, fast.versions);
    assert_eq!(newest_first(full.articles), expected);
}

fn newest_first(mut articles: Vec<Article>) -> Vec<Article> {
    articles.sort_by(crate::normalize::dedup::newest_first);
    articles
}

#[test]
fn heads_carry_a_version_that_moves_with_any_stored_change() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = SqliteStore::open(&dir.path().join("s.db")).unwrap();
    let now = DateTime::parse_from_rfc3339("2025-04-01T00:00:00Z")
        .unwrap()
        .to_utc();
    let a = art("a", "a1", Some("https://a.vn/1"), None, Some(2));
    store.upsert_source("a", vec![a.clone()], now).unwrap();
    let first = store.article_heads(false).unwrap();
    assert_eq!(first.len(), 1);
    store.upsert_source("a", vec![a.clone()], now).unwrap();
    assert_eq!(
        store.article_heads(false).unwrap(),
        first,
        "seen again as it was"
    );
    let mut changed = a.clone();
    changed.content.push_str("<p>thêm</p>");
    store.upsert_source("a", vec![changed], now).unwrap();
    let second = store.article_heads(false).unwrap();
    assert_ne!(second[0].version, first[0].version, "the text changed");
    assert_eq!(second[0].article.id, "a1");
    let full = store
        .articles_by_key(&[("a", "a1"), ("a", "nope")])
        .unwrap();
    assert_eq!(full.len(), 1);
    assert!(full[0].content.ends_with("<p>thêm</p>"));
}
