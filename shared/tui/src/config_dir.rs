//! Where user files live: `$XDG_CONFIG_HOME/hotline`, else `~/.config/hotline`.

use std::path::PathBuf;

/// The hotline config directory, if a home can be found.
pub fn config_dir() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))?;
    Some(base.join("hotline"))
}

/// Reads a user file if it exists; a missing file is `Ok(None)`.
pub fn read_optional(path: &std::path::Path) -> Result<Option<String>, crate::TuiError> {
    match std::fs::read_to_string(path) {
        Ok(s) => Ok(Some(s)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(crate::TuiError::Io {
            path: path.to_path_buf(),
            source,
        }),
    }
}
