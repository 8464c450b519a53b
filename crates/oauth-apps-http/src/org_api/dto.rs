//! Surface B's wire types: what its handlers read and write, and so what the OpenAPI
//! document declares. snake_case throughout; every answer is an envelope
//! `{success, data, message}`.

use oauth_apps_domain::{
    ApplicationPatch, KeysInput, OAuthApplication, OrgId, RegisterApplication, RequirementsInput,
    RotateKeys, StoredAuditEvent, TlsSubjectInput,
};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use super::OrgApi;
use crate::problem::{ErrorCode, FieldProblem, Problem, Surface};
use crate::wire::{
    AccessLevelName, AppTypeName, AuditActionName, AuthMethodName, GrantTypeName, RedirectUrlText,
    RegistrationName, StatusName, current_keys, time, tls_member,
};

/// The application as surface B shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct AppV1 {
    /// The application's number, the `{app_id}` of its URLs.
    id: i64,
    name: String,
    #[schema(required = true)]
    description: Option<String>,
    #[schema(format = "uuid")]
    client_id: String,
    #[serde(rename = "type")]
    app_type: AppTypeName,
    grant_types: Vec<GrantTypeName>,
    redirect_uris: Vec<String>,
    scopes: Vec<String>,
    access_level: AccessLevelName,
    status: StatusName,
    is_first_party: bool,
    #[schema(format = DateTime)]
    created_at: String,
    #[schema(format = DateTime)]
    updated_at: String,
    /// When the current secret stops working (its organisation's secret lifetime, or a
    /// leak's revocation); `null` when it does not expire or the method uses no secret.
    #[schema(format = DateTime, required = true)]
    client_secret_expires_at: Option<String>,
    /// How the client authenticates at the token endpoint.
    token_endpoint_auth_method: AuthMethodName,
    /// The client's current public keys, when registered inline (a JWK Set).
    #[schema(value_type = Option<Object>, required = true)]
    jwks: Option<Value>,
    /// The URL of the client's current public keys, when published.
    #[schema(format = "uri", required = true)]
    jwks_uri: Option<String>,
    credentials: CredentialsV1,
    /// How the application was registered.
    registration: RegistrationName,
    /// For a client registered from its metadata document: the document's URL, which is
    /// its client id in that protocol.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(format = "uri")]
    metadata_document: Option<String>,
    /// Its access tokens are always DPoP-bound (RFC 9449 §5.2).
    dpop_bound_access_tokens: bool,
    /// Its access tokens are always bound to its TLS certificate (RFC 8705 §3.4).
    tls_client_certificate_bound_access_tokens: bool,
    /// Its authorization requests must be pushed (RFC 9126 §6).
    require_pushed_authorization_requests: bool,
    /// With `tls_client_auth`, the certificate subject DN it expects (RFC 8705 §2.1.2);
    /// one of the five `tls_client_auth_*` members, the others left out.
    #[serde(skip_serializing_if = "Option::is_none")]
    tls_client_auth_subject_dn: Option<String>,
    /// With `tls_client_auth`, the dNSName SAN it expects.
    #[serde(skip_serializing_if = "Option::is_none")]
    tls_client_auth_san_dns: Option<String>,
    /// With `tls_client_auth`, the URI SAN it expects.
    #[serde(skip_serializing_if = "Option::is_none")]
    tls_client_auth_san_uri: Option<String>,
    /// With `tls_client_auth`, the iPAddress SAN it expects.
    #[serde(skip_serializing_if = "Option::is_none")]
    tls_client_auth_san_ip: Option<String>,
    /// With `tls_client_auth`, the rfc822Name SAN it expects.
    #[serde(skip_serializing_if = "Option::is_none")]
    tls_client_auth_san_email: Option<String>,
}

crate::wire::credentials_view!(
    "snake_case",
    CredentialsV1,
    CredentialV1,
    PreviousCredentialV1
);

impl From<&OAuthApplication> for AppV1 {
    fn from(app: &OAuthApplication) -> Self {
        let p = app.profile();
        let (jwks, jwks_uri) = current_keys(app);
        Self {
            id: app.id().get(),
            name: p.name().as_str().to_owned(),
            description: p.description().map(|d| d.as_str().to_owned()),
            client_id: app.client_id().to_string(),
            app_type: app.app_type().into(),
            grant_types: p
                .grant_types()
                .as_slice()
                .iter()
                .map(|&g| g.into())
                .collect(),
            redirect_uris: p.redirect_urls().iter().map(str::to_owned).collect(),
            scopes: p.allowed_scopes().iter().map(str::to_owned).collect(),
            access_level: p.access_level().into(),
            status: app.status().into(),
            is_first_party: app.is_first_party(),
            created_at: time(app.created_at()),
            updated_at: time(app.updated_at()),
            client_secret_expires_at: app.secret_expires_at().map(time),
            token_endpoint_auth_method: app.auth_method().into(),
            jwks,
            jwks_uri,
            credentials: app.credentials().into(),
            registration: app.registration().into(),
            metadata_document: app
                .details()
                .document
                .as_ref()
                .map(|d| d.as_str().to_owned()),
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
        }
    }
}

/// A success envelope around one application (read, revoke).
#[derive(Debug, Serialize, ToSchema)]
pub struct AppEnvelope {
    success: bool,
    data: AppV1,
    message: &'static str,
}

impl AppEnvelope {
    /// `app` with `message`.
    #[must_use]
    pub fn new(app: &OAuthApplication, message: &'static str) -> Self {
        Self {
            success: true,
            data: app.into(),
            message,
        }
    }
}

/// An application with its new secret, shown once (create).
#[derive(Debug, Serialize, ToSchema)]
pub struct AppV1WithSecret {
    #[serde(flatten)]
    app: AppV1,
    /// The secret: shown in this answer only; absent when the method uses none.
    #[serde(skip_serializing_if = "Option::is_none")]
    client_secret: Option<String>,
}

/// A success envelope around a new application and its secret.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedEnvelope {
    success: bool,
    data: AppV1WithSecret,
    message: &'static str,
}

impl CreatedEnvelope {
    /// `app` with its new secret, if it has one.
    #[must_use]
    pub fn new(app: &OAuthApplication, secret: Option<&oauth_apps_domain::ClientSecret>) -> Self {
        Self {
            success: true,
            data: AppV1WithSecret {
                app: app.into(),
                client_secret: secret.map(|s| s.expose().to_owned()),
            },
            message: "OAuth application created successfully",
        }
    }
}

/// An updated application with the update's message (the source document's shape).
#[derive(Debug, Serialize, ToSchema)]
pub struct AppV1WithMessage {
    #[serde(flatten)]
    app: AppV1,
    message: &'static str,
}

/// A success envelope around an updated application.
#[derive(Debug, Serialize, ToSchema)]
pub struct UpdatedEnvelope {
    success: bool,
    data: AppV1WithMessage,
    message: &'static str,
}

impl UpdatedEnvelope {
    const MESSAGE: &'static str = "OAuth application updated successfully";

    /// `app`, updated.
    #[must_use]
    pub fn new(app: &OAuthApplication) -> Self {
        Self {
            success: true,
            data: AppV1WithMessage {
                app: app.into(),
                message: Self::MESSAGE,
            },
            message: Self::MESSAGE,
        }
    }
}

/// A new secret, shown once (regenerate).
#[derive(Debug, Serialize, ToSchema)]
pub struct RegeneratedSecret {
    #[schema(format = "uuid")]
    client_id: String,
    /// The secret: shown in this answer only.
    client_secret: String,
    /// When the previous secret stops working, when a grace period was asked for.
    #[schema(format = DateTime, required = true)]
    previous_secret_expires_at: Option<String>,
}

/// A success envelope around a new secret.
#[derive(Debug, Serialize, ToSchema)]
pub struct RegeneratedEnvelope {
    success: bool,
    data: RegeneratedSecret,
    message: &'static str,
}

impl RegeneratedEnvelope {
    /// `app`'s new `secret`.
    #[must_use]
    pub fn new(app: &OAuthApplication, secret: &oauth_apps_domain::ClientSecret) -> Self {
        Self {
            success: true,
            data: RegeneratedSecret {
                client_id: app.client_id().to_string(),
                client_secret: secret.expose().to_owned(),
                previous_secret_expires_at: app
                    .secrets()
                    .and_then(|s| s.previous())
                    .map(|p| time(p.expires_at)),
            },
            message: "Client secret regenerated successfully",
        }
    }
}

/// Where a numbered page stands.
#[derive(Debug, Serialize, ToSchema)]
pub struct Pagination {
    pub(super) page: u32,
    pub(super) per_page: u32,
    /// How many applications the organisation has.
    pub(super) total: u64,
}

/// A success envelope around a page of applications.
#[derive(Debug, Serialize, ToSchema)]
pub struct ListEnvelope {
    success: bool,
    data: Vec<AppV1>,
    message: &'static str,
    pagination: Pagination,
}

impl ListEnvelope {
    /// `items` on the page `pagination`.
    #[must_use]
    pub fn new(items: &[OAuthApplication], pagination: Pagination) -> Self {
        Self {
            success: true,
            data: items.iter().map(AppV1::from).collect(),
            message: "OAuth applications retrieved successfully",
            pagination,
        }
    }
}

/// One entry of an application's audit trail.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEntryV1 {
    id: i64,
    action: AuditActionName,
    /// The token subject that did it.
    actor: String,
    /// The service's id of the request that did it (its `X-Request-Id` answer header).
    #[schema(required = true)]
    request_id: Option<String>,
    /// The id the client gave that request in `X-Request-Id`, when it gave a usable one.
    #[schema(required = true)]
    client_request_id: Option<String>,
    /// The fields that changed, in this surface's names.
    changed_fields: Vec<&'static str>,
    #[schema(format = DateTime)]
    at: String,
}

impl From<&StoredAuditEvent> for AuditEntryV1 {
    fn from(e: &StoredAuditEvent) -> Self {
        Self {
            id: e.id,
            action: e.event.action.into(),
            actor: e.event.actor.clone(),
            request_id: e.event.request_id.clone(),
            client_request_id: e.event.client_request_id.clone(),
            changed_fields: e
                .event
                .changed_fields
                .iter()
                .map(|f| OrgApi::field_name(f.field()))
                .collect(),
            at: time(e.event.at),
        }
    }
}

/// A success envelope around a page of an audit trail, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventsEnvelope {
    success: bool,
    data: Vec<AuditEntryV1>,
    /// Pass as `cursor` for the next (older) page; `null` on the last page.
    #[schema(required = true)]
    next_cursor: Option<String>,
    message: &'static str,
}

impl EventsEnvelope {
    /// A page of `items`.
    #[must_use]
    pub fn new(items: &[StoredAuditEvent], next_cursor: Option<String>) -> Self {
        Self {
            success: true,
            data: items.iter().map(AuditEntryV1::from).collect(),
            next_cursor,
            message: "Audit events retrieved successfully",
        }
    }
}

/// The error part of an error envelope.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    code: ErrorCode,
    /// Each field and the rule it broke (400, 422).
    #[serde(skip_serializing_if = "Option::is_none")]
    details: Option<Vec<FieldProblem>>,
}

/// An error envelope.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorEnvelope {
    /// Always `false`.
    success: bool,
    message: String,
    error: ErrorDetail,
}

impl From<&Problem> for ErrorEnvelope {
    fn from(p: &Problem) -> Self {
        Self {
            success: false,
            message: p.detail().to_owned(),
            error: ErrorDetail {
                code: p.code(),
                details: (!p.errors().is_empty()).then(|| p.errors().to_vec()),
            },
        }
    }
}

/// `POST .../oauth-applications` body.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateAppV1 {
    #[schema(min_length = 1, max_length = 100)]
    name: String,
    #[serde(default)]
    #[schema(max_length = 1000)]
    description: Option<String>,
    /// `web` when not given.
    #[serde(default, rename = "type")]
    #[schema(value_type = Option<AppTypeName>)]
    app_type: Option<String>,
    #[serde(default)]
    #[schema(value_type = Option<Vec<GrantTypeName>>)]
    grant_types: Option<Vec<String>>,
    #[schema(max_items = 20)]
    redirect_uris: Vec<RedirectUrlText>,
    #[serde(default)]
    scopes: Option<Vec<String>>,
    #[serde(default)]
    #[schema(value_type = Option<AccessLevelName>)]
    access_level: Option<String>,
    /// Platform admins only.
    #[serde(default)]
    is_first_party: Option<bool>,
    /// `client_secret_basic` when not given; `client_secret_jwt` is refused.
    #[serde(default)]
    #[schema(value_type = Option<AuthMethodName>)]
    token_endpoint_auth_method: Option<String>,
    /// The client's public keys, as a JWK Set (RFC 7517 §5): public members only; EC
    /// (P-256, P-384), RSA (2048 bits or more) or OKP (Ed25519); a unique `kid` each; at
    /// most 10 keys and 16 KiB. Not with `jwks_uri`.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    jwks: Option<Value>,
    /// The https URL the client publishes its JWK Set at. Not with `jwks`.
    #[serde(default)]
    #[schema(format = "uri", max_length = 2000)]
    jwks_uri: Option<String>,
    /// Its access tokens are always DPoP-bound (RFC 9449 §5.2).
    #[serde(default)]
    dpop_bound_access_tokens: Option<bool>,
    /// Its access tokens are always bound to its TLS certificate (RFC 8705 §3.4).
    #[serde(default)]
    tls_client_certificate_bound_access_tokens: Option<bool>,
    /// Its authorization requests must be pushed (RFC 9126 §6).
    #[serde(default)]
    require_pushed_authorization_requests: Option<bool>,
    /// With `tls_client_auth`, the certificate subject DN it expects (RFC 4514; RFC 8705
    /// §2.1.2). Exactly one of the five `tls_client_auth_*` members.
    #[serde(default)]
    #[schema(max_length = 1024)]
    tls_client_auth_subject_dn: Option<String>,
    /// With `tls_client_auth`, the dNSName SAN it expects.
    #[serde(default)]
    tls_client_auth_san_dns: Option<String>,
    /// With `tls_client_auth`, the URI SAN it expects.
    #[serde(default)]
    tls_client_auth_san_uri: Option<String>,
    /// With `tls_client_auth`, the iPAddress SAN it expects.
    #[serde(default)]
    tls_client_auth_san_ip: Option<String>,
    /// With `tls_client_auth`, the rfc822Name SAN it expects.
    #[serde(default)]
    tls_client_auth_san_email: Option<String>,
}

impl CreateAppV1 {
    /// The registration of this body in `org`.
    #[must_use]
    pub fn into_domain(self, org: &OrgId) -> RegisterApplication {
        RegisterApplication {
            owner_org_id: org.as_str().to_owned(),
            name: self.name,
            description: self.description,
            app_type: self.app_type,
            redirect_urls: self.redirect_uris.into_iter().map(|u| u.0).collect(),
            allowed_scopes: self.scopes,
            grant_types: self.grant_types,
            access_level: self.access_level,
            is_first_party: self.is_first_party,
            token_endpoint_auth_method: self.token_endpoint_auth_method,
            keys: KeysInput {
                jwks: self.jwks,
                jwks_uri: self.jwks_uri,
            },
            requirements: RequirementsInput {
                dpop_bound_access_tokens: self.dpop_bound_access_tokens,
                tls_client_certificate_bound_access_tokens: self
                    .tls_client_certificate_bound_access_tokens,
                require_pushed_authorization_requests: self.require_pushed_authorization_requests,
            },
            tls_subject: TlsSubjectInput {
                subject_dn: self.tls_client_auth_subject_dn,
                san_dns: self.tls_client_auth_san_dns,
                san_uri: self.tls_client_auth_san_uri,
                san_ip: self.tls_client_auth_san_ip,
                san_email: self.tls_client_auth_san_email,
            },
        }
    }
}

/// `null` as "clear it", absence as "keep it".
fn present_or_null<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

/// `PATCH .../oauth-applications/{app_id}` body: any of its fields.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PatchAppV1 {
    #[serde(default)]
    #[schema(min_length = 1, max_length = 100)]
    name: Option<String>,
    /// `null` clears it.
    #[serde(default, deserialize_with = "present_or_null")]
    #[schema(value_type = Option<String>, max_length = 1000)]
    description: Option<Option<String>>,
    #[serde(default)]
    #[schema(value_type = Option<Vec<GrantTypeName>>)]
    grant_types: Option<Vec<String>>,
    #[serde(default)]
    #[schema(max_items = 20)]
    redirect_uris: Option<Vec<RedirectUrlText>>,
    #[serde(default)]
    scopes: Option<Vec<String>>,
    #[serde(default)]
    #[schema(value_type = Option<AccessLevelName>)]
    access_level: Option<String>,
    /// `revoked` disables, `active` re-enables.
    #[serde(default)]
    #[schema(value_type = Option<StatusName>)]
    status: Option<String>,
    /// Platform admins only.
    #[serde(default)]
    is_first_party: Option<bool>,
    /// Cannot change: sending it is 422.
    #[serde(default, rename = "type")]
    #[schema(read_only, value_type = Option<AppTypeName>)]
    app_type: Option<Value>,
    /// Cannot change: sending it is 422.
    #[serde(default)]
    #[schema(read_only, value_type = Option<String>)]
    client_id: Option<Value>,
    /// Cannot change: sending it is 422.
    #[serde(default)]
    #[schema(read_only, value_type = Option<String>)]
    org_id: Option<Value>,
    /// A new method, by the same rules as at registration.
    #[serde(default)]
    #[schema(value_type = Option<AuthMethodName>)]
    token_endpoint_auth_method: Option<String>,
    /// New public keys, replacing the current ones at once. Not with `jwks_uri`.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    jwks: Option<Value>,
    /// A new URL for the client's public keys. Not with `jwks`.
    #[serde(default)]
    #[schema(format = "uri", max_length = 2000)]
    jwks_uri: Option<String>,
    /// Its access tokens are always DPoP-bound (RFC 9449 §5.2).
    #[serde(default)]
    dpop_bound_access_tokens: Option<bool>,
    /// Its access tokens are always bound to its TLS certificate (RFC 8705 §3.4).
    #[serde(default)]
    tls_client_certificate_bound_access_tokens: Option<bool>,
    /// Its authorization requests must be pushed (RFC 9126 §6).
    #[serde(default)]
    require_pushed_authorization_requests: Option<bool>,
    /// With `tls_client_auth`, the certificate subject DN it expects (RFC 4514; RFC 8705
    /// §2.1.2). Exactly one of the five `tls_client_auth_*` members.
    #[serde(default)]
    #[schema(max_length = 1024)]
    tls_client_auth_subject_dn: Option<String>,
    /// With `tls_client_auth`, the dNSName SAN it expects.
    #[serde(default)]
    tls_client_auth_san_dns: Option<String>,
    /// With `tls_client_auth`, the URI SAN it expects.
    #[serde(default)]
    tls_client_auth_san_uri: Option<String>,
    /// With `tls_client_auth`, the iPAddress SAN it expects.
    #[serde(default)]
    tls_client_auth_san_ip: Option<String>,
    /// With `tls_client_auth`, the rfc822Name SAN it expects.
    #[serde(default)]
    tls_client_auth_san_email: Option<String>,
}

impl From<PatchAppV1> for ApplicationPatch {
    fn from(b: PatchAppV1) -> Self {
        Self {
            name: b.name,
            description: b.description,
            grant_types: b.grant_types,
            redirect_urls: b
                .redirect_uris
                .map(|urls| urls.into_iter().map(|u| u.0).collect()),
            allowed_scopes: b.scopes,
            access_level: b.access_level,
            status: b.status,
            is_first_party: b.is_first_party,
            app_type: b.app_type.map(|v| v.to_string()),
            client_id: b.client_id.map(|v| v.to_string()),
            owner_org_id: b.org_id.map(|v| v.to_string()),
            token_endpoint_auth_method: b.token_endpoint_auth_method,
            keys: KeysInput {
                jwks: b.jwks,
                jwks_uri: b.jwks_uri,
            },
            requirements: RequirementsInput {
                dpop_bound_access_tokens: b.dpop_bound_access_tokens,
                tls_client_certificate_bound_access_tokens: b
                    .tls_client_certificate_bound_access_tokens,
                require_pushed_authorization_requests: b.require_pushed_authorization_requests,
            },
            tls_subject: TlsSubjectInput {
                subject_dn: b.tls_client_auth_subject_dn,
                san_dns: b.tls_client_auth_san_dns,
                san_uri: b.tls_client_auth_san_uri,
                san_ip: b.tls_client_auth_san_ip,
                san_email: b.tls_client_auth_san_email,
            },
        }
    }
}

/// The body of a regeneration: optional; without it the previous secret stops at once.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegenerateSecret {
    /// How long the previous secret keeps working, 0-604800 seconds (7 days).
    #[serde(default)]
    #[schema(minimum = 0, maximum = 604_800)]
    pub(super) grace_period_seconds: Option<i64>,
}

/// The body of a key rotation: the new keys (one of `jwks` and `jwks_uri`) and how long the
/// current keys keep working.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RotateKeysV1 {
    /// The new keys, as a JWK Set (the rules of `CreateAppV1.jwks`).
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    jwks: Option<Value>,
    /// The URL the new keys are published at.
    #[serde(default)]
    #[schema(format = "uri", max_length = 2000)]
    jwks_uri: Option<String>,
    /// How long the current keys keep working, 0-604800 seconds (7 days); none when left
    /// out.
    #[serde(default)]
    #[schema(minimum = 0, maximum = 604_800)]
    grace_period_seconds: Option<i64>,
}

impl From<RotateKeysV1> for RotateKeys {
    fn from(b: RotateKeysV1) -> Self {
        Self {
            keys: KeysInput {
                jwks: b.jwks,
                jwks_uri: b.jwks_uri,
            },
            grace_period_seconds: b.grace_period_seconds,
        }
    }
}

/// `GET .../oauth-applications` parameters.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// From 1.
    #[param(minimum = 1, maximum = 100_000)]
    pub(super) page: Option<i64>,
    /// 1-100, default 20.
    #[param(minimum = 1, maximum = 100)]
    pub(super) per_page: Option<i64>,
}

/// The parameters of an audit trail page.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EventsQuery {
    /// 1-100, default 20.
    #[param(minimum = 1, maximum = 100)]
    pub(super) limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub(super) cursor: Option<String>,
}
