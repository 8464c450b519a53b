//! Webhooks on surface A: `/api/webhooks`. An organisation's admins register endpoints
//! that hear what happens to its applications (signed as the Standard Webhooks
//! specification writes it), change them, rotate their signing secret, delete them, and
//! read each one's deliveries.

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use oauth_apps_domain::{
    CreateWebhook, Delivery, DeliveryStatus, EventType, Version, Webhook, WebhookPatch,
    WebhookWithSecret,
};
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{Caller, Error, Json, Query};
use crate::request::{IfMatch, Write, etag, no_store};
use crate::state::AppState;
use crate::wire::time;

/// An event type a webhook may hear.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EventTypeName {
    /// An application was registered.
    #[serde(rename = "application.created")]
    ApplicationCreated,
    /// An application's settings changed.
    #[serde(rename = "application.updated")]
    ApplicationUpdated,
    /// An application was disabled.
    #[serde(rename = "application.disabled")]
    ApplicationDisabled,
    /// An application was re-enabled.
    #[serde(rename = "application.enabled")]
    ApplicationEnabled,
    /// Its secret was rotated.
    #[serde(rename = "secret.rotated")]
    SecretRotated,
    /// Its previous secret was revoked.
    #[serde(rename = "secret.previous_revoked")]
    SecretPreviousRevoked,
    /// Its key set was rotated.
    #[serde(rename = "keys.rotated")]
    KeysRotated,
    /// Its secret expires soon.
    #[serde(rename = "secret.expiring")]
    SecretExpiring,
    /// Its secret was reported leaked.
    #[serde(rename = "secret.leaked")]
    SecretLeaked,
    /// A self-registered application went quiet: it is disabled soon unless heard of.
    #[serde(rename = "application.stale_warning")]
    ApplicationStaleWarning,
}

impl From<EventType> for EventTypeName {
    fn from(t: EventType) -> Self {
        match t {
            EventType::ApplicationCreated => Self::ApplicationCreated,
            EventType::ApplicationUpdated => Self::ApplicationUpdated,
            EventType::ApplicationDisabled => Self::ApplicationDisabled,
            EventType::ApplicationEnabled => Self::ApplicationEnabled,
            EventType::SecretRotated => Self::SecretRotated,
            EventType::SecretPreviousRevoked => Self::SecretPreviousRevoked,
            EventType::KeysRotated => Self::KeysRotated,
            EventType::SecretExpiring => Self::SecretExpiring,
            EventType::SecretLeaked => Self::SecretLeaked,
            EventType::ApplicationStaleWarning => Self::ApplicationStaleWarning,
        }
    }
}

/// The body of a create.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NewWebhook {
    /// The organisation whose applications' events it hears.
    #[schema(pattern = "^[A-Za-z0-9_.-]{1,64}$")]
    pub owner_org_id: String,
    /// Where deliveries are POSTed: `https`, reachable under the outbound policy; kept in
    /// its normalised form.
    #[schema(format = "uri", max_length = 2048)]
    pub url: String,
    /// The event types it hears; every type when left out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Vec<EventTypeName>>, min_items = 1)]
    pub events: Option<Vec<String>>,
}

fn present_or_null<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<Option<Vec<String>>>, D::Error> {
    Option::<Vec<String>>::deserialize(d).map(Some)
}

/// The body of a change: what is given is replaced.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WebhookChange {
    /// A new URL.
    #[serde(default)]
    #[schema(format = "uri", max_length = 2048)]
    url: Option<String>,
    /// New event types; `null`: every type.
    #[serde(default, deserialize_with = "present_or_null")]
    #[schema(value_type = Option<Vec<EventTypeName>>, min_items = 1)]
    events: Option<Option<Vec<String>>>,
}

/// A webhook, never its signing secret.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct WebhookView {
    #[schema(format = "uuid")]
    pub id: String,
    pub owner_org_id: String,
    #[schema(format = "uri")]
    pub url: String,
    /// The event types it hears; `null`: every type.
    #[schema(required = true)]
    pub events: Option<Vec<EventTypeName>>,
    /// Until when the previous signing secret signs too (a second signature); `null`
    /// when there is none.
    #[schema(format = DateTime, required = true)]
    pub previous_secret_expires_at: Option<String>,
    /// Who created it.
    pub created_by: String,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub updated_at: String,
}

impl From<&Webhook> for WebhookView {
    fn from(w: &Webhook) -> Self {
        Self {
            id: w.id.to_string(),
            owner_org_id: w.owner_org_id.as_str().to_owned(),
            url: w.url.as_str().to_owned(),
            events: w
                .events
                .as_ref()
                .map(|e| e.iter().map(|&t| t.into()).collect()),
            previous_secret_expires_at: w.previous_secret.as_ref().map(|(_, t)| time(*t)),
            created_by: w.created_by.clone(),
            created_at: time(w.created_at),
            updated_at: time(w.updated_at),
        }
    }
}

/// A webhook with its signing secret, shown this once.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct WebhookWithSecretView {
    #[serde(flatten)]
    pub webhook: WebhookView,
    /// The signing secret (`whsec_` and base64), for a Standard Webhooks library; never
    /// shown again.
    #[schema(pattern = "^whsec_[A-Za-z0-9+/]+=*$")]
    pub secret: String,
}

impl From<WebhookWithSecret> for WebhookWithSecretView {
    fn from(w: WebhookWithSecret) -> Self {
        Self {
            webhook: WebhookView::from(&w.webhook),
            secret: w.secret.expose().to_owned(),
        }
    }
}

/// The `ETag` of a webhook: its version, as `If-Match` on a change names it.
fn webhook_etag(w: &Webhook) -> (header::HeaderName, String) {
    let version = Version::new(w.version).unwrap_or(Version::INITIAL);
    (header::ETAG, etag(version))
}

/// An organisation's webhooks, oldest first.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct WebhookList {
    pub items: Vec<WebhookView>,
}

/// `GET /api/webhooks` parameters.
#[derive(Debug, Serialize, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct WebhooksQuery {
    /// The organisation.
    #[param(pattern = "^[A-Za-z0-9_.-]{1,64}$")]
    pub owner_org_id: String,
}

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatusName {
    /// Waiting for its first attempt or a retry.
    Pending,
    /// The receiver answered 2xx.
    Delivered,
    /// No 2xx within 24 hours: given up.
    Failed,
}

impl From<DeliveryStatus> for DeliveryStatusName {
    fn from(s: DeliveryStatus) -> Self {
        match s {
            DeliveryStatus::Pending => Self::Pending,
            DeliveryStatus::Delivered => Self::Delivered,
            DeliveryStatus::Failed => Self::Failed,
        }
    }
}

/// One event's delivery to the webhook.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DeliveryView {
    /// Its id; the `webhook-id` sent is `msg_` followed by it, the same on every attempt.
    pub id: i64,
    /// The event's position in the change feed (`GET /api/events`).
    pub event_id: i64,
    pub r#type: EventTypeName,
    #[schema(format = "uuid")]
    pub client_id: String,
    pub status: DeliveryStatusName,
    /// Attempts started.
    pub attempts: u32,
    /// The status code of the last answer; `null` when there was none.
    #[schema(required = true)]
    pub last_status: Option<u16>,
    /// Why the last attempt failed, as the kind of failure (`refused by the outbound
    /// policy`, `connection failed`, `timed out ...`, `answered 503`); `null` when it did
    /// not.
    #[schema(required = true)]
    pub last_error: Option<String>,
    /// When the next attempt is due (pending only).
    #[schema(format = DateTime, required = true)]
    pub next_attempt_at: Option<String>,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime, required = true)]
    pub delivered_at: Option<String>,
}

impl From<&Delivery> for DeliveryView {
    fn from(d: &Delivery) -> Self {
        Self {
            id: d.id,
            event_id: d.position,
            r#type: d.event_type.into(),
            client_id: d.client_id.to_string(),
            status: d.status.into(),
            attempts: d.attempts,
            last_status: d.last_status,
            last_error: d.last_error.clone(),
            next_attempt_at: d.next_attempt_at.map(time),
            created_at: time(d.created_at),
            delivered_at: d.delivered_at.map(time),
        }
    }
}

/// A page of deliveries, newest first.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DeliveryList {
    pub items: Vec<DeliveryView>,
    /// Pass as `before` for older deliveries; `null` at the end.
    #[schema(required = true)]
    pub next_cursor: Option<String>,
}

/// `GET /api/webhooks/{webhookId}/deliveries` parameters.
#[derive(Debug, Serialize, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct DeliveriesQuery {
    /// `nextCursor` of the previous page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub before: Option<String>,
    /// 1-100, default 20.
    #[param(minimum = 1, maximum = 100)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<i64>,
}

/// Registers a webhook for an organisation's application events; its signing secret is
/// shown once.
#[utoipa::path(
    post, path = "/api/webhooks", operation_id = "flat_create_webhook", tag = "flat",
    request_body = NewWebhook,
    responses((status = 201, description = "Registered; the secret is shown here only", body = WebhookWithSecretView, headers(
        ("Location" = String, description = "The webhook's URL"),
        ("ETag" = String, description = "The webhook's version, for If-Match"),
        ("Cache-Control" = String, description = "`no-store`: the answer holds a secret"),
    ))),
)]
pub async fn create(
    caller: Caller<Write>,
    body: Json<NewWebhook>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, Error> {
    let b = body.into_inner();
    let created = state
        .webhooks
        .create(
            &caller,
            CreateWebhook {
                owner_org_id: b.owner_org_id,
                url: b.url,
                events: b.events,
            },
        )
        .await?;
    Ok(no_store(
        HttpResponse::Created()
            .insert_header((
                header::LOCATION,
                format!("/api/webhooks/{}", created.webhook.id),
            ))
            .insert_header(webhook_etag(&created.webhook))
            .json(WebhookWithSecretView::from(created)),
    ))
}

/// Lists an organisation's webhooks, oldest first.
#[utoipa::path(
    get, path = "/api/webhooks", operation_id = "flat_list_webhooks", tag = "flat",
    params(WebhooksQuery),
    responses((status = 200, description = "The webhooks", body = WebhookList)),
)]
pub async fn list(
    caller: Caller,
    query: Query<WebhooksQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, Error> {
    let hooks = state
        .webhooks
        .list(&caller, &query.into_inner().owner_org_id)
        .await?;
    Ok(HttpResponse::Ok().json(WebhookList {
        items: hooks.iter().map(WebhookView::from).collect(),
    }))
}

/// Reads a webhook.
#[utoipa::path(
    get, path = "/api/webhooks/{webhookId}", operation_id = "flat_get_webhook", tag = "flat",
    params(("webhookId" = String, Path, format = "uuid", description = "The webhook's id")),
    responses((status = 200, description = "The webhook", body = WebhookView, headers(
        ("ETag" = String, description = "The webhook's version, for If-Match"),
    ))),
)]
pub async fn get(
    caller: Caller,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, Error> {
    let hook = state.webhooks.get(&caller, &path.into_inner()).await?;
    Ok(HttpResponse::Ok()
        .insert_header(webhook_etag(&hook))
        .json(WebhookView::from(&hook)))
}

/// Changes a webhook's URL or event types; with `If-Match`, only the version it names.
#[utoipa::path(
    patch, path = "/api/webhooks/{webhookId}", operation_id = "flat_patch_webhook", tag = "flat",
    params(
        ("webhookId" = String, Path, format = "uuid", description = "The webhook's id"),
        ("If-Match" = Option<String>, Header, description = "`*` or a list of ETags: the change is made only if the webhook's version is one of them (RFC 9110 §13.1.1)"),
    ),
    request_body = WebhookChange,
    responses((status = 200, description = "The webhook as changed", body = WebhookView, headers(
        ("ETag" = String, description = "The webhook's new version"),
    ))),
)]
pub async fn patch(
    caller: Caller<Write>,
    path: web::Path<String>,
    expected: IfMatch,
    body: Json<WebhookChange>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, Error> {
    let b = body.into_inner();
    let hook = state
        .webhooks
        .update(
            &caller,
            &path.into_inner(),
            WebhookPatch {
                url: b.url,
                events: b.events,
            },
            expected.0.as_ref(),
        )
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(webhook_etag(&hook))
        .json(WebhookView::from(&hook)))
}

/// Deletes a webhook and its deliveries: nothing more is sent to it.
#[utoipa::path(
    delete, path = "/api/webhooks/{webhookId}", operation_id = "flat_delete_webhook", tag = "flat",
    params(("webhookId" = String, Path, format = "uuid", description = "The webhook's id")),
    responses((status = 204, description = "Deleted")),
)]
pub async fn delete(
    caller: Caller<Write>,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, Error> {
    state.webhooks.delete(&caller, &path.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Gives a webhook a new signing secret, shown once. The previous secret keeps signing
/// (a second signature in `webhook-signature`) for 24 hours.
#[utoipa::path(
    post, path = "/api/webhooks/{webhookId}/rotate-secret", operation_id = "flat_rotate_webhook_secret", tag = "flat",
    params(("webhookId" = String, Path, format = "uuid", description = "The webhook's id")),
    responses((status = 200, description = "Rotated; the new secret is shown here only", body = WebhookWithSecretView, headers(
        ("ETag" = String, description = "The webhook's new version"),
        ("Cache-Control" = String, description = "`no-store`: the answer holds a secret"),
    ))),
)]
pub async fn rotate_secret(
    caller: Caller<Write>,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, Error> {
    let rotated = state
        .webhooks
        .rotate_secret(&caller, &path.into_inner())
        .await?;
    Ok(no_store(
        HttpResponse::Ok()
            .insert_header(webhook_etag(&rotated.webhook))
            .json(WebhookWithSecretView::from(rotated)),
    ))
}

/// A webhook's deliveries, newest first: each event's status, attempts, last answer and
/// next attempt.
#[utoipa::path(
    get, path = "/api/webhooks/{webhookId}/deliveries", operation_id = "flat_webhook_deliveries", tag = "flat",
    params(
        ("webhookId" = String, Path, format = "uuid", description = "The webhook's id"),
        DeliveriesQuery,
    ),
    responses((status = 200, description = "A page, newest first", body = DeliveryList)),
)]
pub async fn deliveries(
    caller: Caller,
    path: web::Path<String>,
    query: Query<DeliveriesQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, Error> {
    let q = query.into_inner();
    let page = state
        .webhooks
        .deliveries(&caller, &path.into_inner(), q.before.as_deref(), q.limit)
        .await?;
    Ok(HttpResponse::Ok().json(DeliveryList {
        items: page.items.iter().map(DeliveryView::from).collect(),
        next_cursor: page.next_cursor,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_types_and_delivery_statuses_are_the_domains_spellings() {
        for t in EventType::ALL {
            assert_eq!(
                serde_json::to_value(EventTypeName::from(t)).unwrap(),
                t.as_str()
            );
        }
        for s in DeliveryStatus::ALL {
            assert_eq!(
                serde_json::to_value(DeliveryStatusName::from(s)).unwrap(),
                s.as_str()
            );
        }
    }
}
