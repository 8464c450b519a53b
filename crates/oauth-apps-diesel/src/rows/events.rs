//! The rows of an application's audit trail, read into [`StoredAuditEvent`]s and feed
//! entries, and written from [`AuditEvent`]s.

use diesel::prelude::*;
use oauth_apps_domain::{
    AuditEvent, ClientId, FeedEntry, Field, OrgId, RepositoryError, StoredAuditEvent,
};

use super::corrupt;
use crate::schema::audit_events;
use crate::values::{InstantValue, TextListValue, UuidValue};

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
