//! Atom 1.0 and 0.3: typed text constructs (`type`, 0.3 `mode`), links by `rel` and
//! `type`, `id`, the date elements of both versions, person constructs and `term`/`label`
//! categories, for entries and for the feed itself.

use quick_xml::events::BytesStart;

use super::attrs::{byte_count, image_meta, is_image_type, text_kind, Attrs};
use super::fields::{add_enclosure, capture, set_image, text, Capture, Kind, Slot, Target};
use super::names::El;
use super::xml::{in_text, resolve_here, State};
use crate::model::FeedFormat;

/// An Atom element directly inside an entry; `false` when `el` is not Atom's.
#[inline]
pub fn item_field(
    st: &mut State<'_>,
    el: El,
    e: &BytesStart<'_>,
    empty: bool,
    start: usize,
) -> bool {
    let depth = st.depth;
    let cap = match el {
        El::Title | El::Summary | El::Content => {
            let attrs = Attrs::read(e);
            if el == El::Content && attrs.src.is_some() {
                return true;
            }
            let (kind, base64) = text_kind(&attrs, st.format == Some(FeedFormat::Atom));
            let target = match el {
                El::Title => Target::Title,
                El::Summary => Target::Summary,
                _ => Target::Content,
            };
            Capture {
                base64,
                ..Capture::new(target, kind, depth, start)
            }
        }
        El::Link => {
            let attrs = Attrs::read(e);
            if attrs.href.is_some() {
                link(st, &attrs, 0);
                return true;
            }
            // `<link>` with text is RSS's, met in an Atom entry.
            text(st, Target::Link, 0, start)
        }
        El::Id => text(st, Target::Guid, 0, start),
        El::Published | El::Issued => text(st, Target::Published, 0, start),
        El::Created => text(st, Target::Published, 1, start),
        El::Updated | El::Modified => text(st, Target::Updated, 0, start),
        El::Author => {
            person(st, empty, start);
            return true;
        }
        El::Category => {
            category(st, e, empty, start);
            return true;
        }
        _ => return false,
    };
    capture(st, cap, empty);
    true
}

/// An Atom element directly inside the feed; `false` when `el` is not Atom's.
pub fn feed_field(
    st: &mut State<'_>,
    el: El,
    e: &BytesStart<'_>,
    empty: bool,
    start: usize,
) -> bool {
    let depth = st.depth;
    let atom = st.format == Some(FeedFormat::Atom);
    match el {
        El::Title => {
            let attrs = Attrs::read(e);
            let (kind, base64) = text_kind(&attrs, atom);
            let cap = Capture {
                base64,
                ..Capture::new(Target::FeedTitle, kind, depth, start)
            };
            capture(st, cap, empty);
        }
        El::Link => {
            let attrs = Attrs::read(e);
            if attrs.href.is_some() {
                feed_link(st, &attrs, 0);
            } else {
                let cap = Capture::new(Target::FeedLink, Kind::Text, depth, start);
                capture(st, cap, empty);
            }
        }
        // A channel-level `<author>` in RSS is not inherited by its items.
        El::Author if atom => person(st, empty, start),
        _ => return false,
    }
    true
}

/// A person construct (`author`): its `name` and `email` children are read into it; an
/// RSS `author` written as text is read by the same container.
pub fn person(st: &mut State<'_>, empty: bool, start: usize) {
    if !empty {
        let depth = st.depth;
        st.caps
            .push(Capture::new(Target::Author, Kind::Container, depth, start));
    }
}

/// A category: Atom's `label` (or `term`) attribute, or else the element's text as RSS
/// writes it.
pub fn category(st: &mut State<'_>, e: &BytesStart<'_>, empty: bool, start: usize) {
    let attrs = Attrs::read(e);
    let value = attrs.label.as_deref().or(attrs.term.as_deref());
    if let Some(v) = value.map(str::trim).filter(|v| !v.is_empty()) {
        let v = in_text(st, v);
        if let Some(item) = st.item.as_mut() {
            item.art.tags.push(v);
        }
    } else if attrs.term.is_none() {
        let cap = text(st, Target::Tag, 0, start);
        capture(st, cap, empty);
    }
}

/// An Atom-style `<link href rel type>` inside an item; `rank` is 0 for the feed's own
/// vocabulary and 1 for `atom:link` inside RSS.
pub fn link(st: &mut State<'_>, attrs: &Attrs<'_>, rank: u8) {
    let rel = attrs.rel.as_deref().map(str::trim).unwrap_or_default();
    let href = attrs.href.as_deref().or(attrs.url.as_deref());
    if rel.is_empty() || rel.eq_ignore_ascii_case("alternate") {
        let Some(href) = href.filter(|h| !h.trim().is_empty()) else {
            return;
        };
        let html = attrs.typ.as_deref().is_none_or(|t| {
            t.as_bytes()
                .windows(4)
                .any(|w| w.eq_ignore_ascii_case(b"html"))
        });
        let rank = if html { rank } else { rank + 2 };
        let resolved = resolve_here(st, href);
        if let Some(item) = st.item.as_mut() {
            if item.take(Slot::Link, rank) {
                item.art.link = Some(resolved);
            }
        }
    } else if rel.eq_ignore_ascii_case("enclosure") {
        if is_image_type(attrs.typ.as_deref()) {
            set_image(st, href, 2, image_meta(attrs));
        }
        let length = byte_count(attrs.length.as_deref());
        add_enclosure(st, href, attrs.typ.as_deref(), length);
    }
}

/// The feed's own `<link href rel>`: the alternate (or rel-less) one is its home page.
pub fn feed_link(st: &mut State<'_>, attrs: &Attrs<'_>, rank: u8) {
    let rel = attrs.rel.as_deref().map(str::trim).unwrap_or_default();
    if rel.is_empty() || rel.eq_ignore_ascii_case("alternate") {
        if let Some(href) = attrs.href.as_deref() {
            if rank < st.feed_link_rank {
                st.feed_link_rank = rank;
                let link = resolve_here(st, href).into_owned();
                st.adopt_site_base(&link);
                st.feed.link = Some(link);
            }
        }
    }
}
