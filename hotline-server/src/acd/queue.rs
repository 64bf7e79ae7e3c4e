//! A queue's runtime state: its ordered calls, round-robin pointer and handle-time average.

use std::collections::VecDeque;
use std::time::Duration;

use super::call::SortKey;
use super::ids::{AgentId, CallId};
use super::settings::QueueConfig;

/// What a snapshot shows, minus wait times (which change every millisecond): a new snapshot
/// goes out only when this differs from the last one.
pub(super) type Fingerprint = (Vec<(CallId, bool, i32)>, usize, usize);

#[derive(Debug, Clone)]
pub(super) struct Queue {
    pub config: QueueConfig,
    /// Sorted by key: index 0 is the head.
    pub calls: Vec<(SortKey, CallId)>,
    /// Last agent round-robin offered to.
    pub rr_last: Option<AgentId>,
    handle_times: VecDeque<Duration>,
    pub last_snapshot: Option<Fingerprint>,
}

impl Queue {
    pub fn new(config: QueueConfig) -> Self {
        Self {
            config,
            calls: Vec::new(),
            rr_last: None,
            handle_times: VecDeque::new(),
            last_snapshot: None,
        }
    }

    pub fn insert(&mut self, key: SortKey, call: CallId) {
        let at = self.calls.partition_point(|(k, _)| *k < key);
        self.calls.insert(at, (key, call));
    }

    pub fn remove(&mut self, call: CallId) -> bool {
        match self.calls.iter().position(|(_, c)| *c == call) {
            Some(i) => {
                self.calls.remove(i);
                true
            }
            None => false,
        }
    }

    pub fn contains(&self, call: CallId) -> bool {
        self.calls.iter().any(|(_, c)| *c == call)
    }

    pub fn is_full(&self) -> bool {
        self.config
            .max_length
            .is_some_and(|max| self.calls.len() >= max)
    }

    /// Keeps the last `window` handle times (talk + configured wrap-up).
    pub fn record_handle_time(&mut self, handle: Duration, window: usize) {
        self.handle_times.push_back(handle);
        while self.handle_times.len() > window.max(1) {
            self.handle_times.pop_front();
        }
    }

    pub fn average_handle_time(&self, default: Duration) -> Duration {
        let n = self.handle_times.len() as u32;
        if n == 0 {
            return default;
        }
        self.handle_times.iter().sum::<Duration>() / n
    }

    /// Estimated wait = position × average handle time ÷ max(1, logged-in skilled agents),
    /// rounded to whole seconds. Position 1 is the next call to be served; the estimate
    /// assumes the agents finish calls evenly spread over one handle time.
    pub fn estimated_wait_secs(&self, position: usize, agents: usize, default: Duration) -> u64 {
        let avg_ms = self.average_handle_time(default).as_millis() as u64;
        let ms = (position as u64).saturating_mul(avg_ms) / agents.max(1) as u64;
        (ms + 500) / 1000
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::acd::settings::Strategy;

    #[test]
    fn estimate_follows_formula() {
        let mut q = Queue::new(QueueConfig::new("q", Strategy::Linear));
        let default = Duration::from_secs(100);
        assert_eq!(q.estimated_wait_secs(3, 0, default), 300);
        assert_eq!(q.estimated_wait_secs(3, 2, default), 150);
        q.record_handle_time(Duration::from_mins(1), 2);
        q.record_handle_time(Duration::from_mins(2), 2);
        q.record_handle_time(Duration::from_mins(3), 2);
        // Window of 2: (120 + 180) / 2 = 150.
        assert_eq!(q.estimated_wait_secs(2, 3, default), 100);
    }

    #[test]
    fn ordering_is_front_then_priority_then_arrival() {
        let mut q = Queue::new(QueueConfig::new("q", Strategy::Linear));
        let key = |front, priority, seq| SortKey {
            front,
            priority,
            seq,
        };
        q.insert(key(false, 0, 1), CallId(1));
        q.insert(key(false, 5, 2), CallId(2));
        q.insert(key(false, 0, 3), CallId(3));
        q.insert(key(true, 0, 4), CallId(4));
        let order: Vec<u64> = q.calls.iter().map(|(_, c)| c.0).collect();
        assert_eq!(order, [4, 2, 1, 3]);
    }
}
