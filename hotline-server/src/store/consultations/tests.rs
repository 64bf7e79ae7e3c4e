use jiff::Timestamp;
use jiff::tz::TimeZone;

use super::*;
use crate::store::{KnowledgeKind, NewKnowledge, TicketDraft};
use crate::tickets::{Channel, Pin, Role, TicketState, TimeLimit, Urgency};

fn at(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn no_due(_: &TicketState) -> Option<Timestamp> {
    None
}

fn file(store: &Store, ticket_type: TicketType, subject: &str) -> i64 {
    let draft = TicketDraft {
        profile: "12345".to_owned(),
        ticket_type,
        channel: Channel::Phone,
        category: "public_services".to_owned(),
        urgency: Urgency::Normal,
        limit: TimeLimit::Days(1),
        subject: subject.to_owned(),
        description: String::new(),
        address: String::new(),
        region: String::new(),
        caller_id: None,
        caller_number: "13800138000".to_owned(),
        call_id: None,
    };
    let agent = Actor::centre("agent1", Role::Agent);
    let tz = TimeZone::get("Asia/Shanghai").unwrap();
    store
        .create_ticket(
            &draft,
            &agent,
            Pin::from_random(1),
            &tz,
            at("2026-11-23T02:00:00Z"),
        )
        .unwrap()
        .ticket
        .id
}

fn setup() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("t.db")).unwrap();
    (dir, store)
}

#[test]
fn a_held_consultation_is_answered_from_an_item_and_called_back() {
    let (_dir, store) = setup();
    let id = file(
        &store,
        TicketType::Consultation,
        "外地人居住证办理要带什么材料",
    );
    let held = store
        .hold_consultation(id, None, "+86 139-0000-1111", "agent1", 1_000)
        .unwrap();
    assert_eq!(held.status, "waiting");
    assert_eq!(held.callback, "13900001111");
    assert_eq!(held.question, "外地人居住证办理要带什么材料");

    let item = store
        .add_knowledge(
            &NewKnowledge {
                kind: KnowledgeKind::Guide,
                title: "居住证办理指南".to_owned(),
                body: "办理地点：各街道便民服务中心。".to_owned(),
                reference_answer: "带身份证和租房合同到街道便民服务中心办理。".to_owned(),
            },
            "supervisor1",
            2_000,
        )
        .unwrap();
    let offered = store.consultations_for_item(&item, 5).unwrap();
    assert_eq!(offered.len(), 1);
    assert_eq!(offered[0].0.ticket_id, id);
    let suggested = store.items_for_question(&held.question, 5).unwrap();
    assert_eq!(suggested[0].0, item.id);

    let agent = Actor::centre("agent2", Role::Agent);
    let answer = ConsultationAnswer {
        knowledge_id: Some(item.id),
        text: None,
    };
    let (answered, applied) = store
        .answer_consultation(id, &answer, &agent, at("2026-11-23T03:00:00Z"), &no_due)
        .unwrap();
    assert_eq!(answered.status, "answered");
    assert_eq!(answered.knowledge_id, Some(item.id));
    assert_eq!(answered.knowledge_version, Some(1));
    assert_eq!(
        answered.answer.as_deref(),
        Some("带身份证和租房合同到街道便民服务中心办理。")
    );
    assert_eq!(applied.ticket.state.status, Status::Replied);
    // Answered entries are no longer offered to new items.
    assert!(store.consultations_for_item(&item, 5).unwrap().is_empty());
    // A second answer is refused and changes nothing.
    let again = store.answer_consultation(id, &answer, &agent, at("2026-11-23T03:01:00Z"), &no_due);
    assert!(matches!(again, Err(RecordError::Conflict(_))), "{again:?}");

    let busy = store
        .record_consultation_callback(id, CallbackResult::Busy, 3, "agent2", 3_000)
        .unwrap();
    assert_eq!((busy.status, busy.attempts), ("answered", 1));
    let reached = store
        .record_consultation_callback(id, CallbackResult::Reached, 3, "agent2", 4_000)
        .unwrap();
    assert_eq!((reached.status, reached.attempts), ("done", 2));
    assert_eq!(reached.last_result.as_deref(), Some("reached"));
    let late = store.record_consultation_callback(id, CallbackResult::Reached, 3, "agent2", 5_000);
    assert!(matches!(late, Err(RecordError::Conflict(_))), "{late:?}");
}

#[test]
fn only_unanswered_consultations_can_be_held_and_a_failed_answer_leaves_nothing() {
    let (_dir, store) = setup();
    let complaint = file(&store, TicketType::Complaint, "噪音扰民");
    let held = store.hold_consultation(complaint, None, "13900001111", "agent1", 0);
    assert!(matches!(held, Err(RecordError::Invalid(_))), "{held:?}");

    let id = file(&store, TicketType::Consultation, "公积金提取");
    let bad = store.hold_consultation(id, None, "call me", "agent1", 0);
    assert!(matches!(bad, Err(RecordError::Invalid(_))), "{bad:?}");
    store
        .hold_consultation(id, Some("公积金怎么提取"), "13900001111", "agent1", 0)
        .unwrap();
    let twice = store.hold_consultation(id, None, "13900001111", "agent1", 0);
    assert!(matches!(twice, Err(RecordError::Conflict(_))), "{twice:?}");

    // No text and an unknown item: refused, the ticket keeps its status, the entry waits.
    let agent = Actor::centre("agent1", Role::Agent);
    let none = ConsultationAnswer {
        knowledge_id: Some(999),
        text: None,
    };
    let refused = store.answer_consultation(id, &none, &agent, at("2026-11-23T03:00:00Z"), &no_due);
    assert!(
        matches!(refused, Err(RecordError::NotFound { .. })),
        "{refused:?}"
    );
    let empty = ConsultationAnswer::default();
    let refused =
        store.answer_consultation(id, &empty, &agent, at("2026-11-23T03:00:00Z"), &no_due);
    assert!(
        matches!(refused, Err(RecordError::Invalid(_))),
        "{refused:?}"
    );
    assert_eq!(
        store.ticket(id).unwrap().unwrap().state.status,
        Status::Received
    );
    assert_eq!(store.consultation(id).unwrap().unwrap().status, "waiting");
    let waiting = store
        .consultations(Some(PendingStatus::Waiting), 10)
        .unwrap();
    assert_eq!(waiting.len(), 1);
    assert!(
        store
            .consultations(Some(PendingStatus::Done), 10)
            .unwrap()
            .is_empty()
    );

    // Calling back before an answer is refused.
    let early = store.record_consultation_callback(id, CallbackResult::Reached, 3, "agent1", 0);
    assert!(matches!(early, Err(RecordError::Conflict(_))), "{early:?}");
}
