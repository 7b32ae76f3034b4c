//! Critical-infrastructure assets and the dependencies between them.
//!
//! An asset is a record (`RecordBody::Asset`), owned and shared under its
//! access rule like every record. A dependency says that a *dependent*
//! asset needs a commodity from a *provider*; it belongs to the
//! dependent's owner and is visible only to an agency that may see both
//! ends, so no dependency names an asset its reader may not see.
//!
//! Sectors are one list that covers both the EU CER directive (2022/2557,
//! 11 sectors) and the US PPD-21 (16 sectors); [`Sector::cer`] and
//! [`Sector::ppd21`] map each onto the two frameworks.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::schema::uuid_id;
use crate::text::clean as text;
use crate::{AgencyCode, CountryCode, FieldError, limits};

/// The most people one asset serves (more than live on Earth), so sums over
/// any number of assets stay far from overflowing.
pub const MAX_SERVES: u64 = 10_000_000_000;

/// The most assets one import registers (an import is one transaction).
pub const MAX_IMPORT_ASSETS: usize = 250_000;
/// The most dependencies one import declares.
pub const MAX_IMPORT_DEPENDENCIES: usize = 1_000_000;

uuid_id!(
    /// A dependency's identifier.
    DependencyId,
    "dependency"
);

/// A critical-infrastructure sector: the union of the EU CER directive's
/// and the US PPD-21's sectors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Sector {
    /// Electricity, gas, oil, hydrogen, district heating.
    Energy,
    /// Air, rail, water and road transport.
    Transport,
    /// Credit institutions.
    Banking,
    /// Trading venues, central counterparties.
    FinancialMarketInfrastructure,
    /// Health care, laboratories, medicines.
    Health,
    /// Water intended for human consumption.
    DrinkingWater,
    /// Urban waste water.
    WasteWater,
    /// Internet exchanges, DNS, data centres, cloud, networks.
    DigitalInfrastructure,
    /// Central government.
    PublicAdministration,
    /// Ground infrastructure of space-based services.
    Space,
    /// Production, processing and distribution of food.
    Food,
    /// Chemical industry.
    Chemical,
    /// Places where people gather: venues, malls, hotels.
    CommercialFacilities,
    /// Telephony, broadcasting, cable, satellite.
    Communications,
    /// Primary metals, machinery, vehicles.
    CriticalManufacturing,
    /// Dams, locks, levees.
    Dams,
    /// Defence industry.
    DefenseIndustrialBase,
    /// Police, fire, ambulance, emergency management.
    EmergencyServices,
    /// Information technology products and services.
    InformationTechnology,
    /// Nuclear reactors, materials and waste.
    Nuclear,
}

impl Sector {
    /// Every sector, in order.
    pub const ALL: [Sector; 20] = [
        Sector::Energy,
        Sector::Transport,
        Sector::Banking,
        Sector::FinancialMarketInfrastructure,
        Sector::Health,
        Sector::DrinkingWater,
        Sector::WasteWater,
        Sector::DigitalInfrastructure,
        Sector::PublicAdministration,
        Sector::Space,
        Sector::Food,
        Sector::Chemical,
        Sector::CommercialFacilities,
        Sector::Communications,
        Sector::CriticalManufacturing,
        Sector::Dams,
        Sector::DefenseIndustrialBase,
        Sector::EmergencyServices,
        Sector::InformationTechnology,
        Sector::Nuclear,
    ];

    /// The sector's name as stored and served.
    pub fn as_str(self) -> &'static str {
        match self {
            Sector::Energy => "energy",
            Sector::Transport => "transport",
            Sector::Banking => "banking",
            Sector::FinancialMarketInfrastructure => "financial_market_infrastructure",
            Sector::Health => "health",
            Sector::DrinkingWater => "drinking_water",
            Sector::WasteWater => "waste_water",
            Sector::DigitalInfrastructure => "digital_infrastructure",
            Sector::PublicAdministration => "public_administration",
            Sector::Space => "space",
            Sector::Food => "food",
            Sector::Chemical => "chemical",
            Sector::CommercialFacilities => "commercial_facilities",
            Sector::Communications => "communications",
            Sector::CriticalManufacturing => "critical_manufacturing",
            Sector::Dams => "dams",
            Sector::DefenseIndustrialBase => "defense_industrial_base",
            Sector::EmergencyServices => "emergency_services",
            Sector::InformationTechnology => "information_technology",
            Sector::Nuclear => "nuclear",
        }
    }

    /// Parses a sector's name.
    pub fn parse(s: &str) -> Result<Sector, FieldError> {
        Sector::ALL.into_iter().find(|x| x.as_str() == s).ok_or_else(|| {
            FieldError::new(format!("`{}` is not a sector (energy, transport, health, …)", s.escape_debug()))
        })
    }

    /// Its sector under the EU CER directive (2022/2557, annex), if any.
    pub fn cer(self) -> Option<&'static str> {
        Some(match self {
            Sector::Energy | Sector::Nuclear => "energy",
            Sector::Transport => "transport",
            Sector::Banking => "banking",
            Sector::FinancialMarketInfrastructure => "financial_market_infrastructure",
            Sector::Health => "health",
            Sector::DrinkingWater => "drinking_water",
            Sector::WasteWater => "waste_water",
            Sector::DigitalInfrastructure | Sector::Communications | Sector::InformationTechnology => {
                "digital_infrastructure"
            }
            Sector::PublicAdministration => "public_administration",
            Sector::Space => "space",
            Sector::Food => "production_processing_distribution_of_food",
            Sector::Chemical
            | Sector::CommercialFacilities
            | Sector::CriticalManufacturing
            | Sector::Dams
            | Sector::DefenseIndustrialBase
            | Sector::EmergencyServices => return None,
        })
    }

    /// Its sector under the US PPD-21, if any.
    pub fn ppd21(self) -> Option<&'static str> {
        Some(match self {
            Sector::Energy => "energy",
            Sector::Transport => "transportation_systems",
            Sector::Banking | Sector::FinancialMarketInfrastructure => "financial_services",
            Sector::Health => "healthcare_and_public_health",
            Sector::DrinkingWater | Sector::WasteWater => "water_and_wastewater_systems",
            Sector::DigitalInfrastructure | Sector::Communications => "communications",
            Sector::InformationTechnology => "information_technology",
            Sector::PublicAdministration => "government_facilities",
            Sector::Food => "food_and_agriculture",
            Sector::Chemical => "chemical",
            Sector::CommercialFacilities => "commercial_facilities",
            Sector::CriticalManufacturing => "critical_manufacturing",
            Sector::Dams => "dams",
            Sector::DefenseIndustrialBase => "defense_industrial_base",
            Sector::EmergencyServices => "emergency_services",
            Sector::Nuclear => "nuclear_reactors_materials_and_waste",
            Sector::Space => return None,
        })
    }
}

/// What flows along a dependency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Commodity {
    /// Electric power.
    Electricity,
    /// Natural gas.
    Gas,
    /// Liquid fuels.
    Fuel,
    /// Water.
    Water,
    /// Telecommunications and data.
    Telecom,
    /// Control systems (SCADA).
    Control,
    /// Transport of goods or people.
    Transport,
    /// Payments and finance.
    Finance,
    /// Staff.
    Personnel,
}

impl Commodity {
    /// Every commodity, in order.
    pub const ALL: [Commodity; 9] = [
        Commodity::Electricity,
        Commodity::Gas,
        Commodity::Fuel,
        Commodity::Water,
        Commodity::Telecom,
        Commodity::Control,
        Commodity::Transport,
        Commodity::Finance,
        Commodity::Personnel,
    ];

    /// The commodity's name as stored and served.
    pub fn as_str(self) -> &'static str {
        match self {
            Commodity::Electricity => "electricity",
            Commodity::Gas => "gas",
            Commodity::Fuel => "fuel",
            Commodity::Water => "water",
            Commodity::Telecom => "telecom",
            Commodity::Control => "control",
            Commodity::Transport => "transport",
            Commodity::Finance => "finance",
            Commodity::Personnel => "personnel",
        }
    }

    /// Parses a commodity's name.
    pub fn parse(s: &str) -> Result<Commodity, FieldError> {
        Commodity::ALL.into_iter().find(|x| x.as_str() == s).ok_or_else(|| {
            FieldError::new(format!(
                "`{}` is not a commodity (electricity, gas, fuel, water, telecom, control, transport, finance, personnel)",
                s.escape_debug()
            ))
        })
    }
}

/// Whether an asset works.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AssetStatus {
    /// Working.
    #[default]
    Operational,
    /// Working with reduced capacity.
    Degraded,
    /// Out of service.
    Failed,
    /// Not built yet.
    Planned,
}

impl AssetStatus {
    /// Whether the asset supplies its dependents now.
    pub fn is_live(self) -> bool {
        matches!(self, AssetStatus::Operational | AssetStatus::Degraded)
    }
}

/// A point on the WGS 84 ellipsoid.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Location {
    /// Latitude in degrees, −90 to 90.
    pub lat: f64,
    /// Longitude in degrees, −180 to 180.
    pub lon: f64,
}

impl Location {
    /// A checked location; `field` names it in the error.
    pub fn new(field: &str, lat: f64, lon: f64) -> Result<Location, FieldError> {
        if !(-90.0..=90.0).contains(&lat) {
            return Err(FieldError::field(format!("{field}.lat"), "a latitude is between -90 and 90"));
        }
        if !(-180.0..=180.0).contains(&lon) {
            return Err(FieldError::field(format!("{field}.lon"), "a longitude is between -180 and 180"));
        }
        Ok(Location { lat, lon })
    }

    /// The great-circle distance to `other`, in kilometres.
    pub fn km_to(&self, other: &Location) -> f64 {
        const EARTH_KM: f64 = 6371.0088;
        let (p1, p2) = (self.lat.to_radians(), other.lat.to_radians());
        let dp = p2 - p1;
        let dl = (other.lon - self.lon).to_radians();
        let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
        2.0 * EARTH_KM * a.sqrt().min(1.0).asin()
    }
}

/// An asset's capacity, in the unit its sector uses (MW, m³/day, beds).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Capacity {
    /// The amount, zero or more.
    pub value: f64,
    /// Its unit.
    pub unit: String,
}

/// A critical-infrastructure asset: a power station, a substation, a
/// water works, an exchange, a hospital.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Asset {
    /// Its name.
    pub name: String,
    /// Its sector.
    pub sector: Sector,
    /// Free-text subsector (`transmission`, `generation`, `hospital`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subsector: Option<String>,
    /// Who runs it (often a private company).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operator: Option<String>,
    /// Where it is.
    pub country: CountryCode,
    /// Its coordinates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
    /// Its capacity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capacity: Option<Capacity>,
    /// How many people it serves.
    #[serde(default)]
    pub serves: u64,
    /// 1 (low) to 5 (vital).
    pub criticality: u8,
    /// Whether it works.
    #[serde(default)]
    pub status: AssetStatus,
    /// The commodities it originates (a power station: electricity): the
    /// roots of each commodity's supply graph.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub supplies: Vec<Commodity>,
}

/// An asset as a client sends it.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssetInput {
    /// Its name (required).
    pub name: Option<String>,
    /// Its sector (required).
    pub sector: Option<String>,
    /// Free-text subsector.
    pub subsector: Option<String>,
    /// Who runs it.
    pub operator: Option<String>,
    /// ISO 3166-1 alpha-3 (required).
    pub country: Option<String>,
    /// Its coordinates.
    pub location: Option<Location>,
    /// Its capacity.
    pub capacity: Option<Capacity>,
    /// How many people it serves (default 0).
    pub serves: Option<u64>,
    /// 1 to 5 (default 3).
    pub criticality: Option<u8>,
    /// Default `operational`.
    pub status: Option<AssetStatus>,
    /// Commodities it originates.
    pub supplies: Option<Vec<String>>,
}

impl AssetInput {
    /// Checks every field and builds the asset; errors name the field,
    /// prefixed by `at` (`assets[3].`) when given.
    pub fn validate(self, at: &str) -> Result<Asset, FieldError> {
        let f = |name: &str| format!("{at}{name}");
        let name = self.name.ok_or_else(|| FieldError::field(f("name"), "required"))?;
        let name = text(&f("name"), name, limits::TEXT_CHARS)?;
        let sector = self.sector.ok_or_else(|| FieldError::field(f("sector"), "required"))?;
        let sector = Sector::parse(&sector).map_err(|e| e.at(&f("sector")))?;
        let country = self.country.ok_or_else(|| FieldError::field(f("country"), "required"))?;
        let country = CountryCode::parse(&country).map_err(|e| e.at(&f("country")))?;
        let location = self.location.map(|l| Location::new(&f("location"), l.lat, l.lon)).transpose()?;
        let capacity = match self.capacity {
            Some(c) if !(c.value.is_finite() && c.value >= 0.0) => {
                return Err(FieldError::field(f("capacity.value"), "a capacity is a number, zero or more"));
            }
            Some(c) => Some(Capacity { value: c.value, unit: text(&f("capacity.unit"), c.unit, 32)? }),
            None => None,
        };
        let serves = self.serves.unwrap_or(0);
        if serves > MAX_SERVES {
            return Err(FieldError::field(f("serves"), format!("at most {MAX_SERVES} people")));
        }
        let criticality = self.criticality.unwrap_or(3);
        if !(1..=5).contains(&criticality) {
            return Err(FieldError::field(f("criticality"), "from 1 (low) to 5 (vital)"));
        }
        let mut supplies = Vec::new();
        for (i, s) in self.supplies.unwrap_or_default().iter().enumerate() {
            let c = Commodity::parse(s).map_err(|e| e.at(&f(&format!("supplies[{i}]"))))?;
            if !supplies.contains(&c) {
                supplies.push(c);
            }
        }
        Ok(Asset {
            name,
            sector,
            subsector: self.subsector.map(|s| text(&f("subsector"), s, 64)).transpose()?,
            operator: self.operator.map(|s| text(&f("operator"), s, limits::TEXT_CHARS)).transpose()?,
            country,
            location,
            capacity,
            serves,
            criticality,
            status: self.status.unwrap_or_default(),
            supplies,
        })
    }
}

/// The kind of dependency (Rinaldi, Peerenboom and Kelly, 2001).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DependencyType {
    /// A material output of one is an input of the other.
    #[default]
    Physical,
    /// Information passes between them.
    Cyber,
    /// They are close enough for one event to hit both.
    Geographic,
    /// Any other link (policy, markets).
    Logical,
}

/// What a dependent asset needs from a provider.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Dependency {
    /// Identifier.
    pub id: DependencyId,
    /// The dependent's owner, who declared it.
    pub owner: AgencyCode,
    /// The asset that provides.
    pub provider: crate::record::RecordId,
    /// The asset that needs it.
    pub dependent: crate::record::RecordId,
    /// What flows.
    pub commodity: Commodity,
    /// Physical, cyber, geographic or logical.
    #[serde(rename = "type", default)]
    pub dep_type: DependencyType,
    /// The share of the dependent's need of this commodity it covers,
    /// above 0 and at most 1 (default 1: all of it).
    pub share: f64,
    /// A redundancy group: the dependencies of one dependent in the same
    /// group are alternatives, of which `k` must be live.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// How many of the group must be live (default 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub k: Option<u32>,
    /// How long the dependent runs on its own reserves once the provider
    /// fails (a diesel tank: 72).
    pub buffer_hours: f64,
    /// How long the provider's failure takes to reach the dependent.
    pub time_to_impact_hours: f64,
    /// How long the dependent takes to recover once supplied again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recovery_hours: Option<f64>,
    /// When it was declared.
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
}

/// A dependency as a client sends it.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DependencyInput {
    /// The provider's record id (required).
    pub provider: Option<String>,
    /// The dependent's record id (required).
    pub dependent: Option<String>,
    /// What flows (required).
    pub commodity: Option<String>,
    /// Physical (default), cyber, geographic or logical.
    #[serde(rename = "type")]
    pub dep_type: Option<DependencyType>,
    /// Above 0, at most 1; default 1.
    pub share: Option<f64>,
    /// A redundancy group's name.
    pub group: Option<String>,
    /// Live members the group needs (default 1).
    pub k: Option<u32>,
    /// Default 0.
    pub buffer_hours: Option<f64>,
    /// Default 0.
    pub time_to_impact_hours: Option<f64>,
    /// Optional.
    pub recovery_hours: Option<f64>,
}

/// A dependency's checked fields, before it is given its ends' ids.
#[derive(Debug, Clone, PartialEq)]
pub struct DependencyFields {
    /// The provider as given (a record id, or an import's own key).
    pub provider: String,
    /// The dependent as given.
    pub dependent: String,
    /// What flows.
    pub commodity: Commodity,
    /// The kind.
    pub dep_type: DependencyType,
    /// The share.
    pub share: f64,
    /// The group.
    pub group: Option<String>,
    /// The group's k.
    pub k: Option<u32>,
    /// Hours.
    pub buffer_hours: f64,
    /// Hours.
    pub time_to_impact_hours: f64,
    /// Hours.
    pub recovery_hours: Option<f64>,
}

fn hours(field: String, v: Option<f64>) -> Result<Option<f64>, FieldError> {
    match v {
        Some(h) if !(h.is_finite() && (0.0..=1.0e6).contains(&h)) => {
            Err(FieldError::field(field, "hours are a number from 0 to 1000000"))
        }
        v => Ok(v),
    }
}

impl DependencyInput {
    /// Checks every field; errors name the field, prefixed by `at`.
    pub fn validate(self, at: &str) -> Result<DependencyFields, FieldError> {
        let f = |name: &str| format!("{at}{name}");
        let provider = self.provider.ok_or_else(|| FieldError::field(f("provider"), "required"))?;
        let dependent = self.dependent.ok_or_else(|| FieldError::field(f("dependent"), "required"))?;
        if provider == dependent {
            return Err(FieldError::field(f("provider"), "an asset does not depend on itself"));
        }
        let commodity = self.commodity.ok_or_else(|| FieldError::field(f("commodity"), "required"))?;
        let commodity = Commodity::parse(&commodity).map_err(|e| e.at(&f("commodity")))?;
        let share = self.share.unwrap_or(1.0);
        if !(share.is_finite() && share > 0.0 && share <= 1.0) {
            return Err(FieldError::field(f("share"), "a share is above 0 and at most 1"));
        }
        let group = self.group.map(|g| text(&f("group"), g, 64)).transpose()?;
        if self.k.is_some() && group.is_none() {
            return Err(FieldError::field(f("k"), "k is the number of live members a group needs: give the group"));
        }
        if self.k == Some(0) {
            return Err(FieldError::field(f("k"), "a group needs at least one live member"));
        }
        Ok(DependencyFields {
            provider,
            dependent,
            commodity,
            dep_type: self.dep_type.unwrap_or_default(),
            share,
            group,
            k: self.k,
            buffer_hours: hours(f("buffer_hours"), self.buffer_hours)?.unwrap_or(0.0),
            time_to_impact_hours: hours(f("time_to_impact_hours"), self.time_to_impact_hours)?.unwrap_or(0.0),
            recovery_hours: hours(f("recovery_hours"), self.recovery_hours)?,
        })
    }
}

/// Checks that no redundancy group among `deps` (all of one store, or one
/// dependent's) asks for more live members than it has: returns the index
/// of the first dependency of a group whose `k` exceeds its size.
pub fn oversized_group<'a>(
    deps: impl IntoIterator<Item = (usize, &'a crate::record::RecordId, Option<&'a str>, Option<u32>)>,
) -> Option<(usize, u32, usize)> {
    let mut groups: std::collections::HashMap<(&crate::record::RecordId, &str), (usize, u32, usize)> =
        std::collections::HashMap::new();
    for (i, dependent, group, k) in deps {
        if let Some(g) = group {
            let e = groups.entry((dependent, g)).or_insert((i, 1, 0));
            e.1 = e.1.max(k.unwrap_or(1));
            e.2 += 1;
        }
    }
    groups.into_values().filter(|(_, k, n)| *k as usize > *n).min_by_key(|(i, _, _)| *i)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_sector_maps_to_at_least_one_framework_and_parses_back() {
        for s in Sector::ALL {
            assert!(s.cer().is_some() || s.ppd21().is_some(), "{s:?}");
            assert_eq!(Sector::parse(s.as_str()).ok(), Some(s));
        }
        let cer: std::collections::BTreeSet<_> = Sector::ALL.iter().filter_map(|s| s.cer()).collect();
        assert_eq!(cer.len(), 11, "the CER directive's 11 sectors: {cer:?}");
        let ppd: std::collections::BTreeSet<_> = Sector::ALL.iter().filter_map(|s| s.ppd21()).collect();
        assert_eq!(ppd.len(), 16, "PPD-21's 16 sectors: {ppd:?}");
    }

    #[test]
    fn coordinates_out_of_range_name_their_field() {
        let e = Location::new("location", 91.0, 0.0).expect_err("refused");
        assert_eq!(e.field, "location.lat");
        let e = Location::new("location", 0.0, -181.0).expect_err("refused");
        assert_eq!(e.field, "location.lon");
        let paris = Location::new("x", 48.8566, 2.3522).expect("ok");
        let london = Location::new("x", 51.5074, -0.1278).expect("ok");
        assert!((paris.km_to(&london) - 343.5).abs() < 2.0);
    }

    fn dep(json: serde_json::Value) -> Result<DependencyFields, FieldError> {
        serde_json::from_value::<DependencyInput>(json).expect("shape").validate("")
    }

    #[test]
    fn bad_dependencies_name_their_field() {
        let base = serde_json::json!({"provider": "a", "dependent": "b", "commodity": "water"});
        assert!(dep(base).is_ok());
        let cases = [
            (serde_json::json!({"provider": "a", "dependent": "a", "commodity": "water"}), "provider"),
            (serde_json::json!({"provider": "a", "dependent": "b", "commodity": "steam"}), "commodity"),
            (serde_json::json!({"provider": "a", "dependent": "b", "commodity": "gas", "share": 0}), "share"),
            (
                serde_json::json!({"provider": "a", "dependent": "b", "commodity": "gas", "buffer_hours": -1}),
                "buffer_hours",
            ),
            (serde_json::json!({"provider": "a", "dependent": "b", "commodity": "gas", "k": 2}), "k"),
            (serde_json::json!({"provider": "a", "dependent": "b", "commodity": "gas", "group": "g", "k": 0}), "k"),
        ];
        for (json, field) in cases {
            let e = dep(json.clone()).expect_err("refused");
            assert_eq!(e.field, field, "{json}: {e}");
        }
    }

    #[test]
    fn a_group_asking_more_members_than_it_has_is_found() {
        let (a, b) = (crate::record::RecordId::generate(), crate::record::RecordId::generate());
        let ok = [(0, &a, Some("g"), Some(2)), (1, &a, Some("g"), Some(2)), (2, &b, Some("g"), None)];
        assert_eq!(oversized_group(ok), None);
        let short = [(0, &a, Some("g"), Some(2)), (1, &b, Some("g"), Some(2)), (2, &b, Some("g"), Some(2))];
        assert_eq!(oversized_group(short), Some((0, 2, 1)));
    }
}
