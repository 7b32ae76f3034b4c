//! Strict JSON input, the one parser every path that takes JSON from
//! outside goes through (HTTP bodies, bulk and batch lines, `tocsin import
//! jsonl`): exactly one value and nothing after it but whitespace, and an
//! error that names the field at fault.

use serde::de::DeserializeOwned;

/// Why a JSON text was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct JsonError {
    /// A stable code: `invalid_utf8`, `invalid_json` (syntax, end of input,
    /// or text after the value), `unknown_field`, `missing_field`,
    /// `invalid_field`.
    pub code: &'static str,
    /// Dotted path of the offending field; empty when the text as a whole
    /// is at fault.
    pub field: String,
    /// What is wrong, prefixed with the field's path when there is one.
    pub message: String,
}

/// Parses `bytes` as one JSON value of type `T`. Text after the value (a
/// second value, a comment, anything but whitespace) is refused, so two
/// records sent as one body are never half stored.
pub fn from_slice<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, JsonError> {
    if let Err(e) = std::str::from_utf8(bytes) {
        return Err(JsonError {
            code: "invalid_utf8",
            field: String::new(),
            message: format!("body is not valid UTF-8 (at byte {})", e.valid_up_to()),
        });
    }
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    let value: T = serde_path_to_error::deserialize(&mut *de).map_err(field_error)?;
    de.end().map_err(|e| JsonError {
        code: "invalid_json",
        field: String::new(),
        message: format!("text after the JSON value ({e})"),
    })?;
    Ok(value)
}

impl JsonError {
    /// The error of a text that is one line of a file (a JSON line, a CSV
    /// row read as JSON): its position as a column of that line, since
    /// serde counts lines within the text it was given (always line 1
    /// here) and the caller names the file's line.
    pub fn within_line(mut self) -> JsonError {
        const AT: &str = " at line 1 column ";
        if let Some(start) = self.message.find(AT) {
            let rest = &self.message[start + AT.len()..];
            let digits = rest.chars().take_while(char::is_ascii_digit).count();
            self.message = format!("{} (column {}){}", &self.message[..start], &rest[..digits], &rest[digits..]);
        }
        self
    }
}

fn field_error(e: serde_path_to_error::Error<serde_json::Error>) -> JsonError {
    let inner = e.inner();
    let text = inner.to_string();
    let field = field_of(&e.path().to_string(), &text);
    let code = match inner.classify() {
        serde_json::error::Category::Syntax | serde_json::error::Category::Eof => "invalid_json",
        _ if text.starts_with("unknown field") => "unknown_field",
        _ if text.starts_with("missing field") => "missing_field",
        _ => "invalid_field",
    };
    let message = if field.is_empty() { text } else { format!("{field}: {text}") };
    JsonError { code, field, message }
}

/// The dotted path of the field a serde error (JSON or query string) is
/// about, from the path `serde_path_to_error` gives and the error's
/// message: serde names a missing field, and an unknown one at the top
/// level, in its message rather than in the path (which stops at the
/// object concerned).
pub fn field_of(path: &str, message: &str) -> String {
    let path = if path == "." || path == "?" { "" } else { path };
    let named = message
        .split('`')
        .nth(1)
        .filter(|_| message.starts_with("missing field") || (path.is_empty() && message.starts_with("unknown field")));
    match named {
        None => path.to_owned(),
        Some(name) if path.is_empty() => name.to_owned(),
        Some(name) => format!("{path}.{name}"),
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use serde::Deserialize;

    #[test]
    fn an_error_within_a_line_names_its_column_not_line_1() {
        let e = from_slice::<serde_json::Value>(b"{\"a\": tru}").expect_err("bad literal").within_line();
        assert!(e.message.contains("(column ") && !e.message.contains("line 1"), "{}", e.message);
    }

    use super::*;

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Inner {
        b: u32,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Outer {
        a: String,
        inner: Option<Inner>,
    }

    #[test]
    fn one_value_parses_with_whitespace_around_it() {
        let v: Outer = from_slice(b" {\"a\": \"x\"}\n\t ").expect("valid");
        assert_eq!(v, Outer { a: "x".into(), inner: None });
    }

    #[test]
    fn text_after_the_value_is_refused() {
        for body in [
            &b"{\"a\": \"x\"}{\"a\": \"y\"}"[..],
            b"{\"a\": \"x\"} this is not json",
            b"{\"a\": \"x\"}\n{\"a\": \"y\"}",
        ] {
            let e = from_slice::<Outer>(body).expect_err("trailing text");
            assert_eq!(e.code, "invalid_json", "{e}");
            assert!(e.message.starts_with("text after the JSON value"), "{e}");
        }
    }

    #[test]
    fn a_missing_field_is_named_with_its_path() {
        let e = from_slice::<Outer>(b"{}").expect_err("missing");
        assert_eq!((e.code, e.field.as_str()), ("missing_field", "a"));
        let e = from_slice::<Outer>(b"{\"a\": \"x\", \"inner\": {}}").expect_err("missing");
        assert_eq!((e.code, e.field.as_str()), ("missing_field", "inner.b"));
    }

    #[test]
    fn unknown_and_mistyped_fields_are_named() {
        let e = from_slice::<Outer>(b"{\"a\": \"x\", \"inner\": {\"b\": \"no\"}}").expect_err("type");
        assert_eq!((e.code, e.field.as_str()), ("invalid_field", "inner.b"));
        let e = from_slice::<Outer>(b"{\"a\": \"x\", \"zz\": 1}").expect_err("unknown");
        assert_eq!(e.code, "unknown_field");
    }

    #[test]
    fn bytes_that_are_not_utf8_are_refused() {
        let e = from_slice::<Outer>(b"{\"a\": \"\xff\"}").expect_err("utf8");
        assert_eq!(e.code, "invalid_utf8");
    }

    proptest! {
        /// Whatever follows a valid value, unless it is only whitespace,
        /// the whole text is refused.
        #[test]
        fn anything_but_whitespace_after_a_value_is_refused(tail in "\\PC{1,20}") {
            let body = format!("{{\"a\": \"x\"}}{tail}");
            let parsed = from_slice::<Outer>(body.as_bytes());
            // `\PC` draws no control characters: the only JSON whitespace
            // it can draw is the space.
            prop_assert_eq!(parsed.is_ok(), tail.chars().all(|c| c == ' '));
        }
    }
}
