//! Chinese characters against Latin spellings: every Mandarin reading of a
//! character (a surname is often not its most common reading: 曾 Zeng, not
//! Ceng; 单 Shan, not Dan), in pinyin or Wade-Giles, and its Korean
//! reading, for a Korean name written in hanja (金正恩, Kim Jong Un).
//!
//! The Mandarin readings come from the `pinyin` crate (the pinyin-data
//! tables); the Korean readings from `okpyeon` (libhangul's hanja
//! dictionary, which lists the characters for each Hangul syllable; turned
//! round here once, on first use).

use std::collections::HashMap;
use std::sync::LazyLock;

use pinyin::ToPinyinMulti;
use smallvec::SmallVec;

use super::{korean, tables};

/// How a Latin part reads a character, if it does: its Mandarin reading in
/// pinyin (`Exact`-like) or Wade-Giles, or its Korean reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Reading {
    /// A Mandarin reading, in pinyin.
    Pinyin,
    /// A Mandarin reading, in Wade-Giles.
    WadeGiles,
    /// The Korean reading, in one of its romanizations.
    Korean,
}

/// How `latin` (lower-case ASCII) reads the character `c`, if it does.
pub(crate) fn reads(c: char, latin: &str) -> Option<Reading> {
    // A syllable is six letters at most in any of these romanizations.
    if latin.len() > 7 {
        return None;
    }
    let mandarin: SmallVec<[&str; 4]> = match c.to_pinyin_multi() {
        Some(readings) => readings.into_iter().map(|p| p.plain()).collect(),
        None => SmallVec::new(),
    };
    if mandarin.contains(&latin) {
        return Some(Reading::Pinyin);
    }
    if mandarin.iter().any(|p| tables::is_wade_giles_of(latin, p)) {
        return Some(Reading::WadeGiles);
    }
    korean_readings(c).iter().any(|s| korean::written_as(*s, latin)).then_some(Reading::Korean)
}

/// The Hangul syllables a character is read as in Korean (金: 금, 김).
fn korean_readings(c: char) -> &'static [char] {
    static READINGS: LazyLock<HashMap<char, SmallVec<[char; 2]>>> = LazyLock::new(|| {
        let mut map: HashMap<char, SmallVec<[char; 2]>> = HashMap::new();
        for syllable in '\u{AC00}'..='\u{D7A3}' {
            for (hanja, _) in okpyeon::hanja(syllable).unwrap_or_default() {
                let readings = map.entry(*hanja).or_default();
                if !readings.contains(&syllable) {
                    readings.push(syllable);
                }
            }
        }
        map
    });
    READINGS.get(&c).map_or(&[], |r| r.as_slice())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn characters_are_read_in_each_of_their_readings() {
        assert_eq!(reads('王', "wang"), Some(Reading::Pinyin));
        assert_eq!(reads('曾', "zeng"), Some(Reading::Pinyin), "a surname's less common reading");
        assert_eq!(reads('东', "tung"), Some(Reading::WadeGiles));
        assert_eq!(reads('金', "kim"), Some(Reading::Korean));
        assert_eq!(reads('朴', "park"), Some(Reading::Korean), "a surname's customary form");
        assert_eq!(reads('金', "gold"), None);
        assert_eq!(reads('a', "a"), None);
    }

    proptest::proptest! {
        #[test]
        fn any_char_and_text_is_answered_without_panic(c in proptest::char::any(), latin in "[a-z]{0,8}") {
            let _ = reads(c, &latin);
        }
    }
}
