//! `[[source]]` and its `[source.html]` table.

use std::ops::Range;
use std::path::Path;

use toml::de::{DeTable, DeValue};

use super::reader::{type_name, Ctx, Table, Val};
use super::schema::{FULL_TEXT_KEYS, HTML_KEYS, SOURCE_KEYS};
use super::values;
use crate::config::{FilterCfg, FullTextCfg, HtmlCfg, Source, SourceKind, SourceUrl};

/// The tables of an array-of-tables key (`[[source]]`, `[[category]]`), each with its
/// span; a wrong shape is reported.
pub(super) fn table_array<'t, 'i>(
    ctx: &mut Ctx<'_>,
    root: &'t DeTable<'i>,
    key: &str,
) -> Vec<(Range<usize>, &'t DeTable<'i>)> {
    let Some(value) = root.get(key) else {
        return Vec::new();
    };
    tables_in(ctx, value, key)
}

/// The tables of `value`, an array of tables written as `[[key]]`; a wrong shape is
/// reported.
pub(super) fn tables_in<'t, 'i>(
    ctx: &mut Ctx<'_>,
    value: &'t toml::Spanned<DeValue<'i>>,
    key: &str,
) -> Vec<(Range<usize>, &'t DeTable<'i>)> {
    let DeValue::Array(items) = value.get_ref() else {
        ctx.error(
            &value.span(),
            format!(
                "`{key}` must be an array of tables, found {}; write each one as [[{key}]]",
                type_name(value.get_ref())
            ),
        );
        return Vec::new();
    };
    let mut out = Vec::with_capacity(items.len());
    for item in items.iter() {
        match item.get_ref() {
            DeValue::Table(t) => out.push((item.span(), t)),
            other => ctx.error(
                &item.span(),
                format!(
                    "each `{key}` must be a table, found {}; write it as [[{key}]]",
                    type_name(other)
                ),
            ),
        }
    }
    out
}

/// Reads every `[[source]]` into `out`, and its `[[source.filter]]` tables into
/// `filters`; returns the names seen (also of sources with other errors, so categories
/// naming them are not reported twice).
pub(super) fn read_sources(
    ctx: &mut Ctx<'_>,
    root: &DeTable<'_>,
    base_dir: &Path,
    check_files: bool,
    out: &mut Vec<Source>,
    filters: &mut Vec<FilterCfg>,
) -> Vec<String> {
    let mut names: Vec<Val<String>> = Vec::new();
    for (span, table) in table_array(ctx, root, "source") {
        let t = Table::new(ctx, "source", span, table, SOURCE_KEYS);
        let name = t.required_text(ctx, "name", "\"tin-tinh\"");
        if let Some(name) = &name {
            if !valid_source_name(&name.v) {
                ctx.error(
                    &name.span,
                    format!(
                        "source name \"{}\" may only contain lowercase letters a-z, digits and `-`; such as \"{}\"",
                        name.v,
                        crate::text::slugify(&name.v)
                    ),
                );
            }
            if let Some(first) = names.iter().find(|n| n.v == name.v) {
                let line = ctx.line_of(&first.span);
                ctx.error(
                    &name.span,
                    format!(
                        "duplicate source name \"{}\" (already used at line {line}); source names must be unique",
                        name.v
                    ),
                );
            } else {
                names.push(name.clone());
            }
        }
        if let Some(name) = &name {
            super::filters::read_source_filters(ctx, &t, &name.v, filters);
        }
        if let Some(source) = read_source(ctx, &t, name, base_dir, check_files) {
            out.push(source);
        }
    }
    // An invalid name also stands for the fix its error suggests, so a category already
    // naming the fixed spelling is not reported as well.
    names
        .into_iter()
        .flat_map(|n| {
            let fixed = (!valid_source_name(&n.v)).then(|| crate::text::slugify(&n.v));
            std::iter::once(n.v).chain(fixed)
        })
        .collect()
}

/// `[a-z0-9-]+`: names appear in reports, file names and the store.
pub(super) fn valid_source_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

fn read_source(
    ctx: &mut Ctx<'_>,
    t: &Table<'_, '_>,
    name: Option<Val<String>>,
    base_dir: &Path,
    check_files: bool,
) -> Option<Source> {
    let url = match t.required_text(ctx, "url", "\"https://example.vn/rss.xml\"") {
        Some(u) => match values::source_url(&u.v, base_dir) {
            Ok(SourceUrl::File(path)) if check_files => {
                if let Err(msg) = values::local_file(&path) {
                    ctx.error(&u.span, format!("`source.url`: {msg}"));
                }
                Some(SourceUrl::File(path))
            }
            Ok(url) => Some(url),
            Err(msg) => {
                ctx.error(&u.span, format!("`source.url`: {msg}"));
                None
            }
        },
        None => None,
    };
    let kind = match t.text(ctx, "kind") {
        None => Some(SourceKind::Feed),
        Some(k) => match k.v.as_str() {
            "feed" => Some(SourceKind::Feed),
            "html" => Some(SourceKind::Html),
            other => {
                ctx.error(
                    &k.span,
                    format!("unknown source kind \"{other}\"; expected \"feed\" or \"html\""),
                );
                None
            }
        },
    };
    let category = t
        .text(ctx, "category")
        .map(|c| crate::text::nfc(c.v.trim()));
    let tags = t
        .strings(ctx, "tags")
        .map(|v| {
            v.into_iter()
                .map(|s| crate::text::nfc(s.v.trim()))
                .collect()
        })
        .unwrap_or_default();
    let timezone = t.text(ctx, "timezone").and_then(|z| {
        values::time_zone(z.v.trim())
            .map_err(|msg| ctx.error(&z.span, format!("`source.timezone`: {msg}")))
            .ok()
    });
    let refresh = t.duration(ctx, "refresh", false);
    let timeout = t.duration(ctx, "timeout", false);
    let connect_timeout = t.duration(ctx, "connect_timeout", false);

    let html_table = t.table(ctx, "html");
    let html = match (kind, html_table) {
        (Some(SourceKind::Feed), Some((span, _))) => {
            ctx.error(
                &span,
                "[source.html] is only used with kind = \"html\"; set kind = \"html\" or remove the table",
            );
            None
        }
        (Some(SourceKind::Html), None) => {
            ctx.error(
                &t.span,
                "a source with kind = \"html\" needs a [source.html] table with at least `item` and `link` selectors",
            );
            None
        }
        (_, Some((span, table))) => {
            let html = Table::new(ctx, "source.html", span, table, HTML_KEYS);
            read_html(ctx, &html)
        }
        (_, None) => None,
    };
    let full_text = read_full_text(ctx, t, kind);
    let merged = t.boolean(ctx, "merged").unwrap_or(true);
    Some(Source {
        name: name?.v,
        url: url?,
        kind: kind?,
        category,
        tags,
        timezone,
        refresh,
        timeout,
        connect_timeout,
        html: if kind == Some(SourceKind::Html) {
            Some(html?)
        } else {
            None
        },
        full_text: full_text?,
        merged,
    })
}

/// `full_text`: `true`/`false`, a CSS selector of the body, or a table with `content`,
/// `remove` and `allow_hosts`. `Some(None)` when absent or false; `None` when invalid.
fn read_full_text(
    ctx: &mut Ctx<'_>,
    t: &Table<'_, '_>,
    kind: Option<SourceKind>,
) -> Option<Option<FullTextCfg>> {
    let Some(value) = t.raw("full_text") else {
        return Some(None);
    };
    let cfg = match value.get_ref() {
        DeValue::Boolean(false) => return Some(None),
        DeValue::Boolean(true) => FullTextCfg::default(),
        DeValue::String(_) => {
            let text = t.text(ctx, "full_text")?;
            FullTextCfg {
                content: Some(selector(ctx, "source.full_text", text)?),
                ..FullTextCfg::default()
            }
        }
        DeValue::Table(table) => {
            let ft = Table::new(ctx, "source.full_text", value.span(), table, FULL_TEXT_KEYS);
            let mut ok = true;
            let content = match ft.text(ctx, "content") {
                Some(v) => {
                    let s = selector(ctx, &ft.path("content"), v);
                    ok &= s.is_some();
                    s
                }
                None => None,
            };
            let mut remove = Vec::new();
            for v in ft.strings(ctx, "remove").unwrap_or_default() {
                match selector(ctx, &ft.path("remove"), v) {
                    Some(s) => remove.push(s),
                    None => ok = false,
                }
            }
            let mut allow_hosts = Vec::new();
            for v in ft.strings(ctx, "allow_hosts").unwrap_or_default() {
                match host_at(ctx, &ft.path("allow_hosts"), v) {
                    Some(h) => allow_hosts.push(h),
                    None => ok = false,
                }
            }
            if !ok {
                return None;
            }
            FullTextCfg {
                content,
                remove,
                allow_hosts,
            }
        }
        other => {
            ctx.error(
                &value.span(),
                format!(
                    "`source.full_text`: expected true, a CSS selector such as \".post-body\" or a table with `content` and `remove`, found {}",
                    type_name(other)
                ),
            );
            return None;
        }
    };
    if kind == Some(SourceKind::Html) {
        ctx.error(
            &value.span(),
            "`source.full_text` is for kind = \"feed\" sources; an HTML source already reads each article page (set `content` in [source.html])",
        );
        return None;
    }
    Some(Some(cfg))
}

/// A CSS selector that `scraper` accepts; otherwise reported at its place.
fn selector(ctx: &mut Ctx<'_>, path: &str, value: Val<String>) -> Option<String> {
    // The error borrows the selector text, so it is rendered before anything moves.
    let checked = scraper::Selector::parse(&value.v)
        .map(|_| ())
        .map_err(|err| match err {
            scraper::error::SelectorErrorKind::UnexpectedSelectorParseError(kind) => {
                describe_variant(&format!("{kind:?}"))
            }
            scraper::error::SelectorErrorKind::EndOfLine => "it ends too early".to_string(),
            other => other.to_string(),
        });
    if let Err(why) = checked {
        ctx.error(
            &value.span,
            format!("`{path}`: invalid CSS selector \"{}\" ({why})", value.v),
        );
        return None;
    }
    Some(value.v)
}

/// `UnsupportedPseudoClassOrElement("hover")` → `unsupported pseudo class or element "hover"`:
/// scraper renders these selector errors only as a debug dump, which reads as a crash.
fn describe_variant(debug: &str) -> String {
    let name_end = debug
        .find(|c: char| !c.is_ascii_alphanumeric())
        .unwrap_or(debug.len());
    let mut words = String::new();
    for c in debug.get(..name_end).unwrap_or("").chars() {
        if c.is_ascii_uppercase() && !words.is_empty() {
            words.push(' ');
        }
        words.push(c.to_ascii_lowercase());
    }
    let quoted = debug.split('"').nth(1).filter(|q| !q.is_empty());
    match quoted {
        Some(q) => format!("{words} \"{q}\""),
        None => words,
    }
}

fn read_html(ctx: &mut Ctx<'_>, t: &Table<'_, '_>) -> Option<HtmlCfg> {
    let mut ok = true;
    let mut required = |ctx: &mut Ctx<'_>, key: &str, example: &str| {
        let v = t
            .required_text(ctx, key, example)
            .and_then(|v| selector(ctx, &t.path(key), v));
        ok &= v.is_some();
        v.unwrap_or_default()
    };
    let item = required(ctx, "item", "\"div.list-news .item\"");
    let link = required(ctx, "link", "\"a\"");
    let optional = |ctx: &mut Ctx<'_>, key: &str| {
        t.text(ctx, key)
            .and_then(|v| selector(ctx, &t.path(key), v))
    };
    let next = optional(ctx, "next");
    let title = optional(ctx, "title");
    let date = optional(ctx, "date");
    let author = optional(ctx, "author");
    let tags = optional(ctx, "tags");
    let summary = optional(ctx, "summary");
    let content = optional(ctx, "content");
    let image = optional(ctx, "image");
    let pages = t
        .int(ctx, "pages", 1, 1_000)
        .map_or(1, |n| u32::try_from(n).unwrap_or(1));
    let remove = t
        .strings(ctx, "remove")
        .unwrap_or_default()
        .into_iter()
        .filter_map(|v| selector(ctx, &t.path("remove"), v))
        .collect();
    let date_formats = t
        .strings(ctx, "date_formats")
        .unwrap_or_default()
        .into_iter()
        .filter_map(|v| date_format(ctx, v))
        .collect();
    let allow_hosts = t
        .strings(ctx, "allow_hosts")
        .unwrap_or_default()
        .into_iter()
        .filter_map(|v| host_at(ctx, "source.html.allow_hosts", v))
        .collect();
    ok.then_some(HtmlCfg {
        item,
        link,
        pages,
        next,
        title,
        date,
        date_formats,
        author,
        tags,
        summary,
        content,
        remove,
        image,
        allow_hosts,
    })
}

/// A chrono strftime format with no unknown `%` directive.
fn date_format(ctx: &mut Ctx<'_>, value: Val<String>) -> Option<String> {
    use chrono::format::{Item, StrftimeItems};
    if StrftimeItems::new(&value.v).any(|i| matches!(i, Item::Error)) {
        ctx.error(
            &value.span,
            format!(
                "`source.html.date_formats`: \"{}\" is not a valid date format; use chrono strftime directives such as \"%d/%m/%Y %H:%M\"",
                value.v
            ),
        );
        return None;
    }
    Some(value.v)
}

/// A bare host name such as `cdn.example.vn` (no scheme, path or port), the value of `key`.
fn host_at(ctx: &mut Ctx<'_>, key: &str, value: Val<String>) -> Option<String> {
    let h = value.v.trim().to_ascii_lowercase();
    let plain = !h.contains(['/', ':', '@', ' ']);
    if plain && url::Host::parse(&h).is_ok() {
        return Some(h);
    }
    ctx.error(
        &value.span,
        format!(
            "`{key}`: \"{}\" is not a host name; write only the host, such as \"cdn.example.vn\"",
            value.v
        ),
    );
    None
}
