//! What the server's pushed events change: seats, queues and their trend, the supervisor's own
//! monitoring and internal calls, alarms and notices.

use hotline_protocol::{AgentState, CallState, Direction, Event, NoticeLevel};
use hotline_tui::t;

use super::{error, info, refresh_alarms};
use crate::app::state::{QueueView, Seat, State, Status};
use crate::app::trend;

pub(super) fn server_event(s: &mut State, ev: Event) {
    match ev {
        Event::AgentState {
            agent_id,
            state,
            since_ms,
            caller,
            ..
        } => {
            if s.me.as_ref().is_some_and(|m| m.id == agent_id) {
                return;
            }
            if state == AgentState::LoggedOut {
                s.seats.remove(&agent_id);
            } else {
                s.seats.insert(
                    agent_id.clone(),
                    Seat {
                        agent: agent_id,
                        state,
                        since_ms,
                        caller,
                    },
                );
            }
            s.selected_seat = s.selected_seat.min(s.seats.len().saturating_sub(1));
        }
        Event::QueueSnapshot(snap) => {
            let waiting = snap.waiting.len() as u32;
            let now = s.now_ms;
            let q = s
                .queues
                .entry(snap.queue.clone())
                .or_insert_with(|| QueueView {
                    snap: snap.clone(),
                    history: Vec::new(),
                });
            q.snap = snap;
            trend::push(&mut q.history, now, waiting);
        }
        Event::CallState {
            call_id,
            state,
            direction: Direction::Internal,
            ..
        } => {
            if let Some(ic) = s.intercom.as_mut() {
                if state.is_ended() {
                    s.intercom = None;
                    let text = t(s.lang, "sup.status.intercom_ended").to_owned();
                    info(s, text);
                } else {
                    ic.call = Some(call_id);
                    ic.connected = state == CallState::Connected;
                }
            }
        }
        Event::CallState {
            call_id,
            state,
            monitor,
            ..
        } => {
            if let Some(m) = s.monitor.as_mut() {
                if state.is_ended() {
                    s.monitor = None;
                    let text = t(s.lang, "sup.status.monitor_ended").to_owned();
                    info(s, text);
                } else {
                    m.call = Some(call_id);
                    if let Some(mode) = monitor {
                        m.mode = mode;
                    }
                }
            }
        }
        Event::Alarm(a) => {
            if a.cleared {
                s.server_alarms.remove(&a.id);
            } else {
                s.server_alarms.insert(a.id, a);
            }
        }
        Event::Notice { text, level } => {
            s.status = Some(Status {
                text,
                error: level != NoticeLevel::Info,
            });
        }
        Event::Error(e) => error(s, e.message),
        Event::CallOffered { .. }
        | Event::Voicemail(_)
        | Event::WebRtc(_)
        | Event::IvrResult { .. } => {}
    }
    refresh_alarms(s);
}
