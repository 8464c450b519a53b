//! The web console at `/console`: one page, a stylesheet and a script, embedded in the
//! binary (no CDN, no build step), served with a strict Content-Security-Policy: scripts
//! and styles from this origin only, no inline script, no `eval`, no framing, requests to
//! this origin only. The token a user signs in with stays in the tab's sessionStorage and
//! travels only in the `Authorization` header of the API calls.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;

use crate::state::AppState;

const PAGE: &str = include_str!("../console/index.html");
const SCRIPT: &str = include_str!("../console/console.js");
const STYLE: &str = include_str!("../console/console.css");

/// The console's Content-Security-Policy.
pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
     img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; \
     frame-ancestors 'none'";

fn asset(content_type: &str, body: &'static str) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((header::CONTENT_SECURITY_POLICY, CSP))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::REFERRER_POLICY, "no-referrer"))
        .insert_header((header::X_FRAME_OPTIONS, "DENY"))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .body(body)
}

/// `GET /console`: the page.
pub async fn page() -> HttpResponse {
    asset("text/html; charset=utf-8", PAGE)
}

/// `GET /console/console.js`.
pub async fn script() -> HttpResponse {
    asset("text/javascript; charset=utf-8", SCRIPT)
}

/// `GET /console/console.css`.
pub async fn style() -> HttpResponse {
    asset("text/css; charset=utf-8", STYLE)
}

#[derive(Serialize)]
struct DevToken<'a> {
    token: &'a str,
}

/// Whether `req` comes from a browser on this machine: a loopback peer, a loopback host
/// name, and no sign of a proxy in between (a reverse proxy on the same machine would
/// otherwise make every client look local).
fn is_local(req: &HttpRequest) -> bool {
    let peer = req.peer_addr().is_some_and(|peer| peer.ip().is_loopback());
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(|h| {
            h.rsplit_once(':')
                .filter(|(_, port)| port.bytes().all(|b| b.is_ascii_digit()))
                .map_or(h, |(name, _)| name)
        })
        .is_some_and(|name| matches!(name, "localhost" | "127.0.0.1" | "[::1]"));
    let proxied = [
        "forwarded",
        "x-forwarded-for",
        "x-forwarded-host",
        "x-real-ip",
    ]
    .iter()
    .any(|name| req.headers().contains_key(*name));
    peer && host && !proxied
}

/// `GET /console/dev-token`: the development token, for the one-click sign-in. Only in
/// development mode (the server made its own signing key) on a loopback bind, and only to
/// a browser on this machine (see [`is_local`]); 404 otherwise.
pub async fn dev_token(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let local = is_local(&req);
    match state.console_dev_token.as_deref() {
        Some(token) if local => HttpResponse::Ok()
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .json(DevToken { token }),
        _ => HttpResponse::NotFound().finish(),
    }
}

/// Registers the console's routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/console").route(crate::get_or_head().to(page)))
        .service(web::resource("/console/").route(crate::get_or_head().to(page)))
        .service(web::resource("/console/console.js").route(crate::get_or_head().to(script)))
        .service(web::resource("/console/console.css").route(crate::get_or_head().to(style)))
        .service(web::resource("/console/dev-token").route(web::get().to(dev_token)));
}
