//! The OpenAPI 3.1 document of both surfaces, generated from the handlers' annotations
//! and the response types, and a `/docs` page that renders it (plain HTML, no script, no
//! external asset).

use std::fmt::Write as _;

use actix_web::HttpResponse;
use serde::Serialize;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};

use crate::flat::{App, AppPage, AppWithSecret};
use crate::v1::AppV1;

/// An application type.
#[derive(Serialize, ToSchema)]
pub enum AppTypeName {
    /// Confidential server-side application.
    #[serde(rename = "web")]
    Web,
    /// Mobile or desktop application.
    #[serde(rename = "native")]
    Native,
    /// Public client.
    #[serde(rename = "public")]
    Public,
    /// Browser application.
    #[serde(rename = "user-agent-based")]
    UserAgentBased,
}

/// An access level.
#[derive(Serialize, ToSchema)]
pub enum AccessLevelName {
    /// For the organisation.
    #[serde(rename = "organization")]
    Organization,
    /// For a user.
    #[serde(rename = "user")]
    User,
}

/// A grant type (`implicit` and `password` are refused).
#[derive(Serialize, ToSchema)]
pub enum GrantTypeName {
    /// RFC 6749 §4.1.
    #[serde(rename = "authorization_code")]
    AuthorizationCode,
    /// RFC 6749 §6.
    #[serde(rename = "refresh_token")]
    RefreshToken,
    /// RFC 6749 §4.4, `web` applications only.
    #[serde(rename = "client_credentials")]
    ClientCredentials,
    /// RFC 8628.
    #[serde(rename = "urn:ietf:params:oauth:grant-type:device_code")]
    DeviceCode,
}

/// `POST /api/oauth-applications` body. Redirect URLs must also suit the type, and the
/// grant types must suit the type and the redirect URLs (422 otherwise).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateApp {
    #[schema(pattern = "^[A-Za-z0-9_.-]{1,64}$")]
    owner_org_id: String,
    #[schema(min_length = 1, max_length = 100)]
    name: String,
    #[serde(rename = "type")]
    app_type: AppTypeName,
    #[schema(max_items = 20)]
    redirect_urls: Vec<String>,
    allowed_scopes: Option<Vec<String>>,
    #[schema(max_length = 1000)]
    description: Option<String>,
    grant_types: Option<Vec<GrantTypeName>>,
    access_level: Option<AccessLevelName>,
    is_first_party: Option<bool>,
}

/// `PATCH /api/oauth-applications/{clientId}` body: every field optional.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PatchApp {
    #[schema(min_length = 1, max_length = 100)]
    name: Option<String>,
    #[schema(max_items = 20)]
    redirect_urls: Option<Vec<String>>,
    allowed_scopes: Option<Vec<String>>,
    #[schema(max_length = 1000)]
    description: Option<String>,
    grant_types: Option<Vec<GrantTypeName>>,
    access_level: Option<AccessLevelName>,
    is_first_party: Option<bool>,
}

/// Optional body of a rotation.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RotateSecret {
    #[schema(minimum = 0, maximum = 604_800)]
    grace_period_seconds: Option<i64>,
}

/// `POST /api/client-authentication` body.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ClientCredentials {
    client_id: String,
    client_secret: String,
}

/// The answer to a client authentication.
#[derive(Serialize, ToSchema)]
pub struct ClientAuthenticationResult {
    valid: bool,
    /// Present when `valid`.
    application: Option<App>,
}

/// `{success: true}`.
#[derive(Serialize, ToSchema)]
pub struct Success {
    success: bool,
}

/// One field and the rule it broke.
#[derive(Serialize, ToSchema)]
pub struct FieldError {
    field: String,
    message: String,
}

/// An RFC 9457 problem (`application/problem+json`).
#[derive(Serialize, ToSchema)]
pub struct Problem {
    #[serde(rename = "type")]
    problem_type: String,
    title: String,
    status: u16,
    detail: String,
    errors: Option<Vec<FieldError>>,
}

/// A v1 status.
#[derive(Serialize, ToSchema)]
pub enum StatusName {
    /// In use.
    #[serde(rename = "active")]
    Active,
    /// Disabled.
    #[serde(rename = "revoked")]
    Revoked,
}

/// `POST .../oauth-applications` body (v1).
#[derive(Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateAppV1 {
    #[schema(min_length = 1, max_length = 100)]
    name: String,
    #[schema(max_length = 1000)]
    description: Option<String>,
    #[serde(rename = "type")]
    app_type: Option<AppTypeName>,
    grant_types: Option<Vec<GrantTypeName>>,
    #[schema(max_items = 20)]
    redirect_uris: Vec<String>,
    scopes: Option<Vec<String>>,
    access_level: Option<AccessLevelName>,
    is_first_party: Option<bool>,
}

/// `PATCH .../oauth-applications/{app_id}` body (v1).
#[derive(Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PatchAppV1 {
    #[schema(min_length = 1, max_length = 100)]
    name: Option<String>,
    #[schema(max_length = 1000)]
    description: Option<String>,
    grant_types: Option<Vec<GrantTypeName>>,
    #[schema(max_items = 20)]
    redirect_uris: Option<Vec<String>>,
    scopes: Option<Vec<String>>,
    access_level: Option<AccessLevelName>,
    status: Option<StatusName>,
    is_first_party: Option<bool>,
}

/// Optional body of a v1 rotation.
#[derive(Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegenerateSecretV1 {
    #[schema(minimum = 0, maximum = 604_800)]
    grace_period_seconds: Option<i64>,
}

/// An application with its new secret (v1 create).
#[derive(Serialize, ToSchema)]
pub struct AppV1WithSecret {
    #[serde(flatten)]
    app: AppV1,
    client_secret: String,
}

/// An application with the update message (v1 patch).
#[derive(Serialize, ToSchema)]
pub struct AppV1WithMessage {
    #[serde(flatten)]
    app: AppV1,
    message: String,
}

/// A new secret (v1 regenerate).
#[derive(Serialize, ToSchema)]
pub struct RegeneratedSecretV1 {
    client_id: String,
    client_secret: String,
    previous_secret_expires_at: Option<String>,
}

/// Page numbers of a v1 listing.
#[derive(Serialize, ToSchema)]
pub struct PaginationV1 {
    page: u32,
    per_page: u32,
    total: u64,
}

/// A v1 success envelope around one application.
#[derive(Serialize, ToSchema)]
pub struct AppEnvelopeV1 {
    success: bool,
    data: AppV1,
    message: String,
}

/// A v1 success envelope around a new application and its secret.
#[derive(Serialize, ToSchema)]
pub struct CreatedEnvelopeV1 {
    success: bool,
    data: AppV1WithSecret,
    message: String,
}

/// A v1 success envelope around an updated application.
#[derive(Serialize, ToSchema)]
pub struct UpdatedEnvelopeV1 {
    success: bool,
    data: AppV1WithMessage,
    message: String,
}

/// A v1 success envelope around a new secret.
#[derive(Serialize, ToSchema)]
pub struct RegeneratedEnvelopeV1 {
    success: bool,
    data: RegeneratedSecretV1,
    message: String,
}

/// A v1 page of applications.
#[derive(Serialize, ToSchema)]
pub struct ListEnvelopeV1 {
    success: bool,
    data: Vec<AppV1>,
    message: String,
    pagination: PaginationV1,
}

/// One v1 audit entry.
#[derive(Serialize, ToSchema)]
pub struct AuditEntryV1 {
    id: i64,
    action: String,
    actor: String,
    /// The service's id of the request that did it.
    request_id: Option<String>,
    /// The id the client gave that request in `X-Request-Id`, when usable.
    client_request_id: Option<String>,
    changed_fields: Vec<String>,
    at: String,
}

/// A v1 page of an audit trail.
#[derive(Serialize, ToSchema)]
pub struct EventsEnvelopeV1 {
    success: bool,
    data: Vec<AuditEntryV1>,
    next_cursor: Option<String>,
    message: String,
}

/// The error part of a v1 error envelope.
#[derive(Serialize, ToSchema)]
pub struct ErrorDetailV1 {
    /// `bad_request`, `unauthorized`, `forbidden`, `not_found`, `conflict`,
    /// `precondition_failed`, `validation_error`, `unsupported_media_type`,
    /// `request_timeout`, `payload_too_large`, `rate_limited`, `service_unavailable`, `internal_error`.
    code: String,
    details: Option<Vec<FieldError>>,
}

/// A v1 error envelope.
#[derive(Serialize, ToSchema)]
pub struct ErrorEnvelopeV1 {
    success: bool,
    message: String,
    error: ErrorDetailV1,
}

/// `/healthz` and `/readyz` answers.
#[derive(Serialize, ToSchema)]
pub struct Health {
    status: String,
}

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
    }
}

/// The document.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "oauth-apps",
        description = "Registers and manages OAuth 2.0 client applications. Two surfaces serve one \
                       resource: the flat surface (camelCase, RFC 9457 problems) and the v1 \
                       surface (snake_case, envelopes).",
    ),
    paths(
        crate::flat::create,
        crate::flat::list,
        crate::flat::get,
        crate::flat::patch,
        crate::flat::disable,
        crate::flat::enable,
        crate::flat::rotate_secret,
        crate::flat::revoke_previous_secret,
        crate::flat::authenticate_client,
        crate::flat::events,
        crate::v1::list,
        crate::v1::create,
        crate::v1::get,
        crate::v1::patch,
        crate::v1::revoke,
        crate::v1::regenerate_secret,
        crate::v1::events,
        crate::healthz,
        crate::readyz,
        crate::render_metrics,
    ),
    components(schemas(
        App, AppPage, AppWithSecret, AppV1, AppTypeName, AccessLevelName, GrantTypeName,
        StatusName, CreateApp, crate::flat::AuditEntry, crate::flat::AuditPage, AuditEntryV1,
        EventsEnvelopeV1, PatchApp, RotateSecret,
        ClientCredentials, ClientAuthenticationResult, Success, FieldError, Problem,
        CreateAppV1, PatchAppV1, RegenerateSecretV1, AppV1WithSecret, AppV1WithMessage,
        RegeneratedSecretV1, PaginationV1, AppEnvelopeV1, CreatedEnvelopeV1, UpdatedEnvelopeV1,
        RegeneratedEnvelopeV1, ListEnvelopeV1, ErrorDetailV1, ErrorEnvelopeV1, Health,
    )),
    modifiers(&BearerAuth),
    security(("bearer" = [])),
)]
pub struct ApiDoc;

/// The document as JSON.
#[must_use]
pub fn document() -> serde_json::Value {
    let mut doc = serde_json::to_value(ApiDoc::openapi()).unwrap_or_default();
    fix_link_names(&mut doc);
    doc
}

/// utoipa 5 writes a response link's fields in snake case (`operation_id`); OpenAPI
/// names them in camel case (`operationId`, `operationRef`, `requestBody`).
fn fix_link_names(doc: &mut serde_json::Value) {
    let Some(paths) = doc.get_mut("paths").and_then(|p| p.as_object_mut()) else {
        return;
    };
    let operations = paths
        .values_mut()
        .filter_map(|item| item.as_object_mut())
        .flat_map(|item| item.values_mut());
    for operation in operations {
        let Some(responses) = operation
            .get_mut("responses")
            .and_then(|r| r.as_object_mut())
        else {
            continue;
        };
        let links = responses
            .values_mut()
            .filter_map(|r| r.get_mut("links"))
            .filter_map(|l| l.as_object_mut())
            .flat_map(|l| l.values_mut())
            .filter_map(|link| link.as_object_mut());
        for link in links {
            for (from, to) in [
                ("operation_id", "operationId"),
                ("operation_ref", "operationRef"),
                ("request_body", "requestBody"),
            ] {
                if let Some(value) = link.remove(from) {
                    link.insert(to.to_owned(), value);
                }
            }
        }
    }
}

pub(crate) async fn openapi_json() -> HttpResponse {
    // Built once: the document never changes while the process runs.
    static JSON: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HttpResponse::Ok()
        .content_type("application/json")
        .body(JSON.get_or_init(|| document().to_string()).as_str())
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn schema_name(v: &serde_json::Value) -> String {
    v.pointer("/content/application~1json/schema/$ref")
        .or_else(|| v.pointer("/content/application~1problem+json/schema/$ref"))
        .and_then(|r| r.as_str())
        .and_then(|r| r.rsplit('/').next())
        .unwrap_or("")
        .to_owned()
}

/// The `/docs` page: every operation with its parameters, body and answers, and every
/// schema, rendered from [`document`].
#[must_use]
pub fn docs_html() -> String {
    let doc = document();
    let mut out = String::from(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <title>oauth-apps API</title><style>\
         body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}\
         code{background:#f3f3f3;padding:0 .2rem}section{border-top:1px solid #ddd;padding:.5rem 0}\
         .m{font-weight:bold;text-transform:uppercase;display:inline-block;width:4.5rem}\
         td,th{text-align:left;padding:.1rem .6rem .1rem 0;vertical-align:top}</style></head><body>",
    );
    let info = &doc["info"];
    let _ = write!(
        out,
        "<h1>{}</h1><p>{}</p><p>Machine-readable: <a href=\"/openapi.json\">/openapi.json</a> \
         (OpenAPI {}).</p>",
        escape(info["title"].as_str().unwrap_or("")),
        escape(info["description"].as_str().unwrap_or("")),
        escape(doc["openapi"].as_str().unwrap_or("")),
    );
    out.push_str("<h2>Operations</h2>");
    if let Some(paths) = doc["paths"].as_object() {
        for (path, item) in paths {
            let Some(ops) = item.as_object() else {
                continue;
            };
            for (method, op) in ops {
                let _ = write!(
                    out,
                    "<section><div><span class=\"m\">{}</span><code>{}</code></div><p>{}</p>",
                    escape(method),
                    escape(path),
                    escape(op["summary"].as_str().unwrap_or("")),
                );
                if let Some(body) = op.get("requestBody") {
                    let _ = write!(
                        out,
                        "<p>Body: <code>{}</code></p>",
                        escape(&schema_name(body))
                    );
                }
                if let Some(responses) = op["responses"].as_object() {
                    out.push_str("<table>");
                    for (status, r) in responses {
                        let _ = write!(
                            out,
                            "<tr><td>{}</td><td>{}</td><td><code>{}</code></td></tr>",
                            escape(status),
                            escape(r["description"].as_str().unwrap_or("")),
                            escape(&schema_name(r)),
                        );
                    }
                    out.push_str("</table>");
                }
                out.push_str("</section>");
            }
        }
    }
    out.push_str("<h2>Schemas</h2>");
    if let Some(schemas) = doc
        .pointer("/components/schemas")
        .and_then(|s| s.as_object())
    {
        for (name, schema) in schemas {
            let _ = write!(out, "<section><h3 id=\"{0}\">{0}</h3><table>", escape(name));
            if let Some(props) = schema["properties"].as_object() {
                for (prop, def) in props {
                    let kind = def["type"].to_string().replace('"', "");
                    let kind = if kind == "null" {
                        def["$ref"]
                            .as_str()
                            .unwrap_or("")
                            .rsplit('/')
                            .next()
                            .unwrap_or("")
                            .to_owned()
                    } else {
                        kind
                    };
                    let _ = write!(
                        out,
                        "<tr><td><code>{}</code></td><td>{}</td></tr>",
                        escape(prop),
                        escape(&kind)
                    );
                }
            }
            out.push_str("</table></section>");
        }
    }
    out.push_str("</body></html>");
    out
}

pub(crate) async fn docs_page() -> HttpResponse {
    static HTML: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(HTML.get_or_init(docs_html).as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_document_is_openapi_3_1_with_every_path() {
        let doc = document();
        assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
        let paths = doc["paths"].as_object().unwrap();
        for path in [
            "/api/oauth-applications",
            "/api/oauth-applications/{clientId}",
            "/api/oauth-applications/{clientId}/enable",
            "/api/oauth-applications/{clientId}/rotate-secret",
            "/api/oauth-applications/{clientId}/revoke-previous-secret",
            "/api/client-authentication",
            "/api/v1/organizations/{org_id}/oauth-applications",
            "/api/v1/organizations/{org_id}/oauth-applications/{app_id}",
            "/api/v1/organizations/{org_id}/oauth-applications/{app_id}/regenerate-secret",
            "/api/oauth-applications/{clientId}/events",
            "/api/v1/organizations/{org_id}/oauth-applications/{app_id}/events",
            "/healthz",
            "/readyz",
            "/metrics",
        ] {
            assert!(paths.contains_key(path), "{path} is missing");
        }
        assert!(doc.pointer("/components/schemas/Problem").is_some());
        assert!(doc.pointer("/components/securitySchemes/bearer").is_some());
    }

    #[test]
    fn response_links_name_existing_operations_in_camel_case() {
        let doc = document();
        let operation_ids: Vec<&str> = doc["paths"]
            .as_object()
            .unwrap()
            .values()
            .flat_map(|item| item.as_object().unwrap().values())
            .filter_map(|op| op["operationId"].as_str())
            .collect();
        let created = &doc["paths"]["/api/v1/organizations/{org_id}/oauth-applications"]["post"]["responses"]
            ["201"]["links"];
        let links = created.as_object().unwrap();
        assert_eq!(links.len(), 5);
        for link in links.values() {
            assert!(link.get("operation_id").is_none(), "{link}");
            let target = link["operationId"].as_str().unwrap();
            assert!(operation_ids.contains(&target), "{target}");
            assert_eq!(link["parameters"]["app_id"], "$response.body#/data/id");
        }
    }

    #[test]
    fn the_docs_page_renders_the_document_without_external_assets() {
        let html = docs_html();
        assert!(html.contains("/api/v1/organizations/{org_id}/oauth-applications/{app_id}"));
        assert!(html.contains("AppV1"));
        assert!(!html.contains("<script"));
        assert!(!html.contains("https://"));
    }
}

/// The error answers of the flat surface (RFC 9457 problems).
#[allow(dead_code)]
#[derive(utoipa::IntoResponses)]
pub enum FlatErrors {
    /// Malformed JSON, a wrong type, a missing or unknown field (each named).
    #[response(status = 400, content_type = "application/problem+json")]
    BadRequest(Problem),
    /// No token, or a token that is not valid.
    #[response(status = 401, content_type = "application/problem+json")]
    Unauthorized(Problem),
    /// The caller may not do this.
    #[response(status = 403, content_type = "application/problem+json")]
    Forbidden(Problem),
    /// No such application for this caller.
    #[response(status = 404, content_type = "application/problem+json")]
    NotFound(Problem),
    /// The application's state forbids it (a disabled application's secret).
    #[response(status = 409, content_type = "application/problem+json")]
    Conflict(Problem),
    /// `If-Match` names no current version (a stale, weak or foreign entity tag).
    #[response(status = 412, content_type = "application/problem+json")]
    PreconditionFailed(Problem),
    /// The body was not received within the body time-out.
    #[response(status = 408, content_type = "application/problem+json")]
    RequestTimeout(Problem),
    /// The body is over 64 KiB.
    #[response(status = 413, content_type = "application/problem+json")]
    PayloadTooLarge(Problem),
    /// The body is not `application/json`.
    #[response(status = 415, content_type = "application/problem+json")]
    UnsupportedMediaType(Problem),
    /// A value breaks a rule (every field named).
    #[response(status = 422, content_type = "application/problem+json")]
    Unprocessable(Problem),
    /// The caller is over its rate limit; retry after `Retry-After`.
    #[response(status = 429, content_type = "application/problem+json")]
    TooManyRequests(Problem),
    /// A dependency is unavailable; retry after `Retry-After`.
    #[response(status = 503, content_type = "application/problem+json")]
    Unavailable(Problem),
}

/// The error answers of the v1 surface (error envelopes).
#[allow(dead_code)]
#[derive(utoipa::IntoResponses)]
pub enum V1Errors {
    /// Malformed JSON, a wrong type, a missing or unknown field, a non-integer `app_id`.
    #[response(status = 400)]
    BadRequest(ErrorEnvelopeV1),
    /// No token, or a token that is not valid.
    #[response(status = 401)]
    Unauthorized(ErrorEnvelopeV1),
    /// The caller may not do this.
    #[response(status = 403)]
    Forbidden(ErrorEnvelopeV1),
    /// No such application in this organisation for this caller.
    #[response(status = 404)]
    NotFound(ErrorEnvelopeV1),
    /// The application's state forbids it (a revoked application's secret).
    #[response(status = 409)]
    Conflict(ErrorEnvelopeV1),
    /// `If-Match` names no current version (a stale, weak or foreign entity tag).
    #[response(status = 412)]
    PreconditionFailed(ErrorEnvelopeV1),
    /// The body was not received within the body time-out.
    #[response(status = 408)]
    RequestTimeout(ErrorEnvelopeV1),
    /// The body is over 64 KiB.
    #[response(status = 413)]
    PayloadTooLarge(ErrorEnvelopeV1),
    /// The body is not `application/json`.
    #[response(status = 415)]
    UnsupportedMediaType(ErrorEnvelopeV1),
    /// A value breaks a rule (every field named).
    #[response(status = 422)]
    Unprocessable(ErrorEnvelopeV1),
    /// The caller is over its rate limit; retry after `Retry-After`.
    #[response(status = 429)]
    TooManyRequests(ErrorEnvelopeV1),
    /// A dependency is unavailable; retry after `Retry-After`.
    #[response(status = 503)]
    Unavailable(ErrorEnvelopeV1),
}
