//! How many wrong PINs the status query tolerates: per call, per ticket number (someone
//! guessing one ticket's PIN from many phones) and per caller (one phone guessing many
//! tickets). Pure: the counts come from the call and the store.

use std::time::Duration;

/// The limits; see [`PinLimits::default`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PinLimits {
    /// Wrong PINs in one call before the query is refused for the rest of it.
    pub per_call: u32,
    /// Wrong PINs for one ticket number within `number_window`.
    pub per_number: u32,
    pub number_window: Duration,
    /// Wrong PINs from one caller number within `caller_window`.
    pub per_caller: u32,
    pub caller_window: Duration,
}

impl Default for PinLimits {
    fn default() -> Self {
        Self {
            per_call: 3,
            per_number: 5,
            number_window: Duration::from_hours(1),
            per_caller: 10,
            caller_window: Duration::from_hours(24),
        }
    }
}

/// Wrong PINs seen so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PinFailures {
    pub this_call: u32,
    /// For the ticket number within `number_window`.
    pub number: u32,
    /// From the caller within `caller_window`.
    pub caller: u32,
}

impl PinLimits {
    /// Whether another attempt may be checked at all.
    pub fn allows(&self, seen: PinFailures) -> bool {
        seen.this_call < self.per_call
            && seen.number < self.per_number
            && seen.caller < self.per_caller
    }

    /// Attempts left in this call after `seen` (0 = locked).
    pub fn left(&self, seen: PinFailures) -> u32 {
        if !self.allows(seen) {
            return 0;
        }
        (self.per_call - seen.this_call)
            .min(self.per_number - seen.number)
            .min(self.per_caller - seen.caller)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_limit_locks_on_its_own() {
        let l = PinLimits::default();
        let none = PinFailures::default();
        assert!(l.allows(none));
        assert_eq!(l.left(none), 3);
        let two = PinFailures {
            this_call: 2,
            ..none
        };
        assert_eq!(l.left(two), 1);
        for locked in [
            PinFailures {
                this_call: 3,
                ..none
            },
            PinFailures { number: 5, ..none },
            PinFailures { caller: 10, ..none },
        ] {
            assert!(!l.allows(locked), "{locked:?}");
            assert_eq!(l.left(locked), 0);
        }
        let near = PinFailures {
            this_call: 0,
            number: 4,
            caller: 0,
        };
        assert_eq!(l.left(near), 1, "the ticket's own limit is nearer");
    }
}
