//! `config_version`: a print of the part of feeds.toml that decides what the workers fetch
//! and store, so that workers started with different files on different machines are
//! caught before they write one shared store two ways.

use sha2::{Digest, Sha256};

/// The top-level tables the print covers: what is fetched (`[[source]]`, `[fetch]`), what
/// one source may cost (`[limits]`) and what is kept of it (`[[filter]]`). `[worker]`,
/// `[serve]`, `[publish]` and `[site]` may differ between machines (a local store path,
/// another connection string).
pub const COVERED: &[&str] = &["source", "fetch", "limits", "filter"];

/// The config version of feeds.toml's `text`: 16 hex digits of the SHA-256 of the covered
/// tables written canonically (keys sorted, comments and layout ignored), so that a
/// comment or a reordered key does not change it but any value does.
pub fn config_version(text: &str) -> Result<String, String> {
    let table: toml::Table = toml::from_str(text).map_err(|e| e.to_string())?;
    let mut canonical = String::new();
    for key in COVERED {
        canonical.push_str(key);
        canonical.push('=');
        match table.get(*key) {
            Some(v) => write_canonical(v, &mut canonical),
            None => canonical.push('-'),
        }
        canonical.push('\n');
    }
    let digest = Sha256::digest(canonical.as_bytes());
    Ok(digest[..8].iter().map(|b| format!("{b:02x}")).collect())
}

/// `v` as JSON-like text with every table's keys sorted: the same values give the same
/// text whatever order the file wrote them in.
fn write_canonical(v: &toml::Value, out: &mut String) {
    match v {
        toml::Value::Table(t) => {
            let mut keys: Vec<&String> = t.keys().collect();
            keys.sort();
            out.push('{');
            for k in keys {
                out.push_str(&serde_json::to_string(k).unwrap_or_default());
                out.push(':');
                write_canonical(&t[k], out);
                out.push(',');
            }
            out.push('}');
        }
        toml::Value::Array(a) => {
            out.push('[');
            for item in a {
                write_canonical(item, out);
                out.push(',');
            }
            out.push(']');
        }
        toml::Value::String(s) => out.push_str(&serde_json::to_string(s).unwrap_or_default()),
        other => out.push_str(&other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_and_other_tables_do_not_change_it_values_do() {
        let a = "[fetch]\nper_host = 2\ntimeout = \"30s\"\n[[source]]\nname = \"a\"\nurl = \"http://x/\"\n";
        let b = "# comment\n[worker]\nclaim = 5\n[fetch]\ntimeout = \"30s\" # same\nper_host = 2\n\n[[source]]\nurl = \"http://x/\"\nname = \"a\"\n";
        let c = "[fetch]\nper_host = 3\ntimeout = \"30s\"\n[[source]]\nname = \"a\"\nurl = \"http://x/\"\n";
        let va = config_version(a).unwrap();
        assert_eq!(va.len(), 16);
        assert_eq!(va, config_version(b).unwrap());
        assert_ne!(va, config_version(c).unwrap());
    }
}
