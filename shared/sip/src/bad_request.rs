//! A 400 for a request that could not be parsed (RFC 3261 §8.2.6, §16.3), salvaged from text.

use crate::build::new_tag;
use crate::error::{ParseError, ParseErrorKind};
use crate::headers::{same_name, tag_of};
use crate::message::Response;
use crate::parse::{logical_lines, skip_keepalive};
use crate::text::is_token;

/// Bytes of a `400` answering an unparsable request, or `None` when nothing should be sent:
/// keep-alives, responses, ACKs (never answered), and requests whose Via, From, To, Call-ID
/// and CSeq cannot all be found (without them the answer could not be routed or matched).
pub fn bad_request_for(buf: &[u8], err: &ParseError) -> Option<Vec<u8>> {
    if err.kind == ParseErrorKind::KeepAlive {
        return None;
    }
    let data = &buf[skip_keepalive(buf)..];
    // Only the header section matters; stop at the blank line if there is one.
    let head_end = data
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or(data.len());
    let text = String::from_utf8_lossy(&data[..head_end]);
    let lines = logical_lines(&text);
    let (start, rest) = lines.split_first()?;
    let method = start.split(' ').next()?;
    if start
        .get(..4)
        .is_some_and(|p| p.eq_ignore_ascii_case("SIP/"))
        || !is_token(method)
        || method == "ACK"
        || !start.contains(' ')
    {
        return None;
    }
    let mut vias = Vec::new();
    let (mut from, mut to, mut call_id, mut cseq) = (None, None, None, None);
    for line in rest {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let (name, value) = (name.trim(), value.trim());
        if value.is_empty() {
            continue;
        }
        if same_name(name, "Via") {
            vias.push(value);
        } else if same_name(name, "From") {
            from.get_or_insert(value);
        } else if same_name(name, "To") {
            to.get_or_insert(value);
        } else if same_name(name, "Call-ID") {
            call_id.get_or_insert(value);
        } else if same_name(name, "CSeq") {
            cseq.get_or_insert(value);
        }
    }
    let (from, to, call_id, cseq) = (from?, to?, call_id?, cseq?);
    if vias.is_empty() || cseq.split_whitespace().nth(1) == Some("ACK") {
        return None;
    }
    let reason: String = err.reason.chars().filter(|c| !c.is_control()).collect();
    let mut resp = Response::new(
        400,
        if reason.is_empty() {
            "Bad Request".into()
        } else {
            reason
        },
    );
    for via in vias {
        resp.headers.push("Via", via);
    }
    resp.headers.push("From", from);
    match tag_of(to) {
        Some(_) => resp.headers.push("To", to),
        None => resp.headers.push("To", format!("{to};tag={}", new_tag())),
    }
    resp.headers.push("Call-ID", call_id);
    resp.headers.push("CSeq", cseq);
    Some(resp.to_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Message, parse_datagram};

    const CLERR: &[u8] = b"INVITE sip:user@example.com SIP/2.0\r\nTo: sip:j.user@example.com\r\n\
        From: sip:caller@example.net;tag=9\r\nCall-ID: clerr\r\nCSeq: 8 INVITE\r\n\
        Via: SIP/2.0/UDP host5.example.com;branch=z9hG4bK-39234\r\nContent-Length: 9999\r\n\r\nv=0\r\n";

    #[test]
    fn salvages_a_400() {
        let e = parse_datagram(CLERR).expect_err("bad length");
        let bytes = bad_request_for(CLERR, &e).expect("a 400");
        let Ok(Message::Response(r)) = parse_datagram(&bytes) else {
            panic!("not a response")
        };
        assert_eq!(r.code, 400);
        assert_eq!(r.reason, "Content-Length larger than message");
        assert_eq!(r.call_id(), Some("clerr"));
        assert_eq!(
            r.top_via()
                .and_then(|v| v.branch().map(str::to_owned))
                .as_deref(),
            Some("z9hG4bK-39234")
        );
        assert!(r.to_tag().is_some());
        assert_eq!(r.cseq().map(|c| c.seq), Some(8));
    }

    #[test]
    fn never_for_acks_responses_keepalives_or_missing_headers() {
        let e = ParseError::new(ParseErrorKind::ContentLength, "x");
        let ack = String::from_utf8_lossy(CLERR).replace("INVITE", "ACK");
        assert!(bad_request_for(ack.as_bytes(), &e).is_none());
        let resp = String::from_utf8_lossy(CLERR)
            .replace("INVITE sip:user@example.com SIP/2.0", "SIP/2.0 200 OK");
        assert!(bad_request_for(resp.as_bytes(), &e).is_none());
        let no_call_id = String::from_utf8_lossy(CLERR).replace("Call-ID: clerr\r\n", "");
        assert!(bad_request_for(no_call_id.as_bytes(), &e).is_none());
        let ka = ParseError::new(ParseErrorKind::KeepAlive, "k");
        assert!(bad_request_for(b"\r\n\r\n", &ka).is_none());
        assert!(bad_request_for(b"\x00\xff garbage", &e).is_none());
    }
}
