//! Finding a site's feed: the feeds its page advertises, the links on it that say RSS (news
//! portals list their feeds on a page of their own), and a few well-known paths.

use scraper::Html;
use url::Url;

use super::listing::{base_of, resolve, same_site};
use super::probe::Probe;
use super::select::{select, text};
use super::signals::fold;
use crate::fetch::ACCEPT_FEED;
use crate::scrape::{decode, Page};

/// Requests spent looking for a feed the page does not advertise.
pub const MAX_PROBES: usize = 10;

/// Paths where sites commonly publish their feed.
pub const WELL_KNOWN: &[&str] = &[
    "/feed",
    "/rss",
    "/rss.xml",
    "/atom.xml",
    "/feed.xml",
    "/index.xml",
    "/?feed=rss2",
];

/// A feed that was found and read.
#[derive(Debug, Clone)]
pub struct FoundFeed {
    /// Where it is.
    pub url: Url,
    /// Its own title.
    pub title: Option<String>,
    /// How it was found, one line.
    pub how: String,
    /// Other feeds seen, and candidates that failed.
    pub notes: Vec<String>,
}

/// What the reader says of a page as a feed: `(title, "RSS 2.0, 12 items")`, or why not.
pub fn read_as_feed(page: &Page) -> Result<(Option<String>, String), crate::read::ReadError> {
    let feed = crate::read::read_feed(
        &page.body,
        page.content_type.as_deref(),
        Some(&page.final_url),
    )?;
    let format = feed
        .format
        .map(|f| format!("{f:?}").to_uppercase())
        .unwrap_or_else(|| "feed".into());
    Ok((
        feed.title.clone(),
        format!("{format} {}, {} items", feed.version, feed.items.len()),
    ))
}

/// Fetches `url` and reads it as a feed.
async fn try_feed(probe: &Probe, url: &Url) -> Result<(Option<String>, String), String> {
    let page = probe.get(url, ACCEPT_FEED).await?;
    read_as_feed(&page).map_err(|e| format!("{url}: {}", e.message))
}

fn is_comments(u: &str) -> bool {
    let l = u.to_ascii_lowercase();
    l.contains("comment") || l.contains("binh-luan")
}

/// The best of the feeds a page advertises (`<link rel="alternate">`): the site's own
/// before other hosts', article feeds before comment feeds, then in page order.
pub async fn advertised(probe: &Probe, page_url: &Url, alternates: &[String]) -> Option<FoundFeed> {
    let mut ranked: Vec<(bool, bool, usize, Url)> = alternates
        .iter()
        .enumerate()
        .filter_map(|(i, a)| Url::parse(a).ok().map(|u| (i, u)))
        .filter(|(_, u)| matches!(u.scheme(), "http" | "https"))
        // A public page cannot send feedmill into the local network.
        .filter(|(_, u)| {
            crate::fetch::url_is_internal(page_url) || !crate::fetch::url_is_internal(u)
        })
        .map(|(i, u)| (!same_site(&u, page_url), is_comments(u.as_str()), i, u))
        .collect();
    ranked.sort();
    let mut notes = Vec::new();
    for (_, _, _, url) in ranked.iter().take(3) {
        match try_feed(probe, url).await {
            Ok((title, what)) => {
                let others: Vec<String> = ranked
                    .iter()
                    .map(|r| r.3.to_string())
                    .filter(|u| u != url.as_str())
                    .collect();
                if !others.is_empty() {
                    notes.push(format!("the page also advertises: {}", others.join(", ")));
                }
                return Some(FoundFeed {
                    url: url.clone(),
                    title,
                    how: format!(
                        "the page advertises this feed with <link rel=\"alternate\"> ({what})"
                    ),
                    notes,
                });
            }
            Err(e) => notes.push(format!("advertised feed skipped: {e}")),
        }
    }
    None
}

/// Same site, or a subdomain of it (`rss.example.vn` for `www.example.vn`).
fn site_or_subdomain(u: &Url, page_url: &Url) -> bool {
    if same_site(u, page_url) {
        return true;
    }
    let (Some(h), Some(p)) = (u.host_str(), page_url.host_str()) else {
        return false;
    };
    let p = p.trim_start_matches("www.");
    p.contains('.') && h.ends_with(&format!(".{p}")) && u.port() == page_url.port()
}

/// Whether a URL's path says feed: `.rss`, `.xml`, `.atom`, a `rss`/`feed` segment or word.
fn feed_path(u: &Url) -> bool {
    let path = u.path().to_ascii_lowercase();
    let words = path
        .split(|c: char| !c.is_ascii_alphanumeric())
        .any(|w| matches!(w, "rss" | "feed" | "feeds" | "atom" | "rdf"));
    words
        || [".rss", ".xml", ".atom", ".rdf"]
            .iter()
            .any(|e| path.ends_with(e))
        || u.query_pairs().any(|(k, _)| k == "feed")
}

/// Links on a page whose text or URL says RSS, in page order: its feeds, or the page that
/// lists them.
pub fn rss_links(html: &str, page_url: &Url) -> Vec<Url> {
    let doc = Html::parse_document(html);
    let base = base_of(&doc, page_url);
    let mut out: Vec<Url> = Vec::new();
    for a in select(&doc, "a[href]").unwrap_or_default() {
        let Some(u) = a.attr("href").and_then(|h| resolve(&base, h)) else {
            continue;
        };
        let label = fold(&format!(
            "{} {}",
            text(a),
            a.attr("title").unwrap_or_default()
        ));
        let says = label
            .split(|c: char| !c.is_ascii_alphanumeric())
            .any(|w| matches!(w, "rss" | "feed" | "feeds" | "atom"))
            || a.attr("type")
                .is_some_and(|t| t.contains("rss") || t.contains("atom"));
        if (says || feed_path(&u)) && site_or_subdomain(&u, page_url) && !out.contains(&u) {
            out.push(u);
        }
    }
    out
}

/// Words in a feed's label or URL that mark the site's main feed.
const MAIN_FEED: &[&str] = &[
    "tin moi nhat",
    "tin-moi-nhat",
    "moi nhat",
    "trang chu",
    "trang-chu",
    "tong hop",
    "home",
    "latest",
    "newest",
    "front page",
    "top stories",
    "all",
    "tat ca",
];

/// The feeds an RSS page lists, main feed first, then in page order.
fn listed_feeds(html: &str, page_url: &Url) -> Vec<Url> {
    let doc = Html::parse_document(html);
    let base = base_of(&doc, page_url);
    let mut found: Vec<(bool, usize, Url)> = Vec::new();
    for (i, a) in select(&doc, "a[href]")
        .unwrap_or_default()
        .into_iter()
        .enumerate()
    {
        let Some(u) = a.attr("href").and_then(|h| resolve(&base, h)) else {
            continue;
        };
        if !feed_path(&u) || !site_or_subdomain(&u, page_url) || u == *page_url {
            continue;
        }
        if found.iter().any(|f| f.2 == u) {
            continue;
        }
        let label = fold(&format!("{} {}", text(a), u.path()));
        let main = MAIN_FEED.iter().any(|w| {
            label
                .split(|c: char| !c.is_ascii_alphanumeric() && c != '-')
                .collect::<Vec<_>>()
                .join(" ")
                .contains(w)
        });
        found.push((!main, i, u));
    }
    found.sort();
    found.into_iter().map(|f| f.2).collect()
}

/// Looks for a feed the page does not advertise: links that say RSS (a feed, or a page
/// listing feeds), then the well-known paths; at most [`MAX_PROBES`] requests.
pub async fn probe_site(
    probe: &Probe,
    page_url: &Url,
    html: &str,
) -> (Option<FoundFeed>, Vec<String>) {
    let start = probe.requests();
    let spent = |p: &Probe| p.requests() - start;
    let mut notes = Vec::new();
    for link in rss_links(html, page_url).into_iter().take(3) {
        if spent(probe) >= MAX_PROBES || probe.seen(&link) {
            continue;
        }
        let page = match probe.get(&link, ACCEPT_FEED).await {
            Ok(p) => p,
            Err(e) => {
                notes.push(format!("RSS link skipped: {e}"));
                continue;
            }
        };
        match read_as_feed(&page) {
            Ok((title, what)) => {
                return (
                    Some(FoundFeed {
                        url: link.clone(),
                        title,
                        how: format!("the page links to this feed ({what})"),
                        notes,
                    }),
                    Vec::new(),
                )
            }
            Err(e) => {
                // An RSS page: the portal's list of its feeds.
                let text = decode(&page.body, page.content_type.as_deref());
                let mut feeds = listed_feeds(&text, &page.final_url);
                for alt in e.alternates.iter().filter_map(|a| Url::parse(a).ok()) {
                    if !feeds.contains(&alt) {
                        feeds.push(alt);
                    }
                }
                for feed in feeds.iter().take(2) {
                    if spent(probe) >= MAX_PROBES {
                        break;
                    }
                    match try_feed(probe, feed).await {
                        Ok((title, what)) => {
                            let others: Vec<String> = feeds
                                .iter()
                                .filter(|f| *f != feed)
                                .map(Url::to_string)
                                .collect();
                            if !others.is_empty() {
                                notes.push(format!(
                                    "{link} lists {} more feeds (add each you want with `feedmill add URL`): {}",
                                    others.len(),
                                    others.join(", ")
                                ));
                            }
                            return (
                                Some(FoundFeed {
                                    url: feed.clone(),
                                    title,
                                    how: format!(
                                        "the page links to {link}, which lists the site's feeds; this is its main one ({what})"
                                    ),
                                    notes,
                                }),
                                Vec::new(),
                            );
                        }
                        Err(e) => notes.push(format!("listed feed skipped: {e}")),
                    }
                }
            }
        }
    }
    for path in WELL_KNOWN {
        if spent(probe) >= MAX_PROBES {
            notes.push(format!("stopped probing after {MAX_PROBES} requests"));
            break;
        }
        let Ok(url) = page_url.join(path) else {
            continue;
        };
        if probe.seen(&url) {
            continue;
        }
        if let Ok((title, what)) = try_feed(probe, &url).await {
            return (
                Some(FoundFeed {
                    url,
                    title,
                    how: format!(
                        "the site publishes a feed at the well-known path {path} ({what})"
                    ),
                    notes,
                }),
                Vec::new(),
            );
        }
    }
    notes.push(format!(
        "no feed: the page advertises none, links to none, and none of {} answered with one",
        WELL_KNOWN.join(", ")
    ));
    (None, notes)
}
