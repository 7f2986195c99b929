//! [`RawArticle`] → [`Article`]: text, dates, URLs, HTML sanitizing, tags and categories,
//! and cross-source deduplication. Each step is a small function of its own, in its own
//! submodule; [`Normalizer::article`] composes them.

use chrono::{DateTime, FixedOffset};
use chrono_tz::Tz;
use sha2::{Digest, Sha256};

use crate::config::{Config, LimitsCfg, Source, SourceUrl};
use crate::model::{Article, RawArticle};

pub mod categories;
pub mod date;
pub mod dedup;
pub mod html;
pub mod media;
mod source;
pub mod tags;
pub mod text;
pub mod url;

/// Longest summary, in characters, before it is cut at a word boundary.
pub const SUMMARY_CHARS: usize = 300;

/// Words taken from the summary for an article that has no title (Vietnamese words are
/// single syllables, so this is a short sentence).
const TITLE_WORDS: usize = 16;

/// Everything normalization needs from the config, prepared once per build.
#[derive(Debug, Clone)]
pub struct Normalizer {
    site_tz: Tz,
    aliases: tags::Aliases,
    categories: categories::Categories,
    limits: LimitsCfg,
}

impl Normalizer {
    /// Prepares alias and category rules from `cfg`.
    pub fn new(cfg: &Config) -> Normalizer {
        let aliases = tags::Aliases::new(&cfg.tags);
        let categories = categories::Categories::new(&cfg.categories, &aliases);
        Normalizer {
            site_tz: cfg.site.timezone,
            aliases,
            categories,
            limits: cfg.limits.clone(),
        }
    }

    /// The cost bounds normalization enforces.
    pub fn limits(&self) -> &LimitsCfg {
        &self.limits
    }

    /// Normalizes one item of `source`. Problems (an unreadable date, a dropped URL) are
    /// pushed to `warnings`; `None` when the item has nothing to show (no title, no link,
    /// no content). [`Normalizer::articles`] normalizes a whole document's items, with the
    /// per-source rules (limits, identity, warnings for skipped items).
    pub fn article(
        &self,
        raw: RawArticle<'_>,
        source: &Source,
        warnings: &mut Vec<String>,
    ) -> Option<Article> {
        let feed_url = match &source.url {
            SourceUrl::Http(u) => Some(u.as_str()),
            SourceUrl::File(_) => None,
        };
        let base = raw.base.as_deref().map(str::trim).filter(|b| !b.is_empty());
        // The link as the feed gives it, fragment kept. A GUID is never taken for a link
        // here: the reader already made a permalink GUID the link, and any other GUID
        // (`isPermaLink="false"`, an Atom id) names the article without locating it.
        let url = raw.link.as_deref().and_then(|l| {
            let u = url::link(l, &[base, feed_url]);
            if u.is_none() && !l.trim().is_empty() {
                warnings.push(format!(
                    "source {}: dropped link {:?} (not an absolute http(s) URL)",
                    source.name,
                    l.trim()
                ));
            }
            u
        });
        // Content resolves against xml:base first, then the page itself, then the feed.
        let content_base = [base, raw.link.as_deref(), feed_url]
            .into_iter()
            .find_map(|b| b.and_then(|b| url::resolve(b, &[feed_url])));

        // Every piece of HTML is bounded before it is parsed; what a bound cut is a warning.
        let bounds = html::Bounds::content(&self.limits);
        let item = raw
            .link
            .as_deref()
            .or(raw.guid.as_deref())
            .unwrap_or_default()
            .trim();
        let mut bounded = |field: &str, (out, cuts): (String, html::Cuts)| {
            warnings.extend(html::cut_warning(&source.name, item, field, &cuts, &bounds));
            out
        };
        // Content, or the summary when the content is missing or sanitizes to nothing (what
        // the bounds cut from the summary is told once, below).
        let content = [
            (raw.content_html.as_deref(), true),
            (raw.summary_html.as_deref(), false),
        ]
        .into_iter()
        .filter_map(|(c, own)| Some((c?, own)))
        .map(|(c, own)| {
            let (clean, cuts) = html::sanitize_within(c, content_base.as_ref(), &bounds);
            bounded(
                "content",
                (clean, if own { cuts } else { html::Cuts::default() }),
            )
        })
        .find(|c| !c.is_empty())
        .unwrap_or_default();
        let summary_text = raw
            .summary_html
            .as_deref()
            .map(|s| bounded("summary", html::plain_text_within(s, &bounds)))
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| html::first_paragraph(&content));
        let summary = text::truncate_words(&summary_text, SUMMARY_CHARS);

        let mut title = raw
            .title
            .as_deref()
            .map(|t| bounded("title", html::field_text_within(t, &bounds)))
            .unwrap_or_default();
        // A title that is only an image (`<img src=…>`) is still a title: the image stands
        // for it, as does the item's own image when it has nothing else.
        let title_image = match raw.title.as_deref() {
            Some(t) if title.is_empty() && text::has_markup(t) => {
                let (clean, _) = html::sanitize_within(t, content_base.as_ref(), &bounds);
                html::first_image_named(&clean)
            }
            _ => None,
        };
        let raw_image = raw
            .image
            .as_deref()
            .and_then(|i| url::resolve(i, &[base, raw.link.as_deref(), feed_url]))
            .map(String::from);
        // The size comes with the image: the source's own for its image element, the
        // `<img width height>` of the title's or the content's first image otherwise.
        let (image, image_meta) = match raw_image {
            Some(i) => (Some(i), media::clean_image_meta(&raw.image_meta)),
            None => match &title_image {
                Some((src, _)) => (Some(src.clone()), crate::model::ImageMeta::default()),
                None => match html::first_image(&content) {
                    Some(i) => {
                        let meta = media::img_size_in(&content, &i);
                        (Some(i), meta)
                    }
                    None => (None, crate::model::ImageMeta::default()),
                },
            },
        };
        if title.is_empty() && url.is_none() && content.is_empty() && image.is_none() {
            return None;
        }
        if title.is_empty() {
            title = text::first_words(&summary_text, TITLE_WORDS);
        }
        if title.is_empty() {
            title = match (&title_image, &url, &image) {
                (Some((_, alt)), _, _) if !alt.is_empty() => alt.clone(),
                (_, Some(u), _) => u.clone(),
                (_, None, Some(i)) => html::image_file_name(i),
                _ => String::new(),
            };
        }

        let tz = source.timezone.unwrap_or(self.site_tz);
        let formats = source
            .html
            .as_ref()
            .map(|h| h.date_formats.as_slice())
            .unwrap_or(&[]);
        let mut read_date = |field: &str, text: Option<&str>| -> Option<DateTime<FixedOffset>> {
            let text = text.map(str::trim).filter(|t| !t.is_empty())?;
            match date::parse_date_with_formats(text, formats, tz) {
                Ok(d) => Some(d),
                Err(e) => {
                    warnings.push(format!(
                        "source {}: item {:?}: {field} date: {e}",
                        source.name, title
                    ));
                    None
                }
            }
        };
        let published = read_date("published", raw.published.as_deref());
        let updated = read_date("updated", raw.updated.as_deref());

        let (enclosures, cut) = media::enclosures(
            &raw.enclosures,
            &[base, raw.link.as_deref(), feed_url],
            self.limits.enclosures_per_article,
        );
        if cut.unusable > 0 {
            warnings.push(format!(
                "source {}: item {:?}: {} enclosure{} dropped (not an absolute http(s) URL)",
                source.name,
                title,
                cut.unusable,
                if cut.unusable == 1 { "" } else { "s" }
            ));
        }
        if cut.over_limit > 0 {
            warnings.push(format!(
                "source {}: item {:?}: {} enclosures dropped beyond limits.enclosures_per_article = {}",
                source.name, title, cut.over_limit, self.limits.enclosures_per_article
            ));
        }

        let (tags, cuts) = tags::capped_tags(
            &raw.tags,
            &source.tags,
            &self.aliases,
            self.limits.tags_per_article,
            self.limits.tag_chars,
        );
        if cuts.dropped > 0 {
            warnings.push(format!(
                "source {}: item {:?}: {} tags dropped beyond limits.tags_per_article = {} \
                 (the source's own tags are kept first, then the item's in document order)",
                source.name, title, cuts.dropped, self.limits.tags_per_article
            ));
        }
        if cuts.shortened > 0 {
            warnings.push(format!(
                "source {}: item {:?}: {} tag name{} cut at a word to limits.tag_chars = {} characters",
                source.name,
                title,
                cuts.shortened,
                if cuts.shortened == 1 { "" } else { "s" },
                self.limits.tag_chars
            ));
        }
        let categories = self
            .categories
            .of(source, &title, &tags, &raw.tags, &self.aliases);

        let mut authors: Vec<String> = Vec::new();
        for a in &raw.authors {
            let (a, cuts) = html::field_text_within(a, &bounds);
            warnings.extend(html::cut_warning(
                &source.name,
                item,
                "author",
                &cuts,
                &bounds,
            ));
            let a = text::author_of_text(a);
            if !a.is_empty() && !authors.contains(&a) {
                authors.push(a);
            }
        }

        let source_guid = raw
            .guid
            .as_deref()
            .map(text::clean_text)
            .filter(|g| !g.is_empty());
        let id = match (&source_guid, &url) {
            (Some(g), _) => article_id(&source.name, &["guid", g]),
            (None, Some(u)) => article_id(&source.name, &["url", u]),
            (None, None) => article_id(
                &source.name,
                &[
                    "title",
                    &title,
                    raw.published.as_deref().unwrap_or_default(),
                ],
            ),
        };

        Some(Article {
            id,
            source: source.name.clone(),
            source_guid,
            url,
            title,
            summary,
            content,
            authors,
            published,
            updated,
            image,
            image_meta,
            enclosures,
            tags,
            categories,
            first_seen: None,
        })
    }
}

/// A stable id: the first 128 bits of SHA-256 over `scope` and `parts`, in hex (32
/// characters). Parts are separated by a NUL so that `("ab", "c")` ≠ `("a", "bc")`.
pub fn article_id(scope: &str, parts: &[&str]) -> String {
    let mut h = Sha256::new();
    h.update(scope.as_bytes());
    for p in parts {
        h.update([0u8]);
        h.update(p.as_bytes());
    }
    h.finalize()
        .iter()
        .take(16)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Merges the same article seen in several sources (same canonical URL or same global
/// GUID) into one: the richest record kept whole, with the union of tags (at most
/// `limits.tags_per_article`) and categories. The result is in a deterministic order.
pub fn dedup(articles: Vec<Article>, limits: &LimitsCfg) -> Vec<Article> {
    dedup::dedup(articles, limits.tags_per_article)
}
