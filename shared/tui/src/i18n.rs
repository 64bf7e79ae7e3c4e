//! UI strings as data: `assets/i18n/{zh,en}.toml`, flattened to dotted keys (`[status] ready`
//! becomes `status.ready`). Lookups fall back to English, then to the key itself, so a missing
//! translation shows up as readable text instead of a blank.

use std::collections::HashMap;
use std::sync::OnceLock;

const ZH: &str = include_str!("../../../assets/i18n/zh.toml");
const EN: &str = include_str!("../../../assets/i18n/en.toml");
// The supervisor workstation's strings (top-level `[sup]`), merged into the same tables.
const SUP_ZH: &str = include_str!("../../../assets/i18n/supervisor.zh.toml");
const SUP_EN: &str = include_str!("../../../assets/i18n/supervisor.en.toml");

/// The language of the interface.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Lang {
    Zh,
    #[default]
    En,
}

impl Lang {
    /// From `--lang` when given, else from `LC_ALL` / `LANG` (`zh…` is Chinese).
    pub fn detect(flag: Option<&str>) -> Lang {
        if let Some(f) = flag {
            return Lang::parse(f);
        }
        let env = ["LC_ALL", "LC_MESSAGES", "LANG"]
            .iter()
            .find_map(|k| std::env::var(k).ok().filter(|v| !v.is_empty()));
        env.map_or(Lang::En, |v| Lang::parse(&v))
    }

    /// `zh`, `zh_CN.UTF-8`, `zh-Hans` → Chinese; anything else English.
    pub fn parse(s: &str) -> Lang {
        if s.to_ascii_lowercase().starts_with("zh") {
            Lang::Zh
        } else {
            Lang::En
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh",
            Lang::En => "en",
        }
    }
}

type Strings = HashMap<String, String>;

fn table(lang: Lang) -> &'static Strings {
    static ZH_T: OnceLock<Strings> = OnceLock::new();
    static EN_T: OnceLock<Strings> = OnceLock::new();
    match lang {
        // The embedded files are checked by tests; a broken one yields an empty table and
        // the lookups fall back to keys rather than crashing a live workstation.
        Lang::Zh => ZH_T.get_or_init(|| merged(&[ZH, SUP_ZH])),
        Lang::En => EN_T.get_or_init(|| merged(&[EN, SUP_EN])),
    }
}

/// The flattened keys of several strings files in one table.
fn merged(files: &[&str]) -> Strings {
    let mut out = Strings::new();
    for f in files {
        out.extend(parse_strings(f).unwrap_or_default());
    }
    out
}

/// Parses a strings file into dotted keys.
pub fn parse_strings(text: &str) -> Result<Strings, toml::de::Error> {
    let value: toml::Table = toml::from_str(text)?;
    let mut out = Strings::new();
    flatten("", &value, &mut out);
    Ok(out)
}

fn flatten(prefix: &str, table: &toml::Table, out: &mut Strings) {
    for (k, v) in table {
        let key = if prefix.is_empty() {
            k.clone()
        } else {
            format!("{prefix}.{k}")
        };
        match v {
            toml::Value::Table(t) => flatten(&key, t, out),
            toml::Value::String(s) => {
                out.insert(key, s.clone());
            }
            other => {
                out.insert(key, other.to_string());
            }
        }
    }
}

/// The string for `key` in `lang`, else in English, else the key.
pub fn t(lang: Lang, key: &str) -> &str {
    table(lang)
        .get(key)
        .or_else(|| table(Lang::En).get(key))
        .map_or(key, String::as_str)
}

/// [`t`] for a key known at compile time: the result lives as long as the program.
pub fn t_static(lang: Lang, key: &'static str) -> &'static str {
    table(lang)
        .get(key)
        .or_else(|| table(Lang::En).get(key))
        .map_or(key, String::as_str)
}

/// Whether `key` exists in the English strings (for checks of key lists such as actions).
pub fn has_key(key: &str) -> bool {
    table(Lang::En).contains_key(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_languages_have_the_same_keys() {
        let mut zh = parse_strings(ZH).unwrap();
        let mut en = parse_strings(EN).unwrap();
        let sup_zh = parse_strings(SUP_ZH).unwrap();
        let sup_en = parse_strings(SUP_EN).unwrap();
        for k in sup_zh.keys().chain(sup_en.keys()) {
            assert!(
                k.starts_with("sup."),
                "supervisor strings live under [sup]: {k}"
            );
        }
        zh.extend(sup_zh);
        en.extend(sup_en);
        let mut missing_zh: Vec<_> = en.keys().filter(|k| !zh.contains_key(*k)).collect();
        let mut missing_en: Vec<_> = zh.keys().filter(|k| !en.contains_key(*k)).collect();
        missing_zh.sort();
        missing_en.sort();
        assert!(missing_zh.is_empty(), "missing in zh.toml: {missing_zh:?}");
        assert!(missing_en.is_empty(), "missing in en.toml: {missing_en:?}");
    }

    #[test]
    fn lookup_falls_back_to_the_key() {
        assert_eq!(t(Lang::Zh, "no.such.key"), "no.such.key");
        assert_eq!(t(Lang::En, "state.ready"), "Ready");
        assert_eq!(t(Lang::Zh, "state.ready"), "就绪");
    }

    #[test]
    fn language_from_locale() {
        assert_eq!(Lang::parse("zh_CN.UTF-8"), Lang::Zh);
        assert_eq!(Lang::parse("en_US.UTF-8"), Lang::En);
        assert_eq!(Lang::parse("C"), Lang::En);
        assert_eq!(Lang::detect(Some("zh")), Lang::Zh);
    }
}
