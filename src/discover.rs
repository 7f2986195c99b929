//! Finding a source for a site's address (`feedmill add URL`): the address itself when it
//! is a feed; else the feed its page advertises; else one the site links to or publishes at
//! a well-known path; else an HTML source inferred from the page's repeated article blocks
//! and a few sampled article pages.
//!
//! Everything goes through the build's [`Fetcher`], one request at a time, each page at most
//! once, and a handful of requests in all ([`MAX_PROBES`] for probing, then the next
//! listing page and [`SAMPLES`] article pages). The result is checked the way a build would
//! read it: [`Discovery::preview`] runs the scraper's inspection over the pages fetched.

mod article;
mod body;
mod feeds;
mod listing;
mod name;
mod next;
mod probe;
mod select;
pub(crate) mod signals;

use std::sync::Arc;

use url::Url;

use crate::config::{Config, HtmlCfg, Source, SourceKind, SourceUrl};
use crate::fetch::Fetcher;
use crate::inspect::SourceInspection;
use crate::scrape::{self, decode};

pub use feeds::{MAX_PROBES, WELL_KNOWN};
pub use name::{default_name, name_stem};
use probe::{Probe, ACCEPT_ANY};

/// Article pages sampled to infer an HTML source's article selectors.
pub const SAMPLES: usize = 3;

/// A source found for an address.
#[derive(Debug, Clone)]
pub struct Discovery {
    /// The source's `url`: the feed, or the listing page.
    pub url: Url,
    /// `feed` or `html`.
    pub kind: SourceKind,
    /// For an HTML source, its inferred `[source.html]`.
    pub html: Option<HtmlCfg>,
    /// How it was found, in one line (written as a comment above the source).
    pub how: String,
    /// What else was seen: other feeds, fields left to the page's metadata, links left out.
    pub notes: Vec<String>,
    /// The feed's or the site's title, for a default name.
    pub title: Option<String>,
    /// The address `discover` was given.
    pub address: Url,
    probe: Arc<Probe>,
}

/// Finds a source for `url` with the fetch settings and time zone of `cfg`.
///
/// `Err` says why nothing usable was found: the address cannot be fetched, or it is a page
/// with no feed and no list of articles that could be inferred.
pub async fn discover(cfg: &Config, url: &Url) -> Result<Discovery, String> {
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!("{url}: `feedmill add` takes an http(s) address"));
    }
    let probe = Arc::new(Probe::new(Fetcher::new(cfg)?));
    let page = probe.get(url, ACCEPT_ANY).await?;
    let found = |probe: &Arc<Probe>, f: feeds::FoundFeed| Discovery {
        url: f.url,
        kind: SourceKind::Feed,
        html: None,
        how: f.how,
        notes: f.notes,
        title: f.title,
        address: url.clone(),
        probe: probe.clone(),
    };
    let alternates = match feeds::read_as_feed(&page) {
        Ok((title, what)) => {
            return Ok(found(
                &probe,
                feeds::FoundFeed {
                    url: url.clone(),
                    title,
                    how: format!("the address is a feed ({what})"),
                    notes: Vec::new(),
                },
            ))
        }
        Err(e) => e.alternates,
    };
    let page_url = page.final_url.clone();
    let html = decode(&page.body, page.content_type.as_deref());
    let mut notes = Vec::new();
    if page_url != *url {
        notes.push(format!("{url} redirected to {page_url}"));
    }
    if let Some(mut f) = feeds::advertised(&probe, &page_url, &alternates).await {
        notes.append(&mut f.notes);
        f.notes = notes;
        return Ok(found(&probe, f));
    }
    let (feed, mut probe_notes) = feeds::probe_site(&probe, &page_url, &html).await;
    if let Some(mut f) = feed {
        notes.append(&mut f.notes);
        f.notes = notes;
        return Ok(found(&probe, f));
    }
    notes.append(&mut probe_notes);
    infer(cfg, &probe, url, &page_url, &html, notes).await
}

/// The page's site name or title.
fn site_title(html: &str) -> Option<String> {
    let doc = scraper::Html::parse_document(html);
    let meta = scrape::PageMeta::read(&doc);
    let site_name = select::select(&doc, r#"meta[property="og:site_name"]"#).and_then(|m| {
        m.first()
            .and_then(|e| e.attr("content"))
            .map(str::to_string)
    });
    site_name
        .or(meta.og_title)
        .or(meta.title)
        .map(|t| crate::text::collapse_ws(&t))
        .filter(|t| !t.is_empty())
}

/// Infers an HTML source from the listing at `page_url`.
async fn infer(
    cfg: &Config,
    probe: &Arc<Probe>,
    address: &Url,
    page_url: &Url,
    html: &str,
    mut notes: Vec<String>,
) -> Result<Discovery, String> {
    let list = listing::infer(html, page_url)
        .map_err(|e| format!("no feed found, and no HTML source could be inferred: {e}"))?;
    notes.extend(list.notes.iter().cloned());
    let mut pages = 1;
    let mut next = None;
    let mut articles = list.articles.clone();
    if let Some((css, url)) = &list.next {
        match probe.get(url, crate::fetch::ACCEPT_HTML).await {
            Ok(p) => {
                let text = decode(&p.body, p.content_type.as_deref());
                let more = listing::articles_with(&text, &p.final_url, &list.item, &list.link);
                if more.is_empty() {
                    notes.push(format!(
                        "next page {url} (`{css}`) has no items matching `{}`; only the first page is read",
                        list.item
                    ));
                } else {
                    notes.push(format!(
                        "next page: `{css}` → {url} ({} articles there too)",
                        more.len()
                    ));
                    pages = 2;
                    next = Some(css.clone());
                    for a in more {
                        if !articles.iter().any(|(u, _)| *u == a.0) {
                            articles.push(a);
                        }
                    }
                }
            }
            Err(e) => notes.push(format!("next page not read: {e}")),
        }
    }
    // The first two (the preview reads the first three) and the last, from the next page
    // when there is one: a source's pages may differ in what they declare.
    let n = articles.len();
    let mut picks: Vec<usize> = vec![0, 1.min(n - 1), n - 1];
    picks.dedup();
    picks.truncate(SAMPLES);
    let mut samples = Vec::new();
    for i in picks {
        let (url, listed_title) = &articles[i];
        match probe.get(url, crate::fetch::ACCEPT_HTML).await {
            Ok(p) => samples.push(article::Sample {
                url: p.final_url.clone(),
                html: decode(&p.body, p.content_type.as_deref()),
                listed_title: listed_title.clone(),
            }),
            Err(e) => notes.push(format!("sample article not read: {e}")),
        }
    }
    if samples.is_empty() {
        return Err(format!(
            "found {n} articles on {page_url} (`{}`) but none of the sampled article pages could be read",
            list.item
        ));
    }
    let fields = article::infer(&samples, cfg.site.timezone);
    let how = format!(
        "no feed found; an HTML source inferred from {} repeated blocks `{}` and {} sampled article pages",
        list.articles.len(),
        list.item,
        samples.len()
    );
    notes.extend(fields.notes.iter().cloned());
    let cfg_html = HtmlCfg {
        item: list.item.clone(),
        link: list.link.clone(),
        pages,
        next,
        title: fields.title,
        date: fields.date,
        date_formats: Vec::new(),
        author: fields.author,
        tags: fields.tags,
        summary: fields.summary,
        content: fields.content,
        remove: fields.remove,
        image: fields.image,
        allow_hosts: Vec::new(),
    };
    let problems = scrape::validate(&cfg_html);
    if !problems.is_empty() {
        return Err(format!(
            "the inferred selectors do not parse: {}",
            problems.join("; ")
        ));
    }
    Ok(Discovery {
        url: page_url.clone(),
        kind: SourceKind::Html,
        html: Some(cfg_html),
        how,
        notes,
        title: site_title(html),
        address: address.clone(),
        probe: probe.clone(),
    })
}

impl Discovery {
    /// A name for the source, unique among `taken`: after the source's URL when it is on
    /// the site asked for (`vnexpress-tin-moi-nhat`), else after the address asked for (a
    /// feed on another host names that host, not the site).
    pub fn default_name(&self, taken: &[String]) -> String {
        let by = if listing::same_site(&self.url, &self.address) {
            &self.url
        } else {
            &self.address
        };
        default_name(by, self.title.as_deref(), taken)
    }

    /// Requests sent to the site so far (the preview's included once it ran).
    pub fn requests(&self) -> usize {
        self.probe.requests()
    }

    /// The source as feeds.toml would hold it, named `name`.
    pub fn source(&self, name: &str, category: Option<&str>) -> Source {
        Source {
            kind: self.kind,
            html: self.html.clone(),
            category: category.map(str::to_string),
            ..Source::feed(name, SourceUrl::Http(self.url.clone()))
        }
    }

    /// What the source would yield, as `feedmill inspect --source` shows it: a feed read
    /// and normalized, or the scraper's view of the listing and up to three article pages
    /// (served from the pages already fetched where it can).
    pub async fn preview(&self, cfg: &Config, source: &Source) -> Result<SourceInspection, String> {
        match &source.html {
            Some(html) => scrape::inspect(source, html, self.probe.as_ref())
                .await
                .map(SourceInspection::Html),
            None => {
                let mut cfg = cfg.clone();
                cfg.sources = vec![source.clone()];
                crate::inspect::inspect_source(&cfg, &source.name).await
            }
        }
    }
}
