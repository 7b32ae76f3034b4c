//! `/metrics` as a monitoring system scrapes it: per-route request counts,
//! and where a screening's time goes (the search, the audit append and its
//! parts), each a histogram with a bound at the 20 ms goal.

use serde_json::json;

use crate::helpers::{TestServer, person};

/// The value of the one sample whose line starts with `name` and holds
/// every one of `labels`.
fn sample(text: &str, name: &str, labels: &[&str]) -> Option<f64> {
    let mut found = text
        .lines()
        .filter(|l| l.split([' ', '{']).next() == Some(name) && labels.iter().all(|label| l.contains(label)));
    let line = found.next()?;
    assert!(found.next().is_none(), "more than one `{name}` sample with {labels:?}");
    line.rsplit(' ').next()?.parse().ok()
}

fn scrape(s: &TestServer) -> String {
    let r = s.monitor("/metrics").send().expect("GET /metrics");
    assert_eq!(r.status().as_u16(), 200);
    r.text().expect("metrics text")
}

#[test]
fn a_screening_is_counted_and_its_stages_timed() {
    let s = TestServer::start();
    let fra = s.token("FRA", "admin");
    let deu = s.token("DEU", "officer");
    s.create(&fra, &person("Jean-Baptiste Moreau", json!({"mode": "all"})));
    let before = scrape(&s);
    assert_eq!(sample(&before, "tocsin_screen_search_duration_seconds_count", &[]), None, "nothing searched yet");

    for name in ["Jean Baptiste Moreau", "Anna Kowalska"] {
        s.screen(&deu, &json!({"name": name}));
    }
    let text = scrape(&s);
    let screens = sample(&text, "tocsin_http_requests_total", &["route=\"/v1/screen\"", "status=\"200\""]);
    assert_eq!(screens, Some(2.0), "{text}");
    assert_eq!(sample(&text, "tocsin_screen_search_duration_seconds_count", &[]), Some(2.0));
    // The bucket at the goal is there, and holds no more than all searches.
    let at_goal = sample(&text, "tocsin_screen_search_duration_seconds_bucket", &["le=\"0.02\""]);
    assert!(at_goal.is_some_and(|n| n <= 2.0), "{text}");

    // Every entry the group-commit writer appended is timed from hand-over
    // to answer and in the writer's queue: at least the two searches (the
    // record's creation was committed with the record itself).
    let entries = sample(&text, "tocsin_audit_entries_total", &["path=\"group_commit\""]).expect("entries counted");
    assert!(entries >= 2.0, "{text}");
    let with_change = sample(&text, "tocsin_audit_entries_total", &["path=\"with_change\""]);
    assert_eq!(with_change, Some(1.0), "the record's creation, with the record: {text}");
    // The writer counts and times each entry together once its commit
    // returns; a scrape may fall between the two for one in flight (the
    // retention clock's `maintenance.run` at start), so it is repeated.
    crate::helpers::eventually("every appended entry is timed in both stages", || {
        let text = scrape(&s);
        let entries = sample(&text, "tocsin_audit_entries_total", &["path=\"group_commit\""]);
        ["tocsin_audit_append_duration_seconds_count", "tocsin_audit_queue_duration_seconds_count"]
            .iter()
            .all(|stage| entries.is_some() && sample(&text, stage, &[]) == entries)
    });
    assert!(sample(&text, "tocsin_audit_commit_duration_seconds_count", &[]).is_some_and(|n| n >= 1.0 && n <= entries));
}

/// The metrics count every agency's requests and hits, hidden records' too,
/// so only the operator's monitoring token reads them: no token, an agency's
/// token of any role (GS's included) and a wrong one are all refused, and
/// the cluster part of `/v1/health` is left out for them.
#[test]
fn only_the_monitoring_token_reads_metrics() {
    let s = TestServer::start();
    let mut refused = vec![("no token", s.anonymous("/metrics"))];
    for (agency, role) in [("GS", "admin"), ("GS", "auditor"), ("FRA", "admin"), ("ITA", "officer")] {
        let token = s.token(agency, role);
        refused.push((agency, s.get(&token, "/metrics")));
    }
    refused.push(("a wrong token", s.anonymous("/metrics").bearer_auth("tcs_0000")));
    for (who, request) in refused {
        let r = request.send().expect("GET /metrics");
        assert_eq!(r.status().as_u16(), 401, "{who}");
        let text = r.text().expect("body");
        assert!(!text.contains("tocsin_"), "{who} read metrics: {text}");
    }
    let monitor = s.monitor("/metrics").send().expect("GET /metrics");
    assert_eq!(monitor.status().as_u16(), 200);
    assert!(monitor.text().expect("body").contains("tocsin_http_requests_total"));
    // The scheme's name is case-insensitive.
    let lower = s.anonymous("/metrics").header("authorization", format!("bearer {}", s.monitor_token()));
    assert_eq!(lower.send().expect("GET").status().as_u16(), 200);
}

/// A screening that matches a record hidden from the searcher moves no
/// metric apart from one that matches nothing hidden: the hits counter
/// counts silent hits with the others, under no label of their own.
#[test]
fn no_metric_tells_a_silent_hit_apart() {
    let s = TestServer::start();
    let fra = s.token("FRA", "admin");
    let ita = s.token("ITA", "officer");
    s.create(&fra, &person("Hidden Fromitaly", json!({"mode": "except", "countries": ["ITA"]})));
    s.screen(&ita, &json!({"name": "Hidden Fromitaly", "birth_date": "1970-05-01"}));
    let text = scrape(&s);
    assert!(!text.contains("silent"), "{text}");
    assert_eq!(sample(&text, "tocsin_hits_total", &[]), Some(1.0), "the silent hit is counted, unlabelled: {text}");
}
