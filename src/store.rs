//! The article store: what feedmill remembers between builds.
//!
//! Every normalized article is kept with the instant it was first and last seen in its
//! source and a hash of what the source gave, so feeds keep their history (an article that
//! scrolled out of its source's feed stays in its tag, category and merged feeds), undated
//! articles keep one date (their `first_seen`), and a changed article is updated in place.
//! Each source's fetch state (conditional-GET validators and health) lives here too, as do
//! the tag slugs handed out and the fingerprint of every feed written, which lets a build
//! leave untouched the feeds whose articles did not change.
//!
//! The feeds are kept in the store too ([`story`]): every article of a configured source
//! belongs to one *story* (itself, or several articles of several sources merged by
//! deduplication), and each story to the tag and category feeds it carries, in a
//! membership indexed by rank, so that "the newest `items` stories of feed F"
//! ([`Store::feed_top`]) reads only those rows. A build writes articles and marks what it
//! changed pending; the pipeline works the pending articles into stories
//! ([`Store::write_stories`]), marking the feeds whose content may have changed dirty
//! ([`Store::dirty_feeds`]), and works out again the row of each dirty feed (its story
//! count, elected name and oldest dated rank, [`Membership::feed_rows`]). Emit fingerprints
//! only the dirty feeds; it still plans from every article head
//! ([`Store::article_heads`]). A writer that wants one feed's articles asks
//! [`Store::feed_top`] (or [`Membership::feed_range`], a stretch of its history) for its
//! stories, [`Store::stories`] for their parts and [`Store::articles_by_aid`] for the
//! records, each a keyed or range read.
//!
//! The pipeline talks to the [`Store`] trait only; [`SqliteStore`] is the embedded backend
//! (a single file, WAL mode, versioned migrations), the default; [`PostgresStore`] keeps
//! the same tables in a PostgreSQL database (`[store] url = "postgres://…"`), which several
//! processes can share. [`open_config`] opens the one the config names.
//!
//! Rules every backend follows (tested in `tests/store_*.rs`):
//! - An article is identified by (source, id). Its `first_seen` never moves.
//! - An article with neither `published` nor `updated` is stored with `published =
//!   first_seen`, the same at every later build.
//! - An article whose source content changes (same id, a different record) is replaced in
//!   place. When its title, summary, content, link, image or authors changed, its `updated`
//!   becomes the source's `updated` if that is newer than what was stored, else the build
//!   time; other changes (dates, tags) keep the stored `updated`.
//! - Retention is measured on `last_seen`, not on `published`: an article that its source
//!   has not shown for `[store] retention_days` (its last sighting is older than that) is
//!   deleted. Articles of a source's latest good fetch are never deleted, however old their
//!   date, so a failing source keeps its last good articles, and a source that keeps an old
//!   article in its feed keeps it in feedmill's feeds.
//! - A source no longer configured (not in `keep_only`) is marked removed: its articles
//!   leave [`Store::articles`] and [`Store::article_heads`] (so every feed) at once, and
//!   are kept with its state until it has been removed for `[store] retention_days`
//!   (`prune_before`); then it is forgotten with its articles. A source configured again
//!   before that is restored whole: its articles come back to the feeds as its last good
//!   ones.
//! - Emitting is bracketed: [`Store::begin_emit`] before the output is written,
//!   [`Store::save_emit_memory`] after. The feed fingerprints of an emit that never finished
//!   are not trusted, so a build killed mid-emit is followed by one that renders every feed.
//! - [`Store::apply`] applies one build's changes in one transaction: a build killed at any
//!   moment leaves the store as before the build or as after it.

mod lock;
mod pages;
mod postgres;
mod postgres_record;
pub mod postgres_schema;
mod postgres_stories;
mod postgres_write;
mod record;
mod schema;
mod sqlite;
mod sqlite_membership;
mod sqlite_stories;
pub mod story;
mod write;

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::fetch::Validators;
use crate::model::Article;

pub use lock::{BuildLock, LockError};
pub use postgres::PostgresStore;
pub use schema::SCHEMA_VERSION;
pub use sqlite::SqliteStore;
pub use story::{
    FeedKey, FeedRow, Member, Membership, NewStory, Pending, Rank, StoryHead, StoryRow, StoryWrite,
};

/// A store operation that failed; the message names what failed.
#[derive(Debug, thiserror::Error)]
#[error("store {path}: {message}")]
pub struct StoreError {
    /// Where the store is (a file path, or a connection description).
    pub path: String,
    /// What went wrong.
    pub message: String,
}

/// What is remembered of one source between builds.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SourceState {
    /// Validators of the last good fetch, sent as If-None-Match / If-Modified-Since.
    pub validators: Validators,
    /// Last build in which the source answered usefully.
    pub last_success: Option<DateTime<Utc>>,
    /// Last error message; cleared by a good fetch.
    pub last_error: Option<String>,
    /// Failed builds in a row.
    pub consecutive_failures: u32,
    /// Last HTTP status seen.
    pub last_status: Option<u16>,
    /// Body bytes of the last fetch.
    pub bytes: u64,
    /// Wall time of the last fetch, in milliseconds.
    pub duration_ms: u64,
    /// Hash of the last good document (with what shaped its reading), so an identical
    /// document need not be read and normalized again.
    pub body_hash: Option<String>,
}

/// What one build learnt about a source's articles.
#[derive(Debug, Clone, PartialEq)]
pub enum SourceArticles {
    /// The source was read: these are all the articles it shows now.
    Fresh(Vec<Article>),
    /// The source showed the same articles as last time (a 304, or an identical document):
    /// they were seen again.
    Seen,
    /// Nothing usable this time: the stored articles stay as they are.
    Kept,
}

/// One source's part of a build.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceUpdate {
    /// `[[source]] name`.
    pub name: String,
    /// Its fetch state after this build.
    pub state: SourceState,
    /// Its articles.
    pub articles: SourceArticles,
}

/// Everything one build writes to the store, applied atomically by [`Store::apply`].
#[derive(Debug, Clone, PartialEq)]
pub struct BuildChanges {
    /// The build's clock: `first_seen`/`last_seen` of what it saw.
    pub now: DateTime<Utc>,
    /// Per source, in any order.
    pub sources: Vec<SourceUpdate>,
    /// When `Some`, sources not named here (removed from the config) are marked removed
    /// at `now`: their articles leave the feeds and are kept until `prune_before` passes
    /// their removal. Sources named here that were removed are restored.
    pub keep_only: Option<Vec<String>>,
    /// Articles not in their source's latest good fetch and last seen before this instant
    /// are deleted, and so are sources removed before it, with their articles.
    pub prune_before: Option<DateTime<Utc>>,
    /// When `Some(n)`, a source read this build keeps at most `n` stored articles: its
    /// latest fetch, then the others by their last sighting, newest first; the rest are
    /// deleted (a feed that rotates its GUIDs at every fetch cannot grow the store).
    pub stored_per_source: Option<usize>,
}

/// How one source's articles fared in [`Store::apply`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct UpsertCounts {
    /// Articles seen for the first time.
    pub new: usize,
    /// Articles whose source record changed (replaced in place).
    pub updated: usize,
    /// Articles seen again as they were.
    pub unchanged: usize,
    /// Articles of the source's latest good fetch, after this build.
    pub in_source: usize,
    /// Articles of the source the store keeps (latest fetch and earlier ones).
    pub stored: usize,
    /// Earlier articles deleted to keep the source within `stored_per_source`.
    pub capped: usize,
}

/// What [`Store::apply`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Applied {
    /// Per source name.
    pub sources: BTreeMap<String, UpsertCounts>,
    /// Articles deleted by retention.
    pub pruned: usize,
    /// Articles deleted with sources removed from the config longer than the grace period.
    pub forgotten: usize,
    /// Sources marked removed by this build (their articles left the feeds).
    pub removed: usize,
    /// Removed sources configured again (their articles are back).
    pub restored: usize,
}

/// What an emit leaves for the next build: tag slugs and feed fingerprints.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EmitMemory {
    /// Tag key → slug handed out (see [`crate::emit::plan`]).
    pub tag_slugs: BTreeMap<String, String>,
    /// Feed (or page) key → fingerprint of what was written (see
    /// [`crate::emit::emit_incremental`]), and each feed's closed archive pages under
    /// `@archive:<feed dir>` (see [`crate::emit::history`]).
    pub fingerprints: BTreeMap<String, String>,
}

/// A stored article as planning needs it, possibly without its text.
#[derive(Debug, Clone, PartialEq)]
pub struct ArticleHead {
    /// The article. Without `text`, only its identity (`source`, `id`, `source_guid`,
    /// `url`), dates, tags and categories are filled; `title`, `summary`, `content`,
    /// `authors` and `image` are empty until read with [`Store::articles_by_key`].
    pub article: Article,
    /// Whether `article` is complete.
    pub text: bool,
    /// A print of the whole stored article: two heads of one article with equal versions
    /// are the same stored article, text included. `None` when the backend gives none;
    /// the article is then complete, and printed from its fields.
    pub version: Option<u128>,
}

/// An article page fetched for a `full_text` source, kept so that no page is fetched twice
/// for one feed entry (see [`crate::enrich`]).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ArticlePage {
    /// `[[source]] name`.
    pub source: String,
    /// The article's id.
    pub id: String,
    /// The page asked for (the article's link).
    pub url: String,
    /// A print of the feed entry and the `full_text` rules the page was read for: while
    /// it stays the same, the page is never fetched again.
    pub entry: String,
    /// The page's validators, sent when the entry changes.
    pub validators: Validators,
    /// Why there is no body, when there is none (a failed fetch, a refused link, no text
    /// found); `None` when `content` holds it.
    pub error: Option<String>,
    /// Whether a failure may go away (a 5xx, a timeout): the page is tried again, up to
    /// `limits.full_text_attempts` times in all.
    pub retry: bool,
    /// Fetches made for this entry.
    pub attempts: u32,
    /// The body: sanitized HTML with absolute URLs (empty after a failure).
    pub content: String,
    /// Where the body came from (`readability`, ``selector `.post-body` ``).
    pub origin: String,
    /// Characters of the body's text.
    pub chars: usize,
    /// When it was last fetched.
    pub fetched_at: Option<DateTime<Utc>>,
}

/// One source in [`StoreStats`].
#[derive(Debug, Clone, Serialize)]
pub struct SourceStats {
    /// `[[source]] name`.
    pub name: String,
    /// Health and validators.
    pub state: SourceState,
    /// Articles kept for it.
    pub articles: usize,
    /// Of which in its latest good fetch.
    pub in_source: usize,
    /// When it left the config, if it did: its articles are out of the feeds and kept
    /// until `retention_days` after this.
    pub removed_at: Option<DateTime<Utc>>,
}

/// A tag or category with how many stored articles carry it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LabelCount {
    /// Display name (the most used spelling).
    pub name: String,
    /// Articles carrying it.
    pub articles: usize,
}

/// What the store holds, as stored: one article per source that gave it (before the
/// cross-source deduplication the feeds see), removed sources' included. `feedmill stats`
/// shows it beside what the feeds hold ([`crate::pipeline::stats`]).
#[derive(Debug, Clone, Serialize)]
pub struct StoreStats {
    /// Schema version of the store.
    pub schema_version: u32,
    /// Stored articles (every row, removed sources' included).
    pub articles: usize,
    /// The oldest `first_seen`, if any article is stored.
    pub oldest_first_seen: Option<DateTime<Utc>>,
    /// Sources by name.
    pub sources: Vec<SourceStats>,
    /// Tags of the configured sources' stored articles, most articles first, then by name.
    pub tags: Vec<LabelCount>,
    /// Categories of the configured sources' stored articles, likewise.
    pub categories: Vec<LabelCount>,
}

/// The article store behind the pipeline. Implementations keep the rules of the module
/// documentation; nothing backend-specific appears here.
pub trait Store: Membership {
    /// Every source's remembered state, by name.
    fn source_states(&self) -> Result<BTreeMap<String, SourceState>, StoreError>;

    /// Applies one build's changes in one transaction (all or nothing).
    fn apply(&mut self, changes: &BuildChanges) -> Result<Applied, StoreError>;

    /// Every stored article of the sources not removed, undated ones carrying their
    /// `first_seen` as `published`. Ordered by source, then id.
    fn articles(&self) -> Result<Vec<Article>, StoreError>;

    /// Every stored article as [`ArticleHead`], in the order of [`Store::articles`], with
    /// its text when `with_text`. A build plans and fingerprints its feeds from these and
    /// reads the text only of the articles of feeds it renders again (or, when it will
    /// render every feed, asks for the text at once). The default reads the complete
    /// articles, without versions.
    fn article_heads(&self, with_text: bool) -> Result<Vec<ArticleHead>, StoreError> {
        let _ = with_text;
        Ok(self
            .articles()?
            .into_iter()
            .map(|article| ArticleHead {
                article,
                text: true,
                version: None,
            })
            .collect())
    }

    /// The complete stored articles named by `(source, id)`, in the order asked; a key
    /// that names no stored article is left out.
    fn articles_by_key(&self, keys: &[(&str, &str)]) -> Result<Vec<Article>, StoreError> {
        let wanted: std::collections::HashSet<(&str, &str)> = keys.iter().copied().collect();
        let mut found: std::collections::HashMap<(String, String), Article> = self
            .articles()?
            .into_iter()
            .filter(|a| wanted.contains(&(a.source.as_str(), a.id.as_str())))
            .map(|a| ((a.source.clone(), a.id.clone()), a))
            .collect();
        Ok(keys
            .iter()
            .filter_map(|(s, i)| found.remove(&(s.to_string(), i.to_string())))
            .collect())
    }

    /// What the last emit left: tag slugs and feed fingerprints. When an emit was begun
    /// and never saved (a killed build), the fingerprints are left out, so every feed is
    /// rendered again rather than trusted; the archive pages' bounds are kept, since
    /// pages once closed keep their articles.
    fn emit_memory(&self) -> Result<EmitMemory, StoreError>;

    /// Marks the output as being rewritten, until [`Store::save_emit_memory`].
    fn begin_emit(&mut self) -> Result<(), StoreError>;

    /// Replaces the emit memory and clears the mark of [`Store::begin_emit`] (one
    /// transaction).
    fn save_emit_memory(&mut self, memory: &EmitMemory) -> Result<(), StoreError>;

    /// What the store holds.
    fn stats(&self) -> Result<StoreStats, StoreError>;

    /// Tag keys carried by the stored articles of removed sources (out of the feeds, kept
    /// for their grace period), whose slugs stay remembered meanwhile. The default holds
    /// none, for a backend that forgets removed sources at once.
    fn removed_sources_tag_keys(&self) -> Result<std::collections::BTreeSet<String>, StoreError> {
        Ok(std::collections::BTreeSet::new())
    }

    /// Stores one source's articles as read at `now` (a one-source [`Store::apply`] that
    /// leaves the source's fetch state as it was).
    fn upsert_source(
        &mut self,
        source: &str,
        articles: Vec<Article>,
        now: DateTime<Utc>,
    ) -> Result<UpsertCounts, StoreError> {
        let state = self.source_states()?.remove(source).unwrap_or_default();
        let applied = self.apply(&BuildChanges {
            now,
            sources: vec![SourceUpdate {
                name: source.to_string(),
                state,
                articles: SourceArticles::Fresh(articles),
            }],
            keep_only: None,
            prune_before: None,
            stored_per_source: None,
        })?;
        Ok(applied.sources.get(source).copied().unwrap_or_default())
    }

    /// The article pages kept for `source` (see [`ArticlePage`]). The default keeps none,
    /// so every new or changed feed entry's page is fetched.
    fn article_pages(&self, source: &str) -> Result<Vec<ArticlePage>, StoreError> {
        let _ = source;
        Ok(Vec::new())
    }

    /// Stores `pages` (replacing those of the same source and id), then forgets every
    /// page whose article is no longer stored, except those named in `keep` (the articles
    /// this build read, stored by the [`Store::apply`] that follows). The default keeps
    /// nothing.
    fn save_article_pages(
        &mut self,
        pages: &[ArticlePage],
        keep: &[(&str, &str)],
    ) -> Result<(), StoreError> {
        let _ = (pages, keep);
        Ok(())
    }

    /// Deletes articles that left their source before `before` (see the retention rule).
    fn prune(&mut self, before: DateTime<Utc>, now: DateTime<Utc>) -> Result<usize, StoreError> {
        Ok(self
            .apply(&BuildChanges {
                now,
                sources: Vec::new(),
                keep_only: None,
                prune_before: Some(before),
                stored_per_source: None,
            })?
            .pruned)
    }
}

/// Opens the default backend (SQLite) at `path`, creating or migrating it.
pub fn open(path: &std::path::Path) -> Result<Box<dyn Store + Send>, StoreError> {
    Ok(Box::new(SqliteStore::open(path)?))
}

/// Opens the PostgreSQL database at `url`, migrating it.
pub fn open_url(url: &crate::config::StoreUrl) -> Result<Box<dyn Store + Send>, StoreError> {
    Ok(Box::new(PostgresStore::open(url)?))
}

/// Opens the store the config names: the database of `[store] url` when it is set, else
/// the SQLite file `site.store`.
pub fn open_config(cfg: &crate::config::Config) -> Result<Box<dyn Store + Send>, StoreError> {
    match &cfg.store.url {
        Some(url) => open_url(url),
        None => open(&cfg.site.store),
    }
}
