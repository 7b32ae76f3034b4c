//! What keeps the server safe to put on a network: security headers on
//! every answer, a CORS policy that denies by default, rate limits.

use crate::helpers::TestServer;

#[test]
fn every_api_answer_forbids_caching_sniffing_and_framing() {
    let s = TestServer::start();
    let token = s.token("FRA", "officer");
    for r in [
        s.anonymous("/v1/health").send().expect("health"),
        s.get(&token, "/v1/hits").send().expect("hits"),
        s.get("tcs_wrong", "/v1/hits").send().expect("refused"),
        s.anonymous("/v1/nothing-here").send().expect("404"),
    ] {
        let h = r.headers();
        let get = |name: &str| h.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
        assert_eq!(get("cache-control"), "no-store", "{}", r.url());
        assert_eq!(get("x-content-type-options"), "nosniff");
        assert_eq!(get("x-frame-options"), "DENY");
        assert!(get("content-security-policy").starts_with("default-src 'none'"), "{}", get("content-security-policy"));
    }
}

#[test]
fn cross_origin_calls_are_refused_unless_the_origin_is_configured() {
    let mut s = TestServer::start();
    let client = reqwest::blocking::Client::new();
    let preflight = |s: &TestServer, origin: &str| {
        client
            .request(reqwest::Method::OPTIONS, format!("{}/v1/screen", s.base))
            .header("Origin", origin)
            .header("Access-Control-Request-Method", "POST")
            .header("Access-Control-Request-Headers", "authorization, content-type")
            .send()
            .expect("preflight")
    };
    let r = preflight(&s, "https://console.example.org");
    assert!(r.status().is_success(), "a preflight is answered, not 405: {}", r.status());
    assert!(r.headers().get("access-control-allow-origin").is_none(), "and allows no origin by default");

    s.restart_with(&["--cors-origin", "https://console.example.org"], None);
    let r = preflight(&s, "https://console.example.org");
    assert_eq!(
        r.headers().get("access-control-allow-origin").and_then(|v| v.to_str().ok()),
        Some("https://console.example.org")
    );
    let methods =
        r.headers().get("access-control-allow-methods").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    assert!(methods.contains("POST"), "{methods}");
    let r = preflight(&s, "https://elsewhere.example.org");
    assert!(r.headers().get("access-control-allow-origin").is_none(), "another origin is still refused");
}

#[test]
fn a_flood_of_bad_tokens_is_slowed_and_logged_once_while_known_tokens_go_on() {
    let mut s = TestServer::start();
    let officer = s.token("FRA", "officer");
    let auditor = s.token("GS", "auditor");
    s.restart_with(&["--rate-address", "5", "--rate-token", "10", "--streams-per-token", "2"], None);
    // The operator reads the limits in the health answer.
    let (_, health) = crate::helpers::json(s.anonymous("/v1/health").send().expect("health"));
    assert_eq!(health["limits"], serde_json::json!({"per_token": 10, "per_address": 5, "streams_per_token": 2}));
    // Both tokens are used once, so the server knows them.
    std::thread::sleep(std::time::Duration::from_secs(1));
    assert_eq!(s.get(&officer, "/v1/hits").send().expect("hits").status(), 200);
    std::thread::sleep(std::time::Duration::from_secs(1));
    assert_eq!(s.get(&auditor, "/v1/audit/verify").send().expect("verify").status(), 200);

    // A token holds at most two event streams.
    let _one = crate::sse::SseClient::connect(&s.base, &officer, None);
    let _two = crate::sse::SseClient::connect(&s.base, &officer, None);
    let third = s.get(&officer, "/v1/events").send().expect("third stream");
    assert_eq!(third.status(), 429);
    // The console's live page, signed in with the same token, is one more
    // of its streams.
    let cookie = crate::console::sign_in(&s, &officer);
    let live = reqwest::blocking::Client::new()
        .get(format!("{}/live", s.base))
        .header("cookie", &cookie)
        .send()
        .expect("live page stream");
    assert_eq!(live.status(), 429, "the console's stream is counted with the token's");

    // 60 guesses from one address: most are answered 429 with Retry-After.
    let (mut refused, mut limited) = (0, 0);
    for i in 0..60 {
        let r = s.get(&format!("tcs_{i:064x}"), "/v1/hits").send().expect("guess");
        match r.status().as_u16() {
            401 => refused += 1,
            429 => {
                limited += 1;
                let wait: u64 = r.headers()["retry-after"].to_str().expect("text").parse().expect("seconds");
                assert!((1..=60).contains(&wait), "Retry-After {wait}");
            }
            other => panic!("a guess answered {other}"),
        }
    }
    assert!(limited >= 40 && refused <= 20, "{refused} answered 401, {limited} 429");
    // The officer's known token is not slowed by its address's guesses.
    assert_eq!(s.get(&officer, "/v1/hits").send().expect("hits").status(), 200);
    // Guessing through the console's sign-in is no faster.
    let client = reqwest::blocking::Client::new();
    let tries: Vec<u16> = (0..20)
        .map(|i| {
            let form = [("token", format!("tcs_{i:064x}"))];
            client.post(format!("{}/login", s.base)).form(&form).send().expect("sign-in").status().as_u16()
        })
        .collect();
    assert!(tries.iter().filter(|&&t| t == 429).count() >= 10, "{tries:?}");
    // The refusals of that minute are one entry (with the address), not one each.
    let (_, log) = crate::helpers::json(s.get(&auditor, "/v1/audit?limit=1000").send().expect("audit"));
    let rejects: Vec<&serde_json::Value> = log
        .as_array()
        .expect("entries")
        .iter()
        .filter(|e| e["action"].as_str().is_some_and(|a| a.starts_with("auth.reject")))
        .collect();
    assert_eq!(rejects.len(), 1, "{rejects:?}");
    assert_eq!(rejects[0]["objects"][0], "address:127.0.0.1");
    // One token over its own budget is slowed too.
    let statuses: Vec<u16> =
        (0..40).map(|_| s.get(&officer, "/v1/hits").send().expect("hits").status().as_u16()).collect();
    assert!(statuses.contains(&429), "{statuses:?}");
}

#[test]
fn a_configuration_file_sets_what_the_command_line_and_environment_leave_out() {
    let files = tempfile::tempdir().expect("tempdir");
    let config = files.path().join("tocsin.toml");
    // The test helper sets the rate variables: the environment wins there.
    std::fs::write(&config, "streams-per-token = 3\nrate-address = 7\nlisten = \"127.0.0.1:1\"\n").expect("config");
    let place =
        crate::helpers::Place { serve: vec!["--config".into(), config.display().to_string()], ..Default::default() };
    let s = TestServer::start_at(place);
    let (_, health) = crate::helpers::json(s.anonymous("/v1/health").send().expect("health"));
    assert_eq!(health["limits"]["streams_per_token"], 3, "from the file");
    assert_eq!(health["limits"]["per_address"], 1_000_000, "the environment wins over the file");
    // An unknown key stops the server before it starts, naming it.
    std::fs::write(&config, "streams_per_token = 3\n").expect("config");
    let out = std::process::Command::new(crate::helpers::BIN)
        .args(["--config", &config.display().to_string(), "serve", "--listen", "127.0.0.1:0"])
        .output()
        .expect("serve");
    assert!(!out.status.success());
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains("`streams_per_token` is not an option of `tocsin serve`"), "{said}");
}
