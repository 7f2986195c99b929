//! Which feeds exist (the [`Plan`]) and their RSS 2.0, Atom 1.0, JSON Feed 1.1, archive
//! page, digest, OPML and HTML index files, written atomically and only when their bytes
//! change.
//!
//! Output is a pure function of the articles and the config (and of the archive pages
//! closed by earlier builds, and for digests of which days the build's clock has closed):
//! dates in the files are the articles' own (an empty feed carries 2000-01-01T00:00:00Z),
//! never the time of the build, so the same input gives byte-identical files and an
//! unchanged feed is not rewritten. The planning rules (ordering, display names, slug
//! collisions) are documented in [`plan`](mod@plan), the archive rules in
//! [`history`](mod@history); the stale-file policy in [`write`](mod@write).

mod atom;
mod ctx;
mod digest;
mod docs;
mod extras;
pub mod history;
mod incremental;
mod json;
mod media;
mod opml;
mod outdir;
mod pages;
pub mod plan;
mod prints;
mod rss;
mod touched;
pub mod write;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::config::Config;
use crate::model::Article;

pub use incremental::{emit_incremental, emit_outdated, outdated, Outdated, PAGES_KEY};
pub use touched::{touched_dirs, PLAN_KEY};

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
    /// Articles carrying the tag or category (all articles for the merged feed), of which
    /// `articles` are the newest.
    pub total: usize,
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
    /// Per feed (as [`Plan::feeds`]), every article it holds in the order feedmill first
    /// saw them, oldest first (see [`history`](mod@history)); filled for every feed when
    /// `feeds.archives` is on and for the feeds with a digest, empty otherwise.
    pub history: Vec<Vec<usize>>,
    /// The build's clock, which closes the days of the digests; `None` reads the system
    /// clock when emitting.
    pub now: Option<chrono::DateTime<chrono::Utc>>,
}

/// Decides which feeds exist and which articles each shows. `known_slugs` (tag key → slug
/// from earlier builds) keeps a tag's slug stable when a colliding tag appears later.
///
/// The returned [`Plan::tag_slugs`] holds every key of `known_slugs` plus every tag that has
/// a feed now; feed it back as `known_slugs` next time.
///
/// With `feeds.archives` on, each feed shows the `items` articles feedmill saw last and
/// its history is archived (see [`history`](mod@history)).
pub fn plan(articles: &[Article], cfg: &Config, known_slugs: &BTreeMap<String, String>) -> Plan {
    let mut p = plan::plan(articles, cfg, known_slugs);
    history::plan_history(&mut p, articles, cfg);
    p
}

/// What [`emit`] did.
#[derive(Debug, Clone, Default)]
pub struct EmitReport {
    /// Files whose bytes changed and were rewritten.
    pub written: Vec<PathBuf>,
    /// Files left untouched because their bytes were already right.
    pub unchanged: Vec<PathBuf>,
    /// Files of feeds that no longer exist, removed (only files an earlier build wrote).
    pub removed: Vec<PathBuf>,
    /// What could not be written or removed, each naming its file or folder (a symbolic
    /// link inside the output folder, a name the file system refuses, a full disk). One
    /// feed that cannot be written never stops the others, the OPML, the index or the
    /// manifest; it is left out of the OPML and index unless both its files are there
    /// (from an earlier build), and it is rendered again by the next build.
    pub errors: Vec<String>,
    /// Stale files an earlier manifest names that were left in place because they are not
    /// regular files reached without a symbolic link (nothing but feedmill's own files is
    /// ever deleted); the output itself is complete.
    pub warnings: Vec<String>,
}

/// Writes every planned feed (RSS, Atom and JSON Feed, their archive pages and digests),
/// `feeds.opml` and `index.html` under `out_dir`.
///
/// Feeds are rendered and written on a few threads; the report lists paths in plan order
/// whatever the scheduling. Files of feeds an earlier build wrote that are no longer
/// planned are removed (see [`write`](mod@write)). A feed that cannot be written is listed
/// in [`EmitReport::errors`]; the error is only for an output folder that cannot be
/// created or opened.
pub fn emit(
    plan: &Plan,
    articles: &[Article],
    cfg: &Config,
    out_dir: &Path,
) -> std::io::Result<EmitReport> {
    // With no memory of an earlier emit every feed is rendered; what is left is the
    // skip-unchanged write of each file.
    incremental::emit_incremental(plan, articles, cfg, out_dir, &BTreeMap::new())
        .map(|(report, _)| report)
}

/// What writing one feed gave: (relative path, rewritten?) of each of its files.
type FeedWrite = std::io::Result<Vec<(String, bool)>>;

/// Renders and writes `feeds` on a few threads; one result per feed, in feed order.
fn write_feeds(ctx: &ctx::Ctx<'_>, feeds: &[&PlannedFeed], out: &outdir::OutDir) -> Vec<FeedWrite> {
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .clamp(1, 8);
    let chunk = feeds.len().div_ceil(threads).max(1);
    std::thread::scope(|s| {
        let handles: Vec<_> = feeds
            .chunks(chunk)
            .map(|feeds| {
                let handle = s.spawn(move || {
                    feeds
                        .iter()
                        .map(|feed| write_feed(ctx, feed, out))
                        .collect::<Vec<FeedWrite>>()
                });
                (feeds, handle)
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|(feeds, h)| {
                h.join().unwrap_or_else(|_| {
                    feeds
                        .iter()
                        .map(|f| {
                            Err(std::io::Error::other(format!(
                                "feed {}: the thread writing it panicked",
                                f.dir()
                            )))
                        })
                        .collect()
                })
            })
            .collect()
    })
}

/// Renders and writes one feed's subscription documents (`rss.xml`, `atom.xml` and, with
/// `feeds.json_feed`, `feed.json`) and, when pages are on, its page (`index.html`);
/// returns (relative path, rewritten?) for each.
fn write_feed(ctx: &ctx::Ctx<'_>, feed: &PlannedFeed, out: &outdir::OutDir) -> FeedWrite {
    let dir = feed.dir();
    let bad = |what: &str, e: String| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("cannot render {what} of feed {dir}: {e}"),
        )
    };
    let mut docs = vec![
        (
            "rss.xml",
            rss::render(ctx, feed).map_err(|e| bad("RSS", e.to_string()))?,
        ),
        (
            "atom.xml",
            atom::render(ctx, feed).map_err(|e| bad("Atom", e.to_string()))?,
        ),
    ];
    if ctx.cfg.feeds.json_feed {
        let bytes = json::render(ctx, feed).map_err(|e| bad("JSON Feed", e.to_string()))?;
        docs.push(("feed.json", bytes));
    }
    // RSS and Atom name the stylesheet that shows them as a page in a browser.
    let mut docs: Vec<(&str, Vec<u8>)> = docs
        .into_iter()
        .map(|(file, bytes)| match file {
            "rss.xml" | "atom.xml" => (file, pages::with_stylesheet(ctx::xml_safe(bytes), &dir)),
            _ => (file, ctx::xml_safe(bytes)),
        })
        .collect();
    if ctx.cfg.feeds.pages {
        let page = pages::render_feed(ctx, feed).map_err(|e| bad("the page", e.to_string()))?;
        docs.push(("index.html", ctx::xml_safe(page)));
    }
    let mut written = Vec::with_capacity(docs.len());
    for (file, bytes) in docs {
        let rel = format!("{dir}/{file}");
        let changed = out.write_if_changed(&rel, &bytes)?;
        written.push((rel, changed));
    }
    Ok(written)
}

/// Words of the OPML groups and the index page, in the site's language.
pub(crate) struct Labels {
    merged: &'static str,
    categories: &'static str,
    tags: &'static str,
    /// After an article count (a digest item's summary).
    pub(crate) articles: &'static str,
    /// "archive", as in a feed's archive page `n`.
    pub(crate) archive: &'static str,
    /// A feed's daily digest.
    pub(crate) digest: &'static str,
    /// The title of one day's digest item, before its date.
    pub(crate) digest_of: &'static str,
    /// "and N more" in a digest item (N follows).
    pub(crate) more: &'static str,
    /// "source", before an article's source in a digest item.
    pub(crate) source: &'static str,
}

/// Vietnamese for `vi*` sites, English otherwise.
pub(crate) fn labels(language: &str) -> Labels {
    if language.to_ascii_lowercase().starts_with("vi") {
        Labels {
            merged: "Tổng hợp",
            categories: "Chuyên mục",
            tags: "Thẻ",
            articles: "bài",
            archive: "lưu trữ",
            digest: "Bản tin hằng ngày",
            digest_of: "Bản tin ngày",
            more: "và các bài khác:",
            source: "Nguồn",
        }
    } else {
        Labels {
            merged: "All news",
            categories: "Categories",
            tags: "Tags",
            articles: "articles",
            archive: "archive",
            digest: "Daily digest",
            digest_of: "Digest of",
            more: "more articles:",
            source: "Source",
        }
    }
}
