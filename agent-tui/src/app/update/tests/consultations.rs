//! Pending consultations: holding from the ticket form, answering from the suggestions or in
//! words, calling back and recording the result — state and effects on fixed sample data.

use hotline_protocol::{Command, TicketId};
use hotline_tui::Lang;

use super::{sent, typed};
use crate::app::action::{Action, Panel};
use crate::app::effect::Effect;
use crate::app::form::Field;
use crate::app::sample;
use crate::app::state::Level;
use crate::app::update::update;
use crate::rest::{CallbackResult, ConsultationRow, RestReply, RestRequest, Suggestion};

fn answered(mut row: ConsultationRow) -> ConsultationRow {
    row.status = "answered".into();
    row.answer = Some("带身份证".into());
    row.knowledge_id = Some(7);
    row
}

#[test]
fn a_consultation_answered_later_is_filed_then_held_with_its_callback_number() {
    let mut s = sample::on_call(Lang::En);
    update(&mut s, Action::NewTicket);
    let caller = s.form.caller_number.clone();
    assert!(caller.is_some(), "the sample call has a caller number");
    // Type: complaint → report → consultation; the callback fields appear.
    update(&mut s, Action::Right);
    update(&mut s, Action::Right);
    assert!(s.form.is_consultation());
    assert_eq!(Some(s.form.callback.clone()), caller);
    s.form.category = Some("urban_construction.municipal_facilities".into());
    s.form.subject = "居住证办理".into();
    s.form.description = "要带什么材料".into();
    while s.form.focus != Field::Later {
        update(&mut s, Action::NextField);
    }
    let fx = update(&mut s, Action::Submit);
    let [Effect::Rest(RestRequest::FileTicket { hold: None, .. })] = fx.as_slice() else {
        panic!("toggle off: filed only, {fx:?}");
    };
    // Not answered yet: pretend the reply came, then file again with the toggle on.
    update(
        &mut s,
        Action::RestFailed {
            request: "file_ticket",
            message: "x".into(),
        },
    );
    update(&mut s, Action::Input(' '));
    assert!(s.form.answer_later);
    update(&mut s, Action::PrevField);
    assert_eq!(s.form.focus, Field::Callback);
    s.form.callback.clear();
    typed(&mut s, "139-0000-1111");
    let fx = update(&mut s, Action::Submit);
    let [Effect::Rest(RestRequest::FileTicket { ticket, hold, .. })] = fx.as_slice() else {
        panic!("{fx:?}");
    };
    assert_eq!(ticket.kind, "consultation");
    assert_eq!(hold.as_deref(), Some("139-0000-1111"));

    // Filed and held: number, PIN and "pending" shown.
    update(
        &mut s,
        Action::RestDone(RestReply::Filed {
            number: "12345-20261124-000041".into(),
            pin: "004217".into(),
            dispatch_error: None,
            held: true,
            hold_error: None,
        }),
    );
    assert!(s.form.held);
    let msg = s.status.clone().unwrap();
    assert!(msg.text.contains("12345-20261124-000041"), "{}", msg.text);
    assert!(msg.text.contains("call back"), "{}", msg.text);

    // Filed but the server refused to hold it: its reason on the status line.
    s.form.filed = None;
    s.form.pending = true;
    update(
        &mut s,
        Action::RestDone(RestReply::Filed {
            number: "12345-20261124-000042".into(),
            pin: "1".into(),
            dispatch_error: None,
            held: false,
            hold_error: Some("invalid: callback number must have 5 to 20 digits".into()),
        }),
    );
    let msg = s.status.clone().unwrap();
    assert_eq!(msg.level, Level::Error);
    assert!(msg.text.contains("5 to 20 digits"), "{}", msg.text);
    assert!(!s.form.held);
}

#[test]
fn answering_from_a_suggestion_and_in_words() {
    let mut s = sample::consultations(Lang::En);
    assert_eq!(s.panel, Panel::Consultations);
    assert!(s.contexts().starts_with(&["consultations", "list", "main"]));
    assert!(!s.typing());
    assert_eq!(s.consultations.to_call, 1);

    let fx = update(&mut s, Action::Enter);
    assert_eq!(fx, [Effect::Rest(RestRequest::Consultation { id: 41 })]);
    let row = sample::consultation_rows().remove(0);
    let fx = update(
        &mut s,
        Action::RestDone(RestReply::Consultation {
            row: row.clone(),
            suggestions: vec![
                Suggestion {
                    id: 7,
                    title: "居住证办理指南".into(),
                    score: 0.67,
                },
                Suggestion {
                    id: 9,
                    title: "居住证常见问题".into(),
                    score: 0.3,
                },
            ],
        }),
    );
    assert_eq!(fx, [Effect::Rest(RestRequest::KnowledgeItem { id: 7 })]);
    let fx = update(&mut s, Action::Down);
    assert_eq!(fx, [Effect::Rest(RestRequest::KnowledgeItem { id: 9 })]);
    let fx = update(&mut s, Action::ConsultAnswer);
    assert_eq!(
        fx,
        [Effect::Rest(RestRequest::AnswerConsultation {
            id: 41,
            knowledge_id: Some(9),
            text: None
        })]
    );
    assert_eq!(s.consultations.saving, Some(41));
    assert!(
        update(&mut s, Action::ConsultAnswer).is_empty(),
        "one answer at a time"
    );
    let fx = update(
        &mut s,
        Action::RestDone(RestReply::ConsultationSaved(answered(row))),
    );
    assert_eq!(
        fx,
        [
            Effect::Rest(RestRequest::Consultations { status: "waiting" }),
            Effect::Rest(RestRequest::ConsultationCount)
        ],
        "the list and badge are refreshed after the answer"
    );
    assert!(s.consultations.answering.is_none());
    assert_eq!(s.consultations.items.len(), 1, "it left the waiting tab");

    // The other one in words: W, typing (letters are text now), Esc back, W, Enter sends.
    update(&mut s, Action::ConsultWrite);
    assert!(s.typing());
    typed(&mut s, "x");
    update(&mut s, Action::Close);
    assert!(!s.typing());
    assert!(
        s.consultations.answering.is_some(),
        "Esc leaves the text only"
    );
    update(&mut s, Action::ConsultWrite);
    assert!(update(&mut s, Action::Enter).is_empty(), "nothing typed");
    typed(&mut s, "满两年可提取");
    let fx = update(&mut s, Action::Enter);
    assert_eq!(
        fx,
        [Effect::Rest(RestRequest::AnswerConsultation {
            id: 42,
            knowledge_id: None,
            text: Some("满两年可提取".into())
        })]
    );
    update(
        &mut s,
        Action::RestFailed {
            request: "consultation_answer",
            message: "conflict: not waiting".into(),
        },
    );
    assert_eq!(s.consultations.saving, None);
    assert!(s.status.clone().unwrap().text.contains("not waiting"));
    update(&mut s, Action::Close);
    update(&mut s, Action::Close);
    assert_eq!(s.panel, Panel::Consultations, "Esc closed the pane first");
    update(&mut s, Action::Close);
    assert_eq!(s.panel, Panel::Home);
}

#[test]
fn an_answered_consultation_is_called_back_and_the_result_recorded() {
    let mut s = sample::consultations(Lang::Zh);
    let fx = update(&mut s, Action::Right);
    assert_eq!(
        fx,
        [
            Effect::Rest(RestRequest::Consultations { status: "answered" }),
            Effect::Rest(RestRequest::ConsultationCount)
        ]
    );
    let row = answered(sample::consultation_rows().remove(0));
    update(
        &mut s,
        Action::RestDone(RestReply::Consultations {
            status: "answered",
            items: vec![row.clone()],
        }),
    );
    // Enter on an answered entry does not answer it again.
    assert!(update(&mut s, Action::Enter).is_empty());
    let fx = update(&mut s, Action::CallBack);
    assert_eq!(
        sent(&fx),
        [Command::Dial {
            number: "13900001111".into(),
            caller_id: None,
            ticket_id: Some(TicketId::new("41".to_owned())),
        }]
    );
    let fx = update(&mut s, Action::ConsultResult(CallbackResult::Busy));
    assert_eq!(
        fx,
        [Effect::Rest(RestRequest::ConsultationCallback {
            id: 41,
            result: CallbackResult::Busy
        })]
    );
    let mut tried = row.clone();
    tried.attempts = 1;
    tried.last_result = Some("busy".into());
    update(
        &mut s,
        Action::RestDone(RestReply::ConsultationSaved(tried)),
    );
    assert_eq!(s.consultations.items[0].attempts, 1, "still to call back");
    let fx = update(&mut s, Action::ConsultResult(CallbackResult::Reached));
    assert_eq!(
        fx,
        [Effect::Rest(RestRequest::ConsultationCallback {
            id: 41,
            result: CallbackResult::Reached
        })]
    );
    let mut done = row;
    done.status = "done".into();
    update(&mut s, Action::RestDone(RestReply::ConsultationSaved(done)));
    assert!(s.consultations.items.is_empty());
    // The result keys mean nothing on the waiting tab.
    update(&mut s, Action::Left);
    update(
        &mut s,
        Action::RestDone(RestReply::Consultations {
            status: "waiting",
            items: sample::consultation_rows(),
        }),
    );
    assert!(update(&mut s, Action::ConsultResult(CallbackResult::Busy)).is_empty());
}
