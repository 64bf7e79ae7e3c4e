//! The main screen's keys: switching tabs, moving the cursor, refreshing, and handing a key
//! to the tab it belongs to.

use hotline_protocol::{Command, Topic};

use super::reports::{load_report, report_action};
use super::seats::{call_agent, seat_action};
use super::tickets::{load_tickets, ticket_action};
use crate::app::action::Action;
use crate::app::effect::Effect;
use crate::app::state::{State, Tab};
use crate::rest::ReportKind;

/// How far Page Up / Page Down move the cursor.
const PAGE: usize = 10;

pub(super) fn main_key(s: &mut State, key: &Action) -> Vec<Effect> {
    match key {
        Action::NextTab | Action::PrevTab => {
            let i = Tab::ALL.iter().position(|t| *t == s.tab).unwrap_or(0);
            let n = Tab::ALL.len();
            let next = if *key == Action::NextTab {
                (i + 1) % n
            } else {
                (i + n - 1) % n
            };
            show_tab(s, Tab::ALL[next])
        }
        Action::ShowTab(tab) => show_tab(s, *tab),
        Action::Back => {
            s.status = None;
            s.tickets.show_digest = false;
            Vec::new()
        }
        Action::Up | Action::Down | Action::PageUp | Action::PageDown => {
            move_cursor(s, key);
            Vec::new()
        }
        Action::Refresh => match s.tab {
            Tab::Wallboard => vec![Effect::Send(Command::Subscribe {
                topics: Topic::ALL.to_vec(),
            })],
            Tab::Tickets => load_tickets(s),
            Tab::Reports => load_report(s),
        },
        Action::CallAgent if s.tab == Tab::Wallboard => call_agent(s),
        Action::Monitor(_)
        | Action::StopMonitor
        | Action::ForceNotReady
        | Action::ForceLogout
        | Action::ForceRelease
        | Action::AnswerHelp
            if s.tab == Tab::Wallboard =>
        {
            seat_action(s, key);
            Vec::new()
        }
        Action::ToggleList
        | Action::Supervise
        | Action::ApproveExtension
        | Action::ToggleDigest
            if s.tab == Tab::Tickets =>
        {
            ticket_action(s, key)
        }
        Action::NextReport
        | Action::CycleBy
        | Action::CycleCompare
        | Action::EditPeriod
        | Action::PeriodBack
        | Action::PeriodForward
        | Action::Export
            if s.tab == Tab::Reports =>
        {
            report_action(s, key)
        }
        _ => Vec::new(),
    }
}

fn show_tab(s: &mut State, tab: Tab) -> Vec<Effect> {
    s.tab = tab;
    match tab {
        Tab::Tickets if s.tickets.digest.is_none() && !s.tickets.loading => load_tickets(s),
        Tab::Reports if !s.reports.loading && report_missing(s) => load_report(s),
        _ => Vec::new(),
    }
}

pub(super) fn report_missing(s: &State) -> bool {
    match s.reports.kind {
        ReportKind::Calls => s.reports.calls.is_none(),
        ReportKind::Agents => s.reports.agents.is_none(),
        ReportKind::Tickets => s.reports.tickets.is_none(),
    }
}

fn move_cursor(s: &mut State, key: &Action) {
    let (len, cur) = match s.tab {
        Tab::Wallboard => (s.seats.len(), &mut s.selected_seat),
        Tab::Tickets => (s.tickets.rows().len(), &mut s.tickets.selected),
        Tab::Reports => {
            let n = match s.reports.kind {
                ReportKind::Calls => s.reports.calls.as_ref().map_or(0, |r| r.rows.len()),
                ReportKind::Agents => s.reports.agents.as_ref().map_or(0, |r| r.rows.len()),
                ReportKind::Tickets => s.reports.tickets.as_ref().map_or(0, |r| r.rows.len()),
            };
            (n, &mut s.reports.selected)
        }
    };
    let last = len.saturating_sub(1);
    *cur = (*cur).min(last);
    *cur = match key {
        Action::Up => cur.saturating_sub(1),
        Action::Down => (*cur + 1).min(last),
        Action::PageUp => cur.saturating_sub(PAGE),
        Action::PageDown => (*cur + PAGE).min(last),
        _ => *cur,
    };
}
