//! The OpenAPI 3.1 document of both surfaces. It gathers the handlers' annotations,
//! whose request and answer types are the very types the handlers read and write, and adds
//! what annotations cannot say compactly: the error answers each operation can give, in its
//! surface's shape and with their headers. `/docs` renders it (plain HTML, no script, no
//! external asset).

use std::fmt::Write as _;

use actix_web::HttpResponse;
use serde_json::Value;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::apps_api::change_notice::WebhookPayload;
use crate::apps_api::dto::ProblemDetails;
use crate::org_api::dto::ErrorEnvelope;

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

/// The document, as the annotations make it.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "oauth-apps",
        description = "Registers and manages OAuth 2.0 client applications. Two surfaces serve one \
                       resource: the flat surface (camelCase, RFC 9457 problems) and the v1 \
                       surface (snake_case, envelopes).",
    ),
    servers((url = "/", description = "This server")),
    paths(
        crate::apps_api::handlers::create,
        crate::apps_api::handlers::list,
        crate::apps_api::handlers::get,
        crate::apps_api::handlers::patch,
        crate::apps_api::handlers::disable,
        crate::apps_api::handlers::enable,
        crate::apps_api::handlers::rotate_secret,
        crate::apps_api::handlers::rotate_keys,
        crate::apps_api::handlers::revoke_previous_secret,
        crate::apps_api::handlers::authenticate_client,
        crate::apps_api::handlers::events,
        crate::apps_api::client_metadata::resolve,
        crate::apps_api::server_metadata::get,
        crate::apps_api::feed::feed,
        crate::apps_api::tokens::mint,
        crate::apps_api::tokens::list,
        crate::apps_api::tokens::revoke,
        crate::apps_api::org_policy::get,
        crate::apps_api::org_policy::put,
        crate::apps_api::org_policy::violations,
        crate::apps_api::secret_scanning::report,
        crate::apps_api::webhooks::create,
        crate::apps_api::webhooks::list,
        crate::apps_api::webhooks::get,
        crate::apps_api::webhooks::patch,
        crate::apps_api::webhooks::delete,
        crate::apps_api::webhooks::rotate_secret,
        crate::apps_api::webhooks::deliveries,
        crate::registration::register,
        crate::registration::read,
        crate::registration::replace,
        crate::registration::delete,
        crate::org_api::handlers::list,
        crate::org_api::handlers::create,
        crate::org_api::handlers::get,
        crate::org_api::handlers::patch,
        crate::org_api::handlers::revoke,
        crate::org_api::handlers::regenerate_secret,
        crate::org_api::handlers::rotate_keys,
        crate::org_api::handlers::events,
        crate::ops::healthz,
        crate::ops::readyz,
        crate::ops::metrics,
    ),
    components(schemas(ProblemDetails, ErrorEnvelope, WebhookPayload)),
    tags(
        (name = "flat", description = "Surface A: `/api/oauth-applications`, camelCase, RFC 9457 problems."),
        (name = "v1", description = "Surface B: `/api/v1/organizations/{org_id}/oauth-applications`, snake_case, envelopes."),
        (name = "registration", description = "RFC 7591 dynamic client registration, with an initial access token, and RFC 7592 management of it, with the registration access token; the RFC 8414 metadata members an authorization server publishes for them."),
        (name = "operations", description = "Health, readiness and metrics, without a token."),
    ),
    modifiers(&BearerAuth, &ErrorAnswers),
    security(("bearer" = [])),
)]
pub struct ApiDoc;

/// The error statuses each operation can answer (besides an unexpected 500), in its
/// surface's shape: `flat_*` operations with RFC 9457 problems, `v1_*` with envelopes.
const ERRORS: &[(&str, &[u16])] = &[
    (
        "flat_create",
        &[400, 401, 403, 408, 409, 413, 415, 422, 429, 503],
    ),
    ("flat_list", &[400, 401, 404, 422, 503]),
    ("flat_get", &[401, 404, 503]),
    (
        "flat_patch",
        &[400, 401, 403, 404, 408, 409, 412, 413, 415, 422, 429, 503],
    ),
    ("flat_disable", &[401, 403, 404, 409, 429, 503]),
    ("flat_enable", &[401, 403, 404, 409, 429, 503]),
    (
        "flat_rotate_secret",
        &[400, 401, 403, 404, 408, 409, 413, 415, 422, 429, 503],
    ),
    (
        "flat_rotate_keys",
        &[400, 401, 403, 404, 408, 409, 413, 415, 422, 429, 503],
    ),
    (
        "flat_revoke_previous_secret",
        &[401, 403, 404, 409, 429, 503],
    ),
    (
        "flat_authenticate_client",
        &[400, 401, 403, 408, 413, 415, 429, 503],
    ),
    ("flat_events", &[400, 401, 403, 404, 422, 503]),
    ("flat_resolve_client_metadata", &[400, 401, 403, 422, 503]),
    ("flat_feed", &[400, 401, 403, 404, 422, 503]),
    (
        "flat_mint_initial_access_token",
        &[400, 401, 403, 408, 413, 415, 422, 429, 503],
    ),
    (
        "flat_list_initial_access_tokens",
        &[400, 401, 403, 404, 422, 503],
    ),
    (
        "flat_revoke_initial_access_token",
        &[401, 403, 404, 429, 503],
    ),
    (
        "flat_create_webhook",
        &[400, 401, 403, 404, 408, 409, 413, 415, 422, 429, 503],
    ),
    ("flat_list_webhooks", &[400, 401, 403, 404, 422, 503]),
    ("flat_get_webhook", &[401, 403, 404, 503]),
    (
        "flat_patch_webhook",
        &[400, 401, 403, 404, 408, 409, 412, 413, 415, 422, 429, 503],
    ),
    ("flat_delete_webhook", &[401, 403, 404, 429, 503]),
    (
        "flat_rotate_webhook_secret",
        &[401, 403, 404, 409, 429, 503],
    ),
    ("flat_webhook_deliveries", &[400, 401, 403, 404, 422, 503]),
    ("flat_get_policy", &[401, 404, 422, 503]),
    ("flat_policy_violations", &[400, 401, 404, 422, 503]),
    (
        "flat_put_policy",
        &[400, 401, 403, 404, 408, 413, 415, 422, 429, 503],
    ),
    ("flat_secret_scanning_report", &[400, 401, 408, 413, 503]),
    ("v1_list", &[400, 401, 404, 422, 503]),
    (
        "v1_create",
        &[400, 401, 403, 404, 408, 409, 413, 415, 422, 429, 503],
    ),
    ("v1_get", &[400, 401, 404, 503]),
    (
        "v1_patch",
        &[400, 401, 403, 404, 408, 409, 412, 413, 415, 422, 429, 503],
    ),
    ("v1_revoke", &[400, 401, 403, 404, 409, 429, 503]),
    (
        "v1_regenerate_secret",
        &[400, 401, 403, 404, 408, 409, 413, 415, 422, 429, 503],
    ),
    (
        "v1_rotate_keys",
        &[400, 401, 403, 404, 408, 409, 413, 415, 422, 429, 503],
    ),
    ("v1_events", &[400, 401, 403, 404, 422, 503]),
];

/// Operations that take an `Idempotency-Key` (crate::idempotency).
const IDEMPOTENT: &[&str] = &[
    "flat_create",
    "flat_rotate_secret",
    "flat_rotate_keys",
    "v1_create",
    "v1_regenerate_secret",
    "v1_rotate_keys",
];

/// The `Idempotency-Key` header parameter (draft-ietf-httpapi-idempotency-key-header).
fn idempotency_key() -> utoipa::openapi::path::Parameter {
    use utoipa::openapi::path::{ParameterBuilder, ParameterIn};
    use utoipa::openapi::{ObjectBuilder, Required, Type};
    ParameterBuilder::new()
        .name("Idempotency-Key")
        .parameter_in(ParameterIn::Header)
        .required(Required::False)
        .description(Some(
            "A key of the caller's choosing (draft-ietf-httpapi-idempotency-key-header): a \
             retry with the same key and the same request within 24 hours gets the first \
             answer again (`Idempotent-Replayed: true`), secret included, instead of running \
             twice. The same key with another request: 422; while the first is still \
             running: 409. A Structured Field String (`\"8e03978e-...\"`) or a bare value of \
             1-255 visible ASCII characters.",
        ))
        .schema(Some(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .min_length(Some(1))
                .max_length(Some(257))
                .pattern(Some("^[!-~]([ -~]*[!-~])?$")),
        ))
        .build()
}

/// Operations whose body may be left out.
const OPTIONAL_BODIES: &[&str] = &["flat_rotate_secret", "v1_regenerate_secret"];

/// What an error status means, for its description.
const fn meaning(status: u16) -> &'static str {
    match status {
        400 => {
            "Malformed JSON, a wrong type, a missing or unknown field, or a bad parameter (each named)."
        }
        401 => "No token, or a token that is not valid.",
        403 => "The caller may not do this.",
        404 => "No such application, webhook or token (or organisation) for this caller.",
        408 => "The body was not received within the body time-out.",
        409 => {
            "The resource's state forbids it (a disabled application's secret, an organisation \
             at its webhook limit), other writers kept winning, or a request with the same \
             `Idempotency-Key` is still being processed."
        }
        412 => "`If-Match` names no current version.",
        413 => "The body is over 64 KiB.",
        415 => "The body is not `application/json`.",
        422 => "A value breaks a rule (every field named).",
        429 => "The caller is over its rate limit; retry after `Retry-After`.",
        503 => "A dependency is unavailable or saturated; retry after `Retry-After`.",
        _ => "An error.",
    }
}

/// The reusable error answers, one per surface and status, with their headers; and on
/// each operation, the error answers it can give and whether its body is optional.
struct ErrorAnswers;

impl Modify for ErrorAnswers {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{
            ContentBuilder, Ref, RefOr, Required, ResponseBuilder, header::HeaderBuilder,
        };
        let components = openapi.components.get_or_insert_with(Default::default);
        let statuses: std::collections::BTreeSet<u16> =
            ERRORS.iter().flat_map(|(_, s)| s.iter().copied()).collect();
        for (surface, content_type, schema) in [
            ("Flat", "application/problem+json", "ProblemDetails"),
            ("V1", "application/json", "ErrorEnvelope"),
        ] {
            for &status in &statuses {
                let mut response = ResponseBuilder::new().description(meaning(status)).content(
                    content_type,
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name(schema)))
                        .build(),
                );
                let header = match status {
                    401 => Some((
                        "WWW-Authenticate",
                        "`Bearer`, or `Bearer error=\"invalid_token\"` (RFC 6750)",
                    )),
                    429 | 503 => Some(("Retry-After", "Seconds to wait before retrying")),
                    _ => None,
                };
                if let Some((name, description)) = header {
                    response = response.header(
                        name,
                        HeaderBuilder::new().description(Some(description)).build(),
                    );
                }
                components
                    .responses
                    .insert(format!("{surface}{status}"), RefOr::T(response.build()));
            }
        }
        for item in openapi.paths.paths.values_mut() {
            for operation in [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
            ]
            .into_iter()
            .flatten()
            {
                let id = operation.operation_id.clone().unwrap_or_default();
                if let Some((_, statuses)) = ERRORS.iter().find(|(op, _)| *op == id) {
                    let surface = if id.starts_with("v1_") { "V1" } else { "Flat" };
                    for status in *statuses {
                        operation.responses.responses.insert(
                            status.to_string(),
                            RefOr::Ref(Ref::from_response_name(format!("{surface}{status}"))),
                        );
                    }
                }
                if IDEMPOTENT.contains(&id.as_str()) {
                    operation
                        .parameters
                        .get_or_insert_with(Vec::new)
                        .push(idempotency_key());
                }
                if OPTIONAL_BODIES.contains(&id.as_str())
                    && let Some(body) = operation.request_body.as_mut()
                {
                    body.required = Some(Required::False);
                }
            }
        }
    }
}

/// The document as JSON.
#[must_use]
pub fn document() -> Value {
    let mut doc = serde_json::to_value(ApiDoc::openapi()).unwrap_or_default();
    fix_link_names(&mut doc);
    if let Some(root) = doc.as_object_mut() {
        root.insert("webhooks".to_owned(), webhooks());
    }
    doc
}

/// The document's `webhooks` (OpenAPI 3.1 §4.8.1): what this service sends to a webhook's
/// URL, signed as Standard Webhooks says. utoipa 5 has no field for it, so it is added
/// here, around the payload type the dispatcher writes every delivery with.
fn webhooks() -> Value {
    let header = |name: &str, description: &str| {
        serde_json::json!({
            "name": name, "in": "header", "required": true,
            "description": description, "schema": {"type": "string"},
        })
    };
    serde_json::json!({
        "change": {
            "post": {
                "operationId": "webhook_change",
                "summary": "An application changed",
                "description": "One change to one of the organisation's applications, of an \
                    event type the webhook hears. The same change is the change feed's entry \
                    at `data.position` and the application's audit event of that id. \
                    Deliveries are retried with backoff until a 2xx answer; a receiver \
                    tells them apart by `webhook-id`.",
                "tags": ["flat"],
                "security": [],
                "parameters": [
                    header("webhook-id", "The delivery's id: the same on every attempt."),
                    header("webhook-timestamp", "When this attempt was signed, in seconds since the epoch."),
                    header("webhook-signature", "`v1,` and the base64 HMAC-SHA256 of `id.timestamp.body` with the webhook's secret."),
                ],
                "requestBody": {
                    "required": true,
                    "content": {"application/json": {
                        "schema": {"$ref": "#/components/schemas/WebhookPayload"},
                    }},
                },
                "responses": {
                    "2XX": {"description": "Received: the delivery is done."},
                    "default": {"description": "Not received: the delivery is retried later."},
                },
            },
        },
    })
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
        .or_else(|| v.get("$ref"))
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
            "/api/oauth-applications/{clientId}/rotate-keys",
            "/api/oauth-applications/{clientId}/revoke-previous-secret",
            "/api/client-authentication",
            "/api/authorization-server-metadata",
            "/api/v1/organizations/{org_id}/oauth-applications",
            "/api/v1/organizations/{org_id}/oauth-applications/{app_id}",
            "/api/v1/organizations/{org_id}/oauth-applications/{app_id}/regenerate-secret",
            "/api/v1/organizations/{org_id}/oauth-applications/{app_id}/rotate-keys",
            "/api/oauth-applications/{clientId}/events",
            "/api/v1/organizations/{org_id}/oauth-applications/{app_id}/events",
            "/healthz",
            "/readyz",
            "/metrics",
        ] {
            assert!(paths.contains_key(path), "{path} is missing");
        }
        assert!(doc.pointer("/components/schemas/ProblemDetails").is_some());
        assert!(doc.pointer("/components/securitySchemes/bearer").is_some());
    }

    #[test]
    fn every_operation_of_both_surfaces_declares_its_error_statuses() {
        let doc = document();
        let operation_ids: Vec<&str> = doc["paths"]
            .as_object()
            .unwrap()
            .values()
            .flat_map(|item| item.as_object().unwrap().values())
            .filter_map(|op| op["operationId"].as_str())
            .filter(|id| id.starts_with("flat_") || id.starts_with("v1_"))
            .collect();
        for id in &operation_ids {
            assert!(
                ERRORS.iter().any(|(op, _)| op == id),
                "{id} declares no error statuses"
            );
        }
        for (op, _) in ERRORS {
            assert!(operation_ids.contains(op), "{op} is not an operation");
        }
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

    /// The webhook a receiver gets is declared with the payload the dispatcher writes, and
    /// every event type a delivery can carry is in its schema.
    #[test]
    fn the_document_declares_the_webhook_deliveries() {
        let doc = document();
        let post = &doc["webhooks"]["change"]["post"];
        let schema = post
            .pointer("/requestBody/content/application~1json/schema/$ref")
            .and_then(Value::as_str)
            .unwrap();
        assert_eq!(schema, "#/components/schemas/WebhookPayload");
        let payload = doc.pointer("/components/schemas/WebhookPayload").unwrap();
        assert!(payload["properties"]["data"].is_object(), "{payload}");
        let types = doc
            .pointer("/components/schemas/EventTypeName/enum")
            .and_then(Value::as_array)
            .unwrap();
        for action in oauth_apps_domain::AuditAction::ALL {
            let name = oauth_apps_domain::EventType::of(action).as_str();
            assert!(types.iter().any(|t| t == name), "{name} in {types:?}");
        }
        let headers: Vec<&str> = post["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|p| p["name"].as_str())
            .collect();
        assert_eq!(
            headers,
            ["webhook-id", "webhook-timestamp", "webhook-signature"]
        );
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
