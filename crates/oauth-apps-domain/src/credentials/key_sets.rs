//! An application's public key sets (`private_key_jwt`), with the rotation rules of
//! secrets: one current set, at most one previous set with an expiry.

use super::keys::{Jwks, JwksUri};
use super::rotation::{CredentialSerial, GracePeriod};
use crate::shared::time::Timestamp;

/// Where an application's public keys are: given inline, or published at a URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeySource {
    /// A JWK Set registered with the application.
    Inline(Jwks),
    /// The URL the client publishes its JWK Set at.
    Remote(JwksUri),
}

/// One key set of an application: where its keys are, when it was registered and when a
/// client last proved itself with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeySet {
    /// Where the keys are.
    pub source: KeySource,
    /// Which of the application's key sets it is: 1 for the first, one more for each that
    /// replaces it.
    pub serial: CredentialSerial,
    /// When it was registered.
    pub created_at: Timestamp,
    /// When a client last authenticated with it (at most a minute stale).
    pub last_used_at: Option<Timestamp>,
}

impl KeySet {
    /// A new set registered `now` as the `serial`-th of its application.
    #[must_use]
    pub const fn new(source: KeySource, serial: CredentialSerial, now: Timestamp) -> Self {
        Self {
            source,
            serial,
            created_at: now,
            last_used_at: None,
        }
    }
}

/// The previous key set after a rotation, valid until its grace period ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreviousKeySet {
    /// The set.
    pub set: KeySet,
    /// When it stops being accepted.
    pub expires_at: Timestamp,
}

impl PreviousKeySet {
    /// Whether it is still accepted at `now`.
    #[must_use]
    pub fn is_valid_at(&self, now: Timestamp) -> bool {
        now < self.expires_at
    }
}

/// An application's key sets: one current set and at most one previous set with its
/// expiry, rotated by the same rules as secrets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeySets {
    current: KeySet,
    previous: Option<PreviousKeySet>,
}

impl KeySets {
    /// Only `current`.
    #[must_use]
    pub const fn new(current: KeySet) -> Self {
        Self {
            current,
            previous: None,
        }
    }

    /// The first set of an application, registered `now`.
    #[must_use]
    pub const fn first(source: KeySource, now: Timestamp) -> Self {
        Self::new(KeySet::new(source, CredentialSerial::FIRST, now))
    }

    /// Only `new`, registered `now`: the current set and any previous one are replaced,
    /// not rotated (neither stays valid).
    #[must_use]
    pub const fn replaced(&self, new: KeySource, now: Timestamp) -> Self {
        Self::new(KeySet::new(new, self.current.serial.next(), now))
    }

    /// As stored.
    #[must_use]
    pub const fn restore(current: KeySet, previous: Option<PreviousKeySet>) -> Self {
        Self { current, previous }
    }

    /// The current set.
    #[must_use]
    pub const fn current(&self) -> &KeySet {
        &self.current
    }

    /// The previous set, while one is kept (it may have expired).
    #[must_use]
    pub const fn previous(&self) -> Option<&PreviousKeySet> {
        self.previous.as_ref()
    }

    /// `new` becomes current; the current set stays valid for `grace` (none: it is dropped
    /// at once), and an older previous set is dropped.
    #[must_use]
    pub fn rotate(&self, new: KeySource, now: Timestamp, grace: GracePeriod) -> Self {
        let previous = (grace.seconds() > 0).then(|| PreviousKeySet {
            set: self.current.clone(),
            expires_at: now.plus_seconds(grace.seconds()),
        });
        Self {
            current: KeySet::new(new, self.current.serial.next(), now),
            previous,
        }
    }

    /// With the last use of the set numbered `serial` at `at`.
    #[must_use]
    pub(crate) fn with_use(&self, serial: CredentialSerial, at: Timestamp) -> Self {
        let mut next = self.clone();
        if next.current.serial == serial {
            next.current.last_used_at = Some(at);
        }
        if let Some(previous) = next.previous.as_mut().filter(|p| p.set.serial == serial) {
            previous.set.last_used_at = Some(at);
        }
        next
    }

    /// Without the previous set.
    #[must_use]
    pub fn without_previous(&self) -> Self {
        Self {
            current: self.current.clone(),
            previous: None,
        }
    }

    /// The sets an assertion may be verified with at `now`: the current one, then the
    /// previous one while its grace period lasts.
    pub fn valid_at(&self, now: Timestamp) -> impl Iterator<Item = &KeySet> {
        std::iter::once(&self.current).chain(
            self.previous
                .as_ref()
                .filter(|p| p.is_valid_at(now))
                .map(|p| &p.set),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::credentials::keys::tests::{ec, ed, set};

    #[test]
    fn key_sets_rotate_like_secrets() {
        let t = |s: i64| Timestamp::from_unix_micros(s * 1_000_000).unwrap();
        let a = KeySource::Inline(set(vec![ed("a")]).unwrap());
        let b = KeySource::Remote(JwksUri::parse("https://c.example/jwks").unwrap());
        let c = KeySource::Inline(set(vec![ec("c")]).unwrap());
        let sets = KeySets::first(a.clone(), t(1));
        let rotated = sets.rotate(b.clone(), t(10), GracePeriod::from_seconds(60).unwrap());
        assert_eq!(rotated.current().source, b);
        assert_eq!(rotated.previous().unwrap().set.source, a);
        assert_eq!(rotated.previous().unwrap().expires_at, t(70));
        assert_eq!(rotated.valid_at(t(69)).count(), 2);
        assert_eq!(rotated.valid_at(t(70)).count(), 1);
        // Rotating again drops the older previous set at once.
        let again = rotated.rotate(c, t(20), GracePeriod::from_seconds(60).unwrap());
        assert_eq!(again.previous().unwrap().set.source, b);
        // Without grace the old set is gone at once.
        let none = sets.rotate(b, t(10), GracePeriod::NONE);
        assert!(none.previous().is_none());
        assert!(rotated.without_previous().previous().is_none());
    }
}
