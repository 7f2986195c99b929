//! Images and enclosures: the sizes and types sources declare, and the attached files
//! (podcast audio, video) an article carries, made absolute and bounded.
//!
//! What newsletter tools and podcast apps read from a feed item — an image element with
//! its type and size, an enclosure with its URL, type and length — is kept as the source
//! gave it; nothing is fetched to find out more. A size is a whole number of pixels
//! between 1 and [`MAX_PIXELS`]; a value that is not one (`"auto"`, `"100%"`, `0`) is
//! unknown, never a guess.

use crate::model::{Enclosure, ImageMeta};

/// The largest image side believed (larger values are typos or placeholders).
pub const MAX_PIXELS: u32 = 100_000;

/// A pixel count as HTML, Media RSS and OpenGraph write it: `"600"`, `"600px"`, `" 600 "`.
/// `None` for anything else (`"100%"`, `"auto"`, `"0"`, `"1e3"`).
pub fn pixels(s: &str) -> Option<u32> {
    let t = s.trim();
    let t = t
        .strip_suffix("px")
        .or_else(|| t.strip_suffix("PX"))
        .unwrap_or(t)
        .trim();
    if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit()) || t.len() > 9 {
        return None;
    }
    t.parse::<u32>()
        .ok()
        .filter(|n| (1..=MAX_PIXELS).contains(n))
}

/// Whether `t` is an image MIME type (`image/jpeg`).
pub fn is_image_mime(t: &str) -> bool {
    t.trim()
        .get(..6)
        .is_some_and(|p| p.eq_ignore_ascii_case("image/"))
}

/// A MIME type as a feed may carry it: one `type/subtype` token, lowercase, without
/// parameters (`audio/mpeg; charset=x` → `audio/mpeg`). `None` when it is not one.
pub fn clean_mime(t: &str) -> Option<String> {
    let t = t.split(';').next().unwrap_or_default().trim();
    let (kind, sub) = t.split_once('/')?;
    let token = |s: &str| {
        !s.is_empty()
            && s.len() <= 127
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$&-^_.+".contains(&b))
    };
    (token(kind) && token(sub)).then(|| t.to_ascii_lowercase())
}

/// The image type an URL's extension says (`.jpg` → `image/jpeg`), for an image whose
/// source gave no type. Validators and newsletter tools want a `type`.
pub fn image_type_of_url(url: &str) -> Option<&'static str> {
    let path = url.split(['?', '#']).next().unwrap_or_default();
    let ext = path.rsplit_once('.')?.1.to_ascii_lowercase();
    Some(match ext.as_str() {
        "jpg" | "jpeg" | "jpe" => "image/jpeg",
        "png" => "image/png",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "avif" => "image/avif",
        "svg" => "image/svg+xml",
        "bmp" => "image/bmp",
        _ => return None,
    })
}

/// The image meta kept for an article: a type only when it is an image type, sizes only
/// within range.
pub fn clean_image_meta(m: &ImageMeta) -> ImageMeta {
    ImageMeta {
        mime_type: m
            .mime_type
            .as_deref()
            .filter(|t| is_image_mime(t))
            .and_then(clean_mime),
        width: m.width.filter(|w| (1..=MAX_PIXELS).contains(w)),
        height: m.height.filter(|h| (1..=MAX_PIXELS).contains(h)),
    }
}

/// The `width` and `height` attributes of the `<img>` in `html` whose `src` is `src` (the
/// first one), as [`pixels`] reads them: the size of a lead image taken from the content.
pub fn img_size_in(html: &str, src: &str) -> ImageMeta {
    let lower = html.to_ascii_lowercase();
    let mut from = 0;
    while let Some(at) = lower.get(from..).and_then(|r| r.find("<img")) {
        let start = from + at;
        let Some(end) = lower.get(start..).and_then(|r| r.find('>')) else {
            break;
        };
        let tag = html.get(start..start + end).unwrap_or_default();
        from = start + end;
        if attr(tag, "src").is_some_and(|s| html_escape::decode_html_entities(s) == src) {
            return ImageMeta {
                mime_type: None,
                width: attr(tag, "width").and_then(pixels),
                height: attr(tag, "height").and_then(pixels),
            };
        }
    }
    ImageMeta::default()
}

/// The value of attribute `name` in a start tag written `name="value"` (as the sanitizer
/// writes every attribute).
fn attr<'t>(tag: &'t str, name: &str) -> Option<&'t str> {
    let needle = format!(" {name}=\"");
    let at = tag.find(&needle)? + needle.len();
    let rest = tag.get(at..)?;
    rest.get(..rest.find('"')?)
}

/// What [`enclosures`] kept and cut.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct EnclosureCuts {
    /// Enclosures without an absolute http(s) URL, dropped.
    pub unusable: usize,
    /// Enclosures beyond the limit, dropped.
    pub over_limit: usize,
}

/// The enclosures kept for an article: URLs resolved against `bases` (only absolute
/// http(s) ones kept), each URL once (the first wins, a later one filling its missing type
/// or length), types cleaned, at most `limit`.
pub fn enclosures(
    raw: &[Enclosure],
    bases: &[Option<&str>],
    limit: usize,
) -> (Vec<Enclosure>, EnclosureCuts) {
    let mut out: Vec<Enclosure> = Vec::new();
    let mut cuts = EnclosureCuts::default();
    for e in raw {
        let Some(url) = super::url::resolve(&e.url, bases).map(String::from) else {
            cuts.unusable += 1;
            continue;
        };
        let mime_type = e.mime_type.as_deref().and_then(clean_mime);
        if let Some(seen) = out.iter_mut().find(|o| o.url == url) {
            seen.mime_type = seen.mime_type.take().or(mime_type);
            seen.length = seen.length.or(e.length);
            continue;
        }
        if out.len() >= limit {
            cuts.over_limit += 1;
            continue;
        }
        out.push(Enclosure {
            url,
            mime_type,
            length: e.length,
        });
    }
    (out, cuts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pixels_are_whole_and_plausible() {
        assert_eq!(pixels("600"), Some(600));
        assert_eq!(pixels(" 600px "), Some(600));
        for bad in [
            "",
            "0",
            "100%",
            "auto",
            "1e3",
            "-5",
            "999999999999",
            "100001",
        ] {
            assert_eq!(pixels(bad), None, "{bad}");
        }
    }

    #[test]
    fn mime_types_are_one_token_pair() {
        assert_eq!(
            clean_mime("Audio/MPEG; charset=x").as_deref(),
            Some("audio/mpeg")
        );
        assert_eq!(clean_mime("audio"), None);
        assert_eq!(clean_mime("audio/ mpeg"), None);
        assert_eq!(
            image_type_of_url("https://x.vn/a.JPG?w=1"),
            Some("image/jpeg")
        );
        assert_eq!(image_type_of_url("https://x.vn/a"), None);
    }

    #[test]
    fn img_size_of_the_lead_image() {
        let html = r#"<p><img src="https://x.vn/0.jpg"><img src="https://x.vn/a.jpg?x=1&amp;y=2" width="640" height="auto"></p>"#;
        let m = img_size_in(html, "https://x.vn/a.jpg?x=1&y=2");
        assert_eq!((m.width, m.height), (Some(640), None));
        assert_eq!(
            img_size_in(html, "https://x.vn/0.jpg"),
            ImageMeta::default()
        );
    }

    #[test]
    fn enclosures_resolved_once_and_bounded() {
        let e = |u: &str, t: Option<&str>, l: Option<u64>| Enclosure {
            url: u.into(),
            mime_type: t.map(String::from),
            length: l,
        };
        let raw = [
            e("/ep1.mp3", Some("audio/mpeg"), None),
            e("https://x.vn/ep1.mp3", None, Some(12)),
            e("javascript:x()", None, None),
            e("ep2.m4a", Some("audio/x-m4a"), Some(5)),
            e("ep3.ogg", None, None),
        ];
        let (kept, cuts) = enclosures(&raw, &[Some("https://x.vn/feed/")], 2);
        assert_eq!(
            kept,
            [
                e("https://x.vn/ep1.mp3", Some("audio/mpeg"), Some(12)),
                e("https://x.vn/feed/ep2.m4a", Some("audio/x-m4a"), Some(5)),
            ]
        );
        assert_eq!(
            cuts,
            EnclosureCuts {
                unusable: 1,
                over_limit: 1
            }
        );
    }
}
