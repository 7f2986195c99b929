//! The `feedmill` binary as an operator uses it: exit codes, error locations, the report.

mod e2e_support;

use std::process::Command;

use e2e_support::root;

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

fn feedmill() -> Command {
    Command::new(env!("CARGO_BIN_EXE_feedmill"))
}

#[test]
fn check_accepts_the_bundled_example() {
    let out = feedmill()
        .args(["check", "--config"])
        .arg(root().join("feeds.toml"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("ok (3 sources, 3 categories)"));
}

#[test]
fn an_invalid_config_lists_every_problem_with_line_and_column_and_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let cfg = tmp.path().join("feeds.toml");
    std::fs::write(
        &cfg,
        "[site]\ntitle = \"Tin Yên Bái\"\nbase_url = \"https://feeds.example.vn/\"\ntimezone = \"Asia/Hanoi2\"\n\n[[source]]\nname = \"tin\"\nurl = \"feed.rss\"\ncolour = \"red\"\n\n[[category]]\nname = \"Nông nghiệp\"\nsources = [\"nope\"]\n",
    )
    .unwrap();
    for cmd in ["check", "build"] {
        let out = feedmill()
            .arg(cmd)
            .arg("--config")
            .arg(&cfg)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{cmd}");
        let err = String::from_utf8_lossy(&out.stderr);
        let file = cfg.display().to_string();
        assert!(
            err.contains(&format!("{file}:4:12")),
            "{cmd}: time zone location missing in\n{err}"
        );
        assert!(
            err.contains(&format!("{file}:9:1")),
            "{cmd}: unknown key location missing in\n{err}"
        );
        assert!(
            err.contains(&format!("{file}:13:")),
            "{cmd}: unknown source location missing in\n{err}"
        );
    }
    assert!(
        !tmp.path().join("public").exists(),
        "an invalid config writes nothing"
    );
}

#[test]
fn build_writes_feeds_and_a_json_report() {
    let tmp = tempfile::tempdir().unwrap();
    let out_dir = tmp.path().join("out");
    let report = tmp.path().join("report.json");
    // The bundled example, copied: the checkout's own feedmill.db is never read or written
    // (a store left by an earlier run made every source "not-modified").
    let site = tmp.path().join("site");
    for rel in ["examples/feeds", "examples/site"] {
        copy_dir(&root().join(rel), &site.join(rel));
    }
    std::fs::copy(root().join("feeds.toml"), site.join("feeds.toml")).unwrap();
    let out = feedmill()
        .current_dir(&site)
        .args(["build", "--quiet", "--out"])
        .arg(&out_dir)
        .arg("--report")
        .arg(&report)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out_dir.join("other-news/rss.xml").is_file());
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
    let sources = json["sources"].as_array().unwrap();
    assert_eq!(sources.len(), 3);
    assert_eq!(sources[0]["name"], "baoyenbai-xdd");
    assert_eq!(sources[0]["status"], "ok");
    assert_eq!(json["articles"], 9);
    assert_eq!(sources[2]["name"], "baoyenbai-web");
    assert_eq!(sources[2]["status"], "ok");
}

#[test]
fn strict_build_fails_when_a_source_fails_but_still_writes_feeds() {
    let tmp = tempfile::tempdir().unwrap();
    let cfg = tmp.path().join("feeds.toml");
    let good = root().join("examples/feeds/lucyen.atom");
    std::fs::write(
        &cfg,
        format!(
            "[site]\ntitle = \"T\"\nbase_url = \"https://feeds.example.vn/\"\n\n[[source]]\nname = \"good\"\nurl = \"{}\"\n\n[[source]]\nname = \"missing\"\nurl = \"does-not-exist.rss\"\n",
            good.display()
        ),
    )
    .unwrap();
    let lenient = feedmill()
        .arg("build")
        .arg("--config")
        .arg(&cfg)
        .output()
        .unwrap();
    assert_eq!(lenient.status.code(), Some(0));
    let err = String::from_utf8_lossy(&lenient.stderr);
    assert!(
        err.contains("missing") && err.contains("does-not-exist.rss"),
        "{err}"
    );
    assert!(tmp.path().join("public/other-news/rss.xml").is_file());

    let strict = feedmill()
        .args(["build", "--strict", "--config"])
        .arg(&cfg)
        .output()
        .unwrap();
    assert_eq!(strict.status.code(), Some(1));
}

#[test]
fn inspect_prints_what_the_reader_made_of_a_feed_as_json() {
    let out = feedmill()
        .args(["inspect", "--json", "--timezone", "Asia/Ho_Chi_Minh"])
        .arg(root().join("examples/feeds/baoyenbai-xay-dung-dang.rss"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["format"], "rss");
    assert_eq!(json["version"], "2.0");
    let first = &json["articles"][0];
    assert_eq!(
        first["title"],
        "Lục Yên: Nâng cao sức chiến đấu của tổ chức đảng ở cơ sở"
    );
    assert_eq!(first["published"], "2022-05-18T05:29:48+07:00");
    assert_eq!(first["authors"][0], "Anh Dũng");
    assert_eq!(first["tags"][3], "giao nhiệm vụ khoán sản phẩm");
}

#[test]
fn inspect_source_shows_how_each_selector_of_an_html_source_matched() {
    let out = feedmill()
        .current_dir(root())
        .args(["inspect", "--source", "baoyenbai-web"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("item      4 matched"), "{text}");
    assert!(text.contains("tags        7 matched  `.tags a`"), "{text}");
    assert!(text.contains("Thứ tư, 18/5/2022 | 5:29:48 AM"), "{text}");

    let missing = feedmill()
        .current_dir(root())
        .args(["inspect", "--source", "nope"])
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no source named \"nope\""));
}
