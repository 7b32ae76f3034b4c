//! Latin spellings of one name from another script (Gaddafi, Qadhafi,
//! Kadhafi; Hussein, Husayn; Yasser, Yasir): a weighted alignment of two
//! Latin words in which the letters that romanizations of the same sound
//! differ by cost little (q and k, dh and d, ou and u, a vowel for another,
//! a doubled letter) and any other difference costs a whole letter.
//!
//! The costs are reasoned from the romanization conventions (ICS 630-01 /
//! BGN, ALA-LC, French and English usage), like those of [`super::arabic`].

use super::arabic::{is_vowel, letters};

/// Letter sequences that romanizations of one sound write differently,
/// with the cost of writing one for the other.
const SAME_SOUND: &[(&str, &str, f32)] = &[
    ("q", "k", 0.05),
    ("q", "g", 0.2),
    ("k", "g", 0.3),
    ("q", "c", 0.2),
    ("k", "c", 0.1),
    ("ck", "k", 0.05),
    ("dh", "d", 0.1),
    ("dh", "z", 0.2),
    ("dh", "th", 0.1),
    ("th", "t", 0.2),
    ("th", "s", 0.2),
    ("kh", "h", 0.2),
    ("kh", "k", 0.3),
    ("kh", "ch", 0.2),
    ("gh", "g", 0.1),
    ("j", "g", 0.25),
    ("dj", "j", 0.05),
    ("j", "zh", 0.3),
    ("ch", "sh", 0.1),
    ("sch", "sh", 0.1),
    ("ou", "u", 0.05),
    ("oo", "u", 0.05),
    ("ee", "i", 0.05),
    ("ei", "i", 0.1),
    ("ay", "i", 0.1),
    ("ai", "i", 0.1),
    ("ey", "i", 0.1),
    ("y", "i", 0.05),
    ("w", "v", 0.05),
    ("w", "u", 0.1),
    ("ph", "f", 0.05),
];

/// A vowel for another, or a vowel written on one side only: more than a
/// consonant variant, since names that differ only in their vowels are
/// often different names (Omar, Amir).
const VOWEL: f32 = 0.3;
/// A letter doubled on one side only.
const DOUBLED: f32 = 0.02;
/// Any other difference.
const OTHER: f32 = 1.0;
/// The most letters aligned (no name part is near this).
const MAX_LEN: usize = 32;

/// The consonants of a word, a doubled one once.
fn consonants(w: &[u8]) -> usize {
    w.iter().enumerate().filter(|(i, b)| !is_vowel(**b) && (*i == 0 || w[i - 1] != **b)).count()
}

/// A variant as the alignment uses it: what one word has, what the other
/// has for it, and the cost.
type Rule = (&'static [u8], &'static [u8], f32);

/// [`letters`] of a rule's one or two letters, without a loop.
fn letter_set(s: &[u8]) -> u32 {
    let bit = |b: Option<&u8>| b.filter(|b| b.is_ascii_lowercase()).map_or(0, |b| 1u32 << (b - b'a'));
    bit(s.first()) | bit(s.get(1)) | bit(s.get(2))
}

/// The similarity of two Latin words as spellings of one name: 0 to 1, one
/// less the cost per consonant; 0 for any below `floor` (the alignment
/// stops as soon as it cannot reach it).
pub(crate) fn similarity(a: &str, b: &str, floor: f64) -> f64 {
    let a = &a.as_bytes()[..a.len().min(MAX_LEN)];
    let b = &b.as_bytes()[..b.len().min(MAX_LEN)];
    let (n, m) = (a.len(), b.len());
    let length = consonants(a).max(consonants(b)).max(1) as f64;
    // The most the alignment may cost and still reach `floor`.
    let budget = ((1.0 - floor) * length) as f32 + 1e-4;
    let w = m + 1;
    // On the stack for words of up to 15 letters: this runs inside the
    // comparison of candidates.
    let mut cost: smallvec::SmallVec<[f32; 256]> = smallvec::smallvec![f32::INFINITY; (n + 1) * w];
    cost[0] = 0.0;
    // Only the variants both words can use, each way round.
    let mut rules: smallvec::SmallVec<[Rule; 8]> = smallvec::SmallVec::new();
    let (in_a, in_b) = (letters(a), letters(b));
    for &(x, y, c) in SAME_SOUND {
        for (x, y) in [(x.as_bytes(), y.as_bytes()), (y.as_bytes(), x.as_bytes())] {
            let (lx, ly) = (letter_set(x), letter_set(y));
            if lx & in_a == lx
                && ly & in_b == ly
                && a.windows(x.len()).any(|s| s == x)
                && b.windows(y.len()).any(|s| s == y)
            {
                rules.push((x, y, c));
            }
        }
    }
    let one_sided = |s: &[u8], i: usize| -> f32 {
        if is_vowel(s[i]) {
            VOWEL
        } else if i > 0 && s[i - 1] == s[i] {
            DOUBLED
        } else {
            OTHER
        }
    };
    for i in 0..=n {
        let mut alive = false;
        for j in 0..=m {
            let here = cost[i * w + j];
            if here > budget {
                continue;
            }
            alive = true;
            let mut relax = |ti: usize, tj: usize, c: f32| {
                let at = ti * w + tj;
                if here + c < cost[at] {
                    cost[at] = here + c;
                }
            };
            if i < n {
                relax(i + 1, j, one_sided(a, i));
            }
            if j < m {
                relax(i, j + 1, one_sided(b, j));
            }
            if i < n && j < m {
                let c = match (a[i], b[j]) {
                    (x, y) if x == y => 0.0,
                    (x, y) if is_vowel(x) && is_vowel(y) => VOWEL,
                    _ => OTHER,
                };
                relax(i + 1, j + 1, c);
            }
            for &(x, y, c) in &rules {
                if a[i..].starts_with(x) && b[j..].starts_with(y) {
                    relax(i + x.len(), j + y.len(), c);
                }
            }
        }
        if !alive {
            // Every way on costs more than the budget already.
            return 0.0;
        }
    }
    let total = f64::from(cost[n * w + m]);
    if total > f64::from(budget) {
        return 0.0;
    }
    (1.0 - total / length).max(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_of_one_arabic_name_are_alike() {
        for (a, b) in [
            ("gaddafi", "qadhafi"),
            ("qaddafi", "kadhafi"),
            ("gaddafi", "kadhafi"),
            ("hussein", "husayn"),
            ("yasser", "yasir"),
            ("abdel", "abdul"),
            ("zawahiri", "zawahri"),
            ("djamel", "jamal"),
        ] {
            let s = similarity(a, b, 0.0);
            assert!(s >= 0.87, "{a} ~ {b}: {s:.3}");
        }
    }

    #[test]
    fn different_names_are_not() {
        for (a, b) in
            [("ahmad", "hamid"), ("omar", "amir"), ("castro", "castillo"), ("gordon", "jordan"), ("karim", "salim")]
        {
            let s = similarity(a, b, 0.0);
            assert!(s < 0.87, "{a} ~ {b}: {s:.3}");
        }
    }
}
