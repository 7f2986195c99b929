//! Appending a `[[source]]` to feeds.toml with `toml_edit`: the file's comments and layout
//! stay byte for byte, the new block (with a comment saying how it was found) comes last,
//! and the result must pass [`Config::parse`] before anything is written.

use std::fmt;
use std::path::Path;

use toml_edit::{value, Array, DocumentMut, Item, Table};
use url::Url;

use crate::config::{Config, ConfigError, HtmlCfg, SourceKind};

/// A source to append.
#[derive(Debug, Clone)]
pub struct NewSource {
    /// `name`.
    pub name: String,
    /// `url`.
    pub url: String,
    /// `kind`.
    pub kind: SourceKind,
    /// `category`, if any.
    pub category: Option<String>,
    /// `[source.html]`, for an HTML source.
    pub html: Option<HtmlCfg>,
    /// One line written as a comment above the block (how the source was found).
    pub comment: String,
}

/// A value in the file and where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located {
    /// The string as written (unquoted).
    pub value: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
}

/// A `[[source]]` already in the file: its name and URL, located.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Existing {
    /// `name`.
    pub name: Option<Located>,
    /// `url`.
    pub url: Option<Located>,
}

/// Why a source was not appended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EditError {
    /// The file is not TOML (`feedmill check` says more).
    Syntax(String),
    /// A source with this name or URL is there already, at `line`:`column`.
    Taken {
        /// `name` or `url`.
        key: &'static str,
        /// The value.
        value: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
    },
    /// The file with the block would not pass `check`.
    Invalid(Vec<ConfigError>),
    /// The file could not be appended to without changing what is there.
    Layout(String),
    /// The file could not be read or written.
    Io(String),
}

impl fmt::Display for EditError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EditError::Syntax(e) => write!(f, "not valid TOML: {e}"),
            EditError::Taken {
                key, value, line, ..
            } => write!(
                f,
                "a source with {key} {value:?} is already there (line {line}); nothing was added"
            ),
            EditError::Invalid(errors) => {
                write!(f, "the file with the new source would not pass `check`: ")?;
                let all: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
                f.write_str(&all.join("; "))
            }
            EditError::Layout(why) | EditError::Io(why) => write!(f, "{why}"),
        }
    }
}

impl std::error::Error for EditError {}

/// 1-based line and column (in characters) of a byte offset.
fn position(text: &str, offset: usize) -> (usize, usize) {
    let before = text.get(..offset).unwrap_or_default();
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

/// The `[[source]]` entries of `text`, with where their names and URLs are.
pub fn existing_sources(text: &str) -> Result<Vec<Existing>, EditError> {
    let doc = toml_edit::Document::parse(text).map_err(|e| EditError::Syntax(e.to_string()))?;
    let Some(sources) = doc.get("source").and_then(Item::as_array_of_tables) else {
        return Ok(Vec::new());
    };
    let field = |t: &Table, key: &str| {
        let item = t.get(key)?;
        let value = item.as_str()?.to_string();
        let (line, column) = item.span().map_or((0, 0), |s| position(text, s.start));
        Some(Located {
            value,
            line,
            column,
        })
    };
    Ok(sources
        .iter()
        .map(|t| Existing {
            name: field(t, "name"),
            url: field(t, "url"),
        })
        .collect())
}

/// Whether two source URLs name the same address (`https://a.vn` and `https://a.vn/`).
fn same_url(a: &str, b: &str) -> bool {
    let (a, b) = (a.trim(), b.trim());
    a == b || matches!((Url::parse(a), Url::parse(b)), (Ok(x), Ok(y)) if x == y)
}

/// The source already named `name` (when given) or reading `url`, with its line.
pub fn taken(existing: &[Existing], name: Option<&str>, url: &str) -> Option<EditError> {
    for e in existing {
        let hit = |key: &'static str, at: &Located| EditError::Taken {
            key,
            value: at.value.clone(),
            line: at.line,
            column: at.column,
        };
        if let Some(n) = e.name.as_ref().filter(|n| Some(n.value.as_str()) == name) {
            return Some(hit("name", n));
        }
        if let Some(u) = e.url.as_ref().filter(|u| same_url(&u.value, url)) {
            return Some(hit("url", u));
        }
    }
    None
}

fn strings(items: &[String]) -> Item {
    let mut a = Array::new();
    for s in items {
        a.push(s.as_str());
    }
    value(a)
}

fn html_table(h: &HtmlCfg) -> Table {
    let mut t = Table::new();
    t["item"] = value(h.item.as_str());
    t["link"] = value(h.link.as_str());
    if h.pages > 1 {
        t["pages"] = value(i64::from(h.pages));
    }
    let optional = [
        ("next", &h.next),
        ("title", &h.title),
        ("date", &h.date),
        ("author", &h.author),
        ("tags", &h.tags),
        ("summary", &h.summary),
        ("content", &h.content),
    ];
    for (k, v) in optional {
        if let Some(v) = v {
            t[k] = value(v.as_str());
        }
    }
    if !h.date_formats.is_empty() {
        t["date_formats"] = strings(&h.date_formats);
    }
    if !h.remove.is_empty() {
        t["remove"] = strings(&h.remove);
    }
    if let Some(v) = &h.image {
        t["image"] = value(v.as_str());
    }
    if !h.allow_hosts.is_empty() {
        t["allow_hosts"] = strings(&h.allow_hosts);
    }
    t
}

/// `text` (the content of `path`) with `new` appended as a `[[source]]` block at the end.
///
/// Refused when a source with the same name or URL is there (the error names its line),
/// when the result would not pass [`Config::parse`], or when the file cannot be appended to
/// without changing a byte of what is there.
pub fn append_source(text: &str, path: &Path, new: &NewSource) -> Result<String, EditError> {
    let existing = existing_sources(text)?;
    if let Some(e) = taken(&existing, Some(&new.name), &new.url) {
        return Err(e);
    }
    // The block starts on a line of its own, after a blank line.
    let base = if text.is_empty() || text.ends_with('\n') {
        text.to_string()
    } else {
        format!("{text}\n")
    };
    let mut doc: DocumentMut = base
        .parse()
        .map_err(|e: toml_edit::TomlError| EditError::Syntax(e.to_string()))?;
    let mut t = Table::new();
    t["name"] = value(new.name.as_str());
    t["url"] = value(new.url.as_str());
    t["kind"] = value(match new.kind {
        SourceKind::Feed => "feed",
        SourceKind::Html => "html",
    });
    if let Some(c) = &new.category {
        t["category"] = value(c.as_str());
    }
    // Comments and blank lines after the file's last key are the document's trailing
    // text, rendered after every table: they go before the new block instead, where they
    // were.
    let trailing = doc.trailing().as_str().unwrap_or_default().to_string();
    doc.set_trailing("");
    let comment: String = new
        .comment
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| format!("# {l}\n"))
        .collect();
    let gap = if base.is_empty() { "" } else { "\n" };
    t.decor_mut()
        .set_prefix(format!("{trailing}{gap}{comment}"));
    // Tables render in the order of their positions: after everything parsed.
    t.set_position(Some(isize::MAX - 1));
    if let Some(h) = &new.html {
        let mut ht = html_table(h);
        ht.decor_mut().set_prefix("\n");
        ht.set_position(Some(isize::MAX));
        t["html"] = Item::Table(ht);
    }
    match doc.get_mut("source") {
        None => {
            let mut arr = toml_edit::ArrayOfTables::new();
            arr.push(t);
            doc.insert("source", Item::ArrayOfTables(arr));
        }
        Some(item) => match item.as_array_of_tables_mut() {
            Some(arr) => arr.push(t),
            None => {
                return Err(EditError::Layout(
                    "`source` in this file is not an array of [[source]] tables; add the source by hand".into(),
                ))
            }
        },
    }
    let out = doc.to_string();
    if !out.starts_with(&base) {
        return Err(EditError::Layout(
            "toml_edit could not append to this file without rewriting part of it; add the source by hand".into(),
        ));
    }
    Config::parse(&out, path).map_err(EditError::Invalid)?;
    Ok(out)
}

/// A file with a source appended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Appended {
    /// The whole new file.
    pub text: String,
    /// What was added at its end.
    pub block: String,
    /// 1-based line of the block's `[[source]]` header.
    pub line: usize,
}

/// [`append_source`], with the block and its line split out.
pub fn appended(text: &str, path: &Path, new: &NewSource) -> Result<Appended, EditError> {
    let out = append_source(text, path, new)?;
    let kept = if text.is_empty() || text.ends_with('\n') {
        text.len()
    } else {
        text.len() + 1
    };
    let block = out.get(kept..).unwrap_or_default().to_string();
    let header = block.find("[[source]]").unwrap_or(0);
    let line = out[..kept + header].matches('\n').count() + 1;
    Ok(Appended {
        text: out,
        block,
        line,
    })
}

/// Appends `new` to the file at `path`: read now (so an edit made while the site was being
/// read is kept), checked, and replaced through a temporary file beside it, keeping its
/// permissions, so a crash leaves the old file or the new one, never half of one.
pub fn append_to_file(path: &Path, new: &NewSource) -> Result<Appended, EditError> {
    let io = |e: std::io::Error| EditError::Io(format!("{}: {e}", path.display()));
    let text = std::fs::read_to_string(path).map_err(io)?;
    let done = appended(&text, path, new)?;
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(io)?;
    std::io::Write::write_all(&mut tmp, done.text.as_bytes()).map_err(io)?;
    tmp.as_file().sync_all().map_err(io)?;
    let perms = std::fs::metadata(path).map_err(io)?.permissions();
    std::fs::set_permissions(tmp.path(), perms).map_err(io)?;
    tmp.persist(path).map_err(|e| io(e.error))?;
    Ok(done)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feed(name: &str, url: &str) -> NewSource {
        NewSource {
            name: name.into(),
            url: url.into(),
            kind: SourceKind::Feed,
            category: Some("Thời sự".into()),
            html: None,
            comment: "found by a test".into(),
        }
    }

    const FILE: &str = "# top\n[site]\ntitle = \"T\"   # keep me\nbase_url = \"https://f.example.vn/\"\n\n[[source]]\nname = \"a\"\nurl = \"https://a.example.vn/rss\"\n\n[[category]]\nname = \"C\"\n\n[tags.aliases]\n\"X\" = [ \"y\" ]\n# a closing remark\n\n";

    #[test]
    fn the_file_before_is_kept_byte_for_byte() {
        let out = append_source(
            FILE,
            Path::new("/tmp/feeds.toml"),
            &feed("b", "https://b.example.vn/feed"),
        )
        .unwrap();
        assert!(out.starts_with(FILE), "{out}");
        let block = &out[FILE.len()..];
        assert_eq!(
            block,
            "\n# found by a test\n[[source]]\nname = \"b\"\nurl = \"https://b.example.vn/feed\"\nkind = \"feed\"\ncategory = \"Thời sự\"\n"
        );
    }

    #[test]
    fn the_block_and_its_line() {
        let done = appended(
            FILE,
            Path::new("/tmp/feeds.toml"),
            &feed("b", "https://b.example.vn/feed"),
        )
        .unwrap();
        assert_eq!(done.text, format!("{FILE}{}", done.block));
        assert_eq!(done.text.lines().nth(done.line - 1), Some("[[source]]"));
    }

    #[test]
    fn appending_to_a_file_keeps_its_permissions() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("feeds.toml");
        std::fs::write(&path, FILE).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
        let done = append_to_file(&path, &feed("b", "https://b.example.vn/feed")).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), done.text);
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o640);
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            1,
            "no temporary file left"
        );
    }

    #[test]
    fn a_file_without_a_final_newline_or_sources() {
        let text = "[site]\ntitle = \"T\"\nbase_url = \"https://f.example.vn/\"";
        let out = append_source(
            text,
            Path::new("/tmp/feeds.toml"),
            &feed("b", "https://b.example.vn/feed"),
        )
        .unwrap();
        assert!(out.starts_with(text), "{out}");
        assert!(
            out.contains("\n\n# found by a test\n[[source]]\nname = \"b\""),
            "{out}"
        );
    }

    #[test]
    fn names_and_urls_already_there_are_refused_with_their_line() {
        let path = Path::new("/tmp/feeds.toml");
        assert_eq!(
            append_source(FILE, path, &feed("a", "https://other.example.vn/")),
            Err(EditError::Taken {
                key: "name",
                value: "a".into(),
                line: 7,
                column: 8
            })
        );
        assert_eq!(
            append_source(FILE, path, &feed("z", "https://a.example.vn/rss")),
            Err(EditError::Taken {
                key: "url",
                value: "https://a.example.vn/rss".into(),
                line: 8,
                column: 7
            })
        );
    }

    #[test]
    fn an_html_source_gets_its_table() {
        let new = NewSource {
            kind: SourceKind::Html,
            html: Some(HtmlCfg {
                item: "li.row-item".into(),
                link: "h3 a".into(),
                pages: 2,
                next: Some("a.next".into()),
                date: Some(".time".into()),
                remove: vec![".ads".into(), "script".into()],
                ..HtmlCfg::default()
            }),
            ..feed("web", "https://w.example.vn/tin-tuc")
        };
        let out = append_source(FILE, Path::new("/tmp/feeds.toml"), &new).unwrap();
        let block = &out[FILE.len()..];
        assert!(
            block.ends_with("\n[source.html]\nitem = \"li.row-item\"\nlink = \"h3 a\"\npages = 2\nnext = \"a.next\"\ndate = \".time\"\nremove = [\".ads\", \"script\"]\n"),
            "{block}"
        );
        let cfg = Config::parse(&out, Path::new("/tmp/feeds.toml")).unwrap();
        assert_eq!(cfg.sources[1].html.as_ref().unwrap().item, "li.row-item");
    }
}
