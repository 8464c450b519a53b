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
    AccessLevel, AppId, AppType, AuthMethod, ClientId, ClientMetadata, ClientRequirements, Field,
    FieldError, GrantType, MetadataDocumentUrl, NewApplication, OAuthApplication, OrgId,
    Registration, RegistrationDetails, RepositoryError, Status, StoredApplication, TlsSubject,
    TokenDigest, Version, Violation,
};

use crate::closed_sets::{Named, NamedList};
use crate::schema::oauth_applications;
use crate::values::{InstantValue, TextListValue, UuidValue};
use credentials::{restore_key_sets, restore_secrets};

/// A stored value that breaks a rule of `field`.
pub(crate) fn corrupt(field: Field) -> impl FnOnce(Violation) -> RepositoryError {
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
    app_type: Named<AppType>,
    redirect_urls: TextListValue,
    allowed_scopes: TextListValue,
    grant_types: NamedList<GrantType>,
    access_level: Named<AccessLevel>,
    status: Named<Status>,
    is_first_party: bool,
    created_at: InstantValue,
    updated_at: InstantValue,
    version: i64,
    token_endpoint_auth_method: Named<AuthMethod>,
    dpop_bound_access_tokens: bool,
    tls_client_certificate_bound_access_tokens: bool,
    require_pushed_authorization_requests: bool,
    tls_client_auth_subject_kind: Option<String>,
    tls_client_auth_subject: Option<String>,
}

/// A registration row as `applications!` reads it: the kind, the metadata (a JSON object),
/// the registration access token's digest and the metadata document's URL.
pub(crate) type RegistrationRow = (
    Named<Registration>,
    Option<String>,
    Option<String>,
    Option<String>,
);

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

/// What a stored subject kind is prefixed with to make its RFC 8705 §2.1.2 member name.
const TLS_MEMBER_PREFIX: &str = "tls_client_auth_";

/// The certificate subject a row keeps (its kind, `san_dns` say, and its value).
fn restore_tls_subject(
    kind: Option<&str>,
    value: Option<&str>,
) -> Result<Option<TlsSubject>, RepositoryError> {
    match (kind, value) {
        (None, None) => Ok(None),
        (Some(kind), Some(value)) => {
            TlsSubject::parse(&format!("{TLS_MEMBER_PREFIX}{kind}"), value)
                .map(Some)
                .map_err(corrupt(Field::TlsClientAuthSubject))
        }
        _ => Err(corrupt(Field::TlsClientAuthSubject)(Violation::Malformed {
            what: "certificate subject (a kind and a value)",
        })),
    }
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
            Some((Named(kind), metadata, access_token, document)) => match kind {
                Registration::Manual => {
                    return Err(corrupt(Field::Registration)(Violation::NotOneOf {
                        allowed: &["dynamic", "metadata_document"],
                    }));
                }
                registration => (
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
            app_type: row.app_type.0,
            name: row.name,
            description: row.description,
            redirect_urls: row.redirect_urls.0,
            allowed_scopes: row.allowed_scopes.0,
            // `restore` takes the grant types' names, which it checks with the profile.
            grant_types: row
                .grant_types
                .0
                .iter()
                .map(|g| g.as_str().into())
                .collect(),
            access_level: row.access_level.0,
            status: row.status.0,
            is_first_party: row.is_first_party,
            auth_method: row.token_endpoint_auth_method.0,
            requirements: ClientRequirements {
                dpop_bound_access_tokens: row.dpop_bound_access_tokens,
                tls_client_certificate_bound_access_tokens: row
                    .tls_client_certificate_bound_access_tokens,
                require_pushed_authorization_requests: row.require_pushed_authorization_requests,
            },
            tls_subject: restore_tls_subject(
                row.tls_client_auth_subject_kind.as_deref(),
                row.tls_client_auth_subject.as_deref(),
            )?,
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
    app_type: Named<AppType>,
    redirect_urls: TextListValue,
    allowed_scopes: TextListValue,
    grant_types: NamedList<GrantType>,
    access_level: Named<AccessLevel>,
    status: Named<Status>,
    is_first_party: bool,
    created_at: InstantValue,
    updated_at: InstantValue,
    version: i64,
    token_endpoint_auth_method: Named<AuthMethod>,
    dpop_bound_access_tokens: bool,
    tls_client_certificate_bound_access_tokens: bool,
    require_pushed_authorization_requests: bool,
    tls_client_auth_subject_kind: Option<&'static str>,
    tls_client_auth_subject: Option<String>,
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
            app_type: Named(app.app_type()),
            redirect_urls: TextListValue::of(profile.redirect_urls().iter()),
            allowed_scopes: TextListValue::of(profile.allowed_scopes().iter()),
            grant_types: NamedList(profile.grant_types().as_slice().to_vec()),
            access_level: Named(profile.access_level()),
            status: Named(app.status()),
            is_first_party: app.is_first_party(),
            created_at: app.created_at().into(),
            updated_at: app.updated_at().into(),
            version: app.version().get(),
            token_endpoint_auth_method: Named(app.credentials().method()),
            dpop_bound_access_tokens: app.requirements().dpop_bound_access_tokens,
            tls_client_certificate_bound_access_tokens: app
                .requirements()
                .tls_client_certificate_bound_access_tokens,
            require_pushed_authorization_requests: app
                .requirements()
                .require_pushed_authorization_requests,
            tls_client_auth_subject_kind: app
                .tls_subject()
                .map(|s| s.kind().trim_start_matches(TLS_MEMBER_PREFIX)),
            tls_client_auth_subject: app.tls_subject().map(ToString::to_string),
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
    use crate::closed_sets::{KeySetState, SecretState};

    fn application_row(method: AuthMethod) -> ApplicationRow {
        ApplicationRow {
            id: 1,
            client_id: UuidValue(*ClientId::from_random_bytes([7; 16]).as_uuid()),
            owner_org_id: "acme".into(),
            name: "App".into(),
            description: None,
            app_type: Named(AppType::Web),
            redirect_urls: TextListValue::of(["https://app.example.com/cb"]),
            allowed_scopes: TextListValue::of([]),
            grant_types: NamedList(vec![GrantType::AuthorizationCode]),
            access_level: Named(AccessLevel::Organization),
            status: Named(Status::Active),
            is_first_party: false,
            created_at: at(1).into(),
            updated_at: at(1).into(),
            version: 1,
            token_endpoint_auth_method: Named(method),
            dpop_bound_access_tokens: false,
            tls_client_certificate_bound_access_tokens: false,
            require_pushed_authorization_requests: false,
            tls_client_auth_subject_kind: None,
            tls_client_auth_subject: None,
        }
    }

    fn loaded(
        method: AuthMethod,
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

    /// (A stored method outside the set, `client_secret_jwt` say, is refused where its
    /// name is read: `closed_sets`, and the adapters' tests.)
    #[test]
    fn the_stored_method_is_read_with_the_credentials_it_needs() {
        use AuthMethod::{ClientSecretBasic, ClientSecretPost, None, PrivateKeyJwt};
        let secret = || vec![row(1, "$test$s", SecretState::Current, Option::None)];
        let keys = || {
            vec![key_set(
                1,
                KeySetState::Current,
                Some(JWKS),
                Option::None,
                Option::None,
            )]
        };
        let basic = loaded(ClientSecretBasic, secret(), vec![]).unwrap();
        assert_eq!(basic.auth_method(), ClientSecretBasic);
        assert_eq!(
            basic.secrets().unwrap().current().credential.hash.as_phc(),
            "$test$s"
        );
        let post = loaded(ClientSecretPost, secret(), keys()).unwrap();
        assert_eq!(post.auth_method(), ClientSecretPost);
        assert!(post.keys().is_some(), "keys registered ahead of a switch");
        let signed = loaded(PrivateKeyJwt, vec![], keys()).unwrap();
        assert_eq!(signed.auth_method(), PrivateKeyJwt);
        assert!(signed.secrets().is_none());

        let corrupt = |r: Result<OAuthApplication, RepositoryError>| matches!(r, Err(RepositoryError::Corrupt(e)) if e.concerns(Field::TokenEndpointAuthMethod));
        assert!(corrupt(loaded(ClientSecretBasic, vec![], keys())));
        assert!(corrupt(loaded(PrivateKeyJwt, vec![], vec![])));
        assert!(
            corrupt(loaded(None, vec![], vec![])),
            "a web app must authenticate"
        );
    }

    #[test]
    fn a_registration_row_of_an_application_made_by_hand_is_corrupt() {
        let secret = vec![row(1, "$test$s", SecretState::Current, None)];
        let made_by_hand = OAuthApplication::try_from(LoadedApplication {
            row: application_row(AuthMethod::ClientSecretBasic),
            secrets: secret,
            key_sets: vec![],
            registration: Some((Named(Registration::Manual), None, None, None)),
        });
        assert!(matches!(
            made_by_hand,
            Err(RepositoryError::Corrupt(e)) if e.concerns(Field::Registration)
        ));
    }
}
