//! Feed categories of an article, from the operator's `[[category]]` rules and the
//! source's `category`.

use std::collections::HashSet;

use rustc_hash::FxHashMap;

use regex::Regex;

use super::tags::Aliases;
use crate::config::{CategoryCfg, Source};
use crate::model::Tag;
use crate::text::clean_tag;

/// One `[[category]]`, with its tag list turned into keys.
#[derive(Debug, Clone)]
struct Rule {
    name: String,
    /// The name's tag key with aliases applied: a feed category equal to it matches.
    name_key: String,
    sources: HashSet<String>,
    tag_keys: HashSet<String>,
    pattern: Option<Regex>,
}

/// The category rules of a config, prepared once per build.
#[derive(Debug, Clone, Default)]
pub struct Categories {
    rules: Vec<Rule>,
    /// Rules by what can make an article hit them, so that an article is looked up once
    /// per tag, not once per tag and rule (a hundred categories made that a tenth of
    /// normalizing).
    by_name: FxHashMap<String, Vec<usize>>,
    by_source: FxHashMap<String, Vec<usize>>,
    by_tag: FxHashMap<String, Vec<usize>>,
    /// Rules with a title pattern.
    patterned: Vec<usize>,
}

impl Categories {
    /// Prepares `cats` (in file order) using `aliases` for tag identity.
    pub fn new(cats: &[CategoryCfg], aliases: &Aliases) -> Categories {
        let rules = cats
            .iter()
            .map(|c| Rule {
                name: c.name.clone(),
                name_key: aliases.key(&c.name),
                sources: c.sources.iter().cloned().collect(),
                tag_keys: c.tags.iter().map(|t| aliases.key(t)).collect(),
                pattern: c.pattern.clone(),
            })
            .collect::<Vec<Rule>>();
        let mut c = Categories::default();
        for (i, r) in rules.iter().enumerate() {
            c.by_name.entry(r.name_key.clone()).or_default().push(i);
            for s in &r.sources {
                c.by_source.entry(s.clone()).or_default().push(i);
            }
            for t in &r.tag_keys {
                c.by_tag.entry(t.clone()).or_default().push(i);
            }
            if r.pattern.is_some() {
                c.patterned.push(i);
            }
        }
        c.rules = rules;
        c
    }

    /// Names of the categories an article is in, in config order, the source's own
    /// `category` last when it names no `[[category]]`. `tags` are the article's tags
    /// (aliased); `feed_categories` its own categories as written in the source.
    pub fn of<S: AsRef<str>>(
        &self,
        source: &Source,
        title: &str,
        tags: &[Tag],
        feed_categories: &[S],
        aliases: &Aliases,
    ) -> Vec<String> {
        let source_key = source.category.as_deref().map(|c| aliases.key(c));
        let mut hit = vec![false; self.rules.len()];
        let mut mark = |rules: Option<&Vec<usize>>| {
            for &i in rules.into_iter().flatten() {
                if let Some(h) = hit.get_mut(i) {
                    *h = true;
                }
            }
        };
        if let Some(key) = &source_key {
            mark(self.by_name.get(key));
        }
        mark(self.by_source.get(&source.name));
        for t in tags {
            mark(self.by_tag.get(&t.key));
        }
        for c in feed_categories {
            mark(self.by_name.get(&aliases.key(c.as_ref())));
        }
        for &i in &self.patterned {
            let matched = self.rules.get(i).and_then(|r| r.pattern.as_ref());
            if matched.is_some_and(|p| p.is_match(title)) {
                if let Some(h) = hit.get_mut(i) {
                    *h = true;
                }
            }
        }
        let mut out: Vec<String> = Vec::new();
        let mut push = |name: &str| {
            if !out.iter().any(|n| n == name) {
                out.push(name.to_string());
            }
        };
        for (r, _) in self.rules.iter().zip(&hit).filter(|(_, h)| **h) {
            push(&r.name);
        }
        if let (Some(cat), Some(key)) = (&source.category, &source_key) {
            if !key.is_empty() && !self.by_name.contains_key(key) {
                push(&clean_tag(cat));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{SourceUrl, TagsCfg};

    fn source(name: &str, category: Option<&str>) -> Source {
        Source {
            category: category.map(String::from),
            ..Source::feed(name, SourceUrl::File("/tmp/feed.xml".into()))
        }
    }

    fn cat(name: &str, sources: &[&str], tags: &[&str], pattern: Option<&str>) -> CategoryCfg {
        CategoryCfg {
            name: name.into(),
            slug: crate::text::slugify(name),
            sources: sources.iter().map(|s| s.to_string()).collect(),
            tags: tags.iter().map(|s| s.to_string()).collect(),
            pattern: pattern.and_then(|p| Regex::new(p).ok()),
        }
    }

    fn tag(aliases: &Aliases, s: &str) -> Tag {
        aliases.tag(s).unwrap_or_else(|| Tag {
            key: String::new(),
            name: String::new(),
        })
    }

    #[test]
    fn each_rule_and_the_order() {
        let mut tcfg = TagsCfg::default();
        tcfg.aliases.insert(
            "Lục Yên".into(),
            vec!["Luc Yen".into(), "huyện Lục Yên".into()],
        );
        let aliases = Aliases::new(&tcfg);
        let rules = Categories::new(
            &[
                cat("Xây dựng Đảng", &["xdd"], &[], None),
                cat("Lục Yên", &[], &["huyện Lục Yên"], None),
                cat("Nông nghiệp", &[], &["Chè"], Some("(?i)nông nghiệp|lúa")),
                cat("Thời sự", &[], &[], None),
            ],
            &aliases,
        );
        let none: &[String] = &[];
        // Source, tag (through the alias), regex, and source category, in config order.
        let got = rules.of(
            &source("xdd", Some("THỜI SỰ")),
            "Vụ LÚA chiêm",
            &[tag(&aliases, "Luc Yen")],
            none,
            &aliases,
        );
        assert_eq!(got, ["Xây dựng Đảng", "Lục Yên", "Nông nghiệp", "Thời sự"]);
        // A feed category equal to a category name (NFD, other case, quotes).
        let nfd: String =
            unicode_normalization::UnicodeNormalization::nfd("“nông NGHIỆP”").collect();
        let got = rules.of(&source("x", None), "Tin", &[], &[nfd], &aliases);
        assert_eq!(got, ["Nông nghiệp"]);
        // Nothing matches; a source category naming no [[category]] stands alone.
        assert!(rules
            .of(&source("x", None), "Tin", &[], none, &aliases)
            .is_empty());
        let got = rules.of(
            &source("x", Some("  Kinh  tế ")),
            "Tin",
            &[],
            none,
            &aliases,
        );
        assert_eq!(got, ["Kinh tế"]);
    }
}
