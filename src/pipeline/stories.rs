//! Working what a build changed in the store into stories and feed membership (see
//! [`crate::store::story`]), backend-neutral: everything goes through [`Store`].
//!
//! Pending articles are read by handle in chunks of [`CHUNK`] and each chunk is written in
//! one transaction, so memory and the write-ahead log follow the chunk, not the store. An
//! article that shares no match key with another is a story of its own, worked out from its
//! head alone. The few that share one, or that were part of a merged story, are regrouped
//! component by component: everything reachable from them through shared keys and merged
//! stories, read whole and grouped by [`normalize::dedup::groups`] as the deduplication of
//! every article would group them (groups never reach outside such a component). Stories
//! whose articles were deleted or whose keys changed are regrouped the same way.
//!
//! Every feed a changed story leaves, joins or shows differently is marked dirty, and the
//! merged feed with it; which of the stories sharing a link has it as its RSS GUID is worked
//! out again for every link a change touched.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use rustc_hash::FxHashSet;

use super::BuildError;
use crate::config::{Config, LimitsCfg};
use crate::filter::Filters;
use crate::model::Article;
use crate::normalize::dedup;
use crate::store::story::{
    article_print, link_hash, match_key_hashes, memberships, names_print, story_print, FeedKey,
    NewStory, Rank, StoryHead, StoryRow, StoryWrite,
};
use crate::store::Store;

/// Pending articles read and written at a time.
pub const CHUNK: usize = 20_000;

/// Above this many pending articles, the keys several articles share are read in one pass
/// rather than asked for article by article.
const BULK: usize = 20_000;

/// What [`refresh`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Refreshed {
    /// Stories written, replaced or deleted.
    pub changed: usize,
    /// Articles regrouped because they share a match key or were merged.
    pub regrouped: usize,
    /// Feed rows worked out again (the feeds marked dirty).
    pub feed_rows: usize,
}

/// A print of the config rules membership depends on besides the stored articles: the
/// filters (which decide which articles the feeds show and add tags and categories) and
/// the tag aliases they name tags by.
fn rules_print(cfg: &Config) -> String {
    let text = format!("{:?}\n{:?}", cfg.filters, cfg.tags);
    format!("{:016x}", xxhash_rust::xxh3::xxh3_64(text.as_bytes()))
}

/// Works every pending article, key and story into stories (see the module documentation),
/// under the config's filters: an article a filter drops is in no story, and what a filter
/// adds is in its story's feeds. A change of the filters makes every article pending.
/// Then the row of every feed marked dirty is worked out again (see
/// `pipeline/feed_rows.rs`).
pub fn refresh(store: &mut dyn Store, cfg: &Config) -> Result<Refreshed, BuildError> {
    let mut done = refresh_stories(store, cfg)?;
    done.feed_rows = super::feed_rows::keep(store)?;
    Ok(done)
}

fn refresh_stories(store: &mut dyn Store, cfg: &Config) -> Result<Refreshed, BuildError> {
    let limits = &cfg.limits;
    let filters = Filters::new(cfg);
    store.membership_rules(&rules_print(cfg))?;
    let pending = store.pending()?;
    let mut done = Refreshed::default();
    if pending.articles == 0 && pending.keys.is_empty() && pending.stories.is_empty() {
        return Ok(done);
    }
    let shared: Option<FxHashSet<i64>> = if pending.articles > BULK {
        Some(store.shared_keys()?.into_iter().collect())
    } else {
        None
    };
    let mut work = Regroup {
        seeds: BTreeSet::new(),
        stale: pending.stories.iter().copied().collect(),
        links: BTreeSet::new(),
    };
    let mut after = i64::MIN;
    loop {
        let heads = store.pending_heads(after, CHUNK)?;
        let Some(last) = heads.last().map(|h| h.aid) else {
            break;
        };
        let mut singles = Vec::with_capacity(heads.len());
        for h in heads {
            let merged = h.story.as_ref().is_some_and(|s| !s.parts.is_empty());
            if h.removed {
                work.stale.extend(h.story.as_ref().map(|s| s.sid));
                continue;
            }
            let keys = match_key_hashes(h.head.url.as_deref(), h.head.source_guid.as_deref());
            let shares = match &shared {
                Some(shared) => keys.iter().any(|k| shared.contains(k)),
                None => {
                    let holders = store.key_members(&keys)?;
                    keys.iter()
                        .any(|k| holders.iter().filter(|(hk, _)| hk == k).count() > 1)
                }
            };
            if shares || merged {
                work.seeds.insert(h.aid);
            } else {
                singles.push(h);
            }
        }
        let mut w = StoryWrite {
            pending_through: Some(last),
            ..StoryWrite::default()
        };
        done.changed += singles_into(store, singles, &filters, &mut w, &mut work.links)?;
        store.write_stories(&w)?;
        after = last;
    }
    for (_, aid) in store.key_members(&pending.keys)? {
        work.seeds.insert(aid);
    }
    let (changed, regrouped) = work.run(store, limits, &filters)?;
    done.changed += changed;
    done.regrouped = regrouped;
    let mut w = StoryWrite {
        done_keys: pending.keys,
        done_stories: pending.stories,
        ..StoryWrite::default()
    };
    owners(store, &work.links, limits, &mut w)?;
    store.write_stories(&w)?;
    Ok(done)
}

/// A story worked out, before it is compared with the stored one.
struct Made {
    row: StoryRow,
    keys: Vec<(FeedKey, String)>,
}

/// The story of one article alone, from its head.
fn single(h: &StoryHead, print: [u8; 16]) -> Made {
    Made {
        row: StoryRow {
            sid: h.aid,
            rank: Rank::of(&h.head),
            link: h.head.url.as_deref().map(link_hash),
            owner: h.head.url.is_some(),
            print: story_print(print, false, &h.head.tags, &h.head.categories),
            feeds: Vec::new(),
            names: 0,
            parts: Vec::new(),
        },
        keys: memberships(&h.head),
    }
}

/// The story of a group of articles (`(aid, article)`, two or more) merged.
fn merged(parts: Vec<(i64, Article)>, limits: &LimitsCfg) -> Option<Made> {
    let sid = parts
        .iter()
        .min_by(|(_, a), (_, b)| (&a.source, &a.id).cmp(&(&b.source, &b.id)))?
        .0;
    let mut aids: Vec<i64> = parts.iter().map(|(aid, _)| *aid).collect();
    aids.sort_unstable();
    let m = dedup::merge(
        parts.into_iter().map(|(_, a)| a).collect(),
        limits.tags_per_article,
    )?;
    Some(Made {
        row: StoryRow {
            sid,
            rank: Rank::of(&m),
            link: m.url.as_deref().map(link_hash),
            owner: m.url.is_some(),
            print: story_print(article_print(&m), true, &m.tags, &m.categories),
            feeds: Vec::new(),
            names: 0,
            parts: aids,
        },
        keys: memberships(&m),
    })
}

/// Gives the stories their feed handles and compares each with what is stored (`old`):
/// the changed ones go to `w` with their feeds marked dirty, and their links to `links`.
/// Returns how many changed.
fn settle(
    store: &mut dyn Store,
    made: Vec<Made>,
    old: &HashMap<i64, StoryRow>,
    w: &mut StoryWrite,
    links: &mut BTreeSet<i64>,
) -> Result<usize, BuildError> {
    let mut keys: Vec<FeedKey> = made
        .iter()
        .flat_map(|m| m.keys.iter().map(|(k, _)| k.clone()))
        .collect();
    keys.sort();
    keys.dedup();
    let ids: HashMap<FeedKey, i64> = keys.iter().cloned().zip(store.feed_ids(&keys)?).collect();
    let mut changed = 0;
    for mut m in made {
        m.row.feeds = m
            .keys
            .iter()
            .filter_map(|(k, _)| ids.get(k).copied())
            .collect();
        m.row.names = names_print(m.keys.iter().map(|(_, n)| n.as_str()));
        let names = m.keys.into_iter().map(|(_, n)| n).collect();
        match old.get(&m.row.sid) {
            Some(b) => {
                // Who owns a shared link is decided afterwards; it is no change by itself.
                m.row.owner = b.owner;
                if *b == m.row {
                    continue;
                }
                let shown_alike = b.print == m.row.print
                    && b.rank == m.row.rank
                    && b.link == m.row.link
                    && b.parts == m.row.parts;
                if shown_alike && b.names == m.row.names {
                    // Shown alike in every feed: only the feeds it joined or left change
                    // (a category its tag already stands for, added in the config).
                    w.dirty
                        .extend(b.feeds.iter().filter(|f| !m.row.feeds.contains(f)));
                    w.dirty
                        .extend(m.row.feeds.iter().filter(|f| !b.feeds.contains(f)));
                } else {
                    w.dirty.extend(&b.feeds);
                    w.dirty.extend(&m.row.feeds);
                }
                if !shown_alike {
                    w.dirty.push(0);
                    links.extend(b.link);
                    links.extend(m.row.link);
                }
            }
            None => {
                w.dirty.extend(&m.row.feeds);
                w.dirty.push(0);
                links.extend(m.row.link);
            }
        }
        changed += 1;
        w.put.push(NewStory { row: m.row, names });
    }
    Ok(changed)
}

/// The stories of articles that share no key and were in no merged story.
fn singles_into(
    store: &mut dyn Store,
    heads: Vec<StoryHead>,
    filters: &Filters,
    w: &mut StoryWrite,
    links: &mut BTreeSet<i64>,
) -> Result<usize, BuildError> {
    // Read whole: a row stored before prints (its print is worked out from the record),
    // and an article whose source has a filter on its text.
    let whole: Vec<i64> = heads
        .iter()
        .filter(|h| h.print.is_none() || filters.needs_text(&h.head.source))
        .map(|h| h.aid)
        .collect();
    let mut full: HashMap<i64, Article> = store.articles_by_aid(&whole)?.into_iter().collect();
    let mut old = HashMap::new();
    let mut made = Vec::with_capacity(heads.len());
    let mut dropped = 0;
    for mut h in heads {
        if let Some(s) = &h.story {
            old.insert(s.sid, s.clone());
        }
        if let Some(a) = full.remove(&h.aid) {
            h.print = h.print.or_else(|| Some(article_print(&a)));
            h.head = a;
        }
        let Some(print) = h.print else {
            continue;
        };
        if !filters.apply(&mut h.head) {
            // Dropped by a filter: in no feed.
            if let Some(s) = &h.story {
                w.delete.push(s.sid);
                w.dirty.extend(&s.feeds);
                w.dirty.push(0);
                links.extend(s.link);
                dropped += 1;
            }
            continue;
        }
        made.push(single(&h, print));
    }
    Ok(dropped + settle(store, made, &old, w, links)?)
}

/// Articles and stories to regroup, and the links whose ownership to work out again.
struct Regroup {
    seeds: BTreeSet<i64>,
    stale: BTreeSet<i64>,
    links: BTreeSet<i64>,
}

impl Regroup {
    /// Regroups every component reachable from the seeds and the stale stories; deletes
    /// the stale stories no component made again. Returns (stories changed, articles
    /// regrouped).
    fn run(
        &mut self,
        store: &mut dyn Store,
        limits: &LimitsCfg,
        filters: &Filters,
    ) -> Result<(usize, usize), BuildError> {
        let mut old: HashMap<i64, StoryRow> = HashMap::new();
        for s in store.stories(&self.stale.iter().copied().collect::<Vec<_>>())? {
            self.seeds.extend(&s.parts);
            self.seeds.insert(s.sid);
            old.insert(s.sid, s);
        }
        let (mut changed, mut regrouped) = (0, 0);
        let mut visited: FxHashSet<i64> = FxHashSet::default();
        let mut made_sids: FxHashSet<i64> = FxHashSet::default();
        let seeds: Vec<i64> = self.seeds.iter().copied().collect();
        for seed in seeds {
            if visited.contains(&seed) {
                continue;
            }
            let heads = component(store, seed, &mut visited)?;
            regrouped += heads.len();
            let mut w = StoryWrite::default();
            let mut comp_old: HashMap<i64, StoryRow> = HashMap::new();
            for h in &heads {
                if let Some(s) = &h.story {
                    comp_old.insert(s.sid, s.clone());
                }
            }
            let live: Vec<i64> = heads.iter().filter(|h| !h.removed).map(|h| h.aid).collect();
            let mut articles = store.articles_by_aid(&live)?;
            // What a filter drops is in no story; what it adds is in the story's feeds.
            articles.retain_mut(|(_, a)| filters.apply(a));
            let plain: Vec<Article> = articles.iter().map(|(_, a)| a.clone()).collect();
            let mut made = Vec::new();
            for g in dedup::groups(&plain) {
                let parts: Vec<(i64, Article)> =
                    g.iter().filter_map(|&i| articles.get(i).cloned()).collect();
                let m = match parts.as_slice() {
                    [(aid, a)] => {
                        let h = StoryHead {
                            aid: *aid,
                            head: a.clone(),
                            print: None,
                            removed: false,
                            story: None,
                        };
                        Some(single(&h, article_print(a)))
                    }
                    _ => merged(parts, limits),
                };
                made.extend(m);
            }
            for m in &made {
                made_sids.insert(m.row.sid);
            }
            // Stories of this component that no group made again are gone.
            for (sid, s) in &comp_old {
                if !made.iter().any(|m| m.row.sid == *sid) {
                    w.delete.push(*sid);
                    w.dirty.extend(&s.feeds);
                    w.dirty.push(0);
                    self.links.extend(s.link);
                    changed += 1;
                }
            }
            changed += settle(store, made, &comp_old, &mut w, &mut self.links)?;
            old.extend(comp_old);
            store.write_stories(&w)?;
        }
        // Stale stories that no component made again (all their articles are gone).
        let mut w = StoryWrite::default();
        for (sid, s) in &old {
            if !made_sids.contains(sid) && store.stories(&[*sid])?.pop().is_some() {
                w.delete.push(*sid);
                w.dirty.extend(&s.feeds);
                w.dirty.push(0);
                self.links.extend(s.link);
                changed += 1;
            }
        }
        store.write_stories(&w)?;
        Ok((changed, regrouped))
    }
}

/// Every article reachable from `seed` through shared match keys and merged stories, with
/// its current story; marks them visited.
fn component(
    store: &dyn Store,
    seed: i64,
    visited: &mut FxHashSet<i64>,
) -> Result<Vec<StoryHead>, BuildError> {
    let mut out = Vec::new();
    let mut todo = vec![seed];
    let mut keys_seen: FxHashSet<i64> = FxHashSet::default();
    visited.insert(seed);
    while !todo.is_empty() {
        let heads = store.story_heads(&std::mem::take(&mut todo))?;
        let mut keys = Vec::new();
        for h in &heads {
            if let Some(s) = &h.story {
                for &p in s.parts.iter().chain([&s.sid]) {
                    if visited.insert(p) {
                        todo.push(p);
                    }
                }
            }
            if h.removed {
                continue;
            }
            for k in match_key_hashes(h.head.url.as_deref(), h.head.source_guid.as_deref()) {
                if keys_seen.insert(k) {
                    keys.push(k);
                }
            }
        }
        for (_, aid) in store.key_members(&keys)? {
            if visited.insert(aid) {
                todo.push(aid);
            }
        }
        out.extend(heads);
    }
    Ok(out)
}

/// Works out, for every link in `links`, which of the stories sharing it owns it (has it
/// as its RSS GUID): the oldest by (published, source, id), as
/// [`crate::emit`] decides among articles in memory. Changes go to `w`, with the feeds of
/// the stories whose ownership changed marked dirty.
fn owners(
    store: &dyn Store,
    links: &BTreeSet<i64>,
    limits: &LimitsCfg,
    w: &mut StoryWrite,
) -> Result<(), BuildError> {
    let rows = store.stories_with_links(&links.iter().copied().collect::<Vec<_>>())?;
    let mut by_link: BTreeMap<i64, Vec<StoryRow>> = BTreeMap::new();
    for r in rows {
        if let Some(l) = r.link {
            by_link.entry(l).or_default().push(r);
        }
    }
    for (_, stories) in by_link {
        let owner = if stories.len() == 1 {
            stories.first().map(|s| s.sid)
        } else {
            let mut keyed = Vec::with_capacity(stories.len());
            for s in &stories {
                let a = record(store, s, limits)?;
                keyed.push(((a.published, a.source, a.id), s.sid));
            }
            keyed.into_iter().min().map(|(_, sid)| sid)
        };
        for s in &stories {
            let owns = Some(s.sid) == owner;
            if owns != s.owner {
                w.owners.push((s.sid, owns));
                w.dirty.extend(&s.feeds);
                w.dirty.push(0);
            }
        }
    }
    Ok(())
}

/// The article a story shows: its one article, or its parts merged.
pub(super) fn record(
    store: &dyn Store,
    s: &StoryRow,
    limits: &LimitsCfg,
) -> Result<Article, BuildError> {
    let aids = if s.parts.is_empty() {
        vec![s.sid]
    } else {
        s.parts.clone()
    };
    let parts: Vec<Article> = store
        .articles_by_aid(&aids)?
        .into_iter()
        .map(|(_, a)| a)
        .collect();
    dedup::merge(parts, limits.tags_per_article)
        .ok_or_else(|| BuildError::StoreChanged(format!("story {}", s.sid)))
}
