//! The configuration error: every message names the file, the line and the key, so an admin
//! can fix a typo without reading the source.

use std::fmt;
use std::io;
use std::path::PathBuf;

use thiserror::Error;

/// Why a configuration (or holiday) file could not be used.
#[derive(Debug, Error)]
pub enum ConfigError {
    /// The file could not be read at all.
    #[error("{}: cannot read: {source}", file.display())]
    Read {
        file: PathBuf,
        #[source]
        source: io::Error,
    },
    /// Bad syntax, an unknown key, a value of the wrong type or a failed semantic check.
    #[error("{}", Located { file, line: *line, key: key.as_deref(), message })]
    Invalid {
        /// The file as the admin named it (or the built-in defaults).
        file: String,
        /// 1-based line of the offending key or value, when known.
        line: Option<usize>,
        /// The offending key, when known.
        key: Option<String>,
        message: String,
    },
    /// Anything else found wrong with the configuration by the code that uses it.
    #[error("{0}")]
    Message(String),
}

impl ConfigError {
    /// An error with a free-form message (for checks made outside this module).
    pub fn message(text: impl Into<String>) -> Self {
        Self::Message(text.into())
    }

    /// The 1-based line the error points at, if any.
    pub fn line(&self) -> Option<usize> {
        match self {
            Self::Read { .. } | Self::Message(_) => None,
            Self::Invalid { line, .. } => *line,
        }
    }

    /// The key the error is about, if any.
    pub fn key(&self) -> Option<&str> {
        match self {
            Self::Read { .. } | Self::Message(_) => None,
            Self::Invalid { key, .. } => key.as_deref(),
        }
    }
}

/// Renders `file:line: key "k": message`, leaving out what is unknown.
struct Located<'a> {
    file: &'a str,
    line: Option<usize>,
    key: Option<&'a str>,
    message: &'a str,
}

impl fmt::Display for Located<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if let Some(key) = self.key {
            write!(f, ": key \"{key}\"")?;
        }
        write!(f, ": {}", self.message)
    }
}
