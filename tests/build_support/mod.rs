//! Shared by the build-level tests of output safety, limits, the build lock, removed
//! sources and stats: a site in a temporary folder (feeds.toml, local RSS sources, store
//! and output inside it), an RSS generator, and file counting.
#![allow(dead_code)] // each test file uses a different subset

use std::path::{Path, PathBuf};
use std::process::Command;

use chrono::{DateTime, Utc};
use feedmill::config::Config;
use feedmill::pipeline::{build, BuildError, BuildOptions, BuildReport};

#[path = "../store_support/mod.rs"]
pub mod store_support;

#[allow(unused_imports)] // each test file uses a different subset
pub use store_support::{backends, Backend};

/// The feedmill binary.
pub fn feedmill() -> Command {
    Command::new(env!("CARGO_BIN_EXE_feedmill"))
}

/// One generated RSS item.
pub struct Item {
    pub guid: String,
    pub title: String,
    pub date: Option<String>,
    pub categories: Vec<String>,
}

/// An item dated on 1 March 2025 at `hour`:00 +07:00.
pub fn item(guid: &str, title: &str, hour: u32, categories: &[&str]) -> Item {
    Item {
        guid: guid.to_string(),
        title: title.to_string(),
        date: Some(format!("Sat, 01 Mar 2025 {hour:02}:00:00 +0700")),
        categories: categories.iter().map(|c| c.to_string()).collect(),
    }
}

/// An RSS 2.0 document with `items`; text is written as it is (callers pass plain text).
pub fn rss(items: &[Item]) -> String {
    let mut x = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\"><channel><title>Nguồn</title>\
         <link>https://nguon.example.vn/</link><description>d</description>",
    );
    for i in items {
        x.push_str(&format!(
            "<item><title>{}</title><link>https://nguon.example.vn/{}.html</link>\
             <guid>https://nguon.example.vn/{}.html</guid><description>Tóm tắt {}</description>",
            i.title, i.guid, i.guid, i.title
        ));
        if let Some(d) = &i.date {
            x.push_str(&format!("<pubDate>{d}</pubDate>"));
        }
        for c in &i.categories {
            x.push_str(&format!("<category>{c}</category>"));
        }
        x.push_str("</item>");
    }
    x.push_str("</channel></rss>\n");
    x
}

/// A site in a temporary folder: `feeds.toml`, its sources as local files, the store
/// (`feedmill.db`) and the output (`public/`), all inside the folder.
pub struct Site {
    /// The database of a PostgreSQL site (dropped after the folder's files).
    db: Option<store_support::TempDb>,
    _tmp: tempfile::TempDir,
    pub dir: PathBuf,
}

impl Site {
    /// A site whose feeds.toml is the `[site]` table below followed by `rest` (sources,
    /// categories, other tables). `site_extra` lines go into `[site]`.
    pub fn new(site_extra: &str, rest: &str) -> Site {
        Site::on(Backend::Sqlite, site_extra, rest)
    }

    /// [`Site::new`] with its store on `backend`: for PostgreSQL, a database of its own
    /// on the test server, named by `[store] url`.
    pub fn on(backend: Backend, site_extra: &str, rest: &str) -> Site {
        let tmp = tempfile::tempdir().expect("tempdir");
        let dir = tmp.path().to_path_buf();
        let db = match backend {
            Backend::Sqlite => None,
            Backend::Postgres => Some(store_support::TempDb::create(
                &store_support::postgres_url("a site").expect("a PostgreSQL test server"),
            )),
        };
        let site = Site { db, _tmp: tmp, dir };
        site.set_config(site_extra, rest);
        site
    }

    /// Rewrites feeds.toml (as [`Site::new`] writes it), naming the site's database in
    /// `[store]` when it has one.
    pub fn set_config(&self, site_extra: &str, rest: &str) {
        let rest = match &self.db {
            None => rest.to_string(),
            Some(db) if rest.contains("[store]\n") => {
                rest.replacen("[store]\n", &format!("[store]\nurl = \"{}\"\n", db.url), 1)
            }
            Some(db) => format!("{rest}\n[store]\nurl = \"{}\"\n", db.url),
        };
        let text = format!(
            "[site]\ntitle = \"Tin Yên Bái\"\nbase_url = \"https://feeds.example.vn/\"\n\
             language = \"vi\"\ntimezone = \"Asia/Ho_Chi_Minh\"\n{site_extra}\n\n{rest}\n"
        );
        std::fs::write(self.config_path(), text).expect("write feeds.toml");
    }

    /// The site's store, whichever backend (the config's).
    pub fn open_store(&self) -> Box<dyn feedmill::store::Store + Send> {
        feedmill::store::open_config(&self.config()).expect("store")
    }

    pub fn config_path(&self) -> PathBuf {
        self.dir.join("feeds.toml")
    }

    pub fn config(&self) -> Config {
        Config::load(&self.config_path()).unwrap_or_else(|e| panic!("{e:?}"))
    }

    /// Writes a file beside feeds.toml (a source document).
    pub fn write(&self, name: &str, text: &str) {
        std::fs::write(self.dir.join(name), text).expect("write source");
    }

    pub fn out(&self) -> PathBuf {
        self.dir.join("public")
    }

    pub fn store(&self) -> PathBuf {
        self.dir.join("feedmill.db")
    }

    /// One build through the library, with its clock at `now` (now when `None`).
    pub fn try_build(&self, now: Option<DateTime<Utc>>) -> Result<BuildReport, BuildError> {
        let cfg = self.config();
        let opts = BuildOptions {
            now,
            ..BuildOptions::default()
        };
        tokio::runtime::Runtime::new()
            .expect("runtime")
            .block_on(build(&cfg, &opts))
    }

    pub fn build(&self, now: Option<DateTime<Utc>>) -> BuildReport {
        self.try_build(now).unwrap_or_else(|e| panic!("build: {e}"))
    }

    /// A feed of the output, parsed with feed-rs.
    pub fn feed(&self, rel: &str) -> feed_rs::model::Feed {
        let bytes = std::fs::read(self.out().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"));
        feed_rs::parser::parse(&bytes[..]).unwrap_or_else(|e| panic!("{rel}: {e}"))
    }

    /// Entry titles of a feed of the output.
    pub fn titles(&self, rel: &str) -> Vec<String> {
        self.feed(rel)
            .entries
            .iter()
            .map(|e| {
                e.title
                    .as_ref()
                    .map(|t| t.content.clone())
                    .unwrap_or_default()
            })
            .collect()
    }
}

/// Every regular file below `dir` (symbolic links not followed), sorted.
pub fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let kind = e.file_type().expect("file type");
            if kind.is_dir() {
                stack.push(e.path());
            } else if kind.is_file() {
                out.push(e.path());
            }
        }
    }
    out.sort();
    out
}

/// Total bytes of [`files`].
pub fn bytes(dir: &Path) -> u64 {
    files(dir)
        .iter()
        .map(|p| std::fs::symlink_metadata(p).map(|m| m.len()).unwrap_or(0))
        .sum()
}

/// `p` relative to `base`, with `/` separators.
pub fn rel(base: &Path, p: &Path) -> String {
    p.strip_prefix(base)
        .expect("inside")
        .to_string_lossy()
        .replace('\\', "/")
}
