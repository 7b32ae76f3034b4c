//! The public extract of red and yellow notices, served without
//! authentication ([`tocsin_core::public`] decides what it shows), with the
//! filters of INTERPOL's public notices API.

use std::collections::HashMap;

use serde::Serialize;
use time::OffsetDateTime;
use tocsin_audit::{Draft, Outcome};
use tocsin_core::public::{PublicNotice, PublicQuery, extract};
use tocsin_core::record::{Record, RecordId};
use tocsin_match::name::latinize;

use crate::{Store, StoreError};

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

impl Store {
    /// One page of the public extract, newest first. Anyone may read it; the
    /// read is audited as `public.notices` with the notices served, so an
    /// owner can see when its public notices were shown.
    pub async fn public_notices(&self, query: &PublicQuery) -> Result<PublicPage, StoreError> {
        let filter = query.check(latinize)?;
        let notices: Vec<tocsin_core::notice::Notice> = crate::locks::read(&self.public).values().cloned().collect();
        let ids: Vec<RecordId> = notices.iter().flat_map(|n| n.content.record_ids.iter().copied()).collect();
        let records: HashMap<RecordId, Record> =
            self.backend.records(&ids).await?.into_iter().map(|r| (r.id, r)).collect();
        let year = self.today().year();
        let mut found: Vec<(String, PublicNotice)> = notices
            .iter()
            // Only what is for official use only is ever public: a notice
            // on a record marked above (or raised since) is not served.
            .filter(|n| {
                let level = |id: &RecordId| records.get(id).map(|r| r.data.level).unwrap_or_default();
                n.content.record_ids.iter().all(|id| level(id) == tocsin_core::level::Level::OfficialUseOnly)
            })
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
    use tocsin_core::FieldError;
    use tocsin_core::notice::NoticeType;
    use tocsin_core::public::PublicFilter;

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

    fn query(pairs: &[(&str, &str)]) -> Result<PublicFilter, FieldError> {
        let json: serde_json::Map<String, serde_json::Value> =
            pairs.iter().map(|(k, v)| ((*k).to_owned(), serde_json::Value::from(*v))).collect();
        serde_json::from_value::<PublicQuery>(json.into()).expect("query").check(latinize)
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
