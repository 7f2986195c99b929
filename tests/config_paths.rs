//! The store and the output folder cannot overlap each other, the config's folder or `/`:
//! `check` refuses such a config with file, line and column, and `build --out` too.

mod build_support;

use std::path::Path;

use build_support::*;
use feedmill::config::{Config, ConfigError};

const HEAD: &str = "[site]\ntitle = \"t\"\nbase_url = \"https://x.vn/\"\n";

fn errors(site_lines: &str) -> Vec<ConfigError> {
    let text = format!("{HEAD}{site_lines}");
    match Config::parse(&text, Path::new("/srv/feedmill/feeds.toml")) {
        Ok(_) => Vec::new(),
        Err(e) => e,
    }
}

/// (line, column) of each error whose message contains `needle`.
fn at(errors: &[ConfigError], needle: &str) -> Vec<(usize, usize)> {
    errors
        .iter()
        .filter(|e| e.message.contains(needle))
        .map(|e| (e.line, e.column))
        .collect()
}

#[test]
fn a_store_that_names_an_output_file_is_refused() {
    let e = errors("output_dir = \".\"\nstore = \"index.html\"\n");
    assert_eq!(at(&e, "site.store"), vec![(5, 9)], "{e:?}");
    assert_eq!(at(&e, "site.output_dir"), vec![(4, 14)], "{e:?}");
}

#[test]
fn a_store_inside_the_output_folder_is_refused() {
    let e = errors("store = \"public/data/feedmill.db\"\n");
    assert_eq!(e.len(), 1, "{e:?}");
    assert_eq!((e[0].line, e[0].column), (4, 9));
    assert!(e[0].message.contains("site.store"), "{}", e[0]);
    assert!(e[0].message.contains("inside"), "{}", e[0]);
}

#[test]
fn an_output_folder_that_is_or_holds_the_config_folder_or_root_is_refused() {
    for (value, why) in [
        ("/", "/"),
        (".", "folder of feeds.toml"),
        ("..", "folder of feeds.toml"),
        ("/srv", "folder of feeds.toml"),
    ] {
        let e = errors(&format!("output_dir = \"{value}\"\n"));
        assert_eq!(at(&e, "site.output_dir"), vec![(4, 14)], "{value}: {e:?}");
        assert!(e.iter().any(|e| e.message.contains(why)), "{value}: {e:?}");
    }
    // An output folder that holds the store (it is outside the config's folder here).
    let e = errors("output_dir = \"/var/www\"\nstore = \"/var/www/feeds/feedmill.db\"\n");
    assert_eq!(at(&e, "site.store"), vec![(5, 9)], "{e:?}");
}

#[test]
fn separate_folders_pass() {
    for lines in [
        "",
        "output_dir = \"public\"\n",
        "output_dir = \"/var/www/feeds\"\nstore = \"/var/lib/feedmill/feedmill.db\"\n",
        "output_dir = \"out\"\nstore = \"outside.db\"\n",
    ] {
        assert!(errors(lines).is_empty(), "{lines}: {:?}", errors(lines));
    }
}

#[test]
fn check_and_build_refuse_and_build_out_is_checked_too() {
    let site = Site::new(
        "output_dir = \".\"\nstore = \"index.html\"",
        "[[source]]\nname = \"nguon\"\nurl = \"nguon.rss\"\n",
    );
    site.write("nguon.rss", &rss(&[item("a", "Bài", 8, &["Lục Yên"])]));
    let file = site.config_path().display().to_string();
    for cmd in ["check", "build"] {
        let run = feedmill()
            .args([cmd, "--config"])
            .arg(site.config_path())
            .output()
            .expect("run");
        let stderr = String::from_utf8_lossy(&run.stderr);
        assert_eq!(run.status.code(), Some(2), "{cmd}: {stderr}");
        assert!(stderr.contains(&format!("{file}:7:9")), "{cmd}: {stderr}");
    }
    assert!(!site.dir.join("index.html").exists());

    // A valid config, and an --out that is the config's folder. (`/` is refused by the same
    // check; it is not run here, where a wrong answer would write into `/`.)
    site.set_config("", "[[source]]\nname = \"nguon\"\nurl = \"nguon.rss\"\n");
    for out in [site.dir.clone(), site.dir.join("sub/..")] {
        let run = feedmill()
            .args(["build", "--config"])
            .arg(site.config_path())
            .arg("--out")
            .arg(&out)
            .output()
            .expect("run");
        let stderr = String::from_utf8_lossy(&run.stderr);
        assert_eq!(run.status.code(), Some(2), "{}: {stderr}", out.display());
        assert!(stderr.contains("--out"), "{stderr}");
    }
    assert!(!site.dir.join("index.html").exists());
    assert!(!site.store().exists(), "nothing was built");
}
