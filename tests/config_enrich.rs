//! feeds.toml keys for full text and filters: `full_text`, `merged`, `[[filter]]`,
//! `[[source.filter]]` and their `[limits]`; every mistake reported at its line and column.

use std::path::Path;

use feedmill::config::{Config, FilterAction, FilterField, FullTextCfg};

mod config_support;
use config_support::{assert_one, parse, SITE, SOURCE};

#[test]
fn full_text_takes_true_a_selector_or_a_table() {
    let ok = |value: &str| {
        let cfg = parse(&format!("{SITE}{SOURCE}{value}\n")).unwrap_or_else(|e| panic!("{e:?}"));
        cfg.sources[0].full_text.clone()
    };
    assert_eq!(ok(""), None);
    assert_eq!(ok("full_text = false"), None);
    assert_eq!(ok("full_text = true"), Some(FullTextCfg::default()));
    assert_eq!(
        ok("full_text = \".post-body\""),
        Some(FullTextCfg {
            content: Some(".post-body".into()),
            ..FullTextCfg::default()
        })
    );
    assert_eq!(
        ok("[source.full_text]\ncontent = \"article .body\"\nremove = [\".share\", \".ads\"]\nallow_hosts = [\"www.example.vn\"]"),
        Some(FullTextCfg {
            content: Some("article .body".into()),
            remove: vec![".share".into(), ".ads".into()],
            allow_hosts: vec!["www.example.vn".into()],
        })
    );
    assert_eq!(
        ok("full_text = { remove = [\"#comments\"] }"),
        Some(FullTextCfg {
            remove: vec!["#comments".into()],
            ..FullTextCfg::default()
        })
    );
}

#[test]
fn full_text_mistakes_are_reported_at_their_place() {
    assert_one(
        &format!("{SITE}{SOURCE}full_text = \"div[\"\n"),
        7,
        13,
        "invalid CSS selector",
    );
    assert_one(
        &format!(
            "{SITE}{SOURCE}[source.full_text]\ncontent = \".a\"\nremove = [\".ok\", \"p:hover\"]\n"
        ),
        9,
        18,
        "`source.full_text.remove`: invalid CSS selector \"p:hover\"",
    );
    assert_one(
        &format!("{SITE}{SOURCE}full_text = 3\n"),
        7,
        13,
        "expected true, a CSS selector",
    );
    assert_one(
        &format!("{SITE}{SOURCE}[source.full_text]\ncontnet = \".a\"\n"),
        8,
        1,
        "did you mean `content`?",
    );
    assert_one(
        &format!("{SITE}{SOURCE}full_text = {{ allow_hosts = [\"http://x.vn/\"] }}\n"),
        7,
        30,
        "not a host name",
    );
    assert_one(
        &format!(
            "{SITE}[[source]]\nname = \"web\"\nurl = \"https://example.vn/\"\nkind = \"html\"\nfull_text = true\n[source.html]\nitem = \".i\"\nlink = \"a\"\n"
        ),
        8,
        13,
        "for kind = \"feed\" sources",
    );
}

#[test]
fn merged_defaults_to_true() {
    let cfg = parse(&format!("{SITE}{SOURCE}")).unwrap();
    assert!(cfg.sources[0].merged);
    let cfg = parse(&format!("{SITE}{SOURCE}merged = false\n")).unwrap();
    assert!(!cfg.sources[0].merged);
    assert_one(
        &format!("{SITE}{SOURCE}merged = \"no\"\n"),
        7,
        10,
        "expected true or false",
    );
}

#[test]
fn filters_global_then_per_source_with_every_key() {
    let text = format!(
        "{SITE}{SOURCE}\n[[source.filter]]\naction = \"keep\"\nfields = [\"tags\"]\nwords = [\"Lục Yên\"]\n\n\
         [[filter]]\nname = \"quảng cáo\"\nsources = [\"tin-tinh\"]\naction = \"discard\"\nfields = [\"title\", \"url\"]\nmatch = \"(?i)^\\\\[QC\\\\]\"\n\n\
         [[filter]]\naction = \"tag\"\nwords = [\"quế\"]\nadd_tags = [\"Nông sản\"]\nadd_category = \"Đặc sản\"\n"
    );
    let cfg = parse(&text).unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(cfg.filters.len(), 3);
    let [a, b, c] = &cfg.filters[..] else {
        panic!()
    };
    // Global ones first, in file order; the source's own after.
    assert_eq!(a.label, "quảng cáo");
    assert_eq!(a.sources, ["tin-tinh"]);
    assert_eq!(a.action, FilterAction::Discard);
    assert_eq!(a.fields, [FilterField::Title, FilterField::Url]);
    assert!(a.pattern.as_ref().unwrap().is_match("[qc] vay"));
    assert_eq!(b.action, FilterAction::Tag);
    assert!(b.sources.is_empty());
    assert_eq!(
        b.fields,
        [
            FilterField::Title,
            FilterField::Summary,
            FilterField::Content
        ],
        "the default fields"
    );
    assert_eq!(b.add_tags, ["Nông sản"]);
    assert_eq!(b.add_category.as_deref(), Some("Đặc sản"));
    assert_eq!(c.label, "source.filter at line 8");
    assert_eq!(c.sources, ["tin-tinh"]);
    assert_eq!(c.action, FilterAction::Keep);
    assert_eq!(c.words, ["Lục Yên"]);
}

#[test]
fn filter_mistakes_are_reported_at_their_place() {
    assert_one(
        &format!("{SITE}{SOURCE}[[filter]]\naction = \"discard\"\nmatch = \"(tài trợ\"\n"),
        9,
        9,
        "`filter.match`: invalid regular expression \"(tài trợ\"",
    );
    assert_one(
        &format!("{SITE}{SOURCE}[[source.filter]]\naction = \"keep\"\nmatch = \"a{{2,1}}\"\n"),
        9,
        9,
        "`source.filter.match`: invalid regular expression",
    );
    assert_one(
        &format!("{SITE}{SOURCE}[[filter]]\naction = \"drop\"\nwords = [\"x\"]\n"),
        8,
        10,
        "unknown action \"drop\"",
    );
    assert_one(
        &format!("{SITE}{SOURCE}[[filter]]\naction = \"discard\"\nfields = [\"titel\"]\nwords = [\"x\"]\n"),
        9,
        11,
        "did you mean \"title\"?",
    );
    assert_one(
        &format!("{SITE}{SOURCE}[[filter]]\naction = \"discard\"\n"),
        7,
        1,
        "needs `match`",
    );
    assert_one(
        &format!(
            "{SITE}{SOURCE}[[filter]]\naction = \"discard\"\nwords = [\"x\"]\nadd_tags = [\"y\"]\n"
        ),
        7,
        1,
        "use a separate \"tag\" filter",
    );
    assert_one(
        &format!("{SITE}{SOURCE}[[filter]]\naction = \"tag\"\nwords = [\"x\"]\n"),
        7,
        1,
        "needs `add_tags` or `add_category`",
    );
    assert_one(
        &format!("{SITE}{SOURCE}[[filter]]\nsources = [\"tin-tnh\"]\naction = \"discard\"\nwords = [\"x\"]\n"),
        8,
        12,
        "did you mean \"tin-tinh\"?",
    );
    assert_one(
        &format!("{SITE}{SOURCE}[[filter]]\naction = \"discard\"\nwords = [\"!!\"]\n"),
        9,
        10,
        "no letter or digit",
    );
    assert_one(
        &format!("{SITE}{SOURCE}[[source.filter]]\nsources = [\"tin-tinh\"]\naction = \"discard\"\nwords = [\"x\"]\n"),
        8,
        1,
        "unknown key `sources` in [[source.filter]]",
    );
}

#[test]
fn every_mistake_in_several_filters_is_reported() {
    let errs = parse(&format!(
        "{SITE}{SOURCE}[[filter]]\naction = \"discard\"\nmatch = \"(\"\n[[filter]]\naction = \"keep\"\nmatch = \"[\"\n"
    ))
    .unwrap_err();
    let places: Vec<(usize, usize)> = errs.iter().map(|e| (e.line, e.column)).collect();
    assert_eq!(places, [(9, 9), (12, 9)], "{errs:?}");
}

#[test]
fn full_text_limits_have_defaults_and_bounds() {
    let cfg = parse(SITE).unwrap();
    assert_eq!(cfg.limits.full_text_pages, 100);
    assert_eq!(cfg.limits.full_text_attempts, 3);
    let cfg = parse(&format!(
        "{SITE}[limits]\nfull_text_pages = 5\nfull_text_attempts = 1\n"
    ))
    .unwrap();
    assert_eq!(
        (cfg.limits.full_text_pages, cfg.limits.full_text_attempts),
        (5, 1)
    );
    assert_one(
        &format!("{SITE}[limits]\nfull_text_pages = 0\n"),
        5,
        19,
        "limits.full_text_pages",
    );
    assert_one(
        &format!("{SITE}[limits]\nfull_text_attempts = 101\n"),
        5,
        22,
        "limits.full_text_attempts",
    );
}

#[test]
fn the_shipped_feeds_toml_states_the_defaults() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let cfg = Config::load(&root.join("feeds.toml")).unwrap_or_else(|e| panic!("{e:?}"));
    let d = feedmill::config::LimitsCfg::default();
    assert_eq!(cfg.limits.full_text_pages, d.full_text_pages);
    assert_eq!(cfg.limits.full_text_attempts, d.full_text_attempts);
    let text = std::fs::read_to_string(root.join("feeds.toml")).unwrap();
    assert!(
        text.contains("full_text_pages = 100"),
        "feeds.toml names the key"
    );
    assert!(
        text.contains("full_text_attempts = 3"),
        "feeds.toml names the key"
    );
}

#[test]
fn feedmill_check_names_a_bad_filter_regex_by_file_line_and_column() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("feeds.toml");
    std::fs::write(
        &path,
        format!("{SITE}{SOURCE}[[filter]]\naction = \"discard\"\nmatch = \"(tài trợ\"\n"),
    )
    .unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_feedmill"))
        .args(["check", "--config"])
        .arg(&path)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        said.contains(&format!(
            "{}:9:9: `filter.match`: invalid regular expression \"(tài trợ\"",
            path.display()
        )),
        "{said}"
    );
}
