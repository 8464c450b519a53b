//! The record of a change: what happened to an application ([`AuditAction`]), who did it,
//! in which request, and which fields changed ([`AuditEvent`]), as its audit trail keeps
//! it ([`StoredAuditEvent`]).

use crate::shared::principal;
use crate::shared::time::Timestamp;
use crate::shared::validation::{Collector, Field, FieldError, ValidationErrors, Violation};

/// What happened to an application, as recorded in its audit trail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AuditAction {
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
    /// Its current secret expires within 14, 7 or 1 days (a warning, once per threshold).
    SecretExpiring,
    /// One of its secrets was reported leaked (a secret scanning report).
    SecretLeaked,
    /// It registered itself and went quiet: it is disabled in 7 days (or its
    /// organisation's shorter quiet period) unless it is heard of (a warning, once per
    /// quiet period).
    StaleWarning,
}

impl AuditAction {
    /// Every action.
    pub const ALL: [Self; 10] = [
        Self::Created,
        Self::Updated,
        Self::Disabled,
        Self::Enabled,
        Self::SecretRotated,
        Self::PreviousSecretRevoked,
        Self::KeysRotated,
        Self::SecretExpiring,
        Self::SecretLeaked,
        Self::StaleWarning,
    ];

    /// The stored names of every action, in the order of [`AuditAction::ALL`].
    pub const NAMES: [&'static str; 10] = [
        "created",
        "updated",
        "disabled",
        "enabled",
        "secret_rotated",
        "previous_secret_revoked",
        "keys_rotated",
        "secret_expiring",
        "secret_leaked",
        "stale_warning",
    ];

    /// The action with this stored name.
    #[must_use]
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_str() == name)
    }

    /// The action's stored name.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        Self::NAMES[self as usize]
    }
}

/// A field of an application whose change an event names: the aggregate's fields, and
/// nothing else (a request's parameters, a page's cursor, a policy's settings are never
/// "changed fields"). Every view of a change (the audit trail, the feed, webhook payloads,
/// the console, the command-line client) names them by [`ChangedField::change_name`]; the
/// audit trail keeps [`ChangedField::as_str`]. A new field of the aggregate gets its names
/// here, once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ChangedField {
    /// The owning organisation.
    OwnerOrgId,
    /// The display name.
    Name,
    /// The free-text description.
    Description,
    /// The application type.
    AppType,
    /// The registered redirect URLs.
    RedirectUrls,
    /// The scopes it may request.
    AllowedScopes,
    /// The grant types it may use.
    GrantTypes,
    /// Whether it acts for the organisation or for a user.
    AccessLevel,
    /// Whether it is a first-party application.
    IsFirstParty,
    /// Whether it is disabled (the flat surface's `disabled`).
    Status,
    /// How it authenticates at the token endpoint.
    TokenEndpointAuthMethod,
    /// Its public keys, given inline.
    Jwks,
    /// The URL of its public keys.
    JwksUri,
    /// Its secrets (never their values).
    Secret,
    /// How it was registered (its registration access token).
    Registration,
    /// Its home page (RFC 7591 §2 `client_uri`).
    ClientUri,
    /// Its logo (RFC 7591 §2 `logo_uri`).
    LogoUri,
    /// Its terms of service (RFC 7591 §2 `tos_uri`).
    TosUri,
    /// Its privacy policy (RFC 7591 §2 `policy_uri`).
    PolicyUri,
    /// Who is responsible for it (RFC 7591 §2 `contacts`).
    Contacts,
    /// The software it runs (RFC 7591 §2 `software_id`).
    SoftwareId,
    /// That software's version (RFC 7591 §2 `software_version`).
    SoftwareVersion,
    /// Whether its access tokens are DPoP-bound (RFC 9449 §5.2).
    DpopBoundAccessTokens,
    /// Whether its access tokens are certificate-bound (RFC 8705 §3.4).
    TlsClientCertificateBoundAccessTokens,
    /// Whether its authorization requests must be pushed (RFC 9126 §6).
    RequirePushedAuthorizationRequests,
    /// The certificate subject `tls_client_auth` expects (RFC 8705 §2.1.2).
    TlsClientAuthSubject,
}

impl ChangedField {
    /// Every changed field.
    pub const ALL: [Self; 26] = [
        Self::OwnerOrgId,
        Self::Name,
        Self::Description,
        Self::AppType,
        Self::RedirectUrls,
        Self::AllowedScopes,
        Self::GrantTypes,
        Self::AccessLevel,
        Self::IsFirstParty,
        Self::Status,
        Self::TokenEndpointAuthMethod,
        Self::Jwks,
        Self::JwksUri,
        Self::Secret,
        Self::Registration,
        Self::ClientUri,
        Self::LogoUri,
        Self::TosUri,
        Self::PolicyUri,
        Self::Contacts,
        Self::SoftwareId,
        Self::SoftwareVersion,
        Self::DpopBoundAccessTokens,
        Self::TlsClientCertificateBoundAccessTokens,
        Self::RequirePushedAuthorizationRequests,
        Self::TlsClientAuthSubject,
    ];

    /// The name the audit trail keeps: the request field's canonical snake_case name.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        self.field().name()
    }

    /// The field with this kept name.
    #[must_use]
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.as_str() == name)
    }

    /// The field's name in every view of a change: the flat surface's name (`redirectUrls`,
    /// `ownerOrgId`; the status is `disabled`, the flat surface's view of it). docs/api.md
    /// ("Change events") lists them.
    #[must_use]
    pub const fn change_name(self) -> &'static str {
        match self {
            Self::OwnerOrgId => "ownerOrgId",
            Self::Name => "name",
            Self::Description => "description",
            Self::AppType => "type",
            Self::RedirectUrls => "redirectUrls",
            Self::AllowedScopes => "allowedScopes",
            Self::GrantTypes => "grantTypes",
            Self::AccessLevel => "accessLevel",
            Self::IsFirstParty => "isFirstParty",
            Self::Status => "disabled",
            Self::TokenEndpointAuthMethod => "tokenEndpointAuthMethod",
            Self::Jwks => "jwks",
            Self::JwksUri => "jwksUri",
            Self::Secret => "secret",
            Self::Registration => "registration",
            Self::ClientUri => "clientUri",
            Self::LogoUri => "logoUri",
            Self::TosUri => "tosUri",
            Self::PolicyUri => "policyUri",
            Self::Contacts => "contacts",
            Self::SoftwareId => "softwareId",
            Self::SoftwareVersion => "softwareVersion",
            Self::DpopBoundAccessTokens => "dpopBoundAccessTokens",
            Self::TlsClientCertificateBoundAccessTokens => "tlsClientCertificateBoundAccessTokens",
            Self::RequirePushedAuthorizationRequests => "requirePushedAuthorizationRequests",
            Self::TlsClientAuthSubject => "tlsClientAuthSubject",
        }
    }

    /// The request field whose rules its values follow (the field validation errors name).
    #[must_use]
    pub const fn field(self) -> Field {
        match self {
            Self::OwnerOrgId => Field::OwnerOrgId,
            Self::Name => Field::Name,
            Self::Description => Field::Description,
            Self::AppType => Field::AppType,
            Self::RedirectUrls => Field::RedirectUrls,
            Self::AllowedScopes => Field::AllowedScopes,
            Self::GrantTypes => Field::GrantTypes,
            Self::AccessLevel => Field::AccessLevel,
            Self::IsFirstParty => Field::IsFirstParty,
            Self::Status => Field::Status,
            Self::TokenEndpointAuthMethod => Field::TokenEndpointAuthMethod,
            Self::Jwks => Field::Jwks,
            Self::JwksUri => Field::JwksUri,
            Self::Secret => Field::Secret,
            Self::Registration => Field::Registration,
            Self::ClientUri => Field::ClientUri,
            Self::LogoUri => Field::LogoUri,
            Self::TosUri => Field::TosUri,
            Self::PolicyUri => Field::PolicyUri,
            Self::Contacts => Field::Contacts,
            Self::SoftwareId => Field::SoftwareId,
            Self::SoftwareVersion => Field::SoftwareVersion,
            Self::DpopBoundAccessTokens => Field::DpopBoundAccessTokens,
            Self::TlsClientCertificateBoundAccessTokens => {
                Field::TlsClientCertificateBoundAccessTokens
            }
            Self::RequirePushedAuthorizationRequests => Field::RequirePushedAuthorizationRequests,
            Self::TlsClientAuthSubject => Field::TlsClientAuthSubject,
        }
    }
}

/// One entry of an application's audit trail: who did what, when, in which request. It
/// never holds a secret or a hash: only the names of the fields that changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEvent {
    /// What happened.
    pub action: AuditAction,
    /// The subject of the token that did it.
    pub actor: String,
    /// The request it happened in (the service's own id), when known.
    pub request_id: Option<String>,
    /// The id the client gave that request (`X-Request-Id`), when it gave a valid one.
    pub client_request_id: Option<String>,
    /// The fields that changed.
    pub changed_fields: Vec<ChangedField>,
    /// When it happened.
    pub at: Timestamp,
}

impl AuditEvent {
    /// Rebuilds a stored audit event (read from storage or from an export), strictly: an
    /// action or a changed field of a name this service does not write, an empty actor or
    /// a client request id it would not have kept ([`crate::client_request_id`]) is an
    /// error, never dropped.
    ///
    /// # Errors
    /// [`ValidationErrors`] naming every broken field: [`Field::AuditAction`],
    /// [`Field::Actor`], [`Field::ClientRequestId`], [`Field::ChangedFields`] (with the
    /// index of each unknown name).
    pub fn restore<S: AsRef<str>>(
        action: &str,
        actor: String,
        request_id: Option<String>,
        client_request_id: Option<String>,
        changed_fields: &[S],
        at: Timestamp,
    ) -> Result<Self, ValidationErrors> {
        let mut c = Collector::default();
        let action = c.check(
            Field::AuditAction,
            AuditAction::parse(action).ok_or(Violation::NotOneOf {
                allowed: &AuditAction::NAMES,
            }),
        );
        if actor.is_empty() {
            c.push(FieldError::new(Field::Actor, Violation::Required));
        }
        if let Some(id) = &client_request_id
            && principal::client_request_id(id) != Some(id.as_str())
        {
            c.push(FieldError::new(
                Field::ClientRequestId,
                Violation::InvalidCharacters {
                    allowed: "1 to 128 printable ASCII characters, without surrounding spaces",
                },
            ));
        }
        let mut fields = Vec::with_capacity(changed_fields.len());
        for (i, name) in changed_fields.iter().enumerate() {
            match ChangedField::parse(name.as_ref()) {
                Some(field) => fields.push(field),
                None => c.push(FieldError::at(
                    Field::ChangedFields,
                    i,
                    Violation::Malformed { what: "field name" },
                )),
            }
        }
        let Some(action) = action else {
            return Err(c.into_errors());
        };
        c.finish(Self {
            action,
            actor,
            request_id,
            client_request_id,
            changed_fields: fields,
            at,
        })
    }
}

/// An audit event as stored, with its place in the application's trail (higher is newer).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredAuditEvent {
    /// Its place in the trail.
    pub id: i64,
    /// The event.
    pub event: AuditEvent,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn audit_actions_have_distinct_stored_names() {
        let names: Vec<_> = [
            AuditAction::Created,
            AuditAction::Updated,
            AuditAction::Disabled,
            AuditAction::Enabled,
            AuditAction::SecretRotated,
            AuditAction::PreviousSecretRevoked,
        ]
        .iter()
        .map(|a| a.as_str())
        .collect();
        assert_eq!(
            names,
            [
                "created",
                "updated",
                "disabled",
                "enabled",
                "secret_rotated",
                "previous_secret_revoked"
            ]
        );
    }

    #[test]
    fn stored_events_are_restored_strictly() {
        let at = Timestamp::from_unix_micros(7).unwrap();
        let event = AuditEvent::restore(
            "updated",
            "alice".into(),
            Some("req".into()),
            Some("order 1".into()),
            &["name", "redirect_urls"],
            at,
        )
        .unwrap();
        assert_eq!(
            event,
            AuditEvent {
                action: AuditAction::Updated,
                actor: "alice".into(),
                request_id: Some("req".into()),
                client_request_id: Some("order 1".into()),
                changed_fields: vec![ChangedField::Name, ChangedField::RedirectUrls],
                at,
            }
        );
        let errors = AuditEvent::restore(
            "deleted",
            String::new(),
            None,
            Some(" padded ".into()),
            &["name", "colour"],
            at,
        )
        .unwrap_err();
        assert_eq!(
            errors
                .errors()
                .iter()
                .map(|e| (e.field, e.index))
                .collect::<Vec<_>>(),
            [
                (Field::AuditAction, None),
                (Field::Actor, None),
                (Field::ClientRequestId, None),
                (Field::ChangedFields, Some(1)),
            ]
        );
        let unknown_field_only =
            AuditEvent::restore("created", "bob".into(), None, None, &["colour"], at);
        assert!(
            unknown_field_only
                .unwrap_err()
                .concerns(Field::ChangedFields)
        );
    }

    #[test]
    fn changed_fields_have_distinct_names_that_parse_back() {
        let mut kept = std::collections::HashSet::new();
        let mut told = std::collections::HashSet::new();
        for field in ChangedField::ALL {
            assert_eq!(ChangedField::parse(field.as_str()), Some(field));
            assert_eq!(field.field().name(), field.as_str(), "{field:?}");
            assert!(kept.insert(field.as_str()), "{field:?}");
            assert!(told.insert(field.change_name()), "{field:?}");
        }
        assert_eq!(ChangedField::parse("limit"), None);
    }

    #[test]
    fn audit_actions_parse_their_names() {
        for action in AuditAction::ALL {
            assert_eq!(AuditAction::parse(action.as_str()), Some(action));
        }
        assert_eq!(AuditAction::parse("deleted"), None);
    }

    #[test]
    fn change_names_are_distinct_camel_case() {
        let names: std::collections::HashSet<_> =
            ChangedField::ALL.iter().map(|f| f.change_name()).collect();
        assert_eq!(names.len(), ChangedField::ALL.len());
        for field in ChangedField::ALL {
            let name = field.change_name();
            assert!(
                name.starts_with(|c: char| c.is_ascii_lowercase())
                    && name.chars().all(|c| c.is_ascii_alphanumeric()),
                "{name}"
            );
            // The canonical name, in camelCase (the status is the flat surface's
            // `disabled`).
            if field != ChangedField::Status {
                let camel: String = field
                    .as_str()
                    .split(['_', '.'])
                    .enumerate()
                    .map(|(i, word)| match i {
                        0 => word.to_owned(),
                        _ => word[..1].to_uppercase() + &word[1..],
                    })
                    .collect();
                assert_eq!(name, camel);
            }
        }
        assert_eq!(ChangedField::Status.change_name(), "disabled");
    }
}
