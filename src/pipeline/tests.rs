//! The pipeline's own helpers.

use chrono::DateTime;

use super::dedup;
use crate::model::{Article, Tag};

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
    // Same id in two sources (never made by normalize, but dedup's disambiguation must
    // still see it).
    articles.push(art("d", "a1", Some("https://d.vn/1"), None, Some(9)));

    let everything = crate::normalize::dedup(articles.clone());
    let fast = dedup(articles);
    assert!(
        everything.len() < 60 + 12 + 9 + 1,
        "the sample has duplicates"
    );
    assert_eq!(fast, everything);
}
