//! [`TrustedStatements`]: software statements (RFC 7591 §2.3) signed by keys the
//! operator trusts.

use std::path::Path;

use jsonwebtoken::Validation;
use oauth_apps_domain::{Jwks, SoftwareStatementVerifier, StatementRefusal};
use serde_json::{Map, Value};

use crate::verifier::{ProtectedHeader, decoding_key, jose_algorithm};

/// Clock skew tolerated on a statement's `exp` and `nbf`, in seconds.
pub const STATEMENT_LEEWAY_SECONDS: u64 = 60;

/// The [`SoftwareStatementVerifier`] over a JWK Set of trusted public keys
/// (`OAUTH_APPS_SOFTWARE_STATEMENT_JWKS_FILE`): a statement is accepted when it is a JWS
/// compact JWT whose header names a key of the set (by `kid`, or the only key) with an
/// algorithm that key may use (ES256, ES384, PS256, RS256, EdDSA; never `none` or an
/// HMAC), whose signature verifies (`jsonwebtoken`), whose `iss` is a non-empty string,
/// and whose `exp` and `nbf`, when present, hold (60 s of leeway). A key the set does not
/// hold is `unapproved`; anything else wrong is `invalid`.
#[derive(Debug, Clone)]
pub struct TrustedStatements {
    keys: Jwks,
}

impl TrustedStatements {
    /// Trusts the keys of `keys`.
    #[must_use]
    pub const fn new(keys: Jwks) -> Self {
        Self { keys }
    }

    /// Trusts the keys of the JWK Set in the file at `path`.
    ///
    /// # Errors
    /// What is wrong with the file, in words.
    pub fn read_file(path: &Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("{} cannot be read: {e}", path.display()))?;
        Jwks::parse(&text)
            .map(Self::new)
            .map_err(|v| format!("{} is not a JWK Set of public keys: {v}", path.display()))
    }
}

impl SoftwareStatementVerifier for TrustedStatements {
    fn verify(&self, statement: &str) -> Result<Map<String, Value>, StatementRefusal> {
        let invalid = |why: &str| StatementRefusal::Invalid(format!("software_statement {why}"));
        let header = ProtectedHeader::read(statement).map_err(|_| {
            invalid("must be a signed JWT (JWS compact) with ES256, ES384, PS256, RS256 or EdDSA")
        })?;
        let key = self.keys.find(header.kid.as_deref()).ok_or_else(|| {
            StatementRefusal::Unapproved(
                "software_statement is signed by a key this registry does not trust".to_owned(),
            )
        })?;
        if !key.kind().algorithms().contains(&header.alg) || !key.algorithms().contains(&header.alg)
        {
            return Err(invalid("uses an algorithm its key may not use"));
        }
        let decoding = decoding_key(key).ok_or_else(|| invalid("names an unusable key"))?;
        let mut validation = Validation::new(jose_algorithm(header.alg));
        validation.required_spec_claims.clear();
        validation.validate_exp = true;
        validation.validate_nbf = true;
        validation.validate_aud = false;
        validation.leeway = STATEMENT_LEEWAY_SECONDS;
        let token = jsonwebtoken::decode::<Map<String, Value>>(statement, &decoding, &validation)
            .map_err(|e| {
            use jsonwebtoken::errors::ErrorKind;
            match e.kind() {
                ErrorKind::ExpiredSignature => invalid("has expired"),
                ErrorKind::ImmatureSignature => invalid("is not valid yet (nbf)"),
                ErrorKind::InvalidSignature => invalid("has a signature that does not verify"),
                _ => invalid("cannot be read as a signed JWT"),
            }
        })?;
        match token.claims.get("iss") {
            Some(Value::String(iss)) if !iss.is_empty() => Ok(token.claims),
            _ => Err(invalid("must name its issuer (iss)")),
        }
    }
}
