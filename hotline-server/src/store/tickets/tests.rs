use jiff::Timestamp;
use jiff::tz::TimeZone;

use super::*;
use crate::store::{NewDepartment, Store};
use crate::tickets::{Role, Status};

fn at(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn draft(subject: &str, description: &str) -> TicketDraft {
    TicketDraft {
        profile: "12345".to_owned(),
        ticket_type: TicketType::Complaint,
        channel: Channel::Phone,
        category: "market.services".to_owned(),
        urgency: Urgency::Normal,
        limit: TimeLimit::Days(5),
        subject: subject.to_owned(),
        description: description.to_owned(),
        address: "上城区平海路1号".to_owned(),
        region: "上城区".to_owned(),
        caller_id: None,
        caller_number: "13800138000".to_owned(),
        call_id: Some("call-1".to_owned()),
    }
}

fn setup() -> (tempfile::TempDir, Store, i64, i64) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("t.db")).unwrap();
    let dept = |name: &str| {
        let new = NewDepartment {
            parent_id: None,
            name: name.to_owned(),
            contact: String::new(),
            phone: String::new(),
        };
        store.add_department(&new, 0).unwrap().id
    };
    let (a, b) = (dept("市市场监管局"), dept("市住建局"));
    (dir, store, a, b)
}

fn no_due(_: &TicketState) -> Option<Timestamp> {
    None
}

#[test]
fn filing_numbers_daily_and_keeps_ticket_history_and_call_together() {
    let (_dir, store, _, _) = setup();
    let agent = Actor::centre("agent1", Role::Agent);
    let tz = TimeZone::get("Asia/Shanghai").unwrap();
    // 23:30 UTC is already the next day in Shanghai.
    let now = at("2026-11-22T23:30:00Z");
    let first = store
        .create_ticket(
            &draft("噪音", "夜间施工"),
            &agent,
            Pin::from_random(42),
            &tz,
            now,
        )
        .unwrap();
    assert_eq!(first.ticket.number, "12345-20261123-000001");
    assert_eq!(first.pin.as_str(), "000042");
    let second = store
        .create_ticket(
            &draft("噪音", "又有施工"),
            &agent,
            Pin::from_random(7),
            &tz,
            now,
        )
        .unwrap();
    assert_eq!(second.ticket.number, "12345-20261123-000002");
    assert_eq!(second.ticket.state.status, Status::Received);
    assert_eq!(store.ticket_calls(first.ticket.id).unwrap(), ["call-1"]);
    let history = store.ticket_history(first.ticket.id).unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(
        (history[0].action.as_str(), history[0].to_status.as_str()),
        ("file", "received")
    );

    // The PIN is checked against its hash; a wrong one looks like an unknown number.
    let number = &first.ticket.number;
    assert!(
        store
            .ticket_for_citizen(number, "000042")
            .unwrap()
            .is_some()
    );
    assert!(
        store
            .ticket_for_citizen(number, "000043")
            .unwrap()
            .is_none()
    );
    assert!(
        store
            .ticket_for_citizen("nope", "000042")
            .unwrap()
            .is_none()
    );

    // A refused filing leaves nothing behind, not even a used number.
    let director = Actor::centre("boss", Role::Director);
    let err = store
        .create_ticket(&draft("x", "y"), &director, Pin::from_random(1), &tz, now)
        .unwrap_err();
    assert!(matches!(err, RecordError::Workflow(_)), "{err}");
    let third = store
        .create_ticket(&draft("x", "y"), &agent, Pin::from_random(1), &tz, now)
        .unwrap();
    assert_eq!(third.ticket.number, "12345-20261123-000003");

    // History is append-only.
    let conn = store.conn();
    assert!(
        conn.execute("UPDATE ticket_history SET actor = 'x'", [])
            .is_err()
    );
    assert!(conn.execute("DELETE FROM ticket_history", []).is_err());
}

#[test]
fn transitions_write_state_and_history_and_refuse_stale_or_foreign_steps() {
    let (_dir, store, a, b) = setup();
    let agent = Actor::centre("agent1", Role::Agent);
    let now = at("2026-11-23T02:00:00Z");
    let t = store
        .create_ticket(
            &draft("投诉", "商场"),
            &agent,
            Pin::from_random(1),
            &TimeZone::UTC,
            now,
        )
        .unwrap()
        .ticket;
    let dispatch = WorkflowAction::Dispatch {
        lead: dept_id(a),
        co_handlers: vec![dept_id(b)],
        note: "请办理".to_owned(),
    };
    let unknown = WorkflowAction::Dispatch {
        lead: DeptId::new("999"),
        co_handlers: vec![],
        note: String::new(),
    };
    assert!(matches!(
        store.apply_transition(t.id, &agent, &unknown, now, None, &no_due),
        Err(RecordError::Invalid(_))
    ));
    let due = |_: &TicketState| Some(at("2026-11-20T00:00:00Z"));
    let done = store
        .apply_transition(t.id, &agent, &dispatch, now, Some(t.version), &due)
        .unwrap();
    let d = &done.ticket;
    assert_eq!(d.state.status, Status::Dispatched);
    assert_eq!(
        (d.lead_department_id, d.co_handlers.clone()),
        (Some(a), vec![b])
    );
    assert_eq!(d.version, t.version + 1);
    assert!(!done.effects.is_empty());
    // The same step on the old version is refused: someone else got there first.
    assert!(matches!(
        store.apply_transition(t.id, &agent, &dispatch, now, Some(t.version), &no_due),
        Err(RecordError::Conflict(_))
    ));
    // A co-handler sees the ticket but the rules keep it from accepting; a stranger does
    // not even learn that it exists.
    let co = Actor::department("b1", b.to_string());
    assert!(matches!(
        store.apply_transition(t.id, &co, &WorkflowAction::Accept, now, None, &no_due),
        Err(RecordError::Workflow(_))
    ));
    let stranger = Actor::department("c1", "12345");
    assert!(matches!(
        store.apply_transition(t.id, &stranger, &WorkflowAction::Accept, now, None, &no_due),
        Err(RecordError::NotFound { .. })
    ));
    let lead = Actor::department("a1", a.to_string());
    store
        .apply_transition(t.id, &lead, &WorkflowAction::Accept, now, None, &due)
        .unwrap();
    let history = store.ticket_history(t.id).unwrap();
    let steps: Vec<_> = history.iter().map(|h| h.action.as_str()).collect();
    assert_eq!(steps, ["file", "dispatch", "accept"]);
    assert_eq!(history[1].note["text"], "请办理");
    assert_eq!(history[1].note["step"]["action"], "dispatch");
    assert_eq!(
        history[2].department.as_deref(),
        Some(a.to_string().as_str())
    );

    // Filters: department (lead or co-handler), status, overdue.
    let find = |f: TicketFilter| store.search_tickets(&f).unwrap().len();
    assert_eq!(
        find(TicketFilter {
            department: Some(b),
            ..TicketFilter::default()
        }),
        1
    );
    assert_eq!(
        find(TicketFilter {
            statuses: vec![Status::Received],
            ..TicketFilter::default()
        }),
        0
    );
    assert_eq!(
        find(TicketFilter {
            overdue_at_ms: Some(now.as_millisecond()),
            ..TicketFilter::default()
        }),
        1
    );
    assert_eq!(
        find(TicketFilter {
            category: Some("market".to_owned()),
            ..TicketFilter::default()
        }),
        1
    );
    assert_eq!(
        find(TicketFilter {
            category: Some("mark".to_owned()),
            ..TicketFilter::default()
        }),
        0
    );
}

#[test]
fn chinese_full_text_search_ranks_exact_matches_first() {
    let (_dir, store, _, _) = setup();
    let agent = Actor::centre("agent1", Role::Agent);
    let now = at("2026-11-23T02:00:00Z");
    let file = |subject: &str, description: &str| {
        store
            .create_ticket(
                &draft(subject, description),
                &agent,
                Pin::from_random(1),
                &TimeZone::UTC,
                now,
            )
            .unwrap()
            .ticket
            .id
    };
    let partial = file("商场售后", "这位消费者说自己的权益受到侵害");
    let body = file("商场售后问题", "商场拒绝退货，侵害消费者权益");
    let title = file("消费者权益受损", "网购商品质量问题");
    let _other = file("道路积水", "雨后积水严重");
    let search = |q: &str| -> Vec<(i64, bool)> {
        let f = TicketFilter {
            q: Some(q.to_owned()),
            ..TicketFilter::default()
        };
        store
            .search_tickets(&f)
            .unwrap()
            .iter()
            .map(|h| (h.ticket.id, h.exact))
            .collect()
    };
    let hits = search("消费者");
    assert_eq!(hits.len(), 3, "{hits:?}");
    assert_eq!(hits[0], (title, true));
    let hits = search("消费者权益");
    assert_eq!(hits, [(title, true), (body, true), (partial, false)]);
    // Under three characters: LIKE.
    assert_eq!(search("积水").len(), 1);
    assert_eq!(search("平海路").len(), 4);
    assert!(search("不存在的词").is_empty());
    // A long and a short term together: both must be in the ticket, whether the page is
    // filled from the newest matches (limit 1) or from all of them (limit 50).
    let limited = |q: &str, limit: usize| -> Vec<i64> {
        let f = TicketFilter {
            q: Some(q.to_owned()),
            limit: Some(limit),
            ..TicketFilter::default()
        };
        store
            .search_tickets(&f)
            .unwrap()
            .iter()
            .map(|h| h.ticket.id)
            .collect()
    };
    assert_eq!(limited("消费者 退货", 50), [body]);
    assert_eq!(limited("消费者 退货", 1), [body]);
    assert_eq!(limited("消费者 商场", 50), [body, partial]);
    assert_eq!(limited("消费者 商场", 1), [body]);
    assert!(limited("消费者 积水", 50).is_empty());
}
