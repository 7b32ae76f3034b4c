//! The Traffic Light Protocol (FIRST TLP 2.0) as STIX 2.1 marks it: the
//! five OASIS marking-definition objects of the TLP 2.0 extension (the ids
//! the extension's schema fixes), the four TLP 1.0 ids STIX predefines
//! (read on input; WHITE is CLEAR), and what each level means for who may
//! see an object, as an access rule for [`tocsin_core::access::may_see_parts`]
//! so that records and intelligence are decided by the one policy.

use serde_json::{Value, json};
use tocsin_core::record::AccessRule;

/// A TLP 2.0 level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Tlp {
    Clear,
    Green,
    Amber,
    #[serde(rename = "amber+strict")]
    AmberStrict,
    Red,
}

/// The OASIS TLP 2.0 property extension the marking objects carry.
pub const TLP2_EXTENSION: &str = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d";

impl Tlp {
    /// Every level, least restrictive first.
    pub const ALL: [Tlp; 5] = [Tlp::Clear, Tlp::Green, Tlp::Amber, Tlp::AmberStrict, Tlp::Red];

    /// The id of the level's TLP 2.0 marking-definition object.
    pub fn marking_id(self) -> &'static str {
        match self {
            Tlp::Clear => "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
            Tlp::Green => "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
            Tlp::Amber => "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
            Tlp::AmberStrict => "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
            Tlp::Red => "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
        }
    }

    /// The level's name as TLP writes it in lower case and serde reads it
    /// (`amber+strict`).
    pub fn as_str(self) -> &'static str {
        match self {
            Tlp::Clear => "clear",
            Tlp::Green => "green",
            Tlp::Amber => "amber",
            Tlp::AmberStrict => "amber+strict",
            Tlp::Red => "red",
        }
    }

    /// The level [`Tlp::as_str`] names.
    pub fn parse(name: &str) -> Option<Tlp> {
        Tlp::ALL.into_iter().find(|t| t.as_str() == name)
    }

    /// The level's label (`TLP:AMBER+STRICT`).
    pub fn label(self) -> &'static str {
        match self {
            Tlp::Clear => "TLP:CLEAR",
            Tlp::Green => "TLP:GREEN",
            Tlp::Amber => "TLP:AMBER",
            Tlp::AmberStrict => "TLP:AMBER+STRICT",
            Tlp::Red => "TLP:RED",
        }
    }

    /// The level a marking-definition id stands for: a TLP 2.0 id, or a
    /// TLP 1.0 id STIX 2.1 predefines (WHITE read as CLEAR). Other marking
    /// ids (statements, a tool's own TLP objects) are `None`.
    pub fn of_marking_id(id: &str) -> Option<Tlp> {
        if let Some(t) = Tlp::ALL.into_iter().find(|t| t.marking_id() == id) {
            return Some(t);
        }
        match id {
            "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9" => Some(Tlp::Clear),
            "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da" => Some(Tlp::Green),
            "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82" => Some(Tlp::Amber),
            "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed" => Some(Tlp::Red),
            _ => None,
        }
    }

    /// The most restrictive level among `marking_refs` (an object marked
    /// both GREEN and RED is RED), or `None` when none is a TLP marking.
    pub fn of_markings<'a>(marking_refs: impl IntoIterator<Item = &'a str>) -> Option<Tlp> {
        marking_refs.into_iter().filter_map(Tlp::of_marking_id).max()
    }

    /// The TLP 2.0 marking-definition object, as it is shipped with every
    /// answer that references it.
    pub fn marking_object(self) -> Value {
        json!({
            "type": "marking-definition",
            "spec_version": "2.1",
            "id": self.marking_id(),
            "created": "2022-10-01T00:00:00.000Z",
            "name": self.label(),
            "extensions": {
                TLP2_EXTENSION: {"extension_type": "property-extension", "tlp_2_0": self.as_ext_value()}
            }
        })
    }

    fn as_ext_value(self) -> &'static str {
        match self {
            Tlp::Clear => "clear",
            Tlp::Green => "green",
            Tlp::Amber => "amber",
            Tlp::AmberStrict => "amber+strict",
            Tlp::Red => "red",
        }
    }

    /// Who besides the owner may see an object at this level, among the
    /// agencies that may read its collection (the trust community):
    /// RED and AMBER+STRICT stay with the owning agency (an agency is the
    /// "organisation"; Tocsin has no individual recipients to name); AMBER,
    /// GREEN and CLEAR reach the community. The collection's read right is
    /// checked apart, before this rule.
    pub fn access_rule(self) -> AccessRule {
        match self {
            Tlp::Red | Tlp::AmberStrict => AccessRule::Only { countries: vec![] },
            Tlp::Amber | Tlp::Green | Tlp::Clear => AccessRule::All,
        }
    }
}

#[cfg(test)]
mod tests {
    use tocsin_core::AgencyCode;
    use tocsin_core::access::{Viewer, may_see_parts};
    use tocsin_core::level::Level;
    use tocsin_core::record::RecordState;

    use super::*;

    #[test]
    fn version_one_ids_are_read_and_white_is_clear() {
        assert_eq!(Tlp::of_marking_id("marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9"), Some(Tlp::Clear));
        assert_eq!(Tlp::of_marking_id("marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed"), Some(Tlp::Red));
        for t in Tlp::ALL {
            assert_eq!(Tlp::of_marking_id(t.marking_id()), Some(t));
            assert_eq!(t.marking_object()["name"], t.label());
        }
        assert_eq!(Tlp::of_marking_id("marking-definition--00000000-0000-4000-8000-000000000000"), None);
    }

    #[test]
    fn a_levels_name_is_its_serde_name_and_reads_back() {
        for t in Tlp::ALL {
            assert_eq!(serde_json::to_value(t).expect("json"), t.as_str());
            assert_eq!(Tlp::parse(t.as_str()), Some(t));
        }
        assert_eq!(Tlp::parse("white"), None);
    }

    #[test]
    fn the_strictest_marking_wins() {
        let refs = [Tlp::Green.marking_id(), Tlp::Red.marking_id(), "marking-definition--x"];
        assert_eq!(Tlp::of_markings(refs), Some(Tlp::Red));
        assert_eq!(Tlp::of_markings([]), None);
    }

    #[test]
    fn red_and_amber_strict_stay_with_the_owner_through_the_one_policy() {
        let (owner, other) = (AgencyCode::parse("FRA").expect("FRA"), AgencyCode::parse("DEU").expect("DEU"));
        for t in Tlp::ALL {
            let rule = t.access_rule();
            assert!(
                may_see_parts(&Viewer::agency(owner), &owner, RecordState::Active, &rule, Level::OfficialUseOnly),
                "{t:?}: the owner"
            );
            let shared =
                may_see_parts(&Viewer::agency(other), &owner, RecordState::Active, &rule, Level::OfficialUseOnly);
            assert_eq!(shared, !matches!(t, Tlp::Red | Tlp::AmberStrict), "{t:?}: another agency");
        }
    }
}
