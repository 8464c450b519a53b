//! RFC 7591 dynamic client registration at `POST /register`: a client presents an initial
//! access token (RFC 7591 §3, as a bearer token, RFC 6750 §2.1) and its metadata, and is
//! registered into the token's organisation. The wire is the RFC's: snake_case metadata
//! (§2), the client information response (§3.2.1) and its error response (§3.2.2), not
//! either management surface's shapes.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use oauth_apps_domain::{
    ErrorKind, Field, KeysInput, OAuthApplication, OrgRole, Principal, RegisterApplication,
    RegisterError, Registration, ValidationErrors,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use crate::request::{bearer_token, no_store};
use crate::state::AppState;
use crate::wire::current_keys;

/// The client metadata this registry understands (RFC 7591 §2); any other member is
/// ignored, as §2 asks.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct ClientMetadata {
    /// Where the authorization server may send the user back (§2).
    #[serde(default)]
    redirect_uris: Option<Vec<String>>,
    /// The client's name, shown to people.
    #[serde(default)]
    client_name: Option<String>,
    /// `client_secret_basic` (the default), `client_secret_post`, `private_key_jwt` or
    /// `none`.
    #[serde(default)]
    token_endpoint_auth_method: Option<String>,
    /// `["authorization_code"]` when left out (§2).
    #[serde(default)]
    grant_types: Option<Vec<String>>,
    /// `["code"]` when left out (§2); `code` goes with `authorization_code` (§2.1).
    #[serde(default)]
    response_types: Option<Vec<String>>,
    /// Space-separated scope values (RFC 6749 §3.3).
    #[serde(default)]
    scope: Option<String>,
    /// `web` (the default) or `native` (OpenID Connect Registration §2).
    #[serde(default)]
    application_type: Option<String>,
    /// The client's public keys (a JWK Set), for `private_key_jwt`.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    jwks: Option<Value>,
    /// Where the client publishes its JWK Set.
    #[serde(default)]
    jwks_uri: Option<String>,
}

/// The client information response (RFC 7591 §3.2.1).
#[derive(Debug, Serialize, ToSchema)]
pub struct ClientInformation {
    client_id: String,
    /// Present when the method uses a secret; shown once.
    #[serde(skip_serializing_if = "Option::is_none")]
    client_secret: Option<String>,
    /// Seconds since the epoch.
    client_id_issued_at: i64,
    /// `0` (the secret does not expire), present with `client_secret`.
    #[serde(skip_serializing_if = "Option::is_none")]
    client_secret_expires_at: Option<i64>,
    client_name: String,
    redirect_uris: Vec<String>,
    grant_types: Vec<String>,
    response_types: Vec<String>,
    token_endpoint_auth_method: String,
    application_type: String,
    /// The scope values the client may ask for, space-separated.
    #[serde(skip_serializing_if = "Option::is_none")]
    scope: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    jwks: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    jwks_uri: Option<String>,
}

/// An error response (RFC 7591 §3.2.2; RFC 6750 §3 for the token).
#[derive(Debug, Serialize, ToSchema)]
pub struct RegistrationError {
    /// `invalid_redirect_uri`, `invalid_client_metadata` or `invalid_token`.
    error: &'static str,
    /// What is wrong, naming the metadata.
    error_description: String,
}

/// The metadata name of a domain field.
fn metadata_name(field: Field) -> &'static str {
    match field {
        Field::Name => "client_name",
        Field::RedirectUrls => "redirect_uris",
        Field::AllowedScopes => "scope",
        Field::AppType => "application_type",
        other => other.name(),
    }
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
    let mut response = error(
        StatusCode::UNAUTHORIZED,
        "invalid_token",
        "a valid initial access token is required".to_owned(),
    );
    response.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        header::HeaderValue::from_static(
            "Bearer error=\"invalid_token\", error_description=\"a valid initial access token is required\"",
        ),
    );
    response
}

/// §3.2.2: `invalid_redirect_uri` when a redirect URI is at fault, else
/// `invalid_client_metadata`; the description names every broken rule.
fn invalid(errors: &ValidationErrors) -> HttpResponse {
    let code = if errors.concerns(Field::RedirectUrls) {
        "invalid_redirect_uri"
    } else {
        "invalid_client_metadata"
    };
    let description = errors
        .errors()
        .iter()
        .map(|e| match e.index {
            Some(i) => format!("{}[{i}] {}", metadata_name(e.field), e.violation),
            None => format!("{} {}", metadata_name(e.field), e.violation),
        })
        .collect::<Vec<_>>()
        .join("; ");
    error(StatusCode::BAD_REQUEST, code, description)
}

fn bad_metadata(description: impl Into<String>) -> HttpResponse {
    error(
        StatusCode::BAD_REQUEST,
        "invalid_client_metadata",
        description.into(),
    )
}

/// The registration the metadata asks for, in the organisation `org`; or, for metadata
/// whose members have the wrong JSON types or are inconsistent (§2.1), what is wrong.
fn registration(org: &str, body: &[u8]) -> Result<RegisterApplication, String> {
    const NOT_AN_OBJECT: &str = "the body must be a JSON object of client metadata";
    let value: Value = serde_json::from_slice(body).map_err(|_| NOT_AN_OBJECT.to_owned())?;
    let Value::Object(object) = value else {
        return Err(NOT_AN_OBJECT.to_owned());
    };
    // Members this registry does not understand are ignored (§2): serde skips them, and
    // a member sent as `null` reads as left out.
    let m: ClientMetadata = serde_json::from_value(Value::Object(object))
        .map_err(|e| format!("a member has the wrong type: {e}"))?;
    let grants = m
        .grant_types
        .unwrap_or_else(|| vec!["authorization_code".to_owned()]);
    let responses = m.response_types.unwrap_or_else(|| vec!["code".to_owned()]);
    // §2.1: `code` and `authorization_code` go together; no other response type is
    // served (the implicit flow is not).
    if let Some(other) = responses.iter().find(|r| r.as_str() != "code") {
        return Err(format!(
            "response_types: {other:?} is not supported (only \"code\")"
        ));
    }
    let code = responses.iter().any(|r| r == "code");
    let authorization_code = grants.iter().any(|g| g == "authorization_code");
    if code != authorization_code {
        return Err(
            "response_types \"code\" and grant_types \"authorization_code\" go together (RFC 7591 §2.1)"
                .to_owned(),
        );
    }
    let method = m.token_endpoint_auth_method;
    let app_type = match (m.application_type.as_deref(), method.as_deref()) {
        (None | Some("web"), Some("none")) => "public",
        (None | Some("web"), _) => "web",
        (Some("native"), _) => "native",
        (Some(other), _) => {
            return Err(format!(
                "application_type must be \"web\" or \"native\" (got {other:?})"
            ));
        }
    };
    Ok(RegisterApplication {
        owner_org_id: org.to_owned(),
        name: m
            .client_name
            .unwrap_or_else(|| "Dynamically registered client".to_owned()),
        description: None,
        app_type: Some(app_type.to_owned()),
        redirect_urls: m.redirect_uris.unwrap_or_default(),
        allowed_scopes: Some(
            m.scope
                .as_deref()
                .unwrap_or("")
                .split(' ')
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect(),
        ),
        grant_types: Some(grants),
        access_level: None,
        is_first_party: None,
        token_endpoint_auth_method: method,
        keys: KeysInput {
            jwks: m.jwks,
            jwks_uri: m.jwks_uri,
        },
    })
}

fn information(app: &OAuthApplication, secret: Option<String>) -> ClientInformation {
    let profile = app.profile();
    let grant_types: Vec<String> = profile.grant_types().iter().map(str::to_owned).collect();
    let response_types = if grant_types.iter().any(|g| g == "authorization_code") {
        vec!["code".to_owned()]
    } else {
        Vec::new()
    };
    let scopes: Vec<&str> = profile.allowed_scopes().iter().collect();
    let (jwks, jwks_uri) = current_keys(app);
    ClientInformation {
        client_id: app.client_id().to_string(),
        client_secret_expires_at: secret.as_ref().map(|_| 0),
        client_secret: secret,
        client_id_issued_at: app.created_at().unix_micros() / 1_000_000,
        client_name: profile.name().as_str().to_owned(),
        redirect_uris: profile.redirect_urls().iter().map(str::to_owned).collect(),
        grant_types,
        response_types,
        token_endpoint_auth_method: app.auth_method().as_str().to_owned(),
        application_type: if app.app_type().as_str() == "native" {
            "native"
        } else {
            "web"
        }
        .to_owned(),
        scope: (!scopes.is_empty()).then(|| scopes.join(" ")),
        jwks,
        jwks_uri,
    }
}

/// Registers a client (RFC 7591 §3.1) into the organisation of the initial access token
/// it presents. The metadata is checked before the token's use is spent; a token's last
/// use registers one client however many ask at once.
#[utoipa::path(
    post, path = "/register", operation_id = "register_client", tag = "registration",
    request_body = ClientMetadata,
    responses(
        (status = 201, description = "Registered (RFC 7591 §3.2.1); a secret is shown here only", body = ClientInformation),
        (status = 400, description = "The metadata breaks a rule (RFC 7591 §3.2.2)", body = RegistrationError),
        (status = 401, description = "No usable initial access token (RFC 6750 §3.1)", body = RegistrationError, headers(
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
    let Some(presented) = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(bearer_token)
    else {
        return invalid_token();
    };
    let unavailable = |e: &dyn std::fmt::Display| {
        tracing::warn!(error = %e, "registration failed");
        error(
            StatusCode::SERVICE_UNAVAILABLE,
            "temporarily_unavailable",
            "the service is temporarily unavailable".to_owned(),
        )
    };
    let token = match state.tokens.usable(presented).await {
        Ok(Some(token)) => token,
        Ok(None) => return invalid_token(),
        Err(e) => return unavailable(&e),
    };
    let cmd = match registration(token.owner_org_id.as_str(), &body) {
        Ok(cmd) => cmd,
        Err(description) => return bad_metadata(description),
    };
    if let Err(errors) = state.service.check_registration(&cmd) {
        return invalid(&errors);
    }
    // Spend the use, then register: of concurrent registrations, those that lose the
    // token's last use are refused like any unusable token.
    let token = match state.tokens.redeem(presented).await {
        Ok(Some(token)) => token,
        Ok(None) => return invalid_token(),
        Err(e) => return unavailable(&e),
    };
    let principal = Principal::new(format!("initial-access-token:{}", token.id))
        .with_org(token.owner_org_id.as_str(), OrgRole::Admin);
    match state
        .service
        .register_as(&principal, cmd, Registration::Dynamic)
        .await
    {
        Ok(registered) => no_store(
            HttpResponse::Created().json(information(
                &registered.application,
                registered
                    .client_secret
                    .as_ref()
                    .map(|s| s.expose().to_owned()),
            )),
        ),
        Err(RegisterError::Invalid(errors)) => invalid(&errors),
        Err(e) if e.kind() == ErrorKind::Unavailable => unavailable(&e),
        Err(e) => {
            tracing::error!(error = %e, "registration failed");
            error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "server_error",
                "the registration failed".to_owned(),
            )
        }
    }
}
