//! The `oauth-apps` server binary: reads its configuration and wires the adapters to the
//! domain. The HTTP and storage adapters are not wired yet; for now it checks the
//! configuration and says what it will serve.

use std::process::ExitCode;

use oauth_apps_domain::ScopeCatalog;

const DEFAULT_BIND: &str = "127.0.0.1:8080";
const DEFAULT_DATABASE_URL: &str = "sqlite://data/oauth-apps.db";

#[allow(clippy::print_stdout, clippy::print_stderr)]
fn main() -> ExitCode {
    let bind = std::env::var("OAUTH_APPS_BIND").unwrap_or_else(|_| DEFAULT_BIND.to_owned());
    let database_url =
        std::env::var("DATABASE_URL").unwrap_or_else(|_| DEFAULT_DATABASE_URL.to_owned());
    let storage = if database_url.starts_with("sqlite://") {
        "the embedded SQLite database"
    } else if database_url.starts_with("postgres://") || database_url.starts_with("postgresql://") {
        "PostgreSQL"
    } else {
        eprintln!(
            "DATABASE_URL must start with sqlite:// or postgres:// (got a value that does not)"
        );
        return ExitCode::from(2);
    };
    let scopes: Vec<_> = ScopeCatalog::default()
        .scopes()
        .iter()
        .map(|s| s.as_str().to_owned())
        .collect();
    println!("oauth-apps {}", env!("CARGO_PKG_VERSION"));
    println!("will serve the OAuth application API on http://{bind}");
    println!("will store applications in {storage}");
    println!("scope catalog: {}", scopes.join(", "));
    println!("the HTTP server is not part of this build yet: nothing is listening");
    ExitCode::SUCCESS
}
