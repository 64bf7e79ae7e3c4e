use super::*;

fn strings(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| (*s).to_owned()).collect()
}

fn office() -> ScheduleSpec {
    ScheduleSpec::parse(
        &strings(&["mon-fri"]),
        &strings(&["08:30-12:00", "13:30-17:30"]),
    )
    .expect("valid schedule")
}

/// National Day 2026 (Thu 1 Oct – Wed 7 Oct) with Saturday 10 Oct as a make-up working day.
fn national_day() -> HolidaySpec {
    HolidaySpec::parse(
        &strings(&["2026-10-01..2026-10-07"]),
        &strings(&["2026-10-10"]),
    )
    .expect("valid holidays")
}

fn shanghai() -> TimeZone {
    TimeZone::get("Asia/Shanghai").expect("tzdata has Asia/Shanghai")
}

/// Local wall-clock time in Shanghai.
fn sh(text: &str) -> Period {
    let local = text.parse::<jiff::civil::DateTime>().expect("datetime");
    let at = shanghai().to_timestamp(local).expect("instant");
    period_at(&office(), &national_day(), &shanghai(), at)
}

fn utc(instant: &str, tz: &TimeZone) -> Period {
    let at: Timestamp = instant.parse().expect("timestamp");
    period_at(&office(), &national_day(), tz, at)
}

#[test]
fn parses_weekdays_and_hours() {
    let s = office();
    assert_eq!(s.weekdays.len(), 5);
    assert_eq!(s.weekdays[0], Weekday::Monday);
    assert_eq!(s.weekdays[4], Weekday::Friday);
    let weekend = ScheduleSpec::parse(&strings(&["Saturday", "sun", "sat"]), &[]).expect("ok");
    assert_eq!(weekend.weekdays, [Weekday::Saturday, Weekday::Sunday]);
    let wrap = ScheduleSpec::parse(&strings(&["fri-mon"]), &strings(&["20:00-24:00"])).expect("ok");
    assert_eq!(wrap.weekdays.len(), 4);
    assert_eq!(wrap.hours[0].1, Time::MAX);
    assert!(matches!(
        ScheduleSpec::parse(&strings(&["funday"]), &[]),
        Err(ScheduleError::Weekday(_))
    ));
    for bad in ["12:00-08:00", "08:00", "8h-9h", "09:00-09:00"] {
        assert!(ScheduleSpec::parse(&[], &strings(&[bad])).is_err(), "{bad}");
    }
    let holidays = national_day();
    assert_eq!(holidays.off.len(), 7);
    assert!(HolidaySpec::parse(&strings(&["2026-10-07..2026-10-01"]), &[]).is_err());
    assert!(HolidaySpec::parse(&strings(&["2026-01-01..2099-01-01"]), &[]).is_err());
    assert!(HolidaySpec::parse(&strings(&["1 Oct"]), &[]).is_err());
}

#[test]
fn weekday_hours_and_lunch_break() {
    // Monday 28 Sep 2026.
    assert_eq!(sh("2026-09-28T08:29"), Period::AfterHours);
    assert_eq!(sh("2026-09-28T08:30"), Period::Working);
    assert_eq!(sh("2026-09-28T11:59:59"), Period::Working);
    assert_eq!(sh("2026-09-28T12:00"), Period::AfterHours, "lunch break");
    assert_eq!(sh("2026-09-28T13:00"), Period::AfterHours, "lunch break");
    assert_eq!(sh("2026-09-28T13:30"), Period::Working);
    assert_eq!(sh("2026-09-28T17:30"), Period::AfterHours);
    assert_eq!(sh("2026-09-28T23:00"), Period::AfterHours);
}

#[test]
fn weekend_holiday_and_make_up_day() {
    assert_eq!(sh("2026-09-26T10:00"), Period::AfterHours, "Saturday");
    assert_eq!(sh("2026-09-27T10:00"), Period::AfterHours, "Sunday");
    assert_eq!(
        sh("2026-09-30T17:00"),
        Period::Working,
        "Wednesday before the holiday"
    );
    assert_eq!(
        sh("2026-10-01T00:00"),
        Period::Holiday,
        "all day, hours or not"
    );
    assert_eq!(sh("2026-10-01T10:00"), Period::Holiday);
    assert_eq!(
        sh("2026-10-03T10:00"),
        Period::Holiday,
        "a weekend day inside the holiday"
    );
    assert_eq!(sh("2026-10-07T23:59"), Period::Holiday);
    assert_eq!(sh("2026-10-08T09:00"), Period::Working);
    // Saturday 10 Oct is a make-up working day with the usual hours.
    assert_eq!(sh("2026-10-10T09:00"), Period::Working);
    assert_eq!(sh("2026-10-10T12:30"), Period::AfterHours);
    assert_eq!(sh("2026-10-10T19:00"), Period::AfterHours);
    assert_eq!(
        sh("2026-10-11T09:00"),
        Period::AfterHours,
        "Sunday after it"
    );
}

#[test]
fn shanghai_has_no_dst() {
    // 09:00 local is 01:00 UTC in winter and in summer alike.
    let tz = shanghai();
    assert_eq!(utc("2026-01-05T01:00:00Z", &tz), Period::Working);
    assert_eq!(utc("2026-07-06T01:00:00Z", &tz), Period::Working);
    assert_eq!(utc("2026-07-06T00:29:00Z", &tz), Period::AfterHours);
}

#[test]
fn utc_configured_zone() {
    let sh = shanghai();
    let utc_tz = TimeZone::UTC;
    // Monday 28 Sep 02:00 UTC = 10:00 in Shanghai.
    assert_eq!(utc("2026-09-28T02:00:00Z", &sh), Period::Working);
    assert_eq!(utc("2026-09-28T02:00:00Z", &utc_tz), Period::AfterHours);
    assert_eq!(utc("2026-09-28T10:00:00Z", &sh), Period::AfterHours);
    assert_eq!(utc("2026-09-28T10:00:00Z", &utc_tz), Period::Working);
    // 16:30 UTC on 30 Sep is already 1 Oct in Shanghai: the holiday starts by local date.
    assert_eq!(utc("2026-09-30T16:30:00Z", &sh), Period::Holiday);
    assert_eq!(utc("2026-09-30T16:30:00Z", &utc_tz), Period::Working);
}

#[test]
fn always_open() {
    let tz = shanghai();
    let at: Timestamp = "2026-09-27T15:59:59.999Z".parse().expect("ts");
    assert_eq!(
        period_at(&ScheduleSpec::always(), &HolidaySpec::default(), &tz, at),
        Period::Working
    );
}

#[test]
fn chooses_the_flow() {
    assert_eq!(
        choose_flow("day", "night", "holiday", Period::Working),
        "day"
    );
    assert_eq!(
        choose_flow("day", "night", "holiday", Period::AfterHours),
        "night"
    );
    assert_eq!(
        choose_flow("day", "night", "holiday", Period::Holiday),
        "holiday"
    );
    assert_eq!(choose_flow("day", "night", "", Period::Holiday), "night");
    assert_eq!(choose_flow("day", "", "", Period::Holiday), "day", "24x7");
    assert_eq!(choose_flow("day", "", "", Period::AfterHours), "day");
    assert_eq!(
        choose_flow("day", "", "holiday", Period::Holiday),
        "holiday"
    );
}
