//! `[server]`: listening addresses, directories, time zone and the call limit.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;

use serde::Deserialize;

use super::de;

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerConfig {
    /// SIP on UDP and TCP, same address.
    #[serde(deserialize_with = "de::socket_addr")]
    pub sip_listen: SocketAddr,
    /// REST, WebSocket and metrics.
    #[serde(deserialize_with = "de::socket_addr")]
    pub api_listen: SocketAddr,
    /// `hotline.db` and `recordings/` live here.
    pub data_dir: PathBuf,
    /// `""` = resolved by the server relative to its workspace.
    pub assets_dir: String,
    /// Address written in SDP; `""` = the IP of `sip_listen`. Checked by `validate`.
    pub media_ip: String,
    /// IANA name, checked by `validate`.
    pub time_zone: String,
    /// Concurrent calls; above it INVITE gets 503 + Retry-After.
    pub max_calls: usize,
    pub retry_after_secs: u32,
    pub user_agent: String,
    /// PEM certificate chain for HTTPS/WSS on `api_listen`; `""` = plain HTTP.
    #[serde(default)]
    pub tls_cert: String,
    /// PEM private key for `tls_cert`.
    #[serde(default)]
    pub tls_key: String,
    /// The `[[trunk]]` that carries outbound calls; `""` = the first one with an outbound
    /// destination (`outbound`, or a register trunk's registrar).
    #[serde(default)]
    pub outbound_trunk: String,
}

impl ServerConfig {
    /// The address to put in SDP: `media_ip`, else the SIP listening IP.
    pub fn sdp_ip(&self) -> IpAddr {
        self.media_ip
            .parse()
            .unwrap_or_else(|_| self.sip_listen.ip())
    }

    /// The configured time zone. Falls back to UTC only if `validate` was skipped.
    pub fn tz(&self) -> jiff::tz::TimeZone {
        jiff::tz::TimeZone::get(&self.time_zone).unwrap_or(jiff::tz::TimeZone::UTC)
    }
}
