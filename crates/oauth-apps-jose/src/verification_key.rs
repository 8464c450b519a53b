//! A JWK's public members made into a `jsonwebtoken` key that verifies signatures, and a
//! signing algorithm into `jsonwebtoken`'s: the one converter of the registry, used for
//! client assertions, software statements and the admin tokens' JWKS file.

use jsonwebtoken::{Algorithm, AlgorithmFamily, DecodingKey};
use oauth_apps_domain::{KeyKind, SigningAlgorithm};
use serde_json::{Map, Value};

/// Why a JWK's public members make no verification key. The messages name the member,
/// never its value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeyMaterialError {
    /// A member the key's kind needs is absent or not a string (`"x"`, `"y"`, `"n"`,
    /// `"e"`).
    #[error("no {0:?} parameter")]
    Missing(&'static str),
    /// The members are there but are not a key of that kind (not base64url, say): the
    /// members named.
    #[error("invalid {0}")]
    Invalid(&'static str),
}

/// The key that verifies signatures made with the private half of the JWK `jwk`, of kind
/// `kind` (the domain's classification by `kty` and `crv`, [`KeyKind::of`]): from `x` and
/// `y` for an EC key, `n` and `e` for RSA, `x` for Ed25519. Nothing else of the JWK
/// (`use`, `key_ops`, `alg`, its size) is looked at: those are the caller's rules.
///
/// # Errors
/// [`KeyMaterialError::Missing`] for an absent member (the first one, in the order above),
/// [`KeyMaterialError::Invalid`] when `jsonwebtoken` cannot read them.
pub fn verification_key(
    kind: KeyKind,
    jwk: &Map<String, Value>,
) -> Result<DecodingKey, KeyMaterialError> {
    let member = |name: &'static str| {
        jwk.get(name)
            .and_then(Value::as_str)
            .ok_or(KeyMaterialError::Missing(name))
    };
    match kind {
        KeyKind::EcP256 | KeyKind::EcP384 => {
            let (x, y) = (member("x")?, member("y")?);
            DecodingKey::from_ec_components(x, y)
                .map_err(|_| KeyMaterialError::Invalid("\"x\" or \"y\""))
        }
        KeyKind::Rsa => {
            let (n, e) = (member("n")?, member("e")?);
            DecodingKey::from_rsa_components(n, e)
                .map_err(|_| KeyMaterialError::Invalid("\"n\" or \"e\""))
        }
        KeyKind::Ed25519 => DecodingKey::from_ed_components(member("x")?)
            .map_err(|_| KeyMaterialError::Invalid("\"x\"")),
    }
}

/// `jsonwebtoken`'s name of a signing algorithm.
#[must_use]
pub const fn jose_algorithm(alg: SigningAlgorithm) -> Algorithm {
    match alg {
        SigningAlgorithm::Es256 => Algorithm::ES256,
        SigningAlgorithm::Es384 => Algorithm::ES384,
        SigningAlgorithm::Ps256 => Algorithm::PS256,
        SigningAlgorithm::Rs256 => Algorithm::RS256,
        SigningAlgorithm::EdDsa => Algorithm::EdDSA,
    }
}

/// The JWS algorithms (`alg`, RFC 7518 names) a client assertion is verified with, in
/// [`SigningAlgorithm::ALL`]'s order: what an authorization server publishes as
/// `token_endpoint_auth_signing_alg_values_supported` (RFC 8414 §2). Every one is an
/// asymmetric `jsonwebtoken` algorithm: never `none`, never an HMAC.
#[must_use]
pub fn assertion_algorithms() -> Vec<&'static str> {
    SigningAlgorithm::ALL
        .into_iter()
        .filter(|alg| jose_algorithm(*alg).family() != AlgorithmFamily::Hmac)
        .map(SigningAlgorithm::as_str)
        .collect()
}

#[cfg(test)]
mod tests {
    use oauth_apps_domain::Jwks;
    use serde_json::json;

    use super::*;

    fn object(value: &Value) -> &Map<String, Value> {
        value.as_object().expect("object")
    }

    #[test]
    fn every_kind_of_key_the_domain_accepts_converts() {
        let test = oauth_apps_test_support::keys::Signer::es256("a");
        let jwks = Jwks::from_value(&test.jwks()).expect("jwks");
        for key in jwks.keys() {
            assert!(verification_key(key.kind(), key.json()).is_ok(), "{key:?}");
        }
        let ed = json!({"kty": "OKP", "crv": "Ed25519",
            "x": "ShnqA4hrWkUXSYuAb64XKawrL9YjrcozYvXfN4tr6W8"});
        assert!(verification_key(KeyKind::Ed25519, object(&ed)).is_ok());
    }

    #[test]
    fn a_missing_or_unreadable_member_is_named() {
        let cases = [
            (KeyKind::EcP256, json!({"y": "AQAB"}), "no \"x\" parameter"),
            (KeyKind::EcP384, json!({"x": "AQAB"}), "no \"y\" parameter"),
            (
                KeyKind::EcP256,
                json!({"x": "!", "y": "AQAB"}),
                "invalid \"x\" or \"y\"",
            ),
            (KeyKind::Rsa, json!({"e": "AQAB"}), "no \"n\" parameter"),
            (
                KeyKind::Rsa,
                json!({"n": "AQAB", "e": 3}),
                "no \"e\" parameter",
            ),
            (
                KeyKind::Rsa,
                json!({"n": "!", "e": "AQAB"}),
                "invalid \"n\" or \"e\"",
            ),
            (KeyKind::Ed25519, json!({}), "no \"x\" parameter"),
            (KeyKind::Ed25519, json!({"x": "!"}), "invalid \"x\""),
        ];
        for (kind, jwk, message) in cases {
            let error = verification_key(kind, object(&jwk)).expect_err("refused");
            assert_eq!(error.to_string(), message, "{jwk}");
        }
    }

    #[test]
    fn each_algorithm_has_its_jsonwebtoken_name() {
        for alg in SigningAlgorithm::ALL {
            assert_eq!(format!("{:?}", jose_algorithm(alg)), alg.as_str());
        }
    }

    /// What the metadata publishes is what an assertion's header may name: every accepted
    /// algorithm, and neither `none` nor an HMAC.
    #[test]
    fn the_published_algorithms_are_those_assertions_may_use() {
        let published = assertion_algorithms();
        assert_eq!(published, ["ES256", "ES384", "PS256", "RS256", "EdDSA"]);
        for alg in &published {
            assert!(SigningAlgorithm::parse(alg).is_some(), "{alg}");
        }
        assert!(
            published
                .iter()
                .all(|alg| *alg != "none" && !alg.starts_with("HS")),
            "{published:?}"
        );
    }
}
