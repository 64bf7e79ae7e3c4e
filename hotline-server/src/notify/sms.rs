//! SMS through an HTTP gateway. The request is built from `[notify.sms]` (URL, method, headers,
//! JSON / form / query fields with placeholders), so a provider is configured, not coded. The
//! builder is pure; [`SmsGateway::send`] is the driver.

use std::collections::BTreeMap;
use std::time::Duration;

use crate::config::{BodyFormat, HttpMethod, SmsGatewayConfig};

use super::SendError;

/// One message to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sms<'a> {
    pub to: &'a str,
    pub text: &'a str,
    /// The outbox row, for gateways that take a client reference.
    pub id: i64,
}

/// The request as built from the template, before it goes out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GatewayRequest {
    pub method: HttpMethod,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: GatewayBody,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GatewayBody {
    None,
    Json(serde_json::Value),
    Form(Vec<(String, String)>),
}

/// Fills `{to}`, `{text}`, `{id}` and `{secret}` in one template value. Unknown names stay as
/// written: gateway templates may hold braces of their own.
fn fill(template: &str, sms: &Sms<'_>, secret: &str) -> String {
    template
        .replace("{to}", sms.to)
        .replace("{text}", sms.text)
        .replace("{id}", &sms.id.to_string())
        .replace("{secret}", secret)
}

/// Builds the gateway request for `sms` from the configured template.
pub fn build_request(config: &SmsGatewayConfig, sms: &Sms<'_>) -> GatewayRequest {
    let secret = config.secret.as_str();
    let fields: Vec<(String, String)> = config
        .fields
        .iter()
        .map(|(k, v)| (k.clone(), fill(v, sms, secret)))
        .collect();
    let headers = config
        .headers
        .iter()
        .map(|(k, v)| (k.clone(), fill(v, sms, secret)))
        .collect();
    let mut url = fill(&config.url, sms, &percent_encode(secret));
    let body = match config.format {
        BodyFormat::Json => {
            let object: serde_json::Map<String, serde_json::Value> = fields
                .into_iter()
                .map(|(k, v)| (k, serde_json::Value::String(v)))
                .collect();
            GatewayBody::Json(serde_json::Value::Object(object))
        }
        BodyFormat::Form => GatewayBody::Form(fields),
        BodyFormat::Query => {
            let query: Vec<String> = fields
                .iter()
                .map(|(k, v)| format!("{}={}", percent_encode(k), percent_encode(v)))
                .collect();
            if !query.is_empty() {
                url.push(if url.contains('?') { '&' } else { '?' });
                url.push_str(&query.join("&"));
            }
            GatewayBody::None
        }
    };
    GatewayRequest {
        method: config.method,
        url,
        headers,
        body,
    }
}

/// RFC 3986 unreserved characters stay; every other byte is `%XX`.
fn percent_encode(text: &str) -> String {
    use std::fmt::Write as _;
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// How the gateway's answer is judged: 2xx, plus `accept_body` when set; the message id is
/// read at `id_pointer`. 4xx other than 408/429 will not get better by retrying.
pub fn judge(config: &SmsGatewayConfig, status: u16, body: &str) -> Result<String, SendError> {
    if !(200..300).contains(&status) {
        let permanent = (400..500).contains(&status) && status != 408 && status != 429;
        let message = format!("gateway answered {status}: {}", excerpt(body));
        return Err(if permanent {
            SendError::permanent(message)
        } else {
            SendError::transient(message)
        });
    }
    if !config.accept_body.is_empty() && !body.contains(&config.accept_body) {
        return Err(SendError::transient(format!(
            "gateway refused: {}",
            excerpt(body)
        )));
    }
    if config.id_pointer.is_empty() {
        return Ok(String::new());
    }
    let id = serde_json::from_str::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v.pointer(&config.id_pointer).cloned())
        .map(|v| match v {
            serde_json::Value::String(s) => s,
            other => other.to_string(),
        })
        .unwrap_or_default();
    Ok(id)
}

/// The start of an answer, for the outbox's `last_error` (never the request: it holds secrets).
fn excerpt(body: &str) -> String {
    body.chars().take(200).collect()
}

/// The driver: one HTTP client for all messages.
#[derive(Clone)]
pub struct SmsGateway {
    config: SmsGatewayConfig,
    client: reqwest::Client,
}

impl SmsGateway {
    /// `None` when no gateway is configured.
    pub fn new(config: &SmsGatewayConfig) -> Result<Option<SmsGateway>, SendError> {
        if config.url.is_empty() {
            return Ok(None);
        }
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(config.timeout_secs.max(1)))
            .build()
            .map_err(|e| SendError::permanent(format!("HTTP client: {e}")))?;
        Ok(Some(SmsGateway {
            config: config.clone(),
            client,
        }))
    }

    /// Sends one SMS; `Ok` holds the gateway's message id ("" when it gives none).
    pub async fn send(&self, sms: &Sms<'_>) -> Result<String, SendError> {
        let req = build_request(&self.config, sms);
        let method = match req.method {
            HttpMethod::Get => reqwest::Method::GET,
            HttpMethod::Post => reqwest::Method::POST,
            HttpMethod::Put => reqwest::Method::PUT,
        };
        let mut builder = self.client.request(method, &req.url);
        for (k, v) in &req.headers {
            builder = builder.header(k, v);
        }
        builder = match &req.body {
            GatewayBody::None => builder,
            GatewayBody::Json(v) => builder.json(v),
            GatewayBody::Form(fields) => {
                let map: BTreeMap<&str, &str> = fields
                    .iter()
                    .map(|(k, v)| (k.as_str(), v.as_str()))
                    .collect();
                builder.form(&map)
            }
        };
        // The error text of reqwest names the URL, which may hold the secret: say less.
        let resp = builder.send().await.map_err(|e| {
            let why = if e.is_timeout() {
                "timed out"
            } else if e.is_connect() {
                "cannot connect"
            } else {
                "request failed"
            };
            SendError::transient(format!("gateway {why}"))
        })?;
        let status = resp.status().as_u16();
        let body = resp.text().await.unwrap_or_default();
        judge(&self.config, status, &body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(format: BodyFormat) -> SmsGatewayConfig {
        SmsGatewayConfig {
            url: "http://gw.example/send?key={secret}".into(),
            format,
            headers: BTreeMap::from([("Authorization".into(), "Bearer {secret}".into())]),
            fields: BTreeMap::from([
                ("mobile".into(), "{to}".into()),
                ("content".into(), "{text}".into()),
                ("ref".into(), "hl-{id}".into()),
            ]),
            secret: "s3/cr=t".into(),
            ..SmsGatewayConfig::default()
        }
    }

    const SMS: Sms<'static> = Sms {
        to: "13800000001",
        text: "工单 A&B",
        id: 7,
    };

    #[test]
    fn json_form_and_query_bodies_follow_the_template() {
        let r = build_request(&config(BodyFormat::Json), &SMS);
        assert_eq!(r.url, "http://gw.example/send?key=s3%2Fcr%3Dt");
        assert_eq!(
            r.headers,
            vec![("Authorization".into(), "Bearer s3/cr=t".into())]
        );
        assert_eq!(
            r.body,
            GatewayBody::Json(serde_json::json!({
                "mobile": "13800000001", "content": "工单 A&B", "ref": "hl-7"
            }))
        );
        let r = build_request(&config(BodyFormat::Form), &SMS);
        assert!(matches!(r.body, GatewayBody::Form(ref f) if f.len() == 3));
        let r = build_request(&config(BodyFormat::Query), &SMS);
        assert_eq!(r.body, GatewayBody::None);
        assert!(
            r.url
                .ends_with("&content=%E5%B7%A5%E5%8D%95%20A%26B&mobile=13800000001&ref=hl-7")
        );
    }

    #[test]
    fn answers_are_judged_by_status_body_and_id() {
        let mut c = config(BodyFormat::Json);
        assert!(judge(&c, 503, "busy").unwrap_err().retry);
        assert!(judge(&c, 429, "").unwrap_err().retry);
        assert!(!judge(&c, 400, "bad number").unwrap_err().retry);
        c.accept_body = "\"code\":0".into();
        c.id_pointer = "/data/id".into();
        assert!(judge(&c, 200, r#"{"code":9}"#).is_err());
        assert_eq!(
            judge(&c, 200, r#"{"code":0,"data":{"id":42}}"#).unwrap(),
            "42"
        );
    }
}
