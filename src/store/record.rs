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
/// [`media_json`]), then `?18` its print and `?19` its handle (see [`write_new`]);
/// returns its handle.
pub(super) const INSERT: &str = "INSERT INTO articles (source, id, first_seen, hash, content_hash,
         source_guid, url, title, summary, content, authors, published, updated, image, tags,
         categories, media, print, aid)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18,
         ?19)
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

/// Runs [`REPLACE`] for `a`; returns the article's handle.
pub(super) fn write(
    stmt: &mut rusqlite::CachedStatement<'_>,
    source: &str,
    a: &Article,
    first_seen: i64,
    hash: &[u8],
    content_hash: &[u8],
) -> rusqlite::Result<i64> {
    write_with(stmt, source, a, first_seen, hash, content_hash, None)
}

/// Runs [`INSERT`] for `a` with handle `aid`.
pub(super) fn write_new(
    stmt: &mut rusqlite::CachedStatement<'_>,
    source: &str,
    a: &Article,
    first_seen: i64,
    hashes: (&[u8], &[u8]),
    aid: i64,
) -> rusqlite::Result<i64> {
    write_with(stmt, source, a, first_seen, hashes.0, hashes.1, Some(aid))
}

fn write_with(
    stmt: &mut rusqlite::CachedStatement<'_>,
    source: &str,
    a: &Article,
    first_seen: i64,
    hash: &[u8],
    content_hash: &[u8],
    aid: Option<i64>,
) -> rusqlite::Result<i64> {
    let print = super::story::article_print(a);
    let print = print.as_slice();
    let (authors, published, updated) = (
        json(&a.authors),
        date_text(a.published),
        date_text(a.updated),
    );
    let (tags, categories, media) = (tags_text(&a.tags), json(&a.categories), media_json(a));
    let mut values: Vec<&dyn rusqlite::ToSql> = vec![
        &source,
        &a.id,
        &first_seen,
        &hash,
        &content_hash,
        &a.source_guid,
        &a.url,
        &a.title,
        &a.summary,
        &a.content,
        &authors,
        &published,
        &updated,
        &a.image,
        &tags,
        &categories,
        &media,
        &print,
    ];
    if let Some(aid) = &aid {
        values.push(aid);
    }
    stmt.query_row(values.as_slice(), |r| r.get(0))
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

/// The `tags` column (schema v8): one flat JSON array of each tag's key and name in turn,
/// `["lục yên","Lục Yên",…]`, about 15 bytes a tag smaller than the objects
/// (`[{"key":…,"name":…}]`) earlier schemas wrote, in the row and in the heads index.
/// Rows written before keep their objects until rewritten; [`tags_from_text`] reads both.
pub(super) fn tags_text(tags: &[Tag]) -> String {
    let flat: Vec<&str> = tags
        .iter()
        .flat_map(|t| [t.key.as_str(), t.name.as_str()])
        .collect();
    json(&flat)
}

/// Reads the `tags` column in either shape (see [`tags_text`]).
pub(super) fn tags_from_text(s: &str) -> Result<Vec<Tag>, serde_json::Error> {
    if s.starts_with("[{") {
        return match plain_tags(s) {
            Some(v) => Ok(v),
            None => serde_json::from_str(s),
        };
    }
    let flat = match plain_strings(s) {
        Some(v) => v,
        None => serde_json::from_str::<Vec<String>>(s)?,
    };
    if flat.len() % 2 != 0 {
        return Err(serde::de::Error::custom(
            "a tag list of keys and names has an odd length",
        ));
    }
    let mut out = Vec::with_capacity(flat.len() / 2);
    let mut it = flat.into_iter();
    while let (Some(key), Some(name)) = (it.next(), it.next()) {
        out.push(Tag { key, name });
    }
    Ok(out)
}

/// The tags as [`write`] stores them.
fn tags_at(r: &Row<'_>, idx: usize) -> rusqlite::Result<Vec<Tag>> {
    let bytes = r.get_ref(idx)?.as_bytes()?;
    let text = std::str::from_utf8(bytes).map_err(|e| bad(idx, e))?;
    tags_from_text(text).map_err(|e| bad(idx, e))
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
pub(super) fn version(hash: &[u8], published: Option<&str>, updated: Option<&str>) -> u128 {
    let mut v = xxhash_rust::xxh3::Xxh3::new();
    v.update(&super::SCHEMA_VERSION.to_le_bytes());
    for part in [
        Some(hash),
        published.map(str::as_bytes),
        updated.map(str::as_bytes),
    ] {
        match part {
            Some(s) => {
                v.update(&[1]);
                v.update(&(s.len() as u64).to_le_bytes());
                v.update(s);
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
        r.get_ref(15)?.as_bytes()?,
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
    let v = version(r.get_ref(2)?.as_bytes()?, published, updated);
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

    proptest! {
        #[test]
        fn tags_read_back_as_written_in_both_shapes(
            pairs in proptest::collection::vec((text(), text()), 0..5),
        ) {
            let tags: Vec<Tag> = pairs.into_iter().map(|(key, name)| Tag { key, name }).collect();
            prop_assert_eq!(tags_from_text(&tags_text(&tags)).unwrap(), tags.clone());
            // What schema v7 wrote reads the same.
            let old = serde_json::to_string(&tags).unwrap();
            prop_assert_eq!(tags_from_text(&old).unwrap(), tags);
        }
    }

    #[test]
    fn a_flat_tag_list_is_15_bytes_a_tag_smaller() {
        let tags = vec![
            Tag {
                key: "lục yên".into(),
                name: "Lục Yên".into(),
            };
            3
        ];
        let old = serde_json::to_string(&tags).unwrap().len();
        let new = tags_text(&tags).len();
        assert_eq!(old - new, 3 * 15);
        assert!(tags_from_text(r#"["a"]"#).is_err());
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
