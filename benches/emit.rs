//! Emit-stage benchmark: plans and writes feeds for generated articles (100,000 articles,
//! 5,000 tags, 20 categories by default) and prints articles per second.
//!
//! `cargo bench --bench emit` (or `-- <articles> <tags>` for other sizes). Runs three
//! passes: the first build into an empty folder, a rebuild with nothing changed (every file
//! compared, none written), and the plan alone. Then the HTML pages' cost: first emits
//! into empty folders with `[feeds] pages` off (the baseline) and on, alternated three
//! times each in the same run, medians compared, with the load average.

use std::collections::BTreeMap;
use std::time::Instant;

use chrono::{DateTime, Duration, FixedOffset};
use feedmill::config::{CategoryCfg, Config};
use feedmill::emit::{emit, plan};
use feedmill::model::{Article, Tag};
use feedmill::text::{slugify, tag_key};

fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let n = args.first().copied().unwrap_or(100_000);
    let n_tags = args.get(1).copied().unwrap_or(5_000).max(1);
    let n_cats = 20;

    let dir = tempfile::tempdir().expect("temp dir");
    let mut cfg = Config::minimal(dir.path());
    cfg.site.title = "Tin Yên Bái".into();
    cfg.site.language = "vi".into();
    cfg.site.timezone = chrono_tz::Asia::Ho_Chi_Minh;
    cfg.categories = (0..n_cats)
        .map(|i| {
            let name = format!("Chuyên mục {i}");
            CategoryCfg {
                slug: slugify(&name),
                name,
                sources: vec![],
                tags: vec![],
                pattern: None,
            }
        })
        .collect();

    let tag_names: Vec<String> = (0..n_tags).map(|i| format!("Thẻ số {i}")).collect();
    let start: DateTime<FixedOffset> =
        DateTime::parse_from_rfc3339("2024-01-01T00:00:00+07:00").expect("static date");
    let body =
        "<p>Nội dung bài viết về nông nghiệp, giao thông và đời sống ở Yên Bái.</p>".repeat(12);
    // A simple deterministic LCG keeps the data the same on every run.
    let mut seed: u64 = 42;
    let mut rnd = move |m: usize| {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((seed >> 33) as usize) % m
    };
    let articles: Vec<Article> = (0..n)
        .map(|i| {
            let tags = (0..3)
                .map(|_| {
                    let name = &tag_names[rnd(n_tags)];
                    Tag {
                        key: tag_key(name),
                        name: name.clone(),
                    }
                })
                .fold(Vec::<Tag>::new(), |mut v, t| {
                    if !v.iter().any(|x| x.key == t.key) {
                        v.push(t);
                    }
                    v
                });
            Article {
                id: format!("src-{}:{i}", i % 50),
                source: format!("src-{}", i % 50),
                source_guid: Some(i.to_string()),
                url: Some(format!("https://example.vn/bai-viet/{i}.html")),
                title: format!("Bài viết số {i}: Lục Yên đẩy mạnh sản xuất"),
                summary: "Huyện Lục Yên giao nhiệm vụ khoán sản phẩm cho cán bộ.".into(),
                content: body.clone(),
                authors: vec!["Thanh Tâm".into()],
                published: Some(start + Duration::minutes(rnd(500_000) as i64)),
                updated: None,
                image: Some(format!("https://example.vn/img/{i}.jpg")),
                tags,
                categories: vec![format!("Chuyên mục {}", rnd(n_cats))],
                ..Default::default()
            }
        })
        .collect();

    let out = dir.path().join("public");
    let t = Instant::now();
    let p = plan(&articles, &cfg, &BTreeMap::new());
    let plan_s = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let report = emit(&p, &articles, &cfg, &out).expect("emit");
    let first = plan_s + t.elapsed().as_secs_f64();
    let t = Instant::now();
    let p2 = plan(&articles, &cfg, &p.tag_slugs);
    let again = emit(&p2, &articles, &cfg, &out).expect("emit");
    let second = t.elapsed().as_secs_f64();
    let bytes: u64 = report
        .written
        .iter()
        .filter_map(|f| std::fs::metadata(f).ok())
        .map(|m| m.len())
        .sum();
    println!(
        "emit: {n} articles, {n_tags} tags, {n_cats} categories -> {} feeds, {} files, {:.1} MB",
        p.feeds.len(),
        report.written.len(),
        bytes as f64 / 1e6
    );
    println!(
        "plan alone: {:.3} s ({:.0} articles/s)",
        plan_s,
        n as f64 / plan_s
    );
    println!(
        "first emit (plan + render + write): {:.2} s ({:.0} articles/s)",
        first,
        n as f64 / first
    );
    println!(
        "unchanged rebuild (plan + render + compare, {} written, {} unchanged): {:.2} s ({:.0} articles/s)",
        again.written.len(),
        again.unchanged.len(),
        second,
        n as f64 / second
    );

    pages_ratio(&p, &articles, &cfg, dir.path());
}

/// First emits with pages off and on, alternated so that both see the same machine; prints
/// the medians, their ratio and the load average before and after.
fn pages_ratio(
    p: &feedmill::emit::Plan,
    articles: &[Article],
    cfg: &Config,
    dir: &std::path::Path,
) {
    let load = || {
        std::fs::read_to_string("/proc/loadavg")
            .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
            .unwrap_or_else(|_| "unknown".into())
    };
    let before = load();
    let (mut off, mut on) = (Vec::new(), Vec::new());
    let mut files = (0, 0);
    let mut bytes = (0u64, 0u64);
    for round in 0..3 {
        for pages in [false, true] {
            let mut cfg = cfg.clone();
            cfg.feeds.pages = pages;
            let out = dir.join(format!("pages-{pages}-{round}"));
            let t = Instant::now();
            let report = emit(p, articles, &cfg, &out).expect("emit");
            let s = t.elapsed().as_secs_f64();
            let size: u64 = report
                .written
                .iter()
                .filter_map(|f| std::fs::metadata(f).ok())
                .map(|m| m.len())
                .sum();
            if pages {
                on.push(s);
                files.1 = report.written.len();
                bytes.1 = size;
            } else {
                off.push(s);
                files.0 = report.written.len();
                bytes.0 = size;
            }
            std::fs::remove_dir_all(&out).ok();
        }
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let (off_s, on_s) = (median(&mut off), median(&mut on));
    println!(
        "pages off (baseline): {off_s:.2} s, {} files, {:.1} MB; pages on: {on_s:.2} s, {} files, {:.1} MB",
        files.0,
        bytes.0 as f64 / 1e6,
        files.1,
        bytes.1 as f64 / 1e6
    );
    println!(
        "pages' cost: first emit with pages / without = {:.2}x (median of 3 each); load average before {before}, after {}",
        on_s / off_s,
        load()
    );
}
