//! Bearer JWT verification (RFC 6750, RFC 7519), producing the domain's [`Principal`].
//!
//! HS256 tokens are checked with the shared secret; RS256, ES256 and EdDSA tokens with the
//! public keys of a JWKS file. A token's `alg` picks the key family, and a key is only ever
//! used with its own algorithm, so an RSA public key can never be used as an HMAC secret
//! (algorithm confusion); `alg: none` and every other algorithm are refused.

use std::collections::HashMap;

use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, Jwk, JwkSet, KeyAlgorithm};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use oauth_apps_domain::{OrgRole, PlatformRole, Principal};
use serde::{Deserialize, Serialize};

/// The shortest HS256 secret accepted, in bytes.
pub const MIN_HS256_SECRET_LEN: usize = 32;
/// Clock skew tolerated on `exp` and `nbf`, in seconds.
pub const LEEWAY_SECONDS: u64 = 60;

/// The claims this service reads (and mints, for development).
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
    /// Expired, wrong audience or issuer, or missing a required claim.
    #[error("the token is expired or its claims are not valid for this service")]
    InvalidClaims,
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
    asymmetric: Vec<(Option<String>, Algorithm, DecodingKey)>,
    expectations: Expectations,
    verified: std::sync::Mutex<HashMap<String, (Principal, u64)>>,
}

fn now_seconds() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

fn jwk_algorithm(jwk: &Jwk) -> Option<Algorithm> {
    match jwk.common.key_algorithm {
        Some(KeyAlgorithm::RS256) => Some(Algorithm::RS256),
        Some(KeyAlgorithm::ES256) => Some(Algorithm::ES256),
        Some(KeyAlgorithm::EdDSA) => Some(Algorithm::EdDSA),
        Some(_) => None,
        None => match &jwk.algorithm {
            AlgorithmParameters::RSA(_) => Some(Algorithm::RS256),
            AlgorithmParameters::EllipticCurve(p) if p.curve == EllipticCurve::P256 => {
                Some(Algorithm::ES256)
            }
            AlgorithmParameters::OctetKeyPair(p) if p.curve == EllipticCurve::Ed25519 => {
                Some(Algorithm::EdDSA)
            }
            _ => None,
        },
    }
}

impl JwtVerifier {
    /// A verifier with an HS256 secret and/or the keys of a JWKS document.
    ///
    /// # Errors
    /// [`KeyError`] for a short secret, an unreadable JWKS, a JWKS key of an unsupported
    /// algorithm, or no key at all.
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
        if let Some(json) = jwks_json {
            let set: JwkSet =
                serde_json::from_str(json).map_err(|e| KeyError::Jwks(e.to_string()))?;
            for jwk in &set.keys {
                let alg = jwk_algorithm(jwk).ok_or_else(|| {
                    KeyError::Jwks("only RS256, ES256 (P-256) and EdDSA (Ed25519) keys".into())
                })?;
                let key = DecodingKey::from_jwk(jwk).map_err(|e| KeyError::Jwks(e.to_string()))?;
                asymmetric.push((jwk.common.key_id.clone(), alg, key));
            }
        }
        if hs256.is_none() && asymmetric.is_empty() {
            return Err(KeyError::NoKey);
        }
        Ok(Self {
            hs256,
            asymmetric,
            expectations,
            verified: std::sync::Mutex::default(),
        })
    }

    fn validation(&self, alg: Algorithm) -> Validation {
        let mut v = Validation::new(alg);
        v.leeway = LEEWAY_SECONDS;
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
            match jsonwebtoken::decode::<Claims>(token, key, &validation) {
                Ok(data) if data.claims.sub.trim().is_empty() => {
                    return Err(TokenError::InvalidClaims);
                }
                Ok(data) => {
                    let exp = data.claims.exp;
                    return Ok((principal(data.claims), exp));
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

fn principal(claims: Claims) -> Principal {
    let mut p = Principal::new(claims.sub);
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
    p
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
                Err(TokenError::InvalidClaims)
            );
        }
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
        // A JWKS key of an unsupported kind.
        let hs_jwk = r#"{"keys":[{"kty":"oct","k":"c2VjcmV0","alg":"HS256"}]}"#;
        assert!(matches!(
            JwtVerifier::new(None, Some(hs_jwk), e.clone()),
            Err(KeyError::Jwks(_))
        ));
        // An empty key set with a secret is fine.
        assert!(JwtVerifier::new(Some(SECRET), Some(r#"{"keys":[]}"#), e).is_ok());
    }
}
