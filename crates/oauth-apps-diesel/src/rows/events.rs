//! The rows of an application's audit trail, read into [`StoredAuditEvent`]s and feed
//! entries, and written from [`AuditEvent`]s.

use diesel::prelude::*;
use oauth_apps_domain::{
    AuditAction, AuditEvent, ChangedField, ClientId, FeedEntry, Field, OrgId, RepositoryError,
    StoredAuditEvent,
};

use super::corrupt;
use crate::closed_sets::{Named, NamedList};
use crate::schema::audit_events;
use crate::values::{InstantValue, UuidValue};

/// An audit event's row.
#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = audit_events)]
pub(crate) struct EventRow {
    id: i64,
    action: Named<AuditAction>,
    actor: String,
    request_id: Option<String>,
    client_request_id: Option<String>,
    changed_fields: NamedList<ChangedField>,
    occurred_at: InstantValue,
}

impl TryFrom<EventRow> for StoredAuditEvent {
    type Error = RepositoryError;

    /// The event, through [`AuditEvent::restore`] (which takes the action's and the
    /// fields' names, and checks the actor and the client's request id); a value that
    /// breaks a rule is [`RepositoryError::Corrupt`].
    fn try_from(row: EventRow) -> Result<Self, RepositoryError> {
        let fields: Vec<&str> = row.changed_fields.0.iter().map(|f| f.as_str()).collect();
        let event = AuditEvent::restore(
            row.action.0.as_str(),
            row.actor,
            row.request_id,
            row.client_request_id,
            &fields,
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
    action: Named<AuditAction>,
    actor: &'a str,
    request_id: Option<&'a str>,
    client_request_id: Option<&'a str>,
    changed_fields: NamedList<ChangedField>,
    occurred_at: InstantValue,
}

impl<'a> NewEvent<'a> {
    /// `event` in the trail of application `application_id`.
    pub(crate) fn new(application_id: i64, event: &'a AuditEvent) -> Self {
        Self {
            application_id,
            action: Named(event.action),
            actor: &event.actor,
            request_id: event.request_id.as_deref(),
            client_request_id: event.client_request_id.as_deref(),
            changed_fields: NamedList(event.changed_fields.clone()),
            occurred_at: event.at.into(),
        }
    }
}

/// The feed entry of an event's row, with its application's client id and organisation.
pub(crate) fn feed_entry(
    row: EventRow,
    client_id: UuidValue,
    owner: String,
) -> Result<FeedEntry, RepositoryError> {
    let stored = StoredAuditEvent::try_from(row)?;
    Ok(FeedEntry {
        position: stored.id,
        client_id: ClientId::from_uuid(client_id.0).map_err(corrupt(Field::ClientId))?,
        owner_org_id: OrgId::parse(owner).map_err(corrupt(Field::OwnerOrgId))?,
        event: stored.event,
    })
}

#[cfg(test)]
mod tests {
    use super::super::credentials::tests::at;
    use super::*;

    /// (An action or a field outside its set is refused where its name is read:
    /// `closed_sets`, and the adapters' tests.)
    #[test]
    fn a_stored_event_breaking_a_rule_is_corrupt() {
        let event = |actor: &str, client_request_id: Option<&str>| EventRow {
            id: 7,
            action: Named(AuditAction::Updated),
            actor: actor.into(),
            request_id: None,
            client_request_id: client_request_id.map(str::to_owned),
            changed_fields: NamedList(vec![ChangedField::Name]),
            occurred_at: at(1).into(),
        };
        let stored = StoredAuditEvent::try_from(event("alice", Some("order 1"))).unwrap();
        assert_eq!(stored.id, 7);
        assert_eq!(stored.event.action, AuditAction::Updated);
        assert_eq!(stored.event.changed_fields, [ChangedField::Name]);
        for (broken, field) in [
            (event("", None), Field::Actor),
            (event("alice", Some(" padded ")), Field::ClientRequestId),
        ] {
            assert!(matches!(
                StoredAuditEvent::try_from(broken),
                Err(RepositoryError::Corrupt(e)) if e.concerns(field)
            ));
        }
    }
}
