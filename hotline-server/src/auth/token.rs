//! Opaque session tokens: 32 random bytes in hex for the client, their SHA-256 for the store.

use std::fmt::Write as _;

use rand::RngCore;
use sha2::{Digest, Sha256};

/// Random bytes in a token (256 bits: not guessable, no signature needed).
pub const TOKEN_BYTES: usize = 32;

/// A new token, lower-case hex ([`TOKEN_BYTES`] × 2 characters). `rand::rng()` is a CSPRNG
/// seeded from the operating system.
pub fn new_token() -> String {
    let mut bytes = [0u8; TOKEN_BYTES];
    rand::rng().fill_bytes(&mut bytes);
    hex(&bytes)
}

/// The key a token is stored under. A plain hash suffices (no salt, no stretching): the token
/// has 256 bits of entropy, so there is nothing to brute-force.
pub fn token_hash(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

/// Whether `token` has the shape [`new_token`] gives: saves a database look-up for garbage.
pub(crate) fn well_formed(token: &str) -> bool {
    token.len() == TOKEN_BYTES * 2 && token.bytes().all(|b| b.is_ascii_hexdigit())
}

fn hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        // Writing to a String cannot fail.
        let _ = write!(s, "{b:02x}");
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_hex_and_hash_to_sha256() {
        let a = new_token();
        let b = new_token();
        assert_ne!(a, b);
        assert!(well_formed(&a));
        assert!(!well_formed("xyz"));
        assert!(!well_formed(&"g".repeat(64)));
        // SHA-256("abc"), FIPS 180-2 appendix B.1.
        assert_eq!(
            token_hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
