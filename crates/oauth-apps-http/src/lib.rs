//! The HTTP adapter: both REST surfaces of the OAuth application registry over the
//! domain's use cases, bearer-token authentication, problem details, health, readiness and
//! metrics. Handlers only translate: every rule lives in the domain crate.

pub mod auth;
pub mod body;
pub mod error;
pub mod flat;
pub mod limits;
pub mod metrics;
pub mod openapi;
mod outcome;
pub mod request;
pub mod state;
pub mod v1;

use std::net::TcpListener;
use std::time::{Duration, Instant};

use actix_web::body::MessageBody;
use actix_web::dev::{Server, ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::{Next, from_fn};
use actix_web::{App, HttpMessage, HttpResponse, HttpServer, web};

pub use state::{AppState, Readiness};

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

/// The process is up.
#[utoipa::path(get, path = "/healthz", tag = "operations", security(()), responses((status = 200, description = "Up", body = openapi::Health)))]
pub(crate) async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({"status": "ok"}))
}

/// The database answers.
#[utoipa::path(get, path = "/readyz", tag = "operations", security(()), responses((status = 200, description = "Ready", body = openapi::Health), (status = 503, description = "The database does not answer", body = openapi::Health)))]
pub(crate) async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    match state.readiness.check().await {
        Ok(()) => HttpResponse::Ok().json(serde_json::json!({"status": "ready"})),
        Err(reason) => {
            tracing::warn!(%reason, "not ready");
            HttpResponse::ServiceUnavailable()
                .insert_header(("retry-after", "1"))
                .json(serde_json::json!({"status": "unavailable"}))
        }
    }
}

/// Prometheus metrics.
#[utoipa::path(get, path = "/metrics", tag = "operations", security(()), responses((status = 200, description = "Prometheus text format", body = String, content_type = "text/plain")))]
pub(crate) async fn render_metrics(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(state.metrics.render())
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
    flat::configure(cfg);
    v1::configure(cfg);
    // Resources, so that another method answers 405 rather than 404.
    cfg.service(web::resource("/healthz").route(crate::get_or_head().to(healthz)))
        .service(web::resource("/readyz").route(crate::get_or_head().to(readyz)))
        .service(web::resource("/metrics").route(crate::get_or_head().to(render_metrics)))
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
            Err(refusal) => Ok(req.into_response(refusal)),
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
