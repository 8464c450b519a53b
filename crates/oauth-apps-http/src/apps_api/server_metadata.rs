//! `GET /api/authorization-server-metadata`: the members of an authorization server's
//! metadata (RFC 8414 §2) that follow from this registry's configuration, for the AS to
//! merge into the document it publishes at `/.well-known/oauth-authorization-server`.

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use oauth_apps_domain::AuthMethod;
use serde::Serialize;
use utoipa::ToSchema;

use crate::state::AppState;

/// How long a cache may keep the answer: it changes only when the registry is restarted
/// with another configuration.
pub const MAX_AGE_SECONDS: u32 = 300;

/// The RFC 8414 §2 members that follow from the registry's configuration. The names are
/// RFC 8414's (snake_case), so that the members merge into the AS's document unchanged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct AuthorizationServerMetadata {
    /// Every client authentication method the registry stores and checks (RFC 8414 §2; the
    /// names of the IANA "OAuth Token Endpoint Authentication Methods" registry).
    pub token_endpoint_auth_methods_supported: Vec<&'static str>,
    /// The JWS algorithms a `private_key_jwt` assertion may be signed with (RFC 8414 §2):
    /// never `none`, never an HMAC.
    pub token_endpoint_auth_signing_alg_values_supported: Vec<&'static str>,
    /// Whether a client id may be the URL of a Client ID Metadata Document
    /// (draft-ietf-oauth-client-id-metadata-document): true when
    /// `OAUTH_APPS_CIMD_ALLOWED_HOSTS` names at least one host.
    pub client_id_metadata_document_supported: bool,
    /// The RFC 7591 registration endpoint: the registry's public URL and `/register`.
    /// Present whenever `/register` registers clients, which it always does here (with an
    /// initial access token, or without one under open registration).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(format = "uri")]
    pub registration_endpoint: Option<String>,
    /// Always true: the registry stores and checks a client's
    /// `tls_client_certificate_bound_access_tokens` (RFC 8705 §3.3, §3.4).
    pub tls_client_certificate_bound_access_tokens: bool,
}

impl AuthorizationServerMetadata {
    /// What `state`'s configuration makes of each member.
    #[must_use]
    pub fn of(state: &AppState) -> Self {
        Self {
            token_endpoint_auth_methods_supported: AuthMethod::ALL
                .into_iter()
                .map(AuthMethod::as_str)
                .collect(),
            token_endpoint_auth_signing_alg_values_supported: oauth_apps_jose::assertion_algorithms(
            ),
            client_id_metadata_document_supported: !state
                .service
                .config()
                .metadata_document_hosts
                .is_empty(),
            // `/register` is always served, and always registers: without a token into
            // the open registration organisation when there is one, and always with an
            // initial access token, which an organisation's admins can mint at any time.
            registration_endpoint: Some(format!("{}/register", state.registration.public_url)),
            tls_client_certificate_bound_access_tokens: true,
        }
    }
}

/// The RFC 8414 §2 members that follow from this registry's configuration, for an
/// authorization server to merge into its own metadata document. Nothing in it is secret,
/// and RFC 8414 §3 serves the document it completes without authentication: so is this,
/// cacheable for five minutes.
#[utoipa::path(
    get, path = "/api/authorization-server-metadata",
    operation_id = "authorization_server_metadata", tag = "registration",
    security(()),
    responses(
        (status = 200, description = "The members (RFC 8414 §2)", body = AuthorizationServerMetadata, headers(
            ("Cache-Control" = String, description = "`public, max-age=300`"),
        )),
    ),
)]
pub async fn get(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((
            header::CACHE_CONTROL,
            format!("public, max-age={MAX_AGE_SECONDS}"),
        ))
        .json(AuthorizationServerMetadata::of(&state))
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use oauth_apps_domain::testing::InMemoryRepository;

    use super::*;
    use crate::state::RegistrationSettings;

    #[test]
    fn every_method_and_no_symmetric_algorithm_is_published() {
        let state = crate::request::tests::state(Arc::new(InMemoryRepository::new()));
        let metadata = AuthorizationServerMetadata::of(&state);
        assert_eq!(
            metadata.token_endpoint_auth_methods_supported,
            AuthMethod::NAMES
        );
        assert!(
            metadata
                .token_endpoint_auth_signing_alg_values_supported
                .iter()
                .all(|alg| *alg != "none" && !alg.starts_with("HS"))
        );
        assert!(!metadata.client_id_metadata_document_supported);
        assert!(metadata.tls_client_certificate_bound_access_tokens);
    }

    #[test]
    fn the_registration_endpoint_is_under_the_public_url() {
        let mut state = crate::request::tests::state(Arc::new(InMemoryRepository::new()));
        state.registration = Arc::new(RegistrationSettings {
            public_url: "https://apps.example.com".into(),
            ..RegistrationSettings::default()
        });
        assert_eq!(
            AuthorizationServerMetadata::of(&state)
                .registration_endpoint
                .as_deref(),
            Some("https://apps.example.com/register")
        );
    }
}
