//! Identifiers, versions and timestamps.

use std::fmt;
use std::str::FromStr;

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::validation::Violation;

/// The storage-assigned numeric identifier of an application (the v1 surface's `app_id`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AppId(i64);

impl AppId {
    /// Wraps a storage identifier; identifiers are positive.
    ///
    /// # Errors
    /// [`Violation::OutOfRange`] when `id` is zero or negative.
    pub const fn new(id: i64) -> Result<Self, Violation> {
        if id > 0 {
            Ok(Self(id))
        } else {
            Err(Violation::OutOfRange {
                min: 1,
                max: i64::MAX,
            })
        }
    }

    /// The numeric value.
    #[must_use]
    pub const fn get(self) -> i64 {
        self.0
    }
}

impl fmt::Display for AppId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// The public OAuth `client_id`: a random (version 4) UUID, shown lowercase and hyphenated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ClientId(uuid::Uuid);

impl ClientId {
    /// A version 4 UUID made from 16 random bytes.
    #[must_use]
    pub fn from_random_bytes(bytes: [u8; 16]) -> Self {
        Self(uuid::Builder::from_random_bytes(bytes).into_uuid())
    }

    /// Parses a client id.
    ///
    /// # Errors
    /// [`Violation::Malformed`] unless `s` is a version 4 UUID in the lowercase hyphenated
    /// form this service hands out.
    pub fn parse(s: &str) -> Result<Self, Violation> {
        let malformed = Violation::Malformed {
            what: "client id (a lowercase hyphenated UUID v4)",
        };
        let uuid = uuid::Uuid::try_parse(s).map_err(|_| malformed.clone())?;
        let canonical = uuid.hyphenated().to_string();
        if canonical != s || uuid.get_version_num() != 4 {
            return Err(malformed);
        }
        Ok(Self(uuid))
    }

    /// A client id from the UUID storage keeps for it.
    ///
    /// # Errors
    /// [`Violation::Malformed`] unless `uuid` is a version 4 UUID.
    pub fn from_uuid(uuid: uuid::Uuid) -> Result<Self, Violation> {
        if uuid.get_version_num() == 4 {
            Ok(Self(uuid))
        } else {
            Err(Violation::Malformed {
                what: "client id (a lowercase hyphenated UUID v4)",
            })
        }
    }

    /// The UUID.
    #[must_use]
    pub const fn as_uuid(&self) -> &uuid::Uuid {
        &self.0
    }
}

impl fmt::Display for ClientId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.hyphenated().fmt(f)
    }
}

impl FromStr for ClientId {
    type Err = Violation;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

/// The identifier of the organisation that owns an application: 1 to 64 characters of
/// `[A-Za-z0-9_.-]`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct OrgId(String);

impl OrgId {
    /// The longest organisation id accepted.
    pub const MAX_LEN: usize = 64;

    /// Parses an organisation id.
    ///
    /// # Errors
    /// [`Violation::Required`] when empty, [`Violation::TooLong`] past 64 characters,
    /// [`Violation::InvalidCharacters`] for anything outside `[A-Za-z0-9_.-]`.
    pub fn parse(s: impl Into<String>) -> Result<Self, Violation> {
        let s = s.into();
        if s.is_empty() {
            return Err(Violation::Required);
        }
        if s.chars().count() > Self::MAX_LEN {
            return Err(Violation::TooLong { max: Self::MAX_LEN });
        }
        if !s
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
        {
            return Err(Violation::InvalidCharacters {
                allowed: "letters, digits, '_', '.' and '-'",
            });
        }
        Ok(Self(s))
    }

    /// The id as a string.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for OrgId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for OrgId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The optimistic-concurrency version of an application: 1 when created, one more after
/// every mutation. Exposed over HTTP as the `ETag`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Version(i64);

impl Version {
    /// The version of a newly created application.
    pub const INITIAL: Self = Self(1);

    /// Wraps a stored version.
    ///
    /// # Errors
    /// [`Violation::OutOfRange`] when `v` is below 1.
    pub const fn new(v: i64) -> Result<Self, Violation> {
        if v >= 1 {
            Ok(Self(v))
        } else {
            Err(Violation::OutOfRange {
                min: 1,
                max: i64::MAX,
            })
        }
    }

    /// The numeric value.
    #[must_use]
    pub const fn get(self) -> i64 {
        self.0
    }

    /// The version after one more mutation.
    #[must_use]
    pub const fn next(self) -> Self {
        Self(self.0.saturating_add(1))
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn app_id_must_be_positive() {
        assert!(AppId::new(0).is_err());
        assert!(AppId::new(-5).is_err());
        assert_eq!(AppId::new(1).unwrap().get(), 1);
        assert_eq!(AppId::new(42).unwrap().to_string(), "42");
    }

    #[test]
    fn client_id_is_a_v4_uuid_in_canonical_form() {
        let id = ClientId::from_random_bytes([0xab; 16]);
        let s = id.to_string();
        assert_eq!(s.len(), 36);
        assert_eq!(s, s.to_lowercase());
        assert_eq!(id.as_uuid().get_version_num(), 4);
        assert_eq!(ClientId::parse(&s).unwrap(), id);
        assert_eq!(s.parse::<ClientId>().unwrap(), id);
    }

    #[test]
    fn client_id_rejects_other_forms() {
        let s = ClientId::from_random_bytes([0xcd; 16]).to_string();
        assert!(ClientId::parse(&s.to_uppercase()).is_err());
        assert!(ClientId::parse(&s.replace('-', "")).is_err());
        assert!(ClientId::parse("not-a-uuid").is_err());
        assert!(ClientId::parse("").is_err());
        // A version 1 UUID is refused.
        assert!(ClientId::parse("c232ab00-9414-11ec-b3c8-9f6bdeced846").is_err());
    }

    #[test]
    fn client_id_from_a_stored_uuid_must_be_version_4() {
        let id = ClientId::from_random_bytes([0x5a; 16]);
        assert_eq!(ClientId::from_uuid(*id.as_uuid()), Ok(id));
        let v1 = uuid::Uuid::try_parse("c232ab00-9414-11ec-b3c8-9f6bdeced846").unwrap();
        assert!(ClientId::from_uuid(v1).is_err());
        assert!(ClientId::from_uuid(uuid::Uuid::nil()).is_err());
    }

    #[test]
    fn org_id_rules() {
        assert_eq!(OrgId::parse("1").unwrap().as_str(), "1");
        assert_eq!(
            OrgId::parse("acme_co.eu-1").unwrap().to_string(),
            "acme_co.eu-1"
        );
        assert_eq!(OrgId::parse(""), Err(Violation::Required));
        assert!(OrgId::parse("a".repeat(64)).is_ok());
        assert_eq!(
            OrgId::parse("a".repeat(65)),
            Err(Violation::TooLong { max: 64 })
        );
        for bad in ["a b", "a/b", "ä", "a:b", "a\n"] {
            assert!(
                matches!(OrgId::parse(bad), Err(Violation::InvalidCharacters { .. })),
                "{bad:?}"
            );
        }
        assert_eq!(OrgId::parse("x").unwrap().as_ref(), "x");
    }

    #[test]
    fn version_starts_at_one_and_increments() {
        assert_eq!(Version::INITIAL.get(), 1);
        assert_eq!(Version::INITIAL.next().get(), 2);
        assert!(Version::new(0).is_err());
        assert_eq!(Version::new(7).unwrap().next(), Version::new(8).unwrap());
        assert_eq!(Version::new(i64::MAX).unwrap().next().get(), i64::MAX);
        assert_eq!(Version::new(3).unwrap().to_string(), "3");
    }

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
}
