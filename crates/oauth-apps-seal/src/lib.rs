//! The data key and the domain's [`Sealer`] over it: AES-256-GCM (`ring`'s AEAD) with a
//! fresh random 96-bit nonce per seal and the record's context as associated data, so
//! that sealed bytes copied to another record do not open.
//!
//! Sealed form: one version byte (`1`), the 12-byte nonce, then the ciphertext and its
//! 16-byte tag.
//!
//! The key is 32 bytes, written as 64 hex digits or standard base64
//! (`OAUTH_APPS_DATA_KEY`).

#![deny(missing_docs)]

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use oauth_apps_domain::{SealError, Sealed, Sealer};
use ring::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use ring::rand::{SecureRandom, SystemRandom};

/// The version byte of the sealed form.
const VERSION: u8 = 1;
/// The key's length in bytes.
pub const KEY_BYTES: usize = 32;

/// Why a data key setting is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "must be {KEY_BYTES} bytes written as 64 hex digits or standard base64 (openssl rand -hex 32)"
)]
pub struct BadDataKey;

/// A 32-byte AES-256-GCM key. `Debug` is redacted.
#[derive(Clone)]
pub struct DataKey([u8; KEY_BYTES]);

impl DataKey {
    /// Reads a key written as 64 hex digits or standard base64 of 32 bytes (surrounding
    /// white space ignored).
    ///
    /// # Errors
    /// [`BadDataKey`] for anything else.
    pub fn parse(text: &str) -> Result<Self, BadDataKey> {
        let text = text.trim();
        let bytes = if text.len() == 2 * KEY_BYTES && text.bytes().all(|b| b.is_ascii_hexdigit()) {
            (0..KEY_BYTES)
                .map(|i| u8::from_str_radix(&text[2 * i..2 * i + 2], 16).map_err(|_| BadDataKey))
                .collect::<Result<Vec<u8>, _>>()?
        } else {
            STANDARD.decode(text).map_err(|_| BadDataKey)?
        };
        bytes.try_into().map(Self).map_err(|_| BadDataKey)
    }

    /// A new random key, as 64 hex digits (for a development key file).
    ///
    /// # Errors
    /// [`SealError::Unexpected`] when the system's generator fails.
    pub fn generate_hex() -> Result<String, SealError> {
        let mut bytes = [0u8; KEY_BYTES];
        SystemRandom::new()
            .fill(&mut bytes)
            .map_err(|_| SealError::Unexpected("the system random source failed".into()))?;
        Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
    }
}

impl fmt::Debug for DataKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DataKey(<redacted>)")
    }
}

/// The [`Sealer`] of the configured data key, or of none (every call is
/// [`SealError::NoKey`]).
pub struct AesGcmSealer {
    key: Option<LessSafeKey>,
    random: SystemRandom,
}

impl fmt::Debug for AesGcmSealer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AesGcmSealer")
            .field("has_key", &self.key.is_some())
            .finish()
    }
}

impl AesGcmSealer {
    /// A sealer with `key`, or without a key.
    #[must_use]
    pub fn new(key: Option<&DataKey>) -> Self {
        Self {
            key: key.and_then(|k| {
                UnboundKey::new(&AES_256_GCM, &k.0)
                    .ok()
                    .map(LessSafeKey::new)
            }),
            random: SystemRandom::new(),
        }
    }
}

impl Sealer for AesGcmSealer {
    fn seal(&self, plaintext: &[u8], context: &str) -> Result<Sealed, SealError> {
        let key = self.key.as_ref().ok_or(SealError::NoKey)?;
        let mut nonce = [0u8; NONCE_LEN];
        self.random
            .fill(&mut nonce)
            .map_err(|_| SealError::Unexpected("the system random source failed".into()))?;
        let mut body = plaintext.to_vec();
        key.seal_in_place_append_tag(
            Nonce::assume_unique_for_key(nonce),
            Aad::from(context.as_bytes()),
            &mut body,
        )
        .map_err(|_| SealError::Unexpected("AES-GCM refused to seal".into()))?;
        let mut sealed = Vec::with_capacity(1 + NONCE_LEN + body.len());
        sealed.push(VERSION);
        sealed.extend_from_slice(&nonce);
        sealed.extend_from_slice(&body);
        Ok(Sealed(sealed))
    }

    fn open(&self, sealed: &Sealed, context: &str) -> Result<Vec<u8>, SealError> {
        let key = self.key.as_ref().ok_or(SealError::NoKey)?;
        let (&version, rest) = sealed.0.split_first().ok_or(SealError::Corrupt)?;
        if version != VERSION || rest.len() < NONCE_LEN {
            return Err(SealError::Corrupt);
        }
        let (nonce, body) = rest.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| SealError::Corrupt)?;
        let mut body = body.to_vec();
        let plain = key
            .open_in_place(nonce, Aad::from(context.as_bytes()), &mut body)
            .map_err(|_| SealError::Corrupt)?;
        Ok(plain.to_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(byte: u8) -> DataKey {
        DataKey([byte; KEY_BYTES])
    }

    #[test]
    fn sealed_bytes_open_only_with_their_key_and_context() {
        let sealer = AesGcmSealer::new(Some(&key(1)));
        let sealed = sealer.seal(b"whsec key", "webhook-secret:a").unwrap();
        assert_eq!(sealed.0.len(), 1 + 12 + 9 + 16);
        assert!(!sealed.0.windows(9).any(|w| w == b"whsec key"));
        assert_eq!(
            sealer.open(&sealed, "webhook-secret:a").unwrap(),
            b"whsec key"
        );
        // Another record's context, another key, a flipped bit: none opens.
        assert!(matches!(
            sealer.open(&sealed, "webhook-secret:b"),
            Err(SealError::Corrupt)
        ));
        let other = AesGcmSealer::new(Some(&key(2)));
        assert!(matches!(
            other.open(&sealed, "webhook-secret:a"),
            Err(SealError::Corrupt)
        ));
        let mut flipped = sealed.clone();
        let last = flipped.0.len() - 1;
        flipped.0[last] ^= 1;
        assert!(matches!(
            sealer.open(&flipped, "webhook-secret:a"),
            Err(SealError::Corrupt)
        ));
        assert!(matches!(
            sealer.open(&Sealed(vec![1, 2]), "x"),
            Err(SealError::Corrupt)
        ));
        // A fresh nonce each time.
        assert_ne!(
            sealer.seal(b"x", "c").unwrap(),
            sealer.seal(b"x", "c").unwrap()
        );
    }

    #[test]
    fn without_a_key_nothing_is_sealed() {
        let sealer = AesGcmSealer::new(None);
        assert!(matches!(sealer.seal(b"x", "c"), Err(SealError::NoKey)));
    }

    #[test]
    fn keys_are_read_as_hex_or_base64() {
        let hex = DataKey::generate_hex().unwrap();
        assert_eq!(hex.len(), 64);
        let parsed = DataKey::parse(&hex).unwrap();
        let b64 = STANDARD.encode(parsed.0);
        assert_eq!(DataKey::parse(&b64).unwrap().0, parsed.0);
        assert_eq!(DataKey::parse(&format!(" {hex}\n")).unwrap().0, parsed.0);
        assert_eq!(DataKey::parse("abc").unwrap_err(), BadDataKey);
        assert_eq!(DataKey::parse(&hex[..62]).unwrap_err(), BadDataKey);
        assert_eq!(format!("{parsed:?}"), "DataKey(<redacted>)");
    }
}
