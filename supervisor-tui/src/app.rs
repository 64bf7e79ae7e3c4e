//! The workstation's logic: state, the one action enum, and the pure `update`.

pub mod action;
pub mod alarms;
pub mod effect;
pub mod period;
pub mod sample;
pub mod state;
pub mod trend;
pub mod update;

pub use action::Action;
pub use alarms::{LocalAlarm, Thresholds};
pub use effect::Effect;
pub use state::State;
pub use update::update;
