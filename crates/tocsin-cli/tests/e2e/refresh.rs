//! Scheduled list refresh as an operator sets it up: the list is imported
//! on its schedule and its owner told; a file that stops parsing, a URL
//! that answers 500 or a web page keeps the current list, and says so.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::time::Duration;

use serde_json::json;

use crate::helpers::{Place, TestServer, eventually, json as status_json};

fn entity(id: &str, name: &str) -> String {
    json!({"id": id, "schema": "Person", "properties": {"name": [name]}}).to_string()
}

/// Refresh entries in FRA's audit view, and the outcome of each.
fn refreshes(s: &TestServer, admin: &str) -> Vec<String> {
    let (_, log) = status_json(s.get(admin, "/v1/audit?limit=1000").send().expect("audit"));
    log.as_array()
        .expect("entries")
        .iter()
        .filter(|e| e["action"] == "list.refresh")
        .map(|e| e["outcome"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[test]
fn a_list_is_refreshed_on_its_schedule_and_a_file_that_breaks_keeps_it() {
    let files = tempfile::tempdir().expect("tempdir");
    let list = files.path().join("fra.jsonl");
    std::fs::write(&list, format!("{}\n{}\n", entity("l-1", "Olga PETROVA"), entity("l-2", "Viktor ORLOV")))
        .expect("list");
    let place = Place { serve: vec!["--refresh".into(), format!("FRA:ftm={}@1s", list.display())], ..Place::default() };
    let s = TestServer::start_at(place);
    let admin = s.token("FRA", "admin");
    let listed = || {
        let (_, page) = status_json(s.get(&admin, "/v1/records?limit=1000").send().expect("records"));
        page["items"].as_array().map_or(0, |items| items.iter().filter(|r| r["state"] == "active").count())
    };
    eventually("the list is imported", || listed() == 2);
    // The owner is told, with the diff report.
    let stream = crate::sse::SseClient::connect(&s.base, &admin, Some(0));
    let told = (0..20).map(|_| stream.next()).find(|e| e.event == "list.refresh").expect("a list.refresh event");
    assert_eq!(
        (told.data["data"]["list"].as_str(), told.data["data"]["outcome"].as_str()),
        (Some("ftm"), Some("imported")),
        "{:?}",
        told.data
    );
    // The file stops parsing: the list stays, and the owner is told why.
    std::fs::write(&list, "{ not json\n").expect("break it");
    eventually("a failed refresh is logged", || refreshes(&s, &admin).iter().any(|o| o == "error"));
    assert_eq!(listed(), 2, "the list is kept");
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(listed(), 2);
}

/// Answers every request with `status` and `content_type` (`body`), until
/// the test ends.
fn serve_once_and_again(status: &'static str, content_type: &'static str, body: &'static str) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    std::thread::spawn(move || {
        for mut conn in listener.incoming().map_while(Result::ok) {
            let mut buf = [0u8; 4096];
            let _ = conn.read(&mut buf);
            let answer = format!(
                "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = conn.write_all(answer.as_bytes());
        }
    });
    format!("http://{addr}/consolidated.xml")
}

#[test]
fn a_refresh_url_that_answers_500_or_a_web_page_keeps_the_list_and_says_why() {
    let broken = serve_once_and_again("500 Internal Server Error", "text/plain", "oops");
    let portal = serve_once_and_again("200 OK", "text/html; charset=utf-8", "<html><body>Log in</body></html>");
    let place = Place {
        serve: vec![
            "--refresh".into(),
            format!("GS:un-sanctions={broken}@1s"),
            "--refresh".into(),
            format!("GS:un-sanctions={portal}@1s"),
        ],
        ..Place::default()
    };
    let s = TestServer::start_at(place);
    let auditor = s.token("GS", "auditor");
    let stream = crate::sse::SseClient::connect(&s.base, &s.token("GS", "admin"), Some(0));
    let mut why = Vec::new();
    while why.len() < 2 {
        let e = stream.next();
        if e.event == "list.refresh" {
            assert_eq!(e.data["data"]["outcome"], "failed", "{:?}", e.data);
            why.push(e.data["data"]["error"].as_str().unwrap_or_default().to_owned());
        }
    }
    assert!(why.iter().any(|w| w.contains("answered 500")), "{why:?}");
    assert!(why.iter().any(|w| w.contains("a web page")), "{why:?}");
    let (_, log) = status_json(s.get(&auditor, "/v1/audit?limit=1000").send().expect("audit"));
    assert!(log.to_string().contains("list.refresh"));
}
