//! `index.html`: a small HTML5 page listing every feed with subscribe links (RSS, Atom,
//! JSON Feed, the digest when there is one), and autodiscovery links for the merged feed.

use std::fmt::Write as _;

use html_escape::{encode_double_quoted_attribute as attr, encode_text as text};

use super::ctx::Ctx;
use super::{labels, FeedKind, Plan};

/// Renders the page. Links are relative so the folder also works opened from disk.
pub(crate) fn render(ctx: &Ctx<'_>, plan: &Plan) -> Vec<u8> {
    let l = labels(&ctx.cfg.site.language);
    let site = &ctx.cfg.site.title;
    let mut h = String::with_capacity(256 + plan.feeds.len() * 200);
    h.push_str("<!DOCTYPE html>\n");
    let _ = writeln!(h, "<html lang=\"{}\">", attr(&ctx.cfg.site.language));
    h.push_str("<head>\n<meta charset=\"utf-8\">\n");
    h.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    let _ = writeln!(h, "<title>{}</title>", text(site));
    let formats = super::extras::formats(ctx.cfg);
    let digests = super::digest::digest_feeds(plan, ctx.cfg);
    for feed in plan.feeds.iter().filter(|f| f.kind == FeedKind::Merged) {
        let title = ctx.feed_title(feed);
        for (mime, file) in formats.iter().map(|f| (f.mime(), f.file())) {
            let _ = writeln!(
                h,
                "<link rel=\"alternate\" type=\"{mime}\" title=\"{}\" href=\"{}\">",
                attr(&title),
                attr(&ctx.url(&format!("{}/{file}", feed.dir())))
            );
        }
    }
    h.push_str("</head>\n<body>\n");
    let _ = writeln!(h, "<h1>{}</h1>", text(site));
    if let Some(d) = &ctx.cfg.site.description {
        let _ = writeln!(h, "<p>{}</p>", text(d));
    }
    let _ = writeln!(h, "<p><a href=\"feeds.opml\">OPML</a></p>");
    for (kind, label) in [
        (FeedKind::Merged, l.merged),
        (FeedKind::Category, l.categories),
        (FeedKind::Tag, l.tags),
    ] {
        let mut feeds = plan
            .feeds
            .iter()
            .enumerate()
            .filter(|(_, f)| f.kind == kind)
            .peekable();
        if feeds.peek().is_none() {
            continue;
        }
        let _ = writeln!(h, "<h2>{}</h2>\n<ul>", text(label));
        for (i, feed) in feeds {
            let dir = feed.dir();
            let _ = write!(
                h,
                "<li>{} ({} {}) — <a href=\"{}/rss.xml\">RSS</a> · <a href=\"{}/atom.xml\">Atom</a>",
                text(&feed.name),
                feed.articles.len(),
                text(l.articles),
                attr(&dir),
                attr(&dir)
            );
            if ctx.cfg.feeds.json_feed {
                let _ = write!(h, " · <a href=\"{}/feed.json\">JSON Feed</a>", attr(&dir));
            }
            if digests.contains_key(&i) {
                let _ = write!(
                    h,
                    " · <a href=\"{}/digest/rss.xml\">{}</a>",
                    attr(&dir),
                    text(l.digest)
                );
            }
            h.push_str("</li>\n");
        }
        h.push_str("</ul>\n");
    }
    h.push_str("</body>\n</html>\n");
    h.into_bytes()
}
