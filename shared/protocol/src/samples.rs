//! One sample of every message and every enum value, for the round-trip tests, the role table
//! test and the examples in docs/protocol.md.

use crate::*;

const T0: u64 = 1_740_792_000_000; // 2025-03-01 09:20 Beijing time, in ms since the epoch

pub fn not_ready_reason() -> NotReadyReason {
    NotReadyReason::standard(StandardReason::Break)
}

pub fn transfer_targets() -> Vec<TransferTarget> {
    vec![
        TransferTarget::Agent {
            id: "agent2".into(),
        },
        TransferTarget::Queue {
            name: "complaints".into(),
        },
        TransferTarget::Department {
            id: "dept-housing".into(),
        },
        TransferTarget::External {
            number: "02584001234".into(),
        },
    ]
}

pub fn webrtc_signal() -> WebRtcSignal {
    WebRtcSignal {
        kind: SignalKind::Offer,
        payload: "v=0\r\no=- 4611 2 IN IP4 127.0.0.1\r\ns=-\r\n...".into(),
    }
}

pub fn commands() -> Vec<Command> {
    let call: CallId = "c-20250301-000123".into();
    vec![
        Command::Login {
            user: "agent1".into(),
            password: "s3cret".into(),
            client: ClientKind::AgentTui,
            resume_token: None,
        },
        Command::Logout,
        Command::Ping,
        Command::Subscribe {
            topics: vec![Topic::Queues, Topic::MyCalls],
        },
        Command::WebRtc(webrtc_signal()),
        Command::SetReady,
        Command::SetNotReady {
            reason: not_ready_reason(),
        },
        Command::EndWrapUp,
        Command::ExtendWrapUp { secs: 30 },
        Command::Answer {
            call_id: call.clone(),
        },
        Command::Reject {
            call_id: call.clone(),
        },
        Command::Hangup {
            call_id: call.clone(),
        },
        Command::Hold,
        Command::Resume,
        Command::Mute { on: true },
        Command::Transfer {
            call_id: call.clone(),
            target: TransferTarget::Department {
                id: "dept-housing".into(),
            },
            mode: TransferMode::Attended,
            note: Some("小区供暖不足，已登记工单".into()),
            ticket_id: Some("t-88121".into()),
        },
        Command::CompleteTransfer,
        Command::CancelTransfer,
        Command::Conference {
            call_id: call.clone(),
            target: TransferTarget::Agent {
                id: "expert1".into(),
            },
        },
        Command::Dial {
            number: "13812345678".into(),
            caller_id: Some("12345".into()),
            ticket_id: Some("t-88121".into()),
        },
        Command::PickUp {
            call_id: "c-20250301-000124".into(),
        },
        Command::SendDtmf {
            digits: "1#".into(),
        },
        Command::TransferToIvr {
            call_id: call.clone(),
            flow: "satisfaction".into(),
            return_to_agent: false,
        },
        Command::CallSupervisor,
        Command::Emergency,
        Command::Monitor {
            agent_id: "agent1".into(),
            mode: MonitorMode::Whisper,
        },
        Command::StopMonitor,
        Command::CallAgent {
            agent_id: "agent1".into(),
        },
        Command::ForceNotReady {
            agent_id: "agent1".into(),
            reason: NotReadyReason::standard(StandardReason::Meeting),
        },
        Command::ForceLogout {
            agent_id: "agent1".into(),
        },
        Command::ForceRelease { call_id: call },
        Command::CallerLookup {
            number: "13812345678".into(),
        },
    ]
}

pub fn location() -> Location {
    Location {
        province: "江苏".into(),
        city: "南京".into(),
    }
}

pub fn screen_pop() -> ScreenPop {
    ScreenPop {
        caller: CallerSummary {
            number: "13812345678".into(),
            name: Some("王女士".into()),
            category: CallerCategory::Resident,
            location: Some(location()),
            blacklisted: None,
            tags: vec!["老年人".into()],
        },
        previous_calls: vec![CallSummary {
            call_id: "c-20250226-000077".into(),
            at_ms: T0 - 3 * 86_400_000,
            agent: Some("agent2".into()),
            duration_ms: 184_000,
            ticket_no: Some("NJ20250226-0031".into()),
        }],
        tickets: vec![TicketSummary {
            id: "t-88121".into(),
            number: "NJ20250226-0031".into(),
            status: "dispatched".into(),
            open: true,
            subject: "小区供暖温度不达标".into(),
            opened_at_ms: T0 - 3 * 86_400_000,
            department: Some("市住房保障和房产局".into()),
        }],
        first_contact_agent: Some("agent2".into()),
        repeat_caller: Some(RepeatInfo {
            calls_last_days: 3,
            days: 7,
        }),
    }
}

/// A screen-pop with the optional parts set the other way (VIP, blocked, unknown name).
pub fn screen_pop_blocked() -> ScreenPop {
    ScreenPop {
        caller: CallerSummary {
            number: "02558001234".into(),
            name: None,
            category: CallerCategory::Vip,
            location: None,
            blacklisted: Some(Block {
                reason: "恶意骚扰".into(),
                until_ms: None,
            }),
            tags: vec![],
        },
        previous_calls: vec![],
        tickets: vec![],
        first_contact_agent: None,
        repeat_caller: None,
    }
}

pub fn agent_states() -> Vec<AgentState> {
    vec![
        AgentState::LoggedOut,
        AgentState::Ready,
        AgentState::NotReady {
            reason: not_ready_reason(),
        },
        AgentState::Ringing {
            call_id: "c-20250301-000123".into(),
        },
        AgentState::OnCall {
            call_id: "c-20250301-000123".into(),
        },
        AgentState::WrapUp {
            until_ms: T0 + 30_000,
        },
    ]
}

pub fn call_states() -> Vec<CallState> {
    vec![
        CallState::Ringing,
        CallState::Connected,
        CallState::Held,
        CallState::Transferring,
        CallState::Conference,
        CallState::Ended {
            cause: EndCause::CallerHangup,
        },
    ]
}

pub fn queue_snapshot() -> QueueSnapshot {
    QueueSnapshot {
        queue: "general".into(),
        waiting: vec![
            WaitingCaller {
                call_id: "c-20250301-000124".into(),
                number: "13900001111".into(),
                name: Some("李先生".into()),
                location: Some(location()),
                vip: true,
                waited_ms: 42_000,
                priority: 5,
            },
            WaitingCaller {
                call_id: "c-20250301-000125".into(),
                number: "02584005678".into(),
                name: None,
                location: None,
                vip: false,
                waited_ms: 17_000,
                priority: 0,
            },
        ],
        longest_wait_ms: 42_000,
        agents_ready: 3,
        agents_busy: 12,
        agents_not_ready: 2,
        answered_today: 418,
        abandoned_today: 9,
        service_level_pct: 96.5,
        avg_wait_ms: 8_200,
        avg_talk_ms: 196_000,
    }
}

pub fn alarm() -> Alarm {
    Alarm {
        id: 17,
        kind: AlarmKind::ServiceLevel,
        subject: "general".into(),
        value: 91.2,
        threshold: 95.0,
        raised_at_ms: T0,
        cleared: false,
    }
}

pub fn events() -> Vec<Event> {
    vec![
        Event::AgentState {
            agent_id: "agent1".into(),
            state: AgentState::NotReady {
                reason: not_ready_reason(),
            },
            since_ms: T0,
            cause: StateCause::Request,
            caller: None,
        },
        Event::CallOffered {
            call_id: "c-20250301-000123".into(),
            queue: "general".into(),
            waited_ms: 12_400,
            ring_timeout_ms: 15_000,
            screen_pop: screen_pop(),
            transfer: Some(TransferInfo {
                from_agent: "agent2".into(),
                mode: TransferMode::Blind,
                note: Some("燃气泄漏，已建单，请联系燃气集团".into()),
                ticket_id: Some("T20250301-0042".into()),
            }),
            callback: None,
        },
        Event::CallState {
            call_id: "c-20250301-000123".into(),
            state: CallState::Connected,
            direction: Direction::Inbound,
            connected_at_ms: Some(T0 + 15_000),
            parties: vec![
                Party {
                    kind: PartyKind::Caller,
                    id: "13812345678".into(),
                    name: Some("王女士".into()),
                    held: false,
                    muted: false,
                },
                Party {
                    kind: PartyKind::Agent,
                    id: "agent1".into(),
                    name: Some("张敏".into()),
                    held: false,
                    muted: false,
                },
            ],
            monitor: Some(MonitorMode::Whisper),
        },
        Event::QueueSnapshot(queue_snapshot()),
        Event::Alarm(alarm()),
        Event::Voicemail(VoicemailNotice {
            id: 311,
            from: "13700002222".into(),
            duration_ms: 48_000,
            kind: VoicemailKind::DirectorMail,
            at_ms: T0 - 600_000,
        }),
        Event::Notice {
            text: "14:00 系统维护，请提前保存工单".into(),
            level: NoticeLevel::Warning,
        },
        Event::WebRtc(WebRtcSignal {
            kind: SignalKind::Answer,
            payload: "v=0\r\no=- 9021 2 IN IP4 10.0.0.5\r\ns=-\r\n...".into(),
        }),
        Event::Error(ErrorBody::new(
            ErrorCode::Unauthorized,
            "session expired; log in again",
        )),
        Event::IvrResult {
            call_id: "c-20250301-000123".into(),
            flow: "pin_entry".into(),
            result: "ok".into(),
        },
    ]
}

/// The `callback` of an offer placed by a follow-up campaign in agent mode (回访 by an agent).
pub fn campaign_callback() -> CallbackOffer {
    CallbackOffer {
        number: "13812345678".into(),
        attempt: 1,
        requested_at_ms: T0,
        ticket: Some("T20250301-0042".into()),
        purpose: Some("follow_up".into()),
    }
}

pub fn agent_info() -> AgentInfo {
    AgentInfo {
        id: "agent1".into(),
        name: "张敏".into(),
        work_number: "1001".into(),
        skills: vec![
            SkillLevel {
                skill: "consultation".into(),
                level: 8,
            },
            SkillLevel {
                skill: "complaint".into(),
                level: 5,
            },
        ],
        queues: vec!["general".into(), "complaints".into()],
    }
}

pub fn replies() -> Vec<ReplyBody> {
    vec![
        ReplyBody::LoginOk {
            token: "st_9f2c4e1ab07d4c55".into(),
            expires_at_ms: T0 + 12 * 3_600_000,
            agent: agent_info(),
            role: Role::Agent,
            server_time_ms: T0,
        },
        ReplyBody::Ack,
        ReplyBody::Pong { server_time_ms: T0 },
        ReplyBody::Dialed {
            call_id: "c-20250301-000130".into(),
        },
        ReplyBody::CallerInfo(screen_pop_blocked()),
    ]
}
