//! The parser behind [`Config::parse`](super::Config::parse): TOML with spans (the `toml`
//! crate's `DeTable`, which keeps the byte span of every key, value and table header)
//! checked against the feeds.toml schema. Every problem is collected; nothing stops at
//! the first.

mod categories;
mod digest;
mod filters;
mod reader;
mod schema;
mod sources;
mod spans;
mod values;

use std::ops::Range;
use std::path::Path;

use toml::de::{DeTable, DeValue};

use super::{Config, ConfigError};
use crate::text::nfc;
use reader::{suggest, type_name, Ctx, Table};
use schema::{
    FEEDS_KEYS, FETCH_KEYS, LIMITS_KEYS, MERGED_KEYS, PUBLISH_KEYS, SERVE_KEYS, SITE_KEYS,
    STORE_KEYS, TAGS_KEYS, TOP_KEYS, WORKER_KEYS,
};

/// Upper bound for counts such as `items`, so that absurd values are caught as typos.
const MAX_COUNT: i64 = 1_000_000;

/// Parses and validates `text` as the content of `path`; with `check_files`, a local
/// source that is missing or not a regular file is an error too (what `feedmill check`
/// wants; a build reports such a source as failed instead).
pub(super) fn parse(
    text: &str,
    path: &Path,
    check_files: bool,
) -> Result<Config, Vec<ConfigError>> {
    let file = path.to_path_buf();
    let abs = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let base_dir = values::clean_path(abs.parent().unwrap_or_else(|| Path::new("/")));
    let mut ctx = Ctx::new(text, file);

    let (root, syntax) = DeTable::parse_recoverable(text);
    if !syntax.is_empty() {
        // The recovered tree after a syntax error is a guess; checking it would report
        // problems the operator did not write. Report the syntax errors alone, one per line
        // (recovery often yields a second, derived error on the same line).
        let mut seen_lines = Vec::new();
        let mut syntax = syntax;
        syntax.sort_by_key(|e| e.span().map_or(0, |s| s.start));
        for err in syntax {
            let span = err.span().unwrap_or(0..0);
            let line = ctx.line_of(&span);
            if seen_lines.contains(&line) {
                continue;
            }
            seen_lines.push(line);
            let message = match err.message() {
                "duplicate key" => format!(
                    "duplicate key `{}`: it is already defined above; remove or rename one",
                    ctx.slice(&span)
                ),
                m => format!("TOML syntax error: {m}"),
            };
            ctx.error(&span, message);
        }
        return Err(ctx.into_errors());
    }

    let mut cfg = Config::minimal(&base_dir);
    cfg.path = abs;
    let root = root.into_inner();
    check_top_keys(&mut ctx, &root);

    match section(&mut ctx, &root, "site", SITE_KEYS) {
        Some(site) => read_site(&mut ctx, &site, &mut cfg),
        None => {
            if root.get("site").is_none() {
                ctx.error(
                    &(0..0),
                    "missing the [site] table; add [site] with title = \"...\" and base_url = \"https://...\"",
                );
            }
        }
    }
    if let Some(t) = section(&mut ctx, &root, "feeds", FEEDS_KEYS) {
        read_feeds(&mut ctx, &t, &mut cfg);
    }
    if let Some(t) = section(&mut ctx, &root, "merged", MERGED_KEYS) {
        read_merged(&mut ctx, &t, &mut cfg);
    }
    if let Some(t) = section(&mut ctx, &root, "fetch", FETCH_KEYS) {
        read_fetch(&mut ctx, &t, &mut cfg);
    }
    if let Some(t) = section(&mut ctx, &root, "store", STORE_KEYS) {
        if let Some(n) = t.int(&mut ctx, "retention_days", 1, 100_000) {
            cfg.store.retention_days = u32::try_from(n).unwrap_or(u32::MAX);
        }
        if let Some(u) = t.text(&mut ctx, "url") {
            match crate::config::StoreUrl::parse(&u.v) {
                Ok(url) => cfg.store.url = Some(url),
                Err(e) => ctx.error(&u.span, format!("`store.url`: {e}")),
            }
        }
    }
    if let Some(t) = section(&mut ctx, &root, "limits", LIMITS_KEYS) {
        read_limits(&mut ctx, &t, &mut cfg);
    }
    if let Some(t) = section(&mut ctx, &root, "serve", SERVE_KEYS) {
        read_serve(&mut ctx, &t, &mut cfg);
    }
    if let Some(t) = section(&mut ctx, &root, "publish", PUBLISH_KEYS) {
        read_publish(&mut ctx, &t, &mut cfg);
    }
    if let Some(t) = section(&mut ctx, &root, "worker", WORKER_KEYS) {
        read_worker(&mut ctx, &t, &mut cfg);
    }

    let mut source_filters = Vec::new();
    let source_names = sources::read_sources(
        &mut ctx,
        &root,
        &base_dir,
        check_files,
        &mut cfg.sources,
        &mut source_filters,
    );
    categories::read_categories(
        &mut ctx,
        &root,
        &source_names,
        &mut cfg.categories,
        &mut cfg.digests.categories,
    );
    // Global filters first, then each source's own: the order they are applied in.
    filters::read_filters(&mut ctx, &root, &source_names, &mut cfg.filters);
    cfg.filters.extend(source_filters);
    if let Some(t) = section(&mut ctx, &root, "tags", TAGS_KEYS) {
        categories::read_tags(&mut ctx, &t, &mut cfg.tags);
        cfg.digests.tags = digest::read_tags(&mut ctx, &t);
    }

    if ctx.has_errors() {
        Err(ctx.into_errors())
    } else {
        Ok(cfg)
    }
}

/// Reports top-level keys that are not tables of the schema.
fn check_top_keys(ctx: &mut Ctx<'_>, root: &DeTable<'_>) {
    let mut keys: Vec<_> = root.keys().collect();
    keys.sort_by_key(|k| k.span().start);
    for key in keys {
        let k: &str = key.get_ref();
        if TOP_KEYS.contains(&k) {
            continue;
        }
        let owners = schema::tables_with(k, "");
        let hint = match suggest(k, TOP_KEYS) {
            Some(s) => format!("did you mean `{s}`?"),
            None if !owners.is_empty() => format!(
                "`{k}` belongs in {}; put it below that header",
                owners.join(" or ")
            ),
            None => "expected [site], [feeds], [merged], [fetch], [store], [limits], [serve], [publish], [worker], [[source]], [[category]], [[filter]] or [tags]".into(),
        };
        ctx.error(&key.span(), format!("unknown top-level key `{k}`; {hint}"));
    }
}

/// The top-level table `name` if present and a table; a non-table is reported.
fn section<'t, 'i>(
    ctx: &mut Ctx<'_>,
    root: &'t DeTable<'i>,
    name: &'static str,
    known: &[&str],
) -> Option<Table<'t, 'i>> {
    let value = root.get(name)?;
    match value.get_ref() {
        DeValue::Table(t) => Some(Table::new(ctx, name, value.span(), t, known)),
        other => {
            ctx.error(
                &value.span(),
                format!(
                    "`{name}` must be a table, found {}; write it as [{name}]",
                    type_name(other)
                ),
            );
            None
        }
    }
}

/// Reports `message` at `span` when `check` fails, returning the value otherwise.
fn located<T>(
    ctx: &mut Ctx<'_>,
    span: &Range<usize>,
    key: &str,
    check: Result<T, String>,
) -> Option<T> {
    match check {
        Ok(v) => Some(v),
        Err(msg) => {
            ctx.error(span, format!("`{key}`: {msg}"));
            None
        }
    }
}

fn read_site(ctx: &mut Ctx<'_>, t: &Table<'_, '_>, cfg: &mut Config) {
    let site = &mut cfg.site;
    if let Some(title) = t.required_text(ctx, "title", "\"Tin Yên Bái\"") {
        site.title = nfc(title.v.trim());
    }
    if let Some(d) = t.text(ctx, "description") {
        site.description = Some(nfc(d.v.trim()));
    }
    if let Some(u) = t.required_text(ctx, "base_url", "\"https://feeds.example.vn/\"") {
        if let Some(url) = located(ctx, &u.span, "site.base_url", values::base_url(&u.v)) {
            site.base_url = url;
        }
    }
    if let Some(l) = t.text(ctx, "language") {
        if let Some(lang) = located(ctx, &l.span, "site.language", values::language(l.v.trim())) {
            site.language = lang;
        }
    }
    if let Some(z) = t.text(ctx, "timezone") {
        if let Some(tz) = located(ctx, &z.span, "site.timezone", values::time_zone(z.v.trim())) {
            site.timezone = tz;
        }
    }
    let out_key = t.text(ctx, "output_dir");
    if let Some(p) = &out_key {
        site.output_dir = values::resolve(&cfg.base_dir, p.v.trim());
    }
    let store_key = t.text(ctx, "store");
    if let Some(p) = &store_key {
        site.store = values::resolve(&cfg.base_dir, p.v.trim());
    }
    // A key left to its default is never the problem: the one written is pointed at.
    let out_span = out_key.as_ref().map_or(t.span.clone(), |p| p.span.clone());
    if let Some(why) = super::paths::output_dir_problem(&cfg.base_dir, &site.output_dir) {
        ctx.error(&out_span, format!("`site.output_dir`: {why}"));
    }
    if let Some(why) = super::paths::store_problem(&site.output_dir, &site.store) {
        let span = store_key.as_ref().map_or(out_span, |p| p.span.clone());
        ctx.error(&span, format!("`site.store`: {why}"));
    }
    if let Some(h) = t.text(ctx, "hub") {
        site.hub = located(ctx, &h.span, "site.hub", values::http_url(&h.v));
    }
}

fn read_feeds(ctx: &mut Ctx<'_>, t: &Table<'_, '_>, cfg: &mut Config) {
    if let Some(n) = t.int(ctx, "items", 1, MAX_COUNT) {
        cfg.feeds.items = to_usize(n);
    }
    if let Some(n) = t.int(ctx, "tag_min_articles", 1, MAX_COUNT) {
        cfg.feeds.tag_min_articles = to_usize(n);
    }
    if let Some(b) = t.boolean(ctx, "pages") {
        cfg.feeds.pages = b;
    }
    if let Some(n) = t.int(ctx, "index_headlines", 0, MAX_COUNT) {
        cfg.feeds.index_headlines = to_usize(n);
    }
    if let Some(b) = t.boolean(ctx, "json_feed") {
        cfg.feeds.json_feed = b;
    }
    if let Some(b) = t.boolean(ctx, "archives") {
        cfg.feeds.archives = b;
    }
}

fn read_merged(ctx: &mut Ctx<'_>, t: &Table<'_, '_>, cfg: &mut Config) {
    if let Some(s) = t.text(ctx, "slug") {
        if !crate::text::is_slug(&s.v) {
            ctx.error(
                &s.span,
                format!(
                    "`merged.slug` \"{}\" is not a valid slug; use lowercase letters, digits and single dashes, such as \"{}\"",
                    s.v,
                    crate::text::slugify(&s.v)
                ),
            );
        } else if s.v == "tag" || s.v == "category" {
            ctx.error(
                &s.span,
                format!(
                    "`merged.slug` cannot be \"{}\": that folder holds the {} feeds; use another, such as \"other-news\"",
                    s.v, s.v
                ),
            );
        } else {
            cfg.merged.slug = s.v;
        }
    }
    if let Some(s) = t.text(ctx, "title") {
        cfg.merged.title = nfc(s.v.trim());
    }
    if let Some(n) = t.int(ctx, "items", 1, MAX_COUNT) {
        cfg.merged.items = to_usize(n);
    }
    cfg.digests.merged = digest::read(ctx, t);
}

fn read_fetch(ctx: &mut Ctx<'_>, t: &Table<'_, '_>, cfg: &mut Config) {
    let f = &mut cfg.fetch;
    if let Some(n) = t.int(ctx, "concurrency", 1, 10_000) {
        f.concurrency = to_usize(n);
    }
    if let Some(n) = t.int(ctx, "per_host", 1, 1_000) {
        f.per_host = to_usize(n);
    }
    if let Some(d) = t.duration(ctx, "connect_timeout", false) {
        f.connect_timeout = d;
    }
    if let Some(d) = t.duration(ctx, "timeout", false) {
        f.timeout = d;
    }
    if let Some(n) = t.int(ctx, "retries", 0, 100) {
        f.retries = u32::try_from(n).unwrap_or(0);
    }
    if let Some(d) = t.duration(ctx, "max_retry_after", true) {
        f.max_retry_after = d;
    }
    if let Some(n) = t.byte_size(ctx, "max_bytes") {
        f.max_bytes = n;
    }
    if let Some(n) = t.int(ctx, "max_redirects", 0, 100) {
        f.max_redirects = to_usize(n);
    }
    if let Some(s) = t.text(ctx, "user_agent") {
        f.user_agent = Some(s.v.trim().to_string());
    }
    if let Some(d) = t.duration(ctx, "refresh", false) {
        f.refresh = d;
    }
    if let Some(b) = t.boolean(ctx, "allow_internal_redirects") {
        f.allow_internal_redirects = b;
    }
}

fn read_serve(ctx: &mut Ctx<'_>, t: &Table<'_, '_>, cfg: &mut Config) {
    let s = &mut cfg.serve;
    if let Some(d) = t.duration(ctx, "header_read_timeout", false) {
        s.header_read_timeout = d;
    }
    if let Some(d) = t.duration(ctx, "idle_timeout", false) {
        s.idle_timeout = d;
    }
    if let Some(n) = t.int(ctx, "max_connections", 1, MAX_COUNT) {
        s.max_connections = to_usize(n);
    }
    if let Some(d) = t.duration(ctx, "shutdown_grace", true) {
        s.shutdown_grace = d;
    }
}

fn read_publish(ctx: &mut Ctx<'_>, t: &Table<'_, '_>, cfg: &mut Config) {
    let p = &mut cfg.publish;
    if let Some(s) = t.text(ctx, "url") {
        match values::publish_url(&s.v) {
            Ok(u) => p.url = Some(u),
            Err(e) => ctx.error(&s.span, format!("`publish.url`: {e}")),
        }
    }
    if let Some(n) = t.int(ctx, "concurrency", 1, 1_000) {
        p.concurrency = to_usize(n);
    }
    if let Some(d) = t.duration(ctx, "upload_timeout", false) {
        p.upload_timeout = d;
    }
}

fn read_worker(ctx: &mut Ctx<'_>, t: &Table<'_, '_>, cfg: &mut Config) {
    let w = &mut cfg.worker;
    if let Some(s) = t.text(ctx, "database") {
        if s.v.starts_with("postgres://") || s.v.starts_with("postgresql://") {
            w.database = Some(s.v);
        } else {
            ctx.error(
                &s.span,
                "`worker.database`: expected a PostgreSQL URL, such as \"postgres://feedmill@db.example.vn/feedmill\"",
            );
        }
    }
    if let Some(d) = t.duration(ctx, "lease", false) {
        w.lease = d;
    }
    if let Some(n) = t.int(ctx, "claim", 1, 10_000) {
        w.claim = to_usize(n);
    }
    if let Some(d) = t.duration(ctx, "idle", false) {
        w.idle = d;
    }
    if let Some(d) = t.duration(ctx, "max_backoff", false) {
        w.max_backoff = d;
    }
}

fn read_limits(ctx: &mut Ctx<'_>, t: &Table<'_, '_>, cfg: &mut Config) {
    let l = &mut cfg.limits;
    let counts: [(&str, &mut usize, i64, i64); 13] = [
        ("items_per_source", &mut l.items_per_source, 1, MAX_COUNT),
        (
            "stored_per_source",
            &mut l.stored_per_source,
            1,
            100_000_000,
        ),
        ("tags_per_article", &mut l.tags_per_article, 0, 10_000),
        ("tag_chars", &mut l.tag_chars, 8, 10_000),
        // A cut slug keeps a hash of 9 bytes and some of the name before it.
        ("slug_bytes", &mut l.slug_bytes, 16, 200),
        ("html_depth", &mut l.html_depth, 8, 10_000),
        ("html_attributes", &mut l.html_attributes, 1, 10_000),
        ("links_per_listing", &mut l.links_per_listing, 1, 100_000),
        (
            "enclosures_per_article",
            &mut l.enclosures_per_article,
            0,
            10_000,
        ),
        ("digest_articles", &mut l.digest_articles, 1, 100_000),
        ("full_text_pages", &mut l.full_text_pages, 1, MAX_COUNT),
        ("full_text_attempts", &mut l.full_text_attempts, 1, 100),
        ("sources_per_batch", &mut l.sources_per_batch, 1, 100_000),
    ];
    for (key, slot, min, max) in counts {
        if let Some(n) = t.int(ctx, key, min, max) {
            *slot = to_usize(n);
        }
    }
    if l.stored_per_source < l.items_per_source {
        ctx.error(
            &t.span,
            format!(
                "`limits.stored_per_source` ({}) is below `limits.items_per_source` ({}): a source's latest fetch is always stored whole",
                l.stored_per_source, l.items_per_source
            ),
        );
    }
    if let Some(n) = t.byte_size(ctx, "content_bytes") {
        l.content_bytes = usize::try_from(n).unwrap_or(usize::MAX);
    }
    if let Some(d) = t.duration(ctx, "read_time", false) {
        l.read_time = d;
    }
}

/// Counts were range-checked against small bounds, so this never saturates in practice.
fn to_usize(n: i64) -> usize {
    usize::try_from(n).unwrap_or(usize::MAX)
}
