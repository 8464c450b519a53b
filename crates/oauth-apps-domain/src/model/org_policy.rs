//! An organisation's policy for its applications' secrets: how long they live and what a
//! leak report does.

use std::fmt;

use super::{OrgId, Timestamp};
use crate::validation::Violation;

/// The longest secret lifetime a policy may set: 3650 days.
pub const MAX_SECRET_LIFETIME_DAYS: u32 = 3650;

/// What a leak report of a live secret does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum LeakedSecretAction {
    /// The leaked secret stops authenticating at once (the default).
    #[default]
    Revoke,
    /// The leak is recorded and announced (`secret.leaked`); the secret keeps working.
    Notify,
}

impl LeakedSecretAction {
    /// Both actions' names.
    pub const NAMES: [&'static str; 2] = ["revoke", "notify"];

    /// The action's name.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Revoke => "revoke",
            Self::Notify => "notify",
        }
    }

    /// Parses a name.
    ///
    /// # Errors
    /// [`Violation::NotOneOf`] for another name.
    pub fn parse(name: &str) -> Result<Self, Violation> {
        match name {
            "revoke" => Ok(Self::Revoke),
            "notify" => Ok(Self::Notify),
            _ => Err(Violation::NotOneOf {
                allowed: &Self::NAMES,
            }),
        }
    }
}

impl fmt::Display for LeakedSecretAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A secret lifetime in days: 1 to [`MAX_SECRET_LIFETIME_DAYS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SecretLifetime(u32);

impl SecretLifetime {
    /// Checks a lifetime in days.
    ///
    /// # Errors
    /// [`Violation::OutOfRange`] outside 1..=3650.
    pub fn from_days(days: i64) -> Result<Self, Violation> {
        u32::try_from(days)
            .ok()
            .filter(|d| (1..=MAX_SECRET_LIFETIME_DAYS).contains(d))
            .map(Self)
            .ok_or(Violation::OutOfRange {
                min: 1,
                max: i64::from(MAX_SECRET_LIFETIME_DAYS),
            })
    }

    /// The lifetime in days.
    #[must_use]
    pub const fn days(self) -> u32 {
        self.0
    }
}

/// An organisation's stored policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrganizationPolicy {
    /// The organisation.
    pub owner_org_id: OrgId,
    /// How long its new secrets live; `None`: the platform default.
    pub secret_lifetime: Option<SecretLifetime>,
    /// What a leak report of a live secret does.
    pub leaked_secret_action: LeakedSecretAction,
    /// Who set it.
    pub updated_by: String,
    /// When.
    pub updated_at: Timestamp,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lifetimes_and_actions_are_checked() {
        assert_eq!(SecretLifetime::from_days(90).unwrap().days(), 90);
        assert!(SecretLifetime::from_days(0).is_err());
        assert!(SecretLifetime::from_days(3651).is_err());
        assert_eq!(
            LeakedSecretAction::parse("notify"),
            Ok(LeakedSecretAction::Notify)
        );
        assert!(LeakedSecretAction::parse("ignore").is_err());
        assert_eq!(LeakedSecretAction::default().as_str(), "revoke");
    }
}
