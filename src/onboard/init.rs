//! `feedmill init`: a starter feeds.toml, every section commented, with example sources.

use std::io::Write;
use std::path::{Path, PathBuf};

/// The starter feeds.toml: the README's feeds.toml reference with every section explained.
pub const STARTER: &str = include_str!("starter.toml");

/// Writes [`STARTER`] as `dir/feeds.toml` (creating `dir`); never overwrites a file.
pub fn init(dir: &Path) -> Result<PathBuf, String> {
    std::fs::create_dir_all(dir)
        .map_err(|e| format!("cannot create the folder {}: {e}", dir.display()))?;
    let path = dir.join("feeds.toml");
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::AlreadyExists => format!(
                "{} already exists; it was left as it is (remove it first to start over)",
                path.display()
            ),
            _ => format!("cannot create {}: {e}", path.display()),
        })?;
    file.write_all(STARTER.as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(path)
}
