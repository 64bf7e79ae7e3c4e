//! Turning byte offsets and key paths into the `file:line: key` of a [`ConfigError`].
//!
//! toml reports spans; semantic checks report a [`KeyPath`]. Both are resolved against the
//! parsed document (`DeTable`), which keeps the span of every key and value.

use std::ops::Range;

use serde::Deserialize;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::ConfigError;

/// Where a semantic problem is: `[table]` or `[[table]]` number `index`, then `key`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct KeyPath {
    pub table: &'static str,
    pub index: Option<usize>,
    pub key: &'static str,
    /// A second key equally to blame (`rtp_port_min` vs `rtp_port_max`): whichever the
    /// admin's file sets is reported.
    pub or_key: Option<&'static str>,
}

/// A failed semantic check, before it is placed in a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Problem {
    pub path: KeyPath,
    pub message: String,
}

impl Problem {
    pub fn new(
        table: &'static str,
        index: Option<usize>,
        key: &'static str,
        message: String,
    ) -> Self {
        Self {
            path: KeyPath {
                table,
                index,
                key,
                or_key: None,
            },
            message,
        }
    }

    /// Blames `key` or `other`, whichever the file sets.
    pub fn or_key(mut self, other: &'static str) -> Self {
        self.path.or_key = Some(other);
        self
    }

    /// An error that names the key but no file position.
    pub fn unplaced(self, file: &str) -> ConfigError {
        ConfigError::Invalid {
            file: file.to_owned(),
            line: None,
            key: Some(self.path.key.to_owned()),
            message: self.message,
        }
    }
}

/// A parsed document with the name and text it came from.
pub(crate) struct Source<'a> {
    pub file: &'a str,
    pub text: &'a str,
    pub root: Spanned<DeTable<'a>>,
}

impl<'a> Source<'a> {
    /// Parses `text`; a syntax error is reported at its line.
    pub fn parse(file: &'a str, text: &'a str) -> Result<Self, ConfigError> {
        match DeTable::parse(text) {
            Ok(root) => Ok(Self { file, text, root }),
            Err(err) => Err(toml_error(file, text, None, &err)),
        }
    }

    /// Deserializes a (possibly merged) document whose spans point into this source.
    pub fn deserialize<T: Deserialize<'a>>(
        &self,
        doc: Spanned<DeTable<'a>>,
    ) -> Result<T, ConfigError> {
        T::deserialize(toml::de::Deserializer::from(doc))
            .map_err(|err| toml_error(self.file, self.text, Some(self.root.get_ref()), &err))
    }

    /// The `[table]` or `[[table]]` entry `path` names, if this document has it.
    fn table_of(&self, path: &KeyPath) -> Option<&Spanned<DeValue<'a>>> {
        let value = self.root.get_ref().get(path.table)?;
        match (value.get_ref(), path.index) {
            (DeValue::Table(_), None) => Some(value),
            (DeValue::Array(entries), Some(index)) => entries.get(index),
            _ => None,
        }
    }

    /// The span of `key`'s value inside the table `path` names.
    fn key_span(&self, path: &KeyPath, key: &str) -> Option<Range<usize>> {
        let DeValue::Table(fields) = self.table_of(path)?.get_ref() else {
            return None;
        };
        fields.get(key).map(Spanned::span)
    }

    fn error_at(&self, span: Option<Range<usize>>, key: &str, message: String) -> ConfigError {
        ConfigError::Invalid {
            file: self.file.to_owned(),
            line: span.map(|span| line_of(self.text, span.start)),
            key: Some(key.to_owned()),
            message,
        }
    }
}

/// Places a semantic problem in the admin's file (`user`) or, when the value came from the
/// built-in defaults, in those. Arrays of tables are replaced whole, so their indices refer to
/// the admin's file whenever it has that array.
pub(crate) fn place(problem: Problem, user: &Source<'_>, defaults: &Source<'_>) -> ConfigError {
    let path = problem.path;
    let keys = std::iter::once(path.key).chain(path.or_key);
    let user_owns_array = path.index.is_some() && user.table_of(&path).is_some();
    let sources: &[&Source<'_>] = if user_owns_array {
        &[user]
    } else {
        &[user, defaults]
    };
    for source in sources {
        for key in keys.clone() {
            if let Some(span) = source.key_span(&path, key) {
                return source.error_at(Some(span), key, problem.message);
            }
        }
    }
    // The key is set nowhere (a missing `default = true`): point at its table.
    let source = if user.table_of(&path).is_some() {
        user
    } else {
        defaults
    };
    let span = source.table_of(&path).map(Spanned::span);
    source.error_at(span, path.key, problem.message)
}

/// The 1-based line of a byte offset.
pub(crate) fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.get(..end).unwrap_or(text).matches('\n').count() + 1
}

fn toml_error(
    file: &str,
    text: &str,
    root: Option<&DeTable<'_>>,
    err: &toml::de::Error,
) -> ConfigError {
    let span = err.span().map(|span| narrow(text, span, err.message()));
    let line = span.as_ref().map(|span| line_of(text, span.start));
    let key = span
        .as_ref()
        .and_then(|span| root.and_then(|root| key_at(root, span.start)))
        .or_else(|| line.and_then(|line| key_on_line(text, line)));
    ConfigError::Invalid {
        file: file.to_owned(),
        line,
        key,
        message: err.message().trim_end().to_owned(),
    }
}

/// toml blames a whole array for a bad element; when the message quotes the bad value
/// (`invalid address or CIDR "10.0.0.0/33"`), find that element inside the span instead.
fn narrow(text: &str, span: Range<usize>, message: &str) -> Range<usize> {
    let quoted = message
        .split_once('"')
        .and_then(|(_, rest)| rest.split_once('"'))
        .map(|(value, _)| format!("\"{value}\""));
    let found = quoted.and_then(|quoted| {
        let start = text.get(span.clone())?.find(&quoted)? + span.start;
        Some(start..start + quoted.len())
    });
    found.unwrap_or(span)
}

/// The innermost key whose name or value covers `offset`. Tables are searched whatever
/// their own span: a `[table]` header's span does not cover the keys below it.
fn key_at(table: &DeTable<'_>, offset: usize) -> Option<String> {
    for (key, value) in table {
        if key.span().contains(&offset) {
            return Some(key.get_ref().to_string());
        }
        let inner = match value.get_ref() {
            DeValue::Table(inner) => key_at(inner, offset),
            DeValue::Array(items) => items.iter().find_map(|item| match item.get_ref() {
                DeValue::Table(inner) => key_at(inner, offset),
                _ => None,
            }),
            _ => None,
        };
        if inner.is_some() {
            return inner;
        }
        if value.span().contains(&offset) {
            return Some(key.get_ref().to_string());
        }
    }
    None
}

/// For syntax errors (no parsed document): the `key` of a `key = value` line.
fn key_on_line(text: &str, line: usize) -> Option<String> {
    let content = text.lines().nth(line.checked_sub(1)?)?.trim_start();
    let key: String = content
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
        .collect();
    let rest = content[key.len()..].trim_start();
    (!key.is_empty() && rest.starts_with('=')).then_some(key)
}
