//! `fetch_all`: the per-host and global concurrency limits, source order, and isolation of
//! failing sources.

mod support;

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use feedmill::fetch::{FetchOutcome, Validators};
use support::{config, fetcher, rss, serve, serve_on, source};

/// Counts requests in flight and remembers the most seen at once and when each arrived.
#[derive(Default)]
struct Gauge {
    now: AtomicUsize,
    max: AtomicUsize,
    arrivals: Mutex<Vec<Instant>>,
}

/// A server whose every feed takes `delay` to answer, measured by `gauge`.
fn slow_app(gauge: Arc<Gauge>, delay: Duration) -> Router {
    Router::new().route(
        "/{name}",
        get(
            move |axum::extract::Path(name): axum::extract::Path<String>| {
                let gauge = gauge.clone();
                async move {
                    gauge.arrivals.lock().unwrap().push(Instant::now());
                    let n = gauge.now.fetch_add(1, Ordering::SeqCst) + 1;
                    gauge.max.fetch_max(n, Ordering::SeqCst);
                    tokio::time::sleep(delay).await;
                    gauge.now.fetch_sub(1, Ordering::SeqCst);
                    if name == "broken" {
                        (StatusCode::NOT_FOUND, "no").into_response()
                    } else {
                        rss(&name, 3).into_response()
                    }
                }
            },
        ),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn per_host_limit_holds_while_another_host_proceeds() {
    let a = Arc::new(Gauge::default());
    let b = Arc::new(Gauge::default());
    // Two hosts: 127.0.0.1 and 127.0.0.2 (all of 127/8 is loopback on Linux).
    let addr_a = serve_on("127.0.0.1", slow_app(a.clone(), Duration::from_millis(250))).await;
    let addr_b = serve_on("127.0.0.2", slow_app(b.clone(), Duration::from_millis(250))).await;
    let mut sources: Vec<_> = (0..8)
        .map(|i| source(&format!("a{i}"), &format!("http://{addr_a}/a{i}")))
        .collect();
    sources.push(source("broken", &format!("http://{addr_a}/broken")));
    sources.extend((0..2).map(|i| source(&format!("b{i}"), &format!("http://{addr_b}/b{i}"))));
    let mut cfg = config();
    cfg.fetch.per_host = 2;
    cfg.fetch.concurrency = 16;

    let start = Instant::now();
    let results = fetcher(&cfg)
        .fetch_all(&sources, &HashMap::new(), false)
        .await;
    let elapsed = start.elapsed();

    // In source order, the failing source isolated, the others read.
    let names: Vec<&str> = results.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        ["a0", "a1", "a2", "a3", "a4", "a5", "a6", "a7", "broken", "b0", "b1"]
    );
    for (name, outcome) in &results {
        match outcome {
            FetchOutcome::Fetched(f) => assert_eq!(f.body, rss(name, 3).into_bytes()),
            FetchOutcome::Failed { message, .. } => {
                assert_eq!(name, "broken");
                assert_eq!(
                    message,
                    &format!("http://{addr_a}/broken: HTTP 404 Not Found")
                );
            }
            other => panic!("{name}: {other:?}"),
        }
    }
    assert_eq!(
        a.max.load(Ordering::SeqCst),
        2,
        "host A in flight at most per_host"
    );
    assert_eq!(b.max.load(Ordering::SeqCst), 2);
    // 9 requests two at a time on host A: at least five rounds of 250 ms.
    assert!(elapsed >= Duration::from_millis(1250), "{elapsed:?}");
    // Host B did not queue behind host A (listed first): its requests arrived while host A
    // still had rounds to go.
    let last_a = *a.arrivals.lock().unwrap().iter().max().unwrap();
    let b_arrivals = b.arrivals.lock().unwrap().clone();
    assert_eq!(b_arrivals.len(), 2);
    for t in b_arrivals {
        assert!(t < last_a, "host B waited for host A");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn global_limit_caps_all_hosts_together() {
    let g = Arc::new(Gauge::default());
    let addr = serve(slow_app(g.clone(), Duration::from_millis(100))).await;
    let sources: Vec<_> = (0..9)
        .map(|i| source(&format!("s{i}"), &format!("http://{addr}/s{i}")))
        .collect();
    let mut cfg = config();
    cfg.fetch.per_host = 10;
    cfg.fetch.concurrency = 3;
    let mut validators = HashMap::new();
    validators.insert("s0".to_string(), Validators::default());
    let results = fetcher(&cfg).fetch_all(&sources, &validators, true).await;
    assert_eq!(results.len(), 9);
    assert!(results
        .iter()
        .all(|(_, o)| matches!(o, FetchOutcome::Fetched(_))));
    assert_eq!(g.max.load(Ordering::SeqCst), 3);
}
