//! `feeds.toml`: the schema, its defaults, and validation with file/line/column spans.
//!
//! `Config::load` reports every problem it finds, not only the first, so an operator fixes
//! a config in one pass.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono_tz::Tz;
use regex::Regex;
use url::Url;

/// A validated configuration. Paths are absolute (resolved against the config's folder).
#[derive(Debug, Clone)]
pub struct Config {
    /// The file it was loaded from.
    pub path: PathBuf,
    /// The folder relative paths are resolved against.
    pub base_dir: PathBuf,
    /// `[site]`.
    pub site: Site,
    /// `[feeds]`.
    pub feeds: FeedsCfg,
    /// `[merged]`.
    pub merged: MergedCfg,
    /// `[fetch]`.
    pub fetch: FetchCfg,
    /// `[store]`.
    pub store: StoreCfg,
    /// `[limits]`: what one source, article or document may cost.
    pub limits: LimitsCfg,
    /// `[serve]`: what one client of `feedmill serve` may hold.
    pub serve: ServeCfg,
    /// `[publish]`: where a build's output is copied after it is written (an S3 bucket),
    /// and what that may cost.
    pub publish: PublishCfg,
    /// `[worker]`: how `feedmill worker` processes share the sources through PostgreSQL.
    pub worker: WorkerCfg,
    /// `[[source]]`, in file order.
    pub sources: Vec<Source>,
    /// `[[category]]`, in file order.
    pub categories: Vec<CategoryCfg>,
    /// `[tags]`.
    pub tags: TagsCfg,
    /// Daily digests: `digest`/`digest_time` in `[merged]`, `[[category]]` and `[tags]`.
    pub digests: DigestCfg,
    /// `[[filter]]` then every `[[source.filter]]`, in file order: which stored articles
    /// the feeds show, and what they add to them (see [`crate::filter`]).
    pub filters: Vec<FilterCfg>,
}

/// Which feeds have a daily digest, and the time of day (in `site.timezone`) each day's
/// digest item is dated: it lists the articles of the 24 hours before.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DigestCfg {
    /// The merged feed's (`[merged] digest = "daily"`).
    pub merged: Option<chrono::NaiveTime>,
    /// Categories', by the tag key of their name (`[[category]] digest = "daily"`).
    pub categories: BTreeMap<String, chrono::NaiveTime>,
    /// Tags' (`[tags] digest = "daily"`, `digest_tags = [...]`), by the name as written
    /// there; aliases apply.
    pub tags: BTreeMap<String, chrono::NaiveTime>,
}

/// `[site]`.
#[derive(Debug, Clone)]
pub struct Site {
    /// Prefix of every feed title.
    pub title: String,
    /// Optional description used for feed subtitles; defaults to the title.
    pub description: Option<String>,
    /// Where the output folder is published; always ends with `/`.
    pub base_url: Url,
    /// Language tag (`vi`).
    pub language: String,
    /// Zone for dates that carry no offset, and the zone output dates are written in.
    pub timezone: Tz,
    /// Output folder, absolute.
    pub output_dir: PathBuf,
    /// SQLite store path, absolute (default `feedmill.db` beside feeds.toml).
    pub store: PathBuf,
    /// WebSub hub, if any.
    pub hub: Option<Url>,
}

/// `[feeds]`.
#[derive(Debug, Clone)]
pub struct FeedsCfg {
    /// Most recent articles per tag/category feed (default 50).
    pub items: usize,
    /// A tag with fewer articles gets no feed (default 1).
    pub tag_min_articles: usize,
    /// Whether every feed gets an HTML page (`<feed>/index.html`) beside its files and
    /// the index shows headlines (default true).
    pub pages: bool,
    /// Latest headlines of the merged feed shown on `index.html` (default 30).
    pub index_headlines: usize,
    /// Write a JSON Feed 1.1 (`feed.json`) beside `rss.xml` and `atom.xml` (default true).
    pub json_feed: bool,
    /// Write RFC 5005 archive pages of every feed's older articles (default true); the
    /// subscription documents then show the `items` articles feedmill saw last.
    pub archives: bool,
}

/// `[merged]`: the merged "other news" feed across all sources.
#[derive(Debug, Clone)]
pub struct MergedCfg {
    /// Output path segment (default `other-news`).
    pub slug: String,
    /// Feed name (default `Các tin khác`).
    pub title: String,
    /// Most recent articles (default 100).
    pub items: usize,
}

/// `[fetch]`: network behaviour.
#[derive(Debug, Clone)]
pub struct FetchCfg {
    /// Requests in flight overall (default 16).
    pub concurrency: usize,
    /// Requests in flight per host (default 2).
    pub per_host: usize,
    /// Connect timeout (default 10 s).
    pub connect_timeout: Duration,
    /// Whole-request timeout (default 30 s).
    pub timeout: Duration,
    /// Retries after the first attempt (default 2).
    pub retries: u32,
    /// Longest `Retry-After` honoured (default 60 s).
    pub max_retry_after: Duration,
    /// Cap on (decompressed) body bytes (default 16 MiB).
    pub max_bytes: u64,
    /// Redirects followed (default 5).
    pub max_redirects: usize,
    /// User-Agent override; default `feedmill/<version> (+<site.base_url>)`.
    pub user_agent: Option<String>,
    /// Default refresh interval for `serve` (default 15 min).
    pub refresh: Duration,
    /// Whether a feed source may be redirected to an internal address (loopback,
    /// private, link-local, …) on another origin than its configured URL (default false).
    pub allow_internal_redirects: bool,
}

/// `[store]`.
#[derive(Debug, Clone)]
pub struct StoreCfg {
    /// Articles older than this many days are removed (default 90).
    pub retention_days: u32,
    /// `url = "postgres://…"`: the PostgreSQL database to keep the store in, instead of the
    /// SQLite file `site.store` (the default, `None`).
    pub url: Option<StoreUrl>,
}

/// A PostgreSQL connection URL (`postgres://user:password@host:port/database`), checked
/// when the config is read. Its `Debug` and [`StoreUrl::redacted`] leave the password out,
/// so logs and error messages never carry it.
#[derive(Clone, PartialEq, Eq)]
pub struct StoreUrl(String);

impl StoreUrl {
    /// Checks `text`: a `postgres://` or `postgresql://` URL that PostgreSQL's client reads.
    pub fn parse(text: &str) -> Result<StoreUrl, String> {
        let text = text.trim();
        let expected = "expected \"postgres://user:password@host:port/database\"";
        if !(text.starts_with("postgres://") || text.starts_with("postgresql://")) {
            return Err(format!(
                "\"{}\" is not a postgres:// URL; {expected}",
                StoreUrl(text.to_string()).redacted()
            ));
        }
        let config: postgres::Config = text.parse().map_err(|e| format!("{e}; {expected}"))?;
        if config.get_hosts().is_empty() {
            return Err(format!("the URL names no host; {expected}"));
        }
        Ok(StoreUrl(text.to_string()))
    }

    /// The URL as written, password included: for connecting only.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The URL with its password replaced by `***`: what messages name.
    pub fn redacted(&self) -> String {
        match url::Url::parse(&self.0) {
            Ok(mut u) => {
                if u.password().is_some() {
                    let _ = u.set_password(Some("***"));
                }
                u.to_string()
            }
            // Not a URL the parser reads: name only its scheme.
            Err(_) => self.0.split(':').next().unwrap_or("postgres").to_string() + "://…",
        }
    }
}

impl std::fmt::Debug for StoreUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("StoreUrl").field(&self.redacted()).finish()
    }
}

/// `[limits]`: the bounds on what one source, article or document may cost. Each is
/// enforced where the cost is created (the reader, normalize, the scraper, emit); what a
/// limit cut is reported as a warning of the source, never dropped silently.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LimitsCfg {
    /// Items kept from one document or scrape, in document order (default 1,000).
    pub items_per_source: usize,
    /// Articles the store keeps per source, its latest fetch always among them; the ones
    /// seen longest ago go first (default 20,000).
    pub stored_per_source: usize,
    /// Tags kept per article, its source's own `tags` first (default 32).
    pub tags_per_article: usize,
    /// Longest tag name kept, in characters; longer ones are cut at a word (default 100).
    pub tag_chars: usize,
    /// Longest slug, in bytes, a short hash included when it had to be cut (default 64).
    pub slug_bytes: usize,
    /// Bytes of HTML content (or summary) per article kept before sanitizing (default 1 MiB).
    pub content_bytes: usize,
    /// Element nesting depth of HTML content; deeper elements are unwrapped (default 128).
    pub html_depth: usize,
    /// Attributes per HTML element; the rest are dropped (default 64).
    pub html_attributes: usize,
    /// Article links followed per listing page of an HTML source (default 100).
    pub links_per_listing: usize,
    /// Wall time reading and normalizing one source may take; the items read by then are
    /// kept (default 30 s).
    pub read_time: Duration,
    /// Enclosures (attached audio, video, files) kept per article, in the source's order
    /// (default 16).
    pub enclosures_per_article: usize,
    /// Articles one digest item lists; the rest of that day are counted in it, with a link
    /// to the feed (default 200).
    pub digest_articles: usize,
    /// Article pages a `full_text` source fetches in one build; the other articles keep
    /// their feed's content until a later build fetches their page (default 100).
    pub full_text_pages: usize,
    /// Tries of one article page that keeps failing, while its feed entry stays the same;
    /// then the article keeps its feed's content until the entry changes (default 3).
    pub full_text_attempts: usize,
    /// Sources a build reads, normalizes and stores at a time (default 32): a build's
    /// memory follows the batch (at most this many documents and their
    /// `items_per_source` articles each), not the number of sources; each batch's
    /// articles are stored in one transaction.
    pub sources_per_batch: usize,
}

impl Default for LimitsCfg {
    fn default() -> Self {
        LimitsCfg {
            items_per_source: 1_000,
            stored_per_source: 20_000,
            tags_per_article: 32,
            tag_chars: 100,
            slug_bytes: 64,
            content_bytes: 1024 * 1024,
            html_depth: 128,
            html_attributes: 64,
            links_per_listing: 100,
            read_time: Duration::from_secs(30),
            enclosures_per_article: 16,
            digest_articles: 200,
            full_text_pages: 100,
            full_text_attempts: 3,
            sources_per_batch: 32,
        }
    }
}

/// `[serve]`: the bounds on what clients of `feedmill serve` may hold (read at start).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServeCfg {
    /// Time a new connection has to send a whole request head (default 10 s).
    pub header_read_timeout: Duration,
    /// Time a keep-alive connection may sit between requests, the next head included
    /// (default 60 s).
    pub idle_timeout: Duration,
    /// Connections held at once (default 10,000; never more than the open-file limit
    /// allows). Beyond it, the connection idle the longest is closed to make room.
    pub max_connections: usize,
    /// How long shutdown waits for requests in flight before closing every connection
    /// (default 5 s).
    pub shutdown_grace: Duration,
}

impl Default for ServeCfg {
    fn default() -> Self {
        ServeCfg {
            header_read_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
            max_connections: 10_000,
            shutdown_grace: Duration::from_secs(5),
        }
    }
}

/// `[publish]`: copying the output folder to object storage after each build.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishCfg {
    /// `url = "s3://bucket/prefix"`; `None` (the default) keeps the output in the local
    /// folder only.
    pub url: Option<PublishUrl>,
    /// Uploads (and deletions) in flight at once (default 8).
    pub concurrency: usize,
    /// Time one upload, deletion or listing may take, retries included (default 60 s).
    pub upload_timeout: Duration,
}

impl Default for PublishCfg {
    fn default() -> Self {
        PublishCfg {
            url: None,
            concurrency: 8,
            upload_timeout: Duration::from_secs(60),
        }
    }
}

/// `[worker]`: `feedmill worker` processes claiming due sources from one PostgreSQL
/// database (see [`crate::worker`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkerCfg {
    /// `database = "postgres://…"`: where the workers coordinate; `None` (the default):
    /// the database of `[store] url`, and without it `feedmill worker` refuses to start.
    pub database: Option<String>,
    /// How long a claimed source stays a worker's without news from it (default 60 s);
    /// renewed every third of it while the worker fetches, so only a dead or cut-off
    /// worker loses its sources to another.
    pub lease: Duration,
    /// Sources one worker claims at a time (default 32).
    pub claim: usize,
    /// How long a worker waits when no source is due (default 1 s).
    pub idle: Duration,
    /// Longest wait between two attempts to reach the database (default 30 s); the waits
    /// double from 250 ms up to it.
    pub max_backoff: Duration,
}

impl Default for WorkerCfg {
    fn default() -> Self {
        WorkerCfg {
            database: None,
            lease: Duration::from_secs(60),
            claim: 32,
            idle: Duration::from_secs(1),
            max_backoff: Duration::from_secs(30),
        }
    }
}

/// `s3://bucket/prefix` of `[publish] url`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishUrl {
    /// The bucket name.
    pub bucket: String,
    /// Key prefix without leading or trailing `/`; empty for the bucket's root.
    pub prefix: String,
}

impl fmt::Display for PublishUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.prefix.is_empty() {
            write!(f, "s3://{}", self.bucket)
        } else {
            write!(f, "s3://{}/{}", self.bucket, self.prefix)
        }
    }
}

/// `[tags]`.
#[derive(Debug, Clone, Default)]
pub struct TagsCfg {
    /// Canonical name → other spellings of the same tag, as written in feeds.toml.
    pub aliases: BTreeMap<String, Vec<String>>,
}

impl TagsCfg {
    /// Maps every alias spelling's tag key to the canonical name's tag key.
    pub fn alias_keys(&self) -> BTreeMap<String, String> {
        let mut map = BTreeMap::new();
        for (canonical, spellings) in &self.aliases {
            let key = crate::text::tag_key(canonical);
            for s in spellings {
                map.insert(crate::text::tag_key(s), key.clone());
            }
        }
        map
    }
}

/// Where a source is read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceUrl {
    /// An http(s) URL.
    Http(Url),
    /// A local file (absolute path), from a relative path or a `file:` URL.
    File(PathBuf),
}

impl SourceUrl {
    /// The URL form: the http(s) URL, or a `file:` URL for a local file.
    pub fn as_url(&self) -> Url {
        match self {
            SourceUrl::Http(u) => u.clone(),
            SourceUrl::File(p) => {
                Url::from_file_path(p).unwrap_or_else(|_| Url::parse("file:///").expect("static"))
            }
        }
    }
}

impl fmt::Display for SourceUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SourceUrl::Http(u) => write!(f, "{u}"),
            SourceUrl::File(p) => write!(f, "{}", p.display()),
        }
    }
}

/// What a source is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceKind {
    /// An RSS / Atom / JSON Feed document.
    Feed,
    /// An HTML listing page scraped with `[source.html]` selectors.
    Html,
}

/// One `[[source]]`.
#[derive(Debug, Clone)]
pub struct Source {
    /// Unique name, `[a-z0-9-]+`.
    pub name: String,
    /// Where to read it.
    pub url: SourceUrl,
    /// Feed or HTML.
    pub kind: SourceKind,
    /// Category given to every article of this source.
    pub category: Option<String>,
    /// Tags added to every article of this source.
    pub tags: Vec<String>,
    /// Zone for its dates without offset (falls back to `site.timezone`).
    pub timezone: Option<Tz>,
    /// Refresh interval override for `serve`.
    pub refresh: Option<Duration>,
    /// Whole-request timeout override.
    pub timeout: Option<Duration>,
    /// Connect timeout override.
    pub connect_timeout: Option<Duration>,
    /// `[source.html]`, required when `kind = "html"`.
    pub html: Option<HtmlCfg>,
    /// `full_text`: fetch each new article's page and take its body as the content
    /// (`kind = "feed"` only).
    pub full_text: Option<FullTextCfg>,
    /// Whether its articles are in the merged feed (`merged`, default true).
    pub merged: bool,
}

impl Source {
    /// A `kind = "feed"` source with every option at its default: for programs and tests
    /// that read one feed without a config file.
    pub fn feed(name: &str, url: SourceUrl) -> Source {
        Source {
            name: name.to_string(),
            url,
            kind: SourceKind::Feed,
            category: None,
            tags: Vec::new(),
            timezone: None,
            refresh: None,
            timeout: None,
            connect_timeout: None,
            html: None,
            full_text: None,
            merged: true,
        }
    }
}

/// `full_text` of a feed source: where an article page's body is (see [`crate::enrich`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FullTextCfg {
    /// CSS selector of the body on the article page; `None`: readability finds it.
    pub content: Option<String>,
    /// Removed from the page before the body is taken (comments, share buttons, ads).
    pub remove: Vec<String>,
    /// Hosts besides the feed's own that article pages may be fetched from (exact names,
    /// or `*.example.vn` for every subdomain).
    pub allow_hosts: Vec<String>,
}

/// What a [`FilterCfg`] does with the articles it matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FilterAction {
    /// `"discard"`: matching articles leave the feeds.
    Discard,
    /// `"keep"`: only matching articles stay in the feeds.
    Keep,
    /// `"tag"`: nothing leaves; matching articles get `add_tags` / `add_category`.
    Tag,
}

/// A field of an article a filter looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum FilterField {
    /// The plain-text title.
    Title,
    /// The plain-text summary.
    Summary,
    /// The content's text (its HTML markup is not matched).
    Content,
    /// Each author name.
    Author,
    /// Each tag's name.
    Tags,
    /// The article's link.
    Url,
}

/// One `[[filter]]` (or `[[source.filter]]`).
#[derive(Debug, Clone)]
pub struct FilterCfg {
    /// What reports call it: its `name`, else `filter at line N`.
    pub label: String,
    /// The sources it applies to; empty for every source.
    pub sources: Vec<String>,
    /// What it does.
    pub action: FilterAction,
    /// Where it looks (default title, summary and content).
    pub fields: Vec<FilterField>,
    /// `match`: a regular expression, matched against each field's NFC text.
    pub pattern: Option<Regex>,
    /// `words`: words or phrases matched whole, ignoring case and accents.
    pub words: Vec<String>,
    /// Tags given to the articles it matches (and keeps).
    pub add_tags: Vec<String>,
    /// A category given to the articles it matches (and keeps).
    pub add_category: Option<String>,
}

/// `[source.html]`: CSS selectors describing a news site.
#[derive(Debug, Clone, Default)]
pub struct HtmlCfg {
    /// Listing page: one element per article (required).
    pub item: String,
    /// Inside an item: the link to the article page (required).
    pub link: String,
    /// Listing pages to follow via `next` (default 1).
    pub pages: u32,
    /// The listing's next-page link.
    pub next: Option<String>,
    /// Article page selectors, each optional.
    pub title: Option<String>,
    /// Date element.
    pub date: Option<String>,
    /// chrono formats tried before the built-in lenient parser.
    pub date_formats: Vec<String>,
    /// Author element.
    pub author: Option<String>,
    /// Tag elements.
    pub tags: Option<String>,
    /// Summary element.
    pub summary: Option<String>,
    /// Content element.
    pub content: Option<String>,
    /// Removed from content before sanitizing.
    pub remove: Vec<String>,
    /// Lead image element.
    pub image: Option<String>,
    /// Hosts besides the listing's that article links may point to.
    pub allow_hosts: Vec<String>,
}

/// One `[[category]]`.
#[derive(Debug, Clone)]
pub struct CategoryCfg {
    /// Display name.
    pub name: String,
    /// Output path segment (given, or derived from the name).
    pub slug: String,
    /// Articles from these sources belong.
    pub sources: Vec<String>,
    /// Articles carrying one of these tags belong (compared by tag key).
    pub tags: Vec<String>,
    /// Articles whose title matches belong.
    pub pattern: Option<Regex>,
}

/// One problem in a config file, located as precisely as the parser allows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// The config file.
    pub file: PathBuf,
    /// 1-based line (0 when unknown).
    pub line: usize,
    /// 1-based column (0 when unknown).
    pub column: usize,
    /// What is wrong, and what would be right.
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line > 0 {
            write!(
                f,
                "{}:{}:{}: {}",
                self.file.display(),
                self.line,
                self.column,
                self.message
            )
        } else {
            write!(f, "{}: {}", self.file.display(), self.message)
        }
    }
}

impl std::error::Error for ConfigError {}

impl Config {
    /// Reads and validates `path`, reporting every problem found.
    pub fn load(path: &Path) -> Result<Config, Vec<ConfigError>> {
        Config::read(path, false)
    }

    /// [`Config::load`] plus what `feedmill check` also looks at on this machine: every
    /// local source file must exist and be a regular file (reported at its `url`).
    pub fn check(path: &Path) -> Result<Config, Vec<ConfigError>> {
        Config::read(path, true)
    }

    fn read(path: &Path, check_files: bool) -> Result<Config, Vec<ConfigError>> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            vec![ConfigError {
                file: path.to_path_buf(),
                line: 0,
                column: 0,
                message: format!("cannot read config: {e}"),
            }]
        })?;
        parse::parse(&text, path, check_files)
    }

    /// Validates `text` as if it were the content of `path` (used for relative paths and
    /// error locations).
    pub fn parse(text: &str, path: &Path) -> Result<Config, Vec<ConfigError>> {
        parse::parse(text, path, false)
    }

    /// A config with every default and no sources or categories, rooted at `base_dir`:
    /// the starting point for programs and tests that build a config in code.
    pub fn minimal(base_dir: &Path) -> Config {
        Config {
            path: base_dir.join("feeds.toml"),
            base_dir: base_dir.to_path_buf(),
            site: Site {
                title: "feedmill".into(),
                description: None,
                base_url: Url::parse("http://localhost/").expect("static URL"),
                language: "en".into(),
                timezone: chrono_tz::UTC,
                output_dir: base_dir.join("public"),
                store: base_dir.join("feedmill.db"),
                hub: None,
            },
            feeds: FeedsCfg {
                items: 50,
                tag_min_articles: 1,
                pages: true,
                index_headlines: 30,
                json_feed: true,
                archives: true,
            },
            merged: MergedCfg {
                slug: "other-news".into(),
                title: "Các tin khác".into(),
                items: 100,
            },
            fetch: FetchCfg {
                concurrency: 16,
                per_host: 2,
                connect_timeout: Duration::from_secs(10),
                timeout: Duration::from_secs(30),
                retries: 2,
                max_retry_after: Duration::from_secs(60),
                max_bytes: 16 * 1024 * 1024,
                max_redirects: 5,
                user_agent: None,
                refresh: Duration::from_secs(15 * 60),
                allow_internal_redirects: false,
            },
            store: StoreCfg {
                retention_days: 90,
                url: None,
            },
            limits: LimitsCfg::default(),
            publish: PublishCfg::default(),
            worker: WorkerCfg::default(),
            serve: ServeCfg::default(),
            sources: Vec::new(),
            categories: Vec::new(),
            tags: TagsCfg::default(),
            digests: DigestCfg::default(),
            filters: Vec::new(),
        }
    }

    /// The source named `name`.
    pub fn source(&self, name: &str) -> Option<&Source> {
        self.sources.iter().find(|s| s.name == name)
    }

    /// The time zone a source's dates without offset are in.
    pub fn source_tz(&self, source: &Source) -> Tz {
        source.timezone.unwrap_or(self.site.timezone)
    }
}

mod parse;
pub mod paths;
