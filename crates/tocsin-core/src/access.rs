//! The access policy: who may see a record.
//!
//! [`may_see`] is the only function in the system that decides visibility.
//! Every read path (get, list, export, audit views, screening, hits,
//! notices, messages' references) calls it; nothing else inspects an
//! [`AccessRule`] or compares a level with a clearance to decide.

use crate::AgencyCode;
use crate::level::Level;
use crate::record::{AccessRule, Record, RecordState};

/// Who is looking: an agency, and the clearance of the person (or unit)
/// looking for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Viewer {
    /// The agency.
    pub agency: AgencyCode,
    /// The highest level it reads.
    pub clearance: Level,
}

impl Viewer {
    /// `agency` with `clearance`.
    pub fn new(agency: AgencyCode, clearance: Level) -> Viewer {
        Viewer { agency, clearance }
    }

    /// The agency as a whole, cleared for every level: for what the
    /// system does on an agency's behalf and then delivers at the level of
    /// what it found (a watch firing, a silent hit's event), never for
    /// showing a person anything.
    pub fn agency(agency: AgencyCode) -> Viewer {
        Viewer { agency, clearance: Level::TOP }
    }

    /// Whether it reads what is marked `level`.
    pub fn cleared_for(&self, level: Level) -> bool {
        level <= self.clearance
    }
}

/// Whether `viewer` may see `record`.
///
/// - Nobody sees a record above their clearance, its owner's staff
///   included: such a record is hidden exactly as an access rule hides one.
/// - Within their clearance, the owner always sees its own records,
///   archived ones included.
/// - Anyone else sees an active record when its access rule admits them:
///   `all`; `only` listing them; `except` not listing them.
/// - The General Secretariat (`GS`) is an agency like any other here: an
///   owner who wants it to see a restricted record lists `GS`.
pub fn may_see(viewer: &Viewer, record: &Record) -> bool {
    may_see_parts(viewer, &record.owner, record.state, &record.data.access, record.data.level)
}

/// [`may_see`] on the parts of a record that decide it, for indexes that
/// keep those parts without the whole record.
pub fn may_see_parts(
    viewer: &Viewer,
    owner: &AgencyCode,
    state: RecordState,
    access: &AccessRule,
    level: Level,
) -> bool {
    if !viewer.cleared_for(level) {
        return false;
    }
    if *owner == viewer.agency {
        return true;
    }
    state == RecordState::Active
        && match access {
            AccessRule::All => true,
            AccessRule::Only { countries } => countries.contains(&viewer.agency),
            AccessRule::Except { countries } => !countries.contains(&viewer.agency),
        }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use time::OffsetDateTime;
    use time::macros::date;

    use super::*;
    use crate::record::{Handling, HandlingCode, Organization, RecordBody, RecordData, RecordId};

    fn record(owner: &str, access: AccessRule, state: RecordState) -> Record {
        leveled(owner, access, state, Level::OfficialUseOnly)
    }

    fn leveled(owner: &str, access: AccessRule, state: RecordState, level: Level) -> Record {
        let now = OffsetDateTime::UNIX_EPOCH;
        Record {
            id: RecordId::generate(),
            owner: AgencyCode::parse(owner).expect("owner"),
            version: 1,
            state,
            created_at: now,
            updated_at: now,
            data: RecordData {
                body: RecordBody::Organization(Organization { names: vec![], countries: vec![] }),
                handling: Handling { code: HandlingCode::Inform, instructions: None },
                access,
                tags: vec![],
                review_by: date!(2030 - 01 - 01),
                source: None,
                level,
            },
        }
    }

    const AGENCIES: [&str; 5] = ["FRA", "DEU", "ITA", "USA", "GS"];

    fn agency() -> impl Strategy<Value = AgencyCode> {
        prop::sample::select(AGENCIES.to_vec()).prop_map(|a| AgencyCode::parse(a).expect("agency"))
    }

    /// An agency's staff cleared for every level.
    fn staff() -> impl Strategy<Value = Viewer> {
        agency().prop_map(Viewer::agency)
    }

    fn level() -> impl Strategy<Value = Level> {
        prop::sample::select(Level::ALL.to_vec())
    }

    fn rule() -> impl Strategy<Value = AccessRule> {
        let list = || prop::collection::vec(agency(), 0..4);
        prop_oneof![
            Just(AccessRule::All),
            list().prop_map(|countries| AccessRule::Only { countries }),
            list().prop_map(|countries| AccessRule::Except { countries }),
        ]
    }

    proptest! {
        #[test]
        fn the_owner_always_sees_its_records(rule in rule(), archived in any::<bool>()) {
            let state = if archived { RecordState::Archived } else { RecordState::Active };
            let r = record("FRA", rule, state);
            prop_assert!(may_see(&Viewer::agency(r.owner), &r));
        }

        #[test]
        fn only_and_except_with_the_same_list_split_the_other_agencies(list in prop::collection::vec(agency(), 0..4), viewer in staff()) {
            prop_assume!(viewer.agency.as_str() != "FRA");
            let only = record("FRA", AccessRule::Only { countries: list.clone() }, RecordState::Active);
            let except = record("FRA", AccessRule::Except { countries: list }, RecordState::Active);
            prop_assert!(may_see(&viewer, &only) != may_see(&viewer, &except));
        }

        #[test]
        fn only_admits_the_listed_agencies_and_except_all_but_them(list in prop::collection::vec(agency(), 0..4), viewer in staff()) {
            prop_assume!(viewer.agency.as_str() != "FRA");
            let listed = list.contains(&viewer.agency);
            let only = record("FRA", AccessRule::Only { countries: list.clone() }, RecordState::Active);
            let except = record("FRA", AccessRule::Except { countries: list }, RecordState::Active);
            prop_assert_eq!(may_see(&viewer, &only), listed, "only");
            prop_assert_eq!(may_see(&viewer, &except), !listed, "except");
        }

        #[test]
        fn a_record_above_the_clearance_is_hidden_from_everyone_its_owner_included(
            rule in rule(), viewer in agency(), level in level(), clearance in level(), archived in any::<bool>(),
        ) {
            let state = if archived { RecordState::Archived } else { RecordState::Active };
            let r = leveled("FRA", rule, state, level);
            let cleared = Viewer::new(viewer, clearance);
            let as_the_agency = may_see(&Viewer::agency(viewer), &r);
            prop_assert_eq!(may_see(&cleared, &r), as_the_agency && level <= clearance);
        }

        #[test]
        fn archived_records_are_hidden_from_everyone_but_the_owner(rule in rule(), viewer in staff()) {
            prop_assume!(viewer.agency.as_str() != "FRA");
            prop_assert!(!may_see(&viewer, &record("FRA", rule, RecordState::Archived)));
        }
    }

    #[test]
    fn all_admits_everyone() {
        let r = record("FRA", AccessRule::All, RecordState::Active);
        assert!(AGENCIES.iter().all(|a| may_see(&Viewer::agency(AgencyCode::parse(a).expect("agency")), &r)));
    }
}
