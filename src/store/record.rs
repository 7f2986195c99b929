//! How an [`Article`] is laid out in an `articles` row.
//!
//! One column per field, so that reading a hundred thousand articles back is reading
//! columns, not parsing documents: text fields as text, dates as RFC 3339 text (offset and
//! sub-seconds kept), lists (authors, tags, categories) as small JSON arrays.

use chrono::{DateTime, FixedOffset, SecondsFormat};
use rusqlite::types::Type;
use rusqlite::Row;

use crate::model::{Article, Enclosure, ImageMeta, Tag};

/// The article columns, in the order [`read`] expects them (after `source, id`).
/// [`FIELDS`] as a literal, for the selections that extend it.
macro_rules! fields {
    () => {
        "source_guid, url, title, summary, content, authors, published, updated, image, tags, categories, media, first_seen"
    };
}

pub(super) const FIELDS: &str = fields!();

/// `INSERT` of a new article: `?1` source, `?2` id, `?3` first_seen, `?4` hash,
/// `?5` content hash, then the fields (`?17`: the image meta and enclosures, see
/// [`media_json`]), then `?18` its print; returns its handle, the next free one (its
/// unique index answers the maximum at once).
pub(super) const INSERT: &str = "INSERT INTO articles (source, id, first_seen, hash, content_hash,
         source_guid, url, title, summary, content, authors, published, updated, image, tags,
         categories, media, print, aid)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18,
         (SELECT coalesce(max(aid), 0) + 1 FROM articles))
     RETURNING aid";

/// `UPDATE` of a changed article, same parameters as [`INSERT`]; `first_seen` never moves.
pub(super) const REPLACE: &str = "UPDATE articles SET hash = ?4, content_hash = ?5,
         source_guid = ?6, url = ?7, title = ?8, summary = ?9, content = ?10, authors = ?11,
         published = ?12, updated = ?13, image = ?14, tags = ?15, categories = ?16, media = ?17,
         print = ?18
     WHERE source = ?1 AND id = ?2
     RETURNING aid";

/// The `media` column: what an article carries besides its image URL (the image's type
/// and size, its enclosures), as one small JSON object, or NULL when it carries nothing
/// (most articles; and every row stored before schema v6).
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
pub(super) struct Media {
    #[serde(default, skip_serializing_if = "ImageMeta::is_empty")]
    pub(super) image: ImageMeta,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(super) enclosures: Vec<Enclosure>,
}

/// The `media` column's value for `a`.
pub(super) fn media_json(a: &Article) -> Option<String> {
    if a.image_meta.is_empty() && a.enclosures.is_empty() {
        return None;
    }
    serde_json::to_string(&Media {
        image: a.image_meta.clone(),
        enclosures: a.enclosures.clone(),
    })
    .ok()
}

fn media_at(r: &Row<'_>, idx: usize) -> rusqlite::Result<Media> {
    match r.get_ref(idx)?.as_bytes_or_null()? {
        None => Ok(Media::default()),
        Some(b) => serde_json::from_slice(b).map_err(|e| bad(idx, e)),
    }
}

pub(super) fn date_text(d: Option<DateTime<FixedOffset>>) -> Option<String> {
    d.map(|d| d.to_rfc3339_opts(SecondsFormat::AutoSi, false))
}

pub(super) fn json<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "[]".into())
}

/// Runs [`INSERT`] or [`REPLACE`] for `a`; returns the article's handle.
pub(super) fn write(
    stmt: &mut rusqlite::CachedStatement<'_>,
    source: &str,
    a: &Article,
    first_seen: i64,
    hash: &str,
    content_hash: &str,
) -> rusqlite::Result<i64> {
    let print = super::story::article_print(a);
    stmt.query_row(
        rusqlite::params![
            source,
            a.id,
            first_seen,
            hash,
            content_hash,
            a.source_guid,
            a.url,
            a.title,
            a.summary,
            a.content,
            json(&a.authors),
            date_text(a.published),
            date_text(a.updated),
            a.image,
            json(&a.tags),
            json(&a.categories),
            media_json(a),
            print.as_slice(),
        ],
        |r| r.get(0),
    )
}

fn bad(idx: usize, e: impl std::error::Error + Send + Sync + 'static) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(idx, Type::Text, Box::new(e))
}

fn date_at(r: &Row<'_>, idx: usize) -> rusqlite::Result<Option<DateTime<FixedOffset>>> {
    r.get::<_, Option<String>>(idx)?
        .map(|s| DateTime::parse_from_rfc3339(&s).map_err(|e| bad(idx, e)))
        .transpose()
}

fn list_at<T: serde::de::DeserializeOwned>(r: &Row<'_>, idx: usize) -> rusqlite::Result<Vec<T>> {
    let v = r.get_ref(idx)?;
    serde_json::from_slice(v.as_bytes()?).map_err(|e| bad(idx, e))
}

/// A list of strings (authors, categories) as [`write`] stores it.
fn strings_at(r: &Row<'_>, idx: usize) -> rusqlite::Result<Vec<String>> {
    let bytes = r.get_ref(idx)?.as_bytes()?;
    match std::str::from_utf8(bytes).ok().and_then(plain_strings) {
        Some(v) => Ok(v),
        None => list_at(r, idx),
    }
}

/// The tags as [`write`] stores them.
fn tags_at(r: &Row<'_>, idx: usize) -> rusqlite::Result<Vec<Tag>> {
    let bytes = r.get_ref(idx)?.as_bytes()?;
    match std::str::from_utf8(bytes).ok().and_then(plain_tags) {
        Some(v) => Ok(v),
        None => list_at(r, idx),
    }
}

/// The JSON serde_json writes for a `Vec<String>` (`["a","b"]`), read without serde when
/// no string holds an escape — nearly always, and reading the lists is much of what loading
/// a large store costs. `None` (any other shape) leaves the text to serde_json.
pub(super) fn plain_strings(s: &str) -> Option<Vec<String>> {
    let mut rest = s.strip_prefix('[')?;
    let mut out = Vec::new();
    if rest == "]" {
        return Some(out);
    }
    loop {
        let (v, r) = plain_string(rest.strip_prefix('"')?)?;
        out.push(v.to_owned());
        match r.strip_prefix(',') {
            Some(r) => rest = r,
            None => return (r == "]").then_some(out),
        }
    }
}

/// Like [`plain_strings`], for a `Vec<Tag>` (`[{"key":"…","name":"…"}]`).
pub(super) fn plain_tags(s: &str) -> Option<Vec<Tag>> {
    let mut rest = s.strip_prefix('[')?;
    let mut out = Vec::new();
    if rest == "]" {
        return Some(out);
    }
    loop {
        let (key, r) = plain_string(rest.strip_prefix(r#"{"key":""#)?)?;
        let (name, r) = plain_string(r.strip_prefix(r#","name":""#)?)?;
        out.push(Tag {
            key: key.to_owned(),
            name: name.to_owned(),
        });
        let r = r.strip_prefix('}')?;
        match r.strip_prefix(',') {
            Some(r) => rest = r,
            None => return (r == "]").then_some(out),
        }
    }
}

/// The body of a JSON string up to its closing quote, and what follows; `None` when an
/// escape comes first (serde_json escapes quotes, backslashes and control characters, so
/// a body without a backslash is the string itself).
fn plain_string(s: &str) -> Option<(&str, &str)> {
    let end = memchr::memchr2(b'"', b'\\', s.as_bytes())?;
    if s.as_bytes().get(end) != Some(&b'"') {
        return None;
    }
    Some((s.get(..end)?, s.get(end + 1..)?))
}

/// Reads an article from a row selecting `source, id, ` + [`FIELDS`].
pub(super) fn read(r: &Row<'_>) -> rusqlite::Result<Article> {
    read_at(r, 0)
}

/// [`read`] of a row whose `source, id, ` + [`FIELDS`] start at column `at`.
pub(super) fn read_at(r: &Row<'_>, at: usize) -> rusqlite::Result<Article> {
    let media = media_at(r, at + 13)?;
    Ok(Article {
        source: r.get(at)?,
        id: r.get(at + 1)?,
        source_guid: r.get(at + 2)?,
        url: r.get(at + 3)?,
        title: r.get(at + 4)?,
        summary: r.get(at + 5)?,
        content: r.get(at + 6)?,
        authors: strings_at(r, at + 7)?,
        published: date_at(r, at + 8)?,
        updated: date_at(r, at + 9)?,
        image: r.get(at + 10)?,
        image_meta: media.image,
        enclosures: media.enclosures,
        tags: tags_at(r, at + 11)?,
        categories: strings_at(r, at + 12)?,
        first_seen: first_seen_at(r, at + 14)?,
    })
}

fn first_seen_at(
    r: &Row<'_>,
    idx: usize,
) -> rusqlite::Result<Option<chrono::DateTime<chrono::Utc>>> {
    Ok(r.get::<_, Option<i64>>(idx)?
        .and_then(|s| chrono::DateTime::from_timestamp(s, 0)))
}

/// The columns of a story head (after the article's handle), in the order
/// [`read_story_head`] expects them.
pub(super) const STORY_HEAD_FIELDS: &str =
    "a.source, a.id, a.source_guid, a.url, a.published, a.updated, a.tags, a.categories, a.print";

/// An article without its text, from [`STORY_HEAD_FIELDS`] starting at column `at`, and its
/// print (`None` when the row has none).
pub(super) fn read_story_head(
    r: &Row<'_>,
    at: usize,
) -> rusqlite::Result<(Article, Option<[u8; 16]>)> {
    let print = r
        .get_ref(at + 8)?
        .as_blob_or_null()?
        .and_then(|b| <[u8; 16]>::try_from(b).ok());
    Ok((
        Article {
            source: r.get(at)?,
            id: r.get(at + 1)?,
            source_guid: r.get(at + 2)?,
            url: r.get(at + 3)?,
            published: date_at(r, at + 4)?,
            updated: date_at(r, at + 5)?,
            tags: tags_at(r, at + 6)?,
            categories: strings_at(r, at + 7)?,
            ..Article::default()
        },
        print,
    ))
}

/// The head columns, in the order [`read_head`] expects them: all served by the
/// `articles_heads` covering index.
pub(super) const HEAD_FIELDS: &str =
    "source, id, hash, published, updated, url, source_guid, tags, categories, first_seen";

/// The version of a stored row: a print of its `hash` (SHA-256 of the source's record) and
/// the dates the store gave it, which together decide every column.
pub(super) fn version(hash: &str, published: Option<&str>, updated: Option<&str>) -> u128 {
    let mut v = xxhash_rust::xxh3::Xxh3::new();
    v.update(&super::SCHEMA_VERSION.to_le_bytes());
    for part in [Some(hash), published, updated] {
        match part {
            Some(s) => {
                v.update(&[1]);
                v.update(&(s.len() as u64).to_le_bytes());
                v.update(s.as_bytes());
            }
            None => v.update(&[0]),
        }
    }
    v.digest128()
}

/// The complete article's columns with its hash, in the order [`read_complete_head`]
/// expects them.
pub(super) const COMPLETE_HEAD_FIELDS: &str = concat!("source, id, ", fields!(), ", hash");

/// Reads a complete article and its version from a row selecting
/// [`COMPLETE_HEAD_FIELDS`].
pub(super) fn read_complete_head(r: &Row<'_>) -> rusqlite::Result<super::ArticleHead> {
    let v = version(
        r.get_ref(15)?.as_str()?,
        r.get_ref(8)?.as_str_or_null()?,
        r.get_ref(9)?.as_str_or_null()?,
    );
    Ok(super::ArticleHead {
        article: read(r)?,
        text: true,
        version: Some(v),
    })
}

/// Reads an article head from a row selecting [`HEAD_FIELDS`]: the article without its
/// text (title, summary, content, authors, image), and its version.
pub(super) fn read_head(r: &Row<'_>) -> rusqlite::Result<super::ArticleHead> {
    let published = r.get_ref(3)?.as_str_or_null()?;
    let updated = r.get_ref(4)?.as_str_or_null()?;
    let v = version(r.get_ref(2)?.as_str()?, published, updated);
    let date = |idx: usize, s: Option<&str>| {
        s.map(|s| DateTime::parse_from_rfc3339(s).map_err(|e| bad(idx, e)))
            .transpose()
    };
    Ok(super::ArticleHead {
        article: Article {
            source: r.get(0)?,
            id: r.get(1)?,
            published: date(3, published)?,
            updated: date(4, updated)?,
            url: r.get(5)?,
            source_guid: r.get(6)?,
            tags: tags_at(r, 7)?,
            categories: strings_at(r, 8)?,
            first_seen: first_seen_at(r, 9)?,
            ..Article::default()
        },
        text: false,
        version: Some(v),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn text() -> impl Strategy<Value = String> {
        // Quotes, backslashes, controls and Vietnamese: every kind of escape and none.
        proptest::string::string_regex(r#"[a-zđĐạụ "\\\n\u{1}{},:\[\]]{0,12}"#).unwrap()
    }

    proptest! {
        #[test]
        fn lists_read_without_serde_equal_serde(
            strings in proptest::collection::vec(text(), 0..5),
            pairs in proptest::collection::vec((text(), text()), 0..5),
        ) {
            let json = serde_json::to_string(&strings).unwrap();
            if let Some(fast) = plain_strings(&json) {
                prop_assert_eq!(fast, strings.clone());
            }
            let tags: Vec<Tag> = pairs.into_iter().map(|(key, name)| Tag { key, name }).collect();
            let json = serde_json::to_string(&tags).unwrap();
            if let Some(fast) = plain_tags(&json) {
                prop_assert_eq!(fast, tags.clone());
            }
        }
    }

    #[test]
    fn plain_lists_take_the_fast_path_and_escapes_do_not() {
        let tags = vec![Tag {
            key: "lục yên".into(),
            name: "Lục Yên".into(),
        }];
        assert_eq!(
            plain_tags(&serde_json::to_string(&tags).unwrap()),
            Some(tags)
        );
        assert_eq!(plain_strings("[]"), Some(vec![]));
        assert_eq!(plain_tags("[]"), Some(vec![]));
        assert_eq!(
            plain_strings(r#"["Nông nghiệp","Xây dựng Đảng"]"#),
            Some(vec!["Nông nghiệp".to_string(), "Xây dựng Đảng".to_string()])
        );
        assert_eq!(plain_strings(r#"["say \"hi\""]"#), None);
        assert_eq!(plain_strings(r#"["a"] "#), None);
        assert_eq!(plain_tags(r#"[{"name":"a","key":"b"}]"#), None);
    }
}
