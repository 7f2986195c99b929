//! Typed, located access to TOML tables: every wrong type, out-of-range number or unknown
//! key becomes a [`ConfigError`] at its place in the file, and reading carries on so that
//! one pass reports everything.

use std::ops::Range;
use std::path::PathBuf;
use std::time::Duration;

use toml::de::{DeTable, DeValue};
use toml::Spanned;

use super::schema;
use super::spans::Locator;
use super::values;
use crate::config::ConfigError;

/// A value with the byte span it came from.
#[derive(Debug, Clone)]
pub(super) struct Val<T> {
    /// The value.
    pub v: T,
    /// Where it is in the file.
    pub span: Range<usize>,
}

/// Collects errors while reading one file.
pub(super) struct Ctx<'a> {
    file: PathBuf,
    loc: Locator<'a>,
    errors: Vec<ConfigError>,
}

impl<'a> Ctx<'a> {
    /// A context for `text`, reported as `file`.
    pub(super) fn new(text: &'a str, file: PathBuf) -> Self {
        Ctx {
            file,
            loc: Locator::new(text),
            errors: Vec::new(),
        }
    }

    /// Records a problem at `span`.
    pub(super) fn error(&mut self, span: &Range<usize>, message: impl Into<String>) {
        let (line, column) = self.loc.position(span.start);
        self.errors.push(ConfigError {
            file: self.file.clone(),
            line,
            column,
            message: message.into(),
        });
    }

    /// 1-based line of `span`, for messages that point back at an earlier definition.
    pub(super) fn line_of(&self, span: &Range<usize>) -> usize {
        self.loc.position(span.start).0
    }

    /// The source text of `span`.
    pub(super) fn slice(&self, span: &Range<usize>) -> &'a str {
        self.loc.slice(span).unwrap_or("")
    }

    /// Whether anything was reported.
    pub(super) fn has_errors(&self) -> bool {
        !self.errors.is_empty()
    }

    /// Every error, in file order.
    pub(super) fn into_errors(mut self) -> Vec<ConfigError> {
        self.errors.sort_by_key(|e| (e.line, e.column));
        self.errors
    }
}

/// "an integer", "a string", …: the found type in a message.
pub(super) fn type_name(v: &DeValue<'_>) -> &'static str {
    match v {
        DeValue::String(_) => "a string",
        DeValue::Integer(_) => "an integer",
        DeValue::Float(_) => "a float",
        DeValue::Boolean(_) => "a boolean",
        DeValue::Datetime(_) => "a date-time",
        DeValue::Array(_) => "an array",
        DeValue::Table(_) => "a table",
    }
}

/// The closest of `candidates` to `key`, if close enough to be a likely typo.
pub(super) fn suggest<'c>(key: &str, candidates: &[&'c str]) -> Option<&'c str> {
    let key_l = key.to_lowercase();
    candidates
        .iter()
        .map(|c| (strsim::osa_distance(&key_l, c), *c))
        .filter(|&(d, c)| d <= 3 && d * 2 < key_l.chars().count().max(c.len()))
        .min_by_key(|&(d, _)| d)
        .map(|(_, c)| c)
}

/// One TOML table of the schema, with its name for messages (`site`, `source.html`).
pub(super) struct Table<'t, 'i> {
    name: &'static str,
    /// The table header (`[site]`), where missing keys are reported.
    pub span: Range<usize>,
    table: &'t DeTable<'i>,
}

impl<'t, 'i> Table<'t, 'i> {
    /// Wraps `table` and reports its keys that are not in `known`.
    pub(super) fn new(
        ctx: &mut Ctx<'_>,
        name: &'static str,
        span: Range<usize>,
        table: &'t DeTable<'i>,
        known: &[&str],
    ) -> Self {
        let mut unknown: Vec<&Spanned<_>> = table
            .keys()
            .filter(|k| !known.contains(&k.get_ref().as_ref()))
            .collect();
        unknown.sort_by_key(|k| k.span().start);
        for key in unknown {
            let k: &str = key.get_ref();
            let elsewhere = schema::tables_with(k, name);
            let hint = match suggest(k, known) {
                Some(s) => format!("did you mean `{s}`?"),
                None if !elsewhere.is_empty() => {
                    format!("`{k}` belongs in {}", elsewhere.join(" or "))
                }
                None => format!("expected one of: {}", known.join(", ")),
            };
            ctx.error(
                &key.span(),
                format!("unknown key `{k}` in {}; {hint}", schema::header(name)),
            );
        }
        Table { name, span, table }
    }

    /// The raw value of `key`, if present.
    pub(super) fn raw(&self, key: &str) -> Option<&'t Spanned<DeValue<'i>>> {
        self.table.get(key)
    }

    fn type_error(&self, ctx: &mut Ctx<'_>, key: &str, value: &Spanned<DeValue<'_>>, want: &str) {
        ctx.error(
            &value.span(),
            format!(
                "`{}.{key}`: expected {want}, found {}",
                self.name,
                type_name(value.get_ref())
            ),
        );
    }

    /// Reports `key` as missing, at the table header.
    pub(super) fn missing(&self, ctx: &mut Ctx<'_>, key: &str, example: &str) {
        ctx.error(
            &self.span,
            format!(
                "{} is missing the required key `{key}`; add e.g. {key} = {example}",
                schema::header(self.name)
            ),
        );
    }

    /// Full key name for messages, `site.title`.
    pub(super) fn path(&self, key: &str) -> String {
        format!("{}.{key}", self.name)
    }

    /// A string value; wrong types are reported.
    pub(super) fn string(&self, ctx: &mut Ctx<'_>, key: &str) -> Option<Val<String>> {
        let value = self.raw(key)?;
        match value.get_ref() {
            DeValue::String(s) => Some(Val {
                v: s.to_string(),
                span: value.span(),
            }),
            _ => {
                self.type_error(ctx, key, value, "a string");
                None
            }
        }
    }

    /// A string that must not be blank.
    pub(super) fn text(&self, ctx: &mut Ctx<'_>, key: &str) -> Option<Val<String>> {
        let value = self.string(ctx, key)?;
        if value.v.trim().is_empty() {
            ctx.error(
                &value.span,
                format!("`{}` must not be empty", self.path(key)),
            );
            return None;
        }
        Some(value)
    }

    /// A required non-blank string; reported at the header when missing.
    pub(super) fn required_text(
        &self,
        ctx: &mut Ctx<'_>,
        key: &str,
        example: &str,
    ) -> Option<Val<String>> {
        if self.raw(key).is_none() {
            self.missing(ctx, key, example);
            return None;
        }
        self.text(ctx, key)
    }

    /// A boolean; wrong types are reported.
    pub(super) fn boolean(&self, ctx: &mut Ctx<'_>, key: &str) -> Option<bool> {
        let value = self.raw(key)?;
        match value.get_ref() {
            DeValue::Boolean(b) => Some(*b),
            _ => {
                self.type_error(ctx, key, value, "true or false");
                None
            }
        }
    }

    /// An integer within `min..=max`.
    pub(super) fn int(&self, ctx: &mut Ctx<'_>, key: &str, min: i64, max: i64) -> Option<i64> {
        let value = self.raw(key)?;
        let DeValue::Integer(i) = value.get_ref() else {
            self.type_error(ctx, key, value, "an integer");
            return None;
        };
        match i64::from_str_radix(i.as_str(), i.radix()) {
            Ok(n) if (min..=max).contains(&n) => Some(n),
            _ => {
                ctx.error(
                    &value.span(),
                    format!(
                        "`{}` is {i}; expected an integer from {min} to {max}",
                        self.path(key)
                    ),
                );
                None
            }
        }
    }

    /// A positive duration: a string such as `"30s"` or integer seconds.
    pub(super) fn duration(
        &self,
        ctx: &mut Ctx<'_>,
        key: &str,
        allow_zero: bool,
    ) -> Option<Duration> {
        let value = self.raw(key)?;
        let parsed = match value.get_ref() {
            DeValue::String(s) => values::duration(s),
            DeValue::Integer(i) => i64::from_str_radix(i.as_str(), i.radix())
                .ok()
                .and_then(|n| u64::try_from(n).ok())
                .map(Duration::from_secs)
                .ok_or_else(|| {
                    format!("invalid duration {i}; expected a number of seconds of 0 or more")
                }),
            _ => {
                self.type_error(
                    ctx,
                    key,
                    value,
                    "a duration string such as \"30s\" or integer seconds",
                );
                return None;
            }
        };
        match parsed {
            Ok(d) if d.is_zero() && !allow_zero => {
                ctx.error(
                    &value.span(),
                    format!("`{}` must be longer than zero", self.path(key)),
                );
                None
            }
            Ok(d) => Some(d),
            Err(msg) => {
                ctx.error(&value.span(), format!("`{}`: {msg}", self.path(key)));
                None
            }
        }
    }

    /// A byte count: an integer or a string such as `"16MiB"`; at least 1.
    pub(super) fn byte_size(&self, ctx: &mut Ctx<'_>, key: &str) -> Option<u64> {
        let value = self.raw(key)?;
        let parsed = match value.get_ref() {
            DeValue::String(s) => values::byte_size(s),
            DeValue::Integer(i) => i64::from_str_radix(i.as_str(), i.radix())
                .ok()
                .and_then(|n| u64::try_from(n).ok())
                .ok_or_else(|| format!("invalid size {i}; expected a positive number of bytes")),
            _ => {
                self.type_error(
                    ctx,
                    key,
                    value,
                    "a size such as \"16MiB\" or an integer number of bytes",
                );
                return None;
            }
        };
        match parsed {
            Ok(0) => {
                ctx.error(
                    &value.span(),
                    format!("`{}` must be at least 1 byte", self.path(key)),
                );
                None
            }
            Ok(n) => Some(n),
            Err(msg) => {
                ctx.error(&value.span(), format!("`{}`: {msg}", self.path(key)));
                None
            }
        }
    }

    /// An array of non-blank strings; each bad element is reported at its place.
    pub(super) fn strings(&self, ctx: &mut Ctx<'_>, key: &str) -> Option<Vec<Val<String>>> {
        let value = self.raw(key)?;
        let DeValue::Array(items) = value.get_ref() else {
            self.type_error(ctx, key, value, "an array of strings");
            return None;
        };
        let mut out = Vec::with_capacity(items.len());
        for item in items.iter() {
            match item.get_ref() {
                DeValue::String(s) if s.trim().is_empty() => ctx.error(
                    &item.span(),
                    format!("`{}` contains an empty string", self.path(key)),
                ),
                DeValue::String(s) => out.push(Val {
                    v: s.to_string(),
                    span: item.span(),
                }),
                other => ctx.error(
                    &item.span(),
                    format!(
                        "`{}`: expected an array of strings, found {} in it",
                        self.path(key),
                        type_name(other)
                    ),
                ),
            }
        }
        Some(out)
    }

    /// A nested table (`[source.html]` or an inline table) and its header span.
    pub(super) fn table(
        &self,
        ctx: &mut Ctx<'_>,
        key: &str,
    ) -> Option<(Range<usize>, &'t DeTable<'i>)> {
        let value = self.raw(key)?;
        match value.get_ref() {
            DeValue::Table(t) => Some((value.span(), t)),
            _ => {
                self.type_error(ctx, key, value, "a table");
                None
            }
        }
    }
}
