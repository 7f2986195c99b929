//! What the feeds are made of, as every backend keeps it: *stories* (an article after
//! cross-source deduplication: one stored article, or several merged) and their
//! *membership* in the tag and category feeds. The values here are computed the same way
//! for every backend; a backend only stores them and answers the per-feed queries.
//!
//! - A story's [`Rank`] orders the feeds: newest first by `published`, else `updated`,
//!   undated last (the order of [`crate::emit::plan`]); ties are broken by the story's id,
//!   then its source, which a backend need not store in the rank: [`Store::feed_top`]
//!   returns every story tied with the last one it returns.
//! - A story's print ([`story_print`]) changes whenever what any feed shows of it could:
//!   every field but its tags and categories, which are printed as the feeds label them
//!   (tag keys and spellings, and the categories no tag stands for). A change of a tag's
//!   feed name or slug reaches the stories carrying it through the plan, not the print.
//! - Match keys ([`match_key_hashes`]) are the 64-bit hashes of what deduplication
//!   compares (canonical link, global GUID): articles sharing none are stories of their
//!   own; the few that share one are grouped by [`crate::normalize::dedup`].
//!
//! [`Store::feed_top`]: super::Store::feed_top

use chrono::{DateTime, FixedOffset};
use xxhash_rust::xxh3::{xxh3_64, xxh3_64_with_seed, Xxh3};

use super::StoreError;
use crate::model::{Article, Tag};
use crate::text::tag_key;

/// Where a story stands in its feeds: the negated seconds and nanoseconds of its sort
/// date, so that ascending order is newest first; undated stories last.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Rank {
    /// Negated Unix seconds of the sort date; `i64::MAX` when undated.
    pub ts: i64,
    /// Negated nanoseconds within the second; 0 when undated.
    pub ns: i64,
}

impl Rank {
    /// The rank of an article: its `published`, else its `updated`.
    pub fn of(a: &Article) -> Rank {
        Rank::at(a.published.or(a.updated))
    }

    /// The rank of a sort date.
    pub fn at(date: Option<DateTime<FixedOffset>>) -> Rank {
        match date {
            Some(d) => Rank {
                ts: d.timestamp().saturating_neg(),
                ns: -i64::from(d.timestamp_subsec_nanos()),
            },
            None => Rank {
                ts: i64::MAX,
                ns: 0,
            },
        }
    }

    /// Whether the story has a date.
    pub fn dated(&self) -> bool {
        self.ts != i64::MAX
    }
}

/// A tag or category feed, by its key (see [`crate::text::tag_key`]). The merged feed
/// holds every story and needs no membership.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FeedKey {
    /// `tag/<slug>/`: the stories carrying the tag.
    Tag(String),
    /// `category/<slug>/`: the stories in the category.
    Category(String),
}

impl FeedKey {
    /// 1 for tags, 2 for categories: how backends store the kind.
    pub fn kind_code(&self) -> i64 {
        match self {
            FeedKey::Tag(_) => 1,
            FeedKey::Category(_) => 2,
        }
    }

    /// The tag or category key.
    pub fn key(&self) -> &str {
        match self {
            FeedKey::Tag(k) | FeedKey::Category(k) => k,
        }
    }

    /// The key of a kind code and a key, `None` for an unknown code.
    pub fn from_code(code: i64, key: String) -> Option<FeedKey> {
        match code {
            1 => Some(FeedKey::Tag(key)),
            2 => Some(FeedKey::Category(key)),
            _ => None,
        }
    }
}

/// The feeds a story is in besides the merged one, each with the spelling the story uses
/// (its feed's name is elected from them): its tags, then its categories, each key once,
/// as the plan counts them.
pub fn memberships(a: &Article) -> Vec<(FeedKey, String)> {
    let mut out: Vec<(FeedKey, String)> = Vec::with_capacity(a.tags.len() + a.categories.len());
    for t in &a.tags {
        if t.key.is_empty() || out.iter().any(|(k, _)| *k == FeedKey::Tag(t.key.clone())) {
            continue;
        }
        out.push((FeedKey::Tag(t.key.clone()), t.name.clone()));
    }
    for name in &a.categories {
        let key = tag_key(name);
        if key.is_empty()
            || out
                .iter()
                .any(|(k, _)| *k == FeedKey::Category(key.clone()))
        {
            continue;
        }
        out.push((FeedKey::Category(key), name.clone()));
    }
    out
}

/// Feeds one field to a print, length first so that fields cannot run into each other.
fn field(h: &mut Xxh3, b: &[u8]) {
    h.update(&(b.len() as u64).to_le_bytes());
    h.update(b);
}

fn opt(h: &mut Xxh3, s: Option<&str>) {
    match s {
        Some(s) => {
            h.update(&[1]);
            field(h, s.as_bytes());
        }
        None => h.update(&[0]),
    }
}

fn date(h: &mut Xxh3, d: Option<DateTime<FixedOffset>>) {
    match d {
        Some(d) => {
            h.update(&[1]);
            h.update(&d.timestamp().to_le_bytes());
            h.update(&d.timestamp_subsec_nanos().to_le_bytes());
            h.update(&d.offset().local_minus_utc().to_le_bytes());
        }
        None => h.update(&[0]),
    }
}

/// A print (XXH3-128) of everything of a stored article a feed shows but its tags and
/// categories: a change detector over feedmill's own records, not a defence against a
/// forger.
pub fn article_print(a: &Article) -> [u8; 16] {
    // Destructured so that a field added to `Article` cannot be forgotten here.
    let Article {
        id,
        source,
        source_guid,
        url,
        title,
        summary,
        content,
        authors,
        published,
        updated,
        image,
        image_meta,
        enclosures,
        tags: _,
        categories: _,
        // Set once when the article is first stored and never moved: no change to detect.
        first_seen: _,
    } = a;
    let mut h = Xxh3::new();
    h.update(b"article");
    for s in [id, source, title, summary, content] {
        field(&mut h, s.as_bytes());
    }
    for o in [source_guid, url, image] {
        opt(&mut h, o.as_deref());
    }
    date(&mut h, *published);
    date(&mut h, *updated);
    h.update(&(authors.len() as u64).to_le_bytes());
    for author in authors {
        field(&mut h, author.as_bytes());
    }
    // The image's type and size and the enclosures, as they are stored.
    field(
        &mut h,
        serde_json::to_string(image_meta)
            .unwrap_or_default()
            .as_bytes(),
    );
    field(
        &mut h,
        serde_json::to_string(enclosures)
            .unwrap_or_default()
            .as_bytes(),
    );
    h.digest128().to_le_bytes()
}

/// The print of a story: its record's [`article_print`], whether it is a merge, and its
/// tags and categories as the feeds label them (each tag's key and spelling; the keys of
/// the categories no tag of the same key stands for).
pub fn story_print(
    record: [u8; 16],
    merged: bool,
    tags: &[Tag],
    categories: &[String],
) -> [u8; 16] {
    let mut h = Xxh3::new();
    h.update(b"story");
    h.update(&record);
    h.update(&[u8::from(merged)]);
    for t in tags.iter().filter(|t| !t.key.is_empty()) {
        field(&mut h, t.key.as_bytes());
        field(&mut h, t.name.as_bytes());
    }
    h.update(&[0xff]);
    let mut seen: Vec<String> = Vec::new();
    for key in categories.iter().map(|c| tag_key(c)) {
        if key.is_empty() || seen.contains(&key) || tags.iter().any(|t| t.key == key) {
            continue;
        }
        field(&mut h, key.as_bytes());
        seen.push(key);
    }
    h.digest128().to_le_bytes()
}

/// The match keys of an article with this link and GUID, as 64-bit hashes (see
/// [`crate::normalize::dedup::match_keys`]). A collision only makes two articles be
/// compared exactly, which leaves them apart.
pub fn match_key_hashes(url: Option<&str>, guid: Option<&str>) -> Vec<i64> {
    let probe = Article {
        url: url.map(String::from),
        source_guid: guid.map(String::from),
        ..Article::default()
    };
    crate::normalize::dedup::match_keys(&probe)
        .map(|(kind, k)| xxh3_64_with_seed(k.as_bytes(), u64::from(kind)) as i64)
        .collect()
}

/// A print of the spellings a story gives its feeds: a change renames no item (labels are
/// the feeds' elected names) but may change a feed's elected name.
pub fn names_print<'a>(names: impl IntoIterator<Item = &'a str>) -> i64 {
    let mut h = Xxh3::new();
    for n in names {
        field(&mut h, n.as_bytes());
    }
    h.digest() as i64
}

/// The hash a story's link is known by when deciding which of the stories sharing a link
/// has it as its RSS GUID.
pub fn link_hash(url: &str) -> i64 {
    xxh3_64(url.as_bytes()) as i64
}

/// What a backend keeps of one story.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoryRow {
    /// The story's handle: the handle of its representative article (the member with the
    /// smallest source and id).
    pub sid: i64,
    /// Where it stands in its feeds.
    pub rank: Rank,
    /// [`link_hash`] of its link, if it has one.
    pub link: Option<i64>,
    /// Whether its link is its RSS GUID (it owns the link among the stories sharing it).
    pub owner: bool,
    /// [`story_print`].
    pub print: [u8; 16],
    /// Handles of its tag and category feeds (see [`super::Store::feed_ids`]).
    pub feeds: Vec<i64>,
    /// [`names_print`] of the spellings it gives them.
    pub names: i64,
    /// Handles of its articles when it merges several, sorted; empty for one article.
    pub parts: Vec<i64>,
}

/// A story to store, with the spelling it gives each of its feeds (in `row.feeds` order).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewStory {
    /// The row.
    pub row: StoryRow,
    /// The spelling of each feed of `row.feeds`.
    pub names: Vec<String>,
}

/// A stored article as a story is worked out from it: without its text.
#[derive(Debug, Clone, PartialEq)]
pub struct StoryHead {
    /// The article's handle.
    pub aid: i64,
    /// Identity, dates, link, GUID, tags and categories; no text.
    pub head: Article,
    /// [`article_print`] of the stored article, `None` for a row stored before prints.
    pub print: Option<[u8; 16]>,
    /// Whether its source was removed from the config (it is in no story).
    pub removed: bool,
    /// The story it is part of now, if any.
    pub story: Option<StoryRow>,
}

/// A feed's membership row: a story at its rank, with the spelling it gives the feed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    /// Where the story stands.
    pub rank: Rank,
    /// The story.
    pub sid: i64,
    /// Its spelling of the feed's tag or category.
    pub name: String,
}

/// One tag or category feed as the plan last left it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedRow {
    /// The feed's handle.
    pub fid: i64,
    /// Which tag or category.
    pub key: FeedKey,
    /// Stories in it.
    pub articles: usize,
    /// Its elected name (the spelling most of its stories use).
    pub name: String,
    /// The rank of its oldest dated story: who came first wins a contested slug.
    pub earliest: Option<Rank>,
}

/// One build's changes to the stories, applied in one transaction by
/// [`super::Store::write_stories`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StoryWrite {
    /// Stories to delete, with their membership.
    pub delete: Vec<i64>,
    /// Stories to store; one with the `sid` of a stored story replaces it (membership
    /// included).
    pub put: Vec<NewStory>,
    /// Link ownership changes: (story, owns its link now).
    pub owners: Vec<(i64, bool)>,
    /// Feeds to render again (0: the merged feed), kept until
    /// [`super::Store::clear_dirty_feeds`].
    pub dirty: Vec<i64>,
    /// Pending articles done with: every one with a handle up to this one.
    pub pending_through: Option<i64>,
    /// Pending match keys done with.
    pub done_keys: Vec<i64>,
    /// Stale stories done with.
    pub done_stories: Vec<i64>,
}

/// What is waiting to be worked into stories: articles written or changed since (their
/// story must be worked out), match keys of articles deleted or changed (the articles
/// still holding them may regroup), and stories whose articles were deleted or left the
/// feeds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pending {
    /// Pending articles.
    pub articles: usize,
    /// Pending match keys.
    pub keys: Vec<i64>,
    /// Stale stories.
    pub stories: Vec<i64>,
}

/// Feed membership as a backend keeps it: the part of [`super::Store`] (its supertrait)
/// that stories, membership and what waits to be worked into them are read and written
/// through. Every method is a keyed or range read, or a write of the rows named.
pub trait Membership {
    /// Records `print`, a print of the config rules that membership follows besides the
    /// stored articles (the filters); when it differs from the one recorded last, every
    /// article of a configured source is pending again. Returns whether it was.
    fn membership_rules(&mut self, print: &str) -> Result<bool, StoreError>;

    /// What waits to be worked into stories (see [`story::Pending`]).
    fn pending(&self) -> Result<Pending, StoreError>;

    /// Up to `limit` pending articles with a handle above `after`, by handle, each with its
    /// current story. A pending handle whose article is gone is left out.
    fn pending_heads(&self, after: i64, limit: usize) -> Result<Vec<StoryHead>, StoreError>;

    /// The articles `aids` (those still stored), each with its current story.
    fn story_heads(&self, aids: &[i64]) -> Result<Vec<StoryHead>, StoreError>;

    /// `(key, article)` for every article of a configured source holding one of `keys`.
    fn key_members(&self, keys: &[i64]) -> Result<Vec<(i64, i64)>, StoreError>;

    /// Every match key more than one article holds.
    fn shared_keys(&self) -> Result<Vec<i64>, StoreError>;

    /// The stories `sids` (those that exist), in any order.
    fn stories(&self, sids: &[i64]) -> Result<Vec<StoryRow>, StoreError>;

    /// Every story whose link hash is one of `links`.
    fn stories_with_links(&self, links: &[i64]) -> Result<Vec<StoryRow>, StoreError>;

    /// Complete stored articles by handle (those that exist), in the order asked.
    fn articles_by_aid(&self, aids: &[i64]) -> Result<Vec<(i64, Article)>, StoreError>;

    /// The source and id of the representative article of each story `sids`: what ties of
    /// rank are broken by.
    fn story_idents(&self, sids: &[i64]) -> Result<Vec<(i64, String, String)>, StoreError>;

    /// The handle of each feed, in the order asked; a feed not seen before gets one.
    fn feed_ids(&mut self, keys: &[FeedKey]) -> Result<Vec<i64>, StoreError>;

    /// Applies one step of story changes in one transaction (see [`StoryWrite`]).
    fn write_stories(&mut self, changes: &StoryWrite) -> Result<(), StoreError>;

    /// Every tag and category feed as the last plan left it.
    fn feed_rows(&self) -> Result<Vec<FeedRow>, StoreError>;

    /// Every membership row of feed `fid`, by rank, then story.
    fn feed_members(&self, fid: i64) -> Result<Vec<Member>, StoreError>;

    /// Replaces these feed rows (a row of no article is deleted) and marks `dirty` feeds,
    /// in one transaction.
    fn save_feed_rows(&mut self, rows: &[FeedRow], dirty: &[i64]) -> Result<(), StoreError>;

    /// Feeds marked dirty (0: the merged feed): to render at the next emit.
    fn dirty_feeds(&self) -> Result<Vec<i64>, StoreError>;

    /// Unmarks feeds rendered.
    fn clear_dirty_feeds(&mut self, fids: &[i64]) -> Result<(), StoreError>;

    /// The newest `limit` stories of feed `fid` (`None`: every story, the merged feed), by
    /// rank then handle, and every further story of the same rank as the last of them (the
    /// caller breaks ties of rank by id and source).
    fn feed_top(&self, fid: Option<i64>, limit: usize) -> Result<Vec<(Rank, i64)>, StoreError>;

    /// The stories of feed `fid` (`None`: every story, the merged feed) ranked from `from`
    /// through `to` (both included; `from` is the newer end, as ranks ascend newest first),
    /// by rank then handle: the stories of one stretch of a feed's history, such as the
    /// articles of one day of a digest. A range read of the index `feed_top` reads, in plain
    /// SQL over the membership rows:
    ///
    /// ```sql
    /// SELECT ts, ns, sid FROM members
    /// WHERE fid = $1 AND (ts > $2 OR (ts = $2 AND ns >= $3))
    ///                AND (ts < $4 OR (ts = $4 AND ns <= $5))
    /// ORDER BY ts, ns, sid
    /// ```
    ///
    /// (`FROM stories` without the `fid` term for the merged feed). The default reads the
    /// feed's every membership row and keeps the stretch: a backend answers it from its
    /// index instead.
    fn feed_range(
        &self,
        fid: Option<i64>,
        from: Rank,
        to: Rank,
    ) -> Result<Vec<(Rank, i64)>, StoreError> {
        let all: Vec<(Rank, i64)> = match fid {
            Some(fid) => self
                .feed_members(fid)?
                .into_iter()
                .map(|m| (m.rank, m.sid))
                .collect(),
            None => self.feed_top(None, usize::MAX)?,
        };
        Ok(all
            .into_iter()
            .filter(|(r, _)| from <= *r && *r <= to)
            .collect())
    }
}
