//! `hotline-server blacklist add|remove|list`: blocks on caller numbers. A running server picks
//! changes up within ten seconds.

use std::io::Write;

use clap::{Subcommand, ValueEnum};

use crate::calls::blacklist::parse_duration;
use crate::config::Config;
use crate::store::{BlockRow, Store};

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Mode {
    /// A warning prompt, then normal service.
    Warn,
    /// A refusal prompt, then goodbye.
    Refuse,
}

#[derive(Debug, Subcommand)]
pub enum BlacklistCommand {
    /// Block a number (replaces an existing block on it).
    Add {
        number: String,
        #[arg(long)]
        reason: String,
        /// 5m, 30m, 2h, 7d … or permanent.
        #[arg(long = "for", default_value = "30m")]
        duration: String,
        #[arg(long, value_enum, default_value = "warn")]
        mode: Mode,
    },
    /// Lift the block on a number.
    Remove { number: String },
    /// Blocks in force now.
    List,
}

/// Runs one command against the configured database; `now_ms` is the wall clock.
pub fn run_blacklist_command(
    cmd: &BlacklistCommand,
    config: &Config,
    out: &mut impl Write,
    now_ms: i64,
) -> anyhow::Result<()> {
    let store = Store::open(&config.server.data_dir.join("hotline.db"))?;
    match cmd {
        BlacklistCommand::Add {
            number,
            reason,
            duration,
            mode,
        } => {
            let until = parse_duration(duration).map_err(anyhow::Error::msg)?;
            let national = crate::sip::number::normalise(number).national;
            let until_ms =
                until.map(|d| now_ms + i64::try_from(d.as_millis()).unwrap_or(i64::MAX / 2));
            let mode = match mode {
                Mode::Warn => "warn",
                Mode::Refuse => "refuse",
            };
            store.put_block(&BlockRow {
                number: national.clone(),
                reason: reason.clone(),
                mode: mode.into(),
                until_ms,
                created_at_ms: now_ms,
                created_by: "cli".into(),
            })?;
            writeln!(
                out,
                "blocked {national} ({mode}) {}",
                until_ms.map_or("permanently".to_owned(), |u| format!(
                    "until {}",
                    jiff::Timestamp::from_millisecond(u)
                        .map(|t| t.to_string())
                        .unwrap_or_default()
                ))
            )?;
        }
        BlacklistCommand::Remove { number } => {
            let national = crate::sip::number::normalise(number).national;
            if !store.remove_block(&national)? {
                anyhow::bail!("{national} is not blocked");
            }
            writeln!(out, "unblocked {national}")?;
        }
        BlacklistCommand::List => {
            for b in store.active_blocks(now_ms)? {
                let until = b.until_ms.map_or("permanent".to_owned(), |u| {
                    jiff::Timestamp::from_millisecond(u)
                        .map(|t| t.to_string())
                        .unwrap_or_default()
                });
                writeln!(out, "{}\t{}\t{}\t{}", b.number, b.mode, until, b.reason)?;
            }
        }
    }
    Ok(())
}
