//! Small text helpers shared by every stage: Unicode NFC, whitespace, tag identity, slugs.
//!
//! They live in one leaf module so that config (category slugs, alias keys), normalize
//! (article tags) and emit (feed paths) agree on identity without depending on each other.

use std::borrow::Cow;

use unicode_normalization::{is_nfc_quick, IsNormalized, UnicodeNormalization};

/// Unicode NFC form of `s`. NFC and NFD spellings of a Vietnamese word become one string.
pub fn nfc(s: &str) -> String {
    match is_nfc_quick(s.chars()) {
        IsNormalized::Yes => s.to_string(),
        _ => s.nfc().collect(),
    }
}

/// [`nfc`], borrowed when `s` is NFC already: the quick check is a fraction of the cost of
/// normalizing, and nearly all text is NFC.
fn nfc_cow(s: &str) -> Cow<'_, str> {
    match is_nfc_quick(s.chars()) {
        IsNormalized::Yes => Cow::Borrowed(s),
        _ => Cow::Owned(s.nfc().collect()),
    }
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
    // Each step copies only when it changes something: tags are keyed millions of times in
    // a large build, and nearly every one is clean already.
    let s = nfc_cow(raw);
    let s = if s.chars().all(is_xml_char) {
        s
    } else {
        Cow::Owned(strip_xml_invalid(&s))
    };
    let s = if s.contains(QUOTES) {
        Cow::Owned(s.chars().filter(|c| !QUOTES.contains(c)).collect())
    } else {
        s
    };
    let collapsed = collapse_ws(&s);
    let trimmed =
        collapsed.trim_matches(|c: char| c == ',' || c == ';' || c == '#' || c.is_whitespace());
    if trimmed.len() == collapsed.len() {
        collapsed
    } else {
        trimmed.to_string()
    }
}

/// The identity of a tag: its [`clean_tag`] form, lowercased. `LỤC YÊN`, `Lục Yên` and the
/// NFD spelling of `lục yên` share one key. Aliases are applied by the caller.
pub fn tag_key(raw: &str) -> String {
    // Lowercasing can produce non-NFC sequences for a few characters; normalize again.
    let lower = clean_tag(raw).to_lowercase();
    match nfc_cow(&lower) {
        Cow::Borrowed(_) => lower,
        Cow::Owned(n) => n,
    }
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

/// Bytes a cut slug spends on its ending: a dash and eight hex digits of a hash.
pub const SLUG_HASH_BYTES: usize = 9;

/// [`slugify`]`(key)` in at most `max_bytes` bytes (see [`fit_slug`]).
pub fn bounded_slug(key: &str, max_bytes: usize) -> String {
    fit_slug(slugify(key), key, max_bytes)
}

/// `slug` as it is when it fits in `max_bytes` bytes; else cut (slugs are ASCII, so any
/// byte is a character boundary), without a dash at the cut, and ended by `-` and eight
/// hex digits of SHA-256 over the full `key`, so that two long keys sharing a prefix
/// never share a slug. A slug that fits never changes: slugs handed out before are
/// remembered and must stay what they were.
pub fn fit_slug(slug: String, key: &str, max_bytes: usize) -> String {
    use sha2::{Digest, Sha256};
    if slug.len() <= max_bytes {
        return slug;
    }
    let hash: String = Sha256::digest(key.as_bytes())
        .iter()
        .take(4)
        .map(|b| format!("{b:02x}"))
        .collect();
    let keep = max_bytes.saturating_sub(SLUG_HASH_BYTES).min(slug.len());
    let head = slug.get(..keep).unwrap_or_default().trim_end_matches('-');
    if head.is_empty() {
        hash
    } else {
        format!("{head}-{hash}")
    }
}

/// `base-n` (the n-th taker of a contested slug) in at most `max_bytes` bytes: `base` is
/// cut when the suffix would not fit, so a suffixed slug obeys the same bound.
pub fn suffixed_slug(base: &str, n: usize, max_bytes: usize) -> String {
    let suffix = format!("-{n}");
    let keep = max_bytes.saturating_sub(suffix.len()).min(base.len());
    let head = base.get(..keep).unwrap_or_default().trim_end_matches('-');
    if head.is_empty() {
        format!("n{suffix}")
    } else {
        format!("{head}{suffix}")
    }
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

    #[test]
    fn long_slugs_are_cut_with_a_hash_and_short_ones_kept() {
        let short = "a".repeat(64);
        assert_eq!(bounded_slug(&short, 64), short);
        assert_eq!(bounded_slug("Lục Yên", 64), "luc-yen");
        let long = format!("{} một", "chương trình ".repeat(20));
        let other = format!("{} hai", "chương trình ".repeat(20));
        let (a, b) = (bounded_slug(&long, 64), bounded_slug(&other, 64));
        assert!(a.len() <= 64 && is_slug(&a), "{a}");
        assert_ne!(a, b);
        assert_eq!(a, bounded_slug(&long, 64), "the same key, the same slug");
        assert_eq!(suffixed_slug("luc-yen", 2, 64), "luc-yen-2");
        let s = suffixed_slug(&a, 12, 64);
        assert!(s.len() <= 64 && is_slug(&s) && s.ends_with("-12"), "{s}");
    }

    proptest! {
        #[test]
        fn bounded_slugs_are_safe_and_within_bounds(s in "\\PC{0,200}", max in 16usize..200) {
            let slug = bounded_slug(&s, max);
            prop_assert!(is_slug(&slug) && slug.len() <= max, "{slug:?}");
            let n = suffixed_slug(&slug, 123, max);
            prop_assert!(is_slug(&n) && n.len() <= max, "{n:?}");
        }

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
