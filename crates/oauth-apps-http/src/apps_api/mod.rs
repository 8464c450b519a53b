//! Surface A: `/api/oauth-applications` and `/api/client-authentication`, camelCase,
//! RFC 9457 problem details.

pub mod change_notice;
pub mod client_metadata;
pub mod dto;
pub mod feed;
pub mod handlers;
pub mod org_policy;
pub mod secret_scanning;
pub mod server_metadata;
pub mod tokens;
pub mod webhooks;

use std::future::{Ready, ready};

use actix_web::dev::Payload;
use actix_web::middleware::from_fn;
use actix_web::{FromRequest, HttpRequest, HttpResponse, web};
use oauth_apps_domain::{AppRef, ClientId, Field};

use crate::problem::{self, Problem};
use crate::request;

/// Surface A.
pub struct AppsApi;

impl problem::Surface for AppsApi {
    fn field_name(field: Field) -> &'static str {
        match field {
            Field::ClientId => "clientId",
            Field::OwnerOrgId => "ownerOrgId",
            Field::RedirectUrls => "redirectUrls",
            Field::AllowedScopes => "allowedScopes",
            Field::GrantTypes => "grantTypes",
            Field::AccessLevel => "accessLevel",
            Field::IsFirstParty => "isFirstParty",
            Field::GracePeriodSeconds => "gracePeriodSeconds",
            Field::Status => "disabled",
            Field::TokenEndpointAuthMethod => "tokenEndpointAuthMethod",
            Field::JwksUri => "jwksUri",
            Field::ExpiresInSeconds => "expiresInSeconds",
            Field::MaxUses => "maxUses",
            Field::ClientUri => "clientUri",
            Field::LogoUri => "logoUri",
            Field::TosUri => "tosUri",
            Field::PolicyUri => "policyUri",
            Field::SoftwareId => "softwareId",
            Field::SoftwareVersion => "softwareVersion",
            Field::SoftwareStatement => "softwareStatement",
            Field::MetadataDocument => "metadataDocument",
            Field::SecretLifetimeDays => "secretLifetimeDays",
            Field::LeakedSecretAction => "leakedSecretAction",
            Field::StaleAfterDays => "staleAfterDays",
            Field::SelfRegistrationGrantTypes => "selfRegistration.grantTypes",
            Field::SelfRegistrationScopes => "selfRegistration.scopes",
            Field::SelfRegistrationAuthMethods => "selfRegistration.authMethods",
            Field::AllowanceGrantTypes => "allowance.grantTypes",
            Field::AllowanceScopes => "allowance.scopes",
            Field::AllowanceAuthMethods => "allowance.authMethods",
            Field::DpopBoundAccessTokens => "dpopBoundAccessTokens",
            Field::TlsClientCertificateBoundAccessTokens => "tlsClientCertificateBoundAccessTokens",
            Field::RequirePushedAuthorizationRequests => "requirePushedAuthorizationRequests",
            Field::TlsClientAuthSubjectDn => "tlsClientAuthSubjectDn",
            Field::TlsClientAuthSanDns => "tlsClientAuthSanDns",
            Field::TlsClientAuthSanUri => "tlsClientAuthSanUri",
            Field::TlsClientAuthSanIp => "tlsClientAuthSanIp",
            Field::TlsClientAuthSanEmail => "tlsClientAuthSanEmail",
            Field::TlsClientAuthSubject => "tlsClientAuthSubject",
            other => other.name(),
        }
    }

    fn respond(problem: &Problem) -> HttpResponse {
        problem
            .response()
            .content_type("application/problem+json")
            .json(dto::ProblemDetails::from(problem))
    }
}

/// Surface A's error type.
pub type Error = problem::ApiError<AppsApi>;
/// The caller of a surface A request, counted against its limit `L`.
pub type Caller<L = request::Read> = request::Caller<AppsApi, L>;
/// A required JSON body on surface A.
pub type Json<T> = crate::json::Json<T, AppsApi>;
/// An optional JSON body on surface A.
pub type OptionalJson<T> = crate::json::OptionalJson<T, AppsApi>;
/// Query parameters on surface A.
pub type Query<T> = crate::json::Query<T, AppsApi>;

/// The application a path names by `{clientId}`: a malformed id names no application
/// (404, as an unknown one).
pub struct Target(pub AppRef);

impl FromRequest for Target {
    type Error = Error;
    type Future = Ready<Result<Self, Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(
            req.match_info()
                .get("clientId")
                .and_then(|id| ClientId::parse(id).ok())
                .map(|id| Self(AppRef::ClientId(id)))
                .ok_or_else(|| Problem::not_found().into()),
        )
    }
}

/// Registers surface A's routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    use handlers as h;
    cfg.service(
        web::resource("/api/oauth-applications")
            .wrap(from_fn(crate::idempotency::idempotent::<AppsApi>))
            .route(web::post().to(h::create))
            .route(crate::get_or_head().to(h::list)),
    )
    .service(
        web::resource("/api/oauth-applications/{clientId}")
            .route(crate::get_or_head().to(h::get))
            .route(web::patch().to(h::patch))
            .route(web::delete().to(h::disable)),
    )
    .service(
        web::resource("/api/oauth-applications/{clientId}/enable").route(web::post().to(h::enable)),
    )
    .service(
        web::resource("/api/oauth-applications/{clientId}/rotate-secret")
            .wrap(from_fn(crate::idempotency::idempotent::<AppsApi>))
            .route(web::post().to(h::rotate_secret)),
    )
    .service(
        web::resource("/api/oauth-applications/{clientId}/rotate-keys")
            .wrap(from_fn(crate::idempotency::idempotent::<AppsApi>))
            .route(web::post().to(h::rotate_keys)),
    )
    .service(
        web::resource("/api/oauth-applications/{clientId}/revoke-previous-secret")
            .route(web::post().to(h::revoke_previous_secret)),
    )
    .service(
        web::resource("/api/oauth-applications/{clientId}/events")
            .route(crate::get_or_head().to(h::events)),
    )
    .service(
        web::resource("/api/client-authentication").route(web::post().to(h::authenticate_client)),
    )
    .service(web::resource("/api/events").route(crate::get_or_head().to(feed::feed)))
    .service(
        web::resource("/api/authorization-server-metadata")
            .route(crate::get_or_head().to(server_metadata::get)),
    )
    .service(
        web::resource("/api/client-metadata")
            .route(crate::get_or_head().to(client_metadata::resolve)),
    )
    .service(
        web::resource("/api/initial-access-tokens")
            .route(web::post().to(tokens::mint))
            .route(crate::get_or_head().to(tokens::list)),
    )
    .service(
        web::resource("/api/initial-access-tokens/{tokenId}")
            .route(web::delete().to(tokens::revoke)),
    )
    .service(
        web::resource("/api/organizations/{org}/policy")
            .route(crate::get_or_head().to(org_policy::get))
            .route(web::put().to(org_policy::put)),
    )
    .service(
        web::resource("/api/organizations/{org}/policy/violations")
            .route(crate::get_or_head().to(org_policy::violations)),
    )
    .service(
        web::resource("/api/secret-scanning/reports")
            .route(web::post().to(secret_scanning::report)),
    )
    .service(
        web::resource("/api/webhooks")
            .route(web::post().to(webhooks::create))
            .route(crate::get_or_head().to(webhooks::list)),
    )
    .service(
        web::resource("/api/webhooks/{webhookId}")
            .route(crate::get_or_head().to(webhooks::get))
            .route(web::patch().to(webhooks::patch))
            .route(web::delete().to(webhooks::delete)),
    )
    .service(
        web::resource("/api/webhooks/{webhookId}/rotate-secret")
            .route(web::post().to(webhooks::rotate_secret)),
    )
    .service(
        web::resource("/api/webhooks/{webhookId}/deliveries")
            .route(crate::get_or_head().to(webhooks::deliveries)),
    );
}
