//! Surface B's handlers: each reads its typed request, calls one use case and writes its
//! typed envelope. The error answers each operation can give are listed in
//! [`crate::openapi`].

use actix_web::http::header;
use actix_web::{HttpResponse, web};

use super::dto::{
    AppEnvelope, CreateAppV1, CreatedEnvelope, EventsEnvelope, EventsQuery, ListEnvelope,
    PageQuery, Pagination, PatchAppV1, RegenerateSecret, RegeneratedEnvelope, RotateKeysV1,
    UpdatedEnvelope,
};
use super::{Caller, Error, Json, OptionalJson, Org, Query, Target};
use crate::idempotency::acted_on;
use crate::request::{IfMatch, Write, etag, no_store};
use crate::state::AppState;

/// Lists an organisation's applications by numbered pages, newest first.
#[utoipa::path(
    get, path = "/api/v1/organizations/{org_id}/oauth-applications", operation_id = "v1_list", tag = "v1",
    params(("org_id" = String, Path, pattern = "^[A-Za-z0-9_.-]{1,64}$", description = "The organisation"), PageQuery),
    responses((status = 200, description = "A page, newest first", body = ListEnvelope)),
)]
pub async fn list(
    caller: Caller,
    org: Org,
    query: Query<PageQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, Error> {
    let q = query.into_inner();
    let page = state
        .service
        .list_page(&caller, org.0.as_str(), q.page, q.per_page)
        .await?;
    Ok(HttpResponse::Ok().json(ListEnvelope::new(
        &page.items,
        Pagination {
            page: page.page.get(),
            per_page: page.per_page.get(),
            total: page.total,
        },
    )))
}

/// Registers an application in the organisation; its secret is shown once.
#[utoipa::path(
    post, path = "/api/v1/organizations/{org_id}/oauth-applications", operation_id = "v1_create", tag = "v1",
    params(("org_id" = String, Path, pattern = "^[A-Za-z0-9_.-]{1,64}$", description = "The organisation")),
    request_body = CreateAppV1,
    responses((status = 201, description = "Registered; the secret is shown here only", body = CreatedEnvelope, headers(
        ("Location" = String, description = "The application's URL"),
        ("Cache-Control" = String, description = "`no-store`: the answer holds a secret"),
    ), links(
        ("GetApplication" = (operation_id = "v1_get", parameters(("org_id" = "$request.path.org_id"), ("app_id" = "$response.body#/data/id")), description = "Read the new application.")),
        ("UpdateApplication" = (operation_id = "v1_patch", parameters(("org_id" = "$request.path.org_id"), ("app_id" = "$response.body#/data/id")), description = "Change it.")),
        ("RevokeApplication" = (operation_id = "v1_revoke", parameters(("org_id" = "$request.path.org_id"), ("app_id" = "$response.body#/data/id")), description = "Revoke it.")),
        ("RegenerateSecret" = (operation_id = "v1_regenerate_secret", parameters(("org_id" = "$request.path.org_id"), ("app_id" = "$response.body#/data/id")), description = "Rotate its secret.")),
        ("AuditTrail" = (operation_id = "v1_events", parameters(("org_id" = "$request.path.org_id"), ("app_id" = "$response.body#/data/id")), description = "Its audit trail.")),
    ))),
)]
pub async fn create(
    caller: Caller<Write>,
    org: Org,
    body: Json<CreateAppV1>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, Error> {
    let registered = state
        .service
        .register(&caller, body.into_inner().into_domain(&org.0))
        .await?;
    let app = &registered.application;
    Ok(acted_on(
        no_store(
            HttpResponse::Created()
                .insert_header((
                    header::LOCATION,
                    format!(
                        "/api/v1/organizations/{}/oauth-applications/{}",
                        org.0.as_str(),
                        app.id()
                    ),
                ))
                .json(CreatedEnvelope::new(app, registered.client_secret.as_ref())),
        ),
        app.owner_org_id(),
    ))
}

/// Reads an application of the organisation (revoked ones too).
#[utoipa::path(
    get, path = "/api/v1/organizations/{org_id}/oauth-applications/{app_id}", operation_id = "v1_get", tag = "v1",
    params(("org_id" = String, Path, description = "The organisation"), ("app_id" = i64, Path, minimum = 1, description = "The application's id")),
    responses((status = 200, description = "The application", body = AppEnvelope, headers(
        ("ETag" = String, description = "The application's version, for If-Match"),
    ))),
)]
pub async fn get(
    caller: Caller,
    target: Target,
    state: web::Data<AppState>,
) -> Result<HttpResponse, Error> {
    let app = state.service.get(&caller, &target.0).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, etag(app.version())))
        .json(AppEnvelope::new(
            &app,
            "OAuth application retrieved successfully",
        )))
}

/// Changes an application; `status: revoked` disables it and `active` re-enables it.
#[utoipa::path(
    patch, path = "/api/v1/organizations/{org_id}/oauth-applications/{app_id}", operation_id = "v1_patch", tag = "v1",
    params(
        ("org_id" = String, Path, description = "The organisation"),
        ("app_id" = i64, Path, minimum = 1, description = "The application's id"),
        ("If-Match" = Option<String>, Header, description = "`*` or a list of ETags: the change is made only if the application's version is one of them (RFC 9110 §13.1.1)"),
    ),
    request_body = PatchAppV1,
    responses((status = 200, description = "Changed", body = UpdatedEnvelope, headers(
        ("ETag" = String, description = "The application's new version"),
    ))),
)]
pub async fn patch(
    caller: Caller<Write>,
    target: Target,
    expected: IfMatch,
    body: Json<PatchAppV1>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, Error> {
    let patch = body.into_inner().into();
    let app = state
        .service
        .update(&caller, &target.0, &patch, expected.0)
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, etag(app.version())))
        .json(UpdatedEnvelope::new(&app)))
}

/// Revokes (disables) an application; it stays readable.
#[utoipa::path(
    delete, path = "/api/v1/organizations/{org_id}/oauth-applications/{app_id}", operation_id = "v1_revoke", tag = "v1",
    params(("org_id" = String, Path, description = "The organisation"), ("app_id" = i64, Path, minimum = 1, description = "The application's id")),
    responses((status = 200, description = "Revoked", body = AppEnvelope)),
)]
pub async fn revoke(
    caller: Caller<Write>,
    target: Target,
    state: web::Data<AppState>,
) -> Result<HttpResponse, Error> {
    let app = state.service.disable(&caller, &target.0).await?;
    Ok(HttpResponse::Ok().json(AppEnvelope::new(
        &app,
        "OAuth application revoked successfully",
    )))
}

/// Issues a new secret; the previous one stops at once or after the grace period.
#[utoipa::path(
    post, path = "/api/v1/organizations/{org_id}/oauth-applications/{app_id}/regenerate-secret", operation_id = "v1_regenerate_secret", tag = "v1",
    params(("org_id" = String, Path, description = "The organisation"), ("app_id" = i64, Path, minimum = 1, description = "The application's id")),
    request_body(content = RegenerateSecret, description = "Optional: without it the previous secret stops at once"),
    responses((status = 200, description = "A new secret, shown here only", body = RegeneratedEnvelope, headers(
        ("Cache-Control" = String, description = "`no-store`: the answer holds a secret"),
    ))),
)]
pub async fn regenerate_secret(
    caller: Caller<Write>,
    target: Target,
    body: OptionalJson<RegenerateSecret>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, Error> {
    let grace = body.into_inner().and_then(|b| b.grace_period_seconds);
    let rotated = state
        .service
        .rotate_secret(&caller, &target.0, grace)
        .await?;
    Ok(acted_on(
        no_store(HttpResponse::Ok().json(RegeneratedEnvelope::new(
            &rotated.application,
            &rotated.client_secret,
        ))),
        rotated.application.owner_org_id(),
    ))
}

/// Makes new keys current; the current ones keep working for the grace period.
#[utoipa::path(
    post, path = "/api/v1/organizations/{org_id}/oauth-applications/{app_id}/rotate-keys", operation_id = "v1_rotate_keys", tag = "v1",
    params(("org_id" = String, Path, description = "The organisation"), ("app_id" = i64, Path, minimum = 1, description = "The application's id")),
    request_body = RotateKeysV1,
    responses((status = 200, description = "The new keys are current", body = AppEnvelope)),
)]
pub async fn rotate_keys(
    caller: Caller<Write>,
    target: Target,
    body: Json<RotateKeysV1>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, Error> {
    let app = state
        .service
        .rotate_keys(&caller, &target.0, body.into_inner().into())
        .await?;
    Ok(acted_on(
        HttpResponse::Ok().json(AppEnvelope::new(
            &app,
            "OAuth application keys rotated successfully",
        )),
        app.owner_org_id(),
    ))
}

/// An application's audit trail, newest first (org admins).
#[utoipa::path(
    get, path = "/api/v1/organizations/{org_id}/oauth-applications/{app_id}/events", operation_id = "v1_events", tag = "v1",
    params(("org_id" = String, Path, description = "The organisation"), ("app_id" = i64, Path, minimum = 1, description = "The application's id"), EventsQuery),
    responses((status = 200, description = "Who changed what, newest first", body = EventsEnvelope)),
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
    Ok(HttpResponse::Ok().json(EventsEnvelope::new(&page.items, page.next_cursor)))
}
