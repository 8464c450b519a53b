//! Bearer JWT verification (RFC 6750, RFC 7519), producing the domain's [`Principal`].
//!
//! HS256 tokens are checked with the shared secret; RS256, ES256 and EdDSA tokens with the
//! public keys of a JWKS file. A token's `alg` picks the key family, and a key is only ever
//! used with its own algorithm, so an RSA public key can never be used as an HMAC secret
//! (algorithm confusion); `alg: none` and every other algorithm are refused.
//!
//! Beyond the signature: `exp` and `nbf` with 60 s of leeway, `aud` (a string or an array
//! that holds the configured audience, RFC 7519 §4.1.3), `iss` when configured, no `crit`
//! header (RFC 7515 §4.1.11: this service understands no extension), and a `sub` the
//! domain accepts as a caller ([`Principal::try_new`]).

use std::collections::HashMap;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use oauth_apps_domain::{InvalidSubject, OrgRole, PlatformRole, Principal};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The shortest HS256 secret accepted, in bytes.
pub const MIN_HS256_SECRET_LEN: usize = 32;
/// Clock skew tolerated on `exp` and `nbf`, in seconds.
pub const LEEWAY_SECONDS: u64 = 60;

/// The claims this service mints, for development and scripts. Verification reads the
/// same claims, and also accepts an `aud` array.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// The caller.
    pub sub: String,
    /// Expiry, seconds since the epoch.
    pub exp: u64,
    /// The audience.
    pub aud: String,
    /// The issuer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iss: Option<String>,
    /// Organisation id to `"admin"` or `"member"`.
    #[serde(default)]
    pub orgs: HashMap<String, String>,
    /// Platform roles: `"platform-admin"`, `"client-authenticator"`.
    #[serde(default)]
    pub roles: Vec<String>,
}

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

/// What tokens must say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expectations {
    /// The required `aud`.
    pub audience: String,
    /// The required `iss`, when set.
    pub issuer: Option<String>,
}

/// How many verified tokens are remembered.
const REMEMBERED_TOKENS: usize = 10_000;

/// Verifies bearer tokens. A token that verified is remembered until it expires, so a
/// client that sends the same token again costs a map lookup, not a signature check.
pub struct JwtVerifier {
    hs256: Option<DecodingKey>,
    asymmetric: Vec<VerifyingKey>,
    skipped: Vec<SkippedKey>,
    expectations: Expectations,
    verified: std::sync::Mutex<HashMap<String, (Principal, u64)>>,
}

/// A JWKS key: its `kid`, the one algorithm it verifies, and the key.
type VerifyingKey = (Option<String>, Algorithm, DecodingKey);

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

/// The JWA name of an algorithm this service verifies.
const fn algorithm_name(algorithm: Algorithm) -> &'static str {
    match algorithm {
        Algorithm::ES256 => "ES256",
        Algorithm::EdDSA => "EdDSA",
        _ => "RS256",
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
    let algorithm = match (kty, crv) {
        ("RSA", _) => Algorithm::RS256,
        ("EC", Some("P-256")) => Algorithm::ES256,
        ("OKP", Some("Ed25519")) => Algorithm::EdDSA,
        ("EC" | "OKP", crv) => {
            return skip(format!(
                "unsupported curve {crv:?} for kty {kty:?} (only P-256 and Ed25519)"
            ));
        }
        ("oct", _) => {
            return skip(
                "a symmetric (oct) key; set OAUTH_APPS_JWT_HS256_SECRET for HS256 instead"
                    .to_owned(),
            );
        }
        (kty, _) => return skip(format!("unsupported key type {kty:?} (only RSA, EC, OKP)")),
    };
    match key.get("alg") {
        None => {}
        Some(Value::String(alg)) if alg == algorithm_name(algorithm) => {}
        Some(alg) => {
            return skip(format!(
                "unsupported algorithm {alg} for kty {kty:?} (only RS256, ES256 and EdDSA)"
            ));
        }
    }
    let parameter = |name: &str| text(name).ok_or_else(|| format!("no {name:?} parameter"));
    let decoded = match algorithm {
        Algorithm::ES256 => parameter("x").and_then(|x| {
            parameter("y").and_then(|y| {
                DecodingKey::from_ec_components(x, y).map_err(|_| "invalid \"x\" or \"y\"".into())
            })
        }),
        Algorithm::EdDSA => parameter("x")
            .and_then(|x| DecodingKey::from_ed_components(x).map_err(|_| "invalid \"x\"".into())),
        _ => parameter("n").and_then(|n| {
            parameter("e").and_then(|e| {
                DecodingKey::from_rsa_components(n, e).map_err(|_| "invalid \"n\" or \"e\"".into())
            })
        }),
    };
    match decoded {
        Ok(decoding) => Ok((kid, algorithm, decoding)),
        Err(reason) => skip(reason),
    }
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
            expectations,
            verified: std::sync::Mutex::default(),
        })
    }

    /// The JWKS keys left out at start, and why.
    #[must_use]
    pub fn skipped_keys(&self) -> &[SkippedKey] {
        &self.skipped
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
        let candidates: Vec<&DecodingKey> = match header.alg {
            Algorithm::HS256 => self.hs256.iter().collect(),
            alg @ (Algorithm::RS256 | Algorithm::ES256 | Algorithm::EdDSA) => self
                .asymmetric
                .iter()
                .filter(|(kid, key_alg, _)| {
                    *key_alg == alg && (header.kid.is_none() || kid.is_none() || *kid == header.kid)
                })
                .map(|(_, _, key)| key)
                .collect(),
            _ => return Err(TokenError::Malformed),
        };
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

/// Signs `claims` with an HS256 secret (for the `token` command and tests).
///
/// # Errors
/// [`KeyError::ShortSecret`] for a secret under 32 bytes.
pub fn mint_hs256(secret: &[u8], claims: &Claims) -> Result<String, KeyError> {
    if secret.len() < MIN_HS256_SECRET_LEN {
        return Err(KeyError::ShortSecret);
    }
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        claims,
        &EncodingKey::from_secret(secret),
    )
    .map_err(|e| KeyError::Jwks(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";

    fn now() -> u64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs()
    }

    fn claims() -> Claims {
        Claims {
            sub: "alice".into(),
            exp: now() + 600,
            aud: "oauth-apps".into(),
            iss: None,
            orgs: HashMap::from([
                ("acme".into(), "admin".into()),
                ("beta".into(), "member".into()),
                ("gamma".into(), "owner".into()),
            ]),
            roles: vec!["client-authenticator".into(), "astronaut".into()],
        }
    }

    fn verifier(issuer: Option<&str>) -> JwtVerifier {
        JwtVerifier::new(
            Some(SECRET),
            None,
            Expectations {
                audience: "oauth-apps".into(),
                issuer: issuer.map(str::to_owned),
            },
        )
        .unwrap()
    }

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

    /// A test-only Ed25519 key pair: PKCS#8 DER private key and the public JWK's `x`.
    const ED_PRIVATE_DER: &str = "302e020100300506032b6570042204201c8b9506b50ea4ae8a5de438553ee58ee4688a213450008b0a8c6aeae89e4821";
    const ED_PUBLIC_X: &str = "ShnqA4hrWkUXSYuAb64XKawrL9YjrcozYvXfN4tr6W8";

    fn ed_private() -> Vec<u8> {
        (0..ED_PRIVATE_DER.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&ED_PRIVATE_DER[i..i + 2], 16).unwrap())
            .collect()
    }

    fn jwks() -> String {
        format!(
            r#"{{"keys":[{{"kty":"OKP","crv":"Ed25519","x":"{ED_PUBLIC_X}","kid":"k1","alg":"EdDSA"}}]}}"#
        )
    }

    fn ed_token(kid: Option<&str>) -> String {
        let mut header = Header::new(Algorithm::EdDSA);
        header.kid = kid.map(str::to_owned);
        jsonwebtoken::encode(&header, &claims(), &EncodingKey::from_ed_der(&ed_private())).unwrap()
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

    /// A test-only RSA key pair: the private key (PKCS#1 DER, base64) and the public
    /// JWK's `n` (`e` is AQAB).
    const RSA_PRIVATE_DER: &str = concat!(
        "MIIEowIBAAKCAQEA9UbeaapFL9jmhMiCWW9g8oFiLyq6h5GZeiTbyWh/YIgnUWvhJtia/PSO8jnp0ttRsyvgeERT",
        "qkDeHmQDeiB/E72hpHuPlBgi592BXaj2WjeSDFeWi/N+Y11QNzKFI/o6ZWUxn8cOH3D/buzjcc/kzkoPPnzCQvRn",
        "lotuqcT2gG0l2s/OvDVmDDriFhUrvCkCtNj/opc8Yz0k+DGBze9qmvU3FXeE24A4zVLN6Fhbs/pIPOikp0SMvpfk",
        "CJ7Vkrekh1qbwxC8EXjhEjajvyzUy/56XaweKpgynwwI/76ykzVeUW+dOpTraiirONBS58ZQE0GVKI4xr53Kuuzq",
        "NsB4gQIDAQABAoIBAA1D+nZ7i4dlcz4+O/KLWBJ1lfJYHMOFR+g3wx1XBgCaDIpWS9SWhXdl4K9QG4nYa8hFeLv4",
        "cg/0ty6smRWLWWQfbvUe66qGTaj9rWf74esKM19wg0dpcW39V3/Mvy+tcmgWe4MZOHXR3jbJIBoBNO5FSiLGi5kk",
        "b8/QFbmf2fcjFPtcvUg5OjngzH/cN5ZySYFaugBw7MLOs06JPbiHp68u24JhXWH37fbE77twECobRXBDk/n9MMtu",
        "Z4yoVLnBxYUMbZ2lowx7qCZUSD/qWqutIMpaqZXEKuznhgfqc7DLXpB2ez5iWSHlVwO1G2tBcpwAkhLXYiTU8oGc",
        "jzAmrgMCgYEA/1yZx8LL4B9BE5KLiFtbpxIbTr3pzqBdB7vF/Mh6ZgzLNgQHdtQxDtnCh14XbViyCMFohtuol7kw",
        "zP0CkaY99/YTN0c3EF5UH9sePwAflonlKZbWeYkovrM+D6R/UDIYCMzLeZAiVhLVfn37hFae8bqFc9gh1B2O27A0",
        "C4j+hFcCgYEA9ePQpk3qDOfh1kQ3mEekFcjJXZsxusWfbckS6ukeMDoOOE2AZQj75NFx1TFS6FmEcaPM8iq3hsLx",
        "E5L3yETXnkevkIkMkyu+Zyb1QCZ4RhelN4kV/+Q5jzd/52m62DIqDkfcYykx8PC7XXpcsDTcQ8WHOFwy8rLguMLI",
        "H6pooucCgYEA8YiA2/VgKSjmwMCHwf3HfwsdUSlIkOwVkk8FQcfOHeBUBU9iT/78N/O4j5lrxz1xh96II6Z4nKnJ",
        "gtp9J456ZqMWId72MkFGiKsUvLo9JoJfgyrsyh/1rgqT1O/ei9gV65zpiJ3QHGHMFczLrazQwguOVrhDpwIeMaVE",
        "VPTK6BkCgYA9N2ZuwN8QL3quGXWt18gmFELtpwGOejzi3Dh1e2wknY+EvObGQKJVqT8p0InPhtnOYPVZJQFj74yN",
        "Tv2ZQmpb4YT3+ubCjRVuIOjV+73d1W0wklSDzJH38d1KA6ycvoBx5bochdkFHynGb/w7ci2UQc0UXv/gJGCGHxgr",
        "qgU66QKBgE4KJmoIciN7uCdtz8wDtW29cKZiYw0INdDUPDPpu8rM5rIJwtimLka+haFWG4fvbYtO8qiHPxnhZiib",
        "A+IkGpHE/N8/9ocqhx7TO5WIxfzslTDhA8u1wpPsVUEO6QhXm/4wLZB/OfB6W3X6G7PsH8EokDbMjapS5wWooSLT",
        "UsY4",
    );
    const RSA_N: &str = "9UbeaapFL9jmhMiCWW9g8oFiLyq6h5GZeiTbyWh_YIgnUWvhJtia_PSO8jnp0ttRsyvgeERTqkDeHmQDeiB_E72hpHuPlBgi592BXaj2WjeSDFeWi_N-Y11QNzKFI_o6ZWUxn8cOH3D_buzjcc_kzkoPPnzCQvRnlotuqcT2gG0l2s_OvDVmDDriFhUrvCkCtNj_opc8Yz0k-DGBze9qmvU3FXeE24A4zVLN6Fhbs_pIPOikp0SMvpfkCJ7Vkrekh1qbwxC8EXjhEjajvyzUy_56XaweKpgynwwI_76ykzVeUW-dOpTraiirONBS58ZQE0GVKI4xr53KuuzqNsB4gQ";

    fn rs_token(kid: &str) -> String {
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some(kid.to_owned());
        let der = base64::engine::general_purpose::STANDARD
            .decode(RSA_PRIVATE_DER)
            .unwrap();
        let key = EncodingKey::from_rsa_der(&der);
        jsonwebtoken::encode(&header, &claims(), &key).unwrap()
    }

    /// Keycloak's default realm keys: an RS256 signing key and an RSA-OAEP encryption key
    /// (here with the same modulus, so that a token "signed" by the encryption key would
    /// verify if that key were used).
    fn keycloak_jwks() -> String {
        let cert = r#""x5c":["MIICmzCCAYMCBgGTestOnly"],"x5t":"dGVzdA","x5t#S256":"dGVzdA""#;
        format!(
            r#"{{"keys":[
              {{"kid":"sig-1","kty":"RSA","alg":"RS256","use":"sig","n":"{RSA_N}","e":"AQAB",{cert}}},
              {{"kid":"enc-1","kty":"RSA","alg":"RSA-OAEP","use":"enc","n":"{RSA_N}","e":"AQAB",{cert}}}
            ]}}"#
        )
    }

    fn expectations() -> Expectations {
        Expectations {
            audience: "oauth-apps".into(),
            issuer: None,
        }
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
