//! The onboarding commands of the `feedmill` binary: `add`, `init`, `completions`, `man`.
//! Parsing and printing only; the work is in `feedmill::discover` and `feedmill::onboard`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;
use url::Url;

use feedmill::config::{Config, SourceKind};
use feedmill::discover;
use feedmill::inspect::SourceInspection;
use feedmill::onboard::{self, EditError, NewSource};

/// Exit code for an invalid config or arguments.
const EXIT_CONFIG: u8 = 2;

/// `feedmill add`.
#[derive(Args)]
pub struct AddArgs {
    /// The site's address: a feed, a home page, or a section's listing page (http or https).
    pub url: String,
    /// The source's name (default: a slug of the site's host or title, unique in the file).
    #[arg(long)]
    pub name: Option<String>,
    /// Category given to every article of the source.
    #[arg(long, value_name = "NAME")]
    pub category: Option<String>,
    /// Show what would be added; leave feeds.toml as it is.
    #[arg(long)]
    pub dry_run: bool,
    /// The config file to append to.
    #[arg(long, short, default_value = "feeds.toml")]
    pub config: PathBuf,
}

/// `feedmill init`.
#[derive(Args)]
pub struct InitArgs {
    /// The folder to write feeds.toml in (created if missing).
    #[arg(default_value = ".")]
    pub dir: PathBuf,
}

/// `feedmill man`.
#[derive(Args)]
pub struct ManArgs {
    /// Write feedmill.1 and one page per command (feedmill-build.1, …) into this folder
    /// instead of printing feedmill.1.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

/// `feedmill healthz`.
#[derive(Args)]
pub struct HealthzArgs {
    /// The health check's URL.
    #[arg(default_value = "http://127.0.0.1:8080/healthz")]
    pub url: String,
    /// Give up after this long (e.g. "5s").
    #[arg(long, default_value = "5s", value_parser = parse_seconds)]
    pub timeout: std::time::Duration,
}

fn parse_seconds(s: &str) -> Result<std::time::Duration, String> {
    let n = s.strip_suffix('s').unwrap_or(s);
    n.parse::<f64>()
        .ok()
        .filter(|n| n.is_finite() && *n > 0.0)
        .map(std::time::Duration::from_secs_f64)
        .ok_or_else(|| format!("{s:?}: expected seconds, such as \"5s\""))
}

fn parse_address(s: &str) -> Result<Url, String> {
    let s = s.trim();
    let url = match Url::parse(s) {
        Ok(u) => u,
        Err(url::ParseError::RelativeUrlWithoutBase) => Url::parse(&format!("https://{s}"))
            .map_err(|e| format!("{s:?} is not a web address: {e}"))?,
        Err(e) => return Err(format!("{s:?} is not a web address: {e}")),
    };
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(format!("{s:?}: `feedmill add` takes an http(s) address"));
    }
    Ok(url)
}

/// A stand-in for a missing feeds.toml under `--dry-run`, so the block can be shown.
const SCRATCH: &str = "[site]\ntitle = \"feedmill\"\nbase_url = \"http://localhost/\"\n";

/// `feedmill add URL`.
pub fn add(args: AddArgs, runtime: impl FnOnce() -> tokio::runtime::Runtime) -> ExitCode {
    let path = &args.config;
    let url = match parse_address(&args.url) {
        Ok(u) => u,
        Err(e) => {
            eprintln!("feedmill: {e}");
            return ExitCode::from(EXIT_CONFIG);
        }
    };
    let (cfg, text) = if path.exists() {
        let cfg = match Config::load(path) {
            Ok(c) => c,
            Err(errors) => {
                crate::print_config_errors(&errors);
                return ExitCode::from(EXIT_CONFIG);
            }
        };
        match std::fs::read_to_string(path) {
            Ok(t) => (cfg, Some(t)),
            Err(e) => {
                eprintln!("feedmill: cannot read {}: {e}", path.display());
                return ExitCode::FAILURE;
            }
        }
    } else if args.dry_run {
        let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
        (Config::minimal(&cwd), None)
    } else {
        eprintln!(
            "feedmill: there is no {}; create one with `feedmill init` (or name another with --config)",
            path.display()
        );
        return ExitCode::FAILURE;
    };
    let existing = match text.as_deref().map(onboard::existing_sources).transpose() {
        Ok(e) => e.unwrap_or_default(),
        Err(e) => {
            eprintln!("feedmill: {}: {e}", path.display());
            return ExitCode::from(EXIT_CONFIG);
        }
    };
    // Refuse before fetching anything when the address or the name is there already.
    if let Some(e) = onboard::taken(&existing, args.name.as_deref(), url.as_str()) {
        return refused(path, &e);
    }

    let rt = runtime();
    eprintln!("feedmill: looking for a source at {url} …");
    let found = match rt.block_on(discover::discover(&cfg, &url)) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("feedmill: {url}: {e}");
            return ExitCode::FAILURE;
        }
    };
    let taken: Vec<String> = existing
        .iter()
        .filter_map(|e| e.name.as_ref().map(|n| n.value.clone()))
        .collect();
    let name = args
        .name
        .clone()
        .unwrap_or_else(|| found.default_name(&taken));
    let kind = match found.kind {
        SourceKind::Feed => "feed",
        SourceKind::Html => "html",
    };
    eprintln!("found: {}", found.how);
    for n in &found.notes {
        eprintln!("  note: {n}");
    }
    let source = found.source(&name, args.category.as_deref());
    let preview = match rt.block_on(found.preview(&cfg, &source)) {
        Ok(p) => p,
        Err(e) => {
            eprintln!(
                "feedmill: the {kind} source {name} ({}) cannot be read: {e}",
                found.url
            );
            return ExitCode::FAILURE;
        }
    };
    println!("{}", preview.to_text().trim_end());
    if let SourceInspection::Html(i) = &preview {
        if let Some(why) = &i.degraded {
            eprintln!("feedmill: the inferred source would be degraded ({why}); nothing was added");
            return ExitCode::FAILURE;
        }
    }
    let new = NewSource {
        name: name.clone(),
        url: found.url.to_string(),
        kind: found.kind,
        category: args.category.clone(),
        html: found.html.clone(),
        comment: format!("Added by `feedmill add {url}`: {}.", found.how),
    };
    eprintln!("feedmill: {} requests sent to the site", found.requests());
    let result = if args.dry_run {
        let text = text.unwrap_or_else(|| SCRATCH.to_string());
        onboard::appended(&text, path, &new)
    } else {
        onboard::append_to_file(path, &new)
    };
    let done = match result {
        Ok(done) => done,
        Err(EditError::Invalid(errors)) => {
            crate::print_config_errors(&errors);
            return ExitCode::from(EXIT_CONFIG);
        }
        Err(e @ EditError::Taken { .. }) => return refused(path, &e),
        Err(e) => {
            eprintln!("feedmill: {}: {e}", path.display());
            return ExitCode::FAILURE;
        }
    };
    if args.dry_run {
        eprintln!(
            "feedmill: --dry-run: {} not changed; this is the block `add` would append:",
            path.display()
        );
    } else {
        eprintln!(
            "feedmill: added the {kind} source {name:?} to {} (line {}); `feedmill build` reads it",
            path.display(),
            done.line
        );
    }
    print!("{}", done.block);
    ExitCode::SUCCESS
}

/// Reports a name or URL already in the file as `file:line: …`.
fn refused(path: &Path, e: &EditError) -> ExitCode {
    let (line, column) = match e {
        EditError::Taken { line, column, .. } => (*line, *column),
        _ => (0, 0),
    };
    eprintln!("feedmill: {}:{line}:{column}: {e}", path.display());
    ExitCode::FAILURE
}

/// `feedmill init [DIR]`.
pub fn init(args: InitArgs) -> ExitCode {
    match onboard::init(&args.dir) {
        Ok(path) => {
            eprintln!(
                "feedmill: wrote {}; add sources with `feedmill add URL`, then `feedmill check` and `feedmill build`",
                path.display()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("feedmill: {e}");
            ExitCode::FAILURE
        }
    }
}

/// `feedmill completions SHELL`: the completion script on stdout.
pub fn completions(shell: clap_complete::Shell, mut cmd: clap::Command) -> ExitCode {
    clap_complete::generate(shell, &mut cmd, "feedmill", &mut std::io::stdout());
    ExitCode::SUCCESS
}

/// `feedmill man [--out DIR]`.
pub fn man(args: ManArgs, cmd: clap::Command) -> ExitCode {
    let result = match &args.out {
        Some(dir) => std::fs::create_dir_all(dir).and_then(|()| clap_mangen::generate_to(cmd, dir)),
        None => clap_mangen::Man::new(cmd).render(&mut std::io::stdout()),
    };
    match result {
        Ok(()) => {
            if let Some(dir) = &args.out {
                eprintln!("feedmill: wrote the man pages to {}", dir.display());
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("feedmill: cannot write the man page: {e}");
            ExitCode::FAILURE
        }
    }
}

/// `feedmill healthz [URL]`: 0 when the server answers 2xx within the timeout.
pub fn healthz(args: HealthzArgs, runtime: impl FnOnce() -> tokio::runtime::Runtime) -> ExitCode {
    let ask = async {
        let client = reqwest::Client::builder()
            .timeout(args.timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| e.to_string())?;
        let resp = client
            .get(&args.url)
            .send()
            .await
            .map_err(|e| e.to_string())?;
        let status = resp.status();
        if status.is_success() {
            Ok(())
        } else {
            Err(format!("HTTP {status}"))
        }
    };
    match runtime().block_on(ask) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("feedmill: {}: unhealthy: {e}", args.url);
            ExitCode::FAILURE
        }
    }
}
