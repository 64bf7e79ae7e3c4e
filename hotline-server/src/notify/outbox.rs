//! The outbox task: sends what is due in the `outbox` table, records each try, retries with
//! backoff, keeps the per-number SMS limit. Everything it needs is in the row, so a gateway or a
//! server that is down only delays a notification; after a restart the task picks up where it
//! stopped (a row sent but not yet marked may go twice: at-least-once).

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;
use tracing::{debug, info, warn};

use super::backoff::{Backoff, Retry};
use super::email::{Email, Mailer, TextAttachment};
use super::rate_limit::RateLimit;
use super::sms::{Sms, SmsGateway};
use super::{NotifyError, SendError};
use crate::calls::Clock;
use crate::config::Config;
use crate::store::{OutboxRow, RecordError, Store};

/// Rows handled per look; the rest on the next one.
const BATCH: usize = 100;

/// What the task needs, built once at start.
pub struct OutboxTask {
    store: Arc<Store>,
    clock: Clock,
    sms: Option<SmsGateway>,
    mailer: Option<Mailer>,
    backoff: Backoff,
    rate: RateLimit,
    every: Duration,
}

/// What one pass did (for tests and logs).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct PassReport {
    pub sent: usize,
    pub retried: usize,
    pub failed: usize,
    pub postponed: usize,
}

impl OutboxTask {
    pub fn new(config: &Config, db_path: &Path, clock: Clock) -> Result<Self, NotifyError> {
        let n = &config.notify;
        Ok(Self {
            store: Arc::new(Store::open(db_path)?),
            clock,
            sms: SmsGateway::new(&n.sms).map_err(NotifyError::Setup)?,
            mailer: Mailer::new(&n.smtp).map_err(NotifyError::Setup)?,
            backoff: Backoff::from_config(n),
            rate: RateLimit::from_config(&n.sms),
            every: Duration::from_millis(n.poll_interval_ms.max(10)),
        })
    }

    fn now_ms(&self) -> i64 {
        (self.clock)().as_millisecond()
    }

    /// Runs passes until `shutdown`.
    pub async fn run(self, shutdown: CancellationToken) {
        info!(
            sms = self.sms.is_some(),
            email = self.mailer.is_some(),
            "outbox task started"
        );
        loop {
            match self.pass().await {
                Ok(r) if r != PassReport::default() => debug!(?r, "outbox pass"),
                Ok(_) => {}
                Err(e) => warn!(error = %e, "outbox pass failed"),
            }
            tokio::select! {
                () = shutdown.cancelled() => return,
                () = tokio::time::sleep(self.every) => {}
            }
        }
    }

    /// Runs blocking SQLite work off the async threads.
    async fn db<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Store) -> Result<T, RecordError> + Send + 'static,
    ) -> Result<T, RecordError> {
        let store = self.store.clone();
        tokio::task::spawn_blocking(move || f(&store))
            .await
            .map_err(|e| RecordError::Invalid(format!("outbox task: {e}")))?
    }

    /// Sends everything due now.
    pub async fn pass(&self) -> Result<PassReport, RecordError> {
        let now = self.now_ms();
        let due = self.db(move |s| s.due_notifications(now, BATCH)).await?;
        let mut report = PassReport::default();
        for row in due {
            let now = self.now_ms();
            if row.channel == "sms"
                && let Some(at) = self.rate_limited(&row, now).await?
            {
                let id = row.id;
                self.db(move |s| {
                    s.postpone_notification(id, at, "per-number SMS limit reached", now)
                })
                .await?;
                report.postponed += 1;
                continue;
            }
            let outcome = self.send(&row).await;
            let now = self.now_ms();
            let id = row.id;
            match outcome {
                Ok(provider_id) => {
                    info!(id, channel = %row.channel, event = %row.event, "notification sent");
                    self.db(move |s| s.mark_notification_sent(id, &provider_id, now))
                        .await?;
                    report.sent += 1;
                }
                Err(e) => {
                    let attempts = row.attempts.saturating_add(1);
                    let retry = match self.backoff.after(attempts, now) {
                        Retry::At(at) if e.retry => Some(at),
                        _ => None,
                    };
                    warn!(id, channel = %row.channel, attempts, error = %e.message,
                          retry_at = ?retry, "notification not sent");
                    if retry.is_some() {
                        report.retried += 1;
                    } else {
                        report.failed += 1;
                    }
                    let message = e.message;
                    self.db(move |s| s.mark_notification_failed(id, &message, retry, now))
                        .await?;
                }
            }
        }
        Ok(report)
    }

    async fn rate_limited(&self, row: &OutboxRow, now: i64) -> Result<Option<i64>, RecordError> {
        if self.rate.max == 0 {
            return Ok(None);
        }
        let to = row.recipient.clone();
        let since = self.rate.window_start(now);
        let sent = self.db(move |s| s.sms_sent_since(&to, since)).await?;
        Ok(self.rate.next_allowed(&sent, now))
    }

    async fn send(&self, row: &OutboxRow) -> Result<String, SendError> {
        let body = row.body_to_send();
        match row.channel.as_str() {
            "sms" => {
                let gw = self.sms.as_ref().ok_or_else(|| {
                    SendError::transient("no SMS gateway configured (notify.sms.url)".into())
                })?;
                gw.send(&Sms {
                    to: &row.recipient,
                    text: &body,
                    id: row.id,
                })
                .await
            }
            "email" => {
                let mailer = self.mailer.as_ref().ok_or_else(|| {
                    SendError::transient("no SMTP server configured (notify.smtp.host)".into())
                })?;
                let attachments: Vec<TextAttachment> =
                    serde_json::from_value(row.attachments.clone()).unwrap_or_default();
                let message_id = super::message_id(row.id, row.ticket_id);
                mailer
                    .send(&Email {
                        to: &row.recipient,
                        subject: &row.subject,
                        text: &body,
                        html: &row.html,
                        attachments: &attachments,
                        message_id: &message_id,
                    })
                    .await
            }
            other => Err(SendError::permanent(format!("unknown channel \"{other}\""))),
        }
    }
}
