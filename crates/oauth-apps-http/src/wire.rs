//! What both surfaces write the same way: the closed sets of values an application's
//! fields take (answers serialize these enums, so the document lists their values; a
//! client reads them back with the same types), and the formats of timestamps.
//!
//! Requests carry these fields as plain strings: a value outside the set is a rule the
//! domain checks and names (422), as every other rule is, not a malformed body.

use oauth_apps_domain::{
    AccessLevel, AppType, AuthMethod, CredentialKind, GrantType, KeySource, OAuthApplication,
    Registration, Status, TLS_SUBJECT_MEMBERS, Timestamp,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// An application type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(as = AppType)]
pub enum AppTypeName {
    /// A confidential server-side application: the only type that keeps a secret safe.
    #[serde(rename = "web")]
    Web,
    /// A mobile or desktop application (RFC 8252).
    #[serde(rename = "native")]
    Native,
    /// A public client that runs anywhere.
    #[serde(rename = "public")]
    Public,
    /// A browser application.
    #[serde(rename = "user-agent-based")]
    UserAgentBased,
}

impl From<AppType> for AppTypeName {
    fn from(t: AppType) -> Self {
        match t {
            AppType::Web => Self::Web,
            AppType::Native => Self::Native,
            AppType::Public => Self::Public,
            AppType::UserAgentBased => Self::UserAgentBased,
        }
    }
}

/// Whether an application acts for its organisation or for a user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
#[schema(as = AccessLevel)]
pub enum AccessLevelName {
    /// For the organisation.
    Organization,
    /// For a user.
    User,
}

impl From<AccessLevel> for AccessLevelName {
    fn from(a: AccessLevel) -> Self {
        match a {
            AccessLevel::Organization => Self::Organization,
            AccessLevel::User => Self::User,
        }
    }
}

/// An OAuth grant type (`implicit` and `password` are refused, RFC 9700).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(as = GrantType)]
pub enum GrantTypeName {
    /// RFC 6749 §4.1.
    #[serde(rename = "authorization_code")]
    AuthorizationCode,
    /// RFC 6749 §6.
    #[serde(rename = "refresh_token")]
    RefreshToken,
    /// RFC 6749 §4.4, `web` applications only.
    #[serde(rename = "client_credentials")]
    ClientCredentials,
    /// RFC 8628.
    #[serde(rename = "urn:ietf:params:oauth:grant-type:device_code")]
    DeviceCode,
}

impl From<GrantType> for GrantTypeName {
    fn from(g: GrantType) -> Self {
        match g {
            GrantType::AuthorizationCode => Self::AuthorizationCode,
            GrantType::RefreshToken => Self::RefreshToken,
            GrantType::ClientCredentials => Self::ClientCredentials,
            GrantType::DeviceCode => Self::DeviceCode,
        }
    }
}

/// Whether an application is in use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
#[schema(as = Status)]
pub enum StatusName {
    /// In use.
    Active,
    /// Disabled: no client authentication, no rotation.
    Revoked,
}

impl From<Status> for StatusName {
    fn from(s: Status) -> Self {
        match s {
            Status::Active => Self::Active,
            Status::Revoked => Self::Revoked,
        }
    }
}

/// How a client authenticates at the token endpoint (RFC 7591 §2
/// `token_endpoint_auth_method`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = TokenEndpointAuthMethod)]
pub enum AuthMethodName {
    /// The secret in HTTP Basic (RFC 6749 §2.3.1); the default.
    ClientSecretBasic,
    /// The secret in the request body (RFC 6749 §2.3.1).
    ClientSecretPost,
    /// A JWT signed with the client's private key (RFC 7523): no secret.
    PrivateKeyJwt,
    /// No client authentication (a public client, with PKCE): no secret.
    None,
    /// Mutual TLS with a CA-issued certificate whose subject is the registered one
    /// (RFC 8705 §2.1): no secret.
    TlsClientAuth,
    /// Mutual TLS with a self-signed certificate of the client's JWK Set (RFC 8705 §2.2):
    /// no secret.
    SelfSignedTlsClientAuth,
}

impl From<AuthMethod> for AuthMethodName {
    fn from(m: AuthMethod) -> Self {
        match m {
            AuthMethod::ClientSecretBasic => Self::ClientSecretBasic,
            AuthMethod::ClientSecretPost => Self::ClientSecretPost,
            AuthMethod::PrivateKeyJwt => Self::PrivateKeyJwt,
            AuthMethod::None => Self::None,
            AuthMethod::TlsClientAuth => Self::TlsClientAuth,
            AuthMethod::SelfSignedTlsClientAuth => Self::SelfSignedTlsClientAuth,
        }
    }
}

/// How an application was registered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = Registration)]
pub enum RegistrationName {
    /// By an operator, through either surface.
    Manual,
    /// By the client itself (RFC 7591 dynamic registration).
    Dynamic,
    /// From the client's metadata document (its client id is the document's URL).
    MetadataDocument,
}

impl From<Registration> for RegistrationName {
    fn from(r: Registration) -> Self {
        match r {
            Registration::Manual => Self::Manual,
            Registration::Dynamic => Self::Dynamic,
            Registration::MetadataDocument => Self::MetadataDocument,
        }
    }
}

/// What kind of credential an application proves itself with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = CredentialKind)]
pub enum CredentialKindName {
    /// A client secret.
    Secret,
    /// A key set (inline or published).
    KeySet,
}

impl From<CredentialKind> for CredentialKindName {
    fn from(k: CredentialKind) -> Self {
        match k {
            CredentialKind::Secret => Self::Secret,
            CredentialKind::KeySet => Self::KeySet,
        }
    }
}

/// Declares one surface's view of an application's credentials: the three wire types
/// and their conversion, field names in the surface's `$case`. `$case` is taken as a token
/// tree, not a `literal` fragment: a captured literal reaches the derives wrapped in an
/// invisible group, which utoipa's derive does not read, so the document would name the
/// fields in Rust's case while the wire uses the surface's.
macro_rules! credentials_view {
    ($case:tt, $view:ident, $current:ident, $previous:ident) => {
        /// What is known of an application's credentials, never the credentials
        /// themselves. The last uses are written at most once a minute per credential and
        /// are not part of the application's version (its `ETag`).
        #[derive(Debug, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
        #[serde(rename_all = $case)]
        pub struct $view {
            /// The credential the authentication method uses: the current secret or key
            /// set; `null` for `none`.
            #[schema(required = true)]
            pub current: Option<$current>,
            /// The credential a rotation replaced, while it is kept (its grace period may
            /// have ended; see `expiresAt`); `null` when there is none.
            #[schema(required = true)]
            pub previous: Option<$previous>,
        }

        /// The current credential.
        #[derive(Debug, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
        #[serde(rename_all = $case)]
        pub struct $current {
            pub kind: $crate::wire::CredentialKindName,
            /// When it was issued or registered.
            #[schema(format = DateTime)]
            pub created_at: String,
            /// When a client last proved itself with it (at most a minute stale); `null`
            /// if never.
            #[schema(format = DateTime, required = true)]
            pub last_used_at: Option<String>,
            /// A secret's last four characters, a key set's key ids (space-separated) or
            /// the URL its keys are published at; `null` for a secret issued before hints
            /// were kept.
            #[schema(required = true)]
            pub hint: Option<String>,
        }

        /// The previous credential.
        #[derive(Debug, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
        #[serde(rename_all = $case)]
        pub struct $previous {
            pub kind: $crate::wire::CredentialKindName,
            /// When it was issued or registered.
            #[schema(format = DateTime)]
            pub created_at: String,
            /// When it stops (or stopped) being accepted.
            #[schema(format = DateTime)]
            pub expires_at: String,
            /// When a client last proved itself with it (at most a minute stale); `null`
            /// if never.
            #[schema(format = DateTime, required = true)]
            pub last_used_at: Option<String>,
            /// As the current credential's hint.
            #[schema(required = true)]
            pub hint: Option<String>,
        }

        impl From<&oauth_apps_domain::Credentials> for $view {
            fn from(c: &oauth_apps_domain::Credentials) -> Self {
                Self {
                    current: c.current_credential().map(|s| $current {
                        kind: s.credential.kind.into(),
                        created_at: $crate::wire::time(s.created_at),
                        last_used_at: s.last_used_at.map($crate::wire::time),
                        hint: s.hint,
                    }),
                    previous: c.previous_credential().map(|s| $previous {
                        kind: s.credential.kind.into(),
                        created_at: $crate::wire::time(s.created_at),
                        expires_at: $crate::wire::time(s.expires_at.unwrap_or(s.created_at)),
                        last_used_at: s.last_used_at.map($crate::wire::time),
                        hint: s.hint,
                    }),
                }
            }
        }
    };
}
pub(crate) use credentials_view;

/// The current keys of an application as the API shows them: the inline JWK Set, or the
/// URL it is published at (the other is `null`).
#[must_use]
pub fn current_keys(
    app: &oauth_apps_domain::OAuthApplication,
) -> (Option<serde_json::Value>, Option<String>) {
    match app.keys().map(|k| &k.current().credential) {
        Some(KeySource::Inline(jwks)) => (Some(jwks.to_value()), None),
        Some(KeySource::Remote(uri)) => (None, Some(uri.as_str().to_owned())),
        None => (None, None),
    }
}

/// What happened to an application, in its audit trail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = AuditAction)]
pub enum AuditActionName {
    /// It was registered.
    Created,
    /// Its settings changed.
    Updated,
    /// It was disabled.
    Disabled,
    /// It was re-enabled.
    Enabled,
    /// Its secret was rotated.
    SecretRotated,
    /// Its previous secret (and previous key set) was revoked before its grace period
    /// ended.
    PreviousSecretRevoked,
    /// Its key set was rotated.
    KeysRotated,
    /// Its current secret expires within 14, 7 or 1 days (a warning, once per threshold).
    SecretExpiring,
    /// One of its secrets was reported leaked by a secret scanner.
    SecretLeaked,
    /// It registered itself and went quiet: it is disabled soon unless it is heard of (a
    /// credential use, a registration read).
    StaleWarning,
}

impl From<oauth_apps_domain::AuditAction> for AuditActionName {
    fn from(a: oauth_apps_domain::AuditAction) -> Self {
        use oauth_apps_domain::AuditAction as A;
        match a {
            A::Created => Self::Created,
            A::Updated => Self::Updated,
            A::Disabled => Self::Disabled,
            A::Enabled => Self::Enabled,
            A::SecretRotated => Self::SecretRotated,
            A::PreviousSecretRevoked => Self::PreviousSecretRevoked,
            A::KeysRotated => Self::KeysRotated,
            A::SecretExpiring => Self::SecretExpiring,
            A::SecretLeaked => Self::SecretLeaked,
            A::StaleWarning => Self::StaleWarning,
        }
    }
}

/// A field a change names as changed, as every view of a change names it (the flat
/// surface's name; the status is `disabled`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = ChangedField)]
pub enum ChangedFieldName {
    /// The owning organisation.
    OwnerOrgId,
    /// The display name.
    Name,
    /// The description.
    Description,
    /// The application type.
    #[serde(rename = "type")]
    AppType,
    /// The redirect URLs.
    RedirectUrls,
    /// The scopes it may request.
    AllowedScopes,
    /// The grant types it may use.
    GrantTypes,
    /// Whether it acts for the organisation or a user.
    AccessLevel,
    /// Whether it is first-party.
    IsFirstParty,
    /// Whether it is disabled.
    #[serde(rename = "disabled")]
    Status,
    /// How it authenticates.
    TokenEndpointAuthMethod,
    /// Its inline public keys.
    Jwks,
    /// The URL of its public keys.
    JwksUri,
    /// Its secrets (never their values).
    Secret,
    /// Its registration access token.
    Registration,
    /// Its home page.
    ClientUri,
    /// Its logo.
    LogoUri,
    /// Its terms of service.
    TosUri,
    /// Its privacy policy.
    PolicyUri,
    /// Its contacts.
    Contacts,
    /// Its software id.
    SoftwareId,
    /// Its software version.
    SoftwareVersion,
    /// Whether its access tokens are DPoP-bound.
    DpopBoundAccessTokens,
    /// Whether its access tokens are certificate-bound.
    TlsClientCertificateBoundAccessTokens,
    /// Whether its authorization requests must be pushed.
    RequirePushedAuthorizationRequests,
    /// The certificate subject `tls_client_auth` expects.
    TlsClientAuthSubject,
}

impl From<oauth_apps_domain::ChangedField> for ChangedFieldName {
    fn from(f: oauth_apps_domain::ChangedField) -> Self {
        use oauth_apps_domain::ChangedField as C;
        match f {
            C::OwnerOrgId => Self::OwnerOrgId,
            C::Name => Self::Name,
            C::Description => Self::Description,
            C::AppType => Self::AppType,
            C::RedirectUrls => Self::RedirectUrls,
            C::AllowedScopes => Self::AllowedScopes,
            C::GrantTypes => Self::GrantTypes,
            C::AccessLevel => Self::AccessLevel,
            C::IsFirstParty => Self::IsFirstParty,
            C::Status => Self::Status,
            C::TokenEndpointAuthMethod => Self::TokenEndpointAuthMethod,
            C::Jwks => Self::Jwks,
            C::JwksUri => Self::JwksUri,
            C::Secret => Self::Secret,
            C::Registration => Self::Registration,
            C::ClientUri => Self::ClientUri,
            C::LogoUri => Self::LogoUri,
            C::TosUri => Self::TosUri,
            C::PolicyUri => Self::PolicyUri,
            C::Contacts => Self::Contacts,
            C::SoftwareId => Self::SoftwareId,
            C::SoftwareVersion => Self::SoftwareVersion,
            C::DpopBoundAccessTokens => Self::DpopBoundAccessTokens,
            C::TlsClientCertificateBoundAccessTokens => Self::TlsClientCertificateBoundAccessTokens,
            C::RequirePushedAuthorizationRequests => Self::RequirePushedAuthorizationRequests,
            C::TlsClientAuthSubject => Self::TlsClientAuthSubject,
        }
    }
}

/// A redirect URL as sent: 1-2000 characters; its rules (per application type, RFC 6749
/// §3.1.2, RFC 8252, RFC 9700, written in normalised form) are the domain's (422).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(transparent)]
pub struct RedirectUrlText(pub String);

impl utoipa::PartialSchema for RedirectUrlText {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .min_length(Some(1))
            .max_length(Some(oauth_apps_domain::RedirectUrl::MAX_LEN))
            .description(Some(
                "An absolute URL, written in normalised form, that suits the application type",
            ))
            .into()
    }
}

impl ToSchema for RedirectUrlText {}

/// A timestamp as the API writes it: RFC 3339 in UTC, ending in `Z`.
#[must_use]
pub fn time(t: Timestamp) -> String {
    t.to_rfc3339()
}

/// The value of `app`'s certificate subject when it is registered under the RFC 8705
/// §2.1.2 member `TLS_SUBJECT_MEMBERS[member]`.
pub fn tls_member(app: &OAuthApplication, member: usize) -> Option<String> {
    app.tls_subject()
        .filter(|s| TLS_SUBJECT_MEMBERS.get(member) == Some(&s.kind()))
        .map(ToString::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_the_domains_spellings() {
        for &t in AppType::ALL {
            assert_eq!(
                serde_json::to_value(AppTypeName::from(t)).unwrap(),
                t.as_str()
            );
        }
        for &a in AccessLevel::ALL {
            assert_eq!(
                serde_json::to_value(AccessLevelName::from(a)).unwrap(),
                a.as_str()
            );
        }
        for &g in GrantType::ALL {
            assert_eq!(
                serde_json::to_value(GrantTypeName::from(g)).unwrap(),
                g.as_str()
            );
        }
        for &s in Status::ALL {
            assert_eq!(
                serde_json::to_value(StatusName::from(s)).unwrap(),
                s.as_str()
            );
        }
        for m in AuthMethod::ALL {
            assert_eq!(
                serde_json::to_value(AuthMethodName::from(m)).unwrap(),
                m.as_str()
            );
        }
        for k in [CredentialKind::Secret, CredentialKind::KeySet] {
            assert_eq!(
                serde_json::to_value(CredentialKindName::from(k)).unwrap(),
                k.as_str()
            );
        }
        for f in oauth_apps_domain::ChangedField::ALL {
            assert_eq!(
                serde_json::to_value(ChangedFieldName::from(f)).unwrap(),
                f.change_name()
            );
        }
        for a in oauth_apps_domain::AuditAction::ALL {
            assert_eq!(
                serde_json::to_value(AuditActionName::from(a)).unwrap(),
                a.as_str()
            );
        }
    }
}
