//! Free text from outside: the one rule every text field follows.

use crate::FieldError;

/// Trims `s` and checks it is non-empty, within `max` characters, and free
/// of control characters; errors name `field`.
pub fn clean(field: &str, s: String, max: usize) -> Result<String, FieldError> {
    let t = s.trim();
    let n = t.chars().count();
    if n == 0 {
        return Err(FieldError::field(field, "is empty"));
    }
    if n > max {
        return Err(FieldError::field(field, format!("has {n} characters; at most {max} are allowed")));
    }
    if let Some(c) = t.chars().find(|c| c.is_control()) {
        return Err(FieldError::field(field, format!("contains the control character {}", c.escape_unicode())));
    }
    Ok(if t.len() == s.len() { s } else { t.to_owned() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trims_and_refuses_empty_long_and_control_text() {
        assert_eq!(clean("f", "  a b ".into(), 3), Ok("a b".to_owned()));
        for bad in ["", "   ", "abcd", "a\u{7}"] {
            assert_eq!(clean("f", bad.into(), 3).map_err(|e| e.field), Err("f".to_owned()), "{bad:?}");
        }
    }
}
