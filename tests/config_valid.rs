//! Valid feeds.toml files: every value and every default comes through.

use std::path::{Path, PathBuf};
use std::time::Duration;

use feedmill::config::{Config, SourceKind, SourceUrl};
use url::Url;

const SAMPLE: &str = include_str!("data/config/sample.toml");
const FULL: &str = include_str!("data/config/full.toml");

fn parse(text: &str, path: &str) -> Config {
    match Config::parse(text, Path::new(path)) {
        Ok(cfg) => cfg,
        Err(errors) => {
            let all: Vec<String> = errors.iter().map(ToString::to_string).collect();
            panic!("expected a valid config, got:\n{}", all.join("\n"))
        }
    }
}

#[test]
fn the_issue_sample_parses_with_its_values_and_defaults() {
    let cfg = parse(SAMPLE, "/etc/feedmill/feeds.toml");
    assert_eq!(cfg.path, PathBuf::from("/etc/feedmill/feeds.toml"));
    assert_eq!(cfg.base_dir, PathBuf::from("/etc/feedmill"));

    assert_eq!(cfg.site.title, "Tin Yên Bái");
    assert_eq!(cfg.site.description, None);
    assert_eq!(cfg.site.base_url.as_str(), "https://feeds.example.vn/");
    assert_eq!(cfg.site.language, "vi");
    assert_eq!(cfg.site.timezone, chrono_tz::Asia::Ho_Chi_Minh);
    assert_eq!(cfg.site.output_dir, PathBuf::from("/etc/feedmill/public"));
    assert_eq!(cfg.site.store, PathBuf::from("/etc/feedmill/feedmill.db"));
    assert_eq!(cfg.site.hub, None);

    assert_eq!(cfg.feeds.items, 50);
    assert_eq!(cfg.feeds.tag_min_articles, 1);
    assert_eq!(cfg.merged.slug, "other-news");
    assert_eq!(cfg.merged.title, "Các tin khác");
    assert_eq!(cfg.merged.items, 100);

    // [fetch] and [store] are absent: all defaults.
    assert_eq!(cfg.fetch.concurrency, 16);
    assert_eq!(cfg.fetch.per_host, 2);
    assert_eq!(cfg.fetch.connect_timeout, Duration::from_secs(10));
    assert_eq!(cfg.fetch.timeout, Duration::from_secs(30));
    assert_eq!(cfg.fetch.retries, 2);
    assert_eq!(cfg.fetch.max_retry_after, Duration::from_secs(60));
    assert_eq!(cfg.fetch.max_bytes, 16 * 1024 * 1024);
    assert_eq!(cfg.fetch.max_redirects, 5);
    assert_eq!(cfg.fetch.user_agent, None);
    assert_eq!(cfg.fetch.refresh, Duration::from_secs(15 * 60));
    assert_eq!(cfg.store.retention_days, 90);

    assert_eq!(cfg.sources.len(), 1);
    let src = &cfg.sources[0];
    assert_eq!(src.name, "tin-tinh");
    assert_eq!(
        src.url,
        SourceUrl::Http(Url::parse("https://example.vn/rss/tin-tuc.rss").expect("url"))
    );
    assert_eq!(src.kind, SourceKind::Feed);
    assert_eq!(src.category.as_deref(), Some("Thời sự"));
    assert_eq!(src.tags, vec!["Yên Bái".to_string()]);
    assert_eq!(src.timezone, Some(chrono_tz::Asia::Ho_Chi_Minh));
    assert_eq!(src.refresh, None);
    assert_eq!(src.timeout, None);
    assert_eq!(src.connect_timeout, None);
    assert!(src.html.is_none());

    assert_eq!(cfg.categories.len(), 1);
    let cat = &cfg.categories[0];
    assert_eq!(cat.name, "Nông nghiệp");
    assert_eq!(cat.slug, "nong-nghiep");
    assert_eq!(cat.sources, vec!["tin-tinh".to_string()]);
    assert_eq!(cat.tags, vec!["chè".to_string(), "lúa".to_string()]);
    let re = cat.pattern.as_ref().expect("match compiled");
    assert!(re.is_match("Phát triển NÔNG NGHIỆP bền vững"));
    assert!(!re.is_match("Xây dựng Đảng"));

    assert_eq!(
        cfg.tags.aliases.get("Lục Yên"),
        Some(&vec!["huyện Lục Yên".to_string(), "Luc Yen".to_string()])
    );
    let keys = cfg.tags.alias_keys();
    assert_eq!(keys.get("luc yen").map(String::as_str), Some("lục yên"));
}

#[test]
fn every_key_with_non_default_values() {
    let cfg = parse(FULL, "/etc/feedmill/feeds.toml");
    assert_eq!(
        cfg.site.description.as_deref(),
        Some("Tin tức tỉnh Yên Bái")
    );
    // A trailing slash is added so feed paths join below it.
    assert_eq!(
        cfg.site.base_url.as_str(),
        "http://feeds.example.vn/yen-bai/"
    );
    assert_eq!(cfg.site.language, "vi-VN");
    assert_eq!(cfg.site.timezone, chrono_tz::Asia::Bangkok);
    assert_eq!(cfg.site.output_dir, PathBuf::from("/etc/out/public"));
    assert_eq!(
        cfg.site.store,
        PathBuf::from("/etc/feedmill/state/feedmill.db")
    );
    assert_eq!(
        cfg.site.hub.as_ref().map(Url::as_str),
        Some("https://hub.example/")
    );

    assert_eq!((cfg.feeds.items, cfg.feeds.tag_min_articles), (20, 3));
    assert_eq!(cfg.merged.slug, "tin-khac");
    assert_eq!(cfg.merged.title, "Tin khác");
    assert_eq!(cfg.merged.items, 40);

    assert_eq!(cfg.fetch.concurrency, 8);
    assert_eq!(cfg.fetch.per_host, 1);
    assert_eq!(cfg.fetch.connect_timeout, Duration::from_millis(500));
    assert_eq!(cfg.fetch.timeout, Duration::from_secs(45));
    assert_eq!(cfg.fetch.retries, 0);
    assert_eq!(cfg.fetch.max_retry_after, Duration::from_secs(120));
    assert_eq!(cfg.fetch.max_bytes, 512_000);
    assert_eq!(cfg.fetch.max_redirects, 3);
    assert_eq!(cfg.fetch.user_agent.as_deref(), Some("feedmill-test/1.0"));
    assert_eq!(cfg.fetch.refresh, Duration::from_secs(5400));
    assert_eq!(cfg.store.retention_days, 30);

    let feed = cfg.source("tin-tinh").expect("tin-tinh");
    assert_eq!(
        feed.url,
        SourceUrl::File(PathBuf::from("/etc/feedmill/examples/tin-tinh.rss"))
    );
    assert_eq!(
        feed.tags,
        vec!["Yên Bái".to_string(), "Thời sự".to_string()]
    );
    assert_eq!(feed.refresh, Some(Duration::from_secs(6 * 3600)));
    assert_eq!(feed.timeout, Some(Duration::from_secs(10)));
    assert_eq!(feed.connect_timeout, Some(Duration::from_secs(2)));
    assert_eq!(cfg.source_tz(feed), chrono_tz::Asia::Bangkok);

    let site = cfg.source("baoyenbai-xdd").expect("baoyenbai-xdd");
    assert_eq!(site.kind, SourceKind::Html);
    assert_eq!(
        site.url,
        SourceUrl::File(PathBuf::from("/srv/site/listing.html"))
    );
    assert_eq!(site.category.as_deref(), Some("Xây dựng Đảng"));
    assert_eq!(cfg.source_tz(site), chrono_tz::Asia::Ho_Chi_Minh);
    let html = site.html.as_ref().expect("[source.html]");
    assert_eq!(html.item, "div.list-news .item");
    assert_eq!(html.link, "a");
    assert_eq!(html.pages, 2);
    assert_eq!(html.next.as_deref(), Some("a.next"));
    assert_eq!(html.title.as_deref(), Some("h1.title"));
    assert_eq!(html.date.as_deref(), Some(".date"));
    assert_eq!(
        html.date_formats,
        vec!["%d/%m/%Y | %I:%M:%S %p".to_string()]
    );
    assert_eq!(html.author.as_deref(), Some(".author"));
    assert_eq!(html.tags.as_deref(), Some(".tags a"));
    assert_eq!(html.summary.as_deref(), Some(".sapo"));
    assert_eq!(html.content.as_deref(), Some(".content"));
    assert_eq!(html.remove, vec![".ads", ".share", "script"]);
    assert_eq!(html.image.as_deref(), Some(".content img"));
    assert_eq!(html.allow_hosts, vec!["cdn.baoyenbai.com.vn".to_string()]);

    let slugs: Vec<&str> = cfg.categories.iter().map(|c| c.slug.as_str()).collect();
    assert_eq!(slugs, vec!["xay-dung-dang", "nong-nghiep"]);
    assert!(cfg.categories[1].pattern.is_none());
}

#[test]
fn the_smallest_config_gets_every_default() {
    let cfg = parse(
        "[site]\ntitle = \"T\"\nbase_url = \"https://x.example\"\n",
        "/srv/feeds.toml",
    );
    let minimal = Config::minimal(Path::new("/srv"));
    assert_eq!(cfg.site.base_url.as_str(), "https://x.example/");
    assert_eq!(cfg.site.language, minimal.site.language);
    assert_eq!(cfg.site.timezone, chrono_tz::UTC);
    assert_eq!(cfg.site.output_dir, PathBuf::from("/srv/public"));
    assert_eq!(cfg.site.store, PathBuf::from("/srv/feedmill.db"));
    assert_eq!(cfg.merged.slug, "other-news");
    assert_eq!(cfg.fetch.max_bytes, minimal.fetch.max_bytes);
    assert!(cfg.sources.is_empty() && cfg.categories.is_empty());
    assert!(cfg.tags.aliases.is_empty());
}

#[test]
fn relative_paths_resolve_against_the_config_folder() {
    let text = "[site]\ntitle = \"T\"\nbase_url = \"https://x.example/\"\noutput_dir = \"out\"\nstore = \"../db/f.db\"\n\
                [[source]]\nname = \"a\"\nurl = \"feeds/a.xml\"\n\
                [[source]]\nname = \"b\"\nurl = \"./../shared/b.xml\"\n\
                [[source]]\nname = \"c\"\nurl = \"/abs/c.xml\"\n";
    let cfg = parse(text, "/home/op/site/feeds.toml");
    assert_eq!(cfg.site.output_dir, PathBuf::from("/home/op/site/out"));
    assert_eq!(cfg.site.store, PathBuf::from("/home/op/db/f.db"));
    let urls: Vec<&SourceUrl> = cfg.sources.iter().map(|s| &s.url).collect();
    assert_eq!(
        urls,
        vec![
            &SourceUrl::File(PathBuf::from("/home/op/site/feeds/a.xml")),
            &SourceUrl::File(PathBuf::from("/home/op/shared/b.xml")),
            &SourceUrl::File(PathBuf::from("/abs/c.xml")),
        ]
    );
}

#[test]
fn a_relative_config_path_gives_an_absolute_base_dir() {
    let cfg = parse(
        "[site]\ntitle = \"T\"\nbase_url = \"https://x.example/\"\n[[source]]\nname = \"a\"\nurl = \"a.xml\"\n",
        "conf/feeds.toml",
    );
    let cwd = std::env::current_dir().expect("cwd");
    assert_eq!(cfg.base_dir, cwd.join("conf"));
    assert!(cfg.site.output_dir.is_absolute());
    assert_eq!(cfg.sources[0].url, SourceUrl::File(cwd.join("conf/a.xml")));
}

#[test]
fn the_shipped_sample_file_loads_from_disk() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/config/sample.toml");
    let cfg = Config::load(&path).expect("sample loads");
    assert_eq!(cfg.base_dir, path.parent().expect("folder"));
    assert_eq!(
        cfg.site.output_dir,
        path.parent().expect("folder").join("public")
    );
}

#[test]
fn integers_may_use_underscores_and_other_radixes() {
    let cfg = parse(
        "[site]\ntitle = \"T\"\nbase_url = \"https://x.example/\"\n[fetch]\nmax_bytes = 16_777_216\nconcurrency = 0x10\n",
        "/srv/feeds.toml",
    );
    assert_eq!(cfg.fetch.max_bytes, 16_777_216);
    assert_eq!(cfg.fetch.concurrency, 16);
}

#[test]
fn names_and_patterns_are_nfc_normalized() {
    // "Nông nghiệp" typed with combining marks (NFD), as some editors save it.
    let nfd = "No\u{302}ng nghie\u{323}\u{302}p";
    let text = format!(
        "[site]\ntitle = \"Tin Ye\u{302}n Ba\u{301}i\"\nbase_url = \"https://x.example/\"\n\
         [[source]]\nname = \"a\"\nurl = \"a.xml\"\ncategory = \"{nfd}\"\ntags = [\" {nfd} \"]\n\
         [[category]]\nname = \"{nfd}\"\nmatch = \"(?i){nfd}\"\n"
    );
    let cfg = parse(&text, "/srv/feeds.toml");
    assert_eq!(cfg.site.title, "Tin Yên Bái");
    assert_eq!(cfg.sources[0].category.as_deref(), Some("Nông nghiệp"));
    assert_eq!(cfg.sources[0].tags, vec!["Nông nghiệp".to_string()]);
    assert_eq!(cfg.categories[0].name, "Nông nghiệp");
    assert_eq!(cfg.categories[0].slug, "nong-nghiep");
    let re = cfg.categories[0].pattern.as_ref().expect("pattern");
    assert!(re.is_match("Hội nghị NÔNG NGHIỆP tỉnh"));
}

#[test]
fn a_byte_order_mark_and_crlf_line_ends_are_accepted() {
    let text = SAMPLE.replace('\n', "\r\n");
    let cfg = parse(&format!("\u{feff}{text}"), "/etc/feedmill/feeds.toml");
    assert_eq!(cfg.site.title, "Tin Yên Bái");
    assert_eq!(cfg.categories[0].slug, "nong-nghiep");
}

#[test]
fn limits_have_defaults_and_take_every_key() {
    let base = "[site]\ntitle = \"t\"\nbase_url = \"https://x.vn/\"\n";
    let cfg = parse(base, "/srv/feeds.toml");
    assert_eq!(cfg.limits, feedmill::config::LimitsCfg::default());
    assert_eq!(cfg.limits.items_per_source, 1000);
    assert_eq!(cfg.limits.read_time, Duration::from_secs(30));
    let cfg = parse(
        &format!(
            "{base}[limits]\nitems_per_source = 5\nstored_per_source = 9\ntags_per_article = 0\ntag_chars = 20\nslug_bytes = 40\n\
             content_bytes = \"64KiB\"\nhtml_depth = 16\nhtml_attributes = 8\nlinks_per_listing = 3\nread_time = \"2s\"\nsources_per_batch = 7\n"
        ),
        "/srv/feeds.toml",
    );
    let l = &cfg.limits;
    assert_eq!(
        (
            l.items_per_source,
            l.tags_per_article,
            l.tag_chars,
            l.slug_bytes
        ),
        (5, 0, 20, 40)
    );
    assert_eq!(
        (l.content_bytes, l.html_depth, l.html_attributes),
        (65536, 16, 8)
    );
    assert_eq!(
        (l.links_per_listing, l.read_time),
        (3, Duration::from_secs(2))
    );
    assert_eq!(l.sources_per_batch, 7);
    assert_eq!(feedmill::config::LimitsCfg::default().sources_per_batch, 32);
}

#[test]
fn a_limit_out_of_range_is_an_error_at_its_place() {
    let text = "[site]\ntitle = \"t\"\nbase_url = \"https://x.vn/\"\n[limits]\nslug_bytes = 3\n";
    let errors = Config::parse(text, Path::new("/srv/feeds.toml")).unwrap_err();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!((errors[0].line, errors[0].column), (5, 14));
    assert!(
        errors[0].message.contains("limits.slug_bytes"),
        "{}",
        errors[0]
    );
}
