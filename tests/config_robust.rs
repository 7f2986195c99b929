//! Whatever the text, parsing never panics and every error points inside the file.

use std::path::Path;

use feedmill::config::Config;
use proptest::prelude::*;

const FULL: &str = include_str!("data/config/full.toml");

fn check_locations(text: &str) {
    if let Err(errors) = Config::parse(text, Path::new("/srv/feeds.toml")) {
        assert!(!errors.is_empty());
        let lines = text.split('\n').count();
        for e in errors {
            assert!(
                e.line >= 1 && e.line <= lines,
                "{e} (file has {lines} lines)"
            );
            assert!(e.column >= 1, "{e}");
            assert!(!e.message.is_empty());
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,200}") {
        check_locations(&text);
    }

    #[test]
    fn a_valid_config_with_one_edit_never_panics(
        at in 0usize..FULL.len(),
        cut in 0usize..20,
        insert in "[\\[\\]=\"'{}.,#\\n a-zê0-9ộ-]{0,6}",
    ) {
        // Edit at character boundaries only, so the text stays a valid `str`.
        let mut start = at.min(FULL.len());
        while !FULL.is_char_boundary(start) { start -= 1; }
        let mut end = (start + cut).min(FULL.len());
        while !FULL.is_char_boundary(end) { end -= 1; }
        let text = format!("{}{}{}", &FULL[..start], insert, &FULL[end..]);
        check_locations(&text);
    }
}
