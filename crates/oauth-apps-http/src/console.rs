//! The web console at `/console`: one page, a stylesheet and a script, embedded in the
//! binary (no CDN, no build step), served with a strict Content-Security-Policy: scripts
//! and styles from this origin only, no inline script, no `eval`, no framing, requests to
//! this origin only. The token a user signs in with stays in the tab's sessionStorage and
//! travels only in the `Authorization` header of the API calls.
//!
//! In development mode the server prints a sign-in link at start whose fragment carries a
//! one-time code ([`DevSignIn`]); the page trades the code for the development token.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};

pub use crate::auth::{DevSignIn, Refusal};
use crate::problem::{Problem, Surface};
use crate::state::AppState;

const PAGE: &str = include_str!("../console/index.html");
const SCRIPT: &str = include_str!("../console/console.js");
const STYLE: &str = include_str!("../console/console.css");
const ICON: &[u8] = include_bytes!("../console/favicon.ico");

/// The console's Content-Security-Policy.
pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
     img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; \
     frame-ancestors 'none'";

fn asset(content_type: &str, body: &'static [u8]) -> HttpResponse {
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
    asset("text/html; charset=utf-8", PAGE.as_bytes())
}

/// `GET /console/console.js`.
pub async fn script() -> HttpResponse {
    asset("text/javascript; charset=utf-8", SCRIPT.as_bytes())
}

/// `GET /console/console.css`.
pub async fn style() -> HttpResponse {
    asset("text/css; charset=utf-8", STYLE.as_bytes())
}

/// `GET /favicon.ico`: the console's icon (a 32×32 PNG in an ICO file).
pub async fn icon() -> HttpResponse {
    asset("image/x-icon", ICON)
}

#[derive(Serialize)]
struct DevToken<'a> {
    token: &'a str,
}

#[derive(Deserialize)]
struct Offered {
    code: String,
}

fn forbidden(detail: &str) -> HttpResponse {
    <crate::apps_api::AppsApi as Surface>::respond(&Problem::new(StatusCode::FORBIDDEN, detail))
}

/// `POST /console/dev-token` with `{"code": "..."}` (JSON): the development token, for the
/// one-click sign-in, to the first request that presents the code printed at start (see
/// [`DevSignIn`]); 403 without it, whoever asks (a loopback peer and `Host` prove nothing:
/// a reverse proxy on the same machine has both). 404 outside development mode on a
/// loopback bind.
pub async fn dev_token(
    req: HttpRequest,
    body: web::Bytes,
    state: web::Data<AppState>,
) -> HttpResponse {
    let Some(sign_in) = state.console_dev_token.as_deref() else {
        return HttpResponse::NotFound().finish();
    };
    let json = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.trim_start()
                .to_ascii_lowercase()
                .starts_with("application/json")
        });
    let offered = serde_json::from_slice::<Offered>(&body)
        .ok()
        .filter(|_| json);
    let Some(offered) = offered else {
        return forbidden(
            "The development sign-in needs the code of the link the server printed at start, \
             sent as JSON: {\"code\": \"...\"}.",
        );
    };
    match sign_in.redeem(&offered.code) {
        Ok(token) => HttpResponse::Ok()
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .json(DevToken { token }),
        Err(Refusal::Wrong) => forbidden(
            "This is not the sign-in code this server printed at start: open the link it \
             printed, or paste the development token.",
        ),
        Err(Refusal::Used) => forbidden(
            "This sign-in link was already used: it signs in once. Paste the development \
             token the server printed at start, or restart the server for a new link.",
        ),
    }
}

/// Registers the console's routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/console").route(crate::get_or_head().to(page)))
        .service(web::resource("/console/").route(crate::get_or_head().to(page)))
        .service(web::resource("/console/console.js").route(crate::get_or_head().to(script)))
        .service(web::resource("/console/console.css").route(crate::get_or_head().to(style)))
        .service(web::resource("/favicon.ico").route(crate::get_or_head().to(icon)))
        .service(web::resource("/console/dev-token").route(web::post().to(dev_token)));
}
