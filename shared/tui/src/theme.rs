//! Colours and text styles as data: `assets/themes/*.toml` embedded, merged with the user's
//! `$XDG_CONFIG_HOME/hotline/theme.toml`. Widgets ask for a style by role (`status.ready`,
//! `banner.ringing`), so a theme file can restyle everything without touching code.

use std::collections::HashMap;
use std::str::FromStr;

use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;

use crate::TuiError;

const DEFAULT: &str = include_str!("../../../assets/themes/default.toml");
const LIGHT: &str = include_str!("../../../assets/themes/light.toml");

/// The names of the built-in themes.
pub const BUILTIN: [&str; 2] = ["default", "light"];

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ThemeFile {
    #[serde(default)]
    styles: HashMap<String, StyleSpec>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct StyleSpec {
    fg: Option<String>,
    bg: Option<String>,
    #[serde(default)]
    bold: bool,
    #[serde(default)]
    italic: bool,
    #[serde(default)]
    underline: bool,
    #[serde(default)]
    reversed: bool,
    #[serde(default)]
    dim: bool,
}

/// A set of named styles.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Theme {
    styles: HashMap<String, Style>,
}

impl Theme {
    /// Parses a theme file; `file` names it in errors.
    pub fn parse(text: &str, file: &str) -> Result<Theme, TuiError> {
        let parsed: ThemeFile = toml::from_str(text).map_err(|e| TuiError::Parse {
            file: file.to_owned(),
            message: e.to_string(),
        })?;
        let mut styles = HashMap::new();
        for (key, spec) in parsed.styles {
            let style = spec.to_style().map_err(|message| TuiError::Style {
                file: file.to_owned(),
                key: key.clone(),
                message,
            })?;
            styles.insert(key, style);
        }
        Ok(Theme { styles })
    }

    /// A built-in theme by name (`default`, `light`); `light` is laid over `default`.
    pub fn builtin(name: &str) -> Result<Theme, TuiError> {
        let mut theme = Theme::parse(DEFAULT, "assets/themes/default.toml")?;
        match name {
            "default" => {}
            "light" => theme.merge(Theme::parse(LIGHT, "assets/themes/light.toml")?),
            other => {
                return Err(TuiError::Parse {
                    file: "theme".into(),
                    message: format!("no built-in theme {other:?} (have {BUILTIN:?})"),
                });
            }
        }
        Ok(theme)
    }

    /// The built-in theme `name` with the user's `theme.toml` laid over it, if there is one.
    pub fn load(name: &str) -> Result<Theme, TuiError> {
        let mut theme = Theme::builtin(name)?;
        if let Some(path) = crate::config_dir::config_dir().map(|d| d.join("theme.toml"))
            && let Some(text) = crate::config_dir::read_optional(&path)?
        {
            theme.merge(Theme::parse(&text, &path.display().to_string())?);
        }
        Ok(theme)
    }

    /// Lays `other` over `self`: its styles replace those of the same name.
    pub fn merge(&mut self, other: Theme) {
        self.styles.extend(other.styles);
    }

    /// The style for `role`, or the plain style when the theme does not set it.
    pub fn style(&self, role: &str) -> Style {
        self.styles.get(role).copied().unwrap_or_default()
    }
}

impl StyleSpec {
    fn to_style(&self) -> Result<Style, String> {
        let colour = |s: &Option<String>| -> Result<Option<Color>, String> {
            s.as_deref()
                .map(|c| Color::from_str(c).map_err(|_| format!("unknown colour {c:?}")))
                .transpose()
        };
        let mut style = Style::default();
        if let Some(fg) = colour(&self.fg)? {
            style = style.fg(fg);
        }
        if let Some(bg) = colour(&self.bg)? {
            style = style.bg(bg);
        }
        for (on, m) in [
            (self.bold, Modifier::BOLD),
            (self.italic, Modifier::ITALIC),
            (self.underline, Modifier::UNDERLINED),
            (self.reversed, Modifier::REVERSED),
            (self.dim, Modifier::DIM),
        ] {
            if on {
                style = style.add_modifier(m);
            }
        }
        Ok(style)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtins_parse() {
        for name in BUILTIN {
            let t = Theme::builtin(name).unwrap();
            assert_ne!(t.style("title"), Style::default(), "{name}");
        }
        assert!(Theme::builtin("neon").is_err());
    }

    #[test]
    fn user_file_overrides_and_errors_name_the_key() {
        let mut t = Theme::builtin("default").unwrap();
        t.merge(Theme::parse("[styles]\ntitle = { fg = \"red\" }\n", "user").unwrap());
        assert_eq!(t.style("title"), Style::default().fg(Color::Red));
        let err = Theme::parse("[styles]\ntitle = { fg = \"reddish\" }\n", "user.toml")
            .unwrap_err()
            .to_string();
        assert!(err.contains("user.toml") && err.contains("title"), "{err}");
        assert!(Theme::parse("[styles]\nx = { colour = 1 }\n", "u").is_err());
    }
}
