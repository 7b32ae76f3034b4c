//! Names in Hebrew script, read as Arabic ones are ([`super::arabic`]):
//! Hebrew is an abjad too, written without most of its vowels, so a word is
//! kept as the same kind of units (consonants and the letters that also
//! write vowels) and aligned letter by letter with a Latin spelling.
//!
//! A Hebrew word's units start with [`arabic::HEBREW`], so that they are
//! shown in Hebrew letters and never taken for an Arabic word. Letters that
//! Arabic writes the same way share its units (ד as د, ל as ل); those read
//! two ways without their points (ב b or v, כ k or kh, פ p or f, ש sh or s,
//! ת t or th) and ח, צ have units of their own. Points (niqqud, cantillation)
//! are dropped: names are rarely pointed, and a pointed and an unpointed
//! spelling must read alike. The final forms (ך ם ן ף ץ) are their
//! letters; a geresh after ג ז צ writes the foreign j, zh and ch.

use super::arabic;

/// Whether `c` is in the Hebrew block (letters, points, punctuation).
pub(crate) fn is_hebrew_script(c: char) -> bool {
    matches!(c, '\u{591}'..='\u{5F4}')
}

/// The unit a Hebrew letter is read as; `None` for points and punctuation.
fn unit_of(c: char) -> Option<u8> {
    Some(match c {
        'א' => b'A',
        'ב' => b'&',
        'ג' => b'G',
        'ד' => b'D',
        'ה' => b'H',
        'ו' => b'W',
        'ז' => b'Z',
        'ח' => b'|',
        'ט' => b'T',
        'י' => b'Y',
        'כ' | 'ך' => b'*',
        'ל' => b'L',
        'מ' | 'ם' => b'M',
        'נ' | 'ן' => b'N',
        'ס' => b'S',
        'ע' => b'E',
        'פ' | 'ף' => b'%',
        'צ' | 'ץ' => b'+',
        'ק' => b'K',
        'ר' => b'R',
        'ש' => b'_',
        'ת' => b'~',
        _ => return None,
    })
}

/// The Hebrew letter shown for a unit in an explanation.
pub(crate) fn letter_of(unit: u8) -> char {
    match unit {
        b'<' | b'A' | b'U' => 'א',
        b'&' => 'ב',
        b'G' => 'ג',
        b'J' => 'ג',
        b'D' => 'ד',
        b'H' | b'=' => 'ה',
        b'W' => 'ו',
        b'Z' | b'@' => 'ז',
        b'|' => 'ח',
        b'T' => 'ט',
        b'Y' => 'י',
        b'*' => 'כ',
        b'L' => 'ל',
        b'M' => 'מ',
        b'N' => 'נ',
        b'S' => 'ס',
        b'E' => 'ע',
        b'%' => 'פ',
        b'+' | b'^' => 'צ',
        b'K' => 'ק',
        b'R' => 'ר',
        b'_' => 'ש',
        b'~' => 'ת',
        _ => '?',
    }
}

/// Whether `c` is a geresh (or the apostrophe typed for one).
fn is_geresh(c: char) -> bool {
    matches!(c, '\u{5F3}' | '\'' | '\u{2019}')
}

/// Reads one whitespace-separated word of Hebrew script (NFKC applied):
/// its units behind the [`arabic::HEBREW`] mark, or the particle `ben`
/// (בן, son of); `None` when it has no letter.
pub(crate) fn read_word(word: &str) -> Option<String> {
    let mut units: Vec<u8> = Vec::with_capacity(word.len() / 2);
    for c in word.chars() {
        if is_geresh(c) {
            // ג׳ j, ז׳ zh, צ׳ ch (ג׳ורג׳ George).
            if let Some(last) = units.last_mut() {
                *last = match *last {
                    b'G' => b'J',
                    b'Z' => b'@',
                    b'+' => b'^',
                    u => u,
                };
            }
            continue;
        }
        let Some(u) = unit_of(c) else { continue };
        // A doubled ו or י writes the consonant (וו v, יי y) once.
        if matches!(u, b'W' | b'Y') && units.last() == Some(&u) {
            continue;
        }
        units.push(u);
    }
    match units.as_slice() {
        [] => None,
        b"&N" => Some("ben".to_owned()),
        _ => Some(to_units(&units)),
    }
}

/// The units as stored, behind the mark: a first alef becomes `<` (it
/// carries the word's first vowel), an alef inside the word a vowel or
/// nothing, a last ה the vowel ending (Moshe, Sarah).
fn to_units(units: &[u8]) -> String {
    let last = units.len() - 1;
    let mut out = String::with_capacity(units.len() + 1);
    out.push(char::from(arabic::HEBREW));
    for (i, &u) in units.iter().enumerate() {
        out.push(match (i, u) {
            (0, b'A') => '<',
            (_, b'A') => 'U',
            (i, b'H') if i == last && i >= 1 => '=',
            _ => char::from(u),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letters_are_read_without_points_final_forms_as_their_letters() {
        assert_eq!(read_word("שלמה").as_deref(), Some("#_LM="));
        assert_eq!(read_word("שְׁלֹמֹה"), read_word("שלמה"), "points are dropped");
        assert_eq!(read_word("דב").as_deref(), Some("#D&"));
        assert_eq!(read_word("אברהם").as_deref(), Some("#<&RHM"));
        assert_eq!(read_word("ישראל").as_deref(), Some("#Y_RUL"));
        assert_eq!(read_word("ג׳ורג׳").as_deref(), Some("#JWRJ"), "a geresh writes j");
        assert_eq!(read_word("בן").as_deref(), Some("ben"));
        assert_eq!(read_word("׳"), None);
    }

    #[test]
    fn hebrew_names_align_with_their_latin_spellings() {
        for (hebrew, latin) in [
            ("שלמה", "shlomo"),
            ("דניאל", "daniel"),
            ("חיים", "chaim"),
            ("חיים", "haim"),
            ("אברהם", "avraham"),
            ("אברהם", "abraham"),
            ("יצחק", "yitzhak"),
            ("יצחק", "itzhak"),
            ("יעקב", "yaakov"),
            ("שרה", "sarah"),
            ("רחל", "rachel"),
            ("בנימין", "binyamin"),
            ("נתניהו", "netanyahu"),
            ("כהן", "cohen"),
            ("לוי", "levi"),
            ("שמעון", "shimon"),
            ("יוסף", "yosef"),
        ] {
            let units = read_word(hebrew).expect("a word");
            let similarity = arabic::against_latin(&units, latin, false);
            assert!(similarity.is_some(), "{hebrew} ~ {latin}: {:?}", arabic::align(&units, latin, true));
        }
        for (hebrew, latin) in [("שלמה", "salman"), ("דניאל", "nathaniel"), ("כהן", "kalin"), ("לוי", "lavrov")]
        {
            let units = read_word(hebrew).expect("a word");
            assert_eq!(arabic::against_latin(&units, latin, false), None, "{hebrew} ~ {latin}");
        }
    }

    proptest::proptest! {
        #[test]
        fn any_hebrew_text_reads_into_marked_units_and_aligns_without_panic(
            word in "[\u{591}-\u{5F4}'\u{2019}]{0,16}",
            latin in "[a-z]{0,12}",
        ) {
            if let Some(units) = read_word(&word) {
                proptest::prop_assert!(units == "ben" || units.starts_with(char::from(arabic::HEBREW)), "{}", units);
                proptest::prop_assert!(units.is_ascii());
                let _ = arabic::against_latin(&units, &latin, latin.len() == 1);
                let _ = arabic::display(&units);
            }
        }
    }

    #[test]
    fn explanations_show_hebrew_letters() {
        let units = read_word("לוי").expect("a word");
        assert_eq!(arabic::display(&units), "לוי");
        let a = arabic::align(&units, "levi", true);
        assert_eq!(a.explanation.as_deref(), Some("ל→l ו→v י→i"));
    }
}
