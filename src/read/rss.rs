//! RSS 0.9x and 2.0: `title`, `link` as text, `description` (HTML), `guid` with
//! `isPermaLink`, `pubDate`, `author`, `category` with its text, `enclosure`; at channel
//! level its title, link and language. Also CDF (Microsoft's Channel Definition Format,
//! RSS's predecessor, read under its `<CHANNEL>` root as RSS): an `ITEM`'s `HREF` and
//! `LASTMOD` attributes and its `ABSTRACT`.

use quick_xml::events::BytesStart;

use super::attrs::{byte_count, image_meta, is_image_type, looks_like_image, Attrs};
use super::fields::{add_enclosure, capture, html, set_image, text, Capture, Kind, Slot, Target};
use super::names::El;
use super::xml::{in_text, resolve_here, State};

/// An RSS element directly inside an item; `false` when `el` is not RSS's.
#[inline]
pub fn item_field(
    st: &mut State<'_>,
    el: El,
    e: &BytesStart<'_>,
    empty: bool,
    start: usize,
) -> bool {
    match el {
        El::Title => {
            let cap = text(st, Target::Title, 0, start);
            capture(st, cap, empty);
        }
        El::Link => {
            let attrs = Attrs::read(e);
            if attrs.href.is_some() {
                // An Atom-style link in an RSS item.
                super::atom::link(st, &attrs, 0);
            } else {
                let cap = text(st, Target::Link, 0, start);
                capture(st, cap, empty);
            }
        }
        El::Description => {
            let cap = html(st, Target::Summary, 0, start);
            capture(st, cap, empty);
        }
        El::Guid => {
            let attrs = Attrs::read(e);
            // A permalink unless it says otherwise (RSS 2.0).
            let perma = attrs
                .perma
                .as_deref()
                .is_none_or(|p| p.trim().eq_ignore_ascii_case("true"));
            let cap = Capture {
                perma,
                ..text(st, Target::Guid, 0, start)
            };
            capture(st, cap, empty);
        }
        El::PubDate => {
            let cap = text(st, Target::Published, 0, start);
            capture(st, cap, empty);
        }
        El::Abstract => {
            let cap = text(st, Target::Summary, 3, start);
            capture(st, cap, empty);
        }
        El::Author => super::atom::person(st, empty, start),
        El::Category => super::atom::category(st, e, empty, start),
        El::Enclosure => {
            // Every enclosure is kept as one (a podcast stays a podcast); an image one is
            // also the item's image, below Media RSS's.
            let attrs = Attrs::read(e);
            let url = attrs.url.as_deref().or(attrs.href.as_deref());
            let image = is_image_type(attrs.typ.as_deref())
                || (attrs.typ.is_none() && url.is_some_and(looks_like_image));
            if image {
                set_image(st, url, 2, image_meta(&attrs));
            }
            let length = byte_count(attrs.length.as_deref());
            add_enclosure(st, url, attrs.typ.as_deref(), length);
        }
        _ => return false,
    }
    true
}

/// The attributes of an item's start tag: CDF's `HREF` (its link) and `LASTMOD` (its
/// update date), below any element giving the same.
pub fn item_attributes(st: &mut State<'_>, e: &BytesStart<'_>) {
    if e.attributes_raw().iter().all(u8::is_ascii_whitespace) {
        return;
    }
    let attrs = Attrs::read(e);
    let link = attrs
        .href
        .as_deref()
        .filter(|h| !h.trim().is_empty())
        .map(|h| resolve_here(st, h));
    let updated = attrs
        .lastmod
        .as_deref()
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .map(|d| in_text(st, d));
    let Some(item) = st.item.as_mut() else { return };
    if let Some(l) = link {
        if item.take(Slot::Link, 3) {
            item.art.link = Some(l);
        }
    }
    if let Some(d) = updated {
        if item.take(Slot::Updated, 3) {
            item.art.updated = Some(d);
        }
    }
}

/// An RSS element directly inside the channel; `false` when `el` is not RSS's.
pub fn channel_field(
    st: &mut State<'_>,
    el: El,
    e: &BytesStart<'_>,
    empty: bool,
    start: usize,
) -> bool {
    let depth = st.depth;
    match el {
        El::Title => {
            let cap = Capture::new(Target::FeedTitle, Kind::Text, depth, start);
            capture(st, cap, empty);
        }
        El::Link => {
            let attrs = Attrs::read(e);
            if attrs.href.is_some() {
                super::atom::feed_link(st, &attrs, 0);
            } else {
                let cap = Capture::new(Target::FeedLink, Kind::Text, depth, start);
                capture(st, cap, empty);
            }
        }
        El::Language => {
            let cap = Capture::new(Target::FeedLanguage, Kind::Text, depth, start);
            capture(st, cap, empty);
        }
        _ => return false,
    }
    true
}
