//! The JSON Feed 1.1 rules (<https://www.jsonfeed.org/version/1.1/>) as the tests check
//! them: required fields and their types, RFC 3339 dates, unique item ids, content in
//! every item, attachments with a URL and a MIME type, `next_url` never the feed's own.

use std::collections::HashSet;

use serde_json::Value;

use super::{absolute_http, is_mime};

fn is_rfc3339(v: &Value) -> bool {
    v.as_str()
        .is_some_and(|s| chrono::DateTime::parse_from_rfc3339(s).is_ok())
}

fn string_or_absent(o: &serde_json::Map<String, Value>, k: &str) -> bool {
    o.get(k).is_none_or(Value::is_string)
}

/// The JSON Feed 1.1 rules for a document at `url`: required fields and their types,
/// RFC 3339 dates, unique item ids, content in every item, `next_url` never the feed's
/// own URL. Returns every problem.
pub fn json_feed_problems(text: &str, url: &str) -> Vec<String> {
    let mut p = Vec::new();
    let v: Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => return vec![format!("not JSON: {e}")],
    };
    let Some(top) = v.as_object() else {
        return vec!["not an object".into()];
    };
    const TOP: &[&str] = &[
        "version",
        "title",
        "home_page_url",
        "feed_url",
        "description",
        "user_comment",
        "next_url",
        "icon",
        "favicon",
        "authors",
        "author",
        "language",
        "expired",
        "hubs",
        "items",
    ];
    for k in top.keys() {
        if !TOP.contains(&k.as_str()) && !k.starts_with('_') {
            p.push(format!("unknown top-level key {k}"));
        }
    }
    if top.get("version").and_then(Value::as_str) != Some("https://jsonfeed.org/version/1.1") {
        p.push("version is not https://jsonfeed.org/version/1.1".into());
    }
    if top
        .get("title")
        .and_then(Value::as_str)
        .is_none_or(str::is_empty)
    {
        p.push("title missing or not a string".into());
    }
    for k in [
        "home_page_url",
        "feed_url",
        "description",
        "next_url",
        "icon",
        "favicon",
        "language",
    ] {
        if !string_or_absent(top, k) {
            p.push(format!("{k} is not a string"));
        }
    }
    if top.get("feed_url").and_then(Value::as_str).is_none() {
        p.push("feed_url missing".into());
    }
    if let Some(next) = top.get("next_url").and_then(Value::as_str) {
        if Some(next) == top.get("feed_url").and_then(Value::as_str) || next == url {
            p.push("next_url is the feed's own URL".into());
        }
        if !absolute_http(next) {
            p.push(format!("next_url {next:?}"));
        }
    }
    if let Some(a) = top.get("authors") {
        authors_problems(a, "feed", &mut p);
    }
    if let Some(h) = top.get("hubs") {
        let ok = h.as_array().is_some_and(|hs| {
            hs.iter().all(|x| {
                x.get("type").is_some_and(Value::is_string)
                    && x.get("url").is_some_and(Value::is_string)
            })
        });
        if !ok {
            p.push("hubs malformed".into());
        }
    }
    let Some(items) = top.get("items").and_then(Value::as_array) else {
        p.push("items missing or not an array".into());
        return p;
    };
    let mut ids = HashSet::new();
    for (n, item) in items.iter().enumerate() {
        let Some(o) = item.as_object() else {
            p.push(format!("item {n} is not an object"));
            continue;
        };
        match o.get("id").and_then(Value::as_str) {
            Some(id) if !id.is_empty() => {
                if !ids.insert(id.to_string()) {
                    p.push(format!("item id {id:?} repeated"));
                }
            }
            _ => p.push(format!("item {n}: id missing or not a non-empty string")),
        }
        let html = o.get("content_html").and_then(Value::as_str);
        let text = o.get("content_text").and_then(Value::as_str);
        if html.is_none() && text.is_none() {
            p.push(format!("item {n}: neither content_html nor content_text"));
        }
        for k in [
            "url",
            "external_url",
            "title",
            "content_html",
            "content_text",
            "summary",
            "image",
            "banner_image",
            "language",
        ] {
            if !string_or_absent(o, k) {
                p.push(format!("item {n}: {k} is not a string"));
            }
        }
        for k in ["url", "image"] {
            if let Some(u) = o.get(k).and_then(Value::as_str) {
                if !absolute_http(u) {
                    p.push(format!("item {n}: {k} {u:?} is not an absolute URL"));
                }
            }
        }
        for k in ["date_published", "date_modified"] {
            if let Some(d) = o.get(k) {
                if !is_rfc3339(d) {
                    p.push(format!("item {n}: {k} {d} is not RFC 3339"));
                }
            }
        }
        if let Some(t) = o.get("tags") {
            if !t.as_array().is_some_and(|a| a.iter().all(Value::is_string)) {
                p.push(format!("item {n}: tags is not an array of strings"));
            }
        }
        if let Some(a) = o.get("authors") {
            authors_problems(a, &format!("item {n}"), &mut p);
        }
        if let Some(atts) = o.get("attachments") {
            let Some(list) = atts.as_array() else {
                p.push(format!("item {n}: attachments is not an array"));
                continue;
            };
            for a in list {
                let url_ok = a
                    .get("url")
                    .and_then(Value::as_str)
                    .is_some_and(absolute_http);
                let mime_ok = a
                    .get("mime_type")
                    .and_then(Value::as_str)
                    .is_some_and(is_mime);
                let size_ok = a.get("size_in_bytes").is_none_or(Value::is_u64);
                let dur_ok = a.get("duration_in_seconds").is_none_or(Value::is_number);
                if !(url_ok && mime_ok && size_ok && dur_ok) {
                    p.push(format!("item {n}: attachment {a}"));
                }
            }
        }
    }
    p
}

fn authors_problems(a: &Value, whose: &str, p: &mut Vec<String>) {
    let ok = a.as_array().is_some_and(|list| {
        list.iter().all(|x| {
            x.as_object().is_some_and(|o| {
                ["name", "url", "avatar"].iter().any(|k| o.contains_key(*k))
                    && ["name", "url", "avatar"]
                        .iter()
                        .all(|k| string_or_absent(o, k))
            })
        })
    });
    if !ok {
        p.push(format!("{whose}: authors malformed"));
    }
}
