//! Symbolic links planted inside the output folder: a build never writes or deletes
//! through them, refuses them with an error naming them, and still writes everything else.
#![cfg(unix)]

mod build_support;

use std::os::unix::fs::symlink;
use std::path::Path;

use build_support::*;

const SOURCE: &str = "[[source]]\nname = \"nguon\"\nurl = \"nguon.rss\"\n";

fn site() -> Site {
    let site = Site::new("", SOURCE);
    site.write(
        "nguon.rss",
        &rss(&[
            item("a", "Bài một", 8, &["Lục Yên"]),
            item("b", "Bài hai", 9, &["Trấn Yên"]),
        ]),
    );
    site
}

/// `feedmill build --quiet` on the site: (exit code, stderr).
fn cli_build(site: &Site) -> (Option<i32>, String) {
    let run = feedmill()
        .args(["build", "--quiet", "--config"])
        .arg(site.config_path())
        .output()
        .expect("run feedmill");
    (
        run.status.code(),
        String::from_utf8_lossy(&run.stderr).into_owned(),
    )
}

fn entries(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .expect("read_dir")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn a_symlinked_feed_folder_is_refused_and_nothing_is_written_through_it() {
    let site = site();
    let elsewhere = tempfile::tempdir().expect("tempdir");
    let out = site.out();
    std::fs::create_dir_all(out.join("tag")).expect("mkdir");
    symlink(elsewhere.path(), out.join("tag/luc-yen")).expect("symlink");
    let (code, stderr) = cli_build(&site);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains("tag/luc-yen") && stderr.contains("symbolic link"),
        "{stderr}"
    );
    assert!(
        entries(elsewhere.path()).is_empty(),
        "written through the link"
    );
    for f in [
        "tag/tran-yen/rss.xml",
        "other-news/atom.xml",
        "index.html",
        "feeds.opml",
    ] {
        assert!(out.join(f).is_file(), "{f}: {stderr}");
    }
    assert!(std::fs::symlink_metadata(out.join("tag/luc-yen"))
        .expect("still there")
        .file_type()
        .is_symlink());
}

#[test]
fn a_symlinked_tag_folder_is_refused() {
    let site = site();
    let elsewhere = tempfile::tempdir().expect("tempdir");
    let out = site.out();
    std::fs::create_dir_all(&out).expect("mkdir");
    symlink(elsewhere.path(), out.join("tag")).expect("symlink");
    let (code, stderr) = cli_build(&site);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.contains("symbolic link"), "{stderr}");
    assert!(
        entries(elsewhere.path()).is_empty(),
        "written through the link"
    );
    assert!(out.join("other-news/rss.xml").is_file(), "{stderr}");
    assert!(out.join("index.html").is_file(), "{stderr}");
}

#[test]
fn a_symlinked_feed_file_is_refused_and_its_target_untouched() {
    let site = site();
    let elsewhere = tempfile::tempdir().expect("tempdir");
    let target = elsewhere.path().join("precious.txt");
    std::fs::write(&target, "precious").expect("write");
    let out = site.out();
    std::fs::create_dir_all(out.join("tag/luc-yen")).expect("mkdir");
    symlink(&target, out.join("tag/luc-yen/rss.xml")).expect("symlink");
    let (code, stderr) = cli_build(&site);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains("tag/luc-yen/rss.xml") && stderr.contains("symbolic link"),
        "{stderr}"
    );
    assert_eq!(std::fs::read_to_string(&target).expect("read"), "precious");
    assert_eq!(entries(elsewhere.path()), vec!["precious.txt"]);
    assert!(out.join("tag/tran-yen/rss.xml").is_file(), "{stderr}");
}

#[test]
fn a_planted_manifest_line_never_deletes_outside_or_anything_but_a_file() {
    let site = site();
    let (code, stderr) = cli_build(&site);
    assert_eq!(code, Some(0), "{stderr}");
    let out = site.out();
    let elsewhere = tempfile::tempdir().expect("tempdir");
    std::fs::write(elsewhere.path().join("rss.xml"), "precious").expect("write");
    // A folder link to elsewhere, a folder named like a feed file, and a file link inside.
    symlink(elsewhere.path(), out.join("tag/gone")).expect("symlink");
    std::fs::create_dir_all(out.join("tag/dir/rss.xml")).expect("mkdir");
    std::fs::create_dir_all(out.join("tag/link")).expect("mkdir");
    symlink(out.join("index.html"), out.join("tag/link/rss.xml")).expect("symlink");
    let manifest = out.join(".feedmill-manifest");
    let mut text = std::fs::read_to_string(&manifest).expect("manifest");
    text.push_str("tag/gone/rss.xml\ntag/dir/rss.xml\ntag/link/rss.xml\n");
    std::fs::write(&manifest, text).expect("write");
    let (code, stderr) = cli_build(&site);
    assert_eq!(code, Some(0), "{stderr}");
    // Each is named as left in place.
    assert!(
        stderr.contains("warning: stale file not removed"),
        "{stderr}"
    );
    for rel in ["tag/gone", "tag/dir/rss.xml", "tag/link/rss.xml"] {
        assert!(stderr.contains(rel), "{rel}: {stderr}");
    }
    assert_eq!(
        std::fs::read_to_string(elsewhere.path().join("rss.xml")).expect("outside file"),
        "precious"
    );
    assert!(out.join("tag/dir/rss.xml").is_dir());
    assert!(std::fs::symlink_metadata(out.join("tag/link/rss.xml")).is_ok());
    assert!(out.join("index.html").is_file());
}

#[test]
fn an_output_folder_that_is_itself_a_link_is_the_operators_choice() {
    let site = site();
    let real = tempfile::tempdir().expect("tempdir");
    symlink(real.path(), site.out()).expect("symlink");
    let (code, stderr) = cli_build(&site);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(real.path().join("tag/luc-yen/rss.xml").is_file());
    assert!(real.path().join("index.html").is_file());
}
