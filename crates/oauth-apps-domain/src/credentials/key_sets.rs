//! An application's public key sets (`private_key_jwt`): what a key set adds to the
//! rotation rules of [`super::rotation`] (where its keys are), and the names of the
//! rotation types for key sets.

use super::keys::{Jwks, JwksUri};
use super::rotation::{Issued, Previous, Rotating, RotatingCredential};
use crate::shared::time::Timestamp;

/// Where an application's public keys are: given inline, or published at a URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeySource {
    /// A JWK Set registered with the application.
    Inline(Jwks),
    /// The URL the client publishes its JWK Set at.
    Remote(JwksUri),
}

impl RotatingCredential for KeySource {
    /// A key set has no end of its own: only its grace period ends a previous one.
    fn is_live_at(&self, _now: Timestamp) -> bool {
        true
    }
}

/// One key set of an application: where its keys are, its serial, when it was registered
/// and when a client last proved itself with it.
pub type KeySet = Issued<KeySource>;

/// The previous key set after a rotation, valid until its grace period ends.
pub type PreviousKeySet = Previous<KeySource>;

/// An application's key sets: one current set and at most one previous set with its
/// expiry, rotated by the same rules as secrets.
pub type KeySets = Rotating<KeySource>;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::credentials::keys::tests::{ed, set};
    use crate::credentials::rotation::{CredentialSerial, GracePeriod};

    fn t(s: i64) -> Timestamp {
        Timestamp::from_unix_micros(s * 1_000_000).unwrap()
    }

    #[test]
    fn a_key_set_is_valid_until_its_grace_period_ends_however_old() {
        let a = KeySource::Inline(set(vec![ed("a")]).unwrap());
        let b = KeySource::Remote(JwksUri::parse("https://c.example/jwks").unwrap());
        assert!(a.is_live_at(t(i64::from(u32::MAX))));
        let sets = KeySets::first(a.clone(), t(1));
        assert_eq!(
            sets.current(),
            &KeySet::new(a.clone(), CredentialSerial::FIRST, t(1))
        );
        let rotated = sets.rotate(b.clone(), t(10), GracePeriod::from_seconds(60).unwrap());
        assert_eq!(rotated.current().credential, b);
        assert_eq!(rotated.previous().unwrap().issued.credential, a);
        let valid = |now| {
            rotated
                .valid_at(t(now))
                .map(|s| s.credential.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(valid(69), [b.clone(), a]);
        assert_eq!(valid(70), [b]);
    }
}
