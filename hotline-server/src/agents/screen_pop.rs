//! The screen-pop (弹屏) an agent sees when a call rings: the caller's record, where the number
//! belongs, a block in force, earlier calls, tickets (open first), the first-contact agent and
//! the repeat-caller warning. Built off the media path, from the look-up connection.

use hotline_protocol as proto;

use crate::calls::blacklist::Blacklist;
use crate::calls::region::{RegionTable, normalise};
use crate::store::{CallerCategory, CallerHistory, CallerHistoryQuery, Store};
use crate::tickets::Status;

/// Earlier calls shown.
pub const MAX_CALLS: usize = 10;
/// Tickets shown.
pub const MAX_TICKETS: usize = 20;
/// The repeat-caller window.
pub const REPEAT_DAYS: u32 = 1;

const DAY_MS: i64 = 86_400_000;

/// What the call task learns about its caller: the screen-pop and the routing facts in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallerLookup {
    pub screen_pop: proto::ScreenPop,
    /// Log-in name of the first-contact agent (首问负责制), for routing.
    pub last_agent: Option<String>,
    pub vip: bool,
}

/// Everything the look-up needs besides the store.
#[derive(Clone, Copy)]
pub struct LookupInput<'a> {
    pub number: &'a str,
    pub call_id: &'a str,
    pub now_ms: i64,
    /// 0 turns first-contact routing off.
    pub first_contact_days: u32,
    pub regions: &'a RegionTable,
    pub blacklist: Option<&'a Blacklist>,
}

/// Reads the records and builds the screen-pop. A failed read still gives the number-only
/// screen-pop (with the location and block, which need no SQL).
pub fn look_up(store: &Store, input: &LookupInput<'_>) -> CallerLookup {
    // Records keep national numbers: `+86 139…` and `0086139…` find `139…`.
    let number = normalise(input.number).unwrap_or_else(|| input.number.trim().to_owned());
    let query = CallerHistoryQuery {
        number: number.clone(),
        current_call: input.call_id.to_owned(),
        repeat_since_ms: input.now_ms - i64::from(REPEAT_DAYS) * DAY_MS,
        first_contact_since_ms: (input.first_contact_days > 0)
            .then(|| input.now_ms - i64::from(input.first_contact_days) * DAY_MS),
        max_calls: MAX_CALLS,
        max_tickets: MAX_TICKETS,
    };
    let history = match store.caller_history(&query) {
        Ok(h) => h,
        Err(e) => {
            tracing::warn!(number, error = %e, "screen-pop look-up failed");
            CallerHistory::default()
        }
    };
    let location = input.regions.locate(input.number).cloned();
    let block = input
        .blacklist
        .and_then(|b| b.check(&number, input.now_ms))
        .map(|b| proto::Block {
            reason: b.reason.clone(),
            until_ms: b.until_ms.and_then(|u| u64::try_from(u).ok()),
        });
    let vip = history
        .caller
        .as_ref()
        .is_some_and(|c| c.category == CallerCategory::Vip);
    let last_agent = history.first_contact_login.clone();
    CallerLookup {
        screen_pop: build(&number, history, location, block),
        last_agent,
        vip,
    }
}

/// The screen-pop from what the store found. Pure.
pub fn build(
    number: &str,
    history: CallerHistory,
    location: Option<proto::Location>,
    block: Option<proto::Block>,
) -> proto::ScreenPop {
    let mut pop = number_only(number, location);
    pop.caller.blacklisted = block;
    if let Some(c) = history.caller {
        pop.caller.name = Some(c.name).filter(|n| !n.is_empty());
        pop.caller.category = match c.category {
            CallerCategory::Resident => proto::CallerCategory::Resident,
            CallerCategory::Company => proto::CallerCategory::Company,
            CallerCategory::Vip => proto::CallerCategory::Vip,
        };
        pop.caller.tags = tags(&c.custom);
    }
    pop.previous_calls = history
        .calls
        .into_iter()
        .map(|c| proto::CallSummary {
            call_id: proto::CallId(c.call_id),
            at_ms: ms(c.started_at_ms),
            agent: c.agent,
            duration_ms: ms(c.duration_ms),
            ticket_no: c.ticket_no,
        })
        .collect();
    pop.tickets = history
        .tickets
        .into_iter()
        .map(|t| proto::TicketSummary {
            id: proto::TicketId(t.id.to_string()),
            number: t.number,
            open: t.status.parse::<Status>().map_or(true, Status::is_open),
            status: t.status,
            subject: t.subject,
            opened_at_ms: ms(t.created_at_ms),
            department: t.department,
        })
        .collect();
    pop.sort_tickets();
    pop.first_contact_agent = history.first_contact_name;
    pop.repeat_caller = (history.recent_calls > 0).then_some(proto::RepeatInfo {
        calls_last_days: history.recent_calls,
        days: REPEAT_DAYS,
    });
    pop
}

/// What is known without the records: the number and where it belongs.
pub fn number_only(number: &str, location: Option<proto::Location>) -> proto::ScreenPop {
    proto::ScreenPop {
        caller: proto::CallerSummary {
            number: number.to_owned(),
            name: None,
            category: proto::CallerCategory::Resident,
            location,
            blacklisted: None,
            tags: Vec::new(),
        },
        previous_calls: Vec::new(),
        tickets: Vec::new(),
        first_contact_agent: None,
        repeat_caller: None,
    }
}

/// Free tags live in the caller record's custom fields under `tags`: an array of strings or
/// one comma-separated string (what a CSV import gives).
fn tags(custom: &std::collections::BTreeMap<String, serde_json::Value>) -> Vec<String> {
    match custom.get("tags") {
        Some(serde_json::Value::Array(items)) => items
            .iter()
            .filter_map(|v| v.as_str())
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
        Some(serde_json::Value::String(s)) => s
            .split([',', '，', ';', '；'])
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
        _ => Vec::new(),
    }
}

fn ms(v: i64) -> u64 {
    u64::try_from(v).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{CallerRow, CallerTicket, PastCall};

    fn ticket(id: i64, status: &str, at: i64) -> CallerTicket {
        CallerTicket {
            id,
            number: format!("12345-20261123-{id:04}"),
            status: status.to_owned(),
            subject: "路灯不亮".to_owned(),
            created_at_ms: at,
            department: (status != "received").then(|| "市城管局".to_owned()),
        }
    }

    #[test]
    fn the_records_fill_the_screen_pop() {
        let mut custom = std::collections::BTreeMap::new();
        custom.insert("tags".to_owned(), serde_json::json!("老年人，人大代表"));
        let history = CallerHistory {
            caller: Some(CallerRow {
                id: 1,
                name: "王女士".to_owned(),
                numbers: vec!["13912345678".to_owned()],
                id_number: String::new(),
                address: String::new(),
                company: String::new(),
                category: CallerCategory::Vip,
                custom,
                created_at_ms: 0,
                updated_at_ms: 0,
            }),
            calls: vec![PastCall {
                call_id: "c1".to_owned(),
                started_at_ms: 5,
                duration_ms: 60_000,
                agent: Some("李明".to_owned()),
                ticket_no: Some("12345-20261123-0001".to_owned()),
            }],
            tickets: vec![ticket(1, "closed", 9), ticket(2, "dispatched", 3)],
            recent_calls: 2,
            first_contact_login: Some("liming".to_owned()),
            first_contact_name: Some("李明".to_owned()),
        };
        let location = proto::Location {
            province: "江苏".to_owned(),
            city: "南京".to_owned(),
        };
        let pop = build("13912345678", history, Some(location.clone()), None);
        assert_eq!(pop.caller.name.as_deref(), Some("王女士"));
        assert_eq!(pop.caller.category, proto::CallerCategory::Vip);
        assert_eq!(pop.caller.location, Some(location));
        assert_eq!(pop.caller.tags, ["老年人", "人大代表"]);
        assert_eq!(pop.tickets[0].id.0, "2", "open first");
        assert!(pop.tickets[0].open && !pop.tickets[1].open);
        assert_eq!(pop.previous_calls[0].agent.as_deref(), Some("李明"));
        assert_eq!(pop.first_contact_agent.as_deref(), Some("李明"));
        assert_eq!(
            pop.repeat_caller,
            Some(proto::RepeatInfo {
                calls_last_days: 2,
                days: 1
            })
        );
    }

    #[test]
    fn an_unknown_number_gets_number_and_location_only() {
        let pop = build("13700000000", CallerHistory::default(), None, None);
        assert_eq!(pop, number_only("13700000000", None));
    }
}
