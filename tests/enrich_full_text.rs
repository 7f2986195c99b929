//! Full text for a summary-only feed, end to end: a loopback site whose feed carries one
//! line per item and whose article pages carry the whole article among menus, comments,
//! share buttons, related posts and ads (tests/data/sites/fulltext/), built with
//! `full_text` by the library's `build` and read back from the store and the written feeds.

mod e2e_support;
mod enrich_support;

use e2e_support::parse_feed;
use enrich_support::{config, run, site_dir, stored, text, truth, Site, FURNITURE};
use feedmill::pipeline::SourceStatus;

const PAGES: [(&str, &str); 3] = [
    (
        "bai-1",
        "Lục Yên nâng cao chất lượng sinh hoạt chi bộ nông thôn",
    ),
    ("bai-2", "Khe Cọ vào mùa thu hoạch quế"),
    ("bai-3", "Thư viện thân thiện ở Trường THCS Khánh Hòa"),
];

/// The site and a second loopback server (another origin) that counts its requests.
fn sites() -> (Site, Site) {
    let other = Site::start(site_dir(), &[]);
    let site = Site::start(site_dir(), &[("OTHER", &other.origin)]);
    (site, other)
}

fn feed_source(site: &Site, full_text: &str) -> String {
    format!(
        "[fetch]\nper_host = 2\nretries = 0\n\n[[source]]\nname = \"lucyen\"\nurl = \"{}\"\n{full_text}\n",
        site.url("/feed.xml")
    )
}

/// Every article's content is its page's whole body: first and last sentence there, none
/// of the furniture, its links and images absolute.
fn assert_full_bodies(cfg: &feedmill::config::Config, site: &Site) {
    let articles = stored(cfg);
    for (page, title) in PAGES {
        let a = articles
            .get(title)
            .unwrap_or_else(|| panic!("{title} stored"));
        let body = text(&a.content);
        let truth = truth(page);
        for sentence in [&truth[0], &truth[truth.len() - 1]] {
            assert!(
                body.contains(sentence.as_str()),
                "{page}: {sentence:?} missing from {body:?}"
            );
        }
        for f in FURNITURE {
            assert!(
                !body.contains(f),
                "{page}: furniture {f:?} kept in {body:?}"
            );
        }
        assert!(!a.content.contains("<script"), "{}", a.content);
        // The feed's own summary stays the summary.
        assert!(
            !a.summary.is_empty() && body.len() > 3 * a.summary.len(),
            "{page}"
        );
    }
    let bai2 = &articles[PAGES[1].1].content;
    assert!(
        bai2.contains(&format!("src=\"{}/images/que-khe-co.jpg\"", site.origin)),
        "relative image resolved against the page: {bai2}"
    );
    let bai3 = &articles[PAGES[2].1].content;
    assert!(
        bai3.contains(&format!("href=\"{}/giao-duc/doc-sach.html\"", site.origin)),
        "relative link resolved against the page: {bai3}"
    );
}

#[test]
fn a_summary_only_feed_gets_each_page_body_once_and_never_off_host_or_internal_pages() {
    let (site, other) = sites();
    let tmp = tempfile::tempdir().unwrap();
    let cfg = config(tmp.path(), &feed_source(&site, "full_text = true"));

    let report = run(&cfg);
    let r = &report.sources[0];
    assert_eq!(r.status, SourceStatus::Ok, "{r:?}");
    assert_eq!(r.articles, 5);
    assert_full_bodies(&cfg, &site);
    let mut pages = site.page_requests();
    pages.sort();
    assert_eq!(
        pages,
        ["/bai-1.html", "/bai-2.html", "/bai-3.html"],
        "each page once"
    );
    // The link to another host and the one to another internal origin were never fetched:
    // the articles keep their summary, and a warning says why.
    assert!(other.requests().is_empty(), "{:?}", other.requests());
    let articles = stored(&cfg);
    for (title, host) in [
        ("Tin đăng lại từ báo khác", "tin-khac.example".to_string()),
        ("Trang nội bộ", other.origin.replace("http://", "")),
    ] {
        let a = &articles[title];
        assert_eq!(
            text(&a.content),
            a.summary,
            "{title} keeps its feed content"
        );
        assert!(
            r.warnings
                .iter()
                .any(|w| w.contains(title) && w.contains(&host)),
            "{title}: {:?}",
            r.warnings
        );
    }
    // The written feeds carry the bodies too.
    let atom = parse_feed(&cfg.site.output_dir.join("other-news/atom.xml"));
    let entry = atom
        .entries
        .iter()
        .find(|e| e.title.as_ref().is_some_and(|t| t.content == PAGES[0].1))
        .expect("entry in the merged feed");
    let body = entry
        .content
        .as_ref()
        .and_then(|c| c.body.clone())
        .unwrap_or_default();
    assert!(text(&body).contains(&truth("bai-1")[5]), "{body}");

    // A second build: the feed is asked for again (a 304), no article page is.
    site.clear();
    let report = run(&cfg);
    assert_eq!(report.sources[0].status, SourceStatus::NotModified);
    assert!(
        site.page_requests().is_empty(),
        "{:?}",
        site.page_requests()
    );
    assert_full_bodies(&cfg, &site);

    // A feed that changes (a new item) is read again: its old entries' pages are not
    // fetched again, their stored bodies are used; only the new entry's page is fetched.
    let feed = std::fs::read_to_string(site_dir().join("feed.xml"))
        .unwrap()
        .replace("{{ORIGIN}}", &site.origin)
        .replace("{{OTHER}}", &other.origin)
        .replacen(
            "<item>",
            &format!(
                "<item><title>Bài mới</title><link>{}/bai-new.html</link><description>Mới.</description></item>\n<item>",
                site.origin
            ),
            1,
        );
    site.set("/feed.xml", 200, &feed);
    let page = std::fs::read_to_string(site_dir().join("bai-3.html")).unwrap();
    site.set("/bai-new.html", 200, &page);
    site.clear();
    let report = run(&cfg);
    assert_eq!(
        report.sources[0].status,
        SourceStatus::Ok,
        "{:?}",
        report.sources[0]
    );
    assert_eq!(report.sources[0].articles, 6);
    assert_eq!(site.page_requests(), ["/bai-new.html"]);
    assert_full_bodies(&cfg, &site);
    assert!(text(&stored(&cfg)["Bài mới"].content).contains(&truth("bai-3")[0]));
}

#[test]
fn selectors_take_exactly_the_body_and_remove_its_furniture() {
    let (site, _other) = sites();
    let tmp = tempfile::tempdir().unwrap();
    let rules = "[source.full_text]\ncontent = \".post-body, #main-content, .entry\"\nremove = [\".ads\", \".share-buttons\"]";
    let cfg = config(tmp.path(), &feed_source(&site, rules));
    let report = run(&cfg);
    assert_eq!(
        report.sources[0].status,
        SourceStatus::Ok,
        "{:?}",
        report.sources[0]
    );
    assert_full_bodies(&cfg, &site);
    let articles = stored(&cfg);
    for (page, title) in PAGES {
        let body = text(&articles[title].content);
        let truth = truth(page).join(" ");
        // Exactly the body: the selector's element holds the true paragraphs (and, in
        // bai-2, a figure caption; in bai-3 the "Xem thêm" link) and nothing else.
        let extra = body.chars().count() as i64 - truth.chars().count() as i64;
        assert!(
            (0..=30).contains(&extra),
            "{page}: {extra} characters beyond the body: {body}"
        );
    }
}

#[test]
fn a_page_answering_500_keeps_the_summary_marks_the_health_and_is_tried_again() {
    let (site, _other) = sites();
    site.set("/bai-2.html", 500, "<h1>Internal Server Error</h1>");
    let tmp = tempfile::tempdir().unwrap();
    let cfg = config(tmp.path(), &feed_source(&site, "full_text = true"));

    let report = run(&cfg);
    let r = &report.sources[0];
    assert_eq!(r.status, SourceStatus::Degraded, "{r:?}");
    let error = r.error.as_deref().unwrap_or_default();
    assert!(
        error.contains("bai-2.html") && error.contains("500"),
        "{error}"
    );
    assert_eq!(r.articles, 5, "every article is still there");
    let articles = stored(&cfg);
    let a = &articles[PAGES[1].1];
    assert_eq!(
        text(&a.content),
        a.summary,
        "the failed page's article keeps its summary"
    );
    assert!(text(&articles[PAGES[0].1].content).contains(&truth("bai-1")[0]));
    // The source's health says so.
    let store = feedmill::store::open(&cfg.site.store).unwrap();
    let health = &store.source_states().unwrap()["lucyen"];
    assert!(
        health
            .last_error
            .as_deref()
            .is_some_and(|e| e.contains("500")),
        "{health:?}"
    );
    drop(store);

    // The page comes back: the next build tries it again (the feed itself unchanged) and
    // fetches nothing else.
    site.reset("/bai-2.html");
    site.clear();
    let report = run(&cfg);
    assert_eq!(
        report.sources[0].status,
        SourceStatus::Ok,
        "{:?}",
        report.sources[0]
    );
    assert_eq!(site.page_requests(), ["/bai-2.html"]);
    assert_full_bodies(&cfg, &site);
}

#[test]
fn a_page_that_keeps_failing_is_tried_full_text_attempts_times() {
    let (site, _other) = sites();
    site.set("/bai-1.html", 503, "busy");
    let tmp = tempfile::tempdir().unwrap();
    let body = feed_source(&site, "full_text = true")
        .replace("[fetch]", "[limits]\nfull_text_attempts = 2\n\n[fetch]");
    let cfg = config(tmp.path(), &body);
    let tries = |site: &Site| {
        site.page_requests()
            .iter()
            .filter(|p| *p == "/bai-1.html")
            .count()
    };
    for _ in 0..4 {
        run(&cfg);
    }
    assert_eq!(tries(&site), 2, "{:?}", site.page_requests());
    let a = &stored(&cfg)[PAGES[0].1];
    assert_eq!(text(&a.content), a.summary);
}

#[test]
fn full_text_pages_bounds_the_pages_fetched_per_build() {
    let (site, _other) = sites();
    let tmp = tempfile::tempdir().unwrap();
    let body = feed_source(&site, "full_text = true")
        .replace("[fetch]", "[limits]\nfull_text_pages = 2\n\n[fetch]");
    let cfg = config(tmp.path(), &body);
    let report = run(&cfg);
    assert_eq!(site.page_requests().len(), 2, "{:?}", site.page_requests());
    assert!(
        report.sources[0]
            .warnings
            .iter()
            .any(|w| w.contains("limits.full_text_pages")),
        "{:?}",
        report.sources[0].warnings
    );
    // The rest at the next build, although the feed did not change.
    site.clear();
    let report = run(&cfg);
    assert_eq!(report.sources[0].status, SourceStatus::Ok);
    assert_eq!(site.page_requests().len(), 1, "{:?}", site.page_requests());
    assert_full_bodies(&cfg, &site);
    site.clear();
    run(&cfg);
    assert!(site.page_requests().is_empty());
}

#[test]
fn a_changed_entry_asks_for_its_page_with_the_validators_and_a_304_keeps_the_body() {
    let (site, other) = sites();
    let tmp = tempfile::tempdir().unwrap();
    let cfg = config(tmp.path(), &feed_source(&site, "full_text = true"));
    run(&cfg);
    let feed = std::fs::read_to_string(site_dir().join("feed.xml"))
        .unwrap()
        .replace("{{ORIGIN}}", &site.origin)
        .replace("{{OTHER}}", &other.origin)
        .replace(
            "Huyện ủy Lục Yên sơ kết 5 năm",
            "Huyện ủy Lục Yên (đã sửa) sơ kết 5 năm",
        );
    site.set("/feed.xml", 200, &feed);
    site.clear();
    let report = run(&cfg);
    assert_eq!(
        report.sources[0].status,
        SourceStatus::Ok,
        "{:?}",
        report.sources[0]
    );
    let pages: Vec<_> = site
        .requests()
        .into_iter()
        .filter(|r| r.path.ends_with(".html"))
        .collect();
    assert_eq!(pages.len(), 1, "only the changed entry's page: {pages:?}");
    assert_eq!(pages[0].path, "/bai-1.html");
    assert!(pages[0].if_none_match.is_some(), "{pages:?}");
    assert_eq!(pages[0].status, 304);
    let a = &stored(&cfg)[PAGES[0].1];
    assert!(a.summary.contains("(đã sửa)"));
    assert!(
        text(&a.content).contains(&truth("bai-1")[5]),
        "the stored body stays"
    );
}
