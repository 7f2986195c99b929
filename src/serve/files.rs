//! The served set: every file the last build listed in its manifest, held in memory with
//! its gzip and brotli forms, its ETag and its Last-Modified.
//!
//! Only files named by `.feedmill-manifest` (which [`crate::emit::write::read_manifest`]
//! already restricts to feedmill's own file names, with no `..`, no absolute path) are
//! loaded, so dot-files, temporary files and anything else in the folder are never served,
//! and no request path can reach outside the output: a request is a lookup in this map.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::body::Bytes;
use axum::http::HeaderValue;
use sha2::{Digest, Sha256};

use crate::emit::write::read_manifest;

/// Brotli quality: a build compresses each changed file once, so a high setting is cheap
/// over the file's life; 11 is several times slower than 9 for about 3% smaller output.
const BROTLI_QUALITY: u32 = 9;
/// Brotli window (log2 bytes).
const BROTLI_WINDOW: u32 = 22;

/// What a served file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// `rss.xml`, and RSS archive pages (`archive/<n>.xml`).
    Rss,
    /// `atom.xml`, and Atom archive pages (`archive/<n>.atom`).
    Atom,
    /// `feed.json`, and JSON Feed archive pages.
    Json,
    /// `feeds.opml`.
    Opml,
    /// `index.html` (the site's index and every feed's page).
    Html,
    /// `feed.xsl`, the stylesheet feeds name for browsers.
    Xsl,
    /// `favicon.ico`.
    Icon,
}

impl Kind {
    /// The kind of a manifest path, by its file name; `None` for anything else.
    pub(crate) fn of(rel: &str) -> Option<Kind> {
        let mut parts = rel.rsplit('/');
        let name = parts.next()?;
        let kind = match name {
            "rss.xml" => Kind::Rss,
            "atom.xml" => Kind::Atom,
            "feed.json" => Kind::Json,
            "feeds.opml" => Kind::Opml,
            "index.html" => Kind::Html,
            "feed.xsl" => Kind::Xsl,
            "favicon.ico" => Kind::Icon,
            // Archive pages: the manifest only lists feedmill's own names.
            _ if parts.next() == Some("archive") => match name.rsplit('.').next()? {
                "xml" => Kind::Rss,
                "atom" => Kind::Atom,
                "json" => Kind::Json,
                _ => return None,
            },
            _ => return None,
        };
        Some(kind)
    }

    /// `Content-Type` value.
    pub(crate) fn content_type(self) -> HeaderValue {
        HeaderValue::from_static(self.content_type_str())
    }

    /// `Content-Type` text (what `publish` gives the object too).
    pub(crate) fn content_type_str(self) -> &'static str {
        match self {
            Kind::Rss => "application/rss+xml; charset=utf-8",
            Kind::Atom => "application/atom+xml; charset=utf-8",
            Kind::Json => "application/feed+json; charset=utf-8",
            Kind::Opml => "text/x-opml; charset=utf-8",
            Kind::Html => "text/html; charset=utf-8",
            Kind::Xsl => "text/xsl; charset=utf-8",
            Kind::Icon => "image/x-icon",
        }
    }

    /// The feed's own media type without parameters, for RSS and Atom (the documents a
    /// browser can show through their stylesheet).
    pub(crate) fn feed_type(self) -> Option<&'static str> {
        match self {
            Kind::Rss => Some("application/rss+xml"),
            Kind::Atom => Some("application/atom+xml"),
            _ => None,
        }
    }

    /// Whether this is a feed (RSS, Atom or JSON Feed), i.e. something WebSub subscribers
    /// follow.
    pub(crate) fn is_feed(self) -> bool {
        matches!(self, Kind::Rss | Kind::Atom | Kind::Json)
    }
}

/// Whether a served path is an archive page (`…/archive/<n>.xml`, `.atom`, `.json`): a
/// document that never changes once full, which nobody subscribes to. (A tag whose slug is
/// `archive` has its feeds at `/tag/archive/rss.xml`, which is no page.)
pub(crate) fn is_archive(path: &str) -> bool {
    let mut parts = path.rsplit('/');
    let name = parts.next().unwrap_or_default();
    parts.next() == Some("archive")
        && name
            .split_once('.')
            .is_some_and(|(n, _)| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

/// One representation of a file: its bytes and its ETag.
#[derive(Debug, Clone)]
pub(crate) struct Body {
    /// The bytes sent.
    pub bytes: Bytes,
    /// Strong ETag of these bytes (each encoding has its own, as RFC 9110 requires of
    /// strong validators; all share the content hash, see [`Entry::matches`]).
    pub etag: HeaderValue,
}

/// One file, ready to serve.
#[derive(Debug)]
pub(crate) struct Entry {
    /// What it is.
    pub kind: Kind,
    /// Hex SHA-256 of the identity bytes (first 128 bits): the ETag core.
    pub hash: String,
    /// Uncompressed.
    pub identity: Body,
    /// gzip, when smaller than identity.
    pub gzip: Option<Body>,
    /// brotli, when smaller than identity.
    pub br: Option<Body>,
    /// Whole seconds since the epoch: when these bytes were written (the file's mtime),
    /// never earlier than the previous version's date.
    pub last_modified: u64,
    /// `Last-Modified` value.
    pub last_modified_header: HeaderValue,
    /// Whether the gzip and brotli forms were made (an entry loaded at start is served
    /// before they are).
    pub compressed: bool,
}

impl Entry {
    /// Whether an `If-None-Match` value names this content (weak comparison, as RFC 9110
    /// says for `If-None-Match`, across all encodings of the same bytes: a client holding
    /// any of them holds the current content).
    pub(crate) fn matches(&self, if_none_match: &str) -> bool {
        if_none_match.split(',').any(|tag| {
            let tag = tag.trim();
            if tag == "*" {
                return true;
            }
            let tag = tag.strip_prefix("W/").unwrap_or(tag);
            let Some(inner) = tag.strip_prefix('"').and_then(|t| t.strip_suffix('"')) else {
                return false;
            };
            let core = inner
                .strip_suffix("-gz")
                .or_else(|| inner.strip_suffix("-br"))
                .unwrap_or(inner);
            core == self.hash
        })
    }
}

/// Everything served at one moment; swapped whole after a build.
#[derive(Debug)]
pub(crate) struct FeedSet {
    /// Request path (`/other-news/rss.xml`, and `/` for the index) → file.
    pub files: HashMap<String, Arc<Entry>>,
    /// `Cache-Control` for every file.
    pub cache_control: HeaderValue,
    /// The folder it was loaded from.
    pub dir: PathBuf,
}

impl FeedSet {
    /// Nothing to serve yet.
    pub(crate) fn empty(max_age: Duration) -> FeedSet {
        FeedSet {
            files: HashMap::new(),
            cache_control: cache_control(max_age),
            dir: PathBuf::new(),
        }
    }

    /// Feeds (RSS, Atom and JSON Feed documents, archive pages left out) in the set.
    pub(crate) fn feeds(&self) -> usize {
        self.files
            .iter()
            .filter(|(path, e)| !is_alias(path) && e.kind.is_feed() && !is_archive(path))
            .count()
    }

    /// The same set with these entries (request path → entry) swapped in; a folder's alias
    /// (`/`, `/tag/luc-yen/`) follows its `index.html`.
    pub(crate) fn replaced(&self, updates: Vec<(String, Arc<Entry>)>) -> FeedSet {
        let mut files = self.files.clone();
        for (key, entry) in updates {
            if let Some(alias) = folder_alias(&key) {
                files.insert(alias.to_string(), entry.clone());
            }
            files.insert(key, entry);
        }
        FeedSet {
            files,
            cache_control: self.cache_control.clone(),
            dir: self.dir.clone(),
        }
    }

    /// Files in the set (folder aliases not counted twice).
    pub(crate) fn file_count(&self) -> usize {
        self.files.keys().filter(|p| !is_alias(p)).count()
    }
}

/// The folder path a page is also served at: `/index.html` → `/`, `/tag/x/index.html` →
/// `/tag/x/`, so the links between pages need no file name.
fn folder_alias(key: &str) -> Option<&str> {
    key.strip_suffix("index.html").filter(|k| k.ends_with('/'))
}

/// Whether a request path is a folder alias of an `index.html` (every file path ends with
/// a file name).
pub(crate) fn is_alias(key: &str) -> bool {
    key.ends_with('/')
}

/// `Cache-Control` for a max-age.
pub(crate) fn cache_control(max_age: Duration) -> HeaderValue {
    HeaderValue::from_str(&format!("public, max-age={}", max_age.as_secs()))
        .unwrap_or_else(|_| HeaderValue::from_static("public"))
}

/// A freshly loaded set and how it differs from the one it replaces.
pub(crate) struct Loaded {
    /// The new set.
    pub set: FeedSet,
    /// Manifest paths that are new or whose bytes changed.
    pub changed: Vec<String>,
    /// Manifest paths no longer present.
    pub removed: Vec<String>,
    /// Problems met (unreadable files); those files are left out.
    pub warnings: Vec<String>,
}

impl Loaded {
    /// Whether serving the new set changes anything a client could see.
    pub(crate) fn differs_from(&self, previous: &FeedSet) -> bool {
        !self.changed.is_empty()
            || !self.removed.is_empty()
            || self.set.cache_control != previous.cache_control
    }
}

/// Loads every file of `dir`'s manifest, reusing `previous` entries whose bytes are the
/// same (so an unchanged file is neither recompressed nor given a new Last-Modified).
/// A folder without a manifest gives an empty set.
pub(crate) fn load(dir: &Path, previous: &FeedSet, max_age: Duration) -> Loaded {
    load_with(dir, previous, max_age, true)
}

/// [`load`] from nothing, without compressing: fast enough to serve a large output at
/// once; [`compressed`] then upgrades each entry.
pub(crate) fn load_uncompressed(dir: &Path, max_age: Duration) -> Loaded {
    load_with(dir, &FeedSet::empty(max_age), max_age, false)
}

fn load_with(dir: &Path, previous: &FeedSet, max_age: Duration, compress: bool) -> Loaded {
    let manifest = read_manifest(dir);
    let same_dir = previous.dir == dir;
    let mut files = HashMap::with_capacity(manifest.len() + 1);
    let mut changed = Vec::new();
    let mut warnings = Vec::new();
    for rel in &manifest {
        let Some(kind) = Kind::of(rel) else { continue };
        if rel
            .split('/')
            .any(|seg| seg.starts_with('.') || seg.is_empty())
        {
            continue;
        }
        let path = dir.join(rel);
        let (bytes, mtime) = match read_regular(&path) {
            Ok(v) => v,
            Err(e) => {
                warnings.push(format!("cannot serve {}: {e}", path.display()));
                continue;
            }
        };
        let key = format!("/{rel}");
        let hash = content_hash(&bytes);
        let before = previous.files.get(&key).filter(|_| same_dir);
        let entry = match before {
            Some(e) if e.hash == hash && (e.compressed || !compress) => e.clone(),
            Some(e) if e.hash == hash => Arc::new(compressed(e)),
            _ => {
                changed.push(rel.clone());
                // New bytes get a later date than the copy a client may hold, even within
                // the same second of mtime (Last-Modified has whole seconds).
                let floor = before.map(|e| e.last_modified + 1);
                Arc::new(make_entry(kind, bytes, hash, mtime, floor, compress))
            }
        };
        if let Some(alias) = folder_alias(&key) {
            files.insert(alias.to_string(), entry.clone());
        }
        files.insert(key, entry);
    }
    let removed = previous
        .files
        .keys()
        .filter(|k| !is_alias(k) && !files.contains_key(*k))
        .map(|k| k.trim_start_matches('/').to_string())
        .collect();
    Loaded {
        set: FeedSet {
            files,
            cache_control: cache_control(max_age),
            dir: dir.to_path_buf(),
        },
        changed,
        removed,
        warnings,
    }
}

/// Reads a regular file (never a symlink's target: feedmill writes regular files only)
/// with its mtime.
fn read_regular(path: &Path) -> std::io::Result<(Vec<u8>, SystemTime)> {
    let meta = std::fs::symlink_metadata(path)?;
    if !meta.file_type().is_file() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "not a regular file",
        ));
    }
    let bytes = std::fs::read(path)?;
    Ok((bytes, meta.modified().unwrap_or(UNIX_EPOCH)))
}

/// Hex of the first 128 bits of SHA-256: collisions are out of reach, the header short.
fn content_hash(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    digest.iter().take(16).map(|b| format!("{b:02x}")).collect()
}

/// Builds one entry: compresses it both ways and works out its Last-Modified.
///
/// Last-Modified is when the bytes last changed: the file's mtime, which emit leaves alone
/// while a file's bytes stay the same (so it survives restarts), never before `floor` (the
/// previous version's date plus one second), so it never goes backwards. It is not the
/// newest article's date: an article dated in the past changes the bytes but not that
/// date, and a reader sending only `If-Modified-Since` would never see it.
fn make_entry(
    kind: Kind,
    bytes: Vec<u8>,
    hash: String,
    mtime: SystemTime,
    floor: Option<u64>,
    compress: bool,
) -> Entry {
    // A Last-Modified in the future makes caches misbehave: an mtime ahead is clamped.
    let modified = mtime.min(SystemTime::now());
    let last_modified = modified
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
        .max(floor.unwrap_or(0));
    let last_modified_header = HeaderValue::from_str(&httpdate::fmt_http_date(
        UNIX_EPOCH + Duration::from_secs(last_modified),
    ))
    .unwrap_or_else(|_| HeaderValue::from_static("Thu, 01 Jan 1970 00:00:00 GMT"));
    let entry = Entry {
        kind,
        identity: Body {
            bytes: Bytes::from(bytes),
            etag: etag(&hash, ""),
        },
        gzip: None,
        br: None,
        last_modified,
        last_modified_header,
        hash,
        compressed: false,
    };
    if compress {
        compressed(&entry)
    } else {
        entry
    }
}

/// `entry` with its gzip and brotli forms (each kept only when smaller). The identity
/// bytes are shared, not copied.
pub(crate) fn compressed(entry: &Entry) -> Entry {
    let bytes = &entry.identity.bytes;
    let smaller = |c: Vec<u8>, suffix: &str| {
        (c.len() < bytes.len()).then(|| Body {
            bytes: Bytes::from(c),
            etag: etag(&entry.hash, suffix),
        })
    };
    Entry {
        kind: entry.kind,
        hash: entry.hash.clone(),
        identity: entry.identity.clone(),
        gzip: gzip(bytes).and_then(|c| smaller(c, "-gz")),
        br: brotli(bytes).and_then(|c| smaller(c, "-br")),
        last_modified: entry.last_modified,
        last_modified_header: entry.last_modified_header.clone(),
        compressed: true,
    }
}

/// `"<hash><suffix>"`.
fn etag(hash: &str, suffix: &str) -> HeaderValue {
    HeaderValue::from_str(&format!("\"{hash}{suffix}\""))
        .unwrap_or_else(|_| HeaderValue::from_static("\"0\""))
}

/// gzip at the best level; `None` only if the encoder fails, which it does not in memory.
fn gzip(bytes: &[u8]) -> Option<Vec<u8>> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    enc.write_all(bytes).ok()?;
    enc.finish().ok()
}

/// brotli.
fn brotli(bytes: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    {
        let mut w =
            brotli::CompressorWriter::new(&mut out, 64 * 1024, BROTLI_QUALITY, BROTLI_WINDOW);
        w.write_all(bytes).ok()?;
        w.flush().ok()?;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn archive_pages_are_told_from_feeds_named_archive() {
        assert!(is_archive("/tag/luc-yen/archive/3.xml"));
        assert!(is_archive("/other-news/archive/12.json"));
        assert!(!is_archive("/tag/archive/rss.xml"));
        assert!(!is_archive("/tag/archive/digest/feed.json"));
        assert_eq!(Kind::of("tag/archive/rss.xml"), Some(Kind::Rss));
        assert_eq!(Kind::of("tag/x/archive/3.atom"), Some(Kind::Atom));
        assert_eq!(Kind::of("tag/x/archive/3.json"), Some(Kind::Json));
        assert_eq!(Kind::of("tag/x/digest/feed.json"), Some(Kind::Json));
    }

    #[test]
    fn if_none_match_accepts_any_encoding_of_the_same_bytes() {
        let e = make_entry(
            Kind::Rss,
            b"<rss/>".repeat(100),
            "abc".into(),
            UNIX_EPOCH,
            None,
            true,
        );
        assert!(e.matches("\"abc\""));
        assert!(e.matches("W/\"abc-gz\""));
        assert!(e.matches("\"x\", \"abc-br\""));
        assert!(e.matches("*"));
        assert!(!e.matches("\"abd\""));
        assert!(!e.matches("abc"));
    }
}
