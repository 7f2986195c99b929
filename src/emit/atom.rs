//! Atom 1.0 feeds, written with `atom_syndication`: enclosures as `link rel="enclosure"`
//! (with `type` and `length`), the image as Media RSS `media:content` and
//! `media:thumbnail` (declared on the entry), RFC 5005's links and `fh:archive` for
//! archives.

use atom_syndication::{
    Category, Content, Entry, Feed, Generator, Link, Person, Text, WriteConfig,
};

use atom_syndication::extension::{Extension, ExtensionMap};

use super::ctx::Ctx;
use super::docs::{Doc, DocKind, Format};
use super::{media, FeedKind, PlannedFeed};
use crate::model::Article;

const MEDIA_NS: &str = "http://search.yahoo.com/mrss/";

fn link(href: &str, rel: &str, mime: Option<&str>) -> Link {
    Link {
        href: href.to_string(),
        rel: rel.to_string(),
        mime_type: mime.map(str::to_string),
        ..Link::default()
    }
}

/// Renders `feed`'s subscription document (`atom.xml`) as Atom 1.0.
pub(crate) fn render(
    ctx: &Ctx<'_>,
    feed: &PlannedFeed,
) -> Result<Vec<u8>, atom_syndication::Error> {
    let articles: Vec<&Article> = ctx.feed_articles(feed).collect();
    let doc = Doc::new(ctx, feed, DocKind::Subscription, Format::Atom);
    render_doc(ctx, &doc, &articles)
}

/// Renders one Atom 1.0 document of `doc.feed`: its subscription document, an archive
/// page or its digest, showing `articles` in order.
pub(crate) fn render_doc(
    ctx: &Ctx<'_>,
    doc: &Doc<'_>,
    articles: &[&Article],
) -> Result<Vec<u8>, atom_syndication::Error> {
    let self_url = ctx.url(&doc.self_rel);
    let mut links = vec![
        link(&self_url, "self", Some("application/atom+xml")),
        link(&ctx.base, "alternate", Some("text/html")),
    ];
    if let Some(hub) = &ctx.cfg.site.hub {
        links.push(link(hub.as_str(), "hub", None));
    }
    for (rel, href) in &doc.links {
        links.push(link(href, rel, Some("application/atom+xml")));
    }
    let mut extensions = ExtensionMap::new();
    let mut namespace = std::collections::BTreeMap::new();
    if doc.archive {
        // RFC 5005: an archive document says so, and its entries never change.
        let archive = Extension {
            name: "fh:archive".to_string(),
            ..Extension::default()
        };
        extensions
            .entry("fh".to_string())
            .or_default()
            .insert("archive".to_string(), vec![archive]);
        namespace.insert("fh".to_string(), super::rss::FH_NS.to_string());
    }
    let entries: Vec<Entry> = articles.iter().map(|a| entry(ctx, a)).collect();
    if entries.iter().any(|e| e.extensions.contains_key("media")) {
        namespace.insert("media".to_string(), MEDIA_NS.to_string());
    }
    let atom = Feed {
        title: Text::plain(doc.title(ctx)),
        // Each document's own URL is stable for as long as its feed's slug is; the
        // subscription document's is the feed's id.
        id: self_url,
        updated: ctx.docs_updated(articles),
        authors: vec![Person {
            name: ctx.cfg.site.title.clone(),
            ..Person::default()
        }],
        generator: Some(Generator {
            value: "feedmill".to_string(),
            ..Generator::default()
        }),
        links,
        subtitle: Some(Text::plain(doc.description(ctx))),
        entries,
        lang: Some(ctx.cfg.site.language.clone()),
        extensions,
        namespaces: namespace,
        ..Feed::default()
    };
    atom.write_with_config(Vec::new(), WriteConfig::default())
}

fn entry(ctx: &Ctx<'_>, a: &Article) -> Entry {
    let url = a.url.as_deref().and_then(Ctx::http_url);
    let categories = ctx
        .article_categories(a)
        .into_iter()
        .map(|c| Category {
            term: c.term.to_string(),
            scheme: Some(ctx.url(match c.kind {
                FeedKind::Category => "category/",
                _ => "tag/",
            })),
            label: Some(c.label.to_string()),
        })
        .collect();
    let summary = a.summary.trim();
    // An entry needs content or an alternate link; give it (possibly empty) content when
    // there is no link.
    let content = (!a.content.trim().is_empty() || url.is_none()).then(|| Content {
        value: Some(a.content.clone()),
        content_type: Some("html".to_string()),
        ..Content::default()
    });
    let mut links: Vec<Link> = url
        .map(|u| vec![link(&u, "alternate", Some("text/html"))])
        .unwrap_or_default();
    for att in media::attachments(a) {
        links.push(Link {
            length: att.length.map(|l| l.to_string()),
            ..link(&att.url, "enclosure", Some(&att.mime_type))
        });
    }
    Entry {
        title: Text::plain(Ctx::item_title(a)),
        id: ctx.entry_id(a),
        updated: Ctx::entry_updated(a)
            .map(|d| ctx.local(d))
            .unwrap_or_else(|| ctx.fixed_date()),
        published: crate::emit::ctx::writable(a.published).map(|d| ctx.local(d)),
        authors: a
            .authors
            .iter()
            .filter(|n| !n.trim().is_empty())
            .map(|n| Person {
                name: n.clone(),
                ..Person::default()
            })
            .collect(),
        links,
        categories,
        extensions: image_extensions(a),
        summary: (!summary.is_empty()).then(|| Text::plain(summary)),
        content,
        ..Entry::default()
    }
}

/// The entry's image as Media RSS `media:content medium="image"` (type, size) and
/// `media:thumbnail`, the elements newsletter tools take an item's image from.
fn image_extensions(a: &Article) -> ExtensionMap {
    let mut map = ExtensionMap::new();
    let Some(img) = media::image(a) else {
        return map;
    };
    let attr = |k: &str, v: &str| (k.to_string(), v.to_string());
    let mut size = std::collections::BTreeMap::new();
    if let Some(w) = img.width {
        size.insert("width".to_string(), w.to_string());
    }
    if let Some(h) = img.height {
        size.insert("height".to_string(), h.to_string());
    }
    let mut content: std::collections::BTreeMap<String, String> =
        [attr("url", &img.url), attr("medium", "image")].into();
    if let Some(t) = &img.mime_type {
        content.insert("type".to_string(), t.clone());
    }
    content.extend(size.clone());
    let mut thumb: std::collections::BTreeMap<String, String> = [attr("url", &img.url)].into();
    thumb.extend(size);
    let media = map.entry("media".to_string()).or_default();
    media.insert(
        "content".to_string(),
        vec![Extension {
            name: "media:content".to_string(),
            attrs: content,
            ..Extension::default()
        }],
    );
    media.insert(
        "thumbnail".to_string(),
        vec![Extension {
            name: "media:thumbnail".to_string(),
            attrs: thumb,
            ..Extension::default()
        }],
    );
    map
}
