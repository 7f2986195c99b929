//! What makes two items one article: within one source, the GUID (or, without one, the full
//! link with its fragment); across sources, the canonical URL or a global GUID. A feed of N
//! distinct articles builds to N articles, each whole.

mod e2e_support;

use std::path::Path;

use e2e_support::parse_feed;
use feedmill::config::Config;
use feedmill::pipeline::{build, BuildOptions, BuildReport};
use proptest::prelude::*;

/// A config in `dir` with one local source per `(name, file)` and a merged feed large
/// enough to show everything.
fn config(dir: &Path, sources: &[(&str, &str)]) -> Config {
    let mut toml = String::from(
        "[site]\ntitle = \"T\"\nbase_url = \"https://feeds.example.vn/\"\ntimezone = \"Asia/Ho_Chi_Minh\"\n\
         [merged]\nitems = 1000\n[feeds]\nitems = 1000\n",
    );
    for (name, file) in sources {
        toml.push_str(&format!(
            "[[source]]\nname = \"{name}\"\nurl = \"{file}\"\n"
        ));
    }
    let path = dir.join("feeds.toml");
    std::fs::write(&path, &toml).unwrap();
    Config::load(&path).unwrap_or_else(|e| panic!("{e:?}"))
}

fn run(cfg: &Config) -> BuildReport {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(build(cfg, &BuildOptions::default()))
        .expect("build")
}

fn rss(items: &str) -> String {
    format!(
        "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>C</title>\
         <link>https://example.com/</link>{items}</channel></rss>"
    )
}

fn merged(dir: &Path) -> feed_rs::model::Feed {
    parse_feed(&dir.join("public/other-news/atom.xml"))
}

#[test]
fn a_changelog_whose_items_link_to_fragments_builds_to_each_of_its_articles() {
    let tmp = tempfile::tempdir().unwrap();
    let items: String = [
        ("v1", "Version 1", "first", "Mon, 01 Jan 2024 10:00:00 +0000"),
        ("v11", "Version 1.1", "second", "Tue, 02 Jan 2024 10:00:00 +0000"),
        ("v12", "Version 1.2", "third", "Wed, 03 Jan 2024 10:00:00 +0000"),
    ]
    .iter()
    .map(|(frag, title, body, date)| {
        format!(
            "<item><title>{title}</title><link>https://example.com/changes#{frag}</link>\
             <guid isPermaLink=\"false\">changes-{frag}</guid><description>{body} release</description>\
             <pubDate>{date}</pubDate></item>"
        )
    })
    .collect();
    std::fs::write(tmp.path().join("c.rss"), rss(&items)).unwrap();
    let report = run(&config(tmp.path(), &[("changes", "c.rss")]));
    assert_eq!(report.articles, 3);
    let feed = merged(tmp.path());
    let mut got: Vec<(String, String, String, String)> = feed
        .entries
        .iter()
        .map(|e| {
            (
                e.title
                    .as_ref()
                    .map(|t| t.content.clone())
                    .unwrap_or_default(),
                e.links.first().map(|l| l.href.clone()).unwrap_or_default(),
                e.summary
                    .as_ref()
                    .map(|t| t.content.clone())
                    .unwrap_or_default(),
                e.published.map(|d| d.to_rfc3339()).unwrap_or_default(),
            )
        })
        .collect();
    got.sort();
    assert_eq!(
        got,
        vec![
            (
                "Version 1".into(),
                "https://example.com/changes#v1".into(),
                "first release".into(),
                "2024-01-01T10:00:00+00:00".into()
            ),
            (
                "Version 1.1".into(),
                "https://example.com/changes#v11".into(),
                "second release".into(),
                "2024-01-02T10:00:00+00:00".into()
            ),
            (
                "Version 1.2".into(),
                "https://example.com/changes#v12".into(),
                "third release".into(),
                "2024-01-03T10:00:00+00:00".into()
            ),
        ]
    );
}

#[test]
fn podcast_episodes_that_share_one_link_stay_distinct() {
    let tmp = tempfile::tempdir().unwrap();
    let items: String = (1..=20)
        .map(|i| {
            format!(
                "<item><title>Episode {i}</title><link>https://pod.example.com/</link>\
                 <guid isPermaLink=\"false\">ep-{i}</guid><pubDate>Mon, {i:02} Jan 2024 10:00:00 +0000</pubDate></item>"
            )
        })
        .collect();
    std::fs::write(tmp.path().join("p.rss"), rss(&items)).unwrap();
    let report = run(&config(tmp.path(), &[("pod", "p.rss")]));
    assert_eq!(report.articles, 20);
    let feed = merged(tmp.path());
    assert_eq!(feed.entries.len(), 20);
    let rss_feed = parse_feed(&tmp.path().join("public/other-news/rss.xml"));
    let mut ids: Vec<&str> = rss_feed.entries.iter().map(|e| e.id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 20, "every episode has its own GUID");
}

#[test]
fn an_empty_link_is_no_link_and_a_non_permalink_guid_is_no_link_either() {
    let tmp = tempfile::tempdir().unwrap();
    let items = "<item><title>A</title><link/><guid isPermaLink=\"false\">https://example.com/a</guid></item>\
                 <item><title>B</title><link></link><guid isPermaLink=\"false\">b</guid></item>\
                 <item><title>C</title><link>  </link><guid>c-3</guid></item>";
    std::fs::write(tmp.path().join("e.rss"), rss(items)).unwrap();
    let report = run(&config(tmp.path(), &[("e", "e.rss")]));
    assert_eq!(report.articles, 3);
    let feed = merged(tmp.path());
    for e in &feed.entries {
        assert!(
            e.links.is_empty(),
            "{:?} links to {:?}",
            e.title.as_ref().map(|t| &t.content),
            e.links
        );
    }
}

#[test]
fn an_item_with_only_content_is_kept_and_titled_from_its_text() {
    let tmp = tempfile::tempdir().unwrap();
    let items = "<item><content:encoded xmlns:content=\"http://purl.org/rss/1.0/modules/content/\">\
                 &lt;p&gt;Mưa lớn ở Lục Yên làm ngập nhiều tuyến đường&lt;/p&gt;</content:encoded></item>";
    std::fs::write(tmp.path().join("o.rss"), rss(items)).unwrap();
    let report = run(&config(tmp.path(), &[("o", "o.rss")]));
    assert_eq!(report.articles, 1);
    let feed = merged(tmp.path());
    assert_eq!(
        feed.entries[0].title.as_ref().map(|t| t.content.as_str()),
        Some("Mưa lớn ở Lục Yên làm ngập nhiều tuyến đường")
    );
}

#[test]
fn an_item_with_nothing_to_show_is_skipped_with_a_warning_naming_it() {
    let tmp = tempfile::tempdir().unwrap();
    let items = "<item><title>Kept</title></item>\
                 <item><guid isPermaLink=\"false\">empty-1</guid><pubDate>Mon, 01 Jan 2024 10:00:00 +0000</pubDate></item>\
                 <item></item>";
    std::fs::write(tmp.path().join("n.rss"), rss(items)).unwrap();
    let report = run(&config(tmp.path(), &[("n", "n.rss")]));
    assert_eq!(report.articles, 1);
    let w = &report.sources[0].warnings;
    assert!(
        w.iter()
            .any(|w| w.contains("item 2") && w.contains("empty-1") && w.contains("skipped")),
        "{w:?}"
    );
    assert!(
        w.iter()
            .any(|w| w.contains("item 3") && w.contains("skipped")),
        "{w:?}"
    );
}

#[test]
fn the_same_article_in_two_sources_is_one_record_kept_whole_with_the_union_of_tags() {
    let tmp = tempfile::tempdir().unwrap();
    let a = "<item><title>Short title</title><link>https://news.example.com/a?utm_source=x</link>\
             <description>short</description><category>one</category>\
             <pubDate>Mon, 01 Jan 2024 10:00:00 +0000</pubDate></item>";
    let b = "<item><title>The richer one</title><link>https://news.example.com/a#top</link>\
             <description>a much longer description of the same article</description><category>two</category>\
             <pubDate>Tue, 02 Jan 2024 10:00:00 +0000</pubDate></item>";
    std::fs::write(tmp.path().join("a.rss"), rss(a)).unwrap();
    std::fs::write(tmp.path().join("b.rss"), rss(b)).unwrap();
    let report = run(&config(tmp.path(), &[("a", "a.rss"), ("b", "b.rss")]));
    assert_eq!(report.articles, 1);
    let feed = merged(tmp.path());
    let e = &feed.entries[0];
    assert_eq!(
        e.title.as_ref().map(|t| t.content.as_str()),
        Some("The richer one")
    );
    assert_eq!(e.links[0].href, "https://news.example.com/a#top");
    assert_eq!(
        e.published.map(|d| d.to_rfc3339()).as_deref(),
        Some("2024-01-02T10:00:00+00:00"),
        "the date of the record kept, not the earliest of both"
    );
    let mut tags: Vec<&str> = e.categories.iter().map(|c| c.term.as_str()).collect();
    tags.sort_unstable();
    assert_eq!(tags, ["one", "two"]);
}

#[test]
fn a_link_one_source_gives_to_several_articles_identifies_none_of_them_across_sources() {
    let tmp = tempfile::tempdir().unwrap();
    let pod: String = (1..=3)
        .map(|i| {
            format!(
                "<item><title>Episode {i}</title><link>https://pod.example.com/</link><guid isPermaLink=\"false\">ep-{i}</guid></item>"
            )
        })
        .collect();
    let other =
        "<item><title>The show's home page</title><link>https://pod.example.com/</link></item>";
    std::fs::write(tmp.path().join("p.rss"), rss(&pod)).unwrap();
    std::fs::write(tmp.path().join("o.rss"), rss(other)).unwrap();
    let report = run(&config(tmp.path(), &[("pod", "p.rss"), ("other", "o.rss")]));
    assert_eq!(report.articles, 4);
}

/// One generated item: a distinct GUID, and a title, link and content that may be missing,
/// shared with other items, or differ only in their fragment.
#[derive(Debug, Clone)]
struct Gen {
    title: Option<u8>,
    link: Option<(u8, Option<u8>)>,
    content: Option<u8>,
    global_guid: bool,
}

fn gen_item() -> impl Strategy<Value = Gen> {
    (
        proptest::option::of(0u8..4),
        proptest::option::of((0u8..3, proptest::option::of(0u8..3))),
        proptest::option::of(0u8..3),
        any::<bool>(),
    )
        .prop_map(|(title, link, content, global_guid)| Gen {
            title,
            link,
            content,
            global_guid,
        })
        // An item needs something to show; one with nothing is skipped by design.
        .prop_filter("something to show", |g| {
            g.title.is_some() || g.link.is_some() || g.content.is_some()
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]
    #[test]
    fn n_items_with_n_distinct_guids_build_to_n_articles(items in proptest::collection::vec(gen_item(), 1..12)) {
        let tmp = tempfile::tempdir().unwrap();
        let body: String = items
            .iter()
            .enumerate()
            .map(|(i, g)| {
                let mut s = String::from("<item>");
                if let Some(t) = g.title {
                    s.push_str(&format!("<title>Title {t}</title>"));
                }
                match g.link {
                    Some((l, Some(f))) => s.push_str(&format!("<link>https://example.com/p{l}#f{f}</link>")),
                    Some((l, None)) => s.push_str(&format!("<link>https://example.com/p{l}</link>")),
                    None => s.push_str("<link/>"),
                }
                if let Some(c) = g.content {
                    s.push_str(&format!("<description>Body {c}</description>"));
                }
                if g.global_guid {
                    s.push_str(&format!("<guid>https://example.com/guid/{i}</guid>"));
                } else {
                    s.push_str(&format!("<guid isPermaLink=\"false\">g{i}</guid>"));
                }
                s.push_str("</item>");
                s
            })
            .collect();
        std::fs::write(tmp.path().join("f.rss"), rss(&body)).unwrap();
        let report = run(&config(tmp.path(), &[("f", "f.rss")]));
        prop_assert_eq!(report.articles, items.len());
        prop_assert_eq!(merged(tmp.path()).entries.len(), items.len());
    }
}

fn numbered_items(n: usize) -> String {
    (0..n)
        .map(|i| {
            format!(
                "<item><title>Item {i}</title><guid isPermaLink=\"false\">i{i}</guid>\
                 <description>&lt;p&gt;Body of item {i}&lt;/p&gt;</description></item>"
            )
        })
        .collect()
}

#[test]
fn a_source_keeps_at_most_items_per_source_items_and_says_how_many_it_read() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("big.rss"), rss(&numbered_items(2_500))).unwrap();
    let mut cfg = config(tmp.path(), &[("big", "big.rss")]);
    cfg.limits.items_per_source = 1_000;
    let report = run(&cfg);
    assert_eq!(report.sources[0].items, 2_500);
    assert_eq!(report.sources[0].articles, 1_000);
    assert_eq!(report.articles, 1_000);
    let w = &report.sources[0].warnings;
    assert!(
        w.iter().any(|w| w.contains("2500 items")
            && w.contains("first 1000")
            && w.contains("limits.items_per_source")),
        "{w:?}"
    );
    // The first ones in document order are the ones kept.
    let titles: Vec<String> = merged(tmp.path())
        .entries
        .iter()
        .filter_map(|e| e.title.as_ref().map(|t| t.content.clone()))
        .collect();
    assert!(titles.contains(&"Item 999".to_string()));
    assert!(!titles.contains(&"Item 1000".to_string()));
}

#[test]
fn reading_one_source_stops_at_its_time_budget_and_keeps_what_it_read() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("slow.rss"), rss(&numbered_items(5_000))).unwrap();
    let mut cfg = config(tmp.path(), &[("slow", "slow.rss")]);
    cfg.limits.items_per_source = 10_000;
    cfg.limits.read_time = std::time::Duration::from_millis(1);
    let report = run(&cfg);
    let s = &report.sources[0];
    assert!(s.articles >= 1 && s.articles < 5_000, "{}", s.articles);
    assert!(
        s.warnings
            .iter()
            .any(|w| w.contains("reading stopped") && w.contains("limits.read_time")),
        "{:?}",
        s.warnings
    );
}

#[test]
fn a_new_episode_sharing_the_show_link_never_takes_an_older_episodes_guid() {
    let tmp = tempfile::tempdir().unwrap();
    let episode = |i: u32| {
        format!(
            "<item><title>Episode {i}</title><link>https://pod.example.com/</link>\
             <guid isPermaLink=\"false\">ep-{i}</guid><pubDate>Mon, {i:02} Jan 2024 10:00:00 +0000</pubDate></item>"
        )
    };
    let guids = |dir: &Path| -> Vec<(String, String)> {
        let mut v: Vec<(String, String)> = parse_feed(&dir.join("public/other-news/rss.xml"))
            .entries
            .iter()
            .map(|e| {
                (
                    e.title
                        .as_ref()
                        .map(|t| t.content.clone())
                        .unwrap_or_default(),
                    e.id.clone(),
                )
            })
            .collect();
        v.sort();
        v
    };
    std::fs::write(tmp.path().join("p.rss"), rss(&(episode(2) + &episode(1)))).unwrap();
    let cfg = config(tmp.path(), &[("pod", "p.rss")]);
    run(&cfg);
    let before = guids(tmp.path());
    std::fs::write(
        tmp.path().join("p.rss"),
        rss(&(episode(3) + &episode(2) + &episode(1))),
    )
    .unwrap();
    run(&cfg);
    let after = guids(tmp.path());
    for g in &before {
        assert!(after.contains(g), "{g:?} changed its GUID: {after:?}");
    }
    assert_eq!(after.len(), 3);
}

#[test]
fn an_item_whose_title_is_only_an_image_or_that_has_only_an_image_is_kept() {
    let tmp = tempfile::tempdir().unwrap();
    let items = "<item><title>&lt;img src=\"https://img.example.com/cam-full.jpg\" alt=\"\" \
                 onclick=\"location.href='https://evil.example/'\" /&gt;</title></item>\
                 <item><title>&lt;img src=\"https://img.example.com/a.jpg\" alt=\"Cầu Mậu A\"&gt;</title></item>\
                 <item><media:content xmlns:media=\"http://search.yahoo.com/mrss/\" \
                 url=\"https://img.example.com/photos/ruong-bac-thang.jpg\" medium=\"image\"/></item>";
    std::fs::write(tmp.path().join("i.rss"), rss(items)).unwrap();
    let report = run(&config(tmp.path(), &[("img", "i.rss")]));
    assert_eq!(report.articles, 3, "{:?}", report.sources[0].warnings);
    let mut got: Vec<(String, String)> = parse_feed(&tmp.path().join("public/other-news/rss.xml"))
        .entries
        .iter()
        .map(|e| {
            (
                e.title
                    .as_ref()
                    .map(|t| t.content.clone())
                    .unwrap_or_default(),
                e.media
                    .first()
                    .and_then(|m| m.content.first())
                    .and_then(|c| c.url.as_ref())
                    .map(|u| u.to_string())
                    .unwrap_or_default(),
            )
        })
        .collect();
    got.sort();
    assert_eq!(
        got,
        vec![
            (
                "Cầu Mậu A".to_string(),
                "https://img.example.com/a.jpg".to_string()
            ),
            (
                "cam-full.jpg".to_string(),
                "https://img.example.com/cam-full.jpg".to_string()
            ),
            (
                "ruong-bac-thang.jpg".to_string(),
                "https://img.example.com/photos/ruong-bac-thang.jpg".to_string()
            ),
        ]
    );
}

#[test]
fn one_article_shared_by_many_sources_keeps_at_most_tags_per_article_tags() {
    let tmp = tempfile::tempdir().unwrap();
    let mut toml = String::from(
        "[site]\ntitle = \"T\"\nbase_url = \"https://feeds.example.vn/\"\n[limits]\ntags_per_article = 8\n",
    );
    let item = "<item><title>Shared</title><link>https://news.example.com/shared</link></item>";
    for i in 0..60 {
        std::fs::write(tmp.path().join(format!("s{i}.rss")), rss(item)).unwrap();
        toml.push_str(&format!(
            "[[source]]\nname = \"s{i}\"\nurl = \"s{i}.rss\"\ntags = [\"tag {i}\"]\n"
        ));
    }
    std::fs::write(tmp.path().join("feeds.toml"), toml).unwrap();
    let cfg = Config::load(&tmp.path().join("feeds.toml")).unwrap();
    let report = run(&cfg);
    assert_eq!(report.articles, 1);
    let feed = merged(tmp.path());
    assert_eq!(feed.entries[0].categories.len(), 8);
    // Eight tag feeds, the merged one (RSS, Atom, JSON Feed and a page each), and the
    // index, OPML, stylesheet and icon: the output does not grow with the number of
    // sources sharing the article.
    let files = e2e_support::files_below(&tmp.path().join("public")).len();
    assert!(files <= 4 * 9 + 5, "{files} files");
}
