//! JSON Feed 1.0 / 1.1 on serde_json.
//!
//! A cut-off JSON document cannot be parsed as a whole; its `items` array is then read
//! value by value so every complete item before the break is kept.

use std::borrow::Cow;

use chrono::{TimeZone, Utc};
use serde_json::{Map, Value};
use url::Url;

use super::util::{line_col, non_empty, resolve, resolve_url, text_to_html};
use super::ReadError;
use crate::model::{Enclosure, FeedFormat, RawArticle, RawFeed};

/// Reads a JSON Feed from decoded text.
pub fn parse<'t>(
    text: &str,
    base_url: Option<&Url>,
    mut feed: RawFeed<'t>,
    max_items: usize,
) -> Result<RawFeed<'t>, ReadError> {
    feed.format = Some(FeedFormat::Json);
    let top: Map<String, Value> = match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(m)) => m,
        Ok(_) => {
            return Err(err(
                "not a JSON Feed: the JSON document is not an object",
                None,
            ))
        }
        Err(e) => return salvage(text, base_url, feed, &e, max_items),
    };
    let version = top
        .get("version")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if !version.contains("jsonfeed.org") && !top.contains_key("items") {
        return Err(err(
            "not a JSON Feed: the JSON document has neither a JSON Feed version nor items",
            None,
        ));
    }
    feed.version = version_of(version);
    let feed_base = top
        .get("feed_url")
        .and_then(Value::as_str)
        .and_then(|u| resolve_url(base_url, u))
        .or_else(|| base_url.cloned());
    feed.title = str_field(&top, "title");
    feed.link =
        str_field(&top, "home_page_url").map(|u| resolve(feed_base.as_ref(), &u).into_owned());
    feed.language = str_field(&top, "language");
    match top.get("items") {
        Some(Value::Array(items)) => {
            for (i, item) in items.iter().enumerate() {
                match item {
                    Value::Object(_) if feed.items.len() >= max_items => feed.items_over_limit += 1,
                    Value::Object(m) => feed.items.push(item_of(m, feed_base.as_ref())),
                    _ => feed
                        .warnings
                        .push(format!("item {} is not an object; skipped", i + 1)),
                }
            }
        }
        Some(_) => feed.warnings.push("\"items\" is not an array".into()),
        None => feed.warnings.push("the feed has no \"items\"".into()),
    }
    Ok(feed)
}

fn err(message: &str, pos: Option<(usize, usize)>) -> ReadError {
    ReadError {
        message: message.to_string(),
        line: pos.map(|p| p.0),
        column: pos.map(|p| p.1),
        alternates: vec![],
    }
}

/// "https://jsonfeed.org/version/1.1" → "1.1".
fn version_of(url: &str) -> String {
    url.trim_end_matches('/')
        .rsplit('/')
        .next()
        .filter(|v| v.chars().all(|c| c.is_ascii_digit() || c == '.') && !v.is_empty())
        .unwrap_or("1.0")
        .to_string()
}

fn str_field(m: &Map<String, Value>, key: &str) -> Option<String> {
    match m.get(key)? {
        Value::String(s) => non_empty(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// A JSON date: text as is; a number is a Unix timestamp, written as RFC 3339.
fn date_field(m: &Map<String, Value>, key: &str) -> Option<String> {
    match m.get(key)? {
        Value::String(s) => non_empty(s.clone()),
        Value::Number(n) => {
            let secs = n.as_f64()?;
            // Millisecond timestamps are common enough to recognise by size.
            let secs = if secs.abs() > 1e11 {
                secs / 1000.0
            } else {
                secs
            };
            let whole = secs.floor();
            let nanos = ((secs - whole) * 1e9).round().clamp(0.0, 999_999_999.0) as u32;
            if !whole.is_finite() || whole.abs() > 1e13 {
                return None;
            }
            let dt = Utc.timestamp_opt(whole as i64, nanos).single()?;
            Some(dt.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true))
        }
        _ => None,
    }
}

/// One item. JSON strings are decoded by serde, so every field is owned.
fn item_of(m: &Map<String, Value>, base: Option<&Url>) -> RawArticle<'static> {
    let own = |s: Option<String>| s.map(Cow::Owned);
    let mut a = RawArticle {
        guid: own(str_field(m, "id")),
        base: own(base.map(Url::to_string)),
        title: own(str_field(m, "title")),
        published: own(date_field(m, "date_published")),
        updated: own(date_field(m, "date_modified")),
        ..RawArticle::default()
    };
    a.link = str_field(m, "url")
        .or_else(|| str_field(m, "external_url"))
        .map(|u| Cow::Owned(resolve(base, &u).into_owned()));
    a.content_html = own(str_field(m, "content_html"));
    a.summary_html = own(str_field(m, "summary")
        .or_else(|| str_field(m, "content_text"))
        .map(|s| text_to_html(Cow::Owned(s)).into_owned()));
    a.image = str_field(m, "image")
        .or_else(|| str_field(m, "banner_image"))
        .map(|u| Cow::Owned(resolve(base, &u).into_owned()));
    if let Some(Value::Array(list)) = m.get("attachments") {
        a.enclosures = list
            .iter()
            .filter_map(Value::as_object)
            .filter_map(|o| {
                Some(Enclosure {
                    url: resolve(base, &str_field(o, "url")?).into_owned(),
                    mime_type: str_field(o, "mime_type"),
                    length: o.get("size_in_bytes").and_then(Value::as_u64),
                })
            })
            .collect();
    }
    let mut authors = Vec::new();
    if let Some(Value::Array(list)) = m.get("authors") {
        authors.extend(list.iter().filter_map(author_name));
    }
    if authors.is_empty() {
        authors.extend(m.get("author").and_then(author_name));
    }
    a.authors = authors.into_iter().map(Cow::Owned).collect();
    if let Some(Value::Array(tags)) = m.get("tags") {
        a.tags = tags
            .iter()
            .filter_map(Value::as_str)
            .filter_map(|t| non_empty(t.to_string()))
            .map(Cow::Owned)
            .collect();
    }
    a
}

fn author_name(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => non_empty(s.clone()),
        Value::Object(o) => str_field(o, "name").or_else(|| str_field(o, "url")),
        _ => None,
    }
}

/// Reads what can be read of a broken JSON Feed: the header fields before `items`, then
/// each complete item.
fn salvage<'t>(
    text: &str,
    base_url: Option<&Url>,
    mut feed: RawFeed<'t>,
    e: &serde_json::Error,
    max_items: usize,
) -> Result<RawFeed<'t>, ReadError> {
    let pos = (e.line(), e.column());
    let Some(items_at) = text.find("\"items\"") else {
        return Err(err(&format!("invalid JSON: {e}"), Some(pos)));
    };
    let after = text.get(items_at + 7..).unwrap_or_default().trim_start();
    let Some(mut rest) = after
        .strip_prefix(':')
        .map(str::trim_start)
        .and_then(|r| r.strip_prefix('['))
    else {
        return Err(err(&format!("invalid JSON: {e}"), Some(pos)));
    };
    feed.version = "1.1".into();
    if let Some(v) = text.find("jsonfeed.org/version/") {
        let tail = text.get(v..).unwrap_or_default();
        let end = tail.find('"').unwrap_or(tail.len());
        feed.version = version_of(tail.get(..end).unwrap_or_default());
    }
    loop {
        rest = rest.trim_start_matches(|c: char| c.is_whitespace() || c == ',');
        if rest.is_empty() || rest.starts_with(']') {
            break;
        }
        let mut stream = serde_json::Deserializer::from_str(rest).into_iter::<Value>();
        match stream.next() {
            Some(Ok(Value::Object(m))) => {
                if feed.items.len() < max_items {
                    feed.items.push(item_of(&m, base_url));
                } else {
                    feed.items_over_limit += 1;
                }
                rest = rest.get(stream.byte_offset()..).unwrap_or_default();
            }
            _ => break,
        }
    }
    let offset = text.len() - rest.len();
    let (line, column) = line_col(text, offset);
    feed.warnings.push(format!(
        "invalid JSON ({e}); kept the {} complete items before line {line}, column {column}",
        feed.items.len()
    ));
    Ok(feed)
}
