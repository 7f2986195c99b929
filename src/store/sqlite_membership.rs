//! [`Membership`] for [`SqliteStore`]: each method a call into
//! [`sqlite_stories`](super::sqlite_stories) in the store's connection or one transaction.

use rusqlite::OptionalExtension;

use super::sqlite_stories as stories;
use super::story::{
    FeedKey, FeedRow, Member, Membership, Pending, Rank, StoryHead, StoryRow, StoryWrite,
};
use super::{SqliteStore, StoreError};
use crate::model::Article;

impl Membership for SqliteStore {
    fn membership_rules(&mut self, print: &str) -> Result<bool, StoreError> {
        self.in_transaction("cannot record the membership rules", |tx| {
            let last: Option<String> = tx
                .query_row(
                    "SELECT value FROM meta WHERE key = 'membership_rules'",
                    [],
                    |r| r.get(0),
                )
                .optional()?;
            if last.as_deref() == Some(print) {
                return Ok(false);
            }
            tx.execute(
                "INSERT INTO pending (aid) SELECT aid FROM articles
                 WHERE source NOT IN (SELECT name FROM sources WHERE removed_at IS NOT NULL)
                 ON CONFLICT DO NOTHING",
                [],
            )?;
            tx.execute(
                "INSERT INTO meta (key, value) VALUES ('membership_rules', ?1)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                [print],
            )?;
            Ok(true)
        })
    }

    fn pending(&self) -> Result<Pending, StoreError> {
        stories::pending(&self.conn).map_err(|e| self.err("cannot read pending stories", e))
    }

    fn pending_heads(&self, after: i64, limit: usize) -> Result<Vec<StoryHead>, StoreError> {
        stories::pending_heads(&self.conn, after, limit)
            .map_err(|e| self.err("cannot read pending articles", e))
    }

    fn story_heads(&self, aids: &[i64]) -> Result<Vec<StoryHead>, StoreError> {
        stories::story_heads(&self.conn, aids).map_err(|e| self.err("cannot read articles", e))
    }

    fn key_members(&self, keys: &[i64]) -> Result<Vec<(i64, i64)>, StoreError> {
        stories::key_members(&self.conn, keys).map_err(|e| self.err("cannot read match keys", e))
    }

    fn shared_keys(&self) -> Result<Vec<i64>, StoreError> {
        stories::shared_keys(&self.conn).map_err(|e| self.err("cannot read match keys", e))
    }

    fn stories(&self, sids: &[i64]) -> Result<Vec<StoryRow>, StoreError> {
        stories::stories(&self.conn, sids).map_err(|e| self.err("cannot read stories", e))
    }

    fn stories_with_links(&self, links: &[i64]) -> Result<Vec<StoryRow>, StoreError> {
        stories::stories_with_links(&self.conn, links)
            .map_err(|e| self.err("cannot read stories", e))
    }

    fn articles_by_aid(&self, aids: &[i64]) -> Result<Vec<(i64, Article)>, StoreError> {
        stories::articles_by_aid(&self.conn, aids).map_err(|e| self.err("cannot read articles", e))
    }

    fn story_idents(&self, sids: &[i64]) -> Result<Vec<(i64, String, String)>, StoreError> {
        stories::story_idents(&self.conn, sids).map_err(|e| self.err("cannot read stories", e))
    }

    fn feed_ids(&mut self, keys: &[FeedKey]) -> Result<Vec<i64>, StoreError> {
        let path = self.path.display().to_string();
        let err = |e: rusqlite::Error| StoreError {
            path: path.clone(),
            message: format!("cannot number feeds: {e}"),
        };
        let tx = self.conn.transaction().map_err(err)?;
        let ids = stories::feed_ids(&tx, &mut self.feed_cache, keys).map_err(err)?;
        tx.commit().map_err(err)?;
        Ok(ids)
    }

    fn write_stories(&mut self, changes: &StoryWrite) -> Result<(), StoreError> {
        self.in_transaction("cannot store stories", |tx| {
            stories::write_stories(tx, changes)
        })
    }

    fn feed_rows(&self) -> Result<Vec<FeedRow>, StoreError> {
        stories::feed_rows(&self.conn).map_err(|e| self.err("cannot read feeds", e))
    }

    fn feed_members(&self, fid: i64) -> Result<Vec<Member>, StoreError> {
        stories::feed_members(&self.conn, fid).map_err(|e| self.err("cannot read a feed", e))
    }

    fn save_feed_rows(&mut self, rows: &[FeedRow], dirty: &[i64]) -> Result<(), StoreError> {
        let deleted = self.in_transaction("cannot save feeds", |tx| {
            stories::save_feed_rows(tx, rows, dirty)
        })?;
        if deleted {
            // A deleted feed's handle may be given to another key.
            self.feed_cache.clear();
        }
        Ok(())
    }

    fn dirty_feeds(&self) -> Result<Vec<i64>, StoreError> {
        stories::dirty_feeds(&self.conn).map_err(|e| self.err("cannot read dirty feeds", e))
    }

    fn clear_dirty_feeds(&mut self, fids: &[i64]) -> Result<(), StoreError> {
        self.in_transaction("cannot clear dirty feeds", |tx| {
            stories::clear_dirty_feeds(tx, fids)
        })
    }

    fn feed_top(&self, fid: Option<i64>, limit: usize) -> Result<Vec<(Rank, i64)>, StoreError> {
        stories::feed_top(&self.conn, fid, limit).map_err(|e| self.err("cannot read a feed", e))
    }

    fn feed_range(
        &self,
        fid: Option<i64>,
        from: Rank,
        to: Rank,
    ) -> Result<Vec<(Rank, i64)>, StoreError> {
        stories::feed_range(&self.conn, fid, from, to)
            .map_err(|e| self.err("cannot read a feed", e))
    }
}
