//! When a failed notification is tried again: exponential backoff with a ceiling and a
//! last attempt. Pure: it takes the attempt count and `now`.

/// The retry policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    pub initial_ms: i64,
    pub max_ms: i64,
    /// Tries in all, the first included.
    pub max_attempts: u32,
}

/// What to do after a failed try.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retry {
    At(i64),
    GiveUp,
}

impl Backoff {
    pub fn from_config(c: &crate::config::NotifyConfig) -> Self {
        let ms = |s: u64| i64::try_from(s.saturating_mul(1000)).unwrap_or(i64::MAX);
        Self {
            initial_ms: ms(c.retry_initial_secs),
            max_ms: ms(c.retry_max_secs),
            max_attempts: c.max_attempts.max(1),
        }
    }

    /// After `attempts` tries (the failed one counted), failing at `now_ms`.
    pub fn after(&self, attempts: u32, now_ms: i64) -> Retry {
        if attempts >= self.max_attempts {
            return Retry::GiveUp;
        }
        let doublings = attempts.saturating_sub(1).min(40);
        let delay = self
            .initial_ms
            .saturating_mul(1_i64 << doublings)
            .min(self.max_ms.max(self.initial_ms));
        Retry::At(now_ms.saturating_add(delay))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_up_to_the_ceiling_then_gives_up() {
        let b = Backoff {
            initial_ms: 1000,
            max_ms: 5000,
            max_attempts: 5,
        };
        assert_eq!(b.after(1, 0), Retry::At(1000));
        assert_eq!(b.after(2, 0), Retry::At(2000));
        assert_eq!(b.after(3, 10), Retry::At(4010));
        assert_eq!(b.after(4, 0), Retry::At(5000));
        assert_eq!(b.after(5, 0), Retry::GiveUp);
    }

    #[test]
    fn huge_counts_do_not_overflow() {
        let b = Backoff {
            initial_ms: i64::MAX / 2,
            max_ms: i64::MAX,
            max_attempts: u32::MAX,
        };
        assert_eq!(b.after(1000, 5), Retry::At(i64::MAX));
    }
}
