//! Surface A's wire types: what its handlers read and write, and so what the OpenAPI
//! document declares. camelCase throughout.

use oauth_apps_domain::{
    ApplicationPatch, AuditEvent, CertificateThumbprint, JWT_BEARER_ASSERTION_TYPE, KeysInput,
    OAuthApplication, RegisterApplication, RequirementsInput, RotateKeys, StoredAuditEvent,
    TlsSubjectInput,
};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use crate::problem::FieldProblem;
use crate::wire::{
    AccessLevelName, AppTypeName, AuditActionName, AuthMethodName, ChangedFieldName, GrantTypeName,
    RedirectUrlText, RegistrationName, current_keys, time, tls_member,
};

/// The application as surface A shows it.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct App {
    /// The application's public identifier.
    #[schema(format = "uuid")]
    pub client_id: String,
    pub name: String,
    #[serde(rename = "type")]
    pub app_type: AppTypeName,
    pub redirect_urls: Vec<String>,
    pub owner_org_id: String,
    pub allowed_scopes: Vec<String>,
    pub is_first_party: bool,
    /// Whether the application is disabled (no client authentication, no rotation).
    pub disabled: bool,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub updated_at: String,
    #[schema(required = true)]
    pub description: Option<String>,
    pub grant_types: Vec<GrantTypeName>,
    pub access_level: AccessLevelName,
    /// When the previous secret stops working, while a rotation's grace period lasts.
    #[schema(format = DateTime, required = true)]
    pub previous_secret_expires_at: Option<String>,
    /// When the current secret stops working (its organisation's secret lifetime, or a
    /// leak's revocation); `null` when it does not expire or the method uses no secret.
    #[schema(format = DateTime, required = true)]
    pub client_secret_expires_at: Option<String>,
    /// How the client authenticates at the token endpoint.
    pub token_endpoint_auth_method: AuthMethodName,
    /// The client's current public keys, when registered inline (a JWK Set).
    #[schema(value_type = Option<Object>, required = true)]
    pub jwks: Option<Value>,
    /// The URL of the client's current public keys, when published.
    #[schema(format = "uri", required = true)]
    pub jwks_uri: Option<String>,
    pub credentials: Credentials,
    /// How the application was registered.
    pub registration: RegistrationName,
    /// For a client registered from its metadata document: the document's URL, which is
    /// its client id in that protocol.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(format = "uri")]
    pub metadata_document: Option<String>,
    /// Its access tokens are always DPoP-bound (RFC 9449 §5.2).
    #[serde(default)]
    #[schema(required = true)]
    pub dpop_bound_access_tokens: bool,
    /// Its access tokens are always bound to its TLS certificate (RFC 8705 §3.4).
    #[serde(default)]
    #[schema(required = true)]
    pub tls_client_certificate_bound_access_tokens: bool,
    /// Its authorization requests must be pushed (RFC 9126 §6).
    #[serde(default)]
    #[schema(required = true)]
    pub require_pushed_authorization_requests: bool,
    /// With `tls_client_auth`, the certificate subject DN it expects (RFC 8705 §2.1.2);
    /// one of the five `tlsClientAuth*` members, the others left out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls_client_auth_subject_dn: Option<String>,
    /// With `tls_client_auth`, the dNSName SAN it expects.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls_client_auth_san_dns: Option<String>,
    /// With `tls_client_auth`, the URI SAN it expects.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls_client_auth_san_uri: Option<String>,
    /// With `tls_client_auth`, the iPAddress SAN it expects.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls_client_auth_san_ip: Option<String>,
    /// With `tls_client_auth`, the rfc822Name SAN it expects.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls_client_auth_san_email: Option<String>,
}

crate::wire::credentials_view!("camelCase", Credentials, Credential, PreviousCredential);

impl From<&OAuthApplication> for App {
    fn from(app: &OAuthApplication) -> Self {
        let p = app.profile();
        let (jwks, jwks_uri) = current_keys(app);
        Self {
            client_id: app.client_id().to_string(),
            name: p.name().as_str().to_owned(),
            app_type: app.app_type().into(),
            redirect_urls: p.redirect_urls().iter().map(str::to_owned).collect(),
            owner_org_id: app.owner_org_id().as_str().to_owned(),
            allowed_scopes: p.allowed_scopes().iter().map(str::to_owned).collect(),
            is_first_party: app.is_first_party(),
            disabled: app.is_disabled(),
            created_at: time(app.created_at()),
            updated_at: time(app.updated_at()),
            description: p.description().map(|d| d.as_str().to_owned()),
            grant_types: p
                .grant_types()
                .as_slice()
                .iter()
                .map(|&g| g.into())
                .collect(),
            access_level: p.access_level().into(),
            previous_secret_expires_at: app
                .secrets()
                .and_then(|s| s.previous())
                .map(|s| time(s.expires_at)),
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

/// An application with its secret, shown once (create, rotate). An application whose
/// method uses no secret (`private_key_jwt`, `none`) is created without one.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AppWithSecret {
    pub application: App,
    /// The secret: shown in this answer only; absent when the method uses none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<String>,
}

impl AppWithSecret {
    /// `application` with its new `client_secret`, if it has one.
    #[must_use]
    pub fn new(
        application: &OAuthApplication,
        client_secret: Option<&oauth_apps_domain::ClientSecret>,
    ) -> Self {
        Self {
            application: application.into(),
            client_secret: client_secret.map(|s| s.expose().to_owned()),
        }
    }
}

/// A page of a keyset listing, newest first.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AppPage {
    pub items: Vec<App>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    #[schema(required = true)]
    pub next_cursor: Option<String>,
}

/// `POST /api/oauth-applications` body. Redirect URLs must also suit the type, and the
/// grant types must suit the type and the redirect URLs (422 otherwise).
#[derive(Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateApp {
    #[schema(pattern = "^[A-Za-z0-9_.-]{1,64}$")]
    pub owner_org_id: String,
    #[schema(min_length = 1, max_length = 100)]
    pub name: String,
    #[serde(rename = "type")]
    #[schema(value_type = AppTypeName)]
    pub app_type: String,
    #[schema(max_items = 20)]
    pub redirect_urls: Vec<RedirectUrlText>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowed_scopes: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 1000)]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Vec<GrantTypeName>>)]
    pub grant_types: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<AccessLevelName>)]
    pub access_level: Option<String>,
    /// Platform admins only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_first_party: Option<bool>,
    /// `client_secret_basic` when not given; `client_secret_jwt` is refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<AuthMethodName>)]
    pub token_endpoint_auth_method: Option<String>,
    /// The client's public keys, as a JWK Set (RFC 7517 §5): public members only; EC
    /// (P-256, P-384), RSA (2048 bits or more) or OKP (Ed25519); a unique `kid` each; at
    /// most 10 keys and 16 KiB. Not with `jwksUri`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub jwks: Option<Value>,
    /// The https URL the client publishes its JWK Set at. Not with `jwks`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(format = "uri", max_length = 2000)]
    pub jwks_uri: Option<String>,
    /// Its access tokens are always DPoP-bound (RFC 9449 §5.2); `false` when not given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dpop_bound_access_tokens: Option<bool>,
    /// Its access tokens are always bound to its TLS certificate (RFC 8705 §3.4); `false`
    /// when not given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls_client_certificate_bound_access_tokens: Option<bool>,
    /// Its authorization requests must be pushed (RFC 9126 §6); `false` when not given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub require_pushed_authorization_requests: Option<bool>,
    /// With `tls_client_auth`, the certificate subject DN it expects (RFC 4514; RFC 8705
    /// §2.1.2). Exactly one of the five `tlsClientAuth*` members.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 1024)]
    pub tls_client_auth_subject_dn: Option<String>,
    /// With `tls_client_auth`, the dNSName SAN it expects.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls_client_auth_san_dns: Option<String>,
    /// With `tls_client_auth`, the URI SAN it expects.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls_client_auth_san_uri: Option<String>,
    /// With `tls_client_auth`, the iPAddress SAN it expects.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls_client_auth_san_ip: Option<String>,
    /// With `tls_client_auth`, the rfc822Name SAN it expects.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls_client_auth_san_email: Option<String>,
}

impl From<CreateApp> for RegisterApplication {
    fn from(b: CreateApp) -> Self {
        Self {
            owner_org_id: b.owner_org_id,
            name: b.name,
            app_type: Some(b.app_type),
            redirect_urls: b.redirect_urls.into_iter().map(|u| u.0).collect(),
            allowed_scopes: b.allowed_scopes,
            description: b.description,
            grant_types: b.grant_types,
            access_level: b.access_level,
            is_first_party: b.is_first_party,
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

/// `null` as "clear it", absence as "keep it".
fn present_or_null<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

/// A JSON value as the text it was sent as, for fields that may not change.
fn sent_text(value: Option<Value>) -> Option<String> {
    value.map(|v| v.to_string())
}

/// `PATCH /api/oauth-applications/{clientId}` body: every field optional; the result must
/// satisfy every rule as a whole.
#[derive(Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PatchApp {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(min_length = 1, max_length = 100)]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_items = 20)]
    pub redirect_urls: Option<Vec<RedirectUrlText>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowed_scopes: Option<Vec<String>>,
    /// `null` clears it.
    #[serde(
        default,
        deserialize_with = "present_or_null",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<String>, max_length = 1000)]
    pub description: Option<Option<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Vec<GrantTypeName>>)]
    pub grant_types: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<AccessLevelName>)]
    pub access_level: Option<String>,
    /// Platform admins only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_first_party: Option<bool>,
    /// Cannot change: sending it is 422.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    #[schema(read_only, value_type = Option<AppTypeName>)]
    pub app_type: Option<Value>,
    /// Cannot change: sending it is 422.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(read_only, value_type = Option<String>)]
    pub client_id: Option<Value>,
    /// Cannot change: sending it is 422.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(read_only, value_type = Option<String>)]
    pub owner_org_id: Option<Value>,
    /// A new method, by the same rules as at registration (`private_key_jwt` needs keys,
    /// here or registered; leaving a secret method revokes the secret).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<AuthMethodName>)]
    pub token_endpoint_auth_method: Option<String>,
    /// New public keys, replacing the current ones at once (`rotate-keys` keeps the old ones
    /// for a grace period). Not with `jwksUri`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub jwks: Option<Value>,
    /// A new URL for the client's public keys. Not with `jwks`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(format = "uri", max_length = 2000)]
    pub jwks_uri: Option<String>,
    /// Whether its access tokens are always DPoP-bound (RFC 9449 §5.2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dpop_bound_access_tokens: Option<bool>,
    /// Whether its access tokens are always certificate-bound (RFC 8705 §3.4).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls_client_certificate_bound_access_tokens: Option<bool>,
    /// Whether its authorization requests must be pushed (RFC 9126 §6).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub require_pushed_authorization_requests: Option<bool>,
    /// With `tls_client_auth`, the certificate subject DN it expects (RFC 4514; RFC 8705
    /// §2.1.2). Exactly one of the five `tlsClientAuth*` members.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 1024)]
    pub tls_client_auth_subject_dn: Option<String>,
    /// With `tls_client_auth`, the dNSName SAN it expects.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls_client_auth_san_dns: Option<String>,
    /// With `tls_client_auth`, the URI SAN it expects.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls_client_auth_san_uri: Option<String>,
    /// With `tls_client_auth`, the iPAddress SAN it expects.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls_client_auth_san_ip: Option<String>,
    /// With `tls_client_auth`, the rfc822Name SAN it expects.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls_client_auth_san_email: Option<String>,
}

impl From<PatchApp> for ApplicationPatch {
    fn from(b: PatchApp) -> Self {
        Self {
            name: b.name,
            description: b.description,
            redirect_urls: b
                .redirect_urls
                .map(|urls| urls.into_iter().map(|u| u.0).collect()),
            allowed_scopes: b.allowed_scopes,
            grant_types: b.grant_types,
            access_level: b.access_level,
            is_first_party: b.is_first_party,
            status: None,
            app_type: sent_text(b.app_type),
            client_id: sent_text(b.client_id),
            owner_org_id: sent_text(b.owner_org_id),
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

/// The body of a rotation: optional; without it the previous secret stops at once.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RotateSecret {
    /// How long the previous secret keeps working, 0-604800 seconds (7 days).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 0, maximum = 604_800)]
    pub grace_period_seconds: Option<i64>,
}

/// The body of a key rotation: the new keys (one of `jwks` and `jwksUri`) and how long the
/// current keys keep working.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RotateKeysBody {
    /// The new keys, as a JWK Set (the rules of `CreateApp.jwks`).
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

impl From<RotateKeysBody> for RotateKeys {
    fn from(b: RotateKeysBody) -> Self {
        Self {
            keys: KeysInput {
                jwks: b.jwks,
                jwks_uri: b.jwks_uri,
            },
            grace_period_seconds: b.grace_period_seconds,
        }
    }
}

/// `POST /api/client-authentication` body: the credentials a client presented to the
/// authorization server, either `{clientId, clientSecret}` (`client_secret_basic`,
/// `client_secret_post`) or `{clientAssertionType, clientAssertion, clientId?}`
/// (`private_key_jwt`, RFC 7523 §2.2).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ClientCredentials {
    /// The client id (required with a secret; optional with an assertion, whose `sub` names
    /// it).
    #[serde(default)]
    client_id: Option<String>,
    /// The client's secret.
    #[serde(default)]
    client_secret: Option<String>,
    /// `urn:ietf:params:oauth:client-assertion-type:jwt-bearer`, with `clientAssertion`.
    #[serde(default)]
    #[schema(example = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer")]
    client_assertion_type: Option<String>,
    /// The client assertion: a JWT the client signed with its private key.
    #[serde(default)]
    client_assertion: Option<String>,
    /// The certificate the client presented in its TLS handshake, as the authorization
    /// server's TLS terminator forwarded it: one PEM `CERTIFICATE` block, at most 5 KiB
    /// (`tls_client_auth`, `self_signed_tls_client_auth`; RFC 8705 §2). With `clientId`.
    #[serde(default)]
    #[schema(max_length = 5120)]
    client_certificate: Option<String>,
}

/// What a client presented.
pub enum Presented {
    /// A client id and a secret.
    Secret {
        /// The client id.
        client_id: String,
        /// The secret.
        secret: String,
    },
    /// A TLS client certificate (PEM).
    Certificate {
        /// The client id.
        client_id: String,
        /// The certificate, as PEM.
        pem: String,
    },
    /// A client assertion.
    Assertion {
        /// The client id, when the request named one.
        client_id: Option<String>,
        /// The JWT.
        assertion: String,
    },
}

impl ClientCredentials {
    /// The credential presented.
    ///
    /// # Errors
    /// 400 naming the fields when the body holds neither a secret nor an assertion, both,
    /// a secret without a client id, or an assertion of another type.
    pub fn presented(self) -> Result<Presented, crate::problem::Problem> {
        let problem = |field: &str, message: &str| {
            crate::problem::Problem::bad_request(
                "The body must hold a client id and secret, or a client assertion.",
                vec![FieldProblem::new(field, message)],
            )
        };
        if let Some(pem) = self.client_certificate {
            if self.client_secret.is_some() || self.client_assertion.is_some() {
                return Err(problem(
                    "clientCertificate",
                    "give a certificate, a secret or an assertion: one of them",
                ));
            }
            let client_id = self
                .client_id
                .ok_or_else(|| problem("clientId", "is required with a certificate"))?;
            return Ok(Presented::Certificate { client_id, pem });
        }
        match (self.client_secret, self.client_assertion) {
            (Some(secret), None) => {
                if self.client_assertion_type.is_some() {
                    return Err(problem(
                        "clientAssertionType",
                        "goes with clientAssertion, not with a secret",
                    ));
                }
                let client_id = self
                    .client_id
                    .ok_or_else(|| problem("clientId", "is required"))?;
                Ok(Presented::Secret { client_id, secret })
            }
            (None, Some(assertion)) => {
                if self.client_assertion_type.as_deref() != Some(JWT_BEARER_ASSERTION_TYPE) {
                    return Err(problem(
                        "clientAssertionType",
                        "must be urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                    ));
                }
                Ok(Presented::Assertion {
                    client_id: self.client_id,
                    assertion,
                })
            }
            (Some(_), Some(_)) => Err(problem(
                "clientAssertion",
                "give a secret or an assertion, not both",
            )),
            (None, None) => Err(problem("clientSecret", "is required (or clientAssertion)")),
        }
    }
}

/// The answer to a client authentication.
#[derive(Debug, Serialize, ToSchema)]
pub struct ClientAuthenticationResult {
    valid: bool,
    /// Present when `valid`.
    #[serde(skip_serializing_if = "Option::is_none")]
    application: Option<App>,
    /// How the client authenticated (its registered method), when `valid`.
    #[serde(skip_serializing_if = "Option::is_none")]
    method: Option<AuthMethodName>,
    /// For a certificate: its SHA-256 thumbprint, base64url (`x5t#S256`, RFC 8705 §3.1),
    /// the confirmation a certificate-bound access token carries (`cnf`). Present whether
    /// or not the certificate is valid for the client.
    #[serde(rename = "x5t#S256", skip_serializing_if = "Option::is_none")]
    x5t_s256: Option<String>,
}

impl ClientAuthenticationResult {
    /// With the thumbprint of the certificate presented.
    #[must_use]
    pub fn with_thumbprint(mut self, thumbprint: &CertificateThumbprint) -> Self {
        self.x5t_s256 = Some(thumbprint.as_str().to_owned());
        self
    }
}

impl From<oauth_apps_domain::ClientAuthentication> for ClientAuthenticationResult {
    fn from(answer: oauth_apps_domain::ClientAuthentication) -> Self {
        match answer {
            oauth_apps_domain::ClientAuthentication::Valid(app) => Self {
                valid: true,
                method: Some(app.auth_method().into()),
                application: Some(App::from(&*app)),
                x5t_s256: None,
            },
            oauth_apps_domain::ClientAuthentication::Invalid(_) => Self {
                valid: false,
                application: None,
                method: None,
                x5t_s256: None,
            },
        }
    }
}

/// `{success: true}`: the answer to a DELETE (the application is disabled, not removed).
#[derive(Debug, Serialize, ToSchema)]
pub struct Success {
    success: bool,
}

impl Success {
    /// The answer.
    pub const YES: Self = Self { success: true };
}

/// One entry of an application's audit trail.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AuditEntry {
    pub id: i64,
    pub action: AuditActionName,
    /// The token subject that did it.
    pub actor: String,
    /// The service's id of the request that did it (its `X-Request-Id` answer header).
    #[schema(required = true)]
    pub request_id: Option<String>,
    /// The id the client gave that request in `X-Request-Id`, when it gave a usable one.
    #[schema(required = true)]
    pub client_request_id: Option<String>,
    /// The fields that changed, named as change events name them (this surface's names;
    /// webhook deliveries use the same).
    pub changed_fields: Vec<ChangedFieldName>,
    #[schema(format = DateTime)]
    pub at: String,
}

impl AuditEntry {
    /// The audit event `event` at feed position `id`, as the trail and the feed tell it.
    #[must_use]
    pub fn of(id: i64, event: &AuditEvent) -> Self {
        Self {
            id,
            action: event.action.into(),
            actor: event.actor.clone(),
            request_id: event.request_id.clone(),
            client_request_id: event.client_request_id.clone(),
            changed_fields: event
                .changed_fields
                .iter()
                .map(|f| ChangedFieldName::from(*f))
                .collect(),
            at: time(event.at),
        }
    }
}

impl From<&StoredAuditEvent> for AuditEntry {
    fn from(e: &StoredAuditEvent) -> Self {
        Self::of(e.id, &e.event)
    }
}

/// A page of an audit trail, newest first.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AuditPage {
    pub items: Vec<AuditEntry>,
    /// Pass as `cursor` for the next (older) page; `null` on the last page.
    #[schema(required = true)]
    pub next_cursor: Option<String>,
}

/// `GET /api/oauth-applications` parameters.
#[derive(Debug, Serialize, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// The organisation.
    #[param(pattern = "^[A-Za-z0-9_.-]{1,64}$")]
    pub owner_org_id: String,
    /// 1-100, default 20.
    #[param(minimum = 1, maximum = 100)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<i64>,
    /// `nextCursor` of the previous page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
    /// Only applications whose name holds this text (case-insensitive; on SQLite, for ASCII
    /// letters only).
    #[param(min_length = 1, max_length = 100)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// The parameters of an audit trail page.
#[derive(Debug, Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EventsQuery {
    /// 1-100, default 20.
    #[param(minimum = 1, maximum = 100)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<i64>,
    /// `nextCursor` of the previous page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
}

/// An RFC 9457 problem (`application/problem+json`).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ProblemDetails {
    /// `urn:oauth-apps:problem:<code>`.
    #[serde(rename = "type")]
    #[schema(format = "uri")]
    pub problem_type: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// Each field and the rule it broke (400, 422).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<FieldProblem>>,
}

impl From<&crate::problem::Problem> for ProblemDetails {
    fn from(p: &crate::problem::Problem) -> Self {
        Self {
            problem_type: format!("urn:oauth-apps:problem:{}", p.code().as_str()),
            title: p.status().canonical_reason().unwrap_or("Error").to_owned(),
            status: p.status().as_u16(),
            detail: p.detail().to_owned(),
            errors: (!p.errors().is_empty()).then(|| p.errors().to_vec()),
        }
    }
}
