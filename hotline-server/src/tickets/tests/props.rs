//! Random step sequences never panic, never break a state invariant, and every accepted step
//! was allowed for its actor.

use jiff::SignedDuration;
use proptest::prelude::*;

use super::*;

const DEPTS: [&str; 4] = ["d1.s1", "city.env", "d2", "city.housing"];

fn actors() -> Vec<Actor> {
    let mut v = vec![agent(), supervisor(), director(), system()];
    v.extend(DEPTS.iter().map(|x| dept(x)));
    v.push(Actor {
        department: None,
        ..dept("d1.s1")
    });
    v
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        1 => Just(String::new()),
        1 => Just(" ".to_owned()),
        6 => Just("说明".to_owned()),
    ]
}

/// Mostly the department the plausible actor belongs to, so sequences get far.
fn dept_id() -> impl Strategy<Value = DeptId> {
    prop_oneof![3 => Just(d(DEPTS[0])), 1 => (0..DEPTS.len()).prop_map(|i| d(DEPTS[i]))]
}

/// The actor who would usually take this step; random sequences with random actors rarely get
/// past dispatch.
fn plausible(action: &WorkflowAction) -> Actor {
    match action.kind() {
        ActionKind::Accept
        | ActionKind::Return
        | ActionKind::StartHandling
        | ActionKind::Reply
        | ActionKind::RequestExtension => dept(DEPTS[0]),
        ActionKind::ApproveExtension
        | ActionKind::RejectExtension
        | ActionKind::Reopen
        | ActionKind::Supervise
        | ActionKind::Escalate => supervisor(),
        _ => agent(),
    }
}

fn action() -> impl Strategy<Value = WorkflowAction> {
    use WorkflowAction as A;
    prop_oneof![
        (dept_id(), prop::collection::vec(dept_id(), 0..3), text()).prop_map(
            |(lead, co_handlers, note)| A::Dispatch {
                lead,
                co_handlers,
                note
            }
        ),
        Just(A::Accept),
        text().prop_map(|reason| A::Return { reason }),
        Just(A::StartHandling),
        text().prop_map(|text| A::Reply { text }),
        (0u32..35, text()).prop_map(|(days, reason)| A::RequestExtension { days, reason }),
        (0u32..35).prop_map(|days| A::ApproveExtension { days }),
        text().prop_map(|note| A::RejectExtension { note }),
        Just(A::StartFollowUp),
        (
            prop_oneof![
                Just(Satisfaction::Satisfied),
                Just(Satisfaction::Basic),
                Just(Satisfaction::Unsatisfied)
            ],
            text()
        )
            .prop_map(|(satisfaction, note)| A::RecordFollowUp { satisfaction, note }),
        text().prop_map(|note| A::Close { note }),
        text().prop_map(|reason| A::Reopen { reason }),
        text().prop_map(|instruction| A::Supervise { instruction }),
        text().prop_map(|note| A::Remind { note }),
        (prop::collection::vec(dept_id(), 0..3), text())
            .prop_map(|(departments, note)| A::Escalate { departments, note }),
    ]
}

fn ticket_type() -> impl Strategy<Value = TicketType> {
    (0..TicketType::ALL.len()).prop_map(|i| TicketType::ALL[i])
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn random_sequences_keep_the_invariants(
        ticket_type in ticket_type(),
        steps in prop::collection::vec((prop::option::weighted(0.3, 0usize..9), action(), 0i64..3000), 0..120),
    ) {
        let dl = deadlines();
        let dir = directory();
        let actors = actors();
        let mut now = at(2026, 9, 28, 9, 0);
        let filed = workflow::file(new_ticket(ticket_type, Urgency::Urgent, "environment.noise"), &agent(), now).unwrap();
        let mut state = filed.state;
        let mut sent: Vec<ReminderKey> = Vec::new();
        for (who, action, minutes) in steps {
            now = now.checked_add(SignedDuration::from_mins(minutes)).unwrap();
            let actor = &who.map_or_else(|| plausible(&action), |i| actors[i % actors.len()].clone());
            match apply(&state, actor, &action, now) {
                Ok(t) => {
                    prop_assert_eq!(t.state.check(), Ok(()), "{:?} after {:?}", t.state, action);
                    prop_assert_eq!(t.history.from, Some(state.status));
                    prop_assert_eq!(t.history.to, t.state.status);
                    prop_assert_eq!(t.history.kind, action.kind());
                    if actor.role == Role::Department {
                        prop_assert!(can_see(actor, &state));
                        prop_assert_eq!(state.lead.as_ref(), actor.department.as_ref());
                    }
                    if t.state.status == Status::Dispatched && state.status != Status::Dispatched {
                        let starts = t
                            .effects
                            .iter()
                            .any(|e| matches!(e, Effect::StartDeadlineClock { .. }));
                        prop_assert!(starts);
                    }
                    state = t.state;
                }
                Err(e) => {
                    // Every refusal names the action.
                    prop_assert!(e.to_string().contains(action.kind().as_str()), "{}", e);
                }
            }
            let due = dl.due_at(&state).unwrap();
            prop_assert_eq!(due.is_some(), state.status.with_department());
            for a in dl.due_actions(&state, &dir, &sent, now).unwrap() {
                prop_assert!(!sent.contains(a.key()));
                prop_assert_eq!(Some(a.key().due), due);
                sent.push(*a.key());
            }
        }
    }
}
