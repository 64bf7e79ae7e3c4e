//! Envelopes and their encoding: what actually crosses the WebSocket (one JSON text message per
//! frame).

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::PROTOCOL_VERSION;
use crate::command::Command;
use crate::error::{ErrorBody, ProtocolError};
use crate::event::Event;
use crate::reply::{ReplyBody, ReplyResult};

/// Client → server: `{"v":1,"id":7,"cmd":{"type":"set_ready"}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientFrame {
    pub v: u32,
    /// Chosen by the client, echoed in the reply. Use increasing numbers from 1; 0 is what the
    /// server answers to when it could not read an id.
    pub id: u64,
    pub cmd: Command,
}

impl ClientFrame {
    pub fn new(id: u64, cmd: Command) -> Self {
        Self {
            v: PROTOCOL_VERSION,
            id,
            cmd,
        }
    }
}

/// Server → client: a reply to one request, or an event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerFrame {
    Reply {
        v: u32,
        /// The request's id.
        id: u64,
        result: ReplyResult,
    },
    Event {
        v: u32,
        /// 1, 2, 3 … per connection. A gap means events were dropped (a slow client): refresh
        /// by subscribing again, which resends snapshots.
        seq: u64,
        event: Event,
    },
}

impl ServerFrame {
    pub fn reply(id: u64, result: impl Into<ReplyResult>) -> Self {
        ServerFrame::Reply {
            v: PROTOCOL_VERSION,
            id,
            result: result.into(),
        }
    }

    pub fn ok(id: u64, body: ReplyBody) -> Self {
        Self::reply(id, ReplyResult::Ok(body))
    }

    pub fn err(id: u64, error: ErrorBody) -> Self {
        Self::reply(id, ReplyResult::Err(error))
    }

    pub fn event(seq: u64, event: Event) -> Self {
        ServerFrame::Event {
            v: PROTOCOL_VERSION,
            seq,
            event,
        }
    }
}

impl From<ReplyBody> for ReplyResult {
    fn from(body: ReplyBody) -> Self {
        ReplyResult::Ok(body)
    }
}

impl From<ErrorBody> for ReplyResult {
    fn from(error: ErrorBody) -> Self {
        ReplyResult::Err(error)
    }
}

// Serialising these types cannot fail (string keys only, no custom serializers); should it
// ever, the peer still gets a well-formed frame instead of a panic.
const ENCODE_FAILED: &str = r#"{"type":"reply","v":1,"id":0,"result":{"err":{"code":"internal","message":"frame could not be encoded"}}}"#;

/// Encodes a server frame as one WebSocket text message.
pub fn encode(frame: &ServerFrame) -> String {
    serde_json::to_string(frame).unwrap_or_else(|_| ENCODE_FAILED.to_owned())
}

/// Encodes an event's body once, for [`encode_event_with`]: an event going to many
/// workstations (a queue snapshot) is serialised once, not once per workstation.
pub fn encode_event_body(event: &Event) -> String {
    serde_json::to_string(event).unwrap_or_else(|_| "null".to_owned())
}

/// The event frame number `seq` around a body from [`encode_event_body`]: the same text as
/// [`encode`] of [`ServerFrame::event`].
pub fn encode_event_with(seq: u64, body: &str) -> String {
    format!(r#"{{"type":"event","v":{PROTOCOL_VERSION},"seq":{seq},"event":{body}}}"#)
}

/// Encodes a client frame as one WebSocket text message.
pub fn encode_client(frame: &ClientFrame) -> String {
    serde_json::to_string(frame).unwrap_or_else(|_| ENCODE_FAILED.to_owned())
}

/// Decodes a frame from a client. The version is checked before anything else, so a frame from
/// a newer client fails as [`ProtocolError::VersionMismatch`] even if its command is unknown here.
/// Unknown fields are ignored; an unknown command type is [`ProtocolError::UnknownCommand`].
pub fn decode_client(text: &str) -> Result<ClientFrame, ProtocolError> {
    let value = parse_object(text)?;
    let id = value.get("id").and_then(Value::as_u64);
    check_version(&value, id)?;
    ClientFrame::deserialize(&value).map_err(|e| match type_name(&value, "cmd") {
        Some(name) if !Command::NAMES.contains(&name) => ProtocolError::UnknownCommand {
            id,
            name: name.to_owned(),
        },
        _ => ProtocolError::Malformed {
            id,
            detail: e.to_string(),
        },
    })
}

/// Decodes a frame from the server. An event this version does not know is
/// [`ProtocolError::UnknownEvent`]; clients should log and skip it.
pub fn decode_server(text: &str) -> Result<ServerFrame, ProtocolError> {
    let value = parse_object(text)?;
    let id = value.get("id").and_then(Value::as_u64);
    check_version(&value, id)?;
    ServerFrame::deserialize(&value).map_err(|e| {
        let is_event = value.get("type").and_then(Value::as_str) == Some("event");
        match type_name(&value, "event") {
            Some(name) if is_event && !Event::NAMES.contains(&name) => {
                ProtocolError::UnknownEvent {
                    seq: value.get("seq").and_then(Value::as_u64).unwrap_or(0),
                    name: name.to_owned(),
                }
            }
            _ => ProtocolError::Malformed {
                id,
                detail: e.to_string(),
            },
        }
    })
}

fn parse_object(text: &str) -> Result<Value, ProtocolError> {
    let value: Value = serde_json::from_str(text).map_err(|e| ProtocolError::Malformed {
        id: None,
        detail: e.to_string(),
    })?;
    if value.is_object() {
        Ok(value)
    } else {
        Err(ProtocolError::Malformed {
            id: None,
            detail: "a frame must be a JSON object".to_owned(),
        })
    }
}

fn check_version(value: &Value, id: Option<u64>) -> Result<(), ProtocolError> {
    let Some(v) = value.get("v") else {
        return Err(ProtocolError::Malformed {
            id,
            detail: "missing field `v` (protocol version)".to_owned(),
        });
    };
    let got = v
        .as_u64()
        .and_then(|v| u32::try_from(v).ok())
        .ok_or_else(|| ProtocolError::Malformed {
            id,
            detail: "field `v` must be a small unsigned integer".to_owned(),
        })?;
    if got == PROTOCOL_VERSION {
        Ok(())
    } else {
        Err(ProtocolError::VersionMismatch {
            id,
            got,
            expected: PROTOCOL_VERSION,
        })
    }
}

/// `value[field]["type"]` as a string.
fn type_name<'a>(value: &'a Value, field: &str) -> Option<&'a str> {
    value.get(field)?.get("type")?.as_str()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorCode;

    #[test]
    fn the_encode_fallback_is_a_valid_frame_of_this_version() {
        let frame = decode_server(ENCODE_FAILED).unwrap();
        let ServerFrame::Reply { id: 0, result, .. } = frame else {
            panic!("{frame:?}");
        };
        assert_eq!(result.into_result().unwrap_err().code, ErrorCode::Internal);
    }

    #[test]
    fn an_event_encoded_once_frames_exactly_like_encode() {
        for event in crate::samples::events() {
            let body = encode_event_body(&event);
            let framed = encode_event_with(42, &body);
            assert_eq!(framed, encode(&ServerFrame::event(42, event)));
            assert!(decode_server(&framed).is_ok());
        }
    }
}
