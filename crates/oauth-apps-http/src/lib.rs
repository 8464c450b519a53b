//! The HTTP adapter: both REST surfaces of the OAuth application registry over the
//! domain's use cases, bearer-token authentication, problem details, health, readiness and
//! metrics. Handlers only translate: every rule lives in the domain crate.

//!
//! - [`apps_api`] is surface A (`/api/oauth-applications`, camelCase, RFC 9457 problems)
//!   and [`org_api`] surface B (`/api/v1/organizations/{org_id}/oauth-applications`,
//!   snake_case, envelopes): each has its wire types (`dto`), its handlers and its error
//!   type. Their handlers read and write those types, which are the types the OpenAPI
//!   document ([`openapi`]) declares.
//! - What both surfaces share: [`problem`] (what went wrong, shaped per surface),
//!   [`request`] (the caller, rate limits, `If-Match`, answer headers), [`json`] (bodies
//!   and query strings read strictly by their schema), [`wire`] (enums and formats),
//!   [`auth`] (bearer tokens), [`body`] (every body read within its limits).
//! - [`ops`]: health, readiness and metrics; [`metrics`], [`limits`], [`state`].

pub mod apps_api;
pub mod auth;
pub mod body;
pub mod console;
pub mod idempotency;
pub mod json;
pub mod limits;
pub mod metrics;
pub mod openapi;
pub mod ops;
pub mod org_api;
pub mod problem;
pub mod registration;
pub mod request;
pub mod state;
pub mod wire;

use std::net::TcpListener;
use std::time::{Duration, Instant};

use actix_web::body::MessageBody;
use actix_web::dev::{Server, ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::{Next, from_fn};
use actix_web::{App, HttpMessage, HttpServer, web};

pub use state::{AppState, Readiness, RegistrationSettings, ReportSignatures};

use request::RequestId;

/// The header carrying the request id, both ways.
pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// Server settings.
#[derive(Debug, Clone, Copy)]
pub struct ServerConfig {
    /// Worker threads.
    pub workers: usize,
    /// How long in-flight requests may take to finish after SIGTERM.
    pub shutdown_timeout: Duration,
    /// How long a client may take to send the request head.
    pub client_request_timeout: Duration,
    /// How long a client may take to send a request body, from the handler's first read
    /// (408 after that).
    pub client_body_timeout: Duration,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            workers: std::thread::available_parallelism().map_or(2, usize::from),
            shutdown_timeout: Duration::from_secs(30),
            client_request_timeout: Duration::from_secs(5),
            client_body_timeout: body::DEFAULT_BODY_TIMEOUT,
        }
    }
}

/// The id a client gave its request, when it is one the audit trail can keep.
fn client_request_id(incoming: Option<&HeaderValue>) -> Option<String> {
    let text = std::str::from_utf8(incoming?.as_bytes()).ok()?;
    oauth_apps_domain::client_request_id(text).map(str::to_owned)
}

/// A route for GET that answers HEAD too, as GET without the body (RFC 9110 §9.3.2).
pub(crate) fn get_or_head() -> actix_web::Route {
    use actix_web::guard::{Any, Get, Head};
    web::route().guard(Any(Get()).or(Head()))
}

/// Every route of both surfaces and the service endpoints. The handlers expect
/// `web::Data<AppState>` in the app data; [`serve`] adds it with its middleware (request
/// ids, metrics, logs), and tests or fuzzers can mount the routes on their own `App`.
pub fn routes(cfg: &mut web::ServiceConfig) {
    apps_api::configure(cfg);
    org_api::configure(cfg);
    console::configure(cfg);
    cfg.service(web::resource("/register").route(web::post().to(registration::register)))
        .service(
            web::resource("/register/{client_id}")
                .route(web::get().to(registration::read))
                .route(web::put().to(registration::replace))
                .route(web::delete().to(registration::delete)),
        );
    // Resources, so that another method answers 405 rather than 404.
    cfg.service(web::resource("/healthz").route(crate::get_or_head().to(ops::healthz)))
        .service(web::resource("/readyz").route(crate::get_or_head().to(ops::readyz)))
        .service(web::resource("/metrics").route(crate::get_or_head().to(ops::metrics)))
        .service(
            web::resource("/openapi.json").route(crate::get_or_head().to(openapi::openapi_json)),
        )
        .service(web::resource("/docs").route(crate::get_or_head().to(openapi::docs_page)));
}

/// The middleware around every request: a request id, the body read in full within its
/// limits (see [`body`]), metrics and a log line.
async fn observe(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse, actix_web::Error> {
    // Always an id of the service's own: a client's id cannot pose as another request's.
    // The client's id, when usable, is kept beside it for the audit trail and the logs.
    let id = uuid::Uuid::new_v4().to_string();
    let client_id = client_request_id(req.headers().get(REQUEST_ID_HEADER));
    req.extensions_mut().insert(RequestId(id.clone()));
    if let Some(client_id) = &client_id {
        req.extensions_mut()
            .insert(request::ClientRequestId(client_id.clone()));
    }
    let started = Instant::now();
    let span = tracing::info_span!(
        "request",
        request_id = %id,
        client_request_id = client_id.as_deref()
    );
    let limit = req
        .app_data::<request::BodyTimeout>()
        .map_or(body::DEFAULT_BODY_TIMEOUT, |t| t.0);
    let answer = async {
        match body::buffer(&mut req, limit).await {
            Ok(()) => next
                .call(req)
                .await
                .map(ServiceResponse::map_into_boxed_body),
            Err((problem, unread)) => {
                let answer = if req.path().starts_with("/api/v1/") {
                    <org_api::OrgApi as problem::Surface>::respond(&problem)
                } else {
                    <apps_api::AppsApi as problem::Surface>::respond(&problem)
                };
                Ok(req.into_response(body::refuse(answer, unread)))
            }
        }
    };
    let mut res = tracing::Instrument::instrument(answer, span).await?;
    let elapsed = started.elapsed();
    let route = res
        .request()
        .match_pattern()
        .unwrap_or_else(|| metrics::UNMATCHED_ROUTE.to_owned());
    let method = res.request().method().clone();
    let status = res.status().as_u16();
    if let Some(state) = res.request().app_data::<web::Data<AppState>>() {
        state.metrics.record(&route, &method, status, elapsed);
    }
    tracing::info!(
        request_id = %id,
        method = metrics::method_label(&method),
        %route,
        status,
        elapsed_ms = elapsed.as_secs_f64() * 1000.0,
        "request"
    );
    if let Ok(value) = HeaderValue::from_str(&id) {
        res.headers_mut()
            .insert(HeaderName::from_static(REQUEST_ID_HEADER), value);
    }
    Ok(res)
}

/// Starts the HTTP server on `listener`. It drains in-flight requests on SIGTERM/SIGINT.
///
/// # Errors
/// When the listener cannot be used.
pub fn serve(
    state: AppState,
    listener: TcpListener,
    config: ServerConfig,
) -> std::io::Result<Server> {
    let data = web::Data::new(state);
    let body_timeout = request::BodyTimeout(config.client_body_timeout);
    let server = HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .app_data(body_timeout)
            .wrap(from_fn(observe))
            .configure(routes)
    })
    .workers(config.workers)
    .shutdown_timeout(config.shutdown_timeout.as_secs())
    .client_request_timeout(config.client_request_timeout)
    .listen(listener)?
    .run();
    Ok(server)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_clients_request_id_is_kept_when_printable_and_short() {
        let given = |v: &[u8]| client_request_id(Some(&HeaderValue::from_bytes(v).unwrap()));
        assert_eq!(given(b"abc-123_x.y").as_deref(), Some("abc-123_x.y"));
        assert_eq!(given(b"has space").as_deref(), Some("has space"));
        assert_eq!(given(&[b'a'; 129]), None);
        assert_eq!(given(b"caf\xc3\xa9"), None);
        assert_eq!(given(b"  "), None);
        assert_eq!(client_request_id(None), None);
    }
}
