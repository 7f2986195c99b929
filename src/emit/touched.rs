//! Which feeds an incremental emit prints again: the ones the store says changed.
//!
//! A build works what it changed into stories and marks the feeds whose content may have
//! changed dirty ([`crate::store::Membership::dirty_feeds`]). What a feed shows depends
//! besides on the plan (every feed's kind, slug and name: the labels of the items'
//! categories) and on the config; both are printed into one *plan print*, remembered under
//! [`PLAN_KEY`]. While the plan print is the one remembered, a feed that is not dirty and
//! has a remembered fingerprint is neither printed nor rendered: its fingerprint, and its
//! archive pages', are the ones remembered. Otherwise — no dirty marks to go by, a plan or
//! config that moved, a feed with no fingerprint (new, or one whose write failed) — the
//! feed is printed as every feed was before. Feeds with a digest are always printed: the
//! build's clock closes their days.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use xxhash_rust::xxh3::Xxh3;

use super::{FeedKind, Plan};
use crate::config::Config;
use crate::store::{FeedKey, FeedRow};
use crate::text::tag_key;

/// Emit-memory key of the plan print. `@` is in no slug, so no feed's folder is this.
pub const PLAN_KEY: &str = "@plan";

fn field(h: &mut Xxh3, s: &str) {
    h.update(&(s.len() as u64).to_le_bytes());
    h.update(s.as_bytes());
}

/// The plan print: the render settings, the config that decides what a feed holds or how
/// an item reads (sources, categories, tag aliases, filters, limits), and every feed's
/// kind, slug and name. Returns it with its key.
pub(crate) fn plan_print(plan: &Plan, cfg: &Config, settings: &[u8; 16]) -> (&'static str, String) {
    let mut h = Xxh3::new();
    h.update(settings);
    field(&mut h, &format!("{:?}", cfg.sources));
    field(&mut h, &format!("{:?}", cfg.categories));
    field(&mut h, &format!("{:?}", cfg.tags));
    field(&mut h, &format!("{:?}", cfg.filters));
    field(&mut h, &format!("{:?}", cfg.limits));
    for f in &plan.feeds {
        field(&mut h, &format!("{:?}", f.kind));
        field(&mut h, &f.slug);
        field(&mut h, &f.name);
    }
    for (k, s) in &plan.tag_slugs {
        field(&mut h, k);
        field(&mut h, s);
    }
    (PLAN_KEY, format!("{:032x}", h.digest128()))
}

/// Which of a plan's feeds to print again (see the module documentation).
pub(crate) struct Reprint<'a> {
    feeds: Vec<bool>,
    previous: &'a BTreeMap<String, String>,
}

impl<'a> Reprint<'a> {
    /// The feeds of `plan` to print again, given the folders `touched` of the feeds the
    /// store says changed (`None`: every feed) and this build's plan print.
    pub fn new(
        plan: &Plan,
        cfg: &Config,
        previous: &'a BTreeMap<String, String>,
        touched: Option<&BTreeSet<String>>,
        plan_print: &str,
    ) -> Reprint<'a> {
        let trusted =
            touched.filter(|_| previous.get(PLAN_KEY).map(String::as_str) == Some(plan_print));
        let digests = super::digest::digest_feeds(plan, cfg);
        let feeds = plan
            .feeds
            .iter()
            .enumerate()
            .map(|(i, f)| match trusted {
                None => true,
                Some(t) => {
                    let dir = f.dir();
                    t.contains(&dir) || !previous.contains_key(&dir) || digests.contains_key(&i)
                }
            })
            .collect();
        Reprint { feeds, previous }
    }

    /// Whether feed `i` of the plan is printed again.
    pub fn feed(&self, i: usize) -> bool {
        self.feeds.get(i).copied().unwrap_or(true)
    }

    /// The remembered fingerprint of feed `i` (in folder `dir`) when it is not printed
    /// again.
    pub fn kept(&self, i: usize, dir: &str) -> Option<&String> {
        if self.feed(i) {
            return None;
        }
        self.previous.get(dir)
    }
}

/// The folders of the planned feeds the store marked dirty (`dirty`, 0 being the merged
/// feed), by the feed rows (`rows`) that name their keys. `None` when a dirty feed has no
/// row (a feed left with no story): then every feed is printed, as it cannot be told
/// which planned feed it was.
pub fn touched_dirs(plan: &Plan, dirty: &[i64], rows: &[FeedRow]) -> Option<BTreeSet<String>> {
    let keys: HashMap<i64, &FeedKey> = rows.iter().map(|r| (r.fid, &r.key)).collect();
    let categories: HashMap<String, String> = plan
        .feeds
        .iter()
        .filter(|f| f.kind == FeedKind::Category)
        .map(|f| (tag_key(&f.name), f.dir()))
        .collect();
    let mut out = BTreeSet::new();
    for fid in dirty {
        if *fid == 0 {
            out.extend(
                plan.feeds
                    .iter()
                    .filter(|f| f.kind == FeedKind::Merged)
                    .map(|f| f.dir()),
            );
            continue;
        }
        match keys.get(fid)? {
            // A tag below `tag_min_articles` has no feed, and no folder to print.
            FeedKey::Tag(k) => out.extend(plan.tag_slugs.get(k).map(|s| format!("tag/{s}"))),
            FeedKey::Category(k) => out.extend(categories.get(k).cloned()),
        }
    }
    Some(out)
}
