//! Password hashing: Argon2id with a random 16-byte salt, stored as a PHC string
//! (`$argon2id$v=19$m=19456,t=2,p=1$salt$hash`), so the cost travels with each hash and
//! can be raised later without invalidating old ones.
//!
//! Every hash and check runs in one working area shared by the process ([`SCRATCH`]), one
//! at a time. Argon2 needs its whole memory cost (19 MiB) per run; allocated per log-in, the
//! allocator kept each freed area in its pools, and a server with a few hundred agents
//! logged in held gigabytes it never used again. One at a time also bounds the CPU a flood of
//! log-ins can take from calls.

use std::sync::{Mutex, PoisonError};

use argon2::password_hash::{Output, ParamsString, PasswordHash, Salt, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
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

    fn params(self) -> Result<Params, AuthError> {
        Params::new(self.memory_kib, self.iterations, self.parallelism, None).map_err(hash_error)
    }
}

fn hash_error(e: impl std::fmt::Display) -> AuthError {
    AuthError::Hash(e.to_string())
}

/// The Argon2 working memory, grown to the largest cost seen and kept.
static SCRATCH: Mutex<Vec<Block>> = Mutex::new(Vec::new());

thread_local! {
    /// Argon2 runs made by this thread: lets a test see that every log-in costs one.
    static RUNS: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// How many Argon2 runs (hashes and checks) this thread has made.
#[cfg(test)]
pub(crate) fn runs_on_this_thread() -> u64 {
    RUNS.with(std::cell::Cell::get)
}

/// Argon2 of `password` and `salt` into `out`, in the shared working area.
fn argon2_into(
    argon: &Argon2<'_>,
    params: &Params,
    password: &[u8],
    salt: &[u8],
    out: &mut [u8],
) -> Result<(), AuthError> {
    RUNS.with(|r| r.set(r.get() + 1));
    // A panic while hashing leaves only scratch bytes behind; the next run overwrites them.
    let mut blocks = SCRATCH.lock().unwrap_or_else(PoisonError::into_inner);
    let need = params.block_count();
    if blocks.len() < need {
        blocks.resize(need, Block::new());
    }
    argon
        .hash_password_into_with_memory(password, salt, out, &mut blocks[..need])
        .map_err(hash_error)
}

/// Hashes `password` with a fresh random salt; returns the PHC string.
pub fn hash_password(password: &str, cost: &PasswordCost) -> Result<String, AuthError> {
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    let params = cost.params()?;
    let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
    let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
    argon2_into(&argon, &params, password.as_bytes(), &salt, &mut out)?;
    let salt = SaltString::encode_b64(&salt).map_err(hash_error)?;
    let phc = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&params).map_err(hash_error)?,
        salt: Some(Salt::from(&salt)),
        hash: Some(Output::new(&out).map_err(hash_error)?),
    };
    Ok(phc.to_string())
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
    let parsed = PasswordHash::new(phc).map_err(hash_error)?;
    let algorithm = Algorithm::try_from(parsed.algorithm).map_err(hash_error)?;
    let version = parsed
        .version
        .map(Version::try_from)
        .transpose()
        .map_err(hash_error)?
        .unwrap_or_default();
    let expected = parsed
        .hash
        .ok_or_else(|| AuthError::Hash("the stored hash has no output".to_owned()))?;
    let salt = parsed
        .salt
        .ok_or_else(|| AuthError::Hash("the stored hash has no salt".to_owned()))?;
    let mut salt_bytes = [0u8; 64];
    let salt_bytes = salt.decode_b64(&mut salt_bytes).map_err(hash_error)?;
    // Cost and output length as stored with the hash.
    let params = Params::try_from(&parsed).map_err(hash_error)?;
    let argon = Argon2::new(algorithm, version, params.clone());
    let mut out = vec![0u8; expected.len()];
    argon2_into(&argon, &params, password.as_bytes(), salt_bytes, &mut out)?;
    // `Output` compares in constant time.
    Ok(Output::new(&out).map_err(hash_error)? == expected)
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

    /// Hashes stored before the shared working area (made by the library's own hasher) still
    /// verify, and ours verify with the library: the format did not change.
    #[test]
    fn hashes_interoperate_with_the_library_hasher() {
        use argon2::password_hash::{PasswordHasher, PasswordVerifier};
        let params = PasswordCost::MINIMAL.params().unwrap();
        let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
        let salt = SaltString::encode_b64(b"0123456789abcdef").unwrap();
        let theirs = argon.hash_password(b"old-pass", &salt).unwrap().to_string();
        assert!(verify_password("old-pass", &theirs).unwrap());
        assert!(!verify_password("old-pasS", &theirs).unwrap());
        let ours = hash_password("new-pass", &PasswordCost::MINIMAL).unwrap();
        let parsed = PasswordHash::new(&ours).unwrap();
        assert!(
            Argon2::default()
                .verify_password(b"new-pass", &parsed)
                .is_ok()
        );
        assert!(
            Argon2::default()
                .verify_password(b"new-pasS", &parsed)
                .is_err()
        );
    }

    #[test]
    fn random_passwords() {
        let a = random_password(12);
        assert_eq!(a.len(), 12);
        assert!(a.bytes().all(|b| PASSWORD_ALPHABET.contains(&b)));
        assert_ne!(a, random_password(12));
    }
}
