//! Internal addresses reached through host names: the fetcher checks what a name resolves
//! to before connecting (names are mapped to 127.0.0.1 with the fetcher's host table, as
//! /etc/hosts would), so neither a scraped article link, nor a redirect from one, nor a
//! feed's redirect reaches an internal server the operator did not configure.

mod support;

use std::net::IpAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use feedmill::config::{Config, HtmlCfg, Source, SourceKind, SourceUrl};
use feedmill::fetch::{FetchOptions, FetchOutcome, Fetcher, Validators};
use feedmill::pipeline::pages::FetcherPages;
use url::Url;

const LOOPBACK: IpAddr = IpAddr::V4(std::net::Ipv4Addr::LOCALHOST);

/// An "internal" service that counts every request it gets.
async fn internal_service() -> (std::net::SocketAddr, Arc<AtomicUsize>) {
    let hits = Arc::new(AtomicUsize::new(0));
    let h = hits.clone();
    let router = Router::new().fallback(move || {
        let h = h.clone();
        async move {
            h.fetch_add(1, Ordering::SeqCst);
            (
                [(header::CONTENT_TYPE, "application/rss+xml")],
                "<rss version=\"2.0\"><channel><title>secret</title><item><title>SECRET</title>\
                 <link>http://internal/x</link></item></channel></rss>",
            )
                .into_response()
        }
    });
    (support::serve(router).await, hits)
}

fn redirect(to: String) -> Response {
    (StatusCode::FOUND, [(header::LOCATION, to)]).into_response()
}

fn fetcher(cfg: &Config) -> Fetcher {
    support::fetcher(cfg).with_hosts([
        ("evil.test".to_string(), vec![LOOPBACK]),
        ("internal.test".to_string(), vec![LOOPBACK]),
        ("local-feeds.test".to_string(), vec![LOOPBACK]),
    ])
}

#[tokio::test]
async fn scraped_links_and_their_redirects_never_reach_an_internal_address() {
    let (inside, hits) = internal_service().await;
    let port = inside.port();
    let listing = format!(
        "<html><body>\
         <div class=\"item\"><a href=\"http://evil.test:{port}/a\">by name</a></div>\
         <div class=\"item\"><a href=\"/bounce\">bounce</a></div>\
         <div class=\"item\"><a href=\"/ok.html\">ok</a></div>\
         </body></html>"
    );
    let router = Router::new()
        .route("/index.html", get(move || async move { axum::response::Html(listing) }))
        .route(
            "/bounce",
            get(move || async move { redirect(format!("http://internal.test:{port}/b")) }),
        )
        .route(
            "/ok.html",
            get(|| async {
                axum::response::Html("<html><head><title>Được phép</title></head><body><h1>Được phép</h1></body></html>")
            }),
        );
    let site = support::serve(router).await;
    let cfg = support::config();
    let html = HtmlCfg {
        item: ".item".into(),
        link: "a".into(),
        pages: 1,
        // The operator even allows the name: what it resolves to still counts.
        allow_hosts: vec!["evil.test".into()],
        ..HtmlCfg::default()
    };
    let mut source = Source::feed(
        "s",
        SourceUrl::Http(Url::parse(&format!("http://{site}/index.html")).unwrap()),
    );
    source.kind = SourceKind::Html;
    source.html = Some(html);
    let pages = FetcherPages::new(fetcher(&cfg), &source, 2);
    let out = feedmill::scrape::scrape_source(&source, &pages, &cfg.limits)
        .await
        .expect("scrape");
    assert_eq!(
        hits.load(Ordering::SeqCst),
        0,
        "the internal service was requested"
    );
    let titles: Vec<_> = out
        .articles
        .iter()
        .filter_map(|a| a.title.clone())
        .collect();
    assert_eq!(titles, ["Được phép"], "{:#?}", out.warnings);
    for name in ["evil.test", "internal.test"] {
        assert!(
            out.warnings
                .iter()
                .any(|w| w.contains(name) && w.contains("internal address")),
            "no warning naming {name}: {:#?}",
            out.warnings
        );
    }
}

#[tokio::test]
async fn a_feed_redirect_into_an_internal_address_is_refused_unless_allowed() {
    let (inside, hits) = internal_service().await;
    let port = inside.port();
    let router = Router::new()
        .route(
            "/by-name",
            get(move || async move { redirect(format!("http://internal.test:{port}/feed")) }),
        )
        .route(
            "/by-ip",
            get(move || async move { redirect(format!("http://127.0.0.1:{port}/feed")) }),
        );
    let feeds = support::serve(router).await;
    let cfg = support::config();
    let f = fetcher(&cfg);
    for path in ["/by-name", "/by-ip"] {
        // The configured URL itself is internal (a local feed server): that is allowed.
        let src = support::source("s", &format!("http://{feeds}{path}"));
        match f.fetch(&src, &Validators::default()).await {
            FetchOutcome::Failed { message, .. } => {
                assert!(message.contains("internal address"), "{path}: {message}")
            }
            other => panic!("{path}: followed into an internal address: {other:?}"),
        }
    }
    assert_eq!(hits.load(Ordering::SeqCst), 0);

    // The operator may allow it.
    let mut allowing = support::config();
    allowing.fetch.allow_internal_redirects = true;
    let f = fetcher(&allowing);
    let src = support::source("s", &format!("http://{feeds}/by-name"));
    assert!(
        matches!(
            f.fetch(&src, &Validators::default()).await,
            FetchOutcome::Fetched(_)
        ),
        "allow_internal_redirects = true follows it"
    );
    assert_eq!(hits.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_configured_feed_on_an_internal_name_is_fetched() {
    let (inside, hits) = internal_service().await;
    let cfg = support::config();
    let src = support::source(
        "s",
        &format!("http://local-feeds.test:{}/feed", inside.port()),
    );
    let got = fetcher(&cfg).fetch(&src, &Validators::default()).await;
    assert!(matches!(got, FetchOutcome::Fetched(_)), "{got:?}");
    assert_eq!(hits.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn an_article_url_on_an_internal_name_is_refused_before_connecting() {
    let (inside, hits) = internal_service().await;
    let cfg = support::config();
    let url = Url::parse(&format!("http://evil.test:{}/x", inside.port())).unwrap();
    let opts = FetchOptions {
        public_only: true,
        ..FetchOptions::default()
    };
    let got = fetcher(&cfg)
        .fetch_url(&url, &Validators::default(), &opts)
        .await;
    match got {
        FetchOutcome::Failed { message, .. } => {
            assert!(message.contains("internal address"), "{message}")
        }
        other => panic!("fetched: {other:?}"),
    }
    assert_eq!(hits.load(Ordering::SeqCst), 0);
}
