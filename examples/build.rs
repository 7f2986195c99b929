//! Runs the whole pipeline through the library API on a config file, the same way
//! `feedmill build` does, and prints what was built.
//!
//! `cargo run --example build -- feeds.toml /tmp/feeds-out`

use std::path::PathBuf;

use feedmill::config::Config;
use feedmill::pipeline::{build, BuildOptions};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let config = PathBuf::from(args.next().unwrap_or_else(|| "feeds.toml".into()));
    let out = args.next().map(PathBuf::from);

    let cfg = Config::load(&config).map_err(|errors| {
        errors
            .iter()
            .map(|e| e.to_string())
            .collect::<Vec<_>>()
            .join("\n")
    })?;
    let report = build(
        &cfg,
        &BuildOptions {
            out_dir: out,
            ..BuildOptions::default()
        },
    )
    .await?;

    for s in &report.sources {
        println!("{:<20} {:?} {} articles", s.name, s.status, s.articles);
    }
    println!(
        "{} articles, {} feeds in {} ({} files written)",
        report.articles,
        report.feeds,
        report.out_dir.display(),
        report.files_written
    );
    Ok(())
}
