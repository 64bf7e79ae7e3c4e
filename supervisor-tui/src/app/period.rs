//! Report periods on the workstation: defaults from the clock and moving by whole periods.

use jiff::ToSpan;
use jiff::civil::Date;
use jiff::tz::TimeZone;

/// The local date of `now_ms`.
pub fn today(now_ms: u64, tz: &TimeZone) -> Option<Date> {
    let ts = jiff::Timestamp::from_millisecond(i64::try_from(now_ms).ok()?).ok()?;
    Some(ts.to_zoned_datetime(tz.clone()).date())
}

/// The last seven days up to today, as `(from, to)`.
pub fn last_week(now_ms: u64, tz: &TimeZone) -> (String, String) {
    match today(now_ms, tz) {
        Some(d) => (d.saturating_sub(6.days()).to_string(), d.to_string()),
        None => (String::new(), String::new()),
    }
}

/// Parses both ends; `None` unless both are dates and `from` is not after `to`.
pub fn parse(from: &str, to: &str) -> Option<(Date, Date)> {
    let f: Date = from.trim().parse().ok()?;
    let t: Date = to.trim().parse().ok()?;
    (f <= t).then_some((f, t))
}

/// The period of the same length `steps` periods later (earlier when negative).
pub fn shift(from: &str, to: &str, steps: i64) -> Option<(String, String)> {
    let (f, t) = parse(from, to)?;
    let len = i64::from(t.since(f).ok()?.get_days()) + 1;
    let by = (len * steps).days();
    Some((
        f.checked_add(by).ok()?.to_string(),
        t.checked_add(by).ok()?.to_string(),
    ))
}

/// Local day `YYYY-MM-DD HH:MM` of a time, for due dates.
pub fn short_time(ms: u64, tz: &TimeZone) -> String {
    i64::try_from(ms)
        .ok()
        .and_then(|m| jiff::Timestamp::from_millisecond(m).ok())
        .map(|ts| {
            ts.to_zoned_datetime(tz.clone())
                .strftime("%m-%d %H:%M")
                .to_string()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_move_by_their_length() {
        assert_eq!(
            shift("2026-11-17", "2026-11-23", -1),
            Some(("2026-11-10".into(), "2026-11-16".into()))
        );
        assert_eq!(
            shift("2026-11-23", "2026-11-23", 1),
            Some(("2026-11-24".into(), "2026-11-24".into()))
        );
        assert_eq!(shift("2026-11-24", "2026-11-23", 1), None);
        assert_eq!(shift("x", "2026-11-23", 1), None);
    }

    #[test]
    fn defaults_from_the_clock() {
        // 2026-11-23 12:00 UTC.
        let now = 1_795_392_000_000 + 12 * 3_600_000;
        assert_eq!(
            last_week(now, &TimeZone::UTC),
            ("2026-11-17".into(), "2026-11-23".into())
        );
        assert_eq!(short_time(now, &TimeZone::UTC), "11-23 12:00");
    }
}
