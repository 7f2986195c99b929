//! Which feeds exist (the [`Plan`]) and their RSS 2.0, Atom 1.0, OPML and HTML index files,
//! written atomically and only when their bytes change.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::config::Config;
use crate::model::Article;

/// What a feed is built from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FeedKind {
    /// `tag/<slug>/`.
    Tag,
    /// `category/<slug>/`.
    Category,
    /// `<merged.slug>/`.
    Merged,
}

/// One feed to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedFeed {
    /// Tag, category or merged.
    pub kind: FeedKind,
    /// Path segment.
    pub slug: String,
    /// What a person reads (`Lục Yên`); the feed title is `<site.title> — <name>`.
    pub name: String,
    /// Indices into the article slice, newest first, at most `items`.
    pub articles: Vec<usize>,
}

impl PlannedFeed {
    /// The feed's folder relative to the output dir, e.g. `tag/luc-yen`.
    pub fn dir(&self) -> String {
        match self.kind {
            FeedKind::Tag => format!("tag/{}", self.slug),
            FeedKind::Category => format!("category/{}", self.slug),
            FeedKind::Merged => self.slug.clone(),
        }
    }
}

/// Every feed of a build, in a deterministic order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    /// The feeds.
    pub feeds: Vec<PlannedFeed>,
    /// Tag key → slug, to keep slugs stable in later builds.
    pub tag_slugs: BTreeMap<String, String>,
}

/// Decides which feeds exist and which articles each shows. `known_slugs` (tag key → slug
/// from earlier builds) keeps a tag's slug stable when a colliding tag appears later.
pub fn plan(articles: &[Article], cfg: &Config, known_slugs: &BTreeMap<String, String>) -> Plan {
    let _ = (articles, cfg, known_slugs);
    Plan::default()
}

/// What [`emit`] did.
#[derive(Debug, Clone, Default)]
pub struct EmitReport {
    /// Files whose bytes changed and were rewritten.
    pub written: Vec<PathBuf>,
    /// Files left untouched because their bytes were already right.
    pub unchanged: Vec<PathBuf>,
}

/// Writes every planned feed (RSS and Atom), `feeds.opml` and `index.html` under `out_dir`.
pub fn emit(
    plan: &Plan,
    articles: &[Article],
    cfg: &Config,
    out_dir: &Path,
) -> std::io::Result<EmitReport> {
    let _ = (plan, articles, cfg, out_dir);
    Ok(EmitReport::default())
}
