//! The client metadata a registration reads (RFC 7591 §2, for the document) and the client
//! information it answers (RFC 7591 §3.2.1, RFC 7592 §3).

use oauth_apps_domain::OAuthApplication;
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use crate::wire::{current_keys, tls_member};

/// The client metadata this registry understands (RFC 7591 §2); any other member is
/// ignored, as §2 asks.
#[derive(Debug, Default, ToSchema)]
#[allow(
    dead_code,
    reason = "the request body's schema; the body is read by requested_client"
)]
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
    /// Left out: what the grant types need, `["code"]` with `authorization_code`, none
    /// without it; `code` goes with `authorization_code` (§2.1).
    #[serde(default)]
    response_types: Option<Vec<String>>,
    /// Space-separated scope values (RFC 6749 §3.3), each one the organisation lets
    /// clients that register themselves have (or the initial access token allows).
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
    /// The client's home page (an https URL).
    #[serde(default)]
    client_uri: Option<String>,
    /// The client's logo (an https URL).
    #[serde(default)]
    logo_uri: Option<String>,
    /// The client's terms of service (an https URL).
    #[serde(default)]
    tos_uri: Option<String>,
    /// The client's privacy policy (an https URL).
    #[serde(default)]
    policy_uri: Option<String>,
    /// Ways to reach the people responsible for the client (at most 10).
    #[serde(default)]
    contacts: Option<Vec<String>>,
    /// An identifier of the client's software, the same for all its instances.
    #[serde(default)]
    software_id: Option<String>,
    /// The version of that software.
    #[serde(default)]
    software_version: Option<String>,
    /// Access tokens are always DPoP-bound (RFC 9449 §5.2); `false` when left out.
    #[serde(default)]
    dpop_bound_access_tokens: Option<bool>,
    /// Access tokens are always bound to the client's TLS certificate (RFC 8705 §3.4).
    #[serde(default)]
    tls_client_certificate_bound_access_tokens: Option<bool>,
    /// Authorization requests must be pushed (RFC 9126 §6).
    #[serde(default)]
    require_pushed_authorization_requests: Option<bool>,
    /// With `tls_client_auth`, the certificate subject DN expected (RFC 8705 §2.1.2);
    /// exactly one of the five `tls_client_auth_*` members.
    #[serde(default)]
    tls_client_auth_subject_dn: Option<String>,
    /// With `tls_client_auth`, the dNSName SAN expected.
    #[serde(default)]
    tls_client_auth_san_dns: Option<String>,
    /// With `tls_client_auth`, the URI SAN expected.
    #[serde(default)]
    tls_client_auth_san_uri: Option<String>,
    /// With `tls_client_auth`, the iPAddress SAN expected.
    #[serde(default)]
    tls_client_auth_san_ip: Option<String>,
    /// With `tls_client_auth`, the rfc822Name SAN expected.
    #[serde(default)]
    tls_client_auth_san_email: Option<String>,
    /// A JWT signed by a party this registry trusts, whose claims are client metadata that
    /// win over the body's (RFC 7591 §2.3).
    #[serde(default)]
    pub(super) software_statement: Option<String>,
    /// In a replacement (RFC 7592 §2.2): the client's id, which must be the one in the URL.
    #[serde(default)]
    client_id: Option<String>,
    /// In a replacement (RFC 7592 §2.2): if present, the client's current secret.
    #[serde(default)]
    client_secret: Option<String>,
}

/// The client information response (RFC 7591 §3.2.1, RFC 7592 §3).
#[derive(Debug, Serialize, ToSchema)]
pub struct ClientInformation {
    pub(super) client_id: String,
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
    #[serde(skip_serializing_if = "Option::is_none")]
    client_uri: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    logo_uri: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tos_uri: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    policy_uri: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    contacts: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    software_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    software_version: Option<String>,
    dpop_bound_access_tokens: bool,
    tls_client_certificate_bound_access_tokens: bool,
    require_pushed_authorization_requests: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    tls_client_auth_subject_dn: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tls_client_auth_san_dns: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tls_client_auth_san_uri: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tls_client_auth_san_ip: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tls_client_auth_san_email: Option<String>,
    /// The software statement the request carried, unmodified (RFC 7591 §3.2.1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) software_statement: Option<String>,
    /// The token for the client's configuration endpoint (RFC 7592 §3): in the answer to a
    /// registration and to a replacement (which rotates it); only its digest is kept, so a
    /// read does not repeat it (keep the last one received).
    #[serde(skip_serializing_if = "Option::is_none")]
    registration_access_token: Option<String>,
    /// The client's configuration endpoint (RFC 7592 §3).
    registration_client_uri: String,
}

/// What the client is shown: `secret` and `token` only when just issued.
pub(super) fn information(
    app: &OAuthApplication,
    secret: Option<String>,
    token: Option<String>,
    uri: String,
) -> ClientInformation {
    let profile = app.profile();
    let grant_types: Vec<String> = profile.grant_types().iter().map(str::to_owned).collect();
    let response_types = if grant_types.iter().any(|g| g == "authorization_code") {
        vec!["code".to_owned()]
    } else {
        Vec::new()
    };
    let scopes: Vec<&str> = profile.allowed_scopes().iter().collect();
    let (jwks, jwks_uri) = current_keys(app);
    let metadata = app.details().metadata.record().clone();
    ClientInformation {
        client_id: app.client_id().to_string(),
        // RFC 7591 §3.2.1: seconds since the epoch, 0 when the secret does not expire.
        client_secret_expires_at: app.auth_method().uses_secret().then(|| {
            app.secret_expires_at()
                .map_or(0, |t| t.as_offset_date_time().unix_timestamp())
        }),
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
        client_uri: metadata.client_uri,
        logo_uri: metadata.logo_uri,
        tos_uri: metadata.tos_uri,
        policy_uri: metadata.policy_uri,
        contacts: metadata.contacts,
        software_id: metadata.software_id,
        software_version: metadata.software_version,
        dpop_bound_access_tokens: app.requirements().dpop_bound_access_tokens,
        tls_client_certificate_bound_access_tokens: app
            .requirements()
            .tls_client_certificate_bound_access_tokens,
        require_pushed_authorization_requests: app
            .requirements()
            .require_pushed_authorization_requests,
        tls_client_auth_subject_dn: tls_member(app, 0),
        tls_client_auth_san_dns: tls_member(app, 1),
        tls_client_auth_san_uri: tls_member(app, 2),
        tls_client_auth_san_ip: tls_member(app, 3),
        tls_client_auth_san_email: tls_member(app, 4),
        software_statement: None,
        registration_access_token: token,
        registration_client_uri: uri,
    }
}
