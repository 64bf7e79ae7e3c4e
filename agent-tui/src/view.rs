//! `render`: draws the state. It reads `State` and never changes it; sizes adapt from 80×24 up.

// Render functions name the state `s` and the frame `f` throughout; with the usual short
// layout names that trips the single-character-names lint without hurting readability.
#![allow(clippy::many_single_char_names)]

mod consultations;
mod dialogs;
mod form;
mod help;
mod home;
mod inbox;
mod list_preview;
mod login;
mod queue;
mod search;
mod status;
mod util;

use hotline_tui::{Keymap, Theme};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout};

use crate::app::state::{Overlay, Screen, State};
use crate::app::{Panel, action};

/// What rendering needs besides the state: the theme and the keymap (for key hints and help).
#[derive(Debug, Clone)]
pub struct Ui {
    pub theme: Theme,
    pub keymap: Keymap,
}

/// The embedded agent keymap.
pub const AGENT_KEYMAP: &str = include_str!("../../assets/keymaps/agent.toml");

impl Ui {
    /// Built-in theme and keymap, no user files (tests and snapshots).
    pub fn builtin() -> Result<Ui, hotline_tui::TuiError> {
        Ok(Ui {
            theme: Theme::builtin("default")?,
            keymap: Keymap::parse(AGENT_KEYMAP, "assets/keymaps/agent.toml", &action::NAMES)?,
        })
    }

    /// Theme `theme` and the agent keymap, each merged with the user's file.
    pub fn load(theme: &str) -> Result<Ui, hotline_tui::TuiError> {
        Ok(Ui {
            theme: Theme::load(theme)?,
            keymap: Keymap::load(AGENT_KEYMAP, "agent", &action::NAMES)?,
        })
    }
}

/// Draws the whole screen.
pub fn render(s: &State, ui: &Ui, f: &mut Frame) {
    let area = f.area();
    match s.screen {
        Screen::Login => login::render(s, ui, f, area),
        Screen::Main => {
            let banner = if s.offer.is_some() { 2 } else { 0 };
            let [bar, banner_area, body, hints, msg] = Layout::vertical([
                Constraint::Length(1),
                Constraint::Length(banner),
                Constraint::Min(3),
                Constraint::Length(1),
                Constraint::Length(1),
            ])
            .areas(area);
            status::render_bar(s, ui, f, bar);
            if banner > 0 {
                home::render_banner(s, ui, f, banner_area);
            }
            match s.panel {
                Panel::Home => home::render(s, ui, f, body),
                Panel::Queue => queue::render(s, ui, f, body),
                Panel::TicketForm => form::render(s, ui, f, body),
                Panel::Knowledge | Panel::Tickets | Panel::Callers => {
                    search::render(s, ui, f, body);
                }
                Panel::Inbox => inbox::render(s, ui, f, body),
                Panel::Consultations => consultations::render(s, ui, f, body),
            }
            status::render_hints(s, ui, f, hints);
            status::render_message(s, ui, f, msg);
        }
    }
    match &s.overlay {
        Overlay::None => {}
        Overlay::Help => help::render(s, ui, f, area),
        other => dialogs::render(s, other, ui, f, area),
    }
}
