//! The keys tokens are verified with, read once at start: an HS256 secret and the public
//! keys of a JWKS document. A JWKS key not meant for signatures (`use` other than `sig`,
//! `key_ops` without `verify`), of another type, curve or algorithm than RS256, ES256
//! (P-256) and EdDSA (Ed25519), or with unreadable parameters, is skipped and logged at
//! WARN with its `kid` and the reason, never its key material. The key's kind is the
//! domain's ([`KeyKind::of`]) and its key and algorithm `oauth-apps-jose`'s
//! ([`verification_key`], [`jose_algorithm`]), as for client assertions.

use jsonwebtoken::{Algorithm, DecodingKey};
use oauth_apps_domain::{KeyKind, SigningAlgorithm};
use oauth_apps_jose::{jose_algorithm, verification_key};
use serde_json::Value;

/// The shortest HS256 secret accepted, in bytes.
pub const MIN_HS256_SECRET_LEN: usize = 32;

/// Why the verifier could not be built.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// The HS256 secret is too short.
    #[error("the HS256 secret must be at least {MIN_HS256_SECRET_LEN} bytes")]
    ShortSecret,
    /// The JWKS document is not valid.
    #[error("invalid JWKS: {0}")]
    Jwks(String),
    /// Neither an HS256 secret nor a JWKS key was given.
    #[error("no signing key is configured")]
    NoKey,
    /// The JWKS has keys, but none this service can verify signatures with, and no HS256
    /// secret is set.
    #[error(
        "the JWKS has no key for verifying RS256, ES256 (P-256) or EdDSA (Ed25519) signatures: \
         {skipped} skipped (each logged with its reason), and no HS256 secret is set"
    )]
    NoUsableJwk {
        /// How many keys were skipped.
        skipped: usize,
    },
}

/// A JWKS key left out, and why. The reason names the key's `use`, `key_ops`, `kty`,
/// `crv` or `alg`, never its key material.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkippedKey {
    /// The key's `kid`, when it has one.
    pub kid: Option<String>,
    /// Why it cannot be used.
    pub reason: String,
}

/// A JWKS key: its `kid`, the one algorithm it verifies, and the key.
type VerifyingKey = (Option<String>, Algorithm, DecodingKey);

/// The keys tokens are verified with, and the JWKS keys left out.
pub(super) struct Keys {
    hs256: Option<DecodingKey>,
    asymmetric: Vec<VerifyingKey>,
    skipped: Vec<SkippedKey>,
}

impl Keys {
    /// An HS256 secret and/or the keys of a JWKS document, each JWKS key read on its own
    /// (see the module documentation).
    ///
    /// # Errors
    /// [`KeyError`] for a short secret, a JWKS that is not a JSON object with a `keys`
    /// array, a JWKS without a usable key when no secret is set, or no key at all.
    pub(super) fn read(
        hs256_secret: Option<&[u8]>,
        jwks_json: Option<&str>,
    ) -> Result<Self, KeyError> {
        let hs256 = match hs256_secret {
            Some(s) if s.len() < MIN_HS256_SECRET_LEN => return Err(KeyError::ShortSecret),
            Some(s) => Some(DecodingKey::from_secret(s)),
            None => None,
        };
        let mut asymmetric = Vec::new();
        let mut skipped = Vec::new();
        if let Some(json) = jwks_json {
            let set: Value =
                serde_json::from_str(json).map_err(|e| KeyError::Jwks(e.to_string()))?;
            let keys = set.get("keys").and_then(Value::as_array).ok_or_else(|| {
                KeyError::Jwks("the document must be a JSON object with a \"keys\" array".into())
            })?;
            for key in keys {
                match jwk_key(key) {
                    Ok(usable) => asymmetric.push(usable),
                    Err(skip) => {
                        tracing::warn!(
                            kid = skip.kid.as_deref().unwrap_or("(none)"),
                            reason = %skip.reason,
                            "JWKS key skipped"
                        );
                        skipped.push(skip);
                    }
                }
            }
        }
        if hs256.is_none() && asymmetric.is_empty() {
            return Err(if skipped.is_empty() {
                KeyError::NoKey
            } else {
                KeyError::NoUsableJwk {
                    skipped: skipped.len(),
                }
            });
        }
        Ok(Self {
            hs256,
            asymmetric,
            skipped,
        })
    }

    /// The JWKS keys left out, and why.
    pub(super) fn skipped(&self) -> &[SkippedKey] {
        &self.skipped
    }

    /// The keys a token signed with `alg` may be verified with: the HS256 secret, or the
    /// JWKS keys of that algorithm whose `kid` is `kid` (any, when either has none).
    /// `None` for an algorithm this service does not accept.
    pub(super) fn candidates(
        &self,
        alg: Algorithm,
        kid: Option<&str>,
    ) -> Option<Vec<&DecodingKey>> {
        match alg {
            Algorithm::HS256 => Some(self.hs256.iter().collect()),
            Algorithm::RS256 | Algorithm::ES256 | Algorithm::EdDSA => Some(
                self.asymmetric
                    .iter()
                    .filter(|(key_kid, key_alg, _)| {
                        *key_alg == alg
                            && (kid.is_none() || key_kid.is_none() || key_kid.as_deref() == kid)
                    })
                    .map(|(_, _, key)| key)
                    .collect(),
            ),
            _ => None,
        }
    }
}

/// The key a JWKS entry gives, with its `kid` and algorithm; or why it gives none.
fn jwk_key(key: &Value) -> Result<VerifyingKey, SkippedKey> {
    let Some(key) = key.as_object() else {
        return Err(SkippedKey {
            kid: None,
            reason: "not a JSON object".to_owned(),
        });
    };
    let kid = key.get("kid").and_then(Value::as_str).map(str::to_owned);
    let text = |name: &str| key.get(name).and_then(Value::as_str);
    let skip = |reason: String| {
        Err(SkippedKey {
            kid: kid.clone(),
            reason,
        })
    };
    // Only keys meant for signatures (RFC 7517 §4.2, §4.3).
    match key.get("use") {
        None => {}
        Some(Value::String(u)) if u == "sig" => {}
        Some(other) => return skip(format!("\"use\" is {other}, not \"sig\"")),
    }
    match key.get("key_ops") {
        None => {}
        Some(Value::Array(ops)) if ops.iter().any(|op| op == "verify") => {}
        Some(_) => return skip("\"key_ops\" does not include \"verify\"".to_owned()),
    }
    let kty = text("kty").unwrap_or_default();
    let crv = text("crv");
    // The kinds the domain knows, less those admin tokens are not signed with (P-384).
    let (kind, algorithm) = match KeyKind::of(kty, crv) {
        Some(KeyKind::Rsa) => (KeyKind::Rsa, SigningAlgorithm::Rs256),
        Some(KeyKind::EcP256) => (KeyKind::EcP256, SigningAlgorithm::Es256),
        Some(KeyKind::Ed25519) => (KeyKind::Ed25519, SigningAlgorithm::EdDsa),
        _ if matches!(kty, "EC" | "OKP") => {
            return skip(format!(
                "unsupported curve {crv:?} for kty {kty:?} (only P-256 and Ed25519)"
            ));
        }
        _ if kty == "oct" => {
            return skip(
                "a symmetric (oct) key; set OAUTH_APPS_JWT_HS256_SECRET for HS256 instead"
                    .to_owned(),
            );
        }
        _ => return skip(format!("unsupported key type {kty:?} (only RSA, EC, OKP)")),
    };
    match key.get("alg") {
        None => {}
        Some(Value::String(alg)) if alg == algorithm.as_str() => {}
        Some(alg) => {
            return skip(format!(
                "unsupported algorithm {alg} for kty {kty:?} (only RS256, ES256 and EdDSA)"
            ));
        }
    }
    match verification_key(kind, key) {
        Ok(decoding) => Ok((kid, jose_algorithm(algorithm), decoding)),
        Err(reason) => skip(reason.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::test_keys::*;
    use crate::auth::{Expectations, JwtVerifier, TokenError, mint_hs256};

    #[test]
    fn keys_are_checked_at_start() {
        let e = Expectations {
            audience: "a".into(),
            issuer: None,
        };
        assert!(matches!(
            JwtVerifier::new(Some(b"short"), None, e.clone()),
            Err(KeyError::ShortSecret)
        ));
        assert!(matches!(
            JwtVerifier::new(None, None, e.clone()),
            Err(KeyError::NoKey)
        ));
        assert!(matches!(
            JwtVerifier::new(None, Some("{"), e.clone()),
            Err(KeyError::Jwks(_))
        ));
        assert!(matches!(
            mint_hs256(b"short", &claims()),
            Err(KeyError::ShortSecret)
        ));
        assert!(matches!(
            JwtVerifier::new(None, Some(r#"{"kids":[]}"#), e.clone()),
            Err(KeyError::Jwks(_))
        ));
        // A JWKS whose only key is of an unsupported kind, and no secret.
        let hs_jwk = r#"{"keys":[{"kty":"oct","k":"c2VjcmV0","alg":"HS256"}]}"#;
        assert!(matches!(
            JwtVerifier::new(None, Some(hs_jwk), e.clone()),
            Err(KeyError::NoUsableJwk { skipped: 1 })
        ));
        // With a secret, the server starts on it.
        let v = JwtVerifier::new(Some(SECRET), Some(hs_jwk), e.clone()).unwrap();
        assert_eq!(v.skipped_keys().len(), 1);
        // An empty key set with a secret is fine.
        assert!(JwtVerifier::new(Some(SECRET), Some(r#"{"keys":[]}"#), e).is_ok());
    }

    #[test]
    fn a_keycloak_jwks_starts_on_its_signing_key_and_skips_the_encryption_key() {
        let v = JwtVerifier::new(None, Some(&keycloak_jwks()), expectations()).unwrap();
        assert_eq!(v.verify(&rs_token("sig-1")).unwrap().subject(), "alice");
        assert_eq!(v.skipped_keys().len(), 1);
        assert_eq!(v.skipped_keys()[0].kid.as_deref(), Some("enc-1"));
        assert!(v.skipped_keys()[0].reason.contains("\"use\" is \"enc\""));
        // The encryption key is not a verification key.
        assert_eq!(v.verify(&rs_token("enc-1")), Err(TokenError::BadSignature));
    }

    #[test]
    fn keys_that_cannot_verify_signatures_are_skipped_with_their_reason() {
        let ed = format!(r#"{{"kty":"OKP","crv":"Ed25519","x":"{ED_PUBLIC_X}","kid":"k1"}}"#);
        let unusable = [
            (
                r#"{"kid":"ops","kty":"RSA","key_ops":["encrypt","wrapKey"],"n":"AQAB","e":"AQAB"}"#,
                "key_ops",
            ),
            (
                r#"{"kid":"ops-str","kty":"RSA","key_ops":"verify","n":"AQAB","e":"AQAB"}"#,
                "key_ops",
            ),
            (
                r#"{"kid":"use-num","kty":"RSA","use":1,"n":"AQAB","e":"AQAB"}"#,
                "\"use\" is 1",
            ),
            (
                r#"{"kid":"oct","kty":"oct","k":"c2VjcmV0c2VjcmV0"}"#,
                "symmetric",
            ),
            (
                r#"{"kid":"p384","kty":"EC","crv":"P-384","x":"AQAB","y":"AQAB"}"#,
                "curve",
            ),
            (
                r#"{"kid":"x448","kty":"OKP","crv":"X25519","x":"AQAB"}"#,
                "curve",
            ),
            (
                r#"{"kid":"ps","kty":"RSA","alg":"PS256","n":"AQAB","e":"AQAB"}"#,
                "PS256",
            ),
            (
                r#"{"kid":"mixed","kty":"RSA","alg":"ES256","n":"AQAB","e":"AQAB"}"#,
                "ES256",
            ),
            (
                r#"{"kid":"kty","kty":"AKP","alg":"ML-DSA-44","pub":"AQAB"}"#,
                "key type",
            ),
            (r#"{"kid":"no-n","kty":"RSA","e":"AQAB"}"#, "\"n\""),
            (
                r#"{"kid":"bad-x","kty":"OKP","crv":"Ed25519","x":"not base64!"}"#,
                "invalid",
            ),
            (r#""a string""#, "object"),
        ];
        let keys: Vec<&str> = unusable.iter().map(|(k, _)| *k).collect();
        let jwks = format!(r#"{{"keys":[{ed},{}]}}"#, keys.join(","));
        let v = JwtVerifier::new(None, Some(&jwks), expectations()).unwrap();
        assert_eq!(v.verify(&ed_token(Some("k1"))).unwrap().subject(), "alice");
        let skipped = v.skipped_keys();
        assert_eq!(skipped.len(), unusable.len());
        for (skip, (key, reason)) in skipped.iter().zip(unusable) {
            assert!(skip.reason.contains(reason), "{key}: {}", skip.reason);
            let kid = serde_json::from_str::<serde_json::Value>(key).unwrap()["kid"].clone();
            assert_eq!(skip.kid.as_deref(), kid.as_str());
        }
        // Without the Ed25519 key and without a secret: nothing to start on.
        let none = format!(r#"{{"keys":[{}]}}"#, keys.join(","));
        assert!(matches!(
            JwtVerifier::new(None, Some(&none), expectations()),
            Err(KeyError::NoUsableJwk { skipped }) if skipped == unusable.len()
        ));
    }

    #[test]
    fn each_skip_reason_reads_as_it_always_has() {
        let ed = format!(r#"{{"kty":"OKP","crv":"Ed25519","x":"{ED_PUBLIC_X}","kid":"k1"}}"#);
        let unusable = [
            (
                r#"{"kid":"a","kty":"RSA","use":"enc","n":"AQAB","e":"AQAB"}"#,
                "\"use\" is \"enc\", not \"sig\"",
            ),
            (
                r#"{"kid":"b","kty":"RSA","key_ops":["sign"],"n":"AQAB","e":"AQAB"}"#,
                "\"key_ops\" does not include \"verify\"",
            ),
            (
                r#"{"kid":"c","kty":"EC","crv":"P-384","x":"AQAB","y":"AQAB"}"#,
                "unsupported curve Some(\"P-384\") for kty \"EC\" (only P-256 and Ed25519)",
            ),
            (
                r#"{"kid":"d","kty":"OKP","x":"AQAB"}"#,
                "unsupported curve None for kty \"OKP\" (only P-256 and Ed25519)",
            ),
            (
                r#"{"kid":"e","kty":"oct","k":"AQAB"}"#,
                "a symmetric (oct) key; set OAUTH_APPS_JWT_HS256_SECRET for HS256 instead",
            ),
            (
                r#"{"kid":"f","n":"AQAB","e":"AQAB"}"#,
                "unsupported key type \"\" (only RSA, EC, OKP)",
            ),
            (
                r#"{"kid":"g","kty":"RSA","alg":"RS384","n":"AQAB","e":"AQAB"}"#,
                "unsupported algorithm \"RS384\" for kty \"RSA\" (only RS256, ES256 and EdDSA)",
            ),
            (
                r#"{"kid":"h","kty":"EC","crv":"P-256","y":"AQAB"}"#,
                "no \"x\" parameter",
            ),
            (
                r#"{"kid":"i","kty":"EC","crv":"P-256","x":"AQAB"}"#,
                "no \"y\" parameter",
            ),
            (
                r#"{"kid":"j","kty":"EC","crv":"P-256","x":"!","y":"AQAB"}"#,
                "invalid \"x\" or \"y\"",
            ),
            (
                r#"{"kid":"k","kty":"OKP","crv":"Ed25519"}"#,
                "no \"x\" parameter",
            ),
            (
                r#"{"kid":"l","kty":"OKP","crv":"Ed25519","x":"!"}"#,
                "invalid \"x\"",
            ),
            (
                r#"{"kid":"m","kty":"RSA","e":"AQAB"}"#,
                "no \"n\" parameter",
            ),
            (
                r#"{"kid":"n","kty":"RSA","n":"AQAB"}"#,
                "no \"e\" parameter",
            ),
            (
                r#"{"kid":"o","kty":"RSA","n":"!","e":"AQAB"}"#,
                "invalid \"n\" or \"e\"",
            ),
            (r#"[1]"#, "not a JSON object"),
        ];
        let keys: Vec<&str> = unusable.iter().map(|(k, _)| *k).collect();
        let jwks = format!(r#"{{"keys":[{ed},{}]}}"#, keys.join(","));
        let v = JwtVerifier::new(None, Some(&jwks), expectations()).unwrap();
        let reasons: Vec<&str> = v.skipped_keys().iter().map(|s| s.reason.as_str()).collect();
        let expected: Vec<&str> = unusable.iter().map(|(_, r)| *r).collect();
        assert_eq!(reasons, expected);
        // Keys of every supported kind, with or without their `alg`, are kept.
        let usable = format!(
            r#"{{"keys":[{ed},{{"kty":"OKP","crv":"Ed25519","x":"{ED_PUBLIC_X}","alg":"EdDSA","use":"sig","key_ops":["verify"]}}]}}"#
        );
        let v = JwtVerifier::new(None, Some(&usable), expectations()).unwrap();
        assert!(v.skipped_keys().is_empty());
    }

    /// A writer that keeps what the log subscriber writes.
    #[derive(Clone, Default)]
    struct Captured(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);
    impl std::io::Write for Captured {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn each_skipped_key_is_logged_at_warn_with_its_kid_and_no_key_material() {
        let captured = Captured::default();
        let writer = captured.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .with_max_level(tracing::Level::WARN)
            .finish();
        tracing::subscriber::with_default(subscriber, || {
            JwtVerifier::new(None, Some(&keycloak_jwks()), expectations()).unwrap();
        });
        let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
        let lines: Vec<&str> = logs.lines().collect();
        assert_eq!(lines.len(), 1, "{logs}");
        assert!(lines[0].contains("WARN"), "{logs}");
        assert!(lines[0].contains("enc-1"), "{logs}");
        assert!(lines[0].contains("sig"), "{logs}");
        assert!(
            !logs.contains(&RSA_N[..16]),
            "key material in the logs: {logs}"
        );
        assert!(
            !logs.contains("MIICmzCC"),
            "a certificate in the logs: {logs}"
        );
    }
}
