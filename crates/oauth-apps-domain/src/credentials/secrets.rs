//! An application's secrets: what a secret adds to the rotation rules of
//! [`super::rotation`] (its hash, its hint and its lifecycle: its end, its expiry
//! warnings, a leak), and the names of the rotation types for secrets.

use super::rotation::{CredentialSerial, Issued, Previous, Rotating, RotatingCredential};
use super::secret::{ClientSecret, SecretHash, SecretHint};
use crate::shared::digest::TokenDigest;
use crate::shared::time::Timestamp;

/// The expiry thresholds, in days before a secret's end, at which a `secret.expiring`
/// warning is emitted (once each).
pub const EXPIRY_WARNING_DAYS: [u8; 3] = [14, 7, 1];

/// What a secret's life holds besides its hash: when it ends, its lookup digest, the last
/// expiry warning emitted and whether it was reported leaked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SecretLifecycle {
    /// The first instant it no longer authenticates (its organisation's lifetime, or the
    /// moment a leak revoked it); `None`: it does not expire.
    pub expires_at: Option<Timestamp>,
    /// The SHA-256 of its plaintext, to find it from a leak report; unknown for secrets
    /// issued before it was kept.
    pub lookup: Option<TokenDigest>,
    /// The last expiry warning emitted, in days before the end (14, 7 or 1).
    pub expiry_warned_days: Option<u8>,
    /// When it was reported leaked.
    pub leaked_at: Option<Timestamp>,
}

impl SecretLifecycle {
    /// The lifecycle of a secret issued at `now` with `plaintext`, living `lifetime_days`
    /// (none: for ever).
    #[must_use]
    pub fn issued(plaintext: &ClientSecret, now: Timestamp, lifetime_days: Option<u32>) -> Self {
        Self {
            expires_at: lifetime_days.map(|d| now.plus_seconds(d.saturating_mul(86_400))),
            lookup: Some(TokenDigest::of(plaintext.expose())),
            expiry_warned_days: None,
            leaked_at: None,
        }
    }

    /// Whether it still authenticates at `now`.
    #[must_use]
    pub fn is_live_at(&self, now: Timestamp) -> bool {
        self.expires_at.is_none_or(|end| now < end)
    }

    /// The warning due at `now` that was not emitted yet: the smallest threshold of
    /// [`EXPIRY_WARNING_DAYS`] the time left is within, unless a warning at that threshold
    /// or a smaller one was emitted. `None` for a secret that does not expire, has ended,
    /// or is further than 14 days from its end.
    #[must_use]
    pub fn expiry_warning_due(&self, now: Timestamp) -> Option<u8> {
        let end = self.expires_at?;
        let left = end.unix_micros() - now.unix_micros();
        if left <= 0 {
            return None;
        }
        let due = EXPIRY_WARNING_DAYS
            .into_iter()
            .filter(|days| left <= i64::from(*days) * 86_400 * 1_000_000)
            .min()?;
        self.expiry_warned_days
            .is_none_or(|warned| warned > due)
            .then_some(due)
    }
}

/// What a secret is besides its place in the rotation: its hash and what is known of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HashedSecret {
    /// Its hash.
    pub hash: SecretHash,
    /// Its last four characters; unknown for secrets issued before hints were kept.
    pub hint: Option<SecretHint>,
    /// When it ends, its lookup digest, its warnings and leak.
    pub lifecycle: SecretLifecycle,
}

impl HashedSecret {
    /// A secret hashed as `hash`, with `hint` and no lifecycle yet (it does not end).
    #[must_use]
    pub const fn new(hash: SecretHash, hint: Option<SecretHint>) -> Self {
        Self {
            hash,
            hint,
            lifecycle: SecretLifecycle {
                expires_at: None,
                lookup: None,
                expiry_warned_days: None,
                leaked_at: None,
            },
        }
    }
}

impl RotatingCredential for HashedSecret {
    /// A secret's own lifecycle can end it (its lifetime, or a leak), current or previous.
    fn is_live_at(&self, now: Timestamp) -> bool {
        self.lifecycle.is_live_at(now)
    }
}

/// One secret of an application: its hash, hint and lifecycle, its serial, when it was
/// issued and last used.
pub type Secret = Issued<HashedSecret>;

/// A rotated-out secret that stays valid until `expires_at` (exclusive) and while its own
/// lifecycle lasts.
pub type PreviousSecret = Previous<HashedSecret>;

/// An application's secrets: exactly one current secret and at most one previous secret
/// in its grace period.
pub type Secrets = Rotating<HashedSecret>;

impl Issued<HashedSecret> {
    /// The first secret of an application, issued `now`.
    #[must_use]
    pub const fn first(hash: SecretHash, hint: Option<SecretHint>, now: Timestamp) -> Self {
        Self::new(HashedSecret::new(hash, hint), CredentialSerial::FIRST, now)
    }

    /// With `lifecycle`.
    #[must_use]
    pub fn with_lifecycle(mut self, lifecycle: SecretLifecycle) -> Self {
        self.credential.lifecycle = lifecycle;
        self
    }
}

impl Rotating<HashedSecret> {
    /// With the lifecycle of the secret numbered `serial` changed by `change`.
    #[must_use]
    pub fn with_lifecycle_of(
        &self,
        serial: CredentialSerial,
        change: impl FnOnce(&mut SecretLifecycle),
    ) -> Self {
        self.with_credential_of(serial, |secret| change(&mut secret.lifecycle))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::credentials::rotation::GracePeriod;
    use crate::test_support::{at, hash};

    #[test]
    fn each_expiry_warning_is_due_once_at_its_threshold() {
        const DAY: i64 = 86_400;
        let end = 100 * DAY;
        let warned = |days: Option<u8>| SecretLifecycle {
            expires_at: Some(at(end)),
            expiry_warned_days: days,
            ..SecretLifecycle::default()
        };
        // 15 days left: none; 14: the 14-day one; 6: the 7-day one, unless it was sent.
        assert_eq!(warned(None).expiry_warning_due(at(end - 15 * DAY)), None);
        assert_eq!(
            warned(None).expiry_warning_due(at(end - 14 * DAY)),
            Some(14)
        );
        assert_eq!(
            warned(Some(14)).expiry_warning_due(at(end - 6 * DAY)),
            Some(7)
        );
        assert_eq!(warned(Some(7)).expiry_warning_due(at(end - 6 * DAY)), None);
        assert_eq!(warned(Some(7)).expiry_warning_due(at(end - DAY)), Some(1));
        assert_eq!(warned(Some(1)).expiry_warning_due(at(end - DAY / 2)), None);
        // Ended, or never ending: none.
        assert_eq!(warned(None).expiry_warning_due(at(end)), None);
        assert_eq!(SecretLifecycle::default().expiry_warning_due(at(0)), None);
    }

    fn ending(h: &str, end: i64) -> HashedSecret {
        HashedSecret {
            lifecycle: SecretLifecycle {
                expires_at: Some(at(end)),
                ..SecretLifecycle::default()
            },
            ..HashedSecret::new(hash(h), None)
        }
    }

    fn valid(s: &Secrets, now: i64) -> Vec<SecretHash> {
        s.valid_at(at(now))
            .map(|s| s.credential.hash.clone())
            .collect()
    }

    #[test]
    fn a_first_secret_is_serial_one_unused_and_does_not_end() {
        let hint = SecretHint::restore("Wx9z").unwrap();
        let first = Secret::first(hash("one"), Some(hint.clone()), at(5));
        assert_eq!(
            (first.serial, first.created_at, first.last_used_at),
            (CredentialSerial::FIRST, at(5), None)
        );
        assert_eq!(first.credential.hint, Some(hint));
        assert_eq!(first.credential.lifecycle, SecretLifecycle::default());
        assert!(first.credential.is_live_at(at(i64::from(u32::MAX))));
        let lifecycle = SecretLifecycle {
            leaked_at: Some(at(6)),
            ..SecretLifecycle::default()
        };
        assert_eq!(
            first.with_lifecycle(lifecycle.clone()).credential.lifecycle,
            lifecycle
        );
    }

    #[test]
    fn a_secret_whose_own_life_ended_is_not_valid_current_or_previous() {
        let grace = GracePeriod::from_seconds(3600).unwrap();
        let s = Secrets::first(ending("one", 50), at(0));
        assert_eq!(valid(&s, 49), [hash("one")]);
        assert!(valid(&s, 50).is_empty());
        // The previous secret ends with its own life even inside its grace period.
        let r = s.rotate(ending("two", 500), at(10), grace);
        assert!(r.previous().unwrap().is_valid_at(at(49)));
        assert!(!r.previous().unwrap().is_valid_at(at(50)));
        assert_eq!(valid(&r, 49), [hash("two"), hash("one")]);
        assert_eq!(valid(&r, 50), [hash("two")]);
        assert!(valid(&r, 500).is_empty());
    }

    #[test]
    fn a_lifecycle_changes_only_for_the_secret_numbered() {
        let grace = GracePeriod::from_seconds(3600).unwrap();
        let r = Secrets::first(HashedSecret::new(hash("one"), None), at(0)).rotate(
            HashedSecret::new(hash("two"), None),
            at(10),
            grace,
        );
        let warned = |l: &mut SecretLifecycle| l.expiry_warned_days = Some(7);
        let previous = r.with_lifecycle_of(CredentialSerial::FIRST, warned);
        assert_eq!(
            previous
                .previous()
                .unwrap()
                .issued
                .credential
                .lifecycle
                .expiry_warned_days,
            Some(7)
        );
        assert_eq!(previous.current(), r.current());
        let current = r.with_lifecycle_of(CredentialSerial::FIRST.next(), warned);
        assert_eq!(
            current.current().credential.lifecycle.expiry_warned_days,
            Some(7)
        );
        assert_eq!(current.previous(), r.previous());
        let unknown = CredentialSerial::new(9).unwrap();
        assert_eq!(r.with_lifecycle_of(unknown, warned), r);
    }
}
