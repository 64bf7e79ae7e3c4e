//! Keymaps as data. A keymap file has one table per context (`global`, `main`, `ringing`,
//! `form`, `list`, `dialog`…) mapping key strings to action names:
//!
//! ```toml
//! [global]
//! f1 = "help"
//! "ctrl-q" = "quit"
//! ```
//!
//! Key strings: a character (`a`, `?`, `A` is shift-a), or a name (`f1`…`f12`, `enter`, `esc`,
//! `tab`, `backtab`, `backspace`, `delete`, `space`, `up`, `down`, `left`, `right`, `home`,
//! `end`, `pageup`, `pagedown`), optionally prefixed by `ctrl-`, `alt-`, `shift-`. The
//! application lists its action names; an unknown action, a malformed key or two spellings of
//! the same key in one context are errors naming the file, context and key.

use std::fmt;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::TuiError;
use crate::i18n::{Lang, t};

/// One key with its modifiers, normalised so it compares equal to the terminal's event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeySpec {
    pub code: KeyCode,
    pub mods: KeyModifiers,
}

impl KeySpec {
    /// Parses a key string (see the module docs).
    pub fn parse(s: &str) -> Result<KeySpec, String> {
        let mut mods = KeyModifiers::NONE;
        let mut rest = s;
        // A lone "-" is the minus key, so only strip prefixes that leave something behind.
        loop {
            let lower = rest.to_ascii_lowercase();
            let (m, len) = if lower.starts_with("ctrl-") && rest.len() > 5 {
                (KeyModifiers::CONTROL, 5)
            } else if lower.starts_with("alt-") && rest.len() > 4 {
                (KeyModifiers::ALT, 4)
            } else if lower.starts_with("shift-") && rest.len() > 6 {
                (KeyModifiers::SHIFT, 6)
            } else {
                break;
            };
            mods |= m;
            rest = &rest[len..];
        }
        let mut chars = rest.chars();
        let code = match (chars.next(), chars.next()) {
            (Some(c), None) => KeyCode::Char(c),
            _ => named(&rest.to_ascii_lowercase()).ok_or_else(|| format!("unknown key {s:?}"))?,
        };
        Ok(KeySpec { code, mods }.normalised())
    }

    /// The spec of a terminal key event.
    pub fn from_event(ev: &KeyEvent) -> KeySpec {
        KeySpec {
            code: ev.code,
            mods: ev.modifiers,
        }
        .normalised()
    }

    /// Shift is part of the character (`A`, `?`) and of back-tab, so it is dropped there;
    /// ctrl-letters are compared lower-case.
    fn normalised(mut self) -> KeySpec {
        match self.code {
            KeyCode::Char(c) => {
                if self.mods.contains(KeyModifiers::SHIFT) && c.is_ascii_lowercase() {
                    self.code = KeyCode::Char(c.to_ascii_uppercase());
                }
                self.mods.remove(KeyModifiers::SHIFT);
                if self.mods.contains(KeyModifiers::CONTROL) {
                    self.code = KeyCode::Char(c.to_ascii_lowercase());
                }
            }
            KeyCode::BackTab => self.mods.remove(KeyModifiers::SHIFT),
            _ => {}
        }
        self
    }
}

fn named(s: &str) -> Option<KeyCode> {
    Some(match s {
        "enter" | "return" => KeyCode::Enter,
        "esc" | "escape" => KeyCode::Esc,
        "tab" => KeyCode::Tab,
        "backtab" => KeyCode::BackTab,
        "backspace" => KeyCode::Backspace,
        "delete" | "del" => KeyCode::Delete,
        "space" => KeyCode::Char(' '),
        "up" => KeyCode::Up,
        "down" => KeyCode::Down,
        "left" => KeyCode::Left,
        "right" => KeyCode::Right,
        "home" => KeyCode::Home,
        "end" => KeyCode::End,
        "pageup" => KeyCode::PageUp,
        "pagedown" => KeyCode::PageDown,
        "insert" => KeyCode::Insert,
        f if f.starts_with('f') => {
            let n: u8 = f[1..].parse().ok()?;
            if (1..=12).contains(&n) {
                KeyCode::F(n)
            } else {
                return None;
            }
        }
        _ => return None,
    })
}

impl fmt::Display for KeySpec {
    /// The key as the help overlay shows it: `F2`, `Ctrl-R`, `Enter`, `a`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.mods.contains(KeyModifiers::CONTROL) {
            f.write_str("Ctrl-")?;
        }
        if self.mods.contains(KeyModifiers::ALT) {
            f.write_str("Alt-")?;
        }
        if self.mods.contains(KeyModifiers::SHIFT) {
            f.write_str("Shift-")?;
        }
        match self.code {
            KeyCode::Char(' ') => f.write_str("Space"),
            KeyCode::Char(c) if self.mods.contains(KeyModifiers::CONTROL) => {
                write!(f, "{}", c.to_ascii_uppercase())
            }
            KeyCode::Char(c) => write!(f, "{c}"),
            KeyCode::F(n) => write!(f, "F{n}"),
            KeyCode::Enter => f.write_str("Enter"),
            KeyCode::Esc => f.write_str("Esc"),
            KeyCode::Tab => f.write_str("Tab"),
            KeyCode::BackTab => f.write_str("Shift-Tab"),
            KeyCode::Backspace => f.write_str("Backspace"),
            KeyCode::Delete => f.write_str("Del"),
            KeyCode::Up => f.write_str("↑"),
            KeyCode::Down => f.write_str("↓"),
            KeyCode::Left => f.write_str("←"),
            KeyCode::Right => f.write_str("→"),
            KeyCode::Home => f.write_str("Home"),
            KeyCode::End => f.write_str("End"),
            KeyCode::PageUp => f.write_str("PgUp"),
            KeyCode::PageDown => f.write_str("PgDn"),
            other => write!(f, "{other:?}"),
        }
    }
}

/// One binding: in `context`, `key` does `action`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding {
    pub context: String,
    pub key: KeySpec,
    pub action: String,
}

/// A row of the help overlay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HelpLine {
    pub context: String,
    /// Every key bound to the action in this context, e.g. `F4, a`.
    pub keys: String,
    pub action: String,
    /// `action.<name>` from the UI strings, in the current language.
    pub description: String,
}

/// Key → action bindings per context.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Keymap {
    bindings: Vec<Binding>,
    /// The application's actions, in the order the help lists them.
    actions: Vec<String>,
}

impl Keymap {
    /// Parses a keymap file. `actions` is every action name the application knows.
    pub fn parse(text: &str, file: &str, actions: &[&str]) -> Result<Keymap, TuiError> {
        let table: toml::Table = toml::from_str(text).map_err(|e| TuiError::Parse {
            file: file.to_owned(),
            message: e.to_string(),
        })?;
        let mut bindings: Vec<Binding> = Vec::new();
        for (context, keys) in table {
            let err = |key: &str, message: String| TuiError::Key {
                file: file.to_owned(),
                context: context.clone(),
                key: key.to_owned(),
                message,
            };
            let toml::Value::Table(keys) = keys else {
                return Err(err(
                    "",
                    "a context must be a table of key = \"action\"".into(),
                ));
            };
            for (key_str, action) in keys {
                let key = KeySpec::parse(&key_str).map_err(|m| err(&key_str, m))?;
                let toml::Value::String(action) = action else {
                    return Err(err(&key_str, "the action must be a string".into()));
                };
                if !actions.contains(&action.as_str()) {
                    return Err(err(&key_str, format!("unknown action {action:?}")));
                }
                if bindings
                    .iter()
                    .any(|b| b.context == context && b.key == key)
                {
                    return Err(err(&key_str, "the same key is bound twice".into()));
                }
                bindings.push(Binding {
                    context: context.clone(),
                    key,
                    action,
                });
            }
        }
        Ok(Keymap {
            bindings,
            actions: actions.iter().map(|a| (*a).to_owned()).collect(),
        })
    }

    /// The embedded keymap with the user's `$XDG_CONFIG_HOME/hotline/keymaps/<name>.toml`
    /// laid over it.
    pub fn load(embedded: &str, name: &str, actions: &[&str]) -> Result<Keymap, TuiError> {
        let mut map = Keymap::parse(embedded, &format!("assets/keymaps/{name}.toml"), actions)?;
        if let Some(path) =
            crate::config_dir::config_dir().map(|d| d.join("keymaps").join(format!("{name}.toml")))
            && let Some(text) = crate::config_dir::read_optional(&path)?
        {
            map.merge(Keymap::parse(&text, &path.display().to_string(), actions)?);
        }
        Ok(map)
    }

    /// Lays `other` over `self`: a key bound in both (same context) takes `other`'s action.
    pub fn merge(&mut self, other: Keymap) {
        for b in other.bindings {
            self.bindings
                .retain(|old| !(old.context == b.context && old.key == b.key));
            self.bindings.push(b);
        }
    }

    /// The action of `ev`, looking in `contexts` in order (most specific first).
    pub fn action(&self, contexts: &[&str], ev: &KeyEvent) -> Option<&str> {
        let key = KeySpec::from_event(ev);
        contexts.iter().find_map(|ctx| {
            self.bindings
                .iter()
                .find(|b| b.context == *ctx && b.key == key)
                .map(|b| b.action.as_str())
        })
    }

    /// The keys bound to `action` in any of `contexts`, as shown to the user (`F4, a`).
    pub fn keys_for(&self, contexts: &[&str], action: &str) -> String {
        let mut keys: Vec<String> = Vec::new();
        for ctx in contexts {
            for b in &self.bindings {
                if b.action == action && b.context == *ctx {
                    let k = b.key.to_string();
                    if !keys.contains(&k) {
                        keys.push(k);
                    }
                }
            }
        }
        keys.join(", ")
    }

    /// The help overlay rows for `contexts`: one per action bound there, with every key for
    /// it (most specific context first), in the order of the application's action list.
    pub fn help_lines(&self, lang: Lang, contexts: &[&str]) -> Vec<HelpLine> {
        let mut lines: Vec<HelpLine> = Vec::new();
        for action in &self.actions {
            let keys = self.keys_for(contexts, action);
            if keys.is_empty() {
                continue;
            }
            let context = contexts
                .iter()
                .find(|c| {
                    self.bindings
                        .iter()
                        .any(|b| b.context == **c && b.action == *action)
                })
                .map_or_else(String::new, |c| (*c).to_owned());
            lines.push(HelpLine {
                context,
                keys,
                action: action.clone(),
                description: t(lang, &format!("action.{action}")).to_owned(),
            });
        }
        lines
    }

    pub fn bindings(&self) -> &[Binding] {
        &self.bindings
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ACTIONS: [&str; 3] = ["help", "answer", "quit"];

    fn ev(code: KeyCode, mods: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, mods)
    }

    #[test]
    fn parses_and_looks_up_by_context() {
        let map = Keymap::parse(
            "[global]\nf1 = \"help\"\n\"ctrl-q\" = \"quit\"\n[ringing]\na = \"answer\"\n",
            "t",
            &ACTIONS,
        )
        .unwrap();
        let f1 = ev(KeyCode::F(1), KeyModifiers::NONE);
        assert_eq!(map.action(&["ringing", "global"], &f1), Some("help"));
        let a = ev(KeyCode::Char('a'), KeyModifiers::NONE);
        assert_eq!(map.action(&["ringing", "global"], &a), Some("answer"));
        assert_eq!(map.action(&["global"], &a), None);
        let cq = ev(KeyCode::Char('q'), KeyModifiers::CONTROL);
        assert_eq!(map.action(&["global"], &cq), Some("quit"));
        assert_eq!(map.keys_for(&["global"], "quit"), "Ctrl-Q");
    }

    #[test]
    fn shifted_characters_match() {
        let map = Keymap::parse("[g]\n\"?\" = \"help\"\nA = \"answer\"\n", "t", &ACTIONS).unwrap();
        let q = ev(KeyCode::Char('?'), KeyModifiers::SHIFT);
        assert_eq!(map.action(&["g"], &q), Some("help"));
        let big_a = ev(KeyCode::Char('A'), KeyModifiers::SHIFT);
        assert_eq!(map.action(&["g"], &big_a), Some("answer"));
    }

    #[test]
    fn errors_are_clear() {
        let e = Keymap::parse("[g]\nf13 = \"help\"\n", "k.toml", &ACTIONS).unwrap_err();
        assert!(
            e.to_string().contains("k.toml") && e.to_string().contains("f13"),
            "{e}"
        );
        let e = Keymap::parse("[g]\nf1 = \"fly\"\n", "k.toml", &ACTIONS).unwrap_err();
        assert!(e.to_string().contains("unknown action"), "{e}");
        let e = Keymap::parse(
            "[g]\n\"ctrl-q\" = \"quit\"\n\"Ctrl-Q\" = \"help\"\n",
            "k",
            &ACTIONS,
        )
        .unwrap_err();
        assert!(e.to_string().contains("twice"), "{e}");
    }

    #[test]
    fn user_file_overrides_and_help_lists_keys() {
        let mut map = Keymap::parse("[g]\nf1 = \"help\"\nh = \"help\"\n", "t", &ACTIONS).unwrap();
        map.merge(Keymap::parse("[g]\nh = \"quit\"\n", "u", &ACTIONS).unwrap());
        let h = ev(KeyCode::Char('h'), KeyModifiers::NONE);
        assert_eq!(map.action(&["g"], &h), Some("quit"));
        let lines = map.help_lines(Lang::En, &["g"]);
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].keys, "F1");
        assert_eq!(lines[1].keys, "h");
        assert_eq!(lines[0].description, "Show this help");
    }
}
