//! The trunk that carries outbound calls, as the dialler needs it: where to send the INVITE,
//! the credentials for a digest challenge, the caller id and the dial plan.

use std::net::SocketAddr;
use std::time::Duration;

use super::DialPlan;
use crate::config::Config;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboundTrunk {
    pub name: String,
    /// `host:port` of the carrier's proxy or gateway.
    pub target: String,
    pub username: Option<String>,
    pub password: Option<String>,
    /// Domain of our From and of the callee's To.
    pub domain: String,
    /// Presented to the callee unless the order names another.
    pub caller_id: Option<String>,
    pub plan: DialPlan,
    pub ring_timeout: Duration,
}

impl OutboundTrunk {
    /// `[server] outbound_trunk`, else the first trunk with an outbound destination.
    pub fn from_config(config: &Config) -> Option<OutboundTrunk> {
        let chosen = &config.server.outbound_trunk;
        let trunk = config
            .trunks
            .iter()
            .filter(|t| chosen.is_empty() || &t.name == chosen)
            .find(|t| t.outbound_target().is_some())?;
        let target = trunk.outbound_target()?;
        let host = super::split_host_port(&target).map_or_else(String::new, |(h, _)| h.to_owned());
        Some(OutboundTrunk {
            name: trunk.name.clone(),
            domain: trunk.domain.clone().unwrap_or(host),
            target,
            username: trunk.username.clone(),
            password: trunk.password.clone(),
            caller_id: trunk.caller_id.clone(),
            plan: DialPlan {
                prefix: trunk.dial_prefix.clone(),
                min_digits: trunk.dial_min_digits,
                max_digits: trunk.dial_max_digits,
            },
            ring_timeout: Duration::from_secs(trunk.ring_timeout_secs),
        })
    }

    /// The address of `target` (a DNS look-up for a host name).
    pub async fn resolve(&self) -> Option<SocketAddr> {
        let (host, port) = super::split_host_port(&self.target)?;
        tokio::net::lookup_host((host, port)).await.ok()?.next()
    }
}
