//! The UAS side of one INVITE dialog: the answers and in-dialog requests a call sends.

use std::net::SocketAddr;

use hotline_sip::{Method, NameAddr, Request, Response};

use crate::sip::transport::Link;

/// What the call needs to answer the INVITE and to talk inside the dialog afterwards.
#[derive(Debug, Clone)]
pub struct Dialog {
    pub call_id: String,
    pub local_tag: String,
    /// The caller's From (with its tag), used as To in our requests.
    pub remote_uri: String,
    /// The dialled To, used as From in our requests (with our tag).
    pub local_uri: String,
    /// Where in-dialog requests go (the caller's Contact).
    pub remote_target: String,
    pub local_contact: String,
    pub local_cseq: u32,
    pub link: Link,
    pub dest: SocketAddr,
    pub local_sip: SocketAddr,
    pub user_agent: String,
}

impl Dialog {
    pub fn from_invite(
        req: &Request,
        link: Link,
        source: SocketAddr,
        local_sip: SocketAddr,
        user_agent: &str,
    ) -> Self {
        let remote_uri = req.headers.get("From").unwrap_or_default().to_owned();
        let to = req.headers.get("To").unwrap_or_default();
        let local_uri =
            NameAddr::parse(to).map_or_else(|_| to.to_owned(), |na| format!("<{}>", na.uri));
        let remote_target = req
            .headers
            .get("Contact")
            .and_then(|c| NameAddr::parse(c).ok())
            .map_or_else(|| format!("sip:{source}"), |na| na.uri);
        let transport = if link.reliable() {
            ";transport=tcp"
        } else {
            ""
        };
        Self {
            call_id: req.call_id().unwrap_or_default().to_owned(),
            local_tag: hotline_sip::new_tag(),
            remote_uri,
            local_uri,
            remote_target,
            local_contact: format!("<sip:hotline@{local_sip}{transport}>"),
            local_cseq: rand::random::<u16>().into(),
            link,
            dest: source,
            local_sip,
            user_agent: user_agent.to_owned(),
        }
    }

    /// An answer to a request of this dialog, with our tag, Contact on dialog-forming answers.
    pub fn response(&self, req: &Request, code: u16) -> Response {
        let mut resp = hotline_sip::response_to(
            req,
            code,
            hotline_sip::reason_phrase(code),
            Some(&self.local_tag),
        );
        if req.method == Method::Invite && (101..300).contains(&code) {
            resp.headers.push("Contact", self.local_contact.clone());
        }
        if (200..300).contains(&code) {
            resp.headers.push("Allow", crate::sip::core::allow_header());
            resp.headers.push("Supported", "");
        }
        resp.headers.push("Server", self.user_agent.clone());
        resp
    }

    pub fn response_with_sdp(&self, req: &Request, code: u16, sdp: &str) -> Response {
        let mut resp = self.response(req, code);
        resp.headers.push("Content-Type", "application/sdp");
        resp.body = sdp.as_bytes().to_vec();
        resp
    }

    /// A new request inside the dialog (BYE here; re-INVITE later for transfers).
    pub fn request(&mut self, method: &Method) -> Request {
        self.local_cseq += 1;
        let mut req = Request::new(method.clone(), self.remote_target.clone());
        let proto = if self.link.reliable() { "TCP" } else { "UDP" };
        req.headers.push(
            "Via",
            format!(
                "SIP/2.0/{proto} {};branch={};rport",
                self.local_sip,
                hotline_sip::new_branch()
            ),
        );
        req.headers.push("Max-Forwards", "70");
        req.headers
            .push("From", format!("{};tag={}", self.local_uri, self.local_tag));
        req.headers.push("To", self.remote_uri.clone());
        req.headers.push("Call-ID", self.call_id.clone());
        req.headers
            .push("CSeq", format!("{} {}", self.local_cseq, method.as_str()));
        req.headers.push("User-Agent", self.user_agent.clone());
        req
    }
}

/// A digit from a SIP INFO body (application/dtmf-relay `Signal=5` or application/dtmf `5`).
pub fn info_digit(req: &Request) -> Option<char> {
    let ctype = req
        .headers
        .get("Content-Type")
        .unwrap_or_default()
        .to_ascii_lowercase();
    let body = std::str::from_utf8(&req.body).ok()?;
    let value = if ctype.starts_with("application/dtmf-relay") {
        body.lines().find_map(|l| {
            let (k, v) = l.split_once('=')?;
            k.trim().eq_ignore_ascii_case("signal").then(|| v.trim())
        })?
    } else if ctype.starts_with("application/dtmf") {
        body.trim()
    } else {
        return None;
    };
    let c = value.chars().next()?;
    match value {
        "10" => Some('*'),
        "11" => Some('#'),
        _ if value.len() == 1 && (c.is_ascii_digit() || "*#ABCDabcd".contains(c)) => {
            Some(c.to_ascii_uppercase())
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(ctype: &str, body: &str) -> Request {
        let mut r = Request::new(Method::Info, "sip:x@y");
        r.headers.push("Content-Type", ctype);
        r.body = body.as_bytes().to_vec();
        r
    }

    #[test]
    fn info_bodies() {
        assert_eq!(
            info_digit(&info(
                "application/dtmf-relay",
                "Signal=5\r\nDuration=160\r\n"
            )),
            Some('5')
        );
        assert_eq!(
            info_digit(&info("application/dtmf-relay", "Signal= #\r\n")),
            Some('#')
        );
        assert_eq!(info_digit(&info("application/dtmf", "9")), Some('9'));
        assert_eq!(
            info_digit(&info("application/dtmf-relay", "Signal=11")),
            Some('#')
        );
        assert_eq!(info_digit(&info("text/plain", "5")), None);
        assert_eq!(
            info_digit(&info("application/dtmf-relay", "Signal=xyz")),
            None
        );
    }
}
