//! Randomness for identifiers and secrets: the [`RandomSource`] port (the operating
//! system's CSPRNG in production; `SeededRandom`, **not** a CSPRNG, in tests).

#[cfg(feature = "testing")]
use std::sync::atomic::{AtomicU64, Ordering};

use crate::shared::errors::BoxError;

/// The random source could not deliver.
#[derive(Debug, thiserror::Error)]
#[error("the random source failed")]
pub struct RandomError(#[source] pub BoxError);

/// A cryptographically secure random source.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
pub trait RandomSource: Send + Sync {
    /// Fills `dest` with random bytes.
    ///
    /// # Errors
    /// [`RandomError`] when the operating system's generator fails.
    fn fill(&self, dest: &mut [u8]) -> Result<(), RandomError>;
}

/// A deterministic pseudo-random source (SplitMix64). **Not** cryptographically secure.
#[cfg(feature = "testing")]
pub struct SeededRandom(AtomicU64);

#[cfg(feature = "testing")]
impl SeededRandom {
    /// A source starting from `seed`.
    #[must_use]
    pub const fn new(seed: u64) -> Self {
        Self(AtomicU64::new(seed))
    }
}

#[cfg(feature = "testing")]
impl RandomSource for SeededRandom {
    fn fill(&self, dest: &mut [u8]) -> Result<(), RandomError> {
        for chunk in dest.chunks_mut(8) {
            let mut z = self
                .0
                .fetch_add(0x9E37_79B9_7F4A_7C15, Ordering::Relaxed)
                .wrapping_add(0x9E37_79B9_7F4A_7C15);
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^= z >> 31;
            chunk.copy_from_slice(&z.to_le_bytes()[..chunk.len()]);
        }
        Ok(())
    }
}
