//! Local-file sources: read under the same byte cap as HTTP bodies.
//!
//! A file gets validators as an HTTP response would: an entity tag made of what changes
//! whenever its bytes can have changed (on Unix its device and inode, length, and the
//! modification and status-change times to the nanosecond; elsewhere length and
//! modification time), and its modification time as `Last-Modified`. A file whose tag
//! matches the one sent is answered like a 304, without being read.

use std::path::Path;
use std::time::Instant;

use tokio::io::AsyncReadExt;
use url::Url;

use super::retry::fmt_bytes;
use super::{FetchMeta, FetchOutcome, Fetched, Validators};

/// The entity tag of a file as `meta` describes it; `None` when the platform gives no
/// modification time.
fn file_etag(meta: &std::fs::Metadata) -> Option<String> {
    let mtime = meta
        .modified()
        .ok()?
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        Some(format!(
            "\"file-{:x}-{:x}-{:x}-{:x}.{:x}-{:x}.{:x}\"",
            meta.dev(),
            meta.ino(),
            meta.len(),
            mtime.as_secs(),
            mtime.subsec_nanos(),
            meta.ctime(),
            meta.ctime_nsec()
        ))
    }
    #[cfg(not(unix))]
    {
        Some(format!(
            "\"file-{:x}-{:x}.{:x}\"",
            meta.len(),
            mtime.as_secs(),
            mtime.subsec_nanos()
        ))
    }
}

/// Reads `path` (absolute), refusing more than `cap` bytes; answers
/// [`FetchOutcome::NotModified`] without reading when `validators` carry the file's
/// current entity tag.
pub(super) async fn fetch_file(path: &Path, cap: u64, validators: &Validators) -> FetchOutcome {
    let start = Instant::now();
    let fail = |message: String| FetchOutcome::Failed {
        message,
        meta: FetchMeta {
            duration: start.elapsed(),
            ..FetchMeta::default()
        },
    };
    let final_url = match Url::from_file_path(path) {
        Ok(u) => u,
        Err(()) => return fail(format!("{}: not an absolute file path", path.display())),
    };
    let file = match tokio::fs::File::open(path).await {
        Ok(f) => f,
        Err(e) => return fail(format!("cannot read {}: {e}", path.display())),
    };
    let mut current = Validators::default();
    if let Ok(m) = file.metadata().await {
        if m.is_dir() {
            return fail(format!("cannot read {}: it is a directory", path.display()));
        }
        if m.len() > cap {
            return fail(format!(
                "{}: file of {} bytes exceeds {} cap",
                path.display(),
                m.len(),
                fmt_bytes(cap)
            ));
        }
        current.etag = file_etag(&m);
        current.last_modified = m.modified().ok().map(httpdate::fmt_http_date);
        if current.etag.is_some() && validators.etag == current.etag {
            return FetchOutcome::NotModified(FetchMeta {
                duration: start.elapsed(),
                ..FetchMeta::default()
            });
        }
    }
    // The length can change between metadata and read; `take` keeps the cap regardless.
    let mut body = Vec::new();
    if let Err(e) = file
        .take(cap.saturating_add(1))
        .read_to_end(&mut body)
        .await
    {
        return fail(format!("cannot read {}: {e}", path.display()));
    }
    if body.len() as u64 > cap {
        return fail(format!(
            "{}: file exceeds {} cap",
            path.display(),
            fmt_bytes(cap)
        ));
    }
    FetchOutcome::Fetched(Fetched {
        meta: FetchMeta {
            bytes: body.len() as u64,
            duration: start.elapsed(),
            ..FetchMeta::default()
        },
        body,
        content_type: None,
        final_url,
        validators: current,
    })
}
