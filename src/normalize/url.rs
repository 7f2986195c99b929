//! URLs: resolving relative links against the item's base, the article link a feed shows
//! (tracking parameters dropped, fragment kept), and the canonical form that recognises
//! one article across sources (fragment dropped too).

use url::Url;

/// Query parameters that only track the reader; dropping them makes the same article
/// shared through different campaigns one URL.
fn is_tracking(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    key.starts_with("utm_")
        || matches!(
            key.as_str(),
            "fbclid" | "gclid" | "dclid" | "msclkid" | "yclid" | "igshid" | "mc_cid" | "mc_eid"
        )
}

/// `href` as an absolute http(s) URL: absolute as given, or resolved against the first
/// of `bases` that is an absolute URL. `None` for other schemes (`javascript:`, `data:`,
/// `mailto:`) and for relative links with no usable base.
pub fn resolve(href: &str, bases: &[Option<&str>]) -> Option<Url> {
    // Feeds pad links with whitespace and line breaks; browsers ignore them too.
    let href: String = href.trim().chars().filter(|c| !c.is_control()).collect();
    if href.is_empty() {
        return None;
    }
    let url = match Url::parse(&href) {
        Ok(u) => u,
        Err(url::ParseError::RelativeUrlWithoutBase) => bases
            .iter()
            .flatten()
            .filter_map(|b| Url::parse(b.trim()).ok())
            .find(|b| !b.cannot_be_a_base())
            .and_then(|b| b.join(&href).ok())?,
        Err(_) => return None,
    };
    matches!(url.scheme(), "http" | "https").then_some(url)
}

/// The canonical form of an absolute URL: fragment removed, tracking parameters
/// (`utm_*`, `fbclid`, `gclid`, …) removed, other parameters kept in order and as written.
pub fn canonicalize(mut url: Url) -> Url {
    url.set_fragment(None);
    untrack(url)
}

/// `url` without its tracking parameters; everything else, the fragment included, as it is.
fn untrack(mut url: Url) -> Url {
    if let Some(query) = url.query() {
        let kept: Vec<&str> = query
            .split('&')
            .filter(|pair| {
                let key = pair.split('=').next().unwrap_or_default();
                !pair.is_empty() && !is_tracking(key)
            })
            .collect();
        if kept.is_empty() {
            url.set_query(None);
        } else {
            let q = kept.join("&");
            url.set_query(Some(&q));
        }
    }
    url
}

/// [`resolve`] then [`canonicalize`], as a string.
pub fn canonical(href: &str, bases: &[Option<&str>]) -> Option<String> {
    resolve(href, bases).map(|u| canonicalize(u).into())
}

/// An article's own link: [`resolve`]d, tracking parameters dropped, the `#fragment` kept
/// (a changelog's `#v1` and `#v2` are two articles).
pub fn link(href: &str, bases: &[Option<&str>]) -> Option<String> {
    resolve(href, bases).map(|u| untrack(u).into())
}

/// The form of an article link that recognises one article across sources: its fragment
/// dropped (`link` has already dropped the tracking parameters). Borrowed when there is no
/// fragment.
pub fn match_key(link: &str) -> &str {
    link.split_once('#').map_or(link, |(before, _)| before)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn canonical_is_clean_and_idempotent(
            path in "[a-zA-Z0-9/._~-]{0,20}",
            params in proptest::collection::vec(
                ("(utm_[a-z]{1,6}|UTM_SOURCE|fbclid|gclid|id|p|q)", "[a-z0-9%+]{0,6}"), 0..5),
            frag in proptest::option::of("[a-z0-9]{0,6}"),
        ) {
            let q: Vec<String> = params.iter().map(|(k, v)| format!("{k}={v}")).collect();
            let mut href = format!("https://example.vn/{path}");
            if !q.is_empty() {
                href = format!("{href}?{}", q.join("&"));
            }
            if let Some(f) = frag {
                href = format!("{href}#{f}");
            }
            let c = canonical(&href, &[]).expect("absolute http URL");
            let lower = c.to_ascii_lowercase();
            prop_assert!(!c.contains('#'));
            prop_assert!(!lower.contains("utm_") && !lower.contains("fbclid") && !lower.contains("gclid"));
            prop_assert_eq!(canonical(&c, &[]), Some(c.clone()));
            for (k, v) in &params {
                if matches!(k.as_str(), "id" | "p" | "q") {
                    let kv = format!("{k}={v}");
                    prop_assert!(c.contains(&kv), "{} lost from {}", kv, c);
                }
            }
        }
    }

    #[test]
    fn relative_links_resolve_against_the_first_base() {
        let item = Some("https://baoyenbai.com.vn/12/Xay-dung-Dang.aspx");
        let feed = Some("https://baoyenbai.com.vn/rss/tin.rss");
        assert_eq!(
            resolve("/12/255000/Luc-Yen.aspx", &[None, item, feed]).map(String::from),
            Some("https://baoyenbai.com.vn/12/255000/Luc-Yen.aspx".to_string())
        );
        assert_eq!(
            resolve("anh/1.jpg", &[feed]).map(String::from),
            Some("https://baoyenbai.com.vn/rss/anh/1.jpg".to_string())
        );
        assert_eq!(
            resolve("//cdn.example.vn/a.jpg", &[item]).map(String::from),
            Some("https://cdn.example.vn/a.jpg".to_string())
        );
        assert_eq!(
            resolve(" https://example.vn/a b\n", &[]).map(String::from),
            Some("https://example.vn/a%20b".to_string())
        );
    }

    #[test]
    fn only_http_is_kept() {
        assert_eq!(
            resolve("javascript:alert(1)", &[Some("https://x.vn/")]),
            None
        );
        assert_eq!(resolve("mailto:a@x.vn", &[]), None);
        assert_eq!(resolve("data:image/png;base64,AAAA", &[]), None);
        assert_eq!(resolve("/a", &[]), None);
        assert_eq!(resolve("/a", &[Some("not a url")]), None);
        assert_eq!(resolve("/a", &[Some("file:///tmp/feed.xml")]), None);
        assert_eq!(resolve("", &[Some("https://x.vn/")]), None);
    }

    #[test]
    fn a_link_keeps_its_fragment_and_its_match_key_drops_it() {
        let l = link(
            "changes?utm_source=x&v=2#v11",
            &[Some("https://example.com/")],
        );
        assert_eq!(l.as_deref(), Some("https://example.com/changes?v=2#v11"));
        assert_eq!(
            match_key(&l.unwrap_or_default()),
            "https://example.com/changes?v=2"
        );
        assert_eq!(match_key("https://example.com/a"), "https://example.com/a");
        assert_eq!(link("", &[Some("https://example.com/")]), None);
        assert_eq!(link("  ", &[Some("https://example.com/")]), None);
    }

    #[test]
    fn canonical_drops_tracking_and_fragment() {
        assert_eq!(
            canonical(
                "https://Example.vn/tin?id=5&utm_source=fb&UTM_Medium=x&fbclid=abc&gclid=1#top",
                &[]
            ),
            Some("https://example.vn/tin?id=5".to_string())
        );
        assert_eq!(
            canonical("https://example.vn/tin?utm_campaign=a#x", &[]),
            Some("https://example.vn/tin".to_string())
        );
        assert_eq!(
            canonical("https://example.vn/t?q=a%20b&p=1+2", &[]),
            Some("https://example.vn/t?q=a%20b&p=1+2".to_string())
        );
        assert_eq!(
            canonical("http://example.vn:80/a", &[]),
            Some("http://example.vn/a".to_string())
        );
    }
}
