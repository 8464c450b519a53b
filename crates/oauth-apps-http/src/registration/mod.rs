//! RFC 7591 dynamic client registration at `POST /register`, and RFC 7592 management of
//! such a registration at `/register/{client_id}`: a client presents an initial access
//! token (RFC 7591 §3, as a bearer token, RFC 6750 §2.1) and its metadata, is registered
//! into the token's organisation, and gets a registration access token with which it reads,
//! replaces and deletes its registration. The wire is the RFCs': snake_case metadata (§2),
//! the client information response (RFC 7591 §3.2.1, RFC 7592 §3) and the error response
//! (RFC 7591 §3.2.2), not either management surface's shapes.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpMessage, HttpRequest, HttpResponse, web};
use oauth_apps_domain::{
    ErrorKind, Field, ManageRegistrationError, OAuthApplication, OrgRole, Principal, RegisterError,
    RequestedClient, SelfRegistrationAllowance, StatementRefusal, ValidationErrors,
    describe_metadata_errors, requested_client,
};
use serde::Serialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

use crate::json::declares_json;
use crate::request::{RequestId, bearer_token, no_store};
use crate::state::AppState;
mod client_information;

use client_information::information;
pub use client_information::{ClientInformation, ClientMetadata};

/// An error response (RFC 7591 §3.2.2; RFC 6750 §3 for the token).
#[derive(Debug, Serialize, ToSchema)]
pub struct RegistrationError {
    /// `invalid_redirect_uri`, `invalid_client_metadata`, `invalid_request` or
    /// `invalid_token`.
    error: &'static str,
    /// What is wrong, naming the metadata.
    error_description: String,
}

fn error(status: StatusCode, error: &'static str, description: String) -> HttpResponse {
    no_store(HttpResponse::build(status).json(RegistrationError {
        error,
        error_description: description,
    }))
}

/// 401 with the challenge of RFC 6750 §3.1: a missing, unknown, expired, used-up or revoked
/// initial access token, all alike.
fn invalid_token() -> HttpResponse {
    challenge("a valid initial access token is required")
}

/// 401 with the challenge of RFC 6750 §3.1 for a registration access token (RFC 7592 §2.1):
/// unknown client, another client's token, a deleted registration, all alike.
fn invalid_registration_token() -> HttpResponse {
    challenge("a valid registration access token for this client is required")
}

fn challenge(description: &'static str) -> HttpResponse {
    let mut response = error(
        StatusCode::UNAUTHORIZED,
        "invalid_token",
        description.to_owned(),
    );
    if let Ok(value) = header::HeaderValue::from_str(&format!(
        "Bearer error=\"invalid_token\", error_description=\"{description}\""
    )) {
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, value);
    }
    response
}

fn invalid_request(description: impl Into<String>) -> HttpResponse {
    error(
        StatusCode::BAD_REQUEST,
        "invalid_request",
        description.into(),
    )
}

fn unavailable(e: &dyn std::fmt::Display) -> HttpResponse {
    tracing::warn!(error = %e, "registration failed");
    error(
        StatusCode::SERVICE_UNAVAILABLE,
        "temporarily_unavailable",
        "the service is temporarily unavailable".to_owned(),
    )
}

fn server_error(e: &dyn std::fmt::Display) -> HttpResponse {
    tracing::error!(error = %e, "registration failed");
    error(
        StatusCode::INTERNAL_SERVER_ERROR,
        "server_error",
        "the registration failed".to_owned(),
    )
}

/// §3.2.2: `invalid_redirect_uri` when a redirect URI is at fault, else
/// `invalid_client_metadata`; the description names every broken rule by its metadata
/// member, and the value when the rule is about one (a value the organisation does not
/// let clients that register themselves have).
fn invalid(errors: &ValidationErrors) -> HttpResponse {
    let code = if errors.concerns(Field::RedirectUrls) {
        "invalid_redirect_uri"
    } else {
        "invalid_client_metadata"
    };
    error(
        StatusCode::BAD_REQUEST,
        code,
        describe_metadata_errors(errors),
    )
}

/// 415: RFC 7591 §3.1 sends the metadata as `application/json`, and nothing else is read
/// (a cross-site form's `text/plain` or form-encoded body included).
fn not_json() -> HttpResponse {
    error(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "invalid_request",
        "the body must be application/json (RFC 7591 §3.1)".to_owned(),
    )
}

fn bad_metadata(description: impl Into<String>) -> HttpResponse {
    error(
        StatusCode::BAD_REQUEST,
        "invalid_client_metadata",
        description.into(),
    )
}

/// A request's metadata: the registration it asks for, the client's descriptive metadata,
/// and what a replacement (RFC 7592 §2.2) must be checked for.
struct Requested {
    requested: RequestedClient,
    client_id: Option<String>,
    client_secret: Option<String>,
    /// The first server-issued member the body holds, which a replacement must not.
    server_issued: Option<&'static str>,
}

/// The members the server issues, which a replacement must not hold (RFC 7592 §2.2).
const SERVER_ISSUED: [&str; 4] = [
    "registration_access_token",
    "registration_client_uri",
    "client_secret_expires_at",
    "client_id_issued_at",
];

/// The body as a JSON object of client metadata.
fn metadata_object(body: &[u8]) -> Result<Map<String, Value>, String> {
    const NOT_AN_OBJECT: &str = "the body must be a JSON object of client metadata";
    match serde_json::from_slice(body) {
        Ok(Value::Object(object)) => Ok(object),
        _ => Err(NOT_AN_OBJECT.to_owned()),
    }
}

/// The registration `object` asks for, in the organisation `org`; or, for metadata whose
/// members have the wrong JSON types or are inconsistent (§2.1), what is wrong.
fn registration(org: &str, object: &Map<String, Value>) -> Result<Requested, String> {
    let server_issued = SERVER_ISSUED
        .into_iter()
        .find(|name| object.contains_key(*name));
    let text = |name: &str| object.get(name).and_then(Value::as_str).map(str::to_owned);
    let requested = requested_client(org, object).map_err(|e| e.0)?;
    Ok(Requested {
        requested,
        client_id: text("client_id"),
        client_secret: text("client_secret"),
        server_issued,
    })
}

/// The client's configuration endpoint (RFC 7592 §3): under the registry's own base URL,
/// never one a request names.
fn client_uri(state: &AppState, app: &OAuthApplication) -> String {
    format!(
        "{}/register/{}",
        state.registration.public_url,
        app.client_id()
    )
}

/// A §3.2.2 error code and its description.
type StatementError = (&'static str, String);

/// The body with the claims of its software statement over its own members (RFC 7591
/// §2.3, §3.1.1), and the statement to echo; or the §3.2.2 error code and description.
fn with_statement(
    state: &AppState,
    mut object: Map<String, Value>,
) -> Result<(Map<String, Value>, Option<String>), StatementError> {
    let statement = match object.get("software_statement") {
        None | Some(Value::Null) => return Ok((object, None)),
        Some(Value::String(statement)) => statement.clone(),
        Some(_) => {
            return Err((
                "invalid_software_statement",
                "software_statement must be a string (a JWT)".to_owned(),
            ));
        }
    };
    let Some(verifier) = &state.registration.software_statements else {
        return Err((
            "unapproved_software_statement",
            "this registry accepts no software statements".to_owned(),
        ));
    };
    let claims = verifier
        .verify(&statement)
        .map_err(|refusal| match refusal {
            StatementRefusal::Unapproved(why) => ("unapproved_software_statement", why),
            other => ("invalid_software_statement", other.to_string()),
        })?;
    for (name, value) in claims {
        object.insert(name, value);
    }
    Ok((object, Some(statement)))
}

/// Registers a client (RFC 7591 §3.1) into the organisation of the initial access token
/// it presents. The metadata is checked before the token's use is spent; a token's last
/// use registers one client however many ask at once.
#[utoipa::path(
    post, path = "/register", operation_id = "register_client", tag = "registration",
    request_body = ClientMetadata,
    responses(
        (status = 201, description = "Registered (RFC 7591 §3.2.1); a secret is shown here only", body = ClientInformation),
        (status = 400, description = "The metadata breaks a rule, or asks for what the organisation does not let clients that register themselves have (RFC 7591 §3.2.2)", body = RegistrationError),
        (status = 415, description = "The body is not application/json (RFC 7591 §3.1)", body = RegistrationError),
        (status = 429, description = "Open registration: too many from this address", body = RegistrationError, headers(
            ("Retry-After" = String, description = "Seconds to wait"),
        )),
        (status = 401, description = "No usable initial access token, or an `Authorization` field that is not one bearer token (RFC 6750 §3.1)", body = RegistrationError, headers(
            ("WWW-Authenticate" = String, description = "`Bearer error=\"invalid_token\"`"),
        )),
        (status = 503, description = "A dependency is unavailable; try again later", body = RegistrationError),
    ),
)]
pub async fn register(
    req: HttpRequest,
    body: web::Bytes,
    state: web::Data<AppState>,
) -> HttpResponse {
    // Who allows it: an initial access token, or open registration (no `Authorization`
    // field at all: any other field is refused, never taken for open registration).
    let Ok(presented) = presented_token(&req) else {
        return invalid_token();
    };
    let open_org = state.registration.open_org.as_deref();
    let (org, allowance) = match (presented, open_org) {
        (Some(presented), _) => match state.tokens.usable(presented).await {
            Ok(Some(token)) => (
                token.owner_org_id.as_str().to_owned(),
                Some(token.allowance),
            ),
            Ok(None) => return invalid_token(),
            Err(e) => return unavailable(&e),
        },
        (None, Some(org)) => {
            let address = req
                .peer_addr()
                .map_or_else(|| "unknown".to_owned(), |a| a.ip().to_string());
            if let Some(Err(wait)) = state
                .registration
                .open_limiter
                .as_ref()
                .map(|limiter| limiter.check(&address))
            {
                return too_many(wait);
            }
            (org.to_owned(), None)
        }
        (None, None) => return invalid_token(),
    };
    if !declares_json(&req) {
        return not_json();
    }
    let object = match metadata_object(&body) {
        Ok(object) => object,
        Err(description) => return bad_metadata(description),
    };
    let (object, statement) = match with_statement(&state, object) {
        Ok(merged) => merged,
        Err((code, description)) => return error(StatusCode::BAD_REQUEST, code, description),
    };
    let requested = match registration(&org, &object) {
        Ok(requested) => requested,
        Err(description) => return bad_metadata(description),
    };
    if let Err(e) = state
        .service
        .check_self_registration(&requested.requested, allowance.as_ref())
        .await
    {
        return registration_failed(&e);
    }
    let (mut principal, allowance) = match presented {
        // Spend the use, then register: of concurrent registrations, those that lose the
        // token's last use are refused like any unusable token.
        Some(presented) => match state.tokens.redeem(presented).await {
            Ok(Some(token)) => (
                Principal::new(format!("initial-access-token:{}", token.id))
                    .with_org(token.owner_org_id.as_str(), OrgRole::Admin),
                Some(token.allowance),
            ),
            Ok(None) => return invalid_token(),
            Err(e) => return unavailable(&e),
        },
        None => (
            Principal::new("open-registration").with_org(org.as_str(), OrgRole::Admin),
            None,
        ),
    };
    if let Some(id) = req.extensions().get::<RequestId>() {
        principal = principal.with_request_id(id.0.clone());
    }
    registered(&state, &principal, requested, allowance.as_ref(), statement).await
}

/// Registers what `requested` asks for, with `principal` and `allowance`: the client
/// information response (RFC 7591 §3.2.1) or the error response.
async fn registered(
    state: &AppState,
    principal: &Principal,
    requested: Requested,
    allowance: Option<&SelfRegistrationAllowance>,
    statement: Option<String>,
) -> HttpResponse {
    match state
        .service
        .register_self(principal, requested.requested, allowance)
        .await
    {
        Ok(registered) => {
            let app = &registered.registered.application;
            let uri = client_uri(state, app);
            let mut answer = information(
                app,
                registered
                    .registered
                    .client_secret
                    .as_ref()
                    .map(|s| s.expose().to_owned()),
                Some(registered.registration_access_token.expose().to_owned()),
                uri,
            );
            answer.software_statement = statement;
            no_store(HttpResponse::Created().json(answer))
        }
        Err(e) => registration_failed(&e),
    }
}

/// The answer to a registration that failed.
fn registration_failed(e: &RegisterError) -> HttpResponse {
    match e {
        RegisterError::Invalid(errors) => invalid(errors),
        e if e.kind() == ErrorKind::Unavailable => unavailable(e),
        e => server_error(e),
    }
}

/// 429 with `Retry-After` (RFC 6585 §4): open registration from this address is over its
/// limit.
fn too_many(wait: std::time::Duration) -> HttpResponse {
    let mut response = error(
        StatusCode::TOO_MANY_REQUESTS,
        "invalid_request",
        "too many open registrations from this address; try again later".to_owned(),
    );
    if let Ok(value) = header::HeaderValue::from_str(&wait.as_secs().max(1).to_string()) {
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
    response
}

/// An `Authorization` field that is not one bearer token (RFC 6750 §2.1).
struct NotABearerToken;

/// The bearer token of the request's `Authorization` field: `None` without the field;
/// refused when the field is there but is not exactly one bearer token (another scheme,
/// no token, white space in it, the field twice).
fn presented_token(req: &HttpRequest) -> Result<Option<&str>, NotABearerToken> {
    let mut fields = req.headers().get_all(header::AUTHORIZATION);
    let Some(field) = fields.next() else {
        return Ok(None);
    };
    if fields.next().is_some() {
        return Err(NotABearerToken);
    }
    field
        .to_str()
        .ok()
        .and_then(bearer_token)
        .map(Some)
        .ok_or(NotABearerToken)
}

fn request_id(req: &HttpRequest) -> Option<String> {
    req.extensions().get::<RequestId>().map(|id| id.0.clone())
}

fn managed(e: &ManageRegistrationError) -> HttpResponse {
    match e {
        ManageRegistrationError::InvalidToken => invalid_registration_token(),
        ManageRegistrationError::Invalid(errors) => invalid(errors),
        ManageRegistrationError::SecretMismatch => {
            invalid_request("client_secret does not match the client's current secret")
        }
        ManageRegistrationError::Conflict => error(
            StatusCode::CONFLICT,
            "invalid_request",
            "the client is being changed concurrently; try again".to_owned(),
        ),
        ManageRegistrationError::Unavailable(_) => unavailable(e),
        _ => server_error(e),
    }
}

/// Reads a client's registration (RFC 7592 §2.1) with its registration access token.
#[utoipa::path(
    get, path = "/register/{client_id}", operation_id = "read_client_registration",
    tag = "registration",
    params(("client_id" = String, Path, description = "The client's id")),
    responses(
        (status = 200, description = "The client's metadata (RFC 7592 §3), without secret or token", body = ClientInformation),
        (status = 401, description = "Not this client's registration access token (RFC 6750 §3.1)", body = RegistrationError, headers(
            ("WWW-Authenticate" = String, description = "`Bearer error=\"invalid_token\"`"),
        )),
        (status = 503, description = "A dependency is unavailable; try again later", body = RegistrationError),
    ),
)]
pub async fn read(
    req: HttpRequest,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> HttpResponse {
    let Ok(Some(presented)) = presented_token(&req) else {
        return invalid_registration_token();
    };
    match state.service.self_registered(&path, presented).await {
        Ok(app) => {
            let uri = client_uri(&state, &app);
            no_store(HttpResponse::Ok().json(information(&app, None, None, uri)))
        }
        Err(e) => managed(&e),
    }
}

/// Replaces a client's registration (RFC 7592 §2.2): the body is the whole metadata, what
/// it leaves out is removed (keys, descriptive metadata) or back to its default (name,
/// method); the registration access token is rotated (the new one is in the answer, the
/// one presented stops working).
#[utoipa::path(
    put, path = "/register/{client_id}", operation_id = "replace_client_registration",
    tag = "registration",
    params(("client_id" = String, Path, description = "The client's id")),
    request_body = ClientMetadata,
    responses(
        (status = 200, description = "Replaced (RFC 7592 §3), with a new registration access token", body = ClientInformation),
        (status = 400, description = "The metadata breaks a rule (RFC 7591 §3.2.2) or asks for what the client neither has nor its organisation lets clients that register themselves have, or the body names another client, a server-issued member or a secret that is not the client's", body = RegistrationError),
        (status = 415, description = "The body is not application/json (RFC 7591 §3.1)", body = RegistrationError),
        (status = 401, description = "Not this client's registration access token (RFC 6750 §3.1)", body = RegistrationError, headers(
            ("WWW-Authenticate" = String, description = "`Bearer error=\"invalid_token\"`"),
        )),
        (status = 409, description = "Concurrent changes kept winning; try again", body = RegistrationError),
        (status = 503, description = "A dependency is unavailable; try again later", body = RegistrationError),
    ),
)]
pub async fn replace(
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Bytes,
    state: web::Data<AppState>,
) -> HttpResponse {
    let Ok(Some(presented)) = presented_token(&req) else {
        return invalid_registration_token();
    };
    // The token first: a body tells nothing to a caller that may not manage this client.
    let app = match state.service.self_registered(&path, presented).await {
        Ok(app) => app,
        Err(e) => return managed(&e),
    };
    if !declares_json(&req) {
        return not_json();
    }
    let object = match metadata_object(&body) {
        Ok(object) => object,
        Err(description) => return bad_metadata(description),
    };
    let (object, statement) = match with_statement(&state, object) {
        Ok(merged) => merged,
        Err((code, description)) => return error(StatusCode::BAD_REQUEST, code, description),
    };
    let requested = match registration(app.owner_org_id().as_str(), &object) {
        Ok(requested) => requested,
        Err(description) => return bad_metadata(description),
    };
    if let Some(name) = requested.server_issued {
        return invalid_request(format!(
            "a replacement must not include {name} (RFC 7592 §2.2)"
        ));
    }
    if requested.client_id.as_deref() != Some(path.as_str()) {
        return invalid_request(
            "client_id must be included and be this client's id (RFC 7592 §2.2)",
        );
    }
    match state
        .service
        .replace_self_registration(
            request_id(&req).as_deref(),
            &path,
            presented,
            requested.client_secret.as_deref(),
            requested.requested,
        )
        .await
    {
        Ok((app, token)) => {
            let uri = client_uri(&state, &app);
            let mut answer = information(&app, None, Some(token.expose().to_owned()), uri);
            answer.software_statement = statement;
            no_store(HttpResponse::Ok().json(answer))
        }
        Err(e) => managed(&e),
    }
}

/// Deletes a client's registration (RFC 7592 §2.3): the application is disabled (its
/// audit trail stays) and its registration access token stops working.
#[utoipa::path(
    delete, path = "/register/{client_id}", operation_id = "delete_client_registration",
    tag = "registration",
    params(("client_id" = String, Path, description = "The client's id")),
    responses(
        (status = 204, description = "Deleted: the client is disabled and the token revoked"),
        (status = 401, description = "Not this client's registration access token (RFC 6750 §3.1)", body = RegistrationError, headers(
            ("WWW-Authenticate" = String, description = "`Bearer error=\"invalid_token\"`"),
        )),
        (status = 409, description = "Concurrent changes kept winning; try again", body = RegistrationError),
        (status = 503, description = "A dependency is unavailable; try again later", body = RegistrationError),
    ),
)]
pub async fn delete(
    req: HttpRequest,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> HttpResponse {
    let Ok(Some(presented)) = presented_token(&req) else {
        return invalid_registration_token();
    };
    match state
        .service
        .delete_self_registration(request_id(&req).as_deref(), &path, presented)
        .await
    {
        Ok(()) => no_store(HttpResponse::NoContent().finish()),
        Err(e) => managed(&e),
    }
}
