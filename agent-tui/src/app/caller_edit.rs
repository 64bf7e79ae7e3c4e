//! Editing a caller record found in caller search (E3): the dialog's fields as plain data,
//! validation, and the request body. Numbers are typed as one comma-separated line.

use crate::app::text::Caret;
use crate::rest::{CallerRow, CallerUpdate};

/// Caller categories in the order the dialog cycles them.
pub const CATEGORIES: [&str; 3] = ["resident", "company", "vip"];

/// The dialog's fields in tab order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallerField {
    Name,
    Numbers,
    IdNumber,
    Address,
    Company,
    Category,
}

impl CallerField {
    pub const ALL: [CallerField; 6] = [
        CallerField::Name,
        CallerField::Numbers,
        CallerField::IdNumber,
        CallerField::Address,
        CallerField::Company,
        CallerField::Category,
    ];

    /// The UI-string key of the label.
    pub fn label_key(self) -> &'static str {
        match self {
            CallerField::Name => "caller_edit.name",
            CallerField::Numbers => "caller_edit.numbers",
            CallerField::IdNumber => "caller_edit.id_number",
            CallerField::Address => "caller_edit.address",
            CallerField::Company => "caller_edit.company",
            CallerField::Category => "caller_edit.category",
        }
    }

    fn step(self, by: isize) -> CallerField {
        let n = Self::ALL.len() as isize;
        let i = Self::ALL.iter().position(|f| *f == self).unwrap_or(0) as isize;
        Self::ALL[(i + by).rem_euclid(n) as usize]
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallerDialog {
    pub id: i64,
    pub name: String,
    pub numbers: String,
    pub id_number: String,
    pub address: String,
    pub company: String,
    /// Index into [`CATEGORIES`].
    pub category: usize,
    pub focus: CallerField,
    pub caret: Caret,
    /// A save is out; further saves wait for its answer.
    pub pending: bool,
    /// A UI-string key (validation) or the server's message.
    pub error: Option<String>,
}

impl CallerDialog {
    pub fn from_row(row: &CallerRow) -> CallerDialog {
        CallerDialog {
            id: row.id,
            name: row.name.clone(),
            numbers: row.numbers.join(", "),
            id_number: row.id_number.clone(),
            address: row.address.clone(),
            company: row.company.clone(),
            category: CATEGORIES
                .iter()
                .position(|c| *c == row.category)
                .unwrap_or(0),
            focus: CallerField::Name,
            caret: Caret::END,
            pending: false,
            error: None,
        }
    }

    /// The focused field's text, if it is a text field.
    pub fn text(&self, field: CallerField) -> Option<&str> {
        match field {
            CallerField::Name => Some(&self.name),
            CallerField::Numbers => Some(&self.numbers),
            CallerField::IdNumber => Some(&self.id_number),
            CallerField::Address => Some(&self.address),
            CallerField::Company => Some(&self.company),
            CallerField::Category => None,
        }
    }

    fn text_mut(&mut self) -> Option<(&mut String, &mut Caret)> {
        let text = match self.focus {
            CallerField::Name => &mut self.name,
            CallerField::Numbers => &mut self.numbers,
            CallerField::IdNumber => &mut self.id_number,
            CallerField::Address => &mut self.address,
            CallerField::Company => &mut self.company,
            CallerField::Category => return None,
        };
        Some((text, &mut self.caret))
    }

    pub fn focus_by(&mut self, by: isize) {
        self.focus = self.focus.step(by);
        self.caret = Caret::END;
    }

    pub fn input(&mut self, c: char) {
        if let Some((t, caret)) = self.text_mut() {
            caret.insert(t, c);
        }
    }

    pub fn backspace(&mut self) {
        if let Some((t, caret)) = self.text_mut() {
            caret.backspace(t);
        }
    }

    pub fn delete(&mut self) {
        if let Some((t, caret)) = self.text_mut() {
            caret.delete(t);
        }
    }

    pub fn home(&mut self) {
        if let Some((t, caret)) = self.text_mut() {
            caret.home(t);
        }
    }

    pub fn end(&mut self) {
        if let Some((t, caret)) = self.text_mut() {
            caret.end(t);
        }
    }

    /// Left/right: the caret, or the category choice.
    pub fn left_right(&mut self, by: isize) {
        match self.text_mut() {
            Some((t, caret)) if by < 0 => caret.left(t),
            Some((t, caret)) => caret.right(t),
            None => {
                let n = CATEGORIES.len() as isize;
                self.category = (self.category as isize + by).rem_euclid(n) as usize;
            }
        }
    }

    /// The request body, or the UI-string key of what is wrong.
    pub fn to_update(&self) -> Result<CallerUpdate, &'static str> {
        let name = self.name.trim();
        if name.is_empty() {
            return Err("caller_edit.err.name");
        }
        let numbers: Vec<String> = self
            .numbers
            .split([',', '，', ' ', ';'])
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .map(str::to_owned)
            .collect();
        if numbers.is_empty() {
            return Err("caller_edit.err.numbers");
        }
        let phone_like = |n: &String| {
            n.chars()
                .all(|c| c.is_ascii_digit() || matches!(c, '+' | '-'))
        };
        if !numbers.iter().all(phone_like) {
            return Err("caller_edit.err.number");
        }
        Ok(CallerUpdate {
            name: name.to_owned(),
            numbers,
            id_number: self.id_number.trim().to_owned(),
            address: self.address.trim().to_owned(),
            company: self.company.trim().to_owned(),
            category: CATEGORIES[self.category].to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row() -> CallerRow {
        CallerRow {
            id: 7,
            name: "王女士".into(),
            numbers: vec!["13912345678".into(), "057188886666".into()],
            id_number: String::new(),
            address: "幸福路12号".into(),
            company: String::new(),
            category: "vip".into(),
        }
    }

    #[test]
    fn edits_become_the_request_body() {
        let mut d = CallerDialog::from_row(&row());
        assert_eq!(d.numbers, "13912345678, 057188886666");
        assert_eq!(CATEGORIES[d.category], "vip");
        d.home();
        d.input('老');
        d.focus_by(1);
        d.input('，');
        for c in "13800138000".chars() {
            d.input(c);
        }
        d.focus_by(-1);
        d.focus_by(-1);
        assert_eq!(d.focus, CallerField::Category);
        d.left_right(1);
        let u = d.to_update().unwrap();
        assert_eq!(u.name, "老王女士");
        assert_eq!(u.numbers, ["13912345678", "057188886666", "13800138000"]);
        assert_eq!(u.category, "resident");
        assert_eq!(u.address, "幸福路12号");
    }

    #[test]
    fn a_name_and_a_phone_number_are_required() {
        let mut d = CallerDialog::from_row(&row());
        d.name = " ".into();
        assert_eq!(d.to_update(), Err("caller_edit.err.name"));
        d.name = "王".into();
        d.numbers = ", ".into();
        assert_eq!(d.to_update(), Err("caller_edit.err.numbers"));
        d.numbers = "139 一二三".into();
        assert_eq!(d.to_update(), Err("caller_edit.err.number"));
    }
}
