//! The `article_pages` table (schema v5): article pages fetched for `full_text` sources.

use std::collections::HashSet;

use rusqlite::{params, Connection, TransactionBehavior};

use super::write::{from_ts, ts};
use super::ArticlePage;
use crate::fetch::Validators;

/// Every page kept for `source`, by id.
pub(super) fn read(conn: &Connection, source: &str) -> rusqlite::Result<Vec<ArticlePage>> {
    let mut st = conn.prepare_cached(
        "SELECT source, id, url, entry, etag, last_modified, error, retry, attempts, content,
                origin, chars, fetched_at
         FROM article_pages WHERE source = ?1 ORDER BY id",
    )?;
    let rows = st.query_map([source], |r| {
        Ok(ArticlePage {
            source: r.get(0)?,
            id: r.get(1)?,
            url: r.get(2)?,
            entry: r.get(3)?,
            validators: Validators {
                etag: r.get(4)?,
                last_modified: r.get(5)?,
            },
            error: r.get(6)?,
            retry: r.get::<_, i64>(7)? != 0,
            attempts: u32::try_from(r.get::<_, i64>(8)?).unwrap_or(u32::MAX),
            content: r.get(9)?,
            origin: r.get(10)?,
            chars: usize::try_from(r.get::<_, i64>(11)?).unwrap_or(0),
            fetched_at: r.get::<_, Option<i64>>(12)?.and_then(from_ts),
        })
    })?;
    rows.collect()
}

/// Upserts `pages` and forgets the pages of articles no longer stored (but those in
/// `keep`), in one transaction.
pub(super) fn save(
    conn: &mut Connection,
    pages: &[ArticlePage],
    keep: &[(&str, &str)],
) -> rusqlite::Result<()> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    {
        let mut st = tx.prepare_cached(
            "INSERT OR REPLACE INTO article_pages
                (source, id, url, entry, etag, last_modified, error, retry, attempts, content,
                 origin, chars, fetched_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
        )?;
        for p in pages {
            st.execute(params![
                p.source,
                p.id,
                p.url,
                p.entry,
                p.validators.etag,
                p.validators.last_modified,
                p.error,
                i64::from(p.retry),
                i64::from(p.attempts),
                p.content,
                p.origin,
                i64::try_from(p.chars).unwrap_or(i64::MAX),
                p.fetched_at.map(ts),
            ])?;
        }
        let keep: HashSet<(&str, &str)> = keep.iter().copied().collect();
        let orphans: Vec<(String, String)> = tx
            .prepare(
                "SELECT source, id FROM article_pages p WHERE NOT EXISTS
                    (SELECT 1 FROM articles a WHERE a.source = p.source AND a.id = p.id)",
            )?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        let mut del =
            tx.prepare_cached("DELETE FROM article_pages WHERE source = ?1 AND id = ?2")?;
        for (source, id) in &orphans {
            if !keep.contains(&(source.as_str(), id.as_str())) {
                del.execute([source, id])?;
            }
        }
    }
    tx.commit()
}
