//! Bringing the stored key sets of an application in line with its domain state.

use oauth_apps_domain::{KeySet, KeySets, KeySource, Timestamp};

use crate::closed_sets::KeySetState;
use crate::rows::KeySetRow;

/// What to write so that the stored key sets match an application's [`KeySets`]. Applied
/// in this order (deletions first), at most one current and one previous set exist at
/// every step, as the partial unique indexes require. A set that is neither current nor
/// previous is deleted: unlike secrets, public keys are kept no longer than they are used.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct KeySetWrites {
    /// The stored sets (row ids) to delete.
    pub(crate) delete: Vec<i64>,
    /// A stored set (row id) to mark previous, with its expiry.
    pub(crate) make_previous: Option<(i64, Timestamp)>,
    /// Whether the current set must be inserted (it is not stored as current yet).
    pub(crate) insert_current: bool,
}

/// Whether the row `stored` holds `set`: the same keys (the stored JWK Set is the domain's
/// canonical text) or the same URL, registered at the same instant.
fn holds(stored: &KeySetRow, set: &KeySet) -> bool {
    let same_source = match &set.credential {
        KeySource::Inline(jwks) => {
            stored.jwks.as_deref() == Some(jwks.as_json()) && stored.jwks_uri.is_none()
        }
        KeySource::Remote(uri) => {
            stored.jwks_uri.as_deref() == Some(uri.as_str()) && stored.jwks.is_none()
        }
    };
    same_source && Timestamp::from(stored.created_at) == set.created_at
}

impl KeySetWrites {
    /// The writes that turn `stored` (every key set row of the application) into `keys`
    /// (none: the application has no keys any more). The stored current set that holds the
    /// current one stays; the set that holds the previous one is (re)marked previous with
    /// its expiry when it is not stored that way; every other row is deleted; the current
    /// set is inserted when no current row holds it.
    pub(crate) fn plan(keys: Option<&KeySets>, stored: &[KeySetRow]) -> Self {
        let Some(keys) = keys else {
            return Self {
                delete: stored.iter().map(|s| s.id).collect(),
                ..Self::default()
            };
        };
        let current = stored
            .iter()
            .find(|s| s.state.0 == KeySetState::Current && holds(s, keys.current()))
            .map(|s| s.id);
        let previous = keys.previous().and_then(|p| {
            stored
                .iter()
                .find(|s| Some(s.id) != current && holds(s, &p.issued))
                .map(|s| (s, p.expires_at))
        });
        let mut writes = Self {
            insert_current: current.is_none(),
            ..Self::default()
        };
        if let Some((row, expires_at)) = previous
            && (row.state.0 != KeySetState::Previous
                || row.expires_at.map(Timestamp::from) != Some(expires_at))
        {
            writes.make_previous = Some((row.id, expires_at));
        }
        let kept = |id| Some(id) == current || previous.is_some_and(|(row, _)| row.id == id);
        writes.delete = stored
            .iter()
            .map(|s| s.id)
            .filter(|&id| !kept(id))
            .collect();
        writes
    }
}

#[cfg(test)]
mod tests {
    use oauth_apps_domain::{CredentialSerial, GracePeriod, Jwks, JwksUri, PreviousKeySet};

    use super::*;
    use crate::closed_sets::Named;

    fn at(seconds: i64) -> Timestamp {
        Timestamp::from_unix_micros(seconds * 1_000_000).unwrap()
    }

    fn jwks(kid: &str) -> Jwks {
        Jwks::parse(&format!(
            r#"{{"keys":[{{"kty":"OKP","crv":"Ed25519","kid":"{kid}","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}}]}}"#
        ))
        .unwrap()
    }

    fn inline(kid: &str) -> KeySource {
        KeySource::Inline(jwks(kid))
    }

    fn remote(path: &str) -> KeySource {
        KeySource::Remote(JwksUri::parse(&format!("https://client.example/{path}")).unwrap())
    }

    /// The row `id` holding `source` registered at `created` seconds.
    fn stored(
        id: i64,
        source: &KeySource,
        created: i64,
        state: KeySetState,
        expires_at: Option<i64>,
    ) -> KeySetRow {
        let (jwks, jwks_uri) = match source {
            KeySource::Inline(jwks) => (Some(jwks.as_json().to_owned()), None),
            KeySource::Remote(uri) => (None, Some(uri.as_str().to_owned())),
        };
        KeySetRow {
            id,
            application_id: 1,
            state: Named(state),
            jwks,
            jwks_uri,
            serial: i32::try_from(created).unwrap(),
            created_at: at(created).into(),
            expires_at: expires_at.map(|s| at(s).into()),
            last_used_at: None,
        }
    }

    /// The set of `source` registered at `created` seconds, numbered `created` too.
    fn set(source: KeySource, created: i64) -> KeySet {
        let serial = CredentialSerial::new(u32::try_from(created).unwrap()).unwrap();
        KeySet::new(source, serial, at(created))
    }

    fn first(source: KeySource, created: i64) -> KeySets {
        KeySets::new(set(source, created))
    }

    #[test]
    fn first_keys_are_inserted_and_unchanged_keys_write_nothing() {
        let keys = first(inline("a"), 1);
        assert_eq!(
            KeySetWrites::plan(Some(&keys), &[]),
            KeySetWrites {
                delete: vec![],
                make_previous: None,
                insert_current: true
            }
        );
        let rows = [stored(1, &inline("a"), 1, KeySetState::Current, None)];
        assert_eq!(
            KeySetWrites::plan(Some(&keys), &rows),
            KeySetWrites::default()
        );
        let rotated = keys.rotate(remote("b"), at(10), GracePeriod::from_seconds(60).unwrap());
        let rows = [
            stored(1, &inline("a"), 1, KeySetState::Previous, Some(70)),
            stored(2, &remote("b"), 10, KeySetState::Current, None),
        ];
        assert_eq!(
            KeySetWrites::plan(Some(&rotated), &rows),
            KeySetWrites::default()
        );
        assert_eq!(KeySetWrites::plan(None, &[]), KeySetWrites::default());
    }

    #[test]
    fn a_rotation_with_grace_marks_the_current_set_previous_and_deletes_the_older_one() {
        let keys = first(inline("a"), 1)
            .rotate(inline("b"), at(10), GracePeriod::from_seconds(60).unwrap())
            .rotate(inline("c"), at(20), GracePeriod::from_seconds(60).unwrap());
        let rows = [
            stored(4, &inline("a"), 1, KeySetState::Previous, Some(70)),
            stored(5, &inline("b"), 10, KeySetState::Current, None),
        ];
        assert_eq!(
            KeySetWrites::plan(Some(&keys), &rows),
            KeySetWrites {
                delete: vec![4],
                make_previous: Some((5, at(80))),
                insert_current: true
            }
        );
    }

    #[test]
    fn the_same_keys_registered_again_are_a_new_set() {
        // A rotation to the very same keys: told apart by when each was registered.
        let keys = first(inline("a"), 1).rotate(
            inline("a"),
            at(10),
            GracePeriod::from_seconds(60).unwrap(),
        );
        let rows = [stored(1, &inline("a"), 1, KeySetState::Current, None)];
        assert_eq!(
            KeySetWrites::plan(Some(&keys), &rows),
            KeySetWrites {
                delete: vec![],
                make_previous: Some((1, at(70))),
                insert_current: true
            }
        );
    }

    #[test]
    fn revoking_replacing_and_removing_delete() {
        let rows = [
            stored(1, &inline("a"), 1, KeySetState::Previous, Some(70)),
            stored(2, &remote("b"), 10, KeySetState::Current, None),
        ];
        // The previous set revoked early.
        let revoked = first(remote("b"), 10);
        assert_eq!(
            KeySetWrites::plan(Some(&revoked), &rows),
            KeySetWrites {
                delete: vec![1],
                make_previous: None,
                insert_current: false
            }
        );
        // Replaced at once (an update with new keys, a rotation without grace).
        let replaced = first(remote("c"), 20);
        assert_eq!(
            KeySetWrites::plan(Some(&replaced), &rows),
            KeySetWrites {
                delete: vec![1, 2],
                make_previous: None,
                insert_current: true
            }
        );
        // No keys any more.
        assert_eq!(
            KeySetWrites::plan(None, &rows),
            KeySetWrites {
                delete: vec![1, 2],
                make_previous: None,
                insert_current: false
            }
        );
    }

    #[test]
    fn a_changed_expiry_is_written() {
        let keys = KeySets::restore(
            set(remote("b"), 10),
            Some(PreviousKeySet {
                issued: set(inline("a"), 1),
                expires_at: at(90),
            }),
        );
        let rows = [
            stored(1, &inline("a"), 1, KeySetState::Previous, Some(70)),
            stored(2, &remote("b"), 10, KeySetState::Current, None),
        ];
        assert_eq!(
            KeySetWrites::plan(Some(&keys), &rows),
            KeySetWrites {
                delete: vec![],
                make_previous: Some((1, at(90))),
                insert_current: false
            }
        );
    }
}
