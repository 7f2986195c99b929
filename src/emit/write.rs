//! Atomic, skip-unchanged writes and the manifest of what feedmill wrote.
//!
//! A file is written to a temporary file in its own folder and renamed over the old one, so
//! a reader (or a build killed at any moment) sees the old bytes or the new bytes, never a
//! mix. A file whose bytes are already right is not touched at all: its mtime stays, and
//! servers and readers relying on it see no change. Every write, read and removal goes
//! through the output folder's handle ([`OutDir`](super::outdir::OutDir)) and never
//! follows a symbolic link below it: a link planted there is refused, by name.
//!
//! Temporary files are named `.feedmill-<pid>-<random>.tmp`: the sweep after a killed
//! build removes only those of processes that are no longer running (and an older
//! feedmill's, which carry no pid), never the temporary file of a build writing now.
//!
//! Stale feeds: `.feedmill-manifest` in the output folder lists every file feedmill wrote
//! (one relative path a line, sorted). Files listed by the previous build's manifest that
//! the current build does not write are removed, then their folders if empty. Nothing that
//! feedmill did not write itself is ever deleted: a manifest line that is not one of
//! feedmill's own file names inside the output folder is ignored, and one that names
//! anything but a regular file reached without a symbolic link is left in place and
//! reported.

use std::collections::BTreeSet;
use std::path::{Component, Path, PathBuf};

use super::outdir::OutDir;

/// Name of the manifest file inside the output folder.
pub const MANIFEST: &str = ".feedmill-manifest";

/// Whether a manifest line names a file feedmill could have written, inside the folder:
/// a feed document (`rss.xml`, `atom.xml`, `feed.json`), an archive page
/// (`archive/<n>.xml`, `.atom`, `.json`), `feeds.opml` or `index.html`.
pub fn is_own_file(rel: &str) -> bool {
    let p = Path::new(rel);
    let all_normal = p.components().all(|c| matches!(c, Component::Normal(_)));
    let name = p.file_name().and_then(|n| n.to_str());
    let name_ok = matches!(
        name,
        Some(
            "rss.xml"
                | "atom.xml"
                | "feed.json"
                | "feeds.opml"
                | "index.html"
                | "feed.xsl"
                | "favicon.ico"
        )
    ) || name.is_some_and(is_archive_page)
        && p.parent().and_then(|d| d.file_name()) == Some(std::ffi::OsStr::new("archive"));
    all_normal && name_ok && !rel.is_empty()
}

/// `<n>.xml`, `<n>.atom` or `<n>.json` with `n` a page number.
fn is_archive_page(name: &str) -> bool {
    let Some((n, ext)) = name.split_once('.') else {
        return false;
    };
    !n.is_empty()
        && n.len() <= 19
        && n.bytes().all(|b| b.is_ascii_digit())
        && matches!(ext, "xml" | "atom" | "json")
}

/// The feedmill file names a manifest's text lists.
fn manifest_lines(text: &str) -> BTreeSet<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| is_own_file(l))
        .map(str::to_string)
        .collect()
}

/// Reads the previous manifest; a missing or unreadable one means nothing is known.
pub fn read_manifest(out_dir: &Path) -> BTreeSet<String> {
    OutDir::open_existing(out_dir)
        .map(|out| read_manifest_in(&out))
        .unwrap_or_default()
}

/// [`read_manifest`] of an open output folder.
pub(crate) fn read_manifest_in(out: &OutDir) -> BTreeSet<String> {
    match out.read(MANIFEST) {
        Ok(Some(bytes)) => manifest_lines(&String::from_utf8_lossy(&bytes)),
        _ => BTreeSet::new(),
    }
}

/// Removes the files of `old` that are not in `new`, then their now-empty folders up to
/// (not including) the output folder. Returns the removed files; what could not be
/// removed (a link on the way, not a regular file, an I/O error) is pushed to `left` and
/// stays where it is.
pub(crate) fn remove_stale(
    out: &OutDir,
    old: &BTreeSet<String>,
    new: &BTreeSet<String>,
    left: &mut Vec<String>,
) -> Vec<PathBuf> {
    let mut removed = Vec::new();
    for rel in old.difference(new) {
        match out.remove_file(rel) {
            Ok(true) => removed.push(out.path().join(rel)),
            Ok(false) => {}
            Err(e) => left.push(format!("stale file not removed: {e}")),
        }
    }
    removed
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
