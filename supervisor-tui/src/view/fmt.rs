//! Numbers and times as the screens write them.

use jiff::tz::TimeZone;

/// `MM:SS`, or `H:MM:SS` from an hour on.
pub fn duration(ms: u64) -> String {
    let s = ms / 1000;
    if s >= 3600 {
        format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
    } else {
        format!("{:02}:{:02}", s / 60, s % 60)
    }
}

/// Seconds with one unit: `12s`, `3m05s`.
pub fn secs(ms: u64) -> String {
    let s = ms / 1000;
    if s >= 60 {
        format!("{}m{:02}s", s / 60, s % 60)
    } else {
        format!("{s}s")
    }
}

/// The wall clock `HH:MM:SS` of `ms` in `tz`.
pub fn clock(ms: u64, tz: &TimeZone) -> String {
    i64::try_from(ms)
        .ok()
        .and_then(|m| jiff::Timestamp::from_millisecond(m).ok())
        .map(|ts| {
            ts.to_zoned_datetime(tz.clone())
                .strftime("%H:%M:%S")
                .to_string()
        })
        .unwrap_or_default()
}

pub fn pct(p: f64) -> String {
    format!("{p:.1}%")
}

#[cfg(test)]
mod tests {
    #[test]
    fn formats() {
        assert_eq!(super::duration(754_000), "12:34");
        assert_eq!(super::duration(3_661_000), "1:01:01");
        assert_eq!(super::secs(185_000), "3m05s");
        assert_eq!(super::pct(88.44), "88.4%");
    }
}
