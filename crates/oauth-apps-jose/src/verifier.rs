//! [`JoseAssertionVerifier`]: client assertions (RFC 7523 §3, RFC 7521 §4.2, OIDC Core §9)
//! checked with `jsonwebtoken`.

use jsonwebtoken::DecodingKey;
use jsonwebtoken::errors::ErrorKind;
use oauth_apps_domain::{
    AssertionRefusal, AssertionRules, AssertionVerifier, Jwks, PublicJwk, ReadAssertion, Timestamp,
    VerifiedAssertion,
};
use serde_json::{Map, Value};

use crate::jws;
use crate::verification_key::verification_key;

/// Checks client assertions with the keys the domain offers, through `jsonwebtoken`.
///
/// [`AssertionVerifier::read`] reads the text once (header, claims, signing input and
/// signature); [`AssertionVerifier::verify`] checks what was read, as often as it is
/// asked, without decoding the text again. In order, each step refusing with its
/// [`AssertionRefusal`]:
///
/// 1. The header is read: a JWS in compact form (three segments) whose header is a JSON
///    object with an `alg`, and whose members RFC 7515 §4.1 registers have their types
///    ([`AssertionRefusal::Malformed`] otherwise). `alg` must be one
///    of ES256, ES384, PS256, RS256, EdDSA ([`SigningAlgorithm`]): `none`, every HMAC and
///    everything else is [`AssertionRefusal::Algorithm`]. A `crit` member (any value,
///    `null` too) is [`AssertionRefusal::Malformed`]: no JWS extension is understood here
///    (RFC 7515 §4.1.11). Keys or key URLs in the header (`jwk`, `jku`, `x5c`, `x5u`) are
///    never used.
/// 2. The key: the one the header's `kid` names, in the first offered set that has it
///    (the current set comes first); without a `kid`, the only key of the first set of
///    one. None: [`AssertionRefusal::UnknownKey`].
/// 3. The key's kind must allow `alg` and its own `alg`, when it has one, must be it
///    ([`AssertionRefusal::Algorithm`]): an RSA key registered for RS256 never verifies a
///    PS256 assertion.
/// 4. `jsonwebtoken::crypto::verify` checks the signature over the signing input with a
///    decoding key made from the JWK's public members, for that one algorithm
///    ([`AssertionRefusal::Signature`]); claims that are not a JSON object are then
///    [`AssertionRefusal::Malformed`].
/// 5. The claims, against [`AssertionRules`] and its clock (never the system's):
///    [`AssertionRefusal::Claims`] naming the first broken rule, e.g. `"exp has passed"`.
///    `iss` and `sub` are the client id; `aud` a string, or an array of strings, holding
///    one of the audiences; `exp` required, after `now - leeway` and at most
///    `max_lifetime_seconds` after `now`; `nbf` and `iat`, when present, not after
///    `now + leeway`; `jti` a non-empty string of at most [`Self::MAX_JTI_CHARS`]
///    characters. Whether the `jti` was used before is the replay guard's to say.
#[derive(Debug, Clone, Copy, Default)]
pub struct JoseAssertionVerifier;

impl JoseAssertionVerifier {
    /// The longest `jti` accepted, in characters.
    pub const MAX_JTI_CHARS: usize = 256;

    /// The verifier.
    #[must_use]
    pub const fn new() -> Self {
        Self
    }
}

impl AssertionVerifier for JoseAssertionVerifier {
    fn read(&self, assertion: &str) -> ReadAssertion {
        jws::read(assertion)
    }

    fn verify(
        &self,
        assertion: &ReadAssertion,
        keys: &[Jwks],
        rules: &AssertionRules,
    ) -> Result<VerifiedAssertion, AssertionRefusal> {
        let header = assertion.header.as_ref().map_err(Clone::clone)?;
        let (key_set, key) = keys
            .iter()
            .enumerate()
            .find_map(|(i, set)| set.find(header.kid.as_deref()).map(|key| (i, key)))
            .ok_or(AssertionRefusal::UnknownKey)?;
        if !key.kind().algorithms().contains(&header.alg) || !key.algorithms().contains(&header.alg)
        {
            return Err(AssertionRefusal::Algorithm);
        }
        let decoding = decoding_key(key).ok_or(AssertionRefusal::Signature)?;
        jws::check_signature(assertion, &decoding, header.alg).map_err(|e| refusal(&e))?;
        let claims = assertion
            .claims
            .as_ref()
            .ok_or(AssertionRefusal::Malformed)?;
        check_claims(claims, rules, key_set)
    }
}

/// The decoding key of a public JWK, from its public members by its kind (the domain
/// checked them when the set was registered or fetched).
pub(crate) fn decoding_key(key: &PublicJwk) -> Option<DecodingKey> {
    verification_key(key.kind(), key.json()).ok()
}

/// Why `jsonwebtoken` refused an assertion whose algorithm and key were already chosen.
fn refusal(kind: &ErrorKind) -> AssertionRefusal {
    match kind {
        ErrorKind::InvalidSignature
        | ErrorKind::InvalidEcdsaKey
        | ErrorKind::InvalidEddsaKey
        | ErrorKind::InvalidRsaKey(_)
        | ErrorKind::InvalidKeyFormat => AssertionRefusal::Signature,
        ErrorKind::InvalidAlgorithm
        | ErrorKind::InvalidAlgorithmName
        | ErrorKind::UnsupportedAlgorithm
        | ErrorKind::MissingAlgorithm => AssertionRefusal::Algorithm,
        _ => AssertionRefusal::Malformed,
    }
}

const MICROS: i128 = 1_000_000;

/// A NumericDate (RFC 7519 §2: seconds since the epoch, possibly fractional) in
/// microseconds.
fn numeric_date(value: &Value) -> Option<i128> {
    if let Some(seconds) = value.as_i64() {
        return Some(i128::from(seconds) * MICROS);
    }
    let seconds = value.as_f64().filter(|s| s.is_finite())?;
    // Saturating; microseconds are as precise as the domain's timestamps.
    #[allow(clippy::cast_possible_truncation)]
    Some((seconds * 1e6).floor() as i128)
}

/// A time claim: absent, or a NumericDate in microseconds.
fn time_claim(
    claims: &Map<String, Value>,
    name: &str,
    malformed: &'static str,
) -> Result<Option<i128>, AssertionRefusal> {
    claims
        .get(name)
        .map(|v| numeric_date(v).ok_or(AssertionRefusal::Claims(malformed)))
        .transpose()
}

/// Checks verified claims against `rules` (RFC 7523 §3).
fn check_claims(
    claims: &Map<String, Value>,
    rules: &AssertionRules,
    key_set: usize,
) -> Result<VerifiedAssertion, AssertionRefusal> {
    use AssertionRefusal::Claims;
    let is_client = |name: &str| claims.get(name).and_then(Value::as_str) == Some(&rules.client_id);
    if !is_client("iss") {
        return Err(Claims("iss must be the client id"));
    }
    if !is_client("sub") {
        return Err(Claims("sub must be the client id"));
    }
    let holds_audience = |aud: &str| rules.audiences.iter().any(|a| a == aud);
    let audience_ok = match claims.get("aud") {
        None => return Err(Claims("aud is required")),
        Some(Value::String(aud)) => holds_audience(aud),
        Some(Value::Array(auds)) => {
            auds.iter().all(Value::is_string)
                && auds.iter().filter_map(Value::as_str).any(holds_audience)
        }
        Some(_) => false,
    };
    if !audience_ok {
        return Err(Claims("aud must hold one of this server's audiences"));
    }

    let now = i128::from(rules.now.unix_micros());
    let leeway = i128::from(rules.leeway_seconds) * MICROS;
    let Some(exp) = time_claim(claims, "exp", "exp must be a NumericDate")? else {
        return Err(Claims("exp is required"));
    };
    if exp <= now - leeway {
        return Err(Claims("exp has passed"));
    }
    if exp > now + i128::from(rules.max_lifetime_seconds) * MICROS {
        return Err(Claims(
            "exp must be at most the longest assertion lifetime ahead",
        ));
    }
    if time_claim(claims, "nbf", "nbf must be a NumericDate")?.is_some_and(|nbf| nbf > now + leeway)
    {
        return Err(Claims("nbf must not be in the future"));
    }
    if time_claim(claims, "iat", "iat must be a NumericDate")?.is_some_and(|iat| iat > now + leeway)
    {
        return Err(Claims("iat must not be in the future"));
    }

    let jti = match claims.get("jti") {
        Some(Value::String(jti)) if !jti.is_empty() => jti,
        _ => return Err(Claims("jti is required (a non-empty string)")),
    };
    if jti.chars().count() > JoseAssertionVerifier::MAX_JTI_CHARS {
        return Err(Claims("jti must be at most 256 characters"));
    }
    let expires_at = i64::try_from(exp)
        .ok()
        .and_then(Timestamp::from_unix_micros)
        .ok_or(Claims("exp must be a NumericDate"))?;
    Ok(VerifiedAssertion {
        jti: jti.clone(),
        expires_at,
        key_set,
    })
}

#[cfg(test)]
mod tests {
    //! The claim rules at their edges, without signatures (`tests/assertions.rs` signs
    //! real assertions).

    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use oauth_apps_domain::SigningAlgorithm;
    use serde_json::json;

    use super::*;

    const NOW: i64 = 1_750_000_000;

    fn rules() -> AssertionRules {
        AssertionRules {
            client_id: "client-1".into(),
            audiences: vec![
                "https://as.example/token".into(),
                "https://as.example".into(),
            ],
            now: Timestamp::from_unix_micros(NOW * 1_000_000).expect("now"),
            max_lifetime_seconds: 600,
            leeway_seconds: 60,
        }
    }

    fn claims(changes: &Value) -> Map<String, Value> {
        let mut claims = json!({
            "iss": "client-1",
            "sub": "client-1",
            "aud": "https://as.example/token",
            "exp": NOW + 300,
            "iat": NOW,
            "jti": "j-1",
        });
        for (name, value) in changes.as_object().expect("object") {
            if value.is_null() {
                claims.as_object_mut().expect("object").remove(name);
            } else {
                claims[name] = value.clone();
            }
        }
        claims.as_object().expect("object").clone()
    }

    fn check(changes: &Value) -> Result<VerifiedAssertion, AssertionRefusal> {
        check_claims(&claims(changes), &rules(), 0)
    }

    fn refused(changes: &Value) -> &'static str {
        match check(changes) {
            Err(AssertionRefusal::Claims(rule)) => rule,
            other => panic!("{changes} gave {other:?}"),
        }
    }

    #[test]
    fn valid_claims_give_the_jti_and_the_expiry() {
        let verified = check(&json!({})).expect("valid");
        assert_eq!(verified.jti, "j-1");
        assert_eq!(verified.expires_at.unix_micros(), (NOW + 300) * 1_000_000);
        // A fractional NumericDate is kept to the microsecond.
        let fractional = check(&json!({"exp": (NOW as f64) + 300.5})).expect("valid");
        assert_eq!(
            fractional.expires_at.unix_micros(),
            (NOW + 300) * 1_000_000 + 500_000
        );
    }

    #[test]
    fn exp_is_checked_at_its_edges_with_the_leeway_behind_and_none_ahead() {
        // Past, but within the leeway: accepted; at the leeway's end: refused.
        assert!(check(&json!({"exp": NOW - 59})).is_ok());
        assert_eq!(refused(&json!({"exp": NOW - 60})), "exp has passed");
        // Exactly the longest lifetime ahead: accepted; a second more: refused.
        assert!(check(&json!({"exp": NOW + 600})).is_ok());
        assert_eq!(
            refused(&json!({"exp": NOW + 601})),
            "exp must be at most the longest assertion lifetime ahead"
        );
        assert_eq!(refused(&json!({"exp": null})), "exp is required");
        assert_eq!(
            refused(&json!({"exp": "tomorrow"})),
            "exp must be a NumericDate"
        );
    }

    #[test]
    fn nbf_and_iat_may_be_ahead_by_the_leeway_only() {
        assert!(check(&json!({"nbf": NOW + 60, "iat": NOW + 60})).is_ok());
        assert_eq!(
            refused(&json!({"nbf": NOW + 61})),
            "nbf must not be in the future"
        );
        assert_eq!(
            refused(&json!({"iat": NOW + 61})),
            "iat must not be in the future"
        );
        assert!(check(&json!({"iat": null})).is_ok(), "iat is optional");
        assert_eq!(refused(&json!({"nbf": true})), "nbf must be a NumericDate");
    }

    #[test]
    fn aud_is_a_string_or_an_array_of_strings_holding_an_audience() {
        assert!(check(&json!({"aud": "https://as.example"})).is_ok());
        assert!(check(&json!({"aud": ["https://other.example", "https://as.example"]})).is_ok());
        let aud = "aud must hold one of this server's audiences";
        assert_eq!(refused(&json!({"aud": []})), aud);
        assert_eq!(refused(&json!({"aud": ["https://as.example", 7]})), aud);
        assert_eq!(refused(&json!({"aud": {"a": "https://as.example"}})), aud);
        assert_eq!(refused(&json!({"aud": "https://AS.example"})), aud);
    }

    #[test]
    fn iss_sub_and_jti_rules_are_named() {
        assert_eq!(refused(&json!({"iss": null})), "iss must be the client id");
        assert_eq!(
            refused(&json!({"sub": ["client-1"]})),
            "sub must be the client id"
        );
        let jti = "jti is required (a non-empty string)";
        assert_eq!(refused(&json!({"jti": ""})), jti);
        assert_eq!(refused(&json!({"jti": 7})), jti);
        assert!(check(&json!({"jti": "é".repeat(256)})).is_ok());
        assert_eq!(
            refused(&json!({"jti": "x".repeat(257)})),
            "jti must be at most 256 characters"
        );
    }

    #[test]
    fn the_header_is_read_before_any_key() {
        let segment = |v: &Value| URL_SAFE_NO_PAD.encode(v.to_string());
        let token = |h: &Value| format!("{}.e30.c2ln", segment(h));
        let read = |h: &Value| jws::read(&token(h)).header.map(|h| (h.alg, h.kid));
        assert_eq!(
            read(&json!({"alg": "ES256", "kid": "k"})),
            Ok((SigningAlgorithm::Es256, Some("k".into())))
        );
        for alg in ["none", "HS256", "HS512", "RS512", "ES512", "es256"] {
            assert_eq!(
                read(&json!({"alg": alg})).unwrap_err(),
                AssertionRefusal::Algorithm,
                "{alg}"
            );
        }
        for crit in [json!(["exp"]), json!([]), Value::Null] {
            assert_eq!(
                read(&json!({"alg": "EdDSA", "crit": crit})).unwrap_err(),
                AssertionRefusal::Malformed
            );
        }
        assert_eq!(
            read(&json!({"alg": "EdDSA", "kid": 3})).unwrap_err(),
            AssertionRefusal::Malformed
        );
        assert_eq!(
            read(&json!({"typ": "JWT"})).unwrap_err(),
            AssertionRefusal::Malformed
        );
        for bad in ["", "a.b", "a.b.c.d", "!!!.e30.c2ln", "W10.e30.c2ln"] {
            assert!(
                jws::read(bad).header == Err(AssertionRefusal::Malformed),
                "{bad}"
            );
        }
    }

    #[test]
    fn subject_reads_sub_without_verifying() {
        let verifier = JoseAssertionVerifier::new();
        let subject = |token: &str| verifier.read(token).subject().map(str::to_owned);
        let payload = URL_SAFE_NO_PAD.encode(json!({"sub": "client-1"}).to_string());
        assert_eq!(
            subject(&format!("eyJhbGciOiJub25lIn0.{payload}.")),
            Some("client-1".into())
        );
        let numeric = URL_SAFE_NO_PAD.encode(json!({"sub": 7}).to_string());
        assert_eq!(subject(&format!("e30.{numeric}.x")), None);
        assert_eq!(subject("e30.!!!.x"), None);
        assert_eq!(subject("not a token"), None);
    }
}
