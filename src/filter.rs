//! Filters: which stored articles the feeds show, and what is added to the ones a filter
//! matches (`[[filter]]` and `[[source.filter]]` in feeds.toml).
//!
//! Rules (the README's "Filters" section says the same to operators):
//! - Filters never touch the store: every article stays stored as its source gave it, and
//!   the filters are applied anew at every build to every stored article. A changed filter
//!   therefore takes effect at the next build on everything stored, without fetching
//!   anything again, and a filter removed brings its articles back.
//! - An article meets the filters that apply to its source: the `[[filter]]` tables (all
//!   sources, or those in their `sources`) in file order, then its source's own
//!   `[[source.filter]]` tables in file order. Each is one step: `discard` drops the article
//!   when it matches; `keep` drops it when it does not; `tag` drops nothing. The first step
//!   that drops an article ends its walk; the tags and category of every `keep` and `tag`
//!   step it matched before are added to it (a tag through the `[tags.aliases]`, a category
//!   like a source's `category`: it gets a feed of its own).
//! - A filter matches when its `match` regular expression matches one of its `fields`, or
//!   one of its `words` (a word or phrase) stands whole in one of them, compared by
//!   [`fold`]: case and accents ignored, so `lua` matches `Lúa` — and `Lụa`, since they
//!   differ only by accents. Each tag and each author is matched on its own (a phrase never
//!   spans two tags); the content is matched on its text, never on its markup.
//! - Deduplication across sources comes after the filters: a source's filters decide about
//!   its own copy of an article only.

use std::collections::HashSet;

use regex::Regex;
use serde::Serialize;

use crate::config::{Config, FilterAction, FilterCfg, FilterField};
use crate::model::{Article, Tag};
use crate::normalize::tags::Aliases;
use crate::normalize::text::plain_text;
use crate::text::tag_key;

/// `s` for comparing words: accents and case removed (`Đảng bộ` → `dang bo`), every run of
/// characters that are not letters or digits one space.
pub fn fold(s: &str) -> String {
    let ascii = deunicode::deunicode(&crate::text::nfc(s)).to_lowercase();
    ascii
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// One filter, ready to match.
#[derive(Debug, Clone)]
struct Rule {
    label: String,
    sources: HashSet<String>,
    action: FilterAction,
    fields: Vec<FilterField>,
    pattern: Option<Regex>,
    /// The `words`, folded, as one expression over folded text.
    words: Option<Regex>,
    add_tags: Vec<Tag>,
    add_category: Option<String>,
}

impl Rule {
    fn new(f: &FilterCfg, aliases: &Aliases) -> Rule {
        let phrases: Vec<String> = f
            .words
            .iter()
            .map(|w| {
                fold(w)
                    .split(' ')
                    .map(regex::escape)
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .filter(|p| !p.is_empty())
            .collect();
        // Folded text is words joined by single spaces, so a space or an end on each side
        // makes a phrase match whole words only.
        let words = (!phrases.is_empty())
            .then(|| Regex::new(&format!("(?:^| )(?:{})(?: |$)", phrases.join("|"))).ok())
            .flatten();
        Rule {
            label: f.label.clone(),
            sources: f.sources.iter().cloned().collect(),
            action: f.action,
            fields: f.fields.clone(),
            pattern: f.pattern.clone(),
            words,
            add_tags: f.add_tags.iter().filter_map(|t| aliases.tag(t)).collect(),
            add_category: f.add_category.clone(),
        }
    }

    fn applies_to(&self, source: &str) -> bool {
        self.sources.is_empty() || self.sources.contains(source)
    }

    /// Whether `text` matches the regex or holds one of the words.
    fn hit(&self, text: &str) -> bool {
        if text.is_empty() {
            return false;
        }
        self.pattern.as_ref().is_some_and(|p| p.is_match(text))
            || self.words.as_ref().is_some_and(|w| w.is_match(&fold(text)))
    }

    /// The first of its fields that matches `a`.
    fn matches(&self, a: &Article) -> Option<FilterField> {
        self.fields.iter().copied().find(|field| match field {
            FilterField::Title => self.hit(&a.title),
            FilterField::Summary => self.hit(&a.summary),
            FilterField::Content => !a.content.is_empty() && self.hit(&plain_text(&a.content)),
            FilterField::Author => a.authors.iter().any(|x| self.hit(x)),
            FilterField::Tags => a.tags.iter().any(|t| self.hit(&t.name)),
            FilterField::Url => a.url.as_deref().is_some_and(|u| self.hit(u)),
        })
    }
}

/// What one filter did to one article, for `inspect` and the tests.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Step {
    /// The filter's `name`, or where it is in feeds.toml.
    pub filter: String,
    /// `discard`, `keep` or `tag`.
    pub action: &'static str,
    /// The field it matched in, if it matched.
    pub matched: Option<&'static str>,
    /// `dropped`, `kept`, `tagged` or `passed` (matched nothing, changed nothing).
    pub effect: &'static str,
    /// Tags it added.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub added_tags: Vec<String>,
    /// Category it added.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub added_category: Option<String>,
}

/// Every filter's say on one article.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Verdict {
    /// Whether the feeds show it.
    pub kept: bool,
    /// One entry per filter that applies to its source, up to the one that dropped it.
    pub steps: Vec<Step>,
}

impl Verdict {
    /// One line for `inspect`: kept or dropped, and what each filter did.
    pub fn describe(&self) -> String {
        if self.steps.is_empty() {
            return "kept (no filter applies)".into();
        }
        let steps: Vec<String> = self
            .steps
            .iter()
            .map(|s| {
                let mut line = format!("\"{}\" ({}) {}", s.filter, s.action, s.effect);
                if let Some(field) = s.matched {
                    line.push_str(&format!(", matched {field}"));
                }
                if !s.added_tags.is_empty() {
                    line.push_str(&format!(", added tags {}", s.added_tags.join(" | ")));
                }
                if let Some(c) = &s.added_category {
                    line.push_str(&format!(", added category {c}"));
                }
                line
            })
            .collect();
        format!(
            "{}: {}",
            if self.kept { "kept" } else { "DROPPED" },
            steps.join("; ")
        )
    }
}

fn field_name(f: FilterField) -> &'static str {
    match f {
        FilterField::Title => "title",
        FilterField::Summary => "summary",
        FilterField::Content => "content",
        FilterField::Author => "author",
        FilterField::Tags => "tags",
        FilterField::Url => "url",
    }
}

fn action_name(a: FilterAction) -> &'static str {
    match a {
        FilterAction::Discard => "discard",
        FilterAction::Keep => "keep",
        FilterAction::Tag => "tag",
    }
}

/// The filters of a config, prepared once per build.
#[derive(Debug, Clone, Default)]
pub struct Filters {
    rules: Vec<Rule>,
}

impl Filters {
    /// Prepares `cfg.filters`, with `cfg.tags` for the identity of the tags they add.
    pub fn new(cfg: &Config) -> Filters {
        let aliases = Aliases::new(&cfg.tags);
        Filters {
            rules: cfg.filters.iter().map(|f| Rule::new(f, &aliases)).collect(),
        }
    }

    /// Whether no filter is configured.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// Whether a filter of `source` looks at a field an article head lacks (title,
    /// summary, content, authors): such articles are read whole before filtering.
    pub fn needs_text(&self, source: &str) -> bool {
        self.rules.iter().filter(|r| r.applies_to(source)).any(|r| {
            r.fields.iter().any(|f| {
                matches!(
                    f,
                    FilterField::Title
                        | FilterField::Summary
                        | FilterField::Content
                        | FilterField::Author
                )
            })
        })
    }

    /// What the filters of its source say about `a` (see the module docs), without
    /// changing it.
    pub fn verdict(&self, a: &Article) -> Verdict {
        let mut steps = Vec::new();
        for r in self.rules.iter().filter(|r| r.applies_to(&a.source)) {
            let matched = r.matches(a);
            let effect = match (r.action, matched) {
                (FilterAction::Discard, Some(_)) | (FilterAction::Keep, None) => "dropped",
                (FilterAction::Keep, Some(_)) => "kept",
                (FilterAction::Tag, Some(_)) => "tagged",
                (_, None) => "passed",
            };
            let adds = matches!(effect, "kept" | "tagged");
            steps.push(Step {
                filter: r.label.clone(),
                action: action_name(r.action),
                matched: matched.map(field_name),
                effect,
                added_tags: if adds {
                    r.add_tags.iter().map(|t| t.name.clone()).collect()
                } else {
                    Vec::new()
                },
                added_category: r.add_category.clone().filter(|_| adds),
            });
            if effect == "dropped" {
                return Verdict { kept: false, steps };
            }
        }
        Verdict { kept: true, steps }
    }

    /// Applies the filters to `a`: `false` when it leaves the feeds; otherwise the tags
    /// and category of the filters it matched are added to it. Returns whether it stays.
    pub fn apply(&self, a: &mut Article) -> bool {
        if !self.rules.iter().any(|r| r.applies_to(&a.source)) {
            return true;
        }
        let verdict = self.verdict(a);
        if !verdict.kept {
            return false;
        }
        for (step, rule) in verdict
            .steps
            .iter()
            .zip(self.rules.iter().filter(|r| r.applies_to(&a.source)))
        {
            if !matches!(step.effect, "kept" | "tagged") {
                continue;
            }
            for t in &rule.add_tags {
                if !a.tags.iter().any(|x| x.key == t.key) {
                    a.tags.push(t.clone());
                }
            }
            if let Some(c) = &rule.add_category {
                let key = tag_key(c);
                if !a.categories.iter().any(|x| tag_key(x) == key) {
                    a.categories.push(c.clone());
                }
            }
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fold_drops_case_accents_and_punctuation() {
        assert_eq!(fold("Đảng bộ, Lục Yên!"), "dang bo luc yen");
        assert_eq!(fold("LÚA  gạo"), "lua gao");
        assert_eq!(fold("Lu\u{323}c Yên"), "luc yen", "NFD spelling");
    }
}
