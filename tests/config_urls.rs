//! Source URLs as `check` sees them: anything that starts with a scheme is a URL and must
//! parse as one; a local source file that is missing is reported by `check` at its place.

use std::process::Command;

fn feedmill() -> Command {
    Command::new(env!("CARGO_BIN_EXE_feedmill"))
}

const HEAD: &str = "[site]\ntitle = \"t\"\nbase_url = \"https://feeds.example.vn/\"\n\n";

fn config_with_url(dir: &std::path::Path, url: &str) -> std::path::PathBuf {
    let cfg = dir.join("feeds.toml");
    std::fs::write(
        &cfg,
        format!("{HEAD}[[source]]\nname = \"s\"\nurl = \"{url}\"\n"),
    )
    .unwrap();
    cfg
}

#[test]
fn malformed_urls_are_config_errors_at_their_line_and_column() {
    let tmp = tempfile::tempdir().unwrap();
    for bad in [
        "https://exa mple.vn/feed",
        "http://",
        "https:///x",
        "https://example.vn:99999/rss",
        "ftp://example.vn/rss",
        "htps:example.vn/rss",
    ] {
        let cfg = config_with_url(tmp.path(), bad);
        let errors = feedmill::config::Config::load(&cfg).expect_err(bad);
        assert_eq!(errors.len(), 1, "{bad}: {errors:?}");
        assert_eq!(
            (errors[0].line, errors[0].column),
            (7, 7),
            "{bad}: {errors:?}"
        );
        assert!(
            errors[0].message.contains("URL"),
            "{bad}: {}",
            errors[0].message
        );
        let out = feedmill()
            .arg("check")
            .arg("--config")
            .arg(&cfg)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{bad}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains(&format!("{}:7:7", cfg.display())),
            "{bad}: {err}"
        );
    }
}

#[test]
fn paths_and_drive_letters_stay_paths() {
    let tmp = tempfile::tempdir().unwrap();
    for ok in [
        "feed.rss",
        "sub/feed.rss",
        "C:feed.rss",
        "a:b.xml",
        "file:///srv/x.rss",
    ] {
        let cfg = config_with_url(tmp.path(), ok);
        assert!(feedmill::config::Config::load(&cfg).is_ok(), "{ok}");
    }
    for ok in [
        "https://example.vn/rss",
        "http://127.0.0.1:8080/x",
        "https://ví-dụ.vn/tin",
    ] {
        let cfg = config_with_url(tmp.path(), ok);
        assert!(feedmill::config::Config::load(&cfg).is_ok(), "{ok}");
    }
}

#[test]
fn check_reports_a_missing_local_file_but_build_keeps_it_a_failed_source() {
    let tmp = tempfile::tempdir().unwrap();
    let cfg = config_with_url(tmp.path(), "missing.rss");
    let out = feedmill()
        .arg("check")
        .arg("--config")
        .arg(&cfg)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains(&format!("{}:7:7", cfg.display())), "{err}");
    assert!(err.contains("missing.rss"), "{err}");
    assert!(err.contains("does not exist"), "{err}");

    // A folder is not a feed either.
    std::fs::create_dir(tmp.path().join("dir.rss")).unwrap();
    let cfg = config_with_url(tmp.path(), "dir.rss");
    let out = feedmill()
        .arg("check")
        .arg("--config")
        .arg(&cfg)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("not a regular file"), "{err}");

    // `build` loads the same config and reports the source as failed (exit 0).
    let cfg = config_with_url(tmp.path(), "missing.rss");
    let out = feedmill()
        .arg("build")
        .arg("--config")
        .arg(&cfg)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(err.contains("error: source s"), "{err}");
}

#[test]
fn fetch_allow_internal_redirects_defaults_to_false_and_must_be_a_boolean() {
    let tmp = tempfile::tempdir().unwrap();
    let cfg = tmp.path().join("feeds.toml");
    std::fs::write(&cfg, HEAD).unwrap();
    let c = feedmill::config::Config::load(&cfg).unwrap();
    assert!(!c.fetch.allow_internal_redirects);
    std::fs::write(
        &cfg,
        format!("{HEAD}[fetch]\nallow_internal_redirects = true\n"),
    )
    .unwrap();
    let c = feedmill::config::Config::load(&cfg).unwrap();
    assert!(c.fetch.allow_internal_redirects);
    std::fs::write(
        &cfg,
        format!("{HEAD}[fetch]\nallow_internal_redirects = \"yes\"\n"),
    )
    .unwrap();
    let errors = feedmill::config::Config::load(&cfg).unwrap_err();
    assert_eq!((errors[0].line, errors[0].column), (6, 28), "{errors:?}");
    assert!(errors[0].message.contains("true or false"), "{errors:?}");
}

#[test]
fn serve_limits_have_documented_defaults_and_are_checked() {
    let tmp = tempfile::tempdir().unwrap();
    let cfg = tmp.path().join("feeds.toml");
    std::fs::write(&cfg, HEAD).unwrap();
    let c = feedmill::config::Config::load(&cfg).unwrap();
    assert_eq!(c.serve, feedmill::config::ServeCfg::default());
    assert_eq!(
        c.serve.header_read_timeout,
        std::time::Duration::from_secs(10)
    );
    assert_eq!(c.serve.idle_timeout, std::time::Duration::from_secs(60));
    assert_eq!(c.serve.max_connections, 10_000);
    assert_eq!(c.serve.shutdown_grace, std::time::Duration::from_secs(5));
    std::fs::write(
        &cfg,
        format!(
            "{HEAD}[serve]\nheader_read_timeout = \"2s\"\nidle_timeout = \"30s\"\n\
             max_connections = 500\nshutdown_grace = \"1s\"\n"
        ),
    )
    .unwrap();
    let c = feedmill::config::Config::load(&cfg).unwrap();
    assert_eq!(
        c.serve.header_read_timeout,
        std::time::Duration::from_secs(2)
    );
    assert_eq!(c.serve.idle_timeout, std::time::Duration::from_secs(30));
    assert_eq!(c.serve.max_connections, 500);
    assert_eq!(c.serve.shutdown_grace, std::time::Duration::from_secs(1));
    std::fs::write(
        &cfg,
        format!("{HEAD}[serve]\nmax_connections = 0\nidle_timout = \"1s\"\n"),
    )
    .unwrap();
    let errors = feedmill::config::Config::load(&cfg).unwrap_err();
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert_eq!(errors[0].line, 6, "{errors:?}");
    assert!(errors[1].message.contains("idle_timeout"), "{errors:?}");
}
