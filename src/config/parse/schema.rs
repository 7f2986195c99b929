//! The keys feeds.toml allows, table by table, so an unknown key can be answered with the
//! table it belongs in.

/// The top-level tables.
pub(super) const TOP_KEYS: &[&str] = &[
    "site", "feeds", "merged", "fetch", "store", "limits", "serve", "publish", "worker", "source",
    "category", "tags", "filter",
];
/// `[site]`.
pub(super) const SITE_KEYS: &[&str] = &[
    "title",
    "description",
    "base_url",
    "language",
    "timezone",
    "output_dir",
    "store",
    "hub",
];
/// `[feeds]`.
pub(super) const FEEDS_KEYS: &[&str] = &[
    "items",
    "tag_min_articles",
    "json_feed",
    "archives",
    "pages",
    "index_headlines",
];
/// `[merged]`.
pub(super) const MERGED_KEYS: &[&str] = &["slug", "title", "items", "digest", "digest_time"];
/// `[fetch]`.
pub(super) const FETCH_KEYS: &[&str] = &[
    "concurrency",
    "per_host",
    "connect_timeout",
    "timeout",
    "retries",
    "max_retry_after",
    "max_bytes",
    "max_redirects",
    "user_agent",
    "refresh",
    "allow_internal_redirects",
];
/// `[store]`.
pub(super) const STORE_KEYS: &[&str] = &["retention_days", "url"];
/// `[limits]`.
pub(super) const LIMITS_KEYS: &[&str] = &[
    "items_per_source",
    "stored_per_source",
    "tags_per_article",
    "tag_chars",
    "slug_bytes",
    "content_bytes",
    "html_depth",
    "html_attributes",
    "links_per_listing",
    "read_time",
    "enclosures_per_article",
    "digest_articles",
    "full_text_pages",
    "full_text_attempts",
    "sources_per_batch",
];
/// `[[source]]`.
pub(super) const SOURCE_KEYS: &[&str] = &[
    "name",
    "url",
    "kind",
    "category",
    "tags",
    "timezone",
    "refresh",
    "timeout",
    "connect_timeout",
    "html",
    "full_text",
    "merged",
    "filter",
];
/// `[source.full_text]` (or `full_text = { ... }`).
pub(super) const FULL_TEXT_KEYS: &[&str] = &["content", "remove", "allow_hosts"];
/// `[[filter]]`.
pub(super) const FILTER_KEYS: &[&str] = &[
    "name",
    "sources",
    "action",
    "fields",
    "match",
    "words",
    "add_tags",
    "add_category",
];
/// `[[source.filter]]`: a `[[filter]]` of its source alone.
pub(super) const SOURCE_FILTER_KEYS: &[&str] = &[
    "name",
    "action",
    "fields",
    "match",
    "words",
    "add_tags",
    "add_category",
];
/// `[source.html]`.
pub(super) const HTML_KEYS: &[&str] = &[
    "item",
    "link",
    "pages",
    "next",
    "title",
    "date",
    "date_formats",
    "author",
    "tags",
    "summary",
    "content",
    "remove",
    "image",
    "allow_hosts",
];
/// `[serve]`.
pub(super) const SERVE_KEYS: &[&str] = &[
    "header_read_timeout",
    "idle_timeout",
    "max_connections",
    "shutdown_grace",
];
/// `[publish]`.
pub(super) const PUBLISH_KEYS: &[&str] = &["url", "concurrency", "upload_timeout"];
/// `[worker]`.
pub(super) const WORKER_KEYS: &[&str] = &["database", "lease", "claim", "idle", "max_backoff"];
/// `[[category]]`.
pub(super) const CATEGORY_KEYS: &[&str] = &[
    "name",
    "slug",
    "sources",
    "tags",
    "match",
    "digest",
    "digest_time",
];
/// `[tags]`.
pub(super) const TAGS_KEYS: &[&str] = &["aliases", "digest", "digest_time", "digest_tags"];

/// Every table: its dotted name and its keys.
const TABLES: &[(&str, &[&str])] = &[
    ("site", SITE_KEYS),
    ("feeds", FEEDS_KEYS),
    ("merged", MERGED_KEYS),
    ("fetch", FETCH_KEYS),
    ("store", STORE_KEYS),
    ("limits", LIMITS_KEYS),
    ("serve", SERVE_KEYS),
    ("publish", PUBLISH_KEYS),
    ("worker", WORKER_KEYS),
    ("source", SOURCE_KEYS),
    ("source.html", HTML_KEYS),
    ("source.full_text", FULL_TEXT_KEYS),
    ("filter", FILTER_KEYS),
    ("source.filter", SOURCE_FILTER_KEYS),
    ("category", CATEGORY_KEYS),
    ("tags", TAGS_KEYS),
];

/// How a table's header is written: `[site]`, `[[source]]`.
pub(super) fn header(name: &str) -> String {
    match name {
        "source" | "category" | "filter" | "source.filter" => format!("[[{name}]]"),
        _ => format!("[{name}]"),
    }
}

/// The headers of the tables, other than `except`, that accept `key`.
pub(super) fn tables_with(key: &str, except: &str) -> Vec<String> {
    TABLES
        .iter()
        .filter(|(name, keys)| *name != except && keys.contains(&key))
        .map(|(name, _)| header(name))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_and_owners() {
        assert_eq!(header("source"), "[[source]]");
        assert_eq!(header("source.html"), "[source.html]");
        assert_eq!(
            tables_with("timezone", "feeds"),
            vec!["[site]", "[[source]]"]
        );
        assert!(tables_with("nonsense", "site").is_empty());
    }
}
