//! Reading a JWS in compact serialization (RFC 7515 §7.1) once, and checking its signature
//! over what was read: shared by client assertions and software statements.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::DecodingKey;
use jsonwebtoken::errors::ErrorKind;
use oauth_apps_domain::{AssertionHeader, AssertionRefusal, ReadAssertion, SigningAlgorithm};
use serde_json::{Map, Value};

use crate::verification_key::jose_algorithm;

/// Reads `text` once: its three segments, the protected header (what is used of it, or why
/// it cannot be used), the claims when the payload is a JSON object, and the signing
/// input and signature as sent. Nothing is verified.
pub(crate) fn read(text: &str) -> ReadAssertion {
    let mut segments = text.split('.');
    let (Some(header), Some(payload), Some(signature), None) = (
        segments.next(),
        segments.next(),
        segments.next(),
        segments.next(),
    ) else {
        return ReadAssertion {
            header: Err(AssertionRefusal::Malformed),
            claims: None,
            signing_input: String::new(),
            signature: String::new(),
        };
    };
    ReadAssertion {
        header: read_header(header),
        claims: URL_SAFE_NO_PAD
            .decode(payload)
            .ok()
            .and_then(|bytes| serde_json::from_slice::<Map<String, Value>>(&bytes).ok()),
        signing_input: format!("{header}.{payload}"),
        signature: signature.to_owned(),
    }
}

/// The protected header's `alg` and `kid`: [`AssertionRefusal::Malformed`] unless it is a
/// base64url JSON object with an `alg` string, no `crit`, a `kid` (when present) that is a
/// string, and the other members RFC 7515 §4.1 registers of their types;
/// [`AssertionRefusal::Algorithm`] for an `alg` not accepted.
fn read_header(segment: &str) -> Result<AssertionHeader, AssertionRefusal> {
    use AssertionRefusal::{Algorithm, Malformed};
    let bytes = URL_SAFE_NO_PAD.decode(segment).map_err(|_| Malformed)?;
    let header: Map<String, Value> = serde_json::from_slice(&bytes).map_err(|_| Malformed)?;
    let alg = match header.get("alg") {
        Some(Value::String(alg)) => SigningAlgorithm::parse(alg).ok_or(Algorithm)?,
        _ => return Err(Malformed),
    };
    if header.contains_key("crit") {
        return Err(Malformed);
    }
    let kid = match header.get("kid") {
        None => None,
        Some(Value::String(kid)) => Some(kid.clone()),
        Some(_) => return Err(Malformed),
    };
    // The registered members (`typ`, `cty`, `x5c`, ...) must have their types, as
    // `jsonwebtoken` reads a header; none of them is used.
    serde_json::from_slice::<jsonwebtoken::Header>(&bytes).map_err(|_| Malformed)?;
    Ok(AssertionHeader { alg, kid })
}

/// Checks the signature of what [`read`] read over its signing input, with `key` for `alg`
/// (`jsonwebtoken::crypto::verify`): the error kind when it does not verify or cannot be
/// checked.
pub(crate) fn check_signature(
    read: &ReadAssertion,
    key: &DecodingKey,
    alg: SigningAlgorithm,
) -> Result<(), ErrorKind> {
    match jsonwebtoken::crypto::verify(
        &read.signature,
        read.signing_input.as_bytes(),
        key,
        jose_algorithm(alg),
    ) {
        Ok(true) => Ok(()),
        Ok(false) => Err(ErrorKind::InvalidSignature),
        Err(e) => Err(e.into_kind()),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn segment(v: &Value) -> String {
        URL_SAFE_NO_PAD.encode(v.to_string())
    }

    #[test]
    fn the_token_is_read_into_its_parts_once() {
        let header = segment(&json!({"alg": "ES256", "kid": "k"}));
        let payload = segment(&json!({"sub": "client-1"}));
        let read = read(&format!("{header}.{payload}.c2ln"));
        assert_eq!(
            read.header,
            Ok(AssertionHeader {
                alg: SigningAlgorithm::Es256,
                kid: Some("k".into())
            })
        );
        assert_eq!(read.subject(), Some("client-1"));
        assert_eq!(read.signing_input, format!("{header}.{payload}"));
        assert_eq!(read.signature, "c2ln");
    }

    #[test]
    fn registered_header_members_must_have_their_types() {
        let token = |h: &Value| format!("{}.e30.c2ln", segment(h));
        assert!(
            read(&token(&json!({"alg": "ES256", "typ": "JWT"})))
                .header
                .is_ok()
        );
        assert_eq!(
            read(&token(&json!({"alg": "ES256", "typ": 5}))).header,
            Err(AssertionRefusal::Malformed)
        );
    }

    #[test]
    fn claims_that_are_not_an_object_are_none() {
        let header = segment(&json!({"alg": "EdDSA"}));
        assert_eq!(read(&format!("{header}.W10.c2ln")).claims, None);
        assert_eq!(read(&format!("{header}.!!!.c2ln")).claims, None);
        assert_eq!(read("a.b").claims, None);
    }
}
