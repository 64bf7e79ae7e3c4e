//! Notification templates per event and language: `assets/notify/<language>.toml`, with rows of
//! `notify_templates` (edited in the database) taking precedence. Placeholders are `{name}`;
//! `{{` and `}}` stand for literal braces. Rendering is pure.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

/// The moments a notification is sent at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Event {
    /// To the citizen: the ticket number and PIN (已受理).
    Received,
    /// To the citizen: handed to a department; to the department: new work (新派单).
    Dispatched,
    /// To the citizen: the department's reply (答复).
    Replied,
    /// To the centre or the citizen: the follow-up visit (回访) is due.
    FollowUpDue,
    /// To the department: the deadline is near (催办).
    DueSoon,
    /// To the department: the deadline has passed.
    Overdue,
    /// To agents: a voicemail waits.
    VoicemailWaiting,
    /// A knowledge-base item or office guide sent on request (A8).
    Information,
}

impl Event {
    pub const ALL: &'static [Event] = &[
        Event::Received,
        Event::Dispatched,
        Event::Replied,
        Event::FollowUpDue,
        Event::DueSoon,
        Event::Overdue,
        Event::VoicemailWaiting,
        Event::Information,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            Event::Received => "received",
            Event::Dispatched => "dispatched",
            Event::Replied => "replied",
            Event::FollowUpDue => "follow_up_due",
            Event::DueSoon => "due_soon",
            Event::Overdue => "overdue",
            Event::VoicemailWaiting => "voicemail_waiting",
            Event::Information => "information",
        }
    }

    pub fn parse(name: &str) -> Option<Event> {
        Event::ALL.iter().copied().find(|e| e.as_str() == name)
    }
}

/// What is wrong with a template.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    #[error("unknown placeholder {{{0}}}")]
    Unknown(String),
    #[error("unclosed placeholder after \"{0}\"")]
    Unclosed(String),
    #[error("a single \"}}\" (write \"}}}}\" for a brace)")]
    StrayBrace,
    #[error("{file}: {message}")]
    File { file: String, message: String },
    #[error("no template for \"{event}\" in \"{language}\" or the default language")]
    Missing { event: String, language: String },
}

/// One event's texts; an empty text means that channel is not used for the event.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EventTemplate {
    pub sms: String,
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// Every placeholder a template may use.
pub const PLACEHOLDERS: &[&str] = &[
    "number",
    "pin",
    "subject",
    "department",
    "due",
    "reply",
    "hotline",
    "title",
    "body",
    "caller",
];

/// `template` with each `{name}` replaced by `vars[name]`. A placeholder that `vars` lacks is
/// an error, so a typo shows up instead of going out to citizens.
pub fn render(template: &str, vars: &BTreeMap<&str, String>) -> Result<String, TemplateError> {
    let mut out = String::with_capacity(template.len() + 32);
    let mut rest = template;
    while let Some(pos) = rest.find(['{', '}']) {
        out.push_str(&rest[..pos]);
        let tail = &rest[pos..];
        if let Some(after) = tail.strip_prefix("{{") {
            out.push('{');
            rest = after;
        } else if let Some(after) = tail.strip_prefix("}}") {
            out.push('}');
            rest = after;
        } else if tail.starts_with('}') {
            return Err(TemplateError::StrayBrace);
        } else {
            let end = tail
                .find('}')
                .ok_or_else(|| TemplateError::Unclosed(out.chars().rev().take(20).collect()))?;
            let name = &tail[1..end];
            let value = vars
                .get(name)
                .ok_or_else(|| TemplateError::Unknown(name.to_owned()))?;
            out.push_str(value);
            rest = &tail[end + 1..];
        }
    }
    out.push_str(rest);
    Ok(out)
}

/// Checks a template against [`PLACEHOLDERS`].
pub fn check(template: &str) -> Result<(), TemplateError> {
    let vars = PLACEHOLDERS.iter().map(|p| (*p, String::new())).collect();
    render(template, &vars).map(|_| ())
}

/// The templates of every language, by event.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Templates {
    by_language: BTreeMap<String, BTreeMap<String, EventTemplate>>,
}

impl Templates {
    /// Reads `<dir>/<language>.toml` files: a table per event (`[received]`, ...).
    pub fn load_dir(dir: &Path) -> Result<Templates, TemplateError> {
        let mut templates = Templates::default();
        let entries = std::fs::read_dir(dir).map_err(|e| TemplateError::File {
            file: dir.display().to_string(),
            message: e.to_string(),
        })?;
        let mut paths: Vec<_> = entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            .collect();
        paths.sort();
        for path in paths {
            let file = path.display().to_string();
            let bad = |message: String| TemplateError::File {
                file: file.clone(),
                message,
            };
            let language = path
                .file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or_default()
                .to_owned();
            let text = std::fs::read_to_string(&path).map_err(|e| bad(e.to_string()))?;
            let events: BTreeMap<String, EventTemplate> =
                toml::from_str(&text).map_err(|e| bad(e.to_string()))?;
            for (event, t) in &events {
                if Event::parse(event).is_none() {
                    return Err(bad(format!("unknown event [{event}]")));
                }
                for part in [&t.sms, &t.subject, &t.text, &t.html] {
                    check(part).map_err(|e| bad(format!("[{event}]: {e}")))?;
                }
            }
            templates.by_language.insert(language, events);
        }
        Ok(templates)
    }

    /// Adds or replaces one event's template (a row edited in the database).
    pub fn set(&mut self, event: Event, language: &str, template: EventTemplate) {
        self.by_language
            .entry(language.to_owned())
            .or_default()
            .insert(event.as_str().to_owned(), template);
    }

    /// The template for `event` in `language`, else in `fallback`.
    pub fn get(
        &self,
        event: Event,
        language: &str,
        fallback: &str,
    ) -> Result<&EventTemplate, TemplateError> {
        [language, fallback]
            .iter()
            .find_map(|l| self.by_language.get(*l)?.get(event.as_str()))
            .ok_or_else(|| TemplateError::Missing {
                event: event.as_str().to_owned(),
                language: language.to_owned(),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&'static str, &str)]) -> BTreeMap<&'static str, String> {
        pairs.iter().map(|(k, v)| (*k, (*v).to_owned())).collect()
    }

    #[test]
    fn placeholders_are_replaced_and_braces_escaped() {
        let v = vars(&[("number", "12345-20261123-000001"), ("pin", "1234")]);
        assert_eq!(
            render("工单号{number}，密码{pin}。{{ok}}", &v).unwrap(),
            "工单号12345-20261123-000001，密码1234。{ok}"
        );
    }

    #[test]
    fn mistakes_are_errors() {
        let v = vars(&[("number", "1")]);
        assert_eq!(
            render("{numbr}", &v),
            Err(TemplateError::Unknown("numbr".into()))
        );
        assert!(matches!(
            render("x {number", &v),
            Err(TemplateError::Unclosed(_))
        ));
        assert_eq!(render("a } b", &v), Err(TemplateError::StrayBrace));
        assert!(check("{hotline} {due}").is_ok());
    }

    #[test]
    fn the_shipped_templates_load_for_every_event() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../assets/notify");
        let t = Templates::load_dir(&dir).unwrap();
        for lang in ["zh", "en"] {
            for e in Event::ALL {
                assert!(t.get(*e, lang, "zh").is_ok(), "{lang} {}", e.as_str());
            }
        }
        let fallback = t.get(Event::Received, "fr", "zh").unwrap();
        assert!(fallback.sms.contains("{pin}"));
    }
}
