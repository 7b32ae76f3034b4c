//! Public power-grid topologies, read into a neutral [`Grid`] and turned
//! into a [`Network`] of the energy sector.
//!
//! Two formats:
//!
//! * [`zuev`]: the edge lists (`i,j`) and vertex lists (`id,lat,lon`) of
//!   K. Zuev's critical-infrastructure collection (the US Western States
//!   grid, and the European and North American grids GridKit extracted
//!   from OpenStreetMap);
//! * [`pandapower`]: pandapower's JSON net, as its IEEE and PEGASE cases
//!   ship.
//!
//! Both take text and never panic on it: a fault is a [`GridError`] that
//! names the file and line, or the table, row and column. [`country_at`]
//! gives a coordinate its country from OpenStreetMap's boundaries (ODbL,
//! © OpenStreetMap contributors, embedded by the `country-boundaries`
//! crate), so that a grid spanning borders has real cross-border links.

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use country_boundaries::{BOUNDARIES_ODBL_360X180, CountryBoundaries, LatLon};
use serde::Deserialize;
use serde_json::Value;
use tocsin_core::CountryCode;
use tocsin_core::asset::{Commodity, Location, Sector};

use crate::network::{Builder, LinkSpec, Network, Node};

/// A bus (substation, generator or junction) of a grid.
#[derive(Debug, Clone, PartialEq)]
pub struct Bus {
    /// The file's own id for it.
    pub key: String,
    /// Its coordinates, where the file gives real ones.
    pub location: Option<Location>,
    /// Whether it has a generator, an external grid or a static generator.
    pub source: bool,
}

/// A grid's topology.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Grid {
    /// What it is.
    pub name: String,
    /// The buses.
    pub buses: Vec<Bus>,
    /// Lines and transformers as `(lower, higher)` indices into `buses`:
    /// undirected, each pair once, no self-loops.
    pub lines: Vec<(usize, usize)>,
}

/// Why a grid file cannot be read.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum GridError {
    /// A line of a Zuev CSV file (`edges` or `vertices`).
    #[error("{file} line {line}: {message}")]
    Csv {
        /// `edges` or `vertices`.
        file: &'static str,
        /// The line, from 1.
        line: u64,
        /// What is wrong.
        message: String,
    },
    /// A pandapower file that is not JSON, or not a net.
    #[error("pandapower JSON: {0}")]
    Json(String),
    /// A pandapower table that is missing or not a table.
    #[error("pandapower table `{table}`: {message}")]
    Table {
        /// The table.
        table: &'static str,
        /// What is wrong.
        message: String,
    },
    /// A value in a pandapower table.
    #[error("pandapower table `{table}`, row {index}, column `{column}`: {message}")]
    Field {
        /// The table.
        table: &'static str,
        /// The row's index, as the file gives it.
        index: String,
        /// The column.
        column: &'static str,
        /// What is wrong.
        message: String,
    },
}

/// Reads a Zuev edge list (`i,j` per line) and, where there is one, its
/// vertex list (`id,lat,lon` per line). A first line that does not start
/// with a number is a header and skipped.
///
/// With a vertex list, the buses are its vertices in its order and an edge
/// may only name them; without, the buses are the vertices the edges name,
/// in numeric order (so `1..=n` when the file numbers them so). The files
/// have no generator data: no bus is a source.
pub fn zuev(edges_csv: &str, vertices_csv: Option<&str>) -> Result<Grid, GridError> {
    let mut ids: HashMap<u64, usize> = HashMap::new();
    let mut buses = Vec::new();
    if let Some(text) = vertices_csv {
        for row in rows(text, "vertices", 3) {
            let (line, f) = row?;
            let id = number(&f[0], "vertices", line)?;
            let lat = coordinate(&f[1], "vertices", line)?;
            let lon = coordinate(&f[2], "vertices", line)?;
            let location = Location::new("vertex", lat, lon).map_err(|e| csv_error("vertices", line, e))?;
            if ids.insert(id, buses.len()).is_some() {
                return Err(csv_error("vertices", line, format!("vertex {id} is listed twice")));
            }
            buses.push(Bus { key: id.to_string(), location: Some(location), source: false });
        }
    }
    let mut edges = Vec::new();
    for row in rows(edges_csv, "edges", 2) {
        let (line, f) = row?;
        let (a, b) = (number(&f[0], "edges", line)?, number(&f[1], "edges", line)?);
        if vertices_csv.is_some() {
            for v in [a, b] {
                if !ids.contains_key(&v) {
                    return Err(csv_error("edges", line, format!("vertex {v} is not in the vertex list")));
                }
            }
        }
        edges.push((a, b));
    }
    if vertices_csv.is_none() {
        let mut seen: Vec<u64> = edges.iter().flat_map(|&(a, b)| [a, b]).collect();
        seen.sort_unstable();
        seen.dedup();
        ids = seen.iter().enumerate().map(|(i, &v)| (v, i)).collect();
        buses = seen.iter().map(|v| Bus { key: v.to_string(), location: None, source: false }).collect();
    }
    // Every id is in `ids`: checked against the vertex list, or taken from the edges.
    let pairs = edges.iter().filter_map(|(a, b)| Some((*ids.get(a)?, *ids.get(b)?)));
    Ok(Grid { name: String::new(), buses, lines: undirected(pairs) })
}

/// The records of a CSV text with their line numbers, each of `width`
/// fields, less a header.
fn rows<'a>(
    text: &'a str,
    file: &'static str,
    width: usize,
) -> impl Iterator<Item = Result<(u64, csv::StringRecord), GridError>> + 'a {
    let reader =
        csv::ReaderBuilder::new().has_headers(false).flexible(true).trim(csv::Trim::All).from_reader(text.as_bytes());
    reader.into_records().enumerate().filter_map(move |(i, record)| {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                return Some(Err(csv_error(file, line, e)));
            }
        };
        let line = record.position().map_or(i as u64 + 1, |p| p.line());
        if i == 0 && record.get(0).is_none_or(|f| f.parse::<u64>().is_err()) {
            return None;
        }
        if record.len() != width {
            let message = format!("{width} fields expected, {} found", record.len());
            return Some(Err(csv_error(file, line, message)));
        }
        Some(Ok((line, record)))
    })
}

fn number(field: &str, file: &'static str, line: u64) -> Result<u64, GridError> {
    field.parse().map_err(|_| csv_error(file, line, format!("`{field}` is not a vertex number")))
}

fn coordinate(field: &str, file: &'static str, line: u64) -> Result<f64, GridError> {
    field.parse().map_err(|_| csv_error(file, line, format!("`{field}` is not a coordinate in degrees")))
}

fn csv_error(file: &'static str, line: u64, message: impl ToString) -> GridError {
    GridError::Csv { file, line, message: message.to_string() }
}

/// Pairs as `(lower, higher)`, self-loops and repeats dropped, in the
/// order of their first appearance.
fn undirected(pairs: impl IntoIterator<Item = (usize, usize)>) -> Vec<(usize, usize)> {
    let mut seen = HashSet::new();
    pairs.into_iter().filter(|(a, b)| a != b).map(|(a, b)| (a.min(b), a.max(b))).filter(|p| seen.insert(*p)).collect()
}

/// Reads a pandapower JSON net (`pandapower.to_json`, as the cases in
/// `pandapower/networks/power_system_test_case_jsons` are): each table is
/// a pandas DataFrame in the "split" orientation (`columns`, `index`,
/// `data`), stored as a JSON string (as pandapower writes it) or inline.
///
/// The buses are the `bus` table's rows in the order of their index, keyed
/// by it. Lines are `line` (`from_bus`, `to_bus`), `trafo` (`hv_bus`,
/// `lv_bus`) and `trafo3w` (`hv_bus`, `mv_bus`, `lv_bus`: the three pairs);
/// sources are the buses of `gen`, `ext_grid` and `sgen`. Only `bus` must
/// be there; a missing other table is an empty one.
///
/// The `in_service` flags are ignored: the grid is the topology as built,
/// whatever is switched off in the case. The `geo` coordinates are ignored
/// too: in the IEEE and PEGASE cases they are a drawing's layout, not
/// places, so no bus has a location.
pub fn pandapower(json: &str) -> Result<Grid, GridError> {
    let root: Value = serde_json::from_str(json).map_err(|e| GridError::Json(e.to_string()))?;
    let net = root.get("_object").unwrap_or(&root);
    let net = net.as_object().ok_or_else(|| GridError::Json("the net is not a JSON object".into()))?;
    let bus = table(net, "bus")?.ok_or(GridError::Table { table: "bus", message: "missing".into() })?;
    let mut order = Vec::with_capacity(bus.split.index.len());
    for index in &bus.split.index {
        let id = as_index(index).ok_or_else(|| bus.field(index, "index", "a bus index is a whole number"))?;
        order.push(id);
    }
    order.sort_unstable();
    if let Some(w) = order.windows(2).find(|w| w[0] == w[1]) {
        return Err(bus.field(&w[0].into(), "index", "the bus is listed twice"));
    }
    let ids: HashMap<u64, usize> = order.iter().enumerate().map(|(i, &id)| (id, i)).collect();
    let mut buses: Vec<Bus> =
        order.iter().map(|id| Bus { key: id.to_string(), location: None, source: false }).collect();
    for name in ["gen", "ext_grid", "sgen"] {
        if let Some(t) = table(net, name)? {
            for v in t.buses(&["bus"], &ids)?.into_iter().flatten() {
                buses[v].source = true;
            }
        }
    }
    let mut pairs = Vec::new();
    for (name, columns) in [
        ("line", &["from_bus", "to_bus"][..]),
        ("trafo", &["hv_bus", "lv_bus"]),
        ("trafo3w", &["hv_bus", "mv_bus", "lv_bus"]),
    ] {
        if let Some(t) = table(net, name)? {
            for row in t.buses(columns, &ids)? {
                for (i, &a) in row.iter().enumerate() {
                    pairs.extend(row[i + 1..].iter().map(|&b| (a, b)));
                }
            }
        }
    }
    let name = net.get("name").and_then(Value::as_str).filter(|s| !s.trim().is_empty()).unwrap_or("pandapower");
    Ok(Grid { name: name.to_string(), buses, lines: undirected(pairs) })
}

/// A DataFrame in pandas' "split" orientation.
#[derive(Deserialize)]
struct Split {
    columns: Vec<Value>,
    index: Vec<Value>,
    data: Vec<Vec<Value>>,
}

struct Table {
    name: &'static str,
    split: Split,
}

/// The table `name` of a net, if there.
fn table(net: &serde_json::Map<String, Value>, name: &'static str) -> Result<Option<Table>, GridError> {
    let Some(frame) = net.get(name) else { return Ok(None) };
    let bad = |message: String| GridError::Table { table: name, message };
    if let Some(orient) = frame.get("orient").and_then(Value::as_str)
        && orient != "split"
    {
        return Err(bad(format!("orientation `{orient}`, not `split`")));
    }
    let split = match frame.get("_object") {
        Some(Value::String(s)) => serde_json::from_str(s),
        Some(inline) => Split::deserialize(inline),
        None => Split::deserialize(frame),
    }
    .map_err(|e| bad(format!("not a DataFrame (columns, index, data): {e}")))?;
    if split.index.len() != split.data.len() {
        return Err(bad(format!("{} index entries for {} rows", split.index.len(), split.data.len())));
    }
    Ok(Some(Table { name, split }))
}

impl Table {
    /// The buses each row names in `columns`, as indices into the grid's.
    fn buses(&self, columns: &[&'static str], ids: &HashMap<u64, usize>) -> Result<Vec<Vec<usize>>, GridError> {
        let at = columns
            .iter()
            .map(|&c| {
                self.split
                    .columns
                    .iter()
                    .position(|x| x.as_str() == Some(c))
                    .ok_or_else(|| GridError::Table { table: self.name, message: format!("no column `{c}`") })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let mut out = Vec::with_capacity(self.split.data.len());
        for (index, row) in self.split.index.iter().zip(&self.split.data) {
            let mut buses = Vec::with_capacity(at.len());
            for (&column, &i) in columns.iter().zip(&at) {
                let value = row.get(i).ok_or_else(|| self.field(index, column, "the row is too short"))?;
                let id = as_index(value).ok_or_else(|| self.field(index, column, "a bus is a whole number"))?;
                let bus = ids.get(&id).ok_or_else(|| self.field(index, column, format!("no bus {id}")))?;
                buses.push(*bus);
            }
            out.push(buses);
        }
        Ok(out)
    }

    fn field(&self, index: &Value, column: &'static str, message: impl ToString) -> GridError {
        GridError::Field { table: self.name, index: index.to_string(), column, message: message.to_string() }
    }
}

/// A whole, non-negative number, written as an integer or as a float.
fn as_index(v: &Value) -> Option<u64> {
    const EXACT: f64 = 9_007_199_254_740_992.0; // 2^53
    v.as_u64().or_else(|| v.as_f64().filter(|f| f.fract() == 0.0 && (0.0..EXACT).contains(f)).map(|f| f as u64))
}

/// The country whose boundary contains `location`, from OpenStreetMap's
/// boundaries as JOSM keeps them (about a kilometre's precision at a
/// border); `None` at sea, in Antarctica, or in a territory without an
/// ISO 3166-1 code (Kosovo).
pub fn country_at(location: &Location) -> Option<CountryCode> {
    static BOUNDARIES: OnceLock<Option<CountryBoundaries>> = OnceLock::new();
    let boundaries =
        BOUNDARIES.get_or_init(|| CountryBoundaries::from_reader(BOUNDARIES_ODBL_360X180).ok()).as_ref()?;
    let at = LatLon::new(location.lat, location.lon).ok()?;
    // The ids run from the smallest region up: subdivisions (`US-TX`) have a dash.
    let alpha2 = boundaries
        .ids(at)
        .into_iter()
        .filter(|id| !id.contains('-'))
        .find_map(|id| isocountry::CountryCode::for_alpha2(id).ok())?;
    CountryCode::parse(alpha2.alpha3()).ok()
}

/// The country of a bus [`Grid::network`] cannot place: the USA, whose
/// grids (US-West; the IEEE cases) are the ones without coordinates.
fn usa() -> CountryCode {
    CountryCode::parse("USA").unwrap_or_else(|_| unreachable!("USA is an ISO 3166-1 alpha-3 code"))
}

impl Grid {
    /// The network with each bus's country from [`Grid::countries`], the
    /// USA where nothing places it.
    pub fn network(&self) -> Network {
        let countries = self.countries(usa());
        self.build(|i, _| countries[i])
    }

    /// The network with each bus's country as `country` says.
    pub fn network_with(&self, country: impl Fn(&Bus) -> CountryCode) -> Network {
        self.build(|_, bus| country(bus))
    }

    /// Each bus's country: where its coordinates lie ([`country_at`]); for
    /// a bus with coordinates outside every country (an offshore platform,
    /// a coastal substation mapped in the water), the country of the
    /// nearest bus that has one; `default` for a bus without coordinates
    /// or when no bus has a country.
    pub fn countries(&self, default: CountryCode) -> Vec<CountryCode> {
        let found: Vec<Option<CountryCode>> =
            self.buses.iter().map(|b| b.location.as_ref().and_then(country_at)).collect();
        let placed: Vec<(Location, CountryCode)> =
            self.buses.iter().zip(&found).filter_map(|(b, c)| Some((b.location?, (*c)?))).collect();
        let nearest =
            |at: &Location| placed.iter().min_by(|x, y| x.0.km_to(at).total_cmp(&y.0.km_to(at))).map(|&(_, c)| c);
        self.buses
            .iter()
            .zip(found)
            .map(|(bus, c)| c.or_else(|| bus.location.as_ref().and_then(nearest)).unwrap_or(default))
            .collect()
    }

    /// Each bus a live energy node (a source supplies electricity); each
    /// line two links, one each way, every link into a bus one of its
    /// `grid` group, of which one live member is enough.
    fn build(&self, country: impl Fn(usize, &Bus) -> CountryCode) -> Network {
        let mut b = Builder::new();
        for (i, bus) in self.buses.iter().enumerate() {
            let mut node = Node::new(Sector::Energy, country(i, bus));
            node.location = bus.location;
            if bus.source {
                node.supplies = vec![Commodity::Electricity];
            }
            b.node(node);
        }
        let spec = LinkSpec { group: Some("grid".into()), k: Some(1), ..LinkSpec::needs(Commodity::Electricity) };
        for &(x, y) in &self.lines {
            let (x, y) = (x as u32, y as u32);
            b.link(x, y, spec.clone());
            b.link(y, x, spec.clone());
        }
        b.build()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use proptest::prelude::*;

    fn code(s: &str) -> CountryCode {
        CountryCode::parse(s).unwrap()
    }

    #[test]
    fn a_zuev_edge_list_numbers_its_vertices_and_drops_repeats_and_loops() {
        let g = zuev("i,j\n1,3\n3,1\n2,2\n 3 , 10 \n\n1,3\n", None).unwrap();
        let keys: Vec<&str> = g.buses.iter().map(|b| b.key.as_str()).collect();
        assert_eq!(keys, ["1", "2", "3", "10"], "numeric order, header skipped");
        assert_eq!(g.lines, [(0, 2), (2, 3)]);
        assert!(g.buses.iter().all(|b| !b.source && b.location.is_none()));
    }

    #[test]
    fn a_zuev_vertex_list_gives_order_and_places() {
        let g = zuev("2,1\n", Some("1,48.85,2.35\n2,52.52,13.40\n3,0,0\n")).unwrap();
        assert_eq!(g.buses.len(), 3, "an isolated vertex stays");
        assert_eq!(g.buses[1].location, Some(Location { lat: 52.52, lon: 13.40 }));
        assert_eq!(g.lines, [(0, 1)]);
    }

    #[test]
    fn zuev_errors_name_the_file_and_line() {
        let cases = [
            (zuev("1,2\n2,x\n", None), "edges line 2: `x` is not a vertex number"),
            (zuev("1,2\n2,3,4\n", None), "edges line 2: 2 fields expected, 3 found"),
            (zuev("1,-2\n", None), "edges line 1: `-2` is not a vertex number"),
            (zuev("1,2\n1,3\n", Some("1,0,0\n2,0,0\n")), "edges line 2: vertex 3 is not in the vertex list"),
            (zuev("", Some("id,lat,lon\n1,0,0\n1,1,1\n")), "vertices line 3: vertex 1 is listed twice"),
            (zuev("", Some("1,91,0\n")), "vertices line 1: vertex.lat: a latitude is between -90 and 90"),
            (zuev("", Some("1,NaN,0\n")), "vertices line 1: vertex.lat: a latitude is between -90 and 90"),
            (zuev("", Some("1,north,0\n")), "vertices line 1: `north` is not a coordinate in degrees"),
        ];
        for (got, want) in cases {
            assert_eq!(got.unwrap_err().to_string(), want);
        }
    }

    /// A net in pandapower's shape: tables as DataFrames in the split
    /// orientation, their content a JSON string.
    fn net(tables: &[(&str, &str, &str, &str)]) -> String {
        let frames: Vec<String> = tables
            .iter()
            .map(|(name, columns, index, data)| {
                let split = format!(r#"{{"columns":{columns},"index":{index},"data":{data}}}"#);
                let frame = serde_json::json!({
                    "_module": "pandas.core.frame",
                    "_class": "DataFrame",
                    "_object": split,
                    "orient": "split",
                });
                format!("{name:?}:{frame}")
            })
            .collect();
        let tables = frames.join(",");
        format!(r#"{{"_module":"pandapower.auxiliary","_class":"pandapowerNet","_object":{{"name":"",{tables}}}}}"#)
    }

    fn tiny() -> String {
        net(&[
            (
                "bus",
                r#"["name","vn_kv","in_service"]"#,
                "[0,1,10,2,3]",
                r#"[[1,110.0,true],[2,110.0,true],[11,20.0,true],[3,110.0,false],[4,20.0,true]]"#,
            ),
            ("gen", r#"["name","bus","in_service"]"#, "[0]", "[[null,1,true]]"),
            ("ext_grid", r#"["name","bus"]"#, "[0]", "[[null,0]]"),
            ("sgen", r#"["name","bus"]"#, "[]", "[]"),
            (
                "line",
                r#"["name","from_bus","to_bus","in_service"]"#,
                "[0,1,2,3]",
                r#"[[null,0,1,true],[null,1,0,true],[null,1,2,false],[null,2,2,true]]"#,
            ),
            ("trafo", r#"["name","hv_bus","lv_bus"]"#, "[0]", "[[null,2.0,3]]"),
            ("trafo3w", r#"["name","hv_bus","mv_bus","lv_bus"]"#, "[0]", "[[null,0,3,10]]"),
        ])
    }

    #[test]
    fn a_pandapower_net_gives_buses_by_index_sources_and_each_branch_once() {
        let g = pandapower(&tiny()).unwrap();
        assert_eq!(g.name, "pandapower");
        let keys: Vec<&str> = g.buses.iter().map(|b| b.key.as_str()).collect();
        assert_eq!(keys, ["0", "1", "2", "3", "10"]);
        let sources: Vec<bool> = g.buses.iter().map(|b| b.source).collect();
        assert_eq!(sources, [true, true, false, false, false]);
        // Lines 0-1 (twice), 1-2 (out of service: kept), 2-2 (a loop: dropped);
        // trafo 2-3; trafo3w 0-3-10 as its three pairs.
        assert_eq!(g.lines, [(0, 1), (1, 2), (2, 3), (0, 3), (0, 4), (3, 4)]);
    }

    #[test]
    fn pandapower_errors_name_the_table_row_and_column() {
        let bus = ("bus", r#"["name"]"#, "[0,1]", "[[1],[2]]");
        let cases = [
            (
                net(&[bus, ("line", r#"["from_bus","to_bus"]"#, "[7]", "[[0,5]]")]),
                "pandapower table `line`, row 7, column `to_bus`: no bus 5",
            ),
            (net(&[bus, ("line", r#"["from_bus"]"#, "[]", "[]")]), "pandapower table `line`: no column `to_bus`"),
            (
                net(&[bus, ("gen", r#"["bus"]"#, "[0]", r#"[["x"]]"#)]),
                "pandapower table `gen`, row 0, column `bus`: a bus is a whole number",
            ),
            (
                net(&[bus, ("gen", r#"["bus"]"#, "[0]", "[[]]")]),
                "pandapower table `gen`, row 0, column `bus`: the row is too short",
            ),
            (
                net(&[("bus", r#"["name"]"#, "[0,0]", "[[1],[2]]")]),
                "pandapower table `bus`, row 0, column `index`: the bus is listed twice",
            ),
            (net(&[("bus", r#"["name"]"#, "[0]", "[]")]), "pandapower table `bus`: 1 index entries for 0 rows"),
            (net(&[("line", "[]", "[]", "[]")]), "pandapower table `bus`: missing"),
            ("[1]".to_string(), "pandapower JSON: the net is not a JSON object"),
        ];
        for (json, want) in cases {
            assert_eq!(pandapower(&json).unwrap_err().to_string(), want);
        }
        assert!(pandapower("{").unwrap_err().to_string().starts_with("pandapower JSON: EOF"));
        let records = r#"{"bus":{"_object":"{}","orient":"records"}}"#;
        assert_eq!(
            pandapower(records).unwrap_err().to_string(),
            "pandapower table `bus`: orientation `records`, not `split`"
        );
    }

    #[test]
    fn a_pandapower_table_may_be_inline() {
        let json = r#"{
            "name": "inline",
            "bus": {"columns": ["name"], "index": [4, 2], "data": [[1], [2]]},
            "line": {"_object": {"columns": ["from_bus", "to_bus"], "index": [0], "data": [[4, 2]]}}
        }"#;
        let g = pandapower(json).unwrap();
        assert_eq!(g.name, "inline");
        assert_eq!(g.lines, [(0, 1)]);
    }

    #[test]
    fn the_network_links_each_line_both_ways_in_one_group_per_bus() {
        let g = pandapower(&tiny()).unwrap();
        let net = g.network();
        assert_eq!(net.len(), 5);
        assert_eq!(net.links().len(), 2 * g.lines.len());
        assert!(net.links().iter().all(|l| l.commodity == Commodity::Electricity && l.share == 1.0));
        assert_eq!(net.groups().len(), 5, "one `grid` group per bus");
        let bus3 = net.groups().iter().find(|gr| gr.dependent == 3).unwrap();
        assert_eq!((bus3.name.as_str(), bus3.k, bus3.members), ("grid", 1, 3));
        assert_eq!(net.node(0).supplies, [Commodity::Electricity]);
        assert!(net.node(2).supplies.is_empty());
        assert!(net.nodes().iter().all(|n| n.live && n.sector == Sector::Energy && n.country == code("USA")));
        let fra = g.network_with(|_| code("FRA"));
        assert!(fra.nodes().iter().all(|n| n.country == code("FRA")));
    }

    #[test]
    fn countries_come_from_coordinates_and_offshore_buses_take_the_nearest() {
        let at = |lat, lon| country_at(&Location { lat, lon });
        assert_eq!(at(48.8566, 2.3522), Some(code("FRA")));
        assert_eq!(at(33.0, -97.0), Some(code("USA")), "a subdivision's id is passed over");
        assert_eq!(at(47.6973, 8.6910), Some(code("DEU")), "Büsingen, a German exclave in Switzerland");
        assert_eq!(at(47.5596, 7.5886), Some(code("CHE")), "Basel");
        assert_eq!(at(40.0, -40.0), None, "mid-Atlantic");
        // Paris, Strasbourg, Kehl, a platform in the North Sea off Germany.
        let g = zuev("1,2\n2,3\n3,4\n", Some("1,48.8566,2.3522\n2,48.5734,7.7521\n3,48.5709,7.8158\n4,54.30,7.10\n"))
            .unwrap();
        assert_eq!(g.countries(code("USA")), [code("FRA"), code("FRA"), code("DEU"), code("DEU")]);
        let net = g.network();
        let cross: Vec<_> =
            net.links().iter().filter(|l| net.node(l.provider).country != net.node(l.dependent).country).collect();
        assert_eq!(cross.len(), 2, "the Rhine crossing, both ways");
        let unplaced = zuev("1,2\n", None).unwrap();
        assert_eq!(unplaced.countries(code("CAN")), [code("CAN"), code("CAN")]);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]
        #[test]
        fn no_bytes_make_a_reader_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            let text = String::from_utf8_lossy(&bytes);
            let _ = zuev(&text, None);
            let _ = zuev(&text, Some(&text));
            let _ = pandapower(&text);
        }

        #[test]
        fn no_near_miss_makes_a_reader_panic(
            text in "[0-9,.\\-e\n ]{0,200}",
            json in r#"[\[\]{}",:0-9a-z_. -]{0,200}"#,
        ) {
            if let Ok(g) = zuev(&text, Some(&text)) {
                let _ = g.network();
            }
            if let Ok(g) = zuev(&text, None) {
                prop_assert!(g.lines.iter().all(|&(a, b)| a < b && b < g.buses.len()));
            }
            let _ = pandapower(&json);
            let _ = pandapower(&format!(r#"{{"bus":{{"_object":{json:?}}},"line":{json}}}"#));
        }
    }
}
