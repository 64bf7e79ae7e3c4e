//! Terminal keys → [`Action`]: the keymap (`assets/keymaps/supervisor.toml` with the user's
//! file laid over it) decides, in the contexts the screen is in; in text fields plain
//! characters are text.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use hotline_protocol::MonitorMode;
use hotline_tui::Keymap;

use crate::app::Action;
use crate::app::state::{Dialog, Screen, State, Tab};

pub const EMBEDDED: &str = include_str!("../../assets/keymaps/supervisor.toml");

/// Every action name a keymap may use.
pub const ACTIONS: [&str; 37] = [
    "help",
    "quit",
    "back",
    "confirm",
    "next_field",
    "prev_field",
    "next_tab",
    "prev_tab",
    "wallboard",
    "tickets",
    "reports",
    "refresh",
    "up",
    "down",
    "page_up",
    "page_down",
    "listen",
    "whisper",
    "barge",
    "takeover",
    "stop_monitor",
    "force_not_ready",
    "force_logout",
    "force_release",
    "answer_help",
    "call_agent",
    "toggle_list",
    "supervise",
    "approve_extension",
    "digest",
    "next_report",
    "cycle_by",
    "cycle_compare",
    "edit_period",
    "period_back",
    "period_forward",
    "export",
];

/// The embedded keymap with the user's file over it.
pub fn load() -> Result<Keymap, hotline_tui::TuiError> {
    Keymap::load(EMBEDDED, "supervisor", &ACTIONS)
}

/// The action a keymap name stands for.
pub fn named(name: &str) -> Option<Action> {
    Some(match name {
        "help" => Action::Help,
        "quit" => Action::Quit,
        "back" => Action::Back,
        "confirm" => Action::Confirm,
        "next_field" => Action::NextField,
        "prev_field" => Action::Up,
        "next_tab" => Action::NextTab,
        "prev_tab" => Action::PrevTab,
        "wallboard" => Action::ShowTab(Tab::Wallboard),
        "tickets" => Action::ShowTab(Tab::Tickets),
        "reports" => Action::ShowTab(Tab::Reports),
        "refresh" => Action::Refresh,
        "up" => Action::Up,
        "down" => Action::Down,
        "page_up" => Action::PageUp,
        "page_down" => Action::PageDown,
        "listen" => Action::Monitor(MonitorMode::Listen),
        "whisper" => Action::Monitor(MonitorMode::Whisper),
        "barge" => Action::Monitor(MonitorMode::Barge),
        "takeover" => Action::Monitor(MonitorMode::Takeover),
        "stop_monitor" => Action::StopMonitor,
        "force_not_ready" => Action::ForceNotReady,
        "force_logout" => Action::ForceLogout,
        "force_release" => Action::ForceRelease,
        "answer_help" => Action::AnswerHelp,
        "call_agent" => Action::CallAgent,
        "toggle_list" => Action::ToggleList,
        "supervise" => Action::Supervise,
        "approve_extension" => Action::ApproveExtension,
        "digest" => Action::ToggleDigest,
        "next_report" => Action::NextReport,
        "cycle_by" => Action::CycleBy,
        "cycle_compare" => Action::CycleCompare,
        "edit_period" => Action::EditPeriod,
        "period_back" => Action::PeriodBack,
        "period_forward" => Action::PeriodForward,
        "export" => Action::Export,
        _ => return None,
    })
}

/// The keymap contexts of the current screen, most specific first. Directors get no `seat`
/// context: their seat keys do nothing and the help does not list them.
pub fn contexts(s: &State) -> Vec<&'static str> {
    if s.screen == Screen::Login {
        return vec!["login", "global"];
    }
    if s.help {
        return vec!["dialog", "global"];
    }
    if let Some(d) = &s.dialog {
        return if d.is_form() {
            vec!["form", "dialog", "global"]
        } else {
            vec!["dialog", "global"]
        };
    }
    let mut v = Vec::new();
    match s.tab {
        Tab::Wallboard if !s.read_only() => v.push("seat"),
        Tab::Wallboard => {}
        Tab::Tickets => v.push("tickets"),
        Tab::Reports => v.push("reports"),
    }
    v.extend(["list", "main", "global"]);
    v
}

/// Whether plain characters are text on this screen.
fn typing(s: &State) -> bool {
    s.screen == Screen::Login || (!s.help && s.dialog.as_ref().is_some_and(Dialog::is_form))
}

/// The actions bound in `context`, in the order of [`ACTIONS`], each with its keys as shown
/// to the user (`k, ↑`). The help overlay and the hints are built from this.
pub fn bound(map: &Keymap, context: &str) -> Vec<(&'static str, String)> {
    ACTIONS
        .iter()
        .filter_map(|a| {
            let keys = map.keys_for(&[context], a);
            (!keys.is_empty()).then_some((*a, keys))
        })
        .collect()
}

/// The action for a key press, if any.
pub fn action_for(s: &State, map: &Keymap, ev: &KeyEvent) -> Option<Action> {
    if ev.kind == KeyEventKind::Release {
        return None;
    }
    let ctx = contexts(s);
    let plain = !ev
        .modifiers
        .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT);
    if typing(s) {
        // Text first: a keymap must not swallow letters someone is typing.
        match ev.code {
            KeyCode::Char(c) if plain => return Some(Action::Char(c)),
            KeyCode::Backspace => return Some(Action::Backspace),
            _ => {}
        }
    }
    map.action(&ctx, ev).and_then(named)
}

#[cfg(test)]
mod tests {
    use hotline_protocol::Role;
    use hotline_tui::Lang;

    use super::*;
    use crate::app::sample;

    fn key(c: KeyCode) -> KeyEvent {
        KeyEvent::new(c, KeyModifiers::NONE)
    }

    #[test]
    fn every_action_name_is_known_and_the_keymap_loads() {
        for a in ACTIONS {
            assert!(named(a).is_some(), "{a}");
        }
        let map = Keymap::parse(EMBEDDED, "supervisor.toml", &ACTIONS).unwrap();
        let s = sample::state(Lang::En, Role::Supervisor);
        assert_eq!(
            action_for(&s, &map, &key(KeyCode::Char('l'))),
            Some(Action::Monitor(MonitorMode::Listen))
        );
        let d = sample::state(Lang::En, Role::Director);
        assert_eq!(action_for(&d, &map, &key(KeyCode::Char('l'))), None);
        assert_eq!(
            action_for(&d, &map, &key(KeyCode::F(3))),
            Some(Action::ShowTab(Tab::Tickets))
        );
    }

    #[test]
    fn text_fields_take_letters() {
        let map = Keymap::parse(EMBEDDED, "supervisor.toml", &ACTIONS).unwrap();
        let mut s = sample::state(Lang::En, Role::Supervisor);
        s.screen = Screen::Login;
        assert_eq!(
            action_for(&s, &map, &key(KeyCode::Char('x'))),
            Some(Action::Char('x'))
        );
        assert_eq!(
            action_for(&s, &map, &key(KeyCode::Enter)),
            Some(Action::Confirm)
        );
    }
}
