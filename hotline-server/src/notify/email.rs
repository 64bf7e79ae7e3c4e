//! E-mail through SMTP (lettre on tokio, rustls): STARTTLS, TLS from the first byte, or plain
//! for a local relay; AUTH when a user is configured; plain text with an optional HTML
//! alternative and text attachments (the dispatch letter, a knowledge-base item).

use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, CertificateStore, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use serde::{Deserialize, Serialize};

use crate::config::{SmtpConfig, SmtpSecurity};

use super::SendError;

/// A file attached to an e-mail, stored with the outbox row (the letter as it was when sent).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TextAttachment {
    /// What it is (`letter`, `knowledge`) and which (the ticket, the item), for the record.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<i64>,
    pub name: String,
    /// `text/plain; charset=utf-8` and the like.
    pub content_type: String,
    pub text: String,
}

/// One message to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email<'a> {
    pub to: &'a str,
    pub subject: &'a str,
    pub text: &'a str,
    /// `""` = plain text only.
    pub html: &'a str,
    pub attachments: &'a [TextAttachment],
    /// Our Message-ID (without brackets), so a reply's In-Reply-To finds the ticket.
    pub message_id: &'a str,
}

/// Builds the MIME message. Pure.
pub fn build_message(from: &str, email: &Email<'_>) -> Result<Message, SendError> {
    let from: Mailbox = from
        .parse()
        .map_err(|e| SendError::permanent(format!("notify.smtp.from: {e}")))?;
    let to: Mailbox = email
        .to
        .parse()
        .map_err(|e| SendError::permanent(format!("recipient \"{}\": {e}", email.to)))?;
    let builder = Message::builder()
        .from(from)
        .to(to)
        .subject(email.subject)
        .message_id(Some(format!("<{}>", email.message_id)));
    let body = if email.html.is_empty() {
        MultiPart::mixed().singlepart(SinglePart::plain(email.text.to_owned()))
    } else {
        MultiPart::mixed().multipart(MultiPart::alternative_plain_html(
            email.text.to_owned(),
            email.html.to_owned(),
        ))
    };
    let body = email.attachments.iter().try_fold(body, |body, a| {
        let content_type = ContentType::parse(&a.content_type).map_err(|e| {
            SendError::permanent(format!("attachment {}: content type: {e}", a.name))
        })?;
        Ok::<_, SendError>(
            body.singlepart(Attachment::new(a.name.clone()).body(a.text.clone(), content_type)),
        )
    })?;
    builder
        .multipart(body)
        .map_err(|e| SendError::permanent(format!("cannot build the message: {e}")))
}

/// TLS that checks the server against `ca_file`'s CAs, or the web roots when it is `""`.
fn tls_parameters(host: &str, ca_file: &str) -> Result<TlsParameters, SendError> {
    let bad = |e: String| SendError::permanent(format!("TLS for {host}: {e}"));
    if ca_file.is_empty() {
        return TlsParameters::new_rustls(host.to_owned()).map_err(|e| bad(e.to_string()));
    }
    let mut builder =
        TlsParameters::builder(host.to_owned()).certificate_store(CertificateStore::None);
    for der in super::tls::ca_certs(ca_file).map_err(bad)? {
        let cert = Certificate::from_der(der.to_vec()).map_err(|e| bad(e.to_string()))?;
        builder = builder.add_root_certificate(cert);
    }
    builder.build_rustls().map_err(|e| bad(e.to_string()))
}

/// The driver: one SMTP transport (with its connection pool) for all messages.
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: String,
}

impl Mailer {
    /// `None` when no SMTP server is configured.
    pub fn new(config: &SmtpConfig) -> Result<Option<Mailer>, SendError> {
        if config.host.is_empty() {
            return Ok(None);
        }
        let tls = |host: &str| tls_parameters(host, &config.ca_file);
        let tls = match config.security {
            SmtpSecurity::Starttls => Tls::Required(tls(&config.host)?),
            SmtpSecurity::Tls => Tls::Wrapper(tls(&config.host)?),
            SmtpSecurity::None => Tls::None,
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&config.host)
            .port(config.port)
            .tls(tls)
            .timeout(Some(Duration::from_secs(config.timeout_secs.max(1))));
        if !config.username.is_empty() {
            builder = builder.credentials(Credentials::new(
                config.username.clone(),
                config.password.clone(),
            ));
        }
        Ok(Some(Mailer {
            transport: builder.build(),
            from: config.from.clone(),
        }))
    }

    /// Sends one e-mail; `Ok` holds the server's answer text (its queue id, often).
    pub async fn send(&self, email: &Email<'_>) -> Result<String, SendError> {
        let message = build_message(&self.from, email)?;
        match self.transport.send(message).await {
            Ok(resp) => Ok(resp.message().collect::<Vec<_>>().join(" ")),
            // A 5xx answer (unknown mailbox, refused) will not change; the rest may.
            Err(e) if e.is_permanent() => Err(SendError::permanent(format!("SMTP: {e}"))),
            Err(e) => Err(SendError::transient(format!("SMTP: {e}"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_has_text_html_and_the_letter() {
        let letter = TextAttachment {
            kind: "letter".into(),
            id: Some(1),
            name: "letter.txt".into(),
            content_type: "text/plain; charset=utf-8".into(),
            text: "转办单".into(),
        };
        let email = Email {
            to: "环卫处 <huanwei@example.gov>",
            subject: "【新派单】12345-20261123-000001",
            text: "请签收",
            html: "<p>请签收</p>",
            attachments: std::slice::from_ref(&letter),
            message_id: "outbox-1@hotline",
        };
        let raw = String::from_utf8(
            build_message("12345 <h@localhost>", &email)
                .unwrap()
                .formatted(),
        )
        .unwrap();
        assert!(raw.contains("Message-ID: <outbox-1@hotline>"), "{raw}");
        assert!(raw.contains("multipart/alternative"));
        assert!(raw.contains("filename=\"letter.txt\""));
        assert!(build_message("not an address", &email).is_err());
    }
}
