//! State transitions of the workstation, on fixed sample data.

use hotline_protocol::{
    AgentState, CallId, CallState, Command, Direction, EndCause, Event, StateCause, TransferMode,
    TransferTarget,
};
use hotline_tui::Lang;

use crate::app::action::{Action, Panel};
use crate::app::effect::Effect;
use crate::app::sample::{self, NOW_MS};
use crate::app::state::{Conn, Level, Overlay, Screen, State};
use crate::app::update::update;
use crate::rest::{RestReply, RestRequest};

mod consultations;
mod inbox;

const CALL: &str = "c-20261123-0042";

fn call_state(state: CallState) -> Action {
    Action::Server(Event::CallState {
        call_id: CallId::new(CALL),
        state,
        direction: Direction::Inbound,
        connected_at_ms: Some(NOW_MS),
        parties: vec![],
        monitor: None,
    })
}

fn agent_state(state: AgentState) -> Action {
    Action::Server(Event::AgentState {
        agent_id: sample::agent().id,
        state,
        since_ms: NOW_MS,
        cause: StateCause::Request,
        caller: None,
    })
}

fn sent(effects: &[Effect]) -> Vec<Command> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Send(c) => Some(c.clone()),
            _ => None,
        })
        .collect()
}

fn typed(s: &mut State, text: &str) {
    for c in text.chars() {
        update(s, Action::Input(c));
    }
}

#[test]
fn offer_banner_answer_call_hangup_wrap_up() {
    let mut s = sample::ringing(Lang::En);
    assert!(s.offer.is_some(), "the banner shows");
    assert!(s.contexts().contains(&"ringing"));
    assert_eq!(s.pop.as_ref().map(|p| p.tickets[0].open), Some(true));

    let fx = update(&mut s, Action::Answer);
    assert_eq!(
        sent(&fx),
        [Command::Answer {
            call_id: CallId::new(CALL)
        }]
    );
    // Nothing changes until the server says so.
    assert!(s.call.is_none());

    update(&mut s, call_state(CallState::Connected));
    update(
        &mut s,
        agent_state(AgentState::OnCall {
            call_id: CallId::new(CALL),
        }),
    );
    assert!(s.offer.is_none(), "banner gone once connected");
    let call = s.call.clone().unwrap();
    assert_eq!(call.number, "13800138000");
    assert_eq!(
        s.form.call_id.as_deref(),
        Some(CALL),
        "the ticket draft links the call"
    );

    assert_eq!(sent(&update(&mut s, Action::Hold)), [Command::Hold]);
    update(&mut s, call_state(CallState::Held));
    assert_eq!(sent(&update(&mut s, Action::Hold)), [Command::Resume]);
    assert_eq!(
        sent(&update(&mut s, Action::Mute)),
        [Command::Mute { on: true }]
    );
    assert!(s.call.as_ref().unwrap().muted);
    update(&mut s, call_state(CallState::Connected));
    assert!(
        s.call.as_ref().unwrap().muted,
        "mute survives a state event without parties"
    );

    assert_eq!(
        sent(&update(&mut s, Action::Hangup)),
        [Command::Hangup {
            call_id: CallId::new(CALL)
        }]
    );
    update(
        &mut s,
        call_state(CallState::Ended {
            cause: EndCause::AgentHangup,
        }),
    );
    assert!(s.call.is_none());
    update(
        &mut s,
        agent_state(AgentState::WrapUp {
            until_ms: NOW_MS + 30_000,
        }),
    );
    assert!(s.pop.is_some(), "the screen-pop stays for wrap-up");
    assert_eq!(
        sent(&update(&mut s, Action::ExtendWrapUp)),
        [Command::ExtendWrapUp { secs: 30 }]
    );
    assert_eq!(sent(&update(&mut s, Action::Ready)), [Command::EndWrapUp]);
    update(&mut s, agent_state(AgentState::Ready));
    assert!(update(&mut s, Action::Ready).is_empty(), "already ready");
}

#[test]
fn hangup_while_ringing_rejects_and_a_missed_offer_warns() {
    let mut s = sample::ringing(Lang::Zh);
    assert_eq!(
        sent(&update(&mut s, Action::Hangup)),
        [Command::Reject {
            call_id: CallId::new(CALL)
        }]
    );
    update(
        &mut s,
        agent_state(AgentState::NotReady {
            reason: hotline_protocol::NotReadyReason::new("missed", "未接"),
        }),
    );
    assert!(s.offer.is_none());
    assert_eq!(s.status.as_ref().unwrap().level, Level::Warning);
    assert!(s.status.as_ref().unwrap().text.contains("未接来电"));
}

#[test]
fn not_ready_reason_picker() {
    let mut s = sample::ready(Lang::Zh);
    update(&mut s, Action::NotReady);
    assert_eq!(s.overlay, Overlay::Reasons { sel: 0 });
    assert_eq!(s.contexts()[0], "list");
    update(&mut s, Action::Down);
    let fx = update(&mut s, Action::Enter);
    assert_eq!(
        sent(&fx),
        [Command::SetNotReady {
            reason: hotline_protocol::NotReadyReason::new("meal", "用餐")
        }]
    );
    assert_eq!(s.overlay, Overlay::None);
    // F4 still answers under an open dialog.
    let mut s = sample::ringing(Lang::En);
    update(&mut s, Action::NotReady);
    assert_eq!(sent(&update(&mut s, Action::Answer)).len(), 1);
}

#[test]
fn ticket_form_validates_then_files_and_shows_number_and_pin() {
    let mut s = sample::on_call(Lang::Zh);
    update(&mut s, Action::Show(Panel::TicketForm));
    assert!(update(&mut s, Action::Submit).is_empty());
    assert!(s.form.errors.contains(&"form.err.category"));
    let msg = s.status.clone().unwrap();
    assert_eq!(msg.level, Level::Error);
    assert!(msg.text.contains("请选择分类"), "{}", msg.text);

    update(&mut s, Action::NextField);
    typed(&mut s, "市政");
    update(&mut s, Action::Enter);
    assert!(s.form.category.is_some());
    typed(&mut s, "小区路灯坏了");
    update(&mut s, Action::NextField);
    typed(&mut s, "来电人反映");
    update(&mut s, Action::Enter);
    typed(&mut s, "已一周");
    update(&mut s, Action::NextField);
    typed(&mut s, "文三路88号");
    let fx = update(&mut s, Action::Submit);
    let [Effect::Rest(RestRequest::FileTicket { ticket, .. })] = fx.as_slice() else {
        panic!("expected a filing request, got {fx:?}");
    };
    assert_eq!(ticket.subject, "小区路灯坏了");
    assert_eq!(ticket.description, "来电人反映\n已一周");
    assert_eq!(ticket.call_id.as_deref(), Some(CALL));
    assert_eq!(ticket.caller_number.as_deref(), Some("13800138000"));
    assert!(s.form.pending);
    assert!(
        update(&mut s, Action::Submit).is_empty(),
        "no double filing"
    );

    update(
        &mut s,
        Action::RestDone(RestReply::Filed {
            number: "12345-20261123-000042".into(),
            pin: "004217".into(),
            dispatch_error: None,
            held: false,
            hold_error: None,
        }),
    );
    assert_eq!(
        s.form.filed,
        Some(("12345-20261123-000042".into(), "004217".into()))
    );
    update(&mut s, Action::Enter);
    assert!(s.form.filed.is_none() && s.form.subject.is_empty());
    assert_eq!(s.form.call_id.as_deref(), Some(CALL));
}

#[test]
fn connection_loss_reconnects_and_resumes() {
    let mut s = sample::on_call(Lang::En);
    update(&mut s, Action::ConnectionLost("reset by peer".into()));
    assert_eq!(s.conn, Conn::Reconnecting { attempt: 1 });
    assert!(s.status.as_ref().unwrap().text.contains("reconnecting"));
    update(&mut s, Action::Reconnecting { attempt: 2 });
    assert_eq!(s.conn, Conn::Reconnecting { attempt: 2 });
    assert_eq!(
        s.screen,
        Screen::Main,
        "the agent keeps their screen meanwhile"
    );
    let fx = update(
        &mut s,
        Action::LoggedIn {
            agent: sample::agent(),
            token: "tok2".into(),
            server_time_ms: NOW_MS,
            resumed: true,
        },
    );
    assert_eq!(
        fx,
        [
            Effect::Rest(RestRequest::UnheardCount),
            Effect::Rest(RestRequest::ConsultationCount)
        ],
        "departments are already loaded; the voicemail badge is refreshed"
    );
    assert_eq!(s.conn, Conn::Online);
    assert!(s.call.is_some(), "the call is still shown");
    assert!(s.status.as_ref().unwrap().text.contains("resumed"));
    update(&mut s, Action::SessionEnded("session expired".into()));
    assert_eq!(s.screen, Screen::Login);
    assert_eq!(s.login.error.as_deref(), Some("session expired"));
}

#[test]
fn login_needs_every_field_and_reports_failure() {
    let mut s = State::new(Lang::En);
    s.login.server.clear();
    s.login.focus = crate::app::state::LoginField::Server;
    typed(&mut s, "http://10.0.0.5:8080");
    update(&mut s, Action::Enter);
    typed(&mut s, "agent1");
    update(&mut s, Action::Enter);
    assert!(update(&mut s, Action::Enter).is_empty());
    assert!(s.login.error.is_some());
    typed(&mut s, "pw");
    let fx = update(&mut s, Action::Enter);
    assert!(fx.contains(&Effect::Connect {
        server: "http://10.0.0.5:8080".into(),
        user: "agent1".into(),
        password: "pw".into()
    }));
    assert!(s.login.pending);
    update(&mut s, Action::LoginFailed("wrong password".into()));
    assert!(!s.login.pending);
    let fx = update(
        &mut s,
        Action::LoggedIn {
            agent: sample::agent(),
            token: "t".into(),
            server_time_ms: 5_000,
            resumed: false,
        },
    );
    assert_eq!(
        fx,
        [
            Effect::Rest(RestRequest::UnheardCount),
            Effect::Rest(RestRequest::ConsultationCount),
            Effect::Rest(RestRequest::Departments)
        ]
    );
    assert_eq!(s.screen, Screen::Main);
    assert!(
        s.login.password.is_empty(),
        "the password does not stay in the state"
    );
}

#[test]
fn transfer_dialog_builds_the_command() {
    let mut s = sample::on_call(Lang::En);
    update(&mut s, Action::Transfer);
    update(&mut s, Action::NextField);
    typed(&mut s, "1002");
    update(&mut s, Action::NextField);
    update(&mut s, Action::Right);
    update(&mut s, Action::NextField);
    typed(&mut s, "wants a refund");
    let fx = update(&mut s, Action::Enter);
    assert_eq!(
        sent(&fx),
        [Command::Transfer {
            call_id: CallId::new(CALL),
            target: TransferTarget::Agent { id: "1002".into() },
            mode: TransferMode::Attended,
            note: Some("wants a refund".into()),
            ticket_id: None,
        }]
    );
    // An external number with letters is refused in the dialog (left of the IVR, the last kind).
    update(&mut s, Action::Transfer);
    update(&mut s, Action::Left);
    update(&mut s, Action::Left);
    update(&mut s, Action::NextField);
    typed(&mut s, "12a");
    assert!(update(&mut s, Action::Enter).is_empty());
    let Overlay::Transfer(d) = &s.overlay else {
        panic!("dialog closed")
    };
    assert_eq!(d.error, Some("transfer.err.number"));
}

#[test]
fn queue_pick_up_takes_the_highlighted_caller() {
    let mut s = sample::ready(Lang::En);
    update(&mut s, Action::Show(Panel::Queue));
    // VIP first, then longest wait.
    assert_eq!(s.waiting()[0].1.call_id.as_str(), "c-12");
    update(&mut s, Action::Down);
    assert_eq!(
        sent(&update(&mut s, Action::Enter)),
        [Command::PickUp {
            call_id: CallId::new("c-11")
        }]
    );
    update(&mut s, Action::Close);
    assert_eq!(s.panel, Panel::Home);
}

#[test]
fn knowledge_answer_goes_into_the_ticket() {
    let mut s = sample::on_call(Lang::Zh);
    update(&mut s, Action::Show(Panel::Knowledge));
    typed(&mut s, "退货");
    let fx = update(&mut s, Action::Enter);
    assert_eq!(
        fx,
        [Effect::Rest(RestRequest::SearchKnowledge {
            q: "退货".into()
        })]
    );
    assert!(s.knowledge.pending);
    update(
        &mut s,
        Action::RestDone(RestReply::Knowledge(sample::knowledge_items())),
    );
    update(&mut s, Action::InsertAnswer);
    assert_eq!(s.panel, Panel::TicketForm);
    assert!(s.form.description.contains("七日内退货"));
    update(
        &mut s,
        Action::RestFailed {
            request: "knowledge",
            message: "500".into(),
        },
    );
    assert_eq!(s.status.as_ref().unwrap().level, Level::Error);
}

#[test]
fn hold_without_a_connect_time_keeps_the_call_timer() {
    let mut s = sample::on_call(Lang::En);
    let before = s.call.as_ref().unwrap().connected_at_ms;
    update(
        &mut s,
        Action::Server(Event::CallState {
            call_id: CallId::new(CALL),
            state: CallState::Held,
            direction: Direction::Inbound,
            connected_at_ms: None,
            parties: vec![],
            monitor: None,
        }),
    );
    assert!(before.is_some());
    assert_eq!(s.call.as_ref().unwrap().connected_at_ms, before);
}

#[test]
fn transfer_target_and_note_edit_at_the_caret() {
    let mut s = sample::on_call(Lang::En);
    update(&mut s, Action::Transfer);
    update(&mut s, Action::NextField);
    for c in "scnd".chars() {
        update(&mut s, Action::Input(c));
    }
    update(&mut s, Action::LineStart);
    update(&mut s, Action::Right);
    update(&mut s, Action::Input('e'));
    update(&mut s, Action::LineEnd);
    update(&mut s, Action::Left);
    update(&mut s, Action::Left);
    update(&mut s, Action::Input('o'));
    update(&mut s, Action::LineEnd);
    update(&mut s, Action::Left);
    update(&mut s, Action::Delete);
    update(&mut s, Action::Input('d'));
    update(&mut s, Action::NextField);
    update(&mut s, Action::Right);
    let Overlay::Transfer(d) = &s.overlay else {
        panic!("{:?}", s.overlay)
    };
    assert_eq!(d.target, "second");
    assert_eq!(d.mode, 1, "left/right still change the mode");
}
