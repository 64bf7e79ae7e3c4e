//! The reports tab: which report to ask for, and the keys that change period, grouping and
//! comparison or export it.

use super::keys::report_missing;
use crate::app::action::Action;
use crate::app::effect::Effect;
use crate::app::period;
use crate::app::state::{COMPARES, Dialog, State, TICKET_GROUPS};
use crate::rest::{ReportKind, ReportQuery, Request};

/// The query for what the reports tab shows now.
pub fn report_query(s: &State) -> ReportQuery {
    let r = &s.reports;
    let (by, compare, threshold) = match r.kind {
        ReportKind::Calls => (
            Some(if r.by_hour { "hour" } else { "day" }.to_owned()),
            None,
            Some(s.thresholds.sl_threshold_secs),
        ),
        ReportKind::Agents => (None, None, None),
        ReportKind::Tickets => (
            Some(TICKET_GROUPS[r.group % TICKET_GROUPS.len()].to_owned()),
            COMPARES[r.compare % COMPARES.len()].map(str::to_owned),
            None,
        ),
    };
    ReportQuery {
        kind: r.kind,
        from: r.from.clone(),
        to: r.to.clone(),
        by,
        compare,
        threshold,
    }
}

pub(super) fn load_report(s: &mut State) -> Vec<Effect> {
    s.reports.loading = true;
    s.reports.selected = 0;
    vec![Effect::Rest(Request::Report(report_query(s)))]
}

pub(super) fn report_action(s: &mut State, key: &Action) -> Vec<Effect> {
    let r = &mut s.reports;
    match key {
        Action::NextReport => {
            let i = ReportKind::ALL
                .iter()
                .position(|k| *k == r.kind)
                .unwrap_or(0);
            r.kind = ReportKind::ALL[(i + 1) % ReportKind::ALL.len()];
            if report_missing(s) {
                return load_report(s);
            }
            s.reports.selected = 0;
            Vec::new()
        }
        Action::CycleBy => {
            match r.kind {
                ReportKind::Calls => r.by_hour = !r.by_hour,
                ReportKind::Tickets => r.group = (r.group + 1) % TICKET_GROUPS.len(),
                ReportKind::Agents => return Vec::new(),
            }
            load_report(s)
        }
        Action::CycleCompare => {
            if r.kind != ReportKind::Tickets {
                return Vec::new();
            }
            r.compare = (r.compare + 1) % COMPARES.len();
            load_report(s)
        }
        Action::EditPeriod => {
            s.dialog = Some(Dialog::Period {
                from: r.from.clone(),
                to: r.to.clone(),
                focus: 0,
                error: false,
            });
            Vec::new()
        }
        Action::PeriodBack | Action::PeriodForward => {
            let steps = if *key == Action::PeriodBack { -1 } else { 1 };
            if let Some((from, to)) = period::shift(&r.from, &r.to, steps) {
                r.from = from;
                r.to = to;
                return load_report(s);
            }
            Vec::new()
        }
        Action::Export => {
            s.dialog = Some(Dialog::Export {
                path: format!("hotline-{}-{}-{}.csv", r.kind.path(), r.from, r.to),
            });
            Vec::new()
        }
        _ => Vec::new(),
    }
}
