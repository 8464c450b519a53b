//! Initial access tokens (RFC 7591 §3): what an organisation's admin hands a client so
//! that it may register itself into that organisation.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::lifecycle::org_policy::SelfRegistrationAllowance;
use crate::shared::digest::TokenDigest;
use crate::shared::ids::OrgId;
use crate::shared::time::Timestamp;
use crate::shared::validation::Violation;

/// How many random bytes a token carries.
pub const ACCESS_TOKEN_RANDOM_BYTES: usize = 32;

/// The prefix of every initial access token, so that secret scanners can find one.
pub const INITIAL_ACCESS_TOKEN_PREFIX: &str = "oait_";

/// A bearer token in plaintext: it exists between its making and the one answer that shows
/// it, and while a request that presents it is served. Never stored nor logged (its
/// `Debug` is redacted and it has no `Display`); storage keeps its [`TokenDigest`].
pub struct AccessTokenSecret(String);

impl AccessTokenSecret {
    /// The token of `prefix` and 32 random bytes: `prefix` + base64url(bytes).
    #[must_use]
    pub fn from_random_bytes(prefix: &str, bytes: &[u8; ACCESS_TOKEN_RANDOM_BYTES]) -> Self {
        let mut s = String::with_capacity(prefix.len() + 43);
        s.push_str(prefix);
        URL_SAFE_NO_PAD.encode_string(bytes, &mut s);
        Self(s)
    }

    /// The plaintext, to show once.
    #[must_use]
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// What storage keeps of it.
    #[must_use]
    pub fn digest(&self) -> TokenDigest {
        TokenDigest::of(&self.0)
    }
}

impl fmt::Debug for AccessTokenSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AccessTokenSecret(<redacted>)")
    }
}

/// An initial access token's identifier: a random UUID, shown in lists and used to revoke
/// it; never the token itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct InitialAccessTokenId(uuid::Uuid);

impl InitialAccessTokenId {
    /// The identifier of 16 random bytes (a version-4 UUID).
    #[must_use]
    pub fn from_random_bytes(bytes: [u8; 16]) -> Self {
        Self(uuid::Builder::from_random_bytes(bytes).into_uuid())
    }

    /// Parses a hyphenated UUID.
    ///
    /// # Errors
    /// [`Violation::Malformed`] for anything else.
    pub fn parse(s: &str) -> Result<Self, Violation> {
        uuid::Uuid::try_parse(s)
            .ok()
            .filter(|u| u.hyphenated().to_string() == s)
            .map(Self)
            .ok_or(Violation::Malformed {
                what: "token id (a lowercase hyphenated UUID)",
            })
    }

    /// The UUID.
    #[must_use]
    pub const fn as_uuid(&self) -> &uuid::Uuid {
        &self.0
    }
}

impl fmt::Display for InitialAccessTokenId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0.hyphenated(), f)
    }
}

/// An initial access token as stored: whose it is, how long and how often it may be used,
/// and what became of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InitialAccessToken {
    /// Its identifier.
    pub id: InitialAccessTokenId,
    /// The organisation the applications it registers belong to.
    pub owner_org_id: OrgId,
    /// What is kept of the token.
    pub digest: TokenDigest,
    /// Who minted it (the subject of their token).
    pub created_by: String,
    /// When it was minted.
    pub created_at: Timestamp,
    /// The first instant it no longer works.
    pub expires_at: Timestamp,
    /// How many registrations it allows; `None`: any number until it expires.
    pub max_uses: Option<u32>,
    /// How many registrations it made.
    pub uses: u32,
    /// When it was revoked, if it was.
    pub revoked_at: Option<Timestamp>,
    /// What the clients it registers may have beyond their organisation's
    /// self-registration policy, as the admin who minted it chose.
    pub allowance: SelfRegistrationAllowance,
}

impl InitialAccessToken {
    /// Whether it may register a client at `now`: not revoked, not expired, uses left.
    #[must_use]
    pub fn is_usable_at(&self, now: Timestamp) -> bool {
        self.revoked_at.is_none()
            && now < self.expires_at
            && self.max_uses.is_none_or(|max| self.uses < max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: i64) -> Timestamp {
        Timestamp::from_unix_micros(s * 1_000_000).unwrap()
    }

    #[test]
    fn a_token_is_its_prefix_and_43_characters_and_is_kept_as_its_digest() {
        let token = AccessTokenSecret::from_random_bytes(INITIAL_ACCESS_TOKEN_PREFIX, &[7; 32]);
        assert!(token.expose().starts_with("oait_"));
        assert_eq!(token.expose().len(), 5 + 43);
        assert_eq!(format!("{token:?}"), "AccessTokenSecret(<redacted>)");
        let digest = token.digest();
        assert_eq!(digest, TokenDigest::of(token.expose()));
        assert_ne!(digest, TokenDigest::of("oait_other"));
        let hex = digest.to_hex();
        assert_eq!(hex.len(), 64);
        assert_eq!(TokenDigest::from_hex(&hex), Ok(digest));
        // SHA-256 of the empty string, as published.
        assert_eq!(
            TokenDigest::of("").to_hex(),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert!(TokenDigest::from_hex(&hex.to_uppercase()).is_err());
        assert!(TokenDigest::from_hex(&hex[..63]).is_err());
        assert_eq!(format!("{digest:?}"), "TokenDigest(<redacted>)");
    }

    #[test]
    fn ids_are_lowercase_hyphenated_uuids() {
        let id = InitialAccessTokenId::from_random_bytes([0xab; 16]);
        assert_eq!(InitialAccessTokenId::parse(&id.to_string()), Ok(id));
        assert!(InitialAccessTokenId::parse(&id.to_string().to_uppercase()).is_err());
        assert!(InitialAccessTokenId::parse(&id.as_uuid().simple().to_string()).is_err());
        assert!(InitialAccessTokenId::parse("x").is_err());
    }

    #[test]
    fn a_token_is_usable_until_it_expires_is_used_up_or_is_revoked() {
        let token = InitialAccessToken {
            id: InitialAccessTokenId::from_random_bytes([1; 16]),
            owner_org_id: OrgId::parse("acme").unwrap(),
            digest: TokenDigest::of("oait_x"),
            created_by: "alice".into(),
            created_at: at(0),
            expires_at: at(100),
            max_uses: Some(2),
            uses: 1,
            revoked_at: None,
            allowance: crate::lifecycle::org_policy::SelfRegistrationAllowance::default(),
        };
        assert!(token.is_usable_at(at(99)));
        assert!(!token.is_usable_at(at(100)), "expired at its expiry");
        assert!(
            !InitialAccessToken {
                uses: 2,
                ..token.clone()
            }
            .is_usable_at(at(1))
        );
        assert!(
            InitialAccessToken {
                uses: 1_000,
                max_uses: None,
                ..token.clone()
            }
            .is_usable_at(at(1))
        );
        assert!(
            !InitialAccessToken {
                revoked_at: Some(at(5)),
                ..token
            }
            .is_usable_at(at(1))
        );
    }
}
