//! Shared terminal pieces for the Hotline workstations: UI strings in two languages, themes and
//! keymaps as data merged with user files, CJK-aware width helpers, a terminal guard that always
//! restores the screen, the interactive event loop, a few small widgets, and the client side
//! of the server (WebSocket session with its media leg, REST calls).

#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod cli;
pub mod client;
pub mod config_dir;
pub mod error;
pub mod i18n;
pub mod keymap;
pub mod runtime;
pub mod terminal;
pub mod theme;
pub mod widgets;
pub mod width;

pub use error::TuiError;
pub use i18n::{Lang, t};
pub use keymap::{HelpLine, KeySpec, Keymap};
pub use theme::Theme;
