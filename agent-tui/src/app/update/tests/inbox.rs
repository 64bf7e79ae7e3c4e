//! The voicemail inbox, calling back from a row, transfer to the IVR and back, help requests
//! and ticket links: state transitions on fixed sample data.

use hotline_protocol::{
    CallId, CallState, Command, Direction, Event, Party, PartyKind, TicketId, VoicemailKind,
    VoicemailNotice,
};
use hotline_tui::Lang;

use super::{CALL, call_state, sent, typed};
use crate::app::action::{Action, Panel};
use crate::app::effect::Effect;
use crate::app::sample::{self, NOW_MS};
use crate::app::state::Overlay;
use crate::app::update::update;
use crate::rest::{RestReply, RestRequest, TicketLink};

fn rests(effects: &[Effect]) -> Vec<RestRequest> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Rest(r) => Some(r.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn the_inbox_lists_plays_handles_and_counts_down() {
    let mut s = sample::ready(Lang::En);
    let fx = update(&mut s, Action::Show(Panel::Inbox));
    assert_eq!(s.panel, Panel::Inbox);
    assert_eq!(
        rests(&fx),
        [
            RestRequest::Voicemails {
                status: "new,heard".into()
            },
            RestRequest::UnheardCount
        ]
    );
    assert!(s.inbox.pending);
    assert!(s.contexts().starts_with(&["inbox", "list", "main"]));
    assert!(!s.typing(), "single letters are commands in the inbox");
    update(
        &mut s,
        Action::RestDone(RestReply::Voicemails {
            items: sample::voicemail_rows(),
            total: 3,
        }),
    );
    update(&mut s, Action::RestDone(RestReply::UnheardCount(1)));
    assert!(!s.inbox.pending);

    // Enter fetches the audio; it plays when it arrives, and the message counts as heard.
    let fx = update(&mut s, Action::Enter);
    assert_eq!(
        fx,
        [
            Effect::StopPlayback,
            Effect::Rest(RestRequest::VoicemailAudio { id: 9 })
        ]
    );
    let fx = update(
        &mut s,
        Action::RestDone(RestReply::VoicemailAudio {
            id: 9,
            samples: vec![1, 2, 3],
        }),
    );
    assert_eq!(
        fx,
        [Effect::Play {
            id: 9,
            samples: vec![1, 2, 3]
        }]
    );
    assert_eq!(s.inbox.playing, Some(9));
    assert_eq!(s.inbox.items[0].status, "heard");
    assert_eq!(s.inbox.unheard, 0, "the badge counts down");
    // Play again stops it; the end of playback clears the mark too.
    assert_eq!(update(&mut s, Action::Play), [Effect::StopPlayback]);
    assert_eq!(s.inbox.playing, None);
    update(&mut s, Action::PlaybackEnded { id: 9 });

    // Handled: the request, then the row as the server has it.
    let fx = update(&mut s, Action::MarkHandled);
    assert_eq!(rests(&fx), [RestRequest::VoicemailHandled { id: 9 }]);
    let mut row = sample::voicemail_rows().remove(0);
    row.status = "answered".into();
    row.handled_by = "a-1001".into();
    update(&mut s, Action::RestDone(RestReply::VoicemailSaved(row)));
    assert_eq!(s.inbox.items[0].status, "answered");
    assert!(
        update(&mut s, Action::MarkHandled).is_empty(),
        "once is enough"
    );

    // Filters: right shows handled ones, asking the server again.
    let fx = update(&mut s, Action::Right);
    assert_eq!(
        rests(&fx)[0],
        RestRequest::Voicemails {
            status: "answered".into()
        }
    );

    // A new message: the badge counts it and the open inbox reloads.
    s.inbox.pending = false;
    let notice = VoicemailNotice {
        id: 10,
        from: "13900000000".into(),
        duration_ms: 5_000,
        kind: VoicemailKind::Voicemail,
        at_ms: NOW_MS,
    };
    let fx = update(&mut s, Action::Server(Event::Voicemail(notice)));
    assert_eq!(s.inbox.unheard, 1);
    assert_eq!(rests(&fx).len(), 1);
}

#[test]
fn calling_back_and_making_a_ticket_from_a_message() {
    let mut s = sample::inbox(Lang::Zh);
    // The highlighted complaint: its keyed-in callback number and its ticket.
    let fx = update(&mut s, Action::CallBack);
    assert_eq!(
        sent(&fx),
        [Command::Dial {
            number: "057188880000".into(),
            caller_id: None,
            ticket_id: Some(TicketId::new("11")),
        }]
    );
    assert_eq!(s.dialed.as_deref(), Some("057188880000"));

    // The ticket form from the voicemail without a ticket: tied to it once filed.
    update(&mut s, Action::Down);
    update(&mut s, Action::VoicemailTicket);
    assert_eq!(s.panel, Panel::TicketForm);
    assert_eq!(s.form.channel, "voicemail");
    assert_eq!(s.form.caller_number.as_deref(), Some("13700000003"));
    assert_eq!(s.form.voicemail, Some(5));
    assert!(s.form.description.contains("13700000003"));
    s.form.category = Some("other".into());
    s.form.subject = "留言要求回电".into();
    s.form.address = "文三路".into();
    let fx = rests(&update(&mut s, Action::Submit));
    let [
        RestRequest::FileTicket {
            ticket, voicemail, ..
        },
    ] = fx.as_slice()
    else {
        panic!("no filing: {fx:?} {:?}", s.form.errors)
    };
    assert_eq!(*voicemail, Some(5));
    assert_eq!(ticket.channel, "voicemail");

    // From a message with a ticket: that ticket is marked related, nothing to tie.
    let mut s = sample::inbox(Lang::En);
    update(&mut s, Action::VoicemailTicket);
    assert_eq!(s.form.related, ["12345-20261123-000007"]);
    assert_eq!(s.form.voicemail, None);
    assert!(
        s.related_candidates()
            .contains(&"12345-20261123-000007".to_owned())
    );
}

#[test]
fn a_message_does_not_play_over_a_call_and_a_call_stops_it() {
    let mut s = sample::inbox(Lang::En);
    update(&mut s, Action::Enter);
    update(
        &mut s,
        Action::RestDone(RestReply::VoicemailAudio {
            id: 8,
            samples: vec![0; 160],
        }),
    );
    assert_eq!(s.inbox.playing, Some(8));
    let ringing = sample::ringing(Lang::En);
    let Some(offer) = ringing.offer else {
        panic!("sample rings")
    };
    let fx = update(
        &mut s,
        Action::Server(Event::CallOffered {
            call_id: offer.call_id,
            queue: offer.queue,
            waited_ms: 0,
            ring_timeout_ms: 20_000,
            screen_pop: sample::screen_pop(),
            transfer: None,
            callback: None,
        }),
    );
    assert_eq!(fx, [Effect::StopPlayback]);
    assert_eq!(s.inbox.playing, None);

    let mut s = sample::on_call(Lang::En);
    update(&mut s, Action::Show(Panel::Inbox));
    update(
        &mut s,
        Action::RestDone(RestReply::Voicemails {
            items: sample::voicemail_rows(),
            total: 3,
        }),
    );
    assert_eq!(update(&mut s, Action::Play), [Effect::StopPlayback]);
    assert_eq!(s.inbox.fetching, None);
    assert!(update(&mut s, Action::CallBack).is_empty(), "hang up first");
}

#[test]
fn caller_and_ticket_search_call_back_the_highlighted_row() {
    let mut s = sample::ready(Lang::En);
    update(&mut s, Action::Show(Panel::Callers));
    s.callers.results = sample::caller_rows();
    s.callers.sel = 1;
    let fx = update(&mut s, Action::CallBack);
    assert_eq!(
        sent(&fx),
        [Command::Dial {
            number: "13912345678".into(),
            caller_id: None,
            ticket_id: None,
        }]
    );

    let mut s = sample::ready(Lang::En);
    update(&mut s, Action::Show(Panel::Tickets));
    typed(&mut s, "路灯");
    update(&mut s, Action::Enter);
    // Results arrive: the first row's links are fetched, then each row's once.
    let fx = update(
        &mut s,
        Action::RestDone(RestReply::Tickets(sample::ticket_rows())),
    );
    assert_eq!(rests(&fx), [RestRequest::TicketDetail { id: 17 }]);
    let link = TicketLink {
        id: 3,
        number: "12345-20261101-000003".into(),
        subject: "Noise".into(),
        status: "closed".into(),
    };
    update(
        &mut s,
        Action::RestDone(RestReply::TicketLinks {
            id: 17,
            links: vec![link.clone()],
        }),
    );
    assert_eq!(s.ticket_links[&17], [link]);
    let fx = update(&mut s, Action::CallBack);
    assert_eq!(
        sent(&fx),
        [Command::Dial {
            number: "13800138000".into(),
            caller_id: None,
            ticket_id: Some(TicketId::new("17")),
        }]
    );
    s.dialed = None;
    assert_eq!(
        rests(&update(&mut s, Action::Down)),
        [RestRequest::TicketDetail { id: 3 }]
    );
    assert!(update(&mut s, Action::Up).is_empty(), "asked once");
    // The second ticket has no caller number: nothing to dial.
    update(&mut s, Action::Down);
    assert!(update(&mut s, Action::CallBack).is_empty());
}

#[test]
fn the_caller_goes_to_the_pin_entry_flow_and_the_result_comes_back() {
    let mut s = sample::on_call(Lang::En);
    update(&mut s, Action::Transfer);
    update(&mut s, Action::Left);
    let Overlay::Transfer(d) = &s.overlay else {
        panic!("dialog")
    };
    assert_eq!(d.target, "pin_entry", "the first flow is offered");
    update(&mut s, Action::NextField);
    update(&mut s, Action::Right);
    update(&mut s, Action::Left);
    update(&mut s, Action::NextField);
    update(&mut s, Action::Right);
    let fx = update(&mut s, Action::Enter);
    assert_eq!(
        sent(&fx),
        [Command::TransferToIvr {
            call_id: CallId::new(CALL),
            flow: "pin_entry".into(),
            return_to_agent: true,
        }]
    );
    let ivr = s.call.as_ref().and_then(|c| c.ivr.clone());
    assert_eq!(
        ivr.map(|i| (i.flow, i.result)),
        Some(("pin_entry".into(), None))
    );
    update(
        &mut s,
        Action::Server(Event::IvrResult {
            call_id: CallId::new(CALL),
            flow: "pin_entry".into(),
            result: "ok".into(),
        }),
    );
    // The caller is back: the call state event keeps the result on the call.
    update(&mut s, call_state(CallState::Connected));
    let ivr = s.call.as_ref().and_then(|c| c.ivr.clone());
    assert_eq!(ivr.and_then(|i| i.result).as_deref(), Some("ok"));

    // Conference with a flow makes no sense: refused in the dialog.
    update(&mut s, Action::Transfer);
    update(&mut s, Action::Left);
    update(&mut s, Action::NextField);
    update(&mut s, Action::NextField);
    update(&mut s, Action::Left);
    assert!(sent(&update(&mut s, Action::Enter)).is_empty());
    let Overlay::Transfer(d) = &s.overlay else {
        panic!("dialog closed")
    };
    assert_eq!(d.error, Some("transfer.err.ivr_mode"));
}

#[test]
fn a_help_request_stays_pending_until_a_supervisor_joins() {
    let mut s = sample::on_call(Lang::En);
    let fx = update(&mut s, Action::CallSupervisor);
    assert_eq!(sent(&fx), [Command::CallSupervisor]);
    assert!(s.help.is_some_and(|h| !h.emergency));
    let supervisor = Party {
        kind: PartyKind::Supervisor,
        id: "boss".into(),
        name: None,
        muted: false,
        held: false,
    };
    update(
        &mut s,
        Action::Server(Event::CallState {
            call_id: CallId::new(CALL),
            state: CallState::Conference,
            direction: Direction::Inbound,
            connected_at_ms: None,
            parties: vec![supervisor],
            monitor: None,
        }),
    );
    assert_eq!(s.help, None);
    update(&mut s, Action::Emergency);
    assert!(s.help.is_some_and(|h| h.emergency));
    update(
        &mut s,
        Action::CommandFailed {
            command: "emergency",
            message: "no supervisor is online".into(),
        },
    );
    assert_eq!(s.help, None);
}

#[test]
fn entering_the_related_field_asks_the_server_for_suggestions() {
    let mut s = sample::form(Lang::En);
    s.form.focus = crate::app::form::Field::Departments;
    let fx = rests(&update(&mut s, Action::NextField));
    let [
        RestRequest::RelatedTickets {
            caller, address, ..
        },
    ] = fx.as_slice()
    else {
        panic!("{fx:?}")
    };
    assert_eq!(
        (caller.as_str(), address.as_str()),
        ("13800138000", "西湖区文三路88号")
    );
    update(
        &mut s,
        Action::RestDone(RestReply::Related(vec![(
            "12345-20261120-000099".into(),
            "路灯".into(),
        )])),
    );
    assert!(
        s.related_candidates()
            .contains(&"12345-20261120-000099".to_owned())
    );
}
