//! What `feedmill stats` shows: the feeds as the last build planned them — articles after
//! cross-source deduplication, every tag and category with the name, slug and article
//! count of its feed — beside what the store holds as stored (one row per source that
//! gave an article, removed sources' included).
//!
//! The feeds' view is worked out the way a build works it out (the same deduplication and
//! plan over the same store), so the two cannot disagree: a store listing 11 articles from
//! three sources whose feeds hold 9 shows 9, and a tag shows the spelling its feed's title
//! carries (`Đảng bộ xã`, not a headline's `ĐẢNG BỘ XÃ`).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::BuildError;
use crate::config::Config;
use crate::emit::{self, FeedKind};
use crate::store::{SourceState, Store};

/// A tag or category feed in [`FeedStats`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FeedLabel {
    /// The name its feed shows.
    pub name: String,
    /// Its feed's folder name (`tag/<slug>/`, `category/<slug>/`).
    pub slug: String,
    /// Articles in the feeds carrying it; its feed shows the newest `feeds.items`.
    pub articles: usize,
}

/// One source in [`FeedStats`].
#[derive(Debug, Clone, Serialize)]
pub struct SourceFeedStats {
    /// `[[source]] name`.
    pub name: String,
    /// Articles in the feeds that are this source's: an article several sources gave is
    /// counted once, for the source whose record the feeds show.
    pub articles: usize,
    /// Articles the store keeps for it (as stored: before deduplication).
    pub stored: usize,
    /// Of the stored, those in its latest good fetch.
    pub in_source: usize,
    /// When it left the config, if it did (its articles are out of the feeds).
    pub removed_at: Option<DateTime<Utc>>,
    /// Health and validators.
    pub state: SourceState,
}

/// What `feedmill stats` prints.
#[derive(Debug, Clone, Serialize)]
pub struct FeedStats {
    /// Schema version of the store.
    pub schema_version: u32,
    /// Articles in the feeds, each once.
    pub articles: usize,
    /// Articles as stored: one per source that gave it, removed sources' included.
    pub stored_articles: usize,
    /// The oldest `first_seen`, if any article is stored.
    pub oldest_first_seen: Option<DateTime<Utc>>,
    /// Sources by name.
    pub sources: Vec<SourceFeedStats>,
    /// Category feeds, most articles first, then by name.
    pub categories: Vec<FeedLabel>,
    /// Tag feeds, most articles first, then by name.
    pub tags: Vec<FeedLabel>,
}

/// The stats of `store` under `cfg`: the feeds as a build of `cfg` plans them from it,
/// and the store's own counts.
pub fn stats(cfg: &Config, store: &dyn Store) -> Result<FeedStats, BuildError> {
    let raw = store.stats()?;
    let memory = store.emit_memory()?;
    let articles = super::filtered::feed_articles(cfg, store, false)?.articles;
    let plan = emit::plan(&articles, cfg, &memory.tag_slugs);
    let mut per_source: HashMap<&str, usize> = HashMap::new();
    for a in &articles {
        *per_source.entry(a.source.as_str()).or_default() += 1;
    }
    let sources = raw
        .sources
        .into_iter()
        .map(|s| SourceFeedStats {
            articles: per_source.get(s.name.as_str()).copied().unwrap_or(0),
            stored: s.articles,
            in_source: s.in_source,
            removed_at: s.removed_at,
            name: s.name,
            state: s.state,
        })
        .collect();
    let labels = |kind: FeedKind| {
        let mut v: Vec<FeedLabel> = plan
            .feeds
            .iter()
            .filter(|f| f.kind == kind)
            .map(|f| FeedLabel {
                name: f.name.clone(),
                slug: f.slug.clone(),
                articles: f.total,
            })
            .collect();
        v.sort_by(|a, b| {
            b.articles
                .cmp(&a.articles)
                .then_with(|| a.name.cmp(&b.name))
                .then_with(|| a.slug.cmp(&b.slug))
        });
        v
    };
    Ok(FeedStats {
        schema_version: raw.schema_version,
        articles: articles.len(),
        stored_articles: raw.articles,
        oldest_first_seen: raw.oldest_first_seen,
        sources,
        categories: labels(FeedKind::Category),
        tags: labels(FeedKind::Tag),
    })
}
