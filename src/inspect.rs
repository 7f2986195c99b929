//! `feedmill inspect`: what the reader and normalizer make of one feed, for operators
//! debugging a source (and for tests).

use std::fmt::Write as _;
use std::path::Path;

use chrono_tz::Tz;
use serde::Serialize;
use url::Url;

use crate::config::{Config, Source, SourceKind, SourceUrl};
use crate::enrich::{self, ArticleText, Limiter};
use crate::fetch::{FetchOutcome, Fetcher, Validators};
use crate::filter::{Filters, Verdict};
use crate::model::FeedFormat;
use crate::normalize::Normalizer;
use crate::pipeline::pages::FetcherPages;
use crate::read;
use crate::scrape;

/// One article as `inspect` shows it.
#[derive(Debug, Clone, Serialize)]
pub struct InspectedArticle {
    /// Stable article id.
    pub id: String,
    /// Canonical URL.
    pub url: Option<String>,
    /// Plain-text title.
    pub title: String,
    /// RFC 3339.
    pub published: Option<String>,
    /// RFC 3339.
    pub updated: Option<String>,
    /// Author names.
    pub authors: Vec<String>,
    /// Tag names as cleaned.
    pub tags: Vec<String>,
    /// Plain-text summary.
    pub summary: String,
    /// Sanitized HTML.
    pub content: String,
    /// Lead image.
    pub image: Option<String>,
    /// What the config's filters say: kept or dropped, and what each filter did.
    pub filters: Verdict,
    /// For a `full_text` source: where the content came from and its length.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub full_text: Option<ArticleText>,
}

/// Everything `inspect` reports about one feed.
#[derive(Debug, Clone, Serialize)]
pub struct InspectReport {
    /// `rss`, `rdf`, `atom` or `json`.
    pub format: Option<FeedFormat>,
    /// Declared or inferred version.
    pub version: String,
    /// Encoding the bytes were decoded from.
    pub encoding: String,
    /// Feed title.
    pub title: Option<String>,
    /// Feed home page.
    pub link: Option<String>,
    /// Feed language.
    pub language: Option<String>,
    /// Reader and normalizer warnings.
    pub warnings: Vec<String>,
    /// Normalized articles, in document order.
    pub articles: Vec<InspectedArticle>,
}

/// What `inspect --source NAME` shows: a feed source as read, or an HTML source's selectors.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum SourceInspection {
    /// A `kind = "feed"` source.
    Feed(InspectReport),
    /// A `kind = "html"` source: per-selector match counts on the listing and up to three
    /// article pages, and the fields they gave.
    Html(scrape::Inspection),
}

impl SourceInspection {
    /// A human-readable rendering.
    pub fn to_text(&self) -> String {
        match self {
            SourceInspection::Feed(r) => r.to_text(),
            SourceInspection::Html(i) => i.to_string(),
        }
    }
}

/// Inspects the `[[source]]` named `name` of `cfg`, through the same fetcher a build uses.
pub async fn inspect_source(cfg: &Config, name: &str) -> Result<SourceInspection, String> {
    let source = cfg.source(name).ok_or_else(|| {
        let names: Vec<&str> = cfg.sources.iter().map(|s| s.name.as_str()).collect();
        format!(
            "no source named {name:?} in {} (sources: {})",
            cfg.path.display(),
            names.join(", ")
        )
    })?;
    let fetcher = Fetcher::new(cfg)?;
    match (&source.kind, &source.html) {
        (SourceKind::Html, Some(html)) => {
            let pages = FetcherPages::new(fetcher, source, cfg.fetch.per_host);
            let mut inspection = scrape::inspect(source, html, &pages).await?;
            // The rule tester: each article page's article as a build would filter it.
            let normalizer = Normalizer::new(cfg);
            let filters = Filters::new(cfg);
            let mut ignored = Vec::new();
            inspection.filters = inspection
                .articles
                .iter()
                .map(|a| {
                    normalizer
                        .article(a.article.clone(), source, &mut ignored)
                        .map(|a| filters.verdict(&a))
                        .unwrap_or_default()
                })
                .collect();
            Ok(SourceInspection::Html(inspection))
        }
        _ => inspect_with(&fetcher, cfg, source)
            .await
            .map(SourceInspection::Feed),
    }
}

/// Fetches `target` (a file path or an http(s) URL), reads and normalizes it; dates without
/// an offset are read in `tz`.
pub async fn inspect(target: &str, tz: Tz) -> Result<InspectReport, String> {
    let cwd =
        std::env::current_dir().map_err(|e| format!("cannot read the current folder: {e}"))?;
    let url = if target.starts_with("http://") || target.starts_with("https://") {
        SourceUrl::Http(Url::parse(target).map_err(|e| format!("{target}: not a valid URL: {e}"))?)
    } else {
        let p = Path::new(target.strip_prefix("file://").unwrap_or(target));
        SourceUrl::File(if p.is_absolute() {
            p.to_path_buf()
        } else {
            cwd.join(p)
        })
    };
    let mut cfg = Config::minimal(&cwd);
    cfg.site.timezone = tz;
    let source = Source {
        timezone: Some(tz),
        ..Source::feed("inspect", url)
    };
    cfg.sources.push(source.clone());
    let fetcher = Fetcher::new(&cfg)?;
    inspect_with(&fetcher, &cfg, &source).await
}

async fn inspect_with(
    fetcher: &Fetcher,
    cfg: &Config,
    source: &Source,
) -> Result<InspectReport, String> {
    let target = source.url.to_string();
    let fetched = match fetcher.fetch(source, &Validators::default()).await {
        FetchOutcome::Fetched(f) => f,
        FetchOutcome::NotModified(_) => {
            return Err(format!("{target}: unexpected 304 Not Modified"))
        }
        FetchOutcome::Failed { message, .. } => return Err(message),
    };
    let mut feed = read::read_feed_limited(
        &fetched.body,
        fetched.content_type.as_deref(),
        Some(&fetched.final_url),
        cfg.limits.items_per_source,
    )
    .map_err(|e| format!("{target}: {e}"))?;
    let normalizer = Normalizer::new(cfg);
    let mut warnings = std::mem::take(&mut feed.warnings);
    let (format, version, encoding) = (feed.format, feed.version.clone(), feed.encoding.clone());
    let (title, link, language) = (feed.title.take(), feed.link.take(), feed.language.take());
    let mut articles = normalizer.feed_articles(feed, source, &mut warnings);
    // A full-text source: every page fetched as a first build would (nothing stored).
    let texts = match &source.full_text {
        Some(rules) => {
            let limiter = Limiter::new(cfg.fetch.concurrency, cfg.fetch.per_host);
            let e = enrich::enrich(
                source,
                rules,
                &mut articles,
                Vec::new(),
                fetcher,
                &limiter,
                &cfg.limits,
                chrono::Utc::now(),
            )
            .await;
            warnings.extend(e.warnings);
            e.articles.into_iter().map(Some).collect()
        }
        None => Vec::new(),
    };
    let filters = Filters::new(cfg);
    let articles = articles
        .into_iter()
        .enumerate()
        .map(|(i, a)| InspectedArticle {
            filters: filters.verdict(&a),
            full_text: texts.get(i).cloned().flatten(),
            id: a.id,
            url: a.url,
            title: a.title,
            published: a.published.map(|d| d.to_rfc3339()),
            updated: a.updated.map(|d| d.to_rfc3339()),
            authors: a.authors,
            tags: a.tags.into_iter().map(|t| t.name).collect(),
            summary: a.summary,
            content: a.content,
            image: a.image,
        })
        .collect();
    Ok(InspectReport {
        format,
        version,
        encoding,
        title,
        link,
        language,
        warnings,
        articles,
    })
}

impl InspectReport {
    /// A human-readable rendering.
    pub fn to_text(&self) -> String {
        let mut s = String::new();
        let fmt = self
            .format
            .map(|f| format!("{f:?}").to_lowercase())
            .unwrap_or_else(|| "unknown".into());
        let _ = writeln!(s, "format:   {fmt} {}", self.version);
        let _ = writeln!(s, "encoding: {}", self.encoding);
        let _ = writeln!(s, "title:    {}", self.title.as_deref().unwrap_or("-"));
        let _ = writeln!(s, "link:     {}", self.link.as_deref().unwrap_or("-"));
        let _ = writeln!(s, "language: {}", self.language.as_deref().unwrap_or("-"));
        let _ = writeln!(s, "articles: {}", self.articles.len());
        for (i, a) in self.articles.iter().enumerate() {
            let _ = writeln!(s, "\n[{}] {}", i + 1, a.title);
            let _ = writeln!(s, "    id:        {}", a.id);
            let _ = writeln!(s, "    url:       {}", a.url.as_deref().unwrap_or("-"));
            let _ = writeln!(
                s,
                "    published: {}",
                a.published.as_deref().unwrap_or("-")
            );
            let _ = writeln!(s, "    updated:   {}", a.updated.as_deref().unwrap_or("-"));
            let _ = writeln!(s, "    authors:   {}", a.authors.join(", "));
            let _ = writeln!(s, "    tags:      {}", a.tags.join(" | "));
            let _ = writeln!(s, "    image:     {}", a.image.as_deref().unwrap_or("-"));
            let summary: String = a.summary.chars().take(160).collect();
            let _ = writeln!(s, "    summary:   {summary}");
            let _ = writeln!(s, "    content:   {} bytes of HTML", a.content.len());
            match &a.full_text {
                Some(ArticleText::Fetched { origin, chars }) => {
                    let _ = writeln!(
                        s,
                        "    full text: {chars} characters, from the page by {origin}"
                    );
                }
                Some(ArticleText::Stored { origin, chars }) => {
                    let _ = writeln!(
                        s,
                        "    full text: {chars} characters, from the stored page by {origin}"
                    );
                }
                Some(ArticleText::Feed { why, chars }) => {
                    let _ = writeln!(
                        s,
                        "    full text: the feed's own content kept ({chars} characters): {why}"
                    );
                }
                None => {}
            }
            if !a.filters.steps.is_empty() {
                let _ = writeln!(s, "    filters:   {}", a.filters.describe());
            }
        }
        if !self.warnings.is_empty() {
            let _ = writeln!(s, "\nwarnings:");
            for w in &self.warnings {
                let _ = writeln!(s, "  - {w}");
            }
        }
        s
    }
}
