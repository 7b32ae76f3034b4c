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
    if let Some(c) = t.chars().find(|c| is_deceptive(*c)) {
        return Err(FieldError::field(
            field,
            format!(
                "contains the invisible character {}, which can make text display as other text",
                c.escape_unicode()
            ),
        ));
    }
    Ok(if t.len() == s.len() { s } else { t.to_owned() })
}

/// Characters that change how text displays without showing themselves:
/// direction marks, embeddings, overrides and isolates (`"Ali\u{202E}cba"`
/// displays as another name), zero-width spaces and joiners of words,
/// invisible operators, the byte-order mark, and noncharacters. The
/// zero-width non-joiner and joiner (U+200C, U+200D) stay allowed: Persian
/// and Indic names are spelled with them.
fn is_deceptive(c: char) -> bool {
    let n = u32::from(c);
    matches!(n,
        0x061C | 0x200B | 0x200E | 0x200F | 0x202A..=0x202E | 0x2060..=0x2064 | 0x2066..=0x2069 | 0xFEFF
        | 0xFDD0..=0xFDEF)
        || n & 0xFFFE == 0xFFFE
}

/// A span of time written as a whole positive number and a unit, `s`, `m`,
/// `h` or `d` (`30s`, `15m`, `24h`, `90d`), in seconds; `None` for anything
/// else, whatever characters it holds. Token lifetimes and refresh
/// intervals are read with it.
pub fn span_seconds(s: &str) -> Option<u64> {
    let (unit_at, unit) = s.char_indices().last()?;
    let n: u64 = s[..unit_at].parse().ok().filter(|&n| n > 0)?;
    n.checked_mul(match unit {
        's' => 1,
        'm' => 60,
        'h' => 3600,
        'd' => 86_400,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trims_and_refuses_empty_long_and_control_text() {
        assert_eq!(clean("f", "  a b ".into(), 3), Ok("a b".to_owned()));
        for bad in
            ["", "   ", "abcd", "a\u{7}", "a\u{202E}b", "a\u{200B}", "\u{2067}a", "a\u{FEFF}", "a\u{FFFF}", "\u{1FFFE}"]
        {
            assert_eq!(clean("f", bad.into(), 3).map_err(|e| e.field), Err("f".to_owned()), "{bad:?}");
        }
        // Persian spells with the zero-width non-joiner.
        assert!(clean("f", "\u{645}\u{6CC}\u{200C}\u{631}".into(), 10).is_ok());
    }

    #[test]
    fn spans_are_a_number_and_a_unit() {
        assert_eq!(span_seconds("90d"), Some(90 * 86_400));
        assert_eq!(span_seconds("30s"), Some(30));
        for bad in ["", "d", "0d", "-3d", "12", "3w", "1é", "eàHÝ\u{85}", "99999999999999999d"] {
            assert_eq!(span_seconds(bad), None, "{bad}");
        }
    }
}
