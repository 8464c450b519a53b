//! What rotating credentials share, secrets and key sets alike: the serial number that
//! tells an application's credentials apart ([`CredentialSerial`]) and how long a replaced
//! one stays valid ([`GracePeriod`]).

use crate::shared::validation::Violation;

/// Which of an application's secrets, or of its key sets, a credential is: 1 for the
/// first, one more for each that replaces it. Never reused within an application.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CredentialSerial(u32);

impl CredentialSerial {
    /// The first credential of its kind.
    pub const FIRST: Self = Self(1);

    /// Rebuilds a stored serial.
    ///
    /// # Errors
    /// [`Violation::Malformed`] for zero.
    pub const fn new(serial: u32) -> Result<Self, Violation> {
        if serial == 0 {
            Err(Violation::Malformed {
                what: "credential serial",
            })
        } else {
            Ok(Self(serial))
        }
    }

    /// The serial of the credential that replaces this one.
    #[must_use]
    pub const fn next(self) -> Self {
        Self(self.0.saturating_add(1))
    }

    /// The number.
    #[must_use]
    pub const fn get(self) -> u32 {
        self.0
    }
}

/// How long a rotated-out secret stays valid: 0 to 604800 seconds (7 days).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct GracePeriod(u32);

impl GracePeriod {
    /// The longest grace period: 7 days.
    pub const MAX_SECONDS: u32 = 604_800;
    /// No grace: the previous secret stops working at once.
    pub const NONE: Self = Self(0);

    /// Checks a grace period in seconds.
    ///
    /// # Errors
    /// [`Violation::OutOfRange`] outside 0..=604800.
    pub fn from_seconds(seconds: i64) -> Result<Self, Violation> {
        u32::try_from(seconds)
            .ok()
            .filter(|s| *s <= Self::MAX_SECONDS)
            .map(Self)
            .ok_or(Violation::OutOfRange {
                min: 0,
                max: i64::from(Self::MAX_SECONDS),
            })
    }

    /// The period in seconds.
    #[must_use]
    pub const fn seconds(self) -> u32 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grace_period_bounds() {
        assert_eq!(GracePeriod::from_seconds(0).unwrap(), GracePeriod::NONE);
        assert_eq!(
            GracePeriod::from_seconds(604_800).unwrap().seconds(),
            604_800
        );
        let out = Violation::OutOfRange {
            min: 0,
            max: 604_800,
        };
        assert_eq!(GracePeriod::from_seconds(604_801), Err(out.clone()));
        assert_eq!(GracePeriod::from_seconds(-1), Err(out.clone()));
        assert_eq!(GracePeriod::from_seconds(i64::MAX), Err(out));
        assert_eq!(GracePeriod::default(), GracePeriod::NONE);
    }
}
