//! Screen-pop data (弹屏): who is calling, what happened before.

use serde::{Deserialize, Serialize};

use crate::ids::{CallId, TicketId};

/// Everything the agent sees when a call rings, and the answer to `caller_lookup`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScreenPop {
    pub caller: CallerSummary,
    /// Most recent first.
    #[serde(default)]
    pub previous_calls: Vec<CallSummary>,
    /// Open tickets first, then the rest, each group newest first (see [`ScreenPop::sort_tickets`]).
    #[serde(default)]
    pub tickets: Vec<TicketSummary>,
    /// 首问负责: the agent who served this caller first within the configured window.
    pub first_contact_agent: Option<String>,
    /// Set when the caller called repeatedly in a short time.
    pub repeat_caller: Option<RepeatInfo>,
}

impl ScreenPop {
    /// Puts open tickets first and each group newest first; the server sends them so, and a
    /// client that merges updates can restore the order.
    pub fn sort_tickets(&mut self) {
        self.tickets.sort_by(|a, b| {
            b.open
                .cmp(&a.open)
                .then(b.opened_at_ms.cmp(&a.opened_at_ms))
        });
    }

    /// Open tickets only, in display order.
    pub fn open_tickets(&self) -> impl Iterator<Item = &TicketSummary> {
        self.tickets.iter().filter(|t| t.open)
    }
}

/// The caller's record, or what is known of an unknown number (number and location only).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallerSummary {
    /// As presented by the network, normalised (e.g. `13812345678`, `02558001234`).
    pub number: String,
    pub name: Option<String>,
    pub category: CallerCategory,
    /// From the caller record, else from the area code or mobile prefix.
    pub location: Option<Location>,
    /// Present while the number is blocked (the call got through with a warning, or the agent
    /// looked the number up).
    pub blacklisted: Option<Block>,
    /// Free tags from the caller record ("老年人", "人大代表", …).
    #[serde(default)]
    pub tags: Vec<String>,
}

/// Caller category; VIP callers are routed with priority.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CallerCategory {
    Resident,
    Company,
    Vip,
}

/// Where a number belongs (归属地).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Location {
    pub province: String,
    pub city: String,
}

impl Location {
    /// "江苏 南京"; a municipality is named once ("北京", not "北京 北京").
    pub fn display(&self) -> String {
        if self.province == self.city || self.city.is_empty() {
            self.province.clone()
        } else {
            format!("{} {}", self.province, self.city)
        }
    }
}

/// A blacklist entry in force.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Block {
    pub reason: String,
    /// `None` means permanent.
    pub until_ms: Option<u64>,
}

/// An earlier call from the same number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallSummary {
    pub call_id: CallId,
    pub at_ms: u64,
    /// The agent who took it; `None` if it never reached one (abandoned, IVR only).
    pub agent: Option<String>,
    pub duration_ms: u64,
    /// The ticket filed on that call, by its public number.
    pub ticket_no: Option<String>,
}

/// A ticket of this caller.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketSummary {
    pub id: TicketId,
    /// The public number read out to the citizen.
    pub number: String,
    /// Workflow status code from the ticket service (`new`, `dispatched`, `replied`, `closed` …).
    pub status: String,
    /// Whether the ticket still awaits handling; decides the "open first" order.
    pub open: bool,
    pub subject: String,
    pub opened_at_ms: u64,
    /// The handling department, once dispatched.
    pub department: Option<String>,
}

/// Repeat-caller warning: `calls_last_days` calls within the last `days` days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RepeatInfo {
    pub calls_last_days: u32,
    pub days: u32,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ticket(id: &str, open: bool, at: u64) -> TicketSummary {
        TicketSummary {
            id: id.into(),
            number: id.into(),
            status: if open { "dispatched" } else { "closed" }.into(),
            open,
            subject: String::new(),
            opened_at_ms: at,
            department: None,
        }
    }

    #[test]
    fn open_tickets_come_first_newest_first() {
        let mut pop = ScreenPop {
            caller: CallerSummary {
                number: "1".into(),
                name: None,
                category: CallerCategory::Resident,
                location: None,
                blacklisted: None,
                tags: vec![],
            },
            previous_calls: vec![],
            tickets: vec![
                ticket("a", false, 5),
                ticket("b", true, 1),
                ticket("c", true, 3),
                ticket("d", false, 9),
            ],
            first_contact_agent: None,
            repeat_caller: None,
        };
        pop.sort_tickets();
        let order: Vec<&str> = pop.tickets.iter().map(|t| t.id.as_str()).collect();
        assert_eq!(order, ["c", "b", "d", "a"]);
        assert_eq!(pop.open_tickets().count(), 2);
    }

    #[test]
    fn location_display() {
        let l = Location {
            province: "江苏".into(),
            city: "南京".into(),
        };
        assert_eq!(l.display(), "江苏 南京");
        let l = Location {
            province: "北京".into(),
            city: "北京".into(),
        };
        assert_eq!(l.display(), "北京");
    }
}
