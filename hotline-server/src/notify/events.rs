//! Ticket events become queued notifications (G1, G2): filing sends the citizen the number
//! and PIN; the workflow's `NotifyCitizen` / `NotifyDepartment` effects send the citizen an
//! SMS and the department an e-mail (with the dispatch letter) or SMS. Called on the blocking
//! pool right after the step is stored; a notification that cannot be queued is logged and
//! never undoes the step. A reply that needs a follow-up visit tells the centre's follow-up
//! desk (`[notify.follow_up]`); a voicemail left in the IVR tells the voicemail desk
//! (`[notify.voicemail]`) and sends the caller the new ticket's number and PIN.

use std::collections::BTreeMap;

use jiff::Timestamp;
use tracing::warn;

use super::email::TextAttachment;
use super::template::{Event, EventTemplate, render};
use super::{NotifyError, templates_for};
use crate::config::{CentreContact, Config};
use crate::store::{
    AppliedTransition, FiledTicket, NewCampaign, NewNotification, SECRET_MARK, Store, TicketRow,
    dept_row_id,
};
use crate::tickets::{Effect, Notice};

/// Who a notification goes to.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Audience {
    Citizen,
    Department(i64),
}

/// The notice's event, if it has one.
fn event_of(notice: Notice, audience: &Audience) -> Option<Event> {
    match (notice, audience) {
        (Notice::Received, Audience::Citizen) => Some(Event::Received),
        (Notice::Dispatched, _) | (Notice::CoHandling, Audience::Department(_)) => {
            Some(Event::Dispatched)
        }
        (Notice::Replied, Audience::Citizen) => Some(Event::Replied),
        (Notice::Reminder, Audience::Department(_)) => Some(Event::DueSoon),
        (Notice::Escalated { .. }, Audience::Department(_)) => Some(Event::Overdue),
        _ => None,
    }
}

/// The texts a notification about `ticket` fills its placeholders with.
fn ticket_vars(
    store: &Store,
    config: &Config,
    ticket: &TicketRow,
    department: Option<i64>,
) -> BTreeMap<&'static str, String> {
    let tz = config.server.tz();
    let due = ticket
        .due_at_ms
        .and_then(|ms| Timestamp::from_millisecond(ms).ok())
        .map(|t| {
            t.to_zoned_datetime(tz)
                .strftime("%Y-%m-%d %H:%M")
                .to_string()
        })
        .unwrap_or_default();
    let department = department
        .or(ticket.lead_department_id)
        .and_then(|d| store.department(d).ok().flatten())
        .map(|d| d.name)
        .unwrap_or_default();
    let hotline = ticket.number.split('-').next().unwrap_or("").to_owned();
    let reply = ticket
        .state
        .reply
        .as_ref()
        .map(|r| r.text.clone())
        .unwrap_or_default();
    BTreeMap::from([
        ("number", ticket.number.clone()),
        // Filled in only when sent, so the stored row and the API never show the PIN.
        ("pin", SECRET_MARK.to_owned()),
        ("subject", ticket.subject.clone()),
        ("department", department),
        ("due", due),
        ("reply", reply),
        ("hotline", hotline),
        ("title", String::new()),
        ("body", String::new()),
        ("caller", ticket.caller_number.clone()),
    ])
}

/// The citizen's language: the caller record's `custom.language`, else the default.
fn citizen_language(store: &Store, config: &Config, ticket: &TicketRow) -> String {
    ticket
        .caller_id
        .and_then(|id| store.caller(id).ok().flatten())
        .and_then(|c| c.custom.get("language")?.as_str().map(str::to_owned))
        .filter(|l| !l.is_empty())
        .unwrap_or_else(|| config.notify.default_language.clone())
}

/// Queues one event's SMS and e-mail for `ticket`. Returns the outbox ids.
struct Queue<'a> {
    store: &'a Store,
    config: &'a Config,
    ticket: &'a TicketRow,
    now_ms: i64,
}

impl Queue<'_> {
    fn template(&self, event: Event, language: &str) -> Result<EventTemplate, NotifyError> {
        let templates = templates_for(self.config, self.store)?;
        Ok(templates
            .get(event, language, &self.config.notify.default_language)?
            .clone())
    }

    fn sms(
        &self,
        event: Event,
        to: &str,
        language: &str,
        vars: &BTreeMap<&str, String>,
        secret: Option<String>,
    ) -> Result<Option<i64>, NotifyError> {
        if to.trim().is_empty() || self.config.notify.sms.url.is_empty() {
            return Ok(None);
        }
        let t = self.template(event, language)?;
        if t.sms.is_empty() {
            return Ok(None);
        }
        let n = NewNotification {
            channel: "sms".into(),
            event: event.as_str().into(),
            language: language.into(),
            recipient: to.into(),
            body: render(&t.sms, vars)?,
            secret,
            ticket_id: Some(self.ticket.id),
            ..NewNotification::default()
        };
        Ok(Some(self.store.enqueue_notification(&n, self.now_ms)?))
    }

    fn email(
        &self,
        event: Event,
        to: &str,
        language: &str,
        vars: &BTreeMap<&str, String>,
        attachments: &[TextAttachment],
    ) -> Result<Option<i64>, NotifyError> {
        if to.trim().is_empty() || self.config.notify.smtp.host.is_empty() {
            return Ok(None);
        }
        let t = self.template(event, language)?;
        if t.text.is_empty() {
            return Ok(None);
        }
        let n = NewNotification {
            channel: "email".into(),
            event: event.as_str().into(),
            language: language.into(),
            recipient: to.into(),
            subject: render(&t.subject, vars)?,
            body: render(&t.text, vars)?,
            html: render(&t.html, vars)?,
            attachments: serde_json::to_value(attachments).unwrap_or_default(),
            ticket_id: Some(self.ticket.id),
            ..NewNotification::default()
        };
        Ok(Some(self.store.enqueue_notification(&n, self.now_ms)?))
    }

    /// With `[notify] voice_dispatch`, the lead department's phone is called with the order.
    fn voice_order(&self, department: i64) -> Result<(), NotifyError> {
        if !self.config.notify.voice_dispatch {
            return Ok(());
        }
        let Some(phone) = self
            .store
            .department(department)?
            .map(|d| d.phone)
            .filter(|p| !p.trim().is_empty())
        else {
            return Ok(());
        };
        let c = &self.config.campaign;
        let order = NewCampaign {
            name: format!("派单 {}", self.ticket.number),
            mode: "survey".into(),
            flow: c.dispatch_flow.clone(),
            agent: String::new(),
            max_attempts: c.max_attempts.max(1),
            retry_secs: i64::try_from(c.dispatch_retry_secs).unwrap_or(i64::MAX),
            // Enforcement teams take orders day and night.
            window_start: 0,
            window_end: 1440,
            created_by: "dispatch".into(),
            purpose: "dispatch".into(),
        };
        self.store
            .create_campaign(&order, &[(Some(self.ticket.id), phone)], self.now_ms)?;
        Ok(())
    }

    /// The centre's own notice to one of its desks, by e-mail and SMS.
    fn desk(&self, event: Event, desk: &CentreContact) -> Result<Vec<i64>, NotifyError> {
        let vars = ticket_vars(self.store, self.config, self.ticket, None);
        let language = if desk.language.is_empty() {
            self.config.notify.default_language.clone()
        } else {
            desk.language.clone()
        };
        let mut ids = Vec::new();
        ids.extend(self.email(event, &desk.email, &language, &vars, &[])?);
        ids.extend(self.sms(event, &desk.sms, &language, &vars, None)?);
        Ok(ids)
    }

    fn notice(
        &self,
        notice: Notice,
        audience: &Audience,
        letter: Option<&TextAttachment>,
    ) -> Result<Vec<i64>, NotifyError> {
        let Some(event) = event_of(notice, audience) else {
            return Ok(Vec::new());
        };
        let mut ids = Vec::new();
        match audience {
            Audience::Citizen => {
                let vars = ticket_vars(self.store, self.config, self.ticket, None);
                let language = citizen_language(self.store, self.config, self.ticket);
                ids.extend(self.sms(event, &self.ticket.caller_number, &language, &vars, None)?);
            }
            Audience::Department(d) => {
                if notice == Notice::Dispatched {
                    self.voice_order(*d)?;
                }
                let Some(contact) = self.store.department_contact(*d)? else {
                    return Ok(ids);
                };
                let vars = ticket_vars(self.store, self.config, self.ticket, Some(*d));
                let language = if contact.language.is_empty() {
                    self.config.notify.default_language.clone()
                } else {
                    contact.language.clone()
                };
                let files: Vec<TextAttachment> = letter.into_iter().cloned().collect();
                ids.extend(self.email(event, &contact.email, &language, &vars, &files)?);
                ids.extend(self.sms(event, &contact.sms, &language, &vars, None)?);
            }
        }
        Ok(ids)
    }
}

/// A ticket was filed: the citizen gets its number and PIN by SMS.
pub fn after_filing(
    store: &Store,
    config: &Config,
    filed: &FiledTicket,
    now_ms: i64,
) -> Result<Vec<i64>, NotifyError> {
    let q = Queue {
        store,
        config,
        ticket: &filed.ticket,
        now_ms,
    };
    let vars = ticket_vars(store, config, &filed.ticket, None);
    let language = citizen_language(store, config, &filed.ticket);
    let secret = Some(filed.pin.as_str().to_owned());
    Ok(q.sms(
        Event::Received,
        &filed.ticket.caller_number,
        &language,
        &vars,
        secret,
    )?
    .into_iter()
    .collect())
}

/// A workflow step was stored: its notices become notifications. `letter` is attached to a
/// department's new-work e-mail.
pub fn after_transition(
    store: &Store,
    config: &Config,
    applied: &AppliedTransition,
    letter: Option<&TextAttachment>,
    now_ms: i64,
) -> Vec<i64> {
    let q = Queue {
        store,
        config,
        ticket: &applied.ticket,
        now_ms,
    };
    let mut ids = Vec::new();
    for effect in &applied.effects {
        if *effect == Effect::ScheduleFollowUp {
            // The reply is in: the visit (回访) is the centre's work from now on.
            match q.desk(Event::FollowUpDue, &config.notify.follow_up) {
                Ok(more) => ids.extend(more),
                Err(e) => warn!(ticket = %applied.ticket.number, error = %e,
                                "follow-up notice not queued"),
            }
            continue;
        }
        let (notice, audience) = match effect {
            Effect::NotifyCitizen { notice } => (*notice, Audience::Citizen),
            Effect::NotifyDepartment { department, notice } => match dept_row_id(department) {
                Some(d) => (*notice, Audience::Department(d)),
                None => continue,
            },
            _ => continue,
        };
        match q.notice(notice, &audience, letter) {
            Ok(more) => ids.extend(more),
            Err(e) => warn!(ticket = %applied.ticket.number, error = %e,
                            "notification not queued"),
        }
    }
    ids
}

/// A caller left a voicemail or a director's mail (filed as `filed`): the caller gets the
/// ticket's number and PIN, the voicemail desk hears that a message waits.
pub fn after_voicemail(
    store: &Store,
    config: &Config,
    filed: &FiledTicket,
    now_ms: i64,
) -> Vec<i64> {
    let mut ids = after_filing(store, config, filed, now_ms).unwrap_or_else(|e| {
        warn!(ticket = %filed.ticket.number, error = %e, "receipt not queued");
        Vec::new()
    });
    let q = Queue {
        store,
        config,
        ticket: &filed.ticket,
        now_ms,
    };
    match q.desk(Event::VoicemailWaiting, &config.notify.voicemail) {
        Ok(more) => ids.extend(more),
        Err(e) => warn!(ticket = %filed.ticket.number, error = %e,
                        "voicemail notice not queued"),
    }
    ids
}

/// Whether a step's notices include new work for a department (then the letter is wanted).
pub fn wants_letter(applied: &AppliedTransition) -> bool {
    applied.effects.iter().any(|e| {
        matches!(
            e,
            Effect::NotifyDepartment {
                notice: Notice::Dispatched | Notice::CoHandling,
                ..
            }
        )
    })
}

/// The deadline task recorded a reminder (催办) or an escalation: the lead department gets the
/// due-soon notice before the due time and the overdue notice after it.
pub fn after_deadline_action(
    store: &Store,
    config: &Config,
    ticket: &TicketRow,
    action: &crate::tickets::DeadlineAction,
    now_ms: i64,
) -> Vec<i64> {
    use crate::tickets::DeadlineAction;
    let (department, due) = match action {
        DeadlineAction::Remind {
            department, due, ..
        } => (dept_row_id(department), *due),
        DeadlineAction::Escalate { due, .. } => (ticket.lead_department_id, *due),
    };
    let Some(department) = department else {
        return Vec::new();
    };
    let notice = if due.as_millisecond() > now_ms {
        Notice::Reminder
    } else {
        Notice::Escalated { level: 0 }
    };
    let q = Queue {
        store,
        config,
        ticket,
        now_ms,
    };
    q.notice(notice, &Audience::Department(department), None)
        .unwrap_or_else(|e| {
            warn!(ticket = %ticket.number, error = %e, "deadline notice not queued");
            Vec::new()
        })
}

#[cfg(test)]
mod tests {
    use jiff::tz::TimeZone;

    use super::*;
    use crate::server::deadlines::sweep_with;
    use crate::store::{DepartmentContact, NewDepartment, TicketDraft, dept_id};
    use crate::tickets::{
        Actor, CategoryTree, Channel, DeadlineRules, Deadlines, Pin, Role, TicketState, TicketType,
        TimeLimit, Urgency, WorkCalendar, WorkflowAction,
    };

    fn at(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn reminders_and_escalations_reach_the_department_by_email_and_sms() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("n.db")).unwrap();
        let data = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../assets/data");
        let read = |f: &str| std::fs::read_to_string(data.join(f)).unwrap();
        let tz = TimeZone::get("Asia/Shanghai").unwrap();
        let rules = Deadlines::new(
            DeadlineRules::parse(&read("deadlines.toml")).unwrap(),
            CategoryTree::parse(&read("categories.toml")).unwrap(),
            WorkCalendar::from_holidays_toml(&read("holidays.toml")).unwrap(),
            tz.clone(),
        );
        let mut config = Config::default();
        config.server.assets_dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../assets").into();
        config.notify.smtp.host = "mail.example".into();
        config.notify.sms.url = "http://gw.example/send".into();
        let housing = NewDepartment {
            parent_id: None,
            name: "市住建局".into(),
            contact: String::new(),
            phone: String::new(),
        };
        let housing = store.add_department(&housing, 0).unwrap().id;
        store
            .set_department_contact(&DepartmentContact {
                department_id: housing,
                email: "zjj@example.gov".into(),
                sms: "13700000000".into(),
                language: "zh".into(),
            })
            .unwrap();
        let draft = TicketDraft {
            profile: "12345".into(),
            ticket_type: TicketType::Complaint,
            channel: Channel::Phone,
            category: "urban_construction".into(),
            urgency: Urgency::Normal,
            limit: TimeLimit::Days(2),
            subject: "夜间施工噪音".into(),
            description: String::new(),
            address: String::new(),
            region: String::new(),
            caller_id: None,
            caller_number: "13912345678".into(),
            call_id: None,
        };
        let agent = Actor::centre("agent1", Role::Agent);
        let filed = at("2026-11-23T02:00:00Z");
        let t = store
            .create_ticket(&draft, &agent, Pin::from_random(1), &tz, filed)
            .unwrap();
        let due = |s: &TicketState| rules.due_at(s).ok().flatten();
        let dispatch = WorkflowAction::Dispatch {
            lead: dept_id(housing),
            co_handlers: Vec::new(),
            note: String::new(),
        };
        let applied = store
            .apply_transition(t.ticket.id, &agent, &dispatch, filed, None, &due)
            .unwrap();
        // Dispatch: the department's e-mail and SMS, the citizen's SMS.
        let ids = after_transition(&store, &config, &applied, None, filed.as_millisecond());
        assert_eq!(ids.len(), 3);
        for when in ["2026-11-25T02:00:30Z", "2026-11-27T09:00:00Z"] {
            let now = at(when);
            let notify = |s: &Store, t: &TicketRow, a: &crate::tickets::DeadlineAction| {
                after_deadline_action(s, &config, t, a, now.as_millisecond());
            };
            sweep_with(&store, &rules, 30, now, &notify).unwrap();
        }
        let rows = store.ticket_notifications(t.ticket.id).unwrap();
        let sent: Vec<(&str, &str, &str)> = rows
            .iter()
            .map(|r| (r.event.as_str(), r.channel.as_str(), r.recipient.as_str()))
            .collect();
        assert!(
            sent.contains(&("due_soon", "email", "zjj@example.gov")),
            "{sent:?}"
        );
        assert!(
            sent.contains(&("overdue", "email", "zjj@example.gov")),
            "{sent:?}"
        );
        assert!(
            sent.contains(&("overdue", "sms", "13700000000")),
            "{sent:?}"
        );
        assert!(
            sent.contains(&("dispatched", "sms", "13912345678")),
            "{sent:?}"
        );
        let overdue = rows.iter().find(|r| r.event == "overdue").unwrap();
        assert!(overdue.subject.contains("超期") && overdue.body.contains("市住建局"));
    }

    #[test]
    fn the_centre_desks_hear_of_voicemails_and_due_follow_ups() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("c.db")).unwrap();
        let tz = TimeZone::get("Asia/Shanghai").unwrap();
        let mut config = Config::default();
        config.server.assets_dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../assets").into();
        config.notify.smtp.host = "mail.example".into();
        config.notify.sms.url = "http://gw.example/send".into();
        config.notify.voicemail.email = "duty@hotline.example".into();
        config.notify.follow_up.sms = "13600000001".into();
        config.notify.follow_up.language = "en".into();
        let draft = TicketDraft {
            profile: "12365".into(),
            ticket_type: TicketType::Complaint,
            channel: Channel::Voicemail,
            category: "other".into(),
            urgency: Urgency::Normal,
            limit: TimeLimit::Days(5),
            subject: "局长信箱 13912345678".into(),
            description: String::new(),
            address: String::new(),
            region: String::new(),
            caller_id: None,
            caller_number: "13912345678".into(),
            call_id: None,
        };
        let ivr = Actor::centre("ivr", Role::Agent);
        let now = at("2026-11-23T02:00:00Z");
        let filed = store
            .create_ticket(&draft, &ivr, Pin::from_random(7), &tz, now)
            .unwrap();
        let ids = after_voicemail(&store, &config, &filed, now.as_millisecond());
        assert_eq!(ids.len(), 2, "the caller's receipt and the desk's e-mail");
        let rows = store.ticket_notifications(filed.ticket.id).unwrap();
        let receipt = rows.iter().find(|r| r.event == "received").unwrap();
        assert_eq!(
            (receipt.channel.as_str(), receipt.recipient.as_str()),
            ("sms", "13912345678")
        );
        assert!(receipt.body_to_send().contains(filed.pin.as_str()));
        let desk = rows
            .iter()
            .find(|r| r.event == "voicemail_waiting")
            .unwrap();
        assert_eq!(
            (desk.channel.as_str(), desk.recipient.as_str()),
            ("email", "duty@hotline.example")
        );
        assert!(desk.subject.contains(&filed.ticket.number) && desk.body.contains("13912345678"));

        // The reply needs a follow-up visit: the desk's SMS, in its language.
        let agent = Actor::centre("agent1", Role::Agent);
        let reply = WorkflowAction::Reply {
            text: "已转告局长".into(),
        };
        let applied = store
            .apply_transition(filed.ticket.id, &agent, &reply, now, None, &|_| None)
            .unwrap();
        after_transition(&store, &config, &applied, None, now.as_millisecond());
        let rows = store.ticket_notifications(filed.ticket.id).unwrap();
        let due = rows.iter().find(|r| r.event == "follow_up_due").unwrap();
        assert_eq!(
            (
                due.channel.as_str(),
                due.recipient.as_str(),
                due.language.as_str()
            ),
            ("sms", "13600000001", "en")
        );
        assert!(due.body.contains(&filed.ticket.number) && due.body.contains("follow up"));
        // A consultation needs no visit: nothing for the desk.
        let consult = TicketDraft {
            ticket_type: TicketType::Consultation,
            ..draft
        };
        let t = store
            .create_ticket(&consult, &agent, Pin::from_random(8), &tz, now)
            .unwrap();
        let applied = store
            .apply_transition(t.ticket.id, &agent, &reply, now, None, &|_| None)
            .unwrap();
        after_transition(&store, &config, &applied, None, now.as_millisecond());
        let rows = store.ticket_notifications(t.ticket.id).unwrap();
        assert!(rows.iter().all(|r| r.event != "follow_up_due"), "{rows:?}");
    }
}
