//! The example news site (examples/site), served from a real HTTP server on 127.0.0.1 and
//! scraped with the selectors of examples/site/source.toml.

mod scrape_common;

use feedmill::scrape::{inspect, scrape};
use scrape_common::*;
use url::Url;

const SEED_TAGS: [&str; 7] = [
    "Lục Yên",
    "sức chiến đấu",
    "Nghị quyết số 37",
    "\"giao nhiệm vụ khoán sản phẩm”",
    "luân chuyển cán bộ",
    "hiến đất",
    "giao thông nông thôn",
];

fn at(base: &Url, page: &str) -> String {
    base.join(page).expect("join").to_string()
}

#[tokio::test]
async fn every_field_of_the_seed_article() {
    let base = serve(site_dir()).await;
    let cfg = site_html_cfg();
    let src = source("baoyenbai-xdd", base.join("index.html").expect("url"), &cfg);
    let pages = Recording::new();
    let out = scrape(&src, &cfg, &pages).await.expect("scrape");
    assert_eq!(out.degraded, None, "warnings: {:?}", out.warnings);
    let links: Vec<_> = out
        .articles
        .iter()
        .map(|a| a.link.as_deref().map(String::from))
        .collect();
    assert_eq!(
        links,
        vec![
            Some(at(&base, LUC_YEN)),
            Some(at(&base, LUONG_THINH)),
            Some(at(&base, HONG_CA))
        ]
    );
    let a = &out.articles[0];
    assert_eq!(
        a.title.as_deref(),
        Some("Lục Yên: Nâng cao sức chiến đấu của tổ chức đảng ở cơ sở")
    );
    // The `date` selector lands on the span after "Cập nhật:"; normalize reads it.
    assert_eq!(
        a.published.as_deref(),
        Some("Thứ tư, 18/5/2022 | 5:29:48 AM")
    );
    // No selector for the update date: JSON-LD dateModified.
    assert_eq!(a.updated.as_deref(), Some("2022-05-18T05:29:48+07:00"));
    assert_eq!(a.authors, vec!["Anh Dũng"]);
    assert_eq!(a.tags, SEED_TAGS);
    assert_eq!(
        a.image.as_deref(),
        Some(at(&base, "images/luc-yen-chi-bo-thon-uc.png").as_str())
    );
    assert_eq!(a.base.as_deref(), Some(at(&base, LUC_YEN).as_str()));
    let summary = a.summary_html.as_deref().expect("summary");
    assert!(
        summary.starts_with("<b>YênBái</b> - Thực hiện Nghị quyết số 37 ngày 24/4/2021"),
        "{summary}"
    );
    assert!(summary.ends_with("Chương trình hành động số 18 về thực hiện Nghị quyết số 37."));

    let content = a.content_html.as_deref().expect("content");
    assert!(content.starts_with("<figure class=\"image\">"), "{content}");
    assert!(content.contains(&format!(
        "<img alt=\"Đồng chí Vũ Quỳnh Khánh - Phó Chủ tịch HĐND tỉnh, Trưởng Đoàn công tác số 9 của Ban Thường vụ Tỉnh ủy (người thứ 4, phải sang) trao đổi với đảng viên Chi bộ thôn Úc, xã Tân Lập.\" src=\"{}\">",
        at(&base, "images/luc-yen-chi-bo-thon-uc.png")
    )));
    assert!(content.contains("<figcaption>Đồng chí Vũ Quỳnh Khánh - Phó Chủ tịch HĐND tỉnh"));
    assert!(content.contains("<p>Sau 1 năm thực hiện, đội ngũ cán bộ công chức"));
    assert!(content.contains("phân công cụ thể \"giao nhiệm vụ, khoán sản phẩm” bắt đầu"));
    assert!(
        content.ends_with("chủ trương bí thư đảng ủy cơ sở không phải là người địa phương.</p>")
    );
    assert_eq!(content.matches("<p>").count(), 9, "nine body paragraphs");
    for gone in [
        "<script",
        "adsQueue",
        "thongke",
        "class=\"ads\"",
        "Quảng cáo",
        "quangcao",
    ] {
        assert!(
            !content.contains(gone),
            "content still has {gone}: {content}"
        );
    }
    // The author line, share box and tags sit outside the content element.
    assert!(!content.contains("Anh Dũng") && !content.contains("Chia sẻ"));
}

#[tokio::test]
async fn pm_and_midnight_dates_and_their_other_fields() {
    let base = serve(site_dir()).await;
    let cfg = site_html_cfg();
    let src = source("baoyenbai-xdd", base.join("index.html").expect("url"), &cfg);
    let out = scrape(&src, &cfg, &Recording::new()).await.expect("scrape");
    let by_link = |page: &str| {
        out.articles
            .iter()
            .find(|a| a.link.as_deref() == Some(at(&base, page).as_str()))
            .expect("article present")
    };
    let pm = by_link(LUONG_THINH);
    assert_eq!(
        pm.published.as_deref(),
        Some("Thứ ba, 17/5/2022 | 3:15:20 PM")
    );
    assert_eq!(pm.authors, vec!["Thanh Tâm"]);
    assert_eq!(
        pm.tags,
        ["Lương Thịnh", "Trấn Yên", "nông thôn mới", "xây dựng Đảng"]
    );
    assert_eq!(pm.updated.as_deref(), Some("2022-05-17T16:02:00+07:00"));
    let midnight = by_link(HONG_CA);
    assert_eq!(
        midnight.title.as_deref(),
        Some("Hồng Ca chú trọng công tác phát triển Đảng")
    );
    // The visible text, not the <time datetime> attribute: what the operator selected.
    assert_eq!(
        midnight.published.as_deref(),
        Some("Thứ hai, 16/5/2022 | 12:00:00 AM")
    );
    assert_eq!(midnight.authors, vec!["Minh Huyền"]);
    assert_eq!(midnight.tags, ["Hồng Ca", "phát triển Đảng", "đoàn viên"]);
    let content = midnight.content_html.as_deref().expect("content");
    assert!(!content.contains("<script") && !content.contains("document.write"));
}

#[tokio::test]
async fn a_link_to_another_host_is_not_followed() {
    let base = serve(site_dir()).await;
    let cfg = site_html_cfg();
    let src = source("baoyenbai-xdd", base.join("index.html").expect("url"), &cfg);
    let pages = Recording::new();
    let out = scrape(&src, &cfg, &pages).await.expect("scrape");
    let seen = pages.seen();
    assert!(
        seen.iter().all(|u| u.starts_with(base.as_str())),
        "requested {seen:?}"
    );
    let skipped: Vec<_> = out
        .warnings
        .iter()
        .filter(|w| w.contains("https://quangcao.example.com/bai-viet-tai-tro.html"))
        .collect();
    assert_eq!(skipped.len(), 1, "{:?}", out.warnings);
    assert!(
        skipped[0].contains("not the listing's host"),
        "{}",
        skipped[0]
    );
    assert!(out.articles.iter().all(|a| !a
        .link
        .as_deref()
        .unwrap_or_default()
        .contains("quangcao")));
}

#[tokio::test]
async fn pages_follows_next_and_each_article_is_fetched_once() {
    let base = serve(site_dir()).await;
    let mut cfg = site_html_cfg();
    assert_eq!(cfg.pages, 2);
    let listing = base.join("index.html").expect("url");

    let pages = Recording::new();
    let two = scrape(&source("s", listing.clone(), &cfg), &cfg, &pages)
        .await
        .expect("scrape");
    assert_eq!(two.listing_pages, 2);
    assert_eq!(two.links, 3);
    let mut seen = pages.seen();
    seen.sort();
    let mut expected = vec![
        at(&base, "index.html"),
        at(&base, "page2.html"),
        at(&base, LUC_YEN),
        at(&base, LUONG_THINH),
        at(&base, HONG_CA),
    ];
    expected.sort();
    // The thumbnail links carry utm_*/fbclid/fragments: cleaned, deduplicated, one fetch each.
    assert_eq!(seen, expected);
    let next = two
        .selector_counts
        .iter()
        .find(|c| c.field == "next")
        .expect("next counted");
    assert_eq!((next.pages, next.pages_matched, next.matches), (2, 1, 1));

    cfg.pages = 1;
    let one = scrape(&source("s", listing, &cfg), &cfg, &Recording::new())
        .await
        .expect("scrape");
    assert_eq!(one.listing_pages, 1);
    let titles: Vec<_> = one
        .articles
        .iter()
        .filter_map(|a| a.title.clone())
        .collect();
    assert_eq!(
        titles,
        vec![
            "Lục Yên: Nâng cao sức chiến đấu của tổ chức đảng ở cơ sở",
            "Lương Thịnh: Xây dựng Đảng gắn với phát triển kinh tế - xã hội"
        ]
    );
}

#[tokio::test]
async fn the_site_scrapes_from_file_urls_too() {
    let cfg = site_html_cfg();
    let listing = Url::from_file_path(site_dir().join("index.html")).expect("file URL");
    let out = scrape(&source("s", listing, &cfg), &cfg, &Recording::new())
        .await
        .expect("scrape");
    assert_eq!(out.degraded, None);
    assert_eq!(out.articles.len(), 3);
    let seed = &out.articles[0];
    let page = Url::from_file_path(site_dir().join(LUC_YEN)).expect("file URL");
    // A local snapshot's canonical http(s) address is where the article really lives; over
    // HTTP the same canonical (another host) is refused and the page URL stays.
    assert_eq!(
        seed.link.as_deref(),
        Some("https://baoyenbai.com.vn/12/251437/Luc-Yen-Nang-cao-suc-chien-dau-cua-to-chuc-dang-o-co-so.aspx")
    );
    assert_eq!(seed.tags, SEED_TAGS);
    assert_eq!(
        seed.image.as_deref(),
        Some(
            page.join("images/luc-yen-chi-bo-thon-uc.png")
                .expect("join")
                .as_str()
        )
    );
}

#[tokio::test]
async fn inspect_reports_counts_and_fields() {
    let base = serve(site_dir()).await;
    let cfg = site_html_cfg();
    let src = source("baoyenbai-xdd", base.join("index.html").expect("url"), &cfg);
    let pages = Recording::new();
    let report = inspect(&src, &cfg, &pages).await.expect("inspect");
    assert_eq!(report.listing.len(), 2);
    assert_eq!(report.listing[0].items, 4);
    assert_eq!(report.listing[0].linked_items, 4);
    assert_eq!(report.listing[0].next_matches, Some(1));
    assert_eq!(report.listing[0].links.len(), 2);
    assert_eq!(report.articles.len(), 3);
    let seed = &report.articles[0];
    let count = |field: &str| {
        seed.counts
            .iter()
            .filter(|c| c.field == field)
            .map(|c| c.matches)
            .sum::<usize>()
    };
    assert_eq!(count("title"), 1);
    assert_eq!(count("tags"), 7);
    assert_eq!(count("image"), 2, "the photo and the ad image");
    assert_eq!(
        count("remove"),
        3,
        "the ad block, its script, the tracking script"
    );
    let text = report.to_string();
    assert!(text.contains("item      4 matched"), "{text}");
    assert!(text.contains("title     Lục Yên: Nâng cao sức chiến đấu của tổ chức đảng ở cơ sở   [selector `h1.title`]"), "{text}");
    assert!(
        text.contains("authors   Anh Dũng   [selector `.author`]"),
        "{text}"
    );
    assert!(text.ends_with("ok\n"), "{text}");
}
