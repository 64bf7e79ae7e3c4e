//! Requests inside the call's dialog: ACK, BYE, INFO digits, re-INVITE and UPDATE.

use hotline_media::Direction;
use hotline_sip::{Method, Request, TransactionKey};
use serde_json::json;

use super::{Call, negotiate};
use crate::calls::dialog::info_digit;

impl Call {
    pub(super) async fn on_request(&mut self, req: Request, key: Option<TransactionKey>) {
        match req.method {
            Method::Ack => {
                if let Some(r) = self.ok_retx.as_mut() {
                    r.on_ack();
                }
                self.ok_retx = None;
            }
            Method::Bye => {
                if let Some(key) = key {
                    self.respond(self.dialog.response(&req, 200), &key).await;
                }
                self.event("bye", json!({"from": "caller"}));
                self.end = Some("caller hangup".into());
            }
            Method::Info => {
                let digit = info_digit(&req);
                if let Some(key) = key {
                    let code = if digit.is_some() || req.body.is_empty() {
                        200
                    } else {
                        415
                    };
                    self.respond(self.dialog.response(&req, code), &key).await;
                }
                if let Some(d) = digit {
                    self.on_digit(d, "info").await;
                }
            }
            Method::Invite | Method::Update => {
                let Some(key) = key else { return };
                if req.body.is_empty() {
                    // No offer: answer with the current session unchanged.
                    let sdp = self.local_sdp(Direction::SendRecv);
                    let resp = if req.method == Method::Invite {
                        self.dialog.response_with_sdp(&req, 200, &sdp)
                    } else {
                        self.dialog.response(&req, 200)
                    };
                    self.respond(resp, &key).await;
                    return;
                }
                match negotiate(&self.ctx, &req) {
                    Some(neg) => {
                        self.leg.apply(&neg);
                        self.neg = neg;
                        let sdp = self.local_sdp(neg.direction);
                        self.respond(self.dialog.response_with_sdp(&req, 200, &sdp), &key)
                            .await;
                        self.event(
                            if neg.on_hold { "hold" } else { "resume" },
                            json!({"codec": neg.codec.name(), "method": req.method.as_str()}),
                        );
                    }
                    None => self.respond(self.dialog.response(&req, 488), &key).await,
                }
            }
            _ => {
                if let Some(key) = key {
                    self.respond(self.dialog.response(&req, 405), &key).await;
                }
            }
        }
    }
}
