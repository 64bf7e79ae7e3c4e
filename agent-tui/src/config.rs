//! What the workstation remembers between runs: the server, the user name (never the
//! password) and the chosen audio devices, in `$XDG_CONFIG_HOME/hotline/agent.toml`.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Remembered {
    #[serde(default)]
    pub server: Option<String>,
    #[serde(default)]
    pub user: Option<String>,
    /// Sound-card device names as cpal lists them; absent means the host's default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_device: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_device: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Format { path: PathBuf, message: String },
    #[error("no config directory (set HOME or XDG_CONFIG_HOME)")]
    NoDir,
}

fn path() -> Option<PathBuf> {
    hotline_tui::config_dir::config_dir().map(|d| d.join("agent.toml"))
}

/// The remembered values; a missing or unreadable file gives defaults (it is only a convenience).
pub fn load() -> Remembered {
    path()
        .and_then(|p| std::fs::read_to_string(p).ok())
        .and_then(|s| toml::from_str(&s).ok())
        .unwrap_or_default()
}

/// Writes the remembered values.
pub fn save(r: &Remembered) -> Result<(), ConfigError> {
    let path = path().ok_or(ConfigError::NoDir)?;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|source| ConfigError::Io {
            path: dir.to_path_buf(),
            source,
        })?;
    }
    let text = toml::to_string(r).map_err(|e| ConfigError::Format {
        path: path.clone(),
        message: e.to_string(),
    })?;
    std::fs::write(&path, text).map_err(|source| ConfigError::Io { path, source })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn devices_round_trip_and_old_files_still_load() {
        let r = Remembered {
            server: Some("ws://10.0.0.5:8080/ws".into()),
            user: Some("agent1".into()),
            input_device: Some("USB 耳麦".into()),
            output_device: None,
        };
        let text = toml::to_string(&r).unwrap();
        assert!(!text.contains("output_device"), "{text}");
        assert_eq!(toml::from_str::<Remembered>(&text).unwrap(), r);
        let old: Remembered = toml::from_str("server = \"ws://x/ws\"\nuser = \"a\"\n").unwrap();
        assert_eq!(old.input_device, None);
    }
}
