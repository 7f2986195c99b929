//! Feed categories of an article, from the operator's `[[category]]` rules and the
//! source's `category`.

use std::collections::HashSet;

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
            .collect();
        Categories { rules }
    }

    /// Names of the categories an article is in, in config order, the source's own
    /// `category` last when it names no `[[category]]`. `tags` are the article's tags
    /// (aliased); `feed_categories` its own categories as written in the source.
    pub fn of(
        &self,
        source: &Source,
        title: &str,
        tags: &[Tag],
        feed_categories: &[String],
        aliases: &Aliases,
    ) -> Vec<String> {
        let source_key = source.category.as_deref().map(|c| aliases.key(c));
        let own_keys: HashSet<String> = feed_categories.iter().map(|c| aliases.key(c)).collect();
        let mut out: Vec<String> = Vec::new();
        let mut push = |name: &str| {
            if !out.iter().any(|n| n == name) {
                out.push(name.to_string());
            }
        };
        for r in &self.rules {
            let hit = source_key.as_deref() == Some(r.name_key.as_str())
                || r.sources.contains(&source.name)
                || tags.iter().any(|t| r.tag_keys.contains(&t.key))
                || r.pattern.as_ref().is_some_and(|p| p.is_match(title))
                || own_keys.contains(&r.name_key);
            if hit {
                push(&r.name);
            }
        }
        if let (Some(cat), Some(key)) = (&source.category, &source_key) {
            if !key.is_empty() && !self.rules.iter().any(|r| &r.name_key == key) {
                push(&clean_tag(cat));
            }
        }
        out
    }
}
