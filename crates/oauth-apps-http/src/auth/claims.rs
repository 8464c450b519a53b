//! What a token says: the claims this service mints for development and scripts, and
//! what every token it verifies must say.

use std::collections::HashMap;

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde::{Deserialize, Serialize};

use super::keys::{KeyError, MIN_HS256_SECRET_LEN};

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

/// What tokens must say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expectations {
    /// The required `aud`.
    pub audience: String,
    /// The required `iss`, when set.
    pub issuer: Option<String>,
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
