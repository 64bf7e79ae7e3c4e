//! Fixed sample data: a morning on a 12345 floor. Used by the snapshot tests (so every screen
//! is checked with real-looking Chinese content) and nothing else.

use hotline_protocol::{
    AgentId, AgentInfo, AgentState, Alarm, AlarmKind, Event, NotReadyReason, QueueSnapshot, Role,
    StateCause, WaitingCaller,
};
use hotline_tui::Lang;
use jiff::tz::{TimeZone, offset};

use super::state::{Screen, State};
use super::update::update;
use super::{Action, Thresholds};
use crate::rest::{
    AgentFigures, AgentReport, CallFigures, CallReport, Extension, Response, Ticket, TicketFigures,
    TicketList, TicketReport, Workflow,
};

/// 2026-11-23 10:30:00 in Beijing.
pub const NOW_MS: u64 = 1_795_401_000_000;
const MIN: u64 = 60_000;

fn waiting(n: usize, longest_ms: u64) -> Vec<WaitingCaller> {
    (0..n)
        .map(|i| WaitingCaller {
            call_id: format!("c-w{i}").into(),
            number: format!("1380013800{i}"),
            name: None,
            location: None,
            vip: i == 0,
            waited_ms: longest_ms.saturating_sub(i as u64 * 20_000),
            priority: 0,
        })
        .collect()
}

fn queue(name: &str, n: usize, longest_ms: u64, ans: u32, abd: u32, sl: f64) -> QueueSnapshot {
    QueueSnapshot {
        queue: name.into(),
        waiting: waiting(n, longest_ms),
        longest_wait_ms: longest_ms,
        agents_ready: 2,
        agents_busy: 3,
        agents_not_ready: 1,
        answered_today: ans,
        abandoned_today: abd,
        service_level_pct: sl,
        avg_wait_ms: 12_000,
        avg_talk_ms: 185_000,
    }
}

fn seat(id: &str, state: AgentState, since_ms: u64, caller: Option<&str>) -> Event {
    Event::AgentState {
        agent_id: AgentId::from(id),
        state,
        since_ms,
        cause: StateCause::Request,
        caller: caller.map(str::to_owned),
    }
}

fn ticket(id: i64, subject: &str, due_at_ms: u64, overdue: bool, ext: Option<u32>) -> Ticket {
    Ticket {
        id,
        number: format!("12345-20261120-{id:06}"),
        kind: "complaint".into(),
        status: "accepted".into(),
        subject: subject.into(),
        region: "上城区".into(),
        due_at_ms: Some(due_at_ms),
        overdue,
        supervised: id == 1,
        instruction: if id == 1 {
            "请加快办理".into()
        } else {
            String::new()
        },
        workflow: Workflow {
            pending_extension: ext.map(|days| Extension {
                days,
                reason: "需要现场核查".into(),
            }),
        },
    }
}

/// A logged-in state with queues, seats, alarms, tickets and reports.
pub fn state(lang: Lang, role: Role) -> State {
    let tz = TimeZone::fixed(offset(8));
    let mut s = State::new(lang, tz, Thresholds::default());
    s.login.server = "ws://10.0.0.5:8080/ws".into();
    s.login.user = "banzhang".into();
    s.login.audio = "null".into();
    // Snapshots come in over the last hour so the sparklines have a shape.
    for (i, n) in [0usize, 1, 2, 4, 3, 5, 7, 6].iter().enumerate() {
        s.now_ms = NOW_MS - 56 * MIN + i as u64 * 8 * MIN;
        update(
            &mut s,
            Action::Server(Event::QueueSnapshot(queue(
                "12345综合",
                *n,
                95_000,
                412,
                31,
                88.4,
            ))),
        );
        update(
            &mut s,
            Action::Server(Event::QueueSnapshot(queue(
                "12315消费",
                n / 3,
                20_000,
                158,
                4,
                97.5,
            ))),
        );
    }
    update(
        &mut s,
        Action::Server(Event::QueueSnapshot(queue("English", 0, 0, 12, 0, 100.0))),
    );
    s.now_ms = NOW_MS;
    let events = [
        seat(
            "1001",
            AgentState::OnCall {
                call_id: "c-1".into(),
            },
            NOW_MS - 754_000,
            Some("13800138000"),
        ),
        seat("1002", AgentState::Ready, NOW_MS - 42_000, None),
        seat(
            "1003",
            AgentState::NotReady {
                reason: NotReadyReason::new("meal", "用餐"),
            },
            NOW_MS - 1_260_000,
            None,
        ),
        seat(
            "1004",
            AgentState::Ringing {
                call_id: "c-2".into(),
            },
            NOW_MS - 6_000,
            Some("057187001234"),
        ),
        seat(
            "1005",
            AgentState::WrapUp {
                until_ms: NOW_MS + 20_000,
            },
            NOW_MS - 10_000,
            None,
        ),
        seat(
            "1006",
            AgentState::OnCall {
                call_id: "c-3".into(),
            },
            NOW_MS - 95_000,
            Some("13912345678"),
        ),
    ];
    for e in events {
        update(&mut s, Action::Server(e));
    }
    update(
        &mut s,
        Action::Server(Event::Alarm(Alarm {
            id: 7,
            kind: AlarmKind::LongQueue,
            subject: "12315消费".into(),
            value: 9.0,
            threshold: 8.0,
            raised_at_ms: NOW_MS - 60_000,
            cleared: false,
        })),
    );
    // Agent 1006 asked for help on their call.
    update(
        &mut s,
        Action::Server(Event::Alarm(Alarm {
            id: 8,
            kind: AlarmKind::HelpRequest,
            subject: "1006".into(),
            value: 0.0,
            threshold: 0.0,
            raised_at_ms: NOW_MS - 20_000,
            cleared: false,
        })),
    );
    s.screen = Screen::Main;
    s.role = Some(role);
    s.me = Some(AgentInfo {
        id: "banzhang".into(),
        name: "王班长".into(),
        work_number: "8001".into(),
        skills: Vec::new(),
        queues: Vec::new(),
    });
    s.token = Some("t".into());
    s.conn = super::state::Conn::Online;
    s.flash_until_ms = 0;
    s.reports.from = "2026-11-17".into();
    s.reports.to = "2026-11-23".into();
    let tickets = vec![
        ticket(
            1,
            "商场拒绝退货侵害消费者权益",
            NOW_MS - 26 * 60 * MIN,
            true,
            Some(3),
        ),
        ticket(2, "小区夜间施工噪音扰民", NOW_MS - 3 * 60 * MIN, true, None),
    ];
    let soon = vec![
        ticket(
            3,
            "道路井盖缺失存在安全隐患",
            NOW_MS + 2 * 60 * MIN,
            false,
            None,
        ),
        ticket(
            4,
            "Street light out on Hefang Street",
            NOW_MS + 20 * 60 * MIN,
            false,
            Some(2),
        ),
    ];
    update(
        &mut s,
        Action::RestDone(Response::Tickets(TicketList::Overdue, tickets)),
    );
    update(
        &mut s,
        Action::RestDone(Response::Tickets(TicketList::DueSoon, soon)),
    );
    update(
        &mut s,
        Action::RestDone(Response::Digest(Some(
            "每日要情 2026-11-23\n受理 128 件，其中投诉 64 件。\n重点：上城区施工噪音投诉 12 件。"
                .into(),
        ))),
    );
    update(&mut s, Action::RestDone(Response::Calls(calls_report())));
    update(&mut s, Action::RestDone(Response::Agents(agents_report())));
    update(
        &mut s,
        Action::RestDone(Response::TicketReport(tickets_report())),
    );
    s
}

fn calls_report() -> CallReport {
    let rows: Vec<CallFigures> = (17..=23)
        .map(|d: u64| CallFigures {
            bucket: format!("2026-11-{d}"),
            inbound: 400 + d * 7,
            offered: 380 + d * 6,
            answered: 350 + d * 5 + (d % 3) * 20,
            abandoned: 10 + d % 4,
            service_level_pct: 90.0 + (d % 5) as f64,
            avg_wait_ms: 11_000 + d * 100,
            avg_talk_ms: 180_000 + d * 1000,
        })
        .collect();
    let total = CallFigures {
        bucket: "total".into(),
        inbound: rows.iter().map(|r| r.inbound).sum(),
        offered: rows.iter().map(|r| r.offered).sum(),
        answered: rows.iter().map(|r| r.answered).sum(),
        abandoned: rows.iter().map(|r| r.abandoned).sum(),
        service_level_pct: 92.3,
        avg_wait_ms: 13_000,
        avg_talk_ms: 200_000,
    };
    CallReport { rows, total }
}

fn agents_report() -> AgentReport {
    let people = [
        ("1001", "张敏", 58, Some(96.5)),
        ("1002", "李雷", 51, Some(90.0)),
        ("1006", "Wang Fang", 44, None),
    ];
    AgentReport {
        rows: people
            .iter()
            .map(|(id, name, calls, sat)| AgentFigures {
                agent: (*id).into(),
                name: (*name).into(),
                calls_answered: *calls,
                talk_ms: calls * 190_000,
                avg_talk_ms: 190_000,
                satisfaction_pct: *sat,
            })
            .collect(),
        notes: vec!["not-ready time is not reported".into()],
    }
}

fn tickets_report() -> TicketReport {
    let g =
        |key: &str, label: &str, count: u64, previous: u64, change: Option<f64>| TicketFigures {
            key: key.into(),
            label: label.into(),
            count,
            overdue: count / 10,
            previous,
            change_pct: change,
        };
    TicketReport {
        rows: vec![
            g("complaint", "complaint", 64, 50, Some(28.0)),
            g("consultation", "consultation", 40, 44, Some(-9.1)),
            g("report", "report", 12, 0, None),
        ],
        total: g("", "total", 116, 94, Some(23.4)),
    }
}
