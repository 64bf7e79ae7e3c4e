//! Call figures per hour of day or per day (I1): offered, answered, abandoned, service level,
//! average wait and talk, computed from one sample per call.

use jiff::Timestamp;
use jiff::tz::TimeZone;
use serde::Serialize;

use super::period::Period;

/// One call as the store reads it from `calls` and its event log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallSample {
    pub call_id: String,
    pub started_at_ms: i64,
    /// The first `queued` event: the call was offered to the agents.
    pub queued_at_ms: Option<i64>,
    /// The first `connected` event: an agent took the call.
    pub connected_at_ms: Option<i64>,
    pub ended_at_ms: Option<i64>,
}

/// How the rows are grouped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum By {
    /// Hour of day (00–23) summed over the period: when the lines are busy.
    Hour,
    Day,
}

impl By {
    pub fn parse(s: &str) -> Option<By> {
        match s {
            "hour" => Some(By::Hour),
            "day" => Some(By::Day),
            _ => None,
        }
    }
}

/// The figures of one bucket (or of the whole period).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct CallFigures {
    /// `YYYY-MM-DD` or `HH:00`; `total` for the whole period.
    pub bucket: String,
    /// Every call received, including those finished in the IVR.
    pub inbound: u64,
    /// Calls that reached a queue.
    pub offered: u64,
    pub answered: u64,
    /// The caller hung up while queued.
    pub abandoned: u64,
    /// Answered within the service-level threshold.
    pub answered_within: u64,
    /// `answered_within` of answered plus abandoned, in percent; 100 when there were none
    /// (the wallboard's definition, so both agree).
    pub service_level_pct: f64,
    pub avg_wait_ms: u64,
    pub avg_talk_ms: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CallReport {
    pub period: Period,
    pub by: By,
    pub threshold_secs: u32,
    pub rows: Vec<CallFigures>,
    pub total: CallFigures,
}

#[derive(Default)]
struct Acc {
    inbound: u64,
    offered: u64,
    answered: u64,
    abandoned: u64,
    within: u64,
    wait_sum: i64,
    wait_n: u64,
    talk_sum: i64,
    talk_n: u64,
}

impl Acc {
    fn add(&mut self, c: &CallSample, threshold_ms: i64) {
        self.inbound += 1;
        let Some(queued) = c.queued_at_ms else {
            return;
        };
        self.offered += 1;
        match (c.connected_at_ms, c.ended_at_ms) {
            (Some(connected), ended) => {
                let wait = (connected - queued).max(0);
                self.answered += 1;
                self.within += u64::from(wait <= threshold_ms);
                self.wait_sum += wait;
                self.wait_n += 1;
                if let Some(end) = ended {
                    self.talk_sum += (end - connected).max(0);
                    self.talk_n += 1;
                }
            }
            (None, Some(end)) => {
                self.abandoned += 1;
                self.wait_sum += (end - queued).max(0);
                self.wait_n += 1;
            }
            // Still waiting: counted as offered only.
            (None, None) => {}
        }
    }

    fn figures(&self, bucket: String) -> CallFigures {
        let handled = self.answered + self.abandoned;
        let avg = |sum: i64, n: u64| (sum.max(0) as u64).checked_div(n).unwrap_or(0);
        CallFigures {
            bucket,
            inbound: self.inbound,
            offered: self.offered,
            answered: self.answered,
            abandoned: self.abandoned,
            answered_within: self.within,
            service_level_pct: if handled == 0 {
                100.0
            } else {
                (self.within as f64 * 1000.0 / handled as f64).round() / 10.0
            },
            avg_wait_ms: avg(self.wait_sum, self.wait_n),
            avg_talk_ms: avg(self.talk_sum, self.talk_n),
        }
    }
}

/// Groups `calls` (started within `period`) by hour of day or by day, every bucket present
/// even when empty so charts have no gaps.
pub fn call_report(
    calls: &[CallSample],
    period: Period,
    by: By,
    threshold_secs: u32,
    tz: &TimeZone,
) -> CallReport {
    let threshold_ms = i64::from(threshold_secs) * 1000;
    let dates = period.dates();
    let mut buckets: Vec<(String, Acc)> = match by {
        By::Hour => (0..24)
            .map(|h| (format!("{h:02}:00"), Acc::default()))
            .collect(),
        By::Day => dates
            .iter()
            .map(|d| (d.to_string(), Acc::default()))
            .collect(),
    };
    let mut total = Acc::default();
    for c in calls {
        let Ok(at) = Timestamp::from_millisecond(c.started_at_ms) else {
            continue;
        };
        let local = at.to_zoned_datetime(tz.clone());
        let index = match by {
            By::Hour => Some(local.hour() as usize),
            By::Day => dates.iter().position(|d| *d == local.date()),
        };
        if let Some(acc) = index.and_then(|i| buckets.get_mut(i)) {
            acc.1.add(c, threshold_ms);
        }
        total.add(c, threshold_ms);
    }
    CallReport {
        period,
        by,
        threshold_secs,
        rows: buckets.iter().map(|(k, a)| a.figures(k.clone())).collect(),
        total: total.figures("total".to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;

    use super::*;

    const H: i64 = 3_600_000;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    fn sample(start: i64, queued: Option<i64>, connected: Option<i64>, end: i64) -> CallSample {
        CallSample {
            call_id: format!("c{start}"),
            started_at_ms: start,
            queued_at_ms: queued.map(|q| start + q),
            connected_at_ms: connected.map(|c| start + c),
            ended_at_ms: Some(start + end),
        }
    }

    #[test]
    fn figures_per_day_and_hour() {
        let tz = TimeZone::UTC;
        let period = Period::new(date(2026, 11, 22), date(2026, 11, 23)).unwrap();
        let (day1, _) = period.bounds_ms(&tz).unwrap();
        let day2 = day1 + 24 * H;
        let calls = [
            // Answered after 10 s, talked 60 s.
            sample(day1 + 9 * H, Some(1_000), Some(11_000), 71_000),
            // Answered after 30 s (outside 15 s), talked 120 s.
            sample(day1 + 9 * H + 60_000, Some(0), Some(30_000), 150_000),
            // Abandoned after 20 s.
            sample(day2 + 10 * H, Some(0), None, 20_000),
            // Finished in the IVR.
            sample(day2 + 10 * H + 5, None, None, 5_000),
        ];
        let r = call_report(&calls, period, By::Day, 15, &tz);
        assert_eq!(r.rows.len(), 2);
        assert_eq!(
            (r.rows[0].offered, r.rows[0].answered, r.rows[0].abandoned),
            (2, 2, 0)
        );
        assert!(close(r.rows[0].service_level_pct, 50.0));
        assert_eq!(r.rows[0].avg_wait_ms, 20_000);
        assert_eq!(r.rows[0].avg_talk_ms, 90_000);
        assert_eq!((r.rows[1].inbound, r.rows[1].abandoned), (2, 1));
        assert!(close(r.total.service_level_pct, 33.3));
        assert_eq!(r.total.inbound, 4);

        let h = call_report(&calls, period, By::Hour, 15, &tz);
        assert_eq!(h.rows.len(), 24);
        assert_eq!(h.rows[9].bucket, "09:00");
        assert_eq!(h.rows[9].answered, 2);
        assert_eq!(h.rows[10].abandoned, 1);
        assert!(close(h.rows[0].service_level_pct, 100.0));
    }
}
