//! Rate limiting of failed log-ins, per user name and per client address. Pure: the time is a
//! parameter, state lives in memory (a restart forgives, which is acceptable: restarts are
//! rare and slow compared with a guessing attack's pace).
//!
//! Each key keeps the times of its last `max_failures` failures. A key is blocked while
//! `max_failures` of them fall within `window_ms`; it is free again when the oldest of those
//! leaves the window. Attempts refused while blocked are not counted, so a blocked key
//! recovers on time however often it retries. A successful log-in clears the user's key
//! (not the address's: one right password must not reopen an address that is guessing).

use std::collections::{HashMap, VecDeque};
use std::hash::Hash;
use std::net::{IpAddr, Ipv6Addr};

/// At most `max_failures` failures within `window_ms`; `max_failures == 0` turns the rule off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LimitRule {
    pub max_failures: u32,
    pub window_ms: i64,
}

/// Keys beyond this many trigger a sweep of the stale ones, bounding memory under a flood of
/// made-up names or addresses.
const SWEEP_AT: usize = 10_000;

/// User names longer than this are cut for the key (the name is attacker-chosen).
const MAX_KEY_CHARS: usize = 64;

/// Failure times per key, newest last.
#[derive(Debug)]
struct Failures<K> {
    rule: LimitRule,
    keys: HashMap<K, VecDeque<i64>>,
}

impl<K: Eq + Hash> Failures<K> {
    fn new(rule: LimitRule) -> Self {
        Failures {
            rule,
            keys: HashMap::new(),
        }
    }

    /// Milliseconds until `key` may try again; 0 when it may now.
    fn wait_ms(&self, key: &K, now_ms: i64) -> i64 {
        let max = self.rule.max_failures as usize;
        match self.keys.get(key) {
            Some(times) if max > 0 && times.len() >= max => {
                // The deque holds at most `max` entries: the front is the oldest that counts.
                let oldest = times.front().copied().unwrap_or(i64::MIN);
                (oldest.saturating_add(self.rule.window_ms) - now_ms).max(0)
            }
            _ => 0,
        }
    }

    fn record(&mut self, key: K, now_ms: i64) {
        let max = self.rule.max_failures as usize;
        if max == 0 {
            return;
        }
        if self.keys.len() >= SWEEP_AT {
            let window = self.rule.window_ms;
            self.keys
                .retain(|_, times| times.back().is_some_and(|t| now_ms - t < window));
        }
        let times = self.keys.entry(key).or_default();
        times.push_back(now_ms);
        while times.len() > max {
            times.pop_front();
        }
    }

    fn clear(&mut self, key: &K) {
        self.keys.remove(key);
    }
}

/// The two limits together.
#[derive(Debug)]
pub struct Limiter {
    users: Failures<String>,
    addresses: Failures<IpAddr>,
}

impl Limiter {
    pub fn new(user_rule: LimitRule, address_rule: LimitRule) -> Limiter {
        Limiter {
            users: Failures::new(user_rule),
            addresses: Failures::new(address_rule),
        }
    }

    /// `Err(retry_after_secs)` (rounded up, at least 1) when either the user or the address is
    /// blocked at `now_ms`.
    pub fn check(&self, user: &str, address: IpAddr, now_ms: i64) -> Result<(), u64> {
        let wait = self
            .users
            .wait_ms(&user_key(user), now_ms)
            .max(self.addresses.wait_ms(&address_key(address), now_ms));
        if wait > 0 {
            Err((wait as u64).div_ceil(1000).max(1))
        } else {
            Ok(())
        }
    }

    pub fn record_failure(&mut self, user: &str, address: IpAddr, now_ms: i64) {
        self.users.record(user_key(user), now_ms);
        self.addresses.record(address_key(address), now_ms);
    }

    pub fn record_success(&mut self, user: &str) {
        self.users.clear(&user_key(user));
    }
}

/// Names compare like the database compares them (ASCII case-insensitive).
fn user_key(user: &str) -> String {
    user.chars()
        .take(MAX_KEY_CHARS)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// IPv4 as is (IPv4-mapped IPv6 too); IPv6 by /64, the block one subscriber usually holds, so
/// walking through a prefix does not escape the limit.
fn address_key(address: IpAddr) -> IpAddr {
    match address.to_canonical() {
        IpAddr::V4(v4) => IpAddr::V4(v4),
        IpAddr::V6(v6) => {
            let prefix = u128::from(v6) & !((1u128 << 64) - 1);
            IpAddr::V6(Ipv6Addr::from(prefix))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: i64 = 60_000;

    fn limiter() -> Limiter {
        Limiter::new(
            LimitRule {
                max_failures: 3,
                window_ms: 10 * MIN,
            },
            LimitRule {
                max_failures: 5,
                window_ms: 10 * MIN,
            },
        )
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn a_user_is_blocked_until_the_oldest_failure_leaves_the_window() {
        let mut l = limiter();
        let a = ip("10.0.0.1");
        for t in [0, MIN, 2 * MIN] {
            assert_eq!(l.check("agent1", a, t), Ok(()));
            l.record_failure("agent1", a, t);
        }
        assert_eq!(l.check("agent1", a, 2 * MIN), Err(480));
        assert_eq!(l.check("AGENT1", ip("10.0.0.2"), 5 * MIN), Err(300));
        assert_eq!(l.check("agent1", a, 10 * MIN - 1), Err(1));
        // The first failure has left the window: one more try.
        assert_eq!(l.check("agent1", a, 10 * MIN), Ok(()));
        l.record_failure("agent1", a, 10 * MIN);
        assert_eq!(l.check("agent1", a, 10 * MIN), Err(60));
        assert_eq!(l.check("agent2", ip("10.0.0.3"), 10 * MIN), Ok(()));
    }

    #[test]
    fn success_clears_the_user_but_not_the_address() {
        let mut l = limiter();
        let a = ip("10.0.0.1");
        for (i, t) in (0..5).map(|i| (i, i * 1000)) {
            l.record_failure(&format!("user{}", i % 2), a, t);
        }
        assert_eq!(l.check("other", a, 5000), Err(595));
        assert_eq!(l.check("other", ip("10.0.0.9"), 5000), Ok(()));
        l.record_success("user0");
        assert_eq!(l.check("user0", ip("10.0.0.9"), 5000), Ok(()));
        assert!(l.check("user0", a, 5000).is_err());
    }

    #[test]
    fn ipv6_counts_per_64_and_mapped_ipv4_as_ipv4() {
        let mut l = limiter();
        for i in 0..5 {
            l.record_failure(&format!("u{i}"), ip(&format!("2001:db8:1:2::{i}")), 0);
        }
        assert!(l.check("x", ip("2001:db8:1:2:ffff::1"), 1).is_err());
        assert_eq!(l.check("x", ip("2001:db8:1:3::1"), 1), Ok(()));
        for i in 0..5 {
            l.record_failure(&format!("v{i}"), ip("::ffff:192.0.2.7"), 0);
        }
        assert!(l.check("y", ip("192.0.2.7"), 1).is_err());
    }

    #[test]
    fn a_zero_rule_is_off_and_stale_keys_are_swept() {
        let mut l = Limiter::new(
            LimitRule {
                max_failures: 0,
                window_ms: MIN,
            },
            LimitRule {
                max_failures: 1,
                window_ms: MIN,
            },
        );
        for i in 0..100 {
            l.record_failure("same", ip("10.0.0.1"), i);
        }
        assert!(l.users.keys.is_empty());
        for i in 0..SWEEP_AT as u32 {
            l.record_failure("u", IpAddr::V4(i.into()), 0);
        }
        assert_eq!(l.addresses.keys.len(), SWEEP_AT + 1);
        l.record_failure("u", ip("10.0.0.2"), 2 * MIN);
        assert_eq!(l.addresses.keys.len(), 1);
    }
}
