//! Listing inference on small pages made in code.
use super::*;

fn page(body: &str) -> String {
    format!("<!doctype html><html><body>{body}</body></html>")
}

fn url() -> Url {
    Url::parse("https://tin.example.vn/moi").unwrap()
}

#[test]
fn a_list_of_opaque_urls_is_found_by_its_blocks() {
    let items: String = (1..=4)
        .map(|i| format!(r#"<li class="post"><a href="/p/x{i}k">Bài số {i} của tuần</a></li>"#))
        .collect();
    let html = page(&format!(
        r#"<ul class="posts">{items}</ul><a href="/p/lone">Một liên kết lẻ</a>"#
    ));
    let l = infer(&html, &url()).unwrap();
    assert_eq!(l.item, "li.post");
    assert_eq!(l.articles.len(), 4);
    assert!(
        l.notes.iter().any(|n| n.contains("repeated blocks alone")),
        "{:?}",
        l.notes
    );
}

#[test]
fn a_most_read_box_of_the_same_markup_is_left_out() {
    let li = |s: &str| {
        format!(
            r#"<li class="news"><a href="/tin/{s}-bai-viet-dai.html">Tin {s} ở Yên Bái</a></li>"#
        )
    };
    let main: String = ["a", "b", "c", "d"].iter().map(|s| li(s)).collect();
    let side: String = ["x", "y", "z"].iter().map(|s| li(s)).collect();
    let html = page(&format!(
        r#"<div class="col"><ul class="list">{main}</ul></div><div class="box"><h3>Đọc nhiều</h3><ul class="list">{side}</ul></div>"#
    ));
    let l = infer(&html, &url()).unwrap();
    let got: Vec<&str> = l.articles.iter().map(|(u, _)| u.path()).collect();
    assert_eq!(
        got,
        [
            "/tin/a-bai-viet-dai.html",
            "/tin/b-bai-viet-dai.html",
            "/tin/c-bai-viet-dai.html",
            "/tin/d-bai-viet-dai.html"
        ]
    );
    assert_eq!(l.item, "div.col li.news", "{l:?}");
}

#[test]
fn cards_that_are_links_and_rows_of_a_table() {
    let cards: String = (1..=3)
        .map(|i| {
            format!(
                r#"<a class="card" href="/2025/06/0{i}/ban-tin-so-{i}/"><h3>Bản tin số {i}</h3><time>0{i}/06</time></a>"#
            )
        })
        .collect();
    let l = infer(
        &page(&format!(r#"<section class="grid">{cards}</section>"#)),
        &url(),
    )
    .unwrap();
    assert_eq!((l.item.as_str(), l.link.as_str()), ("a.card", "a"));
    assert_eq!(l.articles[0].1, "Bản tin số 1");

    let rows: String = (1..=3)
        .map(|i| {
            format!(
                r#"<tr><td><a href="/tin.aspx?id=10{i}0">Tin thứ {i}</a></td><td>0{i}/06/2025</td></tr>"#
            )
        })
        .collect();
    let l = infer(
        &page(&format!(r#"<table class="news">{rows}</table>"#)),
        &url(),
    )
    .unwrap();
    assert_eq!(l.item, "tr", "{l:?}");
    assert_eq!(l.articles.len(), 3);
}

/// A listing of `n` items, each a thumbnail and a title linking to one article.
fn big(n: usize) -> String {
    let items: String = (0..n)
        .map(|i| {
            format!(
                r#"<li class="news-item"><a href="/tin/bai-so-{i}-o-yen-bai.html"><img src="/a.jpg"></a><h3><a href="/tin/bai-so-{i}-o-yen-bai.html">Bài số {i}</a></h3></li>"#
            )
        })
        .collect();
    page(&format!(r#"<ul class="list">{items}</ul>"#))
}

#[test]
fn the_cost_grows_with_the_page_not_its_square() {
    // A list's container holds every link: checking each link against all the others
    // it holds made 20,000 items take minutes.
    let time = |n: usize| {
        let html = big(n);
        let start = std::time::Instant::now();
        let l = infer(&html, &url()).unwrap();
        assert_eq!(l.articles.len(), n);
        start.elapsed().as_secs_f64()
    };
    let small = time(2_000);
    let large = time(16_000);
    // Eight times the items: linear is about 8 times the time, quadratic about 64.
    assert!(
        large < small * 24.0,
        "2,000 items: {small:.2} s, 16,000: {large:.2} s"
    );
}
