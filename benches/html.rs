//! HTML cost bounds: how long the hostile inputs of the bounds take to normalize, each
//! against plain news HTML of the same size measured in the same run, and what the
//! bounding pre-pass costs on plain news.
//!
//! `cargo bench --bench html`. Inputs: 100,000 nested `<ul>` (400 KB), one `<img>` with
//! 100,000 attributes (~690 KB), 200,000 `<b>` and `<p><span>` mixes; the baselines are
//! paragraphs with links and images repeated to the same byte length. Each figure is the
//! median of 5 runs of `Normalizer::article` with the default limits.

use std::borrow::Cow;
use std::path::Path;
use std::time::{Duration, Instant};

use feedmill::config::{Config, LimitsCfg, Source, SourceUrl};
use feedmill::model::RawArticle;
use feedmill::normalize::html::{bound, sanitize_within, Bounds};
use feedmill::normalize::Normalizer;

const NEWS: &str = "<p>Thực hiện <a href=\"/12/255024/Luc-Yen.aspx\">Nghị quyết số 37</a> của \
Ban Chấp hành Đảng bộ tỉnh, <b>huyện Lục Yên</b> đã xây dựng chương trình hành động.</p>\n\
<figure><img src=\"/Uploads/anh.jpg\" alt=\"Đồng chí Vũ Quỳnh Khánh\" width=\"600\"><figcaption>Chi bộ thôn Úc</figcaption></figure>\n";

fn news(len: usize) -> String {
    let mut s = NEWS.repeat(len / NEWS.len() + 1);
    let mut end = len.min(s.len());
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s.truncate(end);
    s
}

fn median(mut f: impl FnMut()) -> Duration {
    let mut times: Vec<Duration> = (0..5)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .collect();
    times.sort();
    times[2]
}

fn main() {
    let cfg = Config::minimal(Path::new("/tmp/feedmill-bench"));
    let n = Normalizer::new(&cfg);
    let url = url::Url::parse("https://baoyenbai.com.vn/rss").expect("static URL");
    let source = Source::feed("bench", SourceUrl::Http(url));
    let normalize = |html: &str| {
        let raw = RawArticle {
            link: Some(Cow::Borrowed("https://baoyenbai.com.vn/12/1.aspx")),
            title: Some(Cow::Borrowed("Lục Yên")),
            content_html: Some(Cow::Owned(html.to_string())),
            ..RawArticle::default()
        };
        let mut warnings = Vec::new();
        std::hint::black_box(n.article(raw, &source, &mut warnings));
    };
    let attrs: String = (0..100_000).map(|i| format!(" a{i}")).collect();
    let hostile = [
        ("100,000 nested <ul>", "<ul>".repeat(100_000)),
        (
            "<img> with 100,000 attributes",
            format!("<img src=\"/a.jpg\"{attrs}>"),
        ),
        ("200,000 nested <b>", "<b>".repeat(200_000)),
        ("100,000 × <p><span>", "<p><span>".repeat(100_000)),
        ("50,000 × <table><td>", "<table><td>".repeat(50_000)),
    ];
    println!("normalize one article, default limits (median of 5); x2 = time of the input against its first half (2.0 is linear):");
    for (what, html) in &hostile {
        let plain = news(html.len());
        let mut half = html.len() / 2;
        while !html.is_char_boundary(half) {
            half -= 1;
        }
        let t_hostile = median(|| normalize(html));
        let t_half = median(|| normalize(&html[..half]));
        let t_plain = median(|| normalize(&plain));
        println!(
            "  {what:<30} {:>7} bytes {:>8.1} ms (x2 {:.1})   plain news of the same size {:>8.1} ms   ratio {:.2}",
            html.len(),
            t_hostile.as_secs_f64() * 1e3,
            t_hostile.as_secs_f64() / t_half.as_secs_f64(),
            t_plain.as_secs_f64() * 1e3,
            t_hostile.as_secs_f64() / t_plain.as_secs_f64()
        );
    }
    let plain = news(1024 * 1024);
    let bounds = Bounds::content(&LimitsCfg::default());
    let t_bound = median(|| {
        std::hint::black_box(bound(&plain, &bounds));
    });
    let t_sanitize = median(|| {
        std::hint::black_box(sanitize_within(&plain, None, &bounds));
    });
    println!(
        "1 MiB of plain news: bounding pre-pass {:.1} ms of sanitize's {:.1} ms ({:.0}%)",
        t_bound.as_secs_f64() * 1e3,
        t_sanitize.as_secs_f64() * 1e3,
        100.0 * t_bound.as_secs_f64() / t_sanitize.as_secs_f64()
    );
}
