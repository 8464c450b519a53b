//! Surface B: `/api/v1/organizations/{org_id}/oauth-applications`, snake_case, every
//! answer in a `{success, data, message}` envelope.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use oauth_apps_domain::{
    AppId, AppRef, ApplicationPatch, OAuthApplication, OrgId, RegisterApplication,
};
use serde::Serialize;
use serde_json::json;

use crate::error::{ApiError, Surface};
use crate::outcome::api_error;
use crate::request::{
    Fields, Limited, authenticate, etag, if_match, integer_param, no_store, optional_integer_body,
    query, rate_limit, required_json_object,
};
use crate::state::AppState;

const S: Surface = Surface::V1;

/// The application as surface B shows it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AppV1 {
    id: i64,
    name: String,
    description: Option<String>,
    client_id: String,
    #[serde(rename = "type")]
    app_type: &'static str,
    grant_types: Vec<&'static str>,
    redirect_uris: Vec<String>,
    scopes: Vec<String>,
    access_level: &'static str,
    status: &'static str,
    is_first_party: bool,
    created_at: String,
    updated_at: String,
}

impl From<&OAuthApplication> for AppV1 {
    fn from(app: &OAuthApplication) -> Self {
        let p = app.profile();
        Self {
            id: app.id().get(),
            name: p.name().as_str().to_owned(),
            description: p.description().map(|d| d.as_str().to_owned()),
            client_id: app.client_id().to_string(),
            app_type: app.app_type().as_str(),
            grant_types: p.grant_types().iter().collect(),
            redirect_uris: p.redirect_urls().iter().map(str::to_owned).collect(),
            scopes: p.allowed_scopes().iter().map(str::to_owned).collect(),
            access_level: p.access_level().as_str(),
            status: app.status().as_str(),
            is_first_party: app.is_first_party(),
            created_at: app.created_at().to_rfc3339(),
            updated_at: app.updated_at().to_rfc3339(),
        }
    }
}

fn not_found() -> ApiError {
    ApiError::new(
        S,
        StatusCode::NOT_FOUND,
        "The OAuth application was not found.",
    )
}

fn org(raw: &str) -> Result<OrgId, ApiError> {
    OrgId::parse(raw).map_err(|_| not_found())
}

fn target(org_id: &str, app_id: &str) -> Result<AppRef, ApiError> {
    let id: i64 = app_id.parse().map_err(|_| {
        ApiError::bad_request(
            S,
            "app_id must be an integer.",
            vec![crate::error::FieldProblem {
                field: "app_id".into(),
                message: "must be an integer".into(),
            }],
        )
    })?;
    let org = org(org_id)?;
    let id = AppId::new(id).map_err(|_| not_found())?;
    Ok(AppRef::InOrg { org, id })
}

fn envelope(status: StatusCode, data: serde_json::Value, message: &str) -> HttpResponse {
    HttpResponse::build(status).json(json!({"success": true, "data": data, "message": message}))
}

/// The response with the application's version as its `ETag`.
fn tagged(mut response: HttpResponse, app: &OAuthApplication) -> HttpResponse {
    if let Ok(tag) = header::HeaderValue::from_str(&etag(app.version())) {
        response.headers_mut().insert(header::ETAG, tag);
    }
    response
}

fn app_json(app: &OAuthApplication) -> serde_json::Value {
    serde_json::to_value(AppV1::from(app)).unwrap_or_default()
}

/// `GET .../oauth-applications?page=&per_page=`
#[utoipa::path(get, path = "/api/v1/organizations/{org_id}/oauth-applications", operation_id = "v1_list", tag = "v1", params(("org_id" = String, Path, description = "The organisation"), ("page" = Option<i64>, Query, minimum = 1, maximum = 100000, description = "From 1"), ("per_page" = Option<i64>, Query, minimum = 1, maximum = 100, description = "1-100, default 20")), responses((status = 200, description = "A page, newest first", body = crate::openapi::ListEnvelopeV1), crate::openapi::V1Errors))]
pub async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let principal = authenticate(&req, &state, S)?;
    let org = org(&path)?;
    let q = query(&req, S)?;
    let mut problems = Vec::new();
    let page = integer_param(&q, "page", &mut problems);
    let per_page = integer_param(&q, "per_page", &mut problems);
    if !problems.is_empty() {
        return Err(ApiError::bad_request(
            S,
            "The query has problems.",
            problems,
        ));
    }
    let result = state
        .service
        .list_page(&principal, org.as_str(), page, per_page)
        .await
        .map_err(|e| api_error(S, &e))?;
    let data: Vec<_> = result.items.iter().map(AppV1::from).collect();
    Ok(HttpResponse::Ok().json(json!({
        "success": true,
        "data": data,
        "message": "OAuth applications retrieved successfully",
        "pagination": {
            "page": result.page.get(),
            "per_page": result.per_page.get(),
            "total": result.total,
        },
    })))
}

/// `POST .../oauth-applications`
#[utoipa::path(post, path = "/api/v1/organizations/{org_id}/oauth-applications", operation_id = "v1_create", tag = "v1", params(("org_id" = String, Path, description = "The organisation")), request_body = crate::openapi::CreateAppV1, responses((status = 201, description = "Registered; the secret is shown once", body = crate::openapi::CreatedEnvelopeV1, links(("GetApplication" = (operation_id = "v1_get", parameters(("org_id" = "$request.path.org_id"), ("app_id" = "$response.body#/data/id")), description = "Read the new application.")), ("UpdateApplication" = (operation_id = "v1_patch", parameters(("org_id" = "$request.path.org_id"), ("app_id" = "$response.body#/data/id")), description = "Change it.")), ("RevokeApplication" = (operation_id = "v1_revoke", parameters(("org_id" = "$request.path.org_id"), ("app_id" = "$response.body#/data/id")), description = "Revoke it.")), ("RegenerateSecret" = (operation_id = "v1_regenerate_secret", parameters(("org_id" = "$request.path.org_id"), ("app_id" = "$response.body#/data/id")), description = "Rotate its secret.")), ("AuditTrail" = (operation_id = "v1_events", parameters(("org_id" = "$request.path.org_id"), ("app_id" = "$response.body#/data/id")), description = "Its audit trail.")))), crate::openapi::V1Errors))]
pub async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let principal = authenticate(&req, &state, S)?;
    rate_limit(&state, &principal, Limited::Write, S)?;
    let org = org(&path)?;
    let mut f = Fields::new(S, required_json_object(&req, payload, S).await?);
    let cmd = RegisterApplication {
        owner_org_id: org.as_str().to_owned(),
        name: f.required_string("name"),
        description: f.nullable_string("description").flatten(),
        app_type: f.string("type"),
        grant_types: f.string_list("grant_types"),
        redirect_urls: f.required_string_list("redirect_uris"),
        allowed_scopes: f.string_list("scopes"),
        access_level: f.string("access_level"),
        is_first_party: f.bool("is_first_party"),
    };
    f.finish()?;
    let registered = state
        .service
        .register(&principal, cmd)
        .await
        .map_err(|e| api_error(S, &e))?;
    let app = &registered.application;
    let mut data = app_json(app);
    data["client_secret"] = registered.client_secret.expose().into();
    let mut response = envelope(
        StatusCode::CREATED,
        data,
        "OAuth application created successfully",
    );
    if let Ok(location) = header::HeaderValue::from_str(&format!(
        "/api/v1/organizations/{}/oauth-applications/{}",
        org,
        app.id()
    )) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    Ok(no_store(response))
}

/// `GET .../oauth-applications/{app_id}`
#[utoipa::path(get, path = "/api/v1/organizations/{org_id}/oauth-applications/{app_id}", operation_id = "v1_get", tag = "v1", params(("org_id" = String, Path, description = "The organisation"), ("app_id" = i64, Path, description = "The application's id")), responses((status = 200, description = "The application", body = crate::openapi::AppEnvelopeV1), crate::openapi::V1Errors))]
pub async fn get(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let principal = authenticate(&req, &state, S)?;
    let app = state
        .service
        .get(&principal, &target(&path.0, &path.1)?)
        .await
        .map_err(|e| api_error(S, &e))?;
    let response = envelope(
        StatusCode::OK,
        app_json(&app),
        "OAuth application retrieved successfully",
    );
    Ok(tagged(response, &app))
}

/// `PATCH .../oauth-applications/{app_id}`
#[utoipa::path(patch, path = "/api/v1/organizations/{org_id}/oauth-applications/{app_id}", operation_id = "v1_patch", tag = "v1", params(("org_id" = String, Path, description = "The organisation"), ("app_id" = i64, Path, description = "The application's id")), request_body = crate::openapi::PatchAppV1, responses((status = 200, description = "Updated", body = crate::openapi::UpdatedEnvelopeV1), crate::openapi::V1Errors))]
pub async fn patch(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    const MESSAGE: &str = "OAuth application updated successfully";
    let principal = authenticate(&req, &state, S)?;
    rate_limit(&state, &principal, Limited::Write, S)?;
    let target = target(&path.0, &path.1)?;
    let expected = if_match(&req);
    let mut f = Fields::new(S, required_json_object(&req, payload, S).await?);
    let patch = ApplicationPatch {
        name: f.string("name"),
        description: f.nullable_string("description"),
        grant_types: f.string_list("grant_types"),
        redirect_urls: f.string_list("redirect_uris"),
        allowed_scopes: f.string_list("scopes"),
        access_level: f.string("access_level"),
        status: f.string("status"),
        is_first_party: f.bool("is_first_party"),
        app_type: f.present("type"),
        client_id: f.present("client_id"),
        owner_org_id: f.present("org_id"),
    };
    f.finish()?;
    let app = state
        .service
        .update(&principal, &target, &patch, expected)
        .await
        .map_err(|e| api_error(S, &e))?;
    let mut data = app_json(&app);
    data["message"] = MESSAGE.into();
    let response = envelope(StatusCode::OK, data, MESSAGE);
    Ok(tagged(response, &app))
}

/// `DELETE .../oauth-applications/{app_id}`: sets `status: revoked`.
#[utoipa::path(delete, path = "/api/v1/organizations/{org_id}/oauth-applications/{app_id}", operation_id = "v1_revoke", tag = "v1", params(("org_id" = String, Path, description = "The organisation"), ("app_id" = i64, Path, description = "The application's id")), responses((status = 200, description = "Revoked", body = crate::openapi::AppEnvelopeV1), crate::openapi::V1Errors))]
pub async fn revoke(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let principal = authenticate(&req, &state, S)?;
    rate_limit(&state, &principal, Limited::Write, S)?;
    let app = state
        .service
        .disable(&principal, &target(&path.0, &path.1)?)
        .await
        .map_err(|e| api_error(S, &e))?;
    Ok(envelope(
        StatusCode::OK,
        app_json(&app),
        "OAuth application revoked successfully",
    ))
}

/// `POST .../oauth-applications/{app_id}/regenerate-secret`, optional body
/// `{grace_period_seconds}`.
#[utoipa::path(post, path = "/api/v1/organizations/{org_id}/oauth-applications/{app_id}/regenerate-secret", operation_id = "v1_regenerate_secret", tag = "v1", params(("org_id" = String, Path, description = "The organisation"), ("app_id" = i64, Path, description = "The application's id")), request_body(content = Option<crate::openapi::RegenerateSecretV1>, description = "Optional"), responses((status = 200, description = "A new secret, shown once", body = crate::openapi::RegeneratedEnvelopeV1), crate::openapi::V1Errors))]
pub async fn regenerate_secret(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let principal = authenticate(&req, &state, S)?;
    rate_limit(&state, &principal, Limited::Write, S)?;
    let target = target(&path.0, &path.1)?;
    let grace = optional_integer_body(&req, payload, S, "grace_period_seconds").await?;
    let rotated = state
        .service
        .rotate_secret(&principal, &target, grace)
        .await
        .map_err(|e| api_error(S, &e))?;
    let app = &rotated.application;
    Ok(no_store(envelope(
        StatusCode::OK,
        json!({
            "client_id": app.client_id().to_string(),
            "client_secret": rotated.client_secret.expose(),
            "previous_secret_expires_at":
                app.secrets().previous().map(|p| p.expires_at.to_rfc3339()),
        }),
        "Client secret regenerated successfully",
    )))
}

/// `GET .../oauth-applications/{app_id}/events?limit=&cursor=`
#[utoipa::path(get, path = "/api/v1/organizations/{org_id}/oauth-applications/{app_id}/events", operation_id = "v1_events", tag = "v1", params(("org_id" = String, Path, description = "The organisation"), ("app_id" = i64, Path, description = "The application's id"), ("limit" = Option<i64>, Query, minimum = 1, maximum = 100, description = "1-100, default 20"), ("cursor" = Option<String>, Query, description = "next_cursor of the previous page")), responses((status = 200, description = "Who changed what, newest first (org admins)", body = crate::openapi::EventsEnvelopeV1), crate::openapi::V1Errors))]
pub async fn events(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let principal = authenticate(&req, &state, S)?;
    let target = target(&path.0, &path.1)?;
    let page = crate::flat::audit_trail(&req, &state, S, &principal, &target).await?;
    let data: Vec<_> = page
        .items
        .iter()
        .map(|e| crate::flat::AuditEntry::new(e, S).snake_case())
        .collect();
    Ok(HttpResponse::Ok().json(json!({
        "success": true,
        "data": data,
        "next_cursor": page.next_cursor,
        "message": "Audit events retrieved successfully",
    })))
}

/// Registers surface B's routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    const BASE: &str = "/api/v1/organizations/{org_id}/oauth-applications";
    cfg.service(
        web::resource(BASE)
            .route(crate::get_or_head().to(list))
            .route(web::post().to(create)),
    )
    .service(
        web::resource(format!("{BASE}/{{app_id}}"))
            .route(crate::get_or_head().to(get))
            .route(web::patch().to(patch))
            .route(web::delete().to(revoke)),
    )
    .service(
        web::resource(format!("{BASE}/{{app_id}}/regenerate-secret"))
            .route(web::post().to(regenerate_secret)),
    )
    .service(
        web::resource(format!("{BASE}/{{app_id}}/events")).route(crate::get_or_head().to(events)),
    );
}
