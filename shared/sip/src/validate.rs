//! UAS request checks of RFC 3261 §8.2, applied after a successful parse.

use crate::build::response_to;
use crate::cseq::CSeq;
use crate::headers::split_list;
use crate::message::{Request, Response};
use crate::method::Method;
use crate::name_addr::NameAddr;
use crate::uri::{Uri, is_scheme};
use crate::via::Via;

/// What this UAS accepts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UasPolicy {
    pub allowed_methods: Vec<Method>,
    /// Option tags understood in Require (compared case-insensitively).
    pub supported_extensions: Vec<String>,
    /// Body media types accepted, e.g. `application/sdp` (compared case-insensitively).
    pub accepted_content_types: Vec<String>,
}

/// Why a request is refused: the status to send and any headers it needs (Allow, Unsupported,
/// Accept).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    pub code: u16,
    pub reason: &'static str,
    pub headers: Vec<(String, String)>,
}

impl Rejection {
    fn new(code: u16, reason: &'static str) -> Self {
        Self {
            code,
            reason,
            headers: Vec::new(),
        }
    }

    fn bad(reason: &'static str) -> Self {
        Self::new(400, reason)
    }

    /// The response to send for this rejection.
    pub fn response_to(&self, req: &Request, to_tag: &str) -> Response {
        let mut resp = response_to(req, self.code, self.reason, Some(to_tag));
        for (n, v) in &self.headers {
            resp.headers.push(n.clone(), v.clone());
        }
        resp
    }
}

/// Headers that must appear exactly once when present (RFC 4475 multi01, mcl01).
const SINGLE: [(&str, &str); 6] = [
    ("To", "Multiple To headers"),
    ("From", "Multiple From headers"),
    ("Call-ID", "Multiple Call-ID headers"),
    ("CSeq", "Multiple CSeq headers"),
    ("Max-Forwards", "Multiple Max-Forwards headers"),
    ("Content-Length", "Multiple Content-Length headers"),
];

const REQUIRED: [(&str, &str); 5] = [
    ("Via", "Missing Via header"),
    ("From", "Missing From header"),
    ("To", "Missing To header"),
    ("Call-ID", "Missing Call-ID header"),
    ("CSeq", "Missing CSeq header"),
];

fn decimal_fits(v: &str, max: u64) -> bool {
    let v = v.trim();
    !v.is_empty()
        && v.bytes().all(|b| b.is_ascii_digit())
        && v.parse::<u64>().is_ok_and(|n| n <= max)
}

/// The media type of a Content-Type or Accept entry, without parameters, lower-cased.
fn media_type(v: &str) -> String {
    v.split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

fn check_syntax(req: &Request) -> Result<CSeq, Rejection> {
    let h = &req.headers;
    for (name, why) in REQUIRED {
        if h.get(name).is_none_or(|v| v.trim().is_empty()) {
            return Err(Rejection::bad(why));
        }
    }
    for (name, why) in SINGLE {
        if h.count(name) > 1 {
            return Err(Rejection::bad(why));
        }
    }
    let cseq = h.cseq().ok_or(Rejection::bad("Malformed CSeq"))?;
    // Max-Forwards is 0..=255 by RFC 3261 §20.22's intent; 300 is RFC 4475 scalar02's overflow.
    if h.get("Max-Forwards").is_some_and(|v| !decimal_fits(v, 255)) {
        return Err(Rejection::bad("Malformed Max-Forwards"));
    }
    if h.get_all("Expires")
        .any(|v| !decimal_fits(v, u64::from(u32::MAX)))
    {
        return Err(Rejection::bad("Malformed Expires"));
    }
    if h.get("Content-Length")
        .is_some_and(|v| !decimal_fits(v, u64::MAX))
    {
        return Err(Rejection::bad("Malformed Content-Length"));
    }
    let mut vias = 0;
    for v in h.get_all("Via").flat_map(split_list) {
        Via::parse(v).map_err(|_| Rejection::bad("Malformed Via"))?;
        vias += 1;
    }
    if vias == 0
        || h.get_all("Via")
            .any(|v| v.split(',').any(|p| p.trim().is_empty()))
    {
        return Err(Rejection::bad("Malformed Via"));
    }
    h.get("From")
        .and_then(|v| NameAddr::parse(v).ok())
        .ok_or(Rejection::bad("Malformed From"))?;
    h.get("To")
        .and_then(|v| NameAddr::parse(v).ok())
        .ok_or(Rejection::bad("Malformed To"))?;
    check_request_uri(&req.uri)?;
    Ok(cseq)
}

/// A Request-URI is a bare absolute URI: no LWS, no `<>` (RFC 4475 lwsruri, lwsstart,
/// ltgtruri), and for SIP no embedded headers (RFC 3261 §19.1.1 table; RFC 4475 escruri).
fn check_request_uri(uri: &str) -> Result<(), Rejection> {
    let bad = Rejection::bad("Malformed Request-URI");
    if uri.is_empty()
        || uri
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '<' || c == '>')
    {
        return Err(bad);
    }
    let scheme = uri.split_once(':').map(|(s, _)| s).ok_or(bad.clone())?;
    if !is_scheme(scheme) {
        return Err(bad);
    }
    if scheme.eq_ignore_ascii_case("sip") || scheme.eq_ignore_ascii_case("sips") {
        let parsed = Uri::parse(uri).map_err(|_| bad.clone())?;
        if !parsed.headers.is_empty() {
            return Err(Rejection::bad("Headers not allowed in Request-URI"));
        }
    }
    Ok(())
}

/// Checks a parsed request as a UAS must before processing it (RFC 3261 §8.2.1-§8.2.3), in
/// this order: 505, 400 (missing/duplicate/unparsable headers, malformed R-URI, CSeq method
/// mismatch), 416, 405 (+Allow), 420 (+Unsupported), 415 (+Accept), 406.
///
/// Never answer an ACK with the result: ACKs get no response. Only `Require` is checked for
/// 420 — `Proxy-Require` concerns proxies, which a UAS is not (RFC 3261 §8.2.2.3, §20.29).
pub fn check_request(req: &Request, policy: &UasPolicy) -> Result<(), Rejection> {
    if !req.version.eq_ignore_ascii_case("SIP/2.0") {
        return Err(Rejection::new(505, "Version Not Supported"));
    }
    let cseq = check_syntax(req)?;
    if cseq.method != req.method {
        return Err(Rejection::bad("CSeq method does not match request method"));
    }
    let scheme = req
        .uri
        .split_once(':')
        .map(|(s, _)| s.to_ascii_lowercase())
        .unwrap_or_default();
    if !matches!(scheme.as_str(), "sip" | "sips" | "tel") {
        return Err(Rejection::new(416, "Unsupported URI Scheme"));
    }
    if !policy.allowed_methods.contains(&req.method) {
        let mut r = Rejection::new(405, "Method Not Allowed");
        let allow: Vec<&str> = policy.allowed_methods.iter().map(Method::as_str).collect();
        r.headers.push(("Allow".into(), allow.join(", ")));
        return Err(r);
    }
    if !matches!(req.method, Method::Ack | Method::Cancel) {
        let unknown: Vec<&str> = req
            .headers
            .get_all("Require")
            .flat_map(split_list)
            .filter(|t| {
                !policy
                    .supported_extensions
                    .iter()
                    .any(|s| s.eq_ignore_ascii_case(t))
            })
            .collect();
        if !unknown.is_empty() {
            let mut r = Rejection::new(420, "Bad Extension");
            r.headers.push(("Unsupported".into(), unknown.join(", ")));
            return Err(r);
        }
    }
    check_body(req, policy)?;
    check_accept(req)
}

fn unsupported_media(policy: &UasPolicy) -> Rejection {
    let mut r = Rejection::new(415, "Unsupported Media Type");
    r.headers
        .push(("Accept".into(), policy.accepted_content_types.join(", ")));
    r
}

/// 415 for a body this UAS cannot read (RFC 3261 §8.2.3). A body without Content-Type is let
/// through (robustness; RFC 2543 peers), as is an empty body whatever its type.
fn check_body(req: &Request, policy: &UasPolicy) -> Result<(), Rejection> {
    if req.body.is_empty() {
        return Ok(());
    }
    if let Some(ct) = req.headers.get("Content-Type") {
        let ty = media_type(ct);
        if !policy
            .accepted_content_types
            .iter()
            .any(|a| a.eq_ignore_ascii_case(&ty))
        {
            return Err(unsupported_media(policy));
        }
    }
    let encodings = req.headers.get_all("Content-Encoding").flat_map(split_list);
    if encodings
        .into_iter()
        .any(|e| !e.eq_ignore_ascii_case("identity"))
    {
        let mut r = unsupported_media(policy);
        r.headers
            .push(("Accept-Encoding".into(), "identity".into()));
        return Err(r);
    }
    Ok(())
}

/// 406 when an INVITE or OPTIONS says, with Accept, that it cannot take SDP (RFC 4475 sdp01).
fn check_accept(req: &Request) -> Result<(), Rejection> {
    if !matches!(req.method, Method::Invite | Method::Options) || req.headers.count("Accept") == 0 {
        return Ok(());
    }
    let mut ranges = req
        .headers
        .get_all("Accept")
        .flat_map(split_list)
        .peekable();
    // An empty Accept header means "no body wanted", which is fine for us (§20.1).
    if ranges.peek().is_none() {
        return Ok(());
    }
    if ranges.any(|r| {
        matches!(
            media_type(r).as_str(),
            "application/sdp" | "application/*" | "*/*"
        )
    }) {
        Ok(())
    } else {
        Err(Rejection::new(406, "Not Acceptable"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Message, parse_datagram};

    fn policy() -> UasPolicy {
        UasPolicy {
            allowed_methods: vec![
                Method::Invite,
                Method::Ack,
                Method::Bye,
                Method::Cancel,
                Method::Options,
            ],
            supported_extensions: vec!["timer".into()],
            accepted_content_types: vec!["application/sdp".into()],
        }
    }

    fn request(extra: &str, body: &str) -> Request {
        let text = format!(
            "INVITE sip:12345@example.com SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n\
             From: <sip:a@b>;tag=1\r\nTo: <sip:12345@example.com>\r\nCall-ID: c\r\nCSeq: 1 INVITE\r\n\
             Max-Forwards: 70\r\nContent-Type: application/sdp\r\n{extra}Content-Length: {}\r\n\r\n{body}",
            body.len()
        );
        match parse_datagram(text.as_bytes()).expect("parse") {
            Message::Request(r) => r,
            Message::Response(_) => panic!("response"),
        }
    }

    fn code(r: &Request) -> Option<u16> {
        check_request(r, &policy()).err().map(|e| e.code)
    }

    #[test]
    fn accepts_a_normal_invite() {
        assert_eq!(
            code(&request(
                "Require: timer\r\nAccept: application/sdp;level=1\r\n",
                "v=0\r\n"
            )),
            None
        );
    }

    #[test]
    fn rejections_carry_their_headers() {
        let mut r = request("", "");
        r.method = Method::Register;
        r.headers.set("CSeq", "1 REGISTER");
        let rej = check_request(&r, &policy()).expect_err("405");
        assert_eq!(rej.code, 405);
        let resp = rej.response_to(&r, "tt");
        assert_eq!(
            resp.headers.get("Allow"),
            Some("INVITE, ACK, BYE, CANCEL, OPTIONS")
        );
        assert_eq!(resp.to_tag().as_deref(), Some("tt"));

        let rej =
            check_request(&request("Require: timer, 100rel\r\n", ""), &policy()).expect_err("420");
        assert_eq!((rej.code, rej.headers[0].1.as_str()), (420, "100rel"));
        let mut ct = request("", "x");
        ct.headers.set("Content-Type", "text/plain");
        let rej = check_request(&ct, &policy()).expect_err("415");
        assert_eq!(
            (rej.code, rej.headers[0].1.as_str()),
            (415, "application/sdp")
        );
        assert_eq!(code(&request("Content-Encoding: gzip\r\n", "x")), Some(415));
        assert_eq!(code(&request("Accept: text/plain\r\n", "")), Some(406));
    }

    #[test]
    fn syntax_problems_are_400() {
        assert_eq!(code(&request("Max-Forwards: 300\r\n", "")), Some(400));
        assert_eq!(code(&request("Expires: 99999999999\r\n", "")), Some(400));
        assert_eq!(code(&request("Via: SIP/2.0/UDP x;;,\r\n", "")), Some(400));
        let mut r = request("", "");
        r.headers.set("CSeq", "1 BYE");
        assert_eq!(code(&r), Some(400));
        r = request("", "");
        r.uri = "sip:a@b?Route=x".into();
        assert_eq!(code(&r), Some(400));
        r.uri = "<sip:a@b>".into();
        assert_eq!(code(&r), Some(400));
        r.uri = "urn:service:sos".into();
        assert_eq!(code(&r), Some(416));
        r.uri = "tel:+86123".into();
        assert_eq!(code(&r), None);
        r.version = "SIP/3.0".into();
        assert_eq!(code(&r), Some(505));
    }
}
