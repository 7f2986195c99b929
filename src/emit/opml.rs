//! `feeds.opml`: an OPML 2.0 subscription list of every feed, grouped as merged,
//! categories, tags.

use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use quick_xml::Writer;

use super::ctx::Ctx;
use super::{labels, FeedKind, Plan};

/// Renders the OPML document.
pub(crate) fn render(ctx: &Ctx<'_>, plan: &Plan) -> std::io::Result<Vec<u8>> {
    let l = labels(&ctx.cfg.site.language);
    let mut w = Writer::new_with_indent(Vec::new(), b' ', 2);
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    let mut opml = BytesStart::new("opml");
    opml.push_attribute(("version", "2.0"));
    w.write_event(Event::Start(opml))?;
    w.write_event(Event::Start(BytesStart::new("head")))?;
    w.write_event(Event::Start(BytesStart::new("title")))?;
    w.write_event(Event::Text(BytesText::new(&ctx.cfg.site.title)))?;
    w.write_event(Event::End(BytesEnd::new("title")))?;
    w.write_event(Event::End(BytesEnd::new("head")))?;
    w.write_event(Event::Start(BytesStart::new("body")))?;
    let digests = super::digest::digest_feeds(plan, ctx.cfg);
    for (kind, label) in [
        (FeedKind::Merged, l.merged),
        (FeedKind::Category, l.categories),
        (FeedKind::Tag, l.tags),
    ] {
        let mut group = BytesStart::new("outline");
        group.push_attribute(("text", label));
        w.write_event(Event::Start(group))?;
        for feed in plan.feeds.iter().filter(|f| f.kind == kind) {
            let title = ctx.feed_title(feed);
            let xml_url = ctx.url(&format!("{}/rss.xml", feed.dir()));
            let json_url = ctx.url(&format!("{}/feed.json", feed.dir()));
            let mut o = BytesStart::new("outline");
            o.push_attribute(("type", "rss"));
            o.push_attribute(("text", title.as_str()));
            o.push_attribute(("title", title.as_str()));
            o.push_attribute(("xmlUrl", xml_url.as_str()));
            o.push_attribute(("htmlUrl", ctx.base.as_str()));
            // The same feed as JSON Feed: an attribute, not an outline of its own, so that
            // importing the list subscribes to each feed once.
            if ctx.cfg.feeds.json_feed {
                o.push_attribute(("jsonUrl", json_url.as_str()));
            }
            w.write_event(Event::Empty(o))?;
        }
        w.write_event(Event::End(BytesEnd::new("outline")))?;
    }
    if !digests.is_empty() {
        // A digest is a feed of its own (one item a day).
        let mut group = BytesStart::new("outline");
        group.push_attribute(("text", l.digest));
        w.write_event(Event::Start(group))?;
        for feed in digests.keys().filter_map(|&i| plan.feeds.get(i)) {
            let title = format!("{} — {}", ctx.feed_title(feed), l.digest);
            let xml_url = ctx.url(&format!("{}/digest/rss.xml", feed.dir()));
            let mut o = BytesStart::new("outline");
            o.push_attribute(("type", "rss"));
            o.push_attribute(("text", title.as_str()));
            o.push_attribute(("title", title.as_str()));
            o.push_attribute(("xmlUrl", xml_url.as_str()));
            o.push_attribute(("htmlUrl", ctx.base.as_str()));
            w.write_event(Event::Empty(o))?;
        }
        w.write_event(Event::End(BytesEnd::new("outline")))?;
    }
    w.write_event(Event::End(BytesEnd::new("body")))?;
    w.write_event(Event::End(BytesEnd::new("opml")))?;
    let mut bytes = w.into_inner();
    bytes.push(b'\n');
    Ok(bytes)
}
