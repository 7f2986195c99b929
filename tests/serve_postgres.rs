//! `feedmill serve` on the PostgreSQL store: its build loop (async code calling the
//! synchronous store) refreshes a source on its interval into the database, on a
//! multi-thread runtime and on a current-thread one.
//!
//! Needs the test server of `scripts/test-servers.sh` (`FEEDMILL_TEST_POSTGRES_URL`):
//! without it this prints NOT CHECKED and passes, unless `CI` is set.

mod serve_support;
mod store_support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serve_support::{client, eventually, get_text, rss, Site};
use store_support::{postgres_url, TempDb};

/// A feed on 127.0.0.1 whose body the test changes.
async fn feed_server(body: Arc<Mutex<String>>) -> String {
    let app = axum::Router::new().fallback(move || {
        let b = body.clone();
        async move {
            let text = b.lock().expect("lock").clone();
            ([("content-type", "application/rss+xml")], text)
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    format!("http://{addr}/feed.rss")
}

async fn refreshes_into_the_database(what: &str) {
    let Some(admin) = postgres_url(what) else {
        return;
    };
    let db = TempDb::create(&admin);
    let body = Arc::new(Mutex::new(rss("nhanh", &["Tin một"])));
    let feed = feed_server(body.clone()).await;
    let site = Site::empty();
    site.write_config(&format!(
        "[site]\ntitle = \"Thử nghiệm\"\nbase_url = \"http://feeds.test/\"\noutput_dir = \"public\"\n\n\
         [fetch]\nretries = 0\ntimeout = \"5s\"\n\n[store]\nurl = \"{}\"\n\n\
         [[source]]\nname = \"nhanh\"\nurl = \"{feed}\"\nrefresh = \"1s\"\n",
        db.url
    ));
    let server = site.start().await;
    let addr = server.local_addr();
    let c = client();
    let first = get_text(&c, addr, "/other-news/rss.xml")
        .await
        .expect("the merged feed");
    assert!(first.contains("Tin một"), "{first}");
    *body.lock().expect("lock") = rss("nhanh", &["Tin một", "Tin hai mới"]);
    let appeared = eventually(Duration::from_secs(10), || async {
        get_text(&c, addr, "/other-news/rss.xml")
            .await
            .is_some_and(|t| t.contains("Tin hai mới"))
    })
    .await;
    assert!(appeared, "the refreshed article is served");
    server.shutdown().await.expect("clean shutdown");
    assert!(
        !site.path().join("feedmill.db").exists(),
        "no SQLite file beside the config"
    );
    let url = db.store_url();
    let titles: Vec<String> = std::thread::spawn(move || {
        feedmill::store::open_url(&url)
            .expect("store")
            .articles()
            .expect("articles")
            .into_iter()
            .map(|a| a.title)
            .collect()
    })
    .join()
    .expect("read the database");
    assert_eq!(titles.len(), 2, "{titles:?}");
    assert!(titles.contains(&"Tin hai mới".to_string()), "{titles:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_refreshes_into_postgresql_on_a_multi_thread_runtime() {
    refreshes_into_the_database("serve on PostgreSQL (multi-thread runtime)").await;
}

#[tokio::test(flavor = "current_thread")]
async fn serve_refreshes_into_postgresql_on_a_current_thread_runtime() {
    refreshes_into_the_database("serve on PostgreSQL (current-thread runtime)").await;
}
