//! `JoseAssertionVerifier` with real key pairs of every accepted kind: EC P-256 and P-384
//! and Ed25519 made by `rcgen`, RSA 2048 made by `rsa`; assertions signed by
//! `jsonwebtoken`, public JWKs derived by `jsonwebtoken::jwk::Jwk::from_encoding_key`.
//!
//! The rules' clock is fixed in June 2025, before the machine's: the verifier checks the
//! times against it alone (an assertion that expired by the system clock verifies).

use std::sync::LazyLock;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::jwk::Jwk;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use oauth_apps_domain::{
    AssertionRefusal, AssertionRules, AssertionVerifier, Jwks, Timestamp, VerifiedAssertion,
};
use oauth_apps_jose::JoseAssertionVerifier;
use rcgen::{KeyPair, PKCS_ECDSA_P256_SHA256, PKCS_ECDSA_P384_SHA384, PKCS_ED25519};
use rsa::pkcs1::EncodeRsaPrivateKey;
use serde_json::{Value, json};

const NOW: i64 = 1_750_000_000;
const CLIENT: &str = "client-1";
const AUDIENCE: &str = "https://as.example/token";

/// A private key that signs, and its public JWK.
struct Signer {
    alg: Algorithm,
    kid: String,
    key: EncodingKey,
    jwk: Value,
}

impl Signer {
    fn generate(alg: Algorithm, kid: &str) -> Self {
        let key = match alg {
            Algorithm::ES256 => ec_key(&PKCS_ECDSA_P256_SHA256),
            Algorithm::ES384 => ec_key(&PKCS_ECDSA_P384_SHA384),
            Algorithm::EdDSA => {
                let pair = KeyPair::generate_for(&PKCS_ED25519).expect("Ed25519 key");
                let key = EncodingKey::from_ed_der(&pair.serialize_der());
                // `from_encoding_key` reads only PKCS#8 v1 Ed25519 keys; ring writes v2,
                // so x is the raw public key rcgen gives.
                let x = URL_SAFE_NO_PAD.encode(pair.public_key_raw());
                let jwk = json!({"kty": "OKP", "crv": "Ed25519", "x": x, "alg": "EdDSA"});
                return Self::with_jwk(alg, kid, key, jwk);
            }
            Algorithm::RS256 | Algorithm::PS256 => rsa_key(kid),
            other => panic!("{other:?} is not accepted"),
        };
        let jwk = Jwk::from_encoding_key(&key, alg).expect("public JWK");
        let jwk = serde_json::to_value(jwk).expect("JWK as JSON");
        Self::with_jwk(alg, kid, key, jwk)
    }

    fn with_jwk(alg: Algorithm, kid: &str, key: EncodingKey, mut jwk: Value) -> Self {
        jwk["kid"] = json!(kid);
        Self {
            alg,
            kid: kid.to_owned(),
            key,
            jwk,
        }
    }

    /// The same key with the JWK's `alg` removed (any algorithm its kind allows).
    fn without_jwk_alg(mut self) -> Self {
        self.jwk.as_object_mut().expect("object").remove("alg");
        self
    }

    /// A set of this key alone.
    fn set(&self) -> Jwks {
        set(&[self])
    }

    fn header(&self) -> Header {
        let mut header = Header::new(self.alg);
        header.kid = Some(self.kid.clone());
        header
    }

    fn sign(&self, claims: &Value) -> String {
        self.sign_with(&self.header(), claims)
    }

    fn sign_with(&self, header: &Header, claims: &Value) -> String {
        jsonwebtoken::encode(header, claims, &self.key).expect("signed")
    }
}

fn ec_key(alg: &'static rcgen::SignatureAlgorithm) -> EncodingKey {
    let pair = KeyPair::generate_for(alg).expect("EC key");
    EncodingKey::from_ec_der(&pair.serialize_der())
}

/// Two RSA 2048 keys, made once per run (slow without optimisation), in parallel.
static RSA_KEYS: LazyLock<[Vec<u8>; 2]> = LazyLock::new(|| {
    let make = || {
        rsa::RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 2048)
            .expect("RSA key")
            .to_pkcs1_der()
            .expect("PKCS#1")
            .as_bytes()
            .to_vec()
    };
    let other = std::thread::spawn(make);
    let first = make();
    [first, other.join().expect("RSA thread")]
});

fn rsa_key(kid: &str) -> EncodingKey {
    let index = usize::from(kid.ends_with("other"));
    EncodingKey::from_rsa_der(&RSA_KEYS[index])
}

fn set(signers: &[&Signer]) -> Jwks {
    let keys: Vec<Value> = signers.iter().map(|s| s.jwk.clone()).collect();
    Jwks::from_value(&json!({ "keys": keys })).expect("a valid JWK Set")
}

fn rules() -> AssertionRules {
    AssertionRules {
        client_id: CLIENT.into(),
        audiences: vec![AUDIENCE.into(), "https://as.example".into()],
        now: Timestamp::from_unix_micros(NOW * 1_000_000).expect("now"),
        max_lifetime_seconds: 600,
        leeway_seconds: 60,
    }
}

fn claims() -> Value {
    json!({
        "iss": CLIENT,
        "sub": CLIENT,
        "aud": AUDIENCE,
        "exp": NOW + 300,
        "iat": NOW,
        "jti": "assertion-1",
    })
}

/// `claims()` with members changed, `null` removing one.
fn claims_with(changes: &Value) -> Value {
    let mut claims = claims();
    for (name, value) in changes.as_object().expect("object") {
        if value.is_null() {
            claims.as_object_mut().expect("object").remove(name);
        } else {
            claims[name] = value.clone();
        }
    }
    claims
}

fn verify(assertion: &str, keys: &[Jwks]) -> Result<VerifiedAssertion, AssertionRefusal> {
    let verifier = JoseAssertionVerifier::new();
    verifier.verify(&verifier.read(assertion), keys, &rules())
}

fn segment(value: &Value) -> String {
    URL_SAFE_NO_PAD.encode(value.to_string())
}

/// Every algorithm's own checks: a valid assertion verifies; a changed payload, another
/// key's signature, `alg: none` and an HMAC made with the public key are refused.
fn exercise(alg: Algorithm) {
    let signer = Signer::generate(alg, "current");
    let other = Signer::generate(alg, "current-other");
    let keys = [signer.set()];

    let assertion = signer.sign(&claims());
    assert_eq!(
        verify(&assertion, &keys),
        Ok(VerifiedAssertion {
            jti: "assertion-1".into(),
            expires_at: Timestamp::from_unix_micros((NOW + 300) * 1_000_000).expect("exp"),
            key_set: 0,
        }),
        "{alg:?}"
    );
    assert_eq!(
        JoseAssertionVerifier::new().read(&assertion).subject(),
        Some(CLIENT)
    );

    // The payload changed after signing (another jti), the signature kept.
    let parts: Vec<&str> = assertion.split('.').collect();
    let tampered = format!(
        "{}.{}.{}",
        parts[0],
        segment(&claims_with(&json!({"jti": "assertion-2"}))),
        parts[2]
    );
    assert_eq!(
        verify(&tampered, &keys),
        Err(AssertionRefusal::Signature),
        "{alg:?} tampered"
    );

    // Signed by another key of the same kind, naming the registered key's kid.
    let forged = other.sign_with(&signer.header(), &claims());
    assert_eq!(
        verify(&forged, &keys),
        Err(AssertionRefusal::Signature),
        "{alg:?} other key"
    );

    // No signature at all.
    let unsigned = format!(
        "{}.{}.",
        segment(&json!({"alg": "none", "kid": "current"})),
        segment(&claims())
    );
    assert_eq!(
        verify(&unsigned, &keys),
        Err(AssertionRefusal::Algorithm),
        "{alg:?} none"
    );

    // Algorithm confusion: an HMAC keyed with the public key's own members.
    let public = match alg {
        Algorithm::RS256 | Algorithm::PS256 => "n",
        _ => "x",
    };
    let secret = signer.jwk[public].as_str().expect("public member");
    for hmac in [Algorithm::HS256, Algorithm::HS384, Algorithm::HS512] {
        let mut header = Header::new(hmac);
        header.kid = Some("current".into());
        let confused = jsonwebtoken::encode(
            &header,
            &claims(),
            &EncodingKey::from_secret(secret.as_bytes()),
        )
        .expect("HMAC");
        assert_eq!(
            verify(&confused, &keys),
            Err(AssertionRefusal::Algorithm),
            "{alg:?} as {hmac:?}"
        );
    }
}

#[test]
fn es256_assertions_verify_and_forgeries_are_refused() {
    exercise(Algorithm::ES256);
}

#[test]
fn es384_assertions_verify_and_forgeries_are_refused() {
    exercise(Algorithm::ES384);
}

#[test]
fn ps256_assertions_verify_and_forgeries_are_refused() {
    exercise(Algorithm::PS256);
}

#[test]
fn rs256_assertions_verify_and_forgeries_are_refused() {
    exercise(Algorithm::RS256);
}

#[test]
fn eddsa_assertions_verify_and_forgeries_are_refused() {
    exercise(Algorithm::EdDSA);
}

#[test]
fn a_key_signs_only_with_its_own_algorithm() {
    // Registered for RS256: a PS256 assertion by the same private key is refused.
    let rs256 = Signer::generate(Algorithm::RS256, "rsa");
    assert_eq!(rs256.jwk["alg"], "RS256");
    let mut ps256 = rs256.header();
    ps256.alg = Algorithm::PS256;
    assert_eq!(
        verify(&rs256.sign_with(&ps256, &claims()), &[rs256.set()]),
        Err(AssertionRefusal::Algorithm)
    );
    // Without an alg of its own, an RSA key may sign with either.
    let any = Signer::generate(Algorithm::RS256, "rsa").without_jwk_alg();
    let keys = [any.set()];
    assert!(verify(&any.sign(&claims()), &keys).is_ok());
    assert!(verify(&any.sign_with(&ps256, &claims()), &keys).is_ok());

    // An algorithm of another kind than the key's: refused before any signature check.
    let p256 = Signer::generate(Algorithm::ES256, "ec").without_jwk_alg();
    let mut es384 = p256.header();
    es384.alg = Algorithm::ES384;
    let p384 = Signer::generate(Algorithm::ES384, "ec");
    assert_eq!(
        verify(&p384.sign_with(&es384, &claims()), &[p256.set()]),
        Err(AssertionRefusal::Algorithm)
    );
    let ed = Signer::generate(Algorithm::EdDSA, "rsa");
    assert_eq!(
        verify(&ed.sign(&claims()), &[any.set()]),
        Err(AssertionRefusal::Algorithm)
    );
}

#[test]
fn keys_carried_in_the_header_are_never_used() {
    let registered = Signer::generate(Algorithm::ES256, "current");
    let attacker = Signer::generate(Algorithm::ES256, "attacker");
    let mut header = registered.header();
    header.jwk = Some(serde_json::from_value(attacker.jwk.clone()).expect("JWK"));
    header.jku = Some("https://attacker.example/jwks".into());
    assert_eq!(
        verify(&attacker.sign_with(&header, &claims()), &[registered.set()]),
        Err(AssertionRefusal::Signature)
    );
}

#[test]
fn a_critical_header_is_refused_even_when_signed() {
    let signer = Signer::generate(Algorithm::EdDSA, "current");
    let mut header = signer.header();
    header.crit = Some(vec!["exp".into()]);
    assert_eq!(
        verify(&signer.sign_with(&header, &claims()), &[signer.set()]),
        Err(AssertionRefusal::Malformed)
    );
}

#[test]
fn each_broken_claim_is_named() {
    let signer = Signer::generate(Algorithm::ES256, "current");
    let keys = [signer.set()];
    let refused = |changes: Value| match verify(&signer.sign(&claims_with(&changes)), &keys) {
        Err(AssertionRefusal::Claims(rule)) => rule,
        other => panic!("{changes} gave {other:?}"),
    };
    let aud = "aud must hold one of this server's audiences";
    let cases: [(Value, &str); 14] = [
        (json!({"iss": "client-2"}), "iss must be the client id"),
        (json!({"iss": null}), "iss must be the client id"),
        (json!({"sub": "client-2"}), "sub must be the client id"),
        (json!({"aud": null}), "aud is required"),
        (json!({"aud": "https://other.example/token"}), aud),
        (json!({"aud": ["https://other.example/token"]}), aud),
        (json!({"aud": []}), aud),
        (json!({"exp": null}), "exp is required"),
        (json!({"exp": NOW - 61}), "exp has passed"),
        (
            json!({"exp": NOW + 601}),
            "exp must be at most the longest assertion lifetime ahead",
        ),
        (json!({"nbf": NOW + 120}), "nbf must not be in the future"),
        (json!({"iat": NOW + 120}), "iat must not be in the future"),
        (json!({"jti": null}), "jti is required (a non-empty string)"),
        (
            json!({"jti": "j".repeat(257)}),
            "jti must be at most 256 characters",
        ),
    ];
    for (changes, rule) in cases {
        assert_eq!(refused(changes.clone()), rule, "{changes}");
    }
    // An array holding the audience among others, and times within the leeway, pass.
    for fine in [
        json!({"aud": ["https://other.example", AUDIENCE]}),
        json!({"exp": NOW + 600, "nbf": NOW + 60, "iat": NOW + 60}),
        json!({"exp": NOW - 59}),
    ] {
        assert!(
            verify(&signer.sign(&claims_with(&fine)), &keys).is_ok(),
            "{fine}"
        );
    }
}

#[test]
fn the_kid_picks_the_key_in_the_current_then_the_previous_set() {
    let current = Signer::generate(Algorithm::ES256, "current");
    let second = Signer::generate(Algorithm::EdDSA, "second");
    let previous = Signer::generate(Algorithm::ES384, "previous");
    let both = [set(&[&current, &second]), previous.set()];

    let set_of = |signer: &Signer| verify(&signer.sign(&claims()), &both).map(|v| v.key_set);
    assert_eq!(set_of(&current), Ok(0));
    assert_eq!(set_of(&second), Ok(0));
    // The previous set's key verifies while that set is offered, and not after; the
    // answer says which set held the key.
    assert_eq!(set_of(&previous), Ok(1));
    assert_eq!(
        verify(&previous.sign(&claims()), &both[..1]),
        Err(AssertionRefusal::UnknownKey)
    );

    let mut unknown = current.header();
    unknown.kid = Some("rotated-away".into());
    assert_eq!(
        verify(&current.sign_with(&unknown, &claims()), &both),
        Err(AssertionRefusal::UnknownKey)
    );
    assert_eq!(
        verify(&current.sign(&claims()), &[]),
        Err(AssertionRefusal::UnknownKey)
    );
}

#[test]
fn without_a_kid_only_the_key_of_a_set_of_one_is_used() {
    let only = Signer::generate(Algorithm::EdDSA, "only");
    let another = Signer::generate(Algorithm::ES256, "another");
    let mut no_kid = only.header();
    no_kid.kid = None;
    let assertion = only.sign_with(&no_kid, &claims());

    assert!(verify(&assertion, &[only.set()]).is_ok());
    assert_eq!(
        verify(&assertion, &[set(&[&only, &another])]),
        Err(AssertionRefusal::UnknownKey)
    );
}

#[test]
fn malformed_assertions_are_refused_as_such() {
    let signer = Signer::generate(Algorithm::ES256, "current");
    let keys = [signer.set()];
    let assertion = signer.sign(&claims());
    let parts: Vec<&str> = assertion.split('.').collect();
    for bad in [
        String::new(),
        "not a jwt".to_owned(),
        "x.y".to_owned(),
        format!("{}.{}", parts[0], parts[1]),
        format!("{assertion}.extra"),
        format!("{}.{}.!!!", parts[0], parts[1]),
        // Signed, but the payload is not a JSON object.
        signer.sign(&json!(["iss", CLIENT])),
    ] {
        assert_eq!(
            verify(&bad, &keys),
            Err(AssertionRefusal::Malformed),
            "{bad}"
        );
    }
}
