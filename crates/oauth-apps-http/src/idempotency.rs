//! `Idempotency-Key` (draft-ietf-httpapi-idempotency-key-header) on the creates and
//! rotations of both surfaces: a request retried with the same key and the same content
//! within 24 hours is answered with the first answer again (the secret included) instead
//! of running twice; the same key with other content is 422 (§2.7); a request with the key
//! still running is 409 (§2.7). Keys are the caller's own: the record is kept per token
//! subject, so two callers' keys never meet.
//!
//! The header is a Structured Field String (§2.1, RFC 8941: `"8e03978e-..."`); a bare
//! value of visible characters is read as the same key, as widely deployed clients send
//! it. The request's fingerprint is the SHA-256 of its method, path and query, and body.
//! Answers of 5xx, 408 and 429 are not kept (the retry runs again); every other answer is,
//! sealed (`IdempotencyService`), with the organisation the request acted on ([`acted_on`]):
//! a kept answer is given again only to a caller who may still write there, and anyone
//! else gets the refusal the request itself would get (404 or 403), never the answer.
//!
//! No claim outlives its request: without a data key nothing is claimed (503 before the
//! request runs), and a claimed key whose answer is not kept (a failure, an answer that may
//! not be kept, a store that fails to keep it, a client that went away mid-request) is
//! released, so the retry runs again instead of meeting 409.

use std::sync::Arc;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, HttpResponse, web};
use futures_util::StreamExt;
use oauth_apps_domain::policy::Denial;
use oauth_apps_domain::{
    Begun, IdempotencyError, IdempotencyService, OrgId, Principal, is_valid_idempotency_key,
};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::problem::{FieldProblem, Problem, Surface};
use crate::request;
use crate::state::AppState;

/// The request header.
pub const IDEMPOTENCY_KEY: &str = "idempotency-key";
/// The header on an answer given again.
pub const REPLAYED: &str = "idempotent-replayed";

/// The header fields kept with an answer.
const KEPT_FIELDS: [&str; 5] = [
    "content-type",
    "location",
    "etag",
    "cache-control",
    "pragma",
];

/// The organisation an answer acted on, set by the routes this middleware wraps on their
/// answers ([`acted_on`]): a replay of the answer needs the right to write there.
#[derive(Debug, Clone)]
struct ActedOn(OrgId);

/// `answer`, marked as acting on `org`: kept for an `Idempotency-Key`, it is given again
/// only to a caller who may still write in `org`.
#[must_use]
pub fn acted_on(mut answer: HttpResponse, org: &OrgId) -> HttpResponse {
    answer.extensions_mut().insert(ActedOn(org.clone()));
    answer
}

/// A claimed key, released unless its answer is kept: when the request fails, ends with an
/// answer that is not kept, or is dropped mid-way (the client went away), the key is
/// forgotten, so that no claim outlives the request that made it.
struct Claimed {
    service: Arc<IdempotencyService>,
    principal: Principal,
    key: String,
    settled: bool,
}

impl Claimed {
    /// Keeps `answer` as the key's answer; when it cannot be kept, releases the key (the
    /// answer still goes out; a retry runs again).
    async fn keep(mut self, org: Option<&OrgId>, answer: &[u8]) {
        match self
            .service
            .finish(&self.principal, &self.key, org, answer)
            .await
        {
            Ok(()) => self.settled = true,
            Err(e) => {
                tracing::warn!(error = %e, "an idempotent answer could not be kept");
                self.release().await;
            }
        }
    }

    /// Forgets the key: a retry runs again.
    async fn release(mut self) {
        let released = self.service.release(&self.principal, &self.key).await;
        self.settled = true;
        if let Err(e) = released {
            // Its lock runs out instead (IDEMPOTENCY_LOCK_SECONDS).
            tracing::warn!(error = %e, "an idempotency key could not be released");
        }
    }
}

impl Drop for Claimed {
    fn drop(&mut self) {
        if self.settled {
            return;
        }
        let (service, principal, key) = (
            Arc::clone(&self.service),
            self.principal.clone(),
            std::mem::take(&mut self.key),
        );
        let released = actix_web::rt::System::try_current().is_some_and(|system| {
            system.arbiter().spawn(async move {
                if let Err(e) = service.release(&principal, &key).await {
                    tracing::warn!(error = %e, "an idempotency key could not be released");
                }
            })
        });
        if !released {
            tracing::warn!("an abandoned idempotency key is kept until its lock runs out");
        }
    }
}

/// What is kept of an answer.
#[derive(Serialize, Deserialize)]
struct StoredAnswer {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

/// The key an `Idempotency-Key` value names: an sf-string's content (with `\"` and `\\`
/// unescaped), or a bare value; `None` when it is neither, or not a key this service keeps
/// (1-255 visible ASCII characters).
#[must_use]
pub fn key_of(value: &HeaderValue) -> Option<String> {
    let text = value.to_str().ok()?.trim();
    let key = match text.strip_prefix('"') {
        Some(rest) => {
            let inner = rest.strip_suffix('"')?;
            let mut key = String::with_capacity(inner.len());
            let mut chars = inner.chars();
            while let Some(c) = chars.next() {
                match c {
                    '\\' => match chars.next() {
                        Some(e @ ('"' | '\\')) => key.push(e),
                        _ => return None,
                    },
                    '"' => return None,
                    c => key.push(c),
                }
            }
            key
        }
        None => text.to_owned(),
    };
    is_valid_idempotency_key(&key).then_some(key)
}

/// The answer to `problem` in the shape of the surface `S`.
fn problem_answer<S: Surface>(req: ServiceRequest, problem: &Problem) -> ServiceResponse<BoxBody> {
    req.into_response(S::respond(problem))
}

fn header_problem(status: StatusCode, detail: &str, rule: &str) -> Problem {
    Problem::new(status, detail).with_errors(vec![FieldProblem::new("Idempotency-Key", rule)])
}

/// The SHA-256 of the request's method, path and query, and body.
fn fingerprint(req: &ServiceRequest, body: &[u8]) -> [u8; 32] {
    let mut hash = Sha256::new();
    hash.update(req.method().as_str().as_bytes());
    hash.update([0]);
    hash.update(
        req.uri()
            .path_and_query()
            .map_or(req.path(), |p| p.as_str())
            .as_bytes(),
    );
    hash.update([0]);
    hash.update(body);
    hash.finalize().into()
}

/// Whether an answer with `status` is given again to a retry (§2.6: the first answer is);
/// a server fault, a time-out or a rate limit is not, so that the retry runs again.
fn is_kept(status: StatusCode) -> bool {
    !status.is_server_error()
        && status != StatusCode::REQUEST_TIMEOUT
        && status != StatusCode::TOO_MANY_REQUESTS
}

fn replay<S: Surface>(req: ServiceRequest, bytes: &[u8]) -> ServiceResponse<BoxBody> {
    let Ok(stored) = serde_json::from_slice::<StoredAnswer>(bytes) else {
        tracing::error!("a kept idempotent answer cannot be read");
        return problem_answer::<S>(
            req,
            &Problem::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "An unexpected error occurred.",
            ),
        );
    };
    let mut answer =
        HttpResponse::build(StatusCode::from_u16(stored.status).unwrap_or(StatusCode::OK));
    for (name, value) in &stored.headers {
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        ) {
            answer.append_header((name, value));
        }
    }
    answer.insert_header((REPLAYED, "true"));
    req.into_response(answer.body(stored.body))
}

/// The middleware on the routes that create or rotate (see the module documentation); the
/// surface `S` that mounts it gives its problems their shape.
///
/// # Errors
/// What the route returns.
pub async fn idempotent<S: Surface>(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let values: Vec<HeaderValue> = req.headers().get_all(IDEMPOTENCY_KEY).cloned().collect();
    if values.is_empty() || req.method() != Method::POST {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_boxed_body);
    }
    let key = match values.as_slice() {
        [value] => key_of(value),
        _ => None,
    };
    let Some(key) = key else {
        return Ok(problem_answer::<S>(
            req,
            &header_problem(
                StatusCode::BAD_REQUEST,
                "The Idempotency-Key header cannot be read.",
                "must be one string of 1 to 255 visible ASCII characters, such as \
                 \"8e03978e-40d5-43e8-bc93-6894a57f9324\"",
            ),
        ));
    };
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_boxed_body);
    };
    // Without a valid token the route answers 401 itself; nothing to remember.
    let Ok(principal) = request::authenticate(req.request(), &state) else {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_boxed_body);
    };
    let mut payload = req.take_payload();
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        body.extend_from_slice(&chunk?);
    }
    let body = body.freeze();
    let print = fingerprint(&req, &body);
    req.set_payload(Payload::from(body));
    let claimed = match state.idempotency.begin(&principal, &key, &print).await {
        Ok(Begun::Run) => Claimed {
            service: Arc::clone(&state.idempotency),
            principal,
            key,
            settled: false,
        },
        Ok(begun) => return Ok(answer_begun::<S>(req, begun)),
        Err(e) => return Ok(problem_answer::<S>(req, &unusable(&e))),
    };
    run::<S>(req, next, claimed).await
}

/// The answer to a request that does not run: its key is busy, names another request,
/// holds an answer to give again, or the caller may no longer have it.
fn answer_begun<S: Surface>(req: ServiceRequest, begun: Begun) -> ServiceResponse<BoxBody> {
    match begun {
        Begun::Replay(bytes) => replay::<S>(req, &bytes),
        Begun::Refused(Denial::Hidden) => problem_answer::<S>(req, &Problem::not_found()),
        Begun::Refused(Denial::Forbidden) => problem_answer::<S>(
            req,
            &Problem::new(
                StatusCode::FORBIDDEN,
                "forbidden: only admins of the owner organisation may change it",
            ),
        ),
        Begun::Mismatch => problem_answer::<S>(
            req,
            &header_problem(
                StatusCode::UNPROCESSABLE_ENTITY,
                "This Idempotency-Key was used for another request.",
                "was used within 24 hours for a request with another method, path or body; \
                 use a new key for a new request",
            ),
        ),
        // `Run` is the caller's to run; it never comes here.
        Begun::InFlight | Begun::Run => problem_answer::<S>(
            req,
            &header_problem(
                StatusCode::CONFLICT,
                "A request with this Idempotency-Key is still being processed.",
                "names a request still being processed; retry when it has finished",
            ),
        ),
    }
}

/// The problem when the records cannot be used: 503 when storage or the data key is
/// unavailable (nothing was written), 500 otherwise.
fn unusable(e: &IdempotencyError) -> Problem {
    match e {
        IdempotencyError::Unavailable(_) => {
            tracing::warn!(error = %e, "idempotency records unavailable");
            Problem::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "The service is temporarily unavailable.",
            )
        }
        IdempotencyError::Unexpected(_) => {
            tracing::error!(error = %e, "idempotency records failed");
            Problem::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "An unexpected error occurred.",
            )
        }
    }
}

/// Runs the request under `claimed` and keeps its answer, or releases the key.
async fn run<S: Surface>(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
    claimed: Claimed,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let res = match next.call(req).await {
        Ok(res) => res.map_into_boxed_body(),
        Err(e) => {
            claimed.release().await;
            return Err(e);
        }
    };
    let status = res.status();
    let org = res.response().extensions().get::<ActedOn>().cloned();
    let (req, response) = res.into_parts();
    let (head, answer) = response.into_parts();
    let Ok(bytes) = actix_web::body::to_bytes(answer).await else {
        claimed.release().await;
        tracing::error!("an answer's body could not be read");
        return Ok(problem_answer::<S>(
            ServiceRequest::from_request(req),
            &Problem::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "An unexpected error occurred.",
            ),
        ));
    };
    if is_kept(status) {
        let stored = StoredAnswer {
            status: status.as_u16(),
            headers: KEPT_FIELDS
                .iter()
                .flat_map(|name| {
                    head.headers()
                        .get_all(*name)
                        .filter_map(|v| v.to_str().ok().map(|v| ((*name).to_owned(), v.to_owned())))
                })
                .collect(),
            body: String::from_utf8_lossy(&bytes).into_owned(),
        };
        match serde_json::to_vec(&stored) {
            Ok(encoded) => claimed.keep(org.as_ref().map(|o| &o.0), &encoded).await,
            Err(e) => {
                tracing::error!(error = %e, "an answer could not be encoded");
                claimed.release().await;
            }
        }
    } else {
        claimed.release().await;
    }
    Ok(ServiceResponse::new(
        req,
        head.set_body(BoxBody::new(bytes)),
    ))
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use actix_web::dev::Service;
    use actix_web::middleware::from_fn;
    use actix_web::test as actix_test;
    use actix_web::{App, http::header};
    use oauth_apps_domain::SystemClock;
    use oauth_apps_domain::testing::{FakeSealer, InMemoryIdempotency, InMemoryRepository};

    use super::*;
    use crate::apps_api::AppsApi;
    use crate::org_api::OrgApi;
    use crate::request::tests::{state, token};

    /// The surface that mounts the middleware gives its problems their shape, wherever
    /// its routes are: a key that cannot be read is a problem document under surface A
    /// and an envelope under surface B.
    #[actix_web::test]
    async fn problems_take_the_shape_of_the_surface_that_mounts_the_middleware() {
        let state = state(Arc::new(InMemoryRepository::new()));
        let app = actix_test::init_service(
            App::new()
                .app_data(web::Data::new(state))
                .service(
                    web::resource("/api/v1/under-a")
                        .wrap(from_fn(idempotent::<AppsApi>))
                        .route(web::post().to(HttpResponse::Created)),
                )
                .service(
                    web::resource("/elsewhere/under-b")
                        .wrap(from_fn(idempotent::<OrgApi>))
                        .route(web::post().to(HttpResponse::Created)),
                ),
        )
        .await;
        let unreadable = |uri: &str| {
            actix_test::TestRequest::post()
                .uri(uri)
                .insert_header((header::AUTHORIZATION, format!("Bearer {}", token("alice"))))
                .insert_header((IDEMPOTENCY_KEY, "\"open"))
                .to_request()
        };
        let a = actix_test::call_service(&app, unreadable("/api/v1/under-a")).await;
        assert_eq!(a.status(), StatusCode::BAD_REQUEST);
        assert_eq!(
            a.headers().get(header::CONTENT_TYPE).unwrap(),
            "application/problem+json"
        );
        let a: serde_json::Value = actix_test::read_body_json(a).await;
        assert_eq!(a["errors"][0]["field"], "Idempotency-Key", "{a}");
        let b = actix_test::call_service(&app, unreadable("/elsewhere/under-b")).await;
        assert_eq!(b.status(), StatusCode::BAD_REQUEST);
        let b: serde_json::Value = actix_test::read_body_json(b).await;
        assert_eq!(b["success"], false, "{b}");
        assert_eq!(b["error"]["code"], "bad_request", "{b}");
    }

    /// A request dropped while its route runs (the client went away) leaves no claim: a
    /// retry runs instead of meeting 409 until the lock runs out.
    #[actix_web::test]
    async fn a_request_dropped_mid_way_releases_its_key() {
        let store = Arc::new(InMemoryIdempotency::new());
        let mut state = state(Arc::new(InMemoryRepository::new()));
        state.idempotency = Arc::new(IdempotencyService::new(
            store.clone(),
            Arc::new(FakeSealer),
            Arc::new(SystemClock),
        ));
        let app = actix_test::init_service(
            App::new().app_data(web::Data::new(state)).service(
                web::resource("/hangs")
                    .wrap(from_fn(idempotent::<AppsApi>))
                    .route(web::post().to(std::future::pending::<HttpResponse>)),
            ),
        )
        .await;
        let request = actix_test::TestRequest::post()
            .uri("/hangs")
            .insert_header((header::AUTHORIZATION, format!("Bearer {}", token("alice"))))
            .insert_header((IDEMPOTENCY_KEY, "\"dropped\""))
            .to_request();
        let call = app.call(request);
        assert!(
            actix_web::rt::time::timeout(Duration::from_millis(200), call)
                .await
                .is_err(),
            "the route never answers"
        );
        for _ in 0..50 {
            if store.is_empty() {
                break;
            }
            actix_web::rt::time::sleep(Duration::from_millis(10)).await;
        }
        assert!(store.is_empty(), "the claim went with its request");
    }

    #[test]
    fn keys_are_structured_strings_or_bare_values() {
        let key = |v: &str| key_of(&HeaderValue::from_str(v).unwrap());
        assert_eq!(key("\"8e03978e-40d5\"").as_deref(), Some("8e03978e-40d5"));
        assert_eq!(key("8e03978e-40d5").as_deref(), Some("8e03978e-40d5"));
        assert_eq!(
            key(r#""a \"quoted\" \\ key""#).as_deref(),
            Some(r#"a "quoted" \ key"#)
        );
        assert_eq!(key("\"\""), None);
        assert_eq!(key("\"open"), None);
        assert_eq!(key(r#""bad \n escape""#), None);
        assert_eq!(key(r#""in"side""#), None);
        assert_eq!(key(&"k".repeat(256)), None);
    }

    #[test]
    fn faults_time_outs_and_rate_limits_are_not_kept() {
        assert!(is_kept(StatusCode::CREATED));
        assert!(is_kept(StatusCode::UNPROCESSABLE_ENTITY));
        assert!(is_kept(StatusCode::CONFLICT));
        assert!(!is_kept(StatusCode::SERVICE_UNAVAILABLE));
        assert!(!is_kept(StatusCode::INTERNAL_SERVER_ERROR));
        assert!(!is_kept(StatusCode::REQUEST_TIMEOUT));
        assert!(!is_kept(StatusCode::TOO_MANY_REQUESTS));
    }
}
