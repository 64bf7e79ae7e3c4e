//! The store error. Opening errors name the database file and say what to do about them.

use std::io;
use std::path::PathBuf;

use rusqlite::ErrorCode;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum StoreError {
    #[error("{}: cannot create the data directory: {source}", path.display())]
    CreateDir {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error(
        "{}: the database is locked by another process (is another hotline-server running?)",
        path.display()
    )]
    Locked { path: PathBuf },
    #[error("{}: the database file is corrupt ({detail}); restore it from a backup", path.display())]
    Corrupt { path: PathBuf, detail: String },
    #[error(
        "{}: the database has schema version {found} but this hotline-server knows versions up \
         to {known}; run a newer hotline-server or restore a backup",
        path.display()
    )]
    TooNew {
        path: PathBuf,
        found: i64,
        known: i64,
    },
    #[error("{}: migration {name} failed: {source}", path.display())]
    Migration {
        path: PathBuf,
        name: &'static str,
        #[source]
        source: rusqlite::Error,
    },
    #[error("{}: {source}", path.display())]
    Open {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("call event {id} has invalid JSON detail: {source}")]
    BadEventJson {
        id: i64,
        #[source]
        source: serde_json::Error,
    },
    #[error("cannot start the store writer thread: {0}")]
    Thread(#[source] io::Error),
    #[error("{}: the store writer thread panicked; recent writes may be lost", path.display())]
    WriterPanicked { path: PathBuf },
    #[error("unknown {what} \"{value}\" in the database")]
    BadValue { what: &'static str, value: String },
}

impl StoreError {
    /// Classifies an error met while opening `path`: busy and corrupt get their own variants.
    pub(crate) fn at_open(path: &std::path::Path, source: rusqlite::Error) -> Self {
        let path = path.to_owned();
        match source.sqlite_error_code() {
            Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => Self::Locked { path },
            Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt) => Self::Corrupt {
                path,
                detail: source.to_string(),
            },
            _ => Self::Open { path, source },
        }
    }
}
