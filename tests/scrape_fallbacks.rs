//! Metadata fallbacks, health reporting and the link policy, on pages served from a real
//! HTTP server on 127.0.0.1.

mod scrape_common;

use std::path::Path;

use feedmill::config::HtmlCfg;
use feedmill::scrape::scrape;
use scrape_common::*;
use url::Url;

fn at(base: &Url, page: &str) -> String {
    base.join(page).expect("join").to_string()
}

/// Only the listing selectors: every article field must come from page metadata.
fn listing_only() -> HtmlCfg {
    HtmlCfg {
        item: "div.list-news .item".into(),
        link: "a".into(),
        pages: 2,
        next: Some("a.next".into()),
        ..HtmlCfg::default()
    }
}

fn write(dir: &Path, name: &str, html: &str) {
    std::fs::write(dir.join(name), html).expect("write fixture");
}

fn listing_page(links: &[&str]) -> String {
    let items: String = links
        .iter()
        .map(|l| format!("<div class=\"item\"><a href=\"{l}\">tin</a></div>\n"))
        .collect();
    format!("<html><body><div class=\"list-news\">{items}</div></body></html>")
}

#[tokio::test]
async fn with_no_article_selectors_the_example_site_reads_from_its_metadata() {
    let base = serve(site_dir()).await;
    let cfg = listing_only();
    let src = source("s", base.join("index.html").expect("url"), &cfg);
    let out = scrape(&src, &cfg, &Recording::new()).await.expect("scrape");
    assert_eq!(out.degraded, None, "{:?}", out.warnings);
    assert_eq!(out.articles.len(), 3);

    // JSON-LD NewsArticle.
    let seed = &out.articles[0];
    assert_eq!(
        seed.title.as_deref(),
        Some("Lục Yên: Nâng cao sức chiến đấu của tổ chức đảng ở cơ sở")
    );
    assert_eq!(seed.published.as_deref(), Some("2022-05-18T05:29:48+07:00"));
    assert_eq!(seed.authors, vec!["Anh Dũng"]);
    assert_eq!(
        seed.tags,
        [
            "Lục Yên",
            "sức chiến đấu",
            "Nghị quyết số 37",
            "\"giao nhiệm vụ khoán sản phẩm”",
            "luân chuyển cán bộ",
            "hiến đất",
            "giao thông nông thôn"
        ]
    );
    assert_eq!(
        seed.image.as_deref(),
        Some(at(&base, "images/luc-yen-chi-bo-thon-uc.png").as_str())
    );
    assert_eq!(seed.link.as_deref(), Some(at(&base, LUC_YEN).as_str()));
    assert_eq!(seed.content_html, None);

    // OpenGraph and article:* meta.
    let og = &out.articles[1];
    assert_eq!(
        og.title.as_deref(),
        Some("Lương Thịnh: Xây dựng Đảng gắn với phát triển kinh tế - xã hội")
    );
    assert_eq!(og.published.as_deref(), Some("2022-05-17T15:15:20+07:00"));
    assert_eq!(og.updated.as_deref(), Some("2022-05-17T16:02:00+07:00"));
    assert_eq!(og.authors, vec!["Thanh Tâm"]);
    assert_eq!(
        og.tags,
        ["Lương Thịnh", "Trấn Yên", "nông thôn mới", "xây dựng Đảng"]
    );
    assert_eq!(
        og.image.as_deref(),
        Some(at(&base, "images/luong-thinh-dai-hoi-chi-bo.png").as_str())
    );
    assert_eq!(
        og.summary_html.as_deref(),
        Some("<p>Diện mạo xã nông thôn mới Lương Thịnh, huyện Trấn Yên có nhiều thay đổi nhờ Đảng bộ xã chú trọng công tác xây dựng Đảng.</p>")
    );

    // <title>, <time datetime>, <meta name="keywords">, <meta name="description">.
    let plain = &out.articles[2];
    assert_eq!(
        plain.title.as_deref(),
        Some("Hồng Ca chú trọng công tác phát triển Đảng - Báo Yên Bái")
    );
    assert_eq!(
        plain.published.as_deref(),
        Some("2022-05-16T00:00:00+07:00")
    );
    assert_eq!(
        plain.tags,
        ["Hồng Ca", "Trấn Yên", "phát triển Đảng", "đoàn viên"]
    );
    assert_eq!(plain.authors, Vec::<String>::new());
    assert_eq!(plain.image, None);
    assert_eq!(plain.updated, None);
}

#[tokio::test]
async fn json_ld_wins_over_opengraph_and_odd_json_ld_shapes_are_read() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "index.html",
        &listing_page(&["a.html", "b.html"]),
    );
    write(
        dir.path(),
        "a.html",
        r#"<html><head><title>Trang A</title>
        <meta property="og:title" content="Tiêu đề OG">
        <meta property="og:image" content="/og.png">
        <script type="application/ld+json">{"@context":"https://schema.org","@graph":[
          {"@type":"BreadcrumbList"},
          {"@type":"ReportageNewsArticle","headline":"Tiêu đề JSON-LD",
           "datePublished":"18/05/2022 17:29",
           "author":[{"@type":"Person","name":"Anh Dũng"},{"@type":"Person","name":"Thu Hà"}],
           "keywords":"Lục Yên, chè Suối Giàng,  ",
           "image":[{"@type":"ImageObject","url":"anh/1.jpg"},"anh/2.jpg"],
           "articleBody":"Đoạn một.\nĐoạn <hai>."}]}</script>
        </head><body><p>Nội dung</p></body></html>"#,
    );
    write(
        dir.path(),
        "b.html",
        r#"<html><head>
        <meta property="og:title" content="Chỉ có OpenGraph">
        <meta property="article:published_time" content="2022-05-18T05:29:48Z">
        <meta property="article:author" content="https://facebook.com/bao">
        <meta name="author" content="Ban biên tập">
        <meta name="keywords" content="chè, Văn Chấn">
        <meta property="article:tag" content="chè Shan tuyết">
        <link rel="canonical" href="https://other-site.example/b.html">
        </head><body><time datetime="2020-01-01">cũ</time></body></html>"#,
    );
    let base = serve(dir.path().to_path_buf()).await;
    let cfg = HtmlCfg {
        item: ".item".into(),
        link: "a".into(),
        pages: 1,
        ..HtmlCfg::default()
    };
    let src = source("s", base.join("index.html").expect("url"), &cfg);
    let out = scrape(&src, &cfg, &Recording::new()).await.expect("scrape");
    assert_eq!(out.degraded, None);
    let a = &out.articles[0];
    assert_eq!(a.title.as_deref(), Some("Tiêu đề JSON-LD"));
    assert_eq!(a.published.as_deref(), Some("18/05/2022 17:29"));
    assert_eq!(a.authors, ["Anh Dũng", "Thu Hà"]);
    assert_eq!(a.tags, ["Lục Yên", "chè Suối Giàng"]);
    assert_eq!(a.image.as_deref(), Some(at(&base, "anh/1.jpg").as_str()));
    assert_eq!(
        a.content_html.as_deref(),
        Some("<p>Đoạn một.</p><p>Đoạn &lt;hai&gt;.</p>")
    );
    let b = &out.articles[1];
    assert_eq!(b.title.as_deref(), Some("Chỉ có OpenGraph"));
    assert_eq!(b.published.as_deref(), Some("2022-05-18T05:29:48Z"));
    // article:author is a profile URL here, so the <meta name="author"> name is used.
    assert_eq!(b.authors, ["Ban biên tập"]);
    assert_eq!(b.tags, ["chè Shan tuyết"]);
    // A canonical link to another host does not replace the page's own URL.
    assert_eq!(b.link.as_deref(), Some(at(&base, "b.html").as_str()));
    assert!(out
        .warnings
        .iter()
        .any(|w| w.contains("<link rel=canonical> not used") && w.contains("other-site.example")));
}

#[tokio::test]
async fn a_changed_listing_layout_is_reported_as_degraded() {
    let base = serve(site_dir()).await;
    let mut cfg = site_html_cfg();
    cfg.item = "div.danh-sach .tin".into();
    let listing = base.join("index.html").expect("url");
    let pages = Recording::new();
    let out = scrape(&source("s", listing.clone(), &cfg), &cfg, &pages)
        .await
        .expect("scrape");
    assert!(out.articles.is_empty());
    assert_eq!(
        out.degraded.as_deref(),
        Some(
            format!("selector `item` = `div.danh-sach .tin` matched nothing on {listing}").as_str()
        )
    );
    assert_eq!(
        pages.seen(),
        vec![listing.to_string()],
        "no article page fetched"
    );

    let mut cfg = site_html_cfg();
    cfg.link = "a.tieu-de".into();
    let out = scrape(&source("s", listing.clone(), &cfg), &cfg, &Recording::new())
        .await
        .expect("scrape");
    let degraded = out.degraded.expect("degraded");
    assert!(
        degraded.starts_with(&format!(
            "selector `link` = `a.tieu-de` matched no element with an href in any of the 4 items on {listing}"
        )),
        "{degraded}"
    );
}

#[tokio::test]
async fn an_article_page_without_a_title_is_reported_and_the_others_kept() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "index.html",
        &listing_page(&["ok.html", "trong.html"]),
    );
    write(
        dir.path(),
        "ok.html",
        "<html><body><h1 class=\"title\">Bài còn tốt</h1></body></html>",
    );
    write(
        dir.path(),
        "trong.html",
        "<html><body><h2 class=\"tieu-de-moi\">Giao diện mới</h2></body></html>",
    );
    let base = serve(dir.path().to_path_buf()).await;
    let cfg = HtmlCfg {
        item: ".item".into(),
        link: "a".into(),
        pages: 1,
        title: Some("h1.title".into()),
        ..HtmlCfg::default()
    };
    let out = scrape(
        &source("s", base.join("index.html").expect("url"), &cfg),
        &cfg,
        &Recording::new(),
    )
    .await
    .expect("scrape");
    let titles: Vec<_> = out
        .articles
        .iter()
        .filter_map(|a| a.title.clone())
        .collect();
    assert_eq!(titles, ["Bài còn tốt"]);
    let degraded = out.degraded.expect("degraded");
    assert!(
        degraded.contains("1 of 2 article pages yielded no title"),
        "{degraded}"
    );
    assert!(degraded.contains("`h1.title`"), "{degraded}");
    assert!(degraded.contains(&at(&base, "trong.html")), "{degraded}");
}

#[tokio::test]
async fn a_hostile_listing_cannot_send_feedmill_to_internal_addresses() {
    let dir = tempfile::tempdir().expect("tempdir");
    let base = serve(dir.path().to_path_buf()).await;
    // Another port on the same loopback address is another service.
    let other_port = format!("http://127.0.0.1:{}/x", base.port().unwrap_or(80) ^ 1);
    let bad = [
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.1/admin",
        "http://[::1]/",
        "http://localhost/",
        "javascript:alert(1)",
        "file:///etc/passwd",
        other_port.as_str(),
    ];
    let mut links = bad.to_vec();
    links.push("ok.html");
    write(dir.path(), "index.html", &listing_page(&links));
    write(
        dir.path(),
        "ok.html",
        "<html><head><title>Được phép</title></head></html>",
    );

    let cfg = HtmlCfg {
        item: ".item".into(),
        link: "a".into(),
        pages: 1,
        ..HtmlCfg::default()
    };
    let pages = Recording::new();
    let out = scrape(
        &source("s", base.join("index.html").expect("url"), &cfg),
        &cfg,
        &pages,
    )
    .await
    .expect("scrape");
    assert_eq!(
        pages.seen(),
        vec![at(&base, "index.html"), at(&base, "ok.html")]
    );
    assert_eq!(out.articles.len(), 1);
    for b in bad {
        let host = Url::parse(b).expect("url");
        assert!(
            out.warnings.iter().any(|w| w.contains(host.as_str())),
            "no warning for {b}: {:?}",
            out.warnings
        );
    }
}

#[tokio::test]
async fn a_listing_that_cannot_be_fetched_is_an_error_naming_the_source() {
    let dir = tempfile::tempdir().expect("tempdir");
    let base = serve(dir.path().to_path_buf()).await;
    let cfg = listing_only();
    let listing = base.join("khong-co.html").expect("url");
    let err = scrape(
        &source("tin-tinh", listing.clone(), &cfg),
        &cfg,
        &Recording::new(),
    )
    .await
    .expect_err("404");
    assert_eq!(
        err,
        format!("source tin-tinh: listing: {listing}: HTTP 404 Not Found")
    );
}
