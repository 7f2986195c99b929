//! The planning rules: which feeds exist, their names, slugs and article order.

use std::collections::BTreeMap;
use std::path::Path;

use chrono::{DateTime, FixedOffset};
use feedmill::config::{CategoryCfg, Config};
use feedmill::emit::{plan, FeedKind, Plan, PlannedFeed};
use feedmill::model::{Article, Tag};
use feedmill::text::tag_key;

fn date(s: &str) -> Option<DateTime<FixedOffset>> {
    Some(DateTime::parse_from_rfc3339(s).expect("test date"))
}

fn article(
    id: &str,
    published: Option<DateTime<FixedOffset>>,
    tags: &[&str],
    cats: &[&str],
) -> Article {
    Article {
        id: id.to_string(),
        source: "src".into(),
        source_guid: None,
        url: Some(format!("https://example.vn/{id}")),
        title: format!("Title {id}"),
        summary: String::new(),
        content: String::new(),
        authors: vec![],
        published,
        updated: None,
        image: None,
        tags: tags
            .iter()
            .map(|t| Tag {
                key: tag_key(t),
                name: (*t).to_string(),
            })
            .collect(),
        categories: cats.iter().map(|c| (*c).to_string()).collect(),
        ..Default::default()
    }
}

fn cfg() -> Config {
    Config::minimal(Path::new("/tmp/feedmill-test"))
}

fn category(name: &str, slug: &str) -> CategoryCfg {
    CategoryCfg {
        name: name.into(),
        slug: slug.into(),
        sources: vec![],
        tags: vec![],
        pattern: None,
    }
}

fn feed<'p>(p: &'p Plan, kind: FeedKind, slug: &str) -> &'p PlannedFeed {
    p.feeds
        .iter()
        .find(|f| f.kind == kind && f.slug == slug)
        .unwrap_or_else(|| panic!("no {kind:?} feed {slug}; have {:?}", slugs(p)))
}

fn slugs(p: &Plan) -> Vec<(FeedKind, String)> {
    p.feeds.iter().map(|f| (f.kind, f.slug.clone())).collect()
}

fn tag_slugs_of(p: &Plan) -> Vec<&str> {
    p.feeds
        .iter()
        .filter(|f| f.kind == FeedKind::Tag)
        .map(|f| f.slug.as_str())
        .collect()
}

fn ids(articles: &[Article], f: &PlannedFeed) -> Vec<String> {
    f.articles.iter().map(|&i| articles[i].id.clone()).collect()
}

#[test]
fn tag_min_articles_drops_small_tags() {
    let arts = vec![
        article("a", date("2024-01-01T00:00:00Z"), &["Lục Yên", "Chè"], &[]),
        article("b", date("2024-01-02T00:00:00Z"), &["Lục Yên"], &[]),
    ];
    let mut c = cfg();
    c.feeds.tag_min_articles = 2;
    let p = plan(&arts, &c, &BTreeMap::new());
    assert_eq!(tag_slugs_of(&p), vec!["luc-yen"]);
    assert_eq!(
        p.tag_slugs.get("lục yên").map(String::as_str),
        Some("luc-yen")
    );
    assert!(!p.tag_slugs.contains_key("chè"));

    c.feeds.tag_min_articles = 1;
    let p = plan(&arts, &c, &BTreeMap::new());
    assert_eq!(tag_slugs_of(&p), vec!["che", "luc-yen"]);
}

#[test]
fn display_name_is_the_most_frequent_spelling_ties_to_the_newest() {
    let arts = vec![
        article("a", date("2024-01-01T00:00:00Z"), &["LỤC YÊN"], &[]),
        article("b", date("2024-01-02T00:00:00Z"), &["Lục Yên"], &[]),
        article("c", date("2024-01-03T00:00:00Z"), &["Lục Yên"], &[]),
        article("d", date("2024-01-04T00:00:00Z"), &["chè"], &[]),
        article("e", date("2024-01-05T00:00:00Z"), &["Chè"], &[]),
    ];
    let p = plan(&arts, &cfg(), &BTreeMap::new());
    assert_eq!(feed(&p, FeedKind::Tag, "luc-yen").name, "Lục Yên");
    // One each: the newest article (e) spells it "Chè".
    assert_eq!(feed(&p, FeedKind::Tag, "che").name, "Chè");
    assert_eq!(
        ids(&arts, feed(&p, FeedKind::Tag, "luc-yen")),
        vec!["c", "b", "a"]
    );
}

#[test]
fn a_tie_goes_to_mixed_case_over_a_phrase_in_capitals_but_acronyms_stand() {
    let arts = vec![
        article(
            "a",
            date("2022-05-15T00:00:00Z"),
            &["Đảng bộ xã", "Hđnd"],
            &[],
        ),
        article(
            "b",
            date("2022-05-16T00:00:00Z"),
            &["ĐẢNG BỘ XÃ", "HĐND"],
            &[],
        ),
    ];
    let p = plan(&arts, &cfg(), &BTreeMap::new());
    // One each, and the newer article shouts: the mixed-case spelling is the name.
    assert_eq!(feed(&p, FeedKind::Tag, "dang-bo-xa").name, "Đảng bộ xã");
    // A single all-capitals word is an acronym: the newest spelling wins as before.
    assert_eq!(feed(&p, FeedKind::Tag, "hdnd").name, "HĐND");
}

#[test]
fn colliding_slugs_get_suffixes_oldest_tag_keeps_plain_slug() {
    let arts = vec![
        article("new", date("2024-05-01T00:00:00Z"), &["Lúa"], &[]),
        article("old", date("2023-01-01T00:00:00Z"), &["Lụa"], &[]),
        article("mid", date("2024-01-01T00:00:00Z"), &["LUA"], &[]),
    ];
    let p = plan(&arts, &cfg(), &BTreeMap::new());
    assert_eq!(p.tag_slugs.get("lụa").map(String::as_str), Some("lua"));
    assert_eq!(p.tag_slugs.get("lua").map(String::as_str), Some("lua-2"));
    assert_eq!(p.tag_slugs.get("lúa").map(String::as_str), Some("lua-3"));
    assert_eq!(ids(&arts, feed(&p, FeedKind::Tag, "lua")), vec!["old"]);
    assert_eq!(ids(&arts, feed(&p, FeedKind::Tag, "lua-3")), vec!["new"]);
    assert_eq!(feed(&p, FeedKind::Tag, "lua-3").name, "Lúa");
}

#[test]
fn known_slugs_are_honoured_and_reserved() {
    let mut arts = vec![
        article("a", date("2023-01-01T00:00:00Z"), &["Lụa"], &[]),
        article("b", date("2024-01-01T00:00:00Z"), &["Lúa"], &[]),
    ];
    arts.push(article("c", date("2022-01-01T00:00:00Z"), &["Chế"], &[]));
    // An earlier build gave `lúa` the plain slug; the older tag seen later must not take it.
    let mut known = BTreeMap::new();
    known.insert("lúa".to_string(), "lua".to_string());
    // A tag no article carries keeps its slug reserved in this build, then gives it up
    // (it is left out of the slugs to remember).
    known.insert("chè".to_string(), "che".to_string());
    let p = plan(&arts, &cfg(), &known);
    assert_eq!(p.tag_slugs.get("lúa").map(String::as_str), Some("lua"));
    assert_eq!(p.tag_slugs.get("lụa").map(String::as_str), Some("lua-2"));
    assert_eq!(p.tag_slugs.get("chế").map(String::as_str), Some("che-2"));
    assert_eq!(p.tag_slugs.get("chè"), None);
    assert_eq!(tag_slugs_of(&p), vec!["che-2", "lua", "lua-2"]);
    // Feeding the map back gives the same plan.
    let again = plan(&arts, &cfg(), &p.tag_slugs);
    assert_eq!(again, p);
}

#[test]
fn ordering_newest_first_undated_last_ties_by_id_and_truncation() {
    let mut upd = article("upd", None, &["t"], &[]);
    upd.updated = date("2024-03-15T00:00:00Z");
    let arts = vec![
        article("z-undated", None, &["t"], &[]),
        article("b", date("2024-03-01T10:00:00+07:00"), &["t"], &[]),
        article("a", date("2024-03-01T03:00:00Z"), &["t"], &[]), // same instant as b
        article("newest", date("2024-04-01T00:00:00Z"), &["t"], &[]),
        upd,
        article("a-undated", None, &["t"], &[]),
    ];
    let mut c = cfg();
    let p = plan(&arts, &c, &BTreeMap::new());
    let merged = feed(&p, FeedKind::Merged, "other-news");
    assert_eq!(merged.name, "Các tin khác");
    assert_eq!(
        ids(&arts, merged),
        vec!["newest", "upd", "a", "b", "a-undated", "z-undated"]
    );
    c.feeds.items = 3;
    c.merged.items = 2;
    let p = plan(&arts, &c, &BTreeMap::new());
    assert_eq!(
        ids(&arts, feed(&p, FeedKind::Tag, "t")),
        vec!["newest", "upd", "a"]
    );
    assert_eq!(
        ids(&arts, feed(&p, FeedKind::Merged, "other-news")),
        vec!["newest", "upd"]
    );
    // The tag still counts all six articles for tag_min_articles.
    c.feeds.tag_min_articles = 6;
    let p = plan(&arts, &c, &BTreeMap::new());
    assert_eq!(tag_slugs_of(&p), vec!["t"]);
    c.feeds.tag_min_articles = 7;
    let p = plan(&arts, &c, &BTreeMap::new());
    assert!(tag_slugs_of(&p).is_empty());
}

#[test]
fn category_slugs_config_empty_and_derived() {
    let arts = vec![
        article(
            "a",
            date("2024-01-01T00:00:00Z"),
            &[],
            &["Nông nghiệp", "Thời sự"],
        ),
        article("b", date("2024-01-02T00:00:00Z"), &[], &["NÔNG NGHIỆP"]),
        article("c", date("2024-01-03T00:00:00Z"), &[], &["Thời Sự"]),
    ];
    let mut c = cfg();
    c.categories = vec![
        category("Nông nghiệp", "nn"),
        category("Văn hóa", "van-hoa"),
    ];
    let p = plan(&arts, &c, &BTreeMap::new());
    let cats: Vec<_> = p
        .feeds
        .iter()
        .filter(|f| f.kind == FeedKind::Category)
        .map(|f| (f.slug.as_str(), f.name.as_str(), ids(&arts, f)))
        .collect();
    // Configured first in config order (the empty one too), then the others; a tie in
    // spelling counts goes to the newest article's spelling (c: "Thời Sự").
    assert_eq!(
        cats,
        vec![
            ("nn", "Nông nghiệp", vec!["b".to_string(), "a".to_string()]),
            ("van-hoa", "Văn hóa", vec![]),
            ("thoi-su", "Thời Sự", vec!["c".to_string(), "a".to_string()]),
        ]
    );
    assert_eq!(p.feeds[0].kind, FeedKind::Merged);
}

#[test]
fn category_slug_collisions_get_suffixes() {
    let arts = vec![
        article("a", date("2024-01-01T00:00:00Z"), &[], &["Lúa"]),
        article("b", date("2023-01-01T00:00:00Z"), &[], &["Lụa"]),
        article("c", date("2023-01-01T00:00:00Z"), &[], &["Chè"]),
    ];
    let mut c = cfg();
    c.categories = vec![category("Cây chè", "che")];
    let p = plan(&arts, &c, &BTreeMap::new());
    assert_eq!(feed(&p, FeedKind::Category, "lua").name, "Lụa");
    assert_eq!(feed(&p, FeedKind::Category, "lua-2").name, "Lúa");
    assert_eq!(feed(&p, FeedKind::Category, "che").name, "Cây chè");
    assert_eq!(feed(&p, FeedKind::Category, "che-2").name, "Chè");
}

#[test]
fn plan_is_independent_of_input_order() {
    let arts = vec![
        article("a", date("2024-01-01T00:00:00Z"), &["Lúa", "x"], &["A"]),
        article("b", date("2024-01-01T00:00:00Z"), &["Lụa", "x"], &["a"]),
        article("c", None, &["lua"], &[]),
    ];
    let p1 = plan(&arts, &cfg(), &BTreeMap::new());
    let mut rev = arts.clone();
    rev.reverse();
    let p2 = plan(&rev, &cfg(), &BTreeMap::new());
    type View = Vec<(FeedKind, String, String, Vec<String>)>;
    let view = |p: &Plan, a: &[Article]| -> View {
        p.feeds
            .iter()
            .map(|f| (f.kind, f.slug.clone(), f.name.clone(), ids(a, f)))
            .collect()
    };
    assert_eq!(view(&p1, &arts), view(&p2, &rev));
    assert_eq!(p1.tag_slugs, p2.tag_slugs);
}

#[test]
fn merged_slug_never_leaves_its_folder_or_shadows_tag_and_category() {
    let arts = vec![article("a", date("2024-01-01T00:00:00Z"), &["x"], &[])];
    let mut c = cfg();
    c.merged.slug = "../Tin Khác".into();
    let p = plan(&arts, &c, &BTreeMap::new());
    assert_eq!(p.feeds[0].dir(), "tin-khac");
    c.merged.slug = "tag".into();
    let p = plan(&arts, &c, &BTreeMap::new());
    assert_eq!(p.feeds[0].dir(), "tag-feed");
}
