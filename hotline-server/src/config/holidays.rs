//! The public-holiday calendar (`assets/data/holidays.toml`): days off and make-up working
//! days (调休), which the State Council publishes each November for the next year.

use std::collections::BTreeSet;
use std::path::Path;

use jiff::civil::Date;
use serde::Deserialize;
use serde::de::Error as _;

use super::ConfigError;
use super::locate::Source;

/// Days off and make-up working days.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Holidays {
    pub off: BTreeSet<Date>,
    pub workdays: BTreeSet<Date>,
}

impl Holidays {
    /// A public holiday: no working hours, even on a weekday.
    pub fn is_off(&self, date: Date) -> bool {
        self.off.contains(&date)
    }

    /// A make-up working day: working hours, even on a weekend.
    pub fn is_makeup_workday(&self, date: Date) -> bool {
        self.workdays.contains(&date)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    off: Vec<Entry>,
    #[serde(default)]
    workday: Vec<Entry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    #[serde(deserialize_with = "date")]
    date: Date,
    // Kept in the file for people; the calendar only needs the date.
    #[serde(rename = "name")]
    _name: String,
}

fn date<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Date, D::Error> {
    let text = String::deserialize(d)?;
    text.parse()
        .map_err(|_| D::Error::custom(format!("invalid date \"{text}\" (expected YYYY-MM-DD)")))
}

/// Parses a holiday calendar; errors are reported against `holidays.toml`.
pub fn load_holidays(text: &str) -> Result<Holidays, ConfigError> {
    parse(text, "holidays.toml")
}

/// Reads and parses a holiday calendar file; errors name the file.
pub fn load_holidays_file(path: &Path) -> Result<Holidays, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        file: path.to_owned(),
        source,
    })?;
    parse(&text, &path.display().to_string())
}

fn parse(text: &str, file: &str) -> Result<Holidays, ConfigError> {
    let source = Source::parse(file, text)?;
    let parsed: File = source.deserialize(source.root.clone())?;
    let off: BTreeSet<Date> = parsed.off.iter().map(|e| e.date).collect();
    // A date cannot be both: the file would be ambiguous, so say which entry is wrong.
    if let Some((index, entry)) = parsed
        .workday
        .iter()
        .enumerate()
        .find(|(_, e)| off.contains(&e.date))
    {
        let problem = super::locate::Problem::new(
            "workday",
            Some(index),
            "date",
            format!(
                "{} is listed both as a day off and as a make-up working day",
                entry.date
            ),
        );
        return Err(super::locate::place(problem, &source, &source));
    }
    Ok(Holidays {
        off,
        workdays: parsed.workday.iter().map(|e| e.date).collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    const BUNDLED: &str = include_str!("../../../assets/data/holidays.toml");

    #[test]
    fn bundled_2026_calendar() {
        let h = load_holidays(BUNDLED).unwrap();
        // 元旦 3 + 春节 9 + 清明 3 + 劳动节 5 + 端午 3 + 中秋 3 + 国庆 7.
        assert_eq!(h.off.len(), 33);
        assert_eq!(h.workdays.len(), 6);
        assert!(h.is_off(date(2026, 2, 17)));
        assert!(h.is_off(date(2026, 10, 7)));
        assert!(!h.is_off(date(2026, 10, 8)));
        for d in [(1, 4), (2, 14), (2, 28), (5, 9), (9, 20), (10, 10)] {
            assert!(h.is_makeup_workday(date(2026, d.0, d.1)), "{d:?}");
        }
        assert!(!h.is_makeup_workday(date(2026, 4, 4)));
    }

    #[test]
    fn errors_name_line_and_key() {
        let err = load_holidays("[[off]]\ndate = \"2026-02-30\"\nname = \"x\"\n").unwrap_err();
        assert_eq!(
            err.to_string(),
            "holidays.toml:2: key \"date\": invalid date \"2026-02-30\" (expected YYYY-MM-DD)"
        );
        let both = "[[off]]\ndate = \"2026-10-01\"\nname = \"a\"\n\
                    [[workday]]\ndate = \"2026-10-01\"\nname = \"b\"\n";
        let err = load_holidays(both).unwrap_err();
        assert_eq!(err.line(), Some(5), "{err}");
    }
}
