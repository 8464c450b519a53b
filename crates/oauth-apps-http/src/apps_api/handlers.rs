//! Surface A's handlers: each reads its typed request, calls one use case and writes its
//! typed answer. The error answers each operation can give are listed in
//! [`crate::openapi`].

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use oauth_apps_domain::{CertificateReader as _, ClientAuthentication, OAuthApplication};
use oauth_apps_jose::X509CertificateReader;

use super::dto::{
    App, AppPage, AppWithSecret, AuditEntry, AuditPage, ClientAuthenticationResult,
    ClientCredentials, CreateApp, EventsQuery, ListQuery, PatchApp, Presented, RotateKeysBody,
    RotateSecret, Success,
};
use super::{Caller, Error, Json, OptionalJson, Query, Target};
use crate::idempotency::acted_on;
use crate::problem::{FieldProblem, Problem};
use crate::request::{Authentication, IfMatch, Write, etag, no_store};
use crate::state::AppState;

/// The application, with its version as the `ETag`.
fn tagged(app: &OAuthApplication) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::ETAG, etag(app.version())))
        .json(App::from(app))
}

/// Registers an application; its secret is shown once.
#[utoipa::path(
    post, path = "/api/oauth-applications", operation_id = "flat_create", tag = "flat",
    request_body = CreateApp,
    responses((status = 201, description = "Registered; the secret is shown here only", body = AppWithSecret, headers(
        ("Location" = String, description = "The application's URL"),
        ("ETag" = String, description = "The application's version"),
        ("Cache-Control" = String, description = "`no-store`: the answer holds a secret"),
    ), links(
        ("GetApplication" = (operation_id = "flat_get", parameters(("clientId" = "$response.body#/application/clientId")), description = "Read the new application.")),
        ("UpdateApplication" = (operation_id = "flat_patch", parameters(("clientId" = "$response.body#/application/clientId")), description = "Change it.")),
        ("RotateSecret" = (operation_id = "flat_rotate_secret", parameters(("clientId" = "$response.body#/application/clientId")), description = "Rotate its secret.")),
        ("AuditTrail" = (operation_id = "flat_events", parameters(("clientId" = "$response.body#/application/clientId")), description = "Its audit trail.")),
    ))),
)]
pub async fn create(
    caller: Caller<Write>,
    body: Json<CreateApp>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, Error> {
    let registered = state
        .service
        .register(&caller, body.into_inner().into())
        .await?;
    let app = &registered.application;
    Ok(acted_on(
        no_store(
            HttpResponse::Created()
                .insert_header((
                    header::LOCATION,
                    format!("/api/oauth-applications/{}", app.client_id()),
                ))
                .insert_header((header::ETAG, etag(app.version())))
                .json(AppWithSecret::new(app, registered.client_secret.as_ref())),
        ),
        app.owner_org_id(),
    ))
}

/// Lists an organisation's applications, newest first, by keyset pages; with `name`, only
/// those whose name holds it (case-insensitively).
#[utoipa::path(
    get, path = "/api/oauth-applications", operation_id = "flat_list", tag = "flat",
    params(ListQuery),
    responses((status = 200, description = "A page, newest first", body = AppPage)),
)]
pub async fn list(
    caller: Caller,
    query: Query<ListQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, Error> {
    let q = query.into_inner();
    let page = state
        .service
        .search(
            &caller,
            &q.owner_org_id,
            q.name.as_deref(),
            q.limit,
            q.cursor.as_deref(),
        )
        .await?;
    Ok(HttpResponse::Ok().json(AppPage {
        items: page.items.iter().map(App::from).collect(),
        next_cursor: page.next_cursor.map(|c| c.encode()),
    }))
}

/// Reads an application (disabled ones too).
#[utoipa::path(
    get, path = "/api/oauth-applications/{clientId}", operation_id = "flat_get", tag = "flat",
    params(("clientId" = String, Path, format = "uuid", description = "The application's client id")),
    responses((status = 200, description = "The application", body = App, headers(
        ("ETag" = String, description = "The application's version, for If-Match"),
    ))),
)]
pub async fn get(
    caller: Caller,
    target: Target,
    state: web::Data<AppState>,
) -> Result<HttpResponse, Error> {
    let app = state.service.get(&caller, &target.0).await?;
    Ok(tagged(&app))
}

/// Changes an application; the result must satisfy every rule as a whole.
#[utoipa::path(
    patch, path = "/api/oauth-applications/{clientId}", operation_id = "flat_patch", tag = "flat",
    params(
        ("clientId" = String, Path, format = "uuid", description = "The application's client id"),
        ("If-Match" = Option<String>, Header, description = "`*` or a list of ETags: the change is made only if the application's version is one of them (RFC 9110 §13.1.1)"),
    ),
    request_body = PatchApp,
    responses((status = 200, description = "Changed", body = App, headers(
        ("ETag" = String, description = "The application's new version"),
    ))),
)]
pub async fn patch(
    caller: Caller<Write>,
    target: Target,
    expected: IfMatch,
    body: Json<PatchApp>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, Error> {
    let patch = body.into_inner().into();
    let app = state
        .service
        .update(&caller, &target.0, &patch, expected.0)
        .await?;
    Ok(tagged(&app))
}

/// Disables an application (soft: it stays readable, with its audit trail); repeatable.
#[utoipa::path(
    delete, path = "/api/oauth-applications/{clientId}", operation_id = "flat_disable", tag = "flat",
    params(("clientId" = String, Path, format = "uuid", description = "The application's client id")),
    responses((status = 200, description = "Disabled", body = Success)),
)]
pub async fn disable(
    caller: Caller<Write>,
    target: Target,
    state: web::Data<AppState>,
) -> Result<HttpResponse, Error> {
    state.service.disable(&caller, &target.0).await?;
    Ok(HttpResponse::Ok().json(Success::YES))
}

/// Re-enables a disabled application.
#[utoipa::path(
    post, path = "/api/oauth-applications/{clientId}/enable", operation_id = "flat_enable", tag = "flat",
    params(("clientId" = String, Path, format = "uuid", description = "The application's client id")),
    responses((status = 200, description = "Enabled", body = App, headers(
        ("ETag" = String, description = "The application's new version"),
    ))),
)]
pub async fn enable(
    caller: Caller<Write>,
    target: Target,
    state: web::Data<AppState>,
) -> Result<HttpResponse, Error> {
    let app = state.service.enable(&caller, &target.0).await?;
    Ok(tagged(&app))
}

/// Issues a new secret; the previous one stops at once or after the grace period.
#[utoipa::path(
    post, path = "/api/oauth-applications/{clientId}/rotate-secret", operation_id = "flat_rotate_secret", tag = "flat",
    params(("clientId" = String, Path, format = "uuid", description = "The application's client id")),
    request_body(content = RotateSecret, description = "Optional: without it the previous secret stops at once"),
    responses((status = 200, description = "A new secret, shown here only", body = AppWithSecret, headers(
        ("ETag" = String, description = "The application's new version"),
        ("Cache-Control" = String, description = "`no-store`: the answer holds a secret"),
    ))),
)]
pub async fn rotate_secret(
    caller: Caller<Write>,
    target: Target,
    body: OptionalJson<RotateSecret>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, Error> {
    let grace = body.into_inner().and_then(|b| b.grace_period_seconds);
    let rotated = state
        .service
        .rotate_secret(&caller, &target.0, grace)
        .await?;
    let app = &rotated.application;
    Ok(acted_on(
        no_store(
            HttpResponse::Ok()
                .insert_header((header::ETAG, etag(app.version())))
                .json(AppWithSecret::new(app, Some(&rotated.client_secret))),
        ),
        app.owner_org_id(),
    ))
}

/// Makes new keys current; the current ones keep working for the grace period.
#[utoipa::path(
    post, path = "/api/oauth-applications/{clientId}/rotate-keys", operation_id = "flat_rotate_keys", tag = "flat",
    params(("clientId" = String, Path, format = "uuid", description = "The application's client id")),
    request_body = RotateKeysBody,
    responses((status = 200, description = "The new keys are current", body = App, headers(
        ("ETag" = String, description = "The application's new version"),
    ))),
)]
pub async fn rotate_keys(
    caller: Caller<Write>,
    target: Target,
    body: Json<RotateKeysBody>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, Error> {
    let app = state
        .service
        .rotate_keys(&caller, &target.0, body.into_inner().into())
        .await?;
    Ok(acted_on(tagged(&app), app.owner_org_id()))
}

/// Revokes the previous credential before its grace period ends: the previous secret and
/// the previous key set.
#[utoipa::path(
    post, path = "/api/oauth-applications/{clientId}/revoke-previous-secret", operation_id = "flat_revoke_previous_secret", tag = "flat",
    params(("clientId" = String, Path, format = "uuid", description = "The application's client id")),
    responses((status = 200, description = "The previous secret no longer works", body = App, headers(
        ("ETag" = String, description = "The application's new version"),
    ))),
)]
pub async fn revoke_previous_secret(
    caller: Caller<Write>,
    target: Target,
    state: web::Data<AppState>,
) -> Result<HttpResponse, Error> {
    let app = state
        .service
        .revoke_previous_secret(&caller, &target.0)
        .await?;
    Ok(tagged(&app))
}

/// Checks a client's credentials (authorization servers: `client-authenticator` or
/// `platform-admin`): a secret, a client assertion (`private_key_jwt`, RFC 7523), or the
/// certificate of a mutual-TLS client (RFC 8705 §2; the answer carries its `x5t#S256`,
/// §3.1). The credential must be the kind the application's method uses. Every failure is the same
/// `{valid: false}`; the log says why (never the credential).
#[utoipa::path(
    post, path = "/api/client-authentication", operation_id = "flat_authenticate_client", tag = "flat",
    request_body = ClientCredentials,
    responses((status = 200, description = "Whether the credentials are valid", body = ClientAuthenticationResult)),
)]
pub async fn authenticate_client(
    caller: Caller<Authentication>,
    body: Json<ClientCredentials>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, Error> {
    let answer = match body.into_inner().presented()? {
        Presented::Certificate { client_id, pem } => {
            let certificate = X509CertificateReader::new().read_pem(&pem).map_err(|e| {
                Problem::bad_request(
                    "The client certificate cannot be read.",
                    vec![FieldProblem::new("clientCertificate", e.to_string())],
                )
            })?;
            let checked = state
                .service
                .authenticate_certificate(&caller, &client_id, &certificate)
                .await?;
            if let ClientAuthentication::Invalid(reason) = &checked.answer {
                tracing::info!(%reason, "client authentication refused");
            }
            return Ok(HttpResponse::Ok().json(
                ClientAuthenticationResult::from(checked.answer)
                    .with_thumbprint(&checked.thumbprint),
            ));
        }
        Presented::Secret { client_id, secret } => {
            state
                .service
                .authenticate_client(&caller, &client_id, &secret)
                .await?
        }
        Presented::Assertion {
            client_id,
            assertion,
        } => {
            state
                .service
                .authenticate_assertion(&caller, client_id.as_deref(), &assertion)
                .await?
        }
    };
    if let ClientAuthentication::Invalid(reason) = &answer {
        tracing::info!(%reason, "client authentication refused");
    }
    Ok(HttpResponse::Ok().json(ClientAuthenticationResult::from(answer)))
}

/// An application's audit trail, newest first (org admins).
#[utoipa::path(
    get, path = "/api/oauth-applications/{clientId}/events", operation_id = "flat_events", tag = "flat",
    params(("clientId" = String, Path, format = "uuid", description = "The application's client id"), EventsQuery),
    responses((status = 200, description = "Who changed what, newest first", body = AuditPage)),
)]
pub async fn events(
    caller: Caller,
    target: Target,
    query: Query<EventsQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, Error> {
    let q = query.into_inner();
    let page = state
        .service
        .events(&caller, &target.0, q.limit, q.cursor.as_deref())
        .await?;
    Ok(HttpResponse::Ok().json(AuditPage {
        items: page.items.iter().map(AuditEntry::from).collect(),
        next_cursor: page.next_cursor,
    }))
}
