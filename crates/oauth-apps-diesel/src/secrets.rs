//! Bringing the stored secrets of an application in line with its domain state.

use oauth_apps_domain::{SecretLifecycle, Secrets, Timestamp};

use crate::closed_sets::SecretState;
use crate::rows::SecretRow;

/// What to write so that the stored secrets still in use match an application's
/// [`Secrets`]. Applied in this order (revocations first), at most one current and one
/// previous secret exist at every step, as the partial unique indexes require.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct SecretWrites {
    /// The stored secrets (row ids) to revoke.
    pub(crate) revoke: Vec<i64>,
    /// A stored secret (row id) to mark previous, with its expiry.
    pub(crate) make_previous: Option<(i64, Timestamp)>,
    /// Whether the current secret must be inserted (it is not stored yet).
    pub(crate) insert_current: bool,
    /// Stored secrets (row ids) kept, whose lifecycle (end, lookup digest, warnings, leak)
    /// changed.
    pub(crate) lifecycles: Vec<(i64, SecretLifecycle)>,
}

impl SecretWrites {
    /// The writes that turn `stored` (the rows still in use) into `secrets`: a stored hash
    /// that is neither the current nor the previous one is revoked; the previous one is
    /// (re)marked with its expiry when it is not stored that way; the current one is
    /// inserted when absent. Without secrets (a method that uses none), every stored one
    /// is revoked.
    pub(crate) fn plan(secrets: Option<&Secrets>, stored: &[SecretRow]) -> Self {
        let Some(secrets) = secrets else {
            return Self {
                revoke: stored.iter().map(|s| s.id).collect(),
                ..Self::default()
            };
        };
        let current = secrets.current().credential.hash.as_phc();
        let mut writes = Self {
            insert_current: !stored.iter().any(|s| s.secret_hash == current),
            ..Self::default()
        };
        for s in stored {
            let kept = match secrets.previous() {
                Some(p) if p.issued.credential.hash.as_phc() == s.secret_hash => {
                    let expires_at = s.expires_at.map(Timestamp::from);
                    if s.state.0 != SecretState::Previous || expires_at != Some(p.expires_at) {
                        writes.make_previous = Some((s.id, p.expires_at));
                    }
                    Some(&p.issued)
                }
                _ if s.secret_hash == current => Some(secrets.current()),
                _ => {
                    writes.revoke.push(s.id);
                    None
                }
            };
            if let Some(secret) = kept
                && s.lifecycle().ok().as_ref() != Some(&secret.credential.lifecycle)
            {
                writes
                    .lifecycles
                    .push((s.id, secret.credential.lifecycle.clone()));
            }
        }
        writes
    }
}

#[cfg(test)]
mod tests {
    use oauth_apps_domain::{GracePeriod, HashedSecret, PreviousSecret, Secret, SecretHash};

    use super::*;
    use crate::closed_sets::Named;

    fn hash(s: &str) -> SecretHash {
        SecretHash::new(format!("$test${s}")).unwrap()
    }

    fn first(s: &str) -> Secret {
        Secret::first(hash(s), None, at(0))
    }

    fn at(seconds: i64) -> Timestamp {
        Timestamp::from_unix_micros(seconds * 1_000_000).unwrap()
    }

    fn stored(id: i64, hash: &str, state: SecretState, expires_at: Option<i64>) -> SecretRow {
        SecretRow {
            id,
            application_id: 1,
            secret_hash: format!("$test${hash}"),
            state: Named(state),
            expires_at: expires_at.map(|s| at(s).into()),
            serial: i32::try_from(id).unwrap(),
            hint: None,
            created_at: at(0).into(),
            last_used_at: None,
            lifetime_ends_at: None,
            lookup_digest: None,
            expiry_warned_days: None,
            leaked_at: None,
        }
    }

    #[test]
    fn a_new_application_inserts_its_current_secret() {
        assert_eq!(
            SecretWrites::plan(Some(&Secrets::new(first("one"))), &[]),
            SecretWrites {
                revoke: vec![],
                make_previous: None,
                insert_current: true,
                lifecycles: vec![],
            }
        );
    }

    #[test]
    fn unchanged_secrets_write_nothing() {
        let s = Secrets::new(first("one"));
        let rows = [stored(1, "one", SecretState::Current, None)];
        assert_eq!(SecretWrites::plan(Some(&s), &rows), SecretWrites::default());
        let rotated = s.rotate(
            HashedSecret::new(hash("two"), None),
            at(0),
            GracePeriod::from_seconds(60).unwrap(),
        );
        let rows = [
            stored(2, "two", SecretState::Current, None),
            stored(1, "one", SecretState::Previous, Some(60)),
        ];
        assert_eq!(
            SecretWrites::plan(Some(&rotated), &rows),
            SecretWrites::default()
        );
    }

    #[test]
    fn a_rotation_with_grace_revokes_the_older_previous_secret() {
        let rows = [
            stored(4, "zero", SecretState::Previous, Some(5)),
            stored(5, "one", SecretState::Current, None),
        ];
        let rotated = Secrets::new(first("one")).rotate(
            HashedSecret::new(hash("two"), None),
            at(10),
            GracePeriod::from_seconds(60).unwrap(),
        );
        assert_eq!(
            SecretWrites::plan(Some(&rotated), &rows),
            SecretWrites {
                revoke: vec![4],
                make_previous: Some((5, at(70))),
                insert_current: true,
                lifecycles: vec![],
            }
        );
    }

    #[test]
    fn a_rotation_without_grace_and_an_early_revocation_revoke() {
        let rows = [stored(1, "one", SecretState::Current, None)];
        let rotated = Secrets::new(first("one")).rotate(
            HashedSecret::new(hash("two"), None),
            at(10),
            GracePeriod::NONE,
        );
        assert_eq!(
            SecretWrites::plan(Some(&rotated), &rows),
            SecretWrites {
                revoke: vec![1],
                make_previous: None,
                insert_current: true,
                lifecycles: vec![],
            }
        );
        let rows = [
            stored(2, "two", SecretState::Current, None),
            stored(1, "one", SecretState::Previous, Some(70)),
        ];
        assert_eq!(
            SecretWrites::plan(Some(&Secrets::new(first("two"))), &rows),
            SecretWrites {
                revoke: vec![1],
                make_previous: None,
                insert_current: false,
                lifecycles: vec![],
            }
        );
    }

    #[test]
    fn a_method_without_a_secret_revokes_every_stored_one() {
        let rows = [
            stored(2, "two", SecretState::Current, None),
            stored(1, "one", SecretState::Previous, Some(70)),
        ];
        assert_eq!(
            SecretWrites::plan(None, &rows),
            SecretWrites {
                revoke: vec![2, 1],
                make_previous: None,
                insert_current: false,
                lifecycles: vec![],
            }
        );
        assert_eq!(SecretWrites::plan(None, &[]), SecretWrites::default());
    }

    #[test]
    fn a_changed_expiry_is_written() {
        let secrets = Secrets::restore(
            first("two"),
            Some(PreviousSecret {
                issued: first("one"),
                expires_at: at(90),
            }),
        );
        let rows = [
            stored(2, "two", SecretState::Current, None),
            stored(1, "one", SecretState::Previous, Some(70)),
        ];
        assert_eq!(
            SecretWrites::plan(Some(&secrets), &rows),
            SecretWrites {
                revoke: vec![],
                make_previous: Some((1, at(90))),
                insert_current: false,
                lifecycles: vec![],
            }
        );
    }
}
