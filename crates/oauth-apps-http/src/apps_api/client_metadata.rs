//! `GET /api/client-metadata`: the client a Client ID Metadata Document URL resolves to.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use oauth_apps_domain::ResolveError;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::dto::App;
use super::{Caller, Error, Query};
use crate::problem::{FieldProblem, Problem};
use crate::state::AppState;

/// `GET /api/client-metadata` parameters.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct ResolveQuery {
    /// The client id: the https URL of the client's metadata document.
    #[param(format = "uri")]
    client_id: String,
}

/// The fields of a metadata document client that only its document changes (an org admin
/// may disable and enable it, nothing else).
pub const DOCUMENT_FIELDS: [&str; 10] = [
    "name",
    "type",
    "redirectUrls",
    "allowedScopes",
    "grantTypes",
    "tokenEndpointAuthMethod",
    "jwks",
    "jwksUri",
    "description",
    "accessLevel",
];

/// A resolved metadata document client.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ResolvedClient {
    /// The application the registry records for it (its `clientId` is derived from the
    /// document URL, which is `metadataDocument`).
    application: App,
    /// The fields only the document changes.
    read_only_fields: Vec<&'static str>,
}

/// Resolves a client id that is the URL of a Client ID Metadata Document
/// (draft-ietf-oauth-client-id-metadata-document): the document is fetched through the
/// outbound guard (or read from the cache), checked, and recorded in the registry, in the
/// organisation its host is bound to (`OAUTH_APPS_CIMD_ALLOWED_HOSTS`). For client
/// authenticators and platform admins.
#[utoipa::path(
    get, path = "/api/client-metadata", operation_id = "flat_resolve_client_metadata",
    tag = "flat",
    params(ResolveQuery),
    responses(
        (status = 200, description = "The client, as the registry records it", body = ResolvedClient),
        (status = 422, description = "The client id or its document breaks a rule, named in `errors` (or the client is disabled here)"),
    ),
)]
pub async fn resolve(
    caller: Caller,
    query: Query<ResolveQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, Error> {
    match state
        .service
        .resolve_metadata_document(&caller, &query.into_inner().client_id)
        .await
    {
        Ok(app) => Ok(HttpResponse::Ok().json(ResolvedClient {
            application: App::from(&app),
            read_only_fields: DOCUMENT_FIELDS.to_vec(),
        })),
        Err(ResolveError::Refused(refusal)) => Err(unresolved(
            refusal.rule,
            &format!("{} ({})", refusal.message, refusal.rule),
        )),
        Err(ResolveError::Disabled) => Err(unresolved(
            "disabled",
            "the client is disabled in this registry (disabled)",
        )),
        Err(e) => Err(e.into()),
    }
}

fn unresolved(rule: &str, message: &str) -> Error {
    Problem::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        format!("The client id does not resolve to a client: rule {rule}."),
    )
    .with_errors(vec![FieldProblem::new("clientId", message)])
    .into()
}
