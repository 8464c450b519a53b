//! Runs the example token endpoint on `TOKEN_ENDPOINT_BIND` (default 127.0.0.1:8090) over
//! the registry's PostgreSQL database at `DATABASE_URL`.
//!
//! Client assertions (`private_key_jwt`) must name this endpoint: `TOKEN_ENDPOINT_AUDIENCE`
//! (default `http://<bind>/token`; several separated by commas). Published keys
//! (`jwks_uri`) are fetched through the registry's outbound guard, configured as the
//! registry's is (`OAUTH_APPS_OUTBOUND_ALLOW`, `OAUTH_APPS_OUTBOUND_CA_FILE`).

use std::sync::Arc;

use actix_web::{App, HttpServer, web};
use oauth_apps_argon2::{Argon2Hasher, HasherConfig, OsRandom};
use oauth_apps_domain::{ApplicationService, Ports, ServiceConfig, SystemClock};
use oauth_apps_example_token_endpoint::{TokenEndpoint, routes};
use oauth_apps_jose::{JoseAssertionVerifier, PublishedDocuments, PublishedKeys};
use oauth_apps_outbound::{ALLOW_SETTING, CA_FILE_SETTING, OutboundConfig, OutboundGuard};
use oauth_apps_postgres::{PgConfig, PgRepository};

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let url = std::env::var("DATABASE_URL")
        .map_err(|_| std::io::Error::other("set DATABASE_URL to the registry's PostgreSQL"))?;
    let bind = std::env::var("TOKEN_ENDPOINT_BIND").unwrap_or_else(|_| "127.0.0.1:8090".to_owned());
    let audiences: Vec<String> = std::env::var("TOKEN_ENDPOINT_AUDIENCE")
        .unwrap_or_else(|_| format!("http://{bind}/token"))
        .split(',')
        .map(|a| a.trim().to_owned())
        .filter(|a| !a.is_empty())
        .collect();
    let outbound = OutboundConfig::from_settings(
        std::env::var(ALLOW_SETTING).ok().as_deref(),
        std::env::var(CA_FILE_SETTING).ok().as_deref(),
    )
    .map_err(|errors| {
        let errors: Vec<String> = errors.iter().map(ToString::to_string).collect();
        std::io::Error::other(errors.join("; "))
    })?;
    let guard = OutboundGuard::new(outbound).map_err(std::io::Error::other)?;
    let repository = PgRepository::new(&PgConfig::new(&url)).map_err(std::io::Error::other)?;
    let hasher = Argon2Hasher::new(HasherConfig::default()).map_err(std::io::Error::other)?;
    let endpoint = TokenEndpoint {
        service: Arc::new(ApplicationService::new(
            Ports {
                repository: Arc::new(repository.clone()),
                hasher: Arc::new(hasher),
                clock: Arc::new(SystemClock),
                random: Arc::new(OsRandom),
                keys: Arc::new(PublishedKeys::new(guard.clone())),
                documents: Arc::new(PublishedDocuments::new(guard)),
                assertions: Arc::new(JoseAssertionVerifier::new()),
                replay: Arc::new(repository.clone()),
                policies: Arc::new(repository),
            },
            ServiceConfig {
                assertion_audiences: audiences,
                ..ServiceConfig::default()
            },
        )),
        random: Arc::new(OsRandom),
    };
    let data = web::Data::new(endpoint);
    HttpServer::new(move || App::new().app_data(data.clone()).configure(routes))
        .bind(bind)?
        .run()
        .await
}
