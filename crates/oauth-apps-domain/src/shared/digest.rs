//! The SHA-256 digest a presented token or secret is kept and found by
//! ([`TokenDigest`]): initial access tokens, registration access tokens and the lookup of a
//! client secret reported leaked.

use std::fmt;

use sha2::{Digest as _, Sha256};

use crate::shared::validation::Violation;

/// The SHA-256 of a bearer token, as storage keeps it and looks it up. A token carries 256
/// random bits, so a fast hash is enough: no guess can be tested against the digest faster
/// than against the service.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct TokenDigest([u8; 32]);

impl TokenDigest {
    /// The digest of `presented`, as given (a token of another shape simply matches none).
    #[must_use]
    pub fn of(presented: &str) -> Self {
        Self(Sha256::digest(presented.as_bytes()).into())
    }

    /// Rebuilds a stored digest from its 64 lowercase hexadecimal characters.
    ///
    /// # Errors
    /// [`Violation::Malformed`] for anything else.
    pub fn from_hex(hex: &str) -> Result<Self, Violation> {
        let malformed = Violation::Malformed {
            what: "token digest",
        };
        if hex.len() != 64 || !hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
            return Err(malformed);
        }
        let mut bytes = [0u8; 32];
        for (i, byte) in bytes.iter_mut().enumerate() {
            *byte =
                u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).map_err(|_| malformed.clone())?;
        }
        Ok(Self(bytes))
    }

    /// Its 64 lowercase hexadecimal characters, for storage.
    #[must_use]
    pub fn to_hex(&self) -> String {
        use std::fmt::Write as _;
        self.0.iter().fold(String::with_capacity(64), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
    }
}

impl fmt::Debug for TokenDigest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TokenDigest(<redacted>)")
    }
}
