//! The validation error every parser in this crate returns.

use std::fmt;

/// A value that failed validation, with the path of the field it came from
/// (`names[0].full`, `access.countries[2]`) and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct FieldError {
    /// Dotted path of the offending field; empty for a bare value.
    pub field: String,
    /// What is wrong, in words a user can act on.
    pub message: String,
}

impl FieldError {
    /// An error about a bare value; [`FieldError::at`] adds the path later.
    pub fn new(message: impl Into<String>) -> FieldError {
        FieldError { field: String::new(), message: message.into() }
    }

    /// An error about the named field.
    pub fn field(field: impl Into<String>, message: impl Into<String>) -> FieldError {
        FieldError { field: field.into(), message: message.into() }
    }

    /// Prefixes the path with `parent` (`names[0]` + `full` → `names[0].full`).
    pub fn at(mut self, parent: &str) -> FieldError {
        self.field = match self.field.is_empty() {
            true => parent.to_owned(),
            false if self.field.starts_with('[') => format!("{parent}{}", self.field),
            false => format!("{parent}.{}", self.field),
        };
        self
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.field.is_empty() {
            true => f.write_str(&self.message),
            false => write!(f, "{}: {}", self.field, self.message),
        }
    }
}
