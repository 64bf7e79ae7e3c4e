//! Password hashing: Argon2id with a random 16-byte salt, stored as a PHC string
//! (`$argon2id$v=19$m=19456,t=2,p=1$salt$hash`), so the cost travels with each hash and
//! can be raised later without invalidating old ones.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use rand::{Rng, RngCore};

use super::{AuthError, AuthPolicy};

/// Longer passwords are refused: hashing megabytes on request would be a denial of service.
pub const MAX_PASSWORD_LEN: usize = 1024;

/// Argon2id cost parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PasswordCost {
    pub memory_kib: u32,
    pub iterations: u32,
    pub parallelism: u32,
}

impl Default for PasswordCost {
    /// The OWASP recommendation for Argon2id: 19 MiB, 2 passes, 1 lane.
    fn default() -> Self {
        PasswordCost {
            memory_kib: 19 * 1024,
            iterations: 2,
            parallelism: 1,
        }
    }
}

impl PasswordCost {
    /// The cheapest valid cost. For tests only: it gives no protection to a stolen database.
    pub const MINIMAL: PasswordCost = PasswordCost {
        memory_kib: 8,
        iterations: 1,
        parallelism: 1,
    };

    fn hasher(self) -> Result<Argon2<'static>, AuthError> {
        let params = Params::new(self.memory_kib, self.iterations, self.parallelism, None)
            .map_err(|e| AuthError::Hash(e.to_string()))?;
        Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
    }
}

/// Hashes `password` with a fresh random salt; returns the PHC string.
pub fn hash_password(password: &str, cost: &PasswordCost) -> Result<String, AuthError> {
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    let salt = SaltString::encode_b64(&salt).map_err(|e| AuthError::Hash(e.to_string()))?;
    let hash = cost
        .hasher()?
        .hash_password(password.as_bytes(), &salt)
        .map_err(|e| AuthError::Hash(e.to_string()))?;
    Ok(hash.to_string())
}

/// Hashes a password a person chose, after checking its length against the policy.
pub(crate) fn hash_chosen_password(
    password: &str,
    policy: &AuthPolicy,
) -> Result<String, AuthError> {
    if password.chars().count() < policy.min_password_len {
        return Err(AuthError::PasswordTooShort {
            min: policy.min_password_len,
        });
    }
    if password.len() > MAX_PASSWORD_LEN {
        return Err(AuthError::PasswordTooLong {
            max: MAX_PASSWORD_LEN,
        });
    }
    hash_password(password, &policy.password_cost)
}

/// Whether `password` matches the PHC string `phc` (with the cost recorded in it). A
/// malformed `phc` is an error, not a mismatch.
pub fn verify_password(password: &str, phc: &str) -> Result<bool, AuthError> {
    let parsed = PasswordHash::new(phc).map_err(|e| AuthError::Hash(e.to_string()))?;
    match Argon2::default().verify_password(password.as_bytes(), &parsed) {
        Ok(()) => Ok(true),
        Err(argon2::password_hash::Error::Password) => Ok(false),
        Err(e) => Err(AuthError::Hash(e.to_string())),
    }
}

/// Letters and digits that cannot be mistaken for each other when read aloud or copied from a
/// terminal (no 0/O, 1/l/I).
const PASSWORD_ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";

/// A random password of `len` characters (57 symbols: 12 characters ≈ 70 bits).
pub fn random_password(len: usize) -> String {
    let mut rng = rand::rng();
    (0..len)
        .map(|_| char::from(PASSWORD_ALPHABET[rng.random_range(0..PASSWORD_ALPHABET.len())]))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_and_verify() {
        let hash = hash_password("s3cret-pass", &PasswordCost::MINIMAL).unwrap();
        assert!(hash.starts_with("$argon2id$v=19$m=8,t=1,p=1$"), "{hash}");
        assert!(verify_password("s3cret-pass", &hash).unwrap());
        assert!(!verify_password("s3cret-pasS", &hash).unwrap());
        // Salted: the same password hashes differently each time.
        assert_ne!(
            hash,
            hash_password("s3cret-pass", &PasswordCost::MINIMAL).unwrap()
        );
        assert!(matches!(
            verify_password("x", "not a hash"),
            Err(AuthError::Hash(_))
        ));
    }

    #[test]
    fn the_default_cost_is_argon2id_19_mib() {
        let hash = hash_password("pw", &PasswordCost::default()).unwrap();
        assert!(
            hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hash}"
        );
        assert!(verify_password("pw", &hash).unwrap());
    }

    #[test]
    fn random_passwords() {
        let a = random_password(12);
        assert_eq!(a.len(), 12);
        assert!(a.bytes().all(|b| PASSWORD_ALPHABET.contains(&b)));
        assert_ne!(a, random_password(12));
    }
}
