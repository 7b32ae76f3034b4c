//! The public extract of red and yellow notices: the few fields that
//! INTERPOL's public web service shows, served to anyone without
//! authentication once the owner marks a published notice public.
//!
//! Only what [`PublicNotice`] names ever leaves: the person's name and
//! forename, birth date, nationalities and sex; the charges of a red
//! notice; the date and place of a yellow notice's disappearance; and the
//! notice's `entity_id`. Aliases, documents, handling instructions, access
//! rules, warrants' references, summaries and every other field stay
//! inside. [`extract`] builds it field by field from a whitelist, never by
//! removing fields from a copy, so a field added to a record later cannot
//! leak by default.

use serde::{Deserialize, Serialize};

use crate::notice::{Notice, NoticeStatus, NoticeType};
use crate::record::{Name, NameType, Record, RecordBody, RecordState, Sex};
use crate::{AgencyCode, CountryCode, FieldError};

/// The fields a public extract may carry (its JSON keys); nothing else.
pub const FIELDS: &[&str] = &[
    "entity_id",
    "type",
    "name",
    "forename",
    "date_of_birth",
    "nationalities",
    "sex_id",
    "arrest_warrants",
    "date_of_event",
    "place",
];

/// A public extract.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct PublicNotice {
    /// The notice's number, `YYYY/NNNNN`.
    pub entity_id: String,
    /// `red` or `yellow`.
    #[serde(rename = "type")]
    pub notice_type: NoticeType,
    /// Family name.
    pub name: String,
    /// Given names, when the name has any.
    pub forename: Option<String>,
    /// `YYYY/MM/DD`, `YYYY/MM` or `YYYY`.
    pub date_of_birth: Option<String>,
    /// ISO 3166 alpha-3 codes.
    pub nationalities: Vec<String>,
    /// `M`, `F` or `U`.
    pub sex_id: &'static str,
    /// Red: the charges, with the requesting country.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub arrest_warrants: Vec<PublicWarrant>,
    /// Yellow: when the person disappeared.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date_of_event: Option<String>,
    /// Yellow: where the person disappeared.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub place: Option<String>,
}

/// The charges of a red notice's public extract.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct PublicWarrant {
    /// The requesting agency.
    pub issuing_country_id: AgencyCode,
    /// The offence(s) charged.
    pub charge: String,
}

/// The public extract of `notice` about `record`, if it has one: the notice
/// is red or yellow, published, marked public and numbered, and the record
/// is an active person of the notice's owner that the notice concerns.
pub fn extract(notice: &Notice, record: &Record) -> Option<PublicNotice> {
    if !(notice.public && notice.status == NoticeStatus::Published && notice.entity_id.is_some()) {
        return None;
    }
    preview(notice, record)
}

/// What the public extract of `notice` about `record` shows once the
/// notice is published and marked public: for a red or yellow notice on an
/// active person of its owner that it concerns (the number is empty until
/// publication gives it one). The reviewer and the owner read it before.
pub fn preview(notice: &Notice, record: &Record) -> Option<PublicNotice> {
    let shown = notice.notice_type.may_be_public()
        && record.state == RecordState::Active
        && record.owner == notice.owner
        && notice.content.record_ids.contains(&record.id);
    if !shown {
        return None;
    }
    let RecordBody::Person(p) = &record.data.body else { return None };
    let primary = p.names.iter().find(|n| n.name_type == NameType::Primary).or(p.names.first())?;
    let (name, forename) = split_name(primary);
    let c = &notice.content;
    Some(PublicNotice {
        entity_id: notice.entity_id.clone().unwrap_or_default(),
        notice_type: notice.notice_type,
        name,
        forename,
        date_of_birth: p.birth_dates.first().map(|d| d.to_string().replace('-', "/")),
        nationalities: p.nationalities.iter().map(|n| n.as_str().to_owned()).collect(),
        sex_id: match p.sex {
            Some(Sex::Male) => "M",
            Some(Sex::Female) => "F",
            Some(Sex::Unknown) | None => "U",
        },
        arrest_warrants: match (notice.notice_type, &c.offence) {
            (NoticeType::Red, Some(charge)) => {
                vec![PublicWarrant { issuing_country_id: notice.owner, charge: charge.clone() }]
            }
            _ => vec![],
        },
        date_of_event: match notice.notice_type {
            NoticeType::Yellow => c.disappearance.as_ref().map(|d| d.date.to_string().replace('-', "/")),
            _ => None,
        },
        place: match notice.notice_type {
            NoticeType::Yellow => c.disappearance.as_ref().map(|d| d.place.clone()),
            _ => None,
        },
    })
}

/// Family name and forename from a full name: `FAMILY, Given` when there is
/// a comma; else the words written in capitals (`Ivan SIDOROV`, the
/// passport convention); else the last word is the family name.
pub fn split_name(name: &Name) -> (String, Option<String>) {
    let full = name.full.trim();
    if let Some((family, given)) = full.split_once(',') {
        let given = given.trim();
        return (family.trim().to_owned(), (!given.is_empty()).then(|| given.to_owned()));
    }
    let words: Vec<&str> = full.split_whitespace().collect();
    let capital = |w: &str| w.chars().filter(|c| c.is_alphabetic()).count() > 1 && !w.chars().any(char::is_lowercase);
    let (family, given): (Vec<&str>, Vec<&str>) = match words.iter().filter(|w| capital(w)).count() {
        n if n > 0 && n < words.len() => words.iter().partition(|w| capital(w)),
        _ => match words.split_last() {
            Some((last, rest)) => (vec![*last], rest.to_vec()),
            None => (vec![], vec![]),
        },
    };
    let given = given.join(" ");
    (family.join(" "), (!given.is_empty()).then_some(given))
}

/// Most results per page, as on INTERPOL's public API.
pub const MAX_PER_PAGE: u32 = 160;

/// Filters and paging of the public extract. Names match when every word
/// given is found in the name, ignoring case, accents and script.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PublicQuery {
    /// Words of the forename.
    pub forename: Option<String>,
    /// Words of the family name.
    pub name: Option<String>,
    /// A nationality, ISO 3166 alpha-3.
    pub nationality: Option<String>,
    /// Youngest age, in years.
    pub age_min: Option<String>,
    /// Oldest age, in years.
    pub age_max: Option<String>,
    /// `M`, `F` or `U`.
    pub sex_id: Option<String>,
    /// `red` or `yellow`.
    #[serde(rename = "type")]
    pub notice_type: Option<String>,
    /// The page, from 1.
    pub page: Option<String>,
    /// Results per page, 1 to 160 (default 20).
    pub result_per_page: Option<String>,
}

/// A checked [`PublicQuery`].
#[derive(Debug, Clone)]
pub struct PublicFilter {
    forename: Vec<String>,
    name: Vec<String>,
    nationality: Option<String>,
    ages: (Option<i32>, Option<i32>),
    sex_id: Option<String>,
    notice_type: Option<String>,
    /// The page, from 1.
    pub page: u32,
    /// Results per page, 1 to [`MAX_PER_PAGE`].
    pub per_page: u32,
    /// How names are compared (case, accents, script folded).
    fold: fn(&str) -> String,
}

/// The words of `s`, folded by `fold` and lower-cased.
fn words(fold: fn(&str) -> String, s: &str) -> Vec<String> {
    fold(s).to_lowercase().split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(String::from).collect()
}

fn number(field: &str, s: Option<&str>, range: std::ops::RangeInclusive<u32>) -> Result<Option<u32>, FieldError> {
    let Some(s) = s else { return Ok(None) };
    match s.trim().parse::<u32>() {
        Ok(n) if range.contains(&n) => Ok(Some(n)),
        _ => Err(FieldError::field(
            field,
            format!("must be a whole number from {} to {} (`{}` given)", range.start(), range.end(), s.escape_debug()),
        )),
    }
}

impl PublicQuery {
    /// Checks every parameter (a bad one is named); `fold` is how names are
    /// compared (the screening engine's latinization, say).
    pub fn check(&self, fold: fn(&str) -> String) -> Result<PublicFilter, FieldError> {
        let age =
            |f, s: &Option<String>| number(f, s.as_deref(), 0..=150).map(|a| a.and_then(|a| i32::try_from(a).ok()));
        let ages = (age("ageMin", &self.age_min)?, age("ageMax", &self.age_max)?);
        if let (Some(a), Some(b)) = ages
            && a > b
        {
            return Err(FieldError::field("ageMin", format!("is more than ageMax ({a} > {b})")));
        }
        let nationality = match &self.nationality {
            Some(n) => Some(CountryCode::parse(n).map_err(|e| e.at("nationality"))?.as_str().to_owned()),
            None => None,
        };
        let sex_id = match self.sex_id.as_deref() {
            None => None,
            Some(s @ ("M" | "F" | "U")) => Some(s.to_owned()),
            Some(s) => {
                return Err(FieldError::field("sexId", format!("must be M, F or U (`{}` given)", s.escape_debug())));
            }
        };
        let notice_type = match self.notice_type.as_deref() {
            None => None,
            Some(t @ ("red" | "yellow")) => Some(t.to_owned()),
            Some(t) => {
                return Err(FieldError::field("type", format!("must be red or yellow (`{}` given)", t.escape_debug())));
            }
        };
        Ok(PublicFilter {
            forename: self.forename.as_deref().map(|s| words(fold, s)).unwrap_or_default(),
            name: self.name.as_deref().map(|s| words(fold, s)).unwrap_or_default(),
            nationality,
            ages,
            sex_id,
            notice_type,
            page: number("page", self.page.as_deref(), 1..=1_000_000)?.unwrap_or(1),
            per_page: number("resultPerPage", self.result_per_page.as_deref(), 1..=MAX_PER_PAGE)?.unwrap_or(20),
            fold,
        })
    }
}

impl PublicFilter {
    /// Whether `n` passes every filter, `year` being the current year.
    pub fn matches(&self, n: &PublicNotice, year: i32) -> bool {
        let has = |wanted: &[String], text: Option<&str>| {
            let have = text.map(|t| words(self.fold, t)).unwrap_or_default();
            wanted.iter().all(|w| have.contains(w))
        };
        // The age a person born in `born` has this year, give or take one.
        let age =
            n.date_of_birth.as_deref().and_then(|d| d.get(..4)).and_then(|y| y.parse::<i32>().ok()).map(|y| year - y);
        let ages_ok = match (self.ages, age) {
            ((None, None), _) => true,
            (_, None) => false,
            ((min, max), Some(a)) => min.is_none_or(|m| a + 1 > m) && max.is_none_or(|m| a - 1 < m),
        };
        has(&self.forename, n.forename.as_deref())
            && has(&self.name, Some(&n.name))
            && self.nationality.as_ref().is_none_or(|c| n.nationalities.contains(c))
            && self.sex_id.as_deref().is_none_or(|s| s == n.sex_id)
            && self.notice_type.as_deref().is_none_or(|t| t == n.notice_type.as_str())
            && ages_ok
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::Script;

    fn name(full: &str) -> Name {
        Name { full: full.to_owned(), name_type: NameType::Primary, script: Script::Latin }
    }

    #[test]
    fn names_split_into_family_name_and_forename() {
        let split = |s: &str| split_name(&name(s));
        assert_eq!(split("SIDOROV, Ivan Petrovich"), ("SIDOROV".into(), Some("Ivan Petrovich".into())));
        assert_eq!(split("Ivan Petrovich SIDOROV"), ("SIDOROV".into(), Some("Ivan Petrovich".into())));
        assert_eq!(split("Maria de la Cruz"), ("Cruz".into(), Some("Maria de la".into())));
        assert_eq!(split("MADONNA"), ("MADONNA".into(), None));
        assert_eq!(split("Jean-Luc PICARD-DUPONT"), ("PICARD-DUPONT".into(), Some("Jean-Luc".into())));
    }

    mod leaks {
        use super::super::*;
        use crate::notice::NoticeContent;
        use crate::record::RecordInput;
        use proptest::prelude::*;
        use time::macros::{date, datetime};

        /// A word no whitelisted field may contain: `secret` tags it.
        fn secret() -> impl Strategy<Value = String> {
            "[a-z]{6}".prop_map(|s| format!("zq{s}secret"))
        }

        /// A person whose every field outside the whitelist holds a secret.
        fn case() -> impl Strategy<Value = (Record, Notice, Vec<String>)> {
            (
                prop::collection::vec(secret(), 12),
                // A family name may not spell a value that must stay hidden
                // (the access rule's RUS): that would be no leak.
                "[A-Z]{3,8}".prop_filter("spells a hidden value", |f| !f.contains("RUS")),
                "[A-Z][a-z]{2,8}",
                prop::sample::select(vec![NoticeType::Red, NoticeType::Yellow]),
                prop::option::of(prop::sample::select(vec!["M", "F"])),
            )
                .prop_map(|(s, family, given, notice_type, sex)| {
                    let sex = match sex {
                        Some("M") => r#""male""#,
                        Some(_) => r#""female""#,
                        None => "null",
                    };
                    let input = serde_json::json!({
                        "kind": "person",
                        "names": [{"full": format!("{given} {family}")}, {"full": s[0], "type": "alias"},
                                  {"full": s[1], "type": "weak_alias"}],
                        "birth_dates": ["1980-04-02"],
                        "birth_place": s[2],
                        "nationalities": ["FRA"],
                        "documents": [{"number": "X1234567", "country": "FRA", "type": "passport"}],
                        "handling": {"code": "arrest", "instructions": s[3]},
                        "access": {"mode": "except", "countries": ["RUS"]},
                        "tags": [s[4]],
                        "source": {"list": s[5], "id": s[6]},
                    });
                    let mut input: RecordInput = serde_json::from_value(input).expect("input");
                    input.sex = serde_json::from_str(sex).expect("sex");
                    let data = input.validate(date!(2026 - 01 - 01)).expect("valid");
                    let record = Record::new(AgencyCode::parse("FRA").expect("FRA"), data, datetime!(2026-01-01 0:00 UTC));
                    let content: NoticeContent = serde_json::from_value(serde_json::json!({
                        "record_ids": [record.id],
                        "summary": s[7],
                        "offence": "armed robbery",
                        "warrant": {"kind": "arrest_warrant", "reference": s[8], "issued_by": s[9], "issued_on": "2024-01-02"},
                        "legal_basis": s[10],
                        "disappearance": {"date": "2025-06-01", "place": "Lyon"},
                        "information_sought": s[11],
                    }))
                    .expect("content");
                    let notice = Notice {
                        id: crate::notice::NoticeId::generate(),
                        owner: record.owner,
                        notice_type,
                        status: NoticeStatus::Published,
                        content,
                        public: true,
                        history: vec![],
                        review_by: date!(2030 - 01 - 01),
                        entity_id: Some("2026/00042".into()),
                        version: 3,
                        created_at: datetime!(2026-01-01 0:00 UTC),
                        updated_at: datetime!(2026-01-01 0:00 UTC),
                    };
                    (record, notice, s)
                })
        }

        proptest! {
            #[test]
            fn no_field_outside_the_whitelist_leaks((record, notice, secrets) in case()) {
                let public = extract(&notice, &record).expect("a public published red or yellow notice");
                let json = serde_json::to_value(&public).expect("json");
                let keys: Vec<&String> = json.as_object().expect("object").keys().collect();
                prop_assert!(keys.iter().all(|k| FIELDS.contains(&k.as_str())), "keys {keys:?}");
                let text = json.to_string();
                for s in &secrets {
                    prop_assert!(!text.contains(s.as_str()), "{s} leaked: {text}");
                }
                for hidden in ["X1234567", "RUS", "\"arrest_warrant\"", &record.id.to_string(), &notice.id.to_string()] {
                    prop_assert!(!text.contains(hidden), "{hidden} leaked: {text}");
                }
                prop_assert_eq!(public.entity_id.as_str(), "2026/00042");
                prop_assert_eq!(public.date_of_birth.as_deref(), Some("1980/04/02"));
                match notice.notice_type {
                    NoticeType::Red => prop_assert!(public.arrest_warrants.len() == 1 && public.place.is_none()),
                    _ => prop_assert!(public.arrest_warrants.is_empty() && public.place.as_deref() == Some("Lyon")),
                }
            }

            #[test]
            fn only_public_published_numbered_notices_have_an_extract(
                (record, notice, _) in case(),
                public in any::<bool>(),
                status in prop::sample::select(vec![NoticeStatus::Draft, NoticeStatus::Submitted,
                    NoticeStatus::Published, NoticeStatus::Cancelled, NoticeStatus::Expired]),
                numbered in any::<bool>(),
                archived in any::<bool>(),
            ) {
                let notice = Notice { public, status, entity_id: numbered.then(|| "2026/00001".into()), ..notice };
                let state = if archived { RecordState::Archived } else { RecordState::Active };
                let record = Record { state, ..record };
                let shown = public && status == NoticeStatus::Published && numbered && !archived;
                prop_assert_eq!(extract(&notice, &record).is_some(), shown);
            }
        }
    }
}
