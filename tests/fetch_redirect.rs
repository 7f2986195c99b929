//! Redirects against a server on 127.0.0.1: loops, the hop limit, permanent moves reported.

mod support;

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use feedmill::fetch::Validators;
use support::{config, expect_failed, expect_fetched, fetcher, rss, serve, source};

fn redirect(status: StatusCode, to: &'static str) -> Response {
    (status, [(header::LOCATION, to)]).into_response()
}

#[tokio::test]
async fn redirect_loop_is_an_error() {
    let app = Router::new()
        .route("/a", get(|| async { redirect(StatusCode::FOUND, "/b") }))
        .route("/b", get(|| async { redirect(StatusCode::FOUND, "/a") }));
    let addr = serve(app).await;
    let (message, _) = expect_failed(
        fetcher(&config())
            .fetch(
                &source("loop", &format!("http://{addr}/a")),
                &Validators::default(),
            )
            .await,
    );
    assert_eq!(
        message,
        format!(
            "http://{addr}/a: redirect loop: http://{addr}/a → http://{addr}/b → http://{addr}/a"
        )
    );
}

#[tokio::test]
async fn too_many_redirects_is_an_error() {
    let app = Router::new().route(
        "/r/{n}",
        get(
            |axum::extract::Path(n): axum::extract::Path<u32>| async move {
                (
                    StatusCode::FOUND,
                    [(header::LOCATION, format!("/r/{}", n + 1))],
                )
                    .into_response()
            },
        ),
    );
    let addr = serve(app).await;
    let (message, _) = expect_failed(
        fetcher(&config())
            .fetch(
                &source("far", &format!("http://{addr}/r/0")),
                &Validators::default(),
            )
            .await,
    );
    assert_eq!(
        message,
        format!(
            "http://{addr}/r/0: more than 5 redirects (fetch.max_redirects), last to \
             http://{addr}/r/6"
        )
    );
}

#[tokio::test]
async fn permanent_redirect_is_read_and_reported() {
    let app = Router::new()
        .route(
            "/old",
            get(|| async { redirect(StatusCode::MOVED_PERMANENTLY, "/new") }),
        )
        .route(
            "/tmp",
            get(|| async { redirect(StatusCode::FOUND, "/new") }),
        )
        .route("/new", get(|| async { rss("moved", 1) }));
    let addr = serve(app).await;
    let fetcher = fetcher(&config());
    let f = expect_fetched(
        fetcher
            .fetch(
                &source("old", &format!("http://{addr}/old")),
                &Validators::default(),
            )
            .await,
    );
    assert_eq!(f.body, rss("moved", 1).into_bytes());
    assert_eq!(f.final_url.as_str(), format!("http://{addr}/new"));
    assert_eq!(
        f.meta.permanent_redirect,
        Some(format!("http://{addr}/new"))
    );
    assert_eq!(
        f.meta.notes,
        vec![
            format!("HTTP 301 redirect http://{addr}/old → http://{addr}/new"),
            format!(
                "http://{addr}/old moved permanently to http://{addr}/new: update its url in \
                 feeds.toml"
            ),
        ]
    );
    // A temporary redirect is followed but the source keeps its URL.
    let f = expect_fetched(
        fetcher
            .fetch(
                &source("tmp", &format!("http://{addr}/tmp")),
                &Validators::default(),
            )
            .await,
    );
    assert_eq!(f.final_url.as_str(), format!("http://{addr}/new"));
    assert_eq!(f.meta.permanent_redirect, None);
}
