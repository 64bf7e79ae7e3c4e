//! SIP requests and responses as owned values, and their serialization.

use crate::cseq::CSeq;
use crate::headers::{Headers, same_name};
use crate::method::Method;
use crate::via::Via;

pub const SIP_VERSION: &str = "SIP/2.0";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub method: Method,
    /// The Request-URI exactly as received (validated by [`crate::check_request`]).
    pub uri: String,
    pub version: String,
    pub headers: Headers,
    pub body: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    pub code: u16,
    pub reason: String,
    pub version: String,
    pub headers: Headers,
    pub body: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    Request(Request),
    Response(Response),
}

impl Message {
    pub fn headers(&self) -> &Headers {
        match self {
            Message::Request(r) => &r.headers,
            Message::Response(r) => &r.headers,
        }
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        match self {
            Message::Request(r) => r.to_bytes(),
            Message::Response(r) => r.to_bytes(),
        }
    }
}

/// Writes text with CR and LF replaced by spaces, so no value can inject a header line.
fn write_clean(out: &mut Vec<u8>, text: &str) {
    out.extend(
        text.bytes()
            .map(|b| if b == b'\r' || b == b'\n' { b' ' } else { b }),
    );
}

/// Headers (minus any Content-Length), a correct Content-Length, the blank line and the body.
fn write_rest(headers: &Headers, body: &[u8], out: &mut Vec<u8>) {
    for (name, value) in headers.iter() {
        if same_name(name, "Content-Length") {
            continue;
        }
        write_clean(out, name);
        out.extend_from_slice(b": ");
        write_clean(out, value);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(format!("Content-Length: {}\r\n\r\n", body.len()).as_bytes());
    out.extend_from_slice(body);
}

macro_rules! accessors {
    () => {
        pub fn call_id(&self) -> Option<&str> {
            self.headers.call_id()
        }

        pub fn cseq(&self) -> Option<CSeq> {
            self.headers.cseq()
        }

        pub fn top_via(&self) -> Option<Via> {
            self.headers.top_via()
        }

        pub fn from_tag(&self) -> Option<String> {
            self.headers.from_tag()
        }

        pub fn to_tag(&self) -> Option<String> {
            self.headers.to_tag()
        }

        pub fn to_bytes(&self) -> Vec<u8> {
            let mut out = Vec::with_capacity(256 + self.body.len());
            self.write_to(&mut out);
            out
        }
    };
}

impl Request {
    pub fn new(method: Method, uri: impl Into<String>) -> Self {
        Self {
            method,
            uri: uri.into(),
            version: SIP_VERSION.to_owned(),
            headers: Headers::default(),
            body: Vec::new(),
        }
    }

    accessors!();

    /// Appends the wire form (CRLF line ends, Content-Length always correct).
    pub fn write_to(&self, out: &mut Vec<u8>) {
        write_clean(out, self.method.as_str());
        out.push(b' ');
        write_clean(out, &self.uri);
        out.push(b' ');
        write_clean(out, &self.version);
        out.extend_from_slice(b"\r\n");
        write_rest(&self.headers, &self.body, out);
    }
}

impl Response {
    pub fn new(code: u16, reason: impl Into<String>) -> Self {
        Self {
            code,
            reason: reason.into(),
            version: SIP_VERSION.to_owned(),
            headers: Headers::default(),
            body: Vec::new(),
        }
    }

    accessors!();

    /// Appends the wire form (CRLF line ends, Content-Length always correct).
    pub fn write_to(&self, out: &mut Vec<u8>) {
        write_clean(out, &self.version);
        out.extend_from_slice(format!(" {} ", self.code).as_bytes());
        write_clean(out, &self.reason);
        out.extend_from_slice(b"\r\n");
        write_rest(&self.headers, &self.body, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serializes_with_a_correct_content_length() {
        let mut r = Request::new(Method::Invite, "sip:12345@10.0.0.1");
        r.headers
            .push("Via", "SIP/2.0/UDP 10.0.0.2;branch=z9hG4bK1");
        r.headers.push("l", "999");
        r.headers.push("X-Evil", "a\r\nInjected: yes");
        r.body = b"v=0\r\n".to_vec();
        let text = String::from_utf8(r.to_bytes()).expect("utf8");
        assert_eq!(
            text,
            "INVITE sip:12345@10.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.2;branch=z9hG4bK1\r\n\
             X-Evil: a  Injected: yes\r\nContent-Length: 5\r\n\r\nv=0\r\n"
        );
        let resp = Response::new(180, "Ringing");
        assert_eq!(
            resp.to_bytes(),
            b"SIP/2.0 180 Ringing\r\nContent-Length: 0\r\n\r\n"
        );
    }
}
