//! Incremental emitting: only feeds whose content changed are rendered and written.
//!
//! Every feed gets a fingerprint: an XXH3-128 over what shapes its two files — feedmill's
//! version, the site/feeds/merged settings, the feed's kind, slug and name, and for each of
//! its articles in order a print (XXH3-128) of the whole article and of the slug and label
//! of each of its tags and categories (a tag's elected name can change without the article
//! changing). These are change detectors over feedmill's own output, not defences against
//! a forger: a cryptographic hash would cost more than everything else an unchanged feed
//! costs. They are computed for the feeds the store marked dirty; a feed it did not mark
//! keeps the fingerprint remembered for it, unless the plan or the config moved (see
//! [`touched`](super::touched)). A feed whose fingerprint equals the
//! one remembered from the last build, and whose files are both still there, is not
//! rendered at all: its files keep their bytes and mtime. A feed's page
//! (`<feed>/index.html`) shows what its feed files show and shares their fingerprint.
//! `feeds.opml`, `index.html`, `feed.xsl` and `favicon.ico` share one fingerprint over the feed list
//! (kind, slug, name, article counts, the date of each feed's newest article) and the
//! prints of the index's headlines. Everything else (atomic writes, the manifest, stale-file removal) is as in
//! [`emit`](super::emit).
//!
//! Emitting from a store goes in two steps, so that a build that changed little never
//! reads the text of every stored article: [`outdated`] fingerprints the feeds from article
//! *heads* (articles without their text, each with the store's print of its whole stored
//! row) and says which feeds must be rendered again and which articles they show; the
//! caller fills in those articles' text and [`emit_outdated`] writes.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use xxhash_rust::xxh3::Xxh3;

use super::ctx::{self, Ctx};
use super::extras::{self, Extra, Extras};
use super::history;
use super::outdir::OutDir;
use super::prints::{article_print, stored_print};
use super::touched::{self, Reprint};
use super::{opml, pages, write, EmitReport, FeedKind, Plan, PlannedFeed};
use crate::config::Config;
use crate::model::Article;

/// Fingerprint key of `feeds.opml`, `index.html`, `feed.xsl` and `favicon.ico`.
pub const PAGES_KEY: &str = "@pages";

fn field(h: &mut Xxh3, s: &str) {
    h.update(&(s.len() as u64).to_le_bytes());
    h.update(s.as_bytes());
}

pub(super) fn kind_name(k: FeedKind) -> &'static str {
    match k {
        FeedKind::Tag => "tag",
        FeedKind::Category => "category",
        FeedKind::Merged => "merged",
    }
}

/// What every file depends on besides its feed: the version and the output settings.
fn render_settings(cfg: &Config, out_dir: &Path) -> [u8; 16] {
    let mut h = Xxh3::new();
    field(&mut h, env!("CARGO_PKG_VERSION"));
    // Fingerprints describe one folder's files: building into another folder in between
    // must not make this one look up to date.
    field(&mut h, &out_dir.to_string_lossy());
    field(&mut h, &format!("{:?}", cfg.site));
    field(&mut h, &format!("{:?}", cfg.feeds));
    field(&mut h, &format!("{:?}", cfg.merged));
    // The index links the digests; digest times shape the digests.
    field(&mut h, &format!("{:?}", cfg.digests));
    h.digest128().to_le_bytes()
}

/// The fingerprint of every planned feed, keyed by its folder (`tag/luc-yen`), plus
/// [`PAGES_KEY`]. Article prints are computed once per article, on a few threads; an
/// article with a version (see [`outdated`]) is printed from it.
fn fingerprints(
    ctx: &Ctx<'_>,
    plan: &Plan,
    articles: &[Article],
    versions: &[Option<u128>],
    out_dir: &Path,
    reprint: &Reprint<'_>,
) -> (BTreeMap<String, String>, Vec<Option<[u8; 16]>>) {
    let settings = render_settings(ctx.cfg, out_dir);
    let mut used = vec![false; articles.len()];
    let none: Vec<usize> = Vec::new();
    // Archive pages and digests show articles beyond the subscription documents'. Only
    // the articles of the feeds to print again are printed.
    for &i in plan
        .feeds
        .iter()
        .enumerate()
        .filter(|(f, _)| reprint.feed(*f))
        .flat_map(|(f, feed)| {
            feed.articles
                .iter()
                .chain(plan.history.get(f).unwrap_or(&none))
        })
        .chain(pages::headlines(plan, ctx.cfg))
    {
        if let Some(u) = used.get_mut(i) {
            *u = true;
        }
    }
    let headlines = pages::headlines(plan, ctx.cfg);
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .clamp(1, 8);
    let chunk = articles.len().div_ceil(threads).max(1);
    let prints: Vec<Option<[u8; 16]>> = std::thread::scope(|s| {
        let handles: Vec<_> = articles
            .chunks(chunk)
            .zip(used.chunks(chunk))
            .enumerate()
            .map(|(c, (arts, used))| {
                s.spawn(move || {
                    arts.iter()
                        .zip(used)
                        .enumerate()
                        .map(|(i, (a, &u))| {
                            u.then(|| match versions.get(c * chunk + i).copied().flatten() {
                                Some(v) => stored_print(ctx, a, v),
                                None => article_print(ctx, a),
                            })
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            // A panicked thread leaves its articles without print: their feeds render.
            .flat_map(|h| h.join().unwrap_or_default())
            .collect()
    });
    let mut out = BTreeMap::new();
    let mut pages = Xxh3::new();
    pages.update(&settings);
    for (at, f) in plan.feeds.iter().enumerate() {
        if let Some(kept) = reprint.kept(at, &f.dir()) {
            // Untouched since the last emit: its fingerprint is the one remembered.
            out.insert(f.dir(), kept.clone());
            page_entry(&mut pages, f, articles);
            continue;
        }
        let mut h = Xxh3::new();
        h.update(&settings);
        field(&mut h, kind_name(f.kind));
        field(&mut h, &f.slug);
        field(&mut h, &f.name);
        let mut complete = true;
        for &i in &f.articles {
            match prints.get(i).copied().flatten() {
                Some(p) => h.update(&p),
                None => complete = false,
            }
        }
        if complete {
            out.insert(f.dir(), hex(h.digest128()));
        }
        page_entry(&mut pages, f, articles);
    }
    // The index shows its headlines whole (title, source, image): their prints.
    for &i in headlines {
        match prints.get(i).copied().flatten() {
            Some(p) => pages.update(&p),
            None => pages.update(&[0; 16]),
        }
    }
    out.insert(PAGES_KEY.to_string(), hex(pages.digest128()));
    (out, prints)
}

/// What the pages show of one feed: its kind, slug, name, counts and newest date.
fn page_entry(pages: &mut Xxh3, f: &PlannedFeed, articles: &[Article]) {
    field(pages, kind_name(f.kind));
    field(pages, &f.slug);
    field(pages, &f.name);
    pages.update(&(f.articles.len() as u64).to_le_bytes());
    pages.update(&(f.total as u64).to_le_bytes());
    let newest = f
        .articles
        .first()
        .and_then(|&i| articles.get(i))
        .and_then(Ctx::entry_published);
    pages.update(&newest.map_or(i64::MIN, |d| d.timestamp()).to_le_bytes());
}

fn hex(print: u128) -> String {
    format!("{print:032x}")
}

/// Both files of a feed (or both pages) are still in place, as regular files reached
/// without a symbolic link.
fn files_present(out: Option<&OutDir>, rels: &[String]) -> bool {
    out.is_some_and(|out| rels.iter().all(|r| out.is_file(r)))
}

/// Like [`emit`](super::emit), but renders and writes only the feeds whose fingerprint
/// differs from `previous` (or whose files are missing). Returns the report and the
/// fingerprints to remember for the next build.
///
/// Files of skipped feeds are listed as unchanged and stay in the manifest.
pub fn emit_incremental(
    plan: &Plan,
    articles: &[Article],
    cfg: &Config,
    out_dir: &Path,
    previous: &BTreeMap<String, String>,
) -> std::io::Result<(EmitReport, BTreeMap<String, String>)> {
    let todo = outdated(plan, articles, &[], cfg, out_dir, previous, None);
    emit_outdated(plan, articles, cfg, out_dir, todo)
}

/// What [`outdated`] found: the feeds to render again and the fingerprints of all.
#[derive(Debug, Clone)]
pub struct Outdated {
    /// Indices into [`Plan::feeds`] of the feeds to render, in plan order.
    feeds: Vec<usize>,
    /// Whether `feeds.opml`, `index.html`, `feed.xsl` and `favicon.ico` must be written.
    pages: bool,
    /// The articles the index shows whole, when it must be rendered.
    headlines: Vec<usize>,
    /// Whether there was no trusted memory of the last emit.
    first: bool,
    /// Every feed's fingerprint, to remember.
    prints: BTreeMap<String, String>,
    /// Archive pages and digests (see [`extras`](super::extras)).
    extras: Extras,
    /// Indices into `extras.docs` of the ones to render.
    stale_extras: Vec<usize>,
    /// Feeds whose fingerprint was worked out (the others' was the one remembered).
    pub printed: usize,
}

impl Outdated {
    /// The articles the outdated feeds show, in ascending order: those whose text
    /// rendering needs.
    pub fn shown(&self, plan: &Plan) -> Vec<usize> {
        let mut shown: Vec<usize> = self
            .feeds
            .iter()
            .filter_map(|&f| plan.feeds.get(f))
            .flat_map(|f| f.articles.iter().copied())
            .chain(self.headlines.iter().copied())
            .chain(
                self.stale_extras
                    .iter()
                    .filter_map(|&e| self.extras.docs.get(e))
                    .flat_map(Extra::articles),
            )
            .collect();
        shown.sort_unstable();
        shown.dedup();
        shown
    }
}

/// Fingerprints every feed and finds the ones to render again: those whose fingerprint
/// differs from `previous` or whose files are missing. `versions` (empty, or one per
/// article) gives the store's version of each stored article, which it is printed from
/// rather than from its fields, so that its text need not be there: before
/// [`emit_outdated`], every article in [`Outdated::shown`] must be complete.
///
/// `touched`, when given, names the folders of the feeds whose content may have changed
/// since the last emit (the store's dirty feeds, see [`crate::store::Membership`]): the
/// others keep the fingerprints `previous` remembers and are not printed at all, unless
/// the plan itself moved (see [`touched_dirs`](super::touched_dirs)).
pub fn outdated(
    plan: &Plan,
    articles: &[Article],
    versions: &[Option<u128>],
    cfg: &Config,
    out_dir: &Path,
    previous: &BTreeMap<String, String>,
    touched: Option<&BTreeSet<String>>,
) -> Outdated {
    let ctx = Ctx::new(plan, articles, cfg);
    let settings = render_settings(cfg, out_dir);
    let (plan_key, plan_print) = touched::plan_print(plan, cfg, &settings);
    let reprint = Reprint::new(plan, cfg, previous, touched, &plan_print);
    let (mut prints, article_prints) =
        fingerprints(&ctx, plan, articles, versions, out_dir, &reprint);
    let extras = extras::plan(
        &ctx,
        plan,
        articles,
        &article_prints,
        &settings,
        previous,
        &|f| reprint.feed(f),
    );
    // A subscription document links its newest archive page (a remembered fingerprint
    // has it already).
    let reprinted: BTreeSet<String> = plan
        .feeds
        .iter()
        .enumerate()
        .filter(|(f, _)| reprint.feed(*f))
        .map(|(_, feed)| feed.dir())
        .collect();
    for (dir, newest) in extras::newest_pages(&extras) {
        if !reprinted.contains(dir) {
            continue;
        }
        if let Some(p) = prints.get_mut(dir) {
            *p = format!("{p}:{newest}");
        }
    }
    prints.insert(plan_key.to_string(), plan_print);
    // No output folder yet (or one that cannot be opened): nothing is in place.
    let out = OutDir::open_existing(out_dir).ok();
    let out = out.as_ref();
    let unchanged = |key: &str, rels: &[String]| {
        matches!((prints.get(key), previous.get(key)), (Some(a), Some(b)) if a == b)
            && files_present(out, rels)
    };
    // Two file checks per feed are thousands of system calls: shared out to a few threads.
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .clamp(1, 4);
    let chunk = plan.feeds.len().div_ceil(threads).max(1);
    let feeds = std::thread::scope(|s| {
        let unchanged = &unchanged;
        let handles: Vec<_> = plan
            .feeds
            .chunks(chunk)
            .enumerate()
            .map(|(c, part)| {
                let first = c * chunk;
                let handle = s.spawn(move || {
                    part.iter()
                        .enumerate()
                        .filter(|(_, feed)| !unchanged(&feed.dir(), &feed_files(cfg, feed)))
                        .map(|(i, _)| first + i)
                        .collect::<Vec<usize>>()
                });
                (first..first + part.len(), handle)
            })
            .collect();
        handles
            .into_iter()
            // A panicked thread leaves its feeds to be rendered.
            .flat_map(|(all, h)| h.join().unwrap_or_else(|_| all.collect()))
            .collect()
    });
    let pages = !unchanged(PAGES_KEY, &page_files());
    let stale_extras = extras
        .docs
        .iter()
        .enumerate()
        .filter(|(_, e)| {
            e.print.is_empty()
                || previous.get(&e.key) != Some(&e.print)
                || !files_present(out, &extras::files(cfg, plan, e))
        })
        .map(|(i, _)| i)
        .collect();
    Outdated {
        feeds,
        pages,
        headlines: if pages {
            pages::headlines(plan, cfg).to_vec()
        } else {
            Vec::new()
        },
        // Archive page bounds outlive a killed emit; fingerprints do not.
        first: previous.keys().all(|k| history::is_bounds_key(k)),
        prints,
        extras,
        stale_extras,
        printed: reprinted.len(),
    }
}

/// The subscription documents of a feed and, when pages are on, its page.
fn feed_files(cfg: &Config, feed: &PlannedFeed) -> Vec<String> {
    let dir = feed.dir();
    let mut files: Vec<String> = extras::formats(cfg)
        .into_iter()
        .map(|f| format!("{dir}/{}", f.file()))
        .collect();
    if cfg.feeds.pages {
        files.push(format!("{dir}/index.html"));
    }
    files
}

fn page_files() -> [String; 4] {
    [
        "feeds.opml".to_string(),
        "index.html".to_string(),
        pages::XSL.to_string(),
        pages::FAVICON.to_string(),
    ]
}

/// Renders and writes the feeds [`outdated`] found (`articles` complete for each of them),
/// lists every other file as unchanged, and updates the manifest. Returns the report and
/// the fingerprints to remember for the next build.
///
/// A feed or page that cannot be written is reported in [`EmitReport::errors`] and
/// nothing else stops: its fingerprint is not remembered (the next build tries again), the
/// files it has stay (and in the manifest), and the OPML and index leave it out unless
/// both are there. Only an output folder that cannot be created or
/// opened fails the emit.
pub fn emit_outdated(
    plan: &Plan,
    articles: &[Article],
    cfg: &Config,
    out_dir: &Path,
    todo: Outdated,
) -> std::io::Result<(EmitReport, BTreeMap<String, String>)> {
    let out = OutDir::open(out_dir)?;
    let Outdated {
        feeds: stale_feeds,
        pages,
        first,
        mut prints,
        extras,
        stale_extras,
        headlines: _,
        printed: _,
    } = todo;
    if first {
        // No trusted memory of the last emit: a first build, or one after a build that was
        // killed mid-write and may have left temporary files.
        out.remove_stale_temp_files();
    }
    let mut ctx = Ctx::new(plan, articles, cfg);
    ctx.archive_pages = extras.pages.clone();
    let old_manifest = write::read_manifest_in(&out);
    let mut report = EmitReport::default();
    let mut files = BTreeSet::new();
    // Every file of the output goes through here once: listed as written or untouched, and
    // kept in the manifest.
    let record =
        |rel: String, written: bool, report: &mut EmitReport, files: &mut BTreeSet<String>| {
            let path = out_dir.join(&rel);
            if written {
                report.written.push(path);
            } else {
                report.unchanged.push(path);
            }
            files.insert(rel);
        };
    let mut render: Vec<&PlannedFeed> = Vec::with_capacity(stale_feeds.len());
    let mut next = stale_feeds.iter().copied().peekable();
    for (i, feed) in plan.feeds.iter().enumerate() {
        if next.next_if_eq(&i).is_some() {
            render.push(feed);
        } else {
            for rel in feed_files(cfg, feed) {
                record(rel, false, &mut report, &mut files);
            }
        }
    }
    extras::write_stale(
        &ctx,
        plan,
        &out,
        &extras,
        &stale_extras,
        &mut prints,
        &mut |rel, w| record(rel, w, &mut report, &mut files),
    )
    .into_iter()
    .for_each(|e| report.errors.push(e));

    // Folders of feeds that could not be written.
    let mut failed: BTreeSet<String> = BTreeSet::new();
    for (feed, r) in render.iter().zip(super::write_feeds(&ctx, &render, &out)) {
        match r {
            Ok(written) => {
                for (rel, w) in written {
                    record(rel, w, &mut report, &mut files);
                }
            }
            Err(e) => {
                report.errors.push(e.to_string());
                prints.remove(&feed.dir());
                failed.insert(feed.dir());
            }
        }
    }
    // The files a failed feed has (from an earlier build, or the one of its two written
    // before the other failed) stay where they are, and known, as a write would have made
    // them.
    let kept: Vec<String> = failed
        .iter()
        .filter_map(|dir| plan.feeds.iter().find(|f| f.dir() == *dir))
        .flat_map(|f| feed_files(cfg, f))
        .filter(|rel| out.is_file(rel))
        .collect();

    if pages || !failed.is_empty() {
        // The pages list only the feeds that are there.
        let listed;
        let page_plan = if failed.is_empty() {
            plan
        } else {
            prints.remove(PAGES_KEY);
            listed = Plan {
                feeds: plan
                    .feeds
                    .iter()
                    .filter(|f| {
                        !failed.contains(&f.dir())
                            || feed_files(cfg, f).iter().all(|r| kept.contains(r))
                    })
                    .cloned()
                    .collect(),
                tag_slugs: plan.tag_slugs.clone(),
                ..Plan::default()
            };
            &listed
        };
        let page = |r: Result<Vec<u8>, askama::Error>, what: &str| {
            r.map(ctx::xml_safe).map_err(|e| {
                std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    format!("cannot render {what}: {e}"),
                )
            })
        };
        let opml = opml::render(&ctx, page_plan).map(ctx::xml_safe);
        let html = page(pages::render_index(&ctx, page_plan), "index.html");
        let xsl = page(pages::render_xsl(&ctx), pages::XSL);
        let icon = Ok(pages::FAVICON_BYTES.to_vec());
        for (rel, bytes) in page_files().into_iter().zip([opml, html, xsl, icon]) {
            match bytes.and_then(|b| out.write_if_changed(&rel, &b)) {
                Ok(written) => record(rel, written, &mut report, &mut files),
                Err(e) => {
                    report.errors.push(e.to_string());
                    prints.remove(PAGES_KEY);
                    if old_manifest.contains(&rel) {
                        files.insert(rel);
                    }
                }
            }
        }
    } else {
        for rel in page_files() {
            record(rel, false, &mut report, &mut files);
        }
    }
    files.extend(kept);

    report.removed = write::remove_stale(&out, &old_manifest, &files, &mut report.warnings);
    if let Err(e) = out.write_if_changed(write::MANIFEST, &write::manifest_bytes(&files)) {
        report.errors.push(e.to_string());
    }
    Ok((report, prints))
}
