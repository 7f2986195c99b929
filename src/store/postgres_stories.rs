//! [`Membership`] for [`PostgresStore`]: the tables and queries of
//! [`super::sqlite_stories`], with lists of handles passed as arrays (one statement for a
//! list, not one per handle) and results in the order asked (`WITH ORDINALITY`).

use std::collections::HashMap;

use postgres::{Row, Transaction};

use super::postgres::{PostgresStore, R};
use super::postgres_record as rec;
use super::story::{
    FeedKey, FeedRow, Member, Membership, Pending, Rank, StoryHead, StoryRow, StoryWrite,
};
use super::StoreError;
use crate::model::Article;

fn list(text: Option<&str>) -> Vec<i64> {
    text.and_then(|t| serde_json::from_str(t).ok())
        .unwrap_or_default()
}

fn list_text(v: &[i64]) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "[]".into())
}

/// The story columns, in the order [`story_at`] reads them.
const STORY_FIELDS: &str =
    "st.sid, st.ts, st.ns, st.link, st.owner, st.print, st.feeds, st.parts, st.names";

fn story_at(r: &Row, at: usize) -> Option<StoryRow> {
    let sid: Option<i64> = r.get(at);
    Some(StoryRow {
        sid: sid?,
        rank: Rank {
            ts: r.get(at + 1),
            ns: r.get(at + 2),
        },
        link: r.get(at + 3),
        owner: r.get(at + 4),
        print: <[u8; 16]>::try_from(r.get::<_, &[u8]>(at + 5)).unwrap_or_default(),
        feeds: list(r.get(at + 6)),
        parts: list(r.get(at + 7)),
        names: r.get(at + 8),
    })
}

/// A head query: an article, whether its source was removed, its current story, and
/// `extra` columns after them (from column 20).
fn head_query(from: &str, extra: &str, tail: &str) -> String {
    format!(
        "SELECT a.aid, {}, a.source IN (SELECT name FROM sources WHERE removed_at IS NOT NULL),
             {STORY_FIELDS} {extra}
         FROM {from}
         LEFT JOIN story_of o ON o.aid = a.aid
         LEFT JOIN stories st ON st.sid = coalesce(o.sid, a.aid)
         {tail}",
        rec::STORY_HEAD_FIELDS
    )
}

fn head_at(r: &Row) -> R<StoryHead> {
    let (head, print) = rec::read_story_head(r, 1)?;
    Ok(StoryHead {
        aid: r.get(0),
        head,
        print,
        removed: r.get(10),
        story: story_at(r, 11),
    })
}

fn ids(rows: Vec<Row>) -> Vec<i64> {
    rows.iter().map(|r| r.get(0)).collect()
}

fn stories_where(
    c: &mut impl postgres::GenericClient,
    cond: &str,
    values: &[i64],
) -> R<Vec<StoryRow>> {
    let sql = format!(
        "SELECT {STORY_FIELDS} FROM unnest($1::bigint[]) WITH ORDINALITY AS k(v, n)
         JOIN stories st ON {cond} ORDER BY k.n, st.sid"
    );
    Ok(c.query(&sql, &[&values])?
        .iter()
        .filter_map(|r| story_at(r, 0))
        .collect())
}

/// Deletes stories `sids` with their membership and the mapping of their other articles.
fn drop_stories(tx: &mut Transaction<'_>, sids: &[i64]) -> R<()> {
    if sids.is_empty() {
        return Ok(());
    }
    let old = stories_where(tx, "st.sid = k.v", sids)?;
    let (mut fid, mut ts, mut ns, mut sid) = (vec![], vec![], vec![], vec![]);
    let (mut part_aid, mut part_sid) = (vec![], vec![]);
    for s in &old {
        for f in &s.feeds {
            fid.push(*f);
            ts.push(s.rank.ts);
            ns.push(s.rank.ns);
            sid.push(s.sid);
        }
        for a in &s.parts {
            part_aid.push(*a);
            part_sid.push(s.sid);
        }
    }
    tx.execute(
        "DELETE FROM members m
         USING unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::bigint[]) AS d(fid, ts, ns, sid)
         WHERE m.fid = d.fid AND m.ts = d.ts AND m.ns = d.ns AND m.sid = d.sid",
        &[&fid, &ts, &ns, &sid],
    )?;
    tx.execute(
        "DELETE FROM story_of o USING unnest($1::bigint[], $2::bigint[]) AS d(aid, sid)
         WHERE o.aid = d.aid AND o.sid = d.sid",
        &[&part_aid, &part_sid],
    )?;
    tx.execute("DELETE FROM stories WHERE sid = ANY($1)", &[&sids])?;
    Ok(())
}

fn write_stories(tx: &mut Transaction<'_>, w: &StoryWrite, read: &HashMap<i64, i64>) -> R<()> {
    drop_stories(tx, &w.delete)?;
    // A story put twice: the last one stands.
    let mut last: HashMap<i64, usize> = HashMap::new();
    for (i, s) in w.put.iter().enumerate() {
        last.insert(s.row.sid, i);
    }
    let puts: Vec<_> = w
        .put
        .iter()
        .enumerate()
        .filter(|(i, s)| last.get(&s.row.sid) == Some(i))
        .map(|(_, s)| s)
        .collect();
    let sids: Vec<i64> = puts.iter().map(|s| s.row.sid).collect();
    drop_stories(tx, &sids)?;
    let rows: Vec<_> = puts.iter().map(|s| &s.row).collect();
    let ts: Vec<i64> = rows.iter().map(|r| r.rank.ts).collect();
    let ns: Vec<i64> = rows.iter().map(|r| r.rank.ns).collect();
    let link: Vec<Option<i64>> = rows.iter().map(|r| r.link).collect();
    let owner: Vec<bool> = rows.iter().map(|r| r.owner).collect();
    let print: Vec<&[u8]> = rows.iter().map(|r| r.print.as_slice()).collect();
    let feeds: Vec<String> = rows.iter().map(|r| list_text(&r.feeds)).collect();
    let parts: Vec<Option<String>> = rows
        .iter()
        .map(|r| (!r.parts.is_empty()).then(|| list_text(&r.parts)))
        .collect();
    let names: Vec<i64> = rows.iter().map(|r| r.names).collect();
    tx.execute(
        "INSERT INTO stories (sid, ts, ns, link, owner, print, feeds, parts, names)
         SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::bigint[],
             $5::bool[], $6::bytea[], $7::text[], $8::text[], $9::bigint[])",
        &[
            &sids, &ts, &ns, &link, &owner, &print, &feeds, &parts, &names,
        ],
    )?;
    let mut part: HashMap<i64, i64> = HashMap::new();
    let mut members: HashMap<(i64, Rank, i64), &str> = HashMap::new();
    for s in &puts {
        let row = &s.row;
        for &aid in row.parts.iter().filter(|&&a| a != row.sid) {
            part.insert(aid, row.sid);
        }
        for (fid, name) in row.feeds.iter().zip(&s.names) {
            members.insert((*fid, row.rank, row.sid), name.as_str());
        }
    }
    let (part_aid, part_sid): (Vec<i64>, Vec<i64>) = part.into_iter().unzip();
    tx.execute(
        "INSERT INTO story_of (aid, sid) SELECT * FROM unnest($1::bigint[], $2::bigint[])
         ON CONFLICT (aid) DO UPDATE SET sid = excluded.sid",
        &[&part_aid, &part_sid],
    )?;
    let mut members: Vec<_> = members.into_iter().collect();
    // In key order: consecutive inserts land on the same pages.
    members.sort_unstable_by_key(|m| m.0);
    let m_fid: Vec<i64> = members.iter().map(|m| m.0 .0).collect();
    let m_ts: Vec<i64> = members.iter().map(|m| m.0 .1.ts).collect();
    let m_ns: Vec<i64> = members.iter().map(|m| m.0 .1.ns).collect();
    let m_sid: Vec<i64> = members.iter().map(|m| m.0 .2).collect();
    let m_name: Vec<&str> = members.iter().map(|m| m.1).collect();
    tx.execute(
        "INSERT INTO members (fid, ts, ns, sid, name)
         SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::bigint[], $5::text[])
         ON CONFLICT (fid, ts, ns, sid) DO UPDATE SET name = excluded.name",
        &[&m_fid, &m_ts, &m_ns, &m_sid, &m_name],
    )?;
    let owners: HashMap<i64, bool> = w.owners.iter().copied().collect();
    let (o_sid, o_owns): (Vec<i64>, Vec<bool>) = owners.into_iter().unzip();
    tx.execute(
        "UPDATE stories s SET owner = u.owns FROM unnest($1::bigint[], $2::bool[]) AS u(sid, owns)
         WHERE s.sid = u.sid",
        &[&o_sid, &o_owns],
    )?;
    tx.execute(
        "INSERT INTO dirty_feeds (fid) SELECT DISTINCT unnest($1::bigint[]) ON CONFLICT DO NOTHING",
        &[&w.dirty],
    )?;
    if let Some(through) = w.pending_through {
        // Only the marks read: an article marked again since stays pending.
        let (r_aid, r_seq): (Vec<i64>, Vec<i64>) = read
            .iter()
            .filter(|(aid, _)| **aid <= through)
            .map(|(a, s)| (*a, *s))
            .unzip();
        tx.execute(
            "DELETE FROM pending p WHERE p.aid <= $1 AND (
                 NOT EXISTS (SELECT 1 FROM articles a WHERE a.aid = p.aid)
                 OR EXISTS (SELECT 1 FROM unnest($2::bigint[], $3::bigint[]) AS r(aid, seq)
                            WHERE r.aid = p.aid AND p.seq <= r.seq))",
            &[&through, &r_aid, &r_seq],
        )?;
    }
    tx.execute(
        "DELETE FROM pending_keys WHERE key = ANY($1)",
        &[&w.done_keys],
    )?;
    tx.execute(
        "DELETE FROM stale_stories WHERE sid = ANY($1)",
        &[&w.done_stories],
    )?;
    Ok(())
}

impl Membership for PostgresStore {
    fn membership_rules(&mut self, print: &str) -> Result<bool, StoreError> {
        self.in_transaction("cannot record the membership rules", |tx| {
            let last: Option<String> = tx
                .query_opt("SELECT value FROM meta WHERE key = 'membership_rules'", &[])?
                .map(|r| r.get(0));
            if last.as_deref() == Some(print) {
                return Ok(false);
            }
            tx.execute(
                &format!(
                    "INSERT INTO pending (aid) SELECT aid FROM articles WHERE {}
                     ON CONFLICT DO NOTHING",
                    super::postgres::CONFIGURED
                ),
                &[],
            )?;
            tx.execute(
                "INSERT INTO meta (key, value) VALUES ('membership_rules', $1)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                &[&print],
            )?;
            Ok(true)
        })
    }

    fn pending(&self) -> Result<Pending, StoreError> {
        self.run("cannot read pending stories", |c| {
            let articles: i64 = c.query_one("SELECT count(*) FROM pending", &[])?.get(0);
            Ok(Pending {
                articles: usize::try_from(articles).unwrap_or(0),
                keys: ids(c.query("SELECT key FROM pending_keys ORDER BY key", &[])?),
                stories: ids(c.query("SELECT sid FROM stale_stories ORDER BY sid", &[])?),
            })
        })
    }

    fn pending_heads(&self, after: i64, limit: usize) -> Result<Vec<StoryHead>, StoreError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let (heads, marks) = self.run("cannot read pending articles", |c| {
            let sql = head_query(
                "pending p JOIN articles a ON a.aid = p.aid",
                ", p.seq",
                "WHERE p.aid > $1 ORDER BY p.aid LIMIT $2",
            );
            let rows = c.query(&sql, &[&after, &limit])?;
            let marks: Vec<(i64, i64)> = rows.iter().map(|r| (r.get(0), r.get(20))).collect();
            let heads = rows.iter().map(head_at).collect::<R<Vec<_>>>()?;
            Ok((heads, marks))
        })?;
        self.pending_read
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .extend(marks);
        Ok(heads)
    }

    fn story_heads(&self, aids: &[i64]) -> Result<Vec<StoryHead>, StoreError> {
        self.run("cannot read articles", |c| {
            let sql = head_query(
                "unnest($1::bigint[]) WITH ORDINALITY AS k(aid, n) JOIN articles a ON a.aid = k.aid",
                "",
                "ORDER BY k.n",
            );
            c.query(&sql, &[&aids])?.iter().map(head_at).collect()
        })
    }

    fn key_members(&self, keys: &[i64]) -> Result<Vec<(i64, i64)>, StoreError> {
        self.run("cannot read match keys", |c| {
            Ok(c.query(
                "SELECT m.key, m.aid FROM unnest($1::bigint[]) WITH ORDINALITY AS k(key, n)
                 JOIN match_keys m ON m.key = k.key ORDER BY k.n, m.aid",
                &[&keys],
            )?
            .iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect())
        })
    }

    fn shared_keys(&self) -> Result<Vec<i64>, StoreError> {
        self.run("cannot read match keys", |c| {
            Ok(ids(c.query(
                "SELECT key FROM match_keys GROUP BY key HAVING count(*) > 1 ORDER BY key",
                &[],
            )?))
        })
    }

    fn stories(&self, sids: &[i64]) -> Result<Vec<StoryRow>, StoreError> {
        self.run("cannot read stories", |c| {
            stories_where(c, "st.sid = k.v", sids)
        })
    }

    fn stories_with_links(&self, links: &[i64]) -> Result<Vec<StoryRow>, StoreError> {
        self.run("cannot read stories", |c| {
            stories_where(c, "st.link = k.v", links)
        })
    }

    fn articles_by_aid(&self, aids: &[i64]) -> Result<Vec<(i64, Article)>, StoreError> {
        self.run("cannot read articles", |c| {
            let sql = format!(
                "SELECT a.aid, a.source, a.id, {} FROM unnest($1::bigint[]) WITH ORDINALITY AS k(aid, n)
                 JOIN articles a ON a.aid = k.aid ORDER BY k.n",
                rec::FIELDS_OF_A
            );
            c.query(&sql, &[&aids])?
                .iter()
                .map(|r| Ok((r.get(0), rec::read(r, 1)?)))
                .collect()
        })
    }

    fn story_idents(&self, sids: &[i64]) -> Result<Vec<(i64, String, String)>, StoreError> {
        self.run("cannot read stories", |c| {
            Ok(c.query(
                "SELECT a.aid, a.source, a.id FROM unnest($1::bigint[]) WITH ORDINALITY AS k(aid, n)
                 JOIN articles a ON a.aid = k.aid ORDER BY k.n",
                &[&sids],
            )?
            .iter()
            .map(|r| (r.get(0), r.get(1), r.get(2)))
            .collect())
        })
    }

    fn feed_ids(&mut self, keys: &[FeedKey]) -> Result<Vec<i64>, StoreError> {
        let missing: Vec<&FeedKey> = keys
            .iter()
            .filter(|k| !self.feed_cache.contains_key(*k))
            .collect();
        if !missing.is_empty() {
            let kinds: Vec<i64> = missing.iter().map(|k| k.kind_code()).collect();
            let names: Vec<&str> = missing.iter().map(|k| k.key()).collect();
            let found = self.in_transaction("cannot number feeds", |tx| {
                tx.execute(
                    "INSERT INTO feeds (kind, key) SELECT * FROM unnest($1::bigint[], $2::text[])
                     ON CONFLICT (kind, key) DO NOTHING",
                    &[&kinds, &names],
                )?;
                Ok(tx
                    .query(
                        "SELECT f.kind, f.key, f.fid FROM unnest($1::bigint[], $2::text[]) AS k(kind, key)
                         JOIN feeds f ON f.kind = k.kind AND f.key = k.key",
                        &[&kinds, &names],
                    )?
                    .iter()
                    .map(|r| (r.get::<_, i64>(0), r.get::<_, String>(1), r.get::<_, i64>(2)))
                    .collect::<Vec<_>>())
            })?;
            for (kind, key, fid) in found {
                if let Some(k) = FeedKey::from_code(kind, key) {
                    self.feed_cache.insert(k, fid);
                }
            }
        }
        keys.iter()
            .map(|k| {
                self.feed_cache
                    .get(k)
                    .copied()
                    .ok_or_else(|| self.err("cannot number feeds", format!("no handle for {k:?}")))
            })
            .collect()
    }

    fn write_stories(&mut self, changes: &StoryWrite) -> Result<(), StoreError> {
        let read =
            std::mem::take(&mut *self.pending_read.lock().unwrap_or_else(|p| p.into_inner()));
        let result = self.in_transaction("cannot store stories", |tx| {
            write_stories(tx, changes, &read)
        });
        if result.is_err() || changes.pending_through.is_none() {
            // Not cleared: the marks stay as read.
            self.pending_read
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .extend(read);
        } else if let Some(through) = changes.pending_through {
            self.pending_read
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .extend(read.into_iter().filter(|(aid, _)| *aid > through));
        }
        result
    }

    fn feed_rows(&self) -> Result<Vec<FeedRow>, StoreError> {
        self.run("cannot read feeds", |c| {
            Ok(c.query(
                "SELECT fid, kind, key, articles, name, earliest_ts, earliest_ns FROM feeds ORDER BY fid",
                &[],
            )?
            .iter()
            .filter_map(|r| {
                let earliest = match (r.get::<_, Option<i64>>(5), r.get::<_, Option<i64>>(6)) {
                    (Some(ts), Some(ns)) => Some(Rank { ts, ns }),
                    _ => None,
                };
                FeedKey::from_code(r.get(1), r.get(2)).map(|key| FeedRow {
                    fid: r.get(0),
                    key,
                    articles: usize::try_from(r.get::<_, i64>(3)).unwrap_or(0),
                    name: r.get(4),
                    earliest,
                })
            })
            .collect())
        })
    }

    fn feed_members(&self, fid: i64) -> Result<Vec<Member>, StoreError> {
        self.run("cannot read a feed", |c| {
            Ok(c.query(
                "SELECT ts, ns, sid, name FROM members WHERE fid = $1 ORDER BY ts, ns, sid",
                &[&fid],
            )?
            .iter()
            .map(|r| Member {
                rank: Rank {
                    ts: r.get(0),
                    ns: r.get(1),
                },
                sid: r.get(2),
                name: r.get(3),
            })
            .collect())
        })
    }

    fn save_feed_rows(&mut self, rows: &[FeedRow], dirty: &[i64]) -> Result<(), StoreError> {
        let deleted = self.in_transaction("cannot save feeds", |tx| {
            let gone: Vec<i64> = rows.iter().filter(|r| r.articles == 0).map(|r| r.fid).collect();
            let deleted = tx.execute("DELETE FROM feeds WHERE fid = ANY($1)", &[&gone])? > 0;
            let kept: Vec<&FeedRow> = rows.iter().filter(|r| r.articles > 0).collect();
            let fid: Vec<i64> = kept.iter().map(|r| r.fid).collect();
            let n: Vec<i64> = kept
                .iter()
                .map(|r| i64::try_from(r.articles).unwrap_or(i64::MAX))
                .collect();
            let name: Vec<&str> = kept.iter().map(|r| r.name.as_str()).collect();
            let ets: Vec<Option<i64>> = kept.iter().map(|r| r.earliest.map(|e| e.ts)).collect();
            let ens: Vec<Option<i64>> = kept.iter().map(|r| r.earliest.map(|e| e.ns)).collect();
            tx.execute(
                "UPDATE feeds f SET articles = u.n, name = u.name, earliest_ts = u.ets,
                     earliest_ns = u.ens
                 FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::bigint[], $5::bigint[])
                     AS u(fid, n, name, ets, ens)
                 WHERE f.fid = u.fid",
                &[&fid, &n, &name, &ets, &ens],
            )?;
            tx.execute(
                "INSERT INTO dirty_feeds (fid) SELECT DISTINCT unnest($1::bigint[]) ON CONFLICT DO NOTHING",
                &[&dirty],
            )?;
            Ok(deleted)
        })?;
        if deleted {
            // A deleted feed's handle is not given again (an identity), but its key may
            // come back with another.
            self.feed_cache.clear();
        }
        Ok(())
    }

    fn dirty_feeds(&self) -> Result<Vec<i64>, StoreError> {
        self.run("cannot read dirty feeds", |c| {
            Ok(ids(
                c.query("SELECT fid FROM dirty_feeds ORDER BY fid", &[])?
            ))
        })
    }

    fn clear_dirty_feeds(&mut self, fids: &[i64]) -> Result<(), StoreError> {
        self.run("cannot clear dirty feeds", |c| {
            c.execute("DELETE FROM dirty_feeds WHERE fid = ANY($1)", &[&fids])?;
            Ok(())
        })
    }

    fn feed_top(&self, fid: Option<i64>, limit: usize) -> Result<Vec<(Rank, i64)>, StoreError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.run("cannot read a feed", |c| {
            let read = |r: &Row| {
                (
                    Rank {
                        ts: r.get(0),
                        ns: r.get(1),
                    },
                    r.get::<_, i64>(2),
                )
            };
            let mut out: Vec<(Rank, i64)> = match fid {
                Some(fid) => c.query(
                    "SELECT ts, ns, sid FROM members WHERE fid = $1 ORDER BY ts, ns, sid LIMIT $2",
                    &[&fid, &limit],
                )?,
                None => c.query(
                    "SELECT ts, ns, sid FROM stories ORDER BY ts, ns, sid LIMIT $1",
                    &[&limit],
                )?,
            }
            .iter()
            .map(read)
            .collect();
            // Stories of the last one's rank that did not fit: the caller orders ties by id.
            if let Some(&(rank, sid)) = out.last().filter(|_| out.len() as i64 == limit) {
                let tied = match fid {
                    Some(fid) => c.query(
                        "SELECT ts, ns, sid FROM members
                         WHERE fid = $1 AND ts = $2 AND ns = $3 AND sid > $4 ORDER BY sid",
                        &[&fid, &rank.ts, &rank.ns, &sid],
                    )?,
                    None => c.query(
                        "SELECT ts, ns, sid FROM stories
                         WHERE ts = $1 AND ns = $2 AND sid > $3 ORDER BY sid",
                        &[&rank.ts, &rank.ns, &sid],
                    )?,
                };
                out.extend(tied.iter().map(read));
            }
            Ok(out)
        })
    }
}
