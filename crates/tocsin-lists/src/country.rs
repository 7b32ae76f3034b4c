//! Country names and codes as lists write them, to ISO 3166-1 alpha-3.
//!
//! Lists name countries in prose ("Iran (Islamic Republic of)", "Korea,
//! North", "Türkiye", "Viet Nam") or by alpha-2 code (INTERPOL, FtM). ISO's
//! own names come from `isocountry`; the table below adds the common short
//! and older forms lists use.

use std::collections::HashMap;
use std::sync::OnceLock;

use tocsin_core::CountryCode;

/// Names that ISO's do not cover, by their key (see [`key`]).
const ALIASES: &[(&str, &str)] = &[
    ("iran", "IRN"),
    ("north korea", "PRK"),
    ("dprk", "PRK"),
    ("south korea", "KOR"),
    ("korea", "KOR"),
    ("russia", "RUS"),
    ("syria", "SYR"),
    ("tanzania", "TZA"),
    ("vietnam", "VNM"),
    ("united kingdom", "GBR"),
    ("uk", "GBR"),
    ("great britain", "GBR"),
    ("britain", "GBR"),
    ("united states", "USA"),
    ("usa", "USA"),
    ("us", "USA"),
    ("turkiye", "TUR"),
    ("palestine", "PSE"),
    ("palestinian", "PSE"),
    ("west bank", "PSE"),
    ("gaza", "PSE"),
    ("drc", "COD"),
    ("democratic republic of congo", "COD"),
    ("republic of the congo", "COG"),
    ("republic of congo", "COG"),
    ("congo brazzaville", "COG"),
    ("congo kinshasa", "COD"),
    ("bolivia", "BOL"),
    ("venezuela", "VEN"),
    ("laos", "LAO"),
    ("moldova", "MDA"),
    ("north macedonia", "MKD"),
    ("macedonia", "MKD"),
    ("british virgin islands", "VGB"),
    ("cote d ivoire", "CIV"),
    ("ivory coast", "CIV"),
    ("burma", "MMR"),
    ("hong kong", "HKG"),
    ("china hong kong special administrative region", "HKG"),
    ("macau", "MAC"),
    ("macao", "MAC"),
    ("taiwan", "TWN"),
    ("czech republic", "CZE"),
    ("czechia", "CZE"),
    ("swaziland", "SWZ"),
    ("eswatini", "SWZ"),
    ("cape verde", "CPV"),
    ("cabo verde", "CPV"),
    ("gambia", "GMB"),
    ("bahamas", "BHS"),
    ("netherlands", "NLD"),
    ("micronesia", "FSM"),
    ("brunei", "BRN"),
    ("vatican", "VAT"),
    ("holy see", "VAT"),
    ("east timor", "TLS"),
    ("timor leste", "TLS"),
    ("st kitts and nevis", "KNA"),
    ("st lucia", "LCA"),
    ("st vincent and the grenadines", "VCT"),
    ("curacao", "CUW"),
    ("kyrgyzstan", "KGZ"),
    ("sao tome and principe", "STP"),
];

/// A country's code from its ISO 3166-1 alpha-2 code, any case (`ru`).
pub fn alpha2(code: &str) -> Option<CountryCode> {
    let code = isocountry::CountryCode::for_alpha2_caseless(code.trim()).ok()?;
    CountryCode::parse(code.alpha3()).ok()
}

/// A country's code from a list's name for it or its alpha-3 code; `None`
/// for names that are no country ("former Soviet Union", "na").
pub fn country(name: &str) -> Option<CountryCode> {
    let t = name.trim();
    if t.len() == 3
        && t.bytes().all(|b| b.is_ascii_uppercase())
        && let Ok(c) = CountryCode::parse(t)
    {
        return Some(c);
    }
    let table = table();
    variants(t).into_iter().find_map(|k| table.get(&k).copied())
}

fn table() -> &'static HashMap<String, CountryCode> {
    static TABLE: OnceLock<HashMap<String, CountryCode>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut t = HashMap::new();
        for c in isocountry::CountryCode::as_array() {
            let Ok(code) = CountryCode::parse(c.alpha3()) else { continue };
            for k in variants(c.name()) {
                t.entry(k).or_insert(code);
            }
        }
        for (name, code) in ALIASES {
            if let Ok(code) = CountryCode::parse(code) {
                t.insert((*name).to_owned(), code);
            }
        }
        t
    })
}

/// The keys a name may be known by: as written, and with a parenthesis or
/// a part after a comma moved to the front ("Korea, North" → "north korea",
/// "Iran (Islamic Republic of)" → "islamic republic of iran").
fn variants(name: &str) -> Vec<String> {
    let mut out = vec![key(name)];
    if let Some((head, rest)) = name.split_once('(') {
        let inner = rest.trim_end().trim_end_matches(')');
        out.push(key(&format!("{inner} {head}")));
        out.push(key(head));
    }
    if let Some((head, tail)) = name.split_once(',') {
        out.push(key(&format!("{tail} {head}")));
    }
    out
}

/// Lower-case ASCII letters and digits, words separated by one space, a
/// leading "the" dropped, "st." and "saint" made one.
fn key(s: &str) -> String {
    let ascii = any_ascii::any_ascii(s).to_lowercase();
    let words: Vec<&str> = ascii
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| if w == "saint" { "st" } else { w })
        .collect();
    let words = match words.first() {
        Some(&"the") => &words[1..],
        _ => &words[..],
    };
    words.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(s: &str) -> Option<String> {
        country(s).map(|c| c.to_string())
    }

    #[test]
    fn reads_the_forms_lists_use() {
        for (name, want) in [
            ("Iran (Islamic Republic of)", "IRN"),
            ("Democratic People's Republic of Korea", "PRK"),
            ("Korea, North", "PRK"),
            ("Democratic Republic of the Congo", "COD"),
            ("Congo, Democratic Republic of the", "COD"),
            ("Congo", "COG"),
            ("United Kingdom of Great Britain and Northern Ireland", "GBR"),
            ("United Republic of Tanzania", "TZA"),
            ("Türkiye", "TUR"),
            ("Turkey", "TUR"),
            ("Viet Nam", "VNM"),
            ("State of Palestine", "PSE"),
            ("China, Hong Kong Special Administrative Region", "HKG"),
            ("Bahamas, The", "BHS"),
            ("Russian Federation", "RUS"),
            ("Syrian Arab Republic", "SYR"),
            ("British Virgin Islands", "VGB"),
            ("Afghanistan", "AFG"),
            ("FRA", "FRA"),
        ] {
            assert_eq!(code(name).as_deref(), Some(want), "{name}");
        }
    }

    #[test]
    fn reads_alpha2_codes_apart_from_names() {
        assert_eq!(alpha2("ru").map(|c| c.to_string()).as_deref(), Some("RUS"));
        assert_eq!(alpha2("NA").map(|c| c.to_string()).as_deref(), Some("NAM"));
        assert_eq!(alpha2("zz"), None);
    }

    #[test]
    fn refuses_what_is_no_country() {
        for name in ["former Soviet Union", "na", "", "Atlantis", "zz"] {
            assert_eq!(code(name), None, "{name}");
        }
    }
}
