//! What both surfaces write the same way: the closed sets of values an application's
//! fields take (answers serialize these enums, so the document lists their values), and
//! the formats of timestamps.
//!
//! Requests carry these fields as plain strings: a value outside the set is a rule the
//! domain checks and names (422), as every other rule is, not a malformed body.

use oauth_apps_domain::{AccessLevel, AppType, GrantType, Status, Timestamp};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// An application type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
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

/// What happened to an application, in its audit trail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
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
    /// Its previous secret was revoked before its grace period ended.
    PreviousSecretRevoked,
    /// Its key set was rotated.
    KeysRotated,
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
        for a in oauth_apps_domain::AuditAction::ALL {
            assert_eq!(
                serde_json::to_value(AuditActionName::from(a)).unwrap(),
                a.as_str()
            );
        }
    }
}
