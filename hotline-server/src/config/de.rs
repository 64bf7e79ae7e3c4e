//! Serde helpers for configuration values whose TOML spelling differs from the Rust type,
//! with error messages that quote the bad value.

use std::net::SocketAddr;

use serde::de::Error as _;
use serde::{Deserialize, Deserializer};

/// `"127.0.0.1:5060"` or `"[::1]:5060"`.
pub(super) fn socket_addr<'de, D: Deserializer<'de>>(d: D) -> Result<SocketAddr, D::Error> {
    let text = String::deserialize(d)?;
    text.parse()
        .map_err(|_| D::Error::custom(format!("invalid socket address \"{text}\"")))
}
