//! Small text helpers shared by every stage: Unicode NFC, whitespace, tag identity, slugs.
//!
//! They live in one leaf module so that config (category slugs, alias keys), normalize
//! (article tags) and emit (feed paths) agree on identity without depending on each other.

use unicode_normalization::UnicodeNormalization;

/// Unicode NFC form of `s`. NFC and NFD spellings of a Vietnamese word become one string.
pub fn nfc(s: &str) -> String {
    s.nfc().collect()
}

/// Drops characters XML 1.0 cannot carry (C0 controls other than tab, LF, CR; U+FFFE/U+FFFF;
/// lone surrogates cannot occur in a Rust `str`).
pub fn strip_xml_invalid(s: &str) -> String {
    s.chars().filter(|&c| is_xml_char(c)).collect()
}

/// Whether `c` is allowed in an XML 1.0 document.
pub fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..='\u{10FFFF}')
}

/// Collapses every run of whitespace (including NBSP) into one space and trims the ends.
pub fn collapse_ws(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for word in s.split(|c: char| c.is_whitespace() || c == '\u{a0}') {
        if word.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// Quote characters a tag never meaningfully starts or ends with, straight and curly
/// (the seed page carries `"giao nhiệm vụ khoán sản phẩm”` with mismatched quotes).
const QUOTES: &[char] = &[
    '"', '\'', '“', '”', '„', '‟', '‘', '’', '‚', '‛', '«', '»', '‹', '›', '`', '´', '「', '」',
];

/// The display form of a tag: NFC, XML-safe, quotes removed, whitespace collapsed.
/// Returns an empty string for a tag that is nothing but quotes and spaces.
pub fn clean_tag(raw: &str) -> String {
    let s = strip_xml_invalid(&nfc(raw));
    let without_quotes: String = s.chars().filter(|c| !QUOTES.contains(c)).collect();
    collapse_ws(&without_quotes)
        .trim_matches(|c: char| c == ',' || c == ';' || c == '#' || c.is_whitespace())
        .to_string()
}

/// The identity of a tag: its [`clean_tag`] form, lowercased. `LỤC YÊN`, `Lục Yên` and the
/// NFD spelling of `lục yên` share one key. Aliases are applied by the caller.
pub fn tag_key(raw: &str) -> String {
    // Lowercasing can produce non-NFC sequences for a few characters; normalize again.
    nfc(&clean_tag(raw).to_lowercase())
}

/// A path-safe slug: lowercase ASCII letters, digits and single `-`, never empty.
///
/// Vietnamese letters lose their marks (`Lục Yên` → `luc-yen`), `Đ/đ` becomes `d`, other
/// scripts are transliterated; a name with nothing left becomes `untitled`.
pub fn slugify(name: &str) -> String {
    let ascii = deunicode::deunicode(&nfc(name));
    let mut out = String::with_capacity(ascii.len());
    let mut dash = false;
    for c in ascii.chars() {
        if c.is_ascii_alphanumeric() {
            if dash && !out.is_empty() {
                out.push('-');
            }
            dash = false;
            out.push(c.to_ascii_lowercase());
        } else {
            dash = true;
        }
    }
    if out.is_empty() {
        out.push_str("untitled");
    }
    out
}

/// Whether `s` is a valid slug as [`slugify`] produces them.
pub fn is_slug(s: &str) -> bool {
    !s.is_empty()
        && !s.starts_with('-')
        && !s.ends_with('-')
        && !s.contains("--")
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn vietnamese_slugs() {
        assert_eq!(slugify("Lục Yên"), "luc-yen");
        assert_eq!(slugify("Đảng bộ"), "dang-bo");
        assert_eq!(
            slugify("đường giao thông nông thôn"),
            "duong-giao-thong-nong-thon"
        );
        assert_eq!(slugify("Nghị quyết số 37"), "nghi-quyet-so-37");
        assert_eq!(slugify("Lúa"), slugify("Lụa"));
        assert_eq!(slugify("  ...  "), "untitled");
        assert_eq!(slugify(""), "untitled");
    }

    #[test]
    fn nfd_and_nfc_are_one_tag() {
        let nfd: String = "Lục Yên".nfd().collect();
        assert_ne!(nfd, "Lục Yên");
        assert_eq!(tag_key(&nfd), tag_key("Lục Yên"));
        assert_eq!(slugify(&nfd), "luc-yen");
    }

    #[test]
    fn case_folds_for_identity() {
        assert_eq!(tag_key("LỤC YÊN"), tag_key("Lục Yên"));
        assert_eq!(tag_key("ĐẢNG BỘ"), "đảng bộ");
    }

    #[test]
    fn quotes_are_stripped() {
        assert_eq!(
            clean_tag("\"giao nhiệm vụ khoán sản phẩm”"),
            "giao nhiệm vụ khoán sản phẩm"
        );
        assert_eq!(clean_tag("“công bộc”"), "công bộc");
        assert_eq!(clean_tag("  'Yên  Bái' "), "Yên Bái");
        assert_eq!(clean_tag("\"\""), "");
    }

    #[test]
    fn whitespace_and_controls() {
        assert_eq!(collapse_ws("  a\u{a0}\n\t b  "), "a b");
        assert_eq!(strip_xml_invalid("a\u{1}b\u{0}c\u{FFFE}d"), "abcd");
    }

    proptest! {
        #[test]
        fn slugs_are_always_safe(s in any::<String>()) {
            let slug = slugify(&s);
            prop_assert!(is_slug(&slug), "{slug:?}");
            prop_assert!(slug != ".." && !slug.contains('/') && !slug.contains('\\'));
            let p = std::path::Path::new("out").join("tag").join(&slug);
            prop_assert!(p.components().all(|c| matches!(c, std::path::Component::Normal(_))));
        }

        #[test]
        fn slug_is_idempotent(s in "\\PC{0,40}") {
            let once = slugify(&s);
            prop_assert_eq!(slugify(&once), once.clone());
        }

        #[test]
        fn tag_key_ignores_normal_form(s in "\\PC{0,30}") {
            let nfd: String = s.nfd().collect();
            prop_assert_eq!(tag_key(&nfd), tag_key(&s));
        }
    }
}
