//! Identity and travel document numbers.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::FieldError;
use crate::schema::string_schema;

string_schema!(
    DocumentNumber,
    "Document number; spaces, dashes, dots and slashes are removed and letters upper-cased",
    "^[A-Za-z0-9 ./-]{1,80}$",
    "X1234567"
);

/// The longest document number accepted. ICAO 9303 numbers are at most 9
/// characters in the MRZ, up to 22 with the long-number extension; national
/// identifiers can be longer.
const MAX_LEN: usize = 40;

/// A document number, normalized: upper case, without spaces, dashes, dots or
/// slashes (`ob 0243-318` → `OB0243318`). Only ASCII letters and digits
/// remain, one to 40 of them.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct DocumentNumber(String);

impl DocumentNumber {
    /// Normalizes and checks a document number.
    pub fn parse(s: &str) -> Result<DocumentNumber, FieldError> {
        let mut out = String::with_capacity(s.len());
        for c in s.chars() {
            match c {
                ' ' | '-' | '.' | '/' | '\t' => {}
                c if c.is_ascii_alphanumeric() => out.push(c.to_ascii_uppercase()),
                c => {
                    return Err(FieldError::new(format!(
                        "document number contains `{}`: only letters A-Z, digits, spaces and dashes are allowed",
                        c.escape_debug()
                    )));
                }
            }
        }
        match out.len() {
            0 => Err(FieldError::new("document number is empty")),
            n if n > MAX_LEN => {
                Err(FieldError::new(format!("document number has {n} characters; at most {MAX_LEN} are allowed")))
            }
            _ => Ok(DocumentNumber(out)),
        }
    }

    /// The normalized number.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for DocumentNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for DocumentNumber {
    type Error = FieldError;
    fn try_from(s: String) -> Result<Self, FieldError> {
        DocumentNumber::parse(&s)
    }
}

impl From<DocumentNumber> for String {
    fn from(d: DocumentNumber) -> String {
        d.0
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn normalizes_separators_and_case() {
        assert_eq!(DocumentNumber::parse("ob 0243-318").map(|d| d.to_string()), Ok("OB0243318".to_owned()));
        assert!(DocumentNumber::parse(" - ").is_err());
        assert!(DocumentNumber::parse("AB12€").is_err());
        assert!(DocumentNumber::parse(&"9".repeat(41)).is_err());
    }

    proptest! {
        #[test]
        fn normalization_is_idempotent(s in "[A-Za-z0-9 ./-]{0,50}") {
            if let Ok(d) = DocumentNumber::parse(&s) {
                prop_assert_eq!(DocumentNumber::parse(d.as_str()), Ok(d.clone()));
                prop_assert!(d.as_str().bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()));
            }
        }
    }
}
