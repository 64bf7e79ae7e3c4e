//! Ticket counts per group with a comparison period (I3).

use std::collections::BTreeMap;

use serde::Serialize;

use super::period::{Compare, Period, change_pct};

/// What tickets are counted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TicketGroup {
    Type,
    Category,
    /// The lead (主办) department.
    Department,
    Region,
}

impl TicketGroup {
    pub fn parse(s: &str) -> Option<TicketGroup> {
        match s {
            "type" => Some(TicketGroup::Type),
            "category" => Some(TicketGroup::Category),
            "department" => Some(TicketGroup::Department),
            "region" => Some(TicketGroup::Region),
            _ => None,
        }
    }
}

/// One group's count in one period, as the store reads it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GroupCount {
    /// The grouping value ("" for none: no region, no department yet).
    pub key: String,
    /// What to show: the department's name, else the key.
    pub label: String,
    pub count: u64,
    /// Still with a department past the due time (now).
    pub overdue: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TicketReportRow {
    pub key: String,
    pub label: String,
    pub count: u64,
    pub overdue: u64,
    /// The count in the comparison period (0 when not compared).
    pub previous: u64,
    /// `null` when the previous count was 0 or there is no comparison.
    pub change_pct: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TicketReport {
    pub period: Period,
    pub by: TicketGroup,
    pub compare: Option<Compare>,
    pub compared_period: Option<Period>,
    pub rows: Vec<TicketReportRow>,
    pub total: TicketReportRow,
}

/// Joins the two periods' counts by key; groups seen only before appear with count 0. Sorted
/// by count (most first), then key.
pub fn ticket_report(
    current: &[GroupCount],
    previous: Option<(&[GroupCount], Compare, Period)>,
    period: Period,
    by: TicketGroup,
) -> TicketReport {
    let mut rows: BTreeMap<String, TicketReportRow> = BTreeMap::new();
    let row = |g: &GroupCount| TicketReportRow {
        key: g.key.clone(),
        label: if g.label.is_empty() {
            g.key.clone()
        } else {
            g.label.clone()
        },
        count: 0,
        overdue: 0,
        previous: 0,
        change_pct: None,
    };
    for g in current {
        let r = rows.entry(g.key.clone()).or_insert_with(|| row(g));
        r.count += g.count;
        r.overdue += g.overdue;
    }
    if let Some((before, _, _)) = previous {
        for g in before {
            rows.entry(g.key.clone()).or_insert_with(|| row(g)).previous += g.count;
        }
    }
    let compared = previous.is_some();
    let mut total = TicketReportRow {
        key: String::new(),
        label: "total".to_owned(),
        count: 0,
        overdue: 0,
        previous: 0,
        change_pct: None,
    };
    let mut rows: Vec<TicketReportRow> = rows
        .into_values()
        .map(|mut r| {
            total.count += r.count;
            total.overdue += r.overdue;
            total.previous += r.previous;
            if compared {
                r.change_pct = change_pct(r.count, r.previous);
            }
            r
        })
        .collect();
    if compared {
        total.change_pct = change_pct(total.count, total.previous);
    }
    rows.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.key.cmp(&b.key)));
    TicketReport {
        period,
        by,
        compare: previous.map(|(_, c, _)| c),
        compared_period: previous.map(|(_, _, p)| p),
        rows,
        total,
    }
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;

    use super::*;

    fn g(key: &str, count: u64) -> GroupCount {
        GroupCount {
            key: key.into(),
            label: String::new(),
            count,
            overdue: 0,
        }
    }

    #[test]
    fn joins_periods_by_key() {
        let period = Period::new(date(2026, 11, 1), date(2026, 11, 30)).unwrap();
        let before = period.compared(Compare::Mom).unwrap();
        let now = [g("complaint", 12), g("consultation", 3)];
        let then = [g("complaint", 10), g("praise", 2)];
        let r = ticket_report(
            &now,
            Some((&then, Compare::Mom, before)),
            period,
            TicketGroup::Type,
        );
        let keys: Vec<_> = r.rows.iter().map(|r| r.key.as_str()).collect();
        assert_eq!(keys, ["complaint", "consultation", "praise"]);
        assert_eq!(r.rows[0].change_pct, Some(20.0));
        assert_eq!(r.rows[1].change_pct, None);
        assert_eq!((r.rows[2].count, r.rows[2].change_pct), (0, Some(-100.0)));
        assert_eq!((r.total.count, r.total.previous), (15, 12));
        assert_eq!(r.total.change_pct, Some(25.0));
        assert_eq!(r.compared_period.unwrap().to, date(2026, 10, 31));

        let plain = ticket_report(&now, None, period, TicketGroup::Type);
        assert_eq!(plain.rows.len(), 2);
        assert_eq!(plain.total.change_pct, None);
    }
}
