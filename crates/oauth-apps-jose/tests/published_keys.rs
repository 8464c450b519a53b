//! `PublishedKeys` against a real https server on loopback, trusted only through a test
//! CA given to the guard as an extra root, on a test clock. Nothing here reaches beyond
//! 127.0.0.1.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use oauth_apps_domain::{Jwks, JwksUri, KeyDirectory, KeyFetchError, OutboundRefusal, Violation};
use oauth_apps_jose::PublishedKeys;
use oauth_apps_outbound::{AllowList, ExtraRoots, OutboundConfig, OutboundGuard};
use oauth_apps_test_support::https::{Server, TestCa, answer};
use serde_json::json;

/// A monotonic clock the test moves forward.
#[derive(Clone)]
struct TestClock {
    start: Instant,
    elapsed: Arc<Mutex<Duration>>,
}

impl TestClock {
    fn new() -> Self {
        Self {
            start: Instant::now(),
            elapsed: Arc::new(Mutex::new(Duration::ZERO)),
        }
    }

    fn now(&self) -> Instant {
        self.start + *self.elapsed.lock().expect("clock")
    }

    /// Sets the time to `seconds` after the start.
    fn at(&self, seconds: u64) {
        *self.elapsed.lock().expect("clock") = Duration::from_secs(seconds);
    }
}

fn guard(ca: &TestCa, allow: &str) -> OutboundGuard {
    OutboundGuard::new(OutboundConfig {
        allow: AllowList::parse(allow).expect("allow list"),
        extra_roots: ExtraRoots::from_pem(ca.pem.as_bytes()).expect("test CA"),
        timeout: Duration::from_secs(3),
        max_bytes: 64 * 1024,
    })
    .expect("guard")
}

/// Keys reaching 127.0.0.1 (allowed) on `clock`.
fn directory(ca: &TestCa, clock: &TestClock) -> PublishedKeys {
    let clock = clock.clone();
    PublishedKeys::new(guard(ca, "127.0.0.1/32")).with_clock(move || clock.now())
}

/// A JWK Set of one Ed25519 key named `kid`, as JSON text.
fn jwks_text(kid: &str) -> String {
    json!({"keys": [{"kty": "OKP", "crv": "Ed25519", "kid": kid, "x": "A".repeat(43)}]}).to_string()
}

fn jwks(kid: &str) -> Jwks {
    Jwks::parse(&jwks_text(kid)).expect("jwks")
}

/// A 200 with `kid`'s set and these `Cache-Control` directives (none when empty).
fn serving(kid: &str, cache_control: &str) -> Vec<u8> {
    let mut fields = vec![("content-type", "application/jwk-set+json")];
    if !cache_control.is_empty() {
        fields.push(("cache-control", cache_control));
    }
    answer("200 OK", &fields, jwks_text(kid).as_bytes())
}

fn uri(server: &Server, path: &str) -> JwksUri {
    JwksUri::parse(&server.url(path)).expect("uri")
}

#[tokio::test]
async fn a_set_is_fetched_once_and_served_from_the_cache_for_its_max_age() {
    let ca = TestCa::new("jose test CA");
    let server = Server::start(
        ca.server(),
        vec![serving("a", "max-age=600"), serving("b", "max-age=600")],
    )
    .await;
    let clock = TestClock::new();
    let keys = directory(&ca, &clock);
    let uri = uri(&server, "/jwks.json");

    assert_eq!(keys.fetch(&uri, false).await.expect("fetched"), jwks("a"));
    clock.at(599);
    assert_eq!(keys.fetch(&uri, false).await.expect("cached"), jwks("a"));
    assert_eq!(server.requests(), 1);
    let head = server.heads()[0].to_ascii_lowercase();
    assert!(head.starts_with("get /jwks.json http/1.1\r\n"), "{head}");
    assert!(
        head.contains("\r\naccept: application/jwk-set+json, application/json\r\n"),
        "{head}"
    );

    // Expired: fetched again.
    clock.at(600);
    assert_eq!(keys.fetch(&uri, false).await.expect("fetched"), jwks("b"));
    assert_eq!(server.requests(), 2);
    assert_eq!(keys.cached(), 1);
}

#[tokio::test]
async fn a_refresh_within_a_minute_of_the_last_fetch_is_answered_from_the_cache() {
    let ca = TestCa::new("jose test CA");
    let server = Server::start(
        ca.server(),
        vec![
            serving("a", "max-age=3600"),
            serving("b", "max-age=3600"),
            serving("c", "max-age=3600"),
        ],
    )
    .await;
    let clock = TestClock::new();
    let keys = directory(&ca, &clock);
    let uri = uri(&server, "/jwks.json");

    assert_eq!(keys.fetch(&uri, false).await.expect("fetched"), jwks("a"));
    clock.at(59);
    assert_eq!(keys.fetch(&uri, true).await.expect("cached"), jwks("a"));
    assert_eq!(server.requests(), 1, "no refresh within the minute");

    clock.at(60);
    assert_eq!(keys.fetch(&uri, true).await.expect("refreshed"), jwks("b"));
    assert_eq!(server.requests(), 2);
    // The refreshed set is what the cache serves now; the next refresh waits a minute.
    clock.at(119);
    assert_eq!(keys.fetch(&uri, false).await.expect("cached"), jwks("b"));
    assert_eq!(keys.fetch(&uri, true).await.expect("cached"), jwks("b"));
    assert_eq!(server.requests(), 2);
    clock.at(120);
    assert_eq!(keys.fetch(&uri, true).await.expect("refreshed"), jwks("c"));
    assert_eq!(server.requests(), 3);
}

#[tokio::test]
async fn freshness_is_cache_control_within_five_minutes_and_a_day() {
    let ca = TestCa::new("jose test CA");
    // (Cache-Control, seconds kept)
    let cases = [
        ("max-age=10", 300),
        ("", 300),
        ("no-store", 300),
        ("max-age=7200", 7200),
        ("max-age=604800", 86_400),
    ];
    for (cache_control, kept) in cases {
        let server = Server::start(ca.server(), vec![serving("a", cache_control)]).await;
        let clock = TestClock::new();
        let keys = directory(&ca, &clock);
        let uri = uri(&server, "/jwks.json");
        keys.fetch(&uri, false).await.expect("fetched");
        clock.at(kept - 1);
        keys.fetch(&uri, false).await.expect("cached");
        assert_eq!(server.requests(), 1, "{cache_control:?} kept {kept} s");
        clock.at(kept);
        keys.fetch(&uri, false).await.expect("fetched");
        assert_eq!(
            server.requests(),
            2,
            "{cache_control:?} expires at {kept} s"
        );
    }
}

#[tokio::test]
async fn a_set_with_a_private_member_is_invalid_and_nothing_is_cached() {
    let ca = TestCa::new("jose test CA");
    let mut leaky = json!({"kty": "OKP", "crv": "Ed25519", "kid": "leaky", "x": "A".repeat(43)});
    leaky["d"] = json!("B".repeat(43));
    let body = json!({ "keys": [leaky] }).to_string();
    let server = Server::start(
        ca.server(),
        vec![
            answer("200 OK", &[], body.as_bytes()),
            answer("200 OK", &[], b"<html>not a key set</html>"),
            answer("200 OK", &[], &[0xff, 0xfe, 0x00]),
        ],
    )
    .await;
    let clock = TestClock::new();
    let keys = directory(&ca, &clock);
    let uri = uri(&server, "/jwks.json");

    assert!(matches!(
        keys.fetch(&uri, false).await,
        Err(KeyFetchError::Invalid(Violation::JwkPrivateMember { key, member }))
            if key == "leaky" && member == "d"
    ));
    for _ in 0..2 {
        assert!(matches!(
            keys.fetch(&uri, false).await,
            Err(KeyFetchError::Invalid(Violation::Malformed { .. }))
        ));
    }
    assert_eq!(keys.cached(), 0);
    assert_eq!(server.requests(), 3);
}

#[tokio::test]
async fn loopback_is_refused_without_its_allow_entry_before_any_connection() {
    let ca = TestCa::new("jose test CA");
    let server = Server::start(ca.server(), vec![serving("a", "max-age=600")]).await;
    let keys = PublishedKeys::new(guard(&ca, ""));
    let uri = uri(&server, "/jwks.json");

    let refusal = keys.permits(&uri).expect_err("refused");
    assert!(matches!(refusal, OutboundRefusal::SpecialPurposeAddress(_)));
    assert_eq!(
        refusal.to_string(),
        "must not point to a special-purpose address: 127.0.0.1 is in 127.0.0.0/8 (loopback)"
    );
    match keys.fetch(&uri, false).await {
        Err(KeyFetchError::Refused(reason)) => assert!(reason.contains("127.0.0.0/8"), "{reason}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(server.connections(), 0);

    // The allow entry lets it through.
    let allowed = PublishedKeys::new(guard(&ca, "127.0.0.1/32"));
    assert_eq!(allowed.permits(&uri), Ok(()));
    assert_eq!(
        allowed.fetch(&uri, false).await.expect("fetched"),
        jwks("a")
    );
}

#[tokio::test]
async fn a_failed_fetch_is_unavailable_and_caches_nothing() {
    let ca = TestCa::new("jose test CA");
    let server = Server::start(
        ca.server(),
        vec![
            answer("404 Not Found", &[], b"no such key set"),
            serving("a", "max-age=600"),
        ],
    )
    .await;
    let keys = directory(&ca, &TestClock::new());
    let uri = uri(&server, "/jwks.json");

    match keys.fetch(&uri, false).await {
        Err(KeyFetchError::Unavailable(source)) => {
            assert_eq!(source.to_string(), "answered 404");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(keys.cached(), 0);
    assert_eq!(keys.fetch(&uri, false).await.expect("fetched"), jwks("a"));
}

#[tokio::test]
async fn the_cache_keeps_the_most_recently_used_urls() {
    let ca = TestCa::new("jose test CA");
    let server = Server::start(ca.server(), vec![serving("a", "max-age=600")]).await;
    let keys = directory(&ca, &TestClock::new()).with_capacity(2);
    let [one, two, three] = ["/1", "/2", "/3"].map(|path| uri(&server, path));

    keys.fetch(&one, false).await.expect("fetched");
    keys.fetch(&two, false).await.expect("fetched");
    keys.fetch(&one, false).await.expect("cached");
    assert_eq!(server.requests(), 2);
    // A third URL drops the least recently used one (two).
    keys.fetch(&three, false).await.expect("fetched");
    assert_eq!(keys.cached(), 2);
    keys.fetch(&one, false).await.expect("cached");
    assert_eq!(server.requests(), 3);
    keys.fetch(&two, false).await.expect("fetched again");
    assert_eq!(server.requests(), 4);
}
