//! Local-file sources: read under the same byte cap as HTTP bodies.

use std::path::Path;
use std::time::Instant;

use tokio::io::AsyncReadExt;
use url::Url;

use super::retry::fmt_bytes;
use super::{FetchMeta, FetchOutcome, Fetched, Validators};

/// Reads `path` (absolute), refusing more than `cap` bytes.
pub(super) async fn fetch_file(path: &Path, cap: u64) -> FetchOutcome {
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
        validators: Validators::default(),
    })
}
