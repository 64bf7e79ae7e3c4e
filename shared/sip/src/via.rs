//! One Via entry (RFC 3261 §20.42, §18.2.1 received/rport per RFC 3581).

use std::fmt;

use crate::error::{ParseError, ParseErrorKind};
use crate::text::{Params, find_param, is_token, parse_params, write_params};
use crate::uri::split_hostport;

/// `SIP/2.0/<transport> host[:port] *(;param)`. `host` keeps IPv6 brackets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Via {
    pub transport: String,
    pub host: String,
    pub port: Option<u16>,
    pub params: Params,
}

fn bad(why: &str) -> ParseError {
    ParseError::new(ParseErrorKind::Value, format!("Bad Via: {why}"))
}

impl Via {
    /// Parses one via-parm (split a multi-valued header with [`crate::split_list`] first).
    /// LWS is allowed around the slashes and the colon (RFC 4475 wsinv).
    pub fn parse(value: &str) -> Result<Via, ParseError> {
        let (head, params) = match value.split_once(';') {
            Some((h, p)) => (h, Some(p)),
            None => (value, None),
        };
        let mut parts = head.splitn(3, '/');
        let (Some(name), Some(version), Some(rest)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(bad("no sent-protocol"));
        };
        let version = version.trim();
        if !name.trim().eq_ignore_ascii_case("SIP")
            || version.is_empty()
            || !version.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        {
            return Err(bad("protocol is not SIP/x.y"));
        }
        let rest = rest.trim_start();
        let split = rest
            .find(char::is_whitespace)
            .ok_or_else(|| bad("no sent-by"))?;
        let (transport, sent_by) = (&rest[..split], rest[split..].trim());
        if !is_token(transport) {
            return Err(bad("transport is not a token"));
        }
        let words: Vec<&str> = sent_by.split_whitespace().collect();
        // Only "host : port" may contain LWS; anything else is two values run together.
        if words.len() > 1 && !sent_by.contains(':') {
            return Err(bad("space inside sent-by"));
        }
        let (host, port) = split_hostport(&words.concat())?;
        let params = params.map(parse_params).transpose()?.unwrap_or_default();
        Ok(Via {
            transport: transport.to_ascii_uppercase(),
            host,
            port,
            params,
        })
    }

    pub fn branch(&self) -> Option<&str> {
        self.param("branch").flatten()
    }

    pub fn received(&self) -> Option<&str> {
        self.param("received").flatten()
    }

    /// `None`: no rport; `Some(None)`: a bare `;rport` request; `Some(Some(p))`: filled in.
    #[allow(clippy::option_option)]
    pub fn rport(&self) -> Option<Option<u16>> {
        self.param("rport").map(|v| v.and_then(|p| p.parse().ok()))
    }

    // Outer None: absent; inner None: a flag parameter such as `;lr` (part of the public API).
    #[allow(clippy::option_option)]
    pub fn param(&self, name: &str) -> Option<Option<&str>> {
        find_param(&self.params, name)
    }

    /// `host[:port]` as sent (the sent-by used for transaction matching).
    pub fn sent_by(&self) -> String {
        match self.port {
            Some(p) => format!("{}:{p}", self.host),
            None => self.host.clone(),
        }
    }

    /// Sets or replaces a parameter (e.g. `received`, `rport` on the server side).
    pub fn set_param(&mut self, name: &str, value: Option<String>) {
        match self
            .params
            .iter_mut()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
        {
            Some(p) => p.1 = value,
            None => self.params.push((name.to_owned(), value)),
        }
    }
}

impl fmt::Display for Via {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SIP/2.0/{} {}", self.transport, self.sent_by())?;
        write_params(f, &self.params)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::split_list;

    #[test]
    fn ipv6_and_rport() {
        let v = Via::parse(
            "SIP/2.0/UDP [2001:db8::9:1]:5070;branch=z9hG4bKas;rport;received=2001:db8::9:255",
        )
        .expect("via");
        assert_eq!(v.transport, "UDP");
        assert_eq!(v.host, "[2001:db8::9:1]");
        assert_eq!(v.port, Some(5070));
        assert_eq!(v.branch(), Some("z9hG4bKas"));
        assert_eq!(v.rport(), Some(None));
        assert_eq!(v.received(), Some("2001:db8::9:255"));
        let w = Via::parse("SIP/2.0/UDP [::1];rport=5060").expect("via");
        assert_eq!(w.rport(), Some(Some(5060)));
        assert_eq!(w.port, None);
        assert_eq!(Via::parse("SIP/2.0/TCP h").expect("via").rport(), None);
    }

    #[test]
    fn lws_everywhere_and_multiple_in_one_header() {
        let value = "SIP  / 2.0  / TCP     spindle.example.com   ; branch  =   z9hG4bK9ikj8  , \
                     SIP  /    2.0   / UDP  192.168.255.111   ; branch= z9hG4bK30239";
        let vias: Vec<Via> = split_list(value)
            .map(|v| Via::parse(v).expect("via"))
            .collect();
        assert_eq!(vias.len(), 2);
        assert_eq!(vias[0].host, "spindle.example.com");
        assert_eq!(vias[0].branch(), Some("z9hG4bK9ikj8"));
        assert_eq!(vias[1].transport, "UDP");
        assert_eq!(vias[1].branch(), Some("z9hG4bK30239"));
        assert_eq!(
            Via::parse("SIP/2.0/UDP h : 5060").expect("via").port,
            Some(5060)
        );
    }

    #[test]
    fn display_and_set_param() {
        let mut v = Via::parse("SIP/2.0/udp 10.0.0.1:5060;branch=z9hG4bK1;rport").expect("via");
        v.set_param("rport", Some("4000".into()));
        v.set_param("received", Some("192.0.2.1".into()));
        assert_eq!(
            v.to_string(),
            "SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK1;rport=4000;received=192.0.2.1"
        );
    }

    #[test]
    fn rejects_garbage() {
        for s in [
            "",
            "SIP/2.0/UDP",
            "SIP/2.0/UDP 192.0.2.15;;",
            "HTTP/1.1/TCP h",
            "SIP/2.0/UDP a b",
            "SIP/2.0/UDP h:x",
        ] {
            assert!(Via::parse(s).is_err(), "{s:?}");
        }
    }
}
