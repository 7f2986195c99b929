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

/// The identity keys of an article: its canonical URL and its global GUID.
fn keys(a: &Article) -> impl Iterator<Item = String> + '_ {
    let url = a.url.iter().map(|u| format!("url:{u}"));
    let guid = a
        .source_guid
        .iter()
        .filter(|g| guid_is_global(g))
        .map(|g| format!("guid:{}", g.trim()));
    url.chain(guid)
}

fn find(parent: &mut [usize], mut i: usize) -> usize {
    while parent[i] != i {
        parent[i] = parent[parent[i]];
        i = parent[i];
    }
    i
}

/// Merges articles that share a canonical URL or a global GUID (transitively). The merged
/// article keeps the id, source, title and URL of the member with the smallest id, the
/// union of tags (first seen by key) and categories, the longest content and summary, the
/// earliest `published` and latest `updated`. Output: newest first, then by id.
pub fn dedup(mut articles: Vec<Article>) -> Vec<Article> {
    disambiguate_ids(&mut articles);
    let n = articles.len();
    let mut parent: Vec<usize> = (0..n).collect();
    let mut owner: HashMap<String, usize> = HashMap::new();
    for (i, a) in articles.iter().enumerate() {
        for k in keys(a) {
            match owner.get(&k) {
                Some(&j) => {
                    let (ri, rj) = (find(&mut parent, i), find(&mut parent, j));
                    if ri != rj {
                        parent[ri.max(rj)] = ri.min(rj);
                    }
                }
                None => {
                    owner.insert(k, i);
                }
            }
        }
    }
    let mut groups: HashMap<usize, Vec<Article>> = HashMap::new();
    for (i, a) in articles.into_iter().enumerate() {
        let root = find(&mut parent, i);
        groups.entry(root).or_default().push(a);
    }
    let mut out: Vec<Article> = groups.into_values().filter_map(merge).collect();
    out.sort_by(newest_first);
    out
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

/// Gives distinct ids to distinct articles that share one (a feed repeating a GUID for
/// different items): the member with the smallest (URL, title) keeps the id, the others
/// get one derived from it and their URL or title. Articles with the same id and URL are
/// left alone: they are one article, merged by [`dedup`].
pub fn disambiguate_ids(articles: &mut [Article]) {
    let mut by_id: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, a) in articles.iter().enumerate() {
        by_id.entry(a.id.clone()).or_default().push(i);
    }
    for (id, mut idx) in by_id.into_iter().filter(|(_, v)| v.len() > 1) {
        idx.sort_by(|&i, &j| {
            let (a, b) = (&articles[i], &articles[j]);
            a.url.cmp(&b.url).then_with(|| a.title.cmp(&b.title))
        });
        let Some((&first, rest)) = idx.split_first() else {
            continue;
        };
        for &i in rest {
            let same = articles[i].url.is_some() && articles[i].url == articles[first].url;
            if !same {
                let salt = articles[i]
                    .url
                    .clone()
                    .unwrap_or_else(|| articles[i].title.clone());
                articles[i].id = super::article_id(&id, &[&salt]);
            }
        }
    }
}

fn merge(mut group: Vec<Article>) -> Option<Article> {
    // Sorting makes the result independent of source order in feeds.toml.
    group.sort_by(|a, b| a.id.cmp(&b.id).then_with(|| a.source.cmp(&b.source)));
    let mut it = group.into_iter();
    let mut m = it.next()?;
    for a in it {
        for t in a.tags {
            if !m.tags.iter().any(|x| x.key == t.key) {
                m.tags.push(t);
            }
        }
        for c in a.categories {
            if !m.categories.contains(&c) {
                m.categories.push(c);
            }
        }
        for au in a.authors {
            if !m.authors.contains(&au) {
                m.authors.push(au);
            }
        }
        if a.content.len() > m.content.len() {
            m.content = a.content;
        }
        if a.summary.len() > m.summary.len() {
            m.summary = a.summary;
        }
        m.published = match (m.published, a.published) {
            (Some(x), Some(y)) => Some(x.min(y)),
            (x, y) => x.or(y),
        };
        m.updated = match (m.updated, a.updated) {
            (Some(x), Some(y)) => Some(x.max(y)),
            (x, y) => x.or(y),
        };
        if m.url.is_none() {
            m.url = a.url;
        }
        if m.image.is_none() {
            m.image = a.image;
        }
        if m.title.is_empty() {
            m.title = a.title;
        }
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
    fn transitive_merge_keeps_smallest_id_and_earliest_date() {
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
        let out = dedup(vec![a, b, c, d]);
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
        let out = dedup(vec![
            art("z", None, None),
            art("b", None, Some("2022-05-18T00:00:00Z")),
            art("a", None, Some("2022-05-18T07:00:00+07:00")),
            art("c", None, Some("2022-05-19T00:00:00Z")),
        ]);
        let ids: Vec<&str> = out.iter().map(|a| a.id.as_str()).collect();
        assert_eq!(ids, ["c", "a", "b", "z"]);
    }
}
