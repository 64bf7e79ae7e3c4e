//! The supervisor workstation as a library, so its screens can be tested without a terminal.
//!
//! Data flow (house rule 5): terminal keys → [`keys`] → [`app::Action`] → [`app::update`]
//! (pure) → [`app::State`] → [`view::render`]. The session task ([`session`]), REST calls
//! ([`rest`]) and the clock report back as actions over a bounded channel; [`runtime`] runs
//! the effects `update` asks for and never blocks the loop.

#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod app;
pub mod config;
pub mod keys;
pub mod rest;
pub mod runtime;
pub mod session;
pub mod view;

use std::path::PathBuf;

use clap::Parser;

/// The `--server` default and the `--audio` choices.
pub use hotline_tui::cli::{AudioChoice, DEFAULT_SERVER};

#[derive(Debug, Clone, Parser)]
#[command(
    name = "supervisor-tui",
    version,
    about = "Hotline supervisor workstation (班长工作台)"
)]
pub struct Args {
    /// The server: ws://host:port/ws (http://host:port is accepted too).
    #[arg(long, default_value = DEFAULT_SERVER)]
    pub server: String,
    /// CA certificates (PEM, one or more) to trust for a wss:// server besides the public
    /// roots, e.g. the hotline's own CA; default $HOTLINE_CA.
    #[arg(long, value_name = "FILE")]
    pub ca: Option<PathBuf>,
    #[arg(long)]
    pub user: Option<String>,
    #[arg(long)]
    pub password: Option<String>,
    /// Interface language: zh or en (default from LANG / LC_ALL).
    #[arg(long)]
    pub lang: Option<String>,
    /// Audio for listening, whispering and barging in (directors never get audio).
    #[arg(long, value_enum, default_value_t = AudioChoice::Cpal)]
    pub audio: AudioChoice,
    /// 8 kHz mono WAV used as the supervisor's voice with `--audio file`.
    #[arg(long)]
    pub play: Option<PathBuf>,
    /// Where to write what the supervisor heard (WAV) with `--audio file`.
    #[arg(long)]
    pub record: Option<PathBuf>,
    /// Colour theme: default or light.
    #[arg(long, default_value = "default")]
    pub theme: String,
    /// Service-level target in percent (alarm when a queue falls under it).
    #[arg(long)]
    pub sl_target: Option<f64>,
    /// Service-level threshold in seconds (for the call report).
    #[arg(long)]
    pub sl_threshold: Option<u32>,
    /// Alarm when a call lasts longer than this many minutes.
    #[arg(long)]
    pub long_call_mins: Option<u64>,
    /// Alarm when more than this many callers wait in one queue.
    #[arg(long)]
    pub long_queue: Option<u32>,
    /// Alarm when an agent is not ready for longer than this many minutes.
    #[arg(long)]
    pub long_not_ready_mins: Option<u64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ca_flag() {
        let a = Args::parse_from(["supervisor-tui", "--ca", "/etc/hotline/ca.pem"]);
        assert_eq!(a.ca, Some(PathBuf::from("/etc/hotline/ca.pem")));
        assert_eq!(Args::parse_from(["supervisor-tui"]).ca, None);
        assert!(Args::try_parse_from(["supervisor-tui", "--ca"]).is_err());
    }

    #[tokio::test]
    async fn an_unreadable_ca_file_stops_the_workstation_before_its_screen() {
        let missing = std::env::temp_dir().join("hotline-supervisor-no-such-ca.pem");
        let args = Args::parse_from([
            "supervisor-tui",
            "--server",
            "wss://localhost:1/ws",
            "--ca",
            &missing.display().to_string(),
        ]);
        let e = runtime::run(&args).await.unwrap_err();
        let text = format!("{e:#}");
        assert!(text.starts_with("CA file "), "{text}");
        assert!(text.contains("No such file"), "{text}");
    }
}
