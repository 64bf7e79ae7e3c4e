//! `[[schedule]]`: working days and hours, with public holidays and make-up working days.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

use jiff::civil::{DateTime, Time, Weekday};
use serde::de::Error as _;
use serde::{Deserialize, Deserializer};

use super::holidays::Holidays;

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScheduleConfig {
    pub name: String,
    /// `"mon"` … `"sun"`.
    #[serde(deserialize_with = "weekdays")]
    pub weekdays: Vec<Weekday>,
    /// `"08:30-12:00"`: start inclusive, end exclusive.
    pub hours: Vec<TimeRange>,
    /// Relative to `assets_dir`; `None` (`""`) = no holiday calendar.
    #[serde(default, deserialize_with = "optional_path")]
    pub holidays_file: Option<PathBuf>,
}

/// What kind of time it is for a schedule; profiles map it to a flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Period {
    Working,
    AfterHours,
    Holiday,
}

impl ScheduleConfig {
    /// The period of a local date and time. A make-up working day (调休) is a working day even
    /// on a weekend; a public holiday is off even on a weekday.
    pub fn period_at(&self, at: DateTime, holidays: &Holidays) -> Period {
        let date = at.date();
        let working_day = if holidays.is_makeup_workday(date) {
            true
        } else if holidays.is_off(date) {
            return Period::Holiday;
        } else {
            self.weekdays.contains(&date.weekday())
        };
        if working_day && self.hours.iter().any(|range| range.contains(at.time())) {
            Period::Working
        } else {
            Period::AfterHours
        }
    }
}

/// A span of the day, `start` inclusive, `end` exclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeRange {
    pub start: Time,
    pub end: Time,
}

impl TimeRange {
    pub fn contains(&self, time: Time) -> bool {
        self.start <= time && time < self.end
    }
}

impl FromStr for TimeRange {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || format!("invalid time range \"{s}\" (expected \"HH:MM-HH:MM\")");
        let (start, end) = s.split_once('-').ok_or_else(err)?;
        let parse = |t: &str| Time::strptime("%H:%M", t.trim()).map_err(|_| err());
        let range = Self { start: parse(start)?, end: parse(end)? };
        if range.start >= range.end {
            return Err(format!("time range \"{s}\" ends before it starts"));
        }
        Ok(range)
    }
}

impl fmt::Display for TimeRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.start.strftime("%H:%M"), self.end.strftime("%H:%M"))
    }
}

impl<'de> Deserialize<'de> for TimeRange {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d)?.parse().map_err(D::Error::custom)
    }
}

fn weekdays<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Weekday>, D::Error> {
    Vec::<String>::deserialize(d)?
        .iter()
        .map(|name| {
            Ok(match name.to_ascii_lowercase().as_str() {
                "mon" => Weekday::Monday,
                "tue" => Weekday::Tuesday,
                "wed" => Weekday::Wednesday,
                "thu" => Weekday::Thursday,
                "fri" => Weekday::Friday,
                "sat" => Weekday::Saturday,
                "sun" => Weekday::Sunday,
                _ => {
                    return Err(D::Error::custom(format!(
                        "invalid weekday \"{name}\" (expected mon, tue, wed, thu, fri, sat, sun)"
                    )));
                }
            })
        })
        .collect()
}

fn optional_path<'de, D: Deserializer<'de>>(d: D) -> Result<Option<PathBuf>, D::Error> {
    let text = String::deserialize(d)?;
    Ok((!text.is_empty()).then(|| PathBuf::from(text)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn office() -> ScheduleConfig {
        ScheduleConfig {
            name: "office".into(),
            weekdays: vec![
                Weekday::Monday,
                Weekday::Tuesday,
                Weekday::Wednesday,
                Weekday::Thursday,
                Weekday::Friday,
            ],
            hours: vec!["08:30-12:00".parse().unwrap(), "13:30-17:30".parse().unwrap()],
            holidays_file: None,
        }
    }

    #[test]
    fn periods_follow_hours_holidays_and_makeup_days() {
        let holidays = super::super::load_holidays(
            "[[off]]\ndate = \"2026-10-01\"\nname = \"国庆节\"\n\
             [[workday]]\ndate = \"2026-10-10\"\nname = \"国庆节调休\"\n",
        )
        .unwrap();
        let s = office();
        // Tuesday 2026-09-29.
        assert_eq!(s.period_at(date(2026, 9, 29).at(8, 30, 0, 0), &holidays), Period::Working);
        assert_eq!(s.period_at(date(2026, 9, 29).at(12, 0, 0, 0), &holidays), Period::AfterHours);
        assert_eq!(s.period_at(date(2026, 9, 29).at(17, 29, 0, 0), &holidays), Period::Working);
        // Thursday, National Day.
        assert_eq!(s.period_at(date(2026, 10, 1).at(9, 0, 0, 0), &holidays), Period::Holiday);
        // Saturday 10 Oct is a make-up working day; Saturday 17 Oct is not.
        assert_eq!(s.period_at(date(2026, 10, 10).at(9, 0, 0, 0), &holidays), Period::Working);
        assert_eq!(s.period_at(date(2026, 10, 17).at(9, 0, 0, 0), &holidays), Period::AfterHours);
    }

    #[test]
    fn time_ranges() {
        let r: TimeRange = "08:30-12:00".parse().unwrap();
        assert_eq!(r.to_string(), "08:30-12:00");
        assert!("12:00-08:30".parse::<TimeRange>().is_err());
        assert!("8:30".parse::<TimeRange>().is_err());
        assert!("25:00-26:00".parse::<TimeRange>().is_err());
    }
}
