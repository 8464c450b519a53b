//! A minimal OAuth 2.0 token endpoint (RFC 6749 §4.4, the client credentials grant), as
//! a service that links the registry's domain crate would write it.
//!
//! `POST /token` with `grant_type=client_credentials` (and an optional `scope`) in a form
//! body and the client's credentials in HTTP Basic (RFC 6749 §2.3.1). The client is
//! authenticated by [`ApplicationService::authenticate_client`] (uniform `invalid` for
//! unknown clients, disabled applications and wrong or expired secrets); the grant and
//! scopes are checked against the registered application; the answer is an opaque
//! bearer token. Issuing and storing real tokens is the authorization server's business
//! and out of this example's scope: the token here is random and not remembered.

use std::sync::Arc;

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use base64::Engine;
use oauth_apps_domain::{
    ApplicationService, ClientAuthentication, GrantType, OAuthApplication, PlatformRole, Principal,
    RandomSource,
};
use serde::{Deserialize, Serialize};

/// How long an issued token is valid, in seconds.
pub const TOKEN_LIFETIME: u64 = 3600;

/// What the endpoint needs.
#[derive(Clone)]
pub struct TokenEndpoint {
    /// The registry's use cases over the chosen adapters.
    pub service: Arc<ApplicationService>,
    /// Where token bytes come from (a CSPRNG in production).
    pub random: Arc<dyn RandomSource>,
}

/// The form of a token request.
#[derive(Debug, Deserialize)]
pub struct TokenRequest {
    /// Must be `client_credentials`.
    pub grant_type: String,
    /// Space-separated scopes; all allowed ones when absent.
    pub scope: Option<String>,
}

/// A successful answer (RFC 6749 §5.1).
#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct TokenResponse {
    /// The opaque token.
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Lifetime in seconds.
    pub expires_in: u64,
    /// The granted scopes, space-separated.
    pub scope: String,
}

/// An error answer (RFC 6749 §5.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OAuthError {
    /// Missing or malformed request.
    InvalidRequest,
    /// Client authentication failed (401).
    InvalidClient,
    /// The client may not use this grant.
    UnauthorizedClient,
    /// Not `client_credentials`.
    UnsupportedGrantType,
    /// A scope the client may not request.
    InvalidScope,
    /// The registry could not answer (503).
    TemporarilyUnavailable,
}

impl OAuthError {
    /// The `error` code.
    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            Self::InvalidRequest => "invalid_request",
            Self::InvalidClient => "invalid_client",
            Self::UnauthorizedClient => "unauthorized_client",
            Self::UnsupportedGrantType => "unsupported_grant_type",
            Self::InvalidScope => "invalid_scope",
            Self::TemporarilyUnavailable => "temporarily_unavailable",
        }
    }

    fn status(self) -> StatusCode {
        match self {
            Self::InvalidClient => StatusCode::UNAUTHORIZED,
            Self::TemporarilyUnavailable => StatusCode::SERVICE_UNAVAILABLE,
            _ => StatusCode::BAD_REQUEST,
        }
    }
}

/// The caller this endpoint acts as towards the registry: it may check secrets, nothing
/// else.
fn authenticator() -> Principal {
    Principal::new("token-endpoint").with_role(PlatformRole::ClientAuthenticator)
}

/// `client_id:client_secret` from an `Authorization: Basic` value (both form-encoded,
/// RFC 6749 §2.3.1).
#[must_use]
pub fn basic_credentials(value: &str) -> Option<(String, String)> {
    let encoded = value.strip_prefix("Basic ")?.trim();
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (id, secret) = text.split_once(':')?;
    Some((form_decode(id)?, form_decode(secret)?))
}

fn form_decode(s: &str) -> Option<String> {
    let mut out = Vec::with_capacity(s.len());
    let mut bytes = s.bytes();
    while let Some(b) = bytes.next() {
        match b {
            b'+' => out.push(b' '),
            b'%' => {
                let hi = char::from(bytes.next()?).to_digit(16)?;
                let lo = char::from(bytes.next()?).to_digit(16)?;
                out.push(u8::try_from(hi * 16 + lo).ok()?);
            }
            other => out.push(other),
        }
    }
    String::from_utf8(out).ok()
}

fn granted_scopes(app: &OAuthApplication, requested: Option<&str>) -> Result<String, OAuthError> {
    let allowed = app.profile().allowed_scopes();
    match requested.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(allowed.iter().collect::<Vec<_>>().join(" ")),
        Some(list) => {
            let requested: Vec<&str> = list.split(' ').filter(|s| !s.is_empty()).collect();
            if requested.iter().all(|s| allowed.contains(s)) {
                Ok(requested.join(" "))
            } else {
                Err(OAuthError::InvalidScope)
            }
        }
    }
}

impl TokenEndpoint {
    /// Exchanges client credentials for a token.
    ///
    /// # Errors
    /// [`OAuthError`] as RFC 6749 §5.2 names them.
    pub async fn exchange(
        &self,
        credentials: Option<(String, String)>,
        request: &TokenRequest,
    ) -> Result<TokenResponse, OAuthError> {
        let (client_id, secret) = credentials.ok_or(OAuthError::InvalidClient)?;
        if request.grant_type != "client_credentials" {
            return Err(OAuthError::UnsupportedGrantType);
        }
        let app = match self
            .service
            .authenticate_client(&authenticator(), &client_id, &secret)
            .await
        {
            Ok(ClientAuthentication::Valid(app)) => app,
            Ok(ClientAuthentication::Invalid) => return Err(OAuthError::InvalidClient),
            Err(_) => return Err(OAuthError::TemporarilyUnavailable),
        };
        if !app
            .profile()
            .grant_types()
            .as_slice()
            .contains(&GrantType::ClientCredentials)
        {
            return Err(OAuthError::UnauthorizedClient);
        }
        let scope = granted_scopes(&app, request.scope.as_deref())?;
        let mut bytes = [0u8; 32];
        self.random
            .fill(&mut bytes)
            .map_err(|_| OAuthError::TemporarilyUnavailable)?;
        Ok(TokenResponse {
            access_token: base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes),
            token_type: "Bearer".to_owned(),
            expires_in: TOKEN_LIFETIME,
            scope,
        })
    }
}

/// `POST /token`.
pub async fn token(
    req: HttpRequest,
    endpoint: web::Data<TokenEndpoint>,
    form: Result<web::Form<TokenRequest>, actix_web::Error>,
) -> HttpResponse {
    let credentials = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(basic_credentials);
    let result = match form {
        Ok(form) => endpoint.exchange(credentials, &form).await,
        Err(_) => Err(OAuthError::InvalidRequest),
    };
    let mut response = match result {
        Ok(token) => HttpResponse::Ok().json(token),
        Err(e) => {
            let mut r = HttpResponse::build(e.status());
            if e == OAuthError::InvalidClient {
                r.insert_header((header::WWW_AUTHENTICATE, "Basic realm=\"token\""));
            }
            r.json(serde_json::json!({"error": e.code()}))
        }
    };
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    response
}

/// Mounts `POST /token`.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/token").route(web::post().to(token)));
}

#[cfg(test)]
mod tests {
    //! The consumer's unit tests: the registry's ports mocked with its exported mocks.

    use super::*;
    use oauth_apps_domain::{
        ApplicationRecord, MockApplicationRepository, MockClock, MockRandomSource,
        MockSecretHasher, Ports, SecretHash, ServiceConfig, Timestamp,
    };

    const CLIENT_ID: &str = "0b7f6c1e-2d7c-4a55-9a51-3f0e7c9d2a10";
    // Well formed (prefix, alphabet, checksum) so that the hasher is asked.
    fn secret() -> String {
        oauth_apps_domain::ClientSecret::from_random_bytes(
            &[9; oauth_apps_domain::SECRET_RANDOM_BYTES],
        )
        .expose()
        .to_owned()
    }

    fn app(grants: &[&str], status: &str) -> OAuthApplication {
        let at = Timestamp::from_unix_micros(1_700_000_000_000_000).expect("a time");
        OAuthApplication::from_record(
            7,
            ApplicationRecord {
                client_id: CLIENT_ID.into(),
                owner_org_id: "acme".into(),
                name: "Backend job".into(),
                description: None,
                app_type: "web".into(),
                redirect_urls: vec!["https://acme.example/cb".into()],
                allowed_scopes: vec!["read".into(), "write".into()],
                grant_types: grants.iter().map(|g| (*g).to_owned()).collect(),
                access_level: "organization".into(),
                status: status.into(),
                is_first_party: false,
                token_endpoint_auth_method: "client_secret_basic".into(),
                current_secret_hash: Some(
                    "$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2g".into(),
                ),
                previous_secret: None,
                keys: None,
                created_at: at,
                updated_at: at,
                version: 1,
            },
        )
        .expect("a valid application")
    }

    /// An endpoint whose registry finds `found` and whose hasher says `matches`.
    fn endpoint(found: Option<OAuthApplication>, matches: bool) -> TokenEndpoint {
        let mut repository = MockApplicationRepository::new();
        repository
            .expect_find_by_client_id()
            .returning(move |_| Ok(found.clone()));
        let mut hasher = MockSecretHasher::new();
        hasher.expect_verify().returning(move |_, _, _| Ok(matches));
        hasher
            .expect_hash()
            .returning(|_, _| Ok(SecretHash::new("$argon2id$dummy").expect("a hash")));
        let mut clock = MockClock::new();
        clock
            .expect_now()
            .returning(|| Timestamp::from_unix_micros(1_800_000_000_000_000).expect("a time"));
        let mut random = MockRandomSource::new();
        random.expect_fill().returning(|dest| {
            dest.fill(7);
            Ok(())
        });
        let random = Arc::new(random);
        TokenEndpoint {
            service: Arc::new(ApplicationService::new(
                Ports {
                    repository: Arc::new(repository),
                    hasher: Arc::new(hasher),
                    clock: Arc::new(clock),
                    random: random.clone(),
                },
                ServiceConfig::default(),
            )),
            random,
        }
    }

    fn request(scope: Option<&str>) -> TokenRequest {
        TokenRequest {
            grant_type: "client_credentials".into(),
            scope: scope.map(str::to_owned),
        }
    }

    fn run<T>(f: impl std::future::Future<Output = T>) -> T {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("a runtime")
            .block_on(f)
    }

    #[test]
    fn a_valid_client_gets_a_token_for_the_scopes_it_asked() {
        let e = endpoint(Some(app(&["client_credentials"], "active")), true);
        let token = run(e.exchange(Some((CLIENT_ID.into(), secret())), &request(Some("read"))))
            .expect("a token");
        assert_eq!(token.scope, "read");
        assert_eq!(token.token_type, "Bearer");
        assert_eq!(token.access_token.len(), 43);
        let all = run(e.exchange(Some((CLIENT_ID.into(), secret())), &request(None))).unwrap();
        assert_eq!(all.scope, "read write");
    }

    #[test]
    fn wrong_secrets_unknown_and_disabled_clients_are_all_invalid_client() {
        let wrong = endpoint(Some(app(&["client_credentials"], "active")), false);
        let unknown = endpoint(None, false);
        let disabled = endpoint(Some(app(&["client_credentials"], "revoked")), true);
        for e in [wrong, unknown, disabled] {
            assert_eq!(
                run(e.exchange(Some((CLIENT_ID.into(), secret())), &request(None))),
                Err(OAuthError::InvalidClient)
            );
        }
    }

    #[test]
    fn grant_and_scope_rules() {
        let no_grant = endpoint(Some(app(&["authorization_code"], "active")), true);
        assert_eq!(
            run(no_grant.exchange(Some((CLIENT_ID.into(), secret())), &request(None))),
            Err(OAuthError::UnauthorizedClient)
        );
        let e = endpoint(Some(app(&["client_credentials"], "active")), true);
        assert_eq!(
            run(e.exchange(
                Some((CLIENT_ID.into(), secret())),
                &request(Some("read admin"))
            )),
            Err(OAuthError::InvalidScope)
        );
        let password = TokenRequest {
            grant_type: "password".into(),
            scope: None,
        };
        assert_eq!(
            run(e.exchange(Some((CLIENT_ID.into(), secret())), &password)),
            Err(OAuthError::UnsupportedGrantType)
        );
        assert_eq!(
            run(e.exchange(None, &request(None))),
            Err(OAuthError::InvalidClient)
        );
    }

    #[test]
    fn basic_credentials_are_form_decoded() {
        let value = format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode("my%20client:s%3Ac+t")
        );
        assert_eq!(
            basic_credentials(&value),
            Some(("my client".into(), "s:c t".into()))
        );
        assert_eq!(basic_credentials("Bearer x"), None);
        assert_eq!(basic_credentials("Basic !!!"), None);
    }
}
