//! `feedmill serve --no-build`: servers that fetch nothing and never open the store, serving
//! the output folder another process builds (the emitter), so several can sit behind one
//! load balancer. Two such servers over one folder follow each build of a separate
//! `feedmill build` process, byte for byte.

mod serve_support;

use std::net::SocketAddr;
use std::time::Duration;

use feedmill::serve::{ServeOptions, Server, ServerHandle};
use serve_support::{client, eventually, get_text, Site};

const LUCYEN: &str =
    "[[source]]\nname = \"lucyen\"\nurl = \"examples/feeds/lucyen.atom\"\ntags = [\"Yên Bái\"]\n";

fn build(site: &Site) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_feedmill"))
        .args(["build", "-q", "-c", "feeds.toml"])
        .current_dir(site.path())
        .output()
        .unwrap();
    assert!(
        out.status.code().is_some_and(|c| c == 0 || c == 1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

async fn start(site: &Site) -> ServerHandle {
    let opts = ServeOptions {
        no_build: true,
        ..ServeOptions::default()
    };
    let h = Server::start_with(site.config(), "127.0.0.1:0".parse().unwrap(), opts)
        .await
        .unwrap();
    assert!(h.wait_for_builds(1, Duration::from_secs(10)).await);
    h
}

/// Whether every server answers `path` with exactly the local file's bytes (404 when the
/// file is gone).
async fn all_serve(addrs: &[SocketAddr], site: &Site, path: &str) -> bool {
    let local = std::fs::read_to_string(site.out(path)).ok();
    for addr in addrs {
        if get_text(&client(), *addr, &format!("/{path}")).await != local {
            return false;
        }
    }
    true
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_build_servers_serve_what_another_process_builds_and_fetch_nothing() {
    let site = Site::example();
    let (a, b) = (start(&site).await, start(&site).await);
    let addrs = [a.local_addr(), b.local_addr()];
    // Nothing built yet: nothing served, and the servers never made a store.
    for addr in addrs {
        assert_eq!(get_text(&client(), addr, "/index.html").await, None);
        assert!(get_text(&client(), addr, "/healthz").await.is_some());
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(
        !site.path().join("feedmill.db").exists(),
        "serve --no-build opened the store"
    );

    build(&site);
    let wait = Duration::from_secs(10);
    for path in ["index.html", "other-news/rss.xml", "tag/luc-yen/atom.xml"] {
        assert!(site.out(path).is_file(), "{path}");
        assert!(
            eventually(wait, || all_serve(&addrs, &site, path)).await,
            "both servers serve {path} as built"
        );
    }

    // The next build drops a source: its feeds go, the merged feed changes, on both.
    let before = std::fs::read_to_string(site.out("other-news/rss.xml")).unwrap();
    let files_before = feedmill::emit::write::read_manifest(&site.out(""));
    let cfg = std::fs::read_to_string(site.config()).unwrap();
    assert!(cfg.contains(LUCYEN));
    site.write_config(&cfg.replace(LUCYEN, ""));
    build(&site);
    assert_ne!(
        std::fs::read_to_string(site.out("other-news/rss.xml")).unwrap(),
        before
    );
    let files_after = feedmill::emit::write::read_manifest(&site.out(""));
    let gone: Vec<&String> = files_before.difference(&files_after).collect();
    assert!(!gone.is_empty(), "the source's own tags had feeds");
    assert!(!site.out(gone[0]).exists());
    for path in ["other-news/rss.xml", "index.html", gone[0].as_str()] {
        assert!(
            eventually(wait, || all_serve(&addrs, &site, path)).await,
            "both servers follow the rebuild of {path}"
        );
    }
    a.shutdown().await.unwrap();
    b.shutdown().await.unwrap();
}
