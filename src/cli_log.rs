//! Where log lines go and what they look like: stderr, as text for a person or as JSON
//! for a log collector (`feedmill serve --log-format json`).
//!
//! Text lines read like the rest of the CLI's output: `feedmill: …` for information,
//! `warning: …` and `error: …` for problems, so `serve` says "error: feeds.toml:15:1: …"
//! just as `check` does. feedmill's own lines at those levels are whole sentences — their
//! structured fields are for JSON and not repeated — while debug and trace lines (and
//! other crates' lines) carry their level, target and fields. `serve` puts a UTC timestamp
//! in front of each line unless stderr is the systemd journal, which stamps lines itself.
//! Colour only on a terminal, and never with `NO_COLOR`.
//!
//! JSON lines are one object each: `timestamp`, `level`, `target`, `message` and the
//! event's fields (`event`, `source`, `error`, …) at the top level.

use std::fmt;
use std::io::IsTerminal;

use tracing::{Event, Level, Subscriber};
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::EnvFilter;

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum LogFormat {
    /// Lines for a person: `feedmill: …`, `warning: …`, `error: …`.
    #[default]
    Text,
    /// One JSON object per line, for log collectors.
    Json,
}

/// What a command logs by default.
pub struct LogSetup {
    /// Text or JSON.
    pub format: LogFormat,
    /// The filter when `RUST_LOG` is not set.
    pub default_filter: &'static str,
    /// Whether text lines start with a timestamp (a long-running server's do).
    pub timestamps: bool,
}

/// Installs the global subscriber. `RUST_LOG` overrides the default filter.
pub fn init(setup: &LogSetup) {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(setup.default_filter));
    match setup.format {
        LogFormat::Json => tracing_subscriber::fmt()
            .json()
            .flatten_event(true)
            .with_current_span(false)
            .with_span_list(false)
            .with_ansi(false)
            .with_env_filter(filter)
            .with_writer(std::io::stderr)
            .init(),
        LogFormat::Text => tracing_subscriber::fmt()
            .with_ansi(colour_on_stderr())
            .event_format(Plain {
                timestamps: setup.timestamps && !stderr_is_journal(),
            })
            .with_env_filter(filter)
            .with_writer(std::io::stderr)
            .init(),
    }
}

/// Colour only for a person at a terminal: never into a file, a pipe or a journal, and not
/// when `NO_COLOR` is set to anything non-empty (<https://no-color.org>).
fn colour_on_stderr() -> bool {
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    !no_color && std::io::stderr().is_terminal()
}

/// Whether stderr is the systemd journal: systemd sets `JOURNAL_STREAM` to the device and
/// inode of the stream it connects, which stay the same only while stderr is that stream.
fn stderr_is_journal() -> bool {
    let Some(v) = std::env::var_os("JOURNAL_STREAM") else {
        return false;
    };
    let Some((dev, ino)) = v.to_str().and_then(|v| v.split_once(':')) else {
        return false;
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let Ok(meta) = std::fs::metadata("/dev/stderr") else {
            return false;
        };
        dev.parse() == Ok(meta.dev()) && ino.parse() == Ok(meta.ino())
    }
    #[cfg(not(unix))]
    {
        let _ = (dev, ino);
        false
    }
}

/// The text format.
struct Plain {
    timestamps: bool,
}

/// Writes an event's `message` field only.
struct Message<'a, 'w> {
    out: &'a mut Writer<'w>,
    result: fmt::Result,
}

impl tracing::field::Visit for Message<'_, '_> {
    fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
        if field.name() == "message" {
            self.result = self.out.write_str(value);
        }
    }

    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn fmt::Debug) {
        // A message given as format arguments is recorded as Debug of `fmt::Arguments`,
        // which prints the formatted text as is.
        if field.name() == "message" {
            self.result = write!(self.out, "{value:?}");
        }
    }
}

impl<S, N> FormatEvent<S, N> for Plain
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let meta = event.metadata();
        let ansi = writer.has_ansi_escapes();
        if self.timestamps {
            let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
            write!(writer, "{now} ")?;
        }
        let (label, colour) = match *meta.level() {
            Level::ERROR => ("error: ".to_string(), "\x1b[1;31m"),
            Level::WARN => ("warning: ".to_string(), "\x1b[1;33m"),
            Level::INFO => ("feedmill: ".to_string(), "\x1b[1m"),
            level => (format!("{level} {}: ", meta.target()), "\x1b[2m"),
        };
        if ansi {
            write!(writer, "{colour}{label}\x1b[0m")?;
        } else {
            writer.write_str(&label)?;
        }
        let ours = meta.target() == "feedmill" || meta.target().starts_with("feedmill::");
        if ours && *meta.level() <= Level::INFO {
            let mut visit = Message {
                out: &mut writer,
                result: Ok(()),
            };
            event.record(&mut visit);
            visit.result?;
        } else {
            ctx.format_fields(writer.by_ref(), event)?;
        }
        writeln!(writer)
    }
}
