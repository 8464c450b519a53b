//! `GET /api/events`: the change feed over every application's audit trail, with
//! long-polling.

use std::time::{Duration, Instant};

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use oauth_apps_domain::{FeedEntry, FeedQuery, StoredAuditEvent};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::dto::AuditEntry;
use super::{Caller, Error, Query};
use crate::problem::{FieldProblem, Problem};
use crate::state::AppState;

/// The longest a request may wait for new events, in seconds.
pub const MAX_WAIT_SECONDS: u64 = 30;

/// How often a waiting request looks again.
const POLL_INTERVAL: Duration = Duration::from_millis(200);

/// `GET /api/events` parameters.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct FeedParams {
    /// `nextCursor` of the previous page; left out: from the first event.
    after: Option<String>,
    /// 1-100, default 20.
    #[param(minimum = 1, maximum = 100)]
    limit: Option<i64>,
    /// Seconds to wait for an event when none is new (0-30, default 0).
    #[param(minimum = 0, maximum = 30)]
    wait: Option<i64>,
    /// Only this organisation's applications (required of org admins).
    #[param(pattern = "^[A-Za-z0-9_.-]{1,64}$")]
    owner_org_id: Option<String>,
}

/// An event of the feed.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FeedItem {
    /// The application's client id.
    #[schema(format = "uuid")]
    client_id: String,
    /// The application's organisation.
    owner_org_id: String,
    /// What happened (`id` is the event's position in the feed).
    #[serde(flatten)]
    event: AuditEntry,
}

/// A page of the feed, oldest first.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FeedAnswer {
    items: Vec<FeedItem>,
    /// Pass as `after` for what comes next (the same cursor when nothing was new).
    next_cursor: String,
}

impl From<FeedEntry> for FeedItem {
    fn from(entry: FeedEntry) -> Self {
        Self {
            client_id: entry.client_id.to_string(),
            owner_org_id: entry.owner_org_id.as_str().to_owned(),
            event: AuditEntry::from(&StoredAuditEvent {
                id: entry.position,
                event: entry.event,
            }),
        }
    }
}

/// The change feed: every application's audit events in the order their writes committed,
/// each once, with strictly increasing cursors. With `wait`, a request that finds nothing
/// new waits up to that many seconds for an event. Platform admins and client
/// authenticators read every organisation (or the one named); an organisation's admins
/// read theirs, naming it.
#[utoipa::path(
    get, path = "/api/events", operation_id = "flat_feed", tag = "flat",
    params(FeedParams),
    responses((status = 200, description = "A page, oldest first", body = FeedAnswer)),
)]
pub async fn feed(
    caller: Caller,
    params: Query<FeedParams>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, Error> {
    let params = params.into_inner();
    let wait = match params.wait {
        None => 0,
        Some(seconds) => u64::try_from(seconds)
            .ok()
            .filter(|s| *s <= MAX_WAIT_SECONDS)
            .ok_or_else(|| {
                Error::from(
                    Problem::new(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        "The request breaks the rules for OAuth applications.",
                    )
                    .with_errors(vec![FieldProblem::new(
                        "wait",
                        format!("must be between 0 and {MAX_WAIT_SECONDS}"),
                    )]),
                )
            })?,
    };
    let query = FeedQuery {
        owner_org_id: params.owner_org_id,
        after: params.after,
        limit: params.limit,
    };
    let deadline = Instant::now() + Duration::from_secs(wait);
    loop {
        let page = state.feed.read(&caller, &query).await?;
        if !page.items.is_empty() || Instant::now() >= deadline {
            return Ok(HttpResponse::Ok().json(FeedAnswer {
                items: page.items.into_iter().map(FeedItem::from).collect(),
                next_cursor: page.next_cursor,
            }));
        }
        actix_web::rt::time::sleep(POLL_INTERVAL.min(deadline - Instant::now())).await;
    }
}

#[cfg(test)]
mod tests {
    use oauth_apps_domain::ChangedField;

    use crate::apps_api::AppsApi;
    use crate::problem::Surface;

    /// Change events name fields as the flat surface does: the feed, the flat audit trail
    /// and webhook deliveries share its names. A nested field (`jwks.uri` in a body) is
    /// named by its path in camelCase.
    #[test]
    fn change_events_speak_the_flat_surfaces_names() {
        for field in ChangedField::ALL {
            let path = AppsApi::field_name(field.field());
            let camel: String = path
                .split('.')
                .enumerate()
                .map(|(i, part)| match i {
                    0 => part.to_owned(),
                    _ => part[..1].to_ascii_uppercase() + &part[1..],
                })
                .collect();
            assert_eq!(field.change_name(), camel, "{field:?}");
        }
    }
}
