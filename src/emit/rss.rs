//! RSS 2.0 with the extensions the W3C Feed Validator expects: `atom:link rel="self"`,
//! `content:encoded`, `dc:creator` for author names, `media:content` and
//! `media:thumbnail` for images, one `enclosure` and `media:content` for the other
//! attached files, and RFC 5005's `atom:link` relations and `fh:archive` for archives.

use std::collections::BTreeMap;

use rss::extension::dublincore::DublinCoreExtension;
use rss::extension::{Extension, ExtensionMap};
use rss::{Category, Channel, Guid, Item};

use super::ctx::Ctx;
use super::docs::{Doc, DocKind, Format};
use super::{media, PlannedFeed};
use crate::model::Article;

const ATOM_NS: &str = "http://www.w3.org/2005/Atom";
const MEDIA_NS: &str = "http://search.yahoo.com/mrss/";
/// RFC 5005's namespace (`fh:archive`).
pub(crate) const FH_NS: &str = "http://purl.org/syndication/history/1.0";

/// An empty extension element with the given attributes (`atom:link`, `media:content`).
fn element(name: &str, attrs: &[(&str, &str)]) -> Extension {
    Extension {
        name: name.to_string(),
        attrs: attrs
            .iter()
            .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
            .collect(),
        ..Extension::default()
    }
}

fn insert_ext(map: &mut ExtensionMap, prefix: &str, local: &str, ext: Extension) {
    map.entry(prefix.to_string())
        .or_default()
        .entry(local.to_string())
        .or_default()
        .push(ext);
}

/// Renders `feed`'s subscription document (`rss.xml`) as RSS 2.0.
pub(crate) fn render(ctx: &Ctx<'_>, feed: &PlannedFeed) -> Result<Vec<u8>, rss::Error> {
    let articles: Vec<&Article> = ctx.feed_articles(feed).collect();
    let doc = Doc::new(ctx, feed, DocKind::Subscription, Format::Rss);
    render_doc(ctx, &doc, &articles)
}

/// Renders one RSS 2.0 document of `doc.feed`: its subscription document, an archive page
/// or its digest, showing `articles` in order.
pub(crate) fn render_doc(
    ctx: &Ctx<'_>,
    doc: &Doc<'_>,
    articles: &[&Article],
) -> Result<Vec<u8>, rss::Error> {
    let mut extensions = ExtensionMap::new();
    let self_url = ctx.url(&doc.self_rel);
    insert_ext(
        &mut extensions,
        "atom",
        "link",
        element(
            "atom:link",
            &[
                ("href", &self_url),
                ("rel", "self"),
                ("type", "application/rss+xml"),
            ],
        ),
    );
    if let Some(hub) = &ctx.cfg.site.hub {
        insert_ext(
            &mut extensions,
            "atom",
            "link",
            element("atom:link", &[("href", hub.as_str()), ("rel", "hub")]),
        );
    }
    for (rel, href) in &doc.links {
        insert_ext(
            &mut extensions,
            "atom",
            "link",
            element(
                "atom:link",
                &[
                    ("href", href),
                    ("rel", rel),
                    ("type", "application/rss+xml"),
                ],
            ),
        );
    }
    let mut namespaces = BTreeMap::new();
    namespaces.insert("atom".to_string(), ATOM_NS.to_string());
    if doc.archive {
        // RFC 5005: an archive document says so, and its entries never change.
        insert_ext(&mut extensions, "fh", "archive", element("fh:archive", &[]));
        namespaces.insert("fh".to_string(), FH_NS.to_string());
    }

    // Each URL may be the permalink guid of one item only: validators and readers treat
    // a repeated guid as the same item.
    let mut permalinks = std::collections::HashSet::new();
    let items: Vec<Item> = articles
        .iter()
        .map(|a| item(ctx, a, &mut permalinks))
        .collect();
    if items.iter().any(|i| i.extensions.contains_key("media")) {
        namespaces.insert("media".to_string(), MEDIA_NS.to_string());
    }

    let channel = Channel {
        title: doc.title(ctx),
        link: ctx.base.clone(),
        description: doc.description(ctx),
        language: Some(ctx.cfg.site.language.clone()),
        last_build_date: Some(ctx.docs_updated(articles).to_rfc2822()),
        generator: Some("feedmill".to_string()),
        extensions,
        namespaces,
        items,
        ..Channel::default()
    };
    channel.write_to(Vec::new())
}

/// Media RSS for an item: its image as `media:content medium="image"` (with type and
/// size) and `media:thumbnail`, and every enclosure but the one written as `<enclosure>`
/// as `media:content`.
fn media_extensions(
    extensions: &mut ExtensionMap,
    a: &Article,
    attachments: &[media::Attachment],
    enclosure: Option<usize>,
) {
    if let Some(img) = media::image(a) {
        let (w, h) = (
            img.width.map(|w| w.to_string()),
            img.height.map(|h| h.to_string()),
        );
        let mut attrs: Vec<(&str, &str)> = vec![("url", &img.url), ("medium", "image")];
        if let Some(t) = &img.mime_type {
            attrs.push(("type", t));
        }
        let mut size: Vec<(&str, &str)> = Vec::new();
        if let Some(w) = &w {
            size.push(("width", w));
        }
        if let Some(h) = &h {
            size.push(("height", h));
        }
        attrs.extend(size.iter().copied());
        insert_ext(
            extensions,
            "media",
            "content",
            element("media:content", &attrs),
        );
        let mut thumb: Vec<(&str, &str)> = vec![("url", &img.url)];
        thumb.extend(size);
        insert_ext(
            extensions,
            "media",
            "thumbnail",
            element("media:thumbnail", &thumb),
        );
    }
    for (i, att) in attachments.iter().enumerate() {
        if Some(i) == enclosure {
            continue;
        }
        let size = att.length.map(|l| l.to_string());
        let mut attrs: Vec<(&str, &str)> = vec![("url", &att.url), ("type", &att.mime_type)];
        if let Some(m) = att.medium() {
            attrs.push(("medium", m));
        }
        if let Some(s) = &size {
            attrs.push(("fileSize", s));
        }
        insert_ext(
            extensions,
            "media",
            "content",
            element("media:content", &attrs),
        );
    }
}

fn item<'a>(
    ctx: &Ctx<'a>,
    a: &'a Article,
    permalinks: &mut std::collections::HashSet<String>,
) -> Item {
    let link = a.url.as_deref().and_then(Ctx::http_url);
    let guid = match &link {
        Some(u) if ctx.guid_is_link(a) && permalinks.insert(u.clone()) => Guid {
            value: u.clone(),
            permalink: true,
        },
        _ => Guid {
            value: a.id.clone(),
            permalink: false,
        },
    };
    let categories = ctx
        .article_categories(a)
        .into_iter()
        .map(|c| Category {
            name: c.label.to_string(),
            domain: None,
        })
        .collect();
    let mut extensions = ExtensionMap::new();
    let attachments = media::attachments(a);
    let enclosure = media::rss_enclosure(&attachments);
    media_extensions(&mut extensions, a, &attachments, enclosure);
    let creators: Vec<String> = a
        .authors
        .iter()
        .filter(|n| !n.trim().is_empty())
        .cloned()
        .collect();
    // The summary is plain text and `description` is HTML: escape it so `a < b` stays text.
    let summary = a.summary.trim();
    Item {
        title: Some(Ctx::item_title(a)),
        link,
        description: (!summary.is_empty()).then(|| html_escape::encode_text(summary).into_owned()),
        categories,
        guid: Some(guid),
        pub_date: Ctx::entry_published(a).map(|d| ctx.local(d).to_rfc2822()),
        content: (!a.content.trim().is_empty()).then(|| a.content.clone()),
        enclosure: enclosure
            .and_then(|i| attachments.get(i))
            .map(|att| rss::Enclosure {
                url: att.url.clone(),
                length: att.length.unwrap_or_default().to_string(),
                mime_type: att.mime_type.clone(),
            }),
        extensions,
        dublin_core_ext: (!creators.is_empty()).then(|| DublinCoreExtension {
            creators,
            ..DublinCoreExtension::default()
        }),
        ..Item::default()
    }
}
