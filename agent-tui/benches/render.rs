//! Render time of the busiest screens at 160×48: `cargo bench -p agent-tui --bench render`.
//! Each draw is render + diff + flush into an in-memory terminal, as the runtime does; the clock
//! moves a second per draw so timers change and the diff is never empty. No criterion: a plain
//! loop with a warm-up, reporting mean, p50, p99 and max.

#![allow(clippy::unwrap_used, clippy::cast_precision_loss)]

use std::time::{Duration, Instant};

use agent_tui::app::form::Field;
use agent_tui::app::{State, sample};
use agent_tui::offscreen::Offscreen;
use hotline_tui::Lang;

const WARM_UP: usize = 200;
const DRAWS: usize = 3000;

fn measure(name: &str, mut state: State) {
    let mut screen = Offscreen::new(160, 48).unwrap();
    let start_ms = state.now_ms;
    let mut times = Vec::with_capacity(DRAWS);
    for i in 0..WARM_UP + DRAWS {
        state.now_ms = start_ms + (i as u64 % 600) * 1000;
        let t0 = Instant::now();
        screen.draw(&state);
        let took = t0.elapsed();
        if i >= WARM_UP {
            times.push(took);
        }
    }
    times.sort();
    let total: Duration = times.iter().sum();
    let mean = total / DRAWS as u32;
    let at = |q: f64| times[((times.len() - 1) as f64 * q).round() as usize];
    println!(
        "{name:<44} mean {:>7.1} µs  p50 {:>7.1} µs  p99 {:>7.1} µs  max {:>7.1} µs  ({DRAWS} draws)",
        mean.as_secs_f64() * 1e6,
        at(0.5).as_secs_f64() * 1e6,
        at(0.99).as_secs_f64() * 1e6,
        times[times.len() - 1].as_secs_f64() * 1e6,
    );
}

fn main() {
    for lang in [Lang::Zh, Lang::En] {
        let code = lang.code();
        measure(
            &format!("home: ringing banner + screen-pop ({code})"),
            sample::ringing(lang),
        );
        measure(
            &format!("ticket form + screen-pop, on call ({code})"),
            sample::form(lang),
        );
        let mut picker = sample::form(lang);
        picker.form.focus = Field::Category;
        measure(&format!("ticket form + category picker ({code})"), picker);
    }
}
