//! Framing and parsing of whole messages: UDP datagrams (RFC 3261 §18.3) and TCP streams.

use crate::error::{ParseError, ParseErrorKind};
use crate::headers::Headers;
use crate::message::{Message, Request, Response};
use crate::method::Method;
use crate::text::is_token;

fn err(kind: ParseErrorKind, reason: &str) -> ParseError {
    ParseError::new(kind, reason)
}

/// Number of leading CR/LF octets: keep-alives and the CRLFs allowed before a start line.
///
/// Stream drivers may drain these themselves (e.g. to answer an RFC 5626 double-CRLF ping
/// with a single CRLF); [`parse_stream`] skips them anyway and counts them as consumed.
pub fn skip_keepalive(buf: &[u8]) -> usize {
    buf.iter()
        .take_while(|&&b| b == b'\r' || b == b'\n')
        .count()
}

/// Finds the blank line ending the header section: `(head length, body start)`.
/// A bare-LF blank line is accepted too, for sloppy peers.
fn find_head_end(buf: &[u8]) -> Option<(usize, usize)> {
    let mut i = 0;
    while i < buf.len() {
        if buf[i] == b'\n' {
            match (buf.get(i + 1), buf.get(i + 2)) {
                (Some(b'\n'), _) => return Some((i, i + 2)),
                (Some(b'\r'), Some(b'\n')) => return Some((i, i + 3)),
                _ => {}
            }
        }
        i += 1;
    }
    None
}

/// The header section as logical lines: line ends stripped, folded continuation lines joined
/// with one space (RFC 3261 §7.3.1: LWS folding is equivalent to a single SP).
/// A continuation before any line starts is returned as its own line (so it fails later).
pub(crate) fn logical_lines(head: &str) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for raw in head.split('\n') {
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        if line.is_empty() {
            continue;
        }
        let folded = line.starts_with([' ', '\t']) && lines.len() > 1;
        match lines.last_mut() {
            Some(prev) if folded => {
                prev.push(' ');
                prev.push_str(line.trim_start());
            }
            _ => lines.push(line.to_owned()),
        }
    }
    lines
}

fn is_version(v: &str) -> bool {
    let Some(rest) = v
        .get(..4)
        .filter(|p| p.eq_ignore_ascii_case("SIP/"))
        .map(|_| &v[4..])
    else {
        return false;
    };
    rest.split_once('.').is_some_and(|(a, b)| {
        !a.is_empty() && !b.is_empty() && (a.bytes().chain(b.bytes())).all(|c| c.is_ascii_digit())
    })
}

fn parse_status_line(line: &str) -> Result<(String, u16, String), ParseError> {
    let bad = || err(ParseErrorKind::StartLine, "Bad status line");
    let (version, rest) = line.split_once(' ').ok_or_else(bad)?;
    let (code, reason) = rest.split_once(' ').unwrap_or((rest, ""));
    if !is_version(version) || code.len() != 3 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let code: u16 = code.parse().map_err(|_| bad())?;
    if !(100..=699).contains(&code) {
        return Err(bad());
    }
    Ok((version.to_owned(), code, reason.trim_end().to_owned()))
}

/// Request-line: the URI is everything between the first and the last space, so that LWS
/// inside it survives to be refused by validation with a proper 400 (RFC 4475 lwsruri,
/// lwsstart). Trailing whitespace is tolerated (RFC 4475 trws allows robustness).
fn parse_request_line(line: &str) -> Result<(Method, String, String), ParseError> {
    let bad = || err(ParseErrorKind::StartLine, "Bad request line");
    let line = line.trim_end_matches([' ', '\t']);
    let (method, rest) = line.split_once(' ').ok_or_else(bad)?;
    let (uri, version) = rest.rsplit_once(' ').ok_or_else(bad)?;
    if !is_token(method) || !is_version(version) || uri.trim().is_empty() {
        return Err(bad());
    }
    Ok((
        Method::from_token(method),
        uri.to_owned(),
        version.to_owned(),
    ))
}

fn parse_headers(lines: &[String]) -> Result<Headers, ParseError> {
    let mut headers = Headers::default();
    for line in lines {
        let (name, value) = line
            .split_once(':')
            .ok_or_else(|| err(ParseErrorKind::Header, "Header line without colon"))?;
        let name = name.trim_end();
        if !is_token(name) {
            return Err(err(ParseErrorKind::Header, "Bad header name"));
        }
        headers.push(name, value.trim());
    }
    Ok(headers)
}

/// Parses the header section into a message with an empty body.
fn parse_head(head: &[u8]) -> Result<Message, ParseError> {
    let text = String::from_utf8_lossy(head);
    let lines = logical_lines(&text);
    let (start, rest) = lines
        .split_first()
        .ok_or_else(|| err(ParseErrorKind::StartLine, "Empty message"))?;
    let headers = parse_headers(rest)?;
    let is_response = start
        .get(..4)
        .is_some_and(|p| p.eq_ignore_ascii_case("SIP/"));
    Ok(if is_response {
        let (version, code, reason) = parse_status_line(start)?;
        Message::Response(Response {
            code,
            reason,
            version,
            headers,
            body: Vec::new(),
        })
    } else {
        let (method, uri, version) = parse_request_line(start)?;
        Message::Request(Request {
            method,
            uri,
            version,
            headers,
            body: Vec::new(),
        })
    })
}

/// The Content-Length, if given. Unparsable (negative, overflowing) or conflicting values are
/// errors: the body boundary would be a guess (RFC 4475 ncl, mcl01).
fn content_length(headers: &Headers) -> Result<Option<usize>, ParseError> {
    let bad = |why| err(ParseErrorKind::ContentLength, why);
    let mut found = None;
    for v in headers.get_all("Content-Length") {
        let v = v.trim();
        if v.is_empty() || !v.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad("Bad Content-Length"));
        }
        let n: usize = v.parse().map_err(|_| bad("Bad Content-Length"))?;
        if found.is_some_and(|f| f != n) {
            return Err(bad("Conflicting Content-Length values"));
        }
        found = Some(n);
    }
    Ok(found)
}

fn set_body(msg: &mut Message, body: &[u8]) {
    match msg {
        Message::Request(r) => r.body = body.to_vec(),
        Message::Response(r) => r.body = body.to_vec(),
    }
}

/// Parses one UDP datagram.
///
/// * leading CRLFs are skipped; a datagram of only whitespace is `ParseErrorKind::KeepAlive`;
/// * without Content-Length the body is the rest of the datagram;
/// * Content-Length larger than the rest is an error; octets after the body are ignored
///   (RFC 4475 dblreq);
/// * folded header lines are unfolded.
pub fn parse_datagram(buf: &[u8]) -> Result<Message, ParseError> {
    if buf.iter().all(u8::is_ascii_whitespace) {
        return Err(err(ParseErrorKind::KeepAlive, "Keep-alive"));
    }
    let data = &buf[skip_keepalive(buf)..];
    // A datagram without the blank line is taken as headers only (lenient; body empty).
    let (head, rest) = match find_head_end(data) {
        Some((head_len, body_start)) => (&data[..head_len], &data[body_start..]),
        None => (data, &data[data.len()..]),
    };
    let mut msg = parse_head(head)?;
    let body = match content_length(msg.headers())? {
        Some(n) if n > rest.len() => {
            return Err(err(
                ParseErrorKind::ContentLength,
                "Content-Length larger than message",
            ));
        }
        Some(n) => &rest[..n],
        None => rest,
    };
    set_body(&mut msg, body);
    Ok(msg)
}

/// Frames and parses one message from the front of a TCP stream buffer.
///
/// * `Ok(None)`: more bytes are needed (the buffer may also hold only keep-alive CRLFs; they are
///   left in place and counted as consumed with the next message — or drain them with
///   [`skip_keepalive`]);
/// * `Ok(Some((message, consumed)))`: `consumed` includes any leading CRLFs;
/// * `Err`: framing is lost (bad header section, missing or bad Content-Length).
pub fn parse_stream(buf: &[u8]) -> Result<Option<(Message, usize)>, ParseError> {
    let skip = skip_keepalive(buf);
    let data = &buf[skip..];
    let Some((head_len, body_start)) = find_head_end(data) else {
        return Ok(None);
    };
    let mut msg = parse_head(&data[..head_len])?;
    let len = content_length(msg.headers())?
        .ok_or_else(|| err(ParseErrorKind::ContentLength, "Missing Content-Length"))?;
    let Some(body) = data.get(body_start..body_start + len) else {
        return Ok(None);
    };
    set_body(&mut msg, body);
    Ok(Some((msg, skip + body_start + len)))
}

#[cfg(test)]
mod tests {
    use super::*;

    const OPTIONS: &str = "OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n\
                           From: <sip:x@y>;tag=1\r\nTo: <sip:a@b>\r\nCall-ID: c1\r\nCSeq: 1 OPTIONS\r\n";

    fn req(m: Message) -> Request {
        match m {
            Message::Request(r) => r,
            Message::Response(_) => panic!("expected a request"),
        }
    }

    #[test]
    fn unfolds_and_reads_compact_headers() {
        let text = "INVITE sip:a@b SIP/2.0\r\nv: SIP/2.0/UDP h;\r\n  branch=z9hG4bK1\r\ni: x\r\n\
                    Subject: a\r\n\tb\r\nl: 3\r\n\r\nabc";
        let r = req(parse_datagram(text.as_bytes()).expect("parse"));
        assert_eq!(r.headers.get("Via"), Some("SIP/2.0/UDP h; branch=z9hG4bK1"));
        assert_eq!(
            r.top_via()
                .and_then(|v| v.branch().map(str::to_owned))
                .as_deref(),
            Some("z9hG4bK1")
        );
        assert_eq!(r.headers.get("subject"), Some("a b"));
        assert_eq!(r.call_id(), Some("x"));
        assert_eq!(r.body, b"abc");
    }

    #[test]
    fn datagram_body_rules() {
        let no_cl = format!("{OPTIONS}\r\nbody");
        assert_eq!(
            req(parse_datagram(no_cl.as_bytes()).expect("no cl")).body,
            b"body"
        );
        let extra = format!("{OPTIONS}Content-Length: 2\r\n\r\nbody");
        assert_eq!(
            req(parse_datagram(extra.as_bytes()).expect("extra")).body,
            b"bo"
        );
        let short = format!("{OPTIONS}Content-Length: 20\r\n\r\nbody");
        assert_eq!(
            parse_datagram(short.as_bytes()).map_err(|e| e.kind),
            Err(ParseErrorKind::ContentLength)
        );
        let neg = format!("{OPTIONS}Content-Length: -1\r\n\r\n");
        assert!(parse_datagram(neg.as_bytes()).is_err());
        let keep = format!("\r\n\r\n{OPTIONS}\r\n");
        assert!(parse_datagram(keep.as_bytes()).is_ok());
        assert_eq!(
            parse_datagram(b"\r\n\r\n").map_err(|e| e.kind),
            Err(ParseErrorKind::KeepAlive)
        );
        assert_eq!(
            parse_datagram(b"").map_err(|e| e.kind),
            Err(ParseErrorKind::KeepAlive)
        );
    }

    #[test]
    fn start_lines() {
        let r = parse_datagram(b"SIP/2.0 100 \r\nCall-ID: x\r\n\r\n").expect("empty reason");
        assert!(matches!(r, Message::Response(ref r) if r.code == 100 && r.reason.is_empty()));
        for bad in [
            "SIP/2.0 4294967301 x\r\n\r\n",
            "SIP/2.0 99 x\r\n\r\n",
            "INVITE sip:a@b\r\n\r\n",
            "INV@TE sip:a SIP/2.0\r\n\r\n",
            "garbage\r\n\r\n",
        ] {
            assert!(parse_datagram(bad.as_bytes()).is_err(), "{bad:?}");
        }
        let trws = parse_datagram(b"OPTIONS sip:a@b SIP/2.0  \r\n\r\n").expect("trailing space");
        assert!(matches!(trws, Message::Request(ref r) if r.uri == "sip:a@b"));
        let lws = parse_datagram(b"INVITE  sip:a@b  SIP/2.0\r\n\r\n").expect("kept for validation");
        assert!(matches!(lws, Message::Request(ref r) if r.uri == " sip:a@b "));
    }

    #[test]
    fn stream_framing() {
        let one = format!("{OPTIONS}Content-Length: 4\r\n\r\nbody");
        let mut buf = b"\r\n\r\n".to_vec();
        buf.extend_from_slice(one.as_bytes());
        buf.extend_from_slice(&one.as_bytes()[..10]);
        for cut in 0..one.len() + 3 {
            assert_eq!(
                parse_stream(&buf[..cut]).expect("partial"),
                None,
                "cut {cut}"
            );
        }
        let (msg, used) = parse_stream(&buf).expect("ok").expect("complete");
        assert_eq!(used, one.len() + 4);
        assert_eq!(req(msg).body, b"body");
        assert_eq!(parse_stream(&buf[used..]).expect("partial"), None);
        let missing = format!("{OPTIONS}\r\n");
        assert!(parse_stream(missing.as_bytes()).is_err());
        assert_eq!(skip_keepalive(b"\r\n\r\nOPT"), 4);
    }
}
