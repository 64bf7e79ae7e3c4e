//! The log-in screen: typing in the fields, choosing the audio devices, logging in.

use hotline_tui::t;

use crate::app::action::Action;
use crate::app::effect::Effect;
use crate::app::state::{Conn, LoginField, LoginForm, Overlay, State};
use crate::app::text::Caret;

/// The field after `f`; the device fields only when there are devices to choose.
fn next(l: &LoginForm, f: LoginField) -> LoginField {
    match f {
        LoginField::Server => LoginField::User,
        LoginField::User => LoginField::Password,
        LoginField::Password if l.has_devices() => LoginField::Input,
        LoginField::Input => LoginField::Output,
        LoginField::Password | LoginField::Output => LoginField::Server,
    }
}

fn prev(l: &LoginForm, f: LoginField) -> LoginField {
    match f {
        LoginField::Server if l.has_devices() => LoginField::Output,
        LoginField::Server | LoginField::Input => LoginField::Password,
        LoginField::User => LoginField::Server,
        LoginField::Password => LoginField::User,
        LoginField::Output => LoginField::Input,
    }
}

/// The device after (`by` = 1) or before (-1) `current` among the default (`None`) and `names`.
fn cycle(current: Option<&String>, names: &[String], by: isize) -> Option<String> {
    let n = names.len() as isize + 1;
    let i = current
        .and_then(|c| names.iter().position(|d| d == c))
        .map_or(0, |i| i as isize + 1);
    let j = (i + by).rem_euclid(n);
    (j > 0).then(|| names[(j - 1) as usize].clone())
}

/// Left/right on a device field: the next device, and the sound card restarted with it.
fn choose_device(l: &mut LoginForm, by: isize) -> Vec<Effect> {
    match l.focus {
        LoginField::Input if !l.inputs.is_empty() => {
            l.input = cycle(l.input.as_ref(), &l.inputs, by);
        }
        LoginField::Output if !l.outputs.is_empty() => {
            l.output = cycle(l.output.as_ref(), &l.outputs, by);
        }
        _ => return Vec::new(),
    }
    // Until the runtime says otherwise, the switch worked.
    l.audio = "cpal".into();
    vec![Effect::SwitchAudio {
        input: l.input.clone(),
        output: l.output.clone(),
    }]
}

fn submit(s: &mut State) -> Vec<Effect> {
    let l = &mut s.login;
    if l.pending {
        return Vec::new();
    }
    if l.server.trim().is_empty() || l.user.trim().is_empty() || l.password.is_empty() {
        l.error = Some(t(s.lang, "login.missing").to_owned());
        return Vec::new();
    }
    l.pending = true;
    l.error = None;
    s.conn = Conn::Connecting;
    vec![
        Effect::SaveLogin {
            server: l.server.trim().to_owned(),
            user: l.user.trim().to_owned(),
        },
        Effect::Connect {
            server: l.server.trim().to_owned(),
            user: l.user.trim().to_owned(),
            password: l.password.clone(),
        },
    ]
}

pub(super) fn login_key(s: &mut State, key: &Action) -> Vec<Effect> {
    let l = &mut s.login;
    let on_device = matches!(l.focus, LoginField::Input | LoginField::Output);
    let field = match l.focus {
        LoginField::Server => Some(&mut l.server),
        LoginField::User => Some(&mut l.user),
        LoginField::Password => Some(&mut l.password),
        LoginField::Input | LoginField::Output => None,
    };
    if let Some(field) = field {
        let caret = &mut l.caret;
        match key {
            Action::Input(c) => caret.insert(field, *c),
            Action::Backspace => caret.backspace(field),
            Action::Delete => caret.delete(field),
            Action::Left => caret.left(field),
            Action::Right => caret.right(field),
            Action::LineStart => caret.home(field),
            Action::LineEnd => caret.end(field),
            _ => {}
        }
    }
    match key {
        Action::Left | Action::Right if on_device => {
            let by = if *key == Action::Left { -1 } else { 1 };
            return choose_device(l, by);
        }
        Action::NextField | Action::Down => {
            l.focus = next(l, l.focus);
            l.caret = Caret::END;
        }
        Action::PrevField | Action::Up => {
            l.focus = prev(l, l.focus);
            l.caret = Caret::END;
        }
        Action::Enter if matches!(l.focus, LoginField::Server | LoginField::User) => {
            l.focus = next(l, l.focus);
            l.caret = Caret::END;
        }
        Action::Enter | Action::Submit => return submit(s),
        Action::Help => {
            s.overlay = if s.overlay == Overlay::Help {
                Overlay::None
            } else {
                Overlay::Help
            };
        }
        Action::Close => s.overlay = Overlay::None,
        _ => {}
    }
    Vec::new()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::update::update;
    use hotline_tui::Lang;

    fn with_devices() -> State {
        let mut s = State::new(Lang::En);
        s.login.inputs = vec!["USB 耳麦".into(), "Built-in Mic".into()];
        s.login.outputs = vec!["USB 耳麦".into()];
        s.login.focus = LoginField::Password;
        s
    }

    #[test]
    fn devices_are_chosen_with_left_and_right_and_switch_the_sound_card() {
        let mut s = with_devices();
        update(&mut s, Action::NextField);
        assert_eq!(s.login.focus, LoginField::Input);
        let fx = update(&mut s, Action::Right);
        assert_eq!(
            fx,
            [Effect::SwitchAudio {
                input: Some("USB 耳麦".into()),
                output: None
            }]
        );
        update(&mut s, Action::Right);
        assert_eq!(s.login.input.as_deref(), Some("Built-in Mic"));
        update(&mut s, Action::Right);
        assert_eq!(s.login.input, None, "wraps round to the default");
        update(&mut s, Action::Left);
        assert_eq!(s.login.input.as_deref(), Some("Built-in Mic"));
        update(&mut s, Action::Input('x'));
        assert_eq!(s.login.password, "", "no typing into a device field");
        update(&mut s, Action::NextField);
        update(&mut s, Action::Left);
        assert_eq!(s.login.output.as_deref(), Some("USB 耳麦"));
        update(&mut s, Action::NextField);
        assert_eq!(s.login.focus, LoginField::Server);
        update(&mut s, Action::PrevField);
        assert_eq!(s.login.focus, LoginField::Output);
    }

    #[test]
    fn without_a_sound_card_the_device_fields_are_skipped() {
        let mut s = State::new(Lang::En);
        s.login.focus = LoginField::Password;
        update(&mut s, Action::NextField);
        assert_eq!(s.login.focus, LoginField::Server);
        update(&mut s, Action::PrevField);
        assert_eq!(s.login.focus, LoginField::Password);
        assert!(update(&mut s, Action::Left).is_empty());
    }

    #[test]
    fn the_caret_edits_inside_a_field() {
        let mut s = State::new(Lang::En);
        s.login.focus = LoginField::User;
        for c in "agnt1".chars() {
            update(&mut s, Action::Input(c));
        }
        update(&mut s, Action::LineStart);
        update(&mut s, Action::Right);
        update(&mut s, Action::Right);
        update(&mut s, Action::Input('e'));
        update(&mut s, Action::LineEnd);
        update(&mut s, Action::Left);
        update(&mut s, Action::Delete);
        assert_eq!(s.login.user, "agent");
    }
}
