//! A client's signing key for tests of `private_key_jwt`: a P-256 key pair made with
//! `rcgen`, client assertions (RFC 7523 §3) signed with `jsonwebtoken`, the public JWK Set
//! the client registers or publishes. Behind the `keys` feature.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use jsonwebtoken::jwk::Jwk;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use rcgen::{KeyPair, PKCS_ECDSA_P256_SHA256};
use serde_json::{Value, json};

/// The `client_assertion_type` of a JWT client assertion (RFC 7523 §2.2).
pub const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// Makes every `jti` of a test run different.
static SERIAL: AtomicU64 = AtomicU64::new(0);

/// Seconds since the epoch, by the system clock.
#[must_use]
pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// An ES256 signing key with its key id.
pub struct Signer {
    kid: String,
    key: EncodingKey,
    public: Value,
}

impl Signer {
    /// A new P-256 key named `kid`.
    ///
    /// # Panics
    /// When the key cannot be made.
    #[must_use]
    pub fn es256(kid: &str) -> Self {
        let pair = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).expect("P-256 key");
        let key = EncodingKey::from_ec_der(&pair.serialize_der());
        let jwk = Jwk::from_encoding_key(&key, Algorithm::ES256).expect("public JWK");
        let mut public = serde_json::to_value(jwk).expect("JWK as JSON");
        public["kid"] = json!(kid);
        Self {
            kid: kid.to_owned(),
            key,
            public,
        }
    }

    /// The public JWK Set of this key alone, as a client registers it.
    #[must_use]
    pub fn jwks(&self) -> Value {
        json!({ "keys": [self.public.clone()] })
    }

    /// Its public JWK.
    #[must_use]
    pub fn public_jwk(&self) -> Value {
        self.public.clone()
    }

    /// `claims` signed with this key (ES256, `kid` in the header).
    ///
    /// # Panics
    /// When signing fails.
    #[must_use]
    pub fn sign(&self, claims: &Value) -> String {
        let mut header = Header::new(Algorithm::ES256);
        header.kid = Some(self.kid.clone());
        jsonwebtoken::encode(&header, claims, &self.key).expect("signed")
    }

    /// A client assertion of `client_id` for `audience`: issued now, expiring in five
    /// minutes, with a `jti` never used before in this run.
    #[must_use]
    pub fn assertion(&self, client_id: &str, audience: &str) -> String {
        self.sign(&claims(client_id, audience))
    }
}

/// The claims of a client assertion of `client_id` for `audience` (RFC 7523 §3): issued
/// now, expiring in five minutes, with a fresh `jti`.
#[must_use]
pub fn claims(client_id: &str, audience: &str) -> Value {
    let now = now();
    let jti = format!(
        "jti-{}-{}",
        SERIAL.fetch_add(1, Ordering::Relaxed),
        uuid::Uuid::new_v4().simple()
    );
    json!({
        "iss": client_id,
        "sub": client_id,
        "aud": audience,
        "iat": now,
        "exp": now + 300,
        "jti": jti,
    })
}

/// A secret scanning partner's signing key (GitHub's format): a P-256 key pair whose
/// public key is listed in a keys file, and ECDSA SHA-256 signatures (ASN.1 DER, base64)
/// over a report's raw body.
pub struct ScanningSigner {
    /// The key's identifier (`Github-Public-Key-Identifier`).
    pub key_identifier: String,
    key: KeyPair,
}

impl ScanningSigner {
    /// A new key named `key_identifier`.
    ///
    /// # Panics
    /// When the key cannot be made.
    #[must_use]
    pub fn new(key_identifier: &str) -> Self {
        Self {
            key_identifier: key_identifier.to_owned(),
            key: KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).expect("P-256 key"),
        }
    }

    /// The keys file entry of this key, in the form of GitHub's meta API
    /// (`{"key_identifier", "key", "is_current"}`).
    #[must_use]
    pub fn entry(&self) -> Value {
        json!({
            "key_identifier": self.key_identifier,
            "key": self.key.public_key_pem(),
            "is_current": true,
        })
    }

    /// The base64 signature of `body` (`Github-Public-Key-Signature`).
    ///
    /// # Panics
    /// When signing fails.
    #[must_use]
    pub fn sign(&self, body: &[u8]) -> String {
        use base64::Engine as _;
        use rcgen::SigningKey as _;
        let signature = self.key.sign(body).expect("signed");
        base64::engine::general_purpose::STANDARD.encode(signature)
    }
}
