//! Webhook signing as the Standard Webhooks specification writes it
//! (<https://www.standardwebhooks.com>, `spec/standard-webhooks.md`), so that receivers
//! verify deliveries with its published libraries:
//!
//! - a signing secret is `whsec_` followed by the standard base64 of 24 to 64 random bytes
//!   (this service makes 32); the bytes are the HMAC key;
//! - a delivery carries `webhook-id` (the message id, the same on every retry),
//!   `webhook-timestamp` (seconds since the epoch) and `webhook-signature`: `v1,` followed
//!   by the standard base64 of HMAC-SHA256 over `{id}.{timestamp}.{body}`; during a secret
//!   rotation the header holds one signature per secret, separated by spaces.
//!
//! The HMAC is RustCrypto's (`hmac`, `sha2`); nothing here hand-rolls cryptography.

#![deny(missing_docs)]

mod sender;

pub use sender::GuardedSender;

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// The prefix of every signing secret.
pub const SECRET_PREFIX: &str = "whsec_";
/// How many random bytes a new secret has.
pub const SECRET_BYTES: usize = 32;
/// The fewest and the most key bytes a secret may have (the specification's range).
pub const SECRET_BYTES_RANGE: (usize, usize) = (24, 64);
/// The signature scheme's version prefix.
pub const SIGNATURE_VERSION: &str = "v1";

/// A webhook signing secret. Shown once (its `expose`), never logged: `Debug` is redacted
/// and there is no `Display`.
#[derive(Clone, PartialEq, Eq)]
pub struct WebhookSecret(Vec<u8>);

/// Why a string is not a signing secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecretError {
    /// It does not start with `whsec_`.
    #[error("a webhook secret starts with whsec_")]
    Prefix,
    /// What follows is not standard base64.
    #[error("a webhook secret is whsec_ followed by standard base64")]
    Encoding,
    /// The key is shorter or longer than allowed.
    #[error("a webhook secret holds 24 to 64 bytes (got {0})")]
    Length(usize),
}

impl WebhookSecret {
    /// The secret of `bytes` (drawn from a CSPRNG by the caller).
    #[must_use]
    pub fn from_random_bytes(bytes: [u8; SECRET_BYTES]) -> Self {
        Self(bytes.to_vec())
    }

    /// The secret of key bytes kept by the caller (24 to 64 of them).
    ///
    /// # Errors
    /// [`SecretError::Length`] outside that range.
    pub fn from_key(key: &[u8]) -> Result<Self, SecretError> {
        let (min, max) = SECRET_BYTES_RANGE;
        if !(min..=max).contains(&key.len()) {
            return Err(SecretError::Length(key.len()));
        }
        Ok(Self(key.to_vec()))
    }

    /// Reads a secret written as `whsec_<base64>`.
    ///
    /// # Errors
    /// [`SecretError`] naming what is wrong.
    pub fn parse(text: &str) -> Result<Self, SecretError> {
        let encoded = text
            .strip_prefix(SECRET_PREFIX)
            .ok_or(SecretError::Prefix)?;
        let key = STANDARD
            .decode(encoded)
            .map_err(|_| SecretError::Encoding)?;
        let (min, max) = SECRET_BYTES_RANGE;
        if !(min..=max).contains(&key.len()) {
            return Err(SecretError::Length(key.len()));
        }
        Ok(Self(key))
    }

    /// The secret as written: `whsec_` and the standard base64 of its key.
    #[must_use]
    pub fn expose(&self) -> String {
        format!("{SECRET_PREFIX}{}", STANDARD.encode(&self.0))
    }

    /// The signature of a message: `v1,` and the standard base64 of HMAC-SHA256 over
    /// `{msg_id}.{timestamp}.{payload}`.
    #[must_use]
    pub fn sign(&self, msg_id: &str, timestamp: i64, payload: &[u8]) -> String {
        let tag = self.mac(msg_id, timestamp, payload).finalize().into_bytes();
        format!("{SIGNATURE_VERSION},{}", STANDARD.encode(tag))
    }

    /// Whether `header` (a `webhook-signature` value: space-separated `v1,<base64>`
    /// entries) holds a signature of this message by this secret; compared in constant
    /// time.
    #[must_use]
    pub fn verifies(&self, msg_id: &str, timestamp: i64, payload: &[u8], header: &str) -> bool {
        header.split(' ').any(|entry| {
            entry
                .strip_prefix("v1,")
                .and_then(|encoded| STANDARD.decode(encoded).ok())
                .is_some_and(|tag| {
                    self.mac(msg_id, timestamp, payload)
                        .verify_slice(&tag)
                        .is_ok()
                })
        })
    }

    fn mac(&self, msg_id: &str, timestamp: i64, payload: &[u8]) -> Hmac<Sha256> {
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&self.0)
            .expect("HMAC takes a key of any length");
        mac.update(msg_id.as_bytes());
        mac.update(b".");
        mac.update(timestamp.to_string().as_bytes());
        mac.update(b".");
        mac.update(payload);
        mac
    }
}

impl fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("WebhookSecret(<redacted>)")
    }
}

/// The three headers of a delivery, signed by every secret of `secrets` (the current one,
/// and the previous one while a rotation's grace period lasts).
#[must_use]
pub fn headers(
    secrets: &[&WebhookSecret],
    msg_id: &str,
    timestamp: i64,
    payload: &[u8],
) -> [(&'static str, String); 3] {
    let signature = secrets
        .iter()
        .map(|s| s.sign(msg_id, timestamp, payload))
        .collect::<Vec<_>>()
        .join(" ");
    [
        ("webhook-id", msg_id.to_owned()),
        ("webhook-timestamp", timestamp.to_string()),
        ("webhook-signature", signature),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_round_trip_and_bad_ones_are_named() {
        let secret = WebhookSecret::from_random_bytes([7; SECRET_BYTES]);
        let text = secret.expose();
        assert!(text.starts_with("whsec_"));
        assert_eq!(WebhookSecret::parse(&text), Ok(secret.clone()));
        assert_eq!(format!("{secret:?}"), "WebhookSecret(<redacted>)");
        assert_eq!(WebhookSecret::parse("sk_abc"), Err(SecretError::Prefix));
        assert_eq!(WebhookSecret::parse("whsec_!!"), Err(SecretError::Encoding));
        let short = format!("whsec_{}", STANDARD.encode([1_u8; 16]));
        assert_eq!(WebhookSecret::parse(&short), Err(SecretError::Length(16)));
    }

    #[test]
    fn a_signature_verifies_for_its_message_only() {
        let secret = WebhookSecret::from_random_bytes([9; SECRET_BYTES]);
        let other = WebhookSecret::from_random_bytes([8; SECRET_BYTES]);
        let signature = secret.sign("msg_1", 1_700_000_000, b"{\"a\":1}");
        assert!(signature.starts_with("v1,"));
        assert!(secret.verifies("msg_1", 1_700_000_000, b"{\"a\":1}", &signature));
        assert!(!secret.verifies("msg_2", 1_700_000_000, b"{\"a\":1}", &signature));
        assert!(!secret.verifies("msg_1", 1_700_000_001, b"{\"a\":1}", &signature));
        assert!(!secret.verifies("msg_1", 1_700_000_000, b"{\"a\":2}", &signature));
        assert!(!other.verifies("msg_1", 1_700_000_000, b"{\"a\":1}", &signature));
        // During a rotation both secrets sign; either verifies the header.
        let [_, _, (_, both)] = headers(&[&secret, &other], "msg_1", 5, b"x");
        assert_eq!(both.split(' ').count(), 2);
        assert!(secret.verifies("msg_1", 5, b"x", &both));
        assert!(other.verifies("msg_1", 5, b"x", &both));
    }
}
