//! The workflow stories, told step by step with real roles.

use super::*;

fn noise_complaint(now: Timestamp) -> Story {
    Story::file(
        new_ticket(TicketType::Complaint, Urgency::Normal, "environment.noise"),
        now,
    )
}

#[test]
fn full_story_from_filing_to_closing() {
    let mut s = noise_complaint(at(2026, 11, 23, 9, 0));
    assert_eq!(s.status(), Status::Received);
    assert_eq!(
        s.effects,
        [Effect::NotifyCitizen {
            notice: Notice::Received
        }]
    );

    s.step(
        &agent(),
        dispatch("d1.s1", &["city.env"]),
        at(2026, 11, 23, 9, 5),
    );
    assert_eq!(s.status(), Status::Dispatched);
    assert!(s.told("d1.s1", Notice::Dispatched));
    assert!(s.told("city.env", Notice::CoHandling));
    assert!(s.effects.contains(&Effect::StartDeadlineClock {
        from: at(2026, 11, 23, 9, 5)
    }));
    assert!(s.effects.contains(&Effect::NotifyCitizen {
        notice: Notice::Dispatched
    }));
    let due = deadlines().due_at(&s.state).unwrap().unwrap();
    // Ten working days after Monday 23 November: Monday 7 December at close.
    assert_eq!(due, at(2026, 12, 7, 17, 30));

    // The co-handler sees the ticket but the lead answers for it.
    assert!(can_see(&dept("city.env"), &s.state));
    assert!(!can_see(&dept("d2"), &s.state));
    let err = s.refuse(
        &dept("city.env"),
        WorkflowAction::Accept,
        at(2026, 11, 23, 10, 0),
    );
    assert!(matches!(err, WorkflowError::NotLead { .. }), "{err}");

    s.step(
        &dept("d1.s1"),
        WorkflowAction::Accept,
        at(2026, 11, 23, 10, 0),
    );
    assert_eq!(s.status(), Status::Accepted);
    s.step(
        &dept("d1.s1"),
        WorkflowAction::StartHandling,
        at(2026, 11, 23, 10, 30),
    );
    assert_eq!(s.status(), Status::InProgress);

    s.step(
        &supervisor(),
        WorkflowAction::Supervise {
            instruction: "请街道三日内查明施工许可情况".to_owned(),
        },
        at(2026, 11, 24, 9, 0),
    );
    assert!(s.state.supervised);
    assert_eq!(s.state.instructions.len(), 1);
    assert!(s.told("d1.s1", Notice::Supervised));
    assert_eq!(s.status(), Status::InProgress);

    s.step(
        &dept("d1.s1"),
        reply("已责令施工单位夜间停工，并张贴公告。"),
        at(2026, 11, 26, 15, 0),
    );
    assert_eq!(s.status(), Status::Replied);
    assert!(s.effects.contains(&Effect::StopDeadlineClock));
    assert!(s.effects.contains(&Effect::ScheduleFollowUp));
    assert!(s.effects.contains(&Effect::NotifyCitizen {
        notice: Notice::Replied
    }));
    let r = s.state.reply.as_ref().unwrap();
    assert_eq!(r.department, Some(d("d1.s1")));
    assert_eq!(deadlines().due_at(&s.state).unwrap(), None);

    s.step(
        &agent(),
        WorkflowAction::StartFollowUp,
        at(2026, 11, 27, 10, 0),
    );
    assert_eq!(s.status(), Status::FollowUp);
    s.step(
        &agent(),
        WorkflowAction::RecordFollowUp {
            satisfaction: Satisfaction::Satisfied,
            note: "市民表示满意".to_owned(),
        },
        at(2026, 11, 27, 10, 5),
    );
    assert_eq!(s.status(), Status::FollowUp);
    assert_eq!(s.state.satisfaction, Some(Satisfaction::Satisfied));
    s.step(
        &agent(),
        WorkflowAction::Close {
            note: String::new(),
        },
        at(2026, 11, 27, 10, 6),
    );
    assert_eq!(s.status(), Status::Closed);
    assert_eq!(s.state.closed_at, Some(at(2026, 11, 27, 10, 6)));

    let trail: Vec<(Option<Status>, Status, ActionKind)> =
        s.history.iter().map(|h| (h.from, h.to, h.kind)).collect();
    use Status::*;
    assert_eq!(
        trail,
        [
            (None, Received, ActionKind::File),
            (Some(Received), Dispatched, ActionKind::Dispatch),
            (Some(Dispatched), Accepted, ActionKind::Accept),
            (Some(Accepted), InProgress, ActionKind::StartHandling),
            (Some(InProgress), InProgress, ActionKind::Supervise),
            (Some(InProgress), Replied, ActionKind::Reply),
            (Some(Replied), FollowUp, ActionKind::StartFollowUp),
            (Some(FollowUp), FollowUp, ActionKind::RecordFollowUp),
            (Some(FollowUp), Closed, ActionKind::Close),
        ]
    );
    assert_eq!(s.history[4].note, "请街道三日内查明施工许可情况");
    assert_eq!(s.history[2].department, Some(d("d1.s1")));
    // A closed ticket only reopens.
    let err = s.refuse(&dept("d1.s1"), reply("再答复"), at(2026, 11, 30, 9, 0));
    assert!(matches!(err, WorkflowError::NotAssigned { .. }), "{err}");
    let err = s.refuse(&supervisor(), dispatch("d2", &[]), at(2026, 11, 30, 9, 0));
    assert_eq!(err.to_string(), "cannot dispatch a ticket that is closed");
    // The department still sees its closed ticket.
    assert!(can_see(&dept("d1.s1"), &s.state));
}

#[test]
fn unsatisfied_follow_up_reopens_and_is_dispatched_again() {
    let mut s = noise_complaint(at(2026, 11, 23, 9, 0));
    s.step(&agent(), dispatch("d1.s1", &[]), at(2026, 11, 23, 9, 5))
        .step(
            &dept("d1.s1"),
            WorkflowAction::Accept,
            at(2026, 11, 23, 10, 0),
        )
        .step(&dept("d1.s1"), reply("已处理"), at(2026, 11, 24, 10, 0))
        .step(
            &agent(),
            WorkflowAction::StartFollowUp,
            at(2026, 11, 25, 10, 0),
        )
        .step(
            &agent(),
            WorkflowAction::RecordFollowUp {
                satisfaction: Satisfaction::Unsatisfied,
                note: "施工仍在继续".to_owned(),
            },
            at(2026, 11, 25, 10, 5),
        );
    assert_eq!(s.status(), Status::Reopened);
    assert_eq!(s.state.reopens, 1);
    assert_eq!(s.state.reply, None);
    assert_eq!(s.state.satisfaction, None);
    assert!(s.effects.contains(&Effect::NotifyCentre {
        notice: Notice::Reopened
    }));
    assert!(s.told("d1.s1", Notice::Reopened));
    // The department cannot act until the centre dispatches it again.
    let err = s.refuse(
        &dept("d1.s1"),
        WorkflowAction::Accept,
        at(2026, 11, 25, 11, 0),
    );
    assert!(matches!(err, WorkflowError::NotAssigned { .. }), "{err}");

    s.step(
        &agent(),
        dispatch("d1.s1", &["city.env"]),
        at(2026, 11, 25, 11, 0),
    );
    assert_eq!(s.status(), Status::Dispatched);
    assert_eq!(s.state.dispatches, 2);
    assert_eq!(s.state.clock_started, Some(at(2026, 11, 25, 11, 0)));
    // Second time round the citizen is not told again that it was dispatched.
    assert!(
        !s.effects
            .iter()
            .any(|e| matches!(e, Effect::NotifyCitizen { .. }))
    );
    s.step(
        &dept("d1.s1"),
        WorkflowAction::Accept,
        at(2026, 11, 25, 14, 0),
    );
    assert_eq!(s.status(), Status::Accepted);
}

#[test]
fn supervisor_reopens_a_closed_ticket() {
    let mut s = noise_complaint(at(2026, 11, 23, 9, 0));
    s.step(&agent(), dispatch("d1.s1", &[]), at(2026, 11, 23, 9, 5))
        .step(
            &dept("d1.s1"),
            WorkflowAction::Accept,
            at(2026, 11, 23, 10, 0),
        )
        .step(&dept("d1.s1"), reply("已处理"), at(2026, 11, 24, 10, 0))
        .step(
            &supervisor(),
            WorkflowAction::Close {
                note: "市民要求不回访".to_owned(),
            },
            at(2026, 11, 24, 11, 0),
        );
    assert_eq!(s.status(), Status::Closed);
    let reopen = |reason: &str| WorkflowAction::Reopen {
        reason: reason.to_owned(),
    };
    let err = s.refuse(&agent(), reopen("再次来电"), at(2026, 11, 25, 9, 0));
    assert!(matches!(err, WorkflowError::Forbidden { .. }), "{err}");
    let err = s.refuse(&director(), reopen("  "), at(2026, 11, 25, 9, 0));
    assert!(err.to_string().contains("reason is empty"), "{err}");
    s.step(
        &director(),
        reopen("市民再次来电反映"),
        at(2026, 11, 25, 9, 0),
    );
    assert_eq!(s.status(), Status::Reopened);
    assert_eq!(s.state.closed_at, None);
}

#[test]
fn returned_ticket_is_dispatched_elsewhere() {
    let mut s = noise_complaint(at(2026, 11, 23, 9, 0));
    s.step(
        &agent(),
        dispatch("city.housing", &["d1.s1"]),
        at(2026, 11, 23, 9, 5),
    );
    let err = s.refuse(
        &dept("city.housing"),
        WorkflowAction::Return {
            reason: String::new(),
        },
        at(2026, 11, 23, 10, 0),
    );
    assert!(matches!(err, WorkflowError::Invalid { .. }), "{err}");
    s.step(
        &dept("city.housing"),
        WorkflowAction::Return {
            reason: "非本单位职责，建议转生态环境局".to_owned(),
        },
        at(2026, 11, 23, 10, 0),
    );
    assert_eq!(s.status(), Status::Returned);
    assert_eq!(s.state.lead, None);
    assert!(s.state.co_handlers.is_empty());
    assert!(s.effects.contains(&Effect::StopDeadlineClock));
    assert!(s.effects.contains(&Effect::NotifyCentre {
        notice: Notice::Returned
    }));
    assert!(s.told("d1.s1", Notice::Withdrawn));
    assert!(!can_see(&dept("city.housing"), &s.state));
    assert_eq!(deadlines().due_at(&s.state).unwrap(), None);
    let err = s.refuse(
        &dept("city.housing"),
        WorkflowAction::Accept,
        at(2026, 11, 23, 10, 5),
    );
    assert!(matches!(err, WorkflowError::NotAssigned { .. }), "{err}");

    s.step(&agent(), dispatch("city.env", &[]), at(2026, 11, 23, 11, 0));
    assert_eq!(s.status(), Status::Dispatched);
    assert_eq!(s.state.lead, Some(d("city.env")));
    s.step(
        &dept("city.env"),
        WorkflowAction::Accept,
        at(2026, 11, 23, 14, 0),
    );
}

#[test]
fn departments_cannot_act_on_other_tickets() {
    let mut s = noise_complaint(at(2026, 11, 23, 9, 0));
    s.step(&agent(), dispatch("d1.s1", &[]), at(2026, 11, 23, 9, 5));
    let err = s.refuse(&dept("d2"), WorkflowAction::Accept, at(2026, 11, 23, 10, 0));
    assert_eq!(
        err.to_string(),
        "department d2 cannot accept ticket 12345-20261123-000042: it is not dispatched to it \
         (ticket is dispatched)"
    );
    // Not even a parent department acts for its street.
    let err = s.refuse(&dept("d1"), WorkflowAction::Accept, at(2026, 11, 23, 10, 0));
    assert!(matches!(err, WorkflowError::NotAssigned { .. }), "{err}");
    let lost = Actor {
        department: None,
        ..dept("d1.s1")
    };
    let err = s.refuse(&lost, WorkflowAction::Accept, at(2026, 11, 23, 10, 0));
    assert!(matches!(err, WorkflowError::NoDepartment { .. }), "{err}");
    // Departments do not dispatch, supervise or close.
    let err = s.refuse(&dept("d1.s1"), dispatch("d2", &[]), at(2026, 11, 23, 10, 0));
    assert_eq!(
        err.to_string(),
        "a department may not dispatch (ticket is dispatched)"
    );
    // Agents do not accept for a department.
    let err = s.refuse(&agent(), WorkflowAction::Accept, at(2026, 11, 23, 10, 0));
    assert!(matches!(err, WorkflowError::Forbidden { .. }), "{err}");
    // Wrong order: handling before accepting.
    let err = s.refuse(
        &dept("d1.s1"),
        WorkflowAction::StartHandling,
        at(2026, 11, 23, 10, 0),
    );
    assert_eq!(
        err.to_string(),
        "cannot start_handling a ticket that is dispatched"
    );
}

#[test]
fn extension_approved_by_a_supervisor_moves_the_due_time() {
    let dl = deadlines();
    let mut s = noise_complaint(at(2026, 11, 23, 9, 0));
    s.step(&agent(), dispatch("d1.s1", &[]), at(2026, 11, 23, 9, 5))
        .step(
            &dept("d1.s1"),
            WorkflowAction::Accept,
            at(2026, 11, 23, 10, 0),
        );
    let before = dl.due_at(&s.state).unwrap().unwrap();
    assert_eq!(before, at(2026, 12, 7, 17, 30));

    let request = |days| WorkflowAction::RequestExtension {
        days,
        reason: "需协调多个部门联合执法".to_owned(),
    };
    let err = s.refuse(&dept("d1.s1"), request(0), at(2026, 12, 1, 9, 0));
    assert!(err.to_string().contains("between 1 and 30"), "{err}");
    s.step(&dept("d1.s1"), request(5), at(2026, 12, 1, 9, 0));
    assert!(s.state.pending_extension.is_some());
    assert!(s.effects.contains(&Effect::NotifyCentre {
        notice: Notice::ExtensionRequested { days: 5 }
    }));
    let err = s.refuse(&dept("d1.s1"), request(2), at(2026, 12, 1, 9, 5));
    assert!(err.to_string().contains("already pending"), "{err}");
    // Neither the agent nor the department approves.
    let approve = |days| WorkflowAction::ApproveExtension { days };
    assert!(matches!(
        s.refuse(&agent(), approve(5), at(2026, 12, 1, 10, 0)),
        WorkflowError::Forbidden { .. }
    ));
    assert!(matches!(
        s.refuse(&dept("d1.s1"), approve(5), at(2026, 12, 1, 10, 0)),
        WorkflowError::Forbidden { .. }
    ));

    s.step(&supervisor(), approve(3), at(2026, 12, 1, 10, 0));
    assert_eq!(s.state.extension_days, 3);
    assert_eq!(s.state.pending_extension, None);
    assert!(s.effects.contains(&Effect::DueMoved { extension_days: 3 }));
    assert!(s.told("d1.s1", Notice::ExtensionApproved { days: 3 }));
    let after = dl.due_at(&s.state).unwrap().unwrap();
    assert_eq!(after, at(2026, 12, 10, 17, 30));

    let err = s.refuse(&supervisor(), approve(3), at(2026, 12, 1, 10, 5));
    assert!(
        err.to_string().contains("no extension request is pending"),
        "{err}"
    );

    // A second request, rejected by a director, leaves the due time alone.
    s.step(
        &dept("d1.s1"),
        WorkflowAction::StartHandling,
        at(2026, 12, 2, 9, 0),
    )
    .step(&dept("d1.s1"), request(2), at(2026, 12, 8, 9, 0))
    .step(
        &director(),
        WorkflowAction::RejectExtension {
            note: "请按期办结".to_owned(),
        },
        at(2026, 12, 8, 10, 0),
    );
    assert!(s.told("d1.s1", Notice::ExtensionRejected));
    assert_eq!(dl.due_at(&s.state).unwrap().unwrap(), after);
}

#[test]
fn centre_answers_a_consultation_directly() {
    let mut s = Story::file(
        new_ticket(
            TicketType::Consultation,
            Urgency::Normal,
            "government_services.procedures",
        ),
        at(2026, 11, 23, 9, 0),
    );
    s.step(
        &agent(),
        reply("办理居住证需携带身份证和租房合同。"),
        at(2026, 11, 23, 9, 3),
    );
    assert_eq!(s.status(), Status::Replied);
    assert!(!s.effects.contains(&Effect::ScheduleFollowUp));
    assert_eq!(s.state.reply.as_ref().unwrap().department, None);
    s.step(
        &agent(),
        WorkflowAction::Close {
            note: String::new(),
        },
        at(2026, 11, 23, 9, 4),
    );
    assert_eq!(s.status(), Status::Closed);

    // A complaint answered directly needs a follow-up before an agent may close it.
    let mut c = noise_complaint(at(2026, 11, 23, 9, 0));
    c.step(&agent(), reply("已告知投诉渠道"), at(2026, 11, 23, 9, 3));
    assert!(c.effects.contains(&Effect::ScheduleFollowUp));
    let close = WorkflowAction::Close {
        note: String::new(),
    };
    let err = c.refuse(&agent(), close.clone(), at(2026, 11, 23, 9, 4));
    assert!(matches!(err, WorkflowError::Forbidden { .. }), "{err}");
    c.step(
        &agent(),
        WorkflowAction::StartFollowUp,
        at(2026, 11, 24, 9, 0),
    );
    // Without a result only a supervisor closes (e.g. the citizen cannot be reached).
    assert!(
        c.refuse(&agent(), close.clone(), at(2026, 11, 24, 9, 5))
            .to_string()
            .contains("follow_up")
    );
    c.step(&supervisor(), close, at(2026, 11, 24, 9, 5));
    assert_eq!(c.status(), Status::Closed);
}

#[test]
fn reassigning_reminding_and_escalating() {
    let mut s = noise_complaint(at(2026, 11, 23, 9, 0));
    s.step(
        &agent(),
        dispatch("city.housing", &["d2"]),
        at(2026, 11, 23, 9, 5),
    );
    // 改派 before acceptance is the supervisor's call.
    let err = s.refuse(&agent(), dispatch("d1.s1", &[]), at(2026, 11, 23, 9, 30));
    assert!(matches!(err, WorkflowError::Forbidden { .. }), "{err}");
    s.step(
        &supervisor(),
        dispatch("d1.s1", &["d2"]),
        at(2026, 11, 23, 9, 30),
    );
    assert!(s.told("city.housing", Notice::Withdrawn));
    assert!(!s.told("d2", Notice::Withdrawn));
    assert!(s.told("d1.s1", Notice::Dispatched));
    assert_eq!(s.state.dispatches, 2);

    s.step(
        &agent(),
        WorkflowAction::Remind {
            note: "请尽快签收".to_owned(),
        },
        at(2026, 11, 24, 9, 0),
    );
    assert_eq!(s.state.reminders, 1);
    assert!(s.told("d1.s1", Notice::Reminder));

    s.step(
        &supervisor(),
        WorkflowAction::Escalate {
            departments: vec![d("d1"), d("d1"), d("d1.s1")],
            note: String::new(),
        },
        at(2026, 11, 24, 10, 0),
    );
    assert_eq!(s.state.escalation_level, 1);
    assert_eq!(s.state.escalated_to, [d("d1")]);
    assert!(s.told("d1", Notice::Escalated { level: 1 }));
    assert_eq!(
        s.effects
            .iter()
            .filter(|e| matches!(e, Effect::NotifyDepartment { department, .. } if *department == d("d1")))
            .count(),
        1
    );
    // The parent department now sees the ticket but still cannot act for the street.
    assert!(can_see(&dept("d1"), &s.state));
    assert!(!can_see(&dept("city.env"), &s.state));
    assert!(matches!(
        s.refuse(
            &agent(),
            WorkflowAction::Escalate {
                departments: vec![],
                note: String::new()
            },
            at(2026, 11, 24, 11, 0)
        ),
        WorkflowError::Forbidden { .. }
    ));
    // Nothing to remind about once the department replied.
    s.step(
        &dept("d1.s1"),
        WorkflowAction::Accept,
        at(2026, 11, 24, 11, 0),
    )
    .step(&dept("d1.s1"), reply("已处理"), at(2026, 11, 24, 15, 0));
    let err = s.refuse(
        &agent(),
        WorkflowAction::Remind {
            note: String::new(),
        },
        at(2026, 11, 25, 9, 0),
    );
    assert_eq!(err.to_string(), "cannot remind a ticket that is replied");
}

#[test]
fn filing_is_for_the_centre_and_checks_its_data() {
    let t = new_ticket(TicketType::Help, Urgency::Urgent, "utilities.water");
    let err = workflow::file(t.clone(), &dept("d1"), at(2026, 11, 23, 9, 0)).unwrap_err();
    assert_eq!(
        err.to_string(),
        "a department may not file (ticket is received)"
    );
    let empty = NewTicket {
        category: " ".to_owned(),
        ..t.clone()
    };
    assert!(workflow::file(empty, &agent(), at(2026, 11, 23, 9, 0)).is_err());
    let ok = workflow::file(t, &supervisor(), at(2026, 11, 23, 9, 0)).unwrap();
    assert_eq!(ok.history.from, None);
    assert_eq!(ok.history.kind, ActionKind::File);
}

#[test]
fn actions_travel_as_tagged_json() {
    let a = dispatch("d1.s1", &["city.env"]);
    let json = serde_json::to_string(&a).unwrap();
    assert_eq!(
        json,
        r#"{"action":"dispatch","lead":"d1.s1","co_handlers":["city.env"],"note":"请按时办理"}"#
    );
    let back: WorkflowAction = serde_json::from_str(r#"{"action":"accept"}"#).unwrap();
    assert_eq!(back, WorkflowAction::Accept);
    let f: WorkflowAction =
        serde_json::from_str(r#"{"action":"record_follow_up","satisfaction":"basic"}"#).unwrap();
    assert_eq!(f.kind(), ActionKind::RecordFollowUp);
}
