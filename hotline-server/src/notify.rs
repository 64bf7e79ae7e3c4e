//! Notifications (G1, G2): SMS through HTTP gateways and e-mail through SMTP, from templates per
//! event and language, through a durable outbox in SQLite; and messages from citizens (G3).
//!
//! A ticket event queues rows in `outbox` ([`events`]); the outbox task ([`outbox`]) sends them,
//! retries with backoff ([`backoff`]) and keeps the per-number SMS limit ([`rate_limit`]). The
//! policy parts are pure; [`sms`] and [`email`] are the drivers.

pub mod backoff;
pub mod email;
pub mod events;
pub mod imap;
pub mod inbound;
pub mod information;
pub mod outbox;
pub mod rate_limit;
pub mod sms;
pub mod template;
pub mod tls;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, LazyLock, Mutex, PoisonError};

use tokio_util::sync::CancellationToken;

use crate::calls::Clock;
use crate::config::Config;
use crate::store::{RecordError, Store, StoreError};
use template::{Event, EventTemplate, TemplateError, Templates};

/// A try that did not go through; `retry` says whether another try may succeed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct SendError {
    pub message: String,
    pub retry: bool,
}

impl SendError {
    pub fn transient(message: String) -> Self {
        Self {
            message,
            retry: true,
        }
    }

    pub fn permanent(message: String) -> Self {
        Self {
            message,
            retry: false,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    #[error("notification templates: {0}")]
    Template(#[from] TemplateError),
    #[error(transparent)]
    Record(#[from] RecordError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("notifications: {0}")]
    Setup(SendError),
    #[error("assets: {0}")]
    Assets(String),
}

/// The Message-ID of an outbox e-mail; a reply's `In-Reply-To` names it, so the reply finds
/// its ticket.
pub fn message_id(outbox_id: i64, ticket_id: Option<i64>) -> String {
    match ticket_id {
        Some(t) => format!("outbox-{outbox_id}.ticket-{t}@hotline"),
        None => format!("outbox-{outbox_id}@hotline"),
    }
}

/// The ticket id in a Message-ID made by [`message_id`].
pub fn ticket_of_message_id(id: &str) -> Option<i64> {
    let id = id.trim().trim_start_matches('<').trim_end_matches('>');
    let (_, rest) = id.split_once(".ticket-")?;
    rest.strip_suffix("@hotline")?.parse().ok()
}

/// The asset templates, read once per assets folder (a broken file stays broken until restart;
/// the server refuses to start with one, see [`spawn`]).
static ASSET_TEMPLATES: LazyLock<Mutex<BTreeMap<PathBuf, Arc<Templates>>>> =
    LazyLock::new(Mutex::default);

fn asset_templates(config: &Config) -> Result<Arc<Templates>, NotifyError> {
    let assets = crate::server::find_assets(&config.server.assets_dir)
        .map_err(|e| NotifyError::Assets(e.to_string()))?;
    let dir = assets.join("notify");
    let mut cache = ASSET_TEMPLATES
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    if let Some(t) = cache.get(&dir) {
        return Ok(t.clone());
    }
    let loaded = Arc::new(Templates::load_dir(&dir)?);
    cache.insert(dir, loaded.clone());
    Ok(loaded)
}

/// The templates in force: the asset files with the database's rows over them.
pub fn templates_for(config: &Config, store: &Store) -> Result<Templates, NotifyError> {
    let mut templates = (*asset_templates(config)?).clone();
    for row in store.notify_templates()? {
        let Some(event) = Event::parse(&row.event) else {
            continue;
        };
        templates.set(
            event,
            &row.language,
            EventTemplate {
                sms: row.sms,
                subject: row.subject,
                text: row.text,
                html: row.html,
            },
        );
    }
    Ok(templates)
}

/// Checks the templates and starts the outbox task and, when a mailbox is configured, the
/// mailbox task; they stop with `shutdown`.
pub fn spawn(
    config: &Config,
    db_path: &std::path::Path,
    clock: Clock,
    shutdown: CancellationToken,
) -> Result<(), NotifyError> {
    asset_templates(config)?;
    let task = outbox::OutboxTask::new(config, db_path, clock.clone())?;
    tokio::spawn(task.run(shutdown.clone()));
    if !config.notify.imap.host.is_empty() {
        let mailbox = imap::MailboxTask::new(config, db_path, clock)?;
        tokio::spawn(mailbox.run(shutdown));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_ids_lead_back_to_the_ticket() {
        let id = message_id(7, Some(42));
        assert_eq!(ticket_of_message_id(&format!("<{id}>")), Some(42));
        assert_eq!(ticket_of_message_id(&message_id(7, None)), None);
        assert_eq!(ticket_of_message_id("<abc@example.com>"), None);
    }
}
