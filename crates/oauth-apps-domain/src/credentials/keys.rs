//! How a client proves itself, and the public keys of those that sign
//! (`private_key_jwt`, RFC 7523): the authentication method (RFC 7591 §2
//! `token_endpoint_auth_method`), and a JWK Set given inline (RFC 7517) or the https URL
//! it is published at.

use std::collections::HashSet;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value};
use url::Url;

use crate::shared::validation::Violation;

pub use super::auth_method::AuthMethod;

/// A signature algorithm a client key may sign assertions with. `none` and every HMAC
/// algorithm are never among them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SigningAlgorithm {
    /// ECDSA with P-256 and SHA-256 (RFC 7518 §3.4).
    Es256,
    /// ECDSA with P-384 and SHA-384.
    Es384,
    /// RSASSA-PSS with SHA-256 (RFC 7518 §3.5).
    Ps256,
    /// RSASSA-PKCS1-v1_5 with SHA-256 (RFC 7518 §3.3).
    Rs256,
    /// Ed25519 (RFC 8037).
    EdDsa,
}

impl SigningAlgorithm {
    /// Every accepted algorithm.
    pub const ALL: [Self; 5] = [
        Self::Es256,
        Self::Es384,
        Self::Ps256,
        Self::Rs256,
        Self::EdDsa,
    ];

    /// The JOSE name (`alg`).
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Es256 => "ES256",
            Self::Es384 => "ES384",
            Self::Ps256 => "PS256",
            Self::Rs256 => "RS256",
            Self::EdDsa => "EdDSA",
        }
    }

    /// The algorithm named `alg`, if it is accepted.
    #[must_use]
    pub fn parse(alg: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_str() == alg)
    }
}

/// What kind of public key a JWK holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyKind {
    /// An elliptic-curve key on P-256.
    EcP256,
    /// An elliptic-curve key on P-384.
    EcP384,
    /// An RSA key of at least 2048 bits.
    Rsa,
    /// An Ed25519 key.
    Ed25519,
}

impl KeyKind {
    /// The kind a JWK's `kty` and `crv` name (RFC 7518 §6.1, RFC 8037 §2): `EC` on
    /// `P-256` or `P-384`, `RSA` (whatever its `crv`), `OKP` on `Ed25519`; `None` for any
    /// other. Only the names are read: whether the key's members suit the kind is
    /// checked when a JWK Set is read ([`Jwks::from_value`]).
    #[must_use]
    pub fn of(kty: &str, crv: Option<&str>) -> Option<Self> {
        match (kty, crv) {
            ("EC", Some("P-256")) => Some(Self::EcP256),
            ("EC", Some("P-384")) => Some(Self::EcP384),
            ("RSA", _) => Some(Self::Rsa),
            ("OKP", Some("Ed25519")) => Some(Self::Ed25519),
            _ => None,
        }
    }

    /// The algorithms a key of this kind may sign with.
    #[must_use]
    pub const fn algorithms(self) -> &'static [SigningAlgorithm] {
        match self {
            Self::EcP256 => &[SigningAlgorithm::Es256],
            Self::EcP384 => &[SigningAlgorithm::Es384],
            Self::Rsa => &[SigningAlgorithm::Rs256, SigningAlgorithm::Ps256],
            Self::Ed25519 => &[SigningAlgorithm::EdDsa],
        }
    }
}

/// The members of a JWK that hold private key material (RFC 7518 §6).
const PRIVATE_MEMBERS: [&str; 8] = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"];

/// One public signing key of a client, as a JWK (RFC 7517 §4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicJwk {
    kid: String,
    kind: KeyKind,
    alg: Option<SigningAlgorithm>,
    json: Map<String, Value>,
}

impl PublicJwk {
    /// Its key id.
    #[must_use]
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// What kind of key it is.
    #[must_use]
    pub const fn kind(&self) -> KeyKind {
        self.kind
    }

    /// The algorithms it may sign with: its `alg` when it names one, otherwise every one
    /// its kind allows.
    #[must_use]
    pub fn algorithms(&self) -> Vec<SigningAlgorithm> {
        self.alg
            .map_or_else(|| self.kind.algorithms().to_vec(), |alg| vec![alg])
    }

    /// The JWK's members, as given (public members only).
    #[must_use]
    pub const fn json(&self) -> &Map<String, Value> {
        &self.json
    }
}

/// The length in bytes of a base64url member, when it is one.
fn decoded(jwk: &Map<String, Value>, member: &str) -> Option<Vec<u8>> {
    let text = jwk.get(member)?.as_str()?;
    URL_SAFE_NO_PAD.decode(text).ok()
}

fn jwk_error(key: &str, rule: &'static str) -> Violation {
    Violation::JwkInvalid {
        key: key.to_owned(),
        rule,
    }
}

/// The kind of a JWK's key, checked against the rules of its type: the curve and the
/// coordinates of an EC key, the modulus and the exponent of an RSA key, the curve and the
/// point of an OKP key.
fn key_kind(jwk: &Map<String, Value>, kid: &str) -> Result<KeyKind, Violation> {
    let kty = jwk.get("kty").and_then(Value::as_str).unwrap_or_default();
    let crv = jwk.get("crv").and_then(Value::as_str);
    let Some(kind) = KeyKind::of(kty, crv) else {
        return Err(jwk_error(
            kid,
            match kty {
                "EC" => "an EC key must be on P-256 or P-384",
                "OKP" => "an OKP key must be Ed25519",
                _ => "kty must be EC (P-256, P-384), RSA (2048 bits or more) or OKP (Ed25519)",
            },
        ));
    };
    match kind {
        KeyKind::EcP256 | KeyKind::EcP384 => {
            let size = if kind == KeyKind::EcP256 { 32 } else { 48 };
            let x = decoded(jwk, "x").map(|b| b.len());
            let y = decoded(jwk, "y").map(|b| b.len());
            if x != Some(size) || y != Some(size) {
                return Err(jwk_error(
                    kid,
                    "an EC key needs x and y, base64url, as long as its curve's coordinates",
                ));
            }
        }
        KeyKind::Rsa => {
            let bits = decoded(jwk, "n").map_or(0, |n| {
                let n: Vec<u8> = n.into_iter().skip_while(|b| *b == 0).collect();
                n.first().map_or(0, |first| {
                    n.len() * 8 - usize::try_from(first.leading_zeros()).unwrap_or(0)
                })
            });
            if bits < 2048 {
                return Err(jwk_error(
                    kid,
                    "an RSA key needs a modulus n of at least 2048 bits, base64url",
                ));
            }
            if decoded(jwk, "e").is_none_or(|e| e.is_empty()) {
                return Err(jwk_error(kid, "an RSA key needs its exponent e, base64url"));
            }
        }
        KeyKind::Ed25519 => {
            if decoded(jwk, "x").map(|b| b.len()) != Some(32) {
                return Err(jwk_error(
                    kid,
                    "an Ed25519 key needs x, 32 bytes, base64url",
                ));
            }
        }
    }
    Ok(kind)
}

fn parse_jwk(index: usize, value: &Value) -> Result<PublicJwk, Violation> {
    let Some(jwk) = value.as_object() else {
        return Err(jwk_error(&format!("#{index}"), "must be a JSON object"));
    };
    let kid = match jwk.get("kid") {
        Some(Value::String(kid)) if !kid.trim().is_empty() && kid.chars().count() <= 200 => {
            kid.clone()
        }
        _ => {
            return Err(jwk_error(
                &format!("#{index}"),
                "kid must be a non-empty string of at most 200 characters",
            ));
        }
    };
    if let Some(member) = PRIVATE_MEMBERS.iter().find(|m| jwk.contains_key(**m)) {
        return Err(Violation::JwkPrivateMember {
            key: kid,
            member: (*member).to_owned(),
        });
    }
    if jwk.get("use").is_some_and(|u| u.as_str() != Some("sig")) {
        return Err(jwk_error(&kid, "use must be \"sig\" (a signing key)"));
    }
    if let Some(ops) = jwk.get("key_ops") {
        let verifies = ops
            .as_array()
            .is_some_and(|ops| ops.iter().any(|op| op.as_str() == Some("verify")));
        if !verifies {
            return Err(jwk_error(&kid, "key_ops must include \"verify\""));
        }
    }
    let kind = key_kind(jwk, &kid)?;
    let alg = match jwk.get("alg") {
        None => None,
        Some(alg) => {
            let Some(alg) = alg.as_str().and_then(SigningAlgorithm::parse) else {
                return Err(jwk_error(
                    &kid,
                    "alg must be one of ES256, ES384, PS256, RS256, EdDSA",
                ));
            };
            if !kind.algorithms().contains(&alg) {
                return Err(jwk_error(&kid, "alg must suit the key's type and curve"));
            }
            Some(alg)
        }
    };
    Ok(PublicJwk {
        kid,
        kind,
        alg,
        json: jwk.clone(),
    })
}

/// A client's public signing keys, as a JWK Set (RFC 7517 §5): 1 to 10 keys, each with a
/// unique `kid`, public members only, `EC` (P-256, P-384), `RSA` (2048 bits or more) or
/// `OKP` (Ed25519), an `alg` (when given) that suits the key; at most 16 KiB.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Jwks {
    keys: Vec<PublicJwk>,
    text: String,
}

impl Jwks {
    /// The most keys a set may hold.
    pub const MAX_KEYS: usize = 10;
    /// The largest set accepted, in bytes of JSON.
    pub const MAX_BYTES: usize = 16 * 1024;

    /// Checks a JWK Set given as JSON.
    ///
    /// # Errors
    /// The first rule broken: [`Violation::Malformed`] when it is not an object with a
    /// `keys` array, [`Violation::TooMany`], [`Violation::JwksTooLarge`],
    /// [`Violation::JwkPrivateMember`] naming the key and the member,
    /// [`Violation::JwkInvalid`] naming the key and the rule.
    pub fn from_value(value: &Value) -> Result<Self, Violation> {
        let text = value.to_string();
        if text.len() > Self::MAX_BYTES {
            return Err(Violation::JwksTooLarge {
                max: Self::MAX_BYTES,
            });
        }
        let Some(keys) = value.get("keys").and_then(Value::as_array) else {
            return Err(Violation::Malformed {
                what: "JWK Set (an object with a \"keys\" array)",
            });
        };
        if keys.is_empty() {
            return Err(Violation::Required);
        }
        if keys.len() > Self::MAX_KEYS {
            return Err(Violation::TooMany {
                max: Self::MAX_KEYS,
            });
        }
        let mut parsed = Vec::with_capacity(keys.len());
        let mut kids = HashSet::new();
        for (i, key) in keys.iter().enumerate() {
            let jwk = parse_jwk(i, key)?;
            if !kids.insert(jwk.kid.clone()) {
                return Err(jwk_error(&jwk.kid, "kid must be unique in the set"));
            }
            parsed.push(jwk);
        }
        let keys_json: Vec<Value> = parsed
            .iter()
            .map(|k| Value::Object(k.json.clone()))
            .collect();
        Ok(Self {
            text: serde_json::json!({ "keys": keys_json }).to_string(),
            keys: parsed,
        })
    }

    /// Checks a JWK Set given as JSON text (as stored, or as fetched).
    ///
    /// # Errors
    /// As [`Jwks::from_value`], and [`Violation::Malformed`] when it is not JSON.
    pub fn parse(text: &str) -> Result<Self, Violation> {
        if text.len() > Self::MAX_BYTES {
            return Err(Violation::JwksTooLarge {
                max: Self::MAX_BYTES,
            });
        }
        let value: Value = serde_json::from_str(text).map_err(|_| Violation::Malformed {
            what: "JWK Set (JSON)",
        })?;
        Self::from_value(&value)
    }

    /// The keys.
    #[must_use]
    pub fn keys(&self) -> &[PublicJwk] {
        &self.keys
    }

    /// The key an assertion names by `kid`; without a `kid`, the only key of a set of one.
    #[must_use]
    pub fn find(&self, kid: Option<&str>) -> Option<&PublicJwk> {
        match kid {
            Some(kid) => self.keys.iter().find(|k| k.kid == kid),
            None if self.keys.len() == 1 => self.keys.first(),
            None => None,
        }
    }

    /// The key ids, in order.
    pub fn kids(&self) -> impl Iterator<Item = &str> {
        self.keys.iter().map(PublicJwk::kid)
    }

    /// The set as JSON text (`{"keys": [...]}`, public members only).
    #[must_use]
    pub fn as_json(&self) -> &str {
        &self.text
    }

    /// The set as a JSON value.
    #[must_use]
    pub fn to_value(&self) -> Value {
        serde_json::json!({
            "keys": self.keys.iter().map(|k| Value::Object(k.json.clone())).collect::<Vec<_>>()
        })
    }
}

/// The https URL a client publishes its JWK Set at: absolute, `https`, no user
/// information, no fragment, written in normalised form, at most 2000 characters. Where
/// it may lead (no private or special addresses) is the key source's to say.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct JwksUri(String);

impl JwksUri {
    /// The most characters a JWKS URL may have.
    pub const MAX_LEN: usize = 2000;

    /// Checks `s`.
    ///
    /// # Errors
    /// [`Violation::TooLong`], [`Violation::NotAbsoluteUrl`], [`Violation::NotHttps`],
    /// [`Violation::UrlUserinfo`], [`Violation::UrlFragment`],
    /// [`Violation::UrlNotNormalised`].
    pub fn parse(s: &str) -> Result<Self, Violation> {
        if s.is_empty() {
            return Err(Violation::Required);
        }
        if s.chars().count() > Self::MAX_LEN {
            return Err(Violation::TooLong { max: Self::MAX_LEN });
        }
        let url = Url::parse(s).map_err(|_| Violation::NotAbsoluteUrl)?;
        if url.scheme() != "https" {
            return Err(Violation::NotHttps);
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(Violation::UrlUserinfo);
        }
        if url.fragment().is_some() {
            return Err(Violation::UrlFragment);
        }
        if url.host_str().is_none_or(str::is_empty) {
            return Err(Violation::NotAbsoluteUrl);
        }
        if url.as_str() != s {
            return Err(Violation::UrlNotNormalised {
                normalised: url.as_str().to_owned(),
            });
        }
        Ok(Self(s.to_owned()))
    }

    /// The URL.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use serde_json::json;

    use super::*;

    fn b64(bytes: &[u8]) -> String {
        URL_SAFE_NO_PAD.encode(bytes)
    }

    pub(crate) fn ec(kid: &str) -> Value {
        json!({"kty": "EC", "crv": "P-256", "kid": kid, "x": b64(&[1; 32]), "y": b64(&[2; 32])})
    }

    fn rsa(kid: &str, bits: usize) -> Value {
        let mut n = vec![0xff; bits / 8];
        n[0] = 0x80;
        json!({"kty": "RSA", "kid": kid, "n": b64(&n), "e": "AQAB"})
    }

    pub(crate) fn ed(kid: &str) -> Value {
        json!({"kty": "OKP", "crv": "Ed25519", "kid": kid, "x": b64(&[3; 32])})
    }

    pub(crate) fn set(keys: Vec<Value>) -> Result<Jwks, Violation> {
        Jwks::from_value(&json!({ "keys": keys }))
    }

    fn rule(v: Result<Jwks, Violation>) -> String {
        v.unwrap_err().to_string()
    }

    #[test]
    fn a_key_kind_is_named_by_kty_and_crv() {
        assert_eq!(KeyKind::of("EC", Some("P-256")), Some(KeyKind::EcP256));
        assert_eq!(KeyKind::of("EC", Some("P-384")), Some(KeyKind::EcP384));
        assert_eq!(KeyKind::of("RSA", None), Some(KeyKind::Rsa));
        assert_eq!(KeyKind::of("RSA", Some("P-256")), Some(KeyKind::Rsa));
        assert_eq!(KeyKind::of("OKP", Some("Ed25519")), Some(KeyKind::Ed25519));
        for (kty, crv) in [
            ("EC", None),
            ("EC", Some("P-521")),
            ("OKP", Some("X25519")),
            ("OKP", None),
            ("oct", None),
            ("", None),
            ("ec", Some("P-256")),
        ] {
            assert_eq!(KeyKind::of(kty, crv), None, "{kty} {crv:?}");
        }
    }

    #[test]
    fn public_keys_of_the_accepted_kinds_make_a_set() {
        let mut es384 = json!({"kty": "EC", "crv": "P-384", "kid": "p384", "x": b64(&[1; 48]), "y": b64(&[2; 48]), "alg": "ES384", "use": "sig"});
        es384["key_ops"] = json!(["verify"]);
        let jwks = set(vec![ec("a"), rsa("b", 2048), ed("c"), es384]).unwrap();
        assert_eq!(jwks.kids().collect::<Vec<_>>(), ["a", "b", "c", "p384"]);
        assert_eq!(jwks.find(Some("b")).unwrap().kind(), KeyKind::Rsa);
        assert_eq!(
            jwks.find(Some("b")).unwrap().algorithms(),
            [SigningAlgorithm::Rs256, SigningAlgorithm::Ps256]
        );
        assert_eq!(
            jwks.find(Some("p384")).unwrap().algorithms(),
            [SigningAlgorithm::Es384]
        );
        assert!(jwks.find(None).is_none(), "several keys: a kid is needed");
        let one = set(vec![ed("only")]).unwrap();
        assert_eq!(one.find(None).unwrap().kid(), "only");
        // The stored text reads back to the same set.
        assert_eq!(Jwks::parse(jwks.as_json()).unwrap(), jwks);
    }

    #[test]
    fn private_members_are_refused_naming_the_key_and_the_member() {
        for member in ["d", "p", "q", "dp", "dq", "qi", "k"] {
            let mut key = ec("leaky");
            key[member] = json!("AAAA");
            assert_eq!(
                set(vec![key]),
                Err(Violation::JwkPrivateMember {
                    key: "leaky".into(),
                    member: member.into()
                })
            );
        }
        let symmetric = json!({"kty": "oct", "kid": "hmac", "k": "c2VjcmV0"});
        assert!(matches!(
            set(vec![symmetric]),
            Err(Violation::JwkPrivateMember { .. })
        ));
    }

    #[test]
    fn every_key_rule_is_named() {
        assert!(rule(set(vec![rsa("small", 1024)])).contains("2048"));
        assert!(
            rule(set(vec![
                json!({"kty": "EC", "crv": "P-521", "kid": "k", "x": "AA", "y": "AA"})
            ]))
            .contains("P-256")
        );
        assert!(
            rule(set(vec![
                json!({"kty": "OKP", "crv": "X25519", "kid": "k", "x": b64(&[1; 32])})
            ]))
            .contains("Ed25519")
        );
        assert!(rule(set(vec![json!({"kty": "EC", "crv": "P-256", "kid": "k", "x": b64(&[1; 31]), "y": b64(&[2; 32])})])).contains("x and y"));
        assert!(
            rule(set(vec![
                json!({"kty": "EC", "crv": "P-256", "x": b64(&[1; 32]), "y": b64(&[2; 32])})
            ]))
            .contains("kid")
        );
        assert!(rule(set(vec![ec("same"), ed("same")])).contains("unique"));
        let mut wrong_alg = ec("k");
        wrong_alg["alg"] = json!("RS256");
        assert!(rule(set(vec![wrong_alg])).contains("suit"));
        let mut hmac_alg = ec("k");
        hmac_alg["alg"] = json!("HS256");
        assert!(rule(set(vec![hmac_alg])).contains("one of"));
        let mut enc = rsa("k", 2048);
        enc["use"] = json!("enc");
        assert!(rule(set(vec![enc])).contains("sig"));
        let mut ops = ed("k");
        ops["key_ops"] = json!(["sign"]);
        assert!(rule(set(vec![ops])).contains("verify"));
        assert_eq!(set(vec![]), Err(Violation::Required));
        assert_eq!(
            set((0..11).map(|i| ed(&format!("k{i}"))).collect()),
            Err(Violation::TooMany { max: 10 })
        );
        assert!(matches!(
            Jwks::from_value(&json!({"key": []})),
            Err(Violation::Malformed { .. })
        ));
        let big = json!({"keys": [ed("k")], "padding": "x".repeat(17_000)});
        assert_eq!(
            Jwks::from_value(&big),
            Err(Violation::JwksTooLarge { max: 16 * 1024 })
        );
    }

    #[test]
    fn an_unsupported_curve_is_named_by_its_key_type() {
        let mut p521 = ec("e");
        p521["crv"] = json!("P-521");
        assert!(rule(set(vec![p521])).contains("an EC key must be on P-256 or P-384"));
        let mut x25519 = ed("o");
        x25519["crv"] = json!("X25519");
        assert!(rule(set(vec![x25519])).contains("an OKP key must be Ed25519"));
        let mut oct = ec("s");
        oct["kty"] = json!("oct");
        assert!(rule(set(vec![oct])).contains("kty must be EC (P-256, P-384), RSA"));
    }

    #[test]
    fn an_rsa_modulus_is_counted_from_its_first_set_bit() {
        // 256 bytes whose first is 0x01: 2041 bits, short of 2048.
        let mut n = vec![0xff; 256];
        n[0] = 0x01;
        let short = json!({"kty": "RSA", "kid": "r", "n": b64(&n), "e": "AQAB"});
        assert!(rule(set(vec![short])).contains("at least 2048 bits"));
        assert!(set(vec![rsa("r", 2048)]).is_ok());
    }

    #[test]
    fn a_kid_is_a_non_empty_string_of_at_most_200_characters() {
        let with_kid = |kid: Value| {
            let mut key = ec("x");
            key["kid"] = kid;
            set(vec![key])
        };
        for refused in [json!(" "), json!(""), json!("k".repeat(201)), json!(7)] {
            assert!(
                rule(with_kid(refused.clone())).contains("kid must be a non-empty string"),
                "{refused}"
            );
        }
        let longest = "é".repeat(200);
        assert_eq!(
            with_kid(json!(longest)).unwrap().kids().collect::<Vec<_>>(),
            [longest.as_str()]
        );
    }

    #[test]
    fn a_set_holds_its_keys_up_to_the_limits_and_no_further() {
        let parsed = set(vec![ed("a"), ec("b"), rsa("c", 2048)]).unwrap();
        let kids: Vec<&str> = parsed.keys().iter().map(PublicJwk::kid).collect();
        assert_eq!(kids, ["a", "b", "c"]);
        let ten: Vec<Value> = (0..Jwks::MAX_KEYS).map(|i| ec(&format!("k{i}"))).collect();
        assert_eq!(set(ten.clone()).unwrap().keys().len(), Jwks::MAX_KEYS);
        let mut eleven = ten;
        eleven.push(ec("k10"));
        assert!(set(eleven).is_err());
        // Exactly MAX_BYTES of JSON, as a value and as text; one byte more is refused.
        let sized = |len: usize| {
            let mut key = ec("k");
            key["pad"] = json!("");
            let base = json!({ "keys": [key.clone()] }).to_string().len();
            key["pad"] = json!("p".repeat(len - base));
            json!({ "keys": [key] })
        };
        let at_limit = sized(Jwks::MAX_BYTES);
        assert_eq!(at_limit.to_string().len(), Jwks::MAX_BYTES);
        assert!(Jwks::from_value(&at_limit).is_ok());
        assert_eq!(
            Jwks::from_value(&sized(Jwks::MAX_BYTES + 1)),
            Err(Violation::JwksTooLarge {
                max: Jwks::MAX_BYTES
            })
        );
        let small = json!({"keys": [ec("k")]}).to_string();
        let padded = |len: usize| format!("{small}{}", " ".repeat(len - small.len()));
        assert!(Jwks::parse(&padded(Jwks::MAX_BYTES)).is_ok());
        assert_eq!(
            Jwks::parse(&padded(Jwks::MAX_BYTES + 1)),
            Err(Violation::JwksTooLarge {
                max: Jwks::MAX_BYTES
            })
        );
    }

    #[test]
    fn a_jwks_url_is_at_most_2000_characters() {
        let url = |len: usize| {
            let base = "https://client.example/";
            format!("{base}{}", "a".repeat(len - base.len()))
        };
        assert!(JwksUri::parse(&url(JwksUri::MAX_LEN)).is_ok());
        assert_eq!(
            JwksUri::parse(&url(JwksUri::MAX_LEN + 1)),
            Err(Violation::TooLong {
                max: JwksUri::MAX_LEN
            })
        );
    }

    #[test]
    fn jwks_urls_are_https_in_normalised_form() {
        assert!(JwksUri::parse("https://client.example/jwks.json").is_ok());
        assert_eq!(
            JwksUri::parse("http://client.example/jwks"),
            Err(Violation::NotHttps)
        );
        assert_eq!(
            JwksUri::parse("https://user@client.example/jwks"),
            Err(Violation::UrlUserinfo)
        );
        assert_eq!(
            JwksUri::parse("https://client.example/jwks#k"),
            Err(Violation::UrlFragment)
        );
        assert_eq!(JwksUri::parse("/jwks"), Err(Violation::NotAbsoluteUrl));
        assert!(matches!(
            JwksUri::parse("https://Client.example/jwks"),
            Err(Violation::UrlNotNormalised { .. })
        ));
        assert_eq!(JwksUri::parse(""), Err(Violation::Required));
    }
}
