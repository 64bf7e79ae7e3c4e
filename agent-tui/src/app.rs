//! The interactive workstation's logic: input → [`Action`] → [`update`] → [`State`] →
//! `view::render`. Nothing here does I/O; [`crate::runtime`] drives it.

pub mod action;
pub mod caller_edit;
pub mod categories;
pub mod consultations;
pub mod effect;
pub mod form;
pub mod inbox;
pub mod sample;
pub mod state;
pub mod text;
pub mod update;

pub use action::{Action, Panel};
pub use effect::Effect;
pub use state::State;
pub use update::update;
