//! The per-number SMS limit: at most `max` messages to one number in any `window`. Pure: the
//! caller passes the times already sent (from the outbox) and `now`.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// 0 = no limit.
    pub max: u32,
    pub window_ms: i64,
}

impl RateLimit {
    pub fn from_config(c: &crate::config::SmsGatewayConfig) -> Self {
        Self {
            max: c.rate_limit,
            window_ms: i64::try_from(c.rate_window_secs.saturating_mul(1000)).unwrap_or(i64::MAX),
        }
    }

    /// Where the window starts for a send at `now_ms` (for the outbox query).
    pub fn window_start(&self, now_ms: i64) -> i64 {
        now_ms.saturating_sub(self.window_ms)
    }

    /// `None` when a message may go now; else the earliest time it may. `sent_ms` are the
    /// send times within the window (any order).
    pub fn next_allowed(&self, sent_ms: &[i64], now_ms: i64) -> Option<i64> {
        if self.max == 0 {
            return None;
        }
        let start = self.window_start(now_ms);
        let mut recent: Vec<i64> = sent_ms.iter().copied().filter(|t| *t > start).collect();
        if recent.len() < self.max as usize {
            return None;
        }
        recent.sort_unstable();
        // The oldest sends leave the window first; once enough have, there is room.
        let leaving = recent[recent.len() - self.max as usize];
        Some(leaving.saturating_add(self.window_ms).max(now_ms + 1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_next_send_waits_for_the_oldest_to_leave_the_window() {
        let r = RateLimit {
            max: 2,
            window_ms: 1000,
        };
        assert_eq!(r.next_allowed(&[], 5000), None);
        assert_eq!(r.next_allowed(&[4500], 5000), None);
        assert_eq!(r.next_allowed(&[4800, 4500], 5000), Some(5500));
        // Old sends do not count.
        assert_eq!(r.next_allowed(&[3000, 4800], 5000), None);
        assert_eq!(
            RateLimit {
                max: 0,
                window_ms: 1
            }
            .next_allowed(&[1, 2, 3], 3),
            None
        );
    }
}
