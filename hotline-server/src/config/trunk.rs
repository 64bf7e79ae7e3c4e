//! `[[trunk]]`: a SIP peer that may send us calls, by IP allow-list or by registration.

use std::net::IpAddr;

use serde::Deserialize;

use super::cidr::Cidr;

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrunkConfig {
    pub name: String,
    pub kind: TrunkKind,
    /// Sources allowed to send calls (kind = peer).
    #[serde(default)]
    pub addresses: Vec<Cidr>,
    /// `sip:host[:port]` (kind = register).
    #[serde(default)]
    pub registrar: Option<String>,
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default)]
    pub password: Option<String>,
    /// Digest realm / From domain; defaults to the registrar host.
    #[serde(default)]
    pub domain: Option<String>,
    #[serde(default = "default_expires_secs")]
    pub expires_secs: u32,
    /// User part of our Contact; defaults to `username`.
    #[serde(default)]
    pub contact_user: Option<String>,
    /// "udp" | "tcp".
    #[serde(default = "default_transport")]
    pub transport: String,
    /// Where outbound calls go, `host:port` (port 5060 when left out); a register trunk sends
    /// them to its registrar unless this says otherwise. Like registration, they go over UDP.
    #[serde(default)]
    pub outbound: Option<String>,
    /// The number presented to the callee when the agent does not choose one.
    #[serde(default)]
    pub caller_id: Option<String>,
    /// Put before every dialled number that does not start with `+` (an outside-line digit).
    #[serde(default)]
    pub dial_prefix: String,
    /// Dial plan: digits a number must have (after the prefix).
    #[serde(default = "default_dial_min_digits")]
    pub dial_min_digits: usize,
    #[serde(default = "default_dial_max_digits")]
    pub dial_max_digits: usize,
    /// An outbound call rings this long before it is cancelled as unanswered.
    #[serde(default = "default_ring_timeout_secs")]
    pub ring_timeout_secs: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TrunkKind {
    /// Calls accepted from an IP allow-list.
    Peer,
    /// We register to the carrier's registrar.
    Register,
}

/// Transports a trunk may use.
pub const TRANSPORTS: [&str; 2] = ["udp", "tcp"];

fn default_expires_secs() -> u32 {
    300
}

fn default_transport() -> String {
    "udp".to_owned()
}

fn default_dial_min_digits() -> usize {
    3
}

fn default_dial_max_digits() -> usize {
    20
}

fn default_ring_timeout_secs() -> u64 {
    40
}

impl TrunkConfig {
    /// Whether `ip` is on this trunk's allow-list.
    pub fn allows(&self, ip: IpAddr) -> bool {
        self.addresses.iter().any(|net| net.contains(ip))
    }

    /// The host of `registrar` (`sip:gw.example.cn:5060` → `gw.example.cn`).
    pub fn registrar_host(&self) -> Option<&str> {
        let uri = self.registrar.as_deref()?;
        let rest = uri
            .strip_prefix("sips:")
            .or_else(|| uri.strip_prefix("sip:"))?;
        // Drop URI parameters, then the port; an IPv6 host is bracketed.
        let hostport = rest.split(';').next().unwrap_or(rest);
        let host = if let Some(v6) = hostport.strip_prefix('[') {
            v6.split(']').next().unwrap_or(v6)
        } else {
            hostport.split(':').next().unwrap_or(hostport)
        };
        (!host.is_empty()).then_some(host)
    }

    /// `domain`, else the registrar host.
    pub fn effective_domain(&self) -> Option<&str> {
        self.domain.as_deref().or_else(|| self.registrar_host())
    }

    /// `contact_user`, else `username`.
    pub fn effective_contact_user(&self) -> Option<&str> {
        self.contact_user.as_deref().or(self.username.as_deref())
    }

    /// Where this trunk's outbound calls go (`host:port`): `outbound`, else a register
    /// trunk's registrar. `None`: the trunk carries no outbound calls.
    pub fn outbound_target(&self) -> Option<String> {
        if let Some(target) = &self.outbound {
            return Some(target.clone());
        }
        if self.kind != TrunkKind::Register {
            return None;
        }
        let uri = self.registrar.as_deref()?;
        let rest = uri
            .strip_prefix("sips:")
            .or_else(|| uri.strip_prefix("sip:"))?;
        let hostport = rest.split(';').next().unwrap_or(rest);
        (!hostport.is_empty()).then(|| hostport.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn register(registrar: &str) -> TrunkConfig {
        TrunkConfig {
            name: "carrier".into(),
            kind: TrunkKind::Register,
            addresses: Vec::new(),
            registrar: Some(registrar.into()),
            username: Some("0571888".into()),
            password: Some("secret".into()),
            domain: None,
            expires_secs: 300,
            contact_user: None,
            transport: "udp".into(),
            outbound: None,
            caller_id: None,
            dial_prefix: String::new(),
            dial_min_digits: 3,
            dial_max_digits: 20,
            ring_timeout_secs: 40,
        }
    }

    #[test]
    fn registration_defaults() {
        let trunk = register("sip:gw.example.cn:5060;transport=udp");
        assert_eq!(trunk.registrar_host(), Some("gw.example.cn"));
        assert_eq!(trunk.effective_domain(), Some("gw.example.cn"));
        assert_eq!(trunk.effective_contact_user(), Some("0571888"));
        assert_eq!(
            register("sip:[2001:db8::1]:5060").registrar_host(),
            Some("2001:db8::1")
        );
        assert_eq!(register("gw.example.cn").registrar_host(), None);
    }

    #[test]
    fn outbound_goes_to_the_registrar_unless_told_otherwise() {
        let mut trunk = register("sip:gw.example.cn:5060;transport=udp");
        assert_eq!(
            trunk.outbound_target().as_deref(),
            Some("gw.example.cn:5060")
        );
        trunk.outbound = Some("10.1.1.1:5080".into());
        assert_eq!(trunk.outbound_target().as_deref(), Some("10.1.1.1:5080"));
        trunk.kind = TrunkKind::Peer;
        trunk.outbound = None;
        assert_eq!(trunk.outbound_target(), None);
    }
}
