//! The public extract of red and yellow notices, served without
//! authentication ([`tocsin_core::public`] decides what it shows), with the
//! filters of INTERPOL's public notices API.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use tocsin_audit::{Draft, Outcome};
use tocsin_core::public::{PublicNotice, extract};
use tocsin_core::record::{Record, RecordId};
use tocsin_core::{CountryCode, FieldError};
use tocsin_match::name::latinize;

use crate::{Store, StoreError};

/// Most results per page, as on INTERPOL's public API.
pub(crate) const MAX_PER_PAGE: u32 = 160;

/// Filters and paging of the public extract. Names match when every word
/// given is found in the name, ignoring case, accents and script.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
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

/// One page of the public extract.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PublicPage {
    /// How many notices match.
    pub total: usize,
    /// This page, from 1.
    pub page: u32,
    /// Results per page.
    #[serde(rename = "resultPerPage")]
    pub result_per_page: u32,
    /// The notices, newest first.
    pub notices: Vec<PublicNotice>,
}

/// A checked [`PublicQuery`].
struct Filter {
    forename: Vec<String>,
    name: Vec<String>,
    nationality: Option<String>,
    ages: (Option<i32>, Option<i32>),
    sex_id: Option<String>,
    notice_type: Option<String>,
    page: u32,
    per_page: u32,
}

fn words(s: &str) -> Vec<String> {
    latinize(s)
        .to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(String::from)
        .collect()
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
    fn check(&self) -> Result<Filter, FieldError> {
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
        Ok(Filter {
            forename: self.forename.as_deref().map(words).unwrap_or_default(),
            name: self.name.as_deref().map(words).unwrap_or_default(),
            nationality,
            ages,
            sex_id,
            notice_type,
            page: number("page", self.page.as_deref(), 1..=1_000_000)?.unwrap_or(1),
            per_page: number("resultPerPage", self.result_per_page.as_deref(), 1..=MAX_PER_PAGE)?.unwrap_or(20),
        })
    }
}

impl Filter {
    fn matches(&self, n: &PublicNotice, year: i32) -> bool {
        let has = |wanted: &[String], text: Option<&str>| {
            let have = text.map(words).unwrap_or_default();
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

impl Store {
    /// One page of the public extract, newest first. Anyone may read it; the
    /// read is audited as `public.notices` with the notices served, so an
    /// owner can see when its public notices were shown.
    pub async fn public_notices(&self, query: &PublicQuery) -> Result<PublicPage, StoreError> {
        let filter = query.check()?;
        let notices: Vec<tocsin_core::notice::Notice> =
            self.public.read().map(|m| m.values().cloned().collect()).unwrap_or_default();
        let ids: Vec<RecordId> = notices.iter().flat_map(|n| n.content.record_ids.iter().copied()).collect();
        let records: HashMap<RecordId, Record> =
            self.backend.records(&ids).await?.into_iter().map(|r| (r.id, r)).collect();
        let year = self.today().year();
        let mut found: Vec<(String, PublicNotice)> = notices
            .iter()
            .filter_map(|n| {
                let first = n.content.record_ids.iter().find_map(|id| records.get(id));
                first.and_then(|r| extract(n, r)).map(|p| (n.id.to_string(), p))
            })
            .filter(|(_, p)| filter.matches(p, year))
            .collect();
        found.sort_by(|a, b| b.0.cmp(&a.0));
        let total = found.len();
        let skip = (filter.page as usize - 1).saturating_mul(filter.per_page as usize);
        let page: Vec<(String, PublicNotice)> = found.into_iter().skip(skip).take(filter.per_page as usize).collect();
        let served = page.iter().map(|(id, _)| id.clone()).collect();
        self.audit_public(served).await?;
        Ok(PublicPage {
            total,
            page: filter.page,
            result_per_page: filter.per_page,
            notices: page.into_iter().map(|(_, p)| p).collect(),
        })
    }

    async fn audit_public(&self, objects: Vec<String>) -> Result<(), StoreError> {
        let draft = Draft {
            time: OffsetDateTime::now_utc(),
            agency: String::new(),
            user: "public".to_owned(),
            role: String::new(),
            action: "public.notices".to_owned(),
            objects,
            outcome: Outcome::Ok,
            purpose: None,
        };
        self.append_draft(draft).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tocsin_core::AgencyCode;
    use tocsin_core::notice::NoticeType;

    fn notice(name: &str, forename: Option<&str>, born: &str, sex: &'static str) -> PublicNotice {
        PublicNotice {
            entity_id: "2026/00001".into(),
            notice_type: NoticeType::Red,
            name: name.into(),
            forename: forename.map(String::from),
            date_of_birth: Some(born.into()),
            nationalities: vec!["FRA".into()],
            sex_id: sex,
            arrest_warrants: vec![tocsin_core::public::PublicWarrant {
                issuing_country_id: AgencyCode::parse("FRA").expect("FRA"),
                charge: "fraud".into(),
            }],
            date_of_event: None,
            place: None,
        }
    }

    fn query(pairs: &[(&str, &str)]) -> Result<Filter, FieldError> {
        let json: serde_json::Map<String, serde_json::Value> =
            pairs.iter().map(|(k, v)| ((*k).to_owned(), serde_json::Value::from(*v))).collect();
        serde_json::from_value::<PublicQuery>(json.into()).expect("query").check()
    }

    #[test]
    fn filters_work_like_interpols() {
        let n = notice("MÜLLER", Some("Hans Peter"), "1980/04/02", "M");
        let m = |pairs: &[(&str, &str)]| query(pairs).expect("valid").matches(&n, 2026);
        assert!(m(&[]));
        assert!(m(&[("name", "muller"), ("forename", "peter")]), "accents and case are ignored");
        assert!(!m(&[("forename", "anna")]));
        assert!(m(&[("nationality", "FRA"), ("sexId", "M"), ("type", "red")]));
        assert!(!m(&[("sexId", "F")]));
        assert!(m(&[("ageMin", "45"), ("ageMax", "46")]), "46 this year, or 45 before the birthday");
        assert!(!m(&[("ageMin", "50")]));
        assert!(!m(&[("ageMax", "40")]));
    }

    #[test]
    fn bad_filters_name_their_field() {
        for (pairs, field) in [
            (&[("resultPerPage", "161")][..], "resultPerPage"),
            (&[("page", "0")], "page"),
            (&[("ageMin", "-3")], "ageMin"),
            (&[("ageMin", "50"), ("ageMax", "40")], "ageMin"),
            (&[("sexId", "X")], "sexId"),
            (&[("nationality", "Atlantis")], "nationality"),
            (&[("type", "blue")], "type"),
        ] {
            assert_eq!(query(pairs).map(|_| ()).map_err(|e| e.field).expect_err(field), field);
        }
        let unknown: Result<PublicQuery, _> = serde_json::from_value(serde_json::json!({"freeText": "x"}));
        assert!(unknown.is_err(), "unknown parameters are refused");
    }
}
