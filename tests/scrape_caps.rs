//! What one listing page may cost: at most `limits.links_per_listing` article pages are
//! requested from it, and the skipped ones are a warning naming how many.

mod e2e_support;

use e2e_support::SiteServer;
use feedmill::config::Config;
use feedmill::pipeline::{build, BuildOptions};

#[test]
fn a_listing_with_300_links_costs_at_most_links_per_listing_requests() {
    let site_dir = tempfile::tempdir().unwrap();
    let items: String = (0..300)
        .map(|i| format!("<div class=\"item\"><a href=\"/a/{i}.html\">{i}</a></div>\n"))
        .collect();
    std::fs::write(
        site_dir.path().join("index.html"),
        format!("<html><body>{items}</body></html>"),
    )
    .unwrap();
    std::fs::create_dir(site_dir.path().join("a")).unwrap();
    for i in 0..300 {
        std::fs::write(
            site_dir.path().join(format!("a/{i}.html")),
            format!(
                "<html><head><title>Bài {i}</title></head><body><h1>Bài {i}</h1></body></html>"
            ),
        )
        .unwrap();
    }
    let server = SiteServer::start(site_dir.path().to_path_buf());
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("feeds.toml");
    std::fs::write(
        &path,
        format!(
            "[site]\ntitle = \"t\"\nbase_url = \"https://feeds.example.vn/\"\n\n\
             [limits]\nlinks_per_listing = 10\n\n\
             [[source]]\nname = \"web\"\nkind = \"html\"\nurl = \"{}\"\n\
             [source.html]\nitem = \".item\"\nlink = \"a\"\n",
            server.url("/index.html")
        ),
    )
    .unwrap();
    let cfg = Config::load(&path).unwrap();
    let report = tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(build(&cfg, &BuildOptions::default()))
        .expect("build");
    let requested = server.requests.lock().unwrap().clone();
    let articles: Vec<_> = requested.iter().filter(|p| p.starts_with("/a/")).collect();
    assert_eq!(articles.len(), 10, "{requested:?}");
    // The first ten, in listing order.
    for i in 0..10 {
        assert!(articles.contains(&&format!("/a/{i}.html")), "{articles:?}");
    }
    let src = &report.sources[0];
    assert_eq!(src.articles, 10, "{src:#?}");
    assert!(
        src.warnings
            .iter()
            .any(|w| w.contains("290") && w.contains("links_per_listing")),
        "{:#?}",
        src.warnings
    );
}
