//! Assets and dependencies as files: JSON lines and CSV in, and out again
//! with GeoJSON for maps.
//!
//! A JSON line is an asset or a dependency:
//!
//! ```text
//! {"type":"asset","key":"plant-1","name":"Plant","sector":"energy","country":"FRA","supplies":["electricity"]}
//! {"type":"dependency","provider":"plant-1","dependent":"hospital-1","commodity":"electricity","buffer_hours":72}
//! ```
//!
//! An asset's `key` is the file's own name for it, which dependencies in
//! the same file use; a dependency's ends may also be ids of assets
//! already stored, and its own type (physical, cyber …) is
//! `dependency_type`, since `type` says what the line is. An asset without `access` is seen by its owner only.
//! CSV is two files with the same fields as columns (`supplies` separated
//! by `;`, `lat` and `lon` for the location). Export writes the stored id
//! as the key, so an export reads back as an import.

use serde::Serialize;
use serde_json::{Map, Value, json};
use tocsin_core::FieldError;
use tocsin_core::asset::{
    Asset, AssetInput, Capacity, Dependency, DependencyFields, DependencyInput, Location, MAX_IMPORT_ASSETS,
    MAX_IMPORT_DEPENDENCIES,
};
use tocsin_core::record::AccessRule;

/// An asset read from a file.
#[derive(Debug, Clone, PartialEq)]
pub struct AssetEntry {
    /// The file's name for it.
    pub key: String,
    /// The asset.
    pub asset: Asset,
    /// Who may see it; its owner only when absent.
    pub access: Option<AccessRule>,
    /// Free labels.
    pub tags: Vec<String>,
}

/// What a file holds.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Exchange {
    /// The assets, in file order.
    pub assets: Vec<AssetEntry>,
    /// The dependencies, in file order.
    pub dependencies: Vec<DependencyFields>,
}

impl Exchange {
    fn push_asset(&mut self, at: &str, e: AssetEntry) -> Result<(), FieldError> {
        if self.assets.len() == MAX_IMPORT_ASSETS {
            return Err(FieldError::field(
                at.trim_end_matches('.'),
                format!("more than {MAX_IMPORT_ASSETS} assets in one import: split the file"),
            ));
        }
        self.assets.push(e);
        Ok(())
    }

    fn push_dependency(&mut self, at: &str, d: DependencyFields) -> Result<(), FieldError> {
        if self.dependencies.len() == MAX_IMPORT_DEPENDENCIES {
            return Err(FieldError::field(
                at.trim_end_matches('.'),
                format!("more than {MAX_IMPORT_DEPENDENCIES} dependencies in one import: split the file"),
            ));
        }
        self.dependencies.push(d);
        Ok(())
    }
}

fn key(at: &str, v: Option<Value>) -> Result<String, FieldError> {
    match v {
        Some(Value::String(s)) if !s.trim().is_empty() && s.chars().count() <= 128 => Ok(s.trim().to_owned()),
        Some(_) => Err(FieldError::field(format!("{at}key"), "a key is text of 1 to 128 characters")),
        None => Err(FieldError::field(format!("{at}key"), "required: the file's name for the asset")),
    }
}

fn typed<T: serde::de::DeserializeOwned>(at: &str, v: Value) -> Result<T, FieldError> {
    serde_path_to_error::deserialize(v).map_err(|e| {
        let message = e.inner().to_string();
        let field = tocsin_core::json::field_of(&e.path().to_string(), &message);
        let field = if field.is_empty() { at.trim_end_matches('.').to_owned() } else { format!("{at}{field}") };
        FieldError::field(field, message)
    })
}

/// Reads JSON lines; blank lines are skipped. Errors name the line and
/// the field (`line 3.commodity`).
pub fn read_jsonl(text: &str) -> Result<Exchange, FieldError> {
    let mut out = Exchange::default();
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let at = format!("line {}.", n + 1);
        let value: Value = serde_json::from_str(line)
            .map_err(|e| FieldError::field(format!("line {}", n + 1), format!("not JSON: {e}")))?;
        let Value::Object(map) = value else {
            return Err(FieldError::field(format!("line {}", n + 1), "a line is a JSON object"));
        };
        read_object(&mut out, &at, map)?;
    }
    Ok(out)
}

/// A file's object with where it comes from (`assets line 2.`).
type Located = (String, Map<String, Value>);

/// The columns of an assets CSV file.
pub const ASSET_COLUMNS: [&str; 14] = [
    "key",
    "name",
    "sector",
    "subsector",
    "operator",
    "country",
    "lat",
    "lon",
    "capacity",
    "capacity_unit",
    "serves",
    "criticality",
    "status",
    "supplies",
];

/// The columns of a dependencies CSV file.
pub const DEPENDENCY_COLUMNS: [&str; 10] = [
    "provider",
    "dependent",
    "commodity",
    "dependency_type",
    "share",
    "group",
    "k",
    "buffer_hours",
    "time_to_impact_hours",
    "recovery_hours",
];

/// Reads one CSV file into JSON objects keyed by column, empty cells
/// left out; numbers where `numeric` names the column.
fn csv_rows(file: &str, text: &str, known: &[&str], numeric: &[&str]) -> Result<Vec<Located>, FieldError> {
    let mut reader = csv::ReaderBuilder::new().trim(csv::Trim::All).from_reader(text.as_bytes());
    let headers = reader.headers().map_err(|e| FieldError::field(file, format!("unreadable header: {e}")))?.clone();
    if let Some(h) = headers.iter().find(|h| !known.contains(h)) {
        return Err(FieldError::field(
            format!("{file} header"),
            format!("unknown column `{}` (known: {})", h.escape_debug(), known.join(", ")),
        ));
    }
    let mut rows = Vec::new();
    for (n, record) in reader.records().enumerate() {
        let at = format!("{file} line {}.", n + 2);
        let record = record.map_err(|e| FieldError::field(at.trim_end_matches('.'), e.to_string()))?;
        let mut map = Map::new();
        for (h, cell) in headers.iter().zip(record.iter()) {
            if cell.is_empty() {
                continue;
            }
            let value = if numeric.contains(&h) {
                let x: f64 = cell.parse().ok().filter(|x: &f64| x.is_finite()).ok_or_else(|| {
                    FieldError::field(format!("{at}{h}"), format!("`{}` is not a number", cell.escape_debug()))
                })?;
                if x.fract() == 0.0 && (0.0..1e15).contains(&x) { json!(x as u64) } else { json!(x) }
            } else {
                json!(cell)
            };
            map.insert(h.to_owned(), value);
        }
        rows.push((at, map));
    }
    Ok(rows)
}

/// The rows of an assets CSV file and, optionally, a dependencies one, as
/// the JSON objects of [`read_jsonl`]'s lines (with `type`), each with
/// where it comes from (`assets line 2.`).
fn csv_objects(assets: &str, dependencies: Option<&str>) -> Result<Vec<Located>, FieldError> {
    let mut out = Vec::new();
    let numeric = ["lat", "lon", "capacity", "serves", "criticality"];
    for (at, mut map) in csv_rows("assets", assets, &ASSET_COLUMNS, &numeric)? {
        let (lat, lon) = (map.remove("lat"), map.remove("lon"));
        match (lat.as_ref().and_then(Value::as_f64), lon.as_ref().and_then(Value::as_f64)) {
            (Some(lat), Some(lon)) => {
                map.insert("location".into(), json!({ "lat": lat, "lon": lon }));
            }
            (None, None) => {}
            _ => return Err(FieldError::field(format!("{at}lat"), "lat and lon go together")),
        }
        let unit = map.remove("capacity_unit");
        if let Some(value) = map.remove("capacity") {
            map.insert("capacity".into(), json!({ "value": value, "unit": unit.unwrap_or(json!("")) }));
        }
        if let Some(Value::String(s)) = map.remove("supplies") {
            let list: Vec<&str> = s.split(';').map(str::trim).filter(|s| !s.is_empty()).collect();
            map.insert("supplies".into(), json!(list));
        }
        map.insert("type".into(), json!("asset"));
        out.push((at, map));
    }
    let numeric = ["share", "k", "buffer_hours", "time_to_impact_hours", "recovery_hours"];
    let dependencies = dependencies.unwrap_or("provider,dependent,commodity\n");
    for (at, mut map) in csv_rows("dependencies", dependencies, &DEPENDENCY_COLUMNS, &numeric)? {
        map.insert("type".into(), json!("dependency"));
        out.push((at, map));
    }
    Ok(out)
}

/// Reads one JSON object of a file (`type` included), naming faults at `at`.
fn read_object(out: &mut Exchange, at: &str, mut map: Map<String, Value>) -> Result<(), FieldError> {
    match map.remove("type").as_ref().and_then(Value::as_str) {
        Some("asset") => {
            let key = key(at, map.remove("key"))?;
            let access = map.remove("access").map(|v| typed(&format!("{at}access."), v)).transpose()?;
            let tags: Vec<String> =
                map.remove("tags").map(|v| typed(&format!("{at}tags."), v)).transpose()?.unwrap_or_default();
            let input: AssetInput = typed(at, Value::Object(map))?;
            let asset = input.validate(at)?;
            out.push_asset(at, AssetEntry { key, asset, access, tags })
        }
        Some("dependency") => {
            // In a file, `type` says what the line is; the dependency's
            // own type is `dependency_type`.
            if let Some(t) = map.remove("dependency_type") {
                map.insert("type".into(), t);
            }
            let input: DependencyInput = typed(at, Value::Object(map))?;
            out.push_dependency(at, input.validate(at)?)
        }
        _ => Err(FieldError::field(format!("{at}type"), "`asset` or `dependency`")),
    }
}

/// Reads an assets CSV file and, optionally, a dependencies one. Errors
/// name the file, the line and the column.
pub fn read_csv(assets: &str, dependencies: Option<&str>) -> Result<Exchange, FieldError> {
    let mut out = Exchange::default();
    for (at, map) in csv_objects(assets, dependencies)? {
        read_object(&mut out, &at, map)?;
    }
    Ok(out)
}

/// CSV files as the JSON lines the import route takes, checked first as
/// [`read_csv`] checks them.
pub fn csv_to_jsonl(assets: &str, dependencies: Option<&str>) -> Result<String, FieldError> {
    read_csv(assets, dependencies)?;
    let mut out = String::new();
    for (_, map) in csv_objects(assets, dependencies)? {
        out.push_str(&Value::Object(map).to_string());
        out.push('\n');
    }
    Ok(out)
}

/// An asset as written out: its id, owner's data and rule.
#[derive(Debug, Clone, Copy)]
pub struct Stored<'a> {
    /// The record id.
    pub id: &'a str,
    /// The asset.
    pub asset: &'a Asset,
    /// Its access rule.
    pub access: &'a AccessRule,
}

fn asset_object(s: &Stored<'_>) -> Map<String, Value> {
    let mut map = match serde_json::to_value(s.asset) {
        Ok(Value::Object(m)) => m,
        _ => Map::new(),
    };
    map.insert("key".into(), json!(s.id));
    map
}

fn dependency_object(d: &Dependency) -> Map<String, Value> {
    let mut map = match serde_json::to_value(d) {
        Ok(Value::Object(m)) => m,
        _ => Map::new(),
    };
    for k in ["id", "owner", "created_at"] {
        map.remove(k);
    }
    if let Some(t) = map.remove("type") {
        map.insert("dependency_type".into(), t);
    }
    map
}

/// JSON lines that [`read_jsonl`] reads back: the assets, then the
/// dependencies.
pub fn write_jsonl(assets: &[Stored<'_>], dependencies: &[Dependency]) -> String {
    let mut out = String::new();
    for a in assets {
        let mut map = asset_object(a);
        map.insert("type".into(), json!("asset"));
        map.insert("access".into(), json!(a.access));
        out.push_str(&Value::Object(map).to_string());
        out.push('\n');
    }
    for d in dependencies {
        let mut map = dependency_object(d);
        map.insert("type".into(), json!("dependency"));
        out.push_str(&Value::Object(map).to_string());
        out.push('\n');
    }
    out
}

fn cell(v: Option<&Value>) -> String {
    match v {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(";"),
        Some(v) => v.to_string(),
    }
}

fn write_table(columns: &[&str], rows: impl Iterator<Item = Map<String, Value>>) -> Result<String, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(columns)?;
    for row in rows {
        w.write_record(columns.iter().map(|c| cell(row.get(*c))))?;
    }
    let bytes = w.into_inner().map_err(|e| csv::Error::from(e.into_error()))?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// The assets as CSV ([`ASSET_COLUMNS`]).
pub fn write_assets_csv(assets: &[Stored<'_>]) -> Result<String, csv::Error> {
    write_table(
        &ASSET_COLUMNS,
        assets.iter().map(|a| {
            let mut map = asset_object(a);
            if let Some(Location { lat, lon }) = a.asset.location {
                map.insert("lat".into(), json!(lat));
                map.insert("lon".into(), json!(lon));
            }
            if let Some(Capacity { value, unit }) = &a.asset.capacity {
                map.insert("capacity".into(), json!(value));
                map.insert("capacity_unit".into(), json!(unit));
            }
            map
        }),
    )
}

/// The dependencies as CSV ([`DEPENDENCY_COLUMNS`]).
pub fn write_dependencies_csv(dependencies: &[Dependency]) -> Result<String, csv::Error> {
    write_table(&DEPENDENCY_COLUMNS, dependencies.iter().map(dependency_object))
}

#[derive(Serialize)]
struct Feature {
    #[serde(rename = "type")]
    kind: &'static str,
    geometry: Value,
    properties: Map<String, Value>,
}

/// A GeoJSON FeatureCollection: a Point per located asset, a LineString
/// per dependency whose ends are both located.
pub fn write_geojson(assets: &[Stored<'_>], dependencies: &[Dependency]) -> Value {
    let mut at: std::collections::HashMap<&str, Location> = std::collections::HashMap::new();
    let mut features = Vec::new();
    for a in assets {
        let Some(l) = a.asset.location else { continue };
        at.insert(a.id, l);
        let mut properties = asset_object(a);
        properties.remove("location");
        let id = properties.remove("key").unwrap_or(Value::Null);
        properties.insert("id".into(), id);
        features.push(Feature {
            kind: "Feature",
            geometry: json!({ "type": "Point", "coordinates": [l.lon, l.lat] }),
            properties,
        });
    }
    for d in dependencies {
        let (Some(p), Some(q)) = (at.get(d.provider.to_string().as_str()), at.get(d.dependent.to_string().as_str()))
        else {
            continue;
        };
        let mut properties = dependency_object(d);
        properties.insert("id".into(), json!(d.id));
        features.push(Feature {
            kind: "Feature",
            geometry: json!({ "type": "LineString", "coordinates": [[p.lon, p.lat], [q.lon, q.lat]] }),
            properties,
        });
    }
    json!({ "type": "FeatureCollection", "features": features })
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use tocsin_core::AgencyCode;
    use tocsin_core::asset::{Commodity, DependencyId};
    use tocsin_core::record::RecordId;

    use super::*;

    const FILE: &str = r#"{"type":"asset","key":"plant","name":"Plant","sector":"energy","country":"FRA","supplies":["electricity"],"location":{"lat":48.1,"lon":7.7}}

{"type":"asset","key":"hospital","name":"Hôpital","sector":"health","country":"DEU","serves":50000,"access":{"mode":"all"}}
{"type":"dependency","provider":"plant","dependent":"hospital","commodity":"electricity","buffer_hours":72}
"#;

    #[test]
    fn json_lines_give_assets_and_dependencies_in_order() {
        let x = read_jsonl(FILE).expect("reads");
        assert_eq!(x.assets.iter().map(|a| a.key.as_str()).collect::<Vec<_>>(), vec!["plant", "hospital"]);
        assert_eq!(x.assets[0].access, None);
        assert_eq!(x.assets[1].access, Some(AccessRule::All));
        assert_eq!(x.assets[1].asset.serves, 50_000);
        assert_eq!(x.dependencies[0].buffer_hours, 72.0);
        assert_eq!(x.dependencies[0].commodity, Commodity::Electricity);
    }

    #[test]
    fn bad_lines_name_the_line_and_the_field() {
        let cases = [
            (
                "{\"type\":\"asset\",\"key\":\"a\",\"name\":\"A\",\"sector\":\"energy\",\"country\":\"FRA\",\"location\":{\"lat\":95,\"lon\":0}}",
                "line 1.location.lat",
            ),
            ("\n{\"type\":\"asset\",\"name\":\"A\",\"sector\":\"energy\",\"country\":\"FRA\"}", "line 2.key"),
            (
                "{\"type\":\"dependency\",\"provider\":\"a\",\"dependent\":\"b\",\"commodity\":\"water\",\"buffer_hours\":-3}",
                "line 1.buffer_hours",
            ),
            (
                "{\"type\":\"dependency\",\"provider\":\"a\",\"dependent\":\"b\",\"commodity\":\"water\",\"colour\":1}",
                "line 1.colour",
            ),
            ("{\"type\":\"pipe\"}", "line 1.type"),
            ("[1]", "line 1"),
            (
                "{\"type\":\"asset\",\"key\":\"a\",\"name\":\"A\",\"sector\":\"energy\",\"country\":\"FRA\",\"criticality\":9}",
                "line 1.criticality",
            ),
        ];
        for (text, field) in cases {
            let e = read_jsonl(text).expect_err(text);
            assert!(e.field.starts_with(field), "{text}: {e}");
        }
    }

    #[test]
    fn csv_files_read_like_json_lines_and_exports_read_back() {
        let assets = "key,name,sector,country,lat,lon,serves,supplies,capacity,capacity_unit\n\
                      plant,Plant,energy,FRA,48.1,7.7,,electricity,900,MW\n\
                      hospital,Hôpital,health,DEU,,,50000,,,\n";
        let deps = "provider,dependent,commodity,buffer_hours\nplant,hospital,electricity,72\n";
        let x = read_csv(assets, Some(deps)).expect("reads");
        let json = read_jsonl(FILE).expect("reads");
        assert_eq!(x.assets[0].asset.location, json.assets[0].asset.location);
        assert_eq!(x.assets[0].asset.capacity, Some(Capacity { value: 900.0, unit: "MW".into() }));
        assert_eq!(x.dependencies, json.dependencies);
        let e = read_csv("key,name,colour\n", None).expect_err("unknown column");
        assert_eq!(e.field, "assets header");
        let e = read_csv("key,name,sector,country,lat\na,A,energy,FRA,48\n", None).expect_err("half a location");
        assert_eq!(e.field, "assets line 2.lat");

        let ids = [RecordId::generate().to_string(), RecordId::generate().to_string()];
        let stored: Vec<Stored<'_>> =
            x.assets.iter().zip(&ids).map(|(a, id)| Stored { id, asset: &a.asset, access: &AccessRule::All }).collect();
        let dep = Dependency {
            id: DependencyId::generate(),
            owner: AgencyCode::parse("FRA").expect("code"),
            provider: ids[0].parse().expect("id"),
            dependent: ids[1].parse().expect("id"),
            commodity: Commodity::Electricity,
            dep_type: tocsin_core::asset::DependencyType::Cyber,
            share: 1.0,
            group: None,
            k: None,
            buffer_hours: 72.0,
            time_to_impact_hours: 0.0,
            recovery_hours: None,
            created_at: time::OffsetDateTime::UNIX_EPOCH,
        };
        let back = read_jsonl(&write_jsonl(&stored, std::slice::from_ref(&dep))).expect("reads back");
        assert_eq!(
            back.assets.iter().map(|a| &a.asset).collect::<Vec<_>>(),
            x.assets.iter().map(|a| &a.asset).collect::<Vec<_>>()
        );
        assert_eq!(back.dependencies[0].provider, ids[0]);
        assert_eq!(back.dependencies[0].dep_type, tocsin_core::asset::DependencyType::Cyber, "its own type kept");
        let csv_back = read_csv(
            &write_assets_csv(&stored).expect("csv"),
            Some(&write_dependencies_csv(std::slice::from_ref(&dep)).expect("csv")),
        )
        .expect("reads back");
        assert_eq!(
            csv_back.assets.iter().map(|a| &a.asset).collect::<Vec<_>>(),
            x.assets.iter().map(|a| &a.asset).collect::<Vec<_>>()
        );
        let geo = write_geojson(&stored, &[dep]);
        assert_eq!(
            geo["features"].as_array().map(Vec::len),
            Some(1),
            "the hospital has no location, so no line either"
        );
        assert_eq!(geo["features"][0]["geometry"]["coordinates"], json!([7.7, 48.1]));
    }

    #[test]
    fn an_import_past_the_limit_is_refused_at_the_line_that_passes_it() {
        let line = "{\"type\":\"asset\",\"key\":\"k\",\"name\":\"A\",\"sector\":\"energy\",\"country\":\"FRA\"}\n";
        let text = line.repeat(MAX_IMPORT_ASSETS + 1);
        let e = read_jsonl(&text).expect_err("too many");
        assert_eq!(e.field, format!("line {}", MAX_IMPORT_ASSETS + 1));
        assert!(e.message.contains("split the file"), "{e}");
    }

    proptest! {
        #[test]
        fn no_text_makes_the_readers_panic(text in ".{0,400}", deps in ".{0,200}") {
            let _ = read_jsonl(&text);
            let _ = read_csv(&text, Some(&deps));
        }
    }
}
