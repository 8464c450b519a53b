//! Runs the example token endpoint on `TOKEN_ENDPOINT_BIND` (default 127.0.0.1:8090)
//! over the registry's PostgreSQL database at `DATABASE_URL`.

use std::sync::Arc;

use actix_web::{App, HttpServer, web};
use oauth_apps_argon2::{Argon2Hasher, HasherConfig, OsRandom};
use oauth_apps_domain::{ApplicationService, Ports, ServiceConfig, SystemClock};
use oauth_apps_example_token_endpoint::{TokenEndpoint, routes};
use oauth_apps_postgres::{PgConfig, PgRepository};

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let url = std::env::var("DATABASE_URL")
        .map_err(|_| std::io::Error::other("set DATABASE_URL to the registry's PostgreSQL"))?;
    let bind = std::env::var("TOKEN_ENDPOINT_BIND").unwrap_or_else(|_| "127.0.0.1:8090".to_owned());
    let repository = PgRepository::new(&PgConfig::new(&url)).map_err(std::io::Error::other)?;
    let hasher = Argon2Hasher::new(HasherConfig::default()).map_err(std::io::Error::other)?;
    let endpoint = TokenEndpoint {
        service: Arc::new(ApplicationService::new(
            Ports {
                repository: Arc::new(repository),
                hasher: Arc::new(hasher),
                clock: Arc::new(SystemClock),
                random: Arc::new(OsRandom),
            },
            ServiceConfig::default(),
        )),
        random: Arc::new(OsRandom),
    };
    let data = web::Data::new(endpoint);
    HttpServer::new(move || App::new().app_data(data.clone()).configure(routes))
        .bind(bind)?
        .run()
        .await
}
