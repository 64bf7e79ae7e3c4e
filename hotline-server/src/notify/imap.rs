//! Inbound e-mail (G3): the task reads the unseen messages of the configured IMAP mailbox,
//! files each as a ticket on the e-mail channel or attaches it to the ticket it answers (its
//! In-Reply-To or References name one of our notifications), and marks it seen. A message is
//! recorded by its Message-ID, so one seen again after a crash is not filed twice.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use jiff::Timestamp;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

use super::NotifyError;
use super::inbound::{Outcome, receive};
use crate::api::rest::Rules;
use crate::calls::Clock;
use crate::config::{Config, ImapSecurity};
use crate::store::{NewInbound, Store};
use crate::tickets::Urgency;

/// A message as the ticket needs it, and the ticket it answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedMail {
    pub message: NewInbound,
    pub reply_to: Option<i64>,
}

/// Reads sender, subject, text, Message-ID and the ticket a reply names. Pure. `None` for a
/// message without a sender address.
pub fn parse_mail(raw: &[u8], received_at_ms: i64) -> Option<ParsedMail> {
    let mail = mail_parser::MessageParser::default().parse(raw)?;
    let sender = mail.from()?.first()?.address()?.trim().to_ascii_lowercase();
    let subject = mail.subject().unwrap_or("").trim().to_owned();
    let body = mail
        .body_text(0)
        .map(|b| b.trim().to_owned())
        .unwrap_or_default();
    let external_id = mail.message_id().map_or_else(
        || format!("{sender}:{}:{}", subject.len(), body.len()),
        str::to_owned,
    );
    let mut answered: Vec<String> = Vec::new();
    for header in [mail.in_reply_to(), mail.references()] {
        if let Some(one) = header.as_text() {
            answered.push(one.to_owned());
        }
        if let Some(list) = header.as_text_list() {
            answered.extend(list.iter().map(ToString::to_string));
        }
    }
    let reply_to = answered
        .iter()
        .find_map(|id| super::ticket_of_message_id(id));
    Some(ParsedMail {
        message: NewInbound {
            channel: "email".into(),
            external_id,
            sender,
            subject,
            body,
            received_at_ms,
        },
        reply_to,
    })
}

/// Why a look at the mailbox failed.
#[derive(Debug, thiserror::Error)]
pub enum ImapError {
    #[error("cannot connect to {0}: {1}")]
    Connect(String, std::io::Error),
    #[error("TLS: {0}")]
    Tls(String),
    // The server's text only: the password is never part of it.
    #[error("IMAP: {0}")]
    Protocol(#[from] async_imap::error::Error),
    #[error(transparent)]
    Notify(#[from] NotifyError),
}

/// The mailbox reader.
pub struct MailboxTask {
    config: Arc<Config>,
    store: Arc<Store>,
    clock: Clock,
    rules: Rules,
}

impl MailboxTask {
    pub fn new(config: &Config, db_path: &Path, clock: Clock) -> Result<Self, NotifyError> {
        Ok(Self {
            config: Arc::new(config.clone()),
            store: Arc::new(Store::open(db_path)?),
            clock,
            rules: Rules::default(),
        })
    }

    pub async fn run(self, shutdown: CancellationToken) {
        let every = Duration::from_millis(self.config.notify.imap.poll_interval_ms.max(100));
        info!(host = %self.config.notify.imap.host, "mailbox task started");
        loop {
            match self.pass().await {
                Ok(0) => {}
                Ok(n) => info!(messages = n, "mailbox read"),
                Err(e) => warn!(error = %e, "mailbox not read"),
            }
            tokio::select! {
                () = shutdown.cancelled() => return,
                () = tokio::time::sleep(every) => {}
            }
        }
    }

    /// Connects, handles every unseen message, logs out. Returns how many were handled.
    pub async fn pass(&self) -> Result<usize, ImapError> {
        let c = &self.config.notify.imap;
        let tcp = tokio::net::TcpStream::connect((c.host.as_str(), c.port))
            .await
            .map_err(|e| ImapError::Connect(format!("{}:{}", c.host, c.port), e))?;
        match c.security {
            ImapSecurity::None => self.session(tcp).await,
            ImapSecurity::Tls => {
                let tls = super::tls::connector(&c.ca_file)
                    .map_err(ImapError::Tls)?
                    .connect(server_name(&c.host)?, tcp)
                    .await
                    .map_err(|e| ImapError::Tls(e.to_string()))?;
                self.session(tls).await
            }
        }
    }

    async fn session<T>(&self, stream: T) -> Result<usize, ImapError>
    where
        T: AsyncRead + AsyncWrite + Unpin + std::fmt::Debug + Send,
    {
        use futures_util::TryStreamExt as _;
        let c = &self.config.notify.imap;
        let mut client = async_imap::Client::new(stream);
        // The server speaks first.
        client
            .read_response()
            .await
            .map_err(|e| ImapError::Protocol(e.into()))?;
        let mut session = client
            .login(&c.username, &c.password)
            .await
            .map_err(|(e, _)| e)?;
        session.select(&c.mailbox).await?;
        let mut uids: Vec<u32> = session.uid_search("UNSEEN").await?.into_iter().collect();
        uids.sort_unstable();
        for uid in &uids {
            let fetched: Vec<_> = session
                .uid_fetch(uid.to_string(), "BODY.PEEK[]")
                .await?
                .try_collect()
                .await?;
            let raw = fetched
                .iter()
                .find_map(|f| f.body())
                .unwrap_or_default()
                .to_vec();
            self.handle(*uid, &raw).await;
            let _: Vec<_> = session
                .uid_store(uid.to_string(), "+FLAGS (\\Seen)")
                .await?
                .try_collect()
                .await?;
        }
        session.logout().await?;
        Ok(uids.len())
    }

    /// Files or attaches one message. One that cannot be read is logged and left seen, so it
    /// does not come back on every look.
    async fn handle(&self, uid: u32, raw: &[u8]) {
        let now = (self.clock)();
        let Some(parsed) = parse_mail(raw, now.as_millisecond()) else {
            warn!(uid, "a message without a sender address was skipped");
            return;
        };
        let limit = match self.rules.deadlines(&self.config) {
            Ok(d) => d.limit_for(
                &self.config.notify.inbound.category,
                self.config.notify.inbound.ticket_type,
                Urgency::Normal,
            ),
            Err(e) => {
                warn!(error = ?e, "ticket rules not loaded; the message waits");
                return;
            }
        };
        let (store, config) = (self.store.clone(), self.config.clone());
        let run =
            tokio::task::spawn_blocking(move || receive_mail(&store, &config, &parsed, limit, now))
                .await;
        match run {
            Ok(Ok(outcome)) => info!(uid, ?outcome, "e-mail received"),
            Ok(Err(e)) => warn!(uid, error = %e, "e-mail not filed"),
            Err(e) => warn!(uid, error = %e, "e-mail task failed"),
        }
    }
}

fn receive_mail(
    store: &Store,
    config: &Config,
    parsed: &ParsedMail,
    limit: crate::tickets::TimeLimit,
    now: Timestamp,
) -> Result<Outcome, NotifyError> {
    receive(store, config, &parsed.message, parsed.reply_to, limit, now)
}

fn server_name(host: &str) -> Result<rustls::pki_types::ServerName<'static>, ImapError> {
    rustls::pki_types::ServerName::try_from(host.to_owned())
        .map_err(|e| ImapError::Tls(format!("{host}: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reply_names_its_ticket_and_chinese_mail_is_decoded() {
        let raw = "From: =?UTF-8?B?546L5aWz5aOr?= <Wang@Example.com>\r\n\
                   To: 12345@hotline.example\r\n\
                   Subject: =?GBK?B?wre1xru1wcs=?=\r\n\
                   Message-ID: <m-1@example.com>\r\n\
                   In-Reply-To: <outbox-9.ticket-42@hotline>\r\n\
                   Content-Type: text/plain; charset=utf-8\r\n\
                   \r\n\
                   已经修好了，谢谢。\r\n";
        let p = parse_mail(raw.as_bytes(), 5).unwrap();
        assert_eq!(p.message.sender, "wang@example.com");
        assert_eq!(p.message.external_id, "m-1@example.com");
        assert_eq!(p.message.body, "已经修好了，谢谢。");
        assert_eq!(p.reply_to, Some(42));
        assert_eq!(p.message.subject, "路灯坏了");
        assert!(parse_mail(b"Subject: no sender\r\n\r\nx", 0).is_none());
    }
}
