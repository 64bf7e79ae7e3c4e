//! The frame clock of calls: every call's ticks fall on a shared grid.
//!
//! Each call has its own interval, but if calls started their clocks whenever they were answered
//! a media thread would wake every millisecond to serve the few calls due then, and the waking
//! (park, epoll, futex) costs as much as the frames. On a grid of [`GRID`], every call's tick
//! falls on one of a few instants per 20 ms, so a thread wakes a few times per frame period and
//! serves a batch of calls each time. The grid is fine enough that a batch stays well inside
//! the 10 ms a frame may be late: at 1,200 calls, a batch is about 300 calls for two threads.

use std::sync::OnceLock;
use std::time::Duration;

use tokio::time::{Instant, Interval, interval_at};

/// Distance between the instants a call's frame may fall on.
pub const GRID: Duration = Duration::from_millis(5);

static EPOCH: OnceLock<Instant> = OnceLock::new();

/// An interval of `period` whose first tick is the next grid instant (at most [`GRID`] away).
pub fn frame_interval(period: Duration) -> Interval {
    interval_at(next_grid_instant(Instant::now()), period)
}

/// The first grid instant after `now`; `now` itself if the grid's epoch is later (another
/// runtime's paused clock).
fn next_grid_instant(now: Instant) -> Instant {
    let epoch = *EPOCH.get_or_init(|| now);
    let Some(since) = now.checked_duration_since(epoch) else {
        return now;
    };
    let grid = GRID.as_micros();
    let next = (since.as_micros() / grid + 1) * grid;
    epoch + Duration::from_micros(u64::try_from(next).unwrap_or(u64::MAX / 2))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_land_on_the_grid_and_never_more_than_one_step_away() {
        let base = Instant::now();
        let epoch = *EPOCH.get_or_init(|| base);
        for offset_us in [0u64, 1, 2_499, 4_999, 5_000, 5_001, 123_456] {
            let now = epoch + Duration::from_micros(offset_us);
            let next = next_grid_instant(now);
            let since = next.duration_since(epoch).as_micros();
            assert_eq!(since % GRID.as_micros(), 0, "on the grid ({offset_us} µs)");
            assert!(next > now, "after now ({offset_us} µs)");
            assert!(next - now <= GRID, "within one step ({offset_us} µs)");
        }
    }

    #[test]
    fn a_clock_behind_the_epoch_starts_now() {
        let epoch = *EPOCH.get_or_init(Instant::now);
        if let Some(earlier) = epoch.checked_sub(Duration::from_millis(3)) {
            assert_eq!(next_grid_instant(earlier), earlier);
        }
    }
}
