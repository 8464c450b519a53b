//! [`JwtVerifier`]: a bearer token checked against the keys and the expectations, and
//! remembered until it expires.

use std::collections::HashMap;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, Validation};
use oauth_apps_domain::{InvalidSubject, OrgRole, PlatformRole, Principal};
use serde::Deserialize;
use serde_json::{Map, Value};

use super::claims::{Expectations, LEEWAY_SECONDS};
use super::keys::{KeyError, Keys, SkippedKey};

/// Why a token was refused. Its text is safe to show: it never contains the token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// Not a well-formed JWT, or an algorithm this service does not accept.
    #[error("the token is malformed or uses an unsupported algorithm")]
    Malformed,
    /// No configured key verifies its signature.
    #[error("the token's signature is not valid")]
    BadSignature,
    /// Expired, not yet valid, wrong audience or issuer, or missing a required claim.
    #[error("the token is expired, not yet valid, or its claims are not valid for this service")]
    InvalidClaims,
    /// The protected header has `crit`: it names extensions this service does not
    /// understand (RFC 7515 §4.1.11).
    #[error("the token's header names critical extensions this service does not understand")]
    CriticalHeader,
    /// The `sub` cannot name a caller.
    #[error("the token's subject is not usable: {0}")]
    Subject(InvalidSubject),
}

/// How many verified tokens are remembered.
const REMEMBERED_TOKENS: usize = 10_000;

/// Verifies bearer tokens. A token that verified is remembered until it expires, so a
/// client that sends the same token again costs a map lookup, not a signature check.
pub struct JwtVerifier {
    keys: Keys,
    expectations: Expectations,
    verified: std::sync::Mutex<HashMap<String, (Principal, u64)>>,
}

/// The claims as read for verification. `aud` may be a string or an array; `iss`, `exp`
/// and `nbf` are checked by `jsonwebtoken`'s validation.
#[derive(Deserialize)]
struct TokenClaims {
    sub: String,
    exp: u64,
    aud: Audience,
    #[serde(default)]
    orgs: HashMap<String, String>,
    #[serde(default)]
    roles: Vec<String>,
}

/// A token's `aud`: one audience or several (RFC 7519 §4.1.3).
#[derive(Deserialize)]
#[serde(untagged)]
enum Audience {
    One(String),
    Many(Vec<String>),
}

impl Audience {
    fn contains(&self, audience: &str) -> bool {
        match self {
            Self::One(one) => one == audience,
            Self::Many(many) => many.iter().any(|a| a == audience),
        }
    }
}

fn now_seconds() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// The header segment of a compact JWS decoded as a JSON object, found as
/// `jsonwebtoken` finds it (before the last two dots).
fn header_fields(token: &str) -> Option<Map<String, Value>> {
    let segment = token.rsplitn(3, '.').nth(2)?;
    let bytes = URL_SAFE_NO_PAD.decode(segment).ok()?;
    serde_json::from_slice(&bytes).ok()
}

impl JwtVerifier {
    /// A verifier with an HS256 secret and/or the keys of a JWKS document.
    ///
    /// JWKS keys are read one by one. A key not meant for signatures (`use` other than
    /// `sig`, `key_ops` without `verify`), of another type, curve or algorithm than RS256,
    /// ES256 (P-256) and EdDSA (Ed25519), or with unreadable parameters, is skipped and
    /// logged at WARN with its `kid` and the reason ([`JwtVerifier::skipped_keys`]).
    ///
    /// # Errors
    /// [`KeyError`] for a short secret, a JWKS that is not a JSON object with a `keys`
    /// array, a JWKS without a usable key when no secret is set, or no key at all.
    pub fn new(
        hs256_secret: Option<&[u8]>,
        jwks_json: Option<&str>,
        expectations: Expectations,
    ) -> Result<Self, KeyError> {
        Ok(Self {
            keys: Keys::read(hs256_secret, jwks_json)?,
            expectations,
            verified: std::sync::Mutex::default(),
        })
    }

    /// The JWKS keys left out at start, and why.
    #[must_use]
    pub fn skipped_keys(&self) -> &[SkippedKey] {
        self.keys.skipped()
    }

    fn validation(&self, alg: Algorithm) -> Validation {
        let mut v = Validation::new(alg);
        v.leeway = LEEWAY_SECONDS;
        v.validate_nbf = true;
        v.set_audience(&[&self.expectations.audience]);
        if let Some(iss) = &self.expectations.issuer {
            v.set_issuer(&[iss]);
            v.set_required_spec_claims(&["exp", "sub", "aud", "iss"]);
        } else {
            v.set_required_spec_claims(&["exp", "sub", "aud"]);
        }
        v
    }

    /// Verifies `token` and returns the caller it speaks for.
    ///
    /// # Errors
    /// [`TokenError`] saying why it was refused.
    pub fn verify(&self, token: &str) -> Result<Principal, TokenError> {
        let now = now_seconds();
        {
            let mut verified = self
                .verified
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            match verified.get(token) {
                Some((principal, exp)) if now <= exp.saturating_add(LEEWAY_SECONDS) => {
                    return Ok(principal.clone());
                }
                Some(_) => {
                    verified.remove(token);
                }
                None => {}
            }
        }
        let (principal, exp) = self.check(token)?;
        let mut verified = self
            .verified
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if verified.len() >= REMEMBERED_TOKENS {
            verified.retain(|_, (_, e)| now <= e.saturating_add(LEEWAY_SECONDS));
            if verified.len() >= REMEMBERED_TOKENS {
                verified.clear();
            }
        }
        verified.insert(token.to_owned(), (principal.clone(), exp));
        Ok(principal)
    }

    fn check(&self, token: &str) -> Result<(Principal, u64), TokenError> {
        let header = jsonwebtoken::decode_header(token).map_err(|_| TokenError::Malformed)?;
        // Any `crit`, even `null` (which `Header::crit` reads as absent), is refused.
        match header_fields(token) {
            Some(fields) if !fields.contains_key("crit") => {}
            Some(_) => return Err(TokenError::CriticalHeader),
            None => return Err(TokenError::Malformed),
        }
        let candidates = self
            .keys
            .candidates(header.alg, header.kid.as_deref())
            .ok_or(TokenError::Malformed)?;
        let validation = self.validation(header.alg);
        let mut error = TokenError::BadSignature;
        for key in candidates {
            match jsonwebtoken::decode::<TokenClaims>(token, key, &validation) {
                Ok(data) if !data.claims.aud.contains(&self.expectations.audience) => {
                    return Err(TokenError::InvalidClaims);
                }
                Ok(data) => {
                    let exp = data.claims.exp;
                    return Ok((principal(data.claims)?, exp));
                }
                Err(e) => {
                    use jsonwebtoken::errors::ErrorKind as K;
                    error = match e.kind() {
                        K::InvalidSignature => TokenError::BadSignature,
                        K::ExpiredSignature
                        | K::InvalidAudience
                        | K::InvalidIssuer
                        | K::MissingRequiredClaim(_)
                        | K::ImmatureSignature => TokenError::InvalidClaims,
                        _ => TokenError::Malformed,
                    };
                }
            }
        }
        Err(error)
    }
}

fn principal(claims: TokenClaims) -> Result<Principal, TokenError> {
    let mut p = Principal::try_new(claims.sub).map_err(TokenError::Subject)?;
    for (org, role) in claims.orgs {
        if let Some(role) = OrgRole::parse(&role) {
            p = p.with_org(org, role);
        }
    }
    for role in claims.roles {
        if let Some(role) = PlatformRole::parse(&role) {
            p = p.with_role(role);
        }
    }
    Ok(p)
}

#[cfg(test)]
mod tests {
    use jsonwebtoken::{EncodingKey, Header};

    use super::*;
    use crate::auth::test_keys::*;
    use crate::auth::{Claims, mint_hs256};

    #[test]
    fn a_valid_token_gives_its_principal() {
        let token = mint_hs256(SECRET, &claims()).unwrap();
        let p = verifier(None).verify(&token).unwrap();
        assert_eq!(p.subject(), "alice");
        let org = |s| oauth_apps_domain::OrgId::parse(s).unwrap();
        assert_eq!(p.org_role(&org("acme")), Some(OrgRole::Admin));
        assert_eq!(p.org_role(&org("beta")), Some(OrgRole::Member));
        assert_eq!(p.org_role(&org("gamma")), None);
        assert!(p.has_role(PlatformRole::ClientAuthenticator));
        assert!(!p.is_platform_admin());
    }

    #[test]
    fn wrong_secret_expiry_audience_and_issuer_are_refused() {
        let v = verifier(None);
        let other = mint_hs256(b"another-secret-another-secret-xx", &claims()).unwrap();
        assert_eq!(v.verify(&other), Err(TokenError::BadSignature));
        let expired = Claims {
            exp: now() - 120,
            ..claims()
        };
        assert_eq!(
            v.verify(&mint_hs256(SECRET, &expired).unwrap()),
            Err(TokenError::InvalidClaims)
        );
        // Within the leeway an expired token still passes.
        let just = Claims {
            exp: now() - 30,
            ..claims()
        };
        assert!(v.verify(&mint_hs256(SECRET, &just).unwrap()).is_ok());
        let aud = Claims {
            aud: "someone-else".into(),
            ..claims()
        };
        assert_eq!(
            v.verify(&mint_hs256(SECRET, &aud).unwrap()),
            Err(TokenError::InvalidClaims)
        );
        let with_iss = verifier(Some("https://issuer.example"));
        assert_eq!(
            with_iss.verify(&mint_hs256(SECRET, &claims()).unwrap()),
            Err(TokenError::InvalidClaims)
        );
        let iss = Claims {
            iss: Some("https://issuer.example".into()),
            ..claims()
        };
        assert!(with_iss.verify(&mint_hs256(SECRET, &iss).unwrap()).is_ok());
        // A blank subject names nobody: refused, so no write is ever recorded as by "".
        for sub in ["", "  "] {
            let blank = Claims {
                sub: sub.into(),
                ..claims()
            };
            assert_eq!(
                v.verify(&mint_hs256(SECRET, &blank).unwrap()),
                Err(TokenError::Subject(InvalidSubject::Blank))
            );
        }
    }

    /// Signs any JSON claims with `header` and the test secret.
    fn signed_with(header: &Header, claims: &serde_json::Value) -> String {
        jsonwebtoken::encode(header, claims, &EncodingKey::from_secret(SECRET)).unwrap()
    }

    fn signed(claims: &serde_json::Value) -> String {
        signed_with(&Header::new(Algorithm::HS256), claims)
    }

    #[test]
    fn a_token_is_refused_before_its_nbf_beyond_the_leeway() {
        let v = verifier(None);
        let at = |nbf: u64| {
            signed(&serde_json::json!({
                "sub": "alice", "aud": "oauth-apps", "exp": now() + 7200, "nbf": nbf,
            }))
        };
        // Valid from tomorrow: not today.
        assert_eq!(
            v.verify(&at(now() + 86_400)),
            Err(TokenError::InvalidClaims)
        );
        assert_eq!(v.verify(&at(now() + 120)), Err(TokenError::InvalidClaims));
        // A clock a little behind the issuer's is tolerated, as for `exp`.
        assert!(v.verify(&at(now() + 30)).is_ok());
        assert!(v.verify(&at(now() - 10)).is_ok());
    }

    #[test]
    fn aud_may_be_an_array_that_holds_the_audience() {
        let v = verifier(None);
        let with_aud = |aud: serde_json::Value| {
            signed(&serde_json::json!({"sub": "alice", "exp": now() + 600, "aud": aud}))
        };
        let keycloak_like = with_aud(serde_json::json!(["account", "oauth-apps"]));
        assert_eq!(v.verify(&keycloak_like).unwrap().subject(), "alice");
        assert!(
            v.verify(&with_aud(serde_json::json!(["oauth-apps"])))
                .is_ok()
        );
        for refused in [
            serde_json::json!(["account", "broker"]),
            serde_json::json!([]),
            serde_json::json!("account"),
        ] {
            assert_eq!(
                v.verify(&with_aud(refused.clone())),
                Err(TokenError::InvalidClaims),
                "{refused}"
            );
        }
        assert!(v.verify(&with_aud(serde_json::json!(7))).is_err());
        assert!(v.verify(&with_aud(serde_json::json!([7]))).is_err());
        // Minting still writes one string.
        let minted = mint_hs256(SECRET, &claims()).unwrap();
        let payload = minted.split('.').nth(1).unwrap();
        let payload: serde_json::Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap();
        assert_eq!(payload["aud"], "oauth-apps");
    }

    #[test]
    fn a_crit_header_is_refused() {
        let v = verifier(None);
        let body = serde_json::json!({"sub": "alice", "aud": "oauth-apps", "exp": now() + 600});
        let mut critical = Header::new(Algorithm::HS256);
        critical.crit = Some(vec!["http://example.com/unknown".into()]);
        critical
            .extras
            .insert("http://example.com/unknown", serde_json::json!(true));
        assert_eq!(
            v.verify(&signed_with(&critical, &body)),
            Err(TokenError::CriticalHeader)
        );
        // Even a critical `exp` (a registered claim, not an extension), an empty list and
        // a null: a header with `crit` is refused whatever it holds.
        for crit in [
            serde_json::json!(["exp"]),
            serde_json::json!([]),
            serde_json::Value::Null,
        ] {
            let mut header = Header::new(Algorithm::HS256);
            header.extras.insert("crit", crit.clone());
            let token = signed_with(&header, &body);
            assert!(v.verify(&token).is_err(), "crit {crit} accepted");
        }
        let mut null = Header::new(Algorithm::HS256);
        null.extras.insert("crit", serde_json::Value::Null);
        assert_eq!(
            v.verify(&signed_with(&null, &body)),
            Err(TokenError::CriticalHeader)
        );
        // The same token without `crit` passes.
        assert!(v.verify(&signed(&body)).is_ok());
    }

    #[test]
    fn a_subject_the_stores_cannot_hold_is_refused() {
        let v = verifier(None);
        let with_sub = |sub: String| Claims { sub, ..claims() };
        for (sub, why) in [
            ("al\0ice".to_owned(), InvalidSubject::ControlCharacter),
            (
                "bob\r\nX-Injected: 1".to_owned(),
                InvalidSubject::ControlCharacter,
            ),
            (
                "s".repeat(oauth_apps_domain::MAX_SUBJECT_LEN + 1),
                InvalidSubject::TooLong,
            ),
        ] {
            let token = mint_hs256(SECRET, &with_sub(sub)).unwrap();
            assert_eq!(v.verify(&token), Err(TokenError::Subject(why)));
            // Refused tokens are not remembered.
            assert!(!v.verified.lock().unwrap().contains_key(&token));
        }
        let longest = "s".repeat(oauth_apps_domain::MAX_SUBJECT_LEN);
        let token = mint_hs256(SECRET, &with_sub(longest.clone())).unwrap();
        assert_eq!(v.verify(&token).unwrap().subject(), longest);
    }

    #[test]
    fn a_token_is_remembered_until_it_expires() {
        let v = verifier(None);
        let token = mint_hs256(SECRET, &claims()).unwrap();
        assert_eq!(v.verify(&token).unwrap().subject(), "alice");
        let marker = Principal::new("remembered");
        // While the remembered expiry lasts, the remembered principal answers.
        *v.verified.lock().unwrap().get_mut(&token).unwrap() = (marker.clone(), now() + 600);
        assert_eq!(v.verify(&token).unwrap().subject(), "remembered");
        // Past it (and the leeway), the token is checked again.
        *v.verified.lock().unwrap().get_mut(&token).unwrap() = (marker, now() - 61);
        assert_eq!(v.verify(&token).unwrap().subject(), "alice");
        // Refused tokens are not remembered.
        assert!(v.verify("garbage").is_err());
        assert!(!v.verified.lock().unwrap().contains_key("garbage"));
    }

    #[test]
    fn garbage_and_alg_none_are_refused() {
        let v = verifier(None);
        assert_eq!(v.verify("not.a.token"), Err(TokenError::Malformed));
        assert_eq!(v.verify(""), Err(TokenError::Malformed));
        // {"alg":"none","typ":"JWT"} . {"sub":"x"} . (no signature)
        let none = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiJ4In0.";
        assert_eq!(v.verify(none), Err(TokenError::Malformed));
        // HS512 is not accepted even with the right secret.
        let hs512 = jsonwebtoken::encode(
            &Header::new(Algorithm::HS512),
            &claims(),
            &EncodingKey::from_secret(SECRET),
        )
        .unwrap();
        assert_eq!(v.verify(&hs512), Err(TokenError::Malformed));
    }

    #[test]
    fn an_rs256_token_is_not_checked_against_the_hmac_secret() {
        // A token claiming RS256 with a verifier that only has an HS256 secret: no key.
        let v = verifier(None);
        let header = r#"{"alg":"RS256","typ":"JWT"}"#;
        let b64 = |s: &str| {
            use std::fmt::Write;
            // Minimal base64url without padding for the test.
            const T: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
            let bytes = s.as_bytes();
            let mut out = String::new();
            for chunk in bytes.chunks(3) {
                let n = chunk.iter().fold(0u32, |acc, b| (acc << 8) | u32::from(*b))
                    << (8 * (3 - chunk.len()));
                for i in 0..=chunk.len() {
                    let _ = write!(out, "{}", T[((n >> (18 - 6 * i)) & 63) as usize] as char);
                }
            }
            out
        };
        let token = format!("{}.{}.c2ln", b64(header), b64(r#"{"sub":"x"}"#));
        assert_eq!(v.verify(&token), Err(TokenError::BadSignature));
    }

    #[test]
    fn eddsa_tokens_verify_against_the_jwks() {
        let e = Expectations {
            audience: "oauth-apps".into(),
            issuer: None,
        };
        let v = JwtVerifier::new(None, Some(&jwks()), e).unwrap();
        assert_eq!(v.verify(&ed_token(Some("k1"))).unwrap().subject(), "alice");
        assert_eq!(v.verify(&ed_token(None)).unwrap().subject(), "alice");
        // A key id the set does not have.
        assert_eq!(
            v.verify(&ed_token(Some("other"))),
            Err(TokenError::BadSignature)
        );
        // Without an HS256 secret, HS256 tokens have no key at all.
        let hs = mint_hs256(SECRET, &claims()).unwrap();
        assert_eq!(v.verify(&hs), Err(TokenError::BadSignature));
    }

    #[test]
    fn the_public_key_cannot_be_used_as_an_hmac_secret() {
        // The classic confusion: sign HS256 with the public key's bytes, hoping the
        // verifier uses the same bytes as the HMAC key. Only the HS256 secret is used.
        let e = Expectations {
            audience: "oauth-apps".into(),
            issuer: None,
        };
        let v = JwtVerifier::new(Some(SECRET), Some(&jwks()), e).unwrap();
        let forged = jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &claims(),
            &EncodingKey::from_secret(jwks().as_bytes()),
        )
        .unwrap();
        assert_eq!(v.verify(&forged), Err(TokenError::BadSignature));
        let forged_x = jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &claims(),
            &EncodingKey::from_secret(ED_PUBLIC_X.as_bytes()),
        )
        .unwrap();
        assert_eq!(v.verify(&forged_x), Err(TokenError::BadSignature));
        assert!(v.verify(&ed_token(Some("k1"))).is_ok());
        assert!(v.verify(&mint_hs256(SECRET, &claims()).unwrap()).is_ok());
    }
}
