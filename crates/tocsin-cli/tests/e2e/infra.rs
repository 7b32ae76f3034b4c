//! Critical-infrastructure analysis as agencies use it: assets and
//! dependencies under their owners' access rules, reports and cascades on
//! each agency's own view (a hidden asset changes nothing anyone else is
//! told), imports all or none, early warning, and the public grids.

use std::time::Duration;

use serde_json::{Value, json};

use crate::helpers::{TestServer, json as answer};
use crate::sse::SseClient;

fn asset(name: &str, sector: &str, country: &str, access: Value) -> Value {
    json!({"name": name, "sector": sector, "country": country, "access": access})
}

fn register(s: &TestServer, token: &str, body: &Value) -> String {
    let (status, record) = answer(s.post(token, "/v1/infra/assets").json(body).send().expect("register"));
    assert_eq!(status, 201, "{record}");
    assert_eq!(record["kind"], "asset");
    record["id"].as_str().expect("id").to_owned()
}

fn depend(s: &TestServer, token: &str, body: Value) -> (u16, Value) {
    answer(s.post(token, "/v1/infra/dependencies").json(&body).send().expect("declare"))
}

fn get(s: &TestServer, token: &str, path: &str) -> Value {
    let (status, v) = answer(s.get(token, path).send().expect("GET"));
    assert_eq!(status, 200, "{path}: {v}");
    v
}

fn post(s: &TestServer, token: &str, path: &str, body: Value) -> Value {
    let (status, v) = answer(s.post(token, path).json(&body).send().expect("POST"));
    assert_eq!(status, 200, "{path}: {v}");
    v
}

/// Everything DEU can ask about the graph, as text.
fn deu_answers(s: &TestServer, deu: &str, plant: &str) -> Vec<String> {
    let mut out: Vec<String> =
        ["/v1/infra/spof", "/v1/infra/redundancy", "/v1/infra/cross-border", "/v1/infra/dependencies"]
            .iter()
            .map(|p| get(s, deu, p).to_string())
            .collect();
    out.push(post(s, deu, "/v1/infra/cascade", json!({"remove": {"assets": [plant]}})).to_string());
    out.push(post(s, deu, "/v1/infra/cascade", json!({"remove": {"country": "FRA"}})).to_string());
    out.push(post(s, deu, "/v1/infra/sweep", json!({})).to_string());
    for format in ["jsonl", "geojson", "assets.csv", "dependencies.csv"] {
        let r = s.get(deu, &format!("/v1/infra/export?format={format}")).send().expect("export");
        assert_eq!(r.status().as_u16(), 200);
        out.push(r.text().expect("text"));
    }
    out
}

#[test]
fn an_agency_analyses_only_what_it_may_see_and_a_hidden_asset_leaves_no_trace() {
    let s = TestServer::start();
    let fra = s.token("FRA", "admin");
    let deu = s.token("DEU", "admin");
    let all = json!({"mode": "all"});
    let mut plant = asset("Centrale Nord", "energy", "FRA", all.clone());
    plant["supplies"] = json!(["electricity"]);
    plant["location"] = json!({"lat": 48.6, "lon": 7.7});
    let plant = register(&s, &fra, &plant);
    let sub = register(&s, &fra, &asset("Poste Rhin", "energy", "FRA", all.clone()));
    let mut hospital = asset("Klinikum Kehl", "health", "DEU", all);
    hospital["serves"] = json!(50_000);
    let hospital = register(&s, &deu, &hospital);
    let feed =
        |p: &str, d: &str| json!({"provider": p, "dependent": d, "commodity": "electricity", "group": "feeders"});
    assert_eq!(depend(&s, &fra, feed(&plant, &sub)).0, 201);
    assert_eq!(depend(&s, &deu, json!({"provider": sub, "dependent": hospital, "commodity": "electricity"})).0, 201);

    // DEU sees the chain: the plant and the substation each cut its
    // hospital off, and the loss crosses the border.
    let spof = get(&s, &deu, "/v1/infra/spof");
    assert_eq!(spof["assets"], 3);
    let ranked: Vec<&str> =
        spof["spofs"].as_array().expect("list").iter().map(|x| x["asset"]["id"].as_str().unwrap_or("")).collect();
    assert_eq!(ranked, vec![plant.as_str(), sub.as_str()], "{spof}");
    assert_eq!(spof["spofs"][0]["people"], 50_000);
    assert_eq!(spof["spofs"][0]["countries"], json!(["DEU", "FRA"]));
    let before = deu_answers(&s, &deu, &plant);

    // FRA adds what only it may see: a backup plant in the substation's
    // feeder group, and a hidden consumer.
    let only_fra = json!({"mode": "only", "countries": []});
    let mut backup = asset("Centrale Secours", "energy", "FRA", only_fra.clone());
    backup["supplies"] = json!(["electricity"]);
    let backup = register(&s, &fra, &backup);
    let secret = register(&s, &fra, &asset("Site Sensible", "defense_industrial_base", "FRA", only_fra));
    assert_eq!(depend(&s, &fra, feed(&backup, &sub)).0, 201);
    assert_eq!(depend(&s, &fra, json!({"provider": sub, "dependent": secret, "commodity": "electricity"})).0, 201);

    // FRA's view has changed: the plant is backed up, the substation cuts
    // off two consumers.
    let mine = get(&s, &fra, "/v1/infra/spof");
    let ids: Vec<&str> =
        mine["spofs"].as_array().expect("list").iter().map(|x| x["asset"]["id"].as_str().unwrap_or("")).collect();
    assert_eq!(ids, vec![sub.as_str()], "{mine}");
    assert_eq!(mine["spofs"][0]["dependents"], 2);
    // DEU is told exactly what it was told before: no name, count or effect.
    let after = deu_answers(&s, &deu, &plant);
    assert_eq!(before, after, "a hidden asset changed DEU's answers");
    for text in &after {
        assert!(!text.contains(&backup) && !text.contains(&secret), "a hidden id in {text}");
        assert!(!text.contains("Centrale Secours") && !text.contains("Site Sensible"), "a hidden name in {text}");
    }

    // A dependency on a hidden asset is refused exactly as one on an asset
    // that does not exist.
    let missing = "01a24ed1-0000-7000-8000-000000000000";
    let (hidden_status, hidden_body) =
        depend(&s, &deu, json!({"provider": backup, "dependent": hospital, "commodity": "electricity"}));
    let (missing_status, missing_body) =
        depend(&s, &deu, json!({"provider": missing, "dependent": hospital, "commodity": "electricity"}));
    assert_eq!((hidden_status, missing_status), (404, 404));
    assert_eq!(
        hidden_body.to_string().replace(&backup, "ID"),
        missing_body.to_string().replace(missing, "ID"),
        "the same answer"
    );
    for (path, body) in [
        ("/v1/infra/cascade", json!({"remove": {"assets": [backup]}})),
        ("/v1/infra/watches", json!({"asset": backup})),
    ] {
        let (status, _) = answer(s.post(&deu, path).json(&body).send().expect("POST"));
        assert_eq!(status, 404, "{path}");
    }
    assert_eq!(s.get(&deu, &format!("/v1/records/{secret}")).send().expect("GET").status().as_u16(), 404);
    // Only the dependent's owner declares its needs.
    let (status, body) = depend(&s, &deu, json!({"provider": plant, "dependent": sub, "commodity": "telecom"}));
    assert_eq!(status, 403, "{body}");

    // A redundancy group's k, as DEU reads it, counts only the members DEU
    // may see: k = 3 of three feeders, two of them hidden, reads as 1 of 1.
    let hub = register(&s, &fra, &asset("Noeud", "energy", "FRA", json!({"mode": "all"})));
    let mut backup2 = asset("Centrale Tertiaire", "energy", "FRA", json!({"mode": "only", "countries": []}));
    backup2["supplies"] = json!(["electricity"]);
    let backup2 = register(&s, &fra, &backup2);
    let three: Vec<Value> = [&plant, &backup, &backup2]
        .iter()
        .map(|p| json!({"provider": p, "dependent": hub, "commodity": "electricity", "group": "g", "k": 3}))
        .collect();
    assert_eq!(depend(&s, &fra, json!(three)).0, 201);
    let listed = get(&s, &deu, &format!("/v1/infra/dependencies?asset={hub}"));
    assert_eq!(listed["items"].as_array().map(Vec::len), Some(1), "{listed}");
    assert_eq!(listed["items"][0]["k"], 1, "the hidden members are not counted: {listed}");
    let one = listed["items"][0]["id"].as_str().expect("id");
    assert_eq!(get(&s, &deu, &format!("/v1/infra/dependencies/{one}"))["k"], 1);

    // Every analysis is audited with what was asked.
    let (_, entries) = answer(s.get(&s.token("DEU", "auditor"), "/v1/audit?limit=1000").send().expect("audit"));
    let actions: Vec<&str> = entries.as_array().expect("entries").iter().filter_map(|e| e["action"].as_str()).collect();
    for action in ["infra.spof", "infra.cascade", "infra.sweep", "infra.cross_border", "infra.export"] {
        assert!(actions.contains(&action), "{action} not audited: {actions:?}");
    }
    // The probe for the hidden asset is in the log, as not found.
    let probe =
        entries.as_array().expect("entries").iter().find(|e| {
            e["action"] == "infra.cascade" && e["outcome"] == "not_found" && e["objects"][0] == json!(backup)
        });
    assert!(probe.is_some(), "the refused cascade is audited: {entries}");
}

const NETWORK: &str = r#"{"type":"asset","key":"plant","name":"Plant","sector":"energy","country":"FRA","supplies":["electricity"],"access":{"mode":"all"}}
{"type":"asset","key":"sub","name":"Substation","sector":"energy","country":"FRA","access":{"mode":"all"}}
{"type":"asset","key":"pump","name":"Pumping station","sector":"drinking_water","country":"FRA","serves":20000,"access":{"mode":"all"}}
{"type":"asset","key":"hospital","name":"Hospital","sector":"health","country":"BEL","serves":100000,"access":{"mode":"all"}}
{"type":"dependency","provider":"plant","dependent":"sub","commodity":"electricity"}
{"type":"dependency","provider":"sub","dependent":"pump","commodity":"electricity","time_to_impact_hours":2}
{"type":"dependency","provider":"sub","dependent":"hospital","commodity":"electricity","buffer_hours":72}
{"type":"dependency","provider":"pump","dependent":"hospital","commodity":"water","buffer_hours":6}
"#;

#[test]
fn a_cascade_follows_buffers_in_time_and_names_its_first_cross_border_step() {
    let s = TestServer::start();
    let fra = s.token("FRA", "admin");
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("network.jsonl");
    std::fs::write(&file, NETWORK).expect("write");
    let server = ["--server", s.base.as_str(), "--token", fra.as_str()];
    let imported = s.cli(&[&["infra", "import"][..], &server, &[file.to_str().expect("path")]].concat());
    assert!(imported.contains("imported 4 assets and 4 dependencies"), "{imported}");

    let id = |name: &str| -> String {
        let spof = get(&s, &fra, "/v1/infra/spof?limit=100");
        let all = spof["spofs"]
            .as_array()
            .expect("list")
            .iter()
            .map(|x| &x["asset"])
            .chain(spof["articulation_points"]["items"].as_array().expect("list").iter());
        all.into_iter().find(|a| a["name"] == name).and_then(|a| a["id"].as_str()).expect(name).to_owned()
    };
    let plant = id("Plant");
    let out = s.cli(&[&["infra", "cascade", "--json", "--remove", plant.as_str()][..], &server].concat());
    let r: Value = serde_json::from_str(&out).expect("json");
    let steps: Vec<(String, f64, String)> = r["timeline"]
        .as_array()
        .expect("timeline")
        .iter()
        .map(|t| {
            (
                t["asset"]["name"].as_str().unwrap_or("").to_owned(),
                t["hours"].as_f64().unwrap_or(-1.0),
                t["cause"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    let expected = [
        ("Plant", 0.0, "removed"),
        ("Substation", 0.0, "dependency"),
        ("Pumping station", 2.0, "dependency"),
        ("Hospital", 8.0, "dependency"),
    ];
    assert_eq!(steps, expected.map(|(a, t, c)| (a.to_owned(), t, c.to_owned())), "{r}");
    assert_eq!(r["people"], 120_000);
    assert_eq!(r["first_cross_border"]["asset"]["name"], "Hospital");
    assert_eq!(r["first_cross_border"]["via"]["name"], "Pumping station");
    assert_eq!(r["first_cross_border"]["chain"].as_array().map(Vec::len), Some(3), "pump, substation, plant");
    // A shorter horizon spares the hospital.
    let short = post(&s, &fra, "/v1/infra/cascade", json!({"remove": {"assets": [plant]}, "horizon_hours": 4}));
    assert_eq!(short["failed"], 2);
    assert!(short["first_cross_border"].is_null());
    // By sector in a country, by radius: nothing located, so nothing within.
    let by_sector =
        post(&s, &fra, "/v1/infra/cascade", json!({"remove": {"sector": "drinking_water", "country": "FRA"}}));
    assert_eq!(by_sector["failed"], 1, "{by_sector}");
    let (status, body) = answer(
        s.post(&fra, "/v1/infra/cascade")
            .json(&json!({"remove": {"radius": {"lat": 48.0, "lon": 7.0, "km": 5}}}))
            .send()
            .expect("POST"),
    );
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"]["field"], "remove");

    // The sweep ranks the plant first; the exports read back.
    let sweep = post(&s, &fra, "/v1/infra/sweep", json!({"candidates": 10}));
    assert_eq!(sweep["ranked"][0]["asset"]["name"], "Plant");
    assert_eq!(sweep["ranked"][0]["failed"], 3);
    let exported = dir.path().join("export.jsonl");
    s.cli(
        &[&["infra", "export", "--format", "jsonl", "--out", exported.to_str().expect("path")][..], &server].concat(),
    );
    let text = std::fs::read_to_string(&exported).expect("read");
    assert_eq!(text.lines().count(), 8);
    assert!(text.contains(&plant));
}

#[test]
fn an_import_is_all_or_none_and_bad_input_names_its_field() {
    let s = TestServer::start();
    let fra = s.token("FRA", "admin");
    let import = |body: &str| answer(s.post(&fra, "/v1/infra/import").body(body.to_owned()).send().expect("import"));
    let cases = [
        (NETWORK.replace("\"provider\":\"pump\"", "\"provider\":\"nowhere\""), 404, "nowhere"),
        (NETWORK.replace("\"country\":\"BEL\"", "\"country\":\"XYZ\""), 400, "line 4.country"),
        (NETWORK.replace("\"buffer_hours\":6", "\"buffer_hours\":-6"), 400, "line 8.buffer_hours"),
        (
            NETWORK.replace("\"supplies\":[\"electricity\"],", "\"location\":{\"lat\":91,\"lon\":0},"),
            400,
            "line 1.location.lat",
        ),
        (
            NETWORK.replace("\"commodity\":\"water\"", "\"commodity\":\"water\",\"group\":\"w\",\"k\":2"),
            400,
            "dependencies[3].k",
        ),
        (NETWORK.replace("\"provider\":\"plant\"", "\"provider\":\"sub\""), 400, "line 5.provider"),
    ];
    for (body, status, field) in cases {
        let (got, answer) = import(&body);
        assert_eq!(got, status, "{field}: {answer}");
        assert!(answer.to_string().contains(field), "{field}: {answer}");
    }
    let spof = get(&s, &fra, "/v1/infra/spof");
    assert_eq!(spof["assets"], 0, "nothing half-stored: {spof}");
    // A graph of one asset is a graph with nothing to cut; a cycle is
    // allowed (meshed networks are real) and simulates.
    let (status, _) =
        import("{\"type\":\"asset\",\"key\":\"a\",\"name\":\"A\",\"sector\":\"energy\",\"country\":\"FRA\"}\n");
    assert_eq!(status, 201);
    let one = get(&s, &fra, "/v1/infra/spof");
    assert_eq!((one["assets"].as_u64(), one["total"].as_u64()), (Some(1), Some(0)));
    let cycle = "{\"type\":\"asset\",\"key\":\"x\",\"name\":\"X\",\"sector\":\"energy\",\"country\":\"FRA\"}\n\
                 {\"type\":\"asset\",\"key\":\"y\",\"name\":\"Y\",\"sector\":\"transport\",\"country\":\"FRA\"}\n\
                 {\"type\":\"dependency\",\"provider\":\"x\",\"dependent\":\"y\",\"commodity\":\"electricity\"}\n\
                 {\"type\":\"dependency\",\"provider\":\"y\",\"dependent\":\"x\",\"commodity\":\"transport\"}\n";
    let (status, ids) = import(cycle);
    assert_eq!(status, 201, "{ids}");
    let r = post(&s, &fra, "/v1/infra/cascade", json!({"remove": {"assets": [ids["ids"]["x"]]}}));
    assert_eq!(r["failed"], 1, "{r}");
}

#[test]
fn a_watch_warns_when_an_edit_makes_its_asset_a_single_point_of_failure() {
    let s = TestServer::start();
    let fra = s.token("FRA", "admin");
    let all = json!({"mode": "all"});
    let mut plant = asset("Plant", "energy", "FRA", all.clone());
    plant["supplies"] = json!(["electricity"]);
    let plant = register(&s, &fra, &plant);
    let a = register(&s, &fra, &asset("Line A", "energy", "FRA", all.clone()));
    let b = register(&s, &fra, &asset("Line B", "energy", "FRA", all.clone()));
    let hospital = register(&s, &fra, &asset("Hospital", "health", "FRA", all));
    let feed = |p: &str, d: &str, group: &str| json!({"provider": p, "dependent": d, "commodity": "electricity", "group": group});
    for (p, d) in [(&plant, &a), (&plant, &b)] {
        assert_eq!(depend(&s, &fra, feed(p, d, "main")).0, 201);
    }
    let (_, via_a) = depend(&s, &fra, feed(&a, &hospital, "feeders"));
    let (_, via_b) = depend(&s, &fra, feed(&b, &hospital, "feeders"));
    assert_eq!(via_b[0]["group"], "feeders");

    let (status, watch) = answer(s.post(&fra, "/v1/infra/watches").json(&json!({"asset": a})).send().expect("watch"));
    assert_eq!(status, 201, "{watch}");
    assert_eq!(watch["state"]["spof"], false, "line B backs it up");
    let officer = s.token("FRA", "officer");
    let events = SseClient::connect(&s.base, &officer, Some(0));

    // Line B's feeder is withdrawn: line A is now the hospital's only way.
    let id = via_b[0]["id"].as_str().expect("id");
    assert_eq!(s.delete(&fra, &format!("/v1/infra/dependencies/{id}")).send().expect("DELETE").status().as_u16(), 204);
    let warning = std::iter::from_fn(|| events.next_within(Duration::from_secs(20)))
        .find(|e| e.event == "infra.warning")
        .expect("an infra.warning event");
    assert_eq!(warning.data["data"]["asset"], json!(a), "{:?}", warning.data);
    assert_eq!(warning.data["data"]["reason"], "single_point_of_failure");
    let watches = get(&s, &fra, "/v1/infra/watches");
    assert_eq!(watches["items"][0]["state"]["spof"], true);
    assert!(via_a[0]["id"].is_string());
}

#[test]
#[ignore = "needs ../shared/data/infrastructure (CI has it)"]
fn a_public_grid_imports_and_reports_as_networkx_counts_it() {
    let s = TestServer::start();
    let fra = s.token("FRA", "admin");
    let data = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/infrastructure");
    assert!(std::path::Path::new(data).join("powergridUSWS.csv").exists(), "{data}: missing (see its README)");
    let out = s.cli(&[
        "infra",
        "import-grid",
        "us-west",
        "--data",
        data,
        "--server",
        s.base.as_str(),
        "--token",
        fra.as_str(),
    ]);
    assert!(out.contains("imported 4941 assets and 13188 dependencies"), "{out}");
    let spof = get(&s, &fra, "/v1/infra/spof");
    // networkx 3.6.1 on the same graph: 1,229 articulation points and
    // 1,611 bridges (research, Part 2 §2.4; checked in tocsin-infra's
    // networkx test).
    assert_eq!(spof["articulation_points"]["count"], 1229);
    assert_eq!(spof["bridges"]["count"], 1611);
}
