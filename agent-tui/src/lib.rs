//! The agent workstation as a library, so whole-system tests can run a headless agent
//! in-process and the interactive screens can be tested without a terminal.
//!
//! Interactive data flow (house rule 5): terminal keys → [`keys`] → [`app::Action`] →
//! [`app::update`] (pure) → [`app::State`] → [`view::render`]; effects are run by [`runtime`].

#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod app;
pub mod config;
pub mod headless;
pub mod keys;
pub mod offscreen;
pub mod rest;
pub mod runtime;
pub mod session;
pub mod view;

use std::path::PathBuf;

/// The interface language, so callers of the library need not name `hotline-tui`.
pub use hotline_tui::Lang;

use clap::Parser;

/// The `--server` default and the `--audio` choices.
pub use hotline_tui::cli::{AudioChoice, DEFAULT_SERVER};

#[derive(Debug, Clone, Parser)]
#[command(
    name = "agent-tui",
    version,
    about = "Hotline agent workstation (坐席工作台)"
)]
pub struct Args {
    /// Run without a screen: log in, go ready, answer offered calls, print one line per call.
    #[arg(long)]
    pub headless: bool,
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
    /// 8 kHz mono WAV used as the agent's voice (looped); default silence.
    #[arg(long)]
    pub play: Option<PathBuf>,
    /// Where to write everything the agent heard (WAV).
    #[arg(long)]
    pub record: Option<PathBuf>,
    /// Seconds between the offer and answering it.
    #[arg(long, default_value_t = 1.0)]
    pub answer_after: f64,
    /// Seconds after answering to hang up; 0 waits for the caller to hang up.
    #[arg(long, default_value_t = 0.0)]
    pub hangup_after: f64,
    /// Seconds after answering to put the caller on hold (0: never).
    #[arg(long, default_value_t = 0.0)]
    pub hold_after: f64,
    /// Seconds on hold before resuming.
    #[arg(long, default_value_t = 0.0)]
    pub hold_for: f64,
    /// Stop after this many calls; 0 runs until interrupted.
    #[arg(long, default_value_t = 1)]
    pub calls: u32,
    /// Headless load mode: run N agents in this one process. Session i (1-based) logs in as
    /// the --user name followed by i, with --password in which every `{ n }` (written without
    /// the spaces) is replaced by i: --user load gives load1, load2, …
    /// Each session has its own WebSocket and WebRTC leg, speaks --play (read once) or a
    /// 600 Hz tone and counts what it hears (--record needs N = 1); --calls is per session.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..))]
    pub sessions: u32,
    /// Interface language: zh or en (default from LANG / LC_ALL).
    #[arg(long)]
    pub lang: Option<String>,
    /// Audio of the interactive workstation (the headless agent always uses files).
    #[arg(long, value_enum, default_value_t = AudioChoice::Cpal)]
    pub audio: AudioChoice,
    /// Colour theme: default or light (laid under $XDG_CONFIG_HOME/hotline/theme.toml).
    #[arg(long, default_value = "default")]
    pub theme: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ca_flag_in_both_modes() {
        let a = Args::parse_from(["agent-tui", "--headless", "--ca", "/etc/hotline/ca.pem"]);
        assert!(a.headless);
        assert_eq!(a.ca, Some(PathBuf::from("/etc/hotline/ca.pem")));
        let a = Args::parse_from(["agent-tui", "--ca", "ca.pem", "--server", "wss://h:8443"]);
        assert_eq!(a.ca, Some(PathBuf::from("ca.pem")));
        assert_eq!(Args::parse_from(["agent-tui"]).ca, None);
        assert!(Args::try_parse_from(["agent-tui", "--ca"]).is_err());
    }

    #[tokio::test]
    async fn an_unreadable_ca_file_stops_the_headless_agent_before_it_connects() {
        let missing = std::env::temp_dir().join("hotline-agent-no-such-ca.pem");
        let args = Args::parse_from([
            "agent-tui",
            "--headless",
            "--server",
            "wss://localhost:1/ws",
            "--ca",
            &missing.display().to_string(),
        ]);
        let e = headless::run(&args).await.unwrap_err();
        let text = format!("{e:#}");
        assert!(text.starts_with("CA file "), "{text}");
        assert!(text.contains("hotline-agent-no-such-ca.pem"), "{text}");
    }
}
