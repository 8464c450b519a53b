//! What every handler needs from a request: the caller, a strictly read JSON body, and
//! the `If-Match` precondition.

use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::{HttpMessage, HttpRequest, web};
use futures_util::StreamExt;
use oauth_apps_domain::{Precondition, Principal, Version};
use serde_json::{Map, Value};

use crate::auth::TokenError;
use crate::error::{ApiError, FieldProblem, Surface};
use crate::state::AppState;

pub use crate::body::MAX_BODY_BYTES;

/// The id of the request, set by the request-id middleware: always the service's own.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

/// The id the client gave its request in `X-Request-Id`, when it is 1–128 printable ASCII
/// characters (see [`oauth_apps_domain::client_request_id`]).
#[derive(Debug, Clone)]
pub struct ClientRequestId(pub String);

/// The caller of `req`, from its bearer token.
///
/// # Errors
/// 401 without a token (`WWW-Authenticate: Bearer`) or with a bad one
/// (`error="invalid_token"`).
pub fn authenticate(
    req: &HttpRequest,
    state: &AppState,
    surface: Surface,
) -> Result<Principal, ApiError> {
    let Some(value) = req.headers().get(header::AUTHORIZATION) else {
        return Err(ApiError::unauthorized(
            surface,
            false,
            "A bearer token is required.",
        ));
    };
    let token =
        value.to_str().ok().and_then(bearer_token).ok_or_else(|| {
            ApiError::unauthorized(surface, true, &TokenError::Malformed.to_string())
        })?;
    let principal = state
        .verifier
        .verify(token)
        .map_err(|e| ApiError::unauthorized(surface, true, &e.to_string()))?;
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
fn bearer_token(value: &str) -> Option<&str> {
    let (scheme, rest) = value.trim_matches([' ', '\t']).split_once(' ')?;
    let token = rest.trim_start_matches(' ');
    (scheme.eq_ignore_ascii_case("bearer")
        && !token.is_empty()
        && !token.contains(|c: char| c.is_ascii_whitespace()))
    .then_some(token)
}

/// Which limit a call counts against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limited {
    /// A change to an application.
    Write,
    /// A client authentication.
    Authentication,
}

/// Counts the call against the caller's limit.
///
/// # Errors
/// 429 with `Retry-After` when the caller is over it.
pub fn rate_limit(
    state: &AppState,
    principal: &Principal,
    kind: Limited,
    surface: Surface,
) -> Result<(), ApiError> {
    let limiter = match kind {
        Limited::Write => state.limits.writes.as_ref(),
        Limited::Authentication => state.limits.authentications.as_ref(),
    };
    match limiter.map(|l| l.check(principal.subject())) {
        Some(Err(wait)) => Err(ApiError::rate_limited(surface, wait)),
        _ => Ok(()),
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

async fn read_body(mut payload: web::Payload, surface: Surface) -> Result<web::BytesMut, ApiError> {
    let mut bytes = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| ApiError::bad_request(surface, &e.to_string(), vec![]))?;
        if bytes.len() + chunk.len() > MAX_BODY_BYTES {
            return Err(ApiError::new(
                surface,
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("The body must be at most {MAX_BODY_BYTES} bytes."),
            ));
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(bytes)
}

/// Reads the body: at most 64 KiB, `application/json`, a JSON object. An empty body is
/// `None` (for calls whose body is optional). Under [`crate::serve`] the body is already
/// in memory (see [`crate::body`]), read within the body time-out.
///
/// # Errors
/// 413 when too large, 415 when not JSON, 400 when malformed or not an object.
pub async fn json_object(
    req: &HttpRequest,
    payload: web::Payload,
    surface: Surface,
) -> Result<Option<Map<String, Value>>, ApiError> {
    let bytes = read_body(payload, surface).await?;
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let essence = content_type.split(';').next().unwrap_or("").trim();
    if !essence.eq_ignore_ascii_case("application/json") {
        return Err(ApiError::new(
            surface,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "The body must be application/json.",
        ));
    }
    match serde_json::from_slice::<Value>(&bytes) {
        Ok(Value::Object(map)) => Ok(Some(map)),
        Ok(Value::Null) => Ok(None),
        Ok(_) => Err(ApiError::bad_request(
            surface,
            "The body must be a JSON object.",
            vec![],
        )),
        Err(e) => Err(ApiError::bad_request(
            surface,
            &format!("The body is not valid JSON: {e}."),
            vec![],
        )),
    }
}

/// Like [`json_object`], but the body is required.
///
/// # Errors
/// As [`json_object`], and 400 when the body is empty.
pub async fn required_json_object(
    req: &HttpRequest,
    payload: web::Payload,
    surface: Surface,
) -> Result<Map<String, Value>, ApiError> {
    json_object(req, payload, surface)
        .await?
        .ok_or_else(|| ApiError::bad_request(surface, "A JSON body is required.", vec![]))
}

/// An optional body holding at most one optional integer field `key` (rotations).
///
/// # Errors
/// As [`json_object`], and 400 for a wrong type or another field.
pub async fn optional_integer_body(
    req: &HttpRequest,
    payload: web::Payload,
    surface: Surface,
    key: &str,
) -> Result<Option<i64>, ApiError> {
    let Some(body) = json_object(req, payload, surface).await? else {
        return Ok(None);
    };
    let mut f = Fields::new(surface, body);
    let value = f.integer(key);
    f.finish()?;
    Ok(value)
}

/// Reads fields of a JSON object strictly: wrong types, missing required fields and
/// unknown fields are collected and answered together with 400.
pub struct Fields {
    surface: Surface,
    map: Map<String, Value>,
    problems: Vec<FieldProblem>,
}

impl Fields {
    /// A reader over `map`.
    #[must_use]
    pub fn new(surface: Surface, map: Map<String, Value>) -> Self {
        Self {
            surface,
            map,
            problems: Vec::new(),
        }
    }

    fn problem(&mut self, field: &str, message: &str) {
        self.problems.push(FieldProblem {
            field: field.to_owned(),
            message: message.to_owned(),
        });
    }

    /// A required string.
    pub fn required_string(&mut self, key: &str) -> String {
        match self.map.remove(key) {
            Some(Value::String(s)) => s,
            None => {
                self.problem(key, "is required");
                String::new()
            }
            Some(_) => {
                self.problem(key, "must be a string");
                String::new()
            }
        }
    }

    /// An optional string (`null` counts as absent).
    pub fn string(&mut self, key: &str) -> Option<String> {
        match self.map.remove(key) {
            Some(Value::String(s)) => Some(s),
            None | Some(Value::Null) => None,
            Some(_) => {
                self.problem(key, "must be a string");
                None
            }
        }
    }

    /// An optional string that may be `null` (clears it): absent is `None`.
    pub fn nullable_string(&mut self, key: &str) -> Option<Option<String>> {
        match self.map.remove(key) {
            Some(Value::String(s)) => Some(Some(s)),
            Some(Value::Null) => Some(None),
            None => None,
            Some(_) => {
                self.problem(key, "must be a string or null");
                None
            }
        }
    }

    /// An optional list of strings (`null` counts as absent).
    pub fn string_list(&mut self, key: &str) -> Option<Vec<String>> {
        match self.map.remove(key) {
            None | Some(Value::Null) => None,
            Some(Value::Array(items)) => {
                let mut out = Vec::with_capacity(items.len());
                for (i, item) in items.into_iter().enumerate() {
                    match item {
                        Value::String(s) => out.push(s),
                        _ => self.problem(&format!("{key}[{i}]"), "must be a string"),
                    }
                }
                Some(out)
            }
            Some(_) => {
                self.problem(key, "must be an array of strings");
                None
            }
        }
    }

    /// A required list of strings.
    pub fn required_string_list(&mut self, key: &str) -> Vec<String> {
        if matches!(self.map.get(key), None | Some(Value::Null)) {
            self.problem(key, "is required");
        }
        self.string_list(key).unwrap_or_default()
    }

    /// An optional boolean (`null` counts as absent).
    pub fn bool(&mut self, key: &str) -> Option<bool> {
        match self.map.remove(key) {
            Some(Value::Bool(b)) => Some(b),
            None | Some(Value::Null) => None,
            Some(_) => {
                self.problem(key, "must be a boolean");
                None
            }
        }
    }

    /// An optional integer (`null` counts as absent).
    pub fn integer(&mut self, key: &str) -> Option<i64> {
        match self.map.remove(key) {
            Some(Value::Number(n)) => n.as_i64().or_else(|| {
                self.problem(key, "must be an integer");
                None
            }),
            None | Some(Value::Null) => None,
            Some(_) => {
                self.problem(key, "must be an integer");
                None
            }
        }
    }

    /// Any value but `null`, as text: for fields that are refused whatever they hold.
    pub fn present(&mut self, key: &str) -> Option<String> {
        self.map
            .remove(key)
            .filter(|v| !v.is_null())
            .map(|v| v.to_string())
    }

    /// Fails with 400 naming every unknown field and every type problem.
    ///
    /// # Errors
    /// 400 with the problems.
    pub fn finish(mut self) -> Result<(), ApiError> {
        let unknown: Vec<String> = self.map.keys().cloned().collect();
        for key in unknown {
            self.problem(&key, "is not a known field");
        }
        if self.problems.is_empty() {
            Ok(())
        } else {
            let names: Vec<_> = self.problems.iter().map(|p| p.field.as_str()).collect();
            let detail = format!("The body has problems with: {}.", names.join(", "));
            Err(ApiError::bad_request(self.surface, &detail, self.problems))
        }
    }
}

/// The query string as name-value pairs.
///
/// # Errors
/// 400 when it cannot be decoded.
pub fn query(
    req: &HttpRequest,
    surface: Surface,
) -> Result<std::collections::HashMap<String, String>, ApiError> {
    web::Query::<std::collections::HashMap<String, String>>::from_query(req.query_string())
        .map(web::Query::into_inner)
        .map_err(|_| ApiError::bad_request(surface, "The query string is malformed.", vec![]))
}

/// An optional integer query parameter; a non-integer is recorded in `problems`.
pub fn integer_param(
    query: &std::collections::HashMap<String, String>,
    key: &str,
    problems: &mut Vec<FieldProblem>,
) -> Option<i64> {
    let value = query.get(key)?;
    value.parse().map_or_else(
        |_| {
            problems.push(FieldProblem {
                field: key.to_owned(),
                message: "must be an integer".to_owned(),
            });
            None
        },
        Some,
    )
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::sync::Arc;

    use actix_web::http::{Method, StatusCode, header};
    use actix_web::test as actix_test;
    use actix_web::{App, web};
    use oauth_apps_domain::testing::{FakeHasher, FixedClock, InMemoryRepository, SeededRandom};
    use oauth_apps_domain::{ApplicationService, Ports, ServiceConfig, Timestamp};
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

    fn state(repository: Arc<InMemoryRepository>) -> AppState {
        let service = ApplicationService::new(
            Ports {
                repository,
                hasher: Arc::new(FakeHasher::new()),
                clock: Arc::new(FixedClock::new(
                    Timestamp::parse_rfc3339("2026-01-01T00:00:00Z").unwrap(),
                )),
                random: Arc::new(SeededRandom::new(1)),
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
            service: Arc::new(service),
            verifier: Arc::new(verifier),
            readiness: Arc::new(Ready),
            metrics: Arc::new(Metrics::new(Vec::new())),
            limits: Arc::new(Limits::default()),
        }
    }

    fn token(sub: &str) -> String {
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
