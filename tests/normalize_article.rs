//! `Normalizer::article`, categories and `dedup` end to end, on the seed article
//! (../shared/seeds/000_df33ac9889921649.txt) as a feed item.

use std::path::Path;

use feedmill::config::{CategoryCfg, Config, HtmlCfg, LimitsCfg, Source, SourceKind, SourceUrl};
use feedmill::model::{Article, RawArticle, Tag};
use feedmill::normalize::{dedup, Normalizer};
use proptest::prelude::*;
use regex::Regex;
use url::Url;

const SEED_LINK: &str =
    "https://baoyenbai.com.vn/12/255024/Luc-Yen-Nang-cao-suc-chien-dau.aspx?utm_source=rss&id=1#binh-luan";
/// The seed's own link: tracking parameters dropped, its fragment kept (matching across
/// sources ignores the fragment, the link a reader follows does not).
const SEED_URL: &str =
    "https://baoyenbai.com.vn/12/255024/Luc-Yen-Nang-cao-suc-chien-dau.aspx?id=1#binh-luan";

const SEED_LEAD: &str = "YênBái - Thực hiện Nghị quyết số 37 ngày 24/4/2021 của Ban Chấp hành \
Đảng bộ tỉnh Khóa XIX về nâng cao năng lực lãnh đạo và sức chiến đấu của cấp ủy, tổ chức đảng, \
trọng tâm là cấp ủy cơ sở và cấp trên trực tiếp cơ sở giai đoạn 2021 - 2025, định hướng đến năm \
2030, Ban Thường vụ Huyện ủy Lục Yên đã xây dựng và ban hành Chương trình hành động số 18 về thực \
hiện Nghị quyết số 37.";

fn source(name: &str, url: &str) -> Source {
    Source::feed(name, SourceUrl::Http(Url::parse(url).expect("test URL")))
}

fn category(name: &str, sources: &[&str], tags: &[&str], pattern: Option<&str>) -> CategoryCfg {
    CategoryCfg {
        name: name.to_string(),
        slug: feedmill::text::slugify(name),
        sources: sources.iter().map(|s| s.to_string()).collect(),
        tags: tags.iter().map(|&s| s.into()).collect(),
        pattern: pattern.map(|p| Regex::new(p).expect("test regex")),
    }
}

fn config() -> Config {
    let mut cfg = Config::minimal(Path::new("/tmp/feedmill-test"));
    cfg.site.timezone = chrono_tz::Asia::Ho_Chi_Minh;
    cfg.tags.aliases.insert(
        "Lục Yên".to_string(),
        vec!["huyện Lục Yên".to_string(), "Luc Yen".to_string()],
    );
    cfg.categories = vec![
        category("Xây dựng Đảng", &["baoyenbai-xdd"], &[], None),
        category("Giao thông", &[], &["giao thông nông thôn"], None),
        category("Địa phương", &[], &["Luc Yen"], None),
        category("Nông nghiệp", &[], &["chè", "lúa"], Some("(?i)nông nghiệp")),
        category("Thời sự", &[], &[], None),
    ];
    cfg
}

fn seed_raw() -> RawArticle<'static> {
    let content = format!(
        r#"<p>{SEED_LEAD}</p>
<figure><img src="/Uploads/Images/2022/05/18/luc-yen.jpg" alt="Đồng chí Vũ Quỳnh Khánh" onerror="x()">
<figcaption>Đồng chí Vũ Quỳnh Khánh - Phó Chủ tịch HĐND tỉnh trao đổi với đảng viên Chi bộ thôn Úc, xã Tân Lập.</figcaption></figure>
<p>Sau 1 năm thực hiện, đội ngũ cán bộ công chức, viên chức trong huyện&nbsp;được quan tâm.</p>
<script>trackReader()</script><div class="ads"><iframe src="https://ads.example/"></iframe></div>
<p>Việc đổi mới phương thức lãnh đạo, phân công cụ thể "giao nhiệm vụ, khoán sản phẩm” bắt đầu đi vào nền nếp.</p>"#
    );
    RawArticle {
        guid: Some("255024".into()),
        link: Some(SEED_LINK.into()),
        base: None,
        title: Some("Lục Yên: Nâng cao <b>sức chiến đấu</b> của tổ chức đảng ở cơ sở".into()),
        summary_html: None,
        content_html: Some(content.into()),
        authors: vec!["Anh Dũng".into(), " Anh  Dũng ".into()],
        published: Some("Thứ tư, 18/5/2022 | 5:29:48 AM".into()),
        updated: None,
        image: None,
        tags: [
            "Lục Yên",
            "sức chiến đấu",
            "Nghị quyết số 37",
            "\"giao nhiệm vụ khoán sản phẩm”",
            "luân chuyển cán bộ",
            "hiến đất",
            "giao thông nông thôn",
        ]
        .iter()
        .map(|&s| s.into())
        .collect(),
        ..RawArticle::default()
    }
}

fn names(tags: &[Tag]) -> Vec<&str> {
    tags.iter().map(|t| t.name.as_str()).collect()
}

#[test]
fn seed_article_end_to_end() {
    let cfg = config();
    let mut src = source(
        "baoyenbai-xdd",
        "https://baoyenbai.com.vn/rss/xay-dung-dang.rss",
    );
    src.category = Some("Thời sự".to_string());
    src.tags = vec!["Yên Bái".to_string()];
    let n = Normalizer::new(&cfg);
    let mut warnings = Vec::new();
    let a = n
        .article(seed_raw(), &src, &mut warnings)
        .expect("the seed is an article");
    assert!(warnings.is_empty(), "{warnings:?}");

    assert_eq!(a.source, "baoyenbai-xdd");
    assert_eq!(a.source_guid.as_deref(), Some("255024"));
    assert_eq!(a.url.as_deref(), Some(SEED_URL));
    assert_eq!(
        a.title,
        "Lục Yên: Nâng cao sức chiến đấu của tổ chức đảng ở cơ sở"
    );
    assert_eq!(a.authors, vec!["Anh Dũng"]);
    let published = a.published.expect("published");
    assert_eq!(published.to_rfc3339(), "2022-05-18T05:29:48+07:00");
    assert_eq!(
        published.with_timezone(&chrono::Utc).to_rfc3339(),
        "2022-05-17T22:29:48+00:00"
    );
    assert_eq!(a.updated, None);
    assert_eq!(
        a.image.as_deref(),
        Some("https://baoyenbai.com.vn/Uploads/Images/2022/05/18/luc-yen.jpg")
    );

    // Summary: the first paragraph, cut at a word boundary.
    assert!(a.summary.chars().count() <= 301, "{}", a.summary);
    assert!(a.summary.ends_with('…'), "{}", a.summary);
    let head = a.summary.trim_end_matches('…');
    assert!(SEED_LEAD.starts_with(head), "{}", a.summary);
    assert!(
        SEED_LEAD[head.len()..].starts_with(' '),
        "cut inside a word"
    );

    // Content: sanitized, absolute, structure kept.
    for bad in ["script", "trackReader", "iframe", "ads.example", "onerror"] {
        assert!(!a.content.contains(bad), "{bad} in {}", a.content);
    }
    assert!(a.content.contains(
        r#"<img src="https://baoyenbai.com.vn/Uploads/Images/2022/05/18/luc-yen.jpg" alt="Đồng chí Vũ Quỳnh Khánh">"#
    ));
    assert!(a.content.contains("<figcaption>Đồng chí Vũ Quỳnh Khánh"));
    assert!(a.content.contains("huyện&nbsp;được"), "{}", a.content);

    assert_eq!(
        names(&a.tags),
        [
            "Lục Yên",
            "sức chiến đấu",
            "Nghị quyết số 37",
            "giao nhiệm vụ khoán sản phẩm",
            "luân chuyển cán bộ",
            "hiến đất",
            "giao thông nông thôn",
            "Yên Bái"
        ]
    );
    assert_eq!(
        a.categories,
        ["Xây dựng Đảng", "Giao thông", "Địa phương", "Thời sự"]
    );

    // The id is 32 hex digits and stable.
    assert_eq!(a.id.len(), 32);
    assert!(a.id.bytes().all(|b| b.is_ascii_hexdigit()));
    let again = n.article(seed_raw(), &src, &mut warnings).expect("again");
    assert_eq!(again.id, a.id);
    let other = source("tin-tinh", "https://example.vn/rss.xml");
    let elsewhere = n.article(seed_raw(), &other, &mut warnings).expect("other");
    assert_ne!(elsewhere.id, a.id);
}

#[test]
fn categories_by_source_tag_regex_and_feed_category() {
    let cfg = config();
    let n = Normalizer::new(&cfg);
    let mut w = Vec::new();
    let raw = |title: &str, tags: &[&str]| RawArticle {
        title: Some(title.to_owned().into()),
        link: Some(format!("https://example.vn/{}", feedmill::text::slugify(title)).into()),
        tags: tags.iter().map(|&s| s.to_owned().into()).collect(),
        ..RawArticle::default()
    };
    let plain = source("tin-tinh", "https://example.vn/rss.xml");

    // By source.
    let xdd = source("baoyenbai-xdd", "https://baoyenbai.com.vn/rss.xml");
    let a = n.article(raw("Hội nghị", &[]), &xdd, &mut w).expect("a");
    assert_eq!(a.categories, ["Xây dựng Đảng"]);

    // By tag, through an alias spelling on either side (`Luc Yen` in config,
    // `huyện Lục Yên` in the item).
    let a = n
        .article(raw("Tin huyện", &["HUYỆN LỤC YÊN"]), &plain, &mut w)
        .expect("a");
    assert_eq!(a.categories, ["Địa phương"]);
    assert_eq!(
        a.tags,
        [Tag {
            key: "lục yên".into(),
            name: "Lục Yên".into()
        }]
    );

    // By title regex, case-insensitive, and by tag `Lúa` (not `Lụa`).
    let a = n
        .article(raw("Phát triển NÔNG NGHIỆP bền vững", &[]), &plain, &mut w)
        .expect("a");
    assert_eq!(a.categories, ["Nông nghiệp"]);
    let a = n
        .article(raw("Vụ mùa", &["LÚA"]), &plain, &mut w)
        .expect("a");
    assert_eq!(a.categories, ["Nông nghiệp"]);
    let a = n
        .article(raw("Làng nghề", &["Lụa"]), &plain, &mut w)
        .expect("a");
    assert!(a.categories.is_empty(), "{:?}", a.categories);

    // By the item's own feed category equal to a [[category]] name after normalization.
    let a = n
        .article(raw("Tin nóng", &["“THỜI SỰ”"]), &plain, &mut w)
        .expect("a");
    assert_eq!(a.categories, ["Thời sự"]);

    // A source category naming no [[category]] is still a category; several rules at once
    // give each category once, in config order.
    let mut kt = source("kinh-te", "https://example.vn/kt.rss");
    kt.category = Some(" Kinh tế ".to_string());
    kt.tags = vec!["chè".to_string()];
    let a = n
        .article(
            raw("Nông nghiệp xanh", &["Giao thông nông thôn"]),
            &kt,
            &mut w,
        )
        .expect("a");
    assert_eq!(a.categories, ["Giao thông", "Nông nghiệp", "Kinh tế"]);
    assert!(w.is_empty(), "{w:?}");
}

#[test]
fn bad_dates_warn_and_keep_the_item() {
    let n = Normalizer::new(&config());
    let src = source("tin-tinh", "https://example.vn/rss.xml");
    let mut w = Vec::new();
    let raw = RawArticle {
        title: Some("Tin".into()),
        link: Some("https://example.vn/tin".into()),
        published: Some("hôm qua lúc chiều".into()),
        updated: Some("2022-05-18T05:29:48Z".into()),
        ..RawArticle::default()
    };
    let a = n.article(raw, &src, &mut w).expect("kept");
    assert_eq!(a.published, None);
    assert_eq!(
        a.updated.map(|d| d.to_rfc3339()).as_deref(),
        Some("2022-05-18T05:29:48+00:00")
    );
    assert_eq!(w.len(), 1, "{w:?}");
    assert!(
        w[0].contains("tin-tinh") && w[0].contains("hôm qua lúc chiều"),
        "{}",
        w[0]
    );
}

#[test]
fn source_timezone_and_date_formats() {
    let n = Normalizer::new(&config());
    let mut src = source("paris", "https://example.fr/");
    src.timezone = Some(chrono_tz::Europe::Paris);
    src.kind = SourceKind::Html;
    src.html = Some(HtmlCfg {
        date_formats: vec!["%m/%d/%Y %H:%M".to_string()],
        ..HtmlCfg::default()
    });
    let mut w = Vec::new();
    let raw = RawArticle {
        title: Some("Titre".into()),
        link: Some("https://example.fr/a".into()),
        published: Some("05/06/2022 10:00".into()),
        updated: Some("18 mai 2022 à 05h29".into()),
        ..RawArticle::default()
    };
    let a = n.article(raw, &src, &mut w).expect("a");
    assert_eq!(
        a.published.map(|d| d.to_rfc3339()).as_deref(),
        Some("2022-05-06T10:00:00+02:00")
    );
    assert_eq!(
        a.updated.map(|d| d.to_rfc3339()).as_deref(),
        Some("2022-05-18T05:29:00+02:00")
    );
}

#[test]
fn empty_items_and_fallback_titles() {
    let n = Normalizer::new(&config());
    let src = source("tin-tinh", "https://example.vn/rss/");
    let mut w = Vec::new();
    assert_eq!(n.article(RawArticle::default(), &src, &mut w), None);
    let blank = RawArticle {
        title: Some("  <b> </b> ".into()),
        link: Some("javascript:void(0)".into()),
        content_html: Some("<script>x()</script>".into()),
        ..RawArticle::default()
    };
    assert_eq!(n.article(blank, &src, &mut w), None);
    assert!(w.iter().any(|m| m.contains("javascript:void(0)")), "{w:?}");

    // No title: the summary's first words, then the URL.
    let raw = RawArticle {
        summary_html: Some(
            "<p>Đảng bộ xã Hồng Ca, huyện Trấn Yên có 19 chi bộ, với 280 đảng viên; trong đó, có 13 chi bộ thôn.</p>"
                .into(),
        ),
        ..RawArticle::default()
    };
    let a = n.article(raw, &src, &mut w).expect("summary only");
    assert_eq!(
        a.title,
        "Đảng bộ xã Hồng Ca, huyện Trấn Yên có 19 chi bộ, với 280 đảng viên…"
    );
    assert_eq!(
        a.content,
        "<p>Đảng bộ xã Hồng Ca, huyện Trấn Yên có 19 chi bộ, với 280 đảng viên; trong đó, có 13 chi bộ thôn.</p>"
    );
    let raw = RawArticle {
        link: Some("tin/1.html?utm_medium=x".into()),
        ..RawArticle::default()
    };
    let a = n.article(raw, &src, &mut w).expect("link only");
    assert_eq!(a.title, "https://example.vn/rss/tin/1.html");
    assert_eq!(a.url.as_deref(), Some("https://example.vn/rss/tin/1.html"));
}

#[test]
fn a_permalink_guid_stands_in_for_a_missing_link_and_no_other_guid_does() {
    let n = Normalizer::new(&config());
    let src = source("tin-tinh", "https://example.vn/rss/");
    let doc = r#"<rss version="2.0"><channel><title>T</title>
        <item><title>Tin 1</title><guid>https://example.vn/tin/9.html?utm_source=rss</guid></item>
        <item><title>Tin 2</title><guid isPermaLink="false">https://example.vn/tin/10.html</guid></item>
        <item><title>Tin 3</title><guid>urn:uuid:1234</guid></item>
        <item><title>Tin 4</title><guid>9</guid></item>
        </channel></rss>"#;
    let base = Url::parse("https://example.vn/rss/").unwrap();
    let feed = feedmill::read::read_feed(doc.as_bytes(), None, Some(&base)).unwrap();
    let mut w = Vec::new();
    let urls: Vec<Option<String>> = n
        .articles(feed.items, &src, &mut w)
        .into_iter()
        .map(|a| a.url)
        .collect();
    assert_eq!(
        urls,
        [
            Some("https://example.vn/tin/9.html".to_string()),
            None,
            None,
            None
        ]
    );
    assert!(w.is_empty(), "{w:?}");
}

#[test]
fn xml_base_resolves_content_and_image() {
    let n = Normalizer::new(&config());
    let src = source("tin-tinh", "https://example.vn/rss/feed.xml");
    let mut w = Vec::new();
    let raw = RawArticle {
        title: Some("Ảnh".into()),
        link: Some("/tin/2.html".into()),
        base: Some("https://cdn.example.vn/bai/".into()),
        content_html: Some(r#"<p><a href="3.html">tiếp</a></p>"#.into()),
        image: Some("anh/1.jpg".into()),
        ..RawArticle::default()
    };
    let a = n.article(raw, &src, &mut w).expect("a");
    assert_eq!(a.url.as_deref(), Some("https://cdn.example.vn/tin/2.html"));
    assert_eq!(
        a.image.as_deref(),
        Some("https://cdn.example.vn/bai/anh/1.jpg")
    );
    assert!(
        a.content
            .contains(r#"href="https://cdn.example.vn/bai/3.html""#),
        "{}",
        a.content
    );
    assert_eq!(a.summary, "tiếp");
}

fn normalized(n: &Normalizer, src: &Source, raw: RawArticle) -> Article {
    let mut w = Vec::new();
    let a = n.article(raw, src, &mut w).expect("article");
    assert!(w.is_empty(), "{w:?}");
    a
}

#[test]
fn same_article_from_two_sources_appears_once() {
    let n = Normalizer::new(&config());
    let mut xdd = source("baoyenbai-xdd", "https://baoyenbai.com.vn/rss/xdd.rss");
    xdd.tags = vec!["Yên Bái".to_string()];
    let mut tinh = source("tin-tinh", "https://example.vn/rss/tin-tuc.rss");
    tinh.category = Some("Kinh tế".to_string());

    let full = seed_raw();
    let short = RawArticle {
        guid: Some("tin-tinh-77".into()),
        link: Some(
            "https://baoyenbai.com.vn/12/255024/Luc-Yen-Nang-cao-suc-chien-dau.aspx?id=1&fbclid=zz"
                .into(),
        ),
        content_html: Some("<p>Ngắn.</p>".into()),
        published: Some("2022-05-18T06:00:00+07:00".into()),
        tags: vec!["LỤC YÊN".into(), "Đảng bộ".into()],
        ..seed_raw()
    };
    let a = normalized(&n, &xdd, full);
    let b = normalized(&n, &tinh, short);
    let other = normalized(
        &n,
        &tinh,
        RawArticle {
            guid: Some("tin-tinh-78".into()),
            title: Some("Tin khác".into()),
            link: Some("https://example.vn/tin-khac".into()),
            published: Some("2022-05-19 08:00".into()),
            ..RawArticle::default()
        },
    );
    let undated = normalized(
        &n,
        &tinh,
        RawArticle {
            title: Some("Không ngày".into()),
            link: Some("https://example.vn/khong-ngay".into()),
            ..RawArticle::default()
        },
    );

    let limits = LimitsCfg::default();
    let forward = dedup(
        vec![a.clone(), b.clone(), other.clone(), undated.clone()],
        &limits,
    );
    let backward = dedup(
        vec![undated.clone(), other.clone(), b.clone(), a.clone()],
        &limits,
    );
    assert_eq!(forward, backward, "order of sources must not matter");
    assert_eq!(forward.len(), 3);
    assert_eq!(forward[0].id, other.id);
    assert_eq!(forward[2].id, undated.id);

    let merged = &forward[1];
    assert_eq!(merged.id, a.id.clone().min(b.id.clone()));
    assert_eq!(merged.url.as_deref(), Some(SEED_URL));
    assert_eq!(merged.content, a.content, "the richest content wins");
    assert_eq!(
        merged.published.map(|d| d.to_rfc3339()).as_deref(),
        Some("2022-05-18T05:29:48+07:00"),
        "the richest record's own date, not a mix of both"
    );
    let keys: Vec<&str> = merged.tags.iter().map(|t| t.key.as_str()).collect();
    for k in ["lục yên", "yên bái", "đảng bộ", "hiến đất"] {
        assert_eq!(
            keys.iter().filter(|x| **x == k).count(),
            1,
            "{k} in {keys:?}"
        );
    }
    assert_eq!(merged.tags.len(), 9);
    for c in ["Xây dựng Đảng", "Giao thông", "Địa phương", "Kinh tế"] {
        assert_eq!(
            merged.categories.iter().filter(|x| *x == c).count(),
            1,
            "{c}"
        );
    }
}

#[test]
fn global_guids_match_across_sources_local_ones_do_not() {
    let n = Normalizer::new(&config());
    let s1 = source("a", "https://a.example/rss");
    let s2 = source("b", "https://b.example/rss");
    let item = |guid: &str, link: &str| RawArticle {
        guid: Some(guid.to_owned().into()),
        title: Some("Tin".into()),
        link: Some(link.to_owned().into()),
        ..RawArticle::default()
    };
    let urn = dedup(
        vec![
            normalized(
                &n,
                &s1,
                item(
                    "urn:uuid:1b4e28ba-2fa1-11d2-883f-0016d3cca427",
                    "https://a.example/1",
                ),
            ),
            normalized(
                &n,
                &s2,
                item(
                    "urn:uuid:1b4e28ba-2fa1-11d2-883f-0016d3cca427",
                    "https://b.example/9",
                ),
            ),
        ],
        &LimitsCfg::default(),
    );
    assert_eq!(urn.len(), 1);
    let local = dedup(
        vec![
            normalized(&n, &s1, item("42", "https://a.example/1")),
            normalized(&n, &s2, item("42", "https://b.example/9")),
        ],
        &LimitsCfg::default(),
    );
    assert_eq!(local.len(), 2);
}

#[test]
fn repeated_guid_in_one_feed_keeps_distinct_items() {
    let n = Normalizer::new(&config());
    let s = source("a", "https://a.example/rss");
    let item = |link: &str| RawArticle {
        guid: Some("1".into()),
        title: Some(link.to_owned().into()),
        link: Some(link.to_owned().into()),
        ..RawArticle::default()
    };
    // Identity within one source is the per-source step's: distinct items under one GUID
    // each get an id of their own, the exact copy is dropped with a warning.
    let mut w = Vec::new();
    let out = n.articles(
        vec![
            item("https://a.example/x"),
            item("https://a.example/y"),
            item("https://a.example/x"),
        ],
        &s,
        &mut w,
    );
    assert_eq!(out.len(), 2);
    assert!(w.iter().any(|w| w.contains("exact copies")), "{w:?}");
    assert_ne!(out[0].id, out[1].id);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Whatever a source sends, normalization returns or declines; it never panics, and
    /// what it returns is NFC, XML-safe, with an http(s) URL if any.
    #[test]
    fn arbitrary_items_never_panic(
        title in proptest::option::of(any::<String>()),
        link in proptest::option::of("(https?://|javascript:|/|)[a-z./?&=#%_-]{0,30}"),
        content in proptest::option::of("(<[a-z/ =\"]{0,12}>|[^<]{0,20}|&[a-z#0-9]{0,6};?){0,12}"),
        date in proptest::option::of(any::<String>()),
        tags in proptest::collection::vec(any::<String>(), 0..4),
    ) {
        let n = Normalizer::new(&config());
        let src = source("tin-tinh", "https://example.vn/rss/");
        let raw = RawArticle {
            title: title.map(Into::into), link: link.map(Into::into),
            content_html: content.clone().map(Into::into), summary_html: content.map(Into::into),
            published: date.map(Into::into), tags: tags.into_iter().map(Into::into).collect(),
            ..RawArticle::default()
        };
        let mut w = Vec::new();
        if let Some(a) = n.article(raw, &src, &mut w) {
            prop_assert_eq!(feedmill::text::nfc(&a.title), a.title.clone());
            prop_assert!(a.title.chars().all(feedmill::text::is_xml_char));
            prop_assert!(a.summary.chars().all(feedmill::text::is_xml_char));
            prop_assert!(a.content.chars().all(feedmill::text::is_xml_char));
            if let Some(u) = &a.url {
                prop_assert!(u.starts_with("http://") || u.starts_with("https://"));
            }
            prop_assert!(a.tags.iter().all(|t| !t.key.is_empty()));
        }
    }
}
