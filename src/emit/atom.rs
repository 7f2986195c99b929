//! Atom 1.0 feeds, written with `atom_syndication`.

use atom_syndication::{
    Category, Content, Entry, Feed, Generator, Link, Person, Text, WriteConfig,
};

use super::ctx::Ctx;
use super::{FeedKind, PlannedFeed};
use crate::model::Article;

fn link(href: &str, rel: &str, mime: Option<&str>) -> Link {
    Link {
        href: href.to_string(),
        rel: rel.to_string(),
        mime_type: mime.map(str::to_string),
        ..Link::default()
    }
}

/// Renders `feed` as an Atom 1.0 document.
pub(crate) fn render(
    ctx: &Ctx<'_>,
    feed: &PlannedFeed,
) -> Result<Vec<u8>, atom_syndication::Error> {
    let self_url = ctx.url(&format!("{}/atom.xml", feed.dir()));
    let mut links = vec![
        link(&self_url, "self", Some("application/atom+xml")),
        link(&ctx.base, "alternate", Some("text/html")),
    ];
    if let Some(hub) = &ctx.cfg.site.hub {
        links.push(link(hub.as_str(), "hub", None));
    }
    let atom = Feed {
        title: Text::plain(ctx.feed_title(feed)),
        // The feed's own URL is stable for as long as its slug is.
        id: self_url,
        updated: ctx.feed_updated(feed),
        authors: vec![Person {
            name: ctx.cfg.site.title.clone(),
            ..Person::default()
        }],
        generator: Some(Generator {
            value: "feedmill".to_string(),
            ..Generator::default()
        }),
        links,
        subtitle: Some(Text::plain(ctx.feed_description(feed))),
        entries: ctx.feed_articles(feed).map(|a| entry(ctx, a)).collect(),
        lang: Some(ctx.cfg.site.language.clone()),
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
        links: url
            .map(|u| vec![link(&u, "alternate", Some("text/html"))])
            .unwrap_or_default(),
        categories,
        summary: (!summary.is_empty()).then(|| Text::plain(summary)),
        content,
        ..Entry::default()
    }
}
