//! Full history: every feed's articles in the order feedmill first saw them, the
//! subscription document's share of them, and RFC 5005 archive pages of the rest.
//!
//! Rules (later builds depend on them staying the same):
//! - A feed's history is every article it holds, ordered by [`Key`]: when feedmill first
//!   saw the article (`first_seen`; its date for an article never stored), then its date,
//!   source and id. New articles are seen last, so history only grows at its newest end.
//! - With `feeds.archives`, the subscription documents show the `items` articles seen
//!   last (listed newest first by date, as always), and the archive pages hold all the
//!   others, each article on exactly one page: following `prev-archive` from the
//!   subscription document lists the whole history once.
//! - Pages are numbered from 1, oldest first, and hold `items` articles each. Once a page
//!   is full it is *closed*: the key of its last article is remembered (the emit memory,
//!   under `@archive:<feed dir>`) and the page keeps exactly the articles up to that key
//!   for good. Only the newest page fills up, so a build that adds articles changes the
//!   subscription document and the newest page; when that page closes, the next build
//!   opens a page after it and the closed one gains its `next-archive` link.
//! - An article that leaves a feed (retention, a removed source, a lost tag) leaves its
//!   page, and nothing moves: the pages after it keep their articles and numbers.
//!   Retention removes the oldest articles first, so it empties pages from the oldest end;
//!   an empty page is not written and its file is removed.
//!
//! The input is narrow on purpose — a feed's articles and their keys — so that the same
//! rules can run on a store that answers "the articles of feed F" itself.

use std::cmp::Reverse;
use std::collections::BTreeMap;

use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use super::plan::sort_date;
use super::{FeedKind, Plan};
use crate::model::Article;
use crate::text::tag_key;

/// Where an article sits in history: (first seen, date seconds, date nanoseconds, id
/// reversed, source), ascending oldest first. Among articles seen together it is the
/// reverse of the plan's newest-first order (date, then the smaller id first), so a
/// subscription document shows the same articles with archives on as off until
/// articles arrive out of date order. Borrowed from the article.
pub(crate) type KeyRef<'a> = (i64, i64, u32, Reverse<&'a str>, &'a str);

/// An article's [`KeyRef`].
pub(crate) fn key(a: &Article) -> KeyRef<'_> {
    let date = sort_date(a);
    let added = a
        .first_seen
        .map(|t| t.timestamp())
        .or(date.map(|d| d.timestamp()))
        .unwrap_or(i64::MIN);
    let (secs, nanos) = date.map_or((i64::MIN, 0), |d| {
        (d.timestamp(), d.timestamp_subsec_nanos())
    });
    (
        added,
        secs,
        nanos,
        Reverse(a.id.as_str()),
        a.source.as_str(),
    )
}

/// A closed page: its number and the key of its last (newest) article (first seen, date
/// seconds, date nanoseconds, source, id).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Bound(pub u64, pub i64, pub i64, pub u32, pub String, pub String);

impl Bound {
    fn key(&self) -> KeyRef<'_> {
        (
            self.1,
            self.2,
            self.3,
            Reverse(self.5.as_str()),
            self.4.as_str(),
        )
    }
}

/// The emit-memory key of the closed pages of the feed in folder `dir`. `@` is in no
/// slug, so no feed's fingerprint key (its folder) can look like one.
pub(crate) fn bounds_key(dir: &str) -> String {
    format!("{BOUNDS_PREFIX}{dir}")
}

const BOUNDS_PREFIX: &str = "@archive:";

/// Whether an emit-memory key holds closed pages (not a fingerprint).
pub fn is_bounds_key(k: &str) -> bool {
    k.starts_with(BOUNDS_PREFIX)
}

/// The closed pages remembered as `text`; nothing when it does not read (a memory from
/// another version starts the pages afresh rather than trust a guess).
pub(crate) fn read_bounds(text: Option<&String>) -> Vec<Bound> {
    text.and_then(|t| serde_json::from_str(t).ok())
        .unwrap_or_default()
}

/// The text [`read_bounds`] reads.
pub(crate) fn write_bounds(bounds: &[Bound]) -> String {
    serde_json::to_string(bounds).unwrap_or_default()
}

/// One archive page: its number and its articles, newest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Page {
    pub number: u64,
    pub articles: Vec<usize>,
}

/// Splits `archived` (indices into `articles`, oldest first by [`key`]) into pages of
/// `items`, keeping the closed pages of `bounds`. Returns the pages that hold articles,
/// oldest first, and the closed pages to remember.
pub(crate) fn paginate(
    articles: &[Article],
    archived: &[usize],
    items: usize,
    bounds: &[Bound],
) -> (Vec<Page>, Vec<Bound>) {
    let items = items.max(1);
    let mut closed: Vec<Vec<usize>> = vec![Vec::new(); bounds.len()];
    let mut open: Vec<usize> = Vec::new();
    let mut b = 0;
    for &i in archived {
        let Some(a) = articles.get(i) else { continue };
        let k = key(a);
        while bounds.get(b).is_some_and(|bound| k > bound.key()) {
            b += 1;
        }
        match closed.get_mut(b) {
            Some(page) => page.push(i),
            None => open.push(i),
        }
    }
    // Pages emptied at the oldest end are forgotten; the newest closed page is always
    // remembered, so numbering carries on after it even when all are empty.
    let empty_front = closed.iter().take_while(|p| p.is_empty()).count();
    let drop = empty_front.min(bounds.len().saturating_sub(1));
    let mut kept: Vec<Bound> = bounds.get(drop..).unwrap_or_default().to_vec();
    let mut pages: Vec<Page> = bounds
        .iter()
        .zip(closed)
        .skip(drop)
        .map(|(bound, articles)| Page {
            number: bound.0,
            articles,
        })
        .collect();
    let first_open = bounds.last().map_or(1, |b| b.0 + 1);
    for (next, chunk) in (first_open..).zip(open.chunks(items)) {
        if let (true, Some(a)) = (
            chunk.len() == items,
            chunk.last().and_then(|&i| articles.get(i)),
        ) {
            let (added, secs, nanos, Reverse(id), source) = key(a);
            kept.push(Bound(
                next,
                added,
                secs,
                nanos,
                source.to_string(),
                id.to_string(),
            ));
        }
        pages.push(Page {
            number: next,
            articles: chunk.to_vec(),
        });
    }
    pages.retain(|p| !p.articles.is_empty());
    for p in &mut pages {
        p.articles.reverse();
    }
    (pages, kept)
}

/// Every article of each feed `wanted` names (by index into `plan.feeds`), oldest first
/// by [`key`]; an empty list for the others. The merged feed holds every article, a tag
/// feed the articles carrying its tag, a category feed those in its category — the
/// plan's own rules (so an article of a `merged = false` source is not in the merged
/// feed's history either).
pub(crate) fn members(
    plan: &Plan,
    articles: &[Article],
    wanted: &[bool],
    cfg: &crate::config::Config,
) -> Vec<Vec<usize>> {
    let unmerged: rustc_hash::FxHashSet<&str> = cfg
        .sources
        .iter()
        .filter(|s| !s.merged)
        .map(|s| s.name.as_str())
        .collect();
    let mut out: Vec<Vec<usize>> = vec![Vec::new(); plan.feeds.len()];
    let mut tag_feed: FxHashMap<&str, usize> = FxHashMap::default();
    let mut cat_feed: FxHashMap<String, usize> = FxHashMap::default();
    let mut merged = Vec::new();
    let slug_feed: FxHashMap<&str, usize> = plan
        .feeds
        .iter()
        .enumerate()
        .filter(|(i, f)| f.kind == FeedKind::Tag && wanted.get(*i) == Some(&true))
        .map(|(i, f)| (f.slug.as_str(), i))
        .collect();
    for (key, slug) in &plan.tag_slugs {
        if let Some(&i) = slug_feed.get(slug.as_str()) {
            tag_feed.insert(key.as_str(), i);
        }
    }
    for (i, f) in plan.feeds.iter().enumerate() {
        if wanted.get(i) != Some(&true) {
            continue;
        }
        match f.kind {
            FeedKind::Category => {
                cat_feed.insert(tag_key(&f.name), i);
            }
            FeedKind::Merged => merged.push(i),
            FeedKind::Tag => {}
        }
    }
    let cat_keys = super::plan::category_keys(articles);
    let mut seen: Vec<usize> = Vec::new();
    for (idx, a) in articles.iter().enumerate() {
        seen.clear();
        for t in &a.tags {
            if let Some(&f) = tag_feed.get(t.key.as_str()) {
                if !seen.contains(&f) {
                    seen.push(f);
                }
            }
        }
        for name in &a.categories {
            let Some(f) = cat_keys.get(name.as_str()).and_then(|k| cat_feed.get(k)) else {
                continue;
            };
            if !seen.contains(f) {
                seen.push(*f);
            }
        }
        if !unmerged.contains(a.source.as_str()) {
            seen.extend(merged.iter().copied());
        }
        for &f in &seen {
            if let Some(list) = out.get_mut(f) {
                list.push(idx);
            }
        }
    }
    for list in &mut out {
        list.sort_by(|&x, &y| match (articles.get(x), articles.get(y)) {
            (Some(a), Some(b)) => key(a).cmp(&key(b)),
            _ => x.cmp(&y),
        });
    }
    out
}

/// How many articles a feed's subscription document shows.
pub(crate) fn items_of(kind: FeedKind, cfg: &crate::config::Config) -> usize {
    match kind {
        FeedKind::Merged => cfg.merged.items,
        _ => cfg.feeds.items,
    }
}

/// Fills [`Plan::history`] for the feeds that need it (every feed with archives on, the
/// digest feeds otherwise) and, with archives on, makes each subscription document show
/// the `items` articles seen last, newest first by date.
pub(crate) fn plan_history(plan: &mut Plan, articles: &[Article], cfg: &crate::config::Config) {
    let digests = super::digest::digest_feeds(plan, cfg);
    let wanted: Vec<bool> = (0..plan.feeds.len())
        .map(|i| cfg.feeds.archives || digests.contains_key(&i))
        .collect();
    if !wanted.contains(&true) {
        return;
    }
    let history = members(plan, articles, &wanted, cfg);
    if cfg.feeds.archives {
        for (feed, hist) in plan.feeds.iter_mut().zip(&history) {
            let n = items_of(feed.kind, cfg);
            let mut shown: Vec<usize> = hist.iter().rev().take(n).copied().collect();
            shown.sort_by(|&x, &y| super::plan::newest_first(articles, x, y));
            feed.articles = shown;
        }
    }
    plan.history = history;
}

/// The archived part of a feed's history: all but the articles its subscription document
/// shows (the newest by [`key`]).
pub(crate) fn archived(history: &[usize], shown: usize) -> &[usize] {
    history
        .get(..history.len().saturating_sub(shown))
        .unwrap_or_default()
}

/// The closed pages of every feed in `memory`, by feed folder.
pub(crate) fn remembered(memory: &BTreeMap<String, String>) -> BTreeMap<&str, Vec<Bound>> {
    memory
        .iter()
        .filter_map(|(k, v)| Some((k.strip_prefix(BOUNDS_PREFIX)?, read_bounds(Some(v)))))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{DateTime, Utc};

    fn art(i: usize, seen: i64) -> Article {
        Article {
            id: format!("{i:04}"),
            source: "s".into(),
            published: DateTime::<Utc>::from_timestamp(1_700_000_000 + i as i64 * 60, 0)
                .map(|d| d.fixed_offset()),
            first_seen: DateTime::<Utc>::from_timestamp(seen, 0),
            ..Article::default()
        }
    }

    fn numbers(pages: &[Page]) -> Vec<(u64, usize)> {
        pages.iter().map(|p| (p.number, p.articles.len())).collect()
    }

    #[test]
    fn pages_close_once_and_never_move() {
        let arts: Vec<Article> = (0..23).map(|i| art(i, 100)).collect();
        let all: Vec<usize> = (0..23).collect();
        let (pages, bounds) = paginate(&arts, &all, 5, &[]);
        assert_eq!(numbers(&pages), [(1, 5), (2, 5), (3, 5), (4, 5), (5, 3)]);
        assert_eq!(bounds.len(), 4);
        // Newest first within a page.
        assert_eq!(pages[0].articles, [4, 3, 2, 1, 0]);
        // Retention takes the 7 oldest: page 1 goes, page 2 keeps 3, nothing moves.
        let rest: Vec<usize> = (7..23).collect();
        let (pages, kept) = paginate(&arts, &rest, 5, &bounds);
        assert_eq!(numbers(&pages), [(2, 3), (3, 5), (4, 5), (5, 3)]);
        assert_eq!(kept.first().map(|b| b.0), Some(2));
        // Two more articles fill page 5 and close it.
        let mut more = arts.clone();
        more.extend((23..25).map(|i| art(i, 200)));
        let rest: Vec<usize> = (7..25).collect();
        let (pages, kept) = paginate(&more, &rest, 5, &kept);
        assert_eq!(numbers(&pages), [(2, 3), (3, 5), (4, 5), (5, 5)]);
        assert_eq!(kept.last().map(|b| b.0), Some(5));
        // Everything gone: no page, but the numbering is remembered.
        let (pages, kept) = paginate(&more, &[], 5, &kept);
        assert!(pages.is_empty());
        assert_eq!(kept.iter().map(|b| b.0).collect::<Vec<_>>(), [5]);
        let (pages, _) = paginate(&more, &[24], 5, &kept);
        assert_eq!(numbers(&pages), [(5, 1)]);
    }

    #[test]
    fn bounds_round_trip_and_bad_memory_starts_afresh() {
        let arts: Vec<Article> = (0..4).map(|i| art(i, 100)).collect();
        let (_, bounds) = paginate(&arts, &[0, 1, 2, 3], 2, &[]);
        let text = write_bounds(&bounds);
        assert_eq!(read_bounds(Some(&text)), bounds);
        assert!(read_bounds(Some(&"garbage".to_string())).is_empty());
        assert!(is_bounds_key(&bounds_key("tag/luc-yen")));
        assert!(!is_bounds_key("tag/luc-yen/archive/1"));
        // A tag whose slug is `archive` has a feed folder, not bounds.
        assert!(!is_bounds_key("tag/archive"));
        let memory = BTreeMap::from([
            ("tag/archive".to_string(), "0123abcd".to_string()),
            (bounds_key("tag/archive"), text.clone()),
        ]);
        assert_eq!(
            remembered(&memory).into_iter().collect::<Vec<_>>(),
            [("tag/archive", bounds)]
        );
    }
}
