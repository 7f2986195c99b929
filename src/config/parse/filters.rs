//! `[[filter]]` and `[[source.filter]]`: which articles the feeds show, and what is added
//! to the ones a filter matches (the rules themselves are in [`crate::filter`]).

use std::ops::Range;

use toml::de::DeTable;

use super::categories::regex;
use super::reader::{suggest, Ctx, Table};
use super::schema::{FILTER_KEYS, SOURCE_FILTER_KEYS};
use super::sources::{table_array, tables_in};
use crate::config::{FilterAction, FilterCfg, FilterField};
use crate::text::nfc;

/// The `fields` a filter may name, as written.
const FIELDS: &[(&str, FilterField)] = &[
    ("title", FilterField::Title),
    ("summary", FilterField::Summary),
    ("content", FilterField::Content),
    ("author", FilterField::Author),
    ("tags", FilterField::Tags),
    ("url", FilterField::Url),
];

/// Where a filter looks when it names no `fields`.
pub(super) const DEFAULT_FIELDS: &[FilterField] = &[
    FilterField::Title,
    FilterField::Summary,
    FilterField::Content,
];

/// Reads every top-level `[[filter]]` into `out`; `sources` must name defined sources.
pub(super) fn read_filters(
    ctx: &mut Ctx<'_>,
    root: &DeTable<'_>,
    source_names: &[String],
    out: &mut Vec<FilterCfg>,
) {
    let known: Vec<&str> = source_names.iter().map(String::as_str).collect();
    for (span, table) in table_array(ctx, root, "filter") {
        let t = Table::new(ctx, "filter", span.clone(), table, FILTER_KEYS);
        let mut sources = Vec::new();
        for s in t.strings(ctx, "sources").unwrap_or_default() {
            if known.contains(&s.v.as_str()) {
                sources.push(s.v);
                continue;
            }
            let hint = match suggest(&s.v, &known) {
                Some(near) => format!("did you mean \"{near}\"?"),
                None if known.is_empty() => "no [[source]] is defined".into(),
                None => format!("defined sources are: {}", known.join(", ")),
            };
            ctx.error(
                &s.span,
                format!("`filter.sources` names unknown source \"{}\"; {hint}", s.v),
            );
        }
        if let Some(mut f) = read_filter(ctx, &t, "filter", &span) {
            f.sources = sources;
            out.push(f);
        }
    }
}

/// Reads the `[[source.filter]]` tables of the source `t` (named `name`) into `out`.
pub(super) fn read_source_filters(
    ctx: &mut Ctx<'_>,
    t: &Table<'_, '_>,
    name: &str,
    out: &mut Vec<FilterCfg>,
) {
    let Some(value) = t.raw("filter") else {
        return;
    };
    for (span, table) in tables_in(ctx, value, "source.filter") {
        let ft = Table::new(
            ctx,
            "source.filter",
            span.clone(),
            table,
            SOURCE_FILTER_KEYS,
        );
        if let Some(mut f) = read_filter(ctx, &ft, "source.filter", &span) {
            f.sources = vec![name.to_string()];
            out.push(f);
        }
    }
}

/// One filter table's rule (its `sources` are the caller's).
fn read_filter(
    ctx: &mut Ctx<'_>,
    t: &Table<'_, '_>,
    path: &str,
    span: &Range<usize>,
) -> Option<FilterCfg> {
    let mut ok = true;
    let label = match t.text(ctx, "name") {
        Some(n) => nfc(n.v.trim()),
        None => format!("{path} at line {}", ctx.line_of(span)),
    };
    let action = match t.required_text(ctx, "action", "\"discard\"") {
        Some(a) => match a.v.trim() {
            "discard" => Some(FilterAction::Discard),
            "keep" => Some(FilterAction::Keep),
            "tag" => Some(FilterAction::Tag),
            other => {
                ctx.error(
                    &a.span,
                    format!(
                        "`{path}.action`: unknown action \"{other}\"; expected \"discard\" (drop what matches), \"keep\" (keep only what matches) or \"tag\" (only add tags or a category)"
                    ),
                );
                None
            }
        },
        None => None,
    };
    let mut fields = Vec::new();
    for f in t.strings(ctx, "fields").unwrap_or_default() {
        match FIELDS.iter().find(|(name, _)| *name == f.v.trim()) {
            Some((_, field)) if !fields.contains(field) => fields.push(*field),
            Some(_) => {}
            None => {
                let names: Vec<&str> = FIELDS.iter().map(|(n, _)| *n).collect();
                let hint = match suggest(&f.v, &names) {
                    Some(near) => format!("did you mean \"{near}\"?"),
                    None => format!("expected one of: {}", names.join(", ")),
                };
                ctx.error(
                    &f.span,
                    format!("`{path}.fields`: unknown field \"{}\"; {hint}", f.v),
                );
                ok = false;
            }
        }
    }
    if fields.is_empty() {
        fields = DEFAULT_FIELDS.to_vec();
    }
    let pattern_key = format!("{path}.match");
    let pattern = match t.text(ctx, "match") {
        Some(m) => {
            let re = regex(ctx, &pattern_key, &m);
            ok &= re.is_some();
            re
        }
        None => None,
    };
    let mut words = Vec::new();
    for w in t.strings(ctx, "words").unwrap_or_default() {
        if crate::filter::fold(&w.v)
            .split_whitespace()
            .next()
            .is_none()
        {
            ctx.error(
                &w.span,
                format!(
                    "`{path}.words`: \"{}\" has no letter or digit to match",
                    w.v
                ),
            );
            ok = false;
        } else {
            words.push(nfc(w.v.trim()));
        }
    }
    if pattern.is_none() && words.is_empty() && ok {
        ctx.error(
            &t.span,
            format!(
                "{} needs `match` (a regular expression) or `words` (a list of words or phrases) to match articles by",
                super::schema::header(path)
            ),
        );
        ok = false;
    }
    let add_tags: Vec<String> = t
        .strings(ctx, "add_tags")
        .unwrap_or_default()
        .into_iter()
        .map(|s| nfc(s.v.trim()))
        .collect();
    let add_category = t.text(ctx, "add_category").map(|c| nfc(c.v.trim()));
    match action {
        Some(FilterAction::Discard) if !add_tags.is_empty() || add_category.is_some() => {
            ctx.error(
                &t.span,
                format!(
                    "{}: a \"discard\" filter drops what it matches, so `add_tags` and `add_category` would never show; use a separate \"tag\" filter",
                    super::schema::header(path)
                ),
            );
            ok = false;
        }
        Some(FilterAction::Tag) if add_tags.is_empty() && add_category.is_none() => {
            ctx.error(
                &t.span,
                format!(
                    "{}: a \"tag\" filter needs `add_tags` or `add_category` (what to add to the articles it matches)",
                    super::schema::header(path)
                ),
            );
            ok = false;
        }
        _ => {}
    }
    Some(FilterCfg {
        label,
        sources: Vec::new(),
        action: action?,
        fields,
        pattern,
        words,
        add_tags,
        add_category,
    })
    .filter(|_| ok)
}
