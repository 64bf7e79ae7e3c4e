//! What the REST replies change: the ticket lists and digest, reports, exports and transitions.

use hotline_tui::t;

use super::info;
use super::tickets::{DUE_SOON_MS, load_tickets};
use crate::app::effect::Effect;
use crate::app::state::State;
use crate::rest::{Response, TicketList};

pub(super) fn rest_done(s: &mut State, r: Response) -> Vec<Effect> {
    match r {
        Response::Tickets(TicketList::Overdue, rows) => {
            s.tickets.overdue = rows;
            s.tickets.loading = false;
        }
        Response::Tickets(TicketList::DueSoon, rows) => {
            let now = s.now_ms;
            s.tickets.due_soon = rows
                .into_iter()
                .filter(|tk| {
                    tk.due_at_ms
                        .is_some_and(|d| d >= now && d < now + DUE_SOON_MS)
                })
                .collect();
            s.tickets.due_soon.sort_by_key(|tk| tk.due_at_ms);
            s.tickets.loading = false;
        }
        Response::Digest(d) => s.tickets.digest = Some(d),
        Response::Calls(c) => {
            s.reports.calls = Some(c);
            s.reports.loading = false;
        }
        Response::Agents(a) => {
            s.reports.agents = Some(a);
            s.reports.loading = false;
        }
        Response::TicketReport(tr) => {
            s.reports.tickets = Some(tr);
            s.reports.loading = false;
        }
        Response::Exported { path, bytes } => {
            let text = format!("{} {path} ({bytes} B)", t(s.lang, "sup.status.exported"));
            info(s, text);
        }
        Response::Transitioned { number } => {
            let text = format!("{} {number}", t(s.lang, "sup.status.done"));
            info(s, text);
            return load_tickets(s);
        }
    }
    let len = s.tickets.rows().len();
    s.tickets.selected = s.tickets.selected.min(len.saturating_sub(1));
    Vec::new()
}
