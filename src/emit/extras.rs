//! The documents of a feed beyond its subscription documents — its archive pages
//! ([`history`](super::history)) and its digest ([`digest`](super::digest)) — planned with
//! a fingerprint each, so that only the ones whose content changed are rendered, and
//! written in every format the config asks for.
//!
//! An archive page's fingerprint covers the render settings, its feed, its number, the
//! numbers of the pages it links and the print of each of its articles; a digest's covers
//! the settings, its feed, and per day the date, the article count and the print of each
//! listed article. A build that changes nothing renders none of them.

use std::collections::BTreeMap;

use chrono::Utc;
use rustc_hash::FxHashMap;
use xxhash_rust::xxh3::Xxh3;

use super::ctx::{self, Ctx};
use super::digest::{self, Day};
use super::docs::{archive_rel, digest_rel, Doc, DocKind, Format};
use super::history::{self, bounds_key, paginate, write_bounds};
use super::outdir::OutDir;
use super::{atom, json, rss, Plan};
use crate::config::Config;
use crate::model::Article;

/// What an extra document is.
#[derive(Debug, Clone)]
pub(crate) enum What {
    /// Archive page `n`; its articles newest first.
    Archive(u64, Vec<usize>),
    /// The digest, newest day first.
    Digest(Vec<Day>),
}

/// One extra document of one feed (in each of its formats).
#[derive(Debug, Clone)]
pub(crate) struct Extra {
    /// Index into [`Plan::feeds`].
    pub feed: usize,
    /// Archive page or digest.
    pub what: What,
    /// Its fingerprint key in the emit memory (`tag/x/archive/3`, `tag/x/digest`).
    pub key: String,
    /// Its fingerprint.
    pub print: String,
}

impl Extra {
    /// The articles whose text rendering it needs.
    pub fn articles(&self) -> impl Iterator<Item = usize> + '_ {
        let (page, days): (&[usize], &[Day]) = match &self.what {
            What::Archive(_, a) => (a, &[]),
            What::Digest(d) => (&[], d),
        };
        page.iter()
            .copied()
            .chain(days.iter().flat_map(|d| d.articles.iter().copied()))
    }
}

/// Every extra document of a build.
#[derive(Debug, Clone, Default)]
pub(crate) struct Extras {
    /// The documents, feed by feed.
    pub docs: Vec<Extra>,
    /// Feed folder → its archive page numbers, oldest first.
    pub pages: FxHashMap<String, Vec<u64>>,
    /// The closed pages of each feed, to remember (`@archive:<dir>` → bounds).
    pub bounds: BTreeMap<String, String>,
}

/// The formats written.
pub(crate) fn formats(cfg: &Config) -> Vec<Format> {
    let mut f = vec![Format::Rss, Format::Atom];
    if cfg.feeds.json_feed {
        f.push(Format::Json);
    }
    f
}

/// The files of one extra document.
pub(crate) fn files(cfg: &Config, plan: &Plan, e: &Extra) -> Vec<String> {
    let Some(feed) = plan.feeds.get(e.feed) else {
        return Vec::new();
    };
    let dir = feed.dir();
    formats(cfg)
        .into_iter()
        .map(|f| match e.what {
            What::Archive(n, _) => archive_rel(&dir, n, f),
            What::Digest(_) => digest_rel(&dir, f),
        })
        .collect()
}

fn field(h: &mut Xxh3, s: &str) {
    h.update(&(s.len() as u64).to_le_bytes());
    h.update(s.as_bytes());
}

/// A fingerprint over `settings`, `parts` and the prints of `articles`; `None` when an
/// article has no print (its document is then rendered).
fn fingerprint(
    settings: &[u8; 16],
    parts: &[&str],
    articles: impl Iterator<Item = usize>,
    prints: &[Option<[u8; 16]>],
) -> Option<String> {
    let mut h = Xxh3::new();
    h.update(settings);
    for p in parts {
        field(&mut h, p);
    }
    for i in articles {
        h.update(&prints.get(i).copied().flatten()?);
    }
    Some(format!("{:032x}", h.digest128()))
}

/// Plans the archive pages and digests of every feed. `prints` holds each article's
/// print (see `incremental`), `previous` the last emit's memory (its closed pages).
/// The archive pages of a feed `reprint` says no (one untouched since the last emit,
/// whose articles were not printed) keep the fingerprints `previous` remembers.
pub(crate) fn plan(
    ctx: &Ctx<'_>,
    plan: &Plan,
    articles: &[Article],
    prints: &[Option<[u8; 16]>],
    settings: &[u8; 16],
    previous: &BTreeMap<String, String>,
    reprint: &dyn Fn(usize) -> bool,
) -> Extras {
    let cfg = ctx.cfg;
    let mut out = Extras::default();
    let remembered = history::remembered(previous);
    if cfg.feeds.archives {
        for (i, (feed, hist)) in plan.feeds.iter().zip(&plan.history).enumerate() {
            let dir = feed.dir();
            let archived = history::archived(hist, feed.articles.len());
            let bounds = remembered.get(dir.as_str()).map_or(&[][..], Vec::as_slice);
            if archived.is_empty() && bounds.is_empty() {
                continue;
            }
            let (pages, kept) = paginate(
                articles,
                archived,
                history::items_of(feed.kind, cfg),
                bounds,
            );
            if !kept.is_empty() {
                out.bounds.insert(bounds_key(&dir), write_bounds(&kept));
            }
            let numbers: Vec<u64> = pages.iter().map(|p| p.number).collect();
            for (at, page) in pages.into_iter().enumerate() {
                let n = page.number.to_string();
                let prev = at
                    .checked_sub(1)
                    .and_then(|j| numbers.get(j))
                    .map_or(String::new(), u64::to_string);
                let next = numbers.get(at + 1).map_or(String::new(), u64::to_string);
                let key = format!("{dir}/archive/{n}");
                let print = if reprint(i) {
                    fingerprint(
                        settings,
                        &["archive", &dir, &feed.name, &n, &prev, &next],
                        page.articles.iter().copied(),
                        prints,
                    )
                } else {
                    previous.get(&key).cloned()
                };
                out.docs.push(Extra {
                    feed: i,
                    key,
                    what: What::Archive(page.number, page.articles),
                    print: print.unwrap_or_default(),
                });
            }
            if !numbers.is_empty() {
                out.pages.insert(dir, numbers);
            }
        }
    }
    let digests = digest::digest_feeds(plan, cfg);
    if !digests.is_empty() {
        let now = plan.now.unwrap_or_else(Utc::now);
        for (&i, &time) in &digests {
            let (Some(feed), Some(members)) = (plan.feeds.get(i), plan.history.get(i)) else {
                continue;
            };
            let days = digest::days(
                articles,
                members,
                time,
                ctx.tz,
                now,
                history::items_of(feed.kind, cfg),
                cfg.limits.digest_articles,
            );
            let dir = feed.dir();
            let mut parts: Vec<String> = vec![
                "digest".into(),
                dir.clone(),
                feed.name.clone(),
                time.to_string(),
            ];
            for d in &days {
                parts.push(format!("{}:{}:{}", d.date, d.total, d.articles.len()));
            }
            let refs: Vec<&str> = parts.iter().map(String::as_str).collect();
            let print = fingerprint(
                settings,
                &refs,
                days.iter().flat_map(|d| d.articles.iter().copied()),
                prints,
            );
            out.docs.push(Extra {
                feed: i,
                key: format!("{dir}/digest"),
                what: What::Digest(days),
                print: print.unwrap_or_default(),
            });
        }
    }
    out
}

/// Renders and writes one extra document in every format; (relative path, rewritten?)
/// of each file.
pub(crate) fn write(
    ctx: &Ctx<'_>,
    plan: &Plan,
    e: &Extra,
    out: &OutDir,
) -> std::io::Result<Vec<(String, bool)>> {
    let Some(feed) = plan.feeds.get(e.feed) else {
        return Ok(Vec::new());
    };
    let digest_items: Vec<Article>;
    let (kind, shown): (DocKind, Vec<&Article>) = match &e.what {
        What::Archive(n, list) => (
            DocKind::Archive(*n),
            list.iter().filter_map(|&i| ctx.articles.get(i)).collect(),
        ),
        What::Digest(days) => {
            digest_items = days.iter().map(|d| digest::item(ctx, feed, d)).collect();
            (DocKind::Digest, digest_items.iter().collect())
        }
    };
    let bad = |what: &str, err: String| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("cannot render {what} of {}: {err}", e.key),
        )
    };
    let mut written = Vec::new();
    for format in formats(ctx.cfg) {
        let doc = Doc::new(ctx, feed, kind, format);
        let bytes = match format {
            Format::Rss => {
                rss::render_doc(ctx, &doc, &shown).map_err(|x| bad("RSS", x.to_string()))?
            }
            Format::Atom => {
                atom::render_doc(ctx, &doc, &shown).map_err(|x| bad("Atom", x.to_string()))?
            }
            Format::Json => {
                json::render_doc(ctx, &doc, &shown).map_err(|x| bad("JSON Feed", x.to_string()))?
            }
        };
        let mut bytes = ctx::xml_safe(bytes);
        if format != Format::Json {
            // Archive pages and digests are feeds too: a browser shows them as pages.
            let folder = doc.self_rel.rsplit_once('/').map_or("", |(d, _)| d);
            bytes = super::pages::with_stylesheet(bytes, folder);
        }
        let changed = out.write_if_changed(&doc.self_rel, &bytes)?;
        written.push((doc.self_rel, changed));
    }
    Ok(written)
}

/// The newest archive page of every feed folder, for the subscription documents' prints:
/// their `prev-archive` link names it.
pub(crate) fn newest_pages(extras: &Extras) -> impl Iterator<Item = (&str, u64)> {
    extras
        .pages
        .iter()
        .filter_map(|(dir, pages)| Some((dir.as_str(), *pages.last()?)))
}

/// Writes the archive pages and digests `incremental::outdated` found stale, lists the others as
/// unchanged through `record`, and puts every document's fingerprint (but a failed
/// one's) and every feed's closed pages into `prints`. Returns what could not be written.
pub(crate) fn write_stale(
    ctx: &Ctx<'_>,
    plan: &Plan,
    out: &OutDir,
    extras: &Extras,
    stale: &[usize],
    prints: &mut BTreeMap<String, String>,
    record: &mut dyn FnMut(String, bool),
) -> Vec<String> {
    let mut errors = Vec::new();
    for (i, e) in extras.docs.iter().enumerate() {
        if stale.binary_search(&i).is_err() {
            for rel in files(ctx.cfg, plan, e) {
                record(rel, false);
            }
            prints.insert(e.key.clone(), e.print.clone());
            continue;
        }
        match write(ctx, plan, e, out) {
            Ok(written) => {
                for (rel, w) in written {
                    record(rel, w);
                }
                if !e.print.is_empty() {
                    prints.insert(e.key.clone(), e.print.clone());
                }
            }
            Err(err) => {
                errors.push(err.to_string());
                // What it has stays known, so it is neither lost nor left unlisted.
                for rel in files(ctx.cfg, plan, e) {
                    if out.is_file(&rel) {
                        record(rel, false);
                    }
                }
            }
        }
    }
    prints.extend(extras.bounds.iter().map(|(k, v)| (k.clone(), v.clone())));
    errors
}
