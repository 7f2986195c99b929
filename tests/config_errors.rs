//! Invalid feeds.toml files: every problem is reported, each at its line and column
//! (columns in characters), with a message saying what is wrong and what is expected.

use std::path::{Path, PathBuf};

use feedmill::config::Config;

mod config_support;
use config_support::{assert_one, errors, SITE, SOURCE};

/// Sources, `[source.html]`, categories, the merged slug and tag aliases.
#[path = "config_errors/names.rs"]
mod names;

#[test]
fn a_toml_syntax_error_is_one_error_at_its_place() {
    // Unterminated string: `title = "Tin Yên Bái` is 20 characters.
    let err = assert_one(
        "[site]\ntitle = \"Tin Yên Bái\nbase_url = \"https://x.example/\"\n",
        2,
        21,
        "TOML syntax error",
    );
    assert!(err.message.contains("string"), "{err}");
}

#[test]
fn several_syntax_errors_are_each_reported_once() {
    let errs =
        errors("[site]\ntitle = = \"x\"\nbase_url = \"https://x.example/\"\n[feeds\nitems = 3\n");
    let places: Vec<(usize, usize)> = errs.iter().map(|e| (e.line, e.column)).collect();
    assert_eq!(places, vec![(2, 9), (4, 7)], "{errs:?}");
}

#[test]
fn a_duplicate_key_names_the_key() {
    assert_one(
        &format!("{SITE}title = \"Khác\"\n"),
        4,
        1,
        "duplicate key `title`",
    );
}

#[test]
fn the_display_form_is_file_line_column_message() {
    let err = assert_one(
        &format!("{SITE}timezone = \"Asia/Hanoi2\"\n"),
        4,
        12,
        "unknown time zone",
    );
    assert_eq!(
        err.to_string(),
        "/etc/feedmill/feeds.toml:4:12: `site.timezone`: unknown time zone \"Asia/Hanoi2\"; use an IANA name such as \"Asia/Ho_Chi_Minh\" or \"UTC\""
    );
}

#[test]
fn a_near_miss_time_zone_gets_a_suggestion() {
    assert_one(
        &format!("{SITE}{SOURCE}timezone = \"Asia/Ho_Chi_Mihn\"\n"),
        7,
        12,
        "did you mean \"Asia/Ho_Chi_Minh\"?",
    );
}

#[test]
fn an_unknown_key_suggests_the_close_one() {
    assert_one(
        &format!("{SITE}timzone = \"UTC\"\n"),
        4,
        1,
        "unknown key `timzone` in [site]; did you mean `timezone`?",
    );
}

#[test]
fn an_unknown_key_without_a_close_one_lists_the_keys() {
    assert_one(
        &format!("{SITE}[fetch]\nspeed = 3\n"),
        5,
        1,
        "unknown key `speed` in [fetch]; expected one of: concurrency, per_host",
    );
}

#[test]
fn an_unknown_table_suggests_the_close_one() {
    assert_one(
        &format!("{SITE}[[sources]]\nname = \"a\"\n"),
        4,
        3,
        "unknown top-level key `sources`; did you mean `source`?",
    );
}

#[test]
fn a_key_in_the_wrong_table_names_the_right_one() {
    assert_one(
        &format!("{SITE}[feeds]\ntimezone = \"UTC\"\n"),
        5,
        1,
        "unknown key `timezone` in [feeds]; `timezone` belongs in [site] or [[source]]",
    );
    assert_one(
        &format!("{SITE}{SOURCE}item = \"li\"\n"),
        7,
        1,
        "unknown key `item` in [[source]]; `item` belongs in [source.html]",
    );
    assert_one(
        &format!("retention_days = 30\n{SITE}"),
        1,
        1,
        "unknown top-level key `retention_days`; `retention_days` belongs in [store]",
    );
}

#[test]
fn unknown_keys_in_nested_tables() {
    assert_one(
        &format!("{SITE}[[source]]\nname = \"a\"\nurl = \"https://a.example/\"\nkind = \"html\"\n[source.html]\nitem = \"li\"\nlink = \"a\"\ntitel = \"h1\"\n"),
        11,
        1,
        "unknown key `titel` in [source.html]; did you mean `title`?",
    );
}

#[test]
fn a_wrong_type_says_what_was_expected_and_found() {
    assert_one(
        &format!("{SITE}[feeds]\nitems = \"50\"\n"),
        5,
        9,
        "`feeds.items`: expected an integer, found a string",
    );
    assert_one(
        &format!("{SITE}language = 7\n"),
        4,
        12,
        "`site.language`: expected a string, found an integer",
    );
    assert_one(
        &format!("{SITE}[[category]]\nname = \"X\"\nmatch = [\"a\"]\n"),
        6,
        9,
        "expected a string, found an array",
    );
}

#[test]
fn a_wrong_type_inside_an_array_is_reported_at_the_element() {
    assert_one(
        &format!("{SITE}{SOURCE}tags = [\"Yên Bái\", true]\n"),
        7,
        20,
        "`source.tags`: expected an array of strings, found a boolean in it",
    );
}

#[test]
fn a_section_of_the_wrong_shape() {
    assert_one(
        "site = \"Tin\"\n",
        1,
        8,
        "`site` must be a table, found a string",
    );
    assert_one(
        &format!("{SITE}[source]\nname = \"a\"\n"),
        4,
        1,
        "`source` must be an array of tables",
    );
}

#[test]
fn numbers_out_of_range() {
    assert_one(
        &format!("{SITE}[feeds]\nitems = 0\n"),
        5,
        9,
        "`feeds.items` is 0; expected an integer from 1",
    );
    assert_one(
        &format!("{SITE}[merged]\nitems = -5\n"),
        5,
        9,
        "`merged.items` is -5",
    );
    assert_one(
        &format!("{SITE}[store]\nretention_days = 0\n"),
        5,
        18,
        "`store.retention_days` is 0",
    );
    assert_one(
        &format!("{SITE}[fetch]\nper_host = 0\n"),
        5,
        12,
        "`fetch.per_host` is 0",
    );
}

#[test]
fn a_missing_required_key_is_reported_at_the_table_header() {
    assert_one(
        "# feeds\n\n[site]\ntitle = \"Tin Yên Bái\"\n",
        3,
        1,
        "[site] is missing the required key `base_url`",
    );
    assert_one(
        &format!("{SITE}[[source]]\nurl = \"https://a.example/\"\n"),
        4,
        1,
        "[[source]] is missing the required key `name`",
    );
}

#[test]
fn a_missing_site_table_is_reported_at_the_top() {
    assert_one("[feeds]\nitems = 5\n", 1, 1, "missing the [site] table");
}

#[test]
fn bad_urls() {
    assert_one(
        "[site]\ntitle = \"T\"\nbase_url = \"feeds.example.vn\"\n",
        3,
        12,
        "invalid URL \"feeds.example.vn\"",
    );
    assert_one(
        "[site]\ntitle = \"T\"\nbase_url = \"ftp://feeds.example.vn/\"\n",
        3,
        12,
        "expected http or https",
    );
    assert_one(
        &format!("{SITE}hub = \"hub.example\"\n"),
        4,
        7,
        "`site.hub`: invalid URL",
    );
    assert_one(
        &format!("{SITE}[[source]]\nname = \"a\"\nurl = \"gopher://a.example/\"\n"),
        6,
        7,
        "unsupported scheme \"gopher\"",
    );
}

#[test]
fn bad_durations_and_sizes() {
    assert_one(
        &format!("{SITE}[fetch]\ntimeout = \"30 secs\"\n"),
        5,
        11,
        "`fetch.timeout`: invalid duration \"30 secs\"",
    );
    assert_one(
        &format!("{SITE}[fetch]\nrefresh = \"0s\"\n"),
        5,
        11,
        "`fetch.refresh` must be longer than zero",
    );
    assert_one(
        &format!("{SITE}[fetch]\nmax_bytes = \"16 megs\"\n"),
        5,
        13,
        "invalid size \"16 megs\"",
    );
    assert_one(
        &format!("{SITE}{SOURCE}timeout = -3\n"),
        7,
        11,
        "invalid duration -3",
    );
}

#[test]
fn bad_language() {
    assert_one(
        &format!("{SITE}language = \"Tiếng Việt\"\n"),
        4,
        12,
        "expected a language tag such as \"vi\"",
    );
}

#[test]
fn vietnamese_text_before_an_error_still_gives_the_character_column() {
    // `tags = ["Yên Bái", "Lục Yên", ` is 30 characters but 35 bytes.
    assert_one(
        &format!("{SITE}{SOURCE}tags = [\"Yên Bái\", \"Lục Yên\", 3]\n"),
        7,
        31,
        "found an integer in it",
    );
    // Decomposed (NFD) marks count as characters of their own, as editors show them.
    let nfd_title = "Tie\u{302}n";
    assert_one(
        &format!("[site]\ntitle = \"{nfd_title}\" \nbase_url = \"https://x.example/\"\nlanguage = \"Tiếng Việt\"\n"),
        4,
        12,
        "invalid language",
    );
}

#[test]
fn three_different_problems_are_all_reported_in_file_order() {
    let text = "[site]\n\
                title = \"Tin Yên Bái\"\n\
                base_url = \"https://feeds.example.vn/\"\n\
                timezone = \"Asia/Hanoi2\"\n\
                \n\
                [[source]]\n\
                name = \"tin-tinh\"\n\
                url = \"https://example.vn/rss.xml\"\n\
                refesh = \"15m\"\n\
                \n\
                [[category]]\n\
                name = \"Nông nghiệp\"\n\
                match = \"(?i)nông nghiệp[\"\n";
    let errs = errors(text);
    let summary: Vec<(usize, usize)> = errs.iter().map(|e| (e.line, e.column)).collect();
    assert_eq!(summary, vec![(4, 12), (9, 1), (13, 9)], "{errs:?}");
    assert!(errs[0]
        .message
        .contains("unknown time zone \"Asia/Hanoi2\""));
    assert!(errs[1].message.contains("did you mean `refresh`?"));
    assert!(errs[2].message.contains("invalid regular expression"));
    assert!(errs
        .iter()
        .all(|e| e.file == Path::new("/etc/feedmill/feeds.toml")));
}

#[test]
fn errors_carry_the_path_given_even_when_relative() {
    let errs = Config::parse("[feeds]\n", Path::new("conf/feeds.toml")).expect_err("no site");
    assert_eq!(errs[0].file, PathBuf::from("conf/feeds.toml"));
    assert!(errs[0]
        .to_string()
        .starts_with("conf/feeds.toml:1:1: missing the [site] table"));
}

#[test]
fn a_missing_file_is_one_error_naming_it() {
    let errs = Config::load(Path::new("/nonexistent/feedmill/feeds.toml")).expect_err("missing");
    assert_eq!(errs.len(), 1);
    assert!(
        errs[0].message.contains("cannot read config"),
        "{:?}",
        errs[0]
    );
}

#[test]
fn crlf_line_ends_give_the_same_places() {
    let text = format!("{SITE}[feeds]\nitems = 0\n").replace('\n', "\r\n");
    assert_one(&text, 5, 9, "`feeds.items` is 0");
}
