//! [`Store::apply`](super::Store::apply) for PostgreSQL: the rules of
//! [`super::write`], in batched statements.
//!
//! A source's articles are classified in memory against one read of what is stored for it
//! (hash, content hash, sighting, handle); then the new ones are inserted, the changed ones
//! updated, sightings, match keys and pending marks written, each as one statement over
//! `unnest` arrays (in chunks of [`CHUNK_ROWS`] rows or [`CHUNK_BYTES`] of text, so that no
//! statement grows with the source). The whole apply is one transaction, and holds the
//! transaction-level advisory lock [`WRITE_LOCK`]: applies of several processes run one
//! after the other, so new handles (`max(aid) + 1`) never collide and are committed in
//! order.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Utc};
use postgres::Transaction;

use super::postgres::R;
use super::postgres_record as rec;
use super::record::{date_text, json, media_json};
use super::story::{article_print, match_key_hashes};
use super::write::{content_hash, record_hash, redate};
use super::{Applied, BuildChanges, SourceArticles, SourceState, UpsertCounts};
use crate::model::Article;

/// The advisory lock key (transaction level) every apply holds.
pub(super) const WRITE_LOCK: i64 = -0x6665_6564_7772_6974;

/// Rows per batched statement.
const CHUNK_ROWS: usize = 500;
/// Bytes of text per batched statement (a statement also ends at [`CHUNK_ROWS`]).
const CHUNK_BYTES: usize = 8 * 1024 * 1024;

/// Marks articles written or changed pending (see [`super::write::mark_pending`]); an
/// article already pending gets a new mark.
pub(super) fn mark_pending(tx: &mut Transaction<'_>, aids: &[i64]) -> R<()> {
    let mut aids = aids.to_vec();
    aids.sort_unstable();
    aids.dedup();
    tx.execute(
        "INSERT INTO pending (aid) SELECT unnest($1::bigint[])
         ON CONFLICT (aid) DO UPDATE SET seq = nextval('pending_seq')",
        &[&aids],
    )?;
    Ok(())
}

/// Replaces match keys: for each `(aid, old, new)`, the keys in `old` only are deleted
/// (and pending), those in `new` only added.
pub(super) fn set_keys(tx: &mut Transaction<'_>, changes: &[(i64, Vec<i64>, Vec<i64>)]) -> R<()> {
    let (mut del_k, mut del_a, mut add_k, mut add_a) = (vec![], vec![], vec![], vec![]);
    for (aid, old, new) in changes {
        for k in old.iter().filter(|k| !new.contains(k)) {
            del_k.push(*k);
            del_a.push(*aid);
        }
        for k in new.iter().filter(|k| !old.contains(k)) {
            add_k.push(*k);
            add_a.push(*aid);
        }
    }
    if !del_k.is_empty() {
        tx.execute(
            "DELETE FROM match_keys m USING unnest($1::bigint[], $2::bigint[]) AS d(key, aid)
             WHERE m.key = d.key AND m.aid = d.aid",
            &[&del_k, &del_a],
        )?;
        tx.execute(
            "INSERT INTO pending_keys (key) SELECT DISTINCT unnest($1::bigint[])
             ON CONFLICT DO NOTHING",
            &[&del_k],
        )?;
    }
    if !add_k.is_empty() {
        tx.execute(
            "INSERT INTO match_keys (key, aid) SELECT * FROM unnest($1::bigint[], $2::bigint[])
             ON CONFLICT DO NOTHING",
            &[&add_k, &add_a],
        )?;
    }
    Ok(())
}

/// An article's handle, link and GUID.
type KeyRow = (i64, Option<String>, Option<String>);

/// Takes articles out of the stories (see [`super::write::unstory`]).
pub(super) fn unstory(tx: &mut Transaction<'_>, rows: &[KeyRow]) -> R<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let keys: Vec<(i64, Vec<i64>, Vec<i64>)> = rows
        .iter()
        .map(|(aid, url, guid)| {
            (
                *aid,
                match_key_hashes(url.as_deref(), guid.as_deref()),
                vec![],
            )
        })
        .collect();
    set_keys(tx, &keys)?;
    let aids: Vec<i64> = rows.iter().map(|r| r.0).collect();
    tx.execute(
        "INSERT INTO stale_stories (sid)
         SELECT DISTINCT coalesce(o.sid, a.aid) FROM unnest($1::bigint[]) AS a(aid)
         LEFT JOIN story_of o ON o.aid = a.aid
         ON CONFLICT DO NOTHING",
        &[&aids],
    )?;
    tx.execute("DELETE FROM pending WHERE aid = ANY($1)", &[&aids])?;
    Ok(())
}

/// Deletes the stored articles of `source` named by `ids`, taking each out of its story.
fn delete_articles(tx: &mut Transaction<'_>, source: &str, ids: &[String]) -> R<usize> {
    if ids.is_empty() {
        return Ok(0);
    }
    let rows: Vec<KeyRow> = tx
        .query(
            "SELECT aid, url, source_guid FROM articles WHERE source = $1 AND id = ANY($2)",
            &[&source, &ids],
        )?
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect();
    unstory(tx, &rows)?;
    let aids: Vec<i64> = rows.iter().map(|r| r.0).collect();
    let n = tx.execute("DELETE FROM articles WHERE aid = ANY($1)", &[&aids])?;
    tx.execute(
        "DELETE FROM sightings WHERE source = $1 AND id = ANY($2)",
        &[&source, &ids],
    )?;
    Ok(usize::try_from(n).unwrap_or(usize::MAX))
}

fn source_rows(tx: &mut Transaction<'_>, source: &str) -> R<Vec<KeyRow>> {
    Ok(tx
        .query(
            "SELECT aid, url, source_guid FROM articles WHERE source = $1",
            &[&source],
        )?
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect())
}

fn save_state(tx: &mut Transaction<'_>, name: &str, s: &SourceState, seen: Option<i64>) -> R<()> {
    tx.execute(
        "INSERT INTO sources (name, etag, last_modified, last_success, last_error,
             consecutive_failures, last_status, bytes, duration_ms, body_hash, seen_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
         ON CONFLICT (name) DO UPDATE SET etag = $2, last_modified = $3, last_success = $4,
             last_error = $5, consecutive_failures = $6, last_status = $7, bytes = $8,
             duration_ms = $9, body_hash = $10, seen_at = coalesce($11, sources.seen_at)",
        &[
            &name,
            &s.validators.etag,
            &s.validators.last_modified,
            &s.last_success.map(|t| t.timestamp()),
            &s.last_error,
            &i64::from(s.consecutive_failures),
            &s.last_status.map(i32::from),
            &i64::try_from(s.bytes).unwrap_or(i64::MAX),
            &i64::try_from(s.duration_ms).unwrap_or(i64::MAX),
            &s.body_hash,
            &seen,
        ],
    )?;
    Ok(())
}

/// One article to write, with its handle and hashes.
struct Write {
    aid: i64,
    article: Article,
    hash: String,
    content_hash: String,
}

/// Column arrays of a chunk of [`Write`]s, in the order of [`INSERT`] and [`UPDATE`]'s
/// `unnest` (after `$1` source and `$2` first_seen).
#[derive(Default)]
struct Columns {
    id: Vec<String>,
    aid: Vec<i64>,
    hash: Vec<String>,
    content_hash: Vec<String>,
    guid: Vec<Option<String>>,
    url: Vec<Option<String>>,
    title: Vec<String>,
    summary: Vec<String>,
    content: Vec<String>,
    authors: Vec<String>,
    published: Vec<Option<String>>,
    updated: Vec<Option<String>>,
    image: Vec<Option<String>>,
    tags: Vec<String>,
    categories: Vec<String>,
    media: Vec<Option<String>>,
    print: Vec<Vec<u8>>,
}

const UNNEST: &str = "unnest($3::text[], $4::bigint[], $5::text[], $6::text[], $7::text[],
        $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[],
        $14::text[], $15::text[], $16::text[], $17::text[], $18::text[], $19::bytea[])
    AS u(id, aid, hash, content_hash, source_guid, url, title, summary, content, authors,
        published, updated, image, tags, categories, media, print)";

/// `s` without NUL characters, which PostgreSQL's text cannot hold (the normalizer drops
/// them, with every character XML does not allow, before an article reaches the store; this
/// keeps an article that bypassed it from failing the whole build). The lists (authors,
/// tags, categories) are JSON, which escapes them.
fn no_nul(s: String) -> String {
    if s.contains('\0') {
        s.replace('\0', "")
    } else {
        s
    }
}

fn write_chunks(
    tx: &mut Transaction<'_>,
    sql: &str,
    source: &str,
    first_seen: i64,
    writes: Vec<Write>,
) -> R<()> {
    let mut it = writes.into_iter().peekable();
    while it.peek().is_some() {
        let mut c = Columns::default();
        let mut bytes = 0;
        while let Some(w) = it.next_if(|_| c.id.len() < CHUNK_ROWS && bytes < CHUNK_BYTES) {
            let a = w.article;
            bytes += a.title.len() + a.summary.len() + a.content.len() + 256;
            c.print.push(article_print(&a).to_vec());
            c.authors.push(json(&a.authors));
            c.published.push(date_text(a.published));
            c.updated.push(date_text(a.updated));
            c.tags.push(json(&a.tags));
            c.categories.push(json(&a.categories));
            c.media.push(media_json(&a));
            c.aid.push(w.aid);
            c.hash.push(w.hash);
            c.content_hash.push(w.content_hash);
            c.guid.push(a.source_guid.map(no_nul));
            c.url.push(a.url.map(no_nul));
            c.image.push(a.image.map(no_nul));
            c.title.push(no_nul(a.title));
            c.summary.push(no_nul(a.summary));
            c.content.push(no_nul(a.content));
            c.id.push(a.id);
        }
        tx.execute(
            sql,
            &[
                &source,
                &first_seen,
                &c.id,
                &c.aid,
                &c.hash,
                &c.content_hash,
                &c.guid,
                &c.url,
                &c.title,
                &c.summary,
                &c.content,
                &c.authors,
                &c.published,
                &c.updated,
                &c.image,
                &c.tags,
                &c.categories,
                &c.media,
                &c.print,
            ],
        )?;
    }
    Ok(())
}

fn insert_sql() -> String {
    format!(
        "INSERT INTO articles (source, id, aid, first_seen, hash, content_hash, source_guid,
             url, title, summary, content, authors, published, updated, image, tags,
             categories, media, print)
         SELECT $1, u.id, u.aid, $2, u.hash, u.content_hash, u.source_guid, u.url, u.title,
             u.summary, u.content, u.authors, u.published, u.updated, u.image, u.tags,
             u.categories, u.media, u.print
         FROM {UNNEST}"
    )
}

fn update_sql() -> String {
    // `$2` (first_seen) is not written: it never moves. It is named so the parameter types
    // are those of the insert.
    format!(
        "UPDATE articles a SET hash = u.hash, content_hash = u.content_hash,
             source_guid = u.source_guid, url = u.url, title = u.title, summary = u.summary,
             content = u.content, authors = u.authors, published = u.published,
             updated = u.updated, image = u.image, tags = u.tags, categories = u.categories,
             media = u.media, print = u.print
         FROM {UNNEST}
         WHERE a.source = $1 AND a.id = u.id AND $2::bigint IS NOT NULL"
    )
}

/// What is stored of one article besides the article itself.
struct Existing {
    aid: i64,
    hash: String,
    content_hash: String,
    in_source: bool,
}

/// Stores one source's current articles (see [`super::write::upsert`]).
fn upsert(
    tx: &mut Transaction<'_>,
    source: &str,
    articles: &[Article],
    now_t: DateTime<Utc>,
    previous_sighting: Option<i64>,
    next_aid: &mut i64,
    counts: &mut UpsertCounts,
) -> R<()> {
    let now = now_t.timestamp();
    let mut existing: HashMap<String, Existing> = tx
        .query(
            "SELECT a.id, a.hash, a.content_hash, coalesce(s.in_source, false), a.aid
             FROM articles a LEFT JOIN sightings s ON s.source = a.source AND s.id = a.id
             WHERE a.source = $1",
            &[&source],
        )?
        .iter()
        .map(|r| {
            (
                r.get(0),
                Existing {
                    hash: r.get(1),
                    content_hash: r.get(2),
                    in_source: r.get(3),
                    aid: r.get(4),
                },
            )
        })
        .collect();
    let now_fixed = now_t.fixed_offset();
    let mut done = HashSet::new();
    let mut sighted: Vec<String> = Vec::new();
    let mut inserts: Vec<Write> = Vec::new();
    let mut changed: Vec<(&Article, Existing, String)> = Vec::new();
    for a in articles {
        // A source listing one id twice: the first listing wins, as in its feed.
        if !done.insert(a.id.as_str()) {
            continue;
        }
        let hash = record_hash(a);
        match existing.remove(&a.id) {
            Some(old) if old.hash == hash => {
                if !old.in_source {
                    sighted.push(a.id.clone());
                }
                counts.unchanged += 1;
            }
            Some(old) => changed.push((a, old, hash)),
            None => {
                let mut new = a.clone();
                if new.published.is_none() && new.updated.is_none() {
                    new.published = Some(now_fixed);
                }
                let aid = *next_aid;
                *next_aid += 1;
                inserts.push(Write {
                    aid,
                    content_hash: content_hash(a),
                    hash,
                    article: new,
                });
                sighted.push(a.id.clone());
                counts.new += 1;
            }
        }
    }
    let mut keys: Vec<(i64, Vec<i64>, Vec<i64>)> = Vec::new();
    let mut pend: Vec<i64> = Vec::new();
    for w in &inserts {
        let a = &w.article;
        keys.push((
            w.aid,
            vec![],
            match_key_hashes(a.url.as_deref(), a.source_guid.as_deref()),
        ));
        pend.push(w.aid);
    }
    let mut updates: Vec<Write> = Vec::with_capacity(changed.len());
    if !changed.is_empty() {
        let ids: Vec<&str> = changed.iter().map(|c| c.0.id.as_str()).collect();
        let sql = format!(
            "SELECT source, id, {} FROM articles WHERE source = $1 AND id = ANY($2)",
            rec::FIELDS
        );
        // A stored record that no longer reads (a damaged date) is simply replaced.
        let mut prev: HashMap<String, Option<Article>> = HashMap::new();
        for r in tx.query(&sql, &[&source, &ids])? {
            prev.insert(r.get(1), rec::read(&r, 0).ok());
        }
        let unreadable: Vec<i64> = changed
            .iter()
            .filter(|(a, _, _)| prev.get(&a.id).is_none_or(|p| p.is_none()))
            .map(|(_, old, _)| old.aid)
            .collect();
        let mut stored_keys: HashMap<i64, Vec<i64>> = HashMap::new();
        if !unreadable.is_empty() {
            for r in tx.query(
                "SELECT aid, key FROM match_keys WHERE aid = ANY($1)",
                &[&unreadable],
            )? {
                stored_keys.entry(r.get(0)).or_default().push(r.get(1));
            }
        }
        for (a, old, hash) in changed {
            let chash = content_hash(a);
            let p = prev.remove(&a.id).flatten();
            let mut new = a.clone();
            redate(&mut new, p.as_ref(), old.content_hash != chash, now_fixed);
            let old_keys = match &p {
                Some(p) => match_key_hashes(p.url.as_deref(), p.source_guid.as_deref()),
                None => stored_keys.remove(&old.aid).unwrap_or_default(),
            };
            let new_keys = match_key_hashes(new.url.as_deref(), new.source_guid.as_deref());
            keys.push((old.aid, old_keys, new_keys));
            pend.push(old.aid);
            if !old.in_source {
                sighted.push(a.id.clone());
            }
            updates.push(Write {
                aid: old.aid,
                article: new,
                hash,
                content_hash: chash,
            });
            counts.updated += 1;
        }
    }
    write_chunks(tx, &insert_sql(), source, now, inserts)?;
    write_chunks(tx, &update_sql(), source, now, updates)?;
    set_keys(tx, &keys)?;
    mark_pending(tx, &pend)?;
    if !sighted.is_empty() {
        tx.execute(
            "INSERT INTO sightings (source, id, in_source, last_seen)
             SELECT $1, unnest($2::text[]), true, $3
             ON CONFLICT (source, id) DO UPDATE SET in_source = true, last_seen = excluded.last_seen",
            &[&source, &sighted, &now],
        )?;
    }
    let left: Vec<String> = existing
        .into_iter()
        .filter(|(_, old)| old.in_source)
        .map(|(id, _)| id)
        .collect();
    if !left.is_empty() {
        tx.execute(
            "UPDATE sightings SET in_source = false, last_seen = coalesce($3, last_seen)
             WHERE source = $1 AND id = ANY($2)",
            &[&source, &left, &previous_sighting],
        )?;
    }
    Ok(())
}

/// Keeps at most `cap` stored articles of `source` (see [`super::write::cap_source`]).
fn cap_source(tx: &mut Transaction<'_>, source: &str, cap: usize) -> R<usize> {
    let in_source: i64 = tx
        .query_one(
            "SELECT count(*) FROM sightings WHERE source = $1 AND in_source",
            &[&source],
        )?
        .get(0);
    let room = i64::try_from(cap)
        .unwrap_or(i64::MAX)
        .saturating_sub(in_source)
        .max(0);
    let gone: Vec<String> = tx
        .query(
            "SELECT id FROM sightings WHERE source = $1 AND NOT in_source
             ORDER BY last_seen DESC, id DESC OFFSET $2",
            &[&source, &room],
        )?
        .iter()
        .map(|r| r.get(0))
        .collect();
    delete_articles(tx, source, &gone)?;
    Ok(gone.len())
}

/// Applies one build's changes in the caller's transaction (see [`super::Store::apply`]).
pub(super) fn apply_tx(tx: &mut Transaction<'_>, changes: &BuildChanges) -> R<Applied> {
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&WRITE_LOCK])?;
    let mut applied = Applied::default();
    let now = changes.now.timestamp();
    if let Some(keep) = &changes.keep_only {
        let names: Vec<String> = tx
            .query(
                "SELECT name FROM sources UNION SELECT DISTINCT source FROM sightings",
                &[],
            )?
            .iter()
            .map(|r| r.get(0))
            .collect();
        for name in names {
            if keep.contains(&name) {
                let restored = tx.execute(
                    "UPDATE sources SET removed_at = NULL WHERE name = $1 AND removed_at IS NOT NULL",
                    &[&name],
                )?;
                if restored > 0 {
                    // Back in the feeds: its articles are worked into stories again.
                    let rows = source_rows(tx, &name)?;
                    let keys: Vec<(i64, Vec<i64>, Vec<i64>)> = rows
                        .iter()
                        .map(|(aid, url, guid)| {
                            (
                                *aid,
                                vec![],
                                match_key_hashes(url.as_deref(), guid.as_deref()),
                            )
                        })
                        .collect();
                    set_keys(tx, &keys)?;
                    mark_pending(tx, &rows.iter().map(|r| r.0).collect::<Vec<_>>())?;
                }
                applied.restored += usize::try_from(restored).unwrap_or(0);
            } else {
                // Hidden from the feeds at once; deleted when its grace period is over.
                let removed = tx.execute(
                    "INSERT INTO sources (name, removed_at) VALUES ($1, $2)
                     ON CONFLICT (name) DO UPDATE SET removed_at = $2
                         WHERE sources.removed_at IS NULL",
                    &[&name, &now],
                )?;
                if removed > 0 {
                    let rows = source_rows(tx, &name)?;
                    unstory(tx, &rows)?;
                }
                applied.removed += usize::try_from(removed).unwrap_or(0);
            }
        }
    }
    let mut next_aid: Option<i64> = None;
    for update in &changes.sources {
        let previous_sighting: Option<i64> = tx
            .query_opt(
                "SELECT seen_at FROM sources WHERE name = $1",
                &[&update.name],
            )?
            .and_then(|r| r.get(0));
        let mut counts = UpsertCounts::default();
        let seen_at = match &update.articles {
            SourceArticles::Fresh(articles) => {
                let next = match next_aid {
                    Some(n) => n,
                    None => tx
                        .query_one("SELECT coalesce(max(aid), 0) + 1 FROM articles", &[])?
                        .get::<_, i64>(0),
                };
                let mut n = next;
                upsert(
                    tx,
                    &update.name,
                    articles,
                    changes.now,
                    previous_sighting,
                    &mut n,
                    &mut counts,
                )?;
                next_aid = Some(n);
                Some(now)
            }
            // Seen again: that is the source's sighting, not a write per article.
            SourceArticles::Seen => Some(now),
            SourceArticles::Kept => None,
        };
        if let (SourceArticles::Fresh(_), Some(cap)) = (&update.articles, changes.stored_per_source)
        {
            counts.capped = cap_source(tx, &update.name, cap)?;
        }
        save_state(tx, &update.name, &update.state, seen_at)?;
        applied.sources.insert(update.name.clone(), counts);
    }
    if let Some(before) = changes.prune_before {
        let before = before.timestamp();
        let gone: Vec<String> = tx
            .query("SELECT name FROM sources WHERE removed_at < $1", &[&before])?
            .iter()
            .map(|r| r.get(0))
            .collect();
        for name in gone {
            // Its articles left the stories when it was removed.
            let n = tx.execute("DELETE FROM articles WHERE source = $1", &[&name])?;
            applied.forgotten += usize::try_from(n).unwrap_or(0);
            tx.execute("DELETE FROM sightings WHERE source = $1", &[&name])?;
            tx.execute("DELETE FROM sources WHERE name = $1", &[&name])?;
        }
        let mut by_source: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for r in tx.query(
            "SELECT source, id FROM sightings WHERE NOT in_source AND last_seen < $1
             ORDER BY source, id",
            &[&before],
        )? {
            by_source.entry(r.get(0)).or_default().push(r.get(1));
        }
        for (source, ids) in by_source {
            applied.pruned += delete_articles(tx, &source, &ids)?;
        }
    }
    let names: Vec<&String> = applied.sources.keys().collect();
    let totals: HashMap<String, (i64, i64)> = tx
        .query(
            "SELECT source, count(*), count(*) FILTER (WHERE in_source)
             FROM sightings WHERE source = ANY($1) GROUP BY source",
            &[&names],
        )?
        .iter()
        .map(|r| (r.get(0), (r.get(1), r.get(2))))
        .collect();
    for (name, counts) in applied.sources.iter_mut() {
        let (stored, in_source) = totals.get(name).copied().unwrap_or_default();
        counts.stored = usize::try_from(stored).unwrap_or(0);
        counts.in_source = usize::try_from(in_source).unwrap_or(0);
    }
    Ok(applied)
}
