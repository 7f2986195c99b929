//! `[[category]]` and `[tags]`.

use std::collections::BTreeMap;
use std::ops::Range;

use regex::Regex;
use toml::de::{DeTable, DeValue};

use super::reader::{suggest, type_name, Ctx, Table, Val};
use super::schema::CATEGORY_KEYS;
use super::sources::{table_array, valid_source_name};
use crate::config::{CategoryCfg, TagsCfg};
use crate::text::{is_slug, nfc, slugify, tag_key};

/// Reads every `[[category]]` into `out` (its digest time into `digests`), checking names and slugs are unique and that
/// `sources` name sources in `source_names`.
pub(super) fn read_categories(
    ctx: &mut Ctx<'_>,
    root: &DeTable<'_>,
    source_names: &[String],
    out: &mut Vec<CategoryCfg>,
    digests: &mut BTreeMap<String, chrono::NaiveTime>,
) {
    let known_sources: Vec<&str> = source_names.iter().map(String::as_str).collect();
    // tag key → where that name was first defined; slug → (where, which category).
    let mut names: BTreeMap<String, (Range<usize>, String)> = BTreeMap::new();
    let mut slugs: BTreeMap<String, (Range<usize>, String)> = BTreeMap::new();
    for (span, table) in table_array(ctx, root, "category") {
        let t = Table::new(ctx, "category", span, table, CATEGORY_KEYS);
        let name = t.required_text(ctx, "name", "\"Nông nghiệp\"");
        // A duplicate name also derives a duplicate slug; reporting that too would be noise.
        let mut duplicate = false;
        if let Some(name) = &name {
            let key = tag_key(&name.v);
            if let Some((first, first_name)) = names.get(&key) {
                let line = ctx.line_of(first);
                ctx.error(
                    &name.span,
                    format!(
                        "duplicate category name \"{}\": the same as \"{first_name}\" at line {line} (names are compared ignoring case, quotes and spacing)",
                        name.v
                    ),
                );
                duplicate = true;
            } else {
                names.insert(key, (name.span.clone(), name.v.clone()));
            }
        }
        let given_slug = t.text(ctx, "slug");
        let slug = match (&given_slug, &name) {
            (Some(s), _) if !is_slug(&s.v) => {
                ctx.error(
                    &s.span,
                    format!(
                        "`category.slug` \"{}\" is not a valid slug; use lowercase letters, digits and single dashes, such as \"{}\"",
                        s.v,
                        slugify(&s.v)
                    ),
                );
                None
            }
            (Some(s), _) => Some(s.clone()),
            (None, Some(n)) => Some(Val {
                v: slugify(&n.v),
                span: n.span.clone(),
            }),
            (None, None) => None,
        };
        if let Some(slug) = slug.as_ref().filter(|_| !duplicate) {
            let display = name.as_ref().map_or_else(String::new, |n| n.v.clone());
            if let Some((first, first_name)) = slugs.get(&slug.v) {
                let line = ctx.line_of(first);
                let how = if given_slug.is_some() {
                    "has"
                } else {
                    "gets the derived"
                };
                ctx.error(
                    &slug.span,
                    format!(
                        "category \"{display}\" {how} slug \"{}\", already used by category \"{first_name}\" at line {line}; give one of them a different `slug`",
                        slug.v
                    ),
                );
            } else {
                slugs.insert(slug.v.clone(), (slug.span.clone(), display));
            }
        }
        let sources: Vec<String> = t
            .strings(ctx, "sources")
            .unwrap_or_default()
            .into_iter()
            .filter_map(|s| {
                if known_sources.contains(&s.v.as_str()) {
                    return Some(s.v);
                }
                let hint = match suggest(&s.v, &known_sources) {
                    Some(near) => format!("did you mean \"{near}\"?"),
                    None if known_sources.is_empty() => "no [[source]] is defined".into(),
                    None => {
                        let valid: Vec<&str> = known_sources
                            .iter()
                            .copied()
                            .filter(|n| valid_source_name(n))
                            .collect();
                        format!("defined sources are: {}", valid.join(", "))
                    }
                };
                ctx.error(
                    &s.span,
                    format!("category names unknown source \"{}\"; {hint}", s.v),
                );
                None
            })
            .collect();
        let tags = t
            .strings(ctx, "tags")
            .map(|v| v.into_iter().map(|s| nfc(s.v.trim())).collect())
            .unwrap_or_default();
        let pattern = t
            .string(ctx, "match")
            .and_then(|m| regex(ctx, "category.match", &m));
        let digest = super::digest::read(ctx, &t);
        if let (Some(name), Some(slug)) = (name, slug) {
            if let Some(time) = digest {
                digests.insert(tag_key(&name.v), time);
            }
            out.push(CategoryCfg {
                name: nfc(name.v.trim()),
                slug: slug.v,
                sources,
                tags,
                pattern,
            });
        }
    }
}

/// Compiles `m` (the value of `key`), reporting the regex error's own explanation at it.
pub(super) fn regex(ctx: &mut Ctx<'_>, key: &str, m: &Val<String>) -> Option<Regex> {
    match Regex::new(&nfc(&m.v)) {
        Ok(re) => Some(re),
        Err(err) => {
            let text = err.to_string();
            // Syntax errors render as a multi-line diagram ending in `error: <why>`.
            let why = text
                .lines()
                .find_map(|l| l.strip_prefix("error: "))
                .map_or_else(
                    || text.split_whitespace().collect::<Vec<_>>().join(" "),
                    str::to_string,
                );
            ctx.error(
                &m.span,
                format!("`{key}`: invalid regular expression \"{}\": {why}", m.v),
            );
            None
        }
    }
}

/// Reads `[tags]`: `[tags.aliases]` maps a canonical name to other spellings.
pub(super) fn read_tags(ctx: &mut Ctx<'_>, t: &Table<'_, '_>, out: &mut TagsCfg) {
    let Some((_, aliases)) = t.table(ctx, "aliases") else {
        return;
    };
    let mut entries: Vec<_> = aliases.iter().collect();
    entries.sort_by_key(|(k, _)| k.span().start);
    // tag key → (canonical name, where) for canonical names and for alias spellings.
    let mut canonicals: BTreeMap<String, (String, Range<usize>)> = BTreeMap::new();
    let mut spellings: BTreeMap<String, (String, Range<usize>)> = BTreeMap::new();
    for (key, value) in entries {
        let canonical: &str = key.get_ref();
        let ckey = tag_key(canonical);
        if ckey.is_empty() {
            ctx.error(
                &key.span(),
                "`tags.aliases`: a canonical tag name must not be empty",
            );
            continue;
        }
        if let Some((first, at)) = canonicals.get(&ckey) {
            let line = ctx.line_of(at);
            ctx.error(
                &key.span(),
                format!("\"{canonical}\" is the same tag as \"{first}\" at line {line}; merge their alias lists"),
            );
            continue;
        }
        canonicals.insert(ckey.clone(), (canonical.to_string(), key.span()));
        let DeValue::Array(items) = value.get_ref() else {
            ctx.error(
                &value.span(),
                format!(
                    "`tags.aliases.\"{canonical}\"`: expected an array of strings, found {}",
                    type_name(value.get_ref())
                ),
            );
            continue;
        };
        let mut list = Vec::new();
        for item in items.iter() {
            let DeValue::String(s) = item.get_ref() else {
                ctx.error(
                    &item.span(),
                    format!(
                        "`tags.aliases.\"{canonical}\"`: expected an array of strings, found {} in it",
                        type_name(item.get_ref())
                    ),
                );
                continue;
            };
            let skey = tag_key(s);
            if skey.is_empty() {
                ctx.error(
                    &item.span(),
                    format!("`tags.aliases.\"{canonical}\"` contains an empty spelling"),
                );
                continue;
            }
            match spellings.get(&skey) {
                Some((other, _)) if tag_key(other) != ckey => {
                    ctx.error(
                        &item.span(),
                        format!(
                            "alias \"{s}\" is listed under both \"{other}\" and \"{canonical}\"; a spelling can belong to one tag only"
                        ),
                    );
                    continue;
                }
                Some(_) => {}
                None => {
                    spellings.insert(skey, (canonical.to_string(), item.span()));
                }
            }
            list.push(s.to_string());
        }
        out.aliases.insert(canonical.to_string(), list);
    }
    // A canonical name that is also another tag's alias would make aliasing depend on
    // order; one of the two entries must go.
    for (skey, (canonical, span)) in &spellings {
        if let Some((other, _)) = canonicals.get(skey) {
            if tag_key(other) != tag_key(canonical) {
                ctx.error(
                    span,
                    format!(
                        "alias \"{other}\" of \"{canonical}\" is itself a canonical tag with its own aliases; list all its spellings under one name"
                    ),
                );
            }
        }
    }
}
