//! `scripts/check-service-files.sh`, which `.ci/run` runs: the Dockerfile and the systemd
//! unit pass hadolint and `systemd-analyze verify`; a real lint error in either fails it;
//! a machine without systemd-analyze skips the unit only when told to.
//!
//! Each test needs the linters it runs; without them it says so on stderr and checks
//! nothing (`.ci/run` installs hadolint from PyPI).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn found(tool: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Whether both linters are here; says which is missing otherwise.
fn linters() -> bool {
    let missing: Vec<&str> = ["hadolint", "systemd-analyze"]
        .into_iter()
        .filter(|t| !found(t))
        .collect();
    if !missing.is_empty() {
        eprintln!("NOT CHECKED: {} not installed", missing.join(" and "));
    }
    missing.is_empty()
}

fn check(env: &[(&str, &Path)], extra: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new("bash");
    cmd.arg(root().join("scripts/check-service-files.sh"))
        .env("FEEDMILL_BIN", env!("CARGO_BIN_EXE_feedmill"))
        .env_remove("ALLOW_MISSING_SYSTEMD_ANALYZE");
    for (k, v) in env {
        cmd.env(k, v);
    }
    for (k, v) in extra {
        cmd.env(k, v);
    }
    cmd.output().expect("bash runs")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn the_dockerfile_and_the_unit_pass_their_linters() {
    if !linters() {
        return;
    }
    let out = check(&[], &[]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("service files: ok\n"), "{}", text(&out));
}

#[test]
fn a_lint_error_in_either_file_fails_the_check() {
    if !linters() {
        return;
    }
    let tmp = tempfile::tempdir().expect("temp dir");
    let docker = tmp.path().join("Dockerfile");
    let mut d = std::fs::read_to_string(root().join("Dockerfile")).expect("Dockerfile");
    // Unpinned packages, no cleanup, `cd` in RUN: hadolint's DL3008, DL3009, DL3003.
    d.push_str("RUN cd /tmp && apt-get update && apt-get install -y curl\n");
    std::fs::write(&docker, d).expect("write");
    let out = check(&[("DOCKERFILE", &docker)], &[]);
    assert!(!out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("DL3003"), "{}", text(&out));

    let unit = tmp.path().join("feedmill.service");
    let u = std::fs::read_to_string(root().join("contrib/feedmill.service")).expect("unit");
    std::fs::write(&unit, u.replacen("ProtectHome=yes", "ProtectHomme=yes", 1)).expect("write");
    // Allowed to skip a missing systemd-analyze, not to pass a broken unit.
    let out = check(
        &[("UNIT", &unit)],
        &[("ALLOW_MISSING_SYSTEMD_ANALYZE", "1")],
    );
    assert!(!out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("ProtectHomme"), "{}", text(&out));
}

#[test]
fn a_missing_systemd_analyze_fails_unless_allowed() {
    if !found("hadolint") {
        eprintln!("NOT CHECKED: hadolint not installed");
        return;
    }
    let none = [("SYSTEMD_ANALYZE", "/nonexistent/systemd-analyze")];
    let out = check(&[], &none);
    assert!(!out.status.success(), "{}", text(&out));
    let allowed = [none[0], ("ALLOW_MISSING_SYSTEMD_ANALYZE", "1")];
    let out = check(&[], &allowed);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("contrib/feedmill.service NOT checked"),
        "{}",
        text(&out)
    );
}
