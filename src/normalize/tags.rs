//! Article tags: cleaned spellings, keys with aliases applied, deduplicated by key, and
//! bounded: at most `limits.tags_per_article` per article (the source's own `tags` first,
//! then the item's in document order) and names of at most `limits.tag_chars` characters
//! (cut at a word). One item with thousands of categories would otherwise become
//! thousands of feeds, each repeating the article with all its categories.

use std::collections::{BTreeMap, HashSet};

use crate::config::TagsCfg;
use crate::model::Tag;
use crate::text::{clean_tag, tag_key};

/// Aliases from `[tags.aliases]`, prepared once per build.
#[derive(Debug, Clone, Default)]
pub struct Aliases {
    /// Alias spelling's key → canonical key.
    keys: BTreeMap<String, String>,
    /// Canonical key → the canonical name as the operator wrote it (cleaned).
    names: BTreeMap<String, String>,
}

impl Aliases {
    /// Prepares the alias tables of `cfg`.
    pub fn new(cfg: &TagsCfg) -> Aliases {
        let names = cfg
            .aliases
            .keys()
            .map(|canonical| (tag_key(canonical), clean_tag(canonical)))
            .filter(|(k, _)| !k.is_empty())
            .collect();
        Aliases {
            keys: cfg.alias_keys(),
            names,
        }
    }

    /// The tag key of `raw` with aliases applied.
    pub fn key(&self, raw: &str) -> String {
        let key = tag_key(raw);
        match self.keys.get(&key) {
            Some(canonical) => canonical.clone(),
            None => key,
        }
    }

    /// The [`Tag`] for `raw`, `None` when nothing is left after cleaning. A spelling that
    /// is an alias takes the canonical name, so `Luc Yen` shows as `Lục Yên`.
    pub fn tag(&self, raw: &str) -> Option<Tag> {
        self.tag_within(raw, usize::MAX).map(|(t, _)| t)
    }

    /// [`Aliases::tag`] with the name cut to at most `max_chars` characters at a word
    /// boundary before it is keyed; the flag says it was cut.
    pub fn tag_within(&self, raw: &str, max_chars: usize) -> Option<(Tag, bool)> {
        // Tags scraped from pages or double-escaped in feeds may carry entities or markup.
        let name = if raw.contains(['<', '&']) {
            clean_tag(&super::text::field_text(raw))
        } else {
            clean_tag(raw)
        };
        let (name, cut) = match cut_at_word(&name, max_chars) {
            Some(short) => (short, true),
            None => (name, false),
        };
        if name.is_empty() {
            return None;
        }
        let own = tag_key(&name);
        let key = match self.keys.get(&own) {
            Some(canonical) => canonical.clone(),
            None => own,
        };
        let name = match self.names.get(&key) {
            Some(canonical) if !self.is_canonical_spelling(&name, &key) => canonical.clone(),
            _ => name,
        };
        Some((Tag { key, name }, cut))
    }

    fn is_canonical_spelling(&self, name: &str, key: &str) -> bool {
        tag_key(name) == key
    }
}

/// The first `max` characters of `name`, cut back to the last word boundary (a single
/// longer word is cut where it is), without trailing punctuation; `None` when it fits.
fn cut_at_word(name: &str, max: usize) -> Option<String> {
    let end = name.char_indices().nth(max).map(|(i, _)| i)?;
    let head = &name[..end];
    // The character right after the cut is a space: the cut is already at a word's end.
    let at_word = name[end..].starts_with(' ');
    let head = match head.rfind(' ') {
        Some(i) if i > 0 && !at_word => &head[..i],
        _ => head,
    };
    Some(
        head.trim_end_matches([' ', ',', ';', ':', '-', '–', '—', '/'])
            .to_string(),
    )
}

/// The article's tags: `raw` (its own) then `source_tags`, cleaned, aliased, empty ones
/// dropped, deduplicated by key keeping the first spelling seen.
pub fn tags<S: AsRef<str>>(raw: &[S], source_tags: &[String], aliases: &Aliases) -> Vec<Tag> {
    capped_tags(raw, source_tags, aliases, usize::MAX, usize::MAX).0
}

/// What [`capped_tags`] cut from one article.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TagCuts {
    /// Distinct tags dropped beyond the cap.
    pub dropped: usize,
    /// Tag names cut to the length limit.
    pub shortened: usize,
}

/// [`tags`], bounded: names cut to `max_chars` characters at a word boundary, and at most
/// `max_tags` tags kept — every tag of `source_tags` first, then the item's own in document
/// order. The tags kept stay in [`tags`]' order (the first spelling seen still wins).
pub fn capped_tags<S: AsRef<str>>(
    raw: &[S],
    source_tags: &[String],
    aliases: &Aliases,
    max_tags: usize,
    max_chars: usize,
) -> (Vec<Tag>, TagCuts) {
    let mut cuts = TagCuts::default();
    let mut make = |t: &str| {
        let (tag, cut) = aliases.tag_within(t, max_chars)?;
        cuts.shortened += usize::from(cut);
        Some(tag)
    };
    let mut seen = HashSet::new();
    let all: Vec<Tag> = raw
        .iter()
        .map(AsRef::as_ref)
        .chain(source_tags.iter().map(String::as_str))
        .filter_map(&mut make)
        .filter(|t| seen.insert(t.key.clone()))
        .collect();
    if all.len() <= max_tags {
        return (all, cuts);
    }
    // The source's own tags are the operator's: they are kept before any of the item's.
    let mut keep: HashSet<&str> = HashSet::with_capacity(max_tags);
    let own: Vec<String> = source_tags
        .iter()
        .filter_map(|t| aliases.tag_within(t, max_chars))
        .map(|(t, _)| t.key)
        .collect();
    for key in own
        .iter()
        .map(String::as_str)
        .chain(all.iter().map(|t| t.key.as_str()))
    {
        if keep.len() >= max_tags {
            break;
        }
        keep.insert(key);
    }
    cuts.dropped = all.len() - keep.len();
    let kept = all
        .iter()
        .filter(|t| keep.contains(t.key.as_str()))
        .cloned()
        .collect();
    (kept, cuts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn keys_are_unique_non_empty_and_aliased(raw in proptest::collection::vec("\\PC{0,12}", 0..8)) {
            let a = aliases();
            let got = tags(&raw, &strings(&["Luc Yen"]), &a);
            let mut keys: Vec<&str> = got.iter().map(|t| t.key.as_str()).collect();
            prop_assert!(keys.iter().all(|k| !k.is_empty()));
            prop_assert!(keys.contains(&"lục yên"));
            prop_assert!(!keys.contains(&"luc yen"));
            let n = keys.len();
            keys.sort_unstable();
            keys.dedup();
            prop_assert_eq!(keys.len(), n);
        }
    }
    use unicode_normalization::UnicodeNormalization;

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    fn aliases() -> Aliases {
        let mut cfg = TagsCfg::default();
        cfg.aliases.insert(
            "Lục Yên".to_string(),
            strings(&["huyện Lục Yên", "Luc Yen"]),
        );
        Aliases::new(&cfg)
    }

    #[test]
    fn the_cap_keeps_source_tags_first_and_counts_what_it_drops() {
        let raw = strings(&["a", "b", "c", "d", "b"]);
        let (got, cuts) = capped_tags(&raw, &strings(&["Yên Bái"]), &Aliases::default(), 3, 100);
        assert_eq!(names(&got), ["a", "b", "Yên Bái"]);
        assert_eq!(
            cuts,
            TagCuts {
                dropped: 2,
                shortened: 0
            }
        );
        let (got, cuts) = capped_tags(&raw, &[], &Aliases::default(), 0, 100);
        assert!(got.is_empty());
        assert_eq!(cuts.dropped, 4);
    }

    #[test]
    fn long_names_are_cut_at_a_word() {
        assert_eq!(cut_at_word("Lục Yên", 100), None);
        assert_eq!(cut_at_word("một hai ba", 9).as_deref(), Some("một hai"));
        assert_eq!(cut_at_word("một hai ba", 7).as_deref(), Some("một hai"));
        assert_eq!(cut_at_word("mộthaiba", 4).as_deref(), Some("mộth"));
        let (got, cuts) = capped_tags(&strings(&["một hai ba"]), &[], &Aliases::default(), 32, 8);
        assert_eq!(names(&got), ["một hai"]);
        assert_eq!(got[0].key, "một hai");
        assert_eq!(cuts.shortened, 1);
    }

    #[test]
    fn seed_tags() {
        let raw = strings(&[
            "Lục Yên",
            "sức chiến đấu",
            "Nghị quyết số 37",
            "\"giao nhiệm vụ khoán sản phẩm”",
            "luân chuyển cán bộ",
            "hiến đất",
            "giao thông nông thôn",
        ]);
        let got = tags(&raw, &strings(&["Yên Bái"]), &Aliases::default());
        let names: Vec<&str> = got.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "Lục Yên",
                "sức chiến đấu",
                "Nghị quyết số 37",
                "giao nhiệm vụ khoán sản phẩm",
                "luân chuyển cán bộ",
                "hiến đất",
                "giao thông nông thôn",
                "Yên Bái"
            ]
        );
        assert_eq!(got[2].key, "nghị quyết số 37");
        assert_eq!(got[3].key, "giao nhiệm vụ khoán sản phẩm");
    }

    #[test]
    fn case_nfd_and_duplicates_are_one_tag() {
        let nfd: String = "lục yên".nfd().collect();
        let raw = strings(&["LỤC YÊN", "Lục Yên", &nfd, " ", "\"\"", "Đảng bộ"]);
        let got = tags(&raw, &strings(&["lục  yên"]), &Aliases::default());
        assert_eq!(
            got,
            vec![
                Tag {
                    key: "lục yên".into(),
                    name: "LỤC YÊN".into()
                },
                Tag {
                    key: "đảng bộ".into(),
                    name: "Đảng bộ".into()
                },
            ]
        );
        assert_eq!(crate::text::slugify(&got[1].name), "dang-bo");
    }

    #[test]
    fn entities_and_markup_in_tags() {
        let got = tags(
            &strings(&["Tom &amp; Jerry", "<b>Yên&nbsp;Bái</b>"]),
            &[],
            &Aliases::default(),
        );
        // Decoded once: a tag without markup is text already (the reader decoded the
        // document's entities); one with markup is HTML and becomes its plain text.
        assert_eq!(names(&got), ["Tom &amp; Jerry", "Yên Bái"]);
    }

    fn names(tags: &[Tag]) -> Vec<&str> {
        tags.iter().map(|t| t.name.as_str()).collect()
    }

    #[test]
    fn aliases_apply_to_the_key_and_name() {
        let a = aliases();
        let got = tags(&strings(&["Luc Yen", "HUYỆN LỤC YÊN", "Lục Yên"]), &[], &a);
        assert_eq!(
            got,
            vec![Tag {
                key: "lục yên".into(),
                name: "Lục Yên".into()
            }]
        );
        // A spelling of the canonical name itself keeps its own spelling.
        let got = tags(&strings(&["LỤC YÊN"]), &[], &a);
        assert_eq!(
            got,
            vec![Tag {
                key: "lục yên".into(),
                name: "LỤC YÊN".into()
            }]
        );
        assert_eq!(a.key("huyện lục yên"), "lục yên");
        assert_eq!(a.key("Yên Bái"), "yên bái");
    }
}
