//! RSS 0.9x and 2.0: `title`, `link` as text, `description` (HTML), `guid` with
//! `isPermaLink`, `pubDate`, `author`, `category` with its text, `enclosure`; at channel
//! level its title, link and language.

use quick_xml::events::BytesStart;

use super::attrs::{is_image_type, looks_like_image, Attrs};
use super::fields::{capture, html, set_image, text, Capture, Kind, Target};
use super::names::El;
use super::xml::State;

/// An RSS element directly inside an item; `false` when `el` is not RSS's.
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
        El::Author => super::atom::person(st, empty, start),
        El::Category => super::atom::category(st, e, empty, start),
        El::Enclosure => {
            let attrs = Attrs::read(e);
            let url = attrs.url.as_deref().or(attrs.href.as_deref());
            let image = is_image_type(attrs.typ.as_deref())
                || (attrs.typ.is_none() && url.is_some_and(looks_like_image));
            if image {
                set_image(st, url, 2);
            }
        }
        _ => return false,
    }
    true
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
