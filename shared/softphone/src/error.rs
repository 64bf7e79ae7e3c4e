//! The crate's one error type.

use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum SoftphoneError {
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}: {source}", path.display())]
    Wav {
        path: PathBuf,
        #[source]
        source: hotline_media::MediaError,
    },
    /// The audio host (ALSA on Linux) could not be used at all.
    #[error("audio system unavailable: {0}")]
    AudioHost(String),
    /// A named device does not exist, or there is no default one; lists what exists so
    /// the user can pick (an empty list usually means no sound card).
    #[error("{direction} device {wanted} not found; available: {}", list_or_none(.available))]
    NoDevice {
        direction: &'static str,
        wanted: String,
        available: Vec<String>,
    },
    #[error("audio device {device}: {message}")]
    Device { device: String, message: String },
    #[error("WebRTC {context}: {message}")]
    WebRtc {
        context: &'static str,
        message: String,
    },
    #[error("timed out after {0:?} waiting for {1}")]
    Timeout(Duration, &'static str),
    #[error("media leg disconnected: {0}")]
    Disconnected(String),
    #[error("no tokio runtime: the softphone must be used from within one")]
    NoRuntime,
    #[error("audio task failed: {0}")]
    Task(String),
}

impl SoftphoneError {
    pub(crate) fn webrtc(context: &'static str, err: impl std::fmt::Display) -> Self {
        SoftphoneError::WebRtc {
            context,
            message: err.to_string(),
        }
    }
}

fn list_or_none(names: &[String]) -> String {
    if names.is_empty() {
        "none (no sound card? try the file or null backend)".to_owned()
    } else {
        names.join(", ")
    }
}
