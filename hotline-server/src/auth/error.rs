//! The auth error. Wrong name and wrong password are one variant on purpose: a caller must
//! not learn which names exist.

use thiserror::Error;

use crate::store::{AddUserError, StoreError};

#[derive(Debug, Error)]
pub enum AuthError {
    #[error("wrong user name or password")]
    InvalidCredentials,
    /// Only reported after the right password, so it reveals nothing to a guesser.
    #[error("this account is disabled; ask an administrator")]
    Disabled,
    #[error("too many failed log-ins; try again in {retry_after_secs} s")]
    RateLimited { retry_after_secs: u64 },
    /// Unknown, expired or revoked token, or the user was disabled since.
    #[error("not logged in, or the session has expired; log in again")]
    Unauthorized,
    #[error("the password must have at least {min} characters")]
    PasswordTooShort { min: usize },
    #[error("the password must have at most {max} characters")]
    PasswordTooLong { max: usize },
    #[error("invalid user name \"{name}\": {reason}")]
    InvalidName { name: String, reason: &'static str },
    #[error("invalid skill \"{skill}\": {reason}")]
    InvalidSkill { skill: String, reason: String },
    #[error("no user \"{0}\"")]
    UnknownUser(String),
    #[error("user \"{0}\" already exists")]
    DuplicateUser(String),
    #[error("password hashing failed: {0}")]
    Hash(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<AddUserError> for AuthError {
    fn from(err: AddUserError) -> Self {
        match err {
            AddUserError::Duplicate(name) => AuthError::DuplicateUser(name),
            AddUserError::Store(e) => AuthError::Store(e),
        }
    }
}
