//! What a build remembers for the next one: per-source conditional-GET validators, health,
//! and the last good articles, plus the tag slugs already handed out.
//!
//! A small JSON file written atomically. The store stage will take this over; until then it
//! is what keeps a failing source's articles in the feeds.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::config::Config;
use crate::fetch::Validators;
use crate::model::Article;

const VERSION: u32 = 1;

/// Everything remembered between builds.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct State {
    /// Format version; a file of another version is ignored (a full refetch follows).
    pub version: u32,
    /// Per source, by name.
    pub sources: BTreeMap<String, SourceState>,
    /// Tag key → slug handed out in earlier builds.
    pub tag_slugs: BTreeMap<String, String>,
    /// Why the file on disk could not be used, if it could not.
    #[serde(skip)]
    pub load_warning: Option<String>,
}

/// What is remembered of one source.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct SourceState {
    /// Validators of the last good fetch.
    pub validators: Validators,
    /// Articles of the last good fetch.
    pub articles: Vec<Article>,
    /// Last good fetch (RFC 3339).
    pub last_success: Option<String>,
    /// Last error message, cleared by a good fetch.
    pub last_error: Option<String>,
    /// Failed builds in a row.
    pub consecutive_failures: u32,
    /// Last HTTP status seen.
    pub last_status: Option<u16>,
}

/// `<site.store>` with the extension `.state.json` (`feedmill.state.json` by default).
pub fn default_path(cfg: &Config) -> PathBuf {
    cfg.site.store.with_extension("state.json")
}

impl State {
    /// Loads the state file; a missing file is an empty state, an unreadable one too (with
    /// `load_warning` saying why), so a bad state file never stops a build.
    pub fn load(path: &Path) -> State {
        let bytes = match std::fs::read(path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return State::fresh(),
            Err(e) => return State::fresh_because(format!("cannot read {}: {e}", path.display())),
        };
        match serde_json::from_slice::<State>(&bytes) {
            Ok(s) if s.version == VERSION => s,
            Ok(s) => State::fresh_because(format!(
                "{} has state version {}, expected {VERSION}; starting afresh",
                path.display(),
                s.version
            )),
            Err(e) => State::fresh_because(format!(
                "{} is not valid state ({e}); starting afresh",
                path.display()
            )),
        }
    }

    fn fresh() -> State {
        State {
            version: VERSION,
            ..State::default()
        }
    }

    fn fresh_because(why: String) -> State {
        State {
            load_warning: Some(why),
            ..State::fresh()
        }
    }

    /// Writes the state atomically (temp file in the same folder, then rename).
    pub fn save(&self, path: &Path) -> std::io::Result<()> {
        let dir = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir)?;
        let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
        serde_json::to_writer(&mut tmp, self)?;
        tmp.flush()?;
        tmp.persist(path).map_err(|e| e.error)?;
        Ok(())
    }
}
