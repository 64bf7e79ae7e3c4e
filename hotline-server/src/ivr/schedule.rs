//! Working hours, holidays and make-up working days (调休) choose which flow answers (SPEC A4).
//!
//! Pure: the caller passes the instant and the zone. Hours are local wall-clock ranges on each
//! day, start inclusive, end exclusive; `24:00` ends at midnight. A range never crosses midnight
//! (write `20:00-24:00` and `00:00-08:00` instead), so every minute belongs to exactly one date
//! and that date's holiday / make-up status decides.

use std::collections::BTreeSet;

use jiff::Timestamp;
use jiff::civil::{Date, Time, Weekday};
use jiff::tz::TimeZone;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Period {
    Working,
    AfterHours,
    Holiday,
}

/// Working days of the week and the working hours of each.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScheduleSpec {
    pub weekdays: Vec<Weekday>,
    /// `(start, end)`, end exclusive; an end of [`Time::MAX`] (written `24:00`) includes the
    /// rest of the day.
    pub hours: Vec<(Time, Time)>,
}

/// Public holidays off, and weekend days that are working days (调休 make-up days).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HolidaySpec {
    pub off: BTreeSet<Date>,
    pub workdays: BTreeSet<Date>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScheduleError {
    #[error("unknown weekday `{0}` (mon, tue, wed, thu, fri, sat, sun)")]
    Weekday(String),
    #[error(
        "bad hours `{0}`: expected HH:MM-HH:MM with the start before the end, e.g. 08:30-12:00"
    )]
    Hours(String),
    #[error("bad date `{0}`: expected YYYY-MM-DD or YYYY-MM-DD..YYYY-MM-DD")]
    Date(String),
}

impl ScheduleSpec {
    /// `weekdays` like `mon` or `monday` (or a range `mon-fri`); `hours` like `08:30-12:00`.
    pub fn parse(weekdays: &[String], hours: &[String]) -> Result<ScheduleSpec, ScheduleError> {
        let mut days = Vec::new();
        for text in weekdays {
            let text = text.trim().to_ascii_lowercase();
            match text.split_once('-') {
                Some((a, b)) => {
                    let (a, b) = (weekday(a)?, weekday(b)?);
                    let mut d = a;
                    days.push(d);
                    while d != b {
                        d = d.next();
                        days.push(d);
                    }
                }
                None => days.push(weekday(&text)?),
            }
        }
        days.sort_by_key(|d| d.to_monday_zero_offset());
        days.dedup();
        let hours = hours
            .iter()
            .map(|h| hour_range(h))
            .collect::<Result<_, _>>()?;
        Ok(ScheduleSpec {
            weekdays: days,
            hours,
        })
    }

    /// Every day, all day (a 24×7 line).
    pub fn always() -> ScheduleSpec {
        let days = [
            Weekday::Monday,
            Weekday::Tuesday,
            Weekday::Wednesday,
            Weekday::Thursday,
            Weekday::Friday,
            Weekday::Saturday,
            Weekday::Sunday,
        ];
        ScheduleSpec {
            weekdays: days.to_vec(),
            hours: vec![(Time::MIN, Time::MAX)],
        }
    }

    fn in_hours(&self, t: Time) -> bool {
        self.hours
            .iter()
            .any(|&(start, end)| t >= start && (t < end || end == Time::MAX))
    }
}

impl HolidaySpec {
    /// Dates `2026-10-01` or inclusive ranges `2026-10-01..2026-10-07`.
    pub fn parse(off: &[String], workdays: &[String]) -> Result<HolidaySpec, ScheduleError> {
        Ok(HolidaySpec {
            off: dates(off)?,
            workdays: dates(workdays)?,
        })
    }
}

fn weekday(text: &str) -> Result<Weekday, ScheduleError> {
    let text = text.trim();
    let day = match text.get(..3).unwrap_or(text) {
        "mon" => Weekday::Monday,
        "tue" => Weekday::Tuesday,
        "wed" => Weekday::Wednesday,
        "thu" => Weekday::Thursday,
        "fri" => Weekday::Friday,
        "sat" => Weekday::Saturday,
        "sun" => Weekday::Sunday,
        _ => return Err(ScheduleError::Weekday(text.to_owned())),
    };
    Ok(day)
}

fn hour_range(text: &str) -> Result<(Time, Time), ScheduleError> {
    let bad = || ScheduleError::Hours(text.to_owned());
    let (a, b) = text.trim().split_once('-').ok_or_else(bad)?;
    let start: Time = a.trim().parse().map_err(|_| bad())?;
    let end = match b.trim() {
        "24:00" => Time::MAX,
        b => b.parse::<Time>().map_err(|_| bad())?,
    };
    if end <= start {
        return Err(bad());
    }
    Ok((start, end))
}

fn dates(list: &[String]) -> Result<BTreeSet<Date>, ScheduleError> {
    let mut out = BTreeSet::new();
    for text in list {
        let bad = || ScheduleError::Date(text.clone());
        let parse = |s: &str| s.trim().parse::<Date>().map_err(|_| bad());
        match text.split_once("..") {
            Some((a, b)) => {
                let (mut d, last) = (parse(a)?, parse(b)?);
                // A year at most: a typo like 2026..2062 should not fill memory.
                if last < d || d.until(last).map_or(true, |span| span.get_days() > 366) {
                    return Err(bad());
                }
                while d <= last {
                    out.insert(d);
                    d = d.tomorrow().map_err(|_| bad())?;
                }
            }
            None => {
                out.insert(parse(text)?);
            }
        }
    }
    Ok(out)
}

/// The period at an instant, in the hotline's time zone.
pub fn period_at(
    schedule: &ScheduleSpec,
    holidays: &HolidaySpec,
    tz: &TimeZone,
    at: Timestamp,
) -> Period {
    let local = tz.to_datetime(at);
    let date = local.date();
    if holidays.off.contains(&date) {
        return Period::Holiday;
    }
    let working_day =
        holidays.workdays.contains(&date) || schedule.weekdays.contains(&date.weekday());
    if working_day && schedule.in_hours(local.time()) {
        Period::Working
    } else {
        Period::AfterHours
    }
}

/// The flow for a period: an empty after-hours flow means a 24×7 line (always `flow`); an
/// empty holiday flow falls back to the after-hours one.
pub fn choose_flow<'a>(
    flow: &'a str,
    after_hours_flow: &'a str,
    holiday_flow: &'a str,
    period: Period,
) -> &'a str {
    let after_hours = if after_hours_flow.is_empty() {
        flow
    } else {
        after_hours_flow
    };
    match period {
        Period::Working => flow,
        Period::AfterHours => after_hours,
        Period::Holiday if holiday_flow.is_empty() => after_hours,
        Period::Holiday => holiday_flow,
    }
}

#[cfg(test)]
mod tests;
