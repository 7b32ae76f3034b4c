//! Country codes (ISO 3166-1 alpha-3) and agency codes (a country, or `GS`).

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::FieldError;
use crate::schema::string_schema;

string_schema!(
    CountryCode,
    "ISO 3166-1 alpha-3 country code (or an ICAO 9303 addition such as XXA)",
    "^[A-Z]{3}$",
    "FRA"
);
string_schema!(
    AgencyCode,
    "Agency: a country's ISO 3166-1 alpha-3 code, or GS for the General Secretariat",
    "^([A-Z]{3}|GS)$",
    "DEU"
);

/// Codes that ICAO Doc 9303 adds to ISO 3166-1 for travel documents:
/// stateless persons and refugees, UN and EU documents, Kosovo (UN
/// administration), the Order of Malta and INTERPOL.
const ICAO_EXTRA: [&str; 10] = ["XXA", "XXB", "XXC", "XXX", "UNO", "UNA", "UNK", "EUE", "XOM", "XPO"];

/// An ISO 3166-1 alpha-3 country code (or one of ICAO's additions), upper case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CountryCode([u8; 3]);

impl CountryCode {
    /// Parses `FRA`, `fra` or ` Fra `.
    pub fn parse(s: &str) -> Result<CountryCode, FieldError> {
        let up = s.trim().to_ascii_uppercase();
        let known = isocountry::CountryCode::for_alpha3(&up).is_ok() || ICAO_EXTRA.contains(&up.as_str());
        match (known, up.as_bytes()) {
            (true, &[a, b, c]) => Ok(CountryCode([a, b, c])),
            _ => Err(FieldError::new(format!("`{s}` is not an ISO 3166-1 alpha-3 country code"))),
        }
    }

    /// The code as text.
    pub fn as_str(&self) -> &str {
        // The three bytes are ASCII upper-case letters by construction.
        std::str::from_utf8(&self.0).unwrap_or("???")
    }
}

impl fmt::Display for CountryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl TryFrom<String> for CountryCode {
    type Error = FieldError;
    fn try_from(s: String) -> Result<Self, FieldError> {
        CountryCode::parse(&s)
    }
}

impl From<CountryCode> for String {
    fn from(c: CountryCode) -> String {
        c.as_str().to_owned()
    }
}

/// A member agency: a country's bureau (by its alpha-3 code) or the General
/// Secretariat (`GS`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum AgencyCode {
    /// The General Secretariat: reviews notices, imports the UN list.
    GeneralSecretariat,
    /// A country's national bureau.
    Country(CountryCode),
}

impl AgencyCode {
    /// The General Secretariat's code.
    pub const GS: AgencyCode = AgencyCode::GeneralSecretariat;

    /// Parses `GS` or an alpha-3 country code.
    pub fn parse(s: &str) -> Result<AgencyCode, FieldError> {
        if s.trim().eq_ignore_ascii_case("GS") {
            return Ok(AgencyCode::GS);
        }
        CountryCode::parse(s)
            .map(AgencyCode::Country)
            .map_err(|_| FieldError::new(format!("`{s}` is not an agency code (ISO 3166-1 alpha-3, or GS)")))
    }

    /// The code as text.
    pub fn as_str(&self) -> &str {
        match self {
            AgencyCode::GeneralSecretariat => "GS",
            AgencyCode::Country(c) => c.as_str(),
        }
    }
}

impl fmt::Display for AgencyCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl TryFrom<String> for AgencyCode {
    type Error = FieldError;
    fn try_from(s: String) -> Result<Self, FieldError> {
        AgencyCode::parse(&s)
    }
}

impl From<AgencyCode> for String {
    fn from(c: AgencyCode) -> String {
        c.as_str().to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn country_codes_are_checked_against_iso_3166() {
        assert_eq!(CountryCode::parse(" fra ").map(|c| c.to_string()), Ok("FRA".to_owned()));
        assert!(CountryCode::parse("XXA").is_ok(), "ICAO stateless code");
        for bad in ["FR", "FRAN", "QQQ", "", "ÉTA", "12A"] {
            let err = CountryCode::parse(bad).expect_err(bad);
            assert!(err.message.contains("alpha-3"), "{err}");
        }
    }

    #[test]
    fn agency_codes_are_countries_or_gs() {
        assert_eq!(AgencyCode::parse("gs"), Ok(AgencyCode::GS));
        assert_eq!(AgencyCode::parse("DEU").map(|a| a.to_string()), Ok("DEU".to_owned()));
        assert!(AgencyCode::parse("GSX").is_err());
    }
}
