//! Scrape-stage behaviour on in-memory pages: paging, failures, link policy, selectors.

use std::collections::HashMap;

use super::*;
use crate::config::{SourceKind, SourceUrl};

/// Pages from memory, keyed by URL.
struct MapPages(HashMap<String, String>);

impl PageSource for MapPages {
    fn get<'a>(&'a self, url: &'a Url) -> PageFuture<'a> {
        let page = self
            .0
            .get(url.as_str())
            .map(|body| Page {
                body: body.clone().into_bytes(),
                content_type: Some("text/html; charset=utf-8".into()),
                final_url: url.clone(),
            })
            .ok_or_else(|| format!("{url}: HTTP 404 Not Found"));
        Box::pin(async move { page })
    }
}

fn site(pages: &[(&str, &str)]) -> MapPages {
    MapPages(
        pages
            .iter()
            .map(|(u, b)| (format!("https://tin.vn/{u}"), b.to_string()))
            .collect(),
    )
}

fn source(cfg: &HtmlCfg) -> Source {
    Source {
        kind: SourceKind::Html,
        html: Some(cfg.clone()),
        ..Source::feed(
            "tin",
            SourceUrl::Http(Url::parse("https://tin.vn/").expect("url")),
        )
    }
}

fn cfg(pages: u32) -> HtmlCfg {
    HtmlCfg {
        item: "li".into(),
        link: "a".into(),
        pages,
        next: Some("a.next".into()),
        title: Some("h1".into()),
        ..HtmlCfg::default()
    }
}

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime")
        .block_on(f)
}

#[test]
fn the_scrape_future_can_be_spawned() {
    fn assert_send<T: Send>(_: &T) {}
    let cfg = cfg(1);
    let src = source(&cfg);
    let pages = site(&[]);
    let fut = scrape(&src, &cfg, &pages);
    assert_send(&fut);
    assert_send(&scrape_source(&src, &pages, &LimitsCfg::default()));
    assert_send(&inspect(&src, &cfg, &pages));
}

#[test]
fn scrape_source_uses_the_sources_own_table() {
    let pages = site(&[
        ("", r#"<ul><li><a href="/a">A</a></li></ul>"#),
        ("a", "<h1>Bài A</h1>"),
    ]);
    let mut src = source(&cfg(1));
    let out = block_on(scrape_source(&src, &pages, &LimitsCfg::default())).expect("scrape");
    assert_eq!(out.articles[0].title.as_deref(), Some("Bài A"));
    src.html = None;
    let err = block_on(scrape_source(&src, &pages, &LimitsCfg::default())).expect_err("no table");
    assert_eq!(
        err,
        "source tin: kind = \"html\" needs a [source.html] table"
    );
}

#[test]
fn a_next_link_back_to_a_seen_page_ends_paging() {
    let pages = site(&[
        (
            "",
            r#"<ul><li><a href="/a">A</a></li></ul><a class="next" href="/p2">»</a>"#,
        ),
        (
            "p2",
            r#"<ul><li><a href="/b">B</a></li></ul><a class="next" href="/">»</a>"#,
        ),
        ("a", "<h1>Bài A</h1>"),
        ("b", "<h1>Bài B</h1>"),
    ]);
    let cfg = cfg(10);
    let out = block_on(scrape(&source(&cfg), &cfg, &pages)).expect("scrape");
    assert_eq!(out.listing_pages, 2);
    let titles: Vec<_> = out
        .articles
        .iter()
        .filter_map(|a| a.title.clone())
        .collect();
    assert_eq!(titles, ["Bài A", "Bài B"]);
    assert_eq!(out.degraded, None);
}

#[test]
fn failing_later_pages_are_warnings_not_failures() {
    let pages = site(&[
        (
            "",
            r#"<ul><li><a href="/a">A</a></li><li><a href="/gone">X</a></li></ul>
            <a class="next" href="/p2">»</a>"#,
        ),
        ("a", "<h1>Bài A</h1>"),
    ]);
    let cfg = cfg(2);
    let out = block_on(scrape(&source(&cfg), &cfg, &pages)).expect("scrape");
    assert_eq!(out.articles.len(), 1);
    assert_eq!(out.degraded, None);
    assert!(out
        .warnings
        .iter()
        .any(|w| w == "listing page https://tin.vn/p2: https://tin.vn/p2: HTTP 404 Not Found"));
    assert!(out
        .warnings
        .iter()
        .any(|w| w == "article page: https://tin.vn/gone: HTTP 404 Not Found"));
}

#[test]
fn a_listing_whose_links_all_point_elsewhere_is_degraded() {
    let pages = site(&[(
        "",
        r#"<ul><li><a href="https://tin-moi.vn/a">A</a></li><li><a href="https://tin-moi.vn/b">B</a></li></ul>"#,
    )]);
    let cfg = cfg(1);
    let out = block_on(scrape(&source(&cfg), &cfg, &pages)).expect("scrape");
    assert!(out.articles.is_empty());
    let degraded = out.degraded.expect("degraded");
    assert!(
        degraded.starts_with("all 2 article links on the listing were skipped"),
        "{degraded}"
    );
    let mut allowed = cfg.clone();
    allowed.allow_hosts = vec!["tin-moi.vn".into()];
    let out = block_on(scrape(&source(&allowed), &allowed, &pages)).expect("scrape");
    assert_eq!(out.links, 2);
    assert_eq!(
        out.degraded.as_deref(),
        Some("none of the 2 article pages could be fetched")
    );
}

/// Pages whose article `/a` answers from another host, as after a redirect.
struct Redirecting(MapPages);

impl PageSource for Redirecting {
    fn get<'a>(&'a self, url: &'a Url) -> PageFuture<'a> {
        let inner = self.0.get(url);
        Box::pin(async move {
            let mut page = inner.await?;
            if page.final_url.path() == "/a" {
                page.final_url = Url::parse("http://10.0.0.7/a").map_err(|e| e.to_string())?;
            }
            Ok(page)
        })
    }
}

#[test]
fn an_article_that_redirected_elsewhere_is_dropped() {
    let pages = Redirecting(site(&[
        (
            "",
            r#"<ul><li><a href="/a">A</a></li><li><a href="/b">B</a></li></ul>"#,
        ),
        ("a", "<h1>Nội bộ</h1>"),
        ("b", "<h1>Bài B</h1>"),
    ]));
    let cfg = cfg(1);
    let out = block_on(scrape(&source(&cfg), &cfg, &pages)).expect("scrape");
    let titles: Vec<_> = out
        .articles
        .iter()
        .filter_map(|a| a.title.clone())
        .collect();
    assert_eq!(titles, ["Bài B"]);
    assert!(
        out.warnings.iter().any(|w| w.starts_with(
            "article page https://tin.vn/a redirected away: skipped http://10.0.0.7/a"
        )),
        "{:?}",
        out.warnings
    );
}

#[test]
fn two_links_to_one_canonical_page_give_one_article() {
    let pages = site(&[
        (
            "",
            r#"<ul><li><a href="/a?ref=home">A</a></li><li><a href="/a">A</a></li></ul>"#,
        ),
        (
            "a?ref=home",
            r#"<link rel="canonical" href="/a"><h1>Bài A</h1>"#,
        ),
        ("a", r#"<link rel="canonical" href="/a"><h1>Bài A</h1>"#),
    ]);
    let cfg = cfg(1);
    let out = block_on(scrape(&source(&cfg), &cfg, &pages)).expect("scrape");
    assert_eq!(out.links, 2);
    assert_eq!(out.articles.len(), 1);
    assert_eq!(out.articles[0].link.as_deref(), Some("https://tin.vn/a"));
    assert!(out.warnings.contains(
        &"https://tin.vn/a: same article as an earlier link (https://tin.vn/a)".to_string()
    ));
}

#[test]
fn invalid_required_selectors_fail_and_optional_ones_warn() {
    let mut bad = cfg(1);
    bad.item = "li[".into();
    let err = block_on(scrape(&source(&bad), &bad, &site(&[]))).expect_err("invalid item");
    assert!(
        err.starts_with("source tin: selector `item` = `li[` is not valid CSS"),
        "{err}"
    );

    let pages = site(&[
        ("", r#"<ul><li><a href="/a">A</a></li></ul>"#),
        ("a", "<h1>Bài A</h1><title>Tựa</title>"),
    ]);
    let mut odd = cfg(1);
    odd.title = Some("h1[".into());
    let out = block_on(scrape(&source(&odd), &odd, &pages)).expect("scrape");
    assert_eq!(out.articles[0].title.as_deref(), Some("Tựa"));
    assert!(out.warnings[0].starts_with("selector `title` = `h1[` is not valid CSS"));
}
