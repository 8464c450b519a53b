//! Client assertions (`private_key_jwt`, RFC 7523): which keys are offered, when published
//! keys are fetched again, replay, and the method rules. The signature check itself is an
//! adapter's (tested there with real keys); here a stand-in reads an "assertion" written
//! as `sub|kid|jti`.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::json;

use crate::credentials::keys::{AuthMethod, Jwks, SigningAlgorithm};
use crate::credentials::method::{CredentialKind, CredentialRef};
use crate::credentials::ports::{
    AssertionHeader, AssertionRefusal, AssertionRules, ReadAssertion, VerifiedAssertion,
};
use crate::credentials::rotation::CredentialSerial;
use crate::test_support::*;

/// A stand-in for the signature check: `sub|kid|jti` is valid when a key of the offered
/// sets has `kid`; it records the key ids offered, the rules it was given and how many
/// assertions it read.
#[derive(Default)]
struct ByKid {
    offered: Mutex<Vec<Vec<String>>>,
    rules: Mutex<Vec<AssertionRules>>,
    reads: AtomicUsize,
}

impl AssertionVerifier for Arc<ByKid> {
    fn read(&self, assertion: &str) -> ReadAssertion {
        self.reads.fetch_add(1, Ordering::Relaxed);
        let parts: Vec<&str> = assertion.split('|').collect();
        let (header, claims) = match parts[..] {
            [sub, kid, jti] => (
                Ok(AssertionHeader {
                    alg: SigningAlgorithm::EdDsa,
                    kid: Some(kid.to_owned()),
                }),
                json!({"sub": sub, "jti": jti}).as_object().cloned(),
            ),
            _ => (Err(AssertionRefusal::Malformed), None),
        };
        ReadAssertion {
            header,
            claims,
            signing_input: assertion.to_owned(),
            signature: String::new(),
        }
    }

    fn verify(
        &self,
        assertion: &ReadAssertion,
        keys: &[Jwks],
        rules: &AssertionRules,
    ) -> Result<VerifiedAssertion, AssertionRefusal> {
        let header = assertion.header.clone()?;
        let kid = header.kid.as_deref();
        let claims = assertion
            .claims
            .as_ref()
            .ok_or(AssertionRefusal::Malformed)?;
        let claim = |name: &str| claims.get(name).and_then(|v| v.as_str()).unwrap_or("");
        self.offered.lock().unwrap().push(
            keys.iter()
                .flat_map(|set| set.kids().map(str::to_owned))
                .collect(),
        );
        self.rules.lock().unwrap().push(rules.clone());
        if claim("sub") != rules.client_id {
            return Err(AssertionRefusal::Claims(
                "iss and sub must be the client id",
            ));
        }
        if !keys.iter().any(|set| set.find(kid).is_some()) {
            return Err(AssertionRefusal::UnknownKey);
        }
        Ok(VerifiedAssertion {
            jti: claim("jti").to_owned(),
            // The longest lifetime the rules allow (10 minutes): the replay guard keeps
            // the record, and refuses the `jti` again, for that long.
            expires_at: rules.now.plus_seconds(600),
            key_set: keys
                .iter()
                .position(|set| set.find(kid).is_some())
                .unwrap_or(0),
        })
    }
}

fn jwks(kids: &[&str]) -> Jwks {
    Jwks::from_value(&json!({"keys": kids.iter().map(|kid| json!({
        "kty": "OKP", "crv": "Ed25519", "kid": kid,
        "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo",
    })).collect::<Vec<_>>()}))
    .unwrap()
}

fn keyed(f: &Fakes, keys: KeysInput) -> OAuthApplication {
    block_on(f.service().register(
        &admin(),
        RegisterApplication {
            token_endpoint_auth_method: Some("private_key_jwt".into()),
            keys,
            ..register_cmd()
        },
    ))
    .unwrap()
    .application
}

fn inline(kids: &[&str]) -> KeysInput {
    KeysInput {
        jwks: Some(jwks(kids).to_value()),
        jwks_uri: None,
    }
}

fn assertion(app: &OAuthApplication, kid: &str, jti: &str) -> String {
    format!("{}|{kid}|{jti}", app.client_id())
}

fn answer(f: &Fakes, client_id: Option<&str>, assertion: &str) -> ClientAuthentication {
    block_on(
        f.service()
            .authenticate_assertion(&authenticator(), client_id, assertion),
    )
    .unwrap()
}

#[test]
fn a_valid_assertion_authenticates_once_and_its_replay_is_refused() {
    let verifier = Arc::new(ByKid::default());
    let f = Fakes::new().with_assertions(verifier.clone());
    let app = keyed(&f, inline(&["k1"]));
    let first = answer(&f, None, &assertion(&app, "k1", "jti-1"));
    let ClientAuthentication::Valid(found) = first else {
        panic!("{first:?}")
    };
    assert_eq!(found.client_id(), app.client_id());
    // The rules: the client id, the configured audiences, 10 minutes, 60 s of leeway.
    let rules = verifier.rules.lock().unwrap()[0].clone();
    assert_eq!(rules.client_id, app.client_id().to_string());
    assert_eq!(rules.audiences, ["https://as.example/token"]);
    assert_eq!(
        (rules.max_lifetime_seconds, rules.leeway_seconds),
        (600, 60)
    );
    assert_eq!(rules.now, at(NOW));
    // The same jti again: a replay.
    assert_eq!(
        answer(&f, None, &assertion(&app, "k1", "jti-1")),
        ClientAuthentication::Invalid(Refusal::Replayed)
    );
    // Another jti is fine; the client id may be named by the request too.
    let id = app.client_id().to_string();
    assert!(matches!(
        answer(&f, Some(&id), &assertion(&app, "k1", "jti-2")),
        ClientAuthentication::Valid(_)
    ));
}

#[test]
fn assertions_authenticate_only_active_private_key_jwt_apps() {
    let f = Fakes::new().with_assertions(Arc::new(ByKid::default()));
    let secret_app = block_on(f.service().register(&admin(), register_cmd()))
        .unwrap()
        .application;
    assert_eq!(
        answer(&f, None, &assertion(&secret_app, "k1", "j")),
        ClientAuthentication::Invalid(Refusal::MethodMismatch(AuthMethod::ClientSecretBasic))
    );
    let app = keyed(&f, inline(&["k1"]));
    block_on(f.service().disable(&admin(), &by_client_id(&app))).unwrap();
    assert_eq!(
        answer(&f, None, &assertion(&app, "k1", "j")),
        ClientAuthentication::Invalid(Refusal::Disabled)
    );
    let unknown = ClientId::from_random_bytes([7; 16]);
    assert_eq!(
        answer(&f, None, &format!("{unknown}|k1|j")),
        ClientAuthentication::Invalid(Refusal::UnknownClient)
    );
    assert_eq!(
        answer(&f, None, "not an assertion"),
        ClientAuthentication::Invalid(Refusal::UnknownClient)
    );
    // A client id named by the request that differs from the assertion's subject.
    let other = keyed(&f, inline(&["k9"]));
    let err = answer(
        &f,
        Some(&other.client_id().to_string()),
        &assertion(&app, "k1", "j"),
    );
    assert!(matches!(err, ClientAuthentication::Invalid(_)), "{err:?}");
}

#[test]
fn the_previous_key_set_is_offered_until_its_grace_period_ends() {
    let verifier = Arc::new(ByKid::default());
    let f = Fakes::new().with_assertions(verifier.clone());
    let app = keyed(&f, inline(&["old"]));
    block_on(f.service().rotate_keys(
        &admin(),
        &by_client_id(&app),
        RotateKeys {
            keys: inline(&["new"]),
            grace_period_seconds: Some(600),
        },
    ))
    .unwrap();
    // One second before the grace period ends: both sets, the old key still signs.
    f.clock.advance(599);
    assert!(matches!(
        answer(&f, None, &assertion(&app, "old", "a")),
        ClientAuthentication::Valid(_)
    ));
    assert_eq!(
        verifier.offered.lock().unwrap().last().unwrap(),
        &["new".to_owned(), "old".to_owned()]
    );
    // One second after: only the new set.
    f.clock.advance(2);
    assert_eq!(
        answer(&f, None, &assertion(&app, "old", "b")),
        ClientAuthentication::Invalid(Refusal::Assertion(AssertionRefusal::UnknownKey))
    );
    assert!(matches!(
        answer(&f, None, &assertion(&app, "new", "c")),
        ClientAuthentication::Valid(_)
    ));
}

#[test]
fn a_use_is_noted_against_the_key_set_whose_key_signed() {
    let f = Fakes::new().with_assertions(Arc::new(ByKid::default()));
    let app = keyed(&f, inline(&["old"]));
    let set = |n| CredentialRef {
        kind: CredentialKind::KeySet,
        serial: CredentialSerial::new(n).unwrap(),
    };
    block_on(f.service().rotate_keys(
        &admin(),
        &by_client_id(&app),
        RotateKeys {
            keys: inline(&["new"]),
            grace_period_seconds: Some(600),
        },
    ))
    .unwrap();
    f.clock.advance(5);
    assert!(matches!(
        answer(&f, None, &assertion(&app, "old", "a")),
        ClientAuthentication::Valid(_)
    ));
    let credentials = f.stored(&app).credentials().clone();
    assert_eq!(credentials.last_used(set(1)), Some(at(NOW + 5)));
    assert_eq!(credentials.last_used(set(2)), None);
    let previous = credentials.previous_credential().unwrap();
    assert_eq!(
        (previous.credential, previous.hint.as_deref()),
        (set(1), Some("old"))
    );
    assert_eq!(previous.expires_at, Some(at(NOW + 600)));
    f.clock.advance(1);
    assert!(matches!(
        answer(&f, None, &assertion(&app, "new", "b")),
        ClientAuthentication::Valid(_)
    ));
    let current = f.stored(&app).credentials().current_credential().unwrap();
    assert_eq!(
        (
            current.credential,
            current.last_used_at,
            current.hint.as_deref()
        ),
        (set(2), Some(at(NOW + 6)), Some("new"))
    );
    // A refused assertion is no use.
    f.clock.advance(100);
    assert!(matches!(
        answer(&f, None, &assertion(&app, "new", "b")),
        ClientAuthentication::Invalid(Refusal::Replayed)
    ));
    assert_eq!(f.repo.uses_written(), 2);
}

#[test]
fn published_keys_are_fetched_again_when_an_assertion_names_a_new_key() {
    let verifier = Arc::new(ByKid::default());
    let f = Fakes::new().with_assertions(verifier.clone());
    let uri = "https://client.example/jwks.json";
    f.keys.publish(uri, jwks(&["k1"]));
    let app = keyed(
        &f,
        KeysInput {
            jwks: None,
            jwks_uri: Some(uri.into()),
        },
    );
    assert!(matches!(
        answer(&f, None, &assertion(&app, "k1", "a")),
        ClientAuthentication::Valid(_)
    ));
    assert_eq!(f.keys.fetches(), 1);
    // The client publishes a new key and signs with it: one more fetch, past the cache.
    f.keys.publish(uri, jwks(&["k1", "k2"]));
    assert!(matches!(
        answer(&f, None, &assertion(&app, "k2", "b")),
        ClientAuthentication::Valid(_)
    ));
    assert_eq!(f.keys.fetches(), 2);
    // Verified twice (before and after the refresh), read once.
    assert_eq!(verifier.reads.load(Ordering::Relaxed), 2);
    assert_eq!(verifier.rules.lock().unwrap().len(), 3);
    // A key nobody published: refused after the one refresh.
    assert_eq!(
        answer(&f, None, &assertion(&app, "k3", "c")),
        ClientAuthentication::Invalid(Refusal::Assertion(AssertionRefusal::UnknownKey))
    );
    assert_eq!(f.keys.fetches(), 3);
    // Keys that cannot be had: refused, saying why.
    let gone = keyed(
        &f,
        KeysInput {
            jwks: None,
            jwks_uri: Some("https://gone.example/jwks".into()),
        },
    );
    assert!(matches!(
        answer(&f, None, &assertion(&gone, "k1", "d")),
        ClientAuthentication::Invalid(Refusal::KeysUnavailable(_))
    ));
}

#[test]
fn the_kind_of_the_named_client_id_decides_where_the_client_is_looked_for() {
    let f = Fakes::new().with_assertions(Arc::new(ByKid::default()));
    let document_refusal = |client: &str| match answer(&f, None, &format!("{client}|k1|j")) {
        ClientAuthentication::Invalid(Refusal::MetadataDocument(refusal)) => refusal.rule,
        other => panic!("{client}: {other:?}"),
    };
    // URLs of any scheme are metadata document client ids, refused by the rule they break.
    assert_eq!(
        document_refusal("http://tool.example/client.json"),
        "not_https"
    );
    assert_eq!(document_refusal("urn:example:client"), "not_https");
    assert_eq!(document_refusal("https://tool.example/"), "no_path");
    // Neither a client id nor a URL: unknown.
    assert_eq!(
        answer(&f, None, "client-1|k1|j"),
        ClientAuthentication::Invalid(Refusal::UnknownClient)
    );
}

#[test]
fn a_replay_is_judged_at_the_service_clock_time() {
    let f = Fakes::new().with_assertions(Arc::new(ByKid::default()));
    let app = keyed(&f, inline(&["k1"]));
    // The stand-in's assertions expire ten minutes after they are checked.
    assert!(matches!(
        answer(&f, None, &assertion(&app, "k1", "once")),
        ClientAuthentication::Valid(_)
    ));
    f.clock.advance(599);
    assert_eq!(
        answer(&f, None, &assertion(&app, "k1", "once")),
        ClientAuthentication::Invalid(Refusal::Replayed)
    );
    // By the service's clock the first assertion has expired: its jti no longer counts.
    f.clock.advance(1);
    assert!(matches!(
        answer(&f, None, &assertion(&app, "k1", "once")),
        ClientAuthentication::Valid(_)
    ));
}
