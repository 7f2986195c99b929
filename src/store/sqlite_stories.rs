//! The SQLite side of stories and feed membership (see [`super::story`]).
//!
//! `stories` holds one row per story (keyed by its representative article's handle) with
//! its rank, link, print, feeds and parts; `members` one row per (feed, story), its primary
//! key (feed, rank, story) being the index that answers "the newest `items` of feed F" with
//! a range read. `story_of` maps the other articles of a merged story to it. `pending`,
//! `pending_keys` and `stale_stories` hold what waits to be worked into stories;
//! `dirty_feeds` the feeds to render. Every statement is plain SQL a server database runs
//! as it is (integer keys, `RETURNING`, `ON CONFLICT`, `UPDATE ... FROM`), with blobs for
//! prints (`bytea` there).

use std::collections::HashMap;

use rusqlite::{params, Connection, OptionalExtension, Row, Transaction};

use super::record;
use super::story::{FeedKey, FeedRow, Member, Pending, Rank, StoryHead, StoryRow, StoryWrite};
use crate::model::Article;

fn list(text: Option<String>) -> Vec<i64> {
    text.and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_default()
}

fn list_text(v: &[i64]) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "[]".into())
}

fn print_at(r: &Row<'_>, idx: usize) -> rusqlite::Result<[u8; 16]> {
    let b = r.get_ref(idx)?.as_blob()?;
    Ok(<[u8; 16]>::try_from(b).unwrap_or_default())
}

/// The story columns, in the order [`story_at`] reads them.
const STORY_FIELDS: &str =
    "st.sid, st.ts, st.ns, st.link, st.owner, st.print, st.feeds, st.parts, st.names";

/// A story from [`STORY_FIELDS`] at column `at`; `None` when the row holds no story (an
/// outer join that found none).
fn story_at(r: &Row<'_>, at: usize) -> rusqlite::Result<Option<StoryRow>> {
    let Some(sid) = r.get::<_, Option<i64>>(at)? else {
        return Ok(None);
    };
    Ok(Some(StoryRow {
        sid,
        rank: Rank {
            ts: r.get(at + 1)?,
            ns: r.get(at + 2)?,
        },
        link: r.get(at + 3)?,
        owner: r.get::<_, i64>(at + 4)? != 0,
        print: print_at(r, at + 5)?,
        feeds: list(r.get(at + 6)?),
        parts: list(r.get(at + 7)?),
        names: r.get(at + 8)?,
    }))
}

/// A head query: an article, whether its source was removed, and its current story.
fn head_query(condition: &str) -> String {
    format!(
        "SELECT a.aid, {}, a.source IN (SELECT name FROM sources WHERE removed_at IS NOT NULL),
             {STORY_FIELDS}
         FROM articles a
         LEFT JOIN story_of o ON o.aid = a.aid
         LEFT JOIN stories st ON st.sid = coalesce(o.sid, a.aid)
         {condition}",
        record::STORY_HEAD_FIELDS
    )
}

fn head_at(r: &Row<'_>) -> rusqlite::Result<StoryHead> {
    let (head, print) = record::read_story_head(r, 1)?;
    Ok(StoryHead {
        aid: r.get(0)?,
        head,
        print,
        removed: r.get::<_, i64>(10)? != 0,
        story: story_at(r, 11)?,
    })
}

pub(super) fn pending(conn: &Connection) -> rusqlite::Result<Pending> {
    let articles: i64 = conn.query_row("SELECT count(*) FROM pending", [], |r| r.get(0))?;
    let col = |sql: &str| -> rusqlite::Result<Vec<i64>> {
        conn.prepare(sql)?.query_map([], |r| r.get(0))?.collect()
    };
    Ok(Pending {
        articles: usize::try_from(articles).unwrap_or(0),
        keys: col("SELECT key FROM pending_keys ORDER BY key")?,
        stories: col("SELECT sid FROM stale_stories ORDER BY sid")?,
    })
}

pub(super) fn pending_heads(
    conn: &Connection,
    after: i64,
    limit: usize,
) -> rusqlite::Result<Vec<StoryHead>> {
    let sql =
        head_query("JOIN pending p ON p.aid = a.aid WHERE p.aid > ?1 ORDER BY p.aid LIMIT ?2");
    conn.prepare_cached(&sql)?
        .query_map(
            params![after, i64::try_from(limit).unwrap_or(i64::MAX)],
            head_at,
        )?
        .collect()
}

pub(super) fn story_heads(conn: &Connection, aids: &[i64]) -> rusqlite::Result<Vec<StoryHead>> {
    let mut st = conn.prepare_cached(&head_query("WHERE a.aid = ?1"))?;
    let mut out = Vec::with_capacity(aids.len());
    for aid in aids {
        if let Some(h) = st.query_row([aid], head_at).optional()? {
            out.push(h);
        }
    }
    Ok(out)
}

pub(super) fn key_members(conn: &Connection, keys: &[i64]) -> rusqlite::Result<Vec<(i64, i64)>> {
    let mut st = conn.prepare_cached("SELECT key, aid FROM match_keys WHERE key = ?1")?;
    let mut out = Vec::new();
    for k in keys {
        for row in st.query_map([k], |r| Ok((r.get(0)?, r.get(1)?)))? {
            out.push(row?);
        }
    }
    Ok(out)
}

pub(super) fn shared_keys(conn: &Connection) -> rusqlite::Result<Vec<i64>> {
    conn.prepare("SELECT key FROM match_keys GROUP BY key HAVING count(*) > 1")?
        .query_map([], |r| r.get(0))?
        .collect()
}

fn stories_where(
    conn: &Connection,
    condition: &str,
    values: &[i64],
) -> rusqlite::Result<Vec<StoryRow>> {
    let mut st = conn.prepare_cached(&format!(
        "SELECT {STORY_FIELDS} FROM stories st {condition}"
    ))?;
    let mut out = Vec::new();
    for v in values {
        for row in st.query_map([v], |r| story_at(r, 0))? {
            out.extend(row?);
        }
    }
    Ok(out)
}

pub(super) fn stories(conn: &Connection, sids: &[i64]) -> rusqlite::Result<Vec<StoryRow>> {
    stories_where(conn, "WHERE st.sid = ?1", sids)
}

pub(super) fn stories_with_links(
    conn: &Connection,
    links: &[i64],
) -> rusqlite::Result<Vec<StoryRow>> {
    stories_where(conn, "WHERE st.link = ?1", links)
}

pub(super) fn articles_by_aid(
    conn: &Connection,
    aids: &[i64],
) -> rusqlite::Result<Vec<(i64, Article)>> {
    let mut st = conn.prepare_cached(&format!(
        "SELECT source, id, {} FROM articles WHERE aid = ?1",
        record::FIELDS
    ))?;
    let mut out = Vec::with_capacity(aids.len());
    for &aid in aids {
        if let Some(a) = st.query_row([aid], record::read).optional()? {
            out.push((aid, a));
        }
    }
    Ok(out)
}

pub(super) fn story_idents(
    conn: &Connection,
    sids: &[i64],
) -> rusqlite::Result<Vec<(i64, String, String)>> {
    let mut st = conn.prepare_cached("SELECT source, id FROM articles WHERE aid = ?1")?;
    let mut out = Vec::with_capacity(sids.len());
    for &sid in sids {
        if let Some((source, id)) = st
            .query_row([sid], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?
        {
            out.push((sid, source, id));
        }
    }
    Ok(out)
}

pub(super) fn feed_ids(
    tx: &Transaction<'_>,
    cache: &mut HashMap<FeedKey, i64>,
    keys: &[FeedKey],
) -> rusqlite::Result<Vec<i64>> {
    let mut find = tx.prepare_cached("SELECT fid FROM feeds WHERE kind = ?1 AND key = ?2")?;
    let mut add =
        tx.prepare_cached("INSERT INTO feeds (kind, key) VALUES (?1, ?2) RETURNING fid")?;
    let mut out = Vec::with_capacity(keys.len());
    for k in keys {
        if let Some(&fid) = cache.get(k) {
            out.push(fid);
            continue;
        }
        let fid = match find
            .query_row(params![k.kind_code(), k.key()], |r| r.get(0))
            .optional()?
        {
            Some(fid) => fid,
            None => add.query_row(params![k.kind_code(), k.key()], |r| r.get(0))?,
        };
        cache.insert(k.clone(), fid);
        out.push(fid);
    }
    Ok(out)
}

/// Deletes story `sid` with its membership and the mapping of its other articles.
fn drop_story(tx: &Transaction<'_>, sid: i64) -> rusqlite::Result<()> {
    let Some(old) = stories_where(tx, "WHERE st.sid = ?1", &[sid])?.pop() else {
        return Ok(());
    };
    let mut member = tx.prepare_cached(
        "DELETE FROM members WHERE fid = ?1 AND ts = ?2 AND ns = ?3 AND sid = ?4",
    )?;
    for fid in &old.feeds {
        member.execute(params![fid, old.rank.ts, old.rank.ns, sid])?;
    }
    let mut part = tx.prepare_cached("DELETE FROM story_of WHERE aid = ?1 AND sid = ?2")?;
    for aid in &old.parts {
        part.execute(params![aid, sid])?;
    }
    tx.prepare_cached("DELETE FROM stories WHERE sid = ?1")?
        .execute([sid])?;
    Ok(())
}

pub(super) fn write_stories(tx: &Transaction<'_>, w: &StoryWrite) -> rusqlite::Result<()> {
    for &sid in &w.delete {
        drop_story(tx, sid)?;
    }
    let mut put = tx.prepare_cached(
        "INSERT INTO stories (sid, ts, ns, link, owner, print, feeds, parts, names)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?;
    let mut part = tx.prepare_cached(
        "INSERT INTO story_of (aid, sid) VALUES (?1, ?2)
             ON CONFLICT (aid) DO UPDATE SET sid = excluded.sid",
    )?;
    // Membership rows in key order: consecutive inserts land on the same pages.
    let mut members: Vec<(i64, Rank, i64, &str)> = Vec::new();
    for s in &w.put {
        let row = &s.row;
        drop_story(tx, row.sid)?;
        put.execute(params![
            row.sid,
            row.rank.ts,
            row.rank.ns,
            row.link,
            i64::from(row.owner),
            row.print.as_slice(),
            list_text(&row.feeds),
            (!row.parts.is_empty()).then(|| list_text(&row.parts)),
            row.names,
        ])?;
        for &aid in row.parts.iter().filter(|&&a| a != row.sid) {
            part.execute(params![aid, row.sid])?;
        }
        for (fid, name) in row.feeds.iter().zip(&s.names) {
            members.push((*fid, row.rank, row.sid, name.as_str()));
        }
    }
    members.sort_unstable_by_key(|m| (m.0, m.1, m.2));
    let mut member = tx.prepare_cached(
        "INSERT INTO members (fid, ts, ns, sid, name) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (fid, ts, ns, sid) DO UPDATE SET name = excluded.name",
    )?;
    for (fid, rank, sid, name) in members {
        member.execute(params![fid, rank.ts, rank.ns, sid, name])?;
    }
    let mut owner = tx.prepare_cached("UPDATE stories SET owner = ?2 WHERE sid = ?1")?;
    for (sid, owns) in &w.owners {
        owner.execute(params![sid, i64::from(*owns)])?;
    }
    let mut dirty =
        tx.prepare_cached("INSERT INTO dirty_feeds (fid) VALUES (?1) ON CONFLICT DO NOTHING")?;
    for fid in &w.dirty {
        dirty.execute([fid])?;
    }
    if let Some(through) = w.pending_through {
        tx.prepare_cached("DELETE FROM pending WHERE aid <= ?1")?
            .execute([through])?;
    }
    let mut key = tx.prepare_cached("DELETE FROM pending_keys WHERE key = ?1")?;
    for k in &w.done_keys {
        key.execute([k])?;
    }
    let mut stale = tx.prepare_cached("DELETE FROM stale_stories WHERE sid = ?1")?;
    for sid in &w.done_stories {
        stale.execute([sid])?;
    }
    Ok(())
}

pub(super) fn feed_rows(conn: &Connection) -> rusqlite::Result<Vec<FeedRow>> {
    let mut st = conn.prepare(
        "SELECT fid, kind, key, articles, name, earliest_ts, earliest_ns FROM feeds ORDER BY fid",
    )?;
    let rows = st.query_map([], |r| {
        let key: String = r.get(2)?;
        let earliest = match (r.get::<_, Option<i64>>(5)?, r.get::<_, Option<i64>>(6)?) {
            (Some(ts), Some(ns)) => Some(Rank { ts, ns }),
            _ => None,
        };
        Ok(FeedKey::from_code(r.get(1)?, key).map(|key| FeedRow {
            fid: r.get(0).unwrap_or_default(),
            key,
            articles: usize::try_from(r.get::<_, i64>(3).unwrap_or(0)).unwrap_or(0),
            name: r.get(4).unwrap_or_default(),
            earliest,
        }))
    })?;
    let mut out = Vec::new();
    for row in rows {
        out.extend(row?);
    }
    Ok(out)
}

pub(super) fn feed_members(conn: &Connection, fid: i64) -> rusqlite::Result<Vec<Member>> {
    conn.prepare_cached(
        "SELECT ts, ns, sid, name FROM members WHERE fid = ?1 ORDER BY ts, ns, sid",
    )?
    .query_map([fid], |r| {
        Ok(Member {
            rank: Rank {
                ts: r.get(0)?,
                ns: r.get(1)?,
            },
            sid: r.get(2)?,
            name: r.get(3)?,
        })
    })?
    .collect()
}

pub(super) fn save_feed_rows(
    tx: &Transaction<'_>,
    rows: &[FeedRow],
    dirty: &[i64],
) -> rusqlite::Result<bool> {
    let mut update = tx.prepare_cached(
        "UPDATE feeds SET articles = ?2, name = ?3, earliest_ts = ?4, earliest_ns = ?5
         WHERE fid = ?1",
    )?;
    let mut delete = tx.prepare_cached("DELETE FROM feeds WHERE fid = ?1")?;
    let mut deleted = false;
    for r in rows {
        if r.articles == 0 {
            deleted |= delete.execute([r.fid])? > 0;
        } else {
            update.execute(params![
                r.fid,
                i64::try_from(r.articles).unwrap_or(i64::MAX),
                r.name,
                r.earliest.map(|e| e.ts),
                r.earliest.map(|e| e.ns),
            ])?;
        }
    }
    let mut mark =
        tx.prepare_cached("INSERT INTO dirty_feeds (fid) VALUES (?1) ON CONFLICT DO NOTHING")?;
    for fid in dirty {
        mark.execute([fid])?;
    }
    Ok(deleted)
}

pub(super) fn dirty_feeds(conn: &Connection) -> rusqlite::Result<Vec<i64>> {
    conn.prepare("SELECT fid FROM dirty_feeds ORDER BY fid")?
        .query_map([], |r| r.get(0))?
        .collect()
}

pub(super) fn clear_dirty_feeds(tx: &Transaction<'_>, fids: &[i64]) -> rusqlite::Result<()> {
    let mut st = tx.prepare_cached("DELETE FROM dirty_feeds WHERE fid = ?1")?;
    for fid in fids {
        st.execute([fid])?;
    }
    Ok(())
}

pub(super) fn feed_top(
    conn: &Connection,
    fid: Option<i64>,
    limit: usize,
) -> rusqlite::Result<Vec<(Rank, i64)>> {
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let read = |r: &Row<'_>| -> rusqlite::Result<(Rank, i64)> {
        Ok((
            Rank {
                ts: r.get(0)?,
                ns: r.get(1)?,
            },
            r.get(2)?,
        ))
    };
    let mut out: Vec<(Rank, i64)> = match fid {
        Some(fid) => conn
            .prepare_cached(
                "SELECT ts, ns, sid FROM members WHERE fid = ?1 ORDER BY ts, ns, sid LIMIT ?2",
            )?
            .query_map(params![fid, limit], read)?
            .collect::<rusqlite::Result<_>>()?,
        None => conn
            .prepare_cached("SELECT ts, ns, sid FROM stories ORDER BY ts, ns, sid LIMIT ?1")?
            .query_map([limit], read)?
            .collect::<rusqlite::Result<_>>()?,
    };
    // Stories of the last one's rank that did not fit: the caller orders ties by id.
    if let Some(&(rank, sid)) = out.last().filter(|_| out.len() as i64 == limit) {
        let tied: Vec<(Rank, i64)> = match fid {
            Some(fid) => conn
                .prepare_cached(
                    "SELECT ts, ns, sid FROM members
                     WHERE fid = ?1 AND ts = ?2 AND ns = ?3 AND sid > ?4 ORDER BY sid",
                )?
                .query_map(params![fid, rank.ts, rank.ns, sid], read)?
                .collect::<rusqlite::Result<_>>()?,
            None => conn
                .prepare_cached(
                    "SELECT ts, ns, sid FROM stories
                     WHERE ts = ?1 AND ns = ?2 AND sid > ?3 ORDER BY sid",
                )?
                .query_map(params![rank.ts, rank.ns, sid], read)?
                .collect::<rusqlite::Result<_>>()?,
        };
        out.extend(tied);
    }
    Ok(out)
}

/// Rows of `members` (or `stories`, for the merged feed) ranked from `from` through `to`:
/// a range read of their (fid, ts, ns, sid) and (ts, ns, sid) indexes.
pub(super) fn feed_range(
    conn: &Connection,
    fid: Option<i64>,
    from: Rank,
    to: Rank,
) -> rusqlite::Result<Vec<(Rank, i64)>> {
    const RANGE: &str =
        "(ts > ?2 OR (ts = ?2 AND ns >= ?3)) AND (ts < ?4 OR (ts = ?4 AND ns <= ?5))
         ORDER BY ts, ns, sid";
    let read = |r: &Row<'_>| -> rusqlite::Result<(Rank, i64)> {
        Ok((
            Rank {
                ts: r.get(0)?,
                ns: r.get(1)?,
            },
            r.get(2)?,
        ))
    };
    let args = params![fid.unwrap_or(0), from.ts, from.ns, to.ts, to.ns];
    match fid {
        Some(_) => conn
            .prepare_cached(&format!(
                "SELECT ts, ns, sid FROM members WHERE fid = ?1 AND {RANGE}"
            ))?
            .query_map(args, read)?
            .collect(),
        // ?1 is the merged feed's handle, 0, so that both statements number alike.
        None => conn
            .prepare_cached(&format!(
                "SELECT ts, ns, sid FROM stories WHERE ?1 = 0 AND {RANGE}"
            ))?
            .query_map(args, read)?
            .collect(),
    }
}
