//! Cross-source deduplication: the same article seen in several sources becomes one.

use std::cmp::Ordering;
use std::collections::HashMap;

use crate::model::Article;

/// Whether a GUID names the article globally (a URL, URN or tag URI), so that two sources
/// carrying it carry the same article. Bare numbers and slugs are only unique per source.
pub fn guid_is_global(guid: &str) -> bool {
    let g = guid.trim().to_ascii_lowercase();
    g.starts_with("http://")
        || g.starts_with("https://")
        || g.starts_with("urn:")
        || g.starts_with("tag:")
}

/// The keys that recognise an article across sources: its link without the fragment
/// (tracking parameters are already gone) and its global GUID. Kinds are tagged so a URL
/// and a GUID that happen to be spelt alike stay apart.
pub fn match_keys(a: &Article) -> impl Iterator<Item = (u8, &str)> + '_ {
    let url = a.url.as_deref().map(|u| (0u8, super::url::match_key(u)));
    let guid = a
        .source_guid
        .as_deref()
        .filter(|g| guid_is_global(g))
        .map(|g| (1u8, g.trim()));
    url.into_iter().chain(guid)
}

fn find(parent: &mut [usize], mut i: usize) -> usize {
    while parent[i] != i {
        parent[i] = parent[parent[i]];
        i = parent[i];
    }
    i
}

/// Merges articles of different sources that share a match key (transitively), never two
/// articles of one source: a key that one source gives to several of its articles (a
/// podcast whose episodes all link to its home page) identifies none of them, and a merge
/// that would join two articles of one source is not made. A merged article is the richest
/// member kept whole (see [`richest`]), under the id and source of the member with the
/// smallest id (so its GUID stays put when another member becomes the richest), with the
/// union of the members' categories and of their tags, at most `max_tags`.
/// Output: newest first, then by id.
pub fn dedup(articles: Vec<Article>, max_tags: usize) -> Vec<Article> {
    let roots = group_roots(&articles);
    let mut groups: HashMap<usize, Vec<Article>> = HashMap::new();
    for (a, root) in articles.into_iter().zip(roots) {
        groups.entry(root).or_default().push(a);
    }
    let mut out: Vec<Article> = groups
        .into_values()
        .filter_map(|g| merge(g, max_tags))
        .collect();
    out.sort_by(newest_first);
    out
}

/// The groups [`dedup`] makes of `articles`, as indices into it: each group in ascending
/// order, groups ordered by their first index. [`merge`] of a group's articles is the
/// article [`dedup`] gives for it.
pub fn groups(articles: &[Article]) -> Vec<Vec<usize>> {
    let mut by_root: HashMap<usize, Vec<usize>> = HashMap::new();
    for (i, root) in group_roots(articles).into_iter().enumerate() {
        by_root.entry(root).or_default().push(i);
    }
    let mut out: Vec<Vec<usize>> = by_root.into_values().collect();
    out.sort_unstable_by_key(|g| g.first().copied());
    out
}

/// Per article, the root of its group (see [`dedup`] for the rules).
fn group_roots(articles: &[Article]) -> Vec<usize> {
    let n = articles.len();
    let mut members: HashMap<(u8, &str), Vec<usize>> = HashMap::new();
    for (i, a) in articles.iter().enumerate() {
        for k in match_keys(a) {
            members.entry(k).or_default().push(i);
        }
    }
    // Keys in a fixed order, and members by (source, id): the groups do not depend on the
    // order the articles came in.
    let mut keys: Vec<((u8, &str), Vec<usize>)> =
        members.into_iter().filter(|(_, m)| m.len() > 1).collect();
    keys.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    let mut parent: Vec<usize> = (0..n).collect();
    let mut sources: HashMap<usize, Vec<&str>> = HashMap::new();
    for (_, mut m) in keys {
        m.sort_unstable_by(|&i, &j| by_source_id(&articles[i], &articles[j]));
        let ambiguous = m
            .windows(2)
            .any(|w| articles[w[0]].source == articles[w[1]].source);
        if ambiguous {
            continue;
        }
        for w in m.windows(2) {
            let (ri, rj) = (find(&mut parent, w[0]), find(&mut parent, w[1]));
            if ri == rj {
                continue;
            }
            let si = sources
                .remove(&ri)
                .unwrap_or_else(|| vec![articles[ri].source.as_str()]);
            let sj = sources
                .remove(&rj)
                .unwrap_or_else(|| vec![articles[rj].source.as_str()]);
            if si.iter().any(|s| sj.contains(s)) {
                sources.insert(ri, si);
                sources.insert(rj, sj);
                continue;
            }
            let (root, child) = (ri.min(rj), ri.max(rj));
            parent[child] = root;
            let mut all = si;
            all.extend(sj);
            sources.insert(root, all);
        }
    }
    (0..n).map(|i| find(&mut parent, i)).collect()
}

fn by_source_id(a: &Article, b: &Article) -> Ordering {
    a.source.cmp(&b.source).then_with(|| a.id.cmp(&b.id))
}

/// Newest `published` first, undated last, ties by id.
pub fn newest_first(a: &Article, b: &Article) -> Ordering {
    match (&a.published, &b.published) {
        (Some(x), Some(y)) => y.cmp(x),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    }
    .then_with(|| a.id.cmp(&b.id))
    .then_with(|| a.url.cmp(&b.url))
    .then_with(|| a.title.cmp(&b.title))
}

/// Which of two records of one article is the richer: the longer content, then the longer
/// summary, then the one with an image, then the longer title; ties go to the smaller
/// (source, id), so the choice never depends on order.
fn richest(a: &Article, b: &Article) -> Ordering {
    a.content
        .len()
        .cmp(&b.content.len())
        .then_with(|| a.summary.len().cmp(&b.summary.len()))
        .then_with(|| a.image.is_some().cmp(&b.image.is_some()))
        .then_with(|| a.title.len().cmp(&b.title.len()))
        .then_with(|| by_source_id(b, a))
}

/// One group of [`groups`] merged: the richest record whole, under the id and source of
/// the member with the smallest (source, id), with the union of tags (at most `max_tags`)
/// and categories. A group of one is its article; an empty group is `None`.
pub fn merge(mut group: Vec<Article>, max_tags: usize) -> Option<Article> {
    if group.len() == 1 {
        return group.pop();
    }
    group.sort_by(by_source_id);
    let (id, source) = (group[0].id.clone(), group[0].source.clone());
    let best = (0..group.len()).max_by(|&i, &j| richest(&group[i], &group[j]))?;
    let mut m = group.swap_remove(best);
    // Unions in (source, id) order after the record kept, so they do not depend on order.
    group.sort_by(by_source_id);
    m.id = id;
    m.source = source;
    let mut cut = 0usize;
    for a in group {
        // The article was first seen when any of its records was: archives order by it,
        // and a merge must not move an old article to the newest page.
        m.first_seen = match (m.first_seen, a.first_seen) {
            (Some(x), Some(y)) => Some(x.min(y)),
            (x, y) => x.or(y),
        };
        for t in a.tags {
            if m.tags.iter().any(|x| x.key == t.key) {
                continue;
            }
            if m.tags.len() < max_tags {
                m.tags.push(t);
            } else {
                cut += 1;
            }
        }
        for c in a.categories {
            if !m.categories.contains(&c) {
                m.categories.push(c);
            }
        }
    }
    if cut > 0 {
        tracing::warn!(
            "article {:?} ({}): {cut} tags of its other sources were dropped (limits.tags_per_article = {max_tags})",
            m.title,
            m.url.as_deref().unwrap_or("no link")
        );
    }
    Some(m)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::DateTime;

    fn art(id: &str, url: Option<&str>, published: Option<&str>) -> Article {
        Article {
            id: id.into(),
            source: format!("s-{id}"),
            source_guid: None,
            url: url.map(String::from),
            title: format!("t-{id}"),
            summary: String::new(),
            content: String::new(),
            authors: Vec::new(),
            published: published.and_then(|p| DateTime::parse_from_rfc3339(p).ok()),
            updated: None,
            image: None,
            tags: Vec::new(),
            categories: Vec::new(),
            ..Default::default()
        }
    }

    #[test]
    fn global_guids() {
        assert!(guid_is_global("https://baoyenbai.com.vn/12/255024.aspx"));
        assert!(guid_is_global(
            " URN:uuid:1b4e28ba-2fa1-11d2-883f-0016d3cca427"
        ));
        assert!(guid_is_global("tag:baoyenbai.com.vn,2022:255024"));
        assert!(!guid_is_global("255024"));
        assert!(!guid_is_global("bai-viet-255024"));
    }

    #[test]
    fn transitive_merge_keeps_the_smallest_id_and_the_richest_record_whole() {
        let mut a = art(
            "b2",
            Some("https://x.vn/1"),
            Some("2022-05-18T06:00:00+07:00"),
        );
        a.source_guid = Some("urn:x:1".into());
        let mut b = art(
            "a1",
            Some("https://y.vn/1"),
            Some("2022-05-18T05:00:00+07:00"),
        );
        b.source_guid = Some("urn:x:1".into());
        b.content = "<p>dài hơn</p>".into();
        let c = art("c3", Some("https://y.vn/1"), None);
        let d = art(
            "d4",
            Some("https://z.vn/"),
            Some("2022-05-19T00:00:00+07:00"),
        );
        let out = dedup(vec![a, b, c, d], 32);
        let ids: Vec<&str> = out.iter().map(|a| a.id.as_str()).collect();
        assert_eq!(ids, ["d4", "a1"]);
        let m = &out[1];
        assert_eq!(m.source, "s-a1");
        assert_eq!(m.content, "<p>dài hơn</p>");
        assert_eq!(
            m.published.map(|d| d.to_rfc3339()).as_deref(),
            Some("2022-05-18T05:00:00+07:00")
        );
    }

    #[test]
    fn order_is_newest_first_then_id_undated_last() {
        let out = dedup(
            vec![
                art("z", None, None),
                art("b", None, Some("2022-05-18T00:00:00Z")),
                art("a", None, Some("2022-05-18T07:00:00+07:00")),
                art("c", None, Some("2022-05-19T00:00:00Z")),
            ],
            32,
        );
        let ids: Vec<&str> = out.iter().map(|a| a.id.as_str()).collect();
        assert_eq!(ids, ["c", "a", "b", "z"]);
    }
}
