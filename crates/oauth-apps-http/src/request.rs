//! What every handler needs from a request besides its body: the caller (a [`Caller`]
//! extractor that verifies the bearer token and applies the caller's rate limit), the
//! request ids, and the `If-Match` precondition; and the headers of answers (`ETag`,
//! `Cache-Control: no-store`).

use std::future::{Ready, ready};
use std::marker::PhantomData;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use oauth_apps_domain::{Precondition, Principal, Version};

use crate::auth::TokenError;
use crate::problem::{ApiError, Problem, Surface};
use crate::state::AppState;

/// The id of the request, set by the request-id middleware: always the service's own.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

/// The id the client gave its request in `X-Request-Id`, when it is 1–128 printable ASCII
/// characters (see [`oauth_apps_domain::client_request_id`]).
#[derive(Debug, Clone)]
pub struct ClientRequestId(pub String);

/// The caller of `req`, from its bearer token, with the request's ids.
///
/// # Errors
/// 401 without a token (`WWW-Authenticate: Bearer`) or with a bad one
/// (`error="invalid_token"`).
pub fn authenticate(req: &HttpRequest, state: &AppState) -> Result<Principal, Problem> {
    let Some(value) = req.headers().get(header::AUTHORIZATION) else {
        return Err(Problem::unauthorized(false, "A bearer token is required."));
    };
    let token = value
        .to_str()
        .ok()
        .and_then(bearer_token)
        .ok_or_else(|| Problem::unauthorized(true, TokenError::Malformed.to_string()))?;
    let principal = state
        .verifier
        .verify(token)
        .map_err(|e| Problem::unauthorized(true, e.to_string()))?;
    let extensions = req.extensions();
    let principal = match extensions.get::<RequestId>() {
        Some(id) => principal.with_request_id(id.0.clone()),
        None => principal,
    };
    Ok(match extensions.get::<ClientRequestId>() {
        Some(id) => principal.with_client_request_id(&id.0),
        None => principal,
    })
}

/// The token of an `Authorization` value in the `Bearer` scheme: the scheme in any case
/// (RFC 9110 §11.1), one or more spaces, then one token with no white space in it.
pub(crate) fn bearer_token(value: &str) -> Option<&str> {
    let (scheme, rest) = value.trim_matches([' ', '\t']).split_once(' ')?;
    let token = rest.trim_start_matches(' ');
    (scheme.eq_ignore_ascii_case("bearer")
        && !token.is_empty()
        && !token.contains(|c: char| c.is_ascii_whitespace()))
    .then_some(token)
}

/// Which of the caller's rate limits a call counts against.
pub trait Limit: 'static {
    /// Counts one call of `subject`.
    ///
    /// # Errors
    /// How long to wait when `subject` is over its limit.
    fn take(state: &AppState, subject: &str) -> Result<(), std::time::Duration>;
}

/// Reads: no limit.
pub struct Read;
/// Changes to an application: the write limit.
pub struct Write;
/// Client authentications: the authentication limit.
pub struct Authentication;

impl Limit for Read {
    fn take(_: &AppState, _: &str) -> Result<(), std::time::Duration> {
        Ok(())
    }
}

impl Limit for Write {
    fn take(state: &AppState, subject: &str) -> Result<(), std::time::Duration> {
        state
            .limits
            .writes
            .as_ref()
            .map_or(Ok(()), |l| l.check(subject))
    }
}

impl Limit for Authentication {
    fn take(state: &AppState, subject: &str) -> Result<(), std::time::Duration> {
        state
            .limits
            .authentications
            .as_ref()
            .map_or(Ok(()), |l| l.check(subject))
    }
}

/// The authenticated caller of a request to the surface `S`, counted against its limit
/// `L` ([`Read`]: none): 401 without a valid bearer token, 429 with `Retry-After` over
/// the limit, both in the surface's shape, before anything else of the request is read.
pub struct Caller<S, L = Read> {
    principal: Principal,
    marker: PhantomData<fn() -> (S, L)>,
}

impl<S, L> std::ops::Deref for Caller<S, L> {
    type Target = Principal;

    fn deref(&self) -> &Principal {
        &self.principal
    }
}

/// The handlers' state.
///
/// # Errors
/// 500 when the application was built without it.
pub fn state(req: &HttpRequest) -> Result<&web::Data<AppState>, Problem> {
    req.app_data::<web::Data<AppState>>().ok_or_else(|| {
        tracing::error!("the handlers' state is missing");
        Problem::new(
            actix_web::http::StatusCode::INTERNAL_SERVER_ERROR,
            "An unexpected error occurred.",
        )
    })
}

impl<S: Surface, L: Limit> FromRequest for Caller<S, L> {
    type Error = ApiError<S>;
    type Future = Ready<Result<Self, ApiError<S>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready((|| {
            let state = state(req)?;
            let principal = authenticate(req, state)?;
            L::take(state, principal.subject()).map_err(Problem::rate_limited)?;
            Ok(Self {
                principal,
                marker: PhantomData,
            })
        })())
    }
}

/// The `If-Match` precondition of a request, if any (see [`if_match`]).
pub struct IfMatch(pub Option<Precondition>);

impl FromRequest for IfMatch {
    type Error = std::convert::Infallible;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(Self(if_match(req))))
    }
}

/// The precondition of `If-Match` (RFC 9110 §13.1.1), if the request has one: `*` is
/// [`Precondition::Any`]; a list of entity tags is [`Precondition::OneOf`] the versions
/// its members name. Members are compared strongly, so a weak tag (`W/"3"`) never
/// matches; a member that is not exactly one of our ETags (`"03"`, `"abc"`, a malformed
/// one) names no version. A header whose members name none is an empty list, which no
/// version satisfies (412 once the application is found). Several `If-Match` lines are
/// one list.
#[must_use]
pub fn if_match(req: &HttpRequest) -> Option<Precondition> {
    let lines: Vec<_> = req.headers().get_all(header::IF_MATCH).collect();
    if lines.is_empty() {
        return None;
    }
    // `*` stands alone; within a list it is a member that names no version.
    if let [line] = lines[..]
        && line.to_str().is_ok_and(|t| t.trim() == "*")
    {
        return Some(Precondition::Any);
    }
    let versions = lines
        .into_iter()
        // A value that is not visible ASCII holds none of our ETags.
        .filter_map(|line| line.to_str().ok())
        .flat_map(entity_tags)
        .flatten()
        .filter_map(version_of_tag)
        .collect();
    Some(Precondition::OneOf(versions))
}

/// The members of an entity-tag list, in order: `Some(opaque)` for a strong tag (its
/// text between the quotes), `None` for a weak tag or a member that is not an entity tag.
/// Empty members (`a, , b`) are skipped, as RFC 9110 §5.6.1 asks.
fn entity_tags(text: &str) -> Vec<Option<&str>> {
    let mut members = Vec::new();
    let mut rest = text;
    loop {
        rest = rest.trim_start_matches([' ', '\t', ',']);
        if rest.is_empty() {
            return members;
        }
        let (weak, after) = match rest.strip_prefix("W/") {
            Some(after) => (true, after),
            None => (false, rest),
        };
        // An opaque tag is quoted and may hold commas; the member ends after its quote.
        let parsed = after
            .strip_prefix('"')
            .and_then(|inner| inner.split_once('"'))
            .filter(|(_, tail)| {
                let tail = tail.trim_start_matches([' ', '\t']);
                tail.is_empty() || tail.starts_with(',')
            });
        match parsed {
            Some((opaque, tail)) => {
                members.push((!weak).then_some(opaque));
                rest = tail;
            }
            None => {
                // Not an entity tag: skip to the next comma.
                members.push(None);
                rest = rest.split_once(',').map_or("", |(_, tail)| tail);
            }
        }
    }
}

/// The version whose ETag has exactly `opaque` between its quotes.
fn version_of_tag(opaque: &str) -> Option<Version> {
    let version = Version::new(opaque.parse::<i64>().ok()?).ok()?;
    // Strong comparison is of the characters: "+3" and "03" are not "3".
    (version.get().to_string() == opaque).then_some(version)
}

/// Marks an answer that carries a secret as never to be stored by a cache, shared or
/// private (RFC 9111 §5.2.2.5 `no-store`, and `Pragma: no-cache` for HTTP/1.0 caches, as
/// RFC 6749 §5.1 asks of token answers).
#[must_use]
pub fn no_store(mut response: actix_web::HttpResponse) -> actix_web::HttpResponse {
    let headers = response.headers_mut();
    headers.insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    headers.insert(header::PRAGMA, header::HeaderValue::from_static("no-cache"));
    response
}

/// The strong ETag of a version.
#[must_use]
pub fn etag(version: Version) -> String {
    format!("\"{version}\"")
}

/// How long a client may take to send a request body (app data set by
/// [`crate::serve`]; [`crate::body::DEFAULT_BODY_TIMEOUT`] when absent).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BodyTimeout(pub std::time::Duration);

#[cfg(test)]
pub(crate) mod tests {
    use std::collections::HashMap;
    use std::sync::Arc;

    use actix_web::http::{Method, StatusCode, header};
    use actix_web::test as actix_test;
    use actix_web::{App, web};
    use oauth_apps_domain::testing::{
        FakeHasher, FakeKeyDirectory, FakeSealer, FixedClock, InMemoryIdempotency,
        InMemoryInitialAccessTokens, InMemoryMetadataDocuments, InMemoryReplayGuard,
        InMemoryRepository, InMemoryWebhooks, RecordingSender, RefuseAssertions, SeededRandom,
    };
    use oauth_apps_domain::{
        ApplicationService, EventFeedService, IdempotencyService, InitialAccessTokenPorts,
        InitialAccessTokenService, Ports, ServiceConfig, Timestamp, WebhookPorts, WebhookService,
    };
    use serde_json::{Value, json};

    use super::*;
    use crate::auth::{Claims, Expectations, JwtVerifier, mint_hs256};
    use crate::limits::Limits;
    use crate::metrics::Metrics;
    use crate::state::Readiness;

    fn v(n: i64) -> Version {
        Version::new(n).unwrap()
    }

    fn precondition(lines: &[&str]) -> Option<Precondition> {
        let mut req = actix_test::TestRequest::default();
        for line in lines {
            req = req.append_header((header::IF_MATCH, *line));
        }
        if_match(&req.to_http_request())
    }

    fn one_of(versions: &[i64]) -> Option<Precondition> {
        Some(Precondition::OneOf(
            versions.iter().map(|n| v(*n)).collect(),
        ))
    }

    #[test]
    fn if_match_reads_star_and_lists_of_strong_tags() {
        assert_eq!(precondition(&[]), None);
        assert_eq!(precondition(&["*"]), Some(Precondition::Any));
        assert_eq!(precondition(&[" * "]), Some(Precondition::Any));
        assert_eq!(precondition(&["\"3\""]), one_of(&[3]));
        assert_eq!(precondition(&["\"99\", \"3\""]), one_of(&[99, 3]));
        assert_eq!(
            precondition(&["\"99\",\"3\" ,, \"4\""]),
            one_of(&[99, 3, 4])
        );
        // Several lines are one list.
        assert_eq!(precondition(&["\"99\"", "\"3\""]), one_of(&[99, 3]));
    }

    #[test]
    fn if_match_members_that_are_not_our_strong_tags_name_no_version() {
        // Weak tags never match (strong comparison).
        assert_eq!(precondition(&["W/\"3\""]), one_of(&[]));
        assert_eq!(precondition(&["W/\"3\", \"4\""]), one_of(&[4]));
        // Exactly our ETags: not another spelling of the number, not below 1.
        for foreign in [
            "\"03\"",
            "\"+3\"",
            "\" 3\"",
            "\"3 \"",
            "\"0\"",
            "\"-1\"",
            "\"abc\"",
            "\"\"",
            "\"99999999999999999999\"",
            "3",
            "\"3",
            "3\"",
            "\"3\"x",
            "w/\"3\"",
        ] {
            assert_eq!(precondition(&[foreign]), one_of(&[]), "{foreign}");
        }
        // `*` within a list is a member like any other that names nothing.
        assert_eq!(precondition(&["*, \"3\""]), one_of(&[3]));
        assert_eq!(precondition(&["*", "\"3\""]), one_of(&[3]));
        // Commas may sit inside an opaque tag; the list goes on after it.
        assert_eq!(precondition(&["\"a,b\", \"5\""]), one_of(&[5]));
        // A malformed member does not hide the members after it.
        assert_eq!(precondition(&["\"3\"x, \"6\""]), one_of(&[6]));
        // An empty header names nothing.
        assert_eq!(precondition(&[""]), one_of(&[]));
    }

    #[test]
    fn the_bearer_scheme_is_case_insensitive() {
        for value in [
            "Bearer abc",
            "bearer abc",
            "BEARER abc",
            "BeArEr abc",
            "Bearer   abc",
        ] {
            assert_eq!(bearer_token(value), Some("abc"), "{value}");
        }
        for value in [
            "Bearer",
            "Bearer ",
            "Bearer\tabc",
            "Bearerabc",
            "Basic abc",
            "Bearer a b",
            "Bearer a\tb",
            "Bearers abc",
            "",
        ] {
            assert_eq!(bearer_token(value), None, "{value:?}");
        }
    }

    // ------------------------------------------------------------ through the routes

    const SECRET: &[u8] = b"request-tests-secret-request-tests-secret";

    struct Ready;

    #[async_trait::async_trait]
    impl Readiness for Ready {
        async fn check(&self) -> Result<(), String> {
            Ok(())
        }
    }

    pub(crate) fn state(repository: Arc<InMemoryRepository>) -> AppState {
        let service = ApplicationService::new(
            Ports {
                repository,
                hasher: Arc::new(FakeHasher::new()),
                clock: Arc::new(FixedClock::new(
                    Timestamp::parse_rfc3339("2026-01-01T00:00:00Z").unwrap(),
                )),
                random: Arc::new(SeededRandom::new(1)),
                keys: Arc::new(FakeKeyDirectory::new()),
                assertions: Arc::new(RefuseAssertions),
                replay: Arc::new(InMemoryReplayGuard::new()),
                documents: Arc::new(InMemoryMetadataDocuments::new()),
                policies: Arc::new(oauth_apps_domain::testing::InMemoryPolicies::new()),
            },
            ServiceConfig::default(),
        );
        let verifier = JwtVerifier::new(
            Some(SECRET),
            None,
            Expectations {
                audience: "oauth-apps".into(),
                issuer: None,
            },
        )
        .unwrap();
        AppState {
            registration: Arc::default(),
            service: Arc::new(service),
            feed: Arc::new(EventFeedService::new(Arc::new(InMemoryRepository::new()))),
            tokens: Arc::new(InitialAccessTokenService::new(InitialAccessTokenPorts {
                repository: Arc::new(InMemoryInitialAccessTokens::new()),
                clock: Arc::new(FixedClock::new(
                    Timestamp::parse_rfc3339("2026-01-01T00:00:00Z").unwrap(),
                )),
                random: Arc::new(SeededRandom::new(2)),
            })),
            webhooks: Arc::new(WebhookService::new(WebhookPorts {
                repository: Arc::new(InMemoryWebhooks::new()),
                sealer: Arc::new(FakeSealer),
                sender: Arc::new(RecordingSender::new()),
                clock: Arc::new(FixedClock::new(
                    Timestamp::parse_rfc3339("2026-01-01T00:00:00Z").unwrap(),
                )),
                random: Arc::new(SeededRandom::new(3)),
            })),
            idempotency: Arc::new(IdempotencyService::new(
                Arc::new(InMemoryIdempotency::new()),
                Arc::new(FakeSealer),
                Arc::new(oauth_apps_domain::SystemClock),
            )),
            secrets: Arc::new(oauth_apps_domain::SecretLifecycleService::new(
                oauth_apps_domain::SecretLifecyclePorts {
                    repository: Arc::new(InMemoryRepository::new()),
                    lifecycle: Arc::new(InMemoryRepository::new()),
                    policies: Arc::new(oauth_apps_domain::testing::InMemoryPolicies::new()),
                    clock: Arc::new(oauth_apps_domain::SystemClock),
                },
                None,
            )),
            scanning: None,
            console_dev_token: None,
            verifier: Arc::new(verifier),
            readiness: Arc::new(Ready),
            metrics: Arc::new(Metrics::new(Vec::new())),
            limits: Arc::new(Limits::default()),
        }
    }

    pub(crate) fn token(sub: &str) -> String {
        mint_hs256(
            SECRET,
            &Claims {
                sub: sub.into(),
                exp: u64::MAX / 2,
                aud: "oauth-apps".into(),
                iss: None,
                orgs: HashMap::from([("acme".to_owned(), "admin".to_owned())]),
                roles: Vec::new(),
            },
        )
        .unwrap()
    }

    struct Reply {
        status: StatusCode,
        etag: Option<String>,
        www_authenticate: Option<String>,
        body: Value,
    }

    fn request(
        method: Method,
        uri: &str,
        authorization: &str,
        if_match: &[&str],
        body: Option<Value>,
    ) -> actix_test::TestRequest {
        let mut req = actix_test::TestRequest::default()
            .method(method)
            .uri(uri)
            .insert_header((header::AUTHORIZATION, authorization));
        for line in if_match {
            req = req.append_header((header::IF_MATCH, *line));
        }
        match body {
            Some(body) => req.set_json(body),
            None => req,
        }
    }

    async fn reply(res: actix_web::dev::ServiceResponse) -> Reply {
        let header = |name| {
            res.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let (status, etag, www_authenticate) = (
            res.status(),
            header(header::ETAG),
            header(header::WWW_AUTHENTICATE),
        );
        let bytes = actix_test::read_body(res).await;
        Reply {
            status,
            etag,
            www_authenticate,
            body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        }
    }

    /// Calls the routes with `request(...)` and reads the answer.
    macro_rules! call {
        ($app:expr, $($arg:expr),+ $(,)?) => {
            reply(actix_test::call_service(&$app, request($($arg),+).to_request()).await).await
        };
    }

    #[actix_web::test]
    async fn if_match_lists_on_both_surfaces() {
        let repository = Arc::new(InMemoryRepository::new());
        let app = actix_test::init_service(
            App::new()
                .app_data(web::Data::new(state(repository.clone())))
                .configure(crate::routes),
        )
        .await;
        let bearer = format!("Bearer {}", token("alice"));
        let created = call!(
            app,
            Method::POST,
            "/api/oauth-applications",
            &bearer,
            &[],
            Some(json!({
                "ownerOrgId": "acme", "name": "Listed", "type": "web",
                "redirectUrls": ["https://listed.example.com/cb"],
            })),
        );
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
        let client_id = created.body["application"]["clientId"].as_str().unwrap();
        let flat = format!("/api/oauth-applications/{client_id}");
        let v1 = "/api/v1/organizations/acme/oauth-applications/1";
        let rename = |name: &str| Some(json!({"name": name}));

        // Version 1: a list holding it matches, on either surface.
        let listed = call!(
            app,
            Method::PATCH,
            &flat,
            &bearer,
            &["\"99\", \"1\""],
            rename("A")
        );
        assert_eq!(listed.status, StatusCode::OK, "{}", listed.body);
        assert_eq!(listed.etag.as_deref(), Some("\"2\""));
        let lines = call!(
            app,
            Method::PATCH,
            v1,
            &bearer,
            &["\"1\"", "\"2\""],
            rename("B")
        );
        assert_eq!(lines.status, StatusCode::OK, "{}", lines.body);
        assert_eq!(lines.etag.as_deref(), Some("\"3\""));
        let star = call!(app, Method::PATCH, &flat, &bearer, &["*"], rename("C"));
        assert_eq!(star.status, StatusCode::OK, "{}", star.body);
        assert_eq!(star.etag.as_deref(), Some("\"4\""));

        // Now at version 4: weak, stale, foreign and empty lists answer 412, write nothing.
        let events = repository.event_count();
        for tags in [
            &["W/\"4\""][..],
            &["\"1\", \"2\", \"3\""],
            &["\"04\", \"abc\""],
            &[""],
            &["*, \"5\""],
        ] {
            for path in [flat.as_str(), v1] {
                let reply = call!(app, Method::PATCH, path, &bearer, tags, rename("X"));
                assert_eq!(
                    reply.status,
                    StatusCode::PRECONDITION_FAILED,
                    "{tags:?} {path}"
                );
            }
        }
        assert_eq!(repository.event_count(), events);
        let got = call!(app, Method::GET, &flat, &bearer, &[], None);
        assert_eq!(got.body["name"], "C");
        assert_eq!(got.etag.as_deref(), Some("\"4\""));
    }

    #[actix_web::test]
    async fn any_case_of_the_scheme_works_and_unusable_subjects_get_invalid_token() {
        let repository = Arc::new(InMemoryRepository::new());
        let app = actix_test::init_service(
            App::new()
                .app_data(web::Data::new(state(repository.clone())))
                .configure(crate::routes),
        )
        .await;
        let list = "/api/oauth-applications?ownerOrgId=acme";
        for scheme in ["Bearer", "bearer", "BEARER", "BeArEr"] {
            let reply = call!(
                app,
                Method::GET,
                list,
                &format!("{scheme} {}", token("alice")),
                &[],
                None,
            );
            assert_eq!(reply.status, StatusCode::OK, "{scheme}: {}", reply.body);
        }
        let body = json!({
            "ownerOrgId": "acme", "name": "Never", "type": "web",
            "redirectUrls": ["https://never.example.com/cb"],
        });
        let long = "s".repeat(oauth_apps_domain::MAX_SUBJECT_LEN + 1);
        for sub in ["nul\0sub", long.as_str(), " "] {
            let bearer = format!("Bearer {}", token(sub));
            let reply = call!(
                app,
                Method::POST,
                "/api/oauth-applications",
                &bearer,
                &[],
                Some(body.clone()),
            );
            assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{}", reply.body);
            assert_eq!(
                reply.www_authenticate.as_deref(),
                Some("Bearer error=\"invalid_token\"")
            );
        }
        assert_eq!(repository.application_count(), 0);
    }
}
