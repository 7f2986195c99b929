//! Shared by the emit integration tests: the seed-like articles, the site config, and a
//! small XML element lister for validator-rule checks.
#![allow(dead_code)] // each test file uses a different subset

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::{DateTime, FixedOffset};
use feedmill::config::{CategoryCfg, Config};
use feedmill::emit::{emit, plan, EmitReport};
use feedmill::model::{Article, Tag};
use feedmill::text::tag_key;

pub fn date(s: &str) -> Option<DateTime<FixedOffset>> {
    Some(DateTime::parse_from_rfc3339(s).expect("test date"))
}

pub fn tags(names: &[&str]) -> Vec<Tag> {
    names
        .iter()
        .map(|t| Tag {
            key: tag_key(t),
            name: (*t).to_string(),
        })
        .collect()
}

/// The seed article and its "other news", roughly as normalize produces them.
pub fn articles() -> Vec<Article> {
    vec![
        Article {
            id: "tin-tinh:seed".into(),
            source: "tin-tinh".into(),
            source_guid: Some("123".into()),
            url: Some("https://baoyenbai.com.vn/12/123/luc-yen.htm".into()),
            title: "Lục Yên: Giao nhiệm vụ khoán sản phẩm <cho> \"công bộc\" & dân".into(),
            summary: "Huyện Lục Yên giao nhiệm vụ a < b & c > d.".into(),
            content: "<p>Nội dung <strong>chính</strong> &amp; ảnh.</p>".into(),
            authors: vec!["Thanh Tâm".into()],
            // 5:29:48 AM in Yên Bái.
            published: date("2024-03-05T05:29:48+07:00"),
            updated: date("2024-03-05T08:00:00+07:00"),
            image: Some("https://baoyenbai.com.vn/img/a.jpg".into()),
            tags: tags(&["Lục Yên", "giao nhiệm vụ khoán sản phẩm"]),
            categories: vec!["Thời sự".into()],
            ..Default::default()
        },
        Article {
            id: "tin-tinh:other 1".into(),
            source: "tin-tinh".into(),
            source_guid: None,
            url: None,
            title: "Tin khác".into(),
            summary: String::new(),
            content: String::new(),
            authors: vec![],
            // Written in UTC at the source; output in the site's zone.
            published: date("2024-03-04T20:00:00Z"),
            updated: None,
            image: Some("/relative.jpg".into()),
            tags: tags(&["LỤC YÊN"]),
            categories: vec![],
            ..Default::default()
        },
        Article {
            id: "tin-tinh:undated".into(),
            source: "tin-tinh".into(),
            source_guid: None,
            url: Some("https://baoyenbai.com.vn/undated".into()),
            title: "Không ngày".into(),
            summary: "Tóm tắt".into(),
            content: "<p>x</p>".into(),
            authors: vec![],
            published: None,
            updated: None,
            image: None,
            tags: vec![],
            categories: vec!["Nông nghiệp".into()],
            ..Default::default()
        },
    ]
}

pub fn config(dir: &Path) -> Config {
    let mut c = Config::minimal(dir);
    c.site.title = "Tin Yên Bái".into();
    c.site.base_url = url::Url::parse("https://feeds.example.vn/").expect("url");
    c.site.language = "vi".into();
    c.site.timezone = chrono_tz::Asia::Ho_Chi_Minh;
    c.categories = vec![
        CategoryCfg {
            name: "Nông nghiệp".into(),
            slug: "nong-nghiep".into(),
            sources: vec![],
            tags: vec![],
            pattern: None,
        },
        CategoryCfg {
            name: "Văn hóa".into(),
            slug: "van-hoa".into(),
            sources: vec![],
            tags: vec![],
            pattern: None,
        },
    ];
    c
}

pub fn build(arts: &[Article], cfg: &Config, out: &Path) -> EmitReport {
    let p = plan(arts, cfg, &BTreeMap::new());
    emit(&p, arts, cfg, out).expect("emit")
}

pub fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

pub fn all_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("read_dir") {
            let p = e.expect("entry").path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

#[path = "../xml_support/mod.rs"]
mod xml_support;
#[allow(unused_imports)] // each test file uses a different subset
pub use xml_support::{elements, find, texts, El};
