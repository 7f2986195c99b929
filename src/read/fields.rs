//! The field machinery the formats share: captures (a field from its start tag to its end
//! tag), the item being read, and how a finished field's inner XML becomes a value.
//!
//! What each element means lives with its format: [`super::rss`], [`super::atom`],
//! [`super::rdf`], and the modules any of them carries ([`super::modules`]: Dublin Core,
//! `content:`, Media RSS, iTunes). Attribute-borne values (links, images, Atom categories)
//! are taken at the start tag, text values at the end tag.
//!
//! Several elements can fill one field (`pubDate`, `dc:date`, Atom `issued`…); each carries
//! a rank, and a field keeps the value of the best-ranked element seen first.

use std::borrow::Cow;

use base64::Engine;
use quick_xml::events::BytesStart;

use super::names::El;
use super::util::{inner_text, non_empty_cow, text_to_html, unescape, CDATA_CLOSE, CDATA_OPEN};
use super::xml::{resolve_here, State};
use crate::model::{Enclosure, FeedFormat, ImageMeta, RawArticle};
use crate::normalize::text::has_markup;

/// How a field's inner XML becomes its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Plain text (entities and CDATA decoded).
    Text,
    /// HTML carried as text (escaped or CDATA).
    Html,
    /// Inline XHTML: the inner markup as written, without the wrapping `<div>`.
    Xhtml,
    /// An element whose children matter (Atom `author`).
    Container,
}

/// Where a finished field's value goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// The item's title.
    Title,
    /// RSS `link` text.
    Link,
    /// Summary HTML.
    Summary,
    /// Content HTML.
    Content,
    /// The item's identifier.
    Guid,
    /// Publication date text.
    Published,
    /// Update date text.
    Updated,
    /// An Atom person construct (container).
    Author,
    /// Its `name`.
    AuthorName,
    /// Its `email`.
    AuthorEmail,
    /// An author as plain text (RSS `author`, `dc:creator`).
    AuthorText,
    /// A category / subject.
    Tag,
    /// Comma-separated keywords, each a tag (`itunes:keywords`, `media:keywords`).
    Keywords,
    /// An author used only when the item names none otherwise (`itunes:author`).
    FallbackAuthor,
    /// The feed's title.
    FeedTitle,
    /// The feed's RSS `link` text.
    FeedLink,
    /// The feed's language.
    FeedLanguage,
}

/// A field being read: from its start tag to its end tag.
#[derive(Debug)]
pub struct Capture {
    /// Where the value goes.
    pub target: Target,
    /// How the inner XML becomes the value.
    pub kind: Kind,
    /// Depth of the element.
    pub depth: usize,
    /// Byte offset in the text where the element's content starts.
    pub start: usize,
    /// The field contains child elements.
    pub markup: bool,
    /// Atom 0.3 `mode="base64"`.
    pub base64: bool,
    /// Lower ranks win over higher ones for the same field.
    pub rank: u8,
    /// RSS `guid` with `isPermaLink` absent or true.
    pub perma: bool,
    /// CDATA sections met inside (up to 2: more than one is all that matters).
    pub sections: u8,
    /// Where the first CDATA section's content starts and ends in the text.
    pub cdata: (usize, usize),
    /// A comment, processing instruction, DOCTYPE or XML error was met inside.
    pub odd: bool,
}

impl Capture {
    /// A capture of rank 0.
    pub fn new(target: Target, kind: Kind, depth: usize, start: usize) -> Self {
        Capture {
            target,
            kind,
            depth,
            start,
            markup: false,
            base64: false,
            rank: 0,
            perma: false,
            sections: 0,
            cdata: (0, 0),
            odd: false,
        }
    }

    /// Notes a CDATA section whose content spans `start..end` of the text.
    pub fn note_cdata(&mut self, start: usize, end: usize) {
        if self.sections == 0 {
            self.cdata = (start, end);
        }
        self.sections = self.sections.saturating_add(1).min(2);
    }
}

/// Slots of fields that several elements compete for.
#[derive(Clone, Copy)]
pub(super) enum Slot {
    Title = 0,
    Link,
    Summary,
    Content,
    Guid,
    Published,
    Updated,
    Image,
}

/// An item being read.
pub struct ItemState<'t> {
    /// Depth of the `item` / `entry` element.
    pub depth: usize,
    /// The fields read so far.
    pub art: RawArticle<'t>,
    /// Depth of the item's `media:group`, while it is open.
    pub media_group: Option<usize>,
    ranks: [u8; 8],
    guid_perma: bool,
    author_name: Option<Cow<'t, str>>,
    author_email: Option<Cow<'t, str>>,
    fallback_author: Option<Cow<'t, str>>,
    /// Enclosures met beyond [`MAX_ENCLOSURES_READ`].
    enclosures_over: usize,
}

impl<'t> ItemState<'t> {
    /// A new item starting at `depth` whose content resolves against `base`.
    pub fn new(depth: usize, base: Option<Cow<'t, str>>) -> Self {
        ItemState {
            depth,
            art: RawArticle {
                base,
                ..RawArticle::default()
            },
            media_group: None,
            ranks: [u8::MAX; 8],
            guid_perma: false,
            author_name: None,
            author_email: None,
            fallback_author: None,
            enclosures_over: 0,
        }
    }

    /// Whether a value of `rank` should replace the slot's current one.
    pub(super) fn take(&mut self, slot: Slot, rank: u8) -> bool {
        let r = &mut self.ranks[slot as usize];
        if rank < *r {
            *r = rank;
            true
        } else {
            false
        }
    }
}

/// Sets the item's image, with what its element says of it, when `rank` beats the
/// current one.
pub(super) fn set_image(st: &mut State<'_>, url: Option<&str>, rank: u8, meta: ImageMeta) {
    let Some(url) = url.map(str::trim).filter(|u| !u.is_empty()) else {
        return;
    };
    let resolved = resolve_here(st, url);
    if let Some(item) = st.item.as_mut() {
        if item.take(Slot::Image, rank) {
            item.art.image = Some(resolved);
            item.art.image_meta = meta;
        }
    }
}

/// Enclosures read per item; more is no feed's doing (a podcast item has one, a video's
/// `media:group` a few renditions), and each costs memory until normalize cuts to
/// `limits.enclosures_per_article`: the rest are counted in a warning.
pub const MAX_ENCLOSURES_READ: usize = 256;

/// Adds an enclosure (URL resolved against the item's base) to the item being read.
pub(super) fn add_enclosure(
    st: &mut State<'_>,
    url: Option<&str>,
    mime_type: Option<&str>,
    length: Option<u64>,
) {
    let Some(url) = url.map(str::trim).filter(|u| !u.is_empty()) else {
        return;
    };
    let resolved = resolve_here(st, url).into_owned();
    let Some(item) = st.item.as_mut() else { return };
    if item.art.enclosures.len() >= MAX_ENCLOSURES_READ {
        item.enclosures_over += 1;
        return;
    }
    item.art.enclosures.push(Enclosure {
        url: resolved,
        mime_type: mime_type
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_string),
        length,
    });
}

/// Starts a text capture in `st`, unless the element is empty (then finishes it at once).
pub(super) fn capture(st: &mut State<'_>, mut cap: Capture, empty: bool) {
    if empty {
        cap.start = 0;
        super::xml::finish_empty(st, cap);
    } else {
        st.caps.push(cap);
    }
}

/// A capture of plain text for the element at the current depth.
pub(super) fn text(st: &State<'_>, target: Target, rank: u8, start: usize) -> Capture {
    Capture {
        rank,
        ..Capture::new(target, Kind::Text, st.depth, start)
    }
}

/// A capture of HTML carried as text for the element at the current depth.
pub(super) fn html(st: &State<'_>, target: Target, rank: u8, start: usize) -> Capture {
    Capture {
        rank,
        ..Capture::new(target, Kind::Html, st.depth, start)
    }
}

/// A direct child of an item (or a media element anywhere inside one): the modules first,
/// then the item's own format, then the other vocabulary, since feeds mix them (RSS items
/// carry Atom elements, Atom entries RSS ones).
pub fn item_field(st: &mut State<'_>, el: El, e: &BytesStart<'_>, empty: bool, start: usize) {
    if super::modules::item_field(st, el, e, empty, start) {
        return;
    }
    let handled = match st.format {
        Some(FeedFormat::Atom) => super::atom::item_field(st, el, e, empty, start),
        Some(FeedFormat::Rdf) => super::rdf::item_field(st, el, e, empty, start),
        _ => super::rss::item_field(st, el, e, empty, start),
    };
    if !handled {
        match st.format {
            Some(FeedFormat::Atom) => super::rss::item_field(st, el, e, empty, start),
            _ => super::atom::item_field(st, el, e, empty, start),
        };
    }
}

/// A direct child of the channel (RSS/RDF) or of the Atom `feed`, dispatched as
/// [`item_field`] is.
pub fn feed_field(st: &mut State<'_>, el: El, e: &BytesStart<'_>, empty: bool, start: usize) {
    if super::modules::feed_field(st, el, e, empty, start) {
        return;
    }
    let handled = match st.format {
        Some(FeedFormat::Atom) => super::atom::feed_field(st, el, e, empty, start),
        Some(FeedFormat::Rdf) => super::rdf::channel_field(st, el, e, empty, start),
        _ => super::rss::channel_field(st, el, e, empty, start),
    };
    if !handled {
        match st.format {
            Some(FeedFormat::Atom) => super::rss::channel_field(st, el, e, empty, start),
            _ => super::atom::feed_field(st, el, e, empty, start),
        };
    }
}

/// The value of a finished capture whose inner XML is `raw`.
fn value_of<'t>(cap: &Capture, raw: &'t str) -> Cow<'t, str> {
    let plain = !cap.markup && !cap.odd;
    let mut v = match cap.kind {
        // Child elements of an HTML field are XHTML: serialized so an HTML parser reads
        // them as written (or kept as written when they are not XML after all).
        Kind::Xhtml if cap.markup => {
            let inner = strip_div(raw);
            super::xhtml::to_html(inner).map_or(Cow::Borrowed(inner), Cow::Owned)
        }
        Kind::Html if cap.markup => match super::xhtml::to_html(raw) {
            Some(html) => Cow::Owned(html),
            None => inner_text(raw, true),
        },
        // What the tokenizer saw inside decides, without looking for `<` again: no markup at
        // all is text with entities; one CDATA section between blanks is taken as it stands
        // (callers trim).
        _ if plain && cap.sections == 0 => unescape(raw),
        _ if plain && cap.sections == 1 => match only_cdata(cap, raw) {
            Some(inner) => Cow::Borrowed(inner),
            None => inner_text(raw, false),
        },
        _ => inner_text(raw, cap.markup),
    };
    if cap.base64 {
        let compact: String = v.chars().filter(|c| !c.is_whitespace()).collect();
        if let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(compact) {
            v = Cow::Owned(String::from_utf8_lossy(&bytes).into_owned());
        }
    }
    v
}

/// The value of a text field (title, author, tag) as the model takes it: plain text, or
/// HTML when it holds markup (normalize makes the latter plain text). The XML layer has
/// decoded it once. A value that is HTML by nature — Atom `type="html"` or `"xhtml"`, or
/// one CDATA section, which is how publishers wrap HTML-escaped text — and holds no markup
/// is decoded once more as HTML, which makes it plain text; anything else is left as the
/// XML layer gave it, so an escaped `&lt;img&gt;` in a plain title stays text.
fn text_value<'t>(cap: &Capture, raw: &'t str) -> Cow<'t, str> {
    let v = value_of(cap, raw);
    let cdata_only = !cap.markup && !cap.odd && cap.sections == 1 && only_cdata(cap, raw).is_some();
    if (cap.kind != Kind::Text || cdata_only) && !has_markup(&v) {
        if let Cow::Owned(decoded) = unescape(&v) {
            return Cow::Owned(decoded);
        }
    }
    v
}

/// The content of the capture's one CDATA section when only XML blanks surround it.
fn only_cdata<'t>(cap: &Capture, raw: &'t str) -> Option<&'t str> {
    let (start, end) = (
        cap.cdata.0.checked_sub(cap.start)?,
        cap.cdata.1.checked_sub(cap.start)?,
    );
    let blank = |s: &str| s.bytes().all(|c| matches!(c, b' ' | b'\t' | b'\r' | b'\n'));
    let before = raw.get(..start.checked_sub(CDATA_OPEN.len())?)?;
    let after = raw.get(end + CDATA_CLOSE.len()..)?;
    (blank(before) && blank(after))
        .then(|| raw.get(start..end))
        .flatten()
}

/// The inner markup of an XHTML construct without its wrapping `<div>`.
fn strip_div(raw: &str) -> &str {
    let t = raw.trim();
    let is_div = t
        .strip_prefix('<')
        .and_then(|r| r.split([' ', '>', '\t', '\n', '/']).next())
        .is_some_and(|name| name == "div" || name.ends_with(":div"));
    if !is_div || !t.ends_with("div>") {
        return raw;
    }
    let open_end = t.find('>').map_or(0, |i| i + 1);
    let close_start = t.rfind("</").unwrap_or(t.len());
    t.get(open_end..close_start).unwrap_or(raw).trim()
}

/// Applies a finished capture; `raw` is its inner XML.
pub fn apply<'t>(st: &mut State<'t>, cap: Capture, raw: &'t str) {
    match cap.target {
        Target::FeedTitle => {
            if st.feed.title.is_none() {
                st.feed.title = non_empty_cow(text_value(&cap, raw)).map(Cow::into_owned);
            }
            return;
        }
        Target::FeedLink => {
            let v = value_of(&cap, raw);
            if !v.trim().is_empty() && cap.rank < st.feed_link_rank {
                st.feed_link_rank = cap.rank;
                let link = resolve_here(st, &v).into_owned();
                st.adopt_site_base(&link);
                st.feed.link = Some(link);
            }
            return;
        }
        Target::FeedLanguage => {
            if st.feed.language.is_none() {
                st.feed.language = non_empty_cow(value_of(&cap, raw)).map(Cow::into_owned);
            }
            return;
        }
        _ => {}
    }
    if cap.target == Target::Author {
        let (name, email) = match st.item.as_mut() {
            Some(item) => (item.author_name.take(), item.author_email.take()),
            None => (st.author_name.take(), st.author_email.take()),
        };
        let name = name.or(email).or_else(|| {
            if cap.markup {
                None
            } else {
                non_empty_cow(inner_text(raw, false))
            }
        });
        if let Some(n) = name {
            match st.item.as_mut() {
                Some(item) => item.art.authors.push(n),
                None => st.feed_authors.push(n),
            }
        }
        return;
    }
    if st.item.is_none() {
        // The feed's own Atom author, inherited by entries without one.
        match cap.target {
            Target::AuthorName => st.author_name = non_empty_cow(text_value(&cap, raw)),
            Target::AuthorEmail => st.author_email = non_empty_cow(text_value(&cap, raw)),
            _ => {}
        }
        return;
    }
    let value = match cap.target {
        Target::Summary | Target::Content | Target::Link | Target::Guid => value_of(&cap, raw),
        _ => text_value(&cap, raw),
    };
    // An empty reference resolved against the base is the base: an empty link is no link.
    let link =
        (cap.target == Target::Link && !value.trim().is_empty()).then(|| resolve_here(st, &value));
    let Some(item) = st.item.as_mut() else { return };
    let html = |v: Cow<'t, str>| {
        if cap.kind == Kind::Text {
            text_to_html(v)
        } else {
            v
        }
    };
    match cap.target {
        Target::Title => {
            if let Some(v) = non_empty_cow(value) {
                if item.take(Slot::Title, cap.rank) {
                    item.art.title = Some(v);
                }
            }
        }
        Target::Link => {
            if let Some(v) = link.filter(|l| !l.is_empty()) {
                if item.take(Slot::Link, cap.rank) {
                    item.art.link = Some(v);
                }
            }
        }
        Target::Summary => {
            if let Some(v) = non_empty_cow(value) {
                if item.take(Slot::Summary, cap.rank) {
                    item.art.summary_html = Some(html(v));
                }
            }
        }
        Target::Content => {
            if let Some(v) = non_empty_cow(value) {
                if item.take(Slot::Content, cap.rank) {
                    item.art.content_html = Some(html(v));
                }
            }
        }
        Target::Guid => {
            if let Some(v) = non_empty_cow(value) {
                if item.take(Slot::Guid, cap.rank) {
                    item.art.guid = Some(v);
                    item.guid_perma = cap.perma;
                }
            }
        }
        Target::Published => {
            if let Some(v) = non_empty_cow(value) {
                if item.take(Slot::Published, cap.rank) {
                    item.art.published = Some(v);
                }
            }
        }
        Target::Updated => {
            if let Some(v) = non_empty_cow(value) {
                if item.take(Slot::Updated, cap.rank) {
                    item.art.updated = Some(v);
                }
            }
        }
        Target::AuthorName => item.author_name = non_empty_cow(value),
        Target::AuthorEmail => item.author_email = non_empty_cow(value),
        Target::AuthorText => {
            if let Some(v) = non_empty_cow(value) {
                if !item.art.authors.contains(&v) {
                    item.art.authors.push(v);
                }
            }
        }
        Target::Tag if cap.markup => item.art.tags.extend(super::xhtml::list_texts(raw)),
        Target::Tag => {
            if let Some(v) = non_empty_cow(value) {
                item.art.tags.push(v);
            }
        }
        Target::Keywords => match value {
            Cow::Borrowed(b) => item.art.tags.extend(keywords(b).map(Cow::Borrowed)),
            Cow::Owned(o) => item
                .art
                .tags
                .extend(keywords(&o).map(|w| Cow::Owned(w.to_string()))),
        },
        Target::FallbackAuthor if item.fallback_author.is_none() => {
            item.fallback_author = non_empty_cow(value);
        }
        _ => {}
    }
}

/// The keywords of a comma-separated list ("a, b" is two).
fn keywords(list: &str) -> impl Iterator<Item = &str> {
    list.split(',').map(str::trim).filter(|w| !w.is_empty())
}

/// Completes an item and adds it to the feed.
pub fn finish_item<'t>(st: &mut State<'t>, mut item: ItemState<'t>) {
    if st.feed.items.len() >= st.max_items {
        st.feed.items_over_limit += 1;
        return;
    }
    if item.art.link.is_none() && item.guid_perma {
        // A permalink GUID is a full URL by definition (RSS 2.0); a relative one is an
        // identifier mislabelled, not a path to resolve.
        let link = item
            .art
            .guid
            .as_deref()
            .map(str::trim)
            .filter(|g| g.starts_with("http://") || g.starts_with("https://"))
            .map(|g| resolve_here(st, g));
        if link.is_some() {
            item.art.link = link;
        }
    }
    if item.art.authors.is_empty() {
        item.art.authors.extend(item.fallback_author.take());
    }
    if item.enclosures_over > 0 {
        st.feed.warnings.push(format!(
            "item {}: {} enclosures beyond the first {MAX_ENCLOSURES_READ} not read",
            st.feed.items.len() + 1,
            item.enclosures_over
        ));
    }
    if let Some(g) = item.art.guid.as_deref() {
        st.guid_repeated |= !st
            .guid_hashes
            .insert(xxhash_rust::xxh3::xxh3_64(g.as_bytes()));
    }
    st.feed.items.push(item.art);
}
