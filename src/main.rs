//! The `feedmill` command: a thin CLI over the library.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, CommandFactory, Parser, Subcommand};

use feedmill::config::{Config, ConfigError};
use feedmill::pipeline::{self, BuildOptions, BuildReport, SourceStatus};

/// Exit code for an invalid config: nothing was fetched or written.
const EXIT_CONFIG: u8 = 2;
/// Exit code of a build that found another build running on its store (sysexits'
/// EX_TEMPFAIL: try again later); nothing was done.
const EXIT_LOCKED: u8 = 75;

mod cli_log;
mod cli_onboard;

#[derive(Parser)]
#[command(
    name = "feedmill",
    version,
    about = "Aggregate RSS, Atom and JSON feeds into per-tag, per-category and merged feeds",
    long_about = "feedmill reads the sources listed in feeds.toml, normalizes every article into one \
model, and writes one RSS 2.0 and one Atom 1.0 feed per tag, per category and for the merged \
\"other news\" feed, plus feeds.opml and index.html."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Fetch every source, normalize, and write the feeds.
    ///
    /// Exits 0 when the feeds were written, even if some sources failed (each failure is
    /// printed and listed in the report; a failed source keeps its last good articles);
    /// 1 with --strict when any source failed, or when the output cannot be written (a
    /// feed that cannot be written is named and the other feeds, the OPML and the index
    /// are still written); 2 when feeds.toml or --out is invalid (nothing is written);
    /// 75 when another build is running on the same store (nothing is done).
    Build(BuildArgs),
    /// Validate feeds.toml without fetching anything; print every problem with its
    /// file, line and column. Exits 0 when valid, 2 when not.
    Check(ConfigArg),
    /// Show what the feeds hold and the store keeps: articles (each once, as the feeds
    /// show them, and as stored per source), every source with its health, and the tags
    /// and categories with the names and article counts of their feeds.
    Stats(StatsArgs),
    /// Show what the reader makes of one feed (a file path or an http(s) URL): format,
    /// encoding, feed fields, every article and every warning. With --source NAME, inspect a
    /// source of feeds.toml; for an HTML source, how each selector matched.
    Inspect(InspectArgs),
    /// Serve the feeds over HTTP, rebuilding each source on its refresh interval.
    ///
    /// Answers feed readers from memory with ETag/Last-Modified (304s), gzip/brotli and
    /// Cache-Control; reloads feeds.toml when it changes (an invalid edit is reported and the
    /// previous config keeps serving); /healthz, /metrics (Prometheus), and /status and
    /// /status.json (every source's health; behind the FEEDMILL_STATUS_TOKEN environment
    /// variable when it is set). Logs the startup build, config edits and sources that
    /// start failing or recover (--log-format json for log collectors). Stops gracefully
    /// on Ctrl-C or SIGTERM. Exits 2 when feeds.toml is invalid at start.
    Serve(ServeArgs),
    /// Fetch the sources together with other workers sharing one PostgreSQL database
    /// (`[worker] database`): claim due sources with a lease, fetch and store them, and
    /// emit and publish the changed feeds while holding the emit lock.
    ///
    /// Runs until stopped; the database being unreachable is logged and retried with
    /// backoff. Exits 2 when feeds.toml is invalid, 3 when its config version differs from
    /// the one the database's workers run (see --adopt-config) or another worker adopted a
    /// new one, 1 when the store cannot be opened.
    Worker(WorkerArgs),
    /// Add a source for a site's address to feeds.toml.
    ///
    /// The address may be a feed; a page that advertises feeds (the best one is taken, the
    /// others are listed); a site whose feed is linked from its pages or sits at a well-known
    /// path (/feed, /rss.xml, …); or a news site with no feed, for which an HTML source is
    /// inferred from the listing's repeated article blocks and a few sampled article pages.
    /// Prints what the source would yield (as `inspect --source`), then appends the
    /// [[source]] block at the end of feeds.toml, every byte before it kept. A name or URL
    /// already in the file is refused with its line. Exits 1 when no source was found.
    Add(cli_onboard::AddArgs),
    /// Write a starter feeds.toml (every section explained, example sources) into DIR;
    /// an existing file is never overwritten.
    Init(cli_onboard::InitArgs),
    /// Print the shell completion script for SHELL (bash, zsh, fish, elvish, powershell).
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff), or write one page per command with --out DIR.
    Man(cli_onboard::ManArgs),
    /// Exit 0 when a running `feedmill serve` answers its health check (for container
    /// HEALTHCHECKs and monitors without curl); 1 otherwise.
    Healthz(cli_onboard::HealthzArgs),
}

#[derive(Args)]
struct ServeArgs {
    #[command(flatten)]
    config: ConfigArg,
    /// Address and port to listen on.
    #[arg(long, short, default_value = "127.0.0.1:8080")]
    listen: std::net::SocketAddr,
    /// Log lines as text for a person (timestamped unless stderr is the systemd journal)
    /// or as one JSON object per line for a log collector.
    #[arg(long, value_enum, default_value_t = cli_log::LogFormat::Text)]
    log_format: cli_log::LogFormat,
    /// Serve the output folder another process builds (a `feedmill build` on a timer, on
    /// this machine or a shared disk), reloading it when it changes; fetch nothing and
    /// never open the store, so several servers can share one folder behind a load balancer.
    #[arg(long)]
    no_build: bool,
}

#[derive(Args)]
struct ConfigArg {
    /// The config file.
    #[arg(long, short, default_value = "feeds.toml")]
    config: PathBuf,
}

#[derive(Args)]
struct WorkerArgs {
    #[command(flatten)]
    config: ConfigArg,
    /// Make this config the one every worker on the database runs (its sources replace
    /// the database's); the workers on the old version stop at their next claim.
    #[arg(long)]
    adopt_config: bool,
    /// Never emit or publish: fetch and store only.
    #[arg(long)]
    no_emit: bool,
    /// This worker's name in the database (default host:pid).
    #[arg(long, value_name = "NAME")]
    id: Option<String>,
}

#[derive(Args)]
struct BuildArgs {
    #[command(flatten)]
    config: ConfigArg,
    /// Output folder (default: site.output_dir from feeds.toml).
    #[arg(long, short)]
    out: Option<PathBuf>,
    /// Also write the build report (per-source status, health, counts) as JSON here.
    #[arg(long, value_name = "FILE.json")]
    report: Option<PathBuf>,
    /// Exit 1 if any source failed (the feeds are still written).
    #[arg(long)]
    strict: bool,
    /// Print only problems.
    #[arg(long, short)]
    quiet: bool,
}

#[derive(Args)]
struct StatsArgs {
    #[command(flatten)]
    config: ConfigArg,
    /// How many tags to list (the ones with most articles first); 0 lists all.
    #[arg(long, default_value_t = 20)]
    tags: usize,
    /// Print one JSON object instead of text.
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
#[command(group(clap::ArgGroup::new("what").required(true).args(["target", "source"])))]
struct InspectArgs {
    /// A feed file or an http(s) URL.
    target: Option<String>,
    /// Inspect this [[source]] of the config instead: for an HTML source, how many elements
    /// each selector matched on the listing and up to 3 article pages, and the fields they gave.
    #[arg(long, value_name = "NAME")]
    source: Option<String>,
    /// The config file (with --source).
    #[arg(long, short, default_value = "feeds.toml")]
    config: PathBuf,
    /// Print one JSON object instead of text.
    #[arg(long)]
    json: bool,
    /// Time zone for dates without an offset.
    #[arg(long, default_value = "UTC")]
    timezone: String,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    cli_log::init(&match &cli.command {
        // A server's log says what the operator acts on (startup summary, config edits,
        // sources failing and recovering: info and up), each line stamped with its time.
        Command::Worker(_) => cli_log::LogSetup {
            format: cli_log::LogFormat::Text,
            default_filter: "warn,feedmill=info",
            timestamps: true,
        },
        Command::Serve(args) => cli_log::LogSetup {
            format: args.log_format,
            default_filter: "warn,feedmill=info",
            timestamps: true,
        },
        // The other commands print their own results; the log is for problems.
        _ => cli_log::LogSetup {
            format: cli_log::LogFormat::Text,
            default_filter: "warn",
            timestamps: false,
        },
    });
    match cli.command {
        Command::Build(args) => build(args),
        Command::Check(args) => check(&args.config),
        Command::Stats(args) => stats(args),
        Command::Inspect(args) => inspect(args),
        Command::Serve(args) => serve(args),
        Command::Worker(args) => worker(args),
        Command::Add(args) => cli_onboard::add(args, runtime),
        Command::Init(args) => cli_onboard::init(args),
        Command::Completions { shell } => cli_onboard::completions(shell, Cli::command()),
        Command::Man(args) => cli_onboard::man(args, Cli::command()),
        Command::Healthz(args) => cli_onboard::healthz(args, runtime),
    }
}

fn load_config(path: &Path) -> Result<Config, ExitCode> {
    Config::load(path).map_err(|errors| {
        print_config_errors(&errors);
        ExitCode::from(EXIT_CONFIG)
    })
}

fn print_config_errors(errors: &[ConfigError]) {
    for e in errors {
        eprintln!("error: {e}");
    }
    let n = errors.len();
    eprintln!(
        "feedmill: {n} problem{} in the config; nothing was done",
        if n == 1 { "" } else { "s" }
    );
}

fn check(path: &Path) -> ExitCode {
    let loaded = Config::check(path).map_err(|errors| {
        print_config_errors(&errors);
        ExitCode::from(EXIT_CONFIG)
    });
    match loaded {
        Ok(cfg) => {
            println!(
                "{}: ok ({} sources, {} categories)",
                path.display(),
                cfg.sources.len(),
                cfg.categories.len()
            );
            ExitCode::SUCCESS
        }
        Err(code) => code,
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| {
            eprintln!("feedmill: cannot start the async runtime: {e}");
            std::process::exit(1)
        })
}

fn build(args: BuildArgs) -> ExitCode {
    let cfg = match load_config(&args.config.config) {
        Ok(c) => c,
        Err(code) => return code,
    };
    if let Some(out) = &args.out {
        let out = std::path::absolute(out).unwrap_or_else(|_| out.clone());
        let why = feedmill::config::paths::output_dir_problem(&cfg.base_dir, &out)
            .or_else(|| feedmill::config::paths::store_problem(&out, &cfg.site.store));
        if let Some(why) = why {
            eprintln!("error: --out {}: {why}", out.display());
            eprintln!("feedmill: invalid --out; nothing was done");
            return ExitCode::from(EXIT_CONFIG);
        }
    }
    let opts = BuildOptions {
        out_dir: args.out,
        progress: std::io::stderr().is_terminal() && !args.quiet,
        ..BuildOptions::default()
    };
    let rt = runtime();
    let report = match rt.block_on(pipeline::build(&cfg, &opts)) {
        Ok(r) => r,
        Err(e @ pipeline::BuildError::Lock(feedmill::store::LockError::Held { .. })) => {
            eprintln!("feedmill: {e}");
            return ExitCode::from(EXIT_LOCKED);
        }
        Err(e) => {
            eprintln!("feedmill: {e}");
            return ExitCode::FAILURE;
        }
    };
    print_summary(&report, args.quiet);
    if let Some(path) = &args.report {
        let json = serde_json::to_vec_pretty(&report).expect("the report is plain data");
        if let Err(e) = std::fs::write(path, json) {
            eprintln!(
                "feedmill: cannot write the report to {}: {e}",
                path.display()
            );
            return ExitCode::FAILURE;
        }
    }
    // After emit, from the folder it wrote: the bucket gets the same files in an order no
    // reader can see half of (see feedmill::publish).
    match rt.block_on(feedmill::publish::publish(&cfg, &report.out_dir)) {
        Ok(None) => {}
        Ok(Some(p)) => print_published(&p, args.quiet),
        Err(e) => {
            eprintln!("feedmill: {e}");
            eprintln!(
                "feedmill: the bucket was not updated completely; the local output in {} is complete",
                report.out_dir.display()
            );
            return ExitCode::FAILURE;
        }
    }
    if !report.output_errors.is_empty() {
        eprintln!(
            "feedmill: {} part{} of the output could not be written; the rest was",
            report.output_errors.len(),
            if report.output_errors.len() == 1 {
                ""
            } else {
                "s"
            }
        );
        return ExitCode::FAILURE;
    }
    if args.strict && report.problems().next().is_some() {
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}

/// One line for a publish (its warnings always).
fn print_published(p: &feedmill::publish::PublishReport, quiet: bool) {
    for w in &p.warnings {
        eprintln!("warning: publish to {}: {w}", p.target);
    }
    if !quiet {
        println!(
            "published to {}: {} uploaded, {} unchanged, {} deleted",
            p.target,
            p.uploaded.len(),
            p.unchanged,
            p.deleted.len()
        );
    }
}

fn print_summary(report: &BuildReport, quiet: bool) {
    for s in &report.sources {
        let kept = if s.from_last_good && s.articles > 0 {
            format!(" (kept {} articles from the last good fetch)", s.articles)
        } else {
            String::new()
        };
        match s.status {
            SourceStatus::Failed => {
                eprintln!(
                    "error: source {} ({}): {}{kept}",
                    s.name,
                    s.url,
                    s.error.as_deref().unwrap_or("failed")
                )
            }
            SourceStatus::Degraded => {
                eprintln!(
                    "warning: source {} ({}): {}{kept}",
                    s.name,
                    s.url,
                    s.error.as_deref().unwrap_or("degraded")
                )
            }
            SourceStatus::Ok | SourceStatus::NotModified => {}
        }
        if let Some(to) = &s.fetch.permanent_redirect {
            eprintln!(
                "warning: source {} moved permanently to {to}; update its url in feeds.toml",
                s.name
            );
        }
        if !quiet {
            for w in &s.warnings {
                eprintln!("warning: {w}");
            }
        }
    }
    // Never quiet: the output is incomplete.
    for e in &report.output_errors {
        eprintln!("error: {e}");
    }
    for w in &report.output_warnings {
        eprintln!("warning: {w}");
    }
    if quiet {
        return;
    }
    for s in &report.sources {
        let status = match s.status {
            SourceStatus::Ok => "ok",
            SourceStatus::NotModified => "not modified",
            SourceStatus::Degraded => "DEGRADED",
            SourceStatus::Failed => "FAILED",
        };
        eprintln!(
            "  {status:<12} {:<24} {:>4} articles  {:>8} bytes  {:>6} ms",
            s.name,
            s.articles,
            s.fetch.bytes,
            s.fetch.duration.as_millis()
        );
    }
    let failed = report.failures().count();
    eprintln!(
        "feedmill: {} articles from {} sources ({} failed) → {} feeds in {} ({} files written, {} unchanged)",
        report.articles,
        report.sources.len(),
        failed,
        report.feeds,
        report.out_dir.display(),
        report.files_written,
        report.files_unchanged
    );
}

fn stats(args: StatsArgs) -> ExitCode {
    let cfg = match load_config(&args.config.config) {
        Ok(c) => c,
        Err(code) => return code,
    };
    if cfg.store.url.is_none() && !cfg.site.store.exists() {
        eprintln!(
            "feedmill: no store at {} yet; run `feedmill build` first",
            cfg.site.store.display()
        );
        return ExitCode::FAILURE;
    }
    let stats = match feedmill::store::open_config(&cfg)
        .map_err(pipeline::BuildError::from)
        .and_then(|s| pipeline::stats(&cfg, s.as_ref()))
    {
        Ok(s) => s,
        Err(e) => {
            eprintln!("feedmill: {e}");
            return ExitCode::FAILURE;
        }
    };
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&stats).expect("plain data")
        );
        return ExitCode::SUCCESS;
    }
    print_stats(&cfg, &stats, args.tags);
    ExitCode::SUCCESS
}

fn print_stats(cfg: &Config, stats: &pipeline::FeedStats, tags: usize) {
    println!(
        "store {} (schema v{}): {} articles in the feeds ({} stored: an article from several \
         sources is stored once per source){}",
        cfg.store
            .url
            .as_ref()
            .map_or_else(|| cfg.site.store.display().to_string(), |u| u.redacted()),
        stats.schema_version,
        stats.articles,
        stats.stored_articles,
        stats
            .oldest_first_seen
            .map(|t| format!(", first seen since {}", t.to_rfc3339()))
            .unwrap_or_default()
    );
    let retention = chrono::Duration::days(i64::from(cfg.store.retention_days));
    println!("sources ({}):", stats.sources.len());
    for s in &stats.sources {
        let health = match (
            &s.removed_at,
            &s.state.last_error,
            s.state.consecutive_failures,
        ) {
            (Some(at), ..) => format!(
                "REMOVED from the config {}: out of the feeds, deleted after {}",
                at.to_rfc3339(),
                (*at + retention).to_rfc3339()
            ),
            (None, Some(e), n) if n > 0 => format!("FAILING x{n}: {e}"),
            (None, Some(e), _) => format!("degraded: {e}"),
            (None, None, _) => "ok".to_string(),
        };
        println!(
            "  {:<24} {:>6} articles in the feeds ({} stored, {} in its feed now)  last success {}  status {}  {} bytes  {} ms  {health}",
            s.name,
            s.articles,
            s.stored,
            s.in_source,
            s.state
                .last_success
                .map(|t| t.to_rfc3339())
                .unwrap_or_else(|| "never".into()),
            s.state
                .last_status
                .map(|c| c.to_string())
                .unwrap_or_else(|| "-".into()),
            s.state.bytes,
            s.state.duration_ms
        );
    }
    println!("categories ({}):", stats.categories.len());
    for c in &stats.categories {
        println!("  {:<40} {:>6}  category/{}/", c.name, c.articles, c.slug);
    }
    let shown = if tags == 0 {
        stats.tags.len()
    } else {
        tags.min(stats.tags.len())
    };
    println!("tags ({}, top {shown}):", stats.tags.len());
    for t in stats.tags.iter().take(shown) {
        println!("  {:<40} {:>6}  tag/{}/", t.name, t.articles, t.slug);
    }
}

fn serve(args: ServeArgs) -> ExitCode {
    let options = feedmill::serve::ServeOptions {
        no_build: args.no_build,
        ..feedmill::serve::ServeOptions::from_env()
    };
    let run = feedmill::serve::run(&args.config.config, args.listen, options);
    let json = args.log_format == cli_log::LogFormat::Json;
    match runtime().block_on(run) {
        Ok(()) => ExitCode::SUCCESS,
        // With --log-format json every line on stderr is JSON, these too.
        Err(feedmill::serve::ServeError::Config(errors)) if json => {
            for e in &errors {
                tracing::error!(event = "config_error", "{e}");
            }
            tracing::error!(
                event = "config_refused",
                problems = errors.len(),
                "{} problem(s) in the config; nothing was done",
                errors.len()
            );
            ExitCode::from(EXIT_CONFIG)
        }
        Err(feedmill::serve::ServeError::Config(errors)) => {
            print_config_errors(&errors);
            ExitCode::from(EXIT_CONFIG)
        }
        Err(e) if json => {
            tracing::error!(event = "serve_failed", "{e}");
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("feedmill: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Exit code of a worker whose config version is not the database's.
const EXIT_CONFIG_VERSION: u8 = 3;

fn worker(args: WorkerArgs) -> ExitCode {
    let cfg = match load_config(&args.config.config) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let opts = feedmill::worker::WorkerOptions {
        id: args.id,
        adopt_config: args.adopt_config,
        no_emit: args.no_emit,
    };
    match runtime().block_on(feedmill::worker::run(&cfg, &opts)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(
            e @ (feedmill::worker::WorkerError::ConfigMismatch { .. }
            | feedmill::worker::WorkerError::ConfigReplaced { .. }),
        ) => {
            eprintln!("feedmill: {e}");
            ExitCode::from(EXIT_CONFIG_VERSION)
        }
        Err(e @ feedmill::worker::WorkerError::NoDatabase(_)) => {
            eprintln!("error: {e}");
            ExitCode::from(EXIT_CONFIG)
        }
        Err(e) => {
            eprintln!("feedmill: {e}");
            ExitCode::FAILURE
        }
    }
}

fn inspect(args: InspectArgs) -> ExitCode {
    let tz: chrono_tz::Tz = match args.timezone.parse() {
        Ok(tz) => tz,
        Err(_) => {
            eprintln!(
                "feedmill: unknown time zone {:?}; use an IANA name such as Asia/Ho_Chi_Minh",
                args.timezone
            );
            return ExitCode::from(EXIT_CONFIG);
        }
    };
    if let Some(name) = &args.source {
        let cfg = match load_config(&args.config) {
            Ok(c) => c,
            Err(code) => return code,
        };
        return match runtime().block_on(feedmill::inspect::inspect_source(&cfg, name)) {
            Ok(report) if args.json => {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&report).expect("plain data")
                );
                ExitCode::SUCCESS
            }
            Ok(report) => {
                print!("{}", report.to_text());
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("feedmill: {e}");
                ExitCode::FAILURE
            }
        };
    }
    let target = args.target.unwrap_or_default();
    match runtime().block_on(feedmill::inspect::inspect(&target, tz)) {
        Ok(report) => {
            if args.json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&report).expect("plain data")
                );
            } else {
                print!("{}", report.to_text());
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("feedmill: {e}");
            ExitCode::FAILURE
        }
    }
}
