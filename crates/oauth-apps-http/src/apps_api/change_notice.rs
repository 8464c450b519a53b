//! What a webhook delivery carries: the Standard Webhooks envelope (`type`, `timestamp`,
//! `data`) around one change, told in the change feed's vocabulary. These types are the
//! OpenAPI document's `webhooks` entry, and the dispatcher writes every delivery's body
//! with [`WebhookPayload::encode`], so the document cannot drift from what receivers get.

use oauth_apps_domain::{ChangeEncoder, EventType, FeedEntry};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::dto::AuditEntry;
use super::webhooks::EventTypeName;
use crate::wire::{AuditActionName, ChangedFieldName};

/// The body of a webhook delivery: one change to an application. The same on every
/// attempt; signed as Standard Webhooks says (`webhook-id`, `webhook-timestamp`,
/// `webhook-signature`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct WebhookPayload {
    /// The event type (what the webhook subscribed to).
    #[serde(rename = "type")]
    pub event_type: EventTypeName,
    /// When the change happened: the audit event's and the feed entry's `at`.
    #[schema(format = DateTime)]
    pub timestamp: String,
    /// The change.
    pub data: ChangeData,
}

/// One change, as the change feed tells it (`GET /api/events`): the same action, the same
/// field names, the same actor and request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ChangeData {
    /// The change's position in the feed: the feed entry's and the audit event's `id`.
    pub position: i64,
    /// What happened.
    pub action: AuditActionName,
    /// The application's client id.
    pub client_id: String,
    /// The application's organisation.
    pub owner_org_id: String,
    /// The token subject that did it (`secret-expiry` and `secret-scanning` for the
    /// service's own jobs, the document URL for a metadata document's changes).
    pub actor: String,
    /// The fields that changed, named as the feed and the flat surface name them.
    pub changed_fields: Vec<ChangedFieldName>,
    /// The service's id of the request that did it, when there was one.
    #[schema(required = true)]
    pub request_id: Option<String>,
}

impl WebhookPayload {
    /// The payload of a feed entry.
    #[must_use]
    pub fn of(entry: &FeedEntry) -> Self {
        let told = AuditEntry::of(entry.position, &entry.event);
        Self {
            event_type: EventType::of(entry.event.action).into(),
            timestamp: told.at,
            data: ChangeData {
                position: told.id,
                action: told.action,
                client_id: entry.client_id.to_string(),
                owner_org_id: entry.owner_org_id.as_str().to_owned(),
                actor: told.actor,
                changed_fields: told.changed_fields,
                request_id: told.request_id,
            },
        }
    }

    /// The JSON body of a feed entry's deliveries.
    #[must_use]
    pub fn encode(entry: &FeedEntry) -> Vec<u8> {
        // Serialising plain strings, numbers and lists cannot fail.
        serde_json::to_vec(&Self::of(entry)).unwrap_or_default()
    }
}

/// The dispatcher's [`ChangeEncoder`]: every delivery's body is a [`WebhookPayload`].
#[derive(Debug, Clone, Copy, Default)]
pub struct WebhookPayloads;

impl ChangeEncoder for WebhookPayloads {
    fn encode(&self, entry: &FeedEntry) -> Vec<u8> {
        WebhookPayload::encode(entry)
    }
}

#[cfg(test)]
mod tests {
    use oauth_apps_domain::testing::JsonChanges;
    use oauth_apps_domain::{AuditAction, AuditEvent, ChangedField, ClientId, OrgId, Timestamp};
    use serde_json::Value;

    use super::*;

    fn entry(action: AuditAction, request_id: Option<&str>) -> FeedEntry {
        FeedEntry {
            position: 42,
            client_id: ClientId::parse("0b6f9c1e-3f8b-4d55-9a7e-2f1f2d3c4b5a").unwrap(),
            owner_org_id: OrgId::parse("acme").unwrap(),
            event: AuditEvent {
                action,
                actor: "alice".to_owned(),
                request_id: request_id.map(str::to_owned),
                client_request_id: Some("mine-1".to_owned()),
                changed_fields: vec![
                    ChangedField::Name,
                    ChangedField::RedirectUrls,
                    ChangedField::Status,
                ],
                at: Timestamp::from_unix_micros(1_700_000_000_123_456).unwrap(),
            },
        }
    }

    /// Every action's payload is what the domain's unit tests take it to be (its
    /// `JsonChanges` fake), as JSON: the type names, the field names and the envelope.
    #[test]
    fn the_payload_is_the_one_deliveries_carry() {
        for action in AuditAction::ALL {
            for request_id in [None, Some("req-1")] {
                let entry = entry(action, request_id);
                let sent: Value = serde_json::from_slice(&JsonChanges.encode(&entry)).unwrap();
                let declared: Value =
                    serde_json::from_slice(&WebhookPayloads.encode(&entry)).unwrap();
                assert_eq!(sent, declared, "{action:?}");
                let read: WebhookPayload = serde_json::from_value(sent).unwrap();
                assert_eq!(read, WebhookPayload::of(&entry));
            }
        }
    }

    #[test]
    fn a_payload_names_fields_and_time_as_the_feed_does() {
        let told: Value =
            serde_json::from_slice(&WebhookPayload::encode(&entry(AuditAction::Updated, None)))
                .unwrap();
        assert_eq!(told["type"], "application.updated");
        assert_eq!(told["timestamp"], "2023-11-14T22:13:20.123456Z");
        assert_eq!(
            told["data"]["changedFields"],
            serde_json::json!(["name", "redirectUrls", "disabled"])
        );
        assert_eq!(told["data"]["requestId"], Value::Null);
        assert!(told["data"].get("clientRequestId").is_none());
    }
}
