//! The deadline task: every `[tickets] reminder_interval_secs` it looks at the tickets due
//! soon or overdue and sends what [`crate::tickets::Deadlines::due_actions`] asks for —
//! reminders (催办) to the lead department, escalation to supervisors, directors and the
//! departments above. Each is recorded once (its key in `ticket_reminders`, a history row).
//! Time comes from the server clock, so tests run it at any instant.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use jiff::Timestamp;
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

use crate::calls::Clock;
use crate::config::Config;
use crate::store::{RecordError, Store};
use crate::tickets::{Actor, DeadlineAction, Deadlines, ReminderKey, Role, TicketState};

/// The user named in history rows written by the task.
pub const SYSTEM_USER: &str = "system";
/// Tickets looked at per run; the soonest due first, the rest on the next run.
const BATCH: usize = 5_000;

/// What one run did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct SweepReport {
    pub reminded: usize,
    pub escalated: usize,
}

/// Sends what is due at `now` for tickets due before `now + horizon`.
pub fn sweep(
    store: &Store,
    deadlines: &Deadlines,
    horizon_days: u32,
    now: Timestamp,
) -> Result<SweepReport, RecordError> {
    sweep_with(store, deadlines, horizon_days, now, &|_, _, _| {})
}

/// What [`sweep_with`] calls for each reminder or escalation it records (the notifications).
pub type OnRecorded<'a> = &'a dyn Fn(&Store, &crate::store::TicketRow, &DeadlineAction);

/// [`sweep`], calling `recorded` for each reminder or escalation it records.
pub fn sweep_with(
    store: &Store,
    deadlines: &Deadlines,
    horizon_days: u32,
    now: Timestamp,
    recorded: OnRecorded<'_>,
) -> Result<SweepReport, RecordError> {
    let until = now.as_millisecond() + i64::from(horizon_days) * 86_400_000;
    let directory = store.department_directory()?;
    let actor = Actor::centre(SYSTEM_USER, Role::Admin);
    let due = |s: &TicketState| deadlines.due_at(s).ok().flatten();
    let mut report = SweepReport::default();
    for ticket in store.tickets_due_before(until, BATCH)? {
        let sent: Vec<ReminderKey> = store
            .sent_reminders(ticket.id)?
            .iter()
            .filter_map(|k| k.parse().ok())
            .collect();
        let actions = match deadlines.due_actions(&ticket.state, &directory, &sent, now) {
            Ok(a) => a,
            Err(e) => {
                warn!(ticket = %ticket.number, error = %e, "deadline not computable");
                continue;
            }
        };
        for action in &actions {
            match store.record_deadline_action(ticket.id, action, &actor, now, &due) {
                Ok(false) => {}
                Ok(true) => {
                    recorded(store, &ticket, action);
                    match action {
                        DeadlineAction::Remind { .. } => report.reminded += 1,
                        DeadlineAction::Escalate { .. } => report.escalated += 1,
                    }
                }
                // One ticket the rules refuse (e.g. changed meanwhile) does not stop the rest.
                Err(e) => warn!(ticket = %ticket.number, error = %e, "reminder not recorded"),
            }
        }
    }
    Ok(report)
}

/// Starts the task; it stops with `shutdown`. Off when the interval is 0.
pub fn spawn(config: &Config, db_path: PathBuf, clock: Clock, shutdown: CancellationToken) {
    let every = config.tickets.reminder_interval_secs;
    if every == 0 {
        return;
    }
    let config = config.clone();
    tokio::spawn(async move {
        let rules = crate::api::rest::Rules::default();
        let mut tick = tokio::time::interval(Duration::from_secs(every));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut store: Option<Arc<Store>> = None;
        loop {
            tokio::select! {
                () = shutdown.cancelled() => return,
                _ = tick.tick() => {}
            }
            let deadlines = match rules.deadlines(&config) {
                Ok(d) => d,
                Err(e) => {
                    warn!(error = ?e, "deadline task: ticket rules not loaded");
                    continue;
                }
            };
            let conn = match &store {
                Some(s) => s.clone(),
                None => match Store::open(&db_path) {
                    Ok(s) => store.insert(Arc::new(s)).clone(),
                    Err(e) => {
                        warn!(error = %e, "deadline task: database not opened");
                        continue;
                    }
                },
            };
            let now = clock();
            let horizon = config.tickets.reminder_horizon_days;
            let settings = config.clone();
            // Each reminder and escalation also goes to the department by e-mail or SMS.
            let notify = move |s: &Store, t: &crate::store::TicketRow, a: &DeadlineAction| {
                crate::notify::events::after_deadline_action(
                    s,
                    &settings,
                    t,
                    a,
                    now.as_millisecond(),
                );
            };
            let run = tokio::task::spawn_blocking(move || {
                sweep_with(&conn, &deadlines, horizon, now, &notify)
            })
            .await;
            match run {
                Ok(Ok(r)) if r != SweepReport::default() => {
                    info!(
                        reminded = r.reminded,
                        escalated = r.escalated,
                        "deadline task"
                    );
                }
                Ok(Ok(_)) => {}
                Ok(Err(e)) => warn!(error = %e, "deadline task failed"),
                Err(e) => warn!(error = %e, "deadline task panicked"),
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use jiff::tz::TimeZone;

    use super::*;
    use crate::store::{NewDepartment, TicketDraft, dept_id};
    use crate::tickets::{
        CategoryTree, Channel, DeadlineRules, Pin, TicketType, TimeLimit, Urgency, WorkCalendar,
        WorkflowAction,
    };

    fn deadlines() -> Deadlines {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../assets/data");
        let read = |f: &str| std::fs::read_to_string(dir.join(f)).unwrap();
        Deadlines::new(
            DeadlineRules::parse(&read("deadlines.toml")).unwrap(),
            CategoryTree::parse(&read("categories.toml")).unwrap(),
            WorkCalendar::from_holidays_toml(&read("holidays.toml")).unwrap(),
            TimeZone::get("Asia/Shanghai").unwrap(),
        )
    }

    fn at(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn actions(store: &Store, id: i64) -> Vec<String> {
        store
            .ticket_history(id)
            .unwrap()
            .into_iter()
            .map(|h| h.action)
            .filter(|a| a == "remind" || a == "escalate")
            .collect()
    }

    #[test]
    fn reminders_and_escalations_are_recorded_once_on_the_injected_clock() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("d.db")).unwrap();
        let rules = deadlines();
        let city = NewDepartment {
            parent_id: None,
            name: "市政府".to_owned(),
            contact: String::new(),
            phone: String::new(),
        };
        let city = store.add_department(&city, 0).unwrap().id;
        let housing = NewDepartment {
            parent_id: Some(city),
            name: "市住建局".to_owned(),
            contact: String::new(),
            phone: String::new(),
        };
        let housing = store.add_department(&housing, 0).unwrap().id;
        let draft = TicketDraft {
            profile: "12345".to_owned(),
            ticket_type: TicketType::Complaint,
            channel: Channel::Phone,
            category: "urban_construction".to_owned(),
            urgency: Urgency::Normal,
            limit: TimeLimit::Days(2),
            subject: "小区夜间施工噪音扰民".to_owned(),
            description: String::new(),
            address: String::new(),
            region: String::new(),
            caller_id: None,
            caller_number: "13912345678".to_owned(),
            call_id: None,
        };
        let agent = Actor::centre("agent1", Role::Agent);
        let tz = TimeZone::get("Asia/Shanghai").unwrap();
        // Monday 2026-11-23, 10:00 in Shanghai.
        let filed = at("2026-11-23T02:00:00Z");
        let t = store
            .create_ticket(&draft, &agent, Pin::from_random(1), &tz, filed)
            .unwrap()
            .ticket;
        let due = |s: &TicketState| rules.due_at(s).ok().flatten();
        let dispatch = WorkflowAction::Dispatch {
            lead: dept_id(housing),
            co_handlers: Vec::new(),
            note: String::new(),
        };
        store
            .apply_transition(t.id, &agent, &dispatch, filed, None, &due)
            .unwrap();

        // Two working days: due Wednesday at the close of work (17:30 in Shanghai).
        let due_ms = store.ticket(t.id).unwrap().unwrap().due_at_ms.unwrap();
        assert_eq!(due_ms, at("2026-11-25T09:30:00Z").as_millisecond());
        // Right after dispatch nothing is due.
        let r = sweep(&store, &rules, 30, filed).unwrap();
        assert_eq!(r, SweepReport::default());
        // Wednesday morning, the day before due: one reminder, once.
        let wednesday = at("2026-11-25T02:00:30Z");
        let r = sweep(&store, &rules, 30, wednesday).unwrap();
        assert_eq!(r.reminded, 1, "{r:?}");
        assert_eq!(
            sweep(&store, &rules, 30, wednesday).unwrap(),
            SweepReport::default()
        );
        assert_eq!(actions(&store, t.id), ["remind"]);
        // Over a working day overdue (Friday 17:00): escalation step 1 to the supervisors and
        // the city above the lead, with the latest overdue reminder; again only once.
        let friday = at("2026-11-27T09:00:00Z");
        let r = sweep(&store, &rules, 30, friday).unwrap();
        assert_eq!(r.escalated, 1, "{r:?}");
        assert_eq!(r.reminded, 1, "{r:?}");
        assert_eq!(
            sweep(&store, &rules, 30, friday).unwrap(),
            SweepReport::default()
        );
        let done = actions(&store, t.id);
        assert_eq!(
            done.iter().filter(|a| *a == "escalate").count(),
            1,
            "{done:?}"
        );
        assert_eq!(store.sent_reminders(t.id).unwrap().len(), done.len());
        let history = store.ticket_history(t.id).unwrap();
        assert!(
            history
                .iter()
                .all(|h| h.action == "file" || h.action == "dispatch" || h.actor == SYSTEM_USER)
        );
    }
}
