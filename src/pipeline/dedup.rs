//! Deduplicating the stored articles cheaply.

use std::collections::HashMap;

use crate::model::Article;
use crate::normalize;

/// [`normalize::dedup`] over the articles that can have a duplicate: those sharing a
/// canonical URL or a global GUID with another (the keys dedup merges on). Every other
/// article is its own group, which dedup leaves as it is, so the result is the same as
/// deduplicating them all (same order too: dedup's `newest_first`) — at a fraction of the
/// cost on a store of many articles, where almost none are duplicates. Store ids are
/// unique, so dedup's id disambiguation has nothing to do outside the groups either.
pub(super) fn dedup(articles: Vec<Article>) -> Vec<Article> {
    use normalize::dedup::{guid_is_global, newest_first};
    let mut urls: HashMap<&str, u32> = HashMap::with_capacity(articles.len());
    let mut guids: HashMap<&str, u32> = HashMap::new();
    let mut ids: HashMap<&str, u32> = HashMap::with_capacity(articles.len());
    for a in &articles {
        if let Some(u) = &a.url {
            *urls.entry(u.as_str()).or_default() += 1;
        }
        if let Some(g) = a.source_guid.as_deref().filter(|g| guid_is_global(g)) {
            *guids.entry(g.trim()).or_default() += 1;
        }
        *ids.entry(a.id.as_str()).or_default() += 1;
    }
    let shared = |a: &Article| {
        a.url.as_deref().is_some_and(|u| urls.get(u) > Some(&1))
            || a.source_guid
                .as_deref()
                .filter(|g| guid_is_global(g))
                .is_some_and(|g| guids.get(g.trim()) > Some(&1))
            || ids.get(a.id.as_str()) > Some(&1)
    };
    let flags: Vec<bool> = articles.iter().map(shared).collect();
    drop((urls, guids, ids));
    let mut out = Vec::with_capacity(articles.len());
    let mut maybe = Vec::new();
    for (a, flagged) in articles.into_iter().zip(flags) {
        if flagged {
            maybe.push(a);
        } else {
            out.push(a);
        }
    }
    out.extend(normalize::dedup(maybe));
    out.sort_by(newest_first);
    out
}
