//! RSS 2.0 with the extensions the W3C Feed Validator expects: `atom:link rel="self"`,
//! `content:encoded`, `dc:creator` for author names and `media:content` for images.

use std::collections::BTreeMap;

use rss::extension::dublincore::DublinCoreExtension;
use rss::extension::{Extension, ExtensionMap};
use rss::{Category, Channel, Guid, Item};

use super::ctx::Ctx;
use super::PlannedFeed;
use crate::model::Article;

const ATOM_NS: &str = "http://www.w3.org/2005/Atom";
const MEDIA_NS: &str = "http://search.yahoo.com/mrss/";

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

/// Renders `feed` as an RSS 2.0 document.
pub(crate) fn render(ctx: &Ctx<'_>, feed: &PlannedFeed) -> Result<Vec<u8>, rss::Error> {
    let dir = feed.dir();
    let mut extensions = ExtensionMap::new();
    let self_url = ctx.url(&format!("{dir}/rss.xml"));
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
    let mut namespaces = BTreeMap::new();
    namespaces.insert("atom".to_string(), ATOM_NS.to_string());

    // Each URL may be the permalink guid of one item only: validators and readers treat
    // a repeated guid as the same item.
    let mut permalinks = std::collections::HashSet::new();
    let items: Vec<Item> = ctx
        .feed_articles(feed)
        .map(|a| item(ctx, a, &mut permalinks))
        .collect();
    if items.iter().any(|i| i.extensions.contains_key("media")) {
        namespaces.insert("media".to_string(), MEDIA_NS.to_string());
    }

    let channel = Channel {
        title: ctx.feed_title(feed),
        link: ctx.base.clone(),
        description: ctx.feed_description(feed),
        language: Some(ctx.cfg.site.language.clone()),
        last_build_date: Some(ctx.feed_updated(feed).to_rfc2822()),
        generator: Some("feedmill".to_string()),
        extensions,
        namespaces,
        items,
        ..Channel::default()
    };
    channel.write_to(Vec::new())
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
    if let Some(img) = a.image.as_deref().and_then(Ctx::http_url) {
        insert_ext(
            &mut extensions,
            "media",
            "content",
            element("media:content", &[("url", &img), ("medium", "image")]),
        );
    }
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
        extensions,
        dublin_core_ext: (!creators.is_empty()).then(|| DublinCoreExtension {
            creators,
            ..DublinCoreExtension::default()
        }),
        ..Item::default()
    }
}
