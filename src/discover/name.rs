//! A default source name: a slug of the site's host (or, for an address by IP, of its
//! title), with the path's last meaningful segment, unique among the names taken.

use url::{Host, Url};

use crate::text::slugify;

/// Path segments too generic to name a source by.
const GENERIC: &[&str] = &[
    "feed",
    "feeds",
    "rss",
    "atom",
    "index",
    "xml",
    "home",
    "default",
    "trang-chu",
    "tin-tuc",
    "news",
];

/// Longest name stem, in bytes; cut at a `-`.
const MAX_STEM: usize = 40;

fn cut(s: &str) -> String {
    if s.len() <= MAX_STEM {
        return s.to_string();
    }
    let head = &s[..MAX_STEM];
    head.rfind('-')
        .map_or(head, |i| &head[..i])
        .trim_matches('-')
        .to_string()
}

/// The name a source at `url` would get before making it unique: the host's first label
/// (`www.` skipped), plus the path's last meaningful segment; for an IP address or
/// `localhost`, the slug of `title`.
pub fn name_stem(url: &Url, title: Option<&str>) -> String {
    let site = match url.host() {
        Some(Host::Domain(d)) if d != "localhost" && d.contains('.') => {
            let d = d.trim_start_matches("www.");
            slugify(d.split('.').next().unwrap_or(d))
        }
        _ => title
            .map(slugify)
            .filter(|t| t != "untitled")
            .unwrap_or_else(|| "source".to_string()),
    };
    let segment = url
        .path_segments()
        .and_then(|mut s| s.rfind(|p| !p.is_empty()).map(str::to_string))
        .map(|p| {
            let stem = p.rsplit_once('.').map_or(p.as_str(), |(s, _)| s);
            slugify(stem)
        })
        .filter(|s| {
            s != "untitled" && !GENERIC.contains(&s.as_str()) && !site.contains(s.as_str())
        });
    let name = match segment {
        Some(seg) if matches!(url.host(), Some(Host::Domain(_))) => format!("{site}-{seg}"),
        _ => site,
    };
    cut(&name)
}

/// [`name_stem`] made unique among `taken` with `-2`, `-3`, ….
pub fn default_name(url: &Url, title: Option<&str>, taken: &[String]) -> String {
    let stem = name_stem(url, title);
    if !taken.contains(&stem) {
        return stem;
    }
    (2..)
        .map(|i| format!("{stem}-{i}"))
        .find(|n| !taken.contains(n))
        .unwrap_or(stem)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    #[test]
    fn names_from_host_path_and_title() {
        assert_eq!(
            name_stem(&u("https://www.baoyenbai.com.vn/"), None),
            "baoyenbai"
        );
        assert_eq!(
            name_stem(&u("https://vnexpress.net/rss/tin-moi-nhat.rss"), None),
            "vnexpress-tin-moi-nhat"
        );
        assert_eq!(
            name_stem(&u("https://blog.example.com/feed/"), None),
            "blog"
        );
        assert_eq!(
            name_stem(&u("http://127.0.0.1:8080/"), Some("Báo Lục Yên")),
            "bao-luc-yen"
        );
        assert_eq!(name_stem(&u("http://127.0.0.1:8080/"), None), "source");
        let taken = vec!["blog".to_string(), "blog-2".to_string()];
        assert_eq!(
            default_name(&u("https://blog.example.com/"), None, &taken),
            "blog-3"
        );
    }
}
