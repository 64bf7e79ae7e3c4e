//! A workstation whose audio leg failed while its WebSocket lives on (a firewall that drops
//! UDP, a headset process that died): no call may be offered to a seat nobody can hear, so the
//! agent turns not ready (`no_audio`) and is told why.

use std::time::Instant;

use hotline_protocol::{self as proto, Event};
use tracing::warn;

use super::State;
use crate::acd::AgentId;

impl State {
    pub(super) fn audio_lost(&mut self, agent: &str, reason: &str, now: Instant) {
        let Some(a) = self.agents.get(agent) else {
            return;
        };
        warn!(%agent, %reason, "workstation audio lost");
        let _ = a.events.try_send(Event::Notice {
            text: format!(
                "音频连接中断（{reason}），已置为示忙；请重新连接耳机后置闲 / \
                 audio lost ({reason}): you are set not ready; reconnect your headset, then \
                 set ready"
            ),
            level: proto::NoticeLevel::Warning,
        });
        match self.acd.audio_lost(&AgentId(agent.to_owned()), now) {
            Ok(effects) => self.apply(effects),
            Err(e) => warn!(%agent, error = %e, "audio loss not applied"),
        }
    }
}
