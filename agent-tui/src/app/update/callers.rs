//! Caller search's edit dialog: opening it on the highlighted record, its keys, saving, and
//! what the server answered.

use hotline_tui::t;

use crate::app::action::Action;
use crate::app::caller_edit::CallerDialog;
use crate::app::effect::Effect;
use crate::app::state::{Level, Overlay, State};
use crate::rest::{CallerRow, RestRequest};

/// Opens the dialog on the highlighted caller.
pub(super) fn edit_caller(s: &mut State) -> Vec<Effect> {
    match s.callers.selected() {
        Some(row) => s.overlay = Overlay::EditCaller(CallerDialog::from_row(row)),
        None => s.say_key(Level::Warning, "callers.none_selected"),
    }
    Vec::new()
}

/// Keys in the open dialog; `None` lets the key through (F-keys for the call keep working).
pub(super) fn caller_key(s: &mut State, key: &Action) -> Option<Vec<Effect>> {
    let Overlay::EditCaller(d) = &mut s.overlay else {
        return None;
    };
    match key {
        Action::NextField | Action::Down => d.focus_by(1),
        Action::PrevField | Action::Up => d.focus_by(-1),
        Action::Left => d.left_right(-1),
        Action::Right => d.left_right(1),
        Action::Input(c) => d.input(*c),
        Action::Backspace => d.backspace(),
        Action::Delete => d.delete(),
        Action::LineStart => d.home(),
        Action::LineEnd => d.end(),
        Action::Enter | Action::Submit => {
            if d.pending {
                return Some(Vec::new());
            }
            return Some(match d.to_update() {
                Ok(caller) => {
                    d.pending = true;
                    d.error = None;
                    vec![Effect::Rest(RestRequest::UpdateCaller { id: d.id, caller })]
                }
                Err(e) => {
                    d.error = Some(t(s.lang, e).to_owned());
                    Vec::new()
                }
            });
        }
        Action::Close => s.overlay = Overlay::None,
        _ => return None,
    }
    Some(Vec::new())
}

/// The server stored the record: the search row shows it and the dialog closes.
pub(super) fn saved(s: &mut State, row: CallerRow) {
    if matches!(&s.overlay, Overlay::EditCaller(d) if d.id == row.id) {
        s.overlay = Overlay::None;
    }
    if let Some(r) = s.callers.results.iter_mut().find(|r| r.id == row.id) {
        *r = row;
    }
    s.say_key(Level::Info, "caller_edit.saved");
}

/// The save failed: the dialog stays open with the reason, so nothing typed is lost.
pub(super) fn failed(s: &mut State, message: &str) {
    // 404/405 mean the route is missing: a server from before caller editing.
    let unsupported = message.starts_with("405") || message.starts_with("404: :");
    let text = if unsupported {
        t(s.lang, "caller_edit.unsupported").to_owned()
    } else {
        message.to_owned()
    };
    if let Overlay::EditCaller(d) = &mut s.overlay {
        d.pending = false;
        d.error = Some(text.clone());
    }
    s.say(Level::Error, text);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::action::Panel;
    use crate::app::sample;
    use crate::app::update::update;
    use crate::rest::RestReply;
    use hotline_tui::Lang;

    fn callers_panel() -> State {
        let mut s = sample::ready(Lang::En);
        s.panel = Panel::Callers;
        s.callers.results = sample::caller_rows();
        s.callers.sel = 1;
        s
    }

    #[test]
    fn edit_save_and_see_the_stored_record() {
        let mut s = callers_panel();
        update(&mut s, Action::EditCaller);
        let Overlay::EditCaller(d) = &s.overlay else {
            panic!("dialog open: {:?}", s.overlay)
        };
        assert_eq!(d.id, 2);
        update(&mut s, Action::LineStart);
        update(&mut s, Action::Delete);
        update(&mut s, Action::Delete);
        update(&mut s, Action::Input('李'));
        let fx = update(&mut s, Action::Enter);
        let [Effect::Rest(RestRequest::UpdateCaller { id: 2, caller })] = fx.as_slice() else {
            panic!("{fx:?}")
        };
        assert_eq!(caller.name, "李娜娜");
        assert!(
            update(&mut s, Action::Submit).is_empty(),
            "one save at a time"
        );
        let mut row = sample::caller_rows()[1].clone();
        row.name = caller.name.clone();
        update(&mut s, Action::RestDone(RestReply::CallerSaved(row)));
        assert_eq!(s.overlay, Overlay::None);
        assert_eq!(s.callers.results[1].name, "李娜娜");
    }

    #[test]
    fn a_failed_save_keeps_the_dialog_and_says_why() {
        let mut s = callers_panel();
        update(&mut s, Action::EditCaller);
        update(&mut s, Action::NextField);
        while matches!(&s.overlay, Overlay::EditCaller(d) if !d.numbers.is_empty()) {
            update(&mut s, Action::Backspace);
        }
        assert!(update(&mut s, Action::Enter).is_empty());
        let Overlay::EditCaller(d) = &s.overlay else {
            panic!()
        };
        assert_eq!(
            d.error.as_deref(),
            Some("At least one phone number is required")
        );
        update(&mut s, Action::Input('1'));
        assert_eq!(update(&mut s, Action::Enter).len(), 1);
        update(
            &mut s,
            Action::RestFailed {
                request: "update_caller",
                message: "405: : Method Not Allowed".into(),
            },
        );
        let Overlay::EditCaller(d) = &s.overlay else {
            panic!()
        };
        assert!(!d.pending);
        assert_eq!(
            d.error.as_deref(),
            Some("This server cannot edit caller records yet")
        );
    }

    #[test]
    fn nothing_to_edit_without_a_highlighted_caller() {
        let mut s = callers_panel();
        s.callers.results.clear();
        update(&mut s, Action::EditCaller);
        assert_eq!(s.overlay, Overlay::None);
        assert!(s.status.is_some());
    }
}
