//! `[feeds] pages` and `index_headlines`: defaults, values, and mistakes at their place.

use std::path::Path;

use feedmill::config::Config;

const HEAD: &str = "[site]\ntitle = \"t\"\nbase_url = \"https://x.vn/\"\n[feeds]\n";

#[test]
fn pages_default_on_with_thirty_headlines_and_take_values() {
    let cfg = Config::parse(HEAD, Path::new("/srv/feeds.toml")).expect("valid");
    assert!(cfg.feeds.pages);
    assert_eq!(cfg.feeds.index_headlines, 30);
    let text = format!("{HEAD}pages = false\nindex_headlines = 0\n");
    let cfg = Config::parse(&text, Path::new("/srv/feeds.toml")).expect("valid");
    assert!(!cfg.feeds.pages);
    assert_eq!(cfg.feeds.index_headlines, 0);
}

#[test]
fn a_wrong_pages_value_is_an_error_at_its_place() {
    for (line, needle) in [
        ("pages = \"yes\"\n", "pages"),
        ("index_headlines = -1\n", "index_headlines"),
        ("index_headlines = 2000000\n", "index_headlines"),
    ] {
        let text = format!("{HEAD}{line}");
        let errors = Config::parse(&text, Path::new("/srv/feeds.toml")).unwrap_err();
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(errors[0].line, 5, "{}", errors[0]);
        assert!(errors[0].column > 1, "{}", errors[0]);
        assert!(errors[0].message.contains(needle), "{}", errors[0]);
        assert_eq!(errors[0].file, Path::new("/srv/feeds.toml"));
    }
}

#[test]
fn the_shipped_feeds_toml_states_both() {
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("feeds.toml"))
        .expect("feeds.toml");
    assert!(text.contains("\npages = true\n"), "{text}");
    assert!(text.contains("\nindex_headlines = 30\n"), "{text}");
}
