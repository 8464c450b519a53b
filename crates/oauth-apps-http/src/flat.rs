//! Surface A: `/api/oauth-applications`, camelCase, RFC 9457 problem details.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use oauth_apps_domain::{
    AppRef, ApplicationPatch, ClientAuthentication, ClientId, OAuthApplication, RegisterApplication,
};
use serde::Serialize;

use crate::error::{ApiError, FieldProblem, Surface};
use crate::outcome::api_error;
use crate::request::{
    Fields, Limited, authenticate, etag, if_match, no_store, optional_integer_body, rate_limit,
    required_json_object,
};
use crate::state::AppState;

const S: Surface = Surface::Flat;

/// The application as surface A shows it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct App {
    client_id: String,
    name: String,
    #[serde(rename = "type")]
    app_type: &'static str,
    redirect_urls: Vec<String>,
    owner_org_id: String,
    allowed_scopes: Vec<String>,
    is_first_party: bool,
    disabled: bool,
    created_at: String,
    updated_at: String,
    description: Option<String>,
    grant_types: Vec<&'static str>,
    access_level: &'static str,
    previous_secret_expires_at: Option<String>,
}

impl From<&OAuthApplication> for App {
    fn from(app: &OAuthApplication) -> Self {
        let p = app.profile();
        Self {
            client_id: app.client_id().to_string(),
            name: p.name().as_str().to_owned(),
            app_type: app.app_type().as_str(),
            redirect_urls: p.redirect_urls().iter().map(str::to_owned).collect(),
            owner_org_id: app.owner_org_id().as_str().to_owned(),
            allowed_scopes: p.allowed_scopes().iter().map(str::to_owned).collect(),
            is_first_party: app.is_first_party(),
            disabled: app.is_disabled(),
            created_at: app.created_at().to_rfc3339(),
            updated_at: app.updated_at().to_rfc3339(),
            description: p.description().map(|d| d.as_str().to_owned()),
            grant_types: p.grant_types().iter().collect(),
            access_level: p.access_level().as_str(),
            previous_secret_expires_at: app.secrets().previous().map(|s| s.expires_at.to_rfc3339()),
        }
    }
}

/// An application with its secret, shown once (create, rotate).
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AppWithSecret {
    application: App,
    client_secret: String,
}

/// A page of a keyset listing.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AppPage {
    items: Vec<App>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    next_cursor: Option<String>,
}

fn target(path: &str) -> Result<AppRef, ApiError> {
    // A malformed id names no application.
    ClientId::parse(path).map(AppRef::ClientId).map_err(|_| {
        ApiError::new(
            S,
            StatusCode::NOT_FOUND,
            "The OAuth application was not found.",
        )
    })
}

fn with_etag(app: &OAuthApplication) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::ETAG, etag(app.version())))
        .json(App::from(app))
}

/// `POST /api/oauth-applications`
#[utoipa::path(post, path = "/api/oauth-applications", operation_id = "flat_create", tag = "flat", request_body = crate::openapi::CreateApp, responses((status = 201, description = "Registered; the secret is shown once", body = AppWithSecret), crate::openapi::FlatErrors))]
pub async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let principal = authenticate(&req, &state, S)?;
    rate_limit(&state, &principal, Limited::Write, S)?;
    let mut f = Fields::new(S, required_json_object(&req, payload, S).await?);
    let cmd = RegisterApplication {
        owner_org_id: f.required_string("ownerOrgId"),
        name: f.required_string("name"),
        app_type: Some(f.required_string("type")),
        redirect_urls: f.required_string_list("redirectUrls"),
        allowed_scopes: f.string_list("allowedScopes"),
        description: f.nullable_string("description").flatten(),
        grant_types: f.string_list("grantTypes"),
        access_level: f.string("accessLevel"),
        is_first_party: f.bool("isFirstParty"),
    };
    f.finish()?;
    let registered = state
        .service
        .register(&principal, cmd)
        .await
        .map_err(|e| api_error(S, &e))?;
    let app = &registered.application;
    Ok(no_store(
        HttpResponse::Created()
            .insert_header((
                header::LOCATION,
                format!("/api/oauth-applications/{}", app.client_id()),
            ))
            .insert_header((header::ETAG, etag(app.version())))
            .json(AppWithSecret {
                application: App::from(app),
                client_secret: registered.client_secret.expose().to_owned(),
            }),
    ))
}

/// `GET /api/oauth-applications?ownerOrgId=&limit=&cursor=`
#[utoipa::path(get, path = "/api/oauth-applications", operation_id = "flat_list", tag = "flat", params(("ownerOrgId" = String, Query, description = "The organisation: 1-64 characters of [A-Za-z0-9_.-]"), ("limit" = Option<i64>, Query, minimum = 1, maximum = 100, description = "1-100, default 20"), ("cursor" = Option<String>, Query, description = "nextCursor of the previous page")), responses((status = 200, description = "Newest first", body = AppPage), crate::openapi::FlatErrors))]
pub async fn list(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let principal = authenticate(&req, &state, S)?;
    let query = crate::request::query(&req, S)?;
    let mut problems = Vec::new();
    let org = query.get("ownerOrgId").cloned().unwrap_or_else(|| {
        problems.push(FieldProblem {
            field: "ownerOrgId".into(),
            message: "is required".into(),
        });
        String::new()
    });
    let limit = crate::request::integer_param(&query, "limit", &mut problems);
    if !problems.is_empty() {
        return Err(ApiError::bad_request(
            S,
            "The query has problems.",
            problems,
        ));
    }
    let page = state
        .service
        .list(
            &principal,
            &org,
            limit,
            query.get("cursor").map(String::as_str),
        )
        .await
        .map_err(|e| api_error(S, &e))?;
    Ok(HttpResponse::Ok().json(AppPage {
        items: page.items.iter().map(App::from).collect(),
        next_cursor: page.next_cursor.map(|c| c.encode()),
    }))
}

/// `GET /api/oauth-applications/{clientId}`
#[utoipa::path(get, path = "/api/oauth-applications/{clientId}", operation_id = "flat_get", tag = "flat", params(("clientId" = String, Path, description = "The application's client id")), responses((status = 200, description = "The application (ETag: its version)", body = App), crate::openapi::FlatErrors))]
pub async fn get(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let principal = authenticate(&req, &state, S)?;
    let app = state
        .service
        .get(&principal, &target(&path)?)
        .await
        .map_err(|e| api_error(S, &e))?;
    Ok(with_etag(&app))
}

/// `PATCH /api/oauth-applications/{clientId}`
#[utoipa::path(patch, path = "/api/oauth-applications/{clientId}", operation_id = "flat_patch", tag = "flat", params(("clientId" = String, Path, description = "The application's client id")), request_body = crate::openapi::PatchApp, responses((status = 200, description = "Updated", body = App), crate::openapi::FlatErrors))]
pub async fn patch(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let principal = authenticate(&req, &state, S)?;
    rate_limit(&state, &principal, Limited::Write, S)?;
    let target = target(&path)?;
    let expected = if_match(&req);
    let mut f = Fields::new(S, required_json_object(&req, payload, S).await?);
    let patch = ApplicationPatch {
        name: f.string("name"),
        description: f.nullable_string("description"),
        redirect_urls: f.string_list("redirectUrls"),
        allowed_scopes: f.string_list("allowedScopes"),
        grant_types: f.string_list("grantTypes"),
        access_level: f.string("accessLevel"),
        is_first_party: f.bool("isFirstParty"),
        status: None,
        app_type: f.present("type"),
        client_id: f.present("clientId"),
        owner_org_id: f.present("ownerOrgId"),
    };
    f.finish()?;
    let app = state
        .service
        .update(&principal, &target, &patch, expected)
        .await
        .map_err(|e| api_error(S, &e))?;
    Ok(with_etag(&app))
}

/// `DELETE /api/oauth-applications/{clientId}`: disables (soft).
#[utoipa::path(delete, path = "/api/oauth-applications/{clientId}", operation_id = "flat_disable", tag = "flat", params(("clientId" = String, Path, description = "The application's client id")), responses((status = 200, description = "Disabled (repeatable)", body = crate::openapi::Success), crate::openapi::FlatErrors))]
pub async fn disable(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let principal = authenticate(&req, &state, S)?;
    rate_limit(&state, &principal, Limited::Write, S)?;
    state
        .service
        .disable(&principal, &target(&path)?)
        .await
        .map_err(|e| api_error(S, &e))?;
    Ok(HttpResponse::Ok().json(serde_json::json!({"success": true})))
}

/// `POST /api/oauth-applications/{clientId}/enable`
#[utoipa::path(post, path = "/api/oauth-applications/{clientId}/enable", operation_id = "flat_enable", tag = "flat", params(("clientId" = String, Path, description = "The application's client id")), responses((status = 200, description = "Re-enabled", body = App), crate::openapi::FlatErrors))]
pub async fn enable(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let principal = authenticate(&req, &state, S)?;
    rate_limit(&state, &principal, Limited::Write, S)?;
    let app = state
        .service
        .enable(&principal, &target(&path)?)
        .await
        .map_err(|e| api_error(S, &e))?;
    Ok(with_etag(&app))
}

/// `POST /api/oauth-applications/{clientId}/rotate-secret`, optional body
/// `{gracePeriodSeconds}`.
#[utoipa::path(post, path = "/api/oauth-applications/{clientId}/rotate-secret", operation_id = "flat_rotate_secret", tag = "flat", params(("clientId" = String, Path, description = "The application's client id")), request_body(content = Option<crate::openapi::RotateSecret>, description = "Optional"), responses((status = 200, description = "A new secret, shown once", body = AppWithSecret), crate::openapi::FlatErrors))]
pub async fn rotate_secret(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let principal = authenticate(&req, &state, S)?;
    rate_limit(&state, &principal, Limited::Write, S)?;
    let target = target(&path)?;
    let grace = optional_integer_body(&req, payload, S, "gracePeriodSeconds").await?;
    let rotated = state
        .service
        .rotate_secret(&principal, &target, grace)
        .await
        .map_err(|e| api_error(S, &e))?;
    Ok(no_store(
        HttpResponse::Ok()
            .insert_header((header::ETAG, etag(rotated.application.version())))
            .json(AppWithSecret {
                application: App::from(&rotated.application),
                client_secret: rotated.client_secret.expose().to_owned(),
            }),
    ))
}

/// `POST /api/oauth-applications/{clientId}/revoke-previous-secret`
#[utoipa::path(post, path = "/api/oauth-applications/{clientId}/revoke-previous-secret", operation_id = "flat_revoke_previous_secret", tag = "flat", params(("clientId" = String, Path, description = "The application's client id")), responses((status = 200, description = "The previous secret no longer works", body = App), crate::openapi::FlatErrors))]
pub async fn revoke_previous_secret(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let principal = authenticate(&req, &state, S)?;
    rate_limit(&state, &principal, Limited::Write, S)?;
    let app = state
        .service
        .revoke_previous_secret(&principal, &target(&path)?)
        .await
        .map_err(|e| api_error(S, &e))?;
    Ok(with_etag(&app))
}

/// `POST /api/client-authentication` `{clientId, clientSecret}`
#[utoipa::path(post, path = "/api/client-authentication", operation_id = "flat_authenticate_client", tag = "flat", request_body = crate::openapi::ClientCredentials, responses((status = 200, description = "Whether the credentials are valid", body = crate::openapi::ClientAuthenticationResult), crate::openapi::FlatErrors))]
pub async fn authenticate_client(
    req: HttpRequest,
    state: web::Data<AppState>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let principal = authenticate(&req, &state, S)?;
    rate_limit(&state, &principal, Limited::Authentication, S)?;
    let mut f = Fields::new(S, required_json_object(&req, payload, S).await?);
    let client_id = f.required_string("clientId");
    let client_secret = f.required_string("clientSecret");
    f.finish()?;
    let answer = state
        .service
        .authenticate_client(&principal, &client_id, &client_secret)
        .await
        .map_err(|e| api_error(S, &e))?;
    Ok(HttpResponse::Ok().json(match answer {
        ClientAuthentication::Valid(app) => {
            serde_json::json!({"valid": true, "application": App::from(&*app)})
        }
        ClientAuthentication::Invalid => serde_json::json!({"valid": false}),
    }))
}

/// One entry of an application's audit trail.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AuditEntry {
    id: i64,
    /// `created`, `updated`, `disabled`, `enabled`, `secret_rotated`,
    /// `previous_secret_revoked`.
    action: &'static str,
    /// The token subject that did it.
    actor: String,
    /// The service's id of the request that did it (its `X-Request-Id` answer header).
    request_id: Option<String>,
    /// The id the client gave that request in `X-Request-Id`, when it gave a usable one.
    client_request_id: Option<String>,
    /// The fields that changed, in this surface's names.
    changed_fields: Vec<&'static str>,
    at: String,
}

impl AuditEntry {
    /// The entry as `surface` names its fields.
    pub(crate) fn new(e: &oauth_apps_domain::StoredAuditEvent, surface: Surface) -> Self {
        Self {
            id: e.id,
            action: e.event.action.as_str(),
            actor: e.event.actor.clone(),
            request_id: e.event.request_id.clone(),
            client_request_id: e.event.client_request_id.clone(),
            changed_fields: e
                .event
                .changed_fields
                .iter()
                .map(|f| surface.field_name(*f))
                .collect(),
            at: e.event.at.to_rfc3339(),
        }
    }

    /// The entry with snake_case keys (the v1 surface).
    pub(crate) fn snake_case(&self) -> serde_json::Value {
        serde_json::json!({
            "id": self.id,
            "action": self.action,
            "actor": self.actor,
            "request_id": self.request_id,
            "client_request_id": self.client_request_id,
            "changed_fields": self.changed_fields,
            "at": self.at,
        })
    }
}

/// A page of an audit trail, newest first.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AuditPage {
    items: Vec<AuditEntry>,
    /// Pass as `cursor` for the next (older) page; `null` on the last page.
    next_cursor: Option<String>,
}

/// One page of an application's audit trail, from the `limit` and `cursor` query
/// parameters (both surfaces).
pub(crate) async fn audit_trail(
    req: &HttpRequest,
    state: &AppState,
    surface: Surface,
    principal: &oauth_apps_domain::Principal,
    target: &AppRef,
) -> Result<oauth_apps_domain::EventsPage, ApiError> {
    let query = crate::request::query(req, surface)?;
    let mut problems = Vec::new();
    let limit = crate::request::integer_param(&query, "limit", &mut problems);
    if !problems.is_empty() {
        return Err(ApiError::bad_request(
            surface,
            "The query has problems.",
            problems,
        ));
    }
    state
        .service
        .events(
            principal,
            target,
            limit,
            query.get("cursor").map(String::as_str),
        )
        .await
        .map_err(|e| api_error(surface, &e))
}

/// `GET /api/oauth-applications/{clientId}/events?limit=&cursor=`
#[utoipa::path(get, path = "/api/oauth-applications/{clientId}/events", operation_id = "flat_events", tag = "flat", params(("clientId" = String, Path, description = "The application's client id"), ("limit" = Option<i64>, Query, minimum = 1, maximum = 100, description = "1-100, default 20"), ("cursor" = Option<String>, Query, description = "nextCursor of the previous page")), responses((status = 200, description = "Who changed what, newest first (org admins)", body = AuditPage), crate::openapi::FlatErrors))]
pub async fn events(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let principal = authenticate(&req, &state, S)?;
    let target = target(&path)?;
    let page = audit_trail(&req, &state, S, &principal, &target).await?;
    Ok(HttpResponse::Ok().json(AuditPage {
        items: page.items.iter().map(|e| AuditEntry::new(e, S)).collect(),
        next_cursor: page.next_cursor,
    }))
}

/// Registers surface A's routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/api/oauth-applications")
            .route(web::post().to(create))
            .route(crate::get_or_head().to(list)),
    )
    .service(
        web::resource("/api/oauth-applications/{clientId}")
            .route(crate::get_or_head().to(get))
            .route(web::patch().to(patch))
            .route(web::delete().to(disable)),
    )
    .service(
        web::resource("/api/oauth-applications/{clientId}/enable").route(web::post().to(enable)),
    )
    .service(
        web::resource("/api/oauth-applications/{clientId}/rotate-secret")
            .route(web::post().to(rotate_secret)),
    )
    .service(
        web::resource("/api/oauth-applications/{clientId}/revoke-previous-secret")
            .route(web::post().to(revoke_previous_secret)),
    )
    .service(
        web::resource("/api/oauth-applications/{clientId}/events")
            .route(crate::get_or_head().to(events)),
    )
    .service(
        web::resource("/api/client-authentication").route(web::post().to(authenticate_client)),
    );
}
