//! dom_smoothie against `readability` (kumabook's port of arc90's readability) on the pages
//! of tests/data/sites/fulltext/ (true body in truth/<page>.txt) and on the example site's
//! article page (true body: what examples/site/source.toml's `.content` selector takes,
//! less its `remove`). Both read the raw page, with no clean-up before; the same measure for
//! both: characters of the true body's paragraphs found whole in the extracted text, and
//! the non-space characters left when those paragraphs are taken out (furniture kept).

use std::path::{Path, PathBuf};
use std::time::Instant;

fn squash(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn text_of(html: &str) -> String {
    let doc = scraper::Html::parse_fragment(html);
    // Paragraph-level elements end in a space, so "a</p><p>b" does not read "ab".
    let mut out = String::new();
    for node in doc.root_element().descendants() {
        if let Some(t) = node.value().as_text() {
            out.push_str(t);
        } else if let Some(e) = node.value().as_element() {
            if matches!(
                e.name(),
                "p" | "div" | "li" | "br" | "h1" | "h2" | "h3" | "figcaption" | "td"
            ) {
                out.push(' ');
            }
        }
    }
    squash(&out)
}

fn score(extracted_html: &str, truth: &[String]) -> (usize, usize, usize) {
    let got = text_of(extracted_html);
    let total: usize = truth.iter().map(|p| p.chars().count()).sum();
    let found: usize = truth
        .iter()
        .filter(|p| got.contains(p.as_str()))
        .map(|p| p.chars().count())
        .sum();
    let mut rest = got;
    for p in truth {
        rest = rest.replacen(p.as_str(), "", 1);
    }
    if std::env::var_os("SHOW_REST").is_some() {
        eprintln!("kept besides the body: {:?}", squash(&rest));
    }
    (
        found,
        total,
        rest.chars().filter(|c| !c.is_whitespace()).count(),
    )
}

fn smoothie(html: &str, url: &str) -> String {
    dom_smoothie::Readability::new(html, Some(url), None)
        .and_then(|mut r| r.parse())
        .map(|a| a.content.to_string())
        .unwrap_or_default()
}

fn kumabook(html: &str, url: &str) -> String {
    let url = url::Url::parse(url).unwrap();
    readability::extractor::extract(&mut html.as_bytes(), &url)
        .map(|p| p.content)
        .unwrap_or_default()
}

/// The example page's true body: `.content` without `.ads`, `.share` and `script`.
fn example_truth(html: &str) -> Vec<String> {
    let doc = scraper::Html::parse_document(html);
    let content = scraper::Selector::parse(".content").unwrap();
    let skip = scraper::Selector::parse(".ads, .share, script").unwrap();
    let paras = scraper::Selector::parse("p, li, h2, h3, figcaption").unwrap();
    let root = doc.select(&content).next().expect(".content");
    let skipped: Vec<_> = root.select(&skip).map(|e| e.id()).collect();
    root.select(&paras)
        .filter(|e| {
            !skipped
                .iter()
                .any(|s| *s == e.id() || e.ancestors().any(|a| a.id() == *s))
        })
        .map(|e| squash(&e.text().collect::<String>()))
        .filter(|t| !t.is_empty())
        .collect()
}

fn main() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let site = root.join("tests/data/sites/fulltext");
    let mut pages: Vec<(String, String, Vec<String>)> = ["bai-1", "bai-2", "bai-3"]
        .iter()
        .map(|p| {
            let html = std::fs::read_to_string(site.join(format!("{p}.html"))).unwrap();
            let truth = std::fs::read_to_string(site.join(format!("truth/{p}.txt")))
                .unwrap()
                .lines()
                .map(squash)
                .filter(|l| !l.is_empty())
                .collect();
            (p.to_string(), html, truth)
        })
        .collect();
    let example =
        Path::new("examples/site/luc-yen-nang-cao-suc-chien-dau-cua-to-chuc-dang-o-co-so.html");
    let html = std::fs::read_to_string(root.join(example)).unwrap();
    let truth = example_truth(&html);
    pages.push(("example site".into(), html, truth));
    let url = "https://baolucyen.example/tin/bai.html";
    type Extractor = fn(&str, &str) -> String;
    let extractors: [(&str, Extractor); 2] = [
        ("dom_smoothie 0.19", smoothie),
        ("readability 0.3", kumabook),
    ];
    for (name, f) in extractors {
        let (mut found, mut total, mut extra) = (0, 0, 0);
        let t = Instant::now();
        let rounds = 50;
        for _ in 0..rounds {
            for (_, html, _) in &pages {
                std::hint::black_box(f(html, url));
            }
        }
        let per_page = t.elapsed() / (rounds * pages.len()) as u32;
        for (page, html, truth) in &pages {
            let (g, t, x) = score(&f(html, url), truth);
            println!("{name:<18} {page:<13} {g:>5}/{t:<5} body characters ({:5.1}%), {x:>4} other characters", 100.0 * g as f64 / t as f64);
            found += g;
            total += t;
            extra += x;
        }
        println!("{name:<18} all pages     {found:>5}/{total:<5} ({:5.1}%), {extra:>4} other characters, {per_page:.2?} per page\n", 100.0 * found as f64 / total as f64);
    }
}
