//! `oauth-apps`: `serve` (the default), `migrate`, `export`, `import`, `openapi`, `token`,
//! and `apps`, a command-line client of a running registry.

use std::collections::HashMap;
use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};
use oauth_apps::config::{self, Config, Database};
use oauth_apps::{
    Application, StartError, dev_key_path, existing_dev_key, migrate, telemetry, transfer,
};
use oauth_apps_domain::{OrgId, OrgRole, PlatformRole};
use oauth_apps_http::auth::{Claims, mint_hs256};

#[derive(Parser)]
#[command(
    name = "oauth-apps",
    version,
    about = "The OAuth application registry."
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the API (the default). Every setting is an environment variable or an option
    /// (`oauth-apps serve --help` lists them; docs/configuration.md explains them).
    Serve,
    /// Manage applications on a running registry: list, get, create, update, disable,
    /// enable, rotate-secret, revoke-previous-secret, events. Exit codes: 0 done, 1 refused
    /// by the server, 2 usage, 3 unreachable.
    Apps(oauth_apps::cli::AppsArgs),
    /// Manage webhooks on a running registry: list, create, delete, rotate-secret,
    /// deliveries. The same options and exit codes as `apps`.
    Webhooks(oauth_apps::cli::WebhooksArgs),
    /// Run the database migrations and exit.
    Migrate,
    /// Write every application (secret hashes, audit trail) as JSON Lines to standard
    /// output; a summary with the SHA-256 of the output goes to standard error.
    Export,
    /// Read an export from standard input into an empty database, all or nothing; a
    /// summary with the SHA-256 of the input goes to standard error.
    Import,
    /// Print the OpenAPI 3.1 document of the API (also served at /openapi.json).
    Openapi,
    /// Mint an HS256 token with the configured secret, for development and scripts.
    Token {
        /// The subject.
        #[arg(long)]
        sub: String,
        /// An organisation role, ORG=admin or ORG=member (repeatable).
        #[arg(long = "org", value_name = "ORG=ROLE")]
        orgs: Vec<String>,
        /// A platform role: platform-admin or client-authenticator (repeatable).
        #[arg(long = "role")]
        roles: Vec<String>,
        /// Lifetime in seconds.
        #[arg(long, default_value_t = 3600)]
        ttl: u64,
    },
}

/// `cmd` with each subcommand's usage line fixed to the one its help shows. In an error,
/// clap otherwise writes every option the command line (or the environment) gave beside
/// the required ones, as if `--server` and `--token` were required.
fn plain_usage(cmd: clap::Command, built: &clap::Command) -> clap::Command {
    built.get_subcommands().fold(cmd, |cmd, sub| {
        if cmd.find_subcommand(sub.get_name()).is_none() {
            return cmd; // `help`, which clap adds when it builds
        }
        let usage = sub.clone().render_usage().to_string();
        let usage = usage.strip_prefix("Usage: ").unwrap_or(&usage).to_owned();
        cmd.mut_subcommand(sub.get_name(), |c| {
            plain_usage(c.override_usage(usage), sub)
        })
    })
}

/// The command line, parsed; a usage error ends the process (exit code 2).
/// The command line, and the settings `serve` was given (options or environment).
fn parse() -> (Cli, HashMap<String, String>) {
    let with_settings = || Cli::command().mut_subcommand("serve", config::serve_options);
    let mut built = with_settings();
    built.build();
    let mut cmd = plain_usage(with_settings(), &built);
    let matches = cmd.clone().get_matches();
    let given = matches
        .subcommand_matches("serve")
        .map(config::given)
        .unwrap_or_default();
    let cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.format(&mut cmd).exit());
    (cli, given)
}

fn fail(message: impl std::fmt::Display) -> ExitCode {
    #[allow(clippy::print_stderr)]
    {
        eprintln!("oauth-apps: {message}");
    }
    ExitCode::FAILURE
}

fn done(what: &str, summary: &transfer::Summary) -> ExitCode {
    #[allow(clippy::print_stderr)]
    {
        eprintln!("oauth-apps: {what} {summary}");
    }
    ExitCode::SUCCESS
}

fn token(
    config: &Config,
    sub: String,
    orgs: Vec<String>,
    roles: Vec<String>,
    ttl: u64,
) -> ExitCode {
    // Never a key of its own: a token signed with a key made here would be refused by the
    // running server, which signs with the one beside its database.
    let secret = match (
        &config.jwt.hs256_secret,
        &config.jwt.jwks_file,
        &config.storage.database,
    ) {
        (Some(secret), _, _) => secret.0.clone(),
        (None, Some(_), _) => {
            return fail(
                "the server verifies tokens with the keys of OAUTH_APPS_JWKS_FILE, and this \
                 command signs with OAUTH_APPS_JWT_HS256_SECRET only: set it as the server has \
                 it, or ask the identity provider for a token",
            );
        }
        (None, None, Database::Sqlite(path)) => match existing_dev_key(path) {
            Ok((secret, file)) => {
                #[allow(clippy::print_stderr)]
                {
                    eprintln!(
                        "oauth-apps: signed with the development key {}",
                        file.display()
                    );
                }
                secret
            }
            Err(e) => return fail(e),
        },
        (None, None, Database::Postgres(_)) => {
            return fail("set OAUTH_APPS_JWT_HS256_SECRET to mint tokens");
        }
    };
    let mut org_roles = HashMap::new();
    for entry in orgs {
        let parsed = entry.split_once('=').and_then(|(org, role)| {
            let org = OrgId::parse(org).ok()?;
            Some((org, OrgRole::parse(role)?))
        });
        match parsed {
            Some((org, role)) => {
                org_roles.insert(org.as_str().to_owned(), role.as_str().to_owned());
            }
            None => {
                return fail(format!(
                    "--org takes ORG=admin or ORG=member, ORG 1-64 characters of [A-Za-z0-9_.-] \
                     (got {entry:?})"
                ));
            }
        }
    }
    let mut platform_roles = Vec::with_capacity(roles.len());
    for role in &roles {
        match PlatformRole::parse(role) {
            Some(role) => platform_roles.push(role.as_str().to_owned()),
            None => {
                return fail(format!(
                    "--role takes platform-admin or client-authenticator (got {role:?})"
                ));
            }
        }
    }
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let claims = Claims {
        sub,
        exp: now + ttl,
        aud: config.jwt.audience.clone(),
        iss: config.jwt.issuer.clone(),
        orgs: org_roles,
        roles: platform_roles,
    };
    match mint_hs256(&secret, &claims) {
        Ok(token) => {
            #[allow(clippy::print_stdout)]
            {
                println!("{token}");
            }
            ExitCode::SUCCESS
        }
        Err(e) => fail(e),
    }
}

async fn serve(config: Config) -> ExitCode {
    let app = match Application::build(&config).await {
        Ok(app) => app,
        Err(StartError::Bind(address, e)) if e.kind() == std::io::ErrorKind::AddrInUse => {
            return fail(format!(
                "cannot listen on {address}: another program uses it; set OAUTH_APPS_BIND to \
                 another address, e.g. OAUTH_APPS_BIND=127.0.0.1:8081"
            ));
        }
        Err(e) => return fail(e),
    };
    tracing::info!(port = app.port(), bind = %config.server.bind, console = %app.console_url, "serving");
    if let (Some(token), Database::Sqlite(path)) = (&app.dev_token, &config.storage.database) {
        // Development mode only (SQLite, no key configured): shown on the terminal, never
        // through the logs.
        let key = dev_key_path(path);
        let key = std::path::absolute(&key).unwrap_or(key);
        #[allow(clippy::print_stderr)]
        {
            eprintln!(
                "\nDevelopment mode: tokens are signed with the key in {}\n\
                 (made beside the database; `oauth-apps token` signs with it too).\n\
                 A platform-admin token, valid for 24 hours:\n\n{token}\n\n\
                 Console: {}",
                key.display(),
                app.console_url
            );
            match &app.console_sign_in_url {
                Some(link) => eprintln!(
                    "Sign in to the console with this link (it works once):\n\n    {link}\n"
                ),
                None => eprintln!(),
            }
        }
    }
    match app.run_until_stopped().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(e),
    }
}

fn main() -> ExitCode {
    let (cli, given) = parse();
    // A client: no server configuration, no logs.
    let cli = match cli.command {
        Some(Command::Apps(args)) => {
            return actix_web::rt::System::new()
                .block_on(oauth_apps::cli::run(args))
                .into();
        }
        Some(Command::Webhooks(args)) => {
            return actix_web::rt::System::new()
                .block_on(oauth_apps::cli::run_webhooks(args))
                .into();
        }
        command => Cli { command },
    };
    if matches!(cli.command, Some(Command::Openapi)) {
        #[allow(clippy::print_stdout)]
        {
            println!("{:#}", oauth_apps_http::openapi::document());
        }
        return ExitCode::SUCCESS;
    }
    let config = match Config::from_lookup(|name| {
        given
            .get(name)
            .cloned()
            .or_else(|| std::env::var(name).ok())
    }) {
        Ok(config) => config,
        Err(e) => return fail(e),
    };
    telemetry::init(config.server.log_format);
    match cli.command.unwrap_or(Command::Serve) {
        Command::Token {
            sub,
            orgs,
            roles,
            ttl,
        } => token(&config, sub, orgs, roles, ttl),
        Command::Migrate => actix_web::rt::System::new().block_on(async {
            match migrate(&config.storage.database).await {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => fail(e),
            }
        }),
        Command::Export => actix_web::rt::System::new().block_on(async {
            match transfer::export(&config.storage.database, std::io::stdout().lock()).await {
                Ok(summary) => done("exported", &summary),
                Err(e) => fail(e),
            }
        }),
        Command::Import => actix_web::rt::System::new().block_on(async {
            // The whole input is held to be checked before anything is written anyway; read
            // first, its lines give the progress a total.
            let mut input = Vec::new();
            if let Err(e) = std::io::Read::read_to_end(&mut std::io::stdin().lock(), &mut input) {
                return fail(format!("import failed, nothing was written: {e}"));
            }
            let lines = input
                .split(|b| *b == b'\n')
                .filter(|l| !l.iter().all(u8::is_ascii_whitespace))
                .count();
            let total = u64::try_from(lines.saturating_sub(1)).ok();
            match transfer::import(&config.storage.database, std::io::Cursor::new(input), total)
                .await
            {
                Ok(summary) => done("imported", &summary),
                Err(e) => fail(format!("import failed, nothing was written: {e}")),
            }
        }),
        Command::Serve | Command::Openapi | Command::Apps(_) | Command::Webhooks(_) => {
            actix_web::rt::System::new().block_on(serve(config))
        }
    }
}
