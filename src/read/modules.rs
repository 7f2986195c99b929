//! The modules any format carries: Dublin Core (`dc:`, `dcterms:`), `content:encoded`,
//! Media RSS (its text elements directly in the item or in its `media:group`, where
//! YouTube puts them), iTunes, XHTML bodies (`xhtml:body`, `body`) and `fullitem`, and
//! `atom:link` inside RSS.

use quick_xml::events::BytesStart;

use super::attrs::{byte_count, image_meta, is_image_type, looks_like_image, Attrs};
use super::fields::{add_enclosure, capture, html, set_image, text, Capture, Kind, Target};
use super::names::El;
use super::xml::State;

/// A module element directly inside an item; `false` when `el` is not a module's.
#[inline]
pub fn item_field(
    st: &mut State<'_>,
    el: El,
    e: &BytesStart<'_>,
    empty: bool,
    start: usize,
) -> bool {
    let cap = match el {
        El::DcTitle => text(st, Target::Title, 1, start),
        El::ItunesSummary => text(st, Target::Summary, 2, start),
        El::ContentEncoded => html(st, Target::Content, 0, start),
        El::DcIdentifier => text(st, Target::Guid, 1, start),
        El::DcDate | El::DctIssued => text(st, Target::Published, 2, start),
        El::DctModified => text(st, Target::Updated, 1, start),
        El::DcCreator => text(st, Target::AuthorText, 0, start),
        El::DcSubject | El::TagList => text(st, Target::Tag, 0, start),
        El::DcDescription => text(st, Target::Summary, 1, start),
        El::Body => html(st, Target::Content, 1, start),
        El::FullItem => html(st, Target::Content, 1, start),
        El::ItunesAuthor => text(st, Target::FallbackAuthor, 0, start),
        El::ItunesKeywords => text(st, Target::Keywords, 0, start),
        El::MediaTitle | El::MediaDescription | El::MediaKeywords => media_text(st, el, e, start),
        El::MediaGroup => {
            let depth = st.depth;
            if let Some(item) = st.item.as_mut() {
                item.media_group = Some(depth);
            }
            return true;
        }
        El::AtomLink => {
            let attrs = Attrs::read(e);
            super::atom::link(st, &attrs, 1);
            return true;
        }
        El::MediaContent | El::MediaThumbnail | El::ItunesImage => {
            media(st, el, e);
            return true;
        }
        _ => return false,
    };
    capture(st, cap, empty);
    true
}

/// A module element deeper inside an item: `media:content` and `media:thumbnail`
/// anywhere (inside `media:group`, or deeper), the text elements of `media:group`.
pub fn nested_item_field(
    st: &mut State<'_>,
    el: El,
    e: &BytesStart<'_>,
    empty: bool,
    start: usize,
) {
    match el {
        El::MediaContent | El::MediaThumbnail => media(st, el, e),
        El::MediaTitle | El::MediaDescription | El::MediaKeywords => {
            let in_group = st
                .item
                .as_ref()
                .and_then(|i| i.media_group)
                .is_some_and(|g| g + 1 == st.depth);
            if in_group {
                let cap = media_text(st, el, e, start);
                capture(st, cap, empty);
            }
        }
        _ => {}
    }
}

/// `media:title` (a fallback title), `media:description` (a fallback summary, plain text
/// unless `type="html"`) and `media:keywords` (comma-separated tags).
fn media_text(st: &State<'_>, el: El, e: &BytesStart<'_>, start: usize) -> Capture {
    let kind = match Attrs::read(e).typ.as_deref().map(str::trim) {
        Some(t) if t.eq_ignore_ascii_case("html") => Kind::Html,
        _ => Kind::Text,
    };
    let (target, rank) = match el {
        El::MediaTitle => (Target::Title, 2),
        El::MediaDescription => (Target::Summary, 3),
        _ => (Target::Keywords, 0),
    };
    Capture {
        kind,
        ..text(st, target, rank, start)
    }
}

/// The item's image from Media RSS and iTunes, by rank: `media:content` (an image),
/// `media:thumbnail`, an enclosure, `itunes:image`; each with the type and size its
/// element gives. A `media:content` that is audio, video or another file (by `medium` or
/// `type`) is an enclosure, with its `fileSize`.
fn media(st: &mut State<'_>, el: El, e: &BytesStart<'_>) {
    let attrs = Attrs::read(e);
    match el {
        El::MediaContent => {
            let url = attrs.url.as_deref();
            let medium = attrs.medium.as_deref().map(str::trim);
            let image = medium.is_some_and(|m| m.eq_ignore_ascii_case("image"))
                || is_image_type(attrs.typ.as_deref())
                || (medium.is_none() && attrs.typ.is_none() && url.is_some_and(looks_like_image));
            if image {
                set_image(st, url, 0, image_meta(&attrs));
            } else if medium.is_some() || attrs.typ.is_some() {
                let length = byte_count(attrs.filesize.as_deref());
                add_enclosure(st, url, attrs.typ.as_deref(), length);
            }
        }
        El::MediaThumbnail => set_image(st, attrs.url.as_deref(), 1, image_meta(&attrs)),
        El::ItunesImage => set_image(
            st,
            attrs.href.as_deref().or(attrs.url.as_deref()),
            3,
            Default::default(),
        ),
        _ => {}
    }
}

/// A module element directly inside the channel or feed; `false` when `el` is not one.
pub fn feed_field(
    st: &mut State<'_>,
    el: El,
    e: &BytesStart<'_>,
    empty: bool,
    start: usize,
) -> bool {
    let depth = st.depth;
    match el {
        El::DcTitle => {
            let cap = Capture {
                rank: 1,
                ..Capture::new(Target::FeedTitle, Kind::Text, depth, start)
            };
            capture(st, cap, empty);
        }
        El::AtomLink => {
            let attrs = Attrs::read(e);
            super::atom::feed_link(st, &attrs, 1);
        }
        El::DcLanguage => {
            let cap = Capture::new(Target::FeedLanguage, Kind::Text, depth, start);
            capture(st, cap, empty);
        }
        _ => return false,
    }
    true
}
