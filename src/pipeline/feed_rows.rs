//! Keeping the store's feed rows ([`FeedRow`]: a tag or category feed's story count, its
//! elected name and the rank of its oldest dated story) up to date from what a build
//! changed, so that what lists the feeds (the plan, the index, the OPML) can read one row
//! per feed instead of every article.
//!
//! A row follows its feed's membership, and membership only changes in feeds that
//! [`super::stories::refresh`] marks dirty: after it, every dirty feed's row is worked out
//! again from that feed's membership rows alone ([`Store::feed_members`]), so the cost
//! follows the feeds a build touched and memory the largest of them. A feed left with no
//! story loses its row. The rules are the plan's ([`crate::emit::plan`]): the count is of
//! stories (an article after cross-source deduplication), the name is elected by
//! [`elect`], and ties of rank between the newest stories of two spellings are broken by
//! id, then source ([`Store::story_idents`]), as the plan breaks them by id.
//!
//! A row that reads zero stories was never kept (a store a build before this upkeep
//! wrote) or numbered for a feed no story joined: it is worked out too, so such a store
//! has every row worked out once.

use std::collections::{BTreeSet, HashMap};

use super::BuildError;
use crate::emit::plan::elect;
use crate::store::story::{FeedRow, Member, Rank};
use crate::store::Store;

/// Feed rows saved per transaction: the rows are small, the feeds' membership is read one
/// feed at a time.
const ROWS_PER_WRITE: usize = 500;

/// Works out the row of every dirty tag and category feed again (and of every row that
/// reads zero stories) and saves them; returns how many were worked out.
pub fn keep(store: &mut dyn Store) -> Result<usize, BuildError> {
    let dirty: BTreeSet<i64> = store.dirty_feeds()?.into_iter().collect();
    // A row of no story is deleted when saved: one that reads zero was never kept (or was
    // numbered by `feed_ids` for a feed no story joined), and is worked out too.
    let todo: Vec<FeedRow> = store
        .feed_rows()?
        .into_iter()
        .filter(|r| r.articles == 0 || dirty.contains(&r.fid))
        .collect();
    let mut done = 0;
    for chunk in todo.chunks(ROWS_PER_WRITE) {
        let mut out = Vec::with_capacity(chunk.len());
        for row in chunk {
            let members = store.feed_members(row.fid)?;
            out.push(row_of(&*store, row, &members)?);
        }
        done += out.len();
        store.save_feed_rows(&out, &[])?;
    }
    Ok(done)
}

/// One spelling of a feed's tag or category among its stories.
struct Spelling<'m> {
    /// Stories using it.
    count: usize,
    /// The rank of its newest story, and every story of that rank using it.
    newest: (Rank, Vec<i64>),
    name: &'m str,
}

/// The row of feed `row.fid` with these members (by rank, then story).
fn row_of(store: &dyn Store, row: &FeedRow, members: &[Member]) -> Result<FeedRow, BuildError> {
    let mut spellings: Vec<Spelling<'_>> = Vec::new();
    let mut at: HashMap<&str, usize> = HashMap::new();
    let mut earliest = None;
    for m in members {
        if m.rank.dated() {
            // Members come newest first: the last dated one is the oldest.
            earliest = Some(m.rank);
        }
        let i = *at.entry(m.name.as_str()).or_insert_with(|| {
            spellings.push(Spelling {
                count: 0,
                newest: (m.rank, Vec::new()),
                name: m.name.as_str(),
            });
            spellings.len() - 1
        });
        if let Some(s) = spellings.get_mut(i) {
            s.count += 1;
            if s.newest.0 == m.rank {
                s.newest.1.push(m.sid);
            }
        }
    }
    // The newest story of each spelling, as the plan orders stories: rank, then id and
    // source, which are only read when more than one spelling competes.
    let idents: HashMap<i64, (String, String)> = if spellings.len() > 1 {
        let sids: Vec<i64> = spellings
            .iter()
            .flat_map(|s| s.newest.1.iter().copied())
            .collect();
        store
            .story_idents(&sids)?
            .into_iter()
            .map(|(sid, source, id)| (sid, (id, source)))
            .collect()
    } else {
        HashMap::new()
    };
    let name = elect(spellings.iter().map(|s| {
        let first = s
            .newest
            .1
            .iter()
            .filter_map(|sid| idents.get(sid))
            .min()
            .cloned();
        (s.name, s.count, (s.newest.0, first))
    }));
    Ok(FeedRow {
        fid: row.fid,
        key: row.key.clone(),
        articles: members.len(),
        name,
        earliest,
    })
}
