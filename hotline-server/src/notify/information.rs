//! The information service (A8): a knowledge-base item (office guide, policy, address) sent on
//! request, by the IVR (`send_info`) or by an agent (`POST /knowledge/{id}/send`). The SMS
//! carries the text; the e-mail carries it in the body and as a text attachment, so the
//! citizen can keep or forward the guide as a file.

use std::collections::BTreeMap;

use super::email::TextAttachment;
use super::template::{Event, PLACEHOLDERS, render};
use super::{NotifyError, templates_for};
use crate::config::Config;
use crate::store::{KnowledgeRow, NewNotification, Store};

/// Who asked for which item to go where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InfoRequest<'a> {
    /// `sms` or `email`.
    pub channel: &'a str,
    pub to: &'a str,
    pub language: &'a str,
    /// The hotline's number (`12345`), shown in the SMS.
    pub hotline: &'a str,
    /// The ticket the item answers, if any: the notification is then listed on it.
    pub ticket_id: Option<i64>,
}

/// The item as a file: its title and text.
pub fn attachment(item: &KnowledgeRow) -> TextAttachment {
    TextAttachment {
        kind: "knowledge".into(),
        id: Some(item.id),
        name: format!("knowledge-{}.txt", item.id),
        content_type: "text/plain; charset=utf-8".into(),
        text: format!("{}\n\n{}\n", item.title, item.body),
    }
}

/// The notification for `item`, from the `information` template. Pure apart from the
/// templates passed in.
pub fn notification(
    template: &super::template::EventTemplate,
    item: &KnowledgeRow,
    req: &InfoRequest<'_>,
) -> Result<NewNotification, NotifyError> {
    let mut vars: BTreeMap<&str, String> =
        PLACEHOLDERS.iter().map(|p| (*p, String::new())).collect();
    vars.insert("title", item.title.clone());
    vars.insert("body", item.body.clone());
    vars.insert("hotline", req.hotline.to_owned());
    let email = req.channel == "email";
    let body = if email {
        render(&template.text, &vars)?
    } else {
        render(&template.sms, &vars)?
    };
    Ok(NewNotification {
        channel: req.channel.to_owned(),
        event: Event::Information.as_str().into(),
        language: req.language.to_owned(),
        recipient: req.to.to_owned(),
        subject: render(&template.subject, &vars)?,
        body,
        html: if email {
            render(&template.html, &vars)?
        } else {
            String::new()
        },
        attachments: serde_json::to_value([attachment(item)]).unwrap_or_default(),
        ticket_id: req.ticket_id,
        ..NewNotification::default()
    })
}

/// Queues `item` for `req.to`. Returns the outbox id.
pub fn send(
    store: &Store,
    config: &Config,
    item: &KnowledgeRow,
    req: &InfoRequest<'_>,
    now_ms: i64,
) -> Result<i64, NotifyError> {
    let templates = templates_for(config, store)?;
    let template = templates.get(
        Event::Information,
        req.language,
        &config.notify.default_language,
    )?;
    let n = notification(template, item, req)?;
    Ok(store.enqueue_notification(&n, now_ms)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::notify::template::EventTemplate;
    use crate::store::KnowledgeKind;

    fn item() -> KnowledgeRow {
        KnowledgeRow {
            id: 7,
            kind: KnowledgeKind::Guide,
            title: "办事大厅".into(),
            body: "市民服务中心二楼，工作日受理。".into(),
            reference_answer: String::new(),
            version: 1,
            created_at_ms: 0,
            updated_at_ms: 0,
            updated_by: "admin".into(),
        }
    }

    #[test]
    fn an_email_carries_the_item_as_a_file_and_an_sms_as_text() {
        let t = EventTemplate {
            sms: "[{hotline}] {title}: {body}".into(),
            subject: "{title}".into(),
            text: "{body}".into(),
            html: String::new(),
        };
        let mut req = InfoRequest {
            channel: "email",
            to: "wang@example.com",
            language: "zh",
            hotline: "12345",
            ticket_id: Some(3),
        };
        let mail = notification(&t, &item(), &req).unwrap();
        assert_eq!(mail.subject, "办事大厅");
        assert_eq!(mail.body, "市民服务中心二楼，工作日受理。");
        let files: Vec<TextAttachment> = serde_json::from_value(mail.attachments).unwrap();
        assert_eq!(files[0].name, "knowledge-7.txt");
        assert_eq!(files[0].kind, "knowledge");
        assert!(files[0].text.starts_with("办事大厅\n\n市民服务中心二楼"));
        req.channel = "sms";
        let sms = notification(&t, &item(), &req).unwrap();
        assert_eq!(sms.body, "[12345] 办事大厅: 市民服务中心二楼，工作日受理。");
    }
}
