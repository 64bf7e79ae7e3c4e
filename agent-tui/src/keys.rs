//! Terminal input → [`Action`], through the keymap. Where the agent is typing (log-in, forms,
//! search boxes, dialogs with text), plain characters are text; everything else is looked up
//! in the keymap for the contexts the state is in.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use hotline_tui::Keymap;

use crate::app::{Action, State};

/// The action for a key press, if any.
pub fn action_for(state: &State, keymap: &Keymap, ev: &KeyEvent) -> Option<Action> {
    if ev.kind == KeyEventKind::Release {
        return None;
    }
    if state.typing()
        && let KeyCode::Char(c) = ev.code
        && !ev
            .modifiers
            .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT)
    {
        return Some(Action::Input(c));
    }
    keymap
        .action(&state.contexts(), ev)
        .and_then(Action::from_name)
}

/// Pasted text as typed characters (only where typing; line breaks only in the description).
pub fn paste(state: &State, text: &str) -> Vec<Action> {
    if !state.typing() {
        return Vec::new();
    }
    text.chars()
        .filter(|c| *c != '\r')
        .map(|c| {
            if c == '\n' {
                Action::Enter
            } else {
                Action::Input(c)
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::sample;
    use crate::view::Ui;
    use hotline_tui::Lang;

    fn key(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    #[test]
    fn letters_are_commands_on_the_main_screen_and_text_in_forms() {
        let ui = Ui::builtin().unwrap();
        let mut s = sample::ringing(Lang::En);
        assert_eq!(
            action_for(&s, &ui.keymap, &key(KeyCode::Char('a'))),
            Some(Action::Answer)
        );
        assert_eq!(
            action_for(&s, &ui.keymap, &key(KeyCode::F(4))),
            Some(Action::Answer)
        );
        s.panel = crate::app::Panel::TicketForm;
        assert_eq!(
            action_for(&s, &ui.keymap, &key(KeyCode::Char('a'))),
            Some(Action::Input('a'))
        );
        assert_eq!(
            action_for(&s, &ui.keymap, &key(KeyCode::Char('路'))),
            Some(Action::Input('路'))
        );
        assert_eq!(
            action_for(&s, &ui.keymap, &key(KeyCode::F(4))),
            Some(Action::Answer)
        );
        let ctrl_s = KeyEvent::new(KeyCode::Char('s'), KeyModifiers::CONTROL);
        assert_eq!(action_for(&s, &ui.keymap, &ctrl_s), Some(Action::Submit));
    }
}
