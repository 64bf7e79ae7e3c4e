//! Errors of the record repositories (tickets, departments, callers, knowledge): the store's
//! own failures plus what the caller did wrong, kept apart so the API can answer 400, 404,
//! 409 or 500 without parsing messages.

use thiserror::Error;

use crate::store::StoreError;
use crate::tickets::{NumberError, WorkflowError};

#[derive(Debug, Error)]
pub enum RecordError {
    #[error("{what} {id} not found")]
    NotFound { what: &'static str, id: String },
    /// Bad input: unknown department, empty name, too deep a hierarchy …
    #[error("{0}")]
    Invalid(String),
    /// Someone else changed the record first, or a unique value is taken.
    #[error("{0}")]
    Conflict(String),
    #[error(transparent)]
    Workflow(#[from] WorkflowError),
    #[error("ticket number: {0}")]
    Number(#[from] NumberError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<rusqlite::Error> for RecordError {
    fn from(e: rusqlite::Error) -> Self {
        Self::Store(StoreError::Sqlite(e))
    }
}

impl RecordError {
    pub(crate) fn not_found(what: &'static str, id: impl std::fmt::Display) -> Self {
        Self::NotFound {
            what,
            id: id.to_string(),
        }
    }

    /// A stored value that does not parse back: the database was edited by hand.
    pub(crate) fn bad_value(what: &'static str, value: impl Into<String>) -> Self {
        Self::Store(StoreError::BadValue {
            what,
            value: value.into(),
        })
    }
}
