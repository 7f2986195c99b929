//! Local-file sources: read under the same byte cap as HTTP bodies.
//!
//! Only regular files are read (a FIFO, socket or device could block or never end), opened
//! without blocking and checked on the open descriptor, and every read is bounded by the
//! source's timeout.
//!
//! A file gets validators as an HTTP response would: an entity tag made of what changes
//! whenever its bytes can have changed (on Unix its device and inode, length, and the
//! modification and status-change times to the nanosecond; elsewhere length and
//! modification time), and its modification time as `Last-Modified`. A file whose tag
//! matches the one sent is answered like a 304, without being read.

use std::io::Read;
use std::path::Path;
use std::time::{Duration, Instant};

use url::Url;

use super::retry::{fmt_bytes, fmt_secs};
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

/// Opens `path` for reading without ever blocking on it (a FIFO with no writer would
/// block `open` itself), and only when it is a regular file, judged on the opened
/// descriptor so no rename can swap it in between.
fn open_regular(path: &Path) -> std::io::Result<(std::fs::File, std::fs::Metadata)> {
    let mut opts = std::fs::OpenOptions::new();
    opts.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        // O_NONBLOCK is ignored for regular files; for anything else `open` returns at once.
        opts.custom_flags(libc::O_NONBLOCK);
    }
    let file = opts.open(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        let what = if meta.is_dir() {
            "it is a directory"
        } else {
            "not a regular file (a FIFO, socket or device is never read)"
        };
        return Err(std::io::Error::new(std::io::ErrorKind::InvalidInput, what));
    }
    Ok((file, meta))
}

/// Runs blocking file work off the async threads, bounded by `timeout`.
async fn bounded<T: Send + 'static>(
    timeout: Duration,
    path: &Path,
    work: impl FnOnce() -> std::io::Result<T> + Send + 'static,
) -> Result<T, String> {
    let task = tokio::task::spawn_blocking(work);
    match tokio::time::timeout(timeout, task).await {
        Ok(Ok(Ok(v))) => Ok(v),
        Ok(Ok(Err(e))) => Err(format!("cannot read {}: {e}", path.display())),
        Ok(Err(e)) => Err(format!("cannot read {}: {e}", path.display())),
        Err(_) => Err(format!(
            "cannot read {}: timed out after {}",
            path.display(),
            fmt_secs(timeout)
        )),
    }
}

/// Reads the regular file at `path` whole, refusing more than `cap` bytes, within
/// `timeout`: what a scraped `file:` page gets.
pub(crate) async fn read_regular(
    path: &Path,
    cap: u64,
    timeout: Duration,
) -> Result<Vec<u8>, String> {
    let owned = path.to_path_buf();
    let body = bounded(timeout, path, move || {
        let (file, _) = open_regular(&owned)?;
        let mut body = Vec::new();
        file.take(cap.saturating_add(1)).read_to_end(&mut body)?;
        Ok(body)
    })
    .await?;
    if body.len() as u64 > cap {
        return Err(format!(
            "{}: file exceeds {} cap",
            path.display(),
            fmt_bytes(cap)
        ));
    }
    Ok(body)
}

/// Reads `path` (absolute), refusing more than `cap` bytes and anything but a regular
/// file, within `timeout`; answers [`FetchOutcome::NotModified`] without reading when
/// `validators` carry the file's current entity tag.
pub(super) async fn fetch_file(
    path: &Path,
    cap: u64,
    timeout: Duration,
    validators: &Validators,
) -> FetchOutcome {
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
    let owned = path.to_path_buf();
    let (file, m) = match bounded(timeout, path, move || open_regular(&owned)).await {
        Ok(v) => v,
        Err(e) => return fail(e),
    };
    if m.len() > cap {
        return fail(format!(
            "{}: file of {} bytes exceeds {} cap",
            path.display(),
            m.len(),
            fmt_bytes(cap)
        ));
    }
    let current = Validators {
        etag: file_etag(&m),
        last_modified: m.modified().ok().map(httpdate::fmt_http_date),
    };
    if current.etag.is_some() && validators.etag == current.etag {
        return FetchOutcome::NotModified(FetchMeta {
            duration: start.elapsed(),
            ..FetchMeta::default()
        });
    }
    // The length can change between metadata and read; `take` keeps the cap regardless.
    let read = bounded(timeout, path, move || {
        let mut body = Vec::new();
        file.take(cap.saturating_add(1)).read_to_end(&mut body)?;
        Ok(body)
    })
    .await;
    let body = match read {
        Ok(b) => b,
        Err(e) => return fail(e),
    };
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
