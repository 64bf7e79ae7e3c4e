//! Command-line pieces both workstations share.

use clap::ValueEnum;

/// The `--server` default.
pub const DEFAULT_SERVER: &str = "ws://127.0.0.1:8080/ws";

/// Where a workstation's audio comes from and goes to (`--audio`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AudioChoice {
    /// The sound card (headset).
    Cpal,
    /// `--play` as the microphone, everything heard written to `--record`.
    File,
    /// No audio: silence, nothing is played.
    Null,
}
