//! Outbound registration of a trunk to an upstream registrar: digest authentication, refresh
//! before expiry, and re-registration with back-off after any failure.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use hotline_sip::{Challenge, Method, Request, Response};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

use super::core::{FromCall, ToCall};
use super::transport::Link;

/// Where one trunk's registration stands, for metrics and the admin.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct RegistrationStatus {
    pub trunk: String,
    pub registered: bool,
    pub last_code: Option<u16>,
    pub expires_secs: u32,
    pub failures: u32,
}

pub type StatusBoard = Arc<Mutex<Vec<RegistrationStatus>>>;

/// What a registration needs to know, taken from a `kind = "register"` trunk.
#[derive(Debug, Clone)]
pub struct RegistrationSpec {
    pub trunk: String,
    pub registrar: String,
    pub registrar_addr: SocketAddr,
    pub link: Link,
    pub username: String,
    pub password: String,
    pub domain: String,
    pub contact_user: String,
    pub expires_secs: u32,
}

/// The next wait after `failures` consecutive failures: 5 s doubling to 5 minutes.
pub fn backoff(failures: u32) -> Duration {
    Duration::from_secs((5u64 << failures.min(6)).min(300))
}

/// When to refresh a registration granted for `expires` seconds: a little before it lapses.
pub fn refresh_after(expires: u32) -> Duration {
    let e = u64::from(expires.max(1));
    Duration::from_secs((e * 8 / 10).max(e.saturating_sub(30)).clamp(1, e))
}

/// The expiry the registrar granted: our Contact's `expires` param, else the Expires header.
pub fn granted_expires(resp: &Response, asked: u32) -> u32 {
    let from_contact = resp
        .headers
        .get_all("Contact")
        .flat_map(hotline_sip::split_list)
        .find_map(|c| {
            let na = hotline_sip::NameAddr::parse(c).ok()?;
            na.params
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case("expires"))
                .and_then(|(_, v)| v.as_deref()?.parse().ok())
        });
    from_contact
        .or_else(|| {
            resp.headers
                .get("Expires")
                .and_then(|v| v.trim().parse().ok())
        })
        .unwrap_or(asked)
}

struct Registrar {
    spec: RegistrationSpec,
    local: SocketAddr,
    call_id: String,
    from_tag: String,
    cseq: u32,
    nc: u32,
}

impl Registrar {
    fn register(&mut self, expires: u32, auth: Option<(&Challenge, bool)>) -> Request {
        self.cseq += 1;
        let uri = self.spec.registrar.clone();
        let mut r = Request::new(Method::Register, uri.clone());
        let proto = if self.spec.link.reliable() {
            "TCP"
        } else {
            "UDP"
        };
        r.headers.push(
            "Via",
            format!(
                "SIP/2.0/{proto} {};branch={};rport",
                self.local,
                hotline_sip::new_branch()
            ),
        );
        r.headers.push("Max-Forwards", "70");
        let aor = format!("<sip:{}@{}>", self.spec.username, self.spec.domain);
        r.headers
            .push("From", format!("{aor};tag={}", self.from_tag));
        r.headers.push("To", aor);
        r.headers.push("Call-ID", self.call_id.clone());
        r.headers.push("CSeq", format!("{} REGISTER", self.cseq));
        r.headers.push(
            "Contact",
            format!("<sip:{}@{}>", self.spec.contact_user, self.local),
        );
        r.headers.push("Expires", expires.to_string());
        r.headers.push("User-Agent", "Hotline");
        if let Some((ch, proxy)) = auth {
            self.nc += 1;
            let cnonce = hotline_sip::new_tag();
            let value = hotline_sip::authorization(
                ch,
                &self.spec.username,
                &self.spec.password,
                "REGISTER",
                &uri,
                &cnonce,
                self.nc,
            );
            r.headers.push(
                if proxy {
                    "Proxy-Authorization"
                } else {
                    "Authorization"
                },
                value,
            );
        }
        r
    }
}

/// Keeps one trunk registered until shutdown, then unregisters.
pub async fn run(
    spec: RegistrationSpec,
    local: SocketAddr,
    to_core: mpsc::Sender<FromCall>,
    board: StatusBoard,
    shutdown: CancellationToken,
) {
    let (tx, mut rx) = mpsc::channel::<ToCall>(16);
    let call_id = hotline_sip::new_call_id(&local.ip().to_string());
    if to_core
        .send(FromCall::Attach {
            call_id: call_id.clone(),
            inbox: tx,
        })
        .await
        .is_err()
    {
        return;
    }
    let slot = {
        let mut b = board
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        b.push(RegistrationStatus {
            trunk: spec.trunk.clone(),
            ..RegistrationStatus::default()
        });
        b.len() - 1
    };
    let set = |f: &dyn Fn(&mut RegistrationStatus)| {
        if let Some(s) = board
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get_mut(slot)
        {
            f(s);
        }
    };
    let mut reg = Registrar {
        spec: spec.clone(),
        local,
        call_id: call_id.clone(),
        from_tag: hotline_sip::new_tag(),
        cseq: 0,
        nc: 0,
    };
    let mut failures = 0u32;
    loop {
        let outcome = attempt(&mut reg, spec.expires_secs, &to_core, &mut rx, &call_id).await;
        let wait = match outcome {
            Ok(expires) => {
                failures = 0;
                info!(trunk = %spec.trunk, expires, "registered");
                set(&|s| {
                    s.registered = true;
                    s.last_code = Some(200);
                    s.expires_secs = expires;
                });
                refresh_after(expires)
            }
            Err(code) => {
                failures += 1;
                warn!(trunk = %spec.trunk, ?code, failures, "registration failed");
                set(&|s| {
                    s.registered = false;
                    s.last_code = code;
                    s.failures += 1;
                });
                backoff(failures - 1)
            }
        };
        tokio::select! {
            () = shutdown.cancelled() => break,
            () = tokio::time::sleep(wait) => {}
        }
    }
    // Unregister on the way out, without waiting long for the answer.
    let req = reg.register(0, None);
    let _ = to_core
        .send(FromCall::Request {
            call_id: call_id.clone(),
            link: spec.link,
            dest: spec.registrar_addr,
            request: req,
        })
        .await;
    let _ = to_core.send(FromCall::Gone { call_id }).await;
}

/// One REGISTER exchange, answering at most one challenge per nonce. Ok = granted expiry.
async fn attempt(
    reg: &mut Registrar,
    expires: u32,
    to_core: &mpsc::Sender<FromCall>,
    rx: &mut mpsc::Receiver<ToCall>,
    call_id: &str,
) -> Result<u32, Option<u16>> {
    let mut auth: Option<(Challenge, bool)> = None;
    for _ in 0..3 {
        let req = reg.register(expires, auth.as_ref().map(|(c, p)| (c, *p)));
        to_core
            .send(FromCall::Request {
                call_id: call_id.to_owned(),
                link: reg.spec.link,
                dest: reg.spec.registrar_addr,
                request: req,
            })
            .await
            .map_err(|_| None)?;
        let resp = loop {
            match tokio::time::timeout(Duration::from_secs(40), rx.recv()).await {
                Ok(Some(ToCall::Response(r))) if r.code >= 200 => break r,
                Ok(Some(ToCall::Response(_))) => {}
                Ok(Some(ToCall::RequestTimeout) | None) | Err(_) => return Err(None),
                Ok(Some(_)) => {}
            }
        };
        match resp.code {
            200..=299 => return Ok(granted_expires(&resp, expires)),
            401 | 407 => {
                let proxy = resp.code == 407;
                let header = if proxy {
                    "Proxy-Authenticate"
                } else {
                    "WWW-Authenticate"
                };
                let Some(ch) = resp
                    .headers
                    .get(header)
                    .and_then(|v| Challenge::parse(v).ok())
                else {
                    return Err(Some(resp.code));
                };
                // The same nonce rejected twice means the password is wrong, unless it went stale.
                if let Some((prev, _)) = &auth
                    && prev.nonce == ch.nonce
                    && !ch.stale
                {
                    return Err(Some(resp.code));
                }
                auth = Some((ch, proxy));
            }
            423 => {
                // Interval too brief: retry with the registrar's minimum.
                return Err(Some(423));
            }
            code => return Err(Some(code)),
        }
    }
    Err(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_to_five_minutes() {
        assert_eq!(backoff(0), Duration::from_secs(5));
        assert_eq!(backoff(1), Duration::from_secs(10));
        assert_eq!(backoff(10), Duration::from_mins(5));
    }

    #[test]
    fn refresh_before_expiry() {
        assert_eq!(refresh_after(300), Duration::from_secs(270));
        assert_eq!(refresh_after(60), Duration::from_secs(48));
        assert_eq!(refresh_after(2), Duration::from_secs(1));
    }

    #[test]
    fn expiry_from_contact_then_header() {
        let mut r = hotline_sip::Response {
            code: 200,
            reason: "OK".into(),
            version: "SIP/2.0".into(),
            headers: hotline_sip::Headers::default(),
            body: Vec::new(),
        };
        r.headers.push("Expires", "120");
        assert_eq!(granted_expires(&r, 300), 120);
        r.headers
            .push("Contact", "<sip:hotline@10.0.0.1:5060>;expires=60");
        assert_eq!(granted_expires(&r, 300), 60);
    }
}
