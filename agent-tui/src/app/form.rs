//! The ticket entry form (受理单) as plain data: the draft lives here as the agent types, so it
//! survives switching to the knowledge base and back, and validation is a pure function.

use crate::app::categories::Category;
use crate::app::text::Caret;
use crate::rest::{NewTicket, VoicemailRow};

/// Ticket types an agent files (F1); `director_mail` comes from the IVR only.
pub const TYPES: [&str; 6] = [
    "complaint",
    "report",
    "consultation",
    "suggestion",
    "help",
    "praise",
];

pub const URGENCIES: [&str; 3] = ["normal", "urgent", "very_urgent"];

/// Longest subject accepted, in characters: it is printed on dispatch letters.
pub const SUBJECT_MAX: usize = 60;

/// The form's fields in tab order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    Type,
    Category,
    Subject,
    Description,
    Address,
    Region,
    Urgency,
    /// The number to call back (consultations only).
    Callback,
    /// Answer later: hold the consultation as pending (consultations only).
    Later,
    Departments,
    Related,
}

impl Field {
    pub const ALL: [Field; 11] = [
        Field::Type,
        Field::Category,
        Field::Subject,
        Field::Description,
        Field::Address,
        Field::Region,
        Field::Urgency,
        Field::Callback,
        Field::Later,
        Field::Departments,
        Field::Related,
    ];

    /// The UI-string key of the label.
    pub fn label_key(self) -> &'static str {
        match self {
            Field::Type => "form.type",
            Field::Category => "form.category",
            Field::Subject => "form.subject",
            Field::Description => "form.description",
            Field::Address => "form.address",
            Field::Region => "form.region",
            Field::Urgency => "form.urgency",
            Field::Callback => "form.callback",
            Field::Later => "form.later",
            Field::Departments => "form.departments",
            Field::Related => "form.related",
        }
    }

    /// Whether typed characters go into this field as text (else they filter or toggle).
    pub fn is_text(self) -> bool {
        matches!(
            self,
            Field::Subject | Field::Description | Field::Address | Field::Region | Field::Callback
        )
    }

    /// Whether the field is on the form for this ticket type: the callback fields only
    /// belong to a consultation.
    pub fn shown(self, consultation: bool) -> bool {
        consultation || !matches!(self, Field::Callback | Field::Later)
    }

    fn step(self, by: isize) -> Field {
        let i = Field::ALL.iter().position(|f| *f == self).unwrap_or(0) as isize;
        let n = Field::ALL.len() as isize;
        Field::ALL[(i + by).rem_euclid(n) as usize]
    }
}

/// A department in the picker, flattened from the tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeptEntry {
    pub id: i64,
    pub name: String,
    pub depth: usize,
}

/// The draft ticket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketForm {
    pub focus: Field,
    /// Where typing goes in the focused text field (back at the end on every focus change).
    pub caret: Caret,
    /// Index into [`TYPES`].
    pub kind: usize,
    /// Index into [`URGENCIES`].
    pub urgency: usize,
    pub category: Option<String>,
    pub category_filter: String,
    /// Index into the filtered category list.
    pub category_sel: usize,
    pub subject: String,
    pub description: String,
    pub address: String,
    pub region: String,
    pub departments: Vec<i64>,
    pub dept_filter: String,
    pub dept_sel: usize,
    /// Ticket numbers marked as related (from the screen-pop's tickets).
    pub related: Vec<String>,
    pub related_sel: usize,
    /// UI-string keys of what is wrong, after a submit.
    pub errors: Vec<&'static str>,
    pub pending: bool,
    /// `(ticket number, PIN)` once filed.
    pub filed: Option<(String, String)>,
    pub call_id: Option<String>,
    pub caller_number: Option<String>,
    /// How the matter came in: `phone`, or `voicemail` for a form made from a message.
    pub channel: &'static str,
    /// The message this ticket is made for, tied to it once filed (it had no ticket yet).
    pub voicemail: Option<i64>,
    /// A consultation's callback number (the caller's number to start with).
    pub callback: String,
    /// A consultation that cannot be answered now: held as pending once filed (待答).
    pub answer_later: bool,
    /// The filed ticket was held as pending.
    pub held: bool,
}

impl Default for TicketForm {
    fn default() -> Self {
        TicketForm {
            focus: Field::Type,
            caret: Caret::END,
            kind: 0,
            urgency: 0,
            category: None,
            category_filter: String::new(),
            category_sel: 0,
            subject: String::new(),
            description: String::new(),
            address: String::new(),
            region: String::new(),
            departments: Vec::new(),
            dept_filter: String::new(),
            dept_sel: 0,
            related: Vec::new(),
            related_sel: 0,
            errors: Vec::new(),
            pending: false,
            filed: None,
            call_id: None,
            caller_number: None,
            channel: "phone",
            voicemail: None,
            callback: String::new(),
            answer_later: false,
            held: false,
        }
    }
}

/// Categories matching the form's filter.
pub fn filtered_categories<'a>(cats: &'a [Category], filter: &str) -> Vec<&'a Category> {
    cats.iter().filter(|c| c.matches(filter)).collect()
}

/// Departments matching the form's filter.
pub fn filtered_departments<'a>(depts: &'a [DeptEntry], filter: &str) -> Vec<&'a DeptEntry> {
    let f = filter.trim().to_lowercase();
    depts
        .iter()
        .filter(|d| f.is_empty() || d.name.to_lowercase().contains(&f))
        .collect()
}

impl TicketForm {
    /// A fresh draft for a call.
    pub fn for_call(call_id: Option<String>, caller_number: Option<String>) -> TicketForm {
        TicketForm {
            callback: caller_number.clone().unwrap_or_default(),
            call_id,
            caller_number,
            ..TicketForm::default()
        }
    }

    /// A draft from a voicemail: the voicemail channel, the caller's number, the message's
    /// ticket (if the IVR filed one) marked related, its callback number in the description.
    pub fn for_voicemail(vm: &VoicemailRow, callback_label: &str) -> TicketForm {
        TicketForm {
            caller_number: Some(vm.caller.clone()).filter(|c| !c.is_empty()),
            channel: "voicemail",
            voicemail: vm.ticket_id.is_none().then_some(vm.id),
            related: vm.ticket_number.iter().cloned().collect(),
            description: format!("{callback_label} {}\n", vm.callback),
            callback: vm.callback.clone(),
            focus: Field::Category,
            ..TicketForm::default()
        }
    }

    pub fn is_consultation(&self) -> bool {
        TYPES[self.kind % TYPES.len()] == "consultation"
    }

    /// The callback number to hold the filed ticket with, when it is to be answered later.
    pub fn hold_callback(&self) -> Option<String> {
        (self.is_consultation() && self.answer_later).then(|| self.callback.trim().to_owned())
    }

    fn step_focus(&mut self, by: isize) {
        let consultation = self.is_consultation();
        let mut f = self.focus.step(by);
        while !f.shown(consultation) {
            f = f.step(by);
        }
        self.focus = f;
        self.caret = Caret::END;
    }

    pub fn next_field(&mut self) {
        self.step_focus(1);
    }

    pub fn prev_field(&mut self) {
        self.step_focus(-1);
    }

    /// The focused field's text (a picker's filter counts) with the caret in it.
    fn text_mut(&mut self) -> Option<(&mut String, &mut Caret)> {
        let text = match self.focus {
            Field::Subject => &mut self.subject,
            Field::Description => &mut self.description,
            Field::Address => &mut self.address,
            Field::Region => &mut self.region,
            Field::Callback => &mut self.callback,
            Field::Category => &mut self.category_filter,
            Field::Departments => &mut self.dept_filter,
            _ => return None,
        };
        Some((text, &mut self.caret))
    }

    /// Delete: the character under the caret.
    pub fn delete(&mut self) {
        if let Some((t, c)) = self.text_mut() {
            c.delete(t);
        }
    }

    /// Home: the start of the caret's line.
    pub fn line_start(&mut self) {
        if let Some((t, c)) = self.text_mut() {
            c.home(t);
        }
    }

    /// End: the end of the caret's line.
    pub fn line_end(&mut self) {
        if let Some((t, c)) = self.text_mut() {
            c.end(t);
        }
    }

    /// Left/right: the caret in a text field, the choice in the type and urgency fields.
    pub fn left_right(&mut self, by: isize) {
        match self.text_mut() {
            Some((t, c)) if by < 0 => c.left(t),
            Some((t, c)) => c.right(t),
            None => self.cycle(by),
        }
    }

    /// A typed character. In the pickers it filters; a space in the department and related
    /// lists toggles the highlighted entry.
    pub fn input(&mut self, c: char, depts: &[DeptEntry], related: &[String]) {
        match self.focus {
            Field::Departments if c == ' ' => self.toggle_department(depts),
            Field::Related if c == ' ' => self.toggle_related(related),
            Field::Later if c == ' ' => self.answer_later = !self.answer_later,
            Field::Type | Field::Urgency | Field::Related | Field::Later => {}
            _ => {
                if let Some((t, caret)) = self.text_mut() {
                    caret.insert(t, c);
                }
                self.category_sel = 0;
                self.dept_sel = 0;
            }
        }
    }

    pub fn backspace(&mut self) {
        if let Some((t, c)) = self.text_mut() {
            c.backspace(t);
        }
    }

    /// Enter: a new line in the description, a choice in the pickers, else the next field.
    pub fn enter(&mut self, cats: &[Category], depts: &[DeptEntry], related: &[String]) {
        match self.focus {
            Field::Description => self.caret.insert(&mut self.description, '\n'),
            Field::Category => {
                if let Some(c) =
                    filtered_categories(cats, &self.category_filter).get(self.category_sel)
                {
                    self.category = Some(c.code.clone());
                    self.category_filter.clear();
                    self.category_sel = 0;
                    self.next_field();
                }
            }
            Field::Departments => self.toggle_department(depts),
            Field::Related => self.toggle_related(related),
            _ => self.next_field(),
        }
    }

    /// Left/right cycle the choice fields.
    pub fn cycle(&mut self, by: isize) {
        let step = |i: usize, n: usize| (i as isize + by).rem_euclid(n as isize) as usize;
        match self.focus {
            Field::Type => self.kind = step(self.kind, TYPES.len()),
            Field::Urgency => self.urgency = step(self.urgency, URGENCIES.len()),
            Field::Later => self.answer_later = !self.answer_later,
            _ => {}
        }
        if self.is_consultation() && self.callback.trim().is_empty() {
            self.callback = self.caller_number.clone().unwrap_or_default();
        }
    }

    /// Up/down move in the pickers.
    pub fn move_sel(&mut self, by: isize, cats: &[Category], depts: &[DeptEntry], related: usize) {
        let clamp = |i: usize, n: usize| {
            if n == 0 {
                0
            } else {
                (i as isize + by).clamp(0, n as isize - 1) as usize
            }
        };
        match self.focus {
            Field::Category => {
                let n = filtered_categories(cats, &self.category_filter).len();
                self.category_sel = clamp(self.category_sel, n);
            }
            Field::Departments => {
                let n = filtered_departments(depts, &self.dept_filter).len();
                self.dept_sel = clamp(self.dept_sel, n);
            }
            Field::Related => self.related_sel = clamp(self.related_sel, related),
            Field::Type | Field::Urgency | Field::Later => self.cycle(by),
            // One line per press; a page is as far as the text goes.
            Field::Description => {
                for _ in 0..by.unsigned_abs() {
                    let moved = if by < 0 {
                        self.caret.up(&self.description)
                    } else {
                        self.caret.down(&self.description)
                    };
                    if !moved {
                        break;
                    }
                }
            }
            _ => {}
        }
    }

    fn toggle_department(&mut self, depts: &[DeptEntry]) {
        if let Some(d) = filtered_departments(depts, &self.dept_filter).get(self.dept_sel) {
            if let Some(i) = self.departments.iter().position(|id| *id == d.id) {
                self.departments.remove(i);
            } else {
                self.departments.push(d.id);
            }
        }
    }

    fn toggle_related(&mut self, related: &[String]) {
        if let Some(n) = related.get(self.related_sel) {
            if let Some(i) = self.related.iter().position(|r| r == n) {
                self.related.remove(i);
            } else {
                self.related.push(n.clone());
            }
        }
    }

    /// Appends a reference answer to the description.
    pub fn insert_answer(&mut self, text: &str) {
        if !self.description.is_empty() && !self.description.ends_with('\n') {
            self.description.push('\n');
        }
        self.description.push_str(text);
        self.caret = Caret::END;
    }

    /// What is wrong with the draft, as UI-string keys; empty when it can be filed.
    pub fn validate(&self) -> Vec<&'static str> {
        let mut errors = Vec::new();
        if self.category.is_none() {
            errors.push("form.err.category");
        }
        if self.subject.trim().is_empty() {
            errors.push("form.err.subject");
        } else if self.subject.chars().count() > SUBJECT_MAX {
            errors.push("form.err.subject_long");
        }
        if self.description.trim().is_empty() {
            errors.push("form.err.description");
        }
        if matches!(TYPES[self.kind], "complaint" | "report") && self.address.trim().is_empty() {
            // A complaint or report has to say where, or no department can act on it.
            errors.push("form.err.address");
        }
        if self.hold_callback().is_some_and(|n| n.is_empty()) {
            errors.push("form.err.callback");
        }
        errors
    }

    /// The request body; related tickets are linked by the server.
    pub fn to_ticket(&self) -> NewTicket {
        NewTicket {
            kind: TYPES[self.kind].to_owned(),
            channel: self.channel.into(),
            category: self.category.clone().unwrap_or_default(),
            urgency: URGENCIES[self.urgency].to_owned(),
            subject: self.subject.trim().to_owned(),
            description: self.description.trim().to_owned(),
            address: self.address.trim().to_owned(),
            region: self.region.trim().to_owned(),
            caller_number: self.caller_number.clone(),
            call_id: self.call_id.clone(),
            related: self.related.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::categories;

    #[test]
    fn validation_names_every_missing_field() {
        let f = TicketForm::default();
        assert_eq!(
            f.validate(),
            [
                "form.err.category",
                "form.err.subject",
                "form.err.description",
                "form.err.address"
            ]
        );
    }

    #[test]
    fn typing_chinese_and_picking_a_category() {
        let cats = categories::load();
        let mut f = TicketForm::default();
        f.next_field();
        assert_eq!(f.focus, Field::Category);
        for c in "市政".chars() {
            f.input(c, &[], &[]);
        }
        f.enter(&cats, &[], &[]);
        assert_eq!(
            f.category.as_deref(),
            Some("urban_construction.municipal_facilities")
        );
        assert_eq!(f.focus, Field::Subject);
        for c in "路灯不亮".chars() {
            f.input(c, &[], &[]);
        }
        f.backspace();
        assert_eq!(f.subject, "路灯不");
        f.next_field();
        f.input('一', &[], &[]);
        f.enter(&cats, &[], &[]);
        f.input('二', &[], &[]);
        assert_eq!(f.description, "一\n二");
        f.next_field();
        f.input('x', &[], &[]);
        assert!(f.validate().is_empty());
        f.subject = "长".repeat(SUBJECT_MAX + 1);
        assert_eq!(f.validate(), ["form.err.subject_long"]);
    }

    #[test]
    fn departments_toggle_and_related_tickets_are_sent_to_link() {
        let depts = vec![
            DeptEntry {
                id: 3,
                name: "市场监管局".into(),
                depth: 0,
            },
            DeptEntry {
                id: 4,
                name: "住建局".into(),
                depth: 0,
            },
        ];
        let mut f = TicketForm {
            focus: Field::Departments,
            ..TicketForm::default()
        };
        f.input(' ', &depts, &[]);
        f.move_sel(1, &[], &depts, 0);
        f.input(' ', &depts, &[]);
        assert_eq!(f.departments, [3, 4]);
        f.input(' ', &depts, &[]);
        assert_eq!(f.departments, [3]);
        f.focus = Field::Related;
        f.input(' ', &depts, &["T-1".to_owned()]);
        let ticket = f.to_ticket();
        assert_eq!(ticket.related, ["T-1"]);
        assert!(!ticket.description.contains("T-1"));
        assert_eq!(ticket.channel, "phone");
    }

    #[test]
    fn the_callback_fields_belong_to_a_consultation_only() {
        let mut f = TicketForm::for_call(None, Some("13800000001".into()));
        f.focus = Field::Urgency;
        f.next_field();
        assert_eq!(f.focus, Field::Departments, "skipped for a complaint");
        f.focus = Field::Type;
        f.cycle(2);
        assert!(f.is_consultation());
        f.focus = Field::Urgency;
        f.next_field();
        assert_eq!(f.focus, Field::Callback);
        assert_eq!(
            f.callback, "13800000001",
            "prefilled with the caller's number"
        );
        f.next_field();
        assert_eq!(f.hold_callback(), None);
        f.input(' ', &[], &[]);
        assert_eq!(f.hold_callback().as_deref(), Some("13800000001"));
        f.callback.clear();
        assert!(f.validate().contains(&"form.err.callback"));
        f.left_right(1);
        assert_eq!(f.hold_callback(), None, "toggled off again");
    }
}
