//! One source's items → its articles: the per-source rules around [`Normalizer::article`]
//! — its limits, the warning for every item skipped, and identity within the source.
//!
//! Within one source two items are the same article only when their GUID (Atom id) is
//! equal, or, when neither has one, when their full link, fragment included, is equal.
//! Distinct items under one GUID (a feed reusing GUIDs by mistake) are all kept, each under
//! an id of its own; exact copies are dropped with a warning.

use std::collections::HashMap;
use std::time::Instant;

use super::{article_id, Normalizer};
use crate::config::Source;
use crate::model::{Article, RawArticle, RawFeed};

impl Normalizer {
    /// Normalizes the items of one document (or scrape) of `source`, in document order, with
    /// the per-source rules: at most `limits.items_per_source` items and `limits.read_time`
    /// of work; an item with nothing to show is skipped with a warning naming it (its
    /// position, and its GUID or link); every article gets an id no other article of the
    /// source has. Everything cut or dropped is a warning in `warnings`.
    pub fn articles(
        &self,
        items: Vec<RawArticle<'_>>,
        source: &Source,
        warnings: &mut Vec<String>,
    ) -> Vec<Article> {
        let total = items.len();
        self.articles_of(items, total, source, warnings)
    }

    /// [`Normalizer::articles`] of a feed read with
    /// [`read_feed_limited`](crate::read::read_feed_limited): the items it counted past its
    /// limit are reported with the ones it kept.
    pub fn feed_articles(
        &self,
        feed: RawFeed<'_>,
        source: &Source,
        warnings: &mut Vec<String>,
    ) -> Vec<Article> {
        let total = feed.items.len() + feed.items_over_limit;
        self.articles_of(feed.items, total, source, warnings)
    }

    fn articles_of(
        &self,
        items: Vec<RawArticle<'_>>,
        total: usize,
        source: &Source,
        warnings: &mut Vec<String>,
    ) -> Vec<Article> {
        let limits = self.limits();
        if total > limits.items_per_source {
            warnings.push(format!(
                "source {}: the document has {total} items; only the first {} were read (limits.items_per_source)",
                source.name, limits.items_per_source
            ));
        }
        let started = Instant::now();
        let mut out = Vec::with_capacity(total.min(limits.items_per_source));
        for (i, raw) in items.into_iter().take(limits.items_per_source).enumerate() {
            // The first item is always read: under load a thread can be descheduled past a
            // small budget before it starts, and a source must never come out empty for that.
            if i > 0 && started.elapsed() > limits.read_time {
                warnings.push(format!(
                    "source {}: reading stopped after {:?} (limits.read_time): the first {i} of {total} items were kept",
                    source.name, limits.read_time
                ));
                break;
            }
            let name = item_name(i, &raw);
            match self.article(raw, source, warnings) {
                Some(a) => out.push(a),
                None => warnings.push(format!(
                    "source {}: {name} skipped: it has no title, link, summary or content",
                    source.name
                )),
            }
        }
        distinct_ids(out, &source.name, warnings)
    }
}

/// How a warning names an item: its 1-based position, and its GUID or link if it has one.
fn item_name(i: usize, raw: &RawArticle<'_>) -> String {
    let pos = i + 1;
    let guid = raw.guid.as_deref().map(str::trim).filter(|g| !g.is_empty());
    let link = raw.link.as_deref().map(str::trim).filter(|l| !l.is_empty());
    match (guid, link) {
        (Some(g), _) => format!("item {pos} (GUID {g:?})"),
        (None, Some(l)) => format!("item {pos} (link {l:?})"),
        (None, None) => format!("item {pos}"),
    }
}

/// Gives every article of one source an id of its own (see the module rules); articles
/// that are one article keep the first listing, as in the feed.
fn distinct_ids(articles: Vec<Article>, source: &str, warnings: &mut Vec<String>) -> Vec<Article> {
    let mut by_id: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, a) in articles.iter().enumerate() {
        by_id.entry(a.id.as_str()).or_default().push(i);
    }
    let mut groups: Vec<Vec<usize>> = by_id.into_values().filter(|g| g.len() > 1).collect();
    if groups.is_empty() {
        return articles;
    }
    groups.sort_unstable();
    let mut drop = vec![false; articles.len()];
    let mut new_ids: Vec<(usize, String)> = Vec::new();
    for group in groups {
        let first = group[0];
        let a = &articles[first];
        if a.source_guid.is_none() && a.url.is_some() {
            // No GUID and one link: one article by the rules.
            for &j in &group[1..] {
                drop[j] = true;
            }
            warnings.push(format!(
                "source {source}: {} items have no GUID and the same link {:?}: they are one article, the first listing was kept",
                group.len(),
                a.url.as_deref().unwrap_or_default()
            ));
            continue;
        }
        let (renamed, copies) = split_group(&articles, &group);
        for j in copies {
            drop[j] = true;
        }
        new_ids.extend(renamed);
        let copies = group.len() - group.iter().filter(|&&j| !drop[j]).count();
        if copies > 0 {
            warnings.push(format!(
                "source {source}: {copies} exact copies of the item {:?} were dropped",
                a.title
            ));
        }
    }
    let mut articles = articles;
    for (i, id) in new_ids {
        if let Some(a) = articles.get_mut(i) {
            a.id = id;
        }
    }
    articles
        .into_iter()
        .zip(drop)
        .filter_map(|(a, d)| (!d).then_some(a))
        .collect()
}

/// Within a group of articles sharing an id: new ids for all but one of the distinct
/// articles, and the exact copies to drop. The id a member gets depends on its own fields
/// only (the fewest that tell the members apart), never on the order of the feed, so it is
/// the same at every build.
fn split_group(articles: &[Article], group: &[usize]) -> (Vec<(usize, String)>, Vec<usize>) {
    let level = (1..=3)
        .find(|&l| {
            let mut salts: Vec<String> = group.iter().map(|&i| salt(&articles[i], l)).collect();
            salts.sort_unstable();
            salts.windows(2).all(|w| w[0] != w[1])
        })
        .unwrap_or(3);
    let mut members: Vec<(String, usize)> = group
        .iter()
        .map(|&i| (salt(&articles[i], level), i))
        .collect();
    // The smallest salt keeps the id; equal salts at the last level are copies, of which
    // the first listing stays.
    members.sort();
    let mut renamed = Vec::new();
    let mut copies = Vec::new();
    let mut kept: Vec<&str> = Vec::new();
    for (k, (s, i)) in members.iter().enumerate() {
        if kept.contains(&s.as_str()) {
            copies.push(*i);
            continue;
        }
        kept.push(s);
        if k > 0 {
            renamed.push((*i, article_id(&articles[*i].id, &[s])));
        }
    }
    (renamed, copies)
}

/// What tells two articles under one id apart, at increasing levels of detail.
fn salt(a: &Article, level: u8) -> String {
    let mut parts = vec![a.url.as_deref().unwrap_or_default(), a.title.as_str()];
    let date = a.published.map(|d| d.to_rfc3339()).unwrap_or_default();
    if level >= 2 {
        parts.push(&date);
    }
    if level >= 3 {
        parts.push(&a.summary);
        parts.push(&a.content);
    }
    parts.join("\u{0}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn art(id: &str, guid: Option<&str>, url: Option<&str>, title: &str) -> Article {
        Article {
            id: id.into(),
            source: "s".into(),
            source_guid: guid.map(String::from),
            url: url.map(String::from),
            title: title.into(),
            ..Article::default()
        }
    }

    #[test]
    fn distinct_items_under_one_guid_get_ids_that_do_not_depend_on_order() {
        let a = art("x", Some("g"), Some("https://e.vn/a"), "A");
        let b = art("x", Some("g"), Some("https://e.vn/b"), "B");
        let mut w = Vec::new();
        let one = distinct_ids(vec![a.clone(), b.clone()], "s", &mut w);
        let two = distinct_ids(vec![b, a], "s", &mut w);
        let ids = |v: &[Article]| {
            let mut v: Vec<(String, String)> =
                v.iter().map(|a| (a.title.clone(), a.id.clone())).collect();
            v.sort();
            v
        };
        assert_eq!(ids(&one), ids(&two));
        assert_eq!(one.len(), 2);
        assert_ne!(one[0].id, one[1].id);
    }

    #[test]
    fn exact_copies_are_dropped_with_a_warning_and_one_link_without_guid_is_one_article() {
        let a = art("x", Some("g"), Some("https://e.vn/a"), "A");
        let mut w = Vec::new();
        let out = distinct_ids(vec![a.clone(), a.clone(), a], "s", &mut w);
        assert_eq!(out.len(), 1);
        assert!(w[0].contains("2 exact copies"), "{w:?}");
        let first = art("y", None, Some("https://e.vn/a#1"), "First");
        let second = art("y", None, Some("https://e.vn/a#1"), "Second");
        let mut w = Vec::new();
        let out = distinct_ids(vec![first, second], "s", &mut w);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].title, "First");
        assert!(w[0].contains("one article"), "{w:?}");
    }
}
