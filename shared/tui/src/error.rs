//! The crate's error type: every failure names the file and, where there is one, the key.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum TuiError {
    #[error("{file}: {message}")]
    Parse { file: String, message: String },
    #[error("{file}: [{context}] {key:?}: {message}")]
    Key {
        file: String,
        context: String,
        key: String,
        message: String,
    },
    #[error("{file}: {key}: {message}")]
    Style {
        file: String,
        key: String,
        message: String,
    },
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("terminal: {0}")]
    Terminal(#[source] std::io::Error),
    #[error("drawing")]
    Draw(#[source] std::io::Error),
    #[error("reading the terminal")]
    Input(#[source] std::io::Error),
}
