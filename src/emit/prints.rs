//! The prints an incremental emit fingerprints feeds with (see
//! [`incremental`](super::incremental)): one per article as it renders, from its fields or
//! from the store's print of its row, with how this build labels its tags and categories.

use chrono::{DateTime, FixedOffset};
use xxhash_rust::xxh3::Xxh3;

use super::ctx::Ctx;
use super::incremental::kind_name;
use crate::model::Article;

/// Feeds one article's fields to XXH3-128.
struct Print(Xxh3);

impl Print {
    fn bytes(&mut self, b: &[u8]) {
        self.0.update(&(b.len() as u64).to_le_bytes());
        self.0.update(b);
    }

    fn opt(&mut self, s: Option<&str>) {
        match s {
            Some(s) => {
                self.0.update(&[1]);
                self.bytes(s.as_bytes());
            }
            None => self.0.update(&[0]),
        }
    }

    fn date(&mut self, d: Option<DateTime<FixedOffset>>) {
        match d {
            Some(d) => {
                self.0.update(&[1]);
                self.0.update(&d.timestamp().to_le_bytes());
                self.0.update(&d.timestamp_subsec_nanos().to_le_bytes());
                self.0.update(&d.offset().local_minus_utc().to_le_bytes());
            }
            None => self.0.update(&[0]),
        }
    }

    fn list<'s>(&mut self, items: impl ExactSizeIterator<Item = &'s str>) {
        self.0.update(&(items.len() as u64).to_le_bytes());
        for s in items {
            self.bytes(s.as_bytes());
        }
    }
}

/// One article as it renders: every field of the article and the slug and label of each
/// of its tags and categories.
pub(super) fn article_print(ctx: &Ctx<'_>, a: &Article) -> [u8; 16] {
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
        tags,
        categories,
        first_seen,
    } = a;
    let mut p = Print(Xxh3::new());
    p.0.update(b"article");
    for s in [id, source, title, summary, content] {
        p.bytes(s.as_bytes());
    }
    for o in [source_guid, url, image] {
        p.opt(o.as_deref());
    }
    p.date(*published);
    p.date(*updated);
    p.list(authors.iter().map(String::as_str));
    p.list(categories.iter().map(String::as_str));
    p.opt(image_meta.mime_type.as_deref());
    for n in [image_meta.width, image_meta.height] {
        p.0.update(&n.map_or(0, u64::from).to_le_bytes());
    }
    p.0.update(&(enclosures.len() as u64).to_le_bytes());
    for e in enclosures {
        p.bytes(e.url.as_bytes());
        p.opt(e.mime_type.as_deref());
        p.0.update(&e.length.map_or(u64::MAX, |l| l).to_le_bytes());
    }
    p.0.update(&first_seen.map_or(i64::MIN, |t| t.timestamp()).to_le_bytes());
    p.0.update(&(tags.len() as u64).to_le_bytes());
    for t in tags {
        p.bytes(t.key.as_bytes());
        p.bytes(t.name.as_bytes());
    }
    label_print(&mut p, ctx, a);
    p.0.digest128().to_le_bytes()
}

/// A stored article as it renders: the store's print of its whole row (every field) and
/// the slug and label of each of its tags and categories.
pub(super) fn stored_print(ctx: &Ctx<'_>, a: &Article, version: u128) -> [u8; 16] {
    let mut p = Print(Xxh3::new());
    p.0.update(b"head");
    p.0.update(&version.to_le_bytes());
    label_print(&mut p, ctx, a);
    p.0.digest128().to_le_bytes()
}

/// The part of a print that the article alone does not decide: how this build names and
/// slugs its tags and categories, and whether its link is its RSS GUID.
fn label_print(p: &mut Print, ctx: &Ctx<'_>, a: &Article) {
    // Whether its link is its GUID depends on the other articles sharing the link.
    p.0.update(&[u8::from(ctx.guid_is_link(a))]);
    for c in ctx.article_categories(a) {
        p.bytes(kind_name(c.kind).as_bytes());
        p.bytes(c.term.as_bytes());
        p.bytes(c.label.as_bytes());
    }
}
