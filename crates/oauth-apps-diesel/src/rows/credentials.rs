//! The rows of an application's secrets and key sets, read into its [`Secrets`] and
//! [`KeySets`], and written from them.

use diesel::prelude::*;
use oauth_apps_domain::{
    CredentialSerial, Field, HashedSecret, Jwks, JwksUri, KeySet, KeySets, KeySource,
    PreviousKeySet, PreviousSecret, RepositoryError, Secret, SecretHash, SecretHint,
    SecretLifecycle, Secrets, Timestamp, TokenDigest, Violation,
};

use super::corrupt;
use crate::closed_sets::{KeySetState, Named, SecretState};
use crate::schema::{client_key_sets, client_secrets};
use crate::values::InstantValue;

/// A client secret's row.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = client_secrets)]
pub(crate) struct SecretRow {
    pub(crate) id: i64,
    pub(crate) application_id: i64,
    pub(crate) secret_hash: String,
    pub(crate) state: Named<SecretState>,
    pub(crate) expires_at: Option<InstantValue>,
    pub(crate) serial: i32,
    pub(crate) hint: Option<String>,
    pub(crate) created_at: InstantValue,
    pub(crate) last_used_at: Option<InstantValue>,
    pub(crate) lifetime_ends_at: Option<InstantValue>,
    pub(crate) lookup_digest: Option<String>,
    pub(crate) expiry_warned_days: Option<i32>,
    pub(crate) leaked_at: Option<InstantValue>,
}

impl SecretRow {
    /// The lifecycle this row stores.
    pub(crate) fn lifecycle(&self) -> Result<SecretLifecycle, RepositoryError> {
        Ok(SecretLifecycle {
            expires_at: self.lifetime_ends_at.map(Timestamp::from),
            lookup: self
                .lookup_digest
                .as_deref()
                .map(TokenDigest::from_hex)
                .transpose()
                .map_err(corrupt(Field::Secret))?,
            // Which days are warnings is restore's rule (`OAuthApplication::restore`).
            expiry_warned_days: self
                .expiry_warned_days
                .map(|d| {
                    u8::try_from(d).map_err(|_| Violation::Malformed {
                        what: "expiry warning (14, 7 or 1 days)",
                    })
                })
                .transpose()
                .map_err(corrupt(Field::Secret))?,
            leaked_at: self.leaked_at.map(Timestamp::from),
        })
    }
}

/// The lifecycle columns of a secret, as written.
#[derive(Debug, Clone, PartialEq, Eq, AsChangeset)]
#[diesel(table_name = client_secrets, treat_none_as_null = true)]
pub(crate) struct LifecycleValues {
    lifetime_ends_at: Option<InstantValue>,
    lookup_digest: Option<String>,
    expiry_warned_days: Option<i32>,
    leaked_at: Option<InstantValue>,
}

impl From<&SecretLifecycle> for LifecycleValues {
    fn from(l: &SecretLifecycle) -> Self {
        Self {
            lifetime_ends_at: l.expires_at.map(InstantValue::from),
            lookup_digest: l.lookup.map(|d| d.to_hex()),
            expiry_warned_days: l.expiry_warned_days.map(i32::from),
            leaked_at: l.leaked_at.map(InstantValue::from),
        }
    }
}

/// A key set's row.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = client_key_sets)]
pub(crate) struct KeySetRow {
    pub(crate) id: i64,
    pub(crate) application_id: i64,
    pub(crate) state: Named<KeySetState>,
    pub(crate) jwks: Option<String>,
    pub(crate) jwks_uri: Option<String>,
    pub(crate) serial: i32,
    pub(crate) created_at: InstantValue,
    pub(crate) expires_at: Option<InstantValue>,
    pub(crate) last_used_at: Option<InstantValue>,
}

/// The secrets of an application from the rows of those still in use: its one current
/// secret and the previous one with its expiry; none when it has no secret (its method
/// uses none).
pub(super) fn restore_secrets(rows: &[SecretRow]) -> Result<Option<Secrets>, RepositoryError> {
    if rows.is_empty() {
        return Ok(None);
    }
    let in_state = |state| rows.iter().find(|s| s.state.0 == state);
    let current = in_state(SecretState::Current).ok_or_else(|| {
        corrupt(Field::Secret)(Violation::Malformed {
            what: "set of stored secrets (a previous secret without a current one)",
        })
    })?;
    let previous = match in_state(SecretState::Previous) {
        None => None,
        Some(row) => {
            let expires_at = row.expires_at.ok_or_else(|| {
                corrupt(Field::Secret)(Violation::Malformed {
                    what: "previous secret (no expiry)",
                })
            })?;
            Some(PreviousSecret {
                issued: restore_secret(row)?,
                expires_at: expires_at.into(),
            })
        }
    };
    Ok(Some(Secrets::restore(restore_secret(current)?, previous)))
}

/// One stored secret: its hash, hint, serial, issue and last use.
fn restore_secret(row: &SecretRow) -> Result<Secret, RepositoryError> {
    Ok(Secret {
        credential: HashedSecret {
            hash: SecretHash::new(row.secret_hash.as_str()).map_err(corrupt(Field::Secret))?,
            hint: row
                .hint
                .as_deref()
                .map(SecretHint::restore)
                .transpose()
                .map_err(corrupt(Field::Secret))?,
            lifecycle: row.lifecycle()?,
        },
        serial: serial(row.serial).map_err(corrupt(Field::Secret))?,
        created_at: row.created_at.into(),
        last_used_at: row.last_used_at.map(Timestamp::from),
    })
}

/// A stored serial: a positive number.
fn serial(stored: i32) -> Result<CredentialSerial, Violation> {
    u32::try_from(stored)
        .map_err(|_| Violation::Malformed {
            what: "credential serial",
        })
        .and_then(CredentialSerial::new)
}

/// The key sets of an application from their rows: its current set and the previous one
/// with its expiry; none when it has no keys.
pub(super) fn restore_key_sets(rows: &[KeySetRow]) -> Result<Option<KeySets>, RepositoryError> {
    if rows.is_empty() {
        return Ok(None);
    }
    let in_state = |state| rows.iter().find(|s| s.state.0 == state);
    let current = in_state(KeySetState::Current).ok_or_else(|| {
        corrupt(Field::Jwks)(Violation::Malformed {
            what: "set of stored key sets (a previous set without a current one)",
        })
    })?;
    let previous = match in_state(KeySetState::Previous) {
        None => None,
        Some(row) => {
            let expires_at = row.expires_at.ok_or_else(|| {
                corrupt(Field::Jwks)(Violation::Malformed {
                    what: "previous key set (no expiry)",
                })
            })?;
            Some(PreviousKeySet {
                issued: restore_key_set(row)?,
                expires_at: expires_at.into(),
            })
        }
    };
    Ok(Some(KeySets::restore(restore_key_set(current)?, previous)))
}

/// One stored key set: its inline JWK Set or its URL, checked as the domain checks them.
fn restore_key_set(row: &KeySetRow) -> Result<KeySet, RepositoryError> {
    let source = match (&row.jwks, &row.jwks_uri) {
        (Some(jwks), None) => KeySource::Inline(Jwks::parse(jwks).map_err(corrupt(Field::Jwks))?),
        (None, Some(uri)) => {
            KeySource::Remote(JwksUri::parse(uri).map_err(corrupt(Field::JwksUri))?)
        }
        _ => {
            return Err(corrupt(Field::Jwks)(Violation::Malformed {
                what: "stored key set (exactly one of jwks and jwks_uri)",
            }));
        }
    };
    Ok(KeySet {
        credential: source,
        serial: serial(row.serial).map_err(corrupt(Field::Jwks))?,
        created_at: row.created_at.into(),
        last_used_at: row.last_used_at.map(Timestamp::from),
    })
}

/// A client secret to insert.
#[derive(Debug, Insertable)]
#[diesel(table_name = client_secrets, treat_none_as_default_value = false)]
pub(crate) struct NewSecret<'a> {
    application_id: i64,
    secret_hash: &'a str,
    state: Named<SecretState>,
    serial: i32,
    hint: Option<&'a str>,
    created_at: InstantValue,
    expires_at: Option<InstantValue>,
    last_used_at: Option<InstantValue>,
    lifetime_ends_at: Option<InstantValue>,
    lookup_digest: Option<String>,
    expiry_warned_days: Option<i32>,
    leaked_at: Option<InstantValue>,
}

impl<'a> NewSecret<'a> {
    fn new(
        application_id: i64,
        secret: &'a Secret,
        state: SecretState,
        expires_at: Option<Timestamp>,
    ) -> Self {
        Self {
            application_id,
            secret_hash: secret.credential.hash.as_phc(),
            state: Named(state),
            serial: stored_serial(secret.serial),
            hint: secret.credential.hint.as_ref().map(SecretHint::as_str),
            created_at: secret.created_at.into(),
            expires_at: expires_at.map(InstantValue::from),
            last_used_at: secret.last_used_at.map(InstantValue::from),
            lifetime_ends_at: secret
                .credential
                .lifecycle
                .expires_at
                .map(InstantValue::from),
            lookup_digest: secret.credential.lifecycle.lookup.map(|d| d.to_hex()),
            expiry_warned_days: secret
                .credential
                .lifecycle
                .expiry_warned_days
                .map(i32::from),
            leaked_at: secret
                .credential
                .lifecycle
                .leaked_at
                .map(InstantValue::from),
        }
    }

    /// `secret` as the current secret of application `application_id`.
    pub(crate) fn current(application_id: i64, secret: &'a Secret) -> Self {
        Self::new(application_id, secret, SecretState::Current, None)
    }

    /// `previous` as the previous secret of application `application_id`.
    pub(crate) fn previous(application_id: i64, previous: &'a PreviousSecret) -> Self {
        Self::new(
            application_id,
            &previous.issued,
            SecretState::Previous,
            Some(previous.expires_at),
        )
    }
}

/// A serial as stored: serials past `i32::MAX` (two billion rotations) stay at the largest.
pub(crate) fn stored_serial(serial: CredentialSerial) -> i32 {
    i32::try_from(serial.get()).unwrap_or(i32::MAX)
}

/// A key set to insert.
#[derive(Debug, Insertable)]
#[diesel(table_name = client_key_sets, treat_none_as_default_value = false)]
pub(crate) struct NewKeySet<'a> {
    application_id: i64,
    state: Named<KeySetState>,
    jwks: Option<&'a str>,
    jwks_uri: Option<&'a str>,
    serial: i32,
    created_at: InstantValue,
    expires_at: Option<InstantValue>,
    last_used_at: Option<InstantValue>,
}

impl<'a> NewKeySet<'a> {
    fn new(
        application_id: i64,
        set: &'a KeySet,
        state: KeySetState,
        expires_at: Option<Timestamp>,
    ) -> Self {
        let (jwks, jwks_uri) = match &set.credential {
            KeySource::Inline(jwks) => (Some(jwks.as_json()), None),
            KeySource::Remote(uri) => (None, Some(uri.as_str())),
        };
        Self {
            application_id,
            state: Named(state),
            jwks,
            jwks_uri,
            serial: stored_serial(set.serial),
            created_at: set.created_at.into(),
            expires_at: expires_at.map(InstantValue::from),
            last_used_at: set.last_used_at.map(InstantValue::from),
        }
    }

    /// `set` as the current key set of application `application_id`.
    pub(crate) fn current(application_id: i64, set: &'a KeySet) -> Self {
        Self::new(application_id, set, KeySetState::Current, None)
    }

    /// `previous` as the previous key set of application `application_id`.
    pub(crate) fn previous(application_id: i64, previous: &'a PreviousKeySet) -> Self {
        Self::new(
            application_id,
            &previous.issued,
            KeySetState::Previous,
            Some(previous.expires_at),
        )
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    pub(crate) fn at(seconds: i64) -> Timestamp {
        Timestamp::from_unix_micros(seconds * 1_000_000).unwrap()
    }

    pub(crate) fn row(
        id: i64,
        hash: &str,
        state: SecretState,
        expires_at: Option<i64>,
    ) -> SecretRow {
        SecretRow {
            id,
            application_id: 1,
            secret_hash: hash.to_owned(),
            state: Named(state),
            expires_at: expires_at.map(|s| at(s).into()),
            serial: i32::try_from(id).unwrap(),
            hint: None,
            created_at: at(id).into(),
            last_used_at: None,
            lifetime_ends_at: None,
            lookup_digest: None,
            expiry_warned_days: None,
            leaked_at: None,
        }
    }

    #[test]
    fn stored_secrets_become_the_applications_secrets() {
        let both = restore_secrets(&[
            row(1, "$test$old", SecretState::Previous, Some(9)),
            row(2, "$test$new", SecretState::Current, None),
        ])
        .unwrap()
        .unwrap();
        assert_eq!(both.current().credential.hash.as_phc(), "$test$new");
        assert_eq!(both.current().serial.get(), 2);
        assert_eq!(both.current().created_at, at(2));
        let previous = both.previous().unwrap();
        assert_eq!(
            (
                previous.issued.credential.hash.as_phc(),
                previous.expires_at
            ),
            ("$test$old", at(9))
        );
        assert_eq!(previous.issued.serial.get(), 1);
        let only = restore_secrets(&[row(2, "$test$only", SecretState::Current, None)])
            .unwrap()
            .unwrap();
        assert!(only.previous().is_none());
        // No secret at all: an application whose method uses none.
        assert_eq!(restore_secrets(&[]).unwrap(), None);
    }

    #[test]
    fn inconsistent_stored_secrets_are_corrupt() {
        let corrupt = |rows: &[SecretRow]| {
            matches!(
                restore_secrets(rows),
                Err(RepositoryError::Corrupt(e)) if e.concerns(Field::Secret)
            )
        };
        assert!(corrupt(&[row(
            1,
            "$test$old",
            SecretState::Previous,
            Some(9)
        )]));
        assert!(corrupt(&[
            row(1, "$test$new", SecretState::Current, None),
            row(2, "$test$old", SecretState::Previous, None),
        ]));
        assert!(corrupt(&[row(1, "plain", SecretState::Current, None)]));
        let zero = SecretRow {
            serial: 0,
            ..row(1, "$test$new", SecretState::Current, None)
        };
        assert!(corrupt(&[zero]));
        let long_hint = SecretRow {
            hint: Some("abcde".to_owned()),
            ..row(1, "$test$new", SecretState::Current, None)
        };
        assert!(corrupt(&[long_hint]));
    }

    #[test]
    fn a_secrets_hint_and_last_use_are_read() {
        let used = SecretRow {
            hint: Some("x9Z_".to_owned()),
            last_used_at: Some(at(50).into()),
            ..row(3, "$test$new", SecretState::Current, None)
        };
        let secrets = restore_secrets(&[used]).unwrap().unwrap();
        let current = secrets.current();
        assert_eq!(
            current.credential.hint.as_ref().map(SecretHint::as_str),
            Some("x9Z_")
        );
        assert_eq!(current.last_used_at, Some(at(50)));
        assert_eq!(current.serial.get(), 3);
    }

    pub(crate) const JWKS: &str = r#"{"keys":[{"crv":"Ed25519","kid":"k1","kty":"OKP","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}]}"#;
    const URI: &str = "https://client.example/jwks.json";

    pub(crate) fn key_set(
        id: i64,
        state: KeySetState,
        jwks: Option<&str>,
        jwks_uri: Option<&str>,
        expires_at: Option<i64>,
    ) -> KeySetRow {
        KeySetRow {
            id,
            application_id: 1,
            state: Named(state),
            jwks: jwks.map(str::to_owned),
            jwks_uri: jwks_uri.map(str::to_owned),
            serial: i32::try_from(id).unwrap(),
            created_at: at(id).into(),
            expires_at: expires_at.map(|s| at(s).into()),
            last_used_at: None,
        }
    }

    #[test]
    fn stored_key_sets_become_the_applications_key_sets() {
        let both = restore_key_sets(&[
            key_set(1, KeySetState::Previous, None, Some(URI), Some(90)),
            key_set(2, KeySetState::Current, Some(JWKS), None, None),
        ])
        .unwrap()
        .unwrap();
        let KeySource::Inline(jwks) = &both.current().credential else {
            panic!("inline keys expected")
        };
        assert_eq!(
            jwks.as_json(),
            JWKS,
            "the stored text is the canonical text"
        );
        assert_eq!(both.current().created_at, at(2));
        let previous = both.previous().unwrap();
        assert_eq!(
            previous.issued.credential,
            KeySource::Remote(JwksUri::parse(URI).unwrap())
        );
        assert_eq!(
            (previous.issued.created_at, previous.expires_at),
            (at(1), at(90))
        );
        let only = restore_key_sets(&[key_set(3, KeySetState::Current, None, Some(URI), None)])
            .unwrap()
            .unwrap();
        assert!(only.previous().is_none());
        assert_eq!(restore_key_sets(&[]).unwrap(), None);
    }

    #[test]
    fn inconsistent_stored_key_sets_are_corrupt() {
        let corrupt = |rows: &[KeySetRow], field: Field| {
            matches!(
                restore_key_sets(rows),
                Err(RepositoryError::Corrupt(e)) if e.concerns(field)
            )
        };
        let previous_only = [key_set(1, KeySetState::Previous, Some(JWKS), None, Some(9))];
        assert!(corrupt(&previous_only, Field::Jwks));
        let no_expiry = [
            key_set(1, KeySetState::Current, Some(JWKS), None, None),
            key_set(2, KeySetState::Previous, None, Some(URI), None),
        ];
        assert!(corrupt(&no_expiry, Field::Jwks));
        let both = [key_set(
            1,
            KeySetState::Current,
            Some(JWKS),
            Some(URI),
            None,
        )];
        assert!(corrupt(&both, Field::Jwks));
        let neither = [key_set(1, KeySetState::Current, None, None, None)];
        assert!(corrupt(&neither, Field::Jwks));
        let not_json = [key_set(1, KeySetState::Current, Some("{keys"), None, None)];
        assert!(corrupt(&not_json, Field::Jwks));
        let private = r#"{"keys":[{"kty":"oct","kid":"h","k":"c2VjcmV0"}]}"#;
        let symmetric = [key_set(1, KeySetState::Current, Some(private), None, None)];
        assert!(corrupt(&symmetric, Field::Jwks));
        let plain_http = [key_set(
            1,
            KeySetState::Current,
            None,
            Some("http://client.example/jwks"),
            None,
        )];
        assert!(corrupt(&plain_http, Field::JwksUri));
    }
}
