//! Sealing what must be kept secret yet used again (a webhook's signing key, an idempotent
//! answer): the [`Sealer`] port and the [`Sealed`] bytes it makes.

use std::fmt;

use crate::shared::errors::BoxError;

/// Bytes sealed by a [`Sealer`]: a webhook's signing key, an idempotent
/// answer. Opaque to the domain.
#[derive(Clone, PartialEq, Eq)]
pub struct Sealed(pub Vec<u8>);

impl fmt::Debug for Sealed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Sealed({} bytes)", self.0.len())
    }
}

/// Why sealing or opening failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SealError {
    /// No data key is configured: nothing can be sealed or opened.
    #[error("no data key is configured (OAUTH_APPS_DATA_KEY)")]
    NoKey,
    /// The sealed bytes do not open with this key and context: altered, sealed under
    /// another key, or for another record.
    #[error("the sealed data does not open with this key")]
    Corrupt,
    /// Anything else.
    #[error("sealing failed")]
    Unexpected(#[source] BoxError),
}

/// Authenticated encryption of what must be kept secret yet used again (a webhook's
/// signing key, an idempotent answer that holds a secret): AES-256-GCM under the data key
/// in production. `context` is bound to the sealed bytes (associated data): bytes sealed
/// for one record do not open as another's.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
pub trait Sealer: Send + Sync {
    /// Seals `plaintext` for `context`.
    ///
    /// # Errors
    /// [`SealError::NoKey`] without a key; [`SealError::Unexpected`].
    fn seal(&self, plaintext: &[u8], context: &str) -> Result<Sealed, SealError>;

    /// Opens bytes sealed for `context`.
    ///
    /// # Errors
    /// [`SealError::Corrupt`] when they do not open; [`SealError::NoKey`].
    fn open(&self, sealed: &Sealed, context: &str) -> Result<Vec<u8>, SealError>;
}

/// A sealer with no cryptography: the context, a zero byte and the plaintext, checked on
/// opening. Only for tests.
#[cfg(feature = "testing")]
#[derive(Debug, Default, Clone, Copy)]
pub struct FakeSealer;

#[cfg(feature = "testing")]
impl Sealer for FakeSealer {
    fn seal(&self, plaintext: &[u8], context: &str) -> Result<Sealed, SealError> {
        let mut bytes = context.as_bytes().to_vec();
        bytes.push(0);
        bytes.extend_from_slice(plaintext);
        Ok(Sealed(bytes))
    }

    fn open(&self, sealed: &Sealed, context: &str) -> Result<Vec<u8>, SealError> {
        let prefix_len = context.len() + 1;
        if sealed.0.len() < prefix_len
            || &sealed.0[..context.len()] != context.as_bytes()
            || sealed.0[context.len()] != 0
        {
            return Err(SealError::Corrupt);
        }
        Ok(sealed.0[prefix_len..].to_vec())
    }
}
