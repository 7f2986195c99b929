//! What the config tests share: a valid `[site]` and source to build on, and the check
//! that a config is refused with one error at a given line and column.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use feedmill::config::{Config, ConfigError};

/// Where every test config claims to live, so messages can be checked for it.
pub const PATH: &str = "/etc/feedmill/feeds.toml";

/// A valid `[site]` (3 lines), so tests add their problem from line 4 on.
pub const SITE: &str =
    "[site]\ntitle = \"Tin Yên Bái\"\nbase_url = \"https://feeds.example.vn/\"\n";
/// A valid source (after SITE: lines 4-6).
pub const SOURCE: &str = "[[source]]\nname = \"tin-tinh\"\nurl = \"https://example.vn/rss.xml\"\n";

/// `text` parsed as if it were [`PATH`].
pub fn parse(text: &str) -> Result<Config, Vec<ConfigError>> {
    Config::parse(text, Path::new(PATH))
}

/// The errors of `text`, which must be refused.
#[track_caller]
pub fn errors(text: &str) -> Vec<ConfigError> {
    match parse(text) {
        Ok(_) => panic!("expected errors, the config was accepted:\n{text}"),
        Err(errors) => errors,
    }
}

/// The single error of `text`, checked for its file, place and message.
#[track_caller]
pub fn assert_one(text: &str, line: usize, column: usize, needle: &str) -> ConfigError {
    let errs = errors(text);
    let shown: Vec<String> = errs.iter().map(ToString::to_string).collect();
    assert_eq!(
        errs.len(),
        1,
        "expected one error, got:\n{}",
        shown.join("\n")
    );
    let err = errs.into_iter().next().expect("one error");
    assert_eq!((err.line, err.column), (line, column), "{err}");
    assert!(
        err.message.contains(needle),
        "{err:?} should contain {needle:?}"
    );
    assert_eq!(err.file, PathBuf::from(PATH));
    assert!(err.to_string().starts_with(&format!("{PATH}:")), "{err}");
    err
}
