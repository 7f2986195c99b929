//! Writing a build's articles: the hashes that tell a changed article, the dates a
//! replaced one keeps, and the upsert that rewrites only what changed.

use std::collections::HashMap;

use chrono::{DateTime, FixedOffset, Utc};
use rusqlite::{params, OptionalExtension, Transaction};
use sha2::{Digest, Sha256};

use super::record;
use super::story::match_key_hashes;
use super::{SourceState, UpsertCounts};
use crate::model::Article;

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Hash of the whole record as the source gave it (before the store dates it).
pub(super) fn record_hash(a: &Article) -> String {
    let json = serde_json::to_vec(a).unwrap_or_default();
    hex(&Sha256::digest(&json))
}

/// Hash of what a reader sees as the article's substance: a change here moves `updated`.
pub(super) fn content_hash(a: &Article) -> String {
    let mut h = Sha256::new();
    let opt = |o: &Option<String>| o.clone().unwrap_or_default();
    for part in [
        a.title.as_str(),
        a.summary.as_str(),
        a.content.as_str(),
        &opt(&a.url),
        &opt(&a.image),
    ] {
        h.update(part.as_bytes());
        h.update([0u8]);
    }
    for author in &a.authors {
        h.update(author.as_bytes());
        h.update([1u8]);
    }
    hex(&h.finalize())
}

pub(super) fn ts(t: DateTime<Utc>) -> i64 {
    t.timestamp()
}

pub(super) fn from_ts(s: i64) -> Option<DateTime<Utc>> {
    DateTime::<Utc>::from_timestamp(s, 0)
}

/// What the store keeps of one article besides the article itself.
struct Existing {
    aid: i64,
    hash: String,
    content_hash: String,
    in_source: bool,
}

/// Marks an article written or changed: its story is worked out again by the next
/// [`super::Store::write_stories`] of the pipeline.
pub(super) fn mark_pending(tx: &Transaction<'_>, aid: i64) -> rusqlite::Result<()> {
    tx.prepare_cached("INSERT INTO pending (aid) VALUES (?1) ON CONFLICT DO NOTHING")?
        .execute([aid])?;
    Ok(())
}

/// Replaces the match keys of article `aid` (`old` → `new`); a key it no longer holds is
/// pending, since the articles still holding it may now group differently.
pub(super) fn set_keys(
    tx: &Transaction<'_>,
    aid: i64,
    old: &[i64],
    new: &[i64],
) -> rusqlite::Result<()> {
    let mut del = tx.prepare_cached("DELETE FROM match_keys WHERE key = ?1 AND aid = ?2")?;
    let mut pend =
        tx.prepare_cached("INSERT INTO pending_keys (key) VALUES (?1) ON CONFLICT DO NOTHING")?;
    let mut put = tx.prepare_cached(
        "INSERT INTO match_keys (key, aid) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
    )?;
    for k in old.iter().filter(|k| !new.contains(k)) {
        del.execute(params![k, aid])?;
        pend.execute([k])?;
    }
    for k in new.iter().filter(|k| !old.contains(k)) {
        put.execute(params![k, aid])?;
    }
    Ok(())
}

/// Takes article `aid` (of this link and GUID) out of the stories: it is deleted, or its
/// source left the config. Its story is stale and its keys are pending.
pub(super) fn unstory(
    tx: &Transaction<'_>,
    aid: i64,
    url: Option<&str>,
    guid: Option<&str>,
) -> rusqlite::Result<()> {
    set_keys(tx, aid, &super::story::match_key_hashes(url, guid), &[])?;
    tx.prepare_cached(
        "INSERT INTO stale_stories (sid)
         VALUES (coalesce((SELECT sid FROM story_of WHERE aid = ?1), ?1))
         ON CONFLICT DO NOTHING",
    )?
    .execute([aid])?;
    tx.prepare_cached("DELETE FROM pending WHERE aid = ?1")?
        .execute([aid])?;
    Ok(())
}

/// Deletes the stored articles of `source` named by `ids`, taking each out of its story.
pub(super) fn delete_articles(
    tx: &Transaction<'_>,
    source: &str,
    ids: &[String],
) -> rusqlite::Result<usize> {
    let mut find = tx.prepare_cached(
        "SELECT aid, url, source_guid FROM articles WHERE source = ?1 AND id = ?2",
    )?;
    let mut article = tx.prepare_cached("DELETE FROM articles WHERE aid = ?1")?;
    let mut sighting = tx.prepare_cached("DELETE FROM sightings WHERE source = ?1 AND id = ?2")?;
    let mut n = 0;
    for id in ids {
        let found: Option<(i64, Option<String>, Option<String>)> = find
            .query_row(params![source, id], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .optional()?;
        if let Some((aid, url, guid)) = found {
            unstory(tx, aid, url.as_deref(), guid.as_deref())?;
            n += article.execute([aid])?;
        }
        sighting.execute(params![source, id])?;
    }
    Ok(n)
}

pub(super) fn save_state(
    tx: &Transaction<'_>,
    name: &str,
    s: &SourceState,
    seen_at: Option<i64>,
) -> rusqlite::Result<()> {
    tx.prepare_cached(
        "INSERT INTO sources (name, etag, last_modified, last_success, last_error,
             consecutive_failures, last_status, bytes, duration_ms, body_hash, seen_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
         ON CONFLICT (name) DO UPDATE SET etag = ?2, last_modified = ?3, last_success = ?4,
             last_error = ?5, consecutive_failures = ?6, last_status = ?7, bytes = ?8,
             duration_ms = ?9, body_hash = ?10, seen_at = coalesce(?11, seen_at)",
    )?
    .execute(params![
        name,
        s.validators.etag,
        s.validators.last_modified,
        s.last_success.map(ts),
        s.last_error,
        s.consecutive_failures,
        s.last_status,
        i64::try_from(s.bytes).unwrap_or(i64::MAX),
        i64::try_from(s.duration_ms).unwrap_or(i64::MAX),
        s.body_hash,
        seen_at,
    ])?;
    Ok(())
}

/// The dates a replaced article keeps or gets (see the module rules).
pub(super) fn redate(
    new: &mut Article,
    prev: Option<&Article>,
    content_changed: bool,
    now: DateTime<FixedOffset>,
) {
    let prev_published = prev.and_then(|p| p.published);
    let prev_updated = prev.and_then(|p| p.updated);
    if new.published.is_none() && new.updated.is_none() {
        new.published = prev_published.or(Some(now));
    }
    if content_changed {
        let floor = prev_updated.or(prev_published);
        let source_newer = match (new.updated, floor) {
            (Some(u), Some(f)) => u > f,
            (Some(_), None) => true,
            (None, _) => false,
        };
        if !source_newer {
            new.updated = Some(now);
        }
    } else if new.updated.is_none() {
        new.updated = prev_updated;
    }
}

/// Stores one source's current articles (see the module rules). Only records that changed
/// are rewritten; an article seen again as it was costs no write unless it had left the
/// source's feed. `previous_sighting` is when the source was last seen: the last sighting
/// of the articles that leave its feed now.
pub(super) fn upsert(
    tx: &Transaction<'_>,
    source: &str,
    articles: &[Article],
    now_t: DateTime<Utc>,
    previous_sighting: Option<i64>,
    counts: &mut UpsertCounts,
) -> rusqlite::Result<()> {
    let now = ts(now_t);
    let mut existing: HashMap<String, Existing> = tx
        .prepare_cached(
            "SELECT a.id, a.hash, a.content_hash, coalesce(s.in_source, 0), a.aid
             FROM articles a LEFT JOIN sightings s ON s.source = a.source AND s.id = a.id
             WHERE a.source = ?1",
        )?
        .query_map([source], |r| {
            Ok((
                r.get::<_, String>(0)?,
                Existing {
                    hash: r.get(1)?,
                    content_hash: r.get(2)?,
                    in_source: r.get::<_, i64>(3)? != 0,
                    aid: r.get(4)?,
                },
            ))
        })?
        .collect::<rusqlite::Result<_>>()?;
    let mut sighted = tx.prepare_cached(
        "INSERT INTO sightings (source, id, in_source, last_seen) VALUES (?1, ?2, 1, ?3)
         ON CONFLICT (source, id) DO UPDATE SET in_source = 1, last_seen = ?3",
    )?;
    let mut left = tx.prepare_cached(
        "UPDATE sightings SET in_source = 0, last_seen = coalesce(?3, last_seen)
         WHERE source = ?1 AND id = ?2",
    )?;
    let mut old_record = tx.prepare_cached(&format!(
        "SELECT source, id, {} FROM articles WHERE source = ?1 AND id = ?2",
        record::FIELDS
    ))?;
    let mut replace = tx.prepare_cached(record::REPLACE)?;
    let mut insert = tx.prepare_cached(record::INSERT)?;
    let now_fixed = now_t.fixed_offset();
    let mut done = std::collections::HashSet::new();
    for a in articles {
        // A source listing one id twice: the first listing wins, as in its feed.
        if !done.insert(a.id.as_str()) {
            continue;
        }
        let hash = record_hash(a);
        match existing.remove(&a.id) {
            Some(old) if old.hash == hash => {
                if !old.in_source {
                    sighted.execute(params![source, a.id, now])?;
                }
                counts.unchanged += 1;
            }
            Some(old) => {
                let chash = content_hash(a);
                // A stored record that no longer reads (a damaged date) is simply replaced.
                let prev = match old_record.query_row(params![source, a.id], record::read) {
                    Ok(p) => Some(p),
                    Err(rusqlite::Error::FromSqlConversionFailure(..))
                    | Err(rusqlite::Error::QueryReturnedNoRows) => None,
                    Err(e) => return Err(e),
                };
                let mut new = a.clone();
                redate(
                    &mut new,
                    prev.as_ref(),
                    old.content_hash != chash,
                    now_fixed,
                );
                let aid = record::write(&mut replace, source, &new, now, &hash, &chash)?;
                let old_keys = match &prev {
                    Some(p) => match_key_hashes(p.url.as_deref(), p.source_guid.as_deref()),
                    // A record that no longer reads: its keys are whatever the table holds.
                    None => tx
                        .prepare_cached("SELECT key FROM match_keys WHERE aid = ?1")?
                        .query_map([old.aid], |r| r.get(0))?
                        .collect::<rusqlite::Result<_>>()?,
                };
                let new_keys = match_key_hashes(new.url.as_deref(), new.source_guid.as_deref());
                set_keys(tx, aid, &old_keys, &new_keys)?;
                mark_pending(tx, aid)?;
                if !old.in_source {
                    sighted.execute(params![source, a.id, now])?;
                }
                counts.updated += 1;
            }
            None => {
                let mut new = a.clone();
                if new.published.is_none() && new.updated.is_none() {
                    new.published = Some(now_fixed);
                }
                let aid = record::write(&mut insert, source, &new, now, &hash, &content_hash(a))?;
                let keys = match_key_hashes(new.url.as_deref(), new.source_guid.as_deref());
                set_keys(tx, aid, &[], &keys)?;
                mark_pending(tx, aid)?;
                sighted.execute(params![source, a.id, now])?;
                counts.new += 1;
            }
        }
    }
    for (id, old) in existing {
        if old.in_source {
            left.execute(params![source, id, previous_sighting])?;
        }
    }
    Ok(())
}

/// Keeps at most `cap` stored articles of `source`: every article of its latest fetch,
/// then the others by their last sighting, newest first. Returns how many were deleted.
pub(super) fn cap_source(
    tx: &Transaction<'_>,
    source: &str,
    cap: usize,
) -> rusqlite::Result<usize> {
    let in_source: i64 = tx.query_row(
        "SELECT count(*) FROM sightings WHERE source = ?1 AND in_source = 1",
        [source],
        |r| r.get(0),
    )?;
    let room = i64::try_from(cap)
        .unwrap_or(i64::MAX)
        .saturating_sub(in_source)
        .max(0);
    let gone: Vec<String> = tx
        .prepare_cached(
            "SELECT id FROM sightings WHERE source = ?1 AND in_source = 0
             ORDER BY last_seen DESC, id DESC LIMIT -1 OFFSET ?2",
        )?
        .query_map(params![source, room], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    delete_articles(tx, source, &gone)?;
    Ok(gone.len())
}
