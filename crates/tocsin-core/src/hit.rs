//! Hits: a screening that matched a record at or above the searching
//! agency's hit threshold, kept durably and reported to the record's owner.
//!
//! A hit on a record the searching agency may not see is **silent**: only the
//! owner learns of it (who searched, where, when, with what); the searcher's
//! results, counts and hit list show nothing of it.

use std::str::FromStr;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::access::Viewer;
use crate::level::Level;
use crate::record::{HandlingCode, RecordId};
use crate::schema::uuid_id;
use crate::{AgencyCode, FieldError};

uuid_id!(
    /// A hit's identifier.
    HitId,
    "hit"
);

/// Where a hit stands: `new → acknowledged → confirmed | false_positive →
/// action_taken → closed`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum HitStatus {
    /// Just made.
    New,
    /// The owner has seen it.
    Acknowledged,
    /// The subject is the record's subject.
    Confirmed,
    /// The subject is not the record's subject.
    FalsePositive,
    /// The searcher has acted on the owner's instructions.
    ActionTaken,
    /// Done.
    Closed,
}

impl HitStatus {
    /// The status's name as stored and served.
    pub fn as_str(self) -> &'static str {
        match self {
            HitStatus::New => "new",
            HitStatus::Acknowledged => "acknowledged",
            HitStatus::Confirmed => "confirmed",
            HitStatus::FalsePositive => "false_positive",
            HitStatus::ActionTaken => "action_taken",
            HitStatus::Closed => "closed",
        }
    }
}

impl FromStr for HitStatus {
    type Err = FieldError;
    fn from_str(s: &str) -> Result<HitStatus, FieldError> {
        [
            HitStatus::New,
            HitStatus::Acknowledged,
            HitStatus::Confirmed,
            HitStatus::FalsePositive,
            HitStatus::ActionTaken,
            HitStatus::Closed,
        ]
        .into_iter()
        .find(|h| h.as_str() == s)
        .ok_or_else(|| {
            FieldError::new(format!(
                "`{}` is not a hit status (new, acknowledged, confirmed, false_positive, action_taken, closed)",
                s.escape_debug()
            ))
        })
    }
}

/// A durable hit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Hit {
    /// Identifier.
    pub id: HitId,
    /// When the screening was made.
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub time: OffsetDateTime,
    /// The searching agency.
    pub searcher: AgencyCode,
    /// The searching user.
    pub user: String,
    /// Where the search was made, as the request said.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// Why, as the request said.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purpose: Option<String>,
    /// The query as sent.
    #[schema(value_type = Object)]
    pub query: serde_json::Value,
    /// The matched record.
    pub record_id: RecordId,
    /// Its version when matched.
    pub record_version: u64,
    /// Its owner, who is told of the hit.
    pub owner: AgencyCode,
    /// The match's score, 0 to 1.
    pub score: f64,
    /// Why it matched.
    #[schema(value_type = Object)]
    pub explanation: serde_json::Value,
    /// The record's handling code when matched.
    pub handling: HandlingCode,
    /// The record's level when matched: only those cleared for it see the
    /// hit (hits made before levels existed are `official_use_only`).
    #[serde(default)]
    pub level: Level,
    /// Made on a record the searcher may not see: only the owner sees it.
    pub silent: bool,
    /// Where it stands.
    pub status: HitStatus,
    /// When it last changed.
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: OffsetDateTime,
}

/// A message between the two agencies of a hit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct HitMessage {
    /// Position in the hit's conversation, from 1.
    pub seq: u64,
    /// The hit.
    pub hit_id: HitId,
    /// When it was sent.
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub time: OffsetDateTime,
    /// The sending agency.
    pub agency: AgencyCode,
    /// The sending user.
    pub user: String,
    /// The text.
    pub text: String,
}

/// Characters in one hit message.
pub const MESSAGE_CHARS: usize = 4_000;

/// Which side of a hit an agency is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    /// The agency that owns the matched record.
    Owner,
    /// The agency that screened.
    Searcher,
}

/// The workflow: from each status, who may move a hit to which status.
///
/// | from | to | by |
/// | --- | --- | --- |
/// | new | acknowledged | owner |
/// | acknowledged | confirmed, false_positive | owner or searcher |
/// | confirmed | action_taken | searcher |
/// | action_taken, false_positive | closed | owner |
///
/// On a silent hit the searcher knows nothing, so the owner makes every move.
const WORKFLOW: &[(HitStatus, HitStatus, &[Side])] = &[
    (HitStatus::New, HitStatus::Acknowledged, &[Side::Owner]),
    (HitStatus::Acknowledged, HitStatus::Confirmed, &[Side::Owner, Side::Searcher]),
    (HitStatus::Acknowledged, HitStatus::FalsePositive, &[Side::Owner, Side::Searcher]),
    (HitStatus::Confirmed, HitStatus::ActionTaken, &[Side::Searcher]),
    (HitStatus::ActionTaken, HitStatus::Closed, &[Side::Owner]),
    (HitStatus::FalsePositive, HitStatus::Closed, &[Side::Owner]),
];

impl Hit {
    /// Whether the hit is `agency`'s to know of: its owner's always; the
    /// searcher's unless it is silent.
    pub fn concerns(&self, agency: &AgencyCode) -> bool {
        *agency == self.owner || (*agency == self.searcher && !self.silent)
    }

    /// Whether `viewer` may see this hit: it concerns its agency
    /// ([`Hit::concerns`]) and it is cleared for the hit's level.
    pub fn visible_to(&self, viewer: &Viewer) -> bool {
        viewer.cleared_for(self.level) && self.concerns(&viewer.agency)
    }

    /// The agencies the hit concerns ([`Hit::concerns`]), each once: the
    /// ones told of it and of every change to it, at its level.
    pub fn audience(&self) -> Vec<AgencyCode> {
        let mut to = vec![self.owner];
        if self.concerns(&self.searcher) && self.searcher != self.owner {
            to.push(self.searcher);
        }
        to
    }

    /// The sides `agency` is on (both when it screened its own record).
    pub fn sides(&self, agency: &AgencyCode) -> Vec<Side> {
        let mut sides = vec![];
        if *agency == self.owner {
            sides.push(Side::Owner);
        }
        if *agency == self.searcher && !self.silent {
            sides.push(Side::Searcher);
        }
        sides
    }

    /// The statuses `agency` may move this hit to now.
    pub fn next_statuses(&self, agency: &AgencyCode) -> Vec<HitStatus> {
        let sides = self.sides(agency);
        WORKFLOW
            .iter()
            .filter(|(from, _, by)| {
                *from == self.status
                    && (by.iter().any(|s| sides.contains(s)) || (self.silent && sides.contains(&Side::Owner)))
            })
            .map(|(_, to, _)| *to)
            .collect()
    }
}

/// A reviewed false positive: once a hit is marked `false_positive`, the
/// searching agency's screenings of the same subject do not raise a new hit
/// on the same record until `until`; the record still shows in results,
/// marked as dismissed before.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Dismissal {
    /// The searching agency whose hits are held back.
    pub agency: AgencyCode,
    /// The screened subject's key (see `tocsin_match::screen::Query::subject`).
    pub subject: String,
    /// The record.
    pub record_id: RecordId,
    /// The hit that was marked false positive.
    pub hit_id: HitId,
    /// Until when.
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub until: OffsetDateTime,
}

/// Days a reviewed false positive holds back new hits when the agency has
/// not set its own period.
pub const DISMISS_DAYS: u32 = 90;

#[cfg(test)]
mod tests {
    use super::*;

    fn hit(status: HitStatus, silent: bool) -> Hit {
        let now = OffsetDateTime::UNIX_EPOCH;
        Hit {
            id: HitId::generate(),
            time: now,
            searcher: AgencyCode::parse("DEU").expect("code"),
            user: "u".into(),
            location: None,
            purpose: None,
            query: serde_json::json!({}),
            record_id: RecordId::generate(),
            record_version: 1,
            owner: AgencyCode::parse("FRA").expect("code"),
            score: 0.9,
            explanation: serde_json::json!({}),
            handling: HandlingCode::Inform,
            level: Level::Restricted,
            silent,
            status,
            updated_at: now,
        }
    }

    #[test]
    fn the_workflow_says_who_moves_a_hit_where() {
        use HitStatus::*;
        let (fra, deu, ita) = ["FRA", "DEU", "ITA"].map(|c| AgencyCode::parse(c).expect("code")).into();
        assert_eq!(hit(New, false).next_statuses(&fra), vec![Acknowledged]);
        assert_eq!(hit(New, false).next_statuses(&deu), vec![]);
        assert_eq!(hit(Acknowledged, false).next_statuses(&deu), vec![Confirmed, FalsePositive]);
        assert_eq!(hit(Confirmed, false).next_statuses(&deu), vec![ActionTaken]);
        assert_eq!(hit(Confirmed, false).next_statuses(&fra), vec![]);
        assert_eq!(hit(ActionTaken, false).next_statuses(&fra), vec![Closed]);
        assert_eq!(hit(FalsePositive, false).next_statuses(&fra), vec![Closed]);
        assert_eq!(hit(Closed, false).next_statuses(&fra), vec![]);
        assert_eq!(hit(Acknowledged, false).next_statuses(&ita), vec![], "a third agency moves nothing");
        // A silent hit: the owner makes every move; the searcher none.
        assert_eq!(hit(Confirmed, true).next_statuses(&fra), vec![ActionTaken]);
        assert_eq!(hit(Acknowledged, true).next_statuses(&deu), vec![]);
        assert_eq!(hit(New, false).audience(), vec![fra, deu]);
        assert_eq!(hit(New, true).audience(), vec![fra], "a silent hit: the owner only");
    }

    #[test]
    fn a_hit_is_shown_to_its_agencies_staff_cleared_for_its_level() {
        let [fra, deu, ita] = ["FRA", "DEU", "ITA"].map(|c| AgencyCode::parse(c).expect("code"));
        let h = hit(HitStatus::New, false);
        for (agency, concerned) in [(fra, true), (deu, true), (ita, false)] {
            for clearance in Level::ALL {
                let shown = h.visible_to(&Viewer::new(agency, clearance));
                assert_eq!(shown, concerned && clearance >= Level::Restricted, "{agency} at {clearance}");
            }
        }
        assert!(!hit(HitStatus::New, true).visible_to(&Viewer::agency(deu)), "silent: not the searcher's");
    }

    #[test]
    fn statuses_round_trip_their_names() {
        for s in ["new", "acknowledged", "confirmed", "false_positive", "action_taken", "closed"] {
            assert_eq!(s.parse::<HitStatus>().map(HitStatus::as_str), Ok(s));
        }
        assert!("done".parse::<HitStatus>().is_err());
    }
}
