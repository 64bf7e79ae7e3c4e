//! The tickets tab: loading the overdue and due-soon lists and the daily digest, and the keys
//! that switch the list, supervise a ticket or approve an extension.

use hotline_tui::t;

use super::error;
use crate::app::action::Action;
use crate::app::effect::Effect;
use crate::app::period;
use crate::app::state::{Dialog, Pending, State};
use crate::rest::{Request, TicketList};

/// Tickets due within this are "due soon".
pub const DUE_SOON_MS: u64 = 24 * 3_600_000;

pub(super) fn load_tickets(s: &mut State) -> Vec<Effect> {
    s.tickets.loading = true;
    let mut fx = vec![
        Effect::Rest(Request::Tickets(TicketList::Overdue)),
        Effect::Rest(Request::Tickets(TicketList::DueSoon)),
    ];
    if let Some(d) = period::today(s.now_ms, &s.tz) {
        fx.push(Effect::Rest(Request::Digest(d.to_string())));
    }
    fx
}

pub(super) fn ticket_action(s: &mut State, key: &Action) -> Vec<Effect> {
    match key {
        Action::ToggleList => {
            s.tickets.list = match s.tickets.list {
                TicketList::Overdue => TicketList::DueSoon,
                TicketList::DueSoon => TicketList::Overdue,
            };
            s.tickets.selected = 0;
        }
        Action::ToggleDigest => s.tickets.show_digest = !s.tickets.show_digest,
        Action::Supervise => {
            if let Some(tk) = s.tickets.current() {
                s.dialog = Some(Dialog::Instruction {
                    id: tk.id,
                    number: tk.number.clone(),
                    text: String::new(),
                });
            } else {
                let text = t(s.lang, "sup.status.no_ticket").to_owned();
                error(s, text);
            }
        }
        Action::ApproveExtension => {
            let pending = s.tickets.current().and_then(|tk| {
                tk.workflow
                    .pending_extension
                    .as_ref()
                    .map(|e| Pending::ApproveExtension {
                        id: tk.id,
                        number: tk.number.clone(),
                        days: e.days,
                    })
            });
            if let Some(p) = pending {
                s.dialog = Some(Dialog::Confirm(p));
            } else {
                let text = t(s.lang, "sup.status.no_extension").to_owned();
                error(s, text);
            }
        }
        _ => {}
    }
    Vec::new()
}
