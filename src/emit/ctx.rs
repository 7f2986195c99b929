//! What every writer needs to know beyond one feed: URLs, the output time zone, and the
//! slug and display name of every tag and category that has a feed.

use std::collections::HashMap;

use rustc_hash::FxHashMap;

use chrono::{DateTime, FixedOffset, Utc};
use chrono_tz::Tz;

use super::{FeedKind, Plan, PlannedFeed};
use crate::config::Config;
use crate::model::Article;
use crate::text::tag_key;

fn link_hash(url: &str) -> u64 {
    xxhash_rust::xxh3::xxh3_64(url.as_bytes())
}

/// The owner of every link more than one article has: the oldest (earliest `published`,
/// then the smallest source and id). Links are compared by a 64-bit hash; a collision only
/// makes two articles with different links share an owner, so one of them gets its id as
/// GUID, which is always valid.
fn link_owners(articles: &[Article]) -> FxHashMap<u64, usize> {
    let mut first: FxHashMap<u64, usize> = FxHashMap::default();
    let mut owners: FxHashMap<u64, usize> = FxHashMap::default();
    let older = |i: usize, j: usize| {
        let (a, b) = (&articles[i], &articles[j]);
        (a.published, &a.source, &a.id) < (b.published, &b.source, &b.id)
    };
    for (i, a) in articles.iter().enumerate() {
        let Some(url) = a.url.as_deref() else {
            continue;
        };
        let h = link_hash(url);
        match first.get(&h) {
            None => {
                first.insert(h, i);
            }
            Some(&j) => {
                let best = owners.get(&h).copied().unwrap_or(j);
                owners.insert(h, if older(i, best) { i } else { best });
            }
        }
    }
    owners
}

/// 2000-01-01T00:00:00Z, the date written where a date is required and the articles give
/// none. Not the Unix epoch: the W3C Feed Validator warns that dates before 1990 are
/// implausible.
pub const FIXED_DATE: i64 = 946_684_800;

/// Shared, read-only rendering context for one emit.
pub(crate) struct Ctx<'a> {
    pub cfg: &'a Config,
    pub articles: &'a [Article],
    /// `site.base_url`, always ending with `/`.
    pub base: String,
    /// The zone every output date is written in.
    pub tz: Tz,
    /// Tag key → (slug, elected name) for tags that have a feed.
    pub tags: FxHashMap<&'a str, (&'a str, &'a str)>,
    /// Category name as articles spell it → slug, name and key of its feed. Keyed by
    /// spelling so that the key (NFC, case folding) is worked out once per spelling, not
    /// per article.
    pub categories: FxHashMap<&'a str, CategoryFeed<'a>>,
    /// Authority of the `tag:` URIs used as Atom entry ids.
    pub tag_authority: String,
    /// For each link that several articles share (podcast episodes all linking the show's
    /// page), keyed by its hash: the one article whose RSS GUID is the link (see
    /// [`Ctx::guid_is_link`]).
    link_owners: FxHashMap<u64, usize>,
    /// Feed folder → the numbers of its archive pages, oldest first (see
    /// [`super::history`]); empty until the archives are planned.
    pub archive_pages: FxHashMap<String, Vec<u64>>,
}

impl<'a> Ctx<'a> {
    pub fn new(plan: &'a Plan, articles: &'a [Article], cfg: &'a Config) -> Ctx<'a> {
        let mut base = cfg.site.base_url.as_str().to_string();
        if !base.ends_with('/') {
            base.push('/');
        }
        let tag_names: HashMap<&str, &str> = plan
            .feeds
            .iter()
            .filter(|f| f.kind == FeedKind::Tag)
            .map(|f| (f.slug.as_str(), f.name.as_str()))
            .collect();
        let tags = plan
            .tag_slugs
            .iter()
            .filter_map(|(k, s)| Some((k.as_str(), (s.as_str(), *tag_names.get(s.as_str())?))))
            .collect();
        let by_key: HashMap<String, (&str, &str)> = plan
            .feeds
            .iter()
            .filter(|f| f.kind == FeedKind::Category)
            .map(|f| (tag_key(&f.name), (f.slug.as_str(), f.name.as_str())))
            .collect();
        let categories = super::plan::category_keys(articles)
            .into_iter()
            .filter_map(|(name, key)| {
                let (slug, label) = *by_key.get(&key)?;
                Some((name, CategoryFeed { slug, label, key }))
            })
            .collect();
        // RFC 4151 authorities are DNS names or e-mail addresses; anything else (an IP
        // literal with `:`, an empty host) falls back to a name that is always valid.
        let host = cfg
            .site
            .base_url
            .host_str()
            .unwrap_or("")
            .to_ascii_lowercase();
        let tag_authority = if !host.is_empty()
            && host
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-')
        {
            host
        } else {
            "feedmill.invalid".to_string()
        };
        Ctx {
            cfg,
            articles,
            base,
            tz: cfg.site.timezone,
            tags,
            categories,
            tag_authority,
            link_owners: link_owners(articles),
            archive_pages: FxHashMap::default(),
        }
    }

    /// Whether `a`'s RSS GUID is its link (a permalink) rather than its id. A link is the
    /// GUID of one article only, and of the same one at every build: of the articles sharing
    /// a link, the oldest owns it, so a new episode never takes over an older one's GUID.
    pub fn guid_is_link(&self, a: &Article) -> bool {
        let Some(url) = a.url.as_deref() else {
            return false;
        };
        match self.link_owners.get(&link_hash(url)) {
            Some(&owner) => self
                .articles
                .get(owner)
                .is_some_and(|o| o.source == a.source && o.id == a.id),
            None => true,
        }
    }

    /// The feed's title: `<site.title> — <name>`.
    pub fn feed_title(&self, feed: &PlannedFeed) -> String {
        format!("{} — {}", self.cfg.site.title, feed.name)
    }

    /// The feed's description: the site's, else its title.
    pub fn feed_description(&self, feed: &PlannedFeed) -> String {
        match &self.cfg.site.description {
            Some(d) if !d.trim().is_empty() => format!("{} — {}", d.trim(), feed.name),
            _ => self.feed_title(feed),
        }
    }

    /// Absolute URL of a file inside the output folder.
    pub fn url(&self, rel: &str) -> String {
        format!("{}{}", self.base, rel)
    }

    /// `instant` in the site's zone.
    pub fn local(&self, instant: DateTime<FixedOffset>) -> DateTime<FixedOffset> {
        instant.with_timezone(&self.tz).fixed_offset()
    }

    /// The date an empty feed (and an undated Atom entry) carries so its bytes do not
    /// change between builds: [`FIXED_DATE`] in the site's zone.
    pub fn fixed_date(&self) -> DateTime<FixedOffset> {
        DateTime::<Utc>::from_timestamp(FIXED_DATE, 0)
            .unwrap_or_default()
            .with_timezone(&self.tz)
            .fixed_offset()
    }

    /// An article's "last changed" instant: updated, else published.
    pub fn entry_updated(a: &Article) -> Option<DateTime<FixedOffset>> {
        writable(a.updated).or(writable(a.published))
    }

    /// An article's publication instant, else its update instant (RSS `pubDate`).
    pub fn entry_published(a: &Article) -> Option<DateTime<FixedOffset>> {
        writable(a.published).or(writable(a.updated))
    }

    /// The newest change among `articles` (a document's `updated`/`lastBuildDate`),
    /// [`FIXED_DATE`] when they have none.
    pub fn docs_updated(&self, articles: &[&Article]) -> DateTime<FixedOffset> {
        articles
            .iter()
            .filter_map(|a| Ctx::entry_updated(a))
            .max()
            .map(|d| self.local(d))
            .unwrap_or_else(|| self.fixed_date())
    }

    /// The archive pages written for the feed in folder `dir`, oldest first.
    pub fn archive_pages(&self, dir: &str) -> &[u64] {
        self.archive_pages.get(dir).map_or(&[], Vec::as_slice)
    }

    /// The articles of a feed, skipping any index that does not exist.
    pub fn feed_articles<'f>(
        &'f self,
        feed: &'f PlannedFeed,
    ) -> impl Iterator<Item = &'a Article> + 'f {
        feed.articles.iter().filter_map(|&i| self.articles.get(i))
    }

    /// A title that is never blank: the title, else the start of the summary, else the URL
    /// or id (validators warn on blank item titles).
    pub fn item_title(a: &Article) -> String {
        if !a.title.trim().is_empty() {
            return a.title.clone();
        }
        let summary: String = a.summary.trim().chars().take(100).collect();
        if !summary.is_empty() {
            return summary;
        }
        a.url.clone().unwrap_or_else(|| a.id.clone())
    }

    /// `s` as a serialized absolute http(s) URL (a permalink, an image worth linking), or
    /// `None`. Serializing through `url` percent-encodes what validators reject (spaces).
    pub fn http_url(s: &str) -> Option<String> {
        url::Url::parse(s.trim())
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
            .map(String::from)
    }

    /// A stable RFC 4151 `tag:` URI for an article id; characters outside the URI's
    /// allowed set are percent-encoded so any id is safe.
    pub fn entry_id(&self, a: &Article) -> String {
        let mut out = format!("tag:{},2000:article:", self.tag_authority);
        for b in a.id.bytes() {
            if b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@/".contains(&b) {
                out.push(b as char);
            } else {
                out.push_str(&format!("%{b:02X}"));
            }
        }
        out
    }

    /// (term, scheme, label) of every tag and category of an article, tags first.
    pub fn article_categories<'s>(&'s self, a: &'s Article) -> Vec<Category<'s>> {
        let mut out: Vec<Category<'s>> = Vec::with_capacity(a.tags.len() + a.categories.len());
        for t in &a.tags {
            if t.key.is_empty() {
                continue;
            }
            let (term, label) = match self.tags.get(t.key.as_str()) {
                Some((slug, name)) => (*slug, *name),
                None => (t.key.as_str(), t.name.as_str()),
            };
            // An empty label would be an empty RSS category, which validators flag.
            let label = if label.trim().is_empty() { term } else { label };
            if out
                .iter()
                .any(|c| c.kind == FeedKind::Tag && c.term == term)
            {
                continue;
            }
            out.push(Category {
                kind: FeedKind::Tag,
                term,
                label,
            });
        }
        for name in &a.categories {
            let Some(cat) = self.categories.get(name.as_str()) else {
                continue;
            };
            if out
                .iter()
                .any(|c| c.kind == FeedKind::Category && c.term == cat.slug)
            {
                continue;
            }
            // A tag and a category of one key (`nông nghiệp`, `Nông nghiệp`) are one word to
            // a reader: the tag, written first, stands for both.
            if a.tags.iter().any(|t| !t.key.is_empty() && t.key == cat.key) {
                continue;
            }
            out.push(Category {
                kind: FeedKind::Category,
                term: cat.slug,
                label: cat.label,
            });
        }
        out
    }
}

/// A rendered document without the characters XML 1.0 cannot carry (C0 controls other
/// than tab/LF/CR, U+FFFE, U+FFFF). Normalize already removes them from articles; doing it
/// again on the whole document means no input can ever make a malformed file. Markup never
/// contains such characters, so removing them from the document is removing them from the
/// text. The common case (nothing to remove) is one byte scan and no copy.
pub(crate) fn xml_safe(doc: Vec<u8>) -> Vec<u8> {
    let bad_at = |b: &[u8], i: usize| -> usize {
        match b.get(i) {
            Some(&c) if c < 0x20 && !matches!(c, b'\t' | b'\n' | b'\r') => 1,
            Some(0xEF) if matches!(b.get(i + 1..i + 3), Some([0xBF, 0xBE | 0xBF])) => 3,
            _ => 0,
        }
    };
    // Fast pre-check: only control bytes and the lead byte 0xEF can start a bad character.
    let suspicious = |b: &u8| (*b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r')) || *b == 0xEF;
    if !doc.iter().any(suspicious) || !(0..doc.len()).any(|i| bad_at(&doc, i) > 0) {
        return doc;
    }
    let mut out = Vec::with_capacity(doc.len());
    let mut i = 0;
    while i < doc.len() {
        match bad_at(&doc, i) {
            0 => {
                out.extend(doc.get(i));
                i += 1;
            }
            n => i += n,
        }
    }
    out
}

/// Keeps dates both RFC 822 and RFC 3339 can write (four-digit years; chrono panics on
/// others); a date outside that range is treated as missing rather than failing the build.
pub(crate) fn writable(d: Option<DateTime<FixedOffset>>) -> Option<DateTime<FixedOffset>> {
    use chrono::Datelike;
    // One day of margin on each side so converting to the site's zone stays in range.
    d.filter(|d| (2..=9998).contains(&d.year()))
}

/// The feed of a category spelling: its slug, its name and the key both share.
pub(crate) struct CategoryFeed<'a> {
    pub slug: &'a str,
    pub label: &'a str,
    pub key: String,
}

/// A tag or category as written on an item.
pub(crate) struct Category<'a> {
    pub kind: FeedKind,
    /// Slug when it has a feed, else the tag key.
    pub term: &'a str,
    /// What a person reads.
    pub label: &'a str,
}
