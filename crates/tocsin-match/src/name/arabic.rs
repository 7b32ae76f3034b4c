//! Names in Arabic script (Arabic, Persian, Urdu and Pashto letters), read as
//! an analyst reads them: as consonants and long vowels, aligned letter by
//! letter against a Latin spelling rather than romanized first.
//!
//! Arabic is written without its short vowels, so a romanization of the
//! letters (`smh` for أسامة) has little in common with the spelling a list
//! or an officer uses (`osama`). Instead, an Arabic word is kept as a
//! sequence of *units*, one ASCII code each (upper case and symbols, so a
//! unit sequence is never mistaken for a Latin part, which is lower-case),
//! and compared with a Latin word by a weighted alignment ([`align`]):
//! each unit may be written by any of a few Latin letter sequences, each at
//! a cost (ق as q, k at 0.1, g at 0.15 …), a Latin short vowel the Arabic
//! does not write costs little, and a letter with no counterpart costs
//! much. The costs are reasoned starting values in the spirit of the
//! cross-script tables of uroman and of MITRE's one-to-many edit distance
//! (see `../shared/research/arabic-latin-names.md`), not fitted numbers.
//!
//! Words with a fixed role come out as the Latin words the rest of the
//! analysis knows: the article ال (and آل) as the particle `al`, بن and ابن
//! as `bin`, بنت as `bint`, أبو as `abu`, عبد as `abd` (joined with a
//! following article into `abdul`), الله as `allah`.

use smallvec::SmallVec;

/// Whether `c` is in an Arabic block at all (letters, marks, digits,
/// punctuation) or is a mark that only Arabic text carries.
pub(crate) fn is_arabic_script(c: char) -> bool {
    matches!(c, '\u{600}'..='\u{6FF}' | '\u{750}'..='\u{77F}' | '\u{8A0}'..='\u{8FF}')
}

/// Whether `c` may be Arabic script once NFKC has been applied
/// (presentation forms included): the cheap test before splitting a name
/// by script.
pub(crate) fn may_be_arabic(c: char) -> bool {
    is_arabic_script(c) || matches!(c, '\u{FB50}'..='\u{FDFF}' | '\u{FE70}'..='\u{FEFF}')
}

/// The first byte of a Hebrew word's units ([`super::hebrew`]): its letters
/// share the Arabic ones' units, and are shown in Hebrew.
pub(crate) const HEBREW: u8 = b'#';

/// A word's units without the Hebrew mark, and whether it had one.
fn unmark(units: &str) -> (&str, bool) {
    match units.strip_prefix(char::from(HEBREW)) {
        Some(rest) => (rest, true),
        None => (units, false),
    }
}

/// Whether a part's text is a unit sequence (an Arabic or Hebrew word)
/// rather than Latin: Latin parts are lower-case ASCII letters and digits.
pub(crate) fn is_units(text: &str) -> bool {
    text.as_bytes().first().is_some_and(|b| !b.is_ascii_lowercase() && !b.is_ascii_digit())
}

/// The unit a letter is read as; `None` for what is not a letter (vowel
/// marks, tatweel, joiners and direction marks are dropped before this).
fn unit_of(c: char) -> Option<u8> {
    Some(match c {
        // Alif and its hamza and madda forms; word-initial ones become `<`.
        'ا' | 'أ' | 'إ' | 'آ' | 'ٱ' | 'ٲ' | 'ٳ' => b'A',
        'ب' => b'B',
        'پ' => b'P',
        'ت' | 'ط' | 'ٹ' | 'ټ' => b'T',
        'ث' => b'C',
        'ج' => b'J',
        'چ' => b'^',
        'ح' | 'ه' | 'ھ' | 'ہ' => b'H',
        'خ' => b'X',
        'د' | 'ڈ' | 'ډ' => b'D',
        'ذ' | 'ض' | 'ظ' => b'O',
        'ر' | 'ڑ' | 'ړ' => b'R',
        // Pashto dz is written z (ځدران, Zadran).
        'ز' | 'ځ' => b'Z',
        'ژ' | 'ږ' => b'@',
        'س' | 'ص' | 'څ' => b'S',
        'ش' | 'ښ' => b'$',
        'ع' => b'E',
        'غ' => b'!',
        'ف' => b'F',
        'ڤ' => b'V',
        'ق' | 'ڨ' => b'Q',
        'ك' | 'ک' => b'K',
        'گ' | 'ګ' => b'G',
        'ل' => b'L',
        'م' => b'M',
        'ن' | 'ں' | 'ڼ' => b'N',
        'و' => b'W',
        'ي' | 'ی' | 'ے' | 'ې' | 'ۍ' => b'Y',
        'ى' => b'I',
        'ة' => b'=',
        'ء' | 'ؤ' | 'ئ' => b'U',
        _ => return None,
    })
}

/// The letter shown for a unit in an explanation.
fn letter_of(unit: u8) -> char {
    match unit {
        b'A' | b'<' => 'ا',
        b'B' => 'ب',
        b'P' => 'پ',
        b'T' => 'ت',
        b'C' => 'ث',
        b'J' => 'ج',
        b'^' => 'چ',
        b'H' => 'ح',
        b'X' => 'خ',
        b'D' => 'د',
        b'O' => 'ذ',
        b'R' => 'ر',
        b'Z' => 'ز',
        b'@' => 'ژ',
        b'S' => 'س',
        b'$' => 'ش',
        b'E' => 'ع',
        b'!' => 'غ',
        b'F' => 'ف',
        b'V' => 'ڤ',
        b'Q' => 'ق',
        b'K' => 'ك',
        b'G' => 'گ',
        b'L' => 'ل',
        b'M' => 'م',
        b'N' => 'ن',
        b'W' => 'و',
        b'Y' => 'ي',
        b'I' => 'ى',
        b'=' => 'ة',
        b'U' => 'ء',
        _ => '?',
    }
}

/// A unit sequence written back in its letters, for explanations.
pub(crate) fn display(units: &str) -> String {
    let (units, hebrew) = unmark(units);
    units.bytes().map(|u| letter_in(u, hebrew)).collect()
}

/// The letter shown for a unit of an Arabic or a Hebrew word.
fn letter_in(unit: u8, hebrew: bool) -> char {
    match hebrew {
        true => super::hebrew::letter_of(unit),
        false => letter_of(unit),
    }
}

/// The Latin spellings of a unit, each with its cost (0: the usual one).
/// `""` is the unit written by nothing.
fn spellings(unit: u8) -> &'static [(&'static str, f32)] {
    const VOWEL: &[(&str, f32)] = &[("", 0.0), ("a", 0.0), ("e", 0.0), ("i", 0.0), ("o", 0.0), ("u", 0.0)];
    match unit {
        // A word-initial alif carries whatever vowel begins the word.
        b'<' => VOWEL,
        b'A' => &[("a", 0.0), ("aa", 0.0), ("e", 0.1), ("o", 0.2), ("i", 0.3), ("", 0.45)],
        b'B' => &[("b", 0.0), ("p", 0.2)],
        b'P' => &[("p", 0.0), ("b", 0.2)],
        b'T' => &[("t", 0.0), ("d", 0.3)],
        b'C' => &[("th", 0.0), ("s", 0.15), ("t", 0.2)],
        b'J' => &[("j", 0.0), ("dj", 0.0), ("g", 0.15), ("zh", 0.3), ("y", 0.4)],
        b'^' => &[("ch", 0.0), ("tch", 0.0), ("tsch", 0.0), ("c", 0.1), ("j", 0.2)],
        b'H' => &[("h", 0.0), ("", 0.5)],
        // Also the Spanish j and g (Borges, Andújar).
        b'X' => &[("kh", 0.0), ("h", 0.2), ("ch", 0.2), ("x", 0.2), ("j", 0.2), ("k", 0.3), ("g", 0.3)],
        b'D' => &[("d", 0.0), ("t", 0.3)],
        b'O' => &[("dh", 0.0), ("z", 0.0), ("d", 0.1), ("th", 0.1)],
        b'R' => &[("r", 0.0)],
        b'Z' => &[("z", 0.0), ("s", 0.2)],
        b'@' => &[("zh", 0.0), ("j", 0.2), ("z", 0.2)],
        b'S' => &[("s", 0.0), ("c", 0.2)],
        b'$' => &[("sh", 0.0), ("ch", 0.1), ("sch", 0.1), ("s", 0.4)],
        // Ain: a vowel, or nothing.
        b'E' => &[("a", 0.0), ("e", 0.0), ("i", 0.0), ("o", 0.0), ("u", 0.0), ("aa", 0.05), ("", 0.15)],
        b'!' => &[("gh", 0.0), ("g", 0.1)],
        // Also the German w (Wilhelm).
        b'F' => &[("f", 0.0), ("ph", 0.0), ("v", 0.2), ("w", 0.3)],
        b'V' => &[("v", 0.0), ("f", 0.1)],
        b'Q' => &[("q", 0.0), ("k", 0.1), ("g", 0.15), ("gh", 0.15), ("c", 0.2), ("ck", 0.2)],
        b'K' => &[("k", 0.0), ("ck", 0.05), ("c", 0.1), ("q", 0.15)],
        b'G' => &[("g", 0.0), ("k", 0.2)],
        b'L' => &[("l", 0.0)],
        b'M' => &[("m", 0.0)],
        b'N' => &[("n", 0.0)],
        b'W' => &[("w", 0.0), ("u", 0.0), ("o", 0.0), ("ou", 0.0), ("oo", 0.0), ("v", 0.1), ("", 0.45)],
        b'Y' => &[
            ("y", 0.0),
            ("i", 0.0),
            ("ee", 0.0),
            ("ie", 0.0),
            ("ei", 0.0),
            ("ey", 0.0),
            ("ai", 0.0),
            ("ay", 0.0),
            ("e", 0.05),
            // The German and Nordic j (Jodl, Bjørn).
            ("j", 0.2),
            ("", 0.45),
        ],
        b'I' => &[("a", 0.0), ("aa", 0.0), ("e", 0.1), ("i", 0.1), ("y", 0.1), ("", 0.3)],
        // The feminine ending: a, ah, e, eh, at, et or nothing.
        b'=' => &[("", 0.0), ("a", 0.0), ("ah", 0.0), ("e", 0.0), ("eh", 0.0), ("at", 0.0), ("et", 0.0)],
        b'U' => &[("", 0.0), ("a", 0.05), ("e", 0.05), ("i", 0.05), ("o", 0.05), ("u", 0.05), ("y", 0.05)],
        // Hebrew letters read two ways without their points, and ח and צ.
        b'&' => &[("b", 0.0), ("v", 0.0), ("w", 0.1)],
        b'*' => &[("k", 0.0), ("kh", 0.0), ("ch", 0.0), ("c", 0.05), ("ck", 0.05), ("h", 0.2)],
        b'%' => &[("p", 0.0), ("f", 0.0), ("ph", 0.0)],
        b'_' => &[("sh", 0.0), ("s", 0.05), ("sch", 0.1), ("ch", 0.2)],
        b'~' => &[("t", 0.0), ("th", 0.0), ("s", 0.2), ("d", 0.3)],
        b'|' => &[("h", 0.0), ("ch", 0.0), ("kh", 0.0), ("x", 0.2)],
        b'+' => &[("tz", 0.0), ("ts", 0.0), ("z", 0.1), ("s", 0.2), ("c", 0.2)],
        _ => &[],
    }
}

/// Latin spellings of two units together: ks written x (Maximilian), ts
/// written z or tz (Lorenzen, Katzir), as Arabic writes foreign names.
fn pair_spellings(first: u8, second: u8) -> &'static [(&'static str, f32)] {
    match (first, second) {
        (b'K', b'S') => &[("x", 0.0)],
        (b'T', b'S') => &[("tz", 0.0), ("z", 0.05), ("zz", 0.05)],
        _ => &[],
    }
}

/// What leaving a unit unwritten costs when none of its spellings is
/// empty: much for a consonant.
const DROP_CONSONANT: f32 = 1.0;
/// A Latin short vowel the Arabic does not write.
const SHORT_VOWEL: f32 = 0.05;
/// A second such vowel in a row: a long vowel the Arabic would write.
const LONG_VOWEL: f32 = 0.5;
/// A Latin word's last i with no letter for it.
const NISBA: f32 = 0.4;
/// A Latin consonant doubled (shadda, unwritten).
const DOUBLED: f32 = 0.02;
/// Any other Latin letter with no Arabic counterpart.
const EXTRA_LATIN: f32 = 1.0;

/// Whether a Latin letter is a vowel (`y` is not).
pub(crate) fn is_vowel(b: u8) -> bool {
    matches!(b, b'a' | b'e' | b'i' | b'o' | b'u')
}

/// How much a unit counts toward the length a cost is measured against:
/// the vowel-like units half.
fn unit_weight(unit: u8) -> f32 {
    match unit {
        b'<' | b'A' | b'E' | b'U' | b'=' | b'I' => 0.5,
        _ => 1.0,
    }
}

/// The Latin consonants of a word, a digraph (`sh`, `kh`, `th` …) and a
/// doubled letter counting once.
fn latin_consonants(latin: &[u8]) -> f32 {
    let mut n = 0.0;
    for (i, &b) in latin.iter().enumerate() {
        let prev = i.checked_sub(1).map(|p| latin[p]);
        let digraph =
            b == b'h' && prev.is_some_and(|p| matches!(p, b'c' | b's' | b'k' | b'g' | b't' | b'd' | b'z' | b'p'));
        if is_vowel(b) || digraph || prev == Some(b) {
            continue;
        }
        n += 1.0;
    }
    n
}

/// One step of the best alignment, for the explanation.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Step {
    /// Unit `unit` written by `len` Latin letters from `at`.
    Unit { unit: u8, at: usize, len: usize },
    /// A Latin letter with no unit.
    Extra,
}

/// The result of aligning an Arabic word with a Latin one.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Alignment {
    /// 0 to 1: one less the cost per unit of length.
    pub(crate) similarity: f64,
    /// The total cost.
    pub(crate) cost: f32,
    /// `ا→o س→s …`, with `detail`.
    pub(crate) explanation: Option<String>,
}

/// The most units and Latin letters aligned: longer words are cut (no name
/// part is near this).
const MAX_LEN: usize = 48;

/// A set of lower-case letters, a bit each.
pub(crate) fn letters(s: &[u8]) -> u32 {
    s.iter().filter(|b| b.is_ascii_lowercase()).fold(0, |m, b| m | 1 << (b - b'a'))
}

/// What [`least_cost`] needs of a unit, computed once: the letters any of
/// its spellings (alone or with a neighbour) writes, the letter set of each
/// non-empty spelling, and the least cost of writing it by nothing.
struct UnitLetters {
    written: u32,
    options: SmallVec<[u32; 10]>,
    drop: f32,
}

fn unit_letters(unit: u8) -> &'static UnitLetters {
    static TABLE: std::sync::OnceLock<Vec<UnitLetters>> = std::sync::OnceLock::new();
    let table = TABLE.get_or_init(|| {
        (0..128u8)
            .map(|u| {
                let mut info = UnitLetters { written: 0, options: SmallVec::new(), drop: DROP_CONSONANT };
                // What a pair spelling (ks as x, ts as z) writes, given to
                // both of its units: a looser bound, still a bound.
                let pairs: &[&str] = match u {
                    b'K' => &["x"],
                    b'S' => &["x", "z", "tz", "zz"],
                    b'T' => &["z", "tz", "zz"],
                    _ => &[],
                };
                for (s, c) in spellings(u).iter().map(|(s, c)| (*s, *c)).chain(pairs.iter().map(|s| (*s, 0.0))) {
                    let l = letters(s.as_bytes());
                    info.written |= l;
                    match s.is_empty() {
                        true => info.drop = info.drop.min(c),
                        false => info.options.push(l),
                    }
                }
                info
            })
            .collect()
    });
    &table[usize::from(unit & 0x7F)]
}

/// A lower bound of what aligning `units` with `latin` costs, in a few
/// nanoseconds a letter: a Latin consonant no unit ever writes is an extra
/// letter, and a unit none of whose spellings the Latin has must be left
/// out.
fn least_cost(units: &[u8], latin: &[u8]) -> f32 {
    let present = letters(latin);
    let mut written = 0u32;
    let mut cost = 0.0;
    for &u in units {
        let info = unit_letters(u);
        written |= info.written;
        if !info.options.iter().any(|l| l & present == *l) {
            cost += info.drop;
        }
    }
    for (j, &b) in latin.iter().enumerate() {
        let doubled = j > 0 && latin[j - 1] == b;
        if !is_vowel(b) && !doubled && b.is_ascii_lowercase() && written & 1 << (b - b'a') == 0 {
            cost += EXTRA_LATIN;
        }
    }
    cost
}

/// Whether the Latin word can begin as the Arabic one does: with a vowel
/// (an unwritten one costs little), or with a letter a spelling of the
/// first unit, or of the second when the first may go unwritten, begins
/// with. Any other first letter is an extra letter, a whole unit of cost:
/// the pair is told apart before any alignment.
fn may_start(units: &[u8], latin: &[u8]) -> bool {
    let Some(&first) = latin.first() else { return false };
    if is_vowel(first) {
        return true;
    }
    let starts = |u: u8| spellings(u).iter().any(|(s, _)| s.as_bytes().first() == Some(&first));
    match units {
        [] => false,
        [u, rest @ ..] => starts(*u) || unit_letters(*u).drop <= LONG_VOWEL && rest.first().is_some_and(|v| starts(*v)),
    }
}

/// Whether an alignment could reach `floor` at all (see [`least_cost`]).
fn may_reach(units: &[u8], latin: &[u8], floor: f64) -> bool {
    let length = units.iter().map(|u| unit_weight(*u)).sum::<f32>().max(latin_consonants(latin)).max(1.0);
    1.0 - f64::from(least_cost(units, latin)) / f64::from(length) >= floor
}

/// Aligns the units of an Arabic word with a Latin word (lower-case ASCII)
/// at the least cost.
pub(crate) fn align(units: &str, latin: &str, detail: bool) -> Alignment {
    align_above(units, latin, detail, 0.0)
}

/// [`align`], giving up (similarity 0, infinite cost) as soon as no
/// alignment can reach `floor`.
pub(crate) fn align_above(units: &str, latin: &str, detail: bool, floor: f64) -> Alignment {
    let (units, hebrew) = unmark(units);
    let a = &units.as_bytes()[..units.len().min(MAX_LEN)];
    let l = &latin.as_bytes()[..latin.len().min(MAX_LEN)];
    let (n, m) = (a.len(), l.len());
    let length = a.iter().map(|u| unit_weight(*u)).sum::<f32>().max(latin_consonants(l)).max(1.0);
    let budget = if floor > 0.0 { (1.0 - floor as f32) * length + 1e-4 } else { f32::INFINITY };
    let gave_up = Alignment { similarity: 0.0, cost: f32::INFINITY, explanation: None };
    // cost[i][j][v]: units a[..i] written by l[..j]; v = whether l[j-1]
    // was a short vowel inserted.
    let width = m + 1;
    let idx = |i: usize, j: usize, v: usize| (i * width + j) * 2 + v;
    // On the stack for two words of 10 letters (this runs inside the
    // comparison of candidates); a whole name read joined may need more.
    let mut cells: SmallVec<[f32; 256]> = smallvec::smallvec![f32::INFINITY; (n + 1) * width * 2];
    let cost: &mut [f32] = &mut cells;
    let mut from: Vec<(u32, Step)> = if detail { vec![(u32::MAX, Step::Extra); cost.len()] } else { vec![] };
    cost[idx(0, 0, 0)] = 0.0;
    for i in 0..=n {
        let mut alive = false;
        for j in 0..=m {
            for v in 0..2 {
                let here = cost[idx(i, j, v)];
                if here > budget {
                    continue;
                }
                alive = true;
                let mut relax = |to: usize, c: f32, step: Step, cost: &mut [f32]| {
                    if here + c < cost[to] {
                        cost[to] = here + c;
                        if detail {
                            from[to] = (idx(i, j, v) as u32, step);
                        }
                    }
                };
                // A Latin letter with no unit.
                if j < m {
                    let b = l[j];
                    let (c, vowel) = if b == b'i' && i == n && j + 1 == m {
                        // A last i that no ي writes: Arabic writes the
                        // nisba's (Mohammadi is محمدي, not محمد).
                        (NISBA, 1)
                    } else if is_vowel(b) {
                        (if v == 1 { LONG_VOWEL } else { SHORT_VOWEL }, 1)
                    } else if j > 0 && l[j - 1] == b {
                        (DOUBLED, 0)
                    } else {
                        (EXTRA_LATIN, 0)
                    };
                    relax(idx(i, j + 1, vowel), c, Step::Extra, cost);
                }
                // A unit's spellings lead to the same cells from either
                // state: taken once, from the cheaper.
                if i < n && (v == 0 || here < cost[idx(i, j, 0)]) {
                    let unit = a[i];
                    let options = spellings(unit);
                    let mut droppable = false;
                    let next = l.get(j).copied();
                    for &(s, c) in options {
                        let s = s.as_bytes();
                        droppable |= s.is_empty();
                        if s.is_empty() || s.first().copied() == next && l.get(j..j + s.len()) == Some(s) {
                            relax(idx(i + 1, j + s.len(), 0), c, Step::Unit { unit, at: j, len: s.len() }, cost);
                        }
                    }
                    if !droppable {
                        relax(idx(i + 1, j, 0), DROP_CONSONANT, Step::Unit { unit, at: j, len: 0 }, cost);
                    }
                    if let Some(&second) = a.get(i + 1) {
                        for &(s, c) in pair_spellings(unit, second) {
                            let s = s.as_bytes();
                            if l.get(j..j + s.len()) == Some(s) {
                                relax(idx(i + 2, j + s.len(), 0), c, Step::Unit { unit, at: j, len: s.len() }, cost);
                            }
                        }
                    }
                }
            }
        }
        if !alive {
            // Every way on costs more than the budget already.
            return gave_up;
        }
    }
    let end = if cost[idx(n, m, 0)] <= cost[idx(n, m, 1)] { idx(n, m, 0) } else { idx(n, m, 1) };
    let total = cost[end];
    if total > budget {
        return gave_up;
    }
    let similarity = (1.0 - f64::from(total) / f64::from(length)).max(0.0);
    let explanation = detail.then(|| {
        let mut steps = Vec::new();
        let mut at = end;
        while at != idx(0, 0, 0) {
            let (prev, step) = from[at];
            if prev == u32::MAX {
                break;
            }
            steps.push(step);
            at = prev as usize;
        }
        steps
            .iter()
            .rev()
            .filter_map(|s| match *s {
                Step::Unit { unit, at, len } => {
                    let written = latin.get(at..at + len).unwrap_or_default();
                    Some(format!("{}→{}", letter_in(unit, hebrew), if written.is_empty() { "∅" } else { written }))
                }
                Step::Extra => None,
            })
            .collect::<Vec<_>>()
            .join(" ")
    });
    Alignment { similarity, cost: total, explanation }
}

/// The consonant skeletons (as [`super::skeleton`] writes a Latin word's)
/// that the Latin spellings of an Arabic word can have, most likely first:
/// the index finds a Latin name from an Arabic one, and the other way
/// round, through them. A letter read two ways (ق as k or g, و as a
/// consonant or a vowel) gives two; at most `MAX_SKELETONS`.
pub(crate) fn skeletons(units: &str) -> SmallVec<[String; 4]> {
    const MAX_SKELETONS: usize = 4;
    let (units, _) = unmark(units);
    let mut out: SmallVec<[String; 4]> = SmallVec::new();
    out.push(String::new());
    let last = units.len().saturating_sub(1);
    for (i, unit) in units.bytes().enumerate() {
        let options: &[&str] = match unit {
            b'B' | b'P' => &["b"],
            b'T' => &["t"],
            b'C' => &["t", "s"],
            b'J' => &["j", "g"],
            b'^' | b'$' => &["S"],
            b'H' if i == last => &["h", ""],
            b'H' | b'X' => &["h"],
            b'D' => &["d"],
            b'O' => &["d", "s"],
            b'R' => &["r"],
            b'Z' | b'S' => &["s"],
            b'@' => &["j"],
            b'!' => &["h", "g"],
            b'F' => &["f"],
            b'V' => &["v"],
            b'Q' => &["k", "g"],
            b'K' => &["k"],
            b'G' => &["g"],
            b'L' => &["l"],
            b'M' => &["m"],
            b'N' => &["n"],
            b'W' if i == 0 => &["v"],
            b'W' => &["", "v"],
            b'&' => &["b", "v"],
            b'*' => &["k", "h", "S"],
            b'%' => &["b", "f"],
            b'_' => &["S", "s"],
            b'~' => &["t", "s"],
            b'|' => &["h"],
            b'+' => &["ts", "s"],
            _ => &[""],
        };
        let mut next: SmallVec<[String; 4]> = SmallVec::new();
        for o in options {
            for s in &out {
                if next.len() == MAX_SKELETONS {
                    break;
                }
                let mut s = s.clone();
                if !o.is_empty() && !s.ends_with(o) {
                    s.push_str(o);
                }
                if !next.contains(&s) {
                    next.push(s);
                }
            }
        }
        out = next;
    }
    out
}

/// The least similarity an aligned pair of words needs to count at all.
const FLOOR: f64 = 0.8;
/// The most a word of two consonants or fewer (علي, حسن, سعد) may cost:
/// there a single wrong letter is another name.
const SHORT_CEILING: f32 = 0.3;

/// The similarity of an Arabic word (units) and a Latin one, if they are
/// alike at all; `initial`: the Latin is a single letter, which matches
/// when some spelling of the word starts with it.
pub(crate) fn against_latin(units: &str, latin: &str, initial: bool) -> Option<f64> {
    if initial {
        let (units, _) = unmark(units);
        let first = latin.as_bytes().first()?;
        let mut u = units.bytes();
        let starts = |unit: u8| spellings(unit).iter().any(|(s, _)| s.as_bytes().first() == Some(first));
        let head = u.next()?;
        // A word opening with a vowel letter (alif, ain) starts with that
        // vowel, or with the next letter's spelling.
        let opens_vowel = matches!(head, b'<' | b'E') && is_vowel(*first);
        return (starts(head) || opens_vowel).then_some(0.9);
    }
    let (bare, _) = unmark(units);
    if !may_start(bare.as_bytes(), latin.as_bytes()) || !may_reach(bare.as_bytes(), latin.as_bytes(), FLOOR) {
        return None;
    }
    let a = align_above(units, latin, false, FLOOR);
    let consonants = bare.bytes().filter(|u| unit_weight(*u) == 1.0 && !matches!(u, b'W' | b'Y')).count();
    if consonants <= 2 && a.cost > SHORT_CEILING {
        return None;
    }
    (a.similarity >= FLOOR).then_some(a.similarity)
}

/// A name in Arabic script (its parts' texts) against a Latin name read as
/// one string (`ولی جان` ~ `Walijan`, `شهاب الدين` ~ `Shahabuddin`): the
/// parts' units joined, the words with a fixed Latin form written back in
/// units. `None` where a part is Latin of another kind, or the name is too
/// short to tell.
pub(crate) fn joined_against_latin<'a>(parts: impl Iterator<Item = &'a str>, latin: &str) -> Option<f64> {
    let mut units = String::new();
    for p in parts {
        units.push_str(match p {
            p if is_units(p) => unmark(p).0,
            "al" => "AL",
            "allah" => "ALLH",
            "abd" => "EBD",
            "abdul" => "EBDAL",
            "abu" => "ABW",
            "bin" => "BN",
            "bint" => "BNT",
            "ould" => "WLD",
            _ => return None,
        });
    }
    if units.len() < 5 || latin.len() < 5 || !may_reach(units.as_bytes(), latin.as_bytes(), JOINED_FLOOR) {
        return None;
    }
    let a = align_above(&units, latin, false, JOINED_FLOOR);
    (a.similarity >= JOINED_FLOOR).then_some(a.similarity * 0.95)
}

/// The least similarity a name read as one string needs.
const JOINED_FLOOR: f64 = 0.85;

/// Names that are alike once their vowels are gone, yet different names,
/// by their forms in either script: two parts in two different groups
/// never pair (محمد Muhammad is not محمود Mahmoud). A `match`, so that
/// the check costs a few comparisons on the comparison's hot path.
fn distinct_group(s: &str) -> Option<u8> {
    Some(match s {
        "MHMD" | "muhammad" | "mohammed" | "mohamed" | "mohammad" | "muhammed" | "mohamad" | "muhamad" | "mohamud"
        | "mohammod" => 0,
        "MHMWD" | "mahmoud" | "mahmud" | "mahmood" | "mehmood" | "mahmut" | "mahmod" => 1,
        "HSN" | "hassan" | "hasan" | "hassen" | "hasen" | "hasson" => 2,
        "HSYN" | "hussein" | "husayn" | "hussain" | "husein" | "hossein" | "hosein" | "husain" | "hussien"
        | "huseyin" | "hussin" => 3,
        "<HMD" | "ahmad" | "ahmed" | "ahmet" => 4,
        "HAMD" | "hamid" | "hamed" | "haamid" => 5,
        "SED" | "saad" | "sad" => 6,
        "SEYD" | "saeed" | "said" | "saied" | "saeid" | "saiid" => 7,
        _ => return None,
    })
}

/// Whether two parts are forms of two different names (see
/// [`distinct_group`]).
pub(crate) fn distinct(a: &str, b: &str) -> bool {
    match (distinct_group(a), distinct_group(b)) {
        (Some(x), Some(y)) => x != y,
        _ => false,
    }
}

/// A word of Arabic letters as it is analyzed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Word {
    /// A word with a fixed Latin form (`al`, `bin`, `abd`, `abu`, `allah`).
    Latin(&'static str),
    /// A name word, as units.
    Units(String),
}

/// Reads one whitespace-separated word of Arabic script (NFKC applied) into
/// the words it stands for: the article and a glued `عبد` become words of
/// their own.
pub(crate) fn read_word(word: &str) -> SmallVec<[Word; 3]> {
    // The article is written with a bare alif: أل and إل open a name
    // (Alvarez, Elsa), not an article.
    let bare_alif = matches!(word.chars().find(|c| unit_of(*c).is_some()), Some('ا' | 'ٱ'));
    let mut units: Vec<u8> = Vec::with_capacity(word.len() / 2);
    for c in word.chars() {
        match unit_of(c) {
            // A letter doubled by shadda is written once: the mark is
            // dropped with the other vowel marks.
            Some(u) => units.push(u),
            None => continue,
        }
    }
    let mut out: SmallVec<[Word; 3]> = SmallVec::new();
    let mut rest: &[u8] = &units;
    // Fixed words first, whole.
    if let Some(w) = fixed(rest) {
        out.push(Word::Latin(w));
        return out;
    }
    // عبدال… and عبد… glued to the name they qualify.
    if rest.len() > 4 && rest.starts_with(b"EBD") {
        out.push(Word::Latin("abd"));
        rest = &rest[3..];
    } else if rest.len() > 4 && rest.starts_with(b"ABW") {
        out.push(Word::Latin("abu"));
        rest = &rest[3..];
    }
    // The article, where at least two letters follow it.
    let article = rest.len() > 3 && rest.starts_with(b"AL") && (bare_alif || rest.len() < units.len());
    if article {
        if let Some(w) = fixed(rest) {
            out.push(Word::Latin(w));
            return out;
        }
        out.push(Word::Latin("al"));
        rest = &rest[2..];
    }
    if let Some(w) = fixed(rest) {
        out.push(Word::Latin(w));
        return out;
    }
    if !rest.is_empty() {
        out.push(Word::Units(to_units(rest)));
    }
    out
}

/// A word whose Latin form is fixed, by its units.
fn fixed(units: &[u8]) -> Option<&'static str> {
    Some(match units {
        b"AL" => "al",
        b"BN" | b"ABN" => "bin",
        b"BNT" => "bint",
        b"ABW" | b"ABY" => "abu",
        b"EBD" => "abd",
        b"WLD" => "ould",
        b"ALLH" => "allah",
        _ => return None,
    })
}

/// The units as stored: a first alif becomes `<` (it carries the word's
/// first vowel, whatever it is), a last ه the feminine ending (Fatimah,
/// Fatima), a last ي after a consonant stays a vowel.
fn to_units(units: &[u8]) -> String {
    let last = units.len() - 1;
    let mut out = String::with_capacity(units.len());
    for (i, &u) in units.iter().enumerate() {
        match (i, u) {
            (0, b'A') => out.push('<'),
            (i, b'H') if i == last && i >= 2 && units[i - 1] != b'A' => out.push('='),
            // تش writes a foreign ch (Archie, Mitchell) as چ would.
            (_, b'$') if out.ends_with('T') => {
                out.pop();
                out.push('^');
            }
            _ => out.push(char::from(u)),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn units(word: &str) -> String {
        match read_word(word).last() {
            Some(Word::Units(u)) => u.clone(),
            other => panic!("{word}: {other:?}"),
        }
    }

    fn sim(ar: &str, latin: &str) -> f64 {
        align(&units(ar), latin, false).similarity
    }

    #[test]
    fn reads_letters_as_units_and_the_article_and_compounds_as_words() {
        assert_eq!(read_word("أسامة").as_slice(), [Word::Units("<SAM=".into())]);
        assert_eq!(read_word("التكريتي").as_slice(), [Word::Latin("al"), Word::Units("TKRYTY".into())]);
        assert_eq!(
            read_word("عبدالرحمن").as_slice(),
            [Word::Latin("abd"), Word::Latin("al"), Word::Units("RHMN".into())]
        );
        assert_eq!(read_word("بن").as_slice(), [Word::Latin("bin")]);
        assert_eq!(read_word("ابن").as_slice(), [Word::Latin("bin")]);
        assert_eq!(read_word("الله").as_slice(), [Word::Latin("allah")]);
        // Harakat and shadda are dropped: مُحَمَّد is محمد.
        assert_eq!(units("مُحَمَّد"), "MHMD");
        // Persian and Urdu letters.
        assert_eq!(units("پرویز"), "PRWYZ");
        assert_eq!(units("چودھری"), "^WDHRY");
        // Pashto letters.
        assert_eq!(units("ځدران"), "ZDRAN");
        assert_eq!(units("ښکلې"), "$KLY");
    }

    #[test]
    fn an_arabic_word_aligns_with_its_latin_spellings() {
        for (ar, latin) in [
            ("أسامة", "osama"),
            ("أسامة", "usama"),
            ("لادن", "laden"),
            ("معمر", "muammar"),
            ("معمر", "moammar"),
            ("القذافي", "qadhafi"),
            ("القذافي", "gaddafi"),
            ("القذافي", "kadhafi"),
            ("الظواهري", "zawahiri"),
            ("أيمن", "ayman"),
            ("محمد", "mohammed"),
            ("محمد", "muhammad"),
            ("حسين", "hussein"),
            ("حسين", "husayn"),
            ("صدام", "saddam"),
            ("فاطمة", "fatima"),
            ("فاطمه", "fatimah"),
            ("مصطفى", "mustafa"),
            ("جعفر", "jafar"),
            ("آرثر", "arthur"),
        ] {
            let s = sim(ar, latin);
            assert!(s >= 0.85, "{ar} ~ {latin}: {s:.3}");
        }
    }

    #[test]
    fn different_names_do_not_align() {
        for (ar, latin) in
            [("أسامة", "ahmad"), ("محمد", "hamid"), ("لادن", "london"), ("علي", "omar"), ("حسن", "nasser")]
        {
            let s = sim(ar, latin);
            assert!(s < 0.8, "{ar} ~ {latin}: {s:.3}");
        }
    }

    proptest::proptest! {
        #[test]
        fn the_least_cost_never_exceeds_the_alignment(ar in "[\\u{621}-\\u{64A}\\u{67E}\\u{686}\\u{6A9}\\u{6AF}\\u{6CC}]{1,12}", latin in "[a-z]{1,14}") {
            for w in read_word(&ar) {
                if let Word::Units(u) = w {
                    let (bound, cost) = (least_cost(u.as_bytes(), latin.as_bytes()), align(&u, &latin, false).cost);
                    proptest::prop_assert!(bound <= cost + 1e-4, "{ar} {latin}: {bound} > {cost}");
                    let s = align(&u, &latin, false).similarity;
                    proptest::prop_assert!((0.0..=1.0).contains(&s));
                    // Giving up below a floor changes no similarity above it.
                    let above = align_above(&u, &latin, false, 0.8).similarity;
                    proptest::prop_assert!(above == 0.0 && s < 0.8 + 1e-4 || (above - s).abs() < 1e-6, "{ar} {latin}: {above} {s}");
                }
            }
        }
    }

    #[test]
    fn the_explanation_names_each_letter_and_how_it_was_written() {
        let a = align(&units("أسامة"), "osama", true);
        assert_eq!(a.explanation.as_deref(), Some("ا→o س→s ا→a م→m ة→a"));
    }

    #[test]
    fn skeletons_match_the_latin_skeletons_of_the_usual_spellings() {
        let sk = |ar: &str| skeletons(&units(ar)).into_vec();
        assert!(sk("القذافي").contains(&super::super::skeleton("qadhafi")), "{:?}", sk("القذافي"));
        assert!(sk("القذافي").contains(&super::super::skeleton("gaddafi")));
        assert!(sk("أسامة").contains(&super::super::skeleton("osama")));
        assert!(sk("الظواهري").contains(&super::super::skeleton("zawahiri")));
        assert!(sk("محمد").contains(&super::super::skeleton("mohammed")));
        assert!(sk("وليد").contains(&super::super::skeleton("walid")));
    }
}
