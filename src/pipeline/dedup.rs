//! The stored articles as a build needs them: deduplicated cheaply, as heads, with the
//! text read only where a feed is rendered again.

use std::collections::HashMap;

use rustc_hash::FxHashSet;
use xxhash_rust::xxh3::xxh3_64_with_seed;

use super::BuildError;
use crate::config::LimitsCfg;
use crate::model::Article;
use crate::normalize;
use crate::store::{ArticleHead, Store};

/// [`normalize::dedup`] over the articles that can have a duplicate: those sharing a
/// match key (canonical URL, global GUID) with another. Every other article is its own
/// group, which dedup leaves as it is, so the result holds the same articles as
/// deduplicating them all — at a fraction of the cost on a store of many articles, where
/// almost none are duplicates.
///
/// The articles come as heads; those without their text that may be merged are read in
/// full (merging keeps the longest text). Returns the articles, the version of each (see
/// [`crate::emit::outdated`]) and whether its text is there: the heads in the store's
/// order, then the merged groups newest first. That order is deterministic, and nothing
/// depends on it beyond that: the plan orders articles itself, by date and then by id.
pub(super) fn dedup(
    heads: Vec<ArticleHead>,
    store: &dyn Store,
    limits: &LimitsCfg,
) -> Result<Deduped, BuildError> {
    let flags = maybe_shared(&heads);
    let mut out = Deduped {
        articles: Vec::with_capacity(heads.len()),
        versions: Vec::with_capacity(heads.len()),
        text: Vec::with_capacity(heads.len()),
    };
    let mut complete = Vec::new();
    let mut partial = Vec::new();
    for (h, flagged) in heads.into_iter().zip(flags) {
        match (flagged, h.text) {
            (false, _) => {
                out.articles.push(h.article);
                out.versions.push(h.version);
                out.text.push(h.text);
            }
            (true, true) => complete.push(h.article),
            (true, false) => partial.push(h.article),
        }
    }
    if !partial.is_empty() {
        let heads: Vec<&Article> = partial.iter().collect();
        let full = read_complete(store, &heads, false)?;
        for (mut head, full) in partial.into_iter().zip(full) {
            fill_fields(&mut head, full);
            complete.push(head);
        }
    }
    // A merged article is printed from its fields: it is no stored row.
    for a in normalize::dedup(complete, limits) {
        out.articles.push(a);
        out.versions.push(None);
        out.text.push(true);
    }
    Ok(out)
}

/// What [`dedup`] gives: three lists, one entry per article.
pub(super) struct Deduped {
    /// The articles, some possibly without their text.
    pub articles: Vec<Article>,
    /// The version of each stored article, to print it by.
    pub versions: Vec<Option<u128>>,
    /// Whether each article's text is there.
    pub text: Vec<bool>,
}

/// Per head, whether it may share a match key (see [`normalize::dedup::match_keys`]) with
/// another. Keys are compared by a 64-bit hash: a collision only sends an article through
/// the exact comparison of [`normalize::dedup`], which leaves it as it is.
fn maybe_shared(heads: &[ArticleHead]) -> Vec<bool> {
    let keys: Vec<Vec<u64>> = heads
        .iter()
        .map(|h| {
            normalize::dedup::match_keys(&h.article)
                .map(|(kind, k)| xxh3_64_with_seed(k.as_bytes(), u64::from(kind)))
                .collect()
        })
        .collect();
    let mut all: Vec<u64> = keys.iter().flatten().copied().collect();
    all.sort_unstable();
    let repeated: FxHashSet<u64> = all
        .windows(2)
        .filter(|w| w[0] == w[1])
        .map(|w| w[0])
        .collect();
    keys.iter()
        .map(|k| k.iter().any(|h| repeated.contains(h)))
        .collect()
}

/// Reads the complete articles of the heads `need` names into place.
pub(super) fn fill_text(
    articles: &mut [Article],
    need: &[usize],
    store: &dyn Store,
) -> Result<(), BuildError> {
    let heads: Vec<&Article> = need.iter().filter_map(|&i| articles.get(i)).collect();
    // One read of every article beats many lookups by key once a good share of the store
    // is wanted (a first build renders every feed).
    let bulk = need.len() > BULK_SHARE * articles.len() / 100;
    let full = read_complete(store, &heads, bulk)?;
    for (&i, a) in need.iter().zip(full) {
        if let Some(slot) = articles.get_mut(i) {
            fill_fields(slot, a);
        }
    }
    Ok(())
}

/// Gives `head` the text fields of `full`, its stored article: the fields a head lacks.
/// Identity, dates, tags and categories stay the head's, with what filters added to them.
/// The image's type and size and the enclosures are not in the heads index either.
fn fill_fields(head: &mut Article, full: Article) {
    head.title = full.title;
    head.summary = full.summary;
    head.content = full.content;
    head.authors = full.authors;
    head.image = full.image;
    head.image_meta = full.image_meta;
    head.enclosures = full.enclosures;
}

/// The complete stored articles of `heads`, in their order: by key, or out of one read of
/// every article when `bulk`. A head whose article is gone (another process deleted it
/// in between) stops the build rather than let feeds be written with empty articles.
fn read_complete(
    store: &dyn Store,
    heads: &[&Article],
    bulk: bool,
) -> Result<Vec<Article>, BuildError> {
    let full = if bulk {
        wanted_of_all(store.articles()?, heads)
    } else {
        let keys: Vec<(&str, &str)> = heads
            .iter()
            .map(|a| (a.source.as_str(), a.id.as_str()))
            .collect();
        store.articles_by_key(&keys)?
    };
    if full.len() != heads.len() {
        let missing = heads
            .iter()
            .find(|h| !full.iter().any(|f| f.source == h.source && f.id == h.id))
            .map(|h| format!("{}/{}", h.source, h.id))
            .unwrap_or_default();
        return Err(BuildError::StoreChanged(missing));
    }
    Ok(full)
}

/// Above this percentage of the articles, [`fill_text`] reads them all at once.
const BULK_SHARE: usize = 10;

/// The articles of `all` that `heads` name, in the order of `heads`; a head with no
/// article in `all` is left out.
fn wanted_of_all(all: Vec<Article>, heads: &[&Article]) -> Vec<Article> {
    let picks: Vec<Option<usize>> = {
        let index: HashMap<(&str, &str), usize> = all
            .iter()
            .enumerate()
            .map(|(i, a)| ((a.source.as_str(), a.id.as_str()), i))
            .collect();
        heads
            .iter()
            .map(|h| index.get(&(h.source.as_str(), h.id.as_str())).copied())
            .collect()
    };
    let mut all: Vec<Option<Article>> = all.into_iter().map(Some).collect();
    picks
        .into_iter()
        .flatten()
        .filter_map(|i| all.get_mut(i).and_then(Option::take))
        .collect()
}
