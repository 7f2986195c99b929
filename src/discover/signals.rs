//! What a link or an element says about itself: whether a URL looks like an article's, and
//! whether an element is page furniture (navigation, footer, sidebar, "most read", ads) whose
//! links are never a listing's articles.

use scraper::ElementRef;
use url::Url;

/// Path segments of utility and taxonomy pages (lowercase, without marks): a URL with one of
/// them is a section, tag, author or account page, not an article.
const UTILITY_SEGMENTS: &[&str] = &[
    "tag",
    "tags",
    "category",
    "categories",
    "chuyen-muc",
    "danh-muc",
    "tu-khoa",
    "chu-de",
    "topic",
    "topics",
    "author",
    "authors",
    "tac-gia",
    "page",
    "trang",
    "search",
    "tim-kiem",
    "login",
    "logout",
    "register",
    "dang-nhap",
    "dang-ky",
    "account",
    "profile",
    "contact",
    "lien-he",
    "about",
    "gioi-thieu",
    "privacy",
    "terms",
    "rss",
    "feed",
    "feeds",
    "subscribe",
    "newsletter",
    "cart",
    "wp-admin",
    "wp-login.php",
    "cdn-cgi",
];

/// Class or id words of page furniture.
const JUNK_WORDS: &[&str] = &[
    "nav",
    "navbar",
    "navigation",
    "menu",
    "submenu",
    "megamenu",
    "footer",
    "sidebar",
    "widget",
    "breadcrumb",
    "breadcrumbs",
    "pagination",
    "pager",
    "paging",
    "social",
    "share",
    "sharing",
    "ads",
    "advert",
    "adverts",
    "advertisement",
    "banner",
    "promo",
    "sponsor",
    "sponsored",
    "related",
    "popular",
    "trending",
    "mostread",
    "mostviewed",
    "docnhieu",
    "xemnhieu",
    "quangcao",
    "lienquan",
    "cookie",
    "newsletter",
    "subscribe",
    "login",
    "search",
    "comments",
    "comment",
];

/// Two-word class or id phrases of page furniture (`most-read`, `quang-cao`).
const JUNK_PHRASES: &[(&str, &str)] = &[
    ("most", "read"),
    ("most", "viewed"),
    ("most", "popular"),
    ("top", "read"),
    ("doc", "nhieu"),
    ("xem", "nhieu"),
    ("quang", "cao"),
    ("tai", "tro"),
    ("lien", "quan"),
];

/// Box headings that mark a list as furniture ("Most read", "Đọc nhiều"), without marks.
const JUNK_HEADINGS: &[&str] = &[
    "most read",
    "most viewed",
    "most popular",
    "popular",
    "trending",
    "related",
    "recommended",
    "you may also like",
    "advertisement",
    "sponsored",
    "doc nhieu",
    "xem nhieu",
    "tin doc nhieu",
    "tin xem nhieu",
    "tin lien quan",
    "bai lien quan",
    "co the ban quan tam",
    "quang cao",
    "tai tro",
];

/// Lowercase ASCII without marks, whitespace collapsed: for comparing words across
/// spellings (`Đọc nhiều` → `doc nhieu`).
pub fn fold(s: &str) -> String {
    let ascii = deunicode::deunicode(&crate::text::nfc(s)).to_ascii_lowercase();
    ascii.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// How sure a link must look like an article's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// A slug of three or more words, a numeric id, or a dated path.
    Article,
    /// Any page that is not a utility, taxonomy, media or pager URL: for sites whose article
    /// URLs say nothing (`/p/x7k2`), where only the repeated list tells them apart.
    Page,
}

/// Whether `url` has the `shape` of an article page rather than a section, tag, search or
/// account page.
pub fn shaped(url: &Url, shape: Shape) -> bool {
    if !matches!(url.scheme(), "http" | "https") {
        return false;
    }
    let segments: Vec<String> = url
        .path_segments()
        .map(|s| s.filter(|p| !p.is_empty()).map(fold).collect())
        .unwrap_or_default();
    if segments
        .iter()
        .any(|s| UTILITY_SEGMENTS.contains(&s.as_str()))
    {
        return false;
    }
    let query_id = url.query_pairs().any(|(k, v)| {
        matches!(
            k.as_ref(),
            "id" | "p" | "article" | "aid" | "newsid" | "story"
        ) && v.len() >= 2
            && v.bytes().all(|b| b.is_ascii_digit())
    });
    if url
        .query_pairs()
        .any(|(k, _)| matches!(k.as_ref(), "page" | "paged" | "trang" | "s" | "q"))
        && !query_id
    {
        return false;
    }
    if query_id {
        return true;
    }
    let Some(last) = segments.last() else {
        return false;
    };
    let (stem, ext) = match last.rsplit_once('.') {
        Some((s, e)) if e.len() <= 5 && !s.is_empty() => (s, Some(e)),
        _ => (last.as_str(), None),
    };
    if ext.is_some_and(|e| {
        matches!(
            e,
            "jpg" | "jpeg" | "png" | "gif" | "webp" | "svg" | "pdf" | "xml" | "rss" | "css" | "js"
        )
    }) {
        return false;
    }
    // A bare year or page number is an archive; `page-2`, `trang-3` a listing's next page.
    if stem.bytes().all(|b| b.is_ascii_digit()) && stem.len() <= 4 {
        return false;
    }
    let paged = ["page", "trang", "p"].iter().any(|p| {
        stem.strip_prefix(p)
            .map(|rest| rest.trim_start_matches(['-', '_']))
            .is_some_and(|n| !n.is_empty() && n.len() <= 4 && n.bytes().all(|b| b.is_ascii_digit()))
    });
    if paged {
        return false;
    }
    if shape == Shape::Page {
        return true;
    }
    let words: Vec<&str> = stem
        .split(['-', '_', '+'])
        .filter(|w| !w.is_empty())
        .collect();
    let has_id = stem
        .split(|c: char| !c.is_ascii_digit())
        .any(|run| run.len() >= 4);
    let dated = segments.len() >= 2
        && segments
            .iter()
            .any(|s| s.len() == 4 && s.bytes().all(|b| b.is_ascii_digit()));
    words.len() >= 3
        || (has_id && stem.len() >= 4)
        || (dated && words.len() >= 2)
        || (segments.len() >= 2 && ext.is_some() && words.len() >= 2)
}

/// The words of an element's class and id (`most-read box` → `most`, `read`, `box`), and
/// the whole tokens.
fn tokens(el: ElementRef<'_>) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let attrs = el.value().attr("class").into_iter().chain(el.value().id());
    for attr in attrs {
        for token in attr.split_whitespace() {
            let token = token.to_ascii_lowercase();
            let words = token
                .split(['-', '_'])
                .filter(|w| !w.is_empty())
                .map(str::to_string)
                .collect::<Vec<_>>();
            out.push(
                std::iter::once(token.replace(['-', '_'], ""))
                    .chain(words)
                    .collect(),
            );
        }
    }
    out
}

/// Whether the element's class or id names page furniture (`sidebar`, `most-read`, `ads`).
pub fn junk_tokens(el: ElementRef<'_>) -> bool {
    tokens(el).iter().any(|t| {
        let (joined, words) = t
            .split_first()
            .map_or(("", &[][..]), |(j, w)| (j.as_str(), w));
        JUNK_WORDS.contains(&joined)
            || words.iter().any(|w| JUNK_WORDS.contains(&w.as_str()))
            || words
                .windows(2)
                .any(|p| JUNK_PHRASES.contains(&(p[0].as_str(), p[1].as_str())))
    })
}

/// Whether the element is furniture by its tag or ARIA role: `nav`, `aside`, forms, and a
/// page-level `header` or `footer` (an article's own header and footer are content).
pub fn junk_tag(el: ElementRef<'_>) -> bool {
    let role = el
        .value()
        .attr("role")
        .unwrap_or_default()
        .to_ascii_lowercase();
    if matches!(
        role.as_str(),
        "navigation" | "banner" | "contentinfo" | "complementary" | "menu" | "menubar" | "search"
    ) {
        return true;
    }
    match el.value().name() {
        "nav" | "aside" | "form" | "noscript" | "template" | "select" => true,
        "header" | "footer" => !el
            .ancestors()
            .filter_map(ElementRef::wrap)
            .any(|a| matches!(a.value().name(), "article" | "main" | "li" | "section")),
        _ => false,
    }
}

/// Whether a box heading says the list below is furniture ("Most read", "Tin liên quan").
pub fn junk_heading(text: &str) -> bool {
    let t = fold(text);
    let t = t.trim_matches(|c: char| !c.is_ascii_alphanumeric());
    JUNK_HEADINGS.contains(&t)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    #[test]
    fn article_urls_and_section_urls() {
        for yes in [
            "https://a.vn/2025/06/02/mua-lu-o-yen-bai/",
            "https://a.vn/tin-tuc/chinh-tri/bai-viet-123456.htm",
            "https://a.vn/news/some-long-story-title",
            "https://a.vn/xa-hoi/lu-quet.html",
            "https://a.vn/detail.aspx?id=98765",
        ] {
            assert!(shaped(&u(yes), Shape::Article), "{yes}");
        }
        for no in [
            "https://a.vn/",
            "https://a.vn/the-thao",
            "https://a.vn/thoi-su/",
            "https://a.vn/tag/lu-quet-yen-bai",
            "https://a.vn/tu-khoa/mua-lu.htm",
            "https://a.vn/page/2/",
            "https://a.vn/2025/",
            "https://a.vn/tin-tuc/trang-2.htm?page=2",
            "https://a.vn/tin-tuc/trang-2.htm",
            "https://a.vn/images/anh-lu-quet-lon.jpg",
            "https://a.vn/rss/tin-moi-nhat.rss",
        ] {
            assert!(!shaped(&u(no), Shape::Article), "{no}");
        }
    }

    #[test]
    fn any_page_but_utility_ones_in_the_loose_shape() {
        assert!(shaped(&u("https://a.vn/p/x7k2"), Shape::Page));
        assert!(!shaped(&u("https://a.vn/p/x7k2"), Shape::Article));
        for no in [
            "https://a.vn/",
            "https://a.vn/tag/x",
            "https://a.vn/page/2",
            "https://a.vn/a.jpg",
        ] {
            assert!(!shaped(&u(no), Shape::Page), "{no}");
        }
    }

    #[test]
    fn furniture_words_and_headings() {
        let doc = scraper::Html::parse_fragment(
            r#"<div class="box-most-read"></div><div id="sidebar-left"></div><div class="quang-cao"></div><div class="list-news"></div><div class="content-sidebar-wrap"></div>"#,
        );
        let sel = scraper::Selector::parse("div").unwrap();
        let junk: Vec<bool> = doc.select(&sel).map(junk_tokens).collect();
        assert_eq!(junk, [true, true, true, false, true]);
        assert!(junk_heading("Đọc nhiều"));
        assert!(junk_heading(" Most read: "));
        assert!(!junk_heading("Tin mới"));
    }
}
