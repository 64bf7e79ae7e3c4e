//! The tunable rules of authentication and the session-expiry arithmetic.

use super::{LimitRule, PasswordCost};

const MINUTE_MS: i64 = 60_000;
const HOUR_MS: i64 = 60 * MINUTE_MS;

/// How sessions expire, how failures are limited, how passwords are hashed.
///
/// Sessions slide: each use moves the expiry to `now + session_idle_ms`, but never past
/// `created + session_max_ms`, so an agent stays logged in through a shift of activity yet
/// a stolen token dies within a day. Uses closer together than `touch_interval_ms` do not
/// write to the database (one write a minute, not one per command).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthPolicy {
    pub session_idle_ms: i64,
    pub session_max_ms: i64,
    pub touch_interval_ms: i64,
    /// Failed log-ins per user name.
    pub user_limit: LimitRule,
    /// Failed log-ins per client address (IPv6 per /64).
    pub address_limit: LimitRule,
    pub min_password_len: usize,
    /// The cost of new hashes (existing ones keep theirs).
    pub password_cost: PasswordCost,
}

impl Default for AuthPolicy {
    /// 12 h idle, 24 h at most; 5 failures per user and 20 per address in 15 minutes;
    /// passwords of 8 characters or more.
    fn default() -> Self {
        AuthPolicy {
            session_idle_ms: 12 * HOUR_MS,
            session_max_ms: 24 * HOUR_MS,
            touch_interval_ms: MINUTE_MS,
            user_limit: LimitRule {
                max_failures: 5,
                window_ms: 15 * MINUTE_MS,
            },
            address_limit: LimitRule {
                max_failures: 20,
                window_ms: 15 * MINUTE_MS,
            },
            min_password_len: 8,
            password_cost: PasswordCost::default(),
        }
    }
}

impl AuthPolicy {
    /// The expiry of a session created at `created_ms` and used at `now_ms`.
    pub fn expiry(&self, created_ms: i64, now_ms: i64) -> i64 {
        now_ms
            .saturating_add(self.session_idle_ms)
            .min(created_ms.saturating_add(self.session_max_ms))
    }

    /// Whether a use at `now_ms` should be written back (expiry moved, last seen updated).
    pub fn should_touch(&self, last_seen_ms: i64, now_ms: i64) -> bool {
        now_ms.saturating_sub(last_seen_ms) >= self.touch_interval_ms
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expiry_slides_up_to_the_maximum() {
        let p = AuthPolicy::default();
        assert_eq!(p.expiry(0, 0), 12 * HOUR_MS);
        assert_eq!(p.expiry(0, 6 * HOUR_MS), 18 * HOUR_MS);
        assert_eq!(p.expiry(0, 20 * HOUR_MS), 24 * HOUR_MS);
        assert!(!p.should_touch(0, 59_999));
        assert!(p.should_touch(0, 60_000));
    }
}
