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

use serde::Serialize;

use crate::AgencyCode;
use crate::notice::{Notice, NoticeStatus, NoticeType};
use crate::record::{Name, NameType, Record, RecordBody, RecordState, Sex};

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
    let shown = notice.notice_type.may_be_public()
        && notice.public
        && notice.status == NoticeStatus::Published
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
        entity_id: notice.entity_id.clone()?,
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
                "[A-Z]{3,8}",
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
