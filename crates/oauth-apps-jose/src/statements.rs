//! [`TrustedStatements`]: software statements (RFC 7591 §2.3) signed by keys the
//! operator trusts.

use std::path::Path;

use std::sync::Arc;

use jsonwebtoken::errors::ErrorKind;
use oauth_apps_domain::{Clock, Jwks, SoftwareStatementVerifier, StatementRefusal};
use serde_json::{Map, Value};

use crate::jws;
use crate::verifier::decoding_key;

/// Clock skew tolerated on a statement's `exp` and `nbf`, in seconds.
pub const STATEMENT_LEEWAY_SECONDS: u64 = 60;

/// The [`SoftwareStatementVerifier`] over a JWK Set of trusted public keys
/// (`OAUTH_APPS_SOFTWARE_STATEMENT_JWKS_FILE`): a statement is accepted when it is a JWS
/// compact JWT whose header names a key of the set (by `kid`, or the only key) with an
/// algorithm that key may use (ES256, ES384, PS256, RS256, EdDSA; never `none` or an
/// HMAC), whose signature verifies (`jsonwebtoken`), whose `iss` is a non-empty string,
/// and whose `exp` and `nbf`, when present, hold at the time of the domain's [`Clock`]
/// (60 s of leeway). A key the set does not hold is `unapproved`; anything else wrong is
/// `invalid`. The statement is read once (the reader of client assertions).
#[derive(Clone)]
pub struct TrustedStatements {
    keys: Jwks,
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for TrustedStatements {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TrustedStatements")
            .field("keys", &self.keys)
            .finish_non_exhaustive()
    }
}

impl TrustedStatements {
    /// Trusts the keys of `keys`, checking `exp` and `nbf` at `clock`'s time.
    #[must_use]
    pub fn new(keys: Jwks, clock: Arc<dyn Clock>) -> Self {
        Self { keys, clock }
    }

    /// Trusts the keys of the JWK Set in the file at `path`, checking `exp` and `nbf` at
    /// `clock`'s time.
    ///
    /// # Errors
    /// What is wrong with the file, in words.
    pub fn read_file(path: &Path, clock: Arc<dyn Clock>) -> Result<Self, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("{} cannot be read: {e}", path.display()))?;
        Jwks::parse(&text)
            .map(|keys| Self::new(keys, clock))
            .map_err(|v| format!("{} is not a JWK Set of public keys: {v}", path.display()))
    }
}

impl SoftwareStatementVerifier for TrustedStatements {
    fn verify(&self, statement: &str) -> Result<Map<String, Value>, StatementRefusal> {
        let invalid = |why: &str| StatementRefusal::Invalid(format!("software_statement {why}"));
        let read = jws::read(statement);
        let header = read.header.as_ref().map_err(|_| {
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
        jws::check_signature(&read, &decoding, header.alg).map_err(|e| match e {
            ErrorKind::InvalidSignature => invalid("has a signature that does not verify"),
            _ => invalid("cannot be read as a signed JWT"),
        })?;
        let unreadable = || invalid("cannot be read as a signed JWT");
        let claims = read.claims.ok_or_else(unreadable)?;
        let now = u64::try_from(self.clock.now().unix_micros() / 1_000_000).unwrap_or(0);
        let exp = numeric_date(&claims, "exp").ok_or_else(unreadable)?;
        let nbf = numeric_date(&claims, "nbf").ok_or_else(unreadable)?;
        if exp.is_some_and(|exp| exp < now.saturating_sub(STATEMENT_LEEWAY_SECONDS)) {
            return Err(invalid("has expired"));
        }
        if nbf.is_some_and(|nbf| nbf > now.saturating_add(STATEMENT_LEEWAY_SECONDS)) {
            return Err(invalid("is not valid yet (nbf)"));
        }
        match claims.get("iss") {
            Some(Value::String(iss)) if !iss.is_empty() => Ok(claims),
            _ => Err(invalid("must name its issuer (iss)")),
        }
    }
}

/// A time claim in whole seconds: `Some(None)` when absent; `None` unless it is a
/// non-negative integer or a finite non-negative number (rounded), as `jsonwebtoken`
/// reads `exp` and `nbf`.
fn numeric_date(claims: &Map<String, Value>, name: &str) -> Option<Option<u64>> {
    let Some(value) = claims.get(name) else {
        return Some(None);
    };
    if let Some(seconds) = value.as_u64() {
        return Some(Some(seconds));
    }
    let seconds = value.as_f64().filter(|s| s.is_finite() && *s >= 0.0)?;
    // Within u64 by the filter and the saturating cast.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    Some(Some(seconds.round() as u64))
}
