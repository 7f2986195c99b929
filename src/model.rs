//! The plain data that flows between stages.

use std::borrow::Cow;

use chrono::{DateTime, FixedOffset, Utc};
use serde::{Deserialize, Serialize};

/// The syndication format a document was recognised as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FeedFormat {
    /// RSS 0.9x and 2.0.
    Rss,
    /// RSS 1.0 / RDF (and RSS 0.90, which is RDF too).
    Rdf,
    /// Atom 0.3 and 1.0.
    Atom,
    /// JSON Feed 1.0 / 1.1.
    Json,
}

/// What the reader made of one document, before normalization.
///
/// Items borrow from the document where their text could be taken as it stands (no
/// entities, one CDATA section, a link already in canonical form): most fields of most
/// feeds are never copied. [`RawFeed::into_owned`] detaches a feed from its document.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct RawFeed<'a> {
    /// Recognised format; `None` only when nothing could be recognised.
    pub format: Option<FeedFormat>,
    /// Version string as declared or inferred ("2.0", "1.0", "0.3", "1.1", ...).
    pub version: String,
    /// The encoding the bytes were decoded from (e.g. "UTF-8", "windows-1258").
    pub encoding: String,
    /// The feed's own title, as plain text.
    pub title: Option<String>,
    /// The feed's home page link, absolute when it could be resolved.
    pub link: Option<String>,
    /// The feed's declared language.
    pub language: Option<String>,
    /// Items in document order.
    pub items: Vec<RawArticle<'a>>,
    /// Items after the reader's `max_items` (see [`crate::read::read_feed_limited`]):
    /// counted, not kept.
    #[serde(skip_serializing_if = "is_zero")]
    pub items_over_limit: usize,
    /// Everything the reader recovered from (bad dates are reported later, by normalize).
    pub warnings: Vec<String>,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// One item as found in a source, fields as close to the source as possible.
///
/// Text fields are already decoded (entities, CDATA, encodings); HTML fields are HTML
/// (plain-text constructs are escaped into HTML by the reader). Dates stay text so that
/// normalize can read them in the source's time zone and report the ones it cannot read.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RawArticle<'a> {
    /// The source's own identifier (RSS `guid`, Atom `id`, JSON Feed `id`).
    pub guid: Option<Cow<'a, str>>,
    /// The article's link, resolved against `xml:base` / the feed URL when possible.
    pub link: Option<Cow<'a, str>>,
    /// The base URL that relative URLs inside this item resolve against.
    pub base: Option<Cow<'a, str>>,
    /// Title: plain text, or HTML when it holds markup (real tags) in feeds that put HTML
    /// in titles. Entities are decoded once already: a title without markup is final text
    /// (`normalize::text::field_text`). Authors and tags follow the same rule.
    pub title: Option<Cow<'a, str>>,
    /// Short description, as HTML.
    pub summary_html: Option<Cow<'a, str>>,
    /// Full content, as HTML.
    pub content_html: Option<Cow<'a, str>>,
    /// Author names (or e-mail addresses when that is all there is).
    pub authors: Vec<Cow<'a, str>>,
    /// Publication date as written in the source.
    pub published: Option<Cow<'a, str>>,
    /// Last-update date as written in the source.
    pub updated: Option<Cow<'a, str>>,
    /// The article's lead image URL.
    pub image: Option<Cow<'a, str>>,
    /// What the source says about that image (type, size), when it says anything.
    #[serde(default, skip_serializing_if = "ImageMeta::is_empty")]
    pub image_meta: ImageMeta,
    /// Files attached to the item (RSS `enclosure`, Media RSS audio/video, Atom
    /// `rel="enclosure"`, JSON Feed `attachments`), in document order, URLs as written
    /// (resolved by normalize).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub enclosures: Vec<Enclosure>,
    /// The item's own categories / subjects / keywords, as written.
    pub tags: Vec<Cow<'a, str>>,
}

/// What a source says about an image besides its URL: `type`, `width` and `height` of
/// Media RSS, `<img width height>`, OpenGraph `og:image:type`/`:width`/`:height`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImageMeta {
    /// MIME type (`image/jpeg`).
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub mime_type: Option<String>,
    /// Width in pixels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub width: Option<u32>,
    /// Height in pixels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub height: Option<u32>,
}

impl ImageMeta {
    /// Whether nothing is known.
    pub fn is_empty(&self) -> bool {
        self.mime_type.is_none() && self.width.is_none() && self.height.is_none()
    }
}

/// A file attached to an article: a podcast episode's audio, a video, a PDF.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Enclosure {
    /// Where the file is (absolute http(s) after normalize).
    pub url: String,
    /// MIME type as the source gives it (`audio/mpeg`), if it does.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub mime_type: Option<String>,
    /// Size in bytes as the source gives it, if it does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub length: Option<u64>,
}

impl RawFeed<'_> {
    /// The same feed, owning all its text.
    pub fn into_owned(self) -> RawFeed<'static> {
        RawFeed {
            format: self.format,
            version: self.version,
            encoding: self.encoding,
            title: self.title,
            link: self.link,
            language: self.language,
            items: self.items.into_iter().map(RawArticle::into_owned).collect(),
            items_over_limit: self.items_over_limit,
            warnings: self.warnings,
        }
    }
}

impl RawArticle<'_> {
    /// The same article, owning all its text.
    pub fn into_owned(self) -> RawArticle<'static> {
        fn own(s: Option<Cow<'_, str>>) -> Option<Cow<'static, str>> {
            s.map(|s| Cow::Owned(s.into_owned()))
        }
        fn own_all(v: Vec<Cow<'_, str>>) -> Vec<Cow<'static, str>> {
            v.into_iter().map(|s| Cow::Owned(s.into_owned())).collect()
        }
        RawArticle {
            guid: own(self.guid),
            link: own(self.link),
            base: own(self.base),
            title: own(self.title),
            summary_html: own(self.summary_html),
            content_html: own(self.content_html),
            authors: own_all(self.authors),
            published: own(self.published),
            updated: own(self.updated),
            image: own(self.image),
            image_meta: self.image_meta,
            enclosures: self.enclosures,
            tags: own_all(self.tags),
        }
    }
}

/// A tag carried by an article: `key` is its identity, `name` how it was written.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Tag {
    /// Identity: NFC, case-folded, quotes stripped, whitespace collapsed, alias applied.
    pub key: String,
    /// The cleaned original spelling (NFC, quotes stripped, whitespace collapsed).
    pub name: String,
}

/// The one normalized article model every later stage works on.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Article {
    /// Stable identifier, derived from the source name and the source GUID or canonical URL.
    pub id: String,
    /// Name of the `[[source]]` it came from.
    pub source: String,
    /// The source's own identifier, if it had one.
    pub source_guid: Option<String>,
    /// Canonical absolute URL (tracking parameters and fragment removed).
    pub url: Option<String>,
    /// Plain-text title.
    pub title: String,
    /// Plain-text summary.
    pub summary: String,
    /// Sanitized HTML content with absolute URLs.
    pub content: String,
    /// Author names.
    pub authors: Vec<String>,
    /// Publication instant with the offset it was read in.
    pub published: Option<DateTime<FixedOffset>>,
    /// Last update instant.
    pub updated: Option<DateTime<FixedOffset>>,
    /// Absolute URL of the lead image.
    pub image: Option<String>,
    /// The lead image's type and size, as far as the source told them.
    #[serde(default, skip_serializing_if = "ImageMeta::is_empty")]
    pub image_meta: ImageMeta,
    /// Attached files (absolute http(s) URLs, each once), in the source's order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub enclosures: Vec<Enclosure>,
    /// Tags, deduplicated by key, in first-seen order.
    pub tags: Vec<Tag>,
    /// Names of the feed categories (from `[[category]]` or a source's `category`) it is in.
    pub categories: Vec<String>,
    /// When feedmill first saw it: filled by the store (`first_seen`), `None` for an
    /// article that never was stored. Archived feeds are ordered by it. Not part of the
    /// article's record (never serialized), so it never makes a stored article look
    /// changed.
    #[serde(skip)]
    pub first_seen: Option<DateTime<Utc>>,
}
