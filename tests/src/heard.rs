//! What a test party heard: each 20 ms frame with the instant it arrived, on the test's clock,
//! so a test can cut what was heard at the moments it changed something.

use std::sync::{Arc, Mutex};
use std::time::Instant;

use hotline_softphone::FRAME_SAMPLES;

/// Frames heard, each with when it arrived; shared with the task that receives them.
pub type Heard = Arc<Mutex<Vec<(Instant, [i16; FRAME_SAMPLES])>>>;

/// Notes `frame` as arriving now.
pub fn note(heard: &Heard, frame: [i16; FRAME_SAMPLES]) {
    // A poisoned lock means a test thread already failed; that failure is the one to report.
    if let Ok(mut h) = heard.lock() {
        h.push((Instant::now(), frame));
    }
}

/// The samples of the frames that arrived from `from` until before `to`.
pub fn between(heard: &Heard, from: Instant, to: Instant) -> Vec<i16> {
    let heard = heard.lock().expect("heard");
    heard
        .iter()
        .filter(|(t, _)| *t >= from && *t < to)
        .flat_map(|(_, f)| f.iter().copied())
        .collect()
}
