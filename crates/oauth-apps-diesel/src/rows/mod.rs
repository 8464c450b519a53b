//! Row types: diesel's view of the tables, and their conversions to and from the domain's
//! types. An application's row is here; the rows of its secrets and key sets are in
//! [`credentials`], those of its audit trail in [`events`].

mod credentials;
mod events;

pub(crate) use credentials::{
    KeySetRow, LifecycleValues, NewKeySet, NewSecret, SecretRow, stored_serial,
};
pub(crate) use events::{EventRow, NewEvent, feed_entry};

use diesel::prelude::*;
use oauth_apps_domain::{
    AccessLevel, AppId, AppType, AuthMethod, ClientId, ClientMetadata, Field, FieldError,
    MetadataDocumentUrl, NewApplication, OAuthApplication, OrgId, Registration,
    RegistrationDetails, RepositoryError, Status, StoredApplication, TokenDigest, Version,
    Violation,
};

use crate::schema::oauth_applications;
use crate::values::{InstantValue, TextListValue, UuidValue};
use credentials::{restore_key_sets, restore_secrets};

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

#[cfg(test)]
mod tests {
    use super::credentials::tests::{JWKS, at, key_set, row};
    use super::*;
    use crate::values::{KeySetState, SecretState};

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
}
