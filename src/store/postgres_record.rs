//! How an [`Article`] (and an article page) is laid out in a PostgreSQL row: the columns of
//! [`super::record`] (text fields, RFC 3339 dates, JSON lists), read from `postgres` rows.

use std::collections::HashSet;

use chrono::{DateTime, FixedOffset, Utc};
use postgres::Row;

use super::postgres::{Fail, R};
use super::record::{plain_strings, plain_tags, version, Media};
use super::{ArticleHead, ArticlePage};
use crate::fetch::Validators;
use crate::model::{Article, Tag};

/// The article columns after `source, id`, as [`read`] expects them.
pub(super) const FIELDS: &str = super::record::FIELDS;

/// [`FIELDS`] of the table aliased `a`.
pub(super) const FIELDS_OF_A: &str = "a.source_guid, a.url, a.title, a.summary, a.content, \
     a.authors, a.published, a.updated, a.image, a.tags, a.categories, a.media, a.first_seen";

/// The head columns, in the order [`read_head`] expects them.
pub(super) const HEAD_FIELDS: &str = super::record::HEAD_FIELDS;

/// The complete article's columns with its hash, in the order [`read_complete_head`]
/// expects them.
pub(super) const COMPLETE_HEAD_FIELDS: &str = super::record::COMPLETE_HEAD_FIELDS;

/// Unix seconds as a time.
pub(super) fn from_ts(s: i64) -> Option<DateTime<Utc>> {
    DateTime::<Utc>::from_timestamp(s, 0)
}

fn date(s: Option<&str>) -> R<Option<DateTime<FixedOffset>>> {
    s.map(|s| DateTime::parse_from_rfc3339(s).map_err(|e| Fail(format!("stored date {s:?}: {e}"))))
        .transpose()
}

fn strings(s: &str) -> R<Vec<String>> {
    match plain_strings(s) {
        Some(v) => Ok(v),
        None => serde_json::from_str(s).map_err(|e| Fail(format!("stored list {s:?}: {e}"))),
    }
}

fn tags(s: &str) -> R<Vec<Tag>> {
    match plain_tags(s) {
        Some(v) => Ok(v),
        None => serde_json::from_str(s).map_err(|e| Fail(format!("stored tags {s:?}: {e}"))),
    }
}

fn media(s: Option<&str>) -> R<Media> {
    match s {
        None => Ok(Media::default()),
        Some(s) => serde_json::from_str(s).map_err(|e| Fail(format!("stored media {s:?}: {e}"))),
    }
}

/// Reads an article from a row whose `source, id, ` + [`FIELDS`] start at column `at`.
pub(super) fn read(r: &Row, at: usize) -> R<Article> {
    let media = media(r.get(at + 13))?;
    Ok(Article {
        source: r.get(at),
        id: r.get(at + 1),
        source_guid: r.get(at + 2),
        url: r.get(at + 3),
        title: r.get(at + 4),
        summary: r.get(at + 5),
        content: r.get(at + 6),
        authors: strings(r.get(at + 7))?,
        published: date(r.get(at + 8))?,
        updated: date(r.get(at + 9))?,
        image: r.get(at + 10),
        image_meta: media.image,
        enclosures: media.enclosures,
        tags: tags(r.get(at + 11))?,
        categories: strings(r.get(at + 12))?,
        first_seen: r.get::<_, Option<i64>>(at + 14).and_then(from_ts),
    })
}

/// Reads a complete article and its version from a row selecting
/// [`COMPLETE_HEAD_FIELDS`].
pub(super) fn read_complete_head(r: &Row) -> R<ArticleHead> {
    let v = version(r.get(15), r.get(8), r.get(9));
    Ok(ArticleHead {
        article: read(r, 0)?,
        text: true,
        version: Some(v),
    })
}

/// Reads an article head (no text) and its version from a row selecting [`HEAD_FIELDS`].
pub(super) fn read_head(r: &Row) -> R<ArticleHead> {
    let published: Option<&str> = r.get(3);
    let updated: Option<&str> = r.get(4);
    let v = version(r.get(2), published, updated);
    Ok(ArticleHead {
        article: Article {
            source: r.get(0),
            id: r.get(1),
            published: date(published)?,
            updated: date(updated)?,
            url: r.get(5),
            source_guid: r.get(6),
            tags: tags(r.get(7))?,
            categories: strings(r.get(8))?,
            first_seen: r.get::<_, Option<i64>>(9).and_then(from_ts),
            ..Article::default()
        },
        text: false,
        version: Some(v),
    })
}

/// The columns of a story head (after the article's handle), as [`read_story_head`]
/// expects them.
pub(super) const STORY_HEAD_FIELDS: &str = super::record::STORY_HEAD_FIELDS;

/// An article without its text from [`STORY_HEAD_FIELDS`] at column `at`, and its print.
pub(super) fn read_story_head(r: &Row, at: usize) -> R<(Article, Option<[u8; 16]>)> {
    let print = r
        .get::<_, Option<&[u8]>>(at + 8)
        .and_then(|b| <[u8; 16]>::try_from(b).ok());
    Ok((
        Article {
            source: r.get(at),
            id: r.get(at + 1),
            source_guid: r.get(at + 2),
            url: r.get(at + 3),
            published: date(r.get(at + 4))?,
            updated: date(r.get(at + 5))?,
            tags: tags(r.get(at + 6))?,
            categories: strings(r.get(at + 7))?,
            ..Article::default()
        },
        print,
    ))
}

/// Every page kept for `source`, by id.
pub(super) fn read_pages(c: &mut postgres::Client, source: &str) -> R<Vec<ArticlePage>> {
    let rows = c.query(
        "SELECT source, id, url, entry, etag, last_modified, error, retry, attempts, content,
                origin, chars, fetched_at
         FROM article_pages WHERE source = $1 ORDER BY id",
        &[&source],
    )?;
    Ok(rows
        .iter()
        .map(|r| ArticlePage {
            source: r.get(0),
            id: r.get(1),
            url: r.get(2),
            entry: r.get(3),
            validators: Validators {
                etag: r.get(4),
                last_modified: r.get(5),
            },
            error: r.get(6),
            retry: r.get(7),
            attempts: u32::try_from(r.get::<_, i64>(8)).unwrap_or(u32::MAX),
            content: r.get(9),
            origin: r.get(10),
            chars: usize::try_from(r.get::<_, i64>(11)).unwrap_or(0),
            fetched_at: r.get::<_, Option<i64>>(12).and_then(from_ts),
        })
        .collect())
}

/// Upserts `pages` and forgets the pages of articles no longer stored (but those in
/// `keep`), in the caller's transaction.
pub(super) fn save_pages(
    tx: &mut postgres::Transaction<'_>,
    pages: &[ArticlePage],
    keep: &[(&str, &str)],
) -> R<()> {
    let st = tx.prepare(
        "INSERT INTO article_pages
            (source, id, url, entry, etag, last_modified, error, retry, attempts, content,
             origin, chars, fetched_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
         ON CONFLICT (source, id) DO UPDATE SET url = excluded.url, entry = excluded.entry,
             etag = excluded.etag, last_modified = excluded.last_modified,
             error = excluded.error, retry = excluded.retry, attempts = excluded.attempts,
             content = excluded.content, origin = excluded.origin, chars = excluded.chars,
             fetched_at = excluded.fetched_at",
    )?;
    // One statement a page: a build fetches at most `limits.full_text_pages` per source.
    for p in pages {
        tx.execute(
            &st,
            &[
                &p.source,
                &p.id,
                &p.url,
                &p.entry,
                &p.validators.etag,
                &p.validators.last_modified,
                &p.error,
                &p.retry,
                &i64::from(p.attempts),
                &p.content,
                &p.origin,
                &i64::try_from(p.chars).unwrap_or(i64::MAX),
                &p.fetched_at.map(|t| t.timestamp()),
            ],
        )?;
    }
    let keep: HashSet<(&str, &str)> = keep.iter().copied().collect();
    let orphans: Vec<(String, String)> = tx
        .query(
            "SELECT source, id FROM article_pages p WHERE NOT EXISTS
                (SELECT 1 FROM articles a WHERE a.source = p.source AND a.id = p.id)",
            &[],
        )?
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .filter(|(s, i): &(String, String)| !keep.contains(&(s.as_str(), i.as_str())))
        .collect();
    let (sources, ids): (Vec<String>, Vec<String>) = orphans.into_iter().unzip();
    tx.execute(
        "DELETE FROM article_pages p USING unnest($1::text[], $2::text[]) AS o(source, id)
         WHERE p.source = o.source AND p.id = o.id",
        &[&sources, &ids],
    )?;
    Ok(())
}
