//! What rotating credentials share, secrets and key sets alike: the serial number that
//! tells an application's credentials apart ([`CredentialSerial`]), how long a replaced
//! one stays valid ([`GracePeriod`]), and the rotation rules themselves ([`Rotating`]):
//! one current credential ([`Issued`]), at most one previous one valid until its grace
//! period ends ([`Previous`]). What one kind of credential adds (a secret's hash and its
//! own lifecycle, a key set's source) is the `C` of these types, and what one kind does
//! differently is the [`RotatingCredential`] trait.

use crate::shared::time::Timestamp;
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

/// What one kind of rotating credential decides for itself: whether its own life lets it
/// authenticate, whatever its place in the rotation. A secret's lifetime (or a leak) can
/// end it; a key set has no end of its own.
pub trait RotatingCredential {
    /// Whether it may still authenticate at `now`, as far as it alone is concerned.
    fn is_live_at(&self, now: Timestamp) -> bool;
}

/// One issued credential of an application: what was issued (`C`), which of the
/// application's credentials of its kind it is, when it was issued and when a client last
/// proved itself with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issued<C> {
    /// What was issued: a secret's hash and what is known of it, a key set's source.
    pub credential: C,
    /// Which of the application's credentials of this kind it is: 1 for the first, one
    /// more for each that replaces it.
    pub serial: CredentialSerial,
    /// When it was issued.
    pub created_at: Timestamp,
    /// When a client last authenticated with it (at most a minute stale).
    pub last_used_at: Option<Timestamp>,
}

impl<C> Issued<C> {
    /// `credential`, issued `now` as the `serial`-th of its kind, not used yet.
    #[must_use]
    pub const fn new(credential: C, serial: CredentialSerial, now: Timestamp) -> Self {
        Self {
            credential,
            serial,
            created_at: now,
            last_used_at: None,
        }
    }
}

/// A rotated-out credential that stays valid until `expires_at` (exclusive).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Previous<C> {
    /// The credential.
    pub issued: Issued<C>,
    /// The first instant at which its grace period no longer lets it authenticate.
    pub expires_at: Timestamp,
}

impl<C: RotatingCredential> Previous<C> {
    /// Whether it still authenticates at `now`: within its grace period and its own life.
    #[must_use]
    pub fn is_valid_at(&self, now: Timestamp) -> bool {
        now < self.expires_at && self.issued.credential.is_live_at(now)
    }
}

/// An application's credentials of one kind: exactly one current credential and at most
/// one previous credential in its grace period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rotating<C> {
    current: Issued<C>,
    previous: Option<Previous<C>>,
}

impl<C> Rotating<C> {
    /// The most credentials a presented one may match at once: the current one and one
    /// previous one.
    pub const MAX_VALID: usize = 2;

    /// Only `current`.
    #[must_use]
    pub const fn new(current: Issued<C>) -> Self {
        Self {
            current,
            previous: None,
        }
    }

    /// The first credential of an application, issued `now`.
    #[must_use]
    pub const fn first(credential: C, now: Timestamp) -> Self {
        Self::new(Issued::new(credential, CredentialSerial::FIRST, now))
    }

    /// As stored.
    #[must_use]
    pub const fn restore(current: Issued<C>, previous: Option<Previous<C>>) -> Self {
        Self { current, previous }
    }

    /// The current credential.
    #[must_use]
    pub const fn current(&self) -> &Issued<C> {
        &self.current
    }

    /// The previous credential, while one is kept (its grace period may have ended).
    #[must_use]
    pub const fn previous(&self) -> Option<&Previous<C>> {
        self.previous.as_ref()
    }

    /// Only `new`, issued `now`: the current credential and any previous one are replaced,
    /// not rotated (neither stays valid).
    #[must_use]
    pub const fn replaced(&self, new: C, now: Timestamp) -> Self {
        Self::new(Issued::new(new, self.current.serial.next(), now))
    }
}

impl<C: Clone> Rotating<C> {
    /// Makes `new` (issued `now`) the current credential. The old current one stays valid
    /// for `grace` after `now`, or stops at once when `grace` is zero; an older previous
    /// one is dropped at once (there is at most one previous credential).
    #[must_use]
    pub fn rotate(&self, new: C, now: Timestamp, grace: GracePeriod) -> Self {
        let previous = (grace.seconds() > 0).then(|| Previous {
            issued: self.current.clone(),
            expires_at: now.plus_seconds(grace.seconds()),
        });
        Self {
            current: Issued::new(new, self.current.serial.next(), now),
            previous,
        }
    }

    /// With the last use of the credential numbered `serial` at `at`.
    #[must_use]
    pub(crate) fn with_use(&self, serial: CredentialSerial, at: Timestamp) -> Self {
        let mut next = self.clone();
        if let Some(used) = next.issued_mut(serial) {
            used.last_used_at = Some(at);
        }
        next
    }

    /// With the credential numbered `serial` changed by `change` (unchanged when there is
    /// none).
    #[must_use]
    pub fn with_credential_of(
        &self,
        serial: CredentialSerial,
        change: impl FnOnce(&mut C),
    ) -> Self {
        let mut next = self.clone();
        if let Some(issued) = next.issued_mut(serial) {
            change(&mut issued.credential);
        }
        next
    }

    /// Ends the previous credential's grace period now.
    #[must_use]
    pub fn without_previous(&self) -> Self {
        Self::new(self.current.clone())
    }

    fn issued_mut(&mut self, serial: CredentialSerial) -> Option<&mut Issued<C>> {
        if self.current.serial == serial {
            Some(&mut self.current)
        } else {
            self.previous
                .as_mut()
                .map(|p| &mut p.issued)
                .filter(|p| p.serial == serial)
        }
    }
}

impl<C: RotatingCredential> Rotating<C> {
    /// The credentials a presented one may match at `now`: the current one while its own
    /// life lasts, then the previous one while its grace period and its own life last (at
    /// most [`Self::MAX_VALID`]).
    pub fn valid_at(&self, now: Timestamp) -> impl Iterator<Item = &Issued<C>> {
        std::iter::once(&self.current)
            .filter(move |c| c.credential.is_live_at(now))
            .chain(
                self.previous
                    .as_ref()
                    .filter(|p| p.is_valid_at(now))
                    .map(|p| &p.issued),
            )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::at;

    /// A credential for the rules alone: a name, and the instant its own life ends.
    #[derive(Debug, Clone, PartialEq, Eq)]
    struct Cred(&'static str, Option<i64>);

    impl RotatingCredential for Cred {
        fn is_live_at(&self, now: Timestamp) -> bool {
            self.1.is_none_or(|end| now < at(end))
        }
    }

    const fn cred(name: &'static str) -> Cred {
        Cred(name, None)
    }

    fn first(name: &'static str) -> Rotating<Cred> {
        Rotating::first(cred(name), at(0))
    }

    fn valid(r: &Rotating<Cred>, now: i64) -> Vec<&'static str> {
        r.valid_at(at(now)).map(|c| c.credential.0).collect()
    }

    fn grace(seconds: i64) -> GracePeriod {
        GracePeriod::from_seconds(seconds).unwrap()
    }

    #[test]
    fn the_first_credential_is_serial_one_issued_now_and_unused() {
        let r = Rotating::first(cred("one"), at(7));
        assert_eq!(
            r.current(),
            &Issued::new(cred("one"), CredentialSerial::FIRST, at(7))
        );
        assert_eq!(r.current().last_used_at, None);
        assert!(r.previous().is_none());
        assert_eq!(valid(&r, 7), ["one"]);
        assert_eq!(Rotating::<Cred>::MAX_VALID, 2);
    }

    #[test]
    fn rotation_without_grace_revokes_the_old_credential_at_once() {
        let r = first("one");
        assert_eq!(r.valid_at(at(0)).count(), 1);
        let rotated = r.rotate(cred("two"), at(100), GracePeriod::NONE);
        assert_eq!(rotated.current().credential, cred("two"));
        assert!(rotated.previous().is_none());
        assert_eq!(valid(&rotated, 100), ["two"]);
    }

    #[test]
    fn rotation_with_grace_keeps_the_old_credential_until_it_ends() {
        let r = first("one");
        let rotated = r.rotate(cred("two"), at(100), grace(60));
        let previous = rotated.previous().unwrap();
        assert_eq!(&previous.issued, r.current());
        assert_eq!(previous.expires_at, at(160));
        assert_eq!(valid(&rotated, 159), ["two", "one"]);
        assert!(previous.is_valid_at(at(159)));
        assert!(!previous.is_valid_at(at(160)));
        assert_eq!(valid(&rotated, 160), ["two"]);
    }

    #[test]
    fn each_new_credential_has_the_next_serial_its_issue_time_and_no_use_yet() {
        let used = first("one").with_use(CredentialSerial::FIRST, at(5));
        assert_eq!(used.current().last_used_at, Some(at(5)));
        let r = used.rotate(cred("two"), at(10), grace(3600));
        let current = r.current();
        assert_eq!(current.serial, CredentialSerial::FIRST.next());
        assert_eq!(
            (
                current.created_at,
                current.last_used_at,
                &current.credential
            ),
            (at(10), None, &cred("two"))
        );
        // The previous credential keeps its own history.
        assert_eq!(r.previous().unwrap().issued.last_used_at, Some(at(5)));
        let later = r.with_use(CredentialSerial::FIRST, at(20));
        assert_eq!(later.previous().unwrap().issued.last_used_at, Some(at(20)));
        assert_eq!(later.current().last_used_at, None);
        // A serial that is neither changes nothing.
        assert_eq!(r.with_use(CredentialSerial::new(9).unwrap(), at(30)), r);
    }

    #[test]
    fn rotating_again_drops_the_older_previous_credential() {
        let r = first("one").rotate(cred("two"), at(0), grace(3600)).rotate(
            cred("three"),
            at(10),
            grace(3600),
        );
        assert_eq!(r.current().credential, cred("three"));
        assert_eq!(r.current().serial.get(), 3);
        assert_eq!(r.previous().unwrap().issued.credential, cred("two"));
        assert_eq!(valid(&r, 11), ["three", "two"]);
        let no_grace = r.rotate(cred("four"), at(20), GracePeriod::NONE);
        assert!(no_grace.previous().is_none());
        assert_eq!(no_grace.current().serial.get(), 4);
    }

    #[test]
    fn a_replaced_credential_and_its_previous_one_stop_at_once() {
        let r = first("one").rotate(cred("two"), at(0), grace(3600));
        let replaced = r.replaced(cred("three"), at(10));
        assert_eq!(
            replaced.current(),
            &Issued::new(cred("three"), CredentialSerial::new(3).unwrap(), at(10))
        );
        assert!(replaced.previous().is_none());
        assert_eq!(valid(&replaced, 10), ["three"]);
    }

    #[test]
    fn the_previous_credential_can_be_revoked_early_and_restore_keeps_what_was_stored() {
        let r = first("one").rotate(cred("two"), at(0), grace(3600));
        let revoked = r.without_previous();
        assert!(revoked.previous().is_none());
        assert_eq!(revoked.current(), r.current());
        let one = Issued::new(cred("a"), CredentialSerial::FIRST, at(0));
        assert_eq!(Rotating::restore(one.clone(), None), Rotating::new(one));
        assert_eq!(
            Rotating::restore(r.current().clone(), r.previous().cloned()),
            r
        );
    }

    #[test]
    fn a_credential_changes_only_when_it_is_the_one_numbered() {
        let r = first("one").rotate(cred("two"), at(0), grace(3600));
        let rename = |c: &mut Cred| c.0 = "renamed";
        let previous = r.with_credential_of(CredentialSerial::FIRST, rename);
        assert_eq!(
            previous.previous().unwrap().issued.credential,
            cred("renamed")
        );
        assert_eq!(previous.current(), r.current());
        let current = r.with_credential_of(CredentialSerial::FIRST.next(), rename);
        assert_eq!(current.current().credential, cred("renamed"));
        assert_eq!(current.previous(), r.previous());
        assert_eq!(
            r.with_credential_of(CredentialSerial::new(9).unwrap(), rename),
            r
        );
    }

    #[test]
    fn a_credential_whose_own_life_ended_is_not_valid_current_or_previous() {
        let r = Rotating::first(Cred("one", Some(50)), at(0));
        assert_eq!(valid(&r, 49), ["one"]);
        assert!(valid(&r, 50).is_empty());
        let rotated = r.rotate(Cred("two", Some(500)), at(10), grace(3600));
        assert!(rotated.previous().unwrap().is_valid_at(at(49)));
        assert!(!rotated.previous().unwrap().is_valid_at(at(50)));
        assert_eq!(valid(&rotated, 49), ["two", "one"]);
        assert_eq!(valid(&rotated, 50), ["two"]);
        assert!(valid(&rotated, 500).is_empty());
    }

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
