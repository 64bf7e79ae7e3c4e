//! Users, roles and sessions: password log-in, opaque session tokens, rate limiting of failed
//! log-ins, account administration and the audit log of sensitive actions.
//!
//! [`Auth`] is synchronous (it owns a [`Store`](crate::store::Store) connection and runs
//! Argon2); the API calls it from `spawn_blocking`. The policy pieces — the failure
//! [`Limiter`], expiry arithmetic, name checks — are pure and take the time as a parameter.
//! What each role may do is decided by [`hotline_protocol::Role::may`], not here.

mod accounts;
pub mod action;
mod demo;
mod error;
mod limiter;
mod password;
mod policy;
mod service;
mod token;

pub use accounts::{Actor, NewAccount, RESERVED_NAMES, validate_name};
pub use demo::{DEMO_PASSWORD_LEN, DemoAccount, ensure_demo_accounts, format_demo_banner};
pub use error::AuthError;
pub use limiter::{LimitRule, Limiter};
pub use password::{
    MAX_PASSWORD_LEN, PasswordCost, hash_password, random_password, verify_password,
};
pub use policy::AuthPolicy;
pub use service::{Auth, Session};
pub use token::{TOKEN_BYTES, new_token, token_hash};

#[cfg(test)]
mod tests;
