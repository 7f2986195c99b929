//! What every writer says about an article's image and enclosures, decided once so RSS,
//! Atom and JSON Feed agree: the image with a `type` (the source's, else the one its
//! extension names) and its size when the source gave it; each enclosure with a type (the
//! source's, its extension's, else `application/octet-stream`) and its length when known.
//!
//! RSS 2.0 allows one `<enclosure>` per item and requires its `length` (the W3C Feed
//! Validator rejects a length of 0), so the RSS enclosure is the first one whose length is
//! known; the others are written as Media RSS `media:content`, which needs no length.

use super::ctx::Ctx;
use crate::model::Article;
use crate::normalize::media::{clean_mime, image_type_of_url};

/// The article's image as the writers give it.
pub(crate) struct Image {
    /// Absolute http(s) URL.
    pub url: String,
    /// MIME type, when the source or the URL's extension says it.
    pub mime_type: Option<String>,
    /// Width in pixels, when the source gave it.
    pub width: Option<u32>,
    /// Height in pixels, when the source gave it.
    pub height: Option<u32>,
}

/// An attached file as the writers give it.
pub(crate) struct Attachment {
    /// Absolute http(s) URL.
    pub url: String,
    /// MIME type: the source's, its extension's, else `application/octet-stream`.
    pub mime_type: String,
    /// Size in bytes, when the source gave a positive one.
    pub length: Option<u64>,
}

impl Attachment {
    /// The Media RSS `medium` of its type (`audio`, `video`, `image`), if it has one.
    pub fn medium(&self) -> Option<&'static str> {
        let kind = self.mime_type.split('/').next().unwrap_or_default();
        match kind {
            "audio" => Some("audio"),
            "video" => Some("video"),
            "image" => Some("image"),
            _ => None,
        }
    }
}

/// The article's image, if it has one that is an absolute http(s) URL.
pub(crate) fn image(a: &Article) -> Option<Image> {
    let url = a.image.as_deref().and_then(Ctx::http_url)?;
    let mime_type = a
        .image_meta
        .mime_type
        .clone()
        .or_else(|| image_type_of_url(&url).map(str::to_string));
    Some(Image {
        mime_type,
        width: a.image_meta.width,
        height: a.image_meta.height,
        url,
    })
}

/// The type an enclosure URL's extension names, for one whose source gave none.
fn type_of_url(url: &str) -> Option<&'static str> {
    if let Some(t) = image_type_of_url(url) {
        return Some(t);
    }
    let path = url.split(['?', '#']).next().unwrap_or_default();
    let ext = path.rsplit_once('.')?.1.to_ascii_lowercase();
    Some(match ext.as_str() {
        "mp3" => "audio/mpeg",
        "m4a" => "audio/mp4",
        "aac" => "audio/aac",
        "ogg" | "oga" => "audio/ogg",
        "opus" => "audio/opus",
        "wav" => "audio/wav",
        "flac" => "audio/flac",
        "mp4" | "m4v" => "video/mp4",
        "webm" => "video/webm",
        "mov" => "video/quicktime",
        "pdf" => "application/pdf",
        "epub" => "application/epub+zip",
        _ => return None,
    })
}

/// The article's enclosures that are absolute http(s) URLs, in its order.
pub(crate) fn attachments(a: &Article) -> Vec<Attachment> {
    a.enclosures
        .iter()
        .filter_map(|e| {
            let url = Ctx::http_url(&e.url)?;
            let mime_type = e
                .mime_type
                .as_deref()
                .and_then(clean_mime)
                .or_else(|| type_of_url(&url).map(str::to_string))
                .unwrap_or_else(|| "application/octet-stream".to_string());
            Some(Attachment {
                mime_type,
                length: e.length.filter(|&l| l > 0),
                url,
            })
        })
        .collect()
}

/// Which attachment is the RSS `<enclosure>`: the first whose length is known.
pub(crate) fn rss_enclosure(attachments: &[Attachment]) -> Option<usize> {
    attachments.iter().position(|a| a.length.is_some())
}
