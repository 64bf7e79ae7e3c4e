//! Wire-format tests: round trips of every variant, golden frames, version and
//! forward-compatibility rules.

use std::collections::BTreeSet;
use std::fmt::Debug;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::samples;
use crate::*;

/// The variant names serde knows for `T`, read from its "unknown variant" error, so a variant
/// added without a sample makes the coverage assertion fail.
fn serde_variants<T: DeserializeOwned + Debug>(probe: &str) -> BTreeSet<String> {
    let err = serde_json::from_str::<T>(probe).unwrap_err().to_string();
    let (_, expected) = err
        .split_once("expected")
        .unwrap_or_else(|| panic!("unexpected serde error: {err}"));
    expected
        .split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect()
}

/// The variant a sample serialised as: its `type` tag, its string, or its single key.
fn wire_name(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Object(map) => {
            if let Some(Value::String(t)) = map.get("type") {
                t.clone()
            } else {
                assert_eq!(map.len(), 1, "not an enum value: {value}");
                map.keys().next().unwrap().clone()
            }
        }
        _ => panic!("not an enum value: {value}"),
    }
}

/// Tag probes for the three enum encodings used.
const TAGGED: &str = r#"{"type":"no_such_variant"}"#;
const STRING: &str = r#""no_such_variant""#;
const EXTERNAL: &str = r#"{"no_such_variant":{}}"#;

/// Round-trips every sample and checks the samples cover every variant of `T`.
fn round_trip_all<T>(samples: &[T], probe: &str)
where
    T: Serialize + DeserializeOwned + PartialEq + Debug,
{
    let mut seen = BTreeSet::new();
    for sample in samples {
        let json = serde_json::to_string(sample).unwrap();
        let back: T = serde_json::from_str(&json).unwrap_or_else(|e| panic!("{json}: {e}"));
        assert_eq!(&back, sample, "round trip of {json}");
        seen.insert(wire_name(&serde_json::to_value(sample).unwrap()));
    }
    assert_eq!(
        seen,
        serde_variants::<T>(probe),
        "samples of {} must cover every variant",
        std::any::type_name::<T>()
    );
}

#[test]
fn every_command_round_trips_and_is_named() {
    let commands = samples::commands();
    round_trip_all(&commands, TAGGED);
    let names: Vec<&str> = commands.iter().map(Command::name).collect();
    assert_eq!(names, Command::NAMES, "samples in declaration order");
    for cmd in &commands {
        assert_eq!(serde_json::to_value(cmd).unwrap()["type"], cmd.name());
        let frame = ClientFrame::new(9, cmd.clone());
        assert_eq!(decode_client(&encode_client(&frame)).unwrap(), frame);
    }
}

#[test]
fn every_event_round_trips_and_is_named() {
    let events = samples::events();
    round_trip_all(&events, TAGGED);
    let names: Vec<&str> = events.iter().map(Event::name).collect();
    assert_eq!(names, Event::NAMES);
    for (seq, event) in (1..).zip(&events) {
        assert_eq!(serde_json::to_value(event).unwrap()["type"], event.name());
        let frame = ServerFrame::event(seq, event.clone());
        assert_eq!(decode_server(&encode(&frame)).unwrap(), frame);
    }
}

#[test]
fn every_reply_round_trips_and_is_named() {
    let replies = samples::replies();
    round_trip_all(&replies, TAGGED);
    let names: Vec<&str> = replies.iter().map(ReplyBody::name).collect();
    assert_eq!(names, ReplyBody::NAMES);
    for (id, body) in (1..).zip(&replies) {
        let frame = ServerFrame::ok(id, body.clone());
        assert_eq!(decode_server(&encode(&frame)).unwrap(), frame);
    }
    let results = [
        ReplyResult::Ok(ReplyBody::Ack),
        ReplyResult::Err(ErrorBody::new(ErrorCode::Conflict, "not ringing")),
    ];
    round_trip_all(&results, EXTERNAL);
    let frames = [
        ServerFrame::ok(1, ReplyBody::Ack),
        ServerFrame::event(1, Event::Alarm(samples::alarm())),
    ];
    round_trip_all(&frames, TAGGED);
}

#[test]
fn every_nested_enum_round_trips() {
    round_trip_all(&samples::agent_states(), TAGGED);
    round_trip_all(&samples::call_states(), TAGGED);
    round_trip_all(&samples::transfer_targets(), TAGGED);
    round_trip_all(
        &[
            StateCause::Login,
            StateCause::Logout,
            StateCause::Request,
            StateCause::Forced,
            StateCause::Offered,
            StateCause::Answered,
            StateCause::Rejected,
            StateCause::RingTimeout,
            StateCause::CallEnded,
            StateCause::WrapUpExpired,
            StateCause::Disconnected,
            StateCause::SessionExpired,
            StateCause::Resumed,
            StateCause::AudioLost,
        ],
        STRING,
    );
    round_trip_all(
        &[
            EndCause::CallerHangup,
            EndCause::AgentHangup,
            EndCause::Transferred,
            EndCause::TransferredToIvr,
            EndCause::ForceReleased,
            EndCause::TakenOver,
            EndCause::Rejected,
            EndCause::NoAnswer,
            EndCause::Abandoned,
            EndCause::Failed,
            EndCause::Disconnected,
            EndCause::Left,
        ],
        STRING,
    );
    round_trip_all(
        &[Direction::Inbound, Direction::Outbound, Direction::Internal],
        STRING,
    );
    round_trip_all(
        &[
            PartyKind::Caller,
            PartyKind::Agent,
            PartyKind::Supervisor,
            PartyKind::Consult,
            PartyKind::External,
            PartyKind::Ivr,
        ],
        STRING,
    );
    round_trip_all(&MonitorMode::ALL, STRING);
    round_trip_all(&[TransferMode::Blind, TransferMode::Attended], STRING);
    round_trip_all(
        &[
            ClientKind::AgentTui,
            ClientKind::SupervisorTui,
            ClientKind::Headless,
            ClientKind::Other,
        ],
        STRING,
    );
    round_trip_all(&Topic::ALL, STRING);
    round_trip_all(
        &[
            CallerCategory::Resident,
            CallerCategory::Company,
            CallerCategory::Vip,
        ],
        STRING,
    );
    round_trip_all(
        &[
            AlarmKind::ServiceLevel,
            AlarmKind::LongCall,
            AlarmKind::LongQueue,
            AlarmKind::LongNotReady,
            AlarmKind::HelpRequest,
            AlarmKind::Emergency,
        ],
        STRING,
    );
    round_trip_all(
        &[VoicemailKind::Voicemail, VoicemailKind::DirectorMail],
        STRING,
    );
    round_trip_all(
        &[SignalKind::Offer, SignalKind::Answer, SignalKind::Candidate],
        STRING,
    );
    round_trip_all(
        &[
            NoticeLevel::Info,
            NoticeLevel::Warning,
            NoticeLevel::Critical,
        ],
        STRING,
    );
    round_trip_all(&ErrorCode::ALL, STRING);
    round_trip_all(&Role::ALL, STRING);
    round_trip_all(
        &[
            Capability::Session,
            Capability::Media,
            Capability::OwnState,
            Capability::CallControl,
            Capability::Monitoring,
            Capability::Force,
            Capability::CallerData,
            Capability::ViewTickets,
            Capability::EditTickets,
            Capability::Reports,
            Capability::Administration,
        ],
        STRING,
    );
}

#[test]
fn the_names_lists_match_serde() {
    let names = |list: &[&str]| {
        list.iter()
            .map(|s| (*s).to_owned())
            .collect::<BTreeSet<_>>()
    };
    assert_eq!(serde_variants::<Command>(TAGGED), names(&Command::NAMES));
    assert_eq!(serde_variants::<Event>(TAGGED), names(&Event::NAMES));
    assert_eq!(
        serde_variants::<ReplyBody>(TAGGED),
        names(&ReplyBody::NAMES)
    );
}

// --- golden frames: the exact bytes integrators see ---

#[test]
fn golden_set_ready() {
    let frame = ClientFrame::new(7, Command::SetReady);
    let text = r#"{"v":1,"id":7,"cmd":{"type":"set_ready"}}"#;
    assert_eq!(encode_client(&frame), text);
    assert_eq!(decode_client(text).unwrap(), frame);
}

#[test]
fn golden_login() {
    let frame = ClientFrame::new(
        1,
        Command::Login {
            user: "agent1".into(),
            password: "s3cret".into(),
            client: ClientKind::AgentTui,
            resume_token: None,
        },
    );
    assert_eq!(
        encode_client(&frame),
        r#"{"v":1,"id":1,"cmd":{"type":"login","user":"agent1","password":"s3cret","client":"agent_tui","resume_token":null}}"#
    );
}

#[test]
fn golden_transfer() {
    let frame = ClientFrame::new(
        12,
        Command::Transfer {
            call_id: "c-1".into(),
            target: TransferTarget::Queue {
                name: "complaints".into(),
            },
            mode: TransferMode::Blind,
            note: None,
            ticket_id: None,
        },
    );
    assert_eq!(
        encode_client(&frame),
        r#"{"v":1,"id":12,"cmd":{"type":"transfer","call_id":"c-1","target":{"type":"queue","name":"complaints"},"mode":"blind","note":null,"ticket_id":null}}"#
    );
}

#[test]
fn golden_replies() {
    assert_eq!(
        encode(&ServerFrame::ok(7, ReplyBody::Ack)),
        r#"{"type":"reply","v":1,"id":7,"result":{"ok":{"type":"ack"}}}"#
    );
    assert_eq!(
        encode(&ServerFrame::err(
            8,
            ErrorBody::new(ErrorCode::Forbidden, "agents may not monitor")
        )),
        r#"{"type":"reply","v":1,"id":8,"result":{"err":{"code":"forbidden","message":"agents may not monitor"}}}"#
    );
}

#[test]
fn golden_agent_state_event() {
    let frame = ServerFrame::event(
        42,
        Event::AgentState {
            agent_id: "agent1".into(),
            state: AgentState::NotReady {
                reason: NotReadyReason::standard(StandardReason::Meal),
            },
            since_ms: 1_740_792_000_000,
            cause: StateCause::Request,
            caller: None,
        },
    );
    assert_eq!(
        encode(&frame),
        r#"{"type":"event","v":1,"seq":42,"event":{"type":"agent_state","agent_id":"agent1","state":{"type":"not_ready","reason":{"code":"meal","label":"用餐"}},"since_ms":1740792000000,"cause":"request"}}"#
    );
}

#[test]
fn golden_webrtc_and_queue_snapshot_are_flat() {
    // Newtype variants put their fields next to `type`, not under another key.
    let v = serde_json::to_value(Command::WebRtc(samples::webrtc_signal())).unwrap();
    assert_eq!(v["type"], "webrtc");
    assert_eq!(v["kind"], "offer");
    let v = serde_json::to_value(Event::QueueSnapshot(samples::queue_snapshot())).unwrap();
    assert_eq!(v["type"], "queue_snapshot");
    assert_eq!(v["queue"], "general");
    assert_eq!(v["waiting"][0]["vip"], true);
}

// --- versions and forward compatibility ---

#[test]
fn version_mismatch_is_its_own_error() {
    let err = decode_client(r#"{"v":2,"id":5,"cmd":{"type":"set_ready"}}"#).unwrap_err();
    assert_eq!(
        err,
        ProtocolError::VersionMismatch {
            id: Some(5),
            got: 2,
            expected: 1
        }
    );
    assert_eq!(err.code(), ErrorCode::VersionMismatch);
    // Checked before the command, which a newer client may have invented.
    let err = decode_client(r#"{"v":2,"id":5,"cmd":{"type":"teleport"}}"#).unwrap_err();
    assert!(matches!(err, ProtocolError::VersionMismatch { got: 2, .. }));
    // The server's answer still reaches request 5.
    assert_eq!(
        encode(&err.reply()),
        r#"{"type":"reply","v":1,"id":5,"result":{"err":{"code":"version_mismatch","message":"protocol version 2 is not supported; this side speaks version 1"}}}"#
    );
    let err =
        decode_server(r#"{"type":"event","v":0,"seq":1,"event":{"type":"ping"}}"#).unwrap_err();
    assert!(matches!(err, ProtocolError::VersionMismatch { got: 0, .. }));
}

#[test]
fn missing_or_bad_version_is_malformed() {
    for text in [
        r#"{"id":5,"cmd":{"type":"set_ready"}}"#,
        r#"{"v":"1","id":5,"cmd":{"type":"set_ready"}}"#,
        r#"{"v":-1,"id":5,"cmd":{"type":"set_ready"}}"#,
    ] {
        let err = decode_client(text).unwrap_err();
        assert!(
            matches!(err, ProtocolError::Malformed { id: Some(5), .. }),
            "{text}: {err:?}"
        );
    }
}

#[test]
fn unknown_fields_are_ignored() {
    let frame =
        decode_client(r#"{"v":1,"id":3,"trace":"x","cmd":{"type":"set_ready","extra":true}}"#)
            .unwrap();
    assert_eq!(frame, ClientFrame::new(3, Command::SetReady));
    let frame = decode_client(
        r#"{"v":1,"id":4,"cmd":{"type":"answer","call_id":"c-1","auto":true,"hint":{"a":1}}}"#,
    )
    .unwrap();
    assert_eq!(
        frame.cmd,
        Command::Answer {
            call_id: "c-1".into()
        }
    );
    let frame = decode_server(
        r#"{"type":"event","v":1,"seq":9,"origin":"node-2","event":{"type":"notice","text":"hi","level":"info","ttl":5}}"#,
    )
    .unwrap();
    assert_eq!(
        frame,
        ServerFrame::event(
            9,
            Event::Notice {
                text: "hi".into(),
                level: NoticeLevel::Info
            }
        )
    );
}

#[test]
fn optional_and_defaulted_fields_may_be_left_out() {
    let frame = decode_client(
        r#"{"v":1,"id":2,"cmd":{"type":"login","user":"a","password":"p","client":"headless"}}"#,
    )
    .unwrap();
    assert!(matches!(
        frame.cmd,
        Command::Login {
            resume_token: None,
            ..
        }
    ));
    let frame = decode_client(r#"{"v":1,"id":2,"cmd":{"type":"dial","number":"12345"}}"#).unwrap();
    assert_eq!(
        frame.cmd,
        Command::Dial {
            number: "12345".into(),
            caller_id: None,
            ticket_id: None
        }
    );
}

#[test]
fn unknown_command_is_rejected_clearly() {
    let err =
        decode_client(r#"{"v":1,"id":11,"cmd":{"type":"teleport","to":"moon"}}"#).unwrap_err();
    assert_eq!(
        err,
        ProtocolError::UnknownCommand {
            id: Some(11),
            name: "teleport".into()
        }
    );
    assert_eq!(err.to_string(), "unknown command type `teleport`");
    assert_eq!(
        encode(&err.reply()),
        r#"{"type":"reply","v":1,"id":11,"result":{"err":{"code":"bad_request","message":"unknown command type `teleport`"}}}"#
    );
}

#[test]
fn known_command_with_bad_fields_is_malformed() {
    let err = decode_client(r#"{"v":1,"id":6,"cmd":{"type":"answer"}}"#).unwrap_err();
    match err {
        ProtocolError::Malformed { id, detail } => {
            assert_eq!(id, Some(6));
            assert!(detail.contains("call_id"), "{detail}");
        }
        other => panic!("{other:?}"),
    }
    let err = decode_client(r#"{"v":1,"id":6,"cmd":{"type":"mute","on":"yes"}}"#).unwrap_err();
    assert!(matches!(err, ProtocolError::Malformed { id: Some(6), .. }));
    let err = decode_client(r#"{"v":1,"id":6,"cmd":{"name":"set_ready"}}"#).unwrap_err();
    assert!(matches!(err, ProtocolError::Malformed { id: Some(6), .. }));
}

#[test]
fn not_json_or_not_an_object_is_malformed() {
    for text in ["", "{", "[1,2]", "null", "\"set_ready\""] {
        let err = decode_client(text).unwrap_err();
        assert!(
            matches!(err, ProtocolError::Malformed { id: None, .. }),
            "{text:?}"
        );
        assert_eq!(
            err.reply(),
            ServerFrame::err(0, ErrorBody::new(ErrorCode::BadRequest, err.to_string()))
        );
    }
}

#[test]
fn unknown_event_is_reported_for_skipping() {
    let err = decode_server(r#"{"type":"event","v":1,"seq":77,"event":{"type":"hologram"}}"#)
        .unwrap_err();
    assert_eq!(
        err,
        ProtocolError::UnknownEvent {
            seq: 77,
            name: "hologram".into()
        }
    );
    // A known event with a broken body is malformed, not unknown.
    let err =
        decode_server(r#"{"type":"event","v":1,"seq":78,"event":{"type":"alarm"}}"#).unwrap_err();
    assert!(matches!(err, ProtocolError::Malformed { .. }));
}

#[test]
fn reply_results_convert() {
    let ok: ReplyResult = Ok::<_, ErrorBody>(ReplyBody::Ack).into();
    assert!(ok.is_ok());
    let err = ReplyResult::from(ErrorBody::new(ErrorCode::NotFound, "no such call"));
    assert_eq!(
        err.into_result(),
        Err(ErrorBody::new(ErrorCode::NotFound, "no such call"))
    );
}

#[test]
fn protocol_doc_shows_every_message() {
    let doc = include_str!("../../../docs/protocol.md");
    let compact: String = doc.split_whitespace().collect();
    for name in Command::NAMES
        .iter()
        .chain(&Event::NAMES)
        .chain(&ReplyBody::NAMES)
    {
        assert!(
            compact.contains(&format!("\"type\":\"{name}\"")),
            "docs/protocol.md has no example of `{name}`"
        );
    }
    for code in ErrorCode::ALL {
        assert!(doc.contains(&format!("`{}`", code.as_str())), "{code}");
    }
}

/// Prints the examples for docs/protocol.md:
/// `cargo test -p hotline-protocol print_examples -- --ignored --nocapture`.
#[test]
#[ignore = "generates documentation"]
fn print_examples() {
    fn show(title: &str, value: &impl Serialize) {
        let compact = serde_json::to_string(value).unwrap();
        let text = if compact.chars().count() <= 96 {
            compact
        } else {
            serde_json::to_string_pretty(value).unwrap()
        };
        println!("#### `{title}`\n\n```json\n{text}\n```\n");
    }
    println!("<!-- commands -->");
    for (id, cmd) in (1..).zip(samples::commands()) {
        show(cmd.name(), &ClientFrame::new(id, cmd));
    }
    println!("<!-- replies -->");
    for (id, body) in (1..).zip(samples::replies()) {
        show(body.name(), &ServerFrame::ok(id, body));
    }
    println!("<!-- events -->");
    for (seq, event) in (1..).zip(samples::events()) {
        show(event.name(), &ServerFrame::event(seq, event));
    }
}
