//! The guard against a real https server on loopback, trusted only through the extra-roots
//! path. Nothing here reaches beyond 127.0.0.1.

use std::time::{Duration, Instant};

use oauth_apps_outbound::{
    AllowList, ExtraRoots, FetchError, OutboundConfig, OutboundGuard, Refusal, SpecialKind,
    UrlRefusal,
};
use oauth_apps_test_support::https::{Script, Server, TestCa, answer, chunked};

/// A server that answers every request with `bytes`.
fn one(bytes: Vec<u8>) -> Script {
    Script::Answers(vec![bytes])
}

const JWKS: &[u8] = br#"{"keys":[]}"#;
const ACCEPT: &str = "application/jwk-set+json, application/json";

fn guard(ca: &TestCa, allow: &str, timeout: Duration, max_bytes: u64) -> OutboundGuard {
    OutboundGuard::new(OutboundConfig {
        allow: AllowList::parse(allow).expect("allow list"),
        extra_roots: ExtraRoots::from_pem(ca.pem.as_bytes()).expect("test CA"),
        timeout,
        max_bytes,
    })
    .expect("guard")
}

fn loopback_guard(ca: &TestCa) -> OutboundGuard {
    guard(ca, "127.0.0.1/32", Duration::from_secs(3), 64 * 1024)
}

async fn jwks_server(ca: &TestCa) -> Server {
    let body = answer(
        "200 OK",
        &[
            ("content-type", "Application/JWK-Set+JSON; charset=utf-8"),
            ("cache-control", "public, max-age=600"),
        ],
        JWKS,
    );
    Server::scripted(ca.server_for(&["localhost", "127.0.0.1"]), one(body)).await
}

#[tokio::test]
async fn an_allowed_loopback_server_is_fetched_and_verified_through_the_ca_file() {
    let ca = TestCa::new("outbound test CA");
    let server = jwks_server(&ca).await;
    let dir = std::env::temp_dir().join(format!("outbound-fetch-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let ca_file = dir.join("ca.pem");
    std::fs::write(&ca_file, &ca.pem).unwrap();
    let config =
        OutboundConfig::from_settings(Some("127.0.0.1/32"), Some(ca_file.to_str().unwrap()))
            .unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    let guard = OutboundGuard::new(config).unwrap();

    let fetched = guard
        .get(&server.url_for("127.0.0.1", "/jwks.json"), ACCEPT)
        .await
        .unwrap();

    assert_eq!(fetched.status, 200);
    assert_eq!(fetched.body, JWKS);
    assert_eq!(
        fetched.media_type().as_deref(),
        Some("application/jwk-set+json")
    );
    assert_eq!(fetched.max_age, Some(Duration::from_secs(600)));
    assert_eq!(
        fetched.cache_for(Duration::from_secs(300), Duration::from_secs(86_400)),
        Duration::from_secs(600)
    );
    let heads = server.heads();
    assert_eq!(heads.len(), 1);
    let head = heads[0].to_ascii_lowercase();
    assert!(head.starts_with("get /jwks.json http/1.1\r\n"), "{head}");
    assert!(
        head.contains(&format!("\r\naccept: {}\r\n", ACCEPT.to_ascii_lowercase())),
        "{head}"
    );
    assert!(head.contains("\r\nuser-agent: oauth-apps/"), "{head}");
}

#[tokio::test]
async fn without_the_allow_entry_a_loopback_server_is_refused_before_connecting() {
    let ca = TestCa::new("outbound test CA");
    let server = jwks_server(&ca).await;
    let guard = guard(&ca, "", Duration::from_secs(3), 64 * 1024);

    let error = guard
        .get(&server.url_for("127.0.0.1", "/jwks.json"), ACCEPT)
        .await
        .unwrap_err();

    match error {
        FetchError::Refused(Refusal::Url(UrlRefusal::Address(refusal))) => {
            assert_eq!(refusal.range.kind, SpecialKind::Loopback);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(server.connections(), 0);
}

#[tokio::test]
async fn http_is_refused_even_to_an_allowed_address() {
    let ca = TestCa::new("outbound test CA");
    let server = jwks_server(&ca).await;
    let url = format!("http://127.0.0.1:{}/jwks.json", server.port);

    let error = loopback_guard(&ca).get(&url, ACCEPT).await.unwrap_err();

    assert!(
        matches!(
            &error,
            FetchError::Refused(Refusal::Url(UrlRefusal::NotHttps(s))) if s == "http"
        ),
        "{error:?}"
    );
    assert_eq!(server.connections(), 0);
}

#[tokio::test]
async fn literal_special_addresses_are_refused_by_check_url() {
    let ca = TestCa::new("outbound test CA");
    let guard = guard(&ca, "", Duration::from_secs(3), 64 * 1024);
    for (url, kind) in [
        ("https://127.0.0.1/jwks", SpecialKind::Loopback),
        ("https://10.0.0.1/jwks", SpecialKind::Private),
        (
            "https://169.254.169.254/latest/meta-data/",
            SpecialKind::LinkLocal,
        ),
        ("https://[::1]/jwks", SpecialKind::Loopback),
        ("https://[::ffff:127.0.0.1]/jwks", SpecialKind::Loopback),
    ] {
        match guard.check_url(url) {
            Err(UrlRefusal::Address(refusal)) => assert_eq!(refusal.range.kind, kind, "{url}"),
            other => panic!("{url}: {other:?}"),
        }
        assert!(
            matches!(
                guard.get(url, ACCEPT).await,
                Err(FetchError::Refused(Refusal::Url(UrlRefusal::Address(_))))
            ),
            "{url}"
        );
    }
    assert!(guard.check_url("https://jwks.example.com/").is_ok());
}

#[tokio::test]
async fn a_host_name_that_resolves_to_loopback_is_refused_unless_allowed() {
    let ca = TestCa::new("outbound test CA");
    let server = jwks_server(&ca).await;
    let url = server.url_for("localhost", "/jwks.json");

    let refused = guard(&ca, "", Duration::from_secs(3), 64 * 1024)
        .get(&url, ACCEPT)
        .await
        .unwrap_err();
    match refused {
        FetchError::Refused(Refusal::Resolved { host, refusal }) => {
            assert_eq!(host, "localhost");
            assert_eq!(refusal.range.kind, SpecialKind::Loopback);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(server.connections(), 0);

    for allow in ["localhost", "127.0.0.0/8, ::1/128"] {
        let fetched = guard(&ca, allow, Duration::from_secs(3), 64 * 1024)
            .get(&url, ACCEPT)
            .await
            .unwrap();
        assert_eq!(fetched.body, JWKS, "{allow}");
    }
}

#[tokio::test]
async fn a_redirect_is_an_error_and_is_not_followed() {
    let ca = TestCa::new("outbound test CA");
    let tls = ca.server_for(&["127.0.0.1"]);
    let probe = Server::scripted(tls.clone(), one(answer("200 OK", &[], JWKS))).await;
    let target = probe.url_for("127.0.0.1", "/elsewhere");
    let server =
        Server::scripted(tls, one(answer("302 Found", &[("location", &target)], b""))).await;

    let error = loopback_guard(&ca)
        .get(&server.url_for("127.0.0.1", "/jwks.json"), ACCEPT)
        .await
        .unwrap_err();

    match error {
        FetchError::Redirect { status, location } => {
            assert_eq!(status, 302);
            assert_eq!(location.as_deref(), Some(target.as_str()));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(server.heads().len(), 1);
    assert_eq!(probe.connections(), 0);
}

#[tokio::test]
async fn answers_other_than_2xx_are_status_errors() {
    let ca = TestCa::new("outbound test CA");
    let server = Server::scripted(
        ca.server_for(&["127.0.0.1"]),
        one(answer("404 Not Found", &[], b"nothing")),
    )
    .await;

    let error = loopback_guard(&ca)
        .get(&server.url_for("127.0.0.1", "/"), ACCEPT)
        .await
        .unwrap_err();

    assert!(
        matches!(error, FetchError::Status { status: 404 }),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_body_of_exactly_the_limit_is_read_and_one_byte_more_is_too_large() {
    let ca = TestCa::new("outbound test CA");
    let tls = ca.server_for(&["127.0.0.1"]);
    let guard = guard(&ca, "127.0.0.1/32", Duration::from_secs(3), 1024);
    for (body, script) in [
        (vec![b'a'; 1024], one(chunked(&[b'a'; 1024]))),
        (vec![b'b'; 1024], one(answer("200 OK", &[], &[b'b'; 1024]))),
    ] {
        let server = Server::scripted(tls.clone(), script).await;
        let fetched = guard
            .get(&server.url_for("127.0.0.1", "/"), ACCEPT)
            .await
            .unwrap();
        assert_eq!(fetched.body, body);
    }
    for script in [
        one(chunked(&[b'c'; 1025])),
        one(answer("200 OK", &[], &[b'd'; 1025])),
    ] {
        let server = Server::scripted(tls.clone(), script).await;
        let error = guard
            .get(&server.url_for("127.0.0.1", "/"), ACCEPT)
            .await
            .unwrap_err();
        assert!(
            matches!(error, FetchError::TooLarge { limit: 1024 }),
            "{error:?}"
        );
    }
}

#[tokio::test]
async fn an_endless_body_without_a_length_is_cut_off_at_the_limit() {
    let ca = TestCa::new("outbound test CA");
    let server = Server::scripted(ca.server_for(&["127.0.0.1"]), Script::EndlessChunks).await;
    let guard = guard(&ca, "127.0.0.1/32", Duration::from_secs(3), 64 * 1024);

    let started = Instant::now();
    let error = guard
        .get(&server.url_for("127.0.0.1", "/"), ACCEPT)
        .await
        .unwrap_err();

    assert!(
        matches!(error, FetchError::TooLarge { limit: 65_536 }),
        "{error:?}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn a_declared_length_over_the_limit_is_refused_before_the_body_is_read() {
    let ca = TestCa::new("outbound test CA");
    let head = b"HTTP/1.1 200 OK\r\ncontent-length: 10000000\r\n\r\n".to_vec();
    let server =
        Server::scripted(ca.server_for(&["127.0.0.1"]), Script::AnswerThenStall(head)).await;
    let guard = guard(&ca, "127.0.0.1/32", Duration::from_secs(3), 64 * 1024);

    let started = Instant::now();
    let error = guard
        .get(&server.url_for("127.0.0.1", "/"), ACCEPT)
        .await
        .unwrap_err();

    // The server never sends the body: reading it would have run into the time-out.
    assert!(matches!(error, FetchError::TooLarge { .. }), "{error:?}");
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn a_server_that_stalls_is_a_time_out_within_the_configured_time() {
    let ca = TestCa::new("outbound test CA");
    let tls = ca.server_for(&["127.0.0.1"]);
    let timeout = Duration::from_millis(600);
    let guard = guard(&ca, "127.0.0.1/32", timeout, 64 * 1024);
    for script in [
        Script::StallBeforeHandshake,
        Script::AnswerThenStall(Vec::new()),
        Script::AnswerThenStall(
            b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n{\"keys\"".to_vec(),
        ),
    ] {
        let server = Server::scripted(tls.clone(), script).await;
        let started = Instant::now();
        let error = guard
            .get(&server.url_for("127.0.0.1", "/"), ACCEPT)
            .await
            .unwrap_err();
        let elapsed = started.elapsed();
        assert!(
            matches!(error, FetchError::Timeout(t) if t == timeout),
            "{error:?}"
        );
        assert!(
            elapsed >= Duration::from_millis(550) && elapsed < Duration::from_millis(2000),
            "{elapsed:?}"
        );
    }
}

#[tokio::test]
async fn a_certificate_the_extra_root_did_not_sign_is_a_tls_error() {
    let trusted = TestCa::new("outbound test CA");
    let other = TestCa::new("another CA");
    let guard = loopback_guard(&trusted);
    for tls in [
        other.server_for(&["127.0.0.1"]),
        // Signed by the trusted CA, but for another name.
        trusted.server_for(&["jwks.example.com"]),
    ] {
        let server = Server::scripted(tls, one(answer("200 OK", &[], JWKS))).await;
        let error = guard
            .get(&server.url_for("127.0.0.1", "/"), ACCEPT)
            .await
            .unwrap_err();
        assert!(matches!(error, FetchError::Tls(_)), "{error:?}");
        assert_eq!(server.heads().len(), 0);
    }
}

#[tokio::test]
async fn without_the_extra_root_the_built_in_roots_do_not_trust_a_test_ca() {
    let ca = TestCa::new("outbound test CA");
    let server = jwks_server(&ca).await;
    let guard = OutboundGuard::new(OutboundConfig {
        allow: AllowList::parse("127.0.0.1/32").unwrap(),
        ..OutboundConfig::default()
    })
    .unwrap();

    let error = guard
        .get(&server.url_for("127.0.0.1", "/"), ACCEPT)
        .await
        .unwrap_err();

    assert!(matches!(error, FetchError::Tls(_)), "{error:?}");
}

#[tokio::test]
async fn nothing_listening_is_a_connection_failure() {
    let ca = TestCa::new("outbound test CA");
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };

    let error = loopback_guard(&ca)
        .get(&format!("https://127.0.0.1:{port}/"), ACCEPT)
        .await
        .unwrap_err();

    assert!(matches!(error, FetchError::Connection(_)), "{error:?}");
}

#[test]
fn zero_limits_are_refused_when_the_guard_is_built() {
    let zero_timeout = OutboundConfig {
        timeout: Duration::ZERO,
        ..OutboundConfig::default()
    };
    assert!(OutboundGuard::new(zero_timeout).is_err());
    let zero_bytes = OutboundConfig {
        max_bytes: 0,
        ..OutboundConfig::default()
    };
    assert!(OutboundGuard::new(zero_bytes).is_err());
}
