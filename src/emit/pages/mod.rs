//! The HTML face of the output: `index.html`, a page per feed (`<feed>/index.html`) and
//! `feed.xsl`, the stylesheet every RSS and Atom document names so that a browser shows it
//! as a page.
//!
//! Pages are askama templates (`templates/`), checked and compiled with the crate and
//! auto-escaped: nothing here builds markup from strings. They need nothing outside the
//! output folder (CSS and JavaScript are inline, no fonts) and work with JavaScript off:
//! the script only adds the tag filter and the copy buttons. Links between pages are
//! relative, so the folder also works opened from disk; autodiscovery links and the copied
//! addresses are absolute (`site.base_url`), which is what a feed reader needs.
//!
//! A page writer's input is narrow on purpose: one planned feed and its articles in order,
//! as the RSS and Atom writers get them, so a feed's page is rendered and skipped with its
//! feed files under the same fingerprint.

mod labels;
mod view;

use askama::Template;

use super::ctx::Ctx;
use super::docs::Format;
use super::{FeedKind, Plan, PlannedFeed};
pub(crate) use labels::Labels;
use view::{Alternate, Archive, FeedRow, Group, Item, Sub};

/// What a person reads for a format (`RSS`, `JSON Feed`). The subscribe and
/// autodiscovery links come from the formats the config writes
/// ([`extras::formats`](super::extras::formats)): JSON Feed appears when `feeds.json_feed`
/// is on.
pub(crate) fn format_name(f: Format) -> &'static str {
    match f {
        Format::Rss => "RSS",
        Format::Atom => "Atom",
        Format::Json => "JSON Feed",
    }
}

/// File name of the stylesheet, at the top of the output folder.
pub(crate) const XSL: &str = "feed.xsl";

/// File name of the site's icon, at the top of the output folder: a browser opening a
/// feed asks for `/favicon.ico` before the stylesheet runs, and a 404 there is a console
/// error on every feed (the pages themselves name an empty `data:` icon and ask nothing).
pub(crate) const FAVICON: &str = "favicon.ico";

/// The icon's bytes: a 16×16 PNG in an ICO container.
pub(crate) const FAVICON_BYTES: &[u8] = include_bytes!("../../../templates/favicon.ico");

/// The `<?xml-stylesheet?>` processing instruction for a feed in `dir`, with a relative
/// address so it works on any host the folder is served from (browsers apply only a
/// same-origin stylesheet).
fn stylesheet_pi(dir: &str) -> String {
    let up = "../".repeat(dir.split('/').count());
    format!("<?xml-stylesheet type=\"text/xsl\" href=\"{up}{XSL}\"?>\n")
}

/// `doc` (an RSS or Atom document of the feed in `dir`) with the stylesheet line after its
/// XML declaration. Feed readers ignore processing instructions; the W3C validator accepts
/// this one.
pub(crate) fn with_stylesheet(doc: Vec<u8>, dir: &str) -> Vec<u8> {
    let pi = stylesheet_pi(dir);
    let at = if doc.starts_with(b"<?xml") {
        doc.windows(2).position(|w| w == b"?>").map(|p| p + 2)
    } else {
        Some(0)
    };
    let Some(at) = at else { return doc };
    let mut out = Vec::with_capacity(doc.len() + pi.len() + 1);
    out.extend_from_slice(&doc[..at]);
    if at > 0 {
        out.push(b'\n');
    }
    out.extend_from_slice(pi.as_bytes());
    // The writers put a newline or nothing after the declaration; one line break is kept.
    let rest = &doc[at..];
    out.extend_from_slice(rest.strip_prefix(b"\n").unwrap_or(rest));
    out
}

#[derive(Template)]
#[template(path = "feed.html")]
struct FeedPage<'a> {
    lang: &'a str,
    l: &'a Labels,
    site: &'a str,
    name: &'a str,
    home: String,
    alternates: Vec<Alternate>,
    subs: Vec<Sub>,
    items: Vec<Item>,
    archives: Vec<Archive>,
}

/// `<feed>/index.html`: the feed's articles in order, its subscribe links and
/// autodiscovery for each of its formats.
pub(crate) fn render_feed(ctx: &Ctx<'_>, feed: &PlannedFeed) -> Result<Vec<u8>, askama::Error> {
    let l = labels::for_language(&ctx.cfg.site.language);
    let dir = feed.dir();
    let page = FeedPage {
        lang: &ctx.cfg.site.language,
        l,
        site: &ctx.cfg.site.title,
        name: &feed.name,
        home: format!("{}index.html", "../".repeat(dir.split('/').count())),
        alternates: view::alternates(ctx, feed),
        subs: view::subs(ctx, feed, ""),
        items: ctx
            .feed_articles(feed)
            .map(|a| view::item(ctx, a))
            .collect(),
        archives: view::archives(ctx, feed, l),
    };
    page.render().map(String::into_bytes)
}

#[derive(Template)]
#[template(path = "index.html")]
struct IndexPage<'a> {
    lang: &'a str,
    l: &'a Labels,
    title: &'a str,
    description: Option<&'a str>,
    alternates: Vec<Alternate>,
    merged: Option<FeedRow>,
    items: Vec<Item>,
    groups: Vec<Group>,
}

/// The articles the index shows as headlines: the first `index_headlines` of the merged
/// feed (none when pages are off).
pub(crate) fn headlines<'p>(plan: &'p Plan, cfg: &crate::config::Config) -> &'p [usize] {
    let n = if cfg.feeds.pages {
        cfg.feeds.index_headlines
    } else {
        0
    };
    plan.feeds
        .iter()
        .find(|f| f.kind == FeedKind::Merged)
        .map(|f| &f.articles[..f.articles.len().min(n)])
        .unwrap_or(&[])
}

/// `index.html`: the site, the merged feed's latest headlines and every category and tag
/// with its article count, newest date and subscribe links.
pub(crate) fn render_index(ctx: &Ctx<'_>, plan: &Plan) -> Result<Vec<u8>, askama::Error> {
    let l = labels::for_language(&ctx.cfg.site.language);
    let merged = plan.feeds.iter().find(|f| f.kind == FeedKind::Merged);
    let page = IndexPage {
        lang: &ctx.cfg.site.language,
        l,
        title: &ctx.cfg.site.title,
        description: ctx
            .cfg
            .site
            .description
            .as_deref()
            .filter(|d| !d.trim().is_empty()),
        alternates: merged.map(|m| view::alternates(ctx, m)).unwrap_or_default(),
        merged: merged.map(|m| view::row(ctx, m, None, false)),
        items: headlines(plan, ctx.cfg)
            .iter()
            .filter_map(|&i| ctx.articles.get(i))
            .map(|a| view::item(ctx, a))
            .collect(),
        groups: view::groups(ctx, plan, l),
    };
    page.render().map(String::into_bytes)
}

#[derive(Template)]
#[template(path = "feed.xsl", escape = "html")]
struct Stylesheet<'a> {
    l: &'a Labels,
}

/// `feed.xsl`, its words in the site's language.
pub(crate) fn render_xsl(ctx: &Ctx<'_>) -> Result<Vec<u8>, askama::Error> {
    let l = labels::for_language(&ctx.cfg.site.language);
    Stylesheet { l }.render().map(String::into_bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stylesheet_line_follows_the_declaration() {
        let doc = b"<?xml version=\"1.0\" encoding=\"utf-8\"?><rss/>".to_vec();
        assert_eq!(
            String::from_utf8(with_stylesheet(doc, "tag/luc-yen")).unwrap(),
            "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n\
             <?xml-stylesheet type=\"text/xsl\" href=\"../../feed.xsl\"?>\n<rss/>"
        );
        let doc = b"<feed/>".to_vec();
        assert_eq!(
            String::from_utf8(with_stylesheet(doc, "other-news")).unwrap(),
            "<?xml-stylesheet type=\"text/xsl\" href=\"../feed.xsl\"?>\n<feed/>"
        );
    }
}
