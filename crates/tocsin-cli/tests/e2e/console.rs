//! The web console over HTTP, as a browser reaches it: sign-in exchanges
//! the token for a session cookie, every form carries the session's CSRF
//! secret, and a page shows an agency what the API would and nothing else.
//! (The same pages in a real browser: `console-tests/`, run by `.ci/run`.)

use reqwest::blocking::{Client, Response};
use reqwest::redirect::Policy;
use serde_json::json;

use crate::helpers::{TestServer, person};

fn client() -> Client {
    Client::builder().redirect(Policy::none()).build().expect("client")
}

fn location(r: &Response) -> &str {
    r.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or_default()
}

/// Signs in; the session cookie (`name=value`).
pub(crate) fn sign_in(s: &TestServer, token: &str) -> String {
    let r = client().post(format!("{}/login", s.base)).form(&[("token", token)]).send().expect("login");
    assert_eq!((r.status().as_u16(), location(&r)), (303, "/screen"));
    let cookie = r.headers().get("set-cookie").and_then(|v| v.to_str().ok()).expect("a cookie").to_owned();
    for flag in ["HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(cookie.contains(flag), "{flag}: {cookie}");
    }
    assert!(!cookie.contains(token), "the cookie is not the token");
    cookie.split(';').next().expect("name=value").to_owned()
}

/// The page at `path` with the session, and its CSRF secret.
fn page(s: &TestServer, cookie: &str, path: &str) -> (String, String) {
    let r = client().get(format!("{}{path}", s.base)).header("cookie", cookie).send().expect("page");
    assert_eq!(r.status().as_u16(), 200, "{path}");
    let html = r.text().expect("html");
    let csrf =
        html.split("name=\"csrf\" value=\"").nth(1).and_then(|t| t.split('"').next()).unwrap_or_default().to_owned();
    (html, csrf)
}

#[test]
fn sign_in_gives_a_session_the_forms_need_their_secret_and_sign_out_ends_it() {
    let s = TestServer::start();
    let r = client().get(format!("{}/", s.base)).send().expect("home");
    assert_eq!((r.status().as_u16(), location(&r)), (303, "/login"));
    let r = client().post(format!("{}/login", s.base)).form(&[("token", "tcs_not_a_token")]).send().expect("login");
    assert_eq!(r.status().as_u16(), 401);
    assert!(r.headers().get("set-cookie").is_none());

    let token = s.token("DEU", "officer");
    let cookie = sign_in(&s, &token);
    let (html, csrf) = page(&s, &cookie, "/screen");
    assert!(html.contains("DEU · officer") && csrf.len() == 64, "{html:.500}");
    assert!(!html.contains(&token), "the token is never sent back");

    let screen = |csrf: &str| {
        client()
            .post(format!("{}/screen", s.base))
            .header("cookie", &cookie)
            .form(&[("csrf", csrf), ("name", "Nobody Known")])
            .send()
            .expect("screen")
    };
    assert_eq!(screen("forged").status().as_u16(), 403);
    let r = screen(&csrf);
    assert_eq!(r.status().as_u16(), 200);
    for (header, value) in
        [("cache-control", "no-store"), ("x-frame-options", "DENY"), ("x-content-type-options", "nosniff")]
    {
        assert_eq!(r.headers().get(header).and_then(|v| v.to_str().ok()), Some(value), "{header}");
    }
    assert!(r.text().expect("html").contains("No match."));

    let r = client()
        .post(format!("{}/logout", s.base))
        .header("cookie", &cookie)
        .form(&[("csrf", &csrf)])
        .send()
        .expect("out");
    assert_eq!((r.status().as_u16(), location(&r)), (303, "/login"));
    let r = client().get(format!("{}/screen", s.base)).header("cookie", &cookie).send().expect("after");
    assert_eq!((r.status().as_u16(), location(&r)), (303, "/login"), "the session is gone on the server");
}

#[test]
fn the_console_shows_an_agency_only_what_the_api_would() {
    let s = TestServer::start();
    let fra = s.token("FRA", "admin");
    s.create(&fra, &person("Ivan Petrovich SIDOROV", json!({"mode": "except", "countries": ["ITA"]})));
    let screen = |agency: &str| {
        let cookie = sign_in(&s, &s.token(agency, "officer"));
        let (_, csrf) = page(&s, &cookie, "/screen");
        let r = client()
            .post(format!("{}/screen", s.base))
            .header("cookie", &cookie)
            .form(&[("csrf", csrf.as_str()), ("name", "Ivan Sidorov"), ("location", "CDG T2")])
            .send()
            .expect("screen");
        let html = r.text().expect("html");
        let (hits, _) = page(&s, &cookie, "/hits");
        (html, hits)
    };
    let (deu, deu_hits) = screen("DEU");
    assert!(deu.contains("SIDOROV") && deu.contains("Why it matched") && deu.contains("HIT"), "{deu:.2000}");
    assert!(deu_hits.contains("CDG T2"), "the searcher's inbox has its hit");
    let (ita, ita_hits) = screen("ITA");
    assert!(ita.contains("No match.") && !ita.contains("SIDOROV"), "{ita:.2000}");
    assert!(!ita_hits.contains("SIDOROV") && !ita_hits.contains("FRA"), "no trace of the silent hit: {ita_hits:.2000}");
}
