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
}

impl AuditAction {
    /// Every action.
    pub const ALL: [Self; 9] = [
        Self::Created,
        Self::Updated,
        Self::Disabled,
        Self::Enabled,
        Self::SecretRotated,
        Self::PreviousSecretRevoked,
        Self::KeysRotated,
        Self::SecretExpiring,
        Self::SecretLeaked,
    ];

    /// The stored names of every action, in the order of [`AuditAction::ALL`].
    pub const NAMES: [&'static str; 9] = [
        "created",
        "updated",
        "disabled",
        "enabled",
        "secret_rotated",
        "previous_secret_revoked",
        "keys_rotated",
        "secret_expiring",
        "secret_leaked",
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
    pub changed_fields: Vec<Field>,
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
            match Field::parse(name.as_ref()) {
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
                changed_fields: vec![Field::Name, Field::RedirectUrls],
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
    fn audit_actions_parse_their_names() {
        for action in AuditAction::ALL {
            assert_eq!(AuditAction::parse(action.as_str()), Some(action));
        }
        assert_eq!(AuditAction::parse("deleted"), None);
    }
}
