//! The reader's corpus: every file under `tests/data/read/` is one case, and its sidecar
//! `<name>.expect.json` says what the reader must make of it.
//!
//! An expectation lists the feed-level fields it cares about (`format`, `version`,
//! `encoding`, `title`, `link`, `language`), the exact number of items, per-item fields that
//! must match exactly (`title`, `link`, `guid`, `published`, `updated`, `tags`, `authors`,
//! `image`, `summary_html`, `content_html`, `base`), substrings each warning list must
//! contain (`warnings`; `[]` means none at all), or the error (`error` substring and
//! `alternates`). Optional `content_type` and `base_url` are passed to the reader.

use std::fs;
use std::path::{Path, PathBuf};

use feedmill::model::RawFeed;
use feedmill::read::read_feed;
use serde_json::Value;
use url::Url;

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/read")
}

fn cases() -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = fs::read_dir(corpus_dir())
        .expect("corpus folder")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or_default();
            !name.ends_with(".expect.json") && !name.starts_with('.') && !name.ends_with(".py")
        })
        .collect();
    out.sort();
    out
}

fn expect_path(case: &Path) -> PathBuf {
    let mut name = case.file_name().unwrap_or_default().to_os_string();
    name.push(".expect.json");
    case.with_file_name(name)
}

fn str_of(v: &Value) -> Option<String> {
    v.as_str().map(str::to_string)
}

/// Compares one field; returns a description of the mismatch.
fn check_field(what: &str, expected: &Value, actual: Value) -> Option<String> {
    (expected != &actual).then(|| format!("{what}: expected {expected}, got {actual}"))
}

fn check_feed(case: &str, exp: &Value, feed: &RawFeed) -> Vec<String> {
    let mut problems = Vec::new();
    let actual = serde_json::to_value(feed).expect("RawFeed serializes");
    for key in ["format", "version", "encoding", "title", "link", "language"] {
        if let Some(e) = exp.get(key) {
            problems.extend(check_field(
                key,
                e,
                actual.get(key).cloned().unwrap_or(Value::Null),
            ));
        }
    }
    if let Some(n) = exp.get("count").and_then(Value::as_u64) {
        if feed.items.len() as u64 != n {
            problems.push(format!(
                "item count: expected {n}, got {} ({:?})",
                feed.items.len(),
                feed.items
                    .iter()
                    .map(|i| i.title.clone())
                    .collect::<Vec<_>>()
            ));
        }
    }
    if let Some(items) = exp.get("items").and_then(Value::as_array) {
        let got = actual
            .get("items")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        for (i, ei) in items.iter().enumerate() {
            let Some(gi) = got.get(i) else {
                problems.push(format!("item {i}: missing"));
                continue;
            };
            for (k, ev) in ei.as_object().into_iter().flatten() {
                let gv = gi.get(k).cloned().unwrap_or(Value::Null);
                problems.extend(check_field(&format!("item {i} {k}"), ev, gv));
            }
        }
    }
    if let Some(ws) = exp.get("warnings").and_then(Value::as_array) {
        if ws.is_empty() && !feed.warnings.is_empty() {
            problems.push(format!("expected no warnings, got {:?}", feed.warnings));
        }
        for w in ws.iter().filter_map(str_of) {
            if !feed.warnings.iter().any(|fw| fw.contains(&w)) {
                problems.push(format!(
                    "no warning containing {w:?} in {:?}",
                    feed.warnings
                ));
            }
        }
    }
    if exp.get("error").is_some() {
        problems.push(format!("{case}: expected an error, got a feed"));
    }
    problems
}

#[test]
fn corpus() {
    let cases = cases();
    assert!(cases.len() >= 40, "corpus too small: {}", cases.len());
    let mut failures = Vec::new();
    for case in &cases {
        let name = case
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_string();
        let exp_text = match fs::read_to_string(expect_path(case)) {
            Ok(t) => t,
            Err(_) => {
                failures.push(format!("{name}: no .expect.json"));
                continue;
            }
        };
        let exp: Value = serde_json::from_str(&exp_text).expect("expectation is JSON");
        let bytes = fs::read(case).expect("case readable");
        let ct = exp.get("content_type").and_then(Value::as_str);
        let base = exp
            .get("base_url")
            .and_then(Value::as_str)
            .map(|u| Url::parse(u).expect("base_url parses"));
        let problems = match read_feed(&bytes, ct, base.as_ref()) {
            Ok(feed) => check_feed(&name, &exp, &feed),
            Err(err) => match exp.get("error").and_then(Value::as_str) {
                None => vec![format!("unexpected error: {err}")],
                Some(e) => {
                    let mut p = Vec::new();
                    if !err.to_string().contains(e) {
                        p.push(format!("error {err:?} does not contain {e:?}"));
                    }
                    if let Some(alts) = exp.get("alternates") {
                        let got = serde_json::to_value(&err.alternates).unwrap_or(Value::Null);
                        p.extend(check_field("alternates", alts, got));
                    }
                    p
                }
            },
        };
        for p in problems {
            failures.push(format!("{name}: {p}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} problems:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
