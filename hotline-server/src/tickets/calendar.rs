//! Working time: working days (Mon–Fri, minus public holidays, plus make-up working days 调休)
//! and working hours (08:30–12:00 and 13:30–17:30 by default), in a given time zone.
//!
//! **Day limits** end at the close of the Nth working day *after* the start day: the start day
//! is not counted, and on the last day the period ends when business stops. This is how the
//! Civil Code counts periods (民法典 第二百零一条、第二百零三条: 开始的当日不计入; 有业务时间的,
//! 停止业务活动的时间为截止时间), so a ticket dispatched at 16:00 or at 09:00 on a Monday with a
//! one-day limit is due at 17:30 on Tuesday — a department never loses a day to a late dispatch.
//!
//! **Hour limits** count only time inside the working periods: four working hours from Friday
//! 16:00 end on Monday at 11:00.
//!
//! All arithmetic is done per working period in timestamps, so it stays exact across offset
//! changes in zones that have them.

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use jiff::civil::{Date, Time, Weekday};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

use super::error::{CalendarError, RulesError};

/// How far a search for a working day may run before the calendar is declared broken.
const MAX_DAYS_SCANNED: u32 = 366 * 20;

/// An amount of working time: whole working days or working hours. In TOML: `{ days = 3 }` or
/// `{ hours = 4 }`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TimeLimit {
    Days(u32),
    Hours(u32),
}

impl TimeLimit {
    /// Roughly how much working time this is (a day counts as one full working day), for
    /// deciding which of two limits is stricter.
    pub fn working_duration(self, hours: &WorkingHours) -> SignedDuration {
        match self {
            TimeLimit::Days(d) => hours.day_length() * d as i32,
            TimeLimit::Hours(h) => SignedDuration::from_hours(i64::from(h)),
        }
    }
}

impl fmt::Display for TimeLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TimeLimit::Days(d) => write!(f, "{d}d"),
            TimeLimit::Hours(h) => write!(f, "{h}h"),
        }
    }
}

impl FromStr for TimeLimit {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || format!("\"{s}\" is not a time limit (expected e.g. 3d or 4h)");
        let (n, unit) = s.split_at(s.len().saturating_sub(1));
        let n: u32 = n.parse().map_err(|_| bad())?;
        match unit {
            "d" => Ok(TimeLimit::Days(n)),
            "h" => Ok(TimeLimit::Hours(n)),
            _ => Err(bad()),
        }
    }
}

/// The working periods of a working day, in local time: sorted, non-empty, not overlapping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkingHours {
    periods: Vec<(Time, Time)>,
}

impl Default for WorkingHours {
    /// 08:30–12:00 and 13:30–17:30, the usual office hours of government departments.
    fn default() -> Self {
        Self {
            periods: vec![
                (
                    jiff::civil::time(8, 30, 0, 0),
                    jiff::civil::time(12, 0, 0, 0),
                ),
                (
                    jiff::civil::time(13, 30, 0, 0),
                    jiff::civil::time(17, 30, 0, 0),
                ),
            ],
        }
    }
}

impl WorkingHours {
    /// Periods must be non-empty, each start before its end, and in order without overlap.
    pub fn new(periods: Vec<(Time, Time)>) -> Result<Self, String> {
        if periods.is_empty() {
            return Err("working hours need at least one period".to_owned());
        }
        for (i, (start, end)) in periods.iter().enumerate() {
            if start >= end {
                return Err(format!("period {start}–{end} ends before it starts"));
            }
            if i > 0 && periods[i - 1].1 > *start {
                return Err(format!("period {start}–{end} overlaps the one before"));
            }
        }
        Ok(Self { periods })
    }

    pub fn periods(&self) -> &[(Time, Time)] {
        &self.periods
    }

    /// Working time in one working day (7 h 30 min by default).
    pub fn day_length(&self) -> SignedDuration {
        self.periods.iter().map(|(s, e)| e.duration_since(*s)).sum()
    }

    /// When business stops (17:30 by default): the due time of day limits.
    pub fn close(&self) -> Time {
        self.periods.last().map_or(Time::MAX, |p| p.1)
    }
}

/// Which days are working days, and the working hours of each.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WorkCalendar {
    /// Public holidays: off even on a weekday.
    pub off: BTreeSet<Date>,
    /// Make-up working days (调休): working even on a weekend.
    pub workdays: BTreeSet<Date>,
    pub hours: WorkingHours,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct HolidayFile {
    #[serde(default)]
    off: Vec<HolidayEntry>,
    #[serde(default)]
    workday: Vec<HolidayEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct HolidayEntry {
    date: String,
    #[serde(default, rename = "name")]
    _name: String,
}

impl WorkCalendar {
    pub fn new(off: BTreeSet<Date>, workdays: BTreeSet<Date>) -> Self {
        Self {
            off,
            workdays,
            hours: WorkingHours::default(),
        }
    }

    #[must_use]
    pub fn with_hours(mut self, hours: WorkingHours) -> Self {
        self.hours = hours;
        self
    }

    /// Reads the `assets/data/holidays.toml` format (`[[off]]` / `[[workday]]` entries with
    /// `date` and `name`). The config module owns the real loader; this one keeps the ticket
    /// rules testable on their own.
    pub fn from_holidays_toml(text: &str) -> Result<Self, RulesError> {
        const FILE: &str = "holidays.toml";
        let file: HolidayFile = toml::from_str(text).map_err(|e| RulesError::Parse {
            file: FILE,
            message: e.message().to_owned(),
        })?;
        let dates = |entries: &[HolidayEntry]| -> Result<BTreeSet<Date>, RulesError> {
            entries
                .iter()
                .map(|e| {
                    e.date.parse::<Date>().map_err(|_| RulesError::Invalid {
                        file: FILE,
                        problem: format!("invalid date \"{}\" (expected YYYY-MM-DD)", e.date),
                    })
                })
                .collect()
        };
        let off = dates(&file.off)?;
        let workdays = dates(&file.workday)?;
        if let Some(both) = off.intersection(&workdays).next() {
            return Err(RulesError::Invalid {
                file: FILE,
                problem: format!("{both} is both a day off and a make-up working day"),
            });
        }
        Ok(Self::new(off, workdays))
    }

    pub fn is_working_day(&self, date: Date) -> bool {
        if self.workdays.contains(&date) {
            return true;
        }
        !self.off.contains(&date) && !matches!(date.weekday(), Weekday::Saturday | Weekday::Sunday)
    }

    /// The first working day strictly after `date`.
    pub fn next_working_day(&self, date: Date) -> Result<Date, CalendarError> {
        let mut day = date;
        for _ in 0..MAX_DAYS_SCANNED {
            day = day.tomorrow()?;
            if self.is_working_day(day) {
                return Ok(day);
            }
        }
        Err(no_working_day(date))
    }

    /// The working periods of `date` as timestamps (none on a day off).
    fn windows(
        &self,
        date: Date,
        tz: &TimeZone,
    ) -> Result<Vec<(Timestamp, Timestamp)>, CalendarError> {
        if !self.is_working_day(date) {
            return Ok(Vec::new());
        }
        self.hours
            .periods
            .iter()
            .map(|(s, e)| {
                Ok((
                    tz.to_timestamp(date.to_datetime(*s))?,
                    tz.to_timestamp(date.to_datetime(*e))?,
                ))
            })
            .collect()
    }
}

fn no_working_day(from: Date) -> CalendarError {
    CalendarError(format!(
        "no working time within {MAX_DAYS_SCANNED} days of {from}"
    ))
}

/// The close of business on the `days`-th working day after the local date of `start` (the
/// start day is not counted). With `days == 0`: the close of the start day if it is a working
/// day and business has not stopped yet, else of the next working day.
pub fn add_working_days(
    start: Timestamp,
    days: u32,
    cal: &WorkCalendar,
    tz: &TimeZone,
) -> Result<Timestamp, CalendarError> {
    let local = tz.to_datetime(start);
    let close = cal.hours.close();
    let mut day = local.date();
    if days == 0 {
        if !(cal.is_working_day(day) && local.time() < close) {
            day = cal.next_working_day(day)?;
        }
    } else {
        for _ in 0..days {
            day = cal.next_working_day(day)?;
        }
    }
    Ok(tz.to_timestamp(day.to_datetime(close))?)
}

/// The moment `hours` working hours after `start`.
pub fn add_working_hours(
    start: Timestamp,
    hours: u32,
    cal: &WorkCalendar,
    tz: &TimeZone,
) -> Result<Timestamp, CalendarError> {
    add_working_time(start, SignedDuration::from_hours(i64::from(hours)), cal, tz)
}

/// `start` moved by `amount` of working time; backwards when `amount` is negative. Forwards, a
/// result at the end of a period stays there (12:00, not 13:30); backwards, it stays at the
/// start of a period (08:30, not 17:30 the day before), so reminders go out in office hours.
pub fn add_working_time(
    start: Timestamp,
    amount: SignedDuration,
    cal: &WorkCalendar,
    tz: &TimeZone,
) -> Result<Timestamp, CalendarError> {
    if amount.is_zero() {
        return Ok(start);
    }
    let backwards = amount.is_negative();
    let mut remaining = amount.abs();
    let mut day = tz.to_datetime(start).date();
    for _ in 0..MAX_DAYS_SCANNED {
        let mut windows = cal.windows(day, tz)?;
        if backwards {
            windows.reverse();
        }
        for (ws, we) in windows {
            if backwards {
                let to = we.min(start);
                if to <= ws {
                    continue;
                }
                let available = to.duration_since(ws);
                if remaining <= available {
                    return Ok(to.checked_sub(remaining)?);
                }
                remaining -= available;
            } else {
                let from = ws.max(start);
                if from >= we {
                    continue;
                }
                let available = we.duration_since(from);
                if remaining <= available {
                    return Ok(from.checked_add(remaining)?);
                }
                remaining -= available;
            }
        }
        day = if backwards {
            day.yesterday()?
        } else {
            day.tomorrow()?
        };
    }
    Err(no_working_day(tz.to_datetime(start).date()))
}

/// `start` moved forward by a [`TimeLimit`].
pub fn add_limit(
    start: Timestamp,
    limit: TimeLimit,
    cal: &WorkCalendar,
    tz: &TimeZone,
) -> Result<Timestamp, CalendarError> {
    match limit {
        TimeLimit::Days(d) => add_working_days(start, d, cal, tz),
        TimeLimit::Hours(h) => add_working_hours(start, h, cal, tz),
    }
}

/// Working time from `from` to `to`; negative when `to` is earlier.
pub fn working_time_between(
    from: Timestamp,
    to: Timestamp,
    cal: &WorkCalendar,
    tz: &TimeZone,
) -> Result<SignedDuration, CalendarError> {
    if to < from {
        return working_time_between(to, from, cal, tz).map(|d| -d);
    }
    let last = tz.to_datetime(to).date();
    let mut day = tz.to_datetime(from).date();
    let mut total = SignedDuration::ZERO;
    loop {
        for (ws, we) in cal.windows(day, tz)? {
            let (a, b) = (ws.max(from), we.min(to));
            if a < b {
                total += b.duration_since(a);
            }
        }
        if day >= last {
            return Ok(total);
        }
        day = day.tomorrow()?;
    }
}

#[cfg(test)]
mod tests;
