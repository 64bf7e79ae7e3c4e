//! Fixed sample data: a logged-in agent, queues and a caller with history. Used by the unit
//! tests and the snapshot tests, so screens can be checked without a server or a clock.

use hotline_protocol::{
    AgentId, AgentInfo, AgentState, Block, CallId, CallState, CallSummary, CallerCategory,
    CallerSummary, Direction, Event, Location, NotReadyReason, QueueSnapshot, RepeatInfo,
    ScreenPop, TicketSummary, WaitingCaller,
};
use hotline_tui::Lang;

use crate::app::action::{Action, Panel};
use crate::app::form::DeptEntry;
use crate::app::state::{Conn, Screen, State};
use crate::app::update::update;
use crate::rest::{
    CallerRow, ConsultationRow, KnowledgeItem, RestReply, Suggestion, TicketRow, VoicemailPart,
    VoicemailRow,
};

/// 2026-11-23 09:30:00 in Beijing, as local and server time.
pub const NOW_MS: u64 = 1_795_483_800_000;

pub fn agent() -> AgentInfo {
    AgentInfo {
        id: AgentId::new("a-1001"),
        name: "王芳".into(),
        work_number: "1001".into(),
        skills: vec![],
        queues: vec!["12345".into(), "投诉".into()],
    }
}

pub fn screen_pop() -> ScreenPop {
    let mut pop = ScreenPop {
        caller: CallerSummary {
            number: "13800138000".into(),
            name: Some("张三".into()),
            category: CallerCategory::Vip,
            location: Some(Location {
                province: "浙江".into(),
                city: "杭州".into(),
            }),
            blacklisted: None,
            tags: vec!["人大代表".into(), "老年人".into()],
        },
        previous_calls: vec![
            CallSummary {
                call_id: CallId::new("c-0901"),
                at_ms: NOW_MS - 86_400_000,
                agent: Some("李明 1002".into()),
                duration_ms: 185_000,
                ticket_no: Some("12345-20261122-000017".into()),
            },
            CallSummary {
                call_id: CallId::new("c-0712"),
                at_ms: NOW_MS - 5 * 86_400_000,
                agent: Some("王芳 1001".into()),
                duration_ms: 62_000,
                ticket_no: None,
            },
        ],
        tickets: vec![
            TicketSummary {
                id: "t-9".into(),
                number: "12345-20261101-000003".into(),
                status: "closed".into(),
                open: false,
                subject: "噪音扰民夜间施工".into(),
                opened_at_ms: NOW_MS - 22 * 86_400_000,
                department: Some("上城区城管局".into()),
            },
            TicketSummary {
                id: "t-17".into(),
                number: "12345-20261122-000017".into(),
                status: "dispatched".into(),
                open: true,
                subject: "小区路灯损坏，晚上出行不便".into(),
                opened_at_ms: NOW_MS - 86_400_000,
                department: Some("市政设施管理中心".into()),
            },
        ],
        first_contact_agent: Some("李明 1002".into()),
        repeat_caller: Some(RepeatInfo {
            calls_last_days: 3,
            days: 7,
        }),
    };
    pop.sort_tickets();
    pop
}

fn queues() -> Vec<QueueSnapshot> {
    let waiting = |id: &str, num: &str, name: Option<&str>, vip: bool, secs: u64| WaitingCaller {
        call_id: CallId::new(id),
        number: num.into(),
        name: name.map(Into::into),
        location: Some(Location {
            province: "浙江".into(),
            city: "宁波".into(),
        }),
        vip,
        waited_ms: secs * 1000,
        priority: u8::from(vip),
    };
    vec![
        QueueSnapshot {
            queue: "12345".into(),
            waiting: vec![
                waiting("c-11", "13912345678", Some("欧阳娜娜"), false, 95),
                waiting("c-12", "057188886666", None, true, 40),
            ],
            longest_wait_ms: 95_000,
            agents_ready: 2,
            agents_busy: 5,
            agents_not_ready: 1,
            answered_today: 312,
            abandoned_today: 9,
            service_level_pct: 87.5,
            avg_wait_ms: 21_000,
            avg_talk_ms: 184_000,
        },
        QueueSnapshot {
            queue: "投诉".into(),
            waiting: vec![waiting("c-13", "13600001111", Some("Li Lei"), false, 12)],
            longest_wait_ms: 12_000,
            agents_ready: 0,
            agents_busy: 3,
            agents_not_ready: 0,
            answered_today: 58,
            abandoned_today: 2,
            service_level_pct: 79.0,
            avg_wait_ms: 30_000,
            avg_talk_ms: 240_000,
        },
    ]
}

/// Logged in and ready, with queues.
pub fn ready(lang: Lang) -> State {
    let mut s = State::new(lang);
    s.now_ms = NOW_MS;
    s.screen = Screen::Main;
    s.conn = Conn::Online;
    s.agent = Some(agent());
    s.token = Some("tok".into());
    s.agent_state = AgentState::Ready;
    s.state_since_ms = NOW_MS - 75_000;
    s.queues = queues();
    for q in &s.queues {
        s.queue_at_ms.insert(q.queue.clone(), NOW_MS);
    }
    s.departments = vec![
        DeptEntry {
            id: 1,
            name: "市政府办公厅".into(),
            depth: 0,
        },
        DeptEntry {
            id: 3,
            name: "市场监督管理局".into(),
            depth: 1,
        },
        DeptEntry {
            id: 4,
            name: "上城区市场监管分局".into(),
            depth: 2,
        },
        DeptEntry {
            id: 5,
            name: "市政设施管理中心".into(),
            depth: 1,
        },
    ];
    s
}

/// A call is ringing.
pub fn ringing(lang: Lang) -> State {
    let mut s = ready(lang);
    let call_id = CallId::new("c-20261123-0042");
    update(
        &mut s,
        Action::Server(Event::AgentState {
            agent_id: agent().id,
            state: AgentState::Ringing {
                call_id: call_id.clone(),
            },
            since_ms: NOW_MS - 4_000,
            cause: hotline_protocol::StateCause::Offered,
            caller: None,
        }),
    );
    update(
        &mut s,
        Action::Server(Event::CallOffered {
            call_id,
            queue: "12345".into(),
            waited_ms: 38_000,
            ring_timeout_ms: 20_000,
            screen_pop: screen_pop(),
            transfer: None,
            callback: None,
        }),
    );
    s.status = None;
    s
}

/// Talking to the caller for 2:05.
pub fn on_call(lang: Lang) -> State {
    let mut s = ringing(lang);
    let call_id = CallId::new("c-20261123-0042");
    update(
        &mut s,
        Action::Server(Event::AgentState {
            agent_id: agent().id,
            state: AgentState::OnCall {
                call_id: call_id.clone(),
            },
            since_ms: NOW_MS - 125_000,
            cause: hotline_protocol::StateCause::Answered,
            caller: None,
        }),
    );
    update(
        &mut s,
        Action::Server(Event::CallState {
            call_id,
            state: CallState::Connected,
            direction: Direction::Inbound,
            connected_at_ms: Some(NOW_MS - 125_000),
            parties: vec![],
            monitor: None,
        }),
    );
    s.status = None;
    s
}

/// In wrap-up with 25 s left.
pub fn wrap_up(lang: Lang) -> State {
    let mut s = on_call(lang);
    s.call = None;
    s.agent_state = AgentState::WrapUp {
        until_ms: NOW_MS + 25_000,
    };
    s.state_since_ms = NOW_MS - 5_000;
    s
}

/// Not ready for a meeting.
pub fn not_ready(lang: Lang) -> State {
    let mut s = ready(lang);
    s.agent_state = AgentState::NotReady {
        reason: NotReadyReason::new("meeting", "会议"),
    };
    s
}

/// A blacklisted caller ringing.
pub fn blacklisted(lang: Lang) -> State {
    let mut s = ringing(lang);
    if let Some(p) = &mut s.pop {
        p.caller.category = CallerCategory::Resident;
        p.caller.blacklisted = Some(Block {
            reason: "恶意骚扰".into(),
            until_ms: None,
        });
    }
    s
}

/// The ticket form half filled in during the call.
pub fn form(lang: Lang) -> State {
    let mut s = on_call(lang);
    s.panel = Panel::TicketForm;
    s.form.category = Some("urban_construction.municipal_facilities".into());
    s.form.subject = "小区路灯又坏了".into();
    s.form.description =
        "来电人反映：西湖区文三路88号小区路灯已坏一周，\n夜间出行不便，要求尽快维修。".into();
    s.form.address = "西湖区文三路88号".into();
    s.form.region = "西湖区".into();
    s.form.focus = crate::app::form::Field::Description;
    s.form.departments = vec![5];
    s.form.related = vec!["12345-20261122-000017".into()];
    s
}

pub fn knowledge_items() -> Vec<KnowledgeItem> {
    vec![
        KnowledgeItem {
            id: 1,
            kind: "regulation".into(),
            title: "消费者权益保护法 第二十四条".into(),
            body:
                "经营者提供的商品或者服务不符合质量要求的，消费者可以依照国家规定、当事人约定退货。"
                    .into(),
            reference_answer: "商品不符合质量要求的，可自收到商品之日起七日内退货。".into(),
        },
        KnowledgeItem {
            id: 2,
            kind: "faq".into(),
            title: "Street light repair: who is responsible?".into(),
            body: "Municipal facilities centre handles street lights on public roads.".into(),
            reference_answer: "We will pass this to the municipal facilities centre.".into(),
        },
    ]
}

pub fn ticket_rows() -> Vec<TicketRow> {
    vec![
        TicketRow {
            id: 17,
            number: "12345-20261122-000017".into(),
            kind: "complaint".into(),
            status: "dispatched".into(),
            subject: "小区路灯损坏，晚上出行不便".into(),
            description: "文三路88号小区路灯损坏。".into(),
            caller_number: Some("13800138000".into()),
            created_at_ms: NOW_MS - 86_400_000,
        },
        TicketRow {
            id: 3,
            number: "12345-20261101-000003".into(),
            kind: "report".into(),
            status: "closed".into(),
            subject: "Noise from night construction".into(),
            description: String::new(),
            caller_number: None,
            created_at_ms: NOW_MS - 22 * 86_400_000,
        },
    ]
}

pub fn caller_rows() -> Vec<CallerRow> {
    vec![
        CallerRow {
            id: 1,
            name: "张三".into(),
            numbers: vec!["13800138000".into(), "057188886666".into()],
            id_number: "330102199001011234".into(),
            address: "杭州市上城区湖滨街道".into(),
            company: String::new(),
            category: "vip".into(),
        },
        CallerRow {
            id: 2,
            name: "欧阳娜娜".into(),
            numbers: vec!["13912345678".into()],
            id_number: String::new(),
            address: "宁波市海曙区".into(),
            company: "宁波港集团".into(),
            category: "resident".into(),
        },
    ]
}

/// Messages in the inbox: a new director's-mailbox message filed as a ticket, a guided
/// complaint in two parts already heard, and an old voicemail with no ticket, handled.
pub fn voicemail_rows() -> Vec<VoicemailRow> {
    let part = |index: usize, label: &str, duration_ms: u64| VoicemailPart {
        index,
        label: label.into(),
        duration_ms,
    };
    vec![
        VoicemailRow {
            id: 9,
            kind: "director_mail".into(),
            caller: "13912345678".into(),
            callback: "13912345678".into(),
            reply_wanted: true,
            ticket_id: Some(12),
            ticket_number: Some("12365-20261123-000001".into()),
            parts: vec![part(0, "message", 42_000)],
            duration_ms: 42_000,
            status: "new".into(),
            at_ms: NOW_MS - 20 * 60_000,
            handled_by: String::new(),
        },
        VoicemailRow {
            id: 8,
            kind: "complaint".into(),
            caller: "13800000002".into(),
            callback: "057188880000".into(),
            reply_wanted: false,
            ticket_id: Some(11),
            ticket_number: Some("12345-20261123-000007".into()),
            parts: vec![
                part(0, "who", 6_000),
                part(1, "what", 31_000),
                part(2, "where", 9_000),
            ],
            duration_ms: 46_000,
            status: "heard".into(),
            at_ms: NOW_MS - 3 * 3_600_000,
            handled_by: String::new(),
        },
        VoicemailRow {
            id: 5,
            kind: "voicemail".into(),
            caller: "13700000003".into(),
            callback: "13700000003".into(),
            reply_wanted: true,
            ticket_id: None,
            ticket_number: None,
            parts: vec![part(0, "message", 15_000)],
            duration_ms: 15_000,
            status: "answered".into(),
            at_ms: NOW_MS - 2 * 86_400_000,
            handled_by: "王芳".into(),
        },
    ]
}

/// The inbox open on all messages, the second highlighted, two unheard.
pub fn inbox(lang: Lang) -> State {
    let mut s = ready(lang);
    update(&mut s, Action::Show(Panel::Inbox));
    s.inbox.filter = 2;
    update(
        &mut s,
        Action::RestDone(RestReply::Voicemails {
            items: voicemail_rows(),
            total: 3,
        }),
    );
    update(&mut s, Action::RestDone(RestReply::UnheardCount(2)));
    update(&mut s, Action::Down);
    s.status = None;
    s
}

/// Pending consultations: two waiting, one with a question longer than its column.
pub fn consultation_rows() -> Vec<ConsultationRow> {
    let row = |id: i64, question: &str, callback: &str, status: &str, age_h: u64| ConsultationRow {
        id,
        number: format!("12345-20261124-{id:06}"),
        question: question.into(),
        callback: callback.into(),
        status: status.into(),
        created_at_ms: NOW_MS - age_h * 3_600_000,
        answer: None,
        knowledge_id: None,
        attempts: 0,
        last_result: None,
    };
    vec![
        row(
            41,
            "外地人居住证办理要带什么材料？需要社保证明吗，在哪个窗口办理，多久能拿到证件",
            "13900001111",
            "waiting",
            26,
        ),
        row(42, "公积金提取需要什么条件", "13800000002", "waiting", 3),
    ]
}

/// The consultations panel on the waiting tab, the first entry highlighted, one answered
/// consultation waiting for its callback.
pub fn consultations(lang: Lang) -> State {
    let mut s = ready(lang);
    update(&mut s, Action::Show(Panel::Consultations));
    update(
        &mut s,
        Action::RestDone(RestReply::Consultations {
            status: "waiting",
            items: consultation_rows(),
        }),
    );
    update(&mut s, Action::RestDone(RestReply::ConsultationCount(1)));
    s.status = None;
    s
}

/// The suggestions pane of the first waiting consultation, the best item previewed.
pub fn consultation_suggestions(lang: Lang) -> State {
    let mut s = consultations(lang);
    update(&mut s, Action::Enter);
    let row = consultation_rows().remove(0);
    update(
        &mut s,
        Action::RestDone(RestReply::Consultation {
            row,
            suggestions: vec![
                Suggestion {
                    id: 7,
                    title: "居住证办理指南".into(),
                    score: 0.67,
                },
                Suggestion {
                    id: 9,
                    title: "Residence permit FAQ 居住证常见问题".into(),
                    score: 0.33,
                },
            ],
        }),
    );
    update(
        &mut s,
        Action::RestDone(RestReply::KnowledgeItem(KnowledgeItem {
            id: 7,
            kind: "guide".into(),
            title: "居住证办理指南".into(),
            body: "居住证由居住地公安派出所受理。".into(),
            reference_answer: "携带身份证、一寸照片和居住证明（租房合同或房产证），到居住地派出所办理，15个工作日内领证。".into(),
        })),
    );
    s.status = None;
    s
}
