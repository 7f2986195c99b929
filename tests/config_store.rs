//! feeds.toml `[store]`: the SQLite file by default, `url = "postgres://…"` for a
//! PostgreSQL database, and a bad URL reported at its line and column (with its password
//! left out of the message).

use std::path::Path;

mod config_support;
use config_support::{parse, SITE};

/// The one error of `text`, which never shows the URL's password.
#[track_caller]
fn assert_one(text: &str, line: usize, column: usize, needle: &str) {
    let err = config_support::assert_one(text, line, column, needle);
    assert!(!err.to_string().contains("hunter2"), "{err}");
}

#[test]
fn without_a_url_the_store_is_the_sqlite_file() {
    let cfg = parse(SITE).unwrap();
    assert_eq!(cfg.store.url, None);
    assert_eq!(cfg.store.retention_days, 90);
    assert_eq!(cfg.site.store, Path::new("/etc/feedmill/feedmill.db"));
}

#[test]
fn a_postgres_url_names_the_database_and_its_password_stays_out_of_debug() {
    let text = format!(
        "{SITE}[store]\nretention_days = 30\nurl = \"postgres://feedmill:hunter2@db.internal:5433/feeds\"\n"
    );
    let cfg = parse(&text).unwrap();
    let url = cfg.store.url.as_ref().expect("a url");
    assert_eq!(
        url.as_str(),
        "postgres://feedmill:hunter2@db.internal:5433/feeds"
    );
    assert_eq!(
        url.redacted(),
        "postgres://feedmill:***@db.internal:5433/feeds"
    );
    assert!(!format!("{cfg:?}").contains("hunter2"));
    let other = parse(&format!(
        "{SITE}[store]\nurl = \"postgresql://localhost/feeds\"\n"
    ))
    .unwrap();
    assert!(other.store.url.is_some());
}

#[test]
fn a_bad_url_is_reported_at_its_line_and_column() {
    assert_one(
        &format!("{SITE}[store]\nurl = \"mysql://feedmill:hunter2@db/feeds\"\n"),
        5,
        7,
        "`store.url`: \"mysql://feedmill:***@db/feeds\" is not a postgres:// URL",
    );
    assert_one(
        &format!("{SITE}[store]\nurl = \"postgres://feedmill:hunter2@db:notaport/feeds\"\n"),
        5,
        7,
        "`store.url`",
    );
    assert_one(
        &format!("{SITE}[store]\nurl = \"\"\n"),
        5,
        7,
        "`store.url` must not be empty",
    );
}
