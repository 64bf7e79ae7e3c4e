//! `[notify]`: the outbox, the SMS gateway's request template, SMTP, inbound messages; and
//! `[campaign]`: outbound follow-up calls. Every key has a default; an empty `url` / `host`
//! turns that channel off.

use std::collections::BTreeMap;

use serde::Deserialize;

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NotifyConfig {
    /// How often the outbox task looks for notifications that are due.
    pub poll_interval_ms: u64,
    /// The first retry waits this long; each next one twice as long, up to `retry_max_secs`.
    pub retry_initial_secs: u64,
    pub retry_max_secs: u64,
    /// After this many failed tries a notification is `failed` for good.
    pub max_attempts: u32,
    /// Language of citizens and departments that have none recorded.
    pub default_language: String,
    /// A ticket dispatched to a department with a phone is also read to that phone as a voice
    /// dispatch order (`[campaign] dispatch_flow`), acknowledged on the keypad.
    pub voice_dispatch: bool,
    /// Where the centre hears of a voicemail or director's mail left in the IVR.
    pub voicemail: CentreContact,
    /// Where the centre hears that a replied ticket is due for its follow-up visit (回访).
    pub follow_up: CentreContact,
    pub sms: SmsGatewayConfig,
    pub smtp: SmtpConfig,
    pub inbound: InboundConfig,
    pub imap: ImapConfig,
}

impl Default for NotifyConfig {
    fn default() -> Self {
        Self {
            poll_interval_ms: 1000,
            retry_initial_secs: 30,
            retry_max_secs: 3600,
            max_attempts: 10,
            default_language: "zh".into(),
            voice_dispatch: false,
            voicemail: CentreContact::default(),
            follow_up: CentreContact::default(),
            sms: SmsGatewayConfig::default(),
            smtp: SmtpConfig::default(),
            inbound: InboundConfig::default(),
            imap: ImapConfig::default(),
        }
    }
}

/// A desk of the centre (duty mailbox, duty phone) that gets the centre's own notices; empty
/// fields are not used.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CentreContact {
    pub email: String,
    pub sms: String,
    /// `""` = `[notify] default_language`.
    pub language: String,
}

/// How the request to an SMS gateway is built. Values may use `{to}`, `{text}`, `{id}` (the
/// outbox row) and `{secret}`; the secret is never logged.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SmsGatewayConfig {
    /// `""` = no SMS is sent (nor queued).
    pub url: String,
    pub method: HttpMethod,
    pub format: BodyFormat,
    pub headers: BTreeMap<String, String>,
    /// The body fields (or query parameters with `format = "query"`).
    pub fields: BTreeMap<String, String>,
    /// An API key or token, put where a `{secret}` placeholder asks for it.
    pub secret: String,
    /// Some gateways answer 200 with an error inside: a success must then contain this text.
    pub accept_body: String,
    /// A JSON pointer to the gateway's message id in its answer (e.g. `/data/id`).
    pub id_pointer: String,
    pub timeout_secs: u64,
    /// At most this many SMS to one number per `rate_window_secs` (0 = no limit).
    pub rate_limit: u32,
    pub rate_window_secs: u64,
}

impl Default for SmsGatewayConfig {
    fn default() -> Self {
        Self {
            url: String::new(),
            method: HttpMethod::Post,
            format: BodyFormat::Json,
            headers: BTreeMap::new(),
            fields: BTreeMap::from([
                ("to".to_owned(), "{to}".to_owned()),
                ("text".to_owned(), "{text}".to_owned()),
            ]),
            secret: String::new(),
            accept_body: String::new(),
            id_pointer: String::new(),
            timeout_secs: 10,
            rate_limit: 5,
            rate_window_secs: 3600,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum HttpMethod {
    Get,
    Post,
    Put,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BodyFormat {
    Json,
    Form,
    /// No body: the fields go in the query string.
    Query,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SmtpConfig {
    /// `""` = no e-mail is sent (nor queued).
    pub host: String,
    pub port: u16,
    pub security: SmtpSecurity,
    /// `""` = no AUTH.
    pub username: String,
    pub password: String,
    /// `Name <address>`.
    pub from: String,
    pub timeout_secs: u64,
    /// PEM file of the CAs the server's certificate is checked against (a private CA);
    /// `""` = the public web roots. Verification is never turned off.
    pub ca_file: String,
}

impl Default for SmtpConfig {
    fn default() -> Self {
        Self {
            host: String::new(),
            port: 587,
            security: SmtpSecurity::Starttls,
            username: String::new(),
            password: String::new(),
            from: "Hotline <hotline@localhost>".into(),
            timeout_secs: 20,
            ca_file: String::new(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmtpSecurity {
    /// Plain connection upgraded with STARTTLS (required).
    Starttls,
    /// TLS from the first byte (port 465).
    Tls,
    /// No encryption: only for a relay on the same host.
    None,
}

/// Messages from citizens: SMS the gateway posts to `/api/v1/inbound/sms`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct InboundConfig {
    /// The shared secret the gateway sends (`X-Hotline-Token` or `?token=`); `""` turns the
    /// endpoint off.
    pub sms_token: String,
    /// Category and type of tickets filed from messages (the centre re-classifies them).
    pub category: String,
    pub ticket_type: crate::tickets::TicketType,
    /// A reply within this many days to a ticket's notification attaches to that ticket.
    pub reply_window_days: u32,
}

impl Default for InboundConfig {
    fn default() -> Self {
        Self {
            sms_token: String::new(),
            category: "other".into(),
            ticket_type: crate::tickets::TicketType::Complaint,
            reply_window_days: 7,
        }
    }
}

/// The mailbox citizens write to: its new messages become tickets or join the ticket they
/// answer.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ImapConfig {
    /// `""` = no mailbox is read.
    pub host: String,
    pub port: u16,
    pub security: ImapSecurity,
    pub username: String,
    pub password: String,
    pub mailbox: String,
    /// How often the mailbox is looked at.
    pub poll_interval_ms: u64,
    /// PEM file of the CAs the server's certificate is checked against; `""` = the public
    /// web roots.
    pub ca_file: String,
}

impl Default for ImapConfig {
    fn default() -> Self {
        Self {
            host: String::new(),
            port: 993,
            security: ImapSecurity::Tls,
            username: String::new(),
            password: String::new(),
            mailbox: "INBOX".into(),
            poll_interval_ms: 60_000,
            ca_file: String::new(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ImapSecurity {
    /// IMAPS: TLS from the first byte (port 993).
    Tls,
    /// No encryption: only for a server on the same host.
    None,
}

/// `[campaign]`: the defaults of outbound follow-up (回访) and survey campaigns.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CampaignConfig {
    /// How often the campaign task looks for citizens to call.
    pub poll_interval_ms: u64,
    /// Calls placed at the same time, all campaigns together.
    pub max_parallel: usize,
    /// The IVR flow a survey campaign runs on the answered call.
    pub survey_flow: String,
    /// The flow of a voice dispatch order, and the wait before calling a department again
    /// when nobody acknowledged it.
    pub dispatch_flow: String,
    pub dispatch_retry_secs: u64,
    pub max_attempts: u32,
    /// Wait before calling again after busy, no answer or a failure.
    pub retry_secs: u64,
    /// Local calling window `HH:MM`: nobody is called at night.
    pub window_start: String,
    pub window_end: String,
}

impl Default for CampaignConfig {
    fn default() -> Self {
        Self {
            poll_interval_ms: 1000,
            max_parallel: 4,
            survey_flow: "satisfaction".into(),
            dispatch_flow: "dispatch_order".into(),
            dispatch_retry_secs: 120,
            max_attempts: 3,
            retry_secs: 1800,
            window_start: "09:00".into(),
            window_end: "20:00".into(),
        }
    }
}
