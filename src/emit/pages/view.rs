//! What the templates show, worked out from the plan and the articles: plain owned values,
//! so the templates hold no logic beyond loops and conditions.

use std::collections::HashMap;

use super::{format_name, Labels};
use crate::emit::ctx::Ctx;
use crate::emit::docs::{archive_rel, digest_rel, Format};
use crate::emit::extras::formats;
use crate::emit::{FeedKind, Plan, PlannedFeed};
use crate::model::Article;

/// A summary longer than this many characters is cut at a word boundary: a page lists
/// `items` articles and the full text is one click away.
const SUMMARY_CHARS: usize = 300;

/// An instant as a page shows it: RFC 3339 for `<time datetime>`, and in the site's zone
/// for people.
pub(crate) struct When {
    pub iso: String,
    pub shown: String,
}

/// An article in a list.
pub(crate) struct Item {
    pub title: String,
    pub url: Option<String>,
    pub source: String,
    pub when: Option<When>,
    pub image: Option<String>,
    pub summary: String,
}

/// A link to one of a feed's archive pages (its RSS form, which the stylesheet shows).
pub(crate) struct Archive {
    pub label: String,
    pub href: String,
}

/// A `<link rel="alternate">`.
pub(crate) struct Alternate {
    pub mime: &'static str,
    pub title: String,
    pub url: String,
}

/// A subscribe link: `href` relative to the page, `url` absolute (for copying).
#[derive(Clone)]
pub(crate) struct Sub {
    pub name: &'static str,
    pub href: String,
    pub url: String,
}

/// A feed in the index's lists.
pub(crate) struct FeedRow {
    pub name: String,
    /// Its page, relative to the index (none when pages are off).
    pub href: Option<String>,
    /// Its slug when another feed of its kind has a name that reads alike (`Lụa`, `Lúa`).
    pub note: Option<String>,
    pub count: usize,
    pub newest: Option<When>,
    pub subs: Vec<Sub>,
}

/// Feeds of one kind on the index.
pub(crate) struct Group {
    pub id: &'static str,
    pub heading: &'static str,
    pub rows: Vec<FeedRow>,
}

fn when(ctx: &Ctx<'_>, a: &Article) -> Option<When> {
    let d = ctx.local(Ctx::entry_published(a)?);
    Some(When {
        iso: d.to_rfc3339(),
        shown: d.format("%Y-%m-%d %H:%M %:z").to_string(),
    })
}

fn summary(s: &str) -> String {
    let s = s.trim();
    if s.chars().count() <= SUMMARY_CHARS {
        return s.to_string();
    }
    let cut: String = s.chars().take(SUMMARY_CHARS).collect();
    let cut = cut
        .rsplit_once(char::is_whitespace)
        .map_or(cut.as_str(), |(a, _)| a);
    format!("{}…", cut.trim_end())
}

/// One article as a list shows it.
pub(crate) fn item(ctx: &Ctx<'_>, a: &Article) -> Item {
    Item {
        title: Ctx::item_title(a),
        url: a.url.as_deref().and_then(Ctx::http_url),
        source: a.source.clone(),
        when: when(ctx, a),
        image: a.image.as_deref().and_then(Ctx::http_url),
        summary: summary(&a.summary),
    }
}

/// Autodiscovery links of a feed, one per format.
pub(crate) fn alternates(ctx: &Ctx<'_>, feed: &PlannedFeed) -> Vec<Alternate> {
    let title = ctx.feed_title(feed);
    formats(ctx.cfg)
        .into_iter()
        .map(|f| Alternate {
            mime: f.mime(),
            title: format!("{title} ({})", format_name(f)),
            url: ctx.url(&format!("{}/{}", feed.dir(), f.file())),
        })
        .collect()
}

/// Subscribe links of a feed, `prefix` being the path from the page to the feed's folder.
pub(crate) fn subs(ctx: &Ctx<'_>, feed: &PlannedFeed, prefix: &str) -> Vec<Sub> {
    formats(ctx.cfg)
        .into_iter()
        .map(|f| Sub {
            name: format_name(f),
            href: format!("{prefix}{}", f.file()),
            url: ctx.url(&format!("{}/{}", feed.dir(), f.file())),
        })
        .collect()
}

/// The feed's archive pages ("older pages"), newest first, relative to its page.
pub(crate) fn archives(ctx: &Ctx<'_>, feed: &PlannedFeed, l: &Labels) -> Vec<Archive> {
    let dir = feed.dir();
    ctx.archive_pages(&dir)
        .iter()
        .rev()
        .map(|&n| Archive {
            label: format!("{} {n}", l.archive),
            href: archive_rel(&dir, n, Format::Rss)
                .strip_prefix(&format!("{dir}/"))
                .unwrap_or_default()
                .to_string(),
        })
        .collect()
}

/// A feed as the index lists it; `digest` when it has a daily digest (its RSS form is
/// linked beside the formats).
pub(crate) fn row(
    ctx: &Ctx<'_>,
    feed: &PlannedFeed,
    note: Option<String>,
    digest: bool,
) -> FeedRow {
    let dir = feed.dir();
    let l = super::labels::for_language(&ctx.cfg.site.language);
    let mut subs = subs(ctx, feed, &format!("{dir}/"));
    if digest {
        let rel = digest_rel(&dir, Format::Rss);
        subs.push(Sub {
            name: l.digest,
            url: ctx.url(&rel),
            href: rel,
        });
    }
    FeedRow {
        name: feed.name.clone(),
        href: ctx.cfg.feeds.pages.then(|| format!("{dir}/")),
        note,
        count: feed.total,
        newest: feed
            .articles
            .first()
            .and_then(|&i| ctx.articles.get(i))
            .and_then(|a| when(ctx, a)),
        subs,
    }
}

/// Categories, then tags, each in plan order. A name that reads like another of its kind
/// once accents and case are gone carries its slug, so the two can be told apart.
pub(crate) fn groups(ctx: &Ctx<'_>, plan: &Plan, l: &Labels) -> Vec<Group> {
    let digests = crate::emit::digest::digest_feeds(plan, ctx.cfg);
    [
        (FeedKind::Category, "categories", l.categories),
        (FeedKind::Tag, "tags", l.tags),
    ]
    .into_iter()
    .filter_map(|(kind, id, heading)| {
        let feeds: Vec<(usize, &PlannedFeed)> = plan
            .feeds
            .iter()
            .enumerate()
            .filter(|(_, f)| f.kind == kind)
            .collect();
        if feeds.is_empty() {
            return None;
        }
        let mut alike: HashMap<String, usize> = HashMap::new();
        for (_, f) in &feeds {
            *alike.entry(crate::text::slugify(&f.name)).or_default() += 1;
        }
        let rows = feeds
            .iter()
            .map(|(i, f)| {
                let twin = alike.get(&crate::text::slugify(&f.name)).copied() > Some(1);
                row(ctx, f, twin.then(|| f.dir()), digests.contains_key(i))
            })
            .collect();
        Some(Group { id, heading, rows })
    })
    .collect()
}
