//! An application's secrets and their rotation rules: one current secret, at most one
//! previous secret valid until its grace period ends, and each secret's lifecycle (its
//! end, its expiry warnings, a leak).

use super::rotation::{CredentialSerial, GracePeriod};
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

/// One secret of an application: its hash and what is known of it besides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Secret {
    /// Its hash.
    pub hash: SecretHash,
    /// Its last four characters; unknown for secrets issued before hints were kept.
    pub hint: Option<SecretHint>,
    /// Which of the application's secrets it is: 1 for the first, one more per rotation.
    pub serial: CredentialSerial,
    /// When it was issued.
    pub created_at: Timestamp,
    /// When a client last authenticated with it (at most a minute stale).
    pub last_used_at: Option<Timestamp>,
    /// When it ends, its lookup digest, its warnings and leak.
    pub lifecycle: SecretLifecycle,
}

impl Secret {
    /// The first secret of an application, issued `now`.
    #[must_use]
    pub const fn first(hash: SecretHash, hint: Option<SecretHint>, now: Timestamp) -> Self {
        Self {
            hash,
            hint,
            serial: CredentialSerial::FIRST,
            created_at: now,
            last_used_at: None,
            lifecycle: SecretLifecycle {
                expires_at: None,
                lookup: None,
                expiry_warned_days: None,
                leaked_at: None,
            },
        }
    }

    /// With `lifecycle`.
    #[must_use]
    pub fn with_lifecycle(self, lifecycle: SecretLifecycle) -> Self {
        Self { lifecycle, ..self }
    }
}

/// A rotated-out secret that stays valid until `expires_at` (exclusive).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreviousSecret {
    /// The secret.
    pub secret: Secret,
    /// The first instant at which it no longer authenticates.
    pub expires_at: Timestamp,
}

impl PreviousSecret {
    /// Whether it still authenticates at `now`: within its grace period and its own life.
    #[must_use]
    pub fn is_valid_at(&self, now: Timestamp) -> bool {
        now < self.expires_at && self.secret.lifecycle.is_live_at(now)
    }
}

/// An application's secrets: exactly one current secret and at most one previous secret
/// in its grace period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Secrets {
    current: Secret,
    previous: Option<PreviousSecret>,
}

impl Secrets {
    /// The secrets of a new application: one current secret.
    #[must_use]
    pub const fn new(current: Secret) -> Self {
        Self {
            current,
            previous: None,
        }
    }

    /// Rebuilds stored secrets.
    #[must_use]
    pub const fn restore(current: Secret, previous: Option<PreviousSecret>) -> Self {
        Self { current, previous }
    }

    /// The current secret.
    #[must_use]
    pub const fn current(&self) -> &Secret {
        &self.current
    }

    /// The previous secret, whether or not its grace period has ended.
    #[must_use]
    pub const fn previous(&self) -> Option<&PreviousSecret> {
        self.previous.as_ref()
    }

    /// Makes `new` (issued `now`) the current secret. The old current secret stays valid
    /// for `grace` after `now`, or stops at once when `grace` is zero; an older previous
    /// secret is dropped at once (there is at most one previous secret).
    #[must_use]
    pub fn rotate(
        &self,
        new: SecretHash,
        hint: Option<SecretHint>,
        now: Timestamp,
        grace: GracePeriod,
    ) -> Self {
        let previous = (grace.seconds() > 0).then(|| PreviousSecret {
            secret: self.current.clone(),
            expires_at: now.plus_seconds(grace.seconds()),
        });
        Self {
            current: Secret {
                hash: new,
                hint,
                serial: self.current.serial.next(),
                created_at: now,
                last_used_at: None,
                lifecycle: SecretLifecycle::default(),
            },
            previous,
        }
    }

    /// With the last use of the secret numbered `serial` at `at`.
    #[must_use]
    pub(crate) fn with_use(&self, serial: CredentialSerial, at: Timestamp) -> Self {
        let mut next = self.clone();
        if next.current.serial == serial {
            next.current.last_used_at = Some(at);
        }
        if let Some(previous) = next.previous.as_mut().filter(|p| p.secret.serial == serial) {
            previous.secret.last_used_at = Some(at);
        }
        next
    }

    /// Ends the previous secret's grace period now.
    #[must_use]
    pub fn without_previous(&self) -> Self {
        Self {
            current: self.current.clone(),
            previous: None,
        }
    }

    /// The most hashes a presented secret may match at once: the current one and one
    /// previous one.
    pub const MAX_VALID: usize = 2;

    /// The secrets a presented secret may match at `now`: the current one, then the
    /// previous one while its grace period lasts (at most [`Self::MAX_VALID`]).
    pub fn valid_at(&self, now: Timestamp) -> impl Iterator<Item = &Secret> {
        std::iter::once(&self.current)
            .filter(move |s| s.lifecycle.is_live_at(now))
            .chain(
                self.previous
                    .as_ref()
                    .filter(|p| p.is_valid_at(now))
                    .map(|p| &p.secret),
            )
    }

    /// With the lifecycle of the secret numbered `serial` changed by `change`.
    #[must_use]
    pub fn with_lifecycle_of(
        &self,
        serial: CredentialSerial,
        change: impl FnOnce(&mut SecretLifecycle),
    ) -> Self {
        let mut next = self.clone();
        if next.current.serial == serial {
            change(&mut next.current.lifecycle);
        } else if let Some(previous) = next.previous.as_mut().filter(|p| p.secret.serial == serial)
        {
            change(&mut previous.secret.lifecycle);
        }
        next
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{at, hash};

    fn first(h: &str) -> Secrets {
        Secrets::new(Secret::first(hash(h), None, at(0)))
    }

    fn valid(s: &Secrets, now: i64) -> Vec<SecretHash> {
        s.valid_at(at(now)).map(|s| s.hash.clone()).collect()
    }

    #[test]
    fn rotation_without_grace_revokes_the_old_secret_at_once() {
        let s = first("one");
        assert_eq!(s.valid_at(at(0)).count(), 1);
        let r = s.rotate(hash("two"), None, at(100), GracePeriod::NONE);
        assert_eq!(r.current().hash, hash("two"));
        assert!(r.previous().is_none());
        assert_eq!(valid(&r, 100), [hash("two")]);
    }

    #[test]
    fn rotation_with_grace_keeps_the_old_secret_until_it_ends() {
        let s = first("one");
        let r = s.rotate(
            hash("two"),
            None,
            at(100),
            GracePeriod::from_seconds(60).unwrap(),
        );
        let previous = r.previous().unwrap();
        assert_eq!(&previous.secret, s.current());
        assert_eq!(previous.expires_at, at(160));
        assert_eq!(valid(&r, 159), [hash("two"), hash("one")]);
        assert!(previous.is_valid_at(at(159)));
        assert!(!previous.is_valid_at(at(160)));
        assert_eq!(valid(&r, 160), [hash("two")]);
    }

    #[test]
    fn each_new_secret_has_the_next_serial_its_issue_time_and_no_use_yet() {
        let grace = GracePeriod::from_seconds(3600).unwrap();
        let used = first("one").with_use(CredentialSerial::FIRST, at(5));
        assert_eq!(used.current().last_used_at, Some(at(5)));
        let hint = SecretHint::restore("Wx9z").unwrap();
        let r = used.rotate(hash("two"), Some(hint.clone()), at(10), grace);
        let current = r.current();
        assert_eq!(current.serial, CredentialSerial::FIRST.next());
        assert_eq!(
            (
                current.created_at,
                current.last_used_at,
                current.hint.as_ref()
            ),
            (at(10), None, Some(&hint))
        );
        // The previous secret keeps its own history.
        assert_eq!(r.previous().unwrap().secret.last_used_at, Some(at(5)));
        let later = r.with_use(CredentialSerial::FIRST, at(20));
        assert_eq!(later.previous().unwrap().secret.last_used_at, Some(at(20)));
        assert_eq!(later.current().last_used_at, None);
    }

    #[test]
    fn rotating_again_drops_the_older_previous_secret() {
        let grace = GracePeriod::from_seconds(3600).unwrap();
        let r = first("one").rotate(hash("two"), None, at(0), grace).rotate(
            hash("three"),
            None,
            at(10),
            grace,
        );
        assert_eq!(r.current().hash, hash("three"));
        assert_eq!(r.current().serial.get(), 3);
        assert_eq!(r.previous().unwrap().secret.hash, hash("two"));
        assert!(!valid(&r, 11).contains(&hash("one")));
        let no_grace = r.rotate(hash("four"), None, at(20), GracePeriod::NONE);
        assert!(no_grace.previous().is_none());
    }

    #[test]
    fn previous_secret_can_be_revoked_early() {
        let r = first("one").rotate(
            hash("two"),
            None,
            at(0),
            GracePeriod::from_seconds(3600).unwrap(),
        );
        let revoked = r.without_previous();
        assert!(revoked.previous().is_none());
        assert_eq!(revoked.current().hash, hash("two"));
        let one = Secret::first(hash("a"), None, at(0));
        assert_eq!(Secrets::restore(one.clone(), None), Secrets::new(one));
    }
}
