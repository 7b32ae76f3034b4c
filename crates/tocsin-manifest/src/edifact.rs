//! The part of UN/EDIFACT syntax (ISO 9735) that PAXLST uses: the service
//! string advice (`UNA`), the release character, and segments split into
//! data elements and their components.

use thiserror::Error;

/// A segment: its tag (`NAD`), its data elements, each a list of
/// components, and its position in the interchange (from 1, `UNA` not
/// counted).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    /// The segment's tag.
    pub tag: String,
    /// Data elements after the tag, each split into components.
    pub elements: Vec<Vec<String>>,
    /// Position in the interchange, from 1.
    pub position: usize,
}

impl Segment {
    /// Component `c` of element `e`, both counted from 1 after the tag;
    /// `None` when absent or empty.
    pub fn get(&self, e: usize, c: usize) -> Option<&str> {
        let value = self.elements.get(e.checked_sub(1)?)?.get(c.checked_sub(1)?)?;
        (!value.is_empty()).then_some(value.as_str())
    }
}

/// Why an interchange could not be split into segments.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SyntaxError {
    /// Neither `UNA` nor `UNB` was found.
    #[error("no EDIFACT interchange: the text has neither a UNA nor a UNB segment")]
    NotEdifact,
    /// `UNA` is followed by fewer than six characters, or repeats one.
    #[error(
        "UNA must be followed by six different characters (component, element, decimal, release, reserved, terminator)"
    )]
    BadServiceString,
    /// The text ends on the release character.
    #[error(
        "segment {position}: the text ends on the release character, which must be followed by the character it releases"
    )]
    DanglingRelease {
        /// The segment's position.
        position: usize,
    },
    /// A segment's tag is not three letters or digits.
    #[error("segment {position}: `{tag}` is not a segment tag (three upper-case letters)")]
    BadTag {
        /// The segment's position.
        position: usize,
        /// What stood where the tag should be.
        tag: String,
    },
}

impl SyntaxError {
    /// The 1-based position of the segment at fault (the first, where the
    /// text as a whole is).
    pub fn segment(&self) -> usize {
        match self {
            SyntaxError::NotEdifact | SyntaxError::BadServiceString => 1,
            SyntaxError::DanglingRelease { position } | SyntaxError::BadTag { position, .. } => *position,
        }
    }
}

/// The separators an interchange uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Separators {
    component: char,
    element: char,
    release: char,
    terminator: char,
}

const DEFAULT: Separators = Separators { component: ':', element: '+', release: '?', terminator: '\'' };

/// Splits an interchange into its segments. Text before `UNA` or `UNB` (a
/// teletype header) is skipped, and so is whitespace between segments; the
/// separators are the ones `UNA` announces, or the standard ones.
pub fn segments(text: &str) -> Result<Vec<Segment>, SyntaxError> {
    let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
    let start = match (text.find("UNA"), text.find("UNB")) {
        (Some(a), Some(b)) => a.min(b),
        (Some(a), None) => a,
        (None, Some(b)) => b,
        (None, None) => return Err(SyntaxError::NotEdifact),
    };
    let mut rest = &text[start..];
    let mut sep = DEFAULT;
    if let Some(advice) = rest.strip_prefix("UNA") {
        let chars: Vec<char> = advice.chars().take(6).collect();
        let distinct = chars.iter().enumerate().all(|(i, c)| !chars[..i].contains(c));
        if chars.len() < 6 || !distinct {
            return Err(SyntaxError::BadServiceString);
        }
        sep = Separators { component: chars[0], element: chars[1], release: chars[3], terminator: chars[5] };
        rest = &advice[chars.iter().map(|c| c.len_utf8()).sum::<usize>()..];
    }
    let mut out = Vec::new();
    let mut elements: Vec<Vec<String>> = vec![vec![String::new()]];
    let mut chars = rest.chars();
    let mut between = true;
    while let Some(c) = chars.next() {
        if between && c.is_whitespace() {
            continue;
        }
        between = false;
        let last = elements.last_mut().and_then(|e| e.last_mut());
        match c {
            c if c == sep.release => match chars.next() {
                Some(released) => last.into_iter().for_each(|s| s.push(released)),
                None => return Err(SyntaxError::DanglingRelease { position: out.len() + 1 }),
            },
            c if c == sep.component => elements.last_mut().into_iter().for_each(|e| e.push(String::new())),
            c if c == sep.element => elements.push(vec![String::new()]),
            c if c == sep.terminator => {
                out.push(segment(std::mem::replace(&mut elements, vec![vec![String::new()]]), out.len() + 1)?);
                between = true;
            }
            // Line breaks inside a segment are not data.
            '\r' | '\n' => {}
            c => last.into_iter().for_each(|s| s.push(c)),
        }
    }
    let unfinished = elements.iter().flatten().any(|s| !s.trim().is_empty());
    if unfinished {
        out.push(segment(elements, out.len() + 1)?);
    }
    Ok(out)
}

fn segment(mut elements: Vec<Vec<String>>, position: usize) -> Result<Segment, SyntaxError> {
    let tag = elements.first_mut().map(std::mem::take).unwrap_or_default().join(":");
    if tag.len() != 3 || !tag.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()) {
        return Err(SyntaxError::BadTag { position, tag });
    }
    elements.remove(0);
    Ok(Segment { tag, elements, position })
}

/// Decodes an interchange's bytes: as UTF-8 where they are valid UTF-8
/// (`UNOW`, `UNOY`, and plain ASCII, which `UNOA` and `UNOB` are), as
/// Latin-1 (`UNOC`) otherwise. Latin-1 text with a letter beyond ASCII is
/// almost never valid UTF-8, so the two are told apart by the bytes.
pub fn decode(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(text) => text.to_owned(),
        // Latin-1 maps each byte to the code point of the same number.
        Err(_) => bytes.iter().map(|b| char::from(*b)).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_split_on_the_separators_una_announces_and_release_what_is_escaped() {
        let s = segments("UNA:+.? '\nUNB+UNOA:4+X'\r\nNAD+FL+++O?'BRIEN:SEAN?+PAT??'").expect("segments");
        assert_eq!(s.len(), 2);
        assert_eq!(s[1].tag, "NAD");
        assert_eq!(s[1].get(1, 1), Some("FL"));
        assert_eq!(s[1].get(2, 1), None, "empty is absent");
        assert_eq!(s[1].get(4, 1), Some("O'BRIEN"));
        assert_eq!(s[1].get(4, 2), Some("SEAN+PAT?"));
        assert_eq!(s[1].position, 2);

        let other = segments("QN HEADER LINE\nUNA:(.) -UNB(UNOA:4(1A-NAD(FL((( SMITH:JOHN-").expect("segments");
        assert_eq!(other[1].get(4, 1), Some(" SMITH"));
        assert_eq!(other[1].get(4, 2), Some("JOHN"));
    }

    #[test]
    fn malformed_text_is_an_error_that_names_the_segment() {
        assert_eq!(segments("hello"), Err(SyntaxError::NotEdifact));
        assert_eq!(segments("UNA:+'"), Err(SyntaxError::BadServiceString));
        assert_eq!(segments("UNA::::::"), Err(SyntaxError::BadServiceString));
        assert_eq!(segments("UNB+X'NAD+O?"), Err(SyntaxError::DanglingRelease { position: 2 }));
        let err = segments("UNB+X'nad+FL'").expect_err("a bad tag");
        assert_eq!(err.to_string(), "segment 2: `nad` is not a segment tag (three upper-case letters)");
    }

    #[test]
    fn latin_1_is_decoded() {
        assert_eq!(decode(b"N\xd3WAK"), "NÓWAK");
        assert_eq!(decode("NÓWAK".as_bytes()), "NÓWAK");
    }

    proptest::proptest! {
        #[test]
        fn any_text_splits_or_errors_without_panicking(text in "\\PC{0,200}") {
            let _ = segments(&text);
            let _ = segments(&format!("UNB+{text}"));
        }
    }
}
