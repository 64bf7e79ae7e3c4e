//! Report periods: an inclusive range of local dates, and the period it is compared with.

use jiff::ToSpan;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use serde::ser::SerializeStruct;
use serde::{Serialize, Serializer};

/// The longest period a report covers; longer ranges are refused rather than left to run.
pub const MAX_DAYS: i32 = 3660;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PeriodError {
    #[error("\"{0}\" is not a date (YYYY-MM-DD)")]
    BadDate(String),
    #[error("the period ends ({to}) before it starts ({from})")]
    Reversed { from: Date, to: Date },
    #[error("the period is longer than {MAX_DAYS} days")]
    TooLong,
    #[error("the date falls outside the supported range")]
    OutOfRange,
}

/// `from` to `to`, both days included, in the server's time zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub from: Date,
    pub to: Date,
}

/// `{"from": "YYYY-MM-DD", "to": "YYYY-MM-DD"}`.
impl Serialize for Period {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("Period", 2)?;
        st.serialize_field("from", &self.from.to_string())?;
        st.serialize_field("to", &self.to.to_string())?;
        st.end()
    }
}

/// Which earlier period a report compares with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Compare {
    /// 同比: the same dates one year earlier.
    Yoy,
    /// 环比: one month earlier; whole months map to whole months (March → February).
    Mom,
    /// The period of the same length just before.
    Prev,
}

impl Compare {
    pub fn parse(s: &str) -> Option<Compare> {
        match s {
            "yoy" => Some(Compare::Yoy),
            "mom" => Some(Compare::Mom),
            "prev" => Some(Compare::Prev),
            _ => None,
        }
    }
}

fn parse_date(s: &str) -> Result<Date, PeriodError> {
    s.trim()
        .parse::<Date>()
        .map_err(|_| PeriodError::BadDate(s.to_owned()))
}

impl Period {
    pub fn new(from: Date, to: Date) -> Result<Period, PeriodError> {
        if to < from {
            return Err(PeriodError::Reversed { from, to });
        }
        let p = Period { from, to };
        if p.days() > MAX_DAYS {
            return Err(PeriodError::TooLong);
        }
        Ok(p)
    }

    /// From the query's `from` and `to`; a missing end defaults to `today` (and a missing
    /// start to the end), so no parameters means today.
    pub fn parse(from: Option<&str>, to: Option<&str>, today: Date) -> Result<Period, PeriodError> {
        let to = to.map(parse_date).transpose()?.unwrap_or(today);
        let from = from.map(parse_date).transpose()?.unwrap_or(to);
        Period::new(from, to)
    }

    /// Days in the period (1 for a single day).
    pub fn days(&self) -> i32 {
        let mut n = 1;
        let mut d = self.from;
        // Counting is enough: periods are capped at MAX_DAYS.
        while d < self.to && n <= MAX_DAYS {
            d = d.saturating_add(1.day());
            n += 1;
        }
        n
    }

    /// Whether the period is whole calendar months (1st of a month to the last of one).
    pub fn whole_months(&self) -> bool {
        self.from.day() == 1 && self.to == self.to.last_of_month()
    }

    /// The period this one is compared with.
    pub fn compared(&self, how: Compare) -> Result<Period, PeriodError> {
        let shift =
            |d: Date, span: jiff::Span| d.checked_sub(span).map_err(|_| PeriodError::OutOfRange);
        match how {
            Compare::Prev => {
                let to = self.from.yesterday().map_err(|_| PeriodError::OutOfRange)?;
                let from = shift(to, (self.days() - 1).days())?;
                Ok(Period { from, to })
            }
            Compare::Yoy => Ok(Period {
                from: shift(self.from, 1.year())?,
                // Feb 29 has no twin: jiff clamps it to Feb 28, which keeps the range valid.
                to: shift(self.to, 1.year())?,
            }),
            Compare::Mom => {
                let from = shift(self.from, 1.month())?;
                let mut to = shift(self.to, 1.month())?;
                if self.whole_months() {
                    to = to.last_of_month();
                }
                Ok(Period { from, to })
            }
        }
    }

    /// `[start, end)` in milliseconds: local midnight of `from` to local midnight after `to`.
    pub fn bounds_ms(&self, tz: &TimeZone) -> Result<(i64, i64), PeriodError> {
        let start = |d: Date| -> Result<i64, PeriodError> {
            d.to_zoned_datetime(tz.clone())
                .map(|z| z.timestamp().as_millisecond())
                .map_err(|_| PeriodError::OutOfRange)
        };
        let after = self.to.tomorrow().map_err(|_| PeriodError::OutOfRange)?;
        Ok((start(self.from)?, start(after)?))
    }

    /// Every date of the period, in order.
    pub fn dates(&self) -> Vec<Date> {
        let mut out = Vec::new();
        let mut d = self.from;
        while d <= self.to {
            out.push(d);
            match d.tomorrow() {
                Ok(next) => d = next,
                Err(_) => break,
            }
        }
        out
    }
}

/// The change from `previous` to `current` in percent, one decimal; `None` when there was
/// nothing before (a rise from zero has no percentage).
pub fn change_pct(current: u64, previous: u64) -> Option<f64> {
    if previous == 0 {
        return None;
    }
    let pct = (current as f64 - previous as f64) * 100.0 / previous as f64;
    Some((pct * 10.0).round() / 10.0)
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;

    use super::*;

    fn p(from: Date, to: Date) -> Period {
        Period::new(from, to).unwrap()
    }

    #[test]
    fn previous_period_has_the_same_length() {
        let march = p(date(2026, 3, 1), date(2026, 3, 31));
        assert_eq!(
            march.compared(Compare::Prev).unwrap(),
            p(date(2026, 1, 29), date(2026, 2, 28))
        );
        let day = p(date(2026, 1, 1), date(2026, 1, 1));
        assert_eq!(
            day.compared(Compare::Prev).unwrap(),
            p(date(2025, 12, 31), date(2025, 12, 31))
        );
        assert_eq!(march.days(), 31);
    }

    #[test]
    fn year_on_year_clamps_the_leap_day() {
        let leap = p(date(2028, 2, 1), date(2028, 2, 29));
        assert_eq!(
            leap.compared(Compare::Yoy).unwrap(),
            p(date(2027, 2, 1), date(2027, 2, 28))
        );
        let any = p(date(2026, 11, 10), date(2026, 11, 23));
        assert_eq!(
            any.compared(Compare::Yoy).unwrap(),
            p(date(2025, 11, 10), date(2025, 11, 23))
        );
    }

    #[test]
    fn month_on_month_keeps_whole_months_whole() {
        let march = p(date(2026, 3, 1), date(2026, 3, 31));
        assert_eq!(
            march.compared(Compare::Mom).unwrap(),
            p(date(2026, 2, 1), date(2026, 2, 28))
        );
        let quarter = p(date(2026, 4, 1), date(2026, 6, 30));
        assert_eq!(
            quarter.compared(Compare::Mom).unwrap(),
            p(date(2026, 3, 1), date(2026, 5, 31))
        );
        // Any range: each end one month back, clamped to the month's end.
        let odd = p(date(2026, 3, 15), date(2026, 3, 31));
        assert!(!odd.whole_months());
        assert_eq!(
            odd.compared(Compare::Mom).unwrap(),
            p(date(2026, 2, 15), date(2026, 2, 28))
        );
    }

    #[test]
    fn parsing_defaults_and_errors() {
        let today = date(2026, 11, 23);
        assert_eq!(Period::parse(None, None, today).unwrap(), p(today, today));
        assert_eq!(
            Period::parse(Some("2026-11-01"), None, today).unwrap(),
            p(date(2026, 11, 1), today)
        );
        assert_eq!(
            Period::parse(Some("2026-13-01"), None, today),
            Err(PeriodError::BadDate("2026-13-01".into()))
        );
        assert!(matches!(
            Period::parse(Some("2026-11-02"), Some("2026-11-01"), today),
            Err(PeriodError::Reversed { .. })
        ));
        assert_eq!(
            Period::parse(Some("2000-01-01"), Some("2026-01-01"), today),
            Err(PeriodError::TooLong)
        );
    }

    #[test]
    fn bounds_are_local_midnights() {
        let tz = TimeZone::get("Asia/Shanghai").unwrap();
        let day = p(date(2026, 11, 23), date(2026, 11, 23));
        let (a, b) = day.bounds_ms(&tz).unwrap();
        assert_eq!(b - a, 86_400_000);
        // 2026-11-23 00:00 +08:00 is 2026-11-22 16:00 UTC.
        assert_eq!(a, 1_795_392_000_000 - 8 * 3_600_000);
        assert_eq!(day.dates(), [date(2026, 11, 23)]);
    }

    #[test]
    fn change_in_percent() {
        assert_eq!(change_pct(12, 10), Some(20.0));
        assert_eq!(change_pct(5, 10), Some(-50.0));
        assert_eq!(change_pct(1, 3), Some(-66.7));
        assert_eq!(change_pct(3, 0), None);
    }
}
