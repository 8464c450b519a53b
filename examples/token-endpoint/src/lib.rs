//! A minimal OAuth 2.0 token endpoint (RFC 6749 §4.4, the client credentials grant), as
//! a service that links the registry's domain crate would write it.
//!
//! `POST /token` with `grant_type=client_credentials` (and an optional `scope`) in a form
//! body, the client authenticated by the method it registered:
//! - `client_secret_basic`: HTTP Basic (RFC 6749 §2.3.1; the scheme name is
//!   case-insensitive, RFC 7235 §2.1);
//! - `client_secret_post`: `client_id` and `client_secret` form fields (RFC 6749 §2.3.1);
//! - `private_key_jwt`: `client_assertion_type` and `client_assertion` form fields
//!   (RFC 7523 §2.2, RFC 7521 §4.2), `client_id` optional.
//!
//! A client that presents more than one method is refused (`invalid_request`, RFC 6749
//! §2.3), and a method is only accepted when it is the one the application registered.
//! The client is authenticated through [`ApplicationService::authenticate_client`] or
//! [`ApplicationService::authenticate_assertion`] (the same `invalid_client` for an
//! unknown client, a disabled application, a wrong or expired credential); the grant and
//! scopes are checked against the registered application; the answer is an opaque bearer
//! token. Issuing and storing real tokens is the authorization server's business and out
//! of this example's scope: the token here is random and not remembered.
//!
//! Every answer carries `Cache-Control: no-store` and `Pragma: no-cache` (RFC 6749 §5.1);
//! errors are RFC 6749 §5.2 JSON, `invalid_client` with 401 and `WWW-Authenticate`; when
//! the registry cannot answer, 503 `temporarily_unavailable` with `Retry-After`.

use std::sync::Arc;

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use base64::Engine;
use oauth_apps_domain::{
    ApplicationService, AuthMethod, ClientAuthentication, GrantType, JWT_BEARER_ASSERTION_TYPE,
    OAuthApplication, PlatformRole, Principal, RandomSource,
};
use serde::{Deserialize, Serialize};

/// How long an issued token is valid, in seconds.
pub const TOKEN_LIFETIME: u64 = 3600;

/// The `Retry-After` of a 503 answer, in seconds.
pub const RETRY_AFTER_SECONDS: u32 = 5;

/// What the endpoint needs.
#[derive(Clone)]
pub struct TokenEndpoint {
    /// The registry's use cases over the chosen adapters.
    pub service: Arc<ApplicationService>,
    /// Where token bytes come from (a CSPRNG in production).
    pub random: Arc<dyn RandomSource>,
}

/// The form of a token request (RFC 6749 §4.4.2, with the client authentication
/// parameters of §2.3.1 and RFC 7521 §4.2).
#[derive(Debug, Default, Deserialize)]
pub struct TokenRequest {
    /// Must be `client_credentials`.
    pub grant_type: Option<String>,
    /// Space-separated scopes; all allowed ones when absent.
    pub scope: Option<String>,
    /// The client id (`client_secret_post`; optional with an assertion).
    pub client_id: Option<String>,
    /// The client secret (`client_secret_post`).
    pub client_secret: Option<String>,
    /// `urn:ietf:params:oauth:client-assertion-type:jwt-bearer` (`private_key_jwt`).
    pub client_assertion_type: Option<String>,
    /// The signed JWT (`private_key_jwt`).
    pub client_assertion: Option<String>,
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
    /// The granted scopes, space-separated; absent when none is granted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
}

/// An error code (RFC 6749 §5.2).
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

    const fn status(self) -> StatusCode {
        match self {
            Self::InvalidClient => StatusCode::UNAUTHORIZED,
            Self::TemporarilyUnavailable => StatusCode::SERVICE_UNAVAILABLE,
            _ => StatusCode::BAD_REQUEST,
        }
    }
}

/// A refused request: its code and, where telling does no harm, why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Failure {
    /// The code.
    pub error: OAuthError,
    /// The `error_description`. Never set for `invalid_client`: every failed client
    /// authentication answers alike.
    pub description: Option<&'static str>,
}

impl Failure {
    const fn new(error: OAuthError) -> Self {
        Self {
            error,
            description: None,
        }
    }

    const fn invalid_request(description: &'static str) -> Self {
        Self {
            error: OAuthError::InvalidRequest,
            description: Some(description),
        }
    }
}

impl From<OAuthError> for Failure {
    fn from(error: OAuthError) -> Self {
        Self::new(error)
    }
}

/// The credentials a client presented, by method.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Presented {
    /// HTTP Basic.
    Basic {
        /// The client id.
        client_id: String,
        /// The secret.
        secret: String,
    },
    /// `client_id` and `client_secret` in the form.
    Post {
        /// The client id.
        client_id: String,
        /// The secret.
        secret: String,
    },
    /// A JWT client assertion.
    Assertion {
        /// The `client_id` form field, when sent.
        client_id: Option<String>,
        /// The assertion.
        assertion: String,
    },
}

impl Presented {
    /// The authentication method the client used.
    #[must_use]
    pub const fn method(&self) -> AuthMethod {
        match self {
            Self::Basic { .. } => AuthMethod::ClientSecretBasic,
            Self::Post { .. } => AuthMethod::ClientSecretPost,
            Self::Assertion { .. } => AuthMethod::PrivateKeyJwt,
        }
    }

    /// Reads the client authentication from the `Authorization` header value and the
    /// form.
    ///
    /// # Errors
    /// `invalid_request` for more than one method (RFC 6749 §2.3), a `client_id` that
    /// differs from the Basic one, or half of a method's parameters; `invalid_client` for
    /// no client authentication, undecodable Basic credentials or an assertion type other
    /// than `jwt-bearer`.
    pub fn read(authorization: Option<&str>, form: &TokenRequest) -> Result<Self, Failure> {
        let basic = authorization.and_then(|value| {
            let (scheme, rest) = value.trim_start().split_once([' ', '\t'])?;
            scheme
                .eq_ignore_ascii_case("basic")
                .then(|| basic_credentials(rest.trim()))
        });
        let post = form.client_secret.is_some();
        let assertion = form.client_assertion.is_some() || form.client_assertion_type.is_some();
        if usize::from(basic.is_some()) + usize::from(post) + usize::from(assertion) > 1 {
            return Err(Failure::invalid_request(
                "the client must authenticate with one method only",
            ));
        }
        if let Some(basic) = basic {
            let (client_id, secret) = basic.ok_or(OAuthError::InvalidClient)?;
            if form.client_id.as_ref().is_some_and(|id| *id != client_id) {
                return Err(Failure::invalid_request(
                    "client_id differs from the client authenticated by HTTP Basic",
                ));
            }
            return Ok(Self::Basic { client_id, secret });
        }
        if let Some(secret) = &form.client_secret {
            let client_id = form
                .client_id
                .clone()
                .ok_or(Failure::invalid_request("client_secret needs client_id"))?;
            return Ok(Self::Post {
                client_id,
                secret: secret.clone(),
            });
        }
        match (&form.client_assertion_type, &form.client_assertion) {
            (Some(kind), Some(assertion)) => {
                if kind != JWT_BEARER_ASSERTION_TYPE {
                    return Err(OAuthError::InvalidClient.into());
                }
                Ok(Self::Assertion {
                    client_id: form.client_id.clone(),
                    assertion: assertion.clone(),
                })
            }
            (Some(_), None) => Err(Failure::invalid_request(
                "client_assertion_type needs client_assertion",
            )),
            (None, Some(_)) => Err(Failure::invalid_request(
                "client_assertion needs client_assertion_type",
            )),
            (None, None) => Err(OAuthError::InvalidClient.into()),
        }
    }
}

/// The caller this endpoint acts as towards the registry: it may check credentials,
/// nothing else.
fn authenticator() -> Principal {
    Principal::new("token-endpoint").with_role(PlatformRole::ClientAuthenticator)
}

/// `client_id:client_secret` from the credentials of an `Authorization: Basic` value
/// (the part after the scheme), both form-encoded (RFC 6749 §2.3.1).
#[must_use]
pub fn basic_credentials(token68: &str) -> Option<(String, String)> {
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(token68)
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

/// The scopes to grant: those requested if all are allowed, else all allowed ones;
/// `None` when that is none.
fn granted_scopes(
    app: &OAuthApplication,
    requested: Option<&str>,
) -> Result<Option<String>, OAuthError> {
    let allowed = app.profile().allowed_scopes();
    let granted: Vec<&str> = match requested.map(str::trim).filter(|s| !s.is_empty()) {
        None => allowed.iter().collect(),
        Some(list) => {
            let requested: Vec<&str> = list.split(' ').filter(|s| !s.is_empty()).collect();
            if !requested.iter().all(|s| allowed.contains(s)) {
                return Err(OAuthError::InvalidScope);
            }
            requested
        }
    };
    Ok((!granted.is_empty()).then(|| granted.join(" ")))
}

impl TokenEndpoint {
    /// Exchanges client credentials for a token.
    ///
    /// # Errors
    /// [`Failure`]s as RFC 6749 §5.2 names them.
    pub async fn exchange(
        &self,
        presented: Presented,
        request: &TokenRequest,
    ) -> Result<TokenResponse, Failure> {
        match request.grant_type.as_deref() {
            None => return Err(Failure::invalid_request("grant_type is required")),
            Some("client_credentials") => {}
            Some(_) => return Err(OAuthError::UnsupportedGrantType.into()),
        }
        let app = self.authenticate(&presented).await?;
        if !app
            .profile()
            .grant_types()
            .as_slice()
            .contains(&GrantType::ClientCredentials)
        {
            return Err(OAuthError::UnauthorizedClient.into());
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

    /// The active application whose registered method is the one presented and whose
    /// credential holds.
    async fn authenticate(&self, presented: &Presented) -> Result<OAuthApplication, Failure> {
        let answer = match presented {
            Presented::Basic { client_id, secret } | Presented::Post { client_id, secret } => {
                self.service
                    .authenticate_client(&authenticator(), client_id, secret)
                    .await
            }
            Presented::Assertion {
                client_id,
                assertion,
            } => {
                self.service
                    .authenticate_assertion(&authenticator(), client_id.as_deref(), assertion)
                    .await
            }
        };
        match answer {
            Ok(ClientAuthentication::Valid(app)) if app.auth_method() == presented.method() => {
                Ok(*app)
            }
            Ok(_) => Err(OAuthError::InvalidClient.into()),
            Err(_) => Err(OAuthError::TemporarilyUnavailable.into()),
        }
    }
}

/// `POST /token`.
pub async fn token(
    req: HttpRequest,
    endpoint: web::Data<TokenEndpoint>,
    form: Result<web::Form<TokenRequest>, actix_web::Error>,
) -> HttpResponse {
    let authorization = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    let result = match form {
        Ok(form) => match Presented::read(authorization, &form) {
            Ok(presented) => endpoint.exchange(presented, &form).await,
            Err(failure) => Err(failure),
        },
        Err(_) => Err(Failure::invalid_request(
            "the body must be a form (application/x-www-form-urlencoded) without repeated parameters",
        )),
    };
    let mut response = match result {
        Ok(token) => HttpResponse::Ok().json(token),
        Err(failure) => error_response(failure),
    };
    let headers = response.headers_mut();
    headers.insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    headers.insert(header::PRAGMA, header::HeaderValue::from_static("no-cache"));
    response
}

fn error_response(failure: Failure) -> HttpResponse {
    let mut answer = HttpResponse::build(failure.error.status());
    match failure.error {
        // RFC 6749 §5.2: 401 with the schemes the endpoint takes in the header.
        OAuthError::InvalidClient => {
            answer.insert_header((header::WWW_AUTHENTICATE, "Basic realm=\"token\""));
        }
        OAuthError::TemporarilyUnavailable => {
            answer.insert_header((header::RETRY_AFTER, RETRY_AFTER_SECONDS.to_string()));
        }
        _ => {}
    }
    let mut body = serde_json::json!({"error": failure.error.code()});
    if let Some(description) = failure.description {
        body["error_description"] = description.into();
    }
    answer.json(body)
}

/// Mounts `POST /token`.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/token").route(web::post().to(token)));
}

#[cfg(test)]
mod tests {
    //! The consumer's unit tests: the registry's in-memory fakes for storage, its
    //! `mockall` mocks where a port must fail or answer a given way.

    use super::*;
    use actix_web::test as actix_test;
    use oauth_apps_domain::testing::{
        FakeHasher, FakeKeyDirectory, FixedClock, InMemoryMetadataDocuments, InMemoryReplayGuard,
        InMemoryRepository, SeededRandom,
    };
    use oauth_apps_domain::{
        AssertionRefusal, KeysInput, MockApplicationRepository, MockAssertionVerifier, OrgRole,
        Ports, ReadAssertion, RegisterApplication, RepositoryError, ServiceConfig, Timestamp,
        VerifiedAssertion,
    };
    use serde_json::json;

    const AUDIENCE: &str = "https://as.example/token";
    /// What the mock verifier takes for a good assertion.
    const GOOD_ASSERTION: &str = "a.signed.jwt";

    fn now() -> Timestamp {
        Timestamp::from_unix_micros(1_800_000_000_000_000).expect("a time")
    }

    /// A verifier that accepts [`GOOD_ASSERTION`] for the client it names, each time with
    /// a new `jti`.
    fn verifier(subject: Option<String>) -> MockAssertionVerifier {
        let mut verifier = MockAssertionVerifier::new();
        // The text is kept whole as the signing input: the mock "verifies" it by value.
        verifier.expect_read().returning(move |text| ReadAssertion {
            header: Err(AssertionRefusal::Malformed),
            claims: subject
                .clone()
                .map(|sub| serde_json::Map::from_iter([("sub".to_owned(), json!(sub))])),
            signing_input: text.to_owned(),
            signature: String::new(),
        });
        let counter = std::sync::atomic::AtomicU32::new(0);
        verifier
            .expect_verify()
            .returning(move |assertion, _, rules| {
                if assertion.signing_input != GOOD_ASSERTION {
                    return Err(AssertionRefusal::Signature);
                }
                let n = counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                Ok(VerifiedAssertion {
                    jti: format!("jti-{n}"),
                    expires_at: rules.now.plus_seconds(60),
                    key_set: 0,
                })
            });
        verifier
    }

    struct Registry {
        service: Arc<ApplicationService>,
    }

    impl Registry {
        fn new(repository: Arc<dyn oauth_apps_domain::ApplicationRepository>) -> Self {
            Self::with(repository, verifier(None))
        }

        fn with(
            repository: Arc<dyn oauth_apps_domain::ApplicationRepository>,
            assertions: MockAssertionVerifier,
        ) -> Self {
            let service = ApplicationService::new(
                Ports {
                    repository,
                    hasher: Arc::new(FakeHasher::new()),
                    clock: Arc::new(FixedClock::new(now())),
                    random: Arc::new(SeededRandom::new(7)),
                    keys: Arc::new(FakeKeyDirectory::new()),
                    assertions: Arc::new(assertions),
                    replay: Arc::new(InMemoryReplayGuard::new()),
                    documents: Arc::new(InMemoryMetadataDocuments::new()),
                    policies: Arc::new(oauth_apps_domain::testing::InMemoryPolicies::new()),
                },
                ServiceConfig {
                    assertion_audiences: vec![AUDIENCE.into()],
                    ..ServiceConfig::default()
                },
            );
            Self {
                service: Arc::new(service),
            }
        }

        fn endpoint(&self) -> TokenEndpoint {
            TokenEndpoint {
                service: self.service.clone(),
                random: Arc::new(SeededRandom::new(9)),
            }
        }

        /// Registers an application with `method`, `grants` and `scopes`: its client id
        /// and secret (when the method has one).
        fn register(
            &self,
            method: &str,
            grants: &[&str],
            scopes: &[&str],
        ) -> (String, Option<String>) {
            let keys = (method == "private_key_jwt").then(|| {
                json!({"keys": [{
                    "kty": "OKP", "crv": "Ed25519", "kid": "k1",
                    "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo",
                }]})
            });
            let registered = run(self.service.register(
                &Principal::new("alice").with_org("acme", OrgRole::Admin),
                RegisterApplication {
                    owner_org_id: "acme".into(),
                    name: "Nightly job".into(),
                    app_type: Some("web".into()),
                    redirect_urls: vec!["https://acme.example/cb".into()],
                    allowed_scopes: Some(scopes.iter().map(|s| (*s).to_owned()).collect()),
                    grant_types: Some(grants.iter().map(|g| (*g).to_owned()).collect()),
                    token_endpoint_auth_method: Some(method.into()),
                    keys: KeysInput {
                        jwks: keys,
                        jwks_uri: None,
                    },
                    ..RegisterApplication::default()
                },
            ))
            .expect("registered");
            (
                registered.application.client_id().to_string(),
                registered.client_secret.map(|s| s.expose().to_owned()),
            )
        }
    }

    /// Runs `f` to completion on a runtime of its own, on a thread of its own: callable from
    /// a synchronous test and from within an `actix_web::test` alike.
    fn run<T: Send>(f: impl std::future::Future<Output = T> + Send) -> T {
        std::thread::scope(|scope| {
            scope
                .spawn(|| {
                    tokio::runtime::Builder::new_current_thread()
                        .build()
                        .expect("a runtime")
                        .block_on(f)
                })
                .join()
                .expect("the future completed")
        })
    }

    fn grant(scope: Option<&str>) -> TokenRequest {
        TokenRequest {
            grant_type: Some("client_credentials".into()),
            scope: scope.map(str::to_owned),
            ..TokenRequest::default()
        }
    }

    fn basic_value(scheme: &str, id: &str, secret: &str) -> String {
        let encoded = base64::engine::general_purpose::STANDARD.encode(format!("{id}:{secret}"));
        format!("{scheme} {encoded}")
    }

    fn code(result: &Result<TokenResponse, Failure>) -> Option<&'static str> {
        result.as_ref().err().map(|f| f.error.code())
    }

    #[test]
    fn each_method_is_read_from_where_it_is_sent() {
        for scheme in ["Basic", "basic", "BASIC"] {
            assert_eq!(
                Presented::read(Some(&basic_value(scheme, "c", "s")), &grant(None)),
                Ok(Presented::Basic {
                    client_id: "c".into(),
                    secret: "s".into()
                }),
                "{scheme}"
            );
        }
        let post = TokenRequest {
            client_id: Some("c".into()),
            client_secret: Some("s".into()),
            ..grant(None)
        };
        assert_eq!(
            Presented::read(None, &post),
            Ok(Presented::Post {
                client_id: "c".into(),
                secret: "s".into()
            })
        );
        let assertion = TokenRequest {
            client_assertion_type: Some(JWT_BEARER_ASSERTION_TYPE.into()),
            client_assertion: Some("jwt".into()),
            ..grant(None)
        };
        assert_eq!(
            Presented::read(None, &assertion),
            Ok(Presented::Assertion {
                client_id: None,
                assertion: "jwt".into()
            })
        );
        // Another scheme is no client authentication.
        assert_eq!(
            Presented::read(Some("Bearer abc"), &grant(None)).map_err(|f| f.error),
            Err(OAuthError::InvalidClient)
        );
    }

    #[test]
    fn more_than_one_method_or_half_of_one_is_an_invalid_request() {
        let basic = basic_value("Basic", "c", "s");
        let cases = [
            (
                Some(basic.as_str()),
                TokenRequest {
                    client_id: Some("c".into()),
                    client_secret: Some("s".into()),
                    ..grant(None)
                },
            ),
            (
                None,
                TokenRequest {
                    client_id: Some("c".into()),
                    client_secret: Some("s".into()),
                    client_assertion_type: Some(JWT_BEARER_ASSERTION_TYPE.into()),
                    client_assertion: Some("jwt".into()),
                    ..grant(None)
                },
            ),
            (
                Some(basic.as_str()),
                TokenRequest {
                    client_id: Some("another".into()),
                    ..grant(None)
                },
            ),
            (
                None,
                TokenRequest {
                    client_secret: Some("s".into()),
                    ..grant(None)
                },
            ),
            (
                None,
                TokenRequest {
                    client_assertion: Some("jwt".into()),
                    ..grant(None)
                },
            ),
        ];
        for (authorization, form) in cases {
            let read = Presented::read(authorization, &form);
            assert_eq!(
                read.map_err(|f| f.error),
                Err(OAuthError::InvalidRequest),
                "{form:?}"
            );
        }
        let other_type = TokenRequest {
            client_assertion_type: Some(
                "urn:ietf:params:oauth:client-assertion-type:saml2-bearer".into(),
            ),
            client_assertion: Some("x".into()),
            ..grant(None)
        };
        assert_eq!(
            Presented::read(None, &other_type).map_err(|f| f.error),
            Err(OAuthError::InvalidClient)
        );
    }

    #[test]
    fn a_method_is_accepted_only_when_it_is_the_registered_one() {
        let registry = Registry::new(Arc::new(InMemoryRepository::new()));
        let endpoint = registry.endpoint();
        let (basic_id, basic_secret) =
            registry.register("client_secret_basic", &["client_credentials"], &["read"]);
        let (post_id, post_secret) =
            registry.register("client_secret_post", &["client_credentials"], &["read"]);
        let (jwt_id, _) = registry.register("private_key_jwt", &["client_credentials"], &["read"]);
        let (basic_secret, post_secret) = (
            basic_secret.expect("a secret"),
            post_secret.expect("a secret"),
        );
        let basic = |id: &str, secret: &str| Presented::Basic {
            client_id: id.into(),
            secret: secret.into(),
        };
        let post = |id: &str, secret: &str| Presented::Post {
            client_id: id.into(),
            secret: secret.into(),
        };
        let assertion = |id: &str| Presented::Assertion {
            client_id: Some(id.into()),
            assertion: GOOD_ASSERTION.into(),
        };
        let ok = |p| code(&run(endpoint.exchange(p, &grant(None))));
        assert_eq!(ok(basic(&basic_id, &basic_secret)), None);
        assert_eq!(ok(post(&post_id, &post_secret)), None);
        assert_eq!(ok(assertion(&jwt_id)), None);
        for wrong in [
            post(&basic_id, &basic_secret),
            basic(&post_id, &post_secret),
            assertion(&basic_id),
            basic(&basic_id, &post_secret),
        ] {
            assert_eq!(ok(wrong.clone()), Some("invalid_client"), "{wrong:?}");
        }
    }

    #[test]
    fn an_assertion_names_its_client_when_the_form_does_not() {
        let repository = Arc::new(InMemoryRepository::new());
        let first = Registry::new(repository.clone());
        let (jwt_id, _) = first.register("private_key_jwt", &["client_credentials"], &[]);
        let registry = Registry::with(repository, verifier(Some(jwt_id)));
        let presented = Presented::Assertion {
            client_id: None,
            assertion: GOOD_ASSERTION.into(),
        };
        let token = run(registry.endpoint().exchange(presented, &grant(None))).expect("a token");
        assert_eq!(token.scope, None, "no scope is granted, so none is named");
        let forged = Presented::Assertion {
            client_id: None,
            assertion: "forged".into(),
        };
        assert_eq!(
            code(&run(registry.endpoint().exchange(forged, &grant(None)))),
            Some("invalid_client")
        );
    }

    #[test]
    fn grant_and_scope_rules() {
        let registry = Registry::new(Arc::new(InMemoryRepository::new()));
        let endpoint = registry.endpoint();
        let (id, secret) = registry.register(
            "client_secret_basic",
            &["client_credentials"],
            &["read", "write"],
        );
        let presented = Presented::Basic {
            client_id: id,
            secret: secret.expect("a secret"),
        };
        let ask = |request: TokenRequest| run(endpoint.exchange(presented.clone(), &request));
        assert_eq!(
            ask(grant(Some("read"))).expect("a token").scope.as_deref(),
            Some("read")
        );
        assert_eq!(
            ask(grant(None)).expect("a token").scope.as_deref(),
            Some("read write")
        );
        assert_eq!(code(&ask(grant(Some("read admin")))), Some("invalid_scope"));
        let password = TokenRequest {
            grant_type: Some("password".into()),
            ..TokenRequest::default()
        };
        assert_eq!(code(&ask(password)), Some("unsupported_grant_type"));
        assert_eq!(code(&ask(TokenRequest::default())), Some("invalid_request"));

        let (browser, browser_secret) =
            registry.register("client_secret_basic", &["authorization_code"], &["read"]);
        let browser = Presented::Basic {
            client_id: browser,
            secret: browser_secret.expect("a secret"),
        };
        assert_eq!(
            code(&run(endpoint.exchange(browser, &grant(None)))),
            Some("unauthorized_client")
        );
    }

    #[actix_web::test]
    async fn answers_carry_the_headers_rfc_6749_asks_for() {
        let registry = Registry::new(Arc::new(InMemoryRepository::new()));
        let (id, secret) = registry.register("client_secret_post", &["client_credentials"], &[]);
        let mut outage = MockApplicationRepository::new();
        outage
            .expect_find_by_client_id()
            .returning(|_| Err(RepositoryError::Unavailable("down".into())));
        let down = Registry::new(Arc::new(outage));
        let app = actix_test::init_service(
            actix_web::App::new()
                .app_data(web::Data::new(registry.endpoint()))
                .configure(routes),
        )
        .await;
        let form = format!(
            "grant_type=client_credentials&client_id={id}&client_secret={}",
            secret.expect("a secret")
        );
        let post = |body: String| {
            actix_test::TestRequest::post()
                .uri("/token")
                .insert_header((header::CONTENT_TYPE, "application/x-www-form-urlencoded"))
                .set_payload(body)
                .to_request()
        };
        let ok = actix_test::call_service(&app, post(form.clone())).await;
        assert_eq!(ok.status(), StatusCode::OK);
        assert_eq!(ok.headers().get(header::CACHE_CONTROL).unwrap(), "no-store");
        assert_eq!(ok.headers().get(header::PRAGMA).unwrap(), "no-cache");
        let body: serde_json::Value = actix_test::read_body_json(ok).await;
        assert!(body.get("scope").is_none(), "{body}");

        let refused = actix_test::call_service(&app, post(format!("{form}x"))).await;
        assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(
            refused.headers().get(header::WWW_AUTHENTICATE).unwrap(),
            "Basic realm=\"token\""
        );
        assert_eq!(refused.headers().get(header::PRAGMA).unwrap(), "no-cache");
        let body: serde_json::Value = actix_test::read_body_json(refused).await;
        assert_eq!(body, json!({"error": "invalid_client"}));

        let repeated =
            actix_test::call_service(&app, post(format!("{form}&scope=a&scope=b"))).await;
        assert_eq!(repeated.status(), StatusCode::BAD_REQUEST);
        let body: serde_json::Value = actix_test::read_body_json(repeated).await;
        assert_eq!(body["error"], "invalid_request");

        let unavailable = actix_test::init_service(
            actix_web::App::new()
                .app_data(web::Data::new(down.endpoint()))
                .configure(routes),
        )
        .await;
        let answer = actix_test::call_service(&unavailable, post(form)).await;
        assert_eq!(answer.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(
            answer.headers().get(header::RETRY_AFTER).unwrap(),
            &RETRY_AFTER_SECONDS.to_string()
        );
        let body: serde_json::Value = actix_test::read_body_json(answer).await;
        assert_eq!(body["error"], "temporarily_unavailable");
    }

    #[test]
    fn basic_credentials_are_form_decoded() {
        let token = base64::engine::general_purpose::STANDARD.encode("my%20client:s%3Ac+t");
        assert_eq!(
            basic_credentials(&token),
            Some(("my client".into(), "s:c t".into()))
        );
        assert_eq!(basic_credentials("!!!"), None);
    }
}
