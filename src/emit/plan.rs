//! Deciding which feeds exist, which articles each shows, and every feed's slug.
//!
//! Rules (documented here because later builds depend on them staying the same):
//! - Articles are ordered newest first by `published`, falling back to `updated`; undated
//!   articles come last; ties are broken by article id, then by position in the input.
//! - A tag's identity is [`Tag::key`](crate::model::Tag); its display name is the spelling
//!   most of its articles use; a tie goes to a mixed-case spelling over an all-capitals one,
//!   then to the spelling of the newest article (in the
//!   article order above), so the current house style wins over an old one.
//! - A tag's slug is `slugify(key)` (the key, not the display name, so that a change in the
//!   elected spelling never moves the feed), at most `limits.slug_bytes` bytes: a longer
//!   one is cut and ends in a short hash of the key ([`fit_slug`]). When several tags share
//!   a slug, slugs from `known_slugs` are honoured first; the remaining tags are served
//!   oldest first (the tag whose earliest dated article is oldest, undated-only tags last,
//!   then key order): the first keeps the plain slug, the others get `-2`, `-3`, ... A slug
//!   in `known_slugs` is never handed to another key, even while its own tag has no feed,
//!   so a tag that comes back gets its old slug back. A remembered slug is kept for as long
//!   as an article carries its tag (a remembered slug that is not a valid slug within
//!   `slug_bytes` is not trusted); the slugs of tags no article carries are left out of
//!   [`Plan::tag_slugs`], though still kept from other tags during this build.
//! - The merged feed holds every article but those of sources with `merged = false`.
//! - Categories: every name in `Article::categories` plus every `[[category]]` (even with no
//!   article), identified by `text::tag_key(name)`. A configured category keeps its name and
//!   slug; other categories get `slugify(key)` and the same collision rule as tags. Every
//!   slug, the merged feed's and configured ones included, fits in `limits.slug_bytes`.

use std::cmp::Ordering;
use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, FixedOffset};
use rustc_hash::FxHashMap;

use super::{FeedKind, Plan, PlannedFeed};
use crate::config::Config;
use crate::model::Article;
use crate::text::{bounded_slug, fit_slug, is_slug, slugify, suffixed_slug, tag_key};

/// The instant an article is sorted by: its publication, else its last update.
pub(crate) fn sort_date(a: &Article) -> Option<DateTime<FixedOffset>> {
    a.published.or(a.updated)
}

/// Newest first, undated last, then id, then input position: a total order.
pub(crate) fn newest_first(articles: &[Article], x: usize, y: usize) -> Ordering {
    let (a, b) = match (articles.get(x), articles.get(y)) {
        (Some(a), Some(b)) => (a, b),
        _ => return x.cmp(&y),
    };
    let by_date = match (sort_date(a), sort_date(b)) {
        (Some(da), Some(db)) => db.cmp(&da),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    };
    by_date
        .then_with(|| a.id.cmp(&b.id))
        .then_with(|| x.cmp(&y))
}

/// Every article of one tag or category, gathered in one pass over the articles.
#[derive(Default)]
struct Group<'a> {
    /// Articles carrying it (all of them, not only the shown ones).
    count: usize,
    /// Spelling → (how many articles use it, rank of its newest article; 0 is newest).
    names: FxHashMap<&'a str, (usize, usize)>,
    /// The oldest dated article's instant: who came first wins a contested slug.
    earliest: Option<DateTime<FixedOffset>>,
    /// Shown articles, newest first, at most `limit`.
    shown: Vec<usize>,
}

impl<'a> Group<'a> {
    fn add(
        &mut self,
        idx: usize,
        name: &'a str,
        date: Option<DateTime<FixedOffset>>,
        limit: usize,
    ) {
        // Articles arrive newest first, so the first rank seen for a spelling is its newest.
        self.names.entry(name).or_insert((0, self.count)).0 += 1;
        self.count += 1;
        if let Some(d) = date {
            if self.earliest.is_none_or(|e| d < e) {
                self.earliest = Some(d);
            }
        }
        if self.shown.len() < limit {
            self.shown.push(idx);
        }
    }

    /// The most used spelling; among equally used ones, a spelling in mixed case beats one
    /// in capitals (`Đảng bộ xã` over `ĐẢNG BỘ XÃ`, a headline style), then the newest
    /// article's spelling wins.
    fn elected_name(&self) -> String {
        elect(self.names.iter().map(|(n, (c, r))| (*n, *c, *r)))
    }
}

/// The name a tag's or category's feed shows, from its spellings as (spelling, stories
/// using it, the place of its newest story: smaller is newer): the most used spelling;
/// among equally used ones, a spelling in mixed case beats one in capitals, then the
/// newest story's spelling wins. The plan elects from articles in memory; the store's feed
/// rows are kept with the same rule (see [`crate::pipeline::stories`]).
pub fn elect<'n, K: Ord>(spellings: impl Iterator<Item = (&'n str, usize, K)>) -> String {
    spellings
        .max_by(|(na, ca, ra), (nb, cb, rb)| {
            ca.cmp(cb)
                .then_with(|| shouting(nb).cmp(&shouting(na)))
                .then_with(|| rb.cmp(ra))
        })
        .map(|(n, _, _)| n.to_string())
        .unwrap_or_default()
}

/// Whether a spelling is a phrase set in capitals (`ĐẢNG BỘ XÃ`): several words, every
/// letter upper case. A single all-capitals word is an acronym (`HĐND`), not shouting.
fn shouting(name: &str) -> bool {
    name.trim().contains(' ')
        && name.chars().any(char::is_alphabetic)
        && name
            .chars()
            .filter(|c| c.is_alphabetic())
            .all(char::is_uppercase)
}

/// A key competing for a slug.
struct Candidate<'a> {
    key: &'a str,
    base: String,
    earliest: Option<DateTime<FixedOffset>>,
}

/// Gives every candidate a free slug: the base if free, else `base-2`, `base-3`, ...
/// Candidates are served oldest first (undated last), then by key.
fn assign_free_slugs(
    mut cands: Vec<Candidate<'_>>,
    taken: &mut HashSet<String>,
    out: &mut HashMap<String, String>,
    max_bytes: usize,
) {
    cands.sort_by(|a, b| {
        let by_date = match (a.earliest, b.earliest) {
            (Some(x), Some(y)) => x.cmp(&y),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => Ordering::Equal,
        };
        by_date.then_with(|| a.key.cmp(b.key))
    });
    // Next suffix to try per base, so many tags sharing one base stay linear.
    let mut next_suffix: HashMap<String, usize> = HashMap::new();
    for c in cands {
        let slug = if taken.contains(&c.base) {
            let n = next_suffix.entry(c.base.clone()).or_insert(2);
            loop {
                let s = suffixed_slug(&c.base, *n, max_bytes);
                *n += 1;
                if !taken.contains(&s) {
                    break s;
                }
            }
        } else {
            c.base.clone()
        };
        taken.insert(slug.clone());
        out.insert(c.key.to_string(), slug);
    }
}

/// Every category spelling the articles use → its key (`tag_key`), worked out once per
/// spelling: the key (NFC, case folding) costs far more than a lookup.
pub(crate) fn category_keys(articles: &[Article]) -> FxHashMap<&str, String> {
    let mut keys: FxHashMap<&str, String> = FxHashMap::default();
    for name in articles.iter().flat_map(|a| &a.categories) {
        if !keys.contains_key(name.as_str()) {
            keys.insert(name.as_str(), tag_key(name));
        }
    }
    keys
}

/// See [`super::plan`] and the module documentation for the rules.
pub(crate) fn plan(
    articles: &[Article],
    cfg: &Config,
    known_slugs: &BTreeMap<String, String>,
) -> Plan {
    // Sorted by a compact key first (the instant), the full order only among ties: the
    // comparison then rarely leaves a small array.
    let mut keyed: Vec<(i64, u32, usize)> = articles
        .iter()
        .enumerate()
        .map(|(i, a)| match sort_date(a) {
            // Newest first: the negated instant ascending. `i64::MAX` puts undated last.
            Some(d) => (-d.timestamp(), u32::MAX - d.timestamp_subsec_nanos(), i),
            None => (i64::MAX, u32::MAX, i),
        })
        .collect();
    keyed.sort_unstable_by(|x, y| {
        (x.0, x.1)
            .cmp(&(y.0, y.1))
            .then_with(|| newest_first(articles, x.2, y.2))
    });
    let order: Vec<usize> = keyed.into_iter().map(|(_, _, i)| i).collect();

    let tag_limit = cfg.feeds.items;
    let mut tags: FxHashMap<&str, Group<'_>> = FxHashMap::default();
    let mut cats: HashMap<String, Group<'_>> = HashMap::new();
    let cat_keys = category_keys(articles);
    let mut seen: Vec<&str> = Vec::new();
    for &idx in &order {
        let Some(a) = articles.get(idx) else { continue };
        let date = sort_date(a);
        for (i, t) in a.tags.iter().enumerate() {
            // Tags are deduplicated by normalize; a repeat must still count once.
            if t.key.is_empty() || a.tags.iter().take(i).any(|p| p.key == t.key) {
                continue;
            }
            tags.entry(t.key.as_str())
                .or_default()
                .add(idx, &t.name, date, tag_limit);
        }
        seen.clear();
        for name in &a.categories {
            let Some(key) = cat_keys.get(name.as_str()) else {
                continue;
            };
            if key.is_empty() || seen.contains(&key.as_str()) {
                continue;
            }
            seen.push(key.as_str());
            match cats.get_mut(key.as_str()) {
                Some(g) => g.add(idx, name, date, tag_limit),
                None => cats
                    .entry(key.clone())
                    .or_default()
                    .add(idx, name, date, tag_limit),
            }
        }
    }

    let mut feeds = Vec::new();

    // The merged feed; a slug that could leave its folder or shadow tag/ and category/ is
    // made safe rather than trusted.
    let max = cfg.limits.slug_bytes;
    let mut merged_slug = if is_slug(&cfg.merged.slug) {
        cfg.merged.slug.clone()
    } else {
        slugify(&cfg.merged.slug)
    };
    if merged_slug == "tag" || merged_slug == "category" {
        merged_slug.push_str("-feed");
    }
    let merged_slug = fit_slug(merged_slug, &cfg.merged.slug, max);
    // Sources with `merged = false` stay out of the merged feed (a merged duplicate goes
    // by the source of the record kept).
    let unmerged: HashSet<&str> = cfg
        .sources
        .iter()
        .filter(|s| !s.merged)
        .map(|s| s.name.as_str())
        .collect();
    let in_merged = |i: &usize| {
        unmerged.is_empty()
            || articles
                .get(*i)
                .is_some_and(|a| !unmerged.contains(a.source.as_str()))
    };
    feeds.push(PlannedFeed {
        kind: FeedKind::Merged,
        slug: merged_slug,
        name: cfg.merged.title.clone(),
        articles: order
            .iter()
            .copied()
            .filter(in_merged)
            .take(cfg.merged.items)
            .collect(),
        total: order.iter().filter(|i| in_merged(i)).count(),
    });

    feeds.extend(plan_categories(cfg, &mut cats));
    let (tag_feeds, tag_slugs) = plan_tags(cfg, &tags, known_slugs);
    feeds.extend(tag_feeds);
    Plan {
        feeds,
        tag_slugs,
        ..Plan::default()
    }
}

/// Configured categories first, in config order, then the others by slug.
fn plan_categories(cfg: &Config, cats: &mut HashMap<String, Group<'_>>) -> Vec<PlannedFeed> {
    let max = cfg.limits.slug_bytes;
    let mut taken: HashSet<String> = HashSet::new();
    let mut configured: Vec<(String, String, String)> = Vec::new(); // key, slug, name
    for c in &cfg.categories {
        let key = tag_key(&c.name);
        if configured.iter().any(|(k, _, _)| *k == key) {
            continue;
        }
        let mut slug = if is_slug(&c.slug) {
            fit_slug(c.slug.clone(), &c.name, max)
        } else {
            bounded_slug(&c.name, max)
        };
        if taken.contains(&slug) {
            // Config validation rejects duplicate slugs; stay safe if it ever lets one by.
            let mut n = 2;
            while taken.contains(&suffixed_slug(&slug, n, max)) {
                n += 1;
            }
            slug = suffixed_slug(&slug, n, max);
        }
        taken.insert(slug.clone());
        configured.push((key, slug, c.name.clone()));
    }
    let mut feeds = Vec::new();
    for (key, slug, name) in &configured {
        let (articles, total) = cats
            .remove(key)
            .map(|g| (g.shown, g.count))
            .unwrap_or_default();
        feeds.push(PlannedFeed {
            kind: FeedKind::Category,
            slug: slug.clone(),
            name: name.clone(),
            articles,
            total,
        });
    }
    let cands = cats
        .iter()
        .map(|(k, g)| Candidate {
            key: k.as_str(),
            base: bounded_slug(k, max),
            earliest: g.earliest,
        })
        .collect();
    let mut slugs = HashMap::new();
    assign_free_slugs(cands, &mut taken, &mut slugs, max);
    let mut others: Vec<PlannedFeed> = cats
        .iter_mut()
        .filter_map(|(k, g)| {
            Some(PlannedFeed {
                kind: FeedKind::Category,
                slug: slugs.get(k)?.clone(),
                name: g.elected_name(),
                articles: std::mem::take(&mut g.shown),
                total: g.count,
            })
        })
        .collect();
    others.sort_by(|a, b| a.slug.cmp(&b.slug));
    feeds.extend(others);
    feeds
}

/// Tags with enough articles, by slug, and the key → slug map to remember.
fn plan_tags(
    cfg: &Config,
    tags: &FxHashMap<&str, Group<'_>>,
    known_slugs: &BTreeMap<String, String>,
) -> (Vec<PlannedFeed>, BTreeMap<String, String>) {
    let min = cfg.feeds.tag_min_articles.max(1);
    let max = cfg.limits.slug_bytes;
    // Reserve every remembered slug for its key (key order settles a corrupt map where two
    // keys remember one slug).
    let mut taken: HashSet<String> = HashSet::new();
    let mut remembered: BTreeMap<String, String> = BTreeMap::new();
    for (key, slug) in known_slugs {
        if is_slug(slug) && slug.len() <= max && taken.insert(slug.clone()) {
            remembered.insert(key.clone(), slug.clone());
        }
    }
    let mut slugs: HashMap<String, String> = HashMap::new();
    let mut cands = Vec::new();
    for (key, g) in tags {
        if g.count < min {
            continue;
        }
        match remembered.get(*key) {
            Some(slug) => {
                slugs.insert((*key).to_string(), slug.clone());
            }
            None => cands.push(Candidate {
                key,
                base: bounded_slug(key, max),
                earliest: g.earliest,
            }),
        }
    }
    assign_free_slugs(cands, &mut taken, &mut slugs, max);

    let mut feeds: Vec<PlannedFeed> = slugs
        .iter()
        .filter_map(|(key, slug)| {
            let g = tags.get(key.as_str())?;
            Some(PlannedFeed {
                kind: FeedKind::Tag,
                slug: slug.clone(),
                name: g.elected_name(),
                articles: g.shown.clone(),
                total: g.count,
            })
        })
        .collect();
    feeds.sort_by(|a, b| a.slug.cmp(&b.slug));
    // A tag no article carries any more gives its slug up (it stayed reserved above, so no
    // tag of this build took it); a tag still carried keeps its slug.
    remembered.retain(|key, _| tags.contains_key(key.as_str()));
    remembered.extend(slugs);
    (feeds, remembered)
}
