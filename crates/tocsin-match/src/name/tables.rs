//! Data for name analysis: transliteration tables, titles, particles and
//! legal forms. Kept apart from the logic; extend here.

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
        "inc" | "incorporated" | "corp" | "corporation" => "inc",
        "jsc" | "oao" | "zao" | "pao" | "ao" | "pjsc" | "cjsc" | "ojsc" | "sa" | "ag" | "spa" | "nv" | "ab" | "as"
        | "oy" => "jsc",
        "co" | "company" | "cie" | "kg" | "ohg" | "lp" | "llp" => "co",
        "fze" | "fzco" | "fzc" | "fzllc" => "fze",
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
