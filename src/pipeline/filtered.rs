//! The stored articles as the feeds see them: every stored head through the config's
//! filters ([`crate::filter`]), then deduplicated. The one place a build (and `stats`)
//! applies the filters, so a changed filter reaches every stored article at the next
//! build without fetching anything.

use super::dedup::{dedup, Deduped};
use super::BuildError;
use crate::config::Config;
use crate::filter::Filters;
use crate::model::Article;
use crate::store::{ArticleHead, Store};

/// Above this percentage of the heads, the ones a filter must read whole are read in one
/// pass over every article rather than one by one.
const BULK_SHARE: usize = 10;

/// The stored articles the feeds show: the heads of `store` (with their text when
/// `with_text`), filtered, deduplicated.
pub(super) fn feed_articles(
    cfg: &Config,
    store: &dyn Store,
    with_text: bool,
) -> Result<Deduped, BuildError> {
    feed_articles_counted(cfg, store, with_text).map(|(d, _)| d)
}

/// [`feed_articles`], with how many article heads it read from the store (the build
/// report's `timings.heads_read`).
pub(super) fn feed_articles_counted(
    cfg: &Config,
    store: &dyn Store,
    with_text: bool,
) -> Result<(Deduped, usize), BuildError> {
    let heads = store.article_heads(with_text)?;
    let read = heads.len();
    let filters = Filters::new(cfg);
    let heads = if filters.is_empty() {
        heads
    } else {
        filter_heads(&filters, heads, store)?
    };
    Ok((dedup(heads, store, &cfg.limits)?, read))
}

/// The heads `filters` keep, with what they add. A head without its text whose source has
/// a filter on its title, summary, content or authors is read whole first (and stays
/// whole: its version still prints the stored row).
fn filter_heads(
    filters: &Filters,
    mut heads: Vec<ArticleHead>,
    store: &dyn Store,
) -> Result<Vec<ArticleHead>, BuildError> {
    let need: Vec<usize> = heads
        .iter()
        .enumerate()
        .filter(|(_, h)| !h.text && filters.needs_text(&h.article.source))
        .map(|(i, _)| i)
        .collect();
    if !need.is_empty() {
        let full: Vec<Article> = if need.len() * 100 > BULK_SHARE * heads.len() {
            let mut all: std::collections::HashMap<(String, String), Article> = store
                .articles()?
                .into_iter()
                .map(|a| ((a.source.clone(), a.id.clone()), a))
                .collect();
            need.iter()
                .filter_map(|&i| heads.get(i))
                .filter_map(|h| all.remove(&(h.article.source.clone(), h.article.id.clone())))
                .collect()
        } else {
            let keys: Vec<(&str, &str)> = need
                .iter()
                .filter_map(|&i| heads.get(i))
                .map(|h| (h.article.source.as_str(), h.article.id.as_str()))
                .collect();
            store.articles_by_key(&keys)?
        };
        if full.len() != need.len() {
            let missing = need
                .iter()
                .filter_map(|&i| heads.get(i))
                .find(|h| {
                    !full
                        .iter()
                        .any(|f| f.source == h.article.source && f.id == h.article.id)
                })
                .map(|h| format!("{}/{}", h.article.source, h.article.id))
                .unwrap_or_default();
            return Err(BuildError::StoreChanged(missing));
        }
        for (&i, a) in need.iter().zip(full) {
            if let Some(h) = heads.get_mut(i) {
                h.article = a;
                h.text = true;
            }
        }
    }
    heads.retain_mut(|h| filters.apply(&mut h.article));
    Ok(heads)
}
