//! How an application came to be registered.

use std::fmt;

use crate::validation::Violation;

/// How an application was registered: by an operator through the API, by the client
/// itself (RFC 7591 dynamic registration), or from the Client ID Metadata Document its
/// client id names. Fixed at creation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Registration {
    /// Created through the management API (either surface).
    #[default]
    Manual,
    /// Registered by the client at `POST /register` (RFC 7591).
    Dynamic,
    /// Resolved from the client's metadata document
    /// (draft-ietf-oauth-client-id-metadata-document).
    MetadataDocument,
}

impl Registration {
    /// Every way, in declaration order.
    pub const ALL: [Self; 3] = [Self::Manual, Self::Dynamic, Self::MetadataDocument];

    /// The wire names, in declaration order.
    pub const NAMES: &'static [&'static str] = &["manual", "dynamic", "metadata_document"];

    /// The wire name.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Manual => "manual",
            Self::Dynamic => "dynamic",
            Self::MetadataDocument => "metadata_document",
        }
    }

    /// Parses a wire name.
    ///
    /// # Errors
    /// [`Violation::NotOneOf`] for an unknown name.
    pub fn parse(s: &str) -> Result<Self, Violation> {
        Self::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or(Violation::NotOneOf {
                allowed: Self::NAMES,
            })
    }
}

impl fmt::Display for Registration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_unknown_ones_are_refused() {
        for r in Registration::ALL {
            assert_eq!(Registration::parse(r.as_str()), Ok(r));
            assert_eq!(r.to_string(), r.as_str());
        }
        assert_eq!(Registration::default(), Registration::Manual);
        assert!(matches!(
            Registration::parse("Manual"),
            Err(Violation::NotOneOf { .. })
        ));
        assert!(Registration::parse("").is_err());
    }
}
