//! The documents of one feed and how they link: the subscription document of each format
//! (`rss.xml`, `atom.xml`, `feed.json`), its RFC 5005 archive pages
//! (`archive/<n>.xml`, `archive/<n>.atom`, `archive/<n>.json`) and its daily digest
//! (`digest/rss.xml`, `digest/atom.xml`, `digest/feed.json`).
//!
//! A subscription document links its newest archive page as `prev-archive` (JSON Feed:
//! `next_url`); each archive page links the subscription document as `current`, the page
//! before it as `prev-archive` and the page after it as `next-archive` (the newest page
//! has none), and carries `fh:archive`. Links stay within one format, so an article's id
//! is the same in the subscription document and in the archive page it moves to.

use super::ctx::Ctx;
use super::{labels, PlannedFeed};

/// A feed format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    /// RSS 2.0.
    Rss,
    /// Atom 1.0.
    Atom,
    /// JSON Feed 1.1.
    Json,
}

impl Format {
    /// The subscription document's file name.
    pub fn file(self) -> &'static str {
        match self {
            Format::Rss => "rss.xml",
            Format::Atom => "atom.xml",
            Format::Json => "feed.json",
        }
    }

    /// The extension of its archive pages (`archive/<n>.<ext>`).
    pub fn archive_ext(self) -> &'static str {
        match self {
            Format::Rss => "xml",
            Format::Atom => "atom",
            Format::Json => "json",
        }
    }

    /// Its media type.
    pub fn mime(self) -> &'static str {
        match self {
            Format::Rss => "application/rss+xml",
            Format::Atom => "application/atom+xml",
            Format::Json => "application/feed+json",
        }
    }
}

/// Which of a feed's documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DocKind {
    /// The subscription document.
    Subscription,
    /// Archive page `n`.
    Archive(u64),
    /// The daily digest.
    Digest,
}

/// One document of a feed in one format: where it is and what it links.
pub(crate) struct Doc<'d> {
    /// The feed it belongs to (its title and description).
    pub feed: &'d PlannedFeed,
    /// Which document.
    pub kind: DocKind,
    /// Its path in the output folder.
    pub self_rel: String,
    /// RFC 5005 links besides `self`: (`rel`, absolute URL), in a fixed order.
    pub links: Vec<(&'static str, String)>,
    /// Whether it is an archive page (`fh:archive`).
    pub archive: bool,
}

/// The path of archive page `n` of the feed in `dir`.
pub(crate) fn archive_rel(dir: &str, n: u64, format: Format) -> String {
    format!("{dir}/archive/{n}.{}", format.archive_ext())
}

/// The path of a feed's digest in one format.
pub(crate) fn digest_rel(dir: &str, format: Format) -> String {
    format!("{dir}/digest/{}", format.file())
}

impl<'d> Doc<'d> {
    /// Document `kind` of `feed` in `format`, linked to the archive pages `ctx` knows.
    pub fn new(ctx: &Ctx<'_>, feed: &'d PlannedFeed, kind: DocKind, format: Format) -> Doc<'d> {
        let dir = feed.dir();
        let pages = ctx.archive_pages(&dir);
        let page = |n: u64| ctx.url(&archive_rel(&dir, n, format));
        let mut links = Vec::new();
        let self_rel = match kind {
            DocKind::Subscription => {
                if let Some(&newest) = pages.last() {
                    links.push(("prev-archive", page(newest)));
                }
                format!("{dir}/{}", format.file())
            }
            DocKind::Archive(n) => {
                links.push(("current", ctx.url(&format!("{dir}/{}", format.file()))));
                let at = pages.iter().position(|&p| p == n);
                if let Some(prev) = at.and_then(|i| i.checked_sub(1)).and_then(|i| pages.get(i)) {
                    links.push(("prev-archive", page(*prev)));
                }
                if let Some(next) = at.and_then(|i| pages.get(i + 1)) {
                    links.push(("next-archive", page(*next)));
                }
                archive_rel(&dir, n, format)
            }
            DocKind::Digest => digest_rel(&dir, format),
        };
        Doc {
            feed,
            kind,
            self_rel,
            links,
            archive: matches!(kind, DocKind::Archive(_)),
        }
    }

    /// The document's title: the feed's, with the page or "digest" after it.
    pub fn title(&self, ctx: &Ctx<'_>) -> String {
        let l = labels(&ctx.cfg.site.language);
        match self.kind {
            DocKind::Subscription => ctx.feed_title(self.feed),
            DocKind::Archive(n) => format!("{} ({} {n})", ctx.feed_title(self.feed), l.archive),
            DocKind::Digest => format!("{} — {}", ctx.feed_title(self.feed), l.digest),
        }
    }

    /// The document's description.
    pub fn description(&self, ctx: &Ctx<'_>) -> String {
        let l = labels(&ctx.cfg.site.language);
        match self.kind {
            DocKind::Digest => format!("{} ({})", ctx.feed_description(self.feed), l.digest),
            _ => ctx.feed_description(self.feed),
        }
    }
}
