//! TLS as an operator runs it, with certificates made here: HTTPS with
//! HTTP/2 and HTTP/1.1, a new certificate read on SIGHUP without dropping
//! open connections, and certificates refused with the file named.

use std::path::{Path, PathBuf};
use std::time::Duration;

use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};
use time::OffsetDateTime;

use crate::helpers::{BIN, Place, TestServer};

/// A certificate authority of the test's own.
pub(crate) struct Authority {
    pem: String,
    issuer: Issuer<'static, KeyPair>,
}

pub(crate) fn authority(name: &str) -> Authority {
    let key = KeyPair::generate().expect("key");
    let mut params = CertificateParams::new(Vec::<String>::new()).expect("params");
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.distinguished_name.push(rcgen::DnType::CommonName, name);
    let pem = params.self_signed(&key).expect("CA").pem();
    Authority { pem, issuer: Issuer::new(params, key) }
}

/// A server certificate for 127.0.0.1 valid from `from` to `until`, and its key (PEM).
pub(crate) fn server_cert(ca: &Authority, from: OffsetDateTime, until: OffsetDateTime) -> (String, String) {
    let key = KeyPair::generate().expect("key");
    let mut params = CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()]).expect("params");
    (params.not_before, params.not_after) = (from, until);
    (params.signed_by(&key, &ca.issuer).expect("signed").pem(), key.serialize_pem())
}

pub(crate) fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write");
    path
}

pub(crate) fn client(ca: &Authority) -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder()
        .tls_certs_only([reqwest::Certificate::from_pem(ca.pem.as_bytes()).expect("CA")])
        .build()
        .expect("client")
}

#[test]
fn https_serves_h2_and_http11_and_a_sighup_swaps_the_certificate_without_dropping_connections() {
    let files = tempfile::tempdir().expect("tempdir");
    let now = OffsetDateTime::now_utc();
    let (first_ca, second_ca) = (authority("first"), authority("second"));
    let (cert, key) = server_cert(&first_ca, now - time::Duration::hours(1), now + time::Duration::days(30));
    let cert_file = write(files.path(), "cert.pem", &cert);
    let key_file = write(files.path(), "key.pem", &key);
    let place = Place {
        serve: vec![
            "--tls-cert".into(),
            cert_file.display().to_string(),
            "--tls-key".into(),
            key_file.display().to_string(),
        ],
        ..Place::default()
    };
    let s = TestServer::start_at(place);
    assert!(s.base.starts_with("https://"), "{}", s.base);
    let first = client(&first_ca);
    let r = first.get(format!("{}/v1/health", s.base)).send().expect("HTTPS");
    assert_eq!((r.status().as_u16(), r.version()), (200, reqwest::Version::HTTP_11));
    // Over TLS the console's session cookie is Secure.
    let officer = s.token("FRA", "officer");
    let no_redirects = reqwest::blocking::Client::builder()
        .tls_certs_only([reqwest::Certificate::from_pem(first_ca.pem.as_bytes()).expect("CA")])
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let signed_in =
        no_redirects.post(format!("{}/login", s.base)).form(&[("token", officer.as_str())]).send().expect("sign in");
    let cookie = signed_in.headers().get("set-cookie").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    assert!(
        cookie.contains("; Secure") && cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    // HTTP/2 by ALPN.
    let ca_file = write(files.path(), "first-ca.pem", &first_ca.pem);
    let curl = std::process::Command::new("curl")
        .args(["-sS", "--http2", "--cacert"])
        .arg(&ca_file)
        .args(["-o", "/dev/null", "-w", "%{http_version} %{http_code}"])
        .arg(format!("{}/v1/health", s.base))
        .output()
        .expect("curl");
    assert_eq!(String::from_utf8_lossy(&curl.stdout), "2 200", "{}", String::from_utf8_lossy(&curl.stderr));
    // Plain HTTP on the TLS port gets nothing useful.
    let plain = reqwest::blocking::get(s.base.replace("https://", "http://") + "/v1/health");
    assert!(plain.map(|r| r.status() != 200).unwrap_or(true));

    // A new certificate from another authority, read on SIGHUP.
    let (cert, key) = server_cert(&second_ca, now - time::Duration::hours(1), now + time::Duration::days(30));
    write(files.path(), "cert.pem", &cert);
    write(files.path(), "key.pem", &key);
    s.signal("HUP");
    let second = client(&second_ca);
    let mut swapped = false;
    for _ in 0..50 {
        if second.get(format!("{}/v1/health", s.base)).send().is_ok() {
            swapped = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(swapped, "new connections get the new certificate");
    // The first client's open connection was kept: it does not trust the
    // new certificate, so it could not have connected again.
    let kept = first.get(format!("{}/v1/health", s.base)).send().expect("the kept connection");
    assert_eq!(kept.status(), 200);

    // A pair that does not match is refused at SIGHUP; the one in service stays.
    let (other_cert, _) = server_cert(&second_ca, now - time::Duration::hours(1), now + time::Duration::days(30));
    write(files.path(), "cert.pem", &other_cert);
    s.signal("HUP");
    std::thread::sleep(Duration::from_millis(300));
    let fresh = client(&second_ca);
    assert_eq!(fresh.get(format!("{}/v1/health", s.base)).send().expect("still served").status(), 200);
    assert!(s.log().contains("the new certificate was refused"), "{}", s.log());
}

#[test]
fn a_certificate_that_does_not_match_its_key_or_has_expired_is_refused_at_start_naming_the_file() {
    let files = tempfile::tempdir().expect("tempdir");
    let data = files.path().join("data");
    let now = OffsetDateTime::now_utc();
    let ca = authority("test");
    let (cert, _) = server_cert(&ca, now - time::Duration::hours(1), now + time::Duration::days(1));
    let (_, other_key) = server_cert(&ca, now - time::Duration::hours(1), now + time::Duration::days(1));
    let (expired, expired_key) = server_cert(&ca, now - time::Duration::days(60), now - time::Duration::days(1));
    let serve = |cert: &str, key: &str| {
        let (cert, key) = (write(files.path(), "c.pem", cert), write(files.path(), "k.pem", key));
        let out = std::process::Command::new(BIN)
            .arg("--data")
            .arg(&data)
            .args(["serve", "--listen", "127.0.0.1:0", "--tls-cert"])
            .arg(&cert)
            .arg("--tls-key")
            .arg(&key)
            .output()
            .expect("serve");
        assert!(!out.status.success(), "started with a bad certificate");
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    let said = serve(&cert, &other_key);
    assert!(said.contains("k.pem: this key does not match the certificate in"), "{said}");
    let said = serve(&expired, &expired_key);
    assert!(said.contains("c.pem: the certificate expired on"), "{said}");
    let said = serve("not a certificate", &other_key);
    assert!(said.contains("c.pem: no CERTIFICATE in it"), "{said}");
}

/// A client certificate for `agency` (its subject's O), and its key, PEM.
fn client_cert(ca: &Authority, agency: &str) -> String {
    let key = KeyPair::generate().expect("key");
    let mut params = CertificateParams::new(Vec::<String>::new()).expect("params");
    params.distinguished_name.push(rcgen::DnType::OrganizationName, agency);
    params.distinguished_name.push(rcgen::DnType::CommonName, format!("{agency} border post 12"));
    format!("{}{}", params.signed_by(&key, &ca.issuer).expect("signed").pem(), key.serialize_pem())
}

#[test]
fn under_mutual_tls_a_token_is_accepted_only_with_its_agencys_client_certificate() {
    let files = tempfile::tempdir().expect("tempdir");
    let now = OffsetDateTime::now_utc();
    let (server_ca, clients_ca, stranger_ca) = (authority("server"), authority("clients"), authority("stranger"));
    let (cert, key) = server_cert(&server_ca, now - time::Duration::hours(1), now + time::Duration::days(30));
    let place = Place {
        serve: vec![
            "--tls-cert".into(),
            write(files.path(), "cert.pem", &cert).display().to_string(),
            "--tls-key".into(),
            write(files.path(), "key.pem", &key).display().to_string(),
            "--tls-client-ca".into(),
            write(files.path(), "clients.pem", &clients_ca.pem).display().to_string(),
        ],
        ..Place::default()
    };
    let s = TestServer::start_at(place);
    let (fra, deu) = (s.token("FRA", "officer"), s.token("DEU", "officer"));
    let with = |identity: Option<String>| {
        let mut b = reqwest::blocking::Client::builder()
            .tls_certs_only([reqwest::Certificate::from_pem(server_ca.pem.as_bytes()).expect("CA")]);
        if let Some(pem) = identity {
            b = b.identity(reqwest::Identity::from_pem(pem.as_bytes()).expect("identity"));
        }
        b.build().expect("client")
    };
    let hits = |client: &reqwest::blocking::Client, token: &str| {
        client.get(format!("{}/v1/hits", s.base)).bearer_auth(token).send().map(|r| r.status().as_u16())
    };
    let fra_post = with(Some(client_cert(&clients_ca, "FRA")));
    assert_eq!(hits(&fra_post, &fra).expect("FRA with FRA's certificate"), 200);
    assert_eq!(hits(&fra_post, &deu).expect("answered"), 401, "DEU's token over FRA's certificate");
    assert!(hits(&with(None), &fra).is_err(), "no client certificate: no connection");
    assert!(hits(&with(Some(client_cert(&stranger_ca, "FRA"))), &fra).is_err(), "another authority's certificate");
    let (_, body) =
        crate::helpers::json(fra_post.get(format!("{}/v1/hits", s.base)).bearer_auth(&deu).send().expect("401"));
    assert_eq!(body["error"]["code"], "certificate_mismatch", "{body}");
}
