//! Korean syllables against the Latin spellings people use for them.
//!
//! A Korean name is written in Latin in several systems at once: the
//! Revised Romanization (박지성 Bak Jiseong), McCune-Reischauer (Pak
//! Chisŏng), and for surnames customary forms older than either (Park,
//! Lee, Choi). A syllable block is read here into its letters (the
//! standard arithmetic of the Hangul Syllables block) and each letter into
//! the Latin letters either system, or the usual informal spellings, give
//! it; a Latin part matches the syllable when it is one of those spellings
//! put together, or one of the customary surname forms.

/// The initial consonants, in block order, each with its Latin spellings
/// (Revised Romanization first).
const INITIALS: [&[&str]; 19] = [
    &["g", "k"],
    &["kk", "gg", "k"],
    &["n"],
    &["d", "t"],
    &["tt", "dd", "t"],
    &["r", "l", "n", ""],
    &["m"],
    &["b", "p"],
    &["pp", "bb", "p"],
    &["s", "sh"],
    &["ss", "s"],
    &[""],
    &["j", "ch"],
    &["jj", "j", "tch"],
    &["ch"],
    &["k", "kh"],
    &["t", "th"],
    &["p", "ph"],
    &["h"],
];

/// The vowels, in block order.
const MEDIALS: [&[&str]; 21] = [
    &["a", "ah"],
    &["ae", "ai", "e"],
    &["ya"],
    &["yae", "ye"],
    &["eo", "o", "u", "uh", "oh"],
    &["e"],
    &["yeo", "yo", "yu", "yuh", "you"],
    &["ye"],
    &["o", "oh"],
    &["wa"],
    &["wae", "we"],
    &["oe", "oi", "we"],
    &["yo"],
    &["u", "oo", "woo"],
    &["wo", "wu"],
    &["we"],
    &["wi", "wee"],
    &["yu", "yoo", "you"],
    &["eu", "u", "oo"],
    &["ui", "eui", "ee"],
    &["i", "ee", "yi"],
];

/// The final consonants, in block order (the first: none).
const FINALS: [&[&str]; 28] = [
    &[""],
    &["k", "g"],
    &["k", "g"],
    &["k"],
    &["n"],
    &["n"],
    &["n"],
    &["t", "d"],
    &["l", "r"],
    &["k"],
    &["m"],
    &["l"],
    &["l"],
    &["l"],
    &["p"],
    &["l"],
    &["m"],
    &["p", "b"],
    &["p"],
    &["t", "s"],
    &["t", "s"],
    &["ng"],
    &["t"],
    &["t"],
    &["k"],
    &["t"],
    &["p"],
    &["t"],
];

/// Surnames whose usual Latin forms no system gives (박 Park, 이 Lee, 최
/// Choi …), as the Korean diaspora and passports write them.
pub(crate) fn surname_forms(c: char) -> &'static [&'static str] {
    match c {
        '박' => &["park", "bahk"],
        '이' => &["lee", "yi", "rhee", "ri", "li", "rhie"],
        '리' => &["lee", "ri", "li", "rhee"],
        '최' => &["choi", "choe", "chey"],
        '안' => &["ahn"],
        '손' => &["sohn"],
        '서' => &["suh", "seo"],
        '허' => &["hur", "huh"],
        '백' => &["paik", "baik", "back"],
        '임' | '림' => &["lim", "yim", "rim"],
        '류' | '유' => &["ryu", "yu", "yoo", "lyu", "ryoo", "rhyu"],
        '노' | '로' => &["noh", "roh", "ro"],
        '라' | '나' => &["ra", "la", "rha", "na"],
        '여' => &["yuh", "yeo"],
        '엄' => &["um", "uhm", "eom"],
        '명' => &["myung", "myeong"],
        '신' => &["shin", "sin"],
        '심' => &["shim", "sim"],
        '정' => &["jung", "jeong", "chung", "cheong", "chong"],
        '김' => &["kim", "gim"],
        _ => &[],
    }
}

/// A Hangul syllable's letters (initial, vowel, final), as block indices.
fn letters(c: char) -> Option<(usize, usize, usize)> {
    let s = (c as u32).checked_sub(0xAC00).filter(|s| *s < 11_172)? as usize;
    Some((s / 588, (s % 588) / 28, s % 28))
}

/// Whether the Latin part `latin` (lower-case ASCII) is a spelling of the
/// syllable `c`: its letters' spellings put together, with an `h` after a
/// last vowel (Oh, Joh, Koh), or a customary surname form.
pub(crate) fn written_as(c: char, latin: &str) -> bool {
    let Some((l, v, t)) = letters(c) else { return false };
    if surname_forms(c).contains(&latin) {
        return true;
    }
    let latin = match latin.strip_suffix('h') {
        Some(rest) if t == 0 && rest.ends_with(|b: char| super::arabic::is_vowel(b as u8)) => rest,
        _ => latin,
    };
    INITIALS[l].iter().any(|i| {
        latin.strip_prefix(i).is_some_and(|rest| {
            MEDIALS[v].iter().any(|m| rest.strip_prefix(m).is_some_and(|last| FINALS[t].contains(&last)))
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn syllables_match_the_spellings_of_each_system() {
        for (c, latin) in [
            ('성', "seong"),
            ('성', "sung"),
            ('성', "song"),
            ('경', "kyung"),
            ('경', "gyeong"),
            ('준', "jun"),
            ('준', "joon"),
            ('준', "chun"),
            ('현', "hyun"),
            ('현', "hyeon"),
            ('영', "young"),
            ('영', "yeong"),
            ('영', "yong"),
            ('오', "oh"),
            ('조', "joh"),
            ('박', "bak"),
            ('박', "pak"),
            ('박', "park"),
            ('이', "lee"),
            ('이', "yi"),
            ('최', "choi"),
            ('최', "choe"),
            ('강', "kang"),
            ('강', "gang"),
            ('신', "shin"),
        ] {
            assert!(written_as(c, latin), "{c} ~ {latin}");
        }
        for (c, latin) in [('성', "sang"), ('박', "pack"), ('이', "kim"), ('최', "cho"), ('강', "kong"), ('민', "ming")]
        {
            assert!(!written_as(c, latin), "{c} !~ {latin}");
        }
        assert!(!written_as('a', "a"), "not a syllable");
    }

    proptest::proptest! {
        #[test]
        fn any_char_and_text_is_answered_without_panic(c in proptest::char::any(), latin in "[a-z]{0,8}") {
            let _ = written_as(c, &latin);
        }

        #[test]
        fn every_syllable_reads_its_first_spellings(s in 0u32..11_172) {
            let c = char::from_u32(0xAC00 + s).expect("a syllable");
            let (l, v, t) = letters(c).expect("letters");
            let rr = format!("{}{}{}", INITIALS[l][0], MEDIALS[v][0], FINALS[t][0]);
            proptest::prop_assert!(rr.is_empty() || written_as(c, &rr), "{} {}", c, rr);
        }
    }
}
