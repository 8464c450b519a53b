//! Identifiers and versions.

use std::fmt;
use std::str::FromStr;

use crate::shared::validation::Violation;

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
///
/// Every client id the registry makes, or takes from an admin or an import, is one, so
/// none begins with `https://`: that prefix marks a client whose id is its metadata
/// document's URL (draft-ietf-oauth-client-id-metadata-document-03; -02 §7.1).
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
    fn a_client_id_never_begins_with_https() {
        // draft-ietf-oauth-client-id-metadata-document-03 §7.1 and the Model Context
        // Protocol tell a metadata document client from others by its https URL: whatever
        // the bytes, an id the registry makes, and any id an admin or an import gives it,
        // is a UUID, never a URL.
        for byte in 0..=u8::MAX {
            for bytes in [[byte; 16], {
                let mut b = [0u8; 16];
                b[0] = byte;
                b[15] = byte.wrapping_mul(31);
                b
            }] {
                let s = ClientId::from_random_bytes(bytes).to_string();
                assert!(!s.to_ascii_lowercase().starts_with("https://"), "{s}");
                assert!(!s.contains(':'), "{s}: no scheme at all");
                assert!(s.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-'), "{s}");
            }
        }
        for given in [
            "https://app.example.com/client.json",
            "HTTPS://app.example.com/client.json",
            "https://0a1b2c3d-4e5f-4a6b-8c7d-8e9f0a1b2c3d",
            "https:0a1b2c3d-4e5f-4a6b-8c7d-8e9f0a1b2c3d",
        ] {
            assert!(ClientId::parse(given).is_err(), "{given}");
        }
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
}
