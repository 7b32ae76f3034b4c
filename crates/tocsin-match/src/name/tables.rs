//! Data for name analysis: transliteration tables, titles, particles and
//! legal forms. Kept apart from the logic; extend here.

use std::sync::LazyLock;

use rustc_hash::FxHashMap as HashMap;
use rustc_hash::FxHashSet as HashSet;

/// ICAO Doc 9303 Part 3 transliteration of Cyrillic (Russian, with the
/// Ukrainian, Belarusian, Serbian and Macedonian letters), lower case.
pub(super) fn cyrillic(c: char) -> Option<&'static str> {
    let lower = c.to_lowercase().next().unwrap_or(c);
    Some(match lower {
        'а' => "a",
        'б' => "b",
        'в' => "v",
        'г' => "g",
        'д' => "d",
        'е' => "e",
        'ё' => "e",
        'ж' => "zh",
        'з' => "z",
        'и' => "i",
        'й' => "i",
        'к' => "k",
        'л' => "l",
        'м' => "m",
        'н' => "n",
        'о' => "o",
        'п' => "p",
        'р' => "r",
        'с' => "s",
        'т' => "t",
        'у' => "u",
        'ф' => "f",
        'х' => "kh",
        'ц' => "ts",
        'ч' => "ch",
        'ш' => "sh",
        'щ' => "shch",
        'ъ' => "ie",
        'ы' => "y",
        'ь' => "",
        'э' => "e",
        'ю' => "iu",
        'я' => "ia",
        'ґ' => "g",
        'є' => "ie",
        'і' => "i",
        'ї' => "i",
        'ў' => "u",
        'ђ' => "d",
        'ј' => "j",
        'љ' => "lj",
        'њ' => "nj",
        'ћ' => "c",
        'џ' => "dz",
        'ѓ' => "g",
        'ќ' => "k",
        'ѕ' => "dz",
        _ => return None,
    })
}

/// Greek to Latin (ELOT 743 simplified), lower case, accents dropped.
pub(super) fn greek(c: char) -> Option<&'static str> {
    let lower = c.to_lowercase().next().unwrap_or(c);
    Some(match lower {
        'α' | 'ά' => "a",
        'β' => "v",
        'γ' => "g",
        'δ' => "d",
        'ε' | 'έ' => "e",
        'ζ' => "z",
        'η' | 'ή' => "i",
        'θ' => "th",
        'ι' | 'ί' | 'ϊ' | 'ΐ' => "i",
        'κ' => "k",
        'λ' => "l",
        'μ' => "m",
        'ν' => "n",
        'ξ' => "x",
        'ο' | 'ό' => "o",
        'π' => "p",
        'ρ' => "r",
        'σ' | 'ς' => "s",
        'τ' => "t",
        'φ' => "f",
        'χ' => "ch",
        'ψ' => "ps",
        'ω' | 'ώ' => "o",
        _ => return None,
    })
}

/// Korean syllables as lists write them (McCune-Reischauer-like) rather
/// than in the Revised Romanization `any_ascii` gives: initial g, d, b are
/// read k, t, p and `eo`, `eu` are read `o`, `u` (김정은 → kim jong un).
pub(super) fn korean(romanized: &str) -> String {
    let mut s = romanized.replace("eo", "o").replace("eu", "u");
    for (from, to) in [("g", "k"), ("d", "t"), ("b", "p")] {
        if let Some(rest) = s.strip_prefix(from) {
            s = format!("{to}{rest}");
            break;
        }
    }
    s
}

/// Whether `latin` is a Wade-Giles spelling of the pinyin syllable
/// `pinyin` (Mao Tse-tung is 毛泽东, Mao Zedong): Wade-Giles writes the
/// unaspirated initials as voiceless ones (ts, ch, k, p, t for z, zh or j,
/// g, b, d), marks aspiration with an apostrophe that names lose (ts', ch',
/// k', p', t' for c, ch or q, k, p, t), hs for x, j for r, and some finals
/// otherwise (ung for ong, ieh for ie, ien for ian, ih for i, o for e after
/// most initials). Apostrophes are gone by here, so each initial is read
/// both ways.
pub(super) fn is_wade_giles_of(latin: &str, pinyin: &str) -> bool {
    const INITIALS: &[(&str, &[&str])] = &[
        ("tz", &["z", "c"]),
        ("ts", &["z", "c"]),
        ("ch", &["zh", "j", "ch", "q"]),
        ("hs", &["x"]),
        ("sh", &["sh"]),
        ("k", &["g", "k"]),
        ("p", &["b", "p"]),
        ("t", &["d", "t"]),
        ("j", &["r"]),
    ];
    let (initials, rest): (&[&str], &str) =
        INITIALS.iter().find_map(|(wg, py)| latin.strip_prefix(wg).map(|rest| (*py, rest))).unwrap_or((&[""], latin));
    let finals: &[&str] = match rest {
        "ung" => &["ong"],
        "iung" => &["iong"],
        "ieh" => &["ie"],
        "ien" => &["ian"],
        "ih" | "u" if initials.first().is_some_and(|i| !i.is_empty()) => &["i", "u"],
        "o" => &["e", "o", "uo"],
        "uo" => &["uo", "e"],
        "en" => &["en", "an"],
        "ui" => &["ui", "uei"],
        "ueh" => &["ue", "üe"],
        other => return initials.iter().any(|i| pinyin.strip_prefix(i) == Some(other)) && latin != pinyin,
    };
    initials.iter().any(|i| finals.iter().any(|f| pinyin.strip_prefix(i) == Some(f)))
}

/// Greek upsilon in any form; its reading depends on the letter before it.
pub(super) fn is_greek_upsilon(c: char) -> bool {
    matches!(c.to_lowercase().next().unwrap_or(c), 'υ' | 'ύ' | 'ϋ' | 'ΰ')
}

/// Scripts whose every character is a name syllable of its own.
pub(super) fn is_syllabic(c: char) -> bool {
    matches!(c as u32,
        0x4E00..=0x9FFF | 0x3400..=0x4DBF | 0xF900..=0xFAFF | 0x20000..=0x2A6DF // Han
        | 0xAC00..=0xD7AF) // Hangul syllables
}

/// Titles and honorifics dropped from person names.
pub(super) fn is_title(w: &str) -> bool {
    matches!(
        w,
        "mr" | "mrs"
            | "ms"
            | "miss"
            | "dr"
            | "prof"
            | "sir"
            | "dame"
            | "lord"
            | "lady"
            | "sheikh"
            | "shaikh"
            | "shaykh"
            | "sheik"
            | "haji"
            | "hajji"
            | "hadji"
            | "mullah"
            | "mawlawi"
            | "maulana"
            | "maulvi"
            | "imam"
            | "emir"
            | "amir"
            | "sayyid"
            | "syed"
            | "general"
            | "gen"
            | "colonel"
            | "col"
            | "major"
            | "maj"
            | "captain"
            | "capt"
            | "lieutenant"
            | "lt"
            | "brigadier"
            | "president"
            | "presidente"
            | "minister"
            | "herr"
            | "frau"
            | "monsieur"
            | "madame"
            | "mme"
            | "senor"
            | "senora"
            | "don"
            | "dona"
            | "gospodin"
            | "rev"
            | "reverend"
            | "father"
            | "hon"
            | "honorable"
            | "excellency"
            | "his"
            | "her"
    )
}

/// Name particles, canonicalized (`el`, `ul` → `al`; `ibn`, `ben` → `bin`).
pub(super) fn particle(w: &str) -> Option<&'static str> {
    Some(match w {
        "al" | "el" | "ul" | "ad" | "ar" | "as" | "ash" | "at" | "az" | "an" => "al",
        "bin" | "ibn" | "ben" | "ibni" | "bn" => "bin",
        "bint" | "binti" => "bint",
        "abu" | "abou" => "abu",
        "ould" | "walad" => "ould",
        // The second half of a compound (Hidayat Allah, Jalal al-Din): the
        // first half is the name.
        "allah" => "allah",
        "din" | "deen" | "dine" => "din",
        "van" => "van",
        "von" => "von",
        "der" => "der",
        "den" => "den",
        "de" => "de",
        "del" => "del",
        "della" => "della",
        "da" => "da",
        "di" => "di",
        "do" => "do",
        "dos" => "dos",
        "das" => "das",
        "du" => "du",
        "la" => "la",
        "le" => "le",
        "y" => "y",
        "e" => "e",
        "and" => "and",
        "of" => "of",
        "the" => "the",
        _ => return None,
    })
}

/// Legal forms of organizations across languages, canonicalized.
pub(super) fn legal_form(w: &str) -> Option<&'static str> {
    Some(match w {
        "llc" | "ooo" | "tov" | "sarl" | "srl" | "gmbh" | "bv" | "kft" | "spzoo" | "sro" | "doo" => "llc",
        "ltd" | "limited" | "plc" | "pty" | "pte" => "ltd",
        // English usage calls one company Inc., Corp. and Co. by turns.
        "inc" | "incorporated" | "corp" | "corporation" | "co" | "company" | "cie" => "inc",
        "jsc" | "oao" | "zao" | "pao" | "ao" | "pjsc" | "cjsc" | "ojsc" | "sa" | "ag" | "spa" | "nv" | "ab" | "as"
        | "oy" => "jsc",
        "kg" | "ohg" | "lp" | "llp" => "lp",
        "fze" | "fzco" | "fzc" | "fzllc" => "fze",
        _ => return None,
    })
}

/// Abbreviated words of organization names, written out (`intl` →
/// `international`), so both spellings compare alike.
pub(super) fn abbreviation(w: &str) -> Option<&'static str> {
    Some(match w {
        "intl" | "int'l" => "international",
        "natl" => "national",
        "bros" => "brothers",
        "mfg" => "manufacturing",
        "dept" => "department",
        "govt" => "government",
        "assn" | "assoc" => "association",
        "univ" => "university",
        "inst" => "institute",
        "svcs" => "services",
        "hldgs" => "holdings",
        "mgmt" => "management",
        _ => return None,
    })
}

/// Words too common in organization names to identify one.
pub(super) fn is_generic_org_word(w: &str) -> bool {
    matches!(
        w,
        "trading"
            | "trade"
            | "group"
            | "holding"
            | "holdings"
            | "international"
            | "intl"
            | "global"
            | "general"
            | "services"
            | "service"
            | "industries"
            | "industrial"
            | "enterprise"
            | "enterprises"
            | "import"
            | "export"
            | "shipping"
            | "logistics"
            | "investment"
            | "investments"
            | "development"
            | "management"
            | "solutions"
            | "technologies"
            | "technology"
            | "systems"
            | "partners"
            | "foundation"
            | "association"
            | "organization"
            | "organisation"
            | "bank"
            | "commercial"
            | "national"
            | "united"
            | "new"
    )
}

/// Regions and countries' own names that ISO 3166's English names leave
/// out, as organization names use them (`Faberlic Europe`, `Deutsche Bank
/// (Schweiz)`).
const PLACES: [&str; 36] = [
    "europe",
    "europa",
    "eurasia",
    "asia",
    "africa",
    "america",
    "americas",
    "pacific",
    "atlantic",
    "caribbean",
    "mena",
    "gulf",
    "arabia",
    "nordic",
    "baltic",
    "scandinavia",
    "schweiz",
    "suisse",
    "svizzera",
    "deutschland",
    "espana",
    "italia",
    "polska",
    "rossiya",
    "rossii",
    "nederland",
    "osterreich",
    "sverige",
    "norge",
    "danmark",
    "suomi",
    "turkiye",
    "russia",
    "korea",
    "uk",
    "us",
];

/// Whether a word of an organization's name is a country or a region: a
/// single-word ISO 3166 English name (`china`, `germany`), or one of
/// [`PLACES`].
pub(super) fn is_place(w: &str) -> bool {
    static COUNTRIES: std::sync::OnceLock<rustc_hash::FxHashSet<String>> = std::sync::OnceLock::new();
    PLACES.contains(&w)
        || COUNTRIES
            .get_or_init(|| {
                isocountry::CountryCode::as_array()
                    .iter()
                    .map(|c| any_ascii::any_ascii(c.name()).to_lowercase())
                    .filter(|n| n.bytes().all(|b| b.is_ascii_lowercase()))
                    .collect()
            })
            .contains(w)
}

/// Multi-word legal forms and titles, rewritten to one canonical word before
/// tokenizing (`joint stock company` → `jsc`). Longest phrases first.
const PHRASES: [(&str, &str); 26] = [
    ("obshchestvo s ogranichennoi otvetstvennostiu", "llc"),
    ("gesellschaft mit beschrankter haftung", "llc"),
    ("publichnoe aktsionernoe obshchestvo", "jsc"),
    ("societatea cu raspundere limitata", "llc"),
    ("otkrytoe aktsionernoe obshchestvo", "jsc"),
    ("zakrytoe aktsionernoe obshchestvo", "jsc"),
    ("limited liability partnership", "llp"),
    ("closed joint stock company", "jsc"),
    ("public joint stock company", "jsc"),
    ("limited liability company", "llc"),
    ("united states of america", "us"),
    ("open joint stock company", "jsc"),
    ("aktsionernoe obshchestvo", "jsc"),
    ("private limited company", "ltd"),
    ("public limited company", "ltd"),
    ("joint stock company", "jsc"),
    ("aktiengesellschaft", "jsc"),
    ("sociedad anonima", "jsc"),
    ("societe anonyme", "jsc"),
    ("united kingdom", "uk"),
    ("united states", "us"),
    ("sp z oo", "llc"),
    ("s a r l", "llc"),
    ("sp zoo", "llc"),
    ("usa", "us"),
    ("a s", "jsc"),
];

/// Applies [`PHRASES`] to an organization's latinized name.
pub(super) fn rewrite_phrases(s: &str, kind: super::NameKind) -> String {
    if kind != super::NameKind::Organization {
        return s.to_owned();
    }
    let mut out = format!(
        " {} ",
        s.replace(['.', ',', '/', '-', '(', ')', '"', '\u{201c}', '\u{201d}'], " ")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    );
    for (phrase, form) in PHRASES {
        // Most names hold none of the phrases: look before building anything.
        if out.contains(phrase) {
            out = out.replace(&format!(" {phrase} "), &format!(" {form} "));
        }
    }
    out.trim().to_owned()
}

/// Digits typed for letters: 0→o, 1→i, 3→e, 4→a, 5→s, 7→t, 8→b, 9→g.
pub(super) fn undo_leet(w: &str) -> String {
    w.chars()
        .map(|c| match c {
            '0' => 'o',
            '1' => 'i',
            '3' => 'e',
            '4' => 'a',
            '5' => 's',
            '7' => 't',
            '8' => 'b',
            '9' => 'g',
            c => c,
        })
        .collect()
}

/// `1st`, `2nd`, `3rd`, `44th` → the number.
pub(super) fn ordinal_to_number(w: &str) -> Option<&str> {
    let digits = w.trim_end_matches(|c: char| c.is_ascii_alphabetic());
    let suffix = &w[digits.len()..];
    matches!(suffix, "st" | "nd" | "rd" | "th").then_some(digits)
}

/// English number words and ordinals up to ninety.
pub(super) fn number_word(w: &str) -> Option<u32> {
    const UNITS: [&str; 20] = [
        "zero",
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "eleven",
        "twelve",
        "thirteen",
        "fourteen",
        "fifteen",
        "sixteen",
        "seventeen",
        "eighteen",
        "nineteen",
    ];
    const ORDINALS: [&str; 13] = [
        "zeroth", "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth",
        "eleventh", "twelfth",
    ];
    const TENS: [&str; 8] = ["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"];
    let w = if w == "fourty" { "forty" } else { w };
    (UNITS.iter().position(|u| *u == w))
        .or_else(|| ORDINALS.iter().position(|u| *u == w))
        .or_else(|| TENS.iter().position(|t| *t == w).map(|i| (i + 2) * 10))
        .and_then(|n| u32::try_from(n).ok())
}

/// Roman numerals II to XX (organization names: funds, vessels, series).
pub(super) fn roman_numeral(w: &str) -> Option<u32> {
    const ROMAN: [&str; 19] = [
        "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x", "xi", "xii", "xiii", "xiv", "xv", "xvi", "xvii",
        "xviii", "xix", "xx",
    ];
    ROMAN.iter().position(|r| *r == w).and_then(|i| u32::try_from(i + 2).ok())
}

/// Joins a tens word and a unit written apart (`forty four` → `44`,
/// `forty 4` → `44`).
pub(super) fn join_number_words(parts: &mut Vec<super::Part>) {
    let mut i = 0;
    while i + 1 < parts.len() {
        let (a, b) = (&parts[i], &parts[i + 1]);
        let tens = a.text.parse::<u32>().ok().filter(|n| *n >= 20 && n % 10 == 0 && a.kind == super::PartKind::Number);
        let unit = b.text.parse::<u32>().ok().filter(|n| *n < 10 && b.kind == super::PartKind::Number);
        if let (Some(t), Some(u)) = (tens, unit) {
            parts[i] = super::Part::new(&(t + u).to_string(), super::PartKind::Number);
            parts.remove(i + 1);
        }
        i += 1;
    }
}

/// Common diminutives and their full given names (English, Russian,
/// Hebrew), latinized: `bibi` → `benjamin`, `vanya` → `ivan`. One
/// diminutive may stand for several names.
const NICKNAMES: [(&str, &[&str]); 44] = [
    ("bill", &["william"]),
    ("billy", &["william"]),
    ("will", &["william"]),
    ("willy", &["william"]),
    ("bob", &["robert"]),
    ("bobby", &["robert"]),
    ("rob", &["robert"]),
    ("robbie", &["robert"]),
    ("jim", &["james"]),
    ("jimmy", &["james"]),
    ("mike", &["michael"]),
    ("mick", &["michael"]),
    ("dave", &["david"]),
    ("dick", &["richard"]),
    ("rick", &["richard"]),
    ("tom", &["thomas"]),
    ("tommy", &["thomas"]),
    ("ted", &["theodore", "edward"]),
    ("teddy", &["theodore", "edward"]),
    ("ed", &["edward"]),
    ("ben", &["benjamin"]),
    ("benny", &["benjamin"]),
    ("bibi", &["benjamin"]),
    ("joe", &["joseph"]),
    ("sam", &["samuel"]),
    ("tony", &["anthony", "antonio"]),
    ("chris", &["christopher"]),
    ("nick", &["nicholas", "nikolai"]),
    ("dan", &["daniel"]),
    ("matt", &["matthew"]),
    ("pete", &["peter"]),
    ("steve", &["stephen", "steven"]),
    ("andy", &["andrew"]),
    ("alex", &["alexander", "aleksandr", "alexandra"]),
    ("kate", &["katherine", "catherine", "ekaterina"]),
    ("liz", &["elizabeth"]),
    ("barry", &["barack"]),
    ("sasha", &["aleksandr", "alexander", "aleksandra"]),
    ("vanya", &["ivan"]),
    ("volodya", &["vladimir"]),
    ("misha", &["mikhail"]),
    ("kolya", &["nikolai"]),
    ("dima", &["dmitrii", "dmitry"]),
    ("lyosha", &["aleksei"]),
];

/// Whether one of two given names is a known diminutive of the other.
pub(super) fn is_nickname_of(a: &str, b: &str) -> bool {
    // Asked for most pairs of parts a screening compares: a 256-bit filter
    // of the table's words (by first and last letter and length) turns
    // most pairs away before two set lookups.
    static PAIRS: LazyLock<HashSet<(&str, &str)>> = LazyLock::new(|| {
        NICKNAMES.iter().flat_map(|(short, names)| names.iter().map(move |full| (*short, *full))).collect()
    });
    static WORDS: LazyLock<WordFilter> = LazyLock::new(|| {
        WordFilter::of(NICKNAMES.iter().flat_map(|(short, names)| std::iter::once(short).chain(names.iter())))
    });
    WORDS.may_have(a) && WORDS.may_have(b) && (PAIRS.contains(&(a, b)) || PAIRS.contains(&(b, a)))
}

/// A 256-bit filter of a table's words (by first and last letter and
/// length): a word it does not have is certainly not in the table, in a few
/// instructions.
struct WordFilter([u64; 4]);

impl WordFilter {
    fn of<'a>(words: impl Iterator<Item = &'a &'a str>) -> WordFilter {
        let mut bits = [0u64; 4];
        for word in words {
            let at = WordFilter::bit(word);
            bits[at / 64] |= 1 << (at % 64);
        }
        WordFilter(bits)
    }

    fn bit(word: &str) -> usize {
        let (first, last) = (word.bytes().next().unwrap_or(0), word.bytes().last().unwrap_or(0));
        (usize::from(first) * 31 + usize::from(last) * 7 + word.len()) % 256
    }

    fn may_have(&self, word: &str) -> bool {
        let at = WordFilter::bit(word);
        self.0[at / 64] & (1 << (at % 64)) != 0
    }
}

/// Legal forms long enough to be recognized misspelt (a letter added, left
/// out or changed: `Aktiengeselschaft`, `Corporaton`, `Limted`).
const LONG_LEGAL_FORMS: [(&str, &str); 6] = [
    ("aktiengesellschaft", "jsc"),
    ("incorporated", "inc"),
    ("corporation", "inc"),
    ("gesellschaft", "llc"),
    ("limited", "ltd"),
    ("company", "inc"),
];

/// The canonical legal form a misspelt long one stands for: one edit away
/// (two from a word of 12 letters or more).
pub(super) fn misspelt_legal_form(w: &str) -> Option<&'static str> {
    if w.len() < 6 {
        return None;
    }
    LONG_LEGAL_FORMS.iter().find_map(|(form, canonical)| {
        let allowed = if form.len() >= 12 { 2 } else { 1 };
        (w.len().abs_diff(form.len()) <= allowed
            && rapidfuzz::distance::levenshtein::distance(w.chars(), form.chars()) <= allowed)
            .then_some(*canonical)
    })
}

/// Endings that make a woman's form of a name (Michel, Michelle; Paul,
/// Paula, Pauline; Nikola, Nikolina; Ivanov, Ivanova), added to the name or
/// to it without its last a or o (Mario, Maria). Not a lone e, nor after
/// one: a letter added or doubled is also a typing error (Scholz, Scholze;
/// Sofiane, Sofianne).
const FEMININE_ENDINGS: [&str; 8] = ["a", "le", "lle", "ne", "ina", "ine", "ette", "elle"];

/// Whether one name is the other's form for the other sex.
pub(super) fn is_other_gender_form(a: &str, b: &str) -> bool {
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    // Asked of most pairs of parts: lengths first.
    if short.len() < 3
        || !(1..=4).contains(&(long.len() - short.len()))
        || short.as_bytes()[..2] != long.as_bytes()[..2]
    {
        return false;
    }
    let stems = [Some(short), short.strip_suffix(|c: char| matches!(c, 'a' | 'o'))];
    stems
        .into_iter()
        .flatten()
        .any(|stem| long.strip_prefix(stem).is_some_and(|ending| FEMININE_ENDINGS.contains(&ending)))
}

/// Given names that are one name in several languages, each group its
/// forms in Latin letters. A form of a name in another script is read by
/// the script's own tables first; these pair the Latin forms.
const GIVEN_NAME_GROUPS: [&[&str]; 14] = [
    &[
        "alexander",
        "alexandros",
        "aleksandr",
        "aleksander",
        "alexandre",
        "alessandro",
        "alejandro",
        "oleksandr",
        "iskander",
        "iskandar",
        "sikandar",
    ],
    &[
        "john", "johann", "johannes", "juan", "giovanni", "jean", "ivan", "ioannis", "yohannes", "yahya", "joao",
        "sean", "ian", "jan", "jovan",
    ],
    &["peter", "pierre", "pedro", "pietro", "petr", "pyotr", "petros", "piotr", "petar"],
    &["michael", "miguel", "michele", "mikhail", "mikael", "mihail", "mykhailo", "mikhael", "michal"],
    &["joseph", "jose", "giuseppe", "josef", "iosif", "yusuf", "youssef", "yousef", "jozef", "yosef"],
    &["george", "georg", "jorge", "giorgio", "georgios", "yuri", "yury", "jerzy", "jiri", "giorgi", "gheorghe"],
    &["paul", "pablo", "paolo", "pavel", "pavlos", "pawel", "paulo", "pavlo"],
    &["nicholas", "nikolaos", "nicolas", "nikolai", "nikolay", "nicola", "mykola", "nicolae", "nikola", "niklas"],
    &["stephen", "steven", "stefan", "esteban", "stefano", "stepan", "stephane", "istvan", "stefanos"],
    &["james", "jacques", "jaime", "giacomo", "yakov", "jakob", "jacob", "yaqub", "iacob", "jakub"],
    &["abraham", "ibrahim", "avraham"],
    &["moses", "moshe", "musa", "moise"],
    &["solomon", "suleiman", "sulayman", "salomon", "shlomo"],
    &["andrew", "andreas", "andre", "andrea", "andrei", "andrey", "andrzej", "andres", "andriy"],
];

/// Whether two given names are one name in two languages.
pub(super) fn is_equivalent_given_name(a: &str, b: &str) -> bool {
    static GROUP: LazyLock<HashMap<&str, usize>> = LazyLock::new(|| {
        GIVEN_NAME_GROUPS.iter().enumerate().flat_map(|(i, g)| g.iter().map(move |n| (*n, i))).collect()
    });
    // Asked of most pairs of parts: the filter turns most away before two
    // lookups.
    static WORDS: LazyLock<WordFilter> =
        LazyLock::new(|| WordFilter::of(GIVEN_NAME_GROUPS.iter().flat_map(|g| g.iter())));
    if !WORDS.may_have(a) || !WORDS.may_have(b) {
        return false;
    }
    match (GROUP.get(a), GROUP.get(b)) {
        (Some(x), Some(y)) => x == y && a != b,
        _ => false,
    }
}

/// Pinyin finals (ü written v or u), for telling a Latin word that is one
/// Chinese syllable.
const PINYIN_FINALS: [&str; 36] = [
    "a", "o", "e", "i", "u", "v", "ai", "ei", "ui", "ao", "ou", "iu", "ie", "ve", "ue", "er", "an", "en", "in", "un",
    "vn", "ang", "eng", "ing", "ong", "ia", "iao", "ian", "iang", "iong", "ua", "uo", "uai", "uan", "uang", "ih",
];

/// Initials that romanizations of Chinese write for one another: pinyin
/// x, Wade-Giles hs, and the sh or s of informal spellings (Xi, Hsi, Shi,
/// Si); pinyin zh, j, z and their ch, ts, tz (Zhou, Jou, Chou). Longest
/// first, so that a word's initial is found whole (sh before s).
const CHINESE_INITIAL_GROUPS: [&[&str]; 2] = [&["hs", "sh", "x", "s"], &["zh", "ch", "ts", "tz", "j", "z"]];

/// Whether two Latin words are one Chinese syllable in two romanizations:
/// initials of one group (see [`CHINESE_INITIAL_GROUPS`]) before the same
/// final.
pub(super) fn is_chinese_romanization_variant(a: &str, b: &str) -> bool {
    let initial = |w: &str| matches!(w.as_bytes().first(), Some(b'x' | b'h' | b's' | b'z' | b'j' | b'c' | b't'));
    if a == b || a.len() > 6 || b.len() > 6 || !initial(a) || !initial(b) {
        return false;
    }
    fn split<'w>(group: &[&'static str], w: &'w str) -> Option<(&'static str, &'w str)> {
        group.iter().find_map(|i| w.strip_prefix(i).map(|rest| (*i, rest)))
    }
    CHINESE_INITIAL_GROUPS.iter().any(|group| match (split(group, a), split(group, b)) {
        (Some((ia, fa)), Some((ib, fb))) => ia != ib && fa == fb && PINYIN_FINALS.contains(&fa),
        _ => false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_listed_nickname_is_known_both_ways_and_others_are_not() {
        for (short, names) in NICKNAMES {
            for full in names {
                assert!(is_nickname_of(short, full) && is_nickname_of(full, short), "{short} / {full}");
            }
        }
        assert!(!is_nickname_of("bill", "robert"));
        assert!(!is_nickname_of("wang", "fang"));
        assert!(!is_nickname_of("", ""));
    }
}
