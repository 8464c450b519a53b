//! Row types: diesel's view of the tables, and their conversions to and from the domain's
//! types.

use diesel::prelude::*;
use oauth_apps_domain::{
    AccessLevel, AppId, AppType, AuditEvent, AuthMethod, ClientId, ClientMetadata,
    CredentialSerial, EXPIRY_WARNING_DAYS, Field, FieldError, Jwks, JwksUri, KeySet, KeySets,
    KeySource, MetadataDocumentUrl, NewApplication, OAuthApplication, OrgId, PreviousKeySet,
    PreviousSecret, Registration, RegistrationDetails, RepositoryError, Secret, SecretHash,
    SecretHint, SecretLifecycle, Secrets, Status, StoredApplication, StoredAuditEvent, Timestamp,
    TokenDigest, Version, Violation,
};

use crate::schema::{audit_events, client_key_sets, client_secrets, oauth_applications};
use crate::values::{InstantValue, KeySetState, SecretState, TextListValue, UuidValue};

/// A stored value that breaks a rule of `field`.
pub(crate) fn corrupt(field: Field) -> impl FnOnce(Violation) -> RepositoryError {
    move |violation| RepositoryError::Corrupt(FieldError::new(field, violation).into())
}

/// A stored list of names, each parsed by `parse`; corrupt when one breaks its rule.
pub(crate) fn parsed_list<T>(
    names: Vec<String>,
    field: Field,
    parse: impl Fn(&str) -> Result<T, Violation>,
) -> Result<Vec<T>, RepositoryError> {
    names
        .iter()
        .map(|name| parse(name).map_err(corrupt(field)))
        .collect()
}

/// A list of names as stored.
pub(crate) fn names_of<T: Copy>(
    values: &[T],
    name: impl Fn(T) -> &'static str,
) -> crate::values::TextListValue {
    crate::values::TextListValue::of(values.iter().map(|v| name(*v)))
}

/// An application's row.
#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = oauth_applications)]
pub(crate) struct ApplicationRow {
    pub(crate) id: i64,
    client_id: UuidValue,
    owner_org_id: String,
    name: String,
    description: Option<String>,
    app_type: String,
    redirect_urls: TextListValue,
    allowed_scopes: TextListValue,
    grant_types: TextListValue,
    access_level: String,
    status: String,
    is_first_party: bool,
    created_at: InstantValue,
    updated_at: InstantValue,
    version: i64,
    token_endpoint_auth_method: String,
}

/// A client secret's row.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = client_secrets)]
pub(crate) struct SecretRow {
    pub(crate) id: i64,
    pub(crate) application_id: i64,
    pub(crate) secret_hash: String,
    pub(crate) state: SecretState,
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
            expiry_warned_days: self
                .expiry_warned_days
                .map(|d| {
                    u8::try_from(d)
                        .ok()
                        .filter(|d| EXPIRY_WARNING_DAYS.contains(d))
                        .ok_or(Violation::Malformed {
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
    pub(crate) state: KeySetState,
    pub(crate) jwks: Option<String>,
    pub(crate) jwks_uri: Option<String>,
    pub(crate) serial: i32,
    pub(crate) created_at: InstantValue,
    pub(crate) expires_at: Option<InstantValue>,
    pub(crate) last_used_at: Option<InstantValue>,
}

/// A registration row as `applications!` reads it: the kind, the metadata (a JSON object),
/// the registration access token's digest and the metadata document's URL.
pub(crate) type RegistrationRow = (String, Option<String>, Option<String>, Option<String>);

/// An application's row with the rows of its secrets still in use (current, previous), of
/// its key sets, and its registration row (none: made by hand).
pub(crate) struct LoadedApplication {
    pub(crate) row: ApplicationRow,
    pub(crate) secrets: Vec<SecretRow>,
    pub(crate) key_sets: Vec<KeySetRow>,
    pub(crate) registration: Option<RegistrationRow>,
}

/// The details a registration row keeps.
fn restore_details(
    metadata: Option<&str>,
    access_token: Option<&str>,
    document: Option<&str>,
) -> Result<RegistrationDetails, RepositoryError> {
    let metadata = match metadata {
        None => ClientMetadata::EMPTY,
        Some(json) => ClientMetadata::from_json_text(json).map_err(RepositoryError::Corrupt)?,
    };
    let access_token = access_token
        .map(TokenDigest::from_hex)
        .transpose()
        .map_err(corrupt(Field::Registration))?;
    let document = document
        .map(MetadataDocumentUrl::parse)
        .transpose()
        .map_err(|_| {
            corrupt(Field::MetadataDocument)(Violation::Malformed {
                what: "metadata document URL",
            })
        })?;
    Ok(RegistrationDetails {
        metadata,
        access_token,
        document,
    })
}

impl TryFrom<LoadedApplication> for OAuthApplication {
    type Error = RepositoryError;

    /// The application, through [`OAuthApplication::restore`]; a value that breaks a rule is
    /// [`RepositoryError::Corrupt`].
    fn try_from(loaded: LoadedApplication) -> Result<Self, RepositoryError> {
        let LoadedApplication {
            row,
            secrets,
            key_sets,
            registration,
        } = loaded;
        let (registration, details) = match registration {
            None => (Registration::Manual, RegistrationDetails::NONE),
            Some((kind, metadata, access_token, document)) => match Registration::parse(&kind) {
                Ok(Registration::Manual) | Err(_) => {
                    return Err(corrupt(Field::Registration)(Violation::NotOneOf {
                        allowed: &["dynamic", "metadata_document"],
                    }));
                }
                Ok(registration) => (
                    registration,
                    restore_details(
                        metadata.as_deref(),
                        access_token.as_deref(),
                        document.as_deref(),
                    )?,
                ),
            },
        };
        let stored = StoredApplication {
            id: AppId::new(row.id).map_err(corrupt(Field::Id))?,
            client_id: ClientId::from_uuid(row.client_id.0).map_err(corrupt(Field::ClientId))?,
            owner_org_id: OrgId::parse(row.owner_org_id).map_err(corrupt(Field::OwnerOrgId))?,
            app_type: AppType::parse(&row.app_type).map_err(corrupt(Field::AppType))?,
            name: row.name,
            description: row.description,
            redirect_urls: row.redirect_urls.0,
            allowed_scopes: row.allowed_scopes.0,
            grant_types: row.grant_types.0,
            access_level: AccessLevel::parse(&row.access_level)
                .map_err(corrupt(Field::AccessLevel))?,
            status: Status::parse(&row.status).map_err(corrupt(Field::Status))?,
            is_first_party: row.is_first_party,
            auth_method: AuthMethod::parse(&row.token_endpoint_auth_method)
                .map_err(corrupt(Field::TokenEndpointAuthMethod))?,
            registration,
            details,
            secrets: restore_secrets(&secrets)?,
            keys: restore_key_sets(&key_sets)?,
            created_at: row.created_at.into(),
            updated_at: row.updated_at.into(),
            version: Version::new(row.version).map_err(corrupt(Field::Version))?,
        };
        Self::restore(stored).map_err(RepositoryError::Corrupt)
    }
}

/// The secrets of an application from the rows of those still in use: its one current
/// secret and the previous one with its expiry; none when it has no secret (its method
/// uses none).
fn restore_secrets(rows: &[SecretRow]) -> Result<Option<Secrets>, RepositoryError> {
    if rows.is_empty() {
        return Ok(None);
    }
    let in_state = |state| rows.iter().find(|s| s.state == state);
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
                secret: restore_secret(row)?,
                expires_at: expires_at.into(),
            })
        }
    };
    Ok(Some(Secrets::restore(restore_secret(current)?, previous)))
}

/// One stored secret: its hash, hint, serial, issue and last use.
fn restore_secret(row: &SecretRow) -> Result<Secret, RepositoryError> {
    Ok(Secret {
        hash: SecretHash::new(row.secret_hash.as_str()).map_err(corrupt(Field::Secret))?,
        hint: row
            .hint
            .as_deref()
            .map(SecretHint::restore)
            .transpose()
            .map_err(corrupt(Field::Secret))?,
        serial: serial(row.serial).map_err(corrupt(Field::Secret))?,
        created_at: row.created_at.into(),
        last_used_at: row.last_used_at.map(Timestamp::from),
        lifecycle: row.lifecycle()?,
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
fn restore_key_sets(rows: &[KeySetRow]) -> Result<Option<KeySets>, RepositoryError> {
    if rows.is_empty() {
        return Ok(None);
    }
    let in_state = |state| rows.iter().find(|s| s.state == state);
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
                set: restore_key_set(row)?,
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
        source,
        serial: serial(row.serial).map_err(corrupt(Field::Jwks))?,
        created_at: row.created_at.into(),
        last_used_at: row.last_used_at.map(Timestamp::from),
    })
}

/// The columns of an application that inserts and updates write (all but `id`).
#[derive(Debug, Insertable, AsChangeset)]
#[diesel(table_name = oauth_applications, treat_none_as_null = true)]
pub(crate) struct ApplicationValues<'a> {
    client_id: UuidValue,
    owner_org_id: &'a str,
    name: &'a str,
    description: Option<&'a str>,
    app_type: &'static str,
    redirect_urls: TextListValue,
    allowed_scopes: TextListValue,
    grant_types: TextListValue,
    access_level: &'static str,
    status: &'static str,
    is_first_party: bool,
    created_at: InstantValue,
    updated_at: InstantValue,
    version: i64,
    token_endpoint_auth_method: &'static str,
}

/// The values of `$app`, a new or a stored application (they have the same getters).
macro_rules! application_values {
    ($app:expr) => {{
        let app = $app;
        let profile = app.profile();
        ApplicationValues {
            client_id: UuidValue(*app.client_id().as_uuid()),
            owner_org_id: app.owner_org_id().as_str(),
            name: profile.name().as_str(),
            description: profile.description().map(|d| d.as_str()),
            app_type: app.app_type().as_str(),
            redirect_urls: TextListValue::of(profile.redirect_urls().iter()),
            allowed_scopes: TextListValue::of(profile.allowed_scopes().iter()),
            grant_types: TextListValue::of(profile.grant_types().iter()),
            access_level: profile.access_level().as_str(),
            status: app.status().as_str(),
            is_first_party: app.is_first_party(),
            created_at: app.created_at().into(),
            updated_at: app.updated_at().into(),
            version: app.version().get(),
            token_endpoint_auth_method: app.credentials().method().as_str(),
        }
    }};
}

impl<'a> From<&'a NewApplication> for ApplicationValues<'a> {
    fn from(app: &'a NewApplication) -> Self {
        application_values!(app)
    }
}

impl<'a> From<&'a OAuthApplication> for ApplicationValues<'a> {
    fn from(app: &'a OAuthApplication) -> Self {
        application_values!(app)
    }
}

/// A client secret to insert.
#[derive(Debug, Insertable)]
#[diesel(table_name = client_secrets, treat_none_as_default_value = false)]
pub(crate) struct NewSecret<'a> {
    application_id: i64,
    secret_hash: &'a str,
    state: SecretState,
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
            secret_hash: secret.hash.as_phc(),
            state,
            serial: stored_serial(secret.serial),
            hint: secret.hint.as_ref().map(SecretHint::as_str),
            created_at: secret.created_at.into(),
            expires_at: expires_at.map(InstantValue::from),
            last_used_at: secret.last_used_at.map(InstantValue::from),
            lifetime_ends_at: secret.lifecycle.expires_at.map(InstantValue::from),
            lookup_digest: secret.lifecycle.lookup.map(|d| d.to_hex()),
            expiry_warned_days: secret.lifecycle.expiry_warned_days.map(i32::from),
            leaked_at: secret.lifecycle.leaked_at.map(InstantValue::from),
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
            &previous.secret,
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
    state: KeySetState,
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
        let (jwks, jwks_uri) = match &set.source {
            KeySource::Inline(jwks) => (Some(jwks.as_json()), None),
            KeySource::Remote(uri) => (None, Some(uri.as_str())),
        };
        Self {
            application_id,
            state,
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
            &previous.set,
            KeySetState::Previous,
            Some(previous.expires_at),
        )
    }
}

/// An audit event's row.
#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = audit_events)]
pub(crate) struct EventRow {
    id: i64,
    action: String,
    actor: String,
    request_id: Option<String>,
    client_request_id: Option<String>,
    changed_fields: TextListValue,
    occurred_at: InstantValue,
}

impl TryFrom<EventRow> for StoredAuditEvent {
    type Error = RepositoryError;

    /// The event, through [`AuditEvent::restore`]; an unknown action or field name is
    /// [`RepositoryError::Corrupt`].
    fn try_from(row: EventRow) -> Result<Self, RepositoryError> {
        let event = AuditEvent::restore(
            &row.action,
            row.actor,
            row.request_id,
            row.client_request_id,
            &row.changed_fields.0,
            row.occurred_at.into(),
        )
        .map_err(RepositoryError::Corrupt)?;
        Ok(Self { id: row.id, event })
    }
}

/// An audit event to insert.
#[derive(Debug, Insertable)]
#[diesel(table_name = audit_events, treat_none_as_default_value = false)]
pub(crate) struct NewEvent<'a> {
    application_id: i64,
    action: &'static str,
    actor: &'a str,
    request_id: Option<&'a str>,
    client_request_id: Option<&'a str>,
    changed_fields: TextListValue,
    occurred_at: InstantValue,
}

impl<'a> NewEvent<'a> {
    /// `event` in the trail of application `application_id`.
    pub(crate) fn new(application_id: i64, event: &'a AuditEvent) -> Self {
        Self {
            application_id,
            action: event.action.as_str(),
            actor: &event.actor,
            request_id: event.request_id.as_deref(),
            client_request_id: event.client_request_id.as_deref(),
            changed_fields: TextListValue::of(event.changed_fields.iter().map(|f| f.name())),
            occurred_at: event.at.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn at(seconds: i64) -> Timestamp {
        Timestamp::from_unix_micros(seconds * 1_000_000).unwrap()
    }

    fn row(id: i64, hash: &str, state: SecretState, expires_at: Option<i64>) -> SecretRow {
        SecretRow {
            id,
            application_id: 1,
            secret_hash: hash.to_owned(),
            state,
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
        assert_eq!(both.current().hash.as_phc(), "$test$new");
        assert_eq!(both.current().serial.get(), 2);
        assert_eq!(both.current().created_at, at(2));
        let previous = both.previous().unwrap();
        assert_eq!(
            (previous.secret.hash.as_phc(), previous.expires_at),
            ("$test$old", at(9))
        );
        assert_eq!(previous.secret.serial.get(), 1);
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
        assert_eq!(current.hint.as_ref().map(SecretHint::as_str), Some("x9Z_"));
        assert_eq!(current.last_used_at, Some(at(50)));
        assert_eq!(current.serial.get(), 3);
    }

    const JWKS: &str = r#"{"keys":[{"crv":"Ed25519","kid":"k1","kty":"OKP","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}]}"#;
    const URI: &str = "https://client.example/jwks.json";

    fn key_set(
        id: i64,
        state: KeySetState,
        jwks: Option<&str>,
        jwks_uri: Option<&str>,
        expires_at: Option<i64>,
    ) -> KeySetRow {
        KeySetRow {
            id,
            application_id: 1,
            state,
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
        let KeySource::Inline(jwks) = &both.current().source else {
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
            previous.set.source,
            KeySource::Remote(JwksUri::parse(URI).unwrap())
        );
        assert_eq!(
            (previous.set.created_at, previous.expires_at),
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

    fn application_row(method: &str) -> ApplicationRow {
        ApplicationRow {
            id: 1,
            client_id: UuidValue(*ClientId::from_random_bytes([7; 16]).as_uuid()),
            owner_org_id: "acme".into(),
            name: "App".into(),
            description: None,
            app_type: "web".into(),
            redirect_urls: TextListValue::of(["https://app.example.com/cb"]),
            allowed_scopes: TextListValue::of([]),
            grant_types: TextListValue::of(["authorization_code"]),
            access_level: "organization".into(),
            status: "active".into(),
            is_first_party: false,
            created_at: at(1).into(),
            updated_at: at(1).into(),
            version: 1,
            token_endpoint_auth_method: method.into(),
        }
    }

    fn loaded(
        method: &str,
        secrets: Vec<SecretRow>,
        key_sets: Vec<KeySetRow>,
    ) -> Result<OAuthApplication, RepositoryError> {
        OAuthApplication::try_from(LoadedApplication {
            row: application_row(method),
            secrets,
            key_sets,
            registration: None,
        })
    }

    #[test]
    fn the_stored_method_is_read_with_the_credentials_it_needs() {
        let secret = || vec![row(1, "$test$s", SecretState::Current, None)];
        let keys = || vec![key_set(1, KeySetState::Current, Some(JWKS), None, None)];
        let basic = loaded("client_secret_basic", secret(), vec![]).unwrap();
        assert_eq!(basic.auth_method(), AuthMethod::ClientSecretBasic);
        assert_eq!(basic.secrets().unwrap().current().hash.as_phc(), "$test$s");
        let post = loaded("client_secret_post", secret(), keys()).unwrap();
        assert_eq!(post.auth_method(), AuthMethod::ClientSecretPost);
        assert!(post.keys().is_some(), "keys registered ahead of a switch");
        let signed = loaded("private_key_jwt", vec![], keys()).unwrap();
        assert_eq!(signed.auth_method(), AuthMethod::PrivateKeyJwt);
        assert!(signed.secrets().is_none());

        let corrupt = |r: Result<OAuthApplication, RepositoryError>| matches!(r, Err(RepositoryError::Corrupt(e)) if e.concerns(Field::TokenEndpointAuthMethod));
        assert!(corrupt(loaded("client_secret_jwt", secret(), vec![])));
        assert!(corrupt(loaded("telepathy", secret(), vec![])));
        assert!(corrupt(loaded("client_secret_basic", vec![], keys())));
        assert!(corrupt(loaded("private_key_jwt", vec![], vec![])));
        assert!(
            corrupt(loaded("none", vec![], vec![])),
            "a web app must authenticate"
        );
    }

    #[test]
    fn unknown_names_in_a_stored_event_are_corrupt() {
        let event = |action: &str, fields: &[&str]| EventRow {
            id: 7,
            action: action.to_owned(),
            actor: "alice".into(),
            request_id: None,
            client_request_id: None,
            changed_fields: TextListValue::of(fields.iter().copied()),
            occurred_at: at(1).into(),
        };
        let stored = StoredAuditEvent::try_from(event("updated", &["name"])).unwrap();
        assert_eq!(stored.id, 7);
        assert_eq!(stored.event.changed_fields, [Field::Name]);
        for broken in [event("deleted", &["name"]), event("updated", &["colour"])] {
            assert!(matches!(
                StoredAuditEvent::try_from(broken),
                Err(RepositoryError::Corrupt(_))
            ));
        }
    }
}
