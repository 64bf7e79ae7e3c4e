//! Campaign rules, pure: the local calling window (nobody is called at night), what a call's
//! result means for the next attempt, and what a survey answer means for the ticket.

use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};

use crate::calls::outbound::OutboundResult;
use crate::tickets::Satisfaction;

/// Local minutes after midnight in which calls may be placed, `start < end`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub start_min: u32,
    pub end_min: u32,
}

/// `"HH:MM"` as minutes after midnight (`24:00` allowed as the end of the day).
pub fn parse_hhmm(text: &str) -> Option<u32> {
    let (h, m) = text.trim().split_once(':')?;
    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    let total = h * 60 + m;
    (m < 60 && total <= 1440).then_some(total)
}

impl Window {
    pub fn parse(start: &str, end: &str) -> Option<Window> {
        let w = Window {
            start_min: parse_hhmm(start)?,
            end_min: parse_hhmm(end)?,
        };
        (w.start_min < w.end_min).then_some(w)
    }

    /// `None` when `now` is inside the window; else when it next opens.
    pub fn next_open(&self, now: Timestamp, tz: &TimeZone) -> Option<Timestamp> {
        let local = now.to_zoned_datetime(tz.clone());
        let minute =
            u32::from(local.hour().unsigned_abs()) * 60 + u32::from(local.minute().unsigned_abs());
        if (self.start_min..self.end_min).contains(&minute) {
            return None;
        }
        let day = if minute < self.start_min {
            local.date()
        } else {
            local.date().tomorrow().ok()?
        };
        let start = day
            .at(0, 0, 0, 0)
            .checked_add(i64::from(self.start_min).minutes())
            .ok()?;
        start
            .to_zoned_datetime(tz.clone())
            .ok()
            .map(|z| z.timestamp())
    }
}

/// What follows a call: call again at a time, or finish with a status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    Retry(i64),
    Finish(&'static str),
}

/// After attempt number `attempts` ended with `result` at `now_ms`. Busy, no answer and
/// failures are tried again after `retry_ms` while attempts remain; an answered call is done;
/// a rejected call or an invalid number is not tried again.
pub fn next_after(
    result: OutboundResult,
    attempts: u32,
    max_attempts: u32,
    retry_ms: i64,
    now_ms: i64,
) -> Next {
    match result {
        OutboundResult::Answered => Next::Finish("done"),
        // Our own shutdown ended it, not the citizen: try again, even after the last attempt.
        OutboundResult::Cancelled => Next::Retry(now_ms.saturating_add(retry_ms)),
        r if r.worth_retrying() && attempts < max_attempts => {
            Next::Retry(now_ms.saturating_add(retry_ms))
        }
        _ => Next::Finish("failed"),
    }
}

/// The stored name of a result (`no_answer`, `invalid_number`, ...).
pub fn result_name(result: OutboundResult) -> String {
    result.as_str().replace(' ', "_")
}

/// The follow-up verdict a survey answer gives: a complaint counts as unsatisfied (the
/// ticket is reopened).
pub fn satisfaction_of(answer: &str) -> Option<Satisfaction> {
    match answer {
        "satisfied" => Some(Satisfaction::Satisfied),
        "ok" => Some(Satisfaction::Basic),
        "unsatisfied" | "complaint" => Some(Satisfaction::Unsatisfied),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    #[test]
    fn nobody_is_called_at_night() {
        let tz = TimeZone::get("Asia/Shanghai").unwrap();
        let w = Window::parse("09:00", "20:00").unwrap();
        // 10:00 in Shanghai: open.
        assert_eq!(w.next_open(at("2026-11-23T02:00:00Z"), &tz), None);
        // 07:00: opens at 09:00 the same day.
        assert_eq!(
            w.next_open(at("2026-11-22T23:00:00Z"), &tz),
            Some(at("2026-11-23T01:00:00Z"))
        );
        // 21:30: opens at 09:00 the next day.
        assert_eq!(
            w.next_open(at("2026-11-23T13:30:00Z"), &tz),
            Some(at("2026-11-24T01:00:00Z"))
        );
        assert!(Window::parse("20:00", "09:00").is_none());
        assert_eq!(parse_hhmm("24:00"), Some(1440));
        assert_eq!(parse_hhmm("9:60"), None);
    }

    #[test]
    fn results_decide_the_next_attempt() {
        use OutboundResult as R;
        assert_eq!(next_after(R::Busy, 1, 3, 60, 0), Next::Retry(60));
        assert_eq!(next_after(R::NoAnswer, 2, 3, 60, 10), Next::Retry(70));
        assert_eq!(
            next_after(R::NoAnswer, 3, 3, 60, 10),
            Next::Finish("failed")
        );
        assert_eq!(next_after(R::Rejected, 1, 3, 60, 0), Next::Finish("failed"));
        assert_eq!(
            next_after(R::InvalidNumber, 1, 3, 60, 0),
            Next::Finish("failed")
        );
        assert_eq!(next_after(R::Answered, 1, 3, 60, 0), Next::Finish("done"));
        assert_eq!(result_name(R::InvalidNumber), "invalid_number");
        assert_eq!(satisfaction_of("ok"), Some(Satisfaction::Basic));
        assert_eq!(
            satisfaction_of("complaint"),
            Some(Satisfaction::Unsatisfied)
        );
        assert_eq!(satisfaction_of(""), None);
    }
}
