//! `feedmill init`, `completions`, `man` and `healthz`, run as an operator runs them, in
//! temporary folders and against servers on 127.0.0.1.

mod sites_support;

use sites_support::{feedmill, root, said};

#[test]
fn init_writes_a_starter_that_passes_check() {
    let tmp = tempfile::tempdir().unwrap();
    let out = feedmill(tmp.path(), &["init", "site"]);
    assert!(out.status.success(), "{}", said(&out));
    let path = tmp.path().join("site/feeds.toml");
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        feedmill::onboard::STARTER
    );
    let out = feedmill(tmp.path(), &["check", "--config", "site/feeds.toml"]);
    assert!(out.status.success(), "{}", said(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("ok (2 sources, 1 categories)"),
        "{}",
        said(&out)
    );
}

#[test]
fn init_never_overwrites_a_file() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("feeds.toml"), "# mine\n").unwrap();
    let out = feedmill(tmp.path(), &["init"]);
    assert_eq!(out.status.code(), Some(1), "{}", said(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("already exists"));
    assert_eq!(
        std::fs::read_to_string(tmp.path().join("feeds.toml")).unwrap(),
        "# mine\n"
    );
}

/// The `(table, key)` pairs of a TOML document: `("site", "title")`, `("source.html",
/// "item")`; a key holding a table of the operator's own names (`tags.aliases`) counts as
/// the table's header only.
fn key_paths(table: &toml::Table, prefix: &str, out: &mut Vec<(String, String)>) {
    for (k, v) in table {
        let path = if prefix.is_empty() {
            k.clone()
        } else {
            format!("{prefix}.{k}")
        };
        match v {
            toml::Value::Table(_) if path == "tags.aliases" => {
                out.push((prefix.to_string(), k.clone()));
            }
            toml::Value::Table(t) => key_paths(t, &path, out),
            toml::Value::Array(items)
                if items.iter().all(toml::Value::is_table) && !items.is_empty() =>
            {
                for item in items {
                    if let toml::Value::Table(t) = item {
                        key_paths(t, &path, out);
                    }
                }
            }
            _ => out.push((prefix.to_string(), k.clone())),
        }
    }
}

/// Whether `text` has `key = …` (or a commented `# key = …`) under the header of `table`.
fn has_key(text: &str, table: &str, key: &str) -> bool {
    let mut current = String::new();
    for line in text.lines() {
        let t = line.trim();
        if t.starts_with('[') {
            current = t
                .trim_start_matches('[')
                .split(']')
                .next()
                .unwrap_or_default()
                .to_string();
            if table.is_empty() && current == key {
                return true;
            }
            if format!("{table}.{key}") == current {
                return true;
            }
            continue;
        }
        let t = t.trim_start_matches('#').trim_start();
        let written = t.split('=').next().unwrap_or_default().trim();
        if current == table && t.contains('=') && written == key {
            return true;
        }
    }
    false
}

#[test]
fn the_starter_has_every_key_of_the_readme_reference() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let section = readme
        .split("## feeds.toml reference")
        .nth(1)
        .expect("the README has a feeds.toml reference");
    let block = section
        .split("```toml\n")
        .nth(1)
        .and_then(|b| b.split("\n```").next())
        .expect("a toml block");
    let reference: toml::Table = toml::from_str(block).expect("the reference is valid TOML");
    let mut keys = Vec::new();
    key_paths(&reference, "", &mut keys);
    assert!(keys.len() > 60, "{keys:?}");
    let missing: Vec<String> = keys
        .iter()
        .filter(|(t, k)| !has_key(feedmill::onboard::STARTER, t, k))
        .map(|(t, k)| format!("{t}.{k}"))
        .collect();
    assert!(
        missing.is_empty(),
        "keys of the README reference missing from the init file: {missing:?}"
    );
}

#[test]
fn completions_for_each_shell_name_every_command() {
    let tmp = tempfile::tempdir().unwrap();
    for shell in ["bash", "zsh", "fish"] {
        let out = feedmill(tmp.path(), &["completions", shell]);
        assert!(out.status.success(), "{shell}: {}", said(&out));
        let script = String::from_utf8_lossy(&out.stdout);
        for cmd in ["build", "add", "init", "serve", "dry-run"] {
            assert!(script.contains(cmd), "{shell} completion lacks {cmd}");
        }
    }
    let out = feedmill(tmp.path(), &["completions", "tcsh"]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "an unknown shell is a usage error"
    );
}

#[test]
fn the_man_page_is_generated_from_the_cli() {
    let tmp = tempfile::tempdir().unwrap();
    let out = feedmill(tmp.path(), &["man"]);
    assert!(out.status.success(), "{}", said(&out));
    let page = String::from_utf8_lossy(&out.stdout);
    assert!(
        page.starts_with(".ie") || page.contains(".TH feedmill"),
        "{page}"
    );
    assert!(page.contains("add") && page.contains("init"), "{page}");
    let out = feedmill(tmp.path(), &["man", "--out", "man"]);
    assert!(out.status.success(), "{}", said(&out));
    for name in [
        "feedmill.1",
        "feedmill-add.1",
        "feedmill-build.1",
        "feedmill-init.1",
    ] {
        assert!(tmp.path().join("man").join(name).is_file(), "{name}");
    }
}

/// A one-reply HTTP server on 127.0.0.1 answering every request with `status`.
fn answer_with(status: &'static str) -> String {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for mut s in listener.incoming().flatten() {
            let mut buf = [0u8; 1024];
            let _ = s.read(&mut buf);
            let _ = s.write_all(
                format!("HTTP/1.1 {status}\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
                    .as_bytes(),
            );
        }
    });
    format!("http://{addr}/healthz")
}

#[test]
fn healthz_is_zero_only_when_the_server_answers_2xx() {
    let tmp = tempfile::tempdir().unwrap();
    let ok = feedmill(tmp.path(), &["healthz", &answer_with("200 OK")]);
    assert!(ok.status.success(), "{}", said(&ok));
    let down = feedmill(
        tmp.path(),
        &["healthz", &answer_with("503 Service Unavailable")],
    );
    assert_eq!(down.status.code(), Some(1), "{}", said(&down));
    assert!(String::from_utf8_lossy(&down.stderr).contains("503"));
    // Nothing listens on port 9 of loopback.
    let none = feedmill(
        tmp.path(),
        &["healthz", "http://127.0.0.1:9/healthz", "--timeout", "2s"],
    );
    assert_eq!(none.status.code(), Some(1), "{}", said(&none));
}
