use jiff::civil::{DateTime, date};
use jiff::tz::{TimeZone, offset};
use proptest::prelude::*;

use super::*;

const HOLIDAYS: &str = include_str!("../../../../assets/data/holidays.toml");

fn cal() -> WorkCalendar {
    WorkCalendar::from_holidays_toml(HOLIDAYS).unwrap()
}

fn tz() -> TimeZone {
    TimeZone::fixed(offset(8))
}

fn at(y: i16, m: i8, d: i8, h: i8, min: i8) -> Timestamp {
    tz().to_timestamp(date(y, m, d).at(h, min, 0, 0)).unwrap()
}

fn local(ts: Timestamp) -> DateTime {
    tz().to_datetime(ts)
}

#[test]
fn bundled_calendar_parses() {
    let c = cal();
    assert_eq!(c.off.len(), 33);
    assert_eq!(c.workdays.len(), 6);
    assert!(!c.is_working_day(date(2026, 10, 1)));
    assert!(c.is_working_day(date(2026, 10, 10)), "make-up Saturday");
    assert!(c.is_working_day(date(2026, 9, 20)), "make-up Sunday");
    assert!(!c.is_working_day(date(2026, 11, 21)), "ordinary Saturday");
    assert!(c.is_working_day(date(2026, 11, 23)));
}

#[test]
fn holiday_file_errors() {
    let both = "[[off]]\ndate = \"2026-10-01\"\nname = \"a\"\n\
                [[workday]]\ndate = \"2026-10-01\"\nname = \"b\"\n";
    let err = WorkCalendar::from_holidays_toml(both).unwrap_err();
    assert!(err.to_string().contains("2026-10-01"), "{err}");
    let bad = "[[off]]\ndate = \"2026-02-30\"\nname = \"x\"\n";
    assert!(WorkCalendar::from_holidays_toml(bad).is_err());
    assert!(WorkCalendar::from_holidays_toml("[[off]]\nwhen = 1\n").is_err());
}

#[test]
fn day_limit_across_a_weekend() {
    // Friday 20 November 2026.
    let due = add_working_days(at(2026, 11, 20, 10, 0), 1, &cal(), &tz()).unwrap();
    assert_eq!(local(due), date(2026, 11, 23).at(17, 30, 0, 0));
    let due = add_working_days(at(2026, 11, 20, 10, 0), 3, &cal(), &tz()).unwrap();
    assert_eq!(local(due), date(2026, 11, 25).at(17, 30, 0, 0));
    // Filed on Saturday: Monday is the first day.
    let due = add_working_days(at(2026, 11, 21, 10, 0), 1, &cal(), &tz()).unwrap();
    assert_eq!(local(due), date(2026, 11, 23).at(17, 30, 0, 0));
}

#[test]
fn day_limit_across_national_day_2026() {
    // Wednesday 30 September; 1–7 October off; Thursday 8 October is the next working day.
    let start = at(2026, 9, 30, 10, 0);
    let due = add_working_days(start, 1, &cal(), &tz()).unwrap();
    assert_eq!(local(due), date(2026, 10, 8).at(17, 30, 0, 0));
    // 8 (Thu), 9 (Fri), 10 (Sat, make-up working day).
    let due = add_working_days(start, 3, &cal(), &tz()).unwrap();
    assert_eq!(local(due), date(2026, 10, 10).at(17, 30, 0, 0));
    // Without the holiday calendar it would be 5 October.
    let plain = WorkCalendar::default();
    let due = add_working_days(start, 3, &plain, &tz()).unwrap();
    assert_eq!(local(due), date(2026, 10, 5).at(17, 30, 0, 0));
}

#[test]
fn day_limit_onto_make_up_weekend_days() {
    // Friday 9 October → Saturday 10 October is a working day (国庆调休).
    let due = add_working_days(at(2026, 10, 9, 9, 0), 1, &cal(), &tz()).unwrap();
    assert_eq!(local(due), date(2026, 10, 10).at(17, 30, 0, 0));
    // Friday 18 September → Sunday 20 September is a working day; Saturday 19 is not.
    let due = add_working_days(at(2026, 9, 18, 9, 0), 1, &cal(), &tz()).unwrap();
    assert_eq!(local(due), date(2026, 9, 20).at(17, 30, 0, 0));
}

#[test]
fn zero_days_is_the_close_of_the_current_or_next_working_day() {
    let c = cal();
    let due = add_working_days(at(2026, 11, 23, 10, 0), 0, &c, &tz()).unwrap();
    assert_eq!(local(due), date(2026, 11, 23).at(17, 30, 0, 0));
    let due = add_working_days(at(2026, 11, 23, 18, 0), 0, &c, &tz()).unwrap();
    assert_eq!(local(due), date(2026, 11, 24).at(17, 30, 0, 0));
    let due = add_working_days(at(2026, 11, 21, 10, 0), 0, &c, &tz()).unwrap();
    assert_eq!(local(due), date(2026, 11, 23).at(17, 30, 0, 0));
}

#[test]
fn hour_limits_skip_lunch_nights_and_weekends() {
    let c = cal();
    let t = |ts| local(ts);
    // Friday 16:00 + 4 h: 1.5 h on Friday, 2.5 h on Monday.
    let r = add_working_hours(at(2026, 11, 20, 16, 0), 4, &c, &tz()).unwrap();
    assert_eq!(t(r), date(2026, 11, 23).at(11, 0, 0, 0));
    // Over lunch.
    let r = add_working_hours(at(2026, 11, 23, 11, 0), 2, &c, &tz()).unwrap();
    assert_eq!(t(r), date(2026, 11, 23).at(14, 30, 0, 0));
    // Before opening.
    let r = add_working_hours(at(2026, 11, 23, 7, 0), 1, &c, &tz()).unwrap();
    assert_eq!(t(r), date(2026, 11, 23).at(9, 30, 0, 0));
    // Ending exactly at noon stays at noon.
    let r = add_working_time(
        at(2026, 11, 23, 8, 30),
        SignedDuration::from_mins(210),
        &c,
        &tz(),
    )
    .unwrap();
    assert_eq!(t(r), date(2026, 11, 23).at(12, 0, 0, 0));
    // Across the National Day holiday.
    let r = add_working_hours(at(2026, 9, 30, 17, 0), 1, &c, &tz()).unwrap();
    assert_eq!(t(r), date(2026, 10, 8).at(9, 0, 0, 0));
}

#[test]
fn backwards_stops_at_the_start_of_a_period() {
    let c = cal();
    let due = at(2026, 11, 24, 17, 30);
    let r = add_working_time(due, -c.hours.day_length(), &c, &tz()).unwrap();
    assert_eq!(local(r), date(2026, 11, 24).at(8, 30, 0, 0));
    let r = add_working_time(due, -SignedDuration::from_hours(8), &c, &tz()).unwrap();
    assert_eq!(local(r), date(2026, 11, 23).at(17, 0, 0, 0));
    // Monday 09:00 minus 1 h: half an hour on Monday, half an hour on Friday → 17:00.
    let r = add_working_time(
        at(2026, 11, 23, 9, 0),
        -SignedDuration::from_hours(1),
        &c,
        &tz(),
    )
    .unwrap();
    assert_eq!(local(r), date(2026, 11, 20).at(17, 0, 0, 0));
}

#[test]
fn working_time_between_counts_only_working_periods() {
    let c = cal();
    let a = at(2026, 11, 20, 16, 0);
    let b = at(2026, 11, 23, 11, 0);
    assert_eq!(
        working_time_between(a, b, &c, &tz()).unwrap(),
        SignedDuration::from_hours(4)
    );
    assert_eq!(
        working_time_between(b, a, &c, &tz()).unwrap(),
        -SignedDuration::from_hours(4)
    );
    // The whole National Day week has no working time.
    let a = at(2026, 9, 30, 17, 30);
    let b = at(2026, 10, 8, 8, 30);
    assert_eq!(
        working_time_between(a, b, &c, &tz()).unwrap(),
        SignedDuration::ZERO
    );
}

#[test]
fn working_hours_are_validated() {
    use jiff::civil::time;
    assert!(WorkingHours::new(vec![]).is_err());
    assert!(WorkingHours::new(vec![(time(9, 0, 0, 0), time(8, 0, 0, 0))]).is_err());
    let overlap = vec![
        (time(8, 0, 0, 0), time(12, 0, 0, 0)),
        (time(11, 0, 0, 0), time(13, 0, 0, 0)),
    ];
    assert!(WorkingHours::new(overlap).is_err());
    let h = WorkingHours::new(vec![(time(9, 0, 0, 0), time(17, 0, 0, 0))]).unwrap();
    assert_eq!(h.day_length(), SignedDuration::from_hours(8));
    assert_eq!(
        WorkingHours::default().day_length(),
        SignedDuration::from_mins(450)
    );
}

#[test]
fn time_limit_text() {
    assert_eq!("3d".parse::<TimeLimit>().unwrap(), TimeLimit::Days(3));
    assert_eq!(TimeLimit::Hours(4).to_string(), "4h");
    assert!("".parse::<TimeLimit>().is_err());
    assert!("4x".parse::<TimeLimit>().is_err());
}

proptest! {
    #[test]
    fn adding_then_measuring_gives_the_same_amount(
        day in 0i64..400, minute in 0i64..1440, mins in 0i64..20_000,
    ) {
        let c = cal();
        let start = at(2026, 1, 1, 0, 0)
            .checked_add(SignedDuration::from_mins(day * 1440 + minute))
            .unwrap();
        let amount = SignedDuration::from_mins(mins);
        let end = add_working_time(start, amount, &c, &tz()).unwrap();
        prop_assert_eq!(working_time_between(start, end, &c, &tz()).unwrap(), amount);
        let back = add_working_time(end, -amount, &c, &tz()).unwrap();
        prop_assert_eq!(working_time_between(back, end, &c, &tz()).unwrap(), amount);
        prop_assert!(back >= start);
    }

    #[test]
    fn day_limits_land_on_a_working_day_at_close(day in 0i64..400, minute in 0i64..1440, n in 0u32..30) {
        let c = cal();
        let start = at(2026, 1, 1, 0, 0)
            .checked_add(SignedDuration::from_mins(day * 1440 + minute))
            .unwrap();
        let due = local(add_working_days(start, n, &c, &tz()).unwrap());
        prop_assert!(c.is_working_day(due.date()));
        prop_assert_eq!(due.time(), c.hours.close());
        prop_assert!(due.date() >= local(start).date());
    }
}
