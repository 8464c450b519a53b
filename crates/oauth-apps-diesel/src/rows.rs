//! Row types: diesel's view of the tables, and their conversions to and from the domain's
//! types.

use diesel::prelude::*;
use oauth_apps_domain::{
    AccessLevel, AppId, AppType, AuditEvent, ClientId, Field, FieldError, NewApplication,
    OAuthApplication, OrgId, PreviousSecret, RepositoryError, SecretHash, Secrets, Status,
    StoredApplication, StoredAuditEvent, Timestamp, Version, Violation,
};

use crate::schema::{audit_events, client_secrets, oauth_applications};
use crate::values::{InstantValue, SecretState, TextListValue, UuidValue};

/// A stored value that breaks a rule of `field`.
fn corrupt(field: Field) -> impl FnOnce(Violation) -> RepositoryError {
    move |violation| RepositoryError::Corrupt(FieldError::new(field, violation).into())
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
}

/// An application's row with the rows of its secrets still in use (current, previous).
pub(crate) struct LoadedApplication {
    pub(crate) row: ApplicationRow,
    pub(crate) secrets: Vec<SecretRow>,
}

impl TryFrom<LoadedApplication> for OAuthApplication {
    type Error = RepositoryError;

    /// The application, through [`OAuthApplication::restore`]; a value that breaks a rule is
    /// [`RepositoryError::Corrupt`].
    fn try_from(loaded: LoadedApplication) -> Result<Self, RepositoryError> {
        let LoadedApplication { row, secrets } = loaded;
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
            secrets: restore_secrets(&secrets)?,
            created_at: row.created_at.into(),
            updated_at: row.updated_at.into(),
            version: Version::new(row.version).map_err(corrupt(Field::Version))?,
        };
        Self::restore(stored).map_err(RepositoryError::Corrupt)
    }
}

/// The secrets of an application from the rows of those still in use: its one current
/// secret and the previous one with its expiry.
fn restore_secrets(rows: &[SecretRow]) -> Result<Secrets, RepositoryError> {
    let in_state = |state| rows.iter().find(|s| s.state == state);
    let current = in_state(SecretState::Current).ok_or(Violation::Malformed {
        what: "set of stored secrets (no current secret)",
    });
    let current = current
        .and_then(|s| SecretHash::new(s.secret_hash.as_str()))
        .map_err(corrupt(Field::Secret))?;
    let previous = match in_state(SecretState::Previous) {
        None => None,
        Some(row) => {
            let expires_at = row.expires_at.ok_or(Violation::Malformed {
                what: "previous secret (no expiry)",
            });
            Some(PreviousSecret {
                hash: SecretHash::new(row.secret_hash.as_str()).map_err(corrupt(Field::Secret))?,
                expires_at: expires_at.map_err(corrupt(Field::Secret))?.into(),
            })
        }
    };
    Ok(Secrets::restore(current, previous))
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
    created_at: InstantValue,
    expires_at: Option<InstantValue>,
}

impl<'a> NewSecret<'a> {
    /// `hash` as the current secret of application `application_id`, stored at `at`.
    pub(crate) fn current(application_id: i64, hash: &'a SecretHash, at: Timestamp) -> Self {
        Self {
            application_id,
            secret_hash: hash.as_phc(),
            state: SecretState::Current,
            created_at: at.into(),
            expires_at: None,
        }
    }

    /// `previous` as the previous secret of application `application_id`, stored at `at`.
    pub(crate) fn previous(
        application_id: i64,
        previous: &'a PreviousSecret,
        at: Timestamp,
    ) -> Self {
        Self {
            application_id,
            secret_hash: previous.hash.as_phc(),
            state: SecretState::Previous,
            created_at: at.into(),
            expires_at: Some(previous.expires_at.into()),
        }
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
        }
    }

    #[test]
    fn stored_secrets_become_the_applications_secrets() {
        let both = restore_secrets(&[
            row(1, "$test$old", SecretState::Previous, Some(9)),
            row(2, "$test$new", SecretState::Current, None),
        ])
        .unwrap();
        assert_eq!(both.current().as_phc(), "$test$new");
        let previous = both.previous().unwrap();
        assert_eq!(
            (previous.hash.as_phc(), previous.expires_at),
            ("$test$old", at(9))
        );
        let only = restore_secrets(&[row(2, "$test$only", SecretState::Current, None)]).unwrap();
        assert!(only.previous().is_none());
    }

    #[test]
    fn inconsistent_stored_secrets_are_corrupt() {
        let corrupt = |rows: &[SecretRow]| {
            matches!(
                restore_secrets(rows),
                Err(RepositoryError::Corrupt(e)) if e.concerns(Field::Secret)
            )
        };
        assert!(corrupt(&[]));
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
