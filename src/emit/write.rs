//! Atomic, skip-unchanged writes and the manifest of what feedmill wrote.
//!
//! A file is written to a temporary file in its own folder and renamed over the old one, so
//! a reader (or a build killed at any moment) sees the old bytes or the new bytes, never a
//! mix. A file whose bytes are already right is not touched at all: its mtime stays, and
//! servers and readers relying on it see no change.
//!
//! Stale feeds: `.feedmill-manifest` in the output folder lists every file feedmill wrote
//! (one relative path a line, sorted). Files listed by the previous build's manifest that
//! the current build does not write are removed, then their folders if empty. Nothing that
//! feedmill did not write itself is ever deleted, and a manifest line that is not one of
//! feedmill's own file names inside the output folder is ignored.

use std::collections::BTreeSet;
use std::io::{self, Write};
use std::path::{Component, Path, PathBuf};

/// Name of the manifest file inside the output folder.
pub const MANIFEST: &str = ".feedmill-manifest";

/// Adds the path to an I/O error so the message says what failed.
fn ctx_err(path: &Path, what: &str, e: io::Error) -> io::Error {
    io::Error::new(e.kind(), format!("{what} {}: {e}", path.display()))
}

/// Writes `bytes` to `path` atomically unless the file already holds exactly them.
/// Returns whether the file was (re)written.
pub fn write_if_changed(path: &Path, bytes: &[u8]) -> io::Result<bool> {
    match std::fs::metadata(path) {
        Ok(meta) if meta.is_file() && meta.len() == bytes.len() as u64 => {
            let old = std::fs::read(path).map_err(|e| ctx_err(path, "cannot read", e))?;
            if old == bytes {
                return Ok(false);
            }
        }
        _ => {}
    }
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| ctx_err(dir, "cannot create folder", e))?;
    let mut builder = tempfile::Builder::new();
    builder.prefix(".feedmill-").suffix(".tmp");
    // Published files must be readable by the web server, not only by their owner.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o644));
    }
    let mut tmp = builder
        .tempfile_in(dir)
        .map_err(|e| ctx_err(dir, "cannot create a temporary file in", e))?;
    tmp.write_all(bytes)
        .map_err(|e| ctx_err(tmp.path(), "cannot write", e))?;
    tmp.persist(path)
        .map_err(|e| ctx_err(path, "cannot replace", e.error))?;
    Ok(true)
}

/// Whether a manifest line names a file feedmill could have written, inside the folder.
fn is_own_file(rel: &str) -> bool {
    let p = Path::new(rel);
    let all_normal = p.components().all(|c| matches!(c, Component::Normal(_)));
    let name_ok = matches!(
        p.file_name().and_then(|n| n.to_str()),
        Some("rss.xml" | "atom.xml" | "feeds.opml" | "index.html")
    );
    all_normal && name_ok && !rel.is_empty()
}

/// Reads the previous manifest; a missing or unreadable one means nothing is known.
pub fn read_manifest(out_dir: &Path) -> BTreeSet<String> {
    std::fs::read_to_string(out_dir.join(MANIFEST))
        .map(|s| {
            s.lines()
                .map(str::trim)
                .filter(|l| is_own_file(l))
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// Removes the files of `old` that are not in `new`, then their now-empty folders up to
/// (not including) `out_dir`. Returns the removed files.
pub fn remove_stale(
    out_dir: &Path,
    old: &BTreeSet<String>,
    new: &BTreeSet<String>,
) -> io::Result<Vec<PathBuf>> {
    let mut removed = Vec::new();
    for rel in old.difference(new) {
        let path = out_dir.join(rel);
        match std::fs::remove_file(&path) {
            Ok(()) => removed.push(path.clone()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(ctx_err(&path, "cannot remove", e)),
        }
        let mut dir = path.parent();
        while let Some(d) = dir {
            if d == out_dir || !d.starts_with(out_dir) {
                break;
            }
            // Fails (and stops) when the folder still holds anything, as intended.
            if std::fs::remove_dir(d).is_err() {
                break;
            }
            dir = d.parent();
        }
    }
    Ok(removed)
}

/// The manifest's bytes for a set of relative paths.
pub fn manifest_bytes(files: &BTreeSet<String>) -> Vec<u8> {
    let mut out =
        String::from("# Files written by feedmill; stale ones are removed on the next build.\n");
    for f in files {
        out.push_str(f);
        out.push('\n');
    }
    out.into_bytes()
}

/// Removes the temporary files a killed build left behind (`.feedmill-*.tmp`, in the
/// output folder and the feed folders below it). Only files of that exact shape are
/// touched; anything else in the output folder is the operator's.
pub fn remove_leftover_temp_files(out_dir: &Path) {
    let mut dirs = vec![out_dir.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if kind.is_dir() && !name.starts_with('.') {
                dirs.push(entry.path());
            } else if kind.is_file() && name.starts_with(".feedmill-") && name.ends_with(".tmp") {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }
}

#[cfg(test)]
mod leftover_tests {
    use super::*;

    #[test]
    fn only_feedmill_temp_files_are_removed() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path();
        let feed = out.join("tag/luc-yen");
        std::fs::create_dir_all(&feed).unwrap();
        for f in [".feedmill-a1b2.tmp", "rss.xml", "notes.tmp", ".keep"] {
            std::fs::write(feed.join(f), "x").unwrap();
        }
        std::fs::write(out.join(".feedmill-zz.tmp"), "x").unwrap();
        remove_leftover_temp_files(out);
        assert!(!feed.join(".feedmill-a1b2.tmp").exists());
        assert!(!out.join(".feedmill-zz.tmp").exists());
        for kept in ["rss.xml", "notes.tmp", ".keep"] {
            assert!(feed.join(kept).exists(), "{kept} is the operator's");
        }
    }
}
