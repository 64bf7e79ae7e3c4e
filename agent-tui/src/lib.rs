//! The agent workstation as a library, so whole-system tests can run a headless agent in-process.

pub mod headless;

use std::path::PathBuf;

use clap::Parser;

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
    #[arg(long, default_value = "ws://127.0.0.1:8080/ws")]
    pub server: String,
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
}
