//! JSON Feed 1.1 (<https://www.jsonfeed.org/version/1.1/>), serialized with serde from the
//! structs below: what JSON Feed readers, RSSHub-style bridges and newsletter tools read.
//!
//! Every item has `id` and `content_html` (or `content_text` when the article has no
//! content, since JSON Feed requires one of them); dates are RFC 3339 in the site's zone;
//! `tags` are the item's tags and categories as RSS and Atom write them; enclosures are
//! `attachments` with `mime_type` and, when known, `size_in_bytes`. A subscription
//! document's `next_url` is its newest archive page, and each archive page's the page
//! before it: JSON Feed's paging, read newest first.

use chrono::{DateTime, FixedOffset, SecondsFormat};
use serde::Serialize;

use super::ctx::{self, Ctx};
use super::docs::{Doc, DocKind, Format};
use super::{media, PlannedFeed};
use crate::model::Article;

/// The `version` of every document written.
pub const VERSION: &str = "https://jsonfeed.org/version/1.1";

/// A JSON Feed document.
#[derive(Serialize)]
struct JsonFeed {
    version: &'static str,
    title: String,
    home_page_url: String,
    feed_url: String,
    description: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    next_url: Option<String>,
    authors: Vec<Author>,
    language: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    hubs: Vec<Hub>,
    items: Vec<Item>,
}

#[derive(Serialize)]
struct Author {
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<String>,
}

#[derive(Serialize)]
struct Hub {
    #[serde(rename = "type")]
    kind: &'static str,
    url: String,
}

#[derive(Serialize)]
struct Item {
    id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<String>,
    title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    content_html: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    content_text: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    summary: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    image: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    date_published: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    date_modified: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    authors: Vec<Author>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tags: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    attachments: Vec<Attachment>,
}

#[derive(Serialize)]
struct Attachment {
    url: String,
    mime_type: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    size_in_bytes: Option<u64>,
}

/// Renders `feed`'s subscription document (`feed.json`).
pub(crate) fn render(ctx: &Ctx<'_>, feed: &PlannedFeed) -> serde_json::Result<Vec<u8>> {
    let articles: Vec<&Article> = ctx.feed_articles(feed).collect();
    let doc = Doc::new(ctx, feed, DocKind::Subscription, Format::Json);
    render_doc(ctx, &doc, &articles)
}

/// Renders one JSON Feed document of `doc.feed`, showing `articles` in order.
pub(crate) fn render_doc(
    ctx: &Ctx<'_>,
    doc: &Doc<'_>,
    articles: &[&Article],
) -> serde_json::Result<Vec<u8>> {
    let dir = doc.feed.dir();
    // An archive page belongs to its feed: `feed_url` identifies the feed, so it is the
    // subscription document's URL on every page.
    let feed_url = match doc.kind {
        DocKind::Archive(_) => ctx.url(&format!("{dir}/{}", Format::Json.file())),
        _ => ctx.url(&doc.self_rel),
    };
    // JSON Feed pages backwards only: the subscription document's `prev-archive` and each
    // page's `prev-archive` are its `next_url`.
    let next_url = doc
        .links
        .iter()
        .find(|(rel, _)| *rel == "prev-archive")
        .map(|(_, href)| href.clone());
    let feed = JsonFeed {
        version: VERSION,
        title: doc.title(ctx),
        home_page_url: ctx.base.clone(),
        feed_url,
        description: doc.description(ctx),
        next_url,
        authors: vec![Author {
            name: ctx.cfg.site.title.clone(),
            url: Some(ctx.base.clone()),
        }],
        language: ctx.cfg.site.language.clone(),
        hubs: ctx
            .cfg
            .site
            .hub
            .iter()
            .map(|h| Hub {
                kind: "WebSub",
                url: h.to_string(),
            })
            .collect(),
        items: articles.iter().map(|a| item(ctx, a)).collect(),
    };
    let mut bytes = serde_json::to_vec_pretty(&feed)?;
    bytes.push(b'\n');
    Ok(bytes)
}

/// RFC 3339 in the site's zone, whole seconds unless the instant has a fraction.
fn date(ctx: &Ctx<'_>, d: DateTime<FixedOffset>) -> String {
    ctx.local(d).to_rfc3339_opts(SecondsFormat::AutoSi, false)
}

fn item(ctx: &Ctx<'_>, a: &Article) -> Item {
    let summary = a.summary.trim();
    let has_content = !a.content.trim().is_empty();
    let title = Ctx::item_title(a);
    Item {
        // The Atom entry id: an item keeps one identity across the formats it is read in.
        id: ctx.entry_id(a),
        url: a.url.as_deref().and_then(Ctx::http_url),
        content_html: has_content.then(|| a.content.clone()),
        // JSON Feed requires content_html or content_text.
        content_text: (!has_content).then(|| {
            if summary.is_empty() {
                title.clone()
            } else {
                summary.to_string()
            }
        }),
        title,
        summary: (!summary.is_empty()).then(|| summary.to_string()),
        image: media::image(a).map(|i| i.url),
        date_published: ctx::writable(a.published).map(|d| date(ctx, d)),
        date_modified: ctx::writable(a.updated).map(|d| date(ctx, d)),
        authors: a
            .authors
            .iter()
            .filter(|n| !n.trim().is_empty())
            .map(|n| Author {
                name: n.clone(),
                url: None,
            })
            .collect(),
        tags: ctx
            .article_categories(a)
            .into_iter()
            .map(|c| c.label.to_string())
            .collect(),
        attachments: media::attachments(a)
            .into_iter()
            .map(|att| Attachment {
                url: att.url,
                mime_type: att.mime_type,
                size_in_bytes: att.length,
            })
            .collect(),
    }
}
