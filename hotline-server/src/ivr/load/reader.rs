//! Typed access to one TOML table with line numbers, collecting errors instead of stopping.

use std::collections::BTreeSet;
use std::path::Path;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use crate::ivr::check::{Finding, Severity};
use crate::ivr::flow::{Prompt, Target};

/// Byte offset → 1-based line.
pub(crate) struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    pub(crate) fn new(text: &str) -> Self {
        let starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        Self { starts }
    }

    pub(crate) fn line(&self, offset: usize) -> u32 {
        let idx = self.starts.partition_point(|&s| s <= offset);
        u32::try_from(idx.max(1)).unwrap_or(u32::MAX)
    }
}

/// Reads keys of one table; every key read is marked, and [`Reader::finish`] reports the rest
/// as unknown.
pub(crate) struct Reader<'t, 'e, 'i> {
    table: &'t DeTable<'i>,
    what: String,
    lines: &'t LineIndex,
    file: &'t Path,
    errors: &'e mut Vec<Finding>,
    used: BTreeSet<String>,
}

type Value<'t, 'i> = &'t Spanned<DeValue<'i>>;

impl<'t, 'e, 'i> Reader<'t, 'e, 'i> {
    pub(crate) fn new(
        table: &'t DeTable<'i>,
        what: &str,
        lines: &'t LineIndex,
        file: &'t Path,
        errors: &'e mut Vec<Finding>,
    ) -> Self {
        Self {
            table,
            what: what.to_owned(),
            lines,
            file,
            errors,
            used: BTreeSet::new(),
        }
    }

    /// A reader for a nested table that reports into the same error list.
    pub(crate) fn child<'s>(
        &'s mut self,
        table: &'t DeTable<'i>,
        what: &str,
    ) -> Reader<'t, 's, 'i> {
        Reader::new(table, what, self.lines, self.file, self.errors)
    }

    pub(crate) fn error_at(&mut self, line: u32, message: String) {
        self.errors.push(Finding {
            file: self.file.to_owned(),
            line,
            severity: Severity::Error,
            message,
        });
    }

    pub(crate) fn has(&self, key: &str) -> bool {
        self.table.contains_key(key)
    }

    pub(crate) fn keys(&self) -> impl Iterator<Item = &'t str> + use<'t, 'i> {
        self.table.keys().map(|k| k.get_ref().as_ref())
    }

    pub(crate) fn key_line(&self, key: &str) -> Option<u32> {
        let (k, _) = self.table.get_key_value(key)?;
        Some(self.lines.line(k.span().start))
    }

    pub(crate) fn mark_all_used(&mut self) {
        self.used
            .extend(self.table.keys().map(|k| k.get_ref().to_string()));
    }

    fn line_of(&self, value: Value<'t, 'i>) -> u32 {
        self.lines.line(value.span().start)
    }

    fn get(&mut self, key: &str) -> Option<Value<'t, 'i>> {
        let value = self.table.get(key)?;
        self.used.insert(key.to_owned());
        Some(value)
    }

    fn wrong_type(&mut self, key: &str, value: Value<'t, 'i>, expected: &str) {
        let line = self.line_of(value);
        let found = value.get_ref().type_str();
        let what = self.what.clone();
        self.error_at(
            line,
            format!("`{key}` in {what} must be {expected}, not {found}"),
        );
    }

    pub(crate) fn table(&mut self, key: &str) -> Option<(&'t DeTable<'i>, u32)> {
        let value = self.get(key)?;
        if let Some(t) = value.get_ref().as_table() {
            return Some((t, self.line_of(value)));
        }
        self.wrong_type(key, value, "a table");
        None
    }

    /// An array of tables (`[[node.x.when]]` or `when = [{…}, {…}]`).
    pub(crate) fn tables(&mut self, key: &str) -> Vec<(&'t DeTable<'i>, u32)> {
        let Some(value) = self.get(key) else {
            return Vec::new();
        };
        let Some(items) = value.get_ref().as_array() else {
            self.wrong_type(key, value, "a list of tables");
            return Vec::new();
        };
        let mut out = Vec::new();
        for item in items {
            match item.get_ref().as_table() {
                Some(t) => out.push((t, self.line_of(item))),
                None => self.wrong_type(key, item, "a table"),
            }
        }
        out
    }

    pub(crate) fn string(&mut self, key: &str) -> Option<(String, u32)> {
        let value = self.get(key)?;
        if let Some(s) = value.get_ref().as_str() {
            return Some((s.to_owned(), self.line_of(value)));
        }
        self.wrong_type(key, value, "a string");
        None
    }

    /// A list of strings; a single string is a list of one.
    pub(crate) fn strings(&mut self, key: &str) -> Option<Vec<String>> {
        self.string_list(key)
            .map(|l| l.into_iter().map(|(s, _)| s).collect())
    }

    fn string_list(&mut self, key: &str) -> Option<Vec<(String, u32)>> {
        let value = self.get(key)?;
        if let Some(s) = value.get_ref().as_str() {
            return Some(vec![(s.to_owned(), self.line_of(value))]);
        }
        let Some(items) = value.get_ref().as_array() else {
            self.wrong_type(key, value, "a string or a list of strings");
            return None;
        };
        let mut out = Vec::new();
        for item in items {
            match item.get_ref().as_str() {
                Some(s) => out.push((s.to_owned(), self.line_of(item))),
                None => self.wrong_type(key, item, "a string"),
            }
        }
        Some(out)
    }

    pub(crate) fn prompts(&mut self, key: &str) -> Option<Vec<Prompt>> {
        let list = self.string_list(key)?;
        let mut out = Vec::new();
        for (name, line) in list {
            if name.is_empty() || name.contains(['/', '\\']) || name.starts_with('.') {
                self.error_at(line, format!("`{name}` is not a prompt name"));
            } else {
                out.push(Prompt { name, line });
            }
        }
        Some(out)
    }

    pub(crate) fn target(&mut self, key: &str) -> Option<Target> {
        let (node, line) = self.string(key)?;
        if node.is_empty() {
            self.error_at(line, format!("`{key}` must name a node"));
            return None;
        }
        Some(Target { node, line })
    }

    pub(crate) fn int(&mut self, key: &str) -> Option<i64> {
        let value = self.get(key)?;
        let parsed = value
            .get_ref()
            .as_integer()
            .and_then(|i| i64::from_str_radix(i.as_str(), i.radix()).ok());
        if parsed.is_none() {
            self.wrong_type(key, value, "an integer");
        }
        parsed
    }

    pub(crate) fn uint(&mut self, key: &str) -> Option<u32> {
        let value = self.table.get(key)?;
        let n = self.int(key)?;
        let parsed = u32::try_from(n).ok();
        if parsed.is_none() {
            self.wrong_type(key, value, "a whole number ≥ 0");
        }
        parsed
    }

    /// Seconds (integer or decimal) → milliseconds.
    pub(crate) fn secs(&mut self, key: &str) -> Option<u64> {
        let value = self.get(key)?;
        let secs = match value.get_ref() {
            DeValue::Integer(i) => i64::from_str_radix(i.as_str(), i.radix())
                .ok()
                .map(|n| n as f64),
            DeValue::Float(f) => f.as_str().parse::<f64>().ok(),
            _ => None,
        };
        match secs {
            Some(s) if s.is_finite() && (0.0..=86_400.0).contains(&s) => {
                Some((s * 1000.0).round() as u64)
            }
            _ => {
                self.wrong_type(key, value, "seconds between 0 and 86400");
                None
            }
        }
    }

    pub(crate) fn boolean(&mut self, key: &str) -> Option<bool> {
        let value = self.get(key)?;
        let b = value.get_ref().as_bool();
        if b.is_none() {
            self.wrong_type(key, value, "true or false");
        }
        b
    }

    /// A single DTMF key, `""` for none, or `default` when the key is absent (or wrong).
    pub(crate) fn key_char(&mut self, key: &str, default: Option<char>) -> Option<char> {
        let Some((text, line)) = self.string(key) else {
            return default;
        };
        if text.is_empty() {
            return None;
        }
        if let Some(c) = super::dtmf_key(&text) {
            return Some(c);
        }
        self.error_at(
            line,
            format!("`{key}` must be one key (0-9, *, #) or \"\", not `{text}`"),
        );
        default
    }

    /// A table of variable = value, in file order; numbers and booleans become their text.
    pub(crate) fn string_map(&mut self, key: &str) -> Vec<(String, String)> {
        let Some((table, _)) = self.table(key) else {
            return Vec::new();
        };
        let mut entries: Vec<_> = table.iter().collect();
        entries.sort_by_key(|(k, _)| k.span().start);
        let mut out = Vec::new();
        for (k, v) in entries {
            let text = match v.get_ref() {
                DeValue::String(s) => Some(s.to_string()),
                DeValue::Integer(i) => i64::from_str_radix(i.as_str(), i.radix())
                    .ok()
                    .map(|n| n.to_string()),
                DeValue::Boolean(b) => Some(b.to_string()),
                _ => None,
            };
            match text {
                Some(text) => out.push((k.get_ref().to_string(), text)),
                None => self.wrong_type(k.get_ref(), v, "a string"),
            }
        }
        out
    }

    /// Reports every key that was never read.
    pub(crate) fn finish(mut self) {
        let unknown: Vec<_> = self
            .table
            .keys()
            .filter(|k| !self.used.contains(k.get_ref().as_ref()))
            .map(|k| (k.get_ref().to_string(), self.lines.line(k.span().start)))
            .collect();
        for (key, line) in unknown {
            let what = self.what.clone();
            self.error_at(line, format!("unknown key `{key}` in {what}"));
        }
    }
}
