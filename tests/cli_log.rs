//! What `feedmill build` prints for a failing source: one line per failure, and no ANSI
//! escape codes when stderr is not a terminal.

use std::process::Command;

fn feedmill() -> Command {
    Command::new(env!("CARGO_BIN_EXE_feedmill"))
}

/// A config whose one source is a closed port on 127.0.0.1 (connection refused, no retry).
fn failing_config(dir: &std::path::Path) -> std::path::PathBuf {
    // Bind then drop: nothing listens on this port afterwards.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let cfg = dir.join("feeds.toml");
    std::fs::write(
        &cfg,
        format!(
            "[site]\ntitle = \"t\"\nbase_url = \"https://feeds.example.vn/\"\n\n[fetch]\nretries = 0\n\n\
             [[source]]\nname = \"down\"\nurl = \"http://127.0.0.1:{port}/feed.rss\"\n"
        ),
    )
    .unwrap();
    cfg
}

fn build_stderr(cfg: &std::path::Path, env: &[(&str, &str)]) -> String {
    let mut cmd = feedmill();
    cmd.arg("build")
        .arg("--config")
        .arg(cfg)
        .env_remove("NO_COLOR");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    String::from_utf8(out.stderr).unwrap()
}

#[test]
fn a_fetch_failure_is_one_line_without_ansi_codes() {
    let tmp = tempfile::tempdir().unwrap();
    let cfg = failing_config(tmp.path());
    for env in [&[][..], &[("RUST_LOG", "warn")][..]] {
        let err = build_stderr(&cfg, env);
        assert!(!err.contains('\u{1b}'), "ANSI codes with {env:?}:\n{err:?}");
        let mentions: Vec<&str> = err
            .lines()
            .filter(|l| l.contains("Connection refused") || l.contains("cannot connect"))
            .collect();
        assert_eq!(mentions.len(), 1, "with {env:?}:\n{err}");
        assert!(mentions[0].starts_with("error: source down"), "{err}");
    }
}

#[test]
fn debug_logging_stays_available_and_plain() {
    let tmp = tempfile::tempdir().unwrap();
    let cfg = failing_config(tmp.path());
    let err = build_stderr(&cfg, &[("RUST_LOG", "feedmill=debug"), ("NO_COLOR", "1")]);
    assert!(!err.contains('\u{1b}'), "{err:?}");
    assert!(err.contains("DEBUG"), "{err}");
}
