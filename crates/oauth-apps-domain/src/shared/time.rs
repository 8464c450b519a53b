//! Time: the instant ([`Timestamp`]) and where the use cases read it from (the [`Clock`]
//! port; [`SystemClock`] in production, `FixedClock` in tests).

use std::fmt;
#[cfg(feature = "testing")]
use std::sync::Mutex;

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::shared::validation::Violation;

/// A UTC instant with microsecond precision (what both databases store exactly).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(OffsetDateTime);

impl Timestamp {
    /// The instant `micros` microseconds after the Unix epoch, if representable.
    #[must_use]
    pub fn from_unix_micros(micros: i64) -> Option<Self> {
        OffsetDateTime::from_unix_timestamp_nanos(i128::from(micros) * 1_000)
            .ok()
            .map(Self)
    }

    /// Truncates to microseconds and converts to UTC.
    #[must_use]
    pub fn from_offset_date_time(t: OffsetDateTime) -> Self {
        let micros = t.unix_timestamp_nanos().div_euclid(1_000);
        // In range: it came from a valid OffsetDateTime and only lost precision.
        Self(
            OffsetDateTime::from_unix_timestamp_nanos(micros * 1_000)
                .unwrap_or(OffsetDateTime::UNIX_EPOCH),
        )
    }

    /// Microseconds since the Unix epoch.
    #[must_use]
    pub fn unix_micros(self) -> i64 {
        // Every representable OffsetDateTime fits: years ±9999 are ~3e17 µs.
        i64::try_from(self.0.unix_timestamp_nanos().div_euclid(1_000)).unwrap_or(i64::MAX)
    }

    /// The instant as a UTC `OffsetDateTime`.
    #[must_use]
    pub const fn as_offset_date_time(self) -> OffsetDateTime {
        self.0
    }

    /// The instant `seconds` later, saturating at the end of the representable range.
    #[must_use]
    pub fn plus_seconds(self, seconds: u32) -> Self {
        Self(
            self.0
                .checked_add(time::Duration::seconds(i64::from(seconds)))
                .unwrap_or(self.0),
        )
    }

    /// RFC 3339 in UTC, ending in `Z`.
    #[must_use]
    pub fn to_rfc3339(self) -> String {
        self.0
            .format(&Rfc3339)
            .unwrap_or_else(|_| self.unix_micros().to_string())
    }

    /// Parses an RFC 3339 timestamp (any offset; stored as UTC, truncated to microseconds).
    ///
    /// # Errors
    /// [`Violation::Malformed`] when `s` is not RFC 3339.
    pub fn parse_rfc3339(s: &str) -> Result<Self, Violation> {
        OffsetDateTime::parse(s, &Rfc3339)
            .map(|t| Self::from_offset_date_time(t.to_offset(time::UtcOffset::UTC)))
            .map_err(|_| Violation::Malformed {
                what: "RFC 3339 timestamp",
            })
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_rfc3339())
    }
}

/// The current time.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
pub trait Clock: Send + Sync {
    /// Now, in UTC.
    fn now(&self) -> Timestamp;
}

/// The system clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp::from_offset_date_time(time::OffsetDateTime::now_utc())
    }
}

/// A clock that shows a set time until moved.
#[cfg(feature = "testing")]
pub struct FixedClock(Mutex<Timestamp>);

#[cfg(feature = "testing")]
impl FixedClock {
    /// A clock showing `now`.
    #[must_use]
    pub const fn new(now: Timestamp) -> Self {
        Self(Mutex::new(now))
    }

    /// Moves the clock forward.
    pub fn advance(&self, seconds: u32) {
        let mut now = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *now = now.plus_seconds(seconds);
    }

    /// Sets the clock to `now`.
    pub fn set(&self, now: Timestamp) {
        *self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = now;
    }
}

#[cfg(feature = "testing")]
impl Clock for FixedClock {
    fn now(&self) -> Timestamp {
        *self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_utc_micros_and_format_with_z() {
        let t = Timestamp::from_unix_micros(1_700_000_000_123_456).unwrap();
        assert_eq!(t.unix_micros(), 1_700_000_000_123_456);
        assert_eq!(t.to_rfc3339(), "2023-11-14T22:13:20.123456Z");
        assert_eq!(t.to_string(), t.to_rfc3339());
        assert_eq!(Timestamp::parse_rfc3339(&t.to_rfc3339()).unwrap(), t);
        let shifted = Timestamp::parse_rfc3339("2023-11-14T23:13:20.123456789+01:00").unwrap();
        assert_eq!(shifted, t);
        assert!(Timestamp::parse_rfc3339("yesterday").is_err());
        assert_eq!(
            t.plus_seconds(60).unix_micros(),
            t.unix_micros() + 60_000_000
        );
        assert_eq!(Timestamp::from_offset_date_time(t.as_offset_date_time()), t);
        let epoch = Timestamp::from_unix_micros(0).unwrap();
        assert_eq!(epoch.to_rfc3339(), "1970-01-01T00:00:00Z");
        assert!(Timestamp::from_unix_micros(i64::MAX).is_none());
    }

    #[test]
    fn system_clock_is_now() {
        let before = time::OffsetDateTime::now_utc().unix_timestamp();
        let now = SystemClock.now().as_offset_date_time().unix_timestamp();
        assert!((before..=before + 5).contains(&now));
    }
}
