//! Time limits, due times, reminders (催办) and escalation on a virtual clock.

use jiff::SignedDuration;

use super::*;

fn running(ticket_type: TicketType, urgency: Urgency, category: &str, now: Timestamp) -> Story {
    let mut s = Story::file(new_ticket(ticket_type, urgency, category), now);
    s.step(&agent(), dispatch("d1.s1", &[]), now);
    s
}

/// Polls like the periodic task: sends what is due and remembers the keys.
struct Poller {
    sent: Vec<ReminderKey>,
}

impl Poller {
    fn poll(&mut self, s: &TicketState, now: Timestamp) -> Vec<DeadlineAction> {
        let actions = deadlines()
            .due_actions(s, &directory(), &self.sent, now)
            .unwrap();
        self.sent.extend(actions.iter().map(|a| *a.key()));
        actions
    }

    fn kinds(&mut self, s: &TicketState, now: Timestamp) -> Vec<ReminderKind> {
        self.poll(s, now).iter().map(|a| a.key().kind).collect()
    }
}

#[test]
fn limits_take_the_stricter_of_type_and_category() {
    let dl = deadlines();
    use TicketType::*;
    use Urgency::*;
    assert_eq!(
        dl.limit_for("environment.noise", Complaint, Normal),
        TimeLimit::Days(10)
    );
    assert_eq!(
        dl.limit_for("environment.noise", Complaint, Urgent),
        TimeLimit::Days(3)
    );
    assert_eq!(
        dl.limit_for("environment.noise", Complaint, VeryUrgent),
        TimeLimit::Hours(4)
    );
    assert_eq!(
        dl.limit_for("utilities.gas", Suggestion, Normal),
        TimeLimit::Days(1)
    );
    assert_eq!(
        dl.limit_for("market.food_safety", Help, Normal),
        TimeLimit::Days(3)
    );
    assert_eq!(
        dl.limit_for("natural_resources", Report, Normal),
        TimeLimit::Days(15)
    );
    assert_eq!(
        dl.limit_for("natural_resources.mining", DirectorMail, Normal),
        TimeLimit::Days(15)
    );
    // An unknown category leaves the type's limit.
    assert_eq!(
        dl.limit_for("nowhere", Consultation, Normal),
        TimeLimit::Days(3)
    );
}

#[test]
fn due_across_a_weekend() {
    // Friday 20 November, one working day: Monday at close.
    let s = running(
        TicketType::Help,
        Urgency::Urgent,
        "utilities.water",
        at(2026, 11, 20, 10, 0),
    );
    assert_eq!(s.state.limit, TimeLimit::Days(1));
    assert_eq!(
        deadlines().due_at(&s.state).unwrap(),
        Some(at(2026, 11, 23, 17, 30))
    );
    let mut p = Poller { sent: vec![] };
    assert!(p.kinds(&s.state, at(2026, 11, 21, 12, 0)).is_empty());
    assert_eq!(
        p.kinds(&s.state, at(2026, 11, 23, 8, 30)),
        [ReminderKind::BeforeDue(TimeLimit::Days(1))]
    );

    // Four working hours from Friday 16:00: Monday 11:00. The one-day lead time would fall
    // before the dispatch, so only the two-hour reminder (Monday 09:00) is sent.
    let s = running(
        TicketType::Complaint,
        Urgency::VeryUrgent,
        "environment.noise",
        at(2026, 11, 20, 16, 0),
    );
    assert_eq!(
        deadlines().due_at(&s.state).unwrap(),
        Some(at(2026, 11, 23, 11, 0))
    );
    let mut p = Poller { sent: vec![] };
    assert!(p.kinds(&s.state, at(2026, 11, 23, 8, 59)).is_empty());
    assert_eq!(
        p.kinds(&s.state, at(2026, 11, 23, 9, 0)),
        [ReminderKind::BeforeDue(TimeLimit::Hours(2))]
    );
}

#[test]
fn due_across_national_day_onto_the_make_up_saturday() {
    // Wednesday 30 September, three working days: 8, 9 and Saturday 10 October (调休).
    let s = running(
        TicketType::Complaint,
        Urgency::Urgent,
        "environment.noise",
        at(2026, 9, 30, 10, 0),
    );
    let dl = deadlines();
    assert_eq!(dl.due_at(&s.state).unwrap(), Some(at(2026, 10, 10, 17, 30)));
    assert!(!dl.is_overdue(&s.state, at(2026, 10, 10, 17, 30)).unwrap());
    assert!(dl.is_overdue(&s.state, at(2026, 10, 10, 17, 31)).unwrap());
    let mut p = Poller { sent: vec![] };
    // Nothing during the holiday: the one-day reminder is on the Saturday morning.
    assert!(p.kinds(&s.state, at(2026, 10, 5, 12, 0)).is_empty());
    assert!(p.kinds(&s.state, at(2026, 10, 9, 17, 0)).is_empty());
    assert_eq!(
        p.kinds(&s.state, at(2026, 10, 10, 8, 30)),
        [ReminderKind::BeforeDue(TimeLimit::Days(1))]
    );
    // Overdue from Saturday close; Sunday 11 October is an ordinary day off.
    assert_eq!(
        p.kinds(&s.state, at(2026, 10, 10, 17, 30)),
        [ReminderKind::AtDue]
    );
    assert!(p.kinds(&s.state, at(2026, 10, 11, 23, 0)).is_empty());
    assert_eq!(
        p.kinds(&s.state, at(2026, 10, 12, 14, 0)),
        [ReminderKind::Overdue(1)]
    );
}

#[test]
fn reminders_before_at_and_after_due_without_repeats_then_escalation() {
    // Monday 23 November 09:00, three working days: due Thursday 26 November 17:30.
    let mut s = running(
        TicketType::Complaint,
        Urgency::Urgent,
        "environment.noise",
        at(2026, 11, 23, 9, 0),
    );
    let due = at(2026, 11, 26, 17, 30);
    assert_eq!(deadlines().due_at(&s.state).unwrap(), Some(due));
    let mut p = Poller { sent: vec![] };
    use ReminderKind::*;
    assert!(p.kinds(&s.state, at(2026, 11, 23, 10, 0)).is_empty());
    assert!(p.kinds(&s.state, at(2026, 11, 25, 17, 0)).is_empty());
    // One working day before: Thursday 08:30.
    let first = p.poll(&s.state, at(2026, 11, 26, 8, 30));
    assert_eq!(
        first,
        [DeadlineAction::Remind {
            key: ReminderKey {
                due,
                kind: BeforeDue(TimeLimit::Days(1))
            },
            department: d("d1.s1"),
            due,
        }]
    );
    assert!(
        p.kinds(&s.state, at(2026, 11, 26, 8, 30)).is_empty(),
        "no repeat"
    );
    assert!(
        p.kinds(&s.state, at(2026, 11, 26, 12, 0)).is_empty(),
        "no repeat"
    );
    assert_eq!(
        p.kinds(&s.state, at(2026, 11, 26, 15, 30)),
        [BeforeDue(TimeLimit::Hours(2))]
    );
    assert_eq!(p.kinds(&s.state, at(2026, 11, 26, 17, 30)), [AtDue]);
    assert!(p.kinds(&s.state, at(2026, 11, 27, 13, 0)).is_empty());
    // Every four working hours after the due time: Friday 14:00.
    assert_eq!(p.kinds(&s.state, at(2026, 11, 27, 14, 0)), [Overdue(1)]);
    assert!(p.kinds(&s.state, at(2026, 11, 27, 14, 1)).is_empty());

    // One working day overdue (Friday at close): supervisors and the parent department.
    let esc = p.poll(&s.state, at(2026, 11, 27, 17, 30));
    assert_eq!(esc.len(), 1);
    let DeadlineAction::Escalate {
        level,
        overdue,
        supervisors,
        directors,
        departments,
        ..
    } = &esc[0]
    else {
        panic!("{esc:?}");
    };
    assert_eq!(*level, 1);
    assert_eq!(*overdue, SignedDuration::from_mins(450));
    assert!(*supervisors && !*directors);
    assert_eq!(departments, &[d("d1")]);
    // The task records it in the ticket's history as the system user.
    s.step(
        &system(),
        esc[0].to_workflow_action(),
        at(2026, 11, 27, 17, 30),
    );
    assert_eq!(s.state.escalation_level, 1);
    assert!(can_see(&dept("d1"), &s.state));
    s.step(
        &system(),
        first[0].to_workflow_action(),
        at(2026, 11, 27, 17, 31),
    );
    assert_eq!(s.state.reminders, 1);
    assert_eq!(s.history.last().unwrap().kind, ActionKind::Remind);

    // Escalation keys survive the escalation step itself (same due time).
    assert_eq!(p.kinds(&s.state, at(2026, 11, 30, 12, 0)), [Overdue(2)]);
    // A task that was down for days sends one reminder, not a backlog, and the highest
    // escalation step reached.
    let late = p.poll(&s.state, at(2026, 12, 2, 17, 30));
    let kinds: Vec<ReminderKind> = late.iter().map(|a| a.key().kind).collect();
    assert_eq!(kinds, [Overdue(7), Escalation(2)]);
    let DeadlineAction::Escalate {
        departments,
        directors,
        ..
    } = &late[1]
    else {
        panic!("{late:?}");
    };
    assert!(*directors);
    assert_eq!(departments, &[d("d1"), d("city")]);
    assert!(p.poll(&s.state, at(2026, 12, 2, 17, 31)).is_empty());

    // Once replied, nothing more.
    s.step(
        &dept("d1.s1"),
        WorkflowAction::Accept,
        at(2026, 12, 3, 9, 0),
    )
    .step(&dept("d1.s1"), reply("已处理"), at(2026, 12, 3, 10, 0));
    assert!(p.poll(&s.state, at(2026, 12, 10, 10, 0)).is_empty());
}

#[test]
fn an_extension_starts_a_new_round_of_reminders() {
    let mut s = running(
        TicketType::Complaint,
        Urgency::Urgent,
        "environment.noise",
        at(2026, 11, 23, 9, 0),
    );
    s.step(
        &dept("d1.s1"),
        WorkflowAction::Accept,
        at(2026, 11, 23, 9, 30),
    );
    let mut p = Poller { sent: vec![] };
    use ReminderKind::*;
    assert_eq!(
        p.kinds(&s.state, at(2026, 11, 26, 8, 30)),
        [BeforeDue(TimeLimit::Days(1))]
    );
    s.step(
        &dept("d1.s1"),
        WorkflowAction::RequestExtension {
            days: 2,
            reason: "等待检测报告".to_owned(),
        },
        at(2026, 11, 26, 9, 0),
    )
    .step(
        &supervisor(),
        WorkflowAction::ApproveExtension { days: 2 },
        at(2026, 11, 26, 9, 30),
    );
    let due = deadlines().due_at(&s.state).unwrap().unwrap();
    assert_eq!(due, at(2026, 11, 30, 17, 30));
    assert!(
        p.kinds(&s.state, at(2026, 11, 26, 17, 30)).is_empty(),
        "old due time no longer counts"
    );
    let again = p.poll(&s.state, at(2026, 11, 30, 8, 30));
    assert_eq!(again.len(), 1);
    assert_eq!(
        *again[0].key(),
        ReminderKey {
            due,
            kind: BeforeDue(TimeLimit::Days(1))
        }
    );
}

#[test]
fn no_reminders_without_a_running_clock() {
    let s = Story::file(
        new_ticket(TicketType::Complaint, Urgency::Urgent, "environment.noise"),
        at(2026, 11, 23, 9, 0),
    );
    let dl = deadlines();
    assert_eq!(dl.due_at(&s.state).unwrap(), None);
    assert!(
        dl.due_actions(&s.state, &directory(), &[], at(2027, 1, 1, 9, 0))
            .unwrap()
            .is_empty()
    );
}

#[test]
fn reminder_keys_have_a_text_form() {
    let due = at(2026, 11, 26, 17, 30);
    for kind in [
        ReminderKind::BeforeDue(TimeLimit::Days(1)),
        ReminderKind::BeforeDue(TimeLimit::Hours(2)),
        ReminderKind::AtDue,
        ReminderKind::Overdue(12),
        ReminderKind::Escalation(2),
    ] {
        let key = ReminderKey { due, kind };
        let text = key.to_string();
        assert_eq!(text.parse::<ReminderKey>().unwrap(), key, "{text}");
    }
    assert_eq!(
        ReminderKey {
            due,
            kind: ReminderKind::BeforeDue(TimeLimit::Days(1))
        }
        .to_string(),
        "2026-11-26T09:30:00Z/before:1d"
    );
    for bad in [
        "",
        "2026-11-26T09:30:00Z",
        "2026-11-26T09:30:00Z/later",
        "x/at_due",
        "2026-11-26T09:30:00Z/overdue:x",
    ] {
        assert!(bad.parse::<ReminderKey>().is_err(), "{bad}");
    }
}

#[test]
fn deadline_rules_are_validated() {
    let base = DEADLINES;
    let missing = base.replace("[limits.praise]", "[limits.unused]");
    assert!(DeadlineRules::parse(&missing).is_err());
    let dropped: String = base
        .lines()
        .filter(|l| !l.starts_with("[limits.praise]"))
        .collect::<Vec<_>>()
        .join("\n");
    assert!(DeadlineRules::parse(&dropped).is_err());
    let zero = base.replace(
        "overdue_every = { hours = 4 }",
        "overdue_every = { hours = 0 }",
    );
    assert!(
        DeadlineRules::parse(&zero)
            .unwrap_err()
            .to_string()
            .contains("overdue_every")
    );
    let order = base.replace(
        "after_overdue = { days = 3 }",
        "after_overdue = { hours = 2 }",
    );
    assert!(
        DeadlineRules::parse(&order)
            .unwrap_err()
            .to_string()
            .contains("escalation")
    );
    let unknown = format!("{base}\nsurprise = 1\n");
    assert!(DeadlineRules::parse(&unknown).is_err());
}
