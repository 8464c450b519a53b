//! The settings, grouped by what they configure. Each is declared once, here: its
//! environment variable, its default, its type and its help text (shown by
//! `oauth-apps serve --help`; docs/configuration.md explains them at length and a test
//! keeps the two in step).

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use oauth_apps_domain::{HostPatterns, OrgId, RetryPolicy, ScopeCatalog, SecretLifetime};

/// The default database when `DATABASE_URL` is unset.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/oauth-apps.db";
/// The default listen address.
pub const DEFAULT_BIND: &str = "127.0.0.1:8080";

/// Where applications are stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Database {
    /// The embedded default: a SQLite file.
    Sqlite(PathBuf),
    /// A PostgreSQL server.
    Postgres(String),
}

/// Log output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Pretty,
    /// One JSON object per line.
    Json,
}

/// The HTTP server.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Server")]
pub struct ServerSettings {
    /// Address and port to listen on.
    #[arg(long, env = "OAUTH_APPS_BIND", default_value = DEFAULT_BIND, value_name = "HOST:PORT", value_parser = parse::socket_address)]
    pub bind: String,
    /// HTTP worker threads (default: the number of CPUs).
    #[arg(long, env = "OAUTH_APPS_WORKERS", value_name = "N", value_parser = parse::at_least_one)]
    pub workers: Option<usize>,
    /// How long a client may take to send a request body, in milliseconds.
    #[arg(long = "body-timeout-ms", env = "OAUTH_APPS_BODY_TIMEOUT_MS", default_value = "10000", value_name = "MS", value_parser = parse::millis)]
    pub body_timeout: Duration,
    /// Log lines: `pretty` or `json` (the level comes from `RUST_LOG`).
    #[arg(
        long,
        env = "OAUTH_APPS_LOG_FORMAT",
        default_value = "pretty",
        value_enum
    )]
    pub log_format: LogFormat,
    /// The registry's public base URL, for the URLs it hands out (RFC 7592's
    /// `registration_client_uri`, the console's address); unset: the bind address.
    #[arg(long, env = "OAUTH_APPS_PUBLIC_URL", value_name = "URL", value_parser = parse::public_url)]
    pub public_url: Option<String>,
    /// Writes per second per token subject, in bursts of twice as many; 0: no limit.
    #[arg(long, env = "OAUTH_APPS_WRITE_RATE", default_value = "50", value_name = "N", value_parser = parse::count)]
    pub write_rate: u32,
    /// Client authentications per second per token subject; 0: no limit.
    #[arg(long, env = "OAUTH_APPS_AUTH_RATE", default_value = "1000", value_name = "N", value_parser = parse::count)]
    pub auth_rate: u32,
}

/// Storage.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Storage")]
pub struct StorageSettings {
    /// `sqlite://PATH` (the embedded default) or `postgres://user:password@host:port/db`.
    #[arg(long = "database-url", env = "DATABASE_URL", default_value = DEFAULT_DATABASE_URL, value_name = "URL", value_parser = parse::database)]
    pub database: Database,
    /// Database pool size (default: 16 on PostgreSQL, 4 on SQLite).
    #[arg(long = "db-max-connections", env = "OAUTH_APPS_DB_MAX_CONNECTIONS", value_name = "N", value_parser = parse::at_least_one)]
    pub db_max_connections: Option<usize>,
    /// The longest the read cache may serve an application it heard nothing about, in
    /// milliseconds; 0 turns the cache off.
    #[arg(long = "cache-ttl-ms", env = "OAUTH_APPS_CACHE_TTL_MS", default_value = "5000", value_name = "MS", value_parser = parse::millis_or_zero)]
    pub cache_ttl: Duration,
    /// 32 bytes as 64 hex digits or standard base64: seals webhook signing keys and kept
    /// idempotent answers (unset with SQLite: one is made beside the database).
    #[arg(long = "data-key", env = "OAUTH_APPS_DATA_KEY", value_name = "KEY", hide_env_values = true, value_parser = parse::data_key)]
    pub data_key: Option<oauth_apps_seal::DataKey>,
}

/// How bearer tokens are checked.
#[derive(Debug, Clone, PartialEq, Eq, Args)]
#[command(next_help_heading = "Tokens")]
pub struct JwtSettings {
    /// The HS256 secret, at least 32 bytes.
    #[arg(long = "jwt-hs256-secret", env = "OAUTH_APPS_JWT_HS256_SECRET", value_name = "SECRET", hide_env_values = true, value_parser = parse::hs256_secret)]
    pub hs256_secret: Option<Hs256Secret>,
    /// A JWKS file of RS256, ES256 or EdDSA public keys.
    #[arg(long = "jwks-file", env = "OAUTH_APPS_JWKS_FILE", value_name = "FILE")]
    pub jwks_file: Option<PathBuf>,
    /// The required `aud`.
    #[arg(
        long = "jwt-audience",
        env = "OAUTH_APPS_JWT_AUDIENCE",
        default_value = "oauth-apps",
        value_name = "AUD"
    )]
    pub audience: String,
    /// The required `iss`, when set.
    #[arg(long = "jwt-issuer", env = "OAUTH_APPS_JWT_ISSUER", value_name = "ISS")]
    pub issuer: Option<String>,
}

/// An HS256 secret (at least 32 bytes). `Debug` is redacted.
#[derive(Clone, PartialEq, Eq)]
pub struct Hs256Secret(pub Vec<u8>);

impl std::fmt::Debug for Hs256Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Hs256Secret(..)")
    }
}

/// Argon2id and the hashing threads.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Hashing")]
pub struct HashingSettings {
    /// Argon2id memory in KiB (default 19456).
    #[arg(long = "argon2-memory-kib", env = "OAUTH_APPS_ARGON2_MEMORY_KIB", value_name = "KIB", value_parser = parse::count)]
    pub memory_kib: Option<u32>,
    /// Argon2id passes (default 2).
    #[arg(long = "argon2-iterations", env = "OAUTH_APPS_ARGON2_ITERATIONS", value_name = "N", value_parser = parse::count)]
    pub iterations: Option<u32>,
    /// Argon2id lanes (default 1).
    #[arg(long = "argon2-parallelism", env = "OAUTH_APPS_ARGON2_PARALLELISM", value_name = "N", value_parser = parse::count)]
    pub parallelism: Option<u32>,
    /// Hashing threads (default: the number of CPUs).
    #[arg(long = "hash-concurrency", env = "OAUTH_APPS_HASH_CONCURRENCY", value_name = "N", value_parser = parse::at_least_one)]
    pub max_concurrent: Option<usize>,
    /// How many hashes may wait (default: 64 per hashing thread); beyond, 503.
    #[arg(long = "hash-queue", env = "OAUTH_APPS_HASH_QUEUE", value_name = "N", value_parser = parse::at_least_one)]
    pub queue_capacity: Option<usize>,
}

impl HashingSettings {
    /// The hasher's configuration: what is set over the defaults.
    #[must_use]
    pub fn hasher(&self) -> oauth_apps_argon2::HasherConfig {
        let d = oauth_apps_argon2::HasherConfig::default();
        oauth_apps_argon2::HasherConfig {
            memory_kib: self.memory_kib.unwrap_or(d.memory_kib),
            iterations: self.iterations.unwrap_or(d.iterations),
            parallelism: self.parallelism.unwrap_or(d.parallelism),
            max_concurrent: self.max_concurrent.unwrap_or(d.max_concurrent),
            queue_capacity: self.queue_capacity.unwrap_or(d.queue_capacity),
        }
    }
}

/// Applications and their credentials.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Applications")]
pub struct ApplicationSettings {
    /// The scope catalog: scope tokens separated by commas.
    #[arg(long = "scopes", env = "OAUTH_APPS_SCOPES", default_value = "workspace:read,workspace:write,read,write,admin", value_name = "LIST", value_parser = parse::scope_catalog)]
    pub scope_catalog: ScopeCatalog,
    /// The catalog scopes that clients which register themselves may be given, separated
    /// by commas; empty: none; unset: every catalog scope but `admin`, `write` and those
    /// ending in `:write` or `:admin`.
    #[arg(
        long = "self-registration-scopes",
        env = "OAUTH_APPS_SELF_REGISTRATION_SCOPES",
        value_name = "LIST"
    )]
    pub self_registration_scopes: Option<String>,
    /// The `aud` values a client assertion may carry one of (https URLs separated by
    /// commas or spaces); unset: `private_key_jwt` cannot be chosen.
    #[arg(long = "assertion-audiences", env = "OAUTH_APPS_ASSERTION_AUDIENCES", value_name = "URLS", value_parser = parse::audiences)]
    pub assertion_audiences: Option<Audiences>,
    /// `on` or `off`: whether each credential's last use is written.
    #[arg(long = "credential-telemetry", env = "OAUTH_APPS_CREDENTIAL_TELEMETRY", default_value = "on", value_name = "on|off", action = clap::ArgAction::Set, value_parser = parse::on_off)]
    pub credential_telemetry: bool,
    /// How long new secrets live (1-3650 days) when their organisation sets nothing;
    /// unset: they do not expire.
    #[arg(long = "secret-lifetime-days", env = "OAUTH_APPS_SECRET_LIFETIME_DAYS", value_name = "DAYS", value_parser = parse::secret_lifetime)]
    pub secret_lifetime: Option<SecretLifetime>,
    /// How often expiry warnings are looked for, in seconds.
    #[arg(long = "secret-expiry-check-seconds", env = "OAUTH_APPS_SECRET_EXPIRY_CHECK_SECONDS", default_value = "3600", value_name = "S", value_parser = parse::seconds)]
    pub secret_expiry_check: Duration,
    /// The secret scanners' public keys file; unset: leak reports are refused.
    #[arg(
        long = "secret-scanning-keys-file",
        env = "OAUTH_APPS_SECRET_SCANNING_KEYS_FILE",
        value_name = "FILE"
    )]
    pub secret_scanning_keys_file: Option<PathBuf>,
}

impl ApplicationSettings {
    /// The catalog with the self-registrable scopes chosen.
    ///
    /// # Errors
    /// A message naming the setting when it lists a scope outside the catalog.
    pub fn catalog(&self) -> Result<ScopeCatalog, String> {
        let Some(list) = &self.self_registration_scopes else {
            return Ok(self.scope_catalog.clone());
        };
        let scopes: Vec<&str> = list
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect();
        self.scope_catalog
            .clone()
            .with_self_registrable(&scopes)
            .map_err(|_| {
                format!(
                    "OAUTH_APPS_SELF_REGISTRATION_SCOPES must list scopes of the catalog \
                     (OAUTH_APPS_SCOPES), separated by commas (got {list:?})"
                )
            })
    }

    /// The assertion audiences; empty when unset.
    #[must_use]
    pub fn audiences(&self) -> &[String] {
        self.assertion_audiences.as_ref().map_or(&[], |a| &a.0)
    }
}

/// The audiences of client assertions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Audiences(pub Vec<String>);

/// Clients that register themselves.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Registration")]
pub struct RegistrationSettings {
    /// The organisation clients register into at `POST /register` without an initial
    /// access token; unset: a token is required.
    #[arg(long = "open-registration-org", env = "OAUTH_APPS_OPEN_REGISTRATION_ORG", value_name = "ORG", value_parser = parse::org_id)]
    pub open_registration_org: Option<OrgId>,
    /// Open registrations an hour per client address (an IPv6 /64); 0: no limit.
    #[arg(long = "open-registration-per-hour", env = "OAUTH_APPS_OPEN_REGISTRATION_PER_HOUR", default_value = "10", value_name = "N", value_parser = parse::count)]
    pub open_registration_per_hour: u32,
    /// The hosts whose Client ID Metadata Documents resolve, each with its organisation:
    /// `*.tools.example=acme, mcp.example.org=globex`.
    #[arg(long = "cimd-allowed-hosts", env = "OAUTH_APPS_CIMD_ALLOWED_HOSTS", value_name = "HOST=ORG,...", value_parser = parse::host_patterns)]
    pub metadata_document_hosts: Option<HostPatterns>,
    /// A JWK Set file of the keys whose software statements are trusted.
    #[arg(
        long = "software-statement-jwks-file",
        env = "OAUTH_APPS_SOFTWARE_STATEMENT_JWKS_FILE",
        value_name = "FILE"
    )]
    pub software_statement_jwks_file: Option<PathBuf>,
}

impl RegistrationSettings {
    /// The metadata-document hosts; none when unset.
    #[must_use]
    pub fn document_hosts(&self) -> HostPatterns {
        self.metadata_document_hosts.clone().unwrap_or_default()
    }
}

/// Every URL the registry fetches or posts to.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Outbound requests")]
pub struct OutboundSettings {
    /// Hosts and address blocks the outbound guard may reach although they are special
    /// (loopback, private, ...), separated by commas or spaces.
    #[arg(
        long = "outbound-allow",
        env = "OAUTH_APPS_OUTBOUND_ALLOW",
        value_name = "LIST"
    )]
    pub allow: Option<String>,
    /// A PEM file of CA certificates trusted beside the built-in roots.
    #[arg(
        long = "outbound-ca-file",
        env = "OAUTH_APPS_OUTBOUND_CA_FILE",
        value_name = "FILE"
    )]
    pub ca_file: Option<String>,
}

impl OutboundSettings {
    /// The guard's configuration.
    ///
    /// # Errors
    /// Every entry or file that cannot be read, each named.
    pub fn guard(&self) -> Result<oauth_apps_outbound::OutboundConfig, Vec<String>> {
        oauth_apps_outbound::OutboundConfig::from_settings(
            self.allow.as_deref(),
            self.ca_file.as_deref(),
        )
        .map_err(|problems| problems.iter().map(ToString::to_string).collect())
    }
}

/// Webhook deliveries.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Webhooks")]
pub struct WebhookSettings {
    /// The wait after a delivery's first failed attempt, in milliseconds; each further
    /// failure doubles it.
    #[arg(long = "webhook-first-retry-ms", env = "OAUTH_APPS_WEBHOOK_FIRST_RETRY_MS", default_value = "5000", value_name = "MS", value_parser = parse::millis)]
    pub first_retry: Duration,
    /// The longest wait between two attempts, in milliseconds.
    #[arg(long = "webhook-max-retry-ms", env = "OAUTH_APPS_WEBHOOK_MAX_RETRY_MS", default_value = "3600000", value_name = "MS", value_parser = parse::millis)]
    pub max_retry: Duration,
    /// How long after its event a delivery is attempted, in seconds.
    #[arg(long = "webhook-give-up-seconds", env = "OAUTH_APPS_WEBHOOK_GIVE_UP_SECONDS", default_value = "86400", value_name = "S", value_parser = parse::seconds)]
    pub give_up_after: Duration,
    /// How long an attempt holds its delivery, in seconds.
    #[arg(long = "webhook-lease-seconds", env = "OAUTH_APPS_WEBHOOK_LEASE_SECONDS", default_value = "60", value_name = "S", value_parser = parse::seconds)]
    pub lease: Duration,
    /// How often the dispatcher looks for due deliveries when it found none, in
    /// milliseconds.
    #[arg(long = "webhook-poll-ms", env = "OAUTH_APPS_WEBHOOK_POLL_MS", default_value = "500", value_name = "MS", value_parser = parse::millis)]
    pub poll: Duration,
    /// Deliveries attempted at once per process (an organisation holds at most a quarter).
    #[arg(long = "webhook-concurrency", env = "OAUTH_APPS_WEBHOOK_CONCURRENCY", default_value = "16", value_name = "N", value_parser = parse::at_least_one)]
    pub concurrency: usize,
    /// How many webhooks an organisation may have.
    #[arg(long = "webhooks-per-org", env = "OAUTH_APPS_WEBHOOKS_PER_ORG", default_value = "10", value_name = "N", value_parser = parse::count_at_least_one)]
    pub per_org: u32,
}

impl WebhookSettings {
    /// How deliveries are retried.
    #[must_use]
    pub const fn retry(&self) -> RetryPolicy {
        RetryPolicy {
            first_delay: self.first_retry,
            max_delay: self.max_retry,
            give_up_after: self.give_up_after,
            lease: self.lease,
        }
    }
}

/// The value parsers: each says what is wrong in words that name the rule.
mod parse {
    use std::net::SocketAddr;
    use std::path::PathBuf;
    use std::time::Duration;

    use oauth_apps_domain::{HostPatterns, OrgId, ScopeCatalog, SecretLifetime};

    use super::{Audiences, Database};

    pub fn socket_address(raw: &str) -> Result<String, String> {
        raw.parse::<SocketAddr>()
            .map(|_| raw.to_owned())
            .map_err(|_| "must be an address and port such as 127.0.0.1:8080".to_owned())
    }

    pub fn at_least_one(raw: &str) -> Result<usize, String> {
        raw.trim()
            .parse::<usize>()
            .ok()
            .filter(|n| *n >= 1)
            .ok_or_else(|| "must be a whole number, at least 1".to_owned())
    }

    pub fn count(raw: &str) -> Result<u32, String> {
        raw.trim()
            .parse::<u32>()
            .map_err(|_| "must be a whole number".to_owned())
    }

    pub fn count_at_least_one(raw: &str) -> Result<u32, String> {
        match count(raw)? {
            0 => Err("must be at least 1".to_owned()),
            n => Ok(n),
        }
    }

    fn whole(raw: &str) -> Result<u64, String> {
        raw.trim()
            .parse::<u64>()
            .map_err(|_| "must be a positive whole number".to_owned())
    }

    pub fn millis(raw: &str) -> Result<Duration, String> {
        match whole(raw)? {
            0 => Err("must be at least 1".to_owned()),
            n => Ok(Duration::from_millis(n)),
        }
    }

    pub fn millis_or_zero(raw: &str) -> Result<Duration, String> {
        whole(raw).map(Duration::from_millis)
    }

    pub fn seconds(raw: &str) -> Result<Duration, String> {
        match whole(raw)? {
            0 => Err("must be at least 1".to_owned()),
            n => Ok(Duration::from_secs(n)),
        }
    }

    pub fn database(url: &str) -> Result<Database, String> {
        if let Some(path) = url.strip_prefix("sqlite://") {
            if path.is_empty() {
                return Err("sqlite:// needs a file path, e.g. sqlite://data/oauth-apps.db".into());
            }
            Ok(Database::Sqlite(PathBuf::from(path)))
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Database::Postgres(url.to_owned()))
        } else {
            Err("must start with sqlite:// or postgres:// (e.g. postgres://user:password@host:5432/db)".into())
        }
    }

    pub fn hs256_secret(raw: &str) -> Result<super::Hs256Secret, String> {
        if raw.len() < 32 {
            return Err("must be at least 32 bytes long".into());
        }
        Ok(super::Hs256Secret(raw.as_bytes().to_vec()))
    }

    pub fn public_url(raw: &str) -> Result<String, String> {
        let trimmed = raw.trim().trim_end_matches('/');
        let ok = url::Url::parse(trimmed).is_ok_and(|u| {
            matches!(u.scheme(), "https" | "http")
                && u.host_str().is_some()
                && u.query().is_none()
                && u.fragment().is_none()
        });
        if ok {
            Ok(trimmed.to_owned())
        } else {
            Err("must be the registry's base URL, such as https://apps.example.com".into())
        }
    }

    pub fn data_key(raw: &str) -> Result<oauth_apps_seal::DataKey, String> {
        oauth_apps_seal::DataKey::parse(raw).map_err(|e| e.to_string())
    }

    pub fn scope_catalog(raw: &str) -> Result<ScopeCatalog, String> {
        let scopes: Vec<&str> = raw
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect();
        ScopeCatalog::new(&scopes).map_err(|_| {
            "must be a comma-separated list of scope tokens (printable ASCII, no spaces or quotes)"
                .into()
        })
    }

    pub fn audiences(raw: &str) -> Result<Audiences, String> {
        let list: Vec<String> = raw
            .split([',', ' '])
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect();
        match list
            .iter()
            .find(|a| url::Url::parse(a).map_or(true, |u| u.scheme() != "https"))
        {
            Some(bad) => Err(format!(
                "must list https URLs (the authorization server's issuer and token endpoint), \
                 separated by commas ({bad:?} is not one)"
            )),
            None => Ok(Audiences(list)),
        }
    }

    pub fn on_off(raw: &str) -> Result<bool, String> {
        match raw {
            "on" => Ok(true),
            "off" => Ok(false),
            _ => Err("must be on or off".into()),
        }
    }

    pub fn secret_lifetime(raw: &str) -> Result<SecretLifetime, String> {
        raw.trim()
            .parse::<i64>()
            .ok()
            .and_then(|d| SecretLifetime::from_days(d).ok())
            .ok_or_else(|| "must be a number of days from 1 to 3650".into())
    }

    pub fn org_id(raw: &str) -> Result<OrgId, String> {
        OrgId::parse(raw).map_err(|v| format!("must be an organisation id: it {v}"))
    }

    pub fn host_patterns(raw: &str) -> Result<HostPatterns, String> {
        HostPatterns::parse(raw).map_err(|e| {
            format!(
                "must list host=organisation entries separated by commas, such as \
                 *.example.com=acme: {e}"
            )
        })
    }
}
