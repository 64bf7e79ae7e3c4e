//! `[[schedule]]`: working days and hours, with a public-holiday calendar.
//!
//! Kept as the admin wrote it (strings); `ivr::schedule` turns it into periods. The checks
//! here only make sure a typo is reported at load time, with its line.

use jiff::civil::Time;
use serde::Deserialize;

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScheduleConfig {
    pub name: String,
    /// `"mon"` … `"sun"`.
    pub weekdays: Vec<String>,
    /// `"08:30-12:00"`: start inclusive, end exclusive.
    pub hours: Vec<String>,
    /// Relative to `assets_dir`; `""` = no holiday calendar.
    #[serde(default)]
    pub holidays_file: String,
}

/// Weekday spellings accepted in `weekdays` (case-insensitive).
pub const WEEKDAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// Checks one `weekdays` entry.
pub(crate) fn check_weekday(name: &str) -> Result<(), String> {
    if WEEKDAYS.contains(&name.trim().to_ascii_lowercase().as_str()) {
        Ok(())
    } else {
        Err(format!(
            "invalid weekday \"{name}\" (expected mon, tue, wed, thu, fri, sat, sun)"
        ))
    }
}

/// Checks one `hours` entry: `HH:MM-HH:MM`, ending after it starts.
pub(crate) fn check_time_range(range: &str) -> Result<(), String> {
    let invalid = || format!("invalid time range \"{range}\" (expected \"HH:MM-HH:MM\")");
    let (start, end) = range.split_once('-').ok_or_else(invalid)?;
    let parse = |t: &str| Time::strptime("%H:%M", t.trim()).map_err(|_| invalid());
    if parse(start)? >= parse(end)? {
        return Err(format!("time range \"{range}\" ends before it starts"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weekdays_and_ranges() {
        assert!(check_weekday("Mon").is_ok());
        assert!(check_weekday("fry").is_err());
        assert!(check_time_range("08:30-12:00").is_ok());
        assert!(check_time_range("12:00-08:30").is_err());
        assert!(check_time_range("8:30").is_err());
        assert!(check_time_range("25:00-26:00").is_err());
    }
}
