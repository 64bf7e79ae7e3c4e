//! `hotline-server digest --date D [--format text|json]`: the daily key-issues digest (每日要情)
//! for leaders, printed to standard output.

use std::io::Write;

use clap::{Args, ValueEnum};

use crate::config::Config;
use crate::store::Store;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DigestFormat {
    Text,
    Json,
}

#[derive(Debug, Args)]
pub struct DigestArgs {
    /// The local day, YYYY-MM-DD (default: today in the server's time zone).
    #[arg(long)]
    pub date: Option<jiff::civil::Date>,
    #[arg(long, value_enum, default_value = "text")]
    pub format: DigestFormat,
}

/// Writes the digest of `args.date` (else the day of `now`).
pub fn run_digest(
    args: &DigestArgs,
    config: &Config,
    out: &mut impl Write,
    now: jiff::Timestamp,
) -> anyhow::Result<()> {
    let tz = config.server.tz();
    let date = args
        .date
        .unwrap_or_else(|| now.to_zoned_datetime(tz.clone()).date());
    let assets = crate::server::find_assets(&config.server.assets_dir)?;
    let categories = std::fs::read_to_string(assets.join("data/categories.toml"))?;
    let categories = crate::tickets::CategoryTree::parse(&categories)?;
    let store = Store::open(&config.server.data_dir.join("hotline.db"))?;
    let digest = store.digest(date, &tz, &categories)?;
    match args.format {
        DigestFormat::Text => write!(out, "{}", digest.to_text())?,
        DigestFormat::Json => writeln!(out, "{}", serde_json::to_string_pretty(&digest)?)?,
    }
    Ok(())
}
