//! Configuration from the environment, checked at start with errors that say what to set.

use std::path::PathBuf;

use oauth_apps_argon2::HasherConfig;
use oauth_apps_domain::ScopeCatalog;

/// Where applications are stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Database {
    /// The embedded default: a SQLite file.
    Sqlite(PathBuf),
    /// A PostgreSQL server.
    Postgres(String),
}

/// How bearer tokens are checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JwtSettings {
    /// The HS256 secret, when configured.
    pub hs256_secret: Option<Vec<u8>>,
    /// The JWKS file, when configured.
    pub jwks_file: Option<PathBuf>,
    /// The required audience.
    pub audience: String,
    /// The required issuer, when set.
    pub issuer: Option<String>,
}

/// Log output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// Human-readable lines.
    Pretty,
    /// One JSON object per line.
    Json,
}

/// Everything the server needs to start.
#[derive(Debug, Clone)]
pub struct Config {
    /// Address to listen on.
    pub bind: String,
    /// Storage.
    pub database: Database,
    /// Token checking.
    pub jwt: JwtSettings,
    /// Log output.
    pub log_format: LogFormat,
    /// The scopes applications may be granted (`OAUTH_APPS_SCOPES`), and those clients
    /// that register themselves may be given (`OAUTH_APPS_SELF_REGISTRATION_SCOPES`).
    pub scope_catalog: ScopeCatalog,
    /// Argon2id parameters and concurrency.
    pub hasher: HasherConfig,
    /// Database pool size.
    pub db_max_connections: Option<usize>,
    /// HTTP worker threads.
    pub workers: Option<usize>,
    /// How long the read cache may serve an application; zero turns it off.
    pub cache_ttl: std::time::Duration,
    /// Writes per second per token subject (bursts of twice as many); zero: no limit.
    pub write_rate: u32,
    /// Client authentications per second per token subject; zero: no limit.
    pub auth_rate: u32,
    /// How long a client may take to send a request body.
    pub body_timeout: std::time::Duration,
    /// What a client assertion's `aud` must hold one of (the authorization server's issuer
    /// and token endpoint URLs); empty: `private_key_jwt` cannot be chosen.
    pub assertion_audiences: Vec<String>,
    /// The outbound HTTP guard every fetch goes through (`jwks_uri`).
    pub outbound: oauth_apps_outbound::OutboundConfig,
    /// Whether each credential's last use is written (at most once a minute).
    pub credential_telemetry: bool,
    /// The registry's public base URL (`OAUTH_APPS_PUBLIC_URL`), for the URLs it hands
    /// out (RFC 7592's `registration_client_uri`); unset: `http://` and the address the
    /// server is bound to (development), never what a request names.
    pub public_url: Option<String>,
    /// The hosts whose Client ID Metadata Documents are resolved, each with the
    /// organisation owning their clients (`OAUTH_APPS_CIMD_ALLOWED_HOSTS`); empty: none.
    pub metadata_document_hosts: oauth_apps_domain::HostPatterns,
    /// The JWK Set file of the keys whose software statements are trusted
    /// (`OAUTH_APPS_SOFTWARE_STATEMENT_JWKS_FILE`); unset: none is accepted.
    pub software_statement_jwks_file: Option<PathBuf>,
    /// The organisation clients register into without an initial access token
    /// (`OAUTH_APPS_OPEN_REGISTRATION_ORG`); unset: a token is required.
    pub open_registration_org: Option<String>,
    /// Open registrations an hour per client address
    /// (`OAUTH_APPS_OPEN_REGISTRATION_PER_HOUR`, 10 by default; 0: no limit).
    pub open_registration_per_hour: u32,
    /// The data key that seals webhook signing keys and stored idempotent answers
    /// (`OAUTH_APPS_DATA_KEY`); unset with SQLite: one is made beside the database.
    pub data_key: Option<oauth_apps_seal::DataKey>,
    /// How webhook deliveries are retried (`OAUTH_APPS_WEBHOOK_FIRST_RETRY_MS`,
    /// `OAUTH_APPS_WEBHOOK_MAX_RETRY_MS`, `OAUTH_APPS_WEBHOOK_GIVE_UP_SECONDS`,
    /// `OAUTH_APPS_WEBHOOK_LEASE_SECONDS`).
    pub webhook_retry: oauth_apps_domain::RetryPolicy,
    /// How often the dispatcher looks for due deliveries when it found none
    /// (`OAUTH_APPS_WEBHOOK_POLL_MS`, 500 by default).
    pub webhook_poll: std::time::Duration,
    /// How many deliveries each replica attempts at once
    /// (`OAUTH_APPS_WEBHOOK_CONCURRENCY`, 16 by default); an organisation holds at most a
    /// quarter of them.
    pub webhook_concurrency: usize,
    /// How many webhooks an organisation may have (`OAUTH_APPS_WEBHOOKS_PER_ORG`, 10 by
    /// default).
    pub webhooks_per_org: u32,
    /// How long new secrets live when their organisation sets nothing
    /// (`OAUTH_APPS_SECRET_LIFETIME_DAYS`, 1-3650); `None` (the default): for ever.
    pub secret_lifetime: Option<oauth_apps_domain::SecretLifetime>,
    /// The keys file of secret scanners (`OAUTH_APPS_SECRET_SCANNING_KEYS_FILE`); unset:
    /// leak reports are refused.
    pub secret_scanning_keys_file: Option<PathBuf>,
    /// How often expiry warnings are looked for (`OAUTH_APPS_SECRET_EXPIRY_CHECK_SECONDS`,
    /// 3600 by default).
    pub secret_expiry_check: std::time::Duration,
}

/// Every setting that is wrong, each with what to set.
#[derive(Debug, thiserror::Error)]
#[error("invalid configuration:\n  - {}", .0.join("\n  - "))]
pub struct ConfigError(pub Vec<String>);

/// The default database when `DATABASE_URL` is unset.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/oauth-apps.db";
/// The default listen address.
pub const DEFAULT_BIND: &str = "127.0.0.1:8080";

fn number<T: std::str::FromStr>(
    get: &impl Fn(&str) -> Option<String>,
    name: &str,
    errors: &mut Vec<String>,
) -> Option<T> {
    let raw = get(name)?;
    raw.trim().parse().map_or_else(
        |_| {
            errors.push(format!(
                "{name} must be a positive whole number (got {raw:?})"
            ));
            None
        },
        Some,
    )
}

/// What to set when PostgreSQL is used without a signing key.
pub const KEY_REQUIRED: &str = "with PostgreSQL a signing key is required: set \
    OAUTH_APPS_JWT_HS256_SECRET (at least 32 bytes) or OAUTH_APPS_JWKS_FILE (a JWKS file of \
    RS256/ES256/EdDSA keys)";

impl Config {
    /// Reads the configuration through `get` (the environment, in production).
    ///
    /// # Errors
    /// [`ConfigError`] listing every wrong setting.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let mut errors = Vec::new();
        let bind = get("OAUTH_APPS_BIND").unwrap_or_else(|| DEFAULT_BIND.to_owned());
        if bind.parse::<std::net::SocketAddr>().is_err() {
            errors.push(format!(
                "OAUTH_APPS_BIND must be an address and port such as 127.0.0.1:8080 (got {bind:?})"
            ));
        }
        let url = get("DATABASE_URL").unwrap_or_else(|| DEFAULT_DATABASE_URL.to_owned());
        let database = if let Some(path) = url.strip_prefix("sqlite://") {
            if path.is_empty() {
                errors.push(
                    "DATABASE_URL sqlite:// needs a file path, e.g. sqlite://data/oauth-apps.db"
                        .into(),
                );
            }
            Database::Sqlite(PathBuf::from(path))
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Database::Postgres(url)
        } else {
            errors.push(
                "DATABASE_URL must start with sqlite:// or postgres:// (e.g. postgres://user:password@host:5432/db)".into(),
            );
            Database::Sqlite(PathBuf::new())
        };

        let hs256_secret = get("OAUTH_APPS_JWT_HS256_SECRET").map(String::into_bytes);
        if hs256_secret.as_ref().is_some_and(|s| s.len() < 32) {
            errors.push("OAUTH_APPS_JWT_HS256_SECRET must be at least 32 bytes long".into());
        }
        let jwks_file = get("OAUTH_APPS_JWKS_FILE").map(PathBuf::from);
        let jwt = JwtSettings {
            hs256_secret,
            jwks_file,
            audience: get("OAUTH_APPS_JWT_AUDIENCE").unwrap_or_else(|| "oauth-apps".to_owned()),
            issuer: get("OAUTH_APPS_JWT_ISSUER").filter(|s| !s.is_empty()),
        };

        let log_format = match get("OAUTH_APPS_LOG_FORMAT").as_deref() {
            None | Some("pretty" | "") => LogFormat::Pretty,
            Some("json") => LogFormat::Json,
            Some(other) => {
                errors.push(format!(
                    "OAUTH_APPS_LOG_FORMAT must be json or pretty (got {other:?})"
                ));
                LogFormat::Pretty
            }
        };

        let scope_catalog = match get("OAUTH_APPS_SCOPES") {
            None => ScopeCatalog::default(),
            Some(list) => {
                let scopes: Vec<&str> = list
                    .split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .collect();
                ScopeCatalog::new(&scopes).unwrap_or_else(|_| {
                    errors.push(
                        "OAUTH_APPS_SCOPES must be a comma-separated list of scope tokens \
                         (printable ASCII, no spaces or quotes)"
                            .into(),
                    );
                    ScopeCatalog::default()
                })
            }
        };
        let scope_catalog = match get("OAUTH_APPS_SELF_REGISTRATION_SCOPES") {
            None => scope_catalog,
            Some(list) => {
                let scopes: Vec<&str> = list
                    .split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .collect();
                scope_catalog
                    .clone()
                    .with_self_registrable(&scopes)
                    .unwrap_or_else(|_| {
                        errors.push(format!(
                            "OAUTH_APPS_SELF_REGISTRATION_SCOPES must list scopes of the catalog \
                             (OAUTH_APPS_SCOPES), separated by commas (got {list:?})"
                        ));
                        scope_catalog
                    })
            }
        };

        let defaults = HasherConfig::default();
        let hasher = HasherConfig {
            memory_kib: number(&get, "OAUTH_APPS_ARGON2_MEMORY_KIB", &mut errors)
                .unwrap_or(defaults.memory_kib),
            iterations: number(&get, "OAUTH_APPS_ARGON2_ITERATIONS", &mut errors)
                .unwrap_or(defaults.iterations),
            parallelism: number(&get, "OAUTH_APPS_ARGON2_PARALLELISM", &mut errors)
                .unwrap_or(defaults.parallelism),
            max_concurrent: number(&get, "OAUTH_APPS_HASH_CONCURRENCY", &mut errors)
                .unwrap_or(defaults.max_concurrent),
            queue_capacity: number(&get, "OAUTH_APPS_HASH_QUEUE", &mut errors)
                .unwrap_or(defaults.queue_capacity),
        };
        let db_max_connections = number(&get, "OAUTH_APPS_DB_MAX_CONNECTIONS", &mut errors);
        let workers = number(&get, "OAUTH_APPS_WORKERS", &mut errors);
        let write_rate = number(&get, "OAUTH_APPS_WRITE_RATE", &mut errors).unwrap_or(50);
        let auth_rate = number(&get, "OAUTH_APPS_AUTH_RATE", &mut errors).unwrap_or(1000);
        let cache_ttl = number(&get, "OAUTH_APPS_CACHE_TTL_MS", &mut errors).map_or(
            oauth_apps_cache::DEFAULT_TTL,
            std::time::Duration::from_millis,
        );
        let body_timeout = std::time::Duration::from_millis(
            number(&get, "OAUTH_APPS_BODY_TIMEOUT_MS", &mut errors).unwrap_or(10_000),
        );
        if body_timeout.is_zero() {
            errors.push("OAUTH_APPS_BODY_TIMEOUT_MS must be at least 1".into());
        }
        let assertion_audiences: Vec<String> = get("OAUTH_APPS_ASSERTION_AUDIENCES")
            .map(|list| {
                list.split([',', ' '])
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        for audience in &assertion_audiences {
            if url::Url::parse(audience).map_or(true, |u| u.scheme() != "https") {
                errors.push(format!(
                    "OAUTH_APPS_ASSERTION_AUDIENCES must list https URLs (the authorization \
                     server's issuer and token endpoint), separated by commas (got {audience:?})"
                ));
            }
        }
        let outbound = oauth_apps_outbound::OutboundConfig::from_settings(
            get(oauth_apps_outbound::ALLOW_SETTING).as_deref(),
            get(oauth_apps_outbound::CA_FILE_SETTING).as_deref(),
        )
        .unwrap_or_else(|problems| {
            errors.extend(problems.iter().map(ToString::to_string));
            oauth_apps_outbound::OutboundConfig::default()
        });
        let credential_telemetry = match get("OAUTH_APPS_CREDENTIAL_TELEMETRY").as_deref() {
            None | Some("on") => true,
            Some("off") => false,
            Some(other) => {
                errors.push(format!(
                    "OAUTH_APPS_CREDENTIAL_TELEMETRY must be on or off (got {other:?})"
                ));
                true
            }
        };
        let public_url = get("OAUTH_APPS_PUBLIC_URL")
            .filter(|s| !s.trim().is_empty())
            .map(|raw| {
                let trimmed = raw.trim().trim_end_matches('/').to_owned();
                let ok = url::Url::parse(&trimmed).is_ok_and(|u| {
                    matches!(u.scheme(), "https" | "http")
                        && u.host_str().is_some()
                        && u.query().is_none()
                        && u.fragment().is_none()
                });
                if !ok {
                    errors.push(format!(
                        "OAUTH_APPS_PUBLIC_URL must be the registry's base URL, such as \
                         https://apps.example.com (got {raw:?})"
                    ));
                }
                trimmed
            });
        let metadata_document_hosts = get("OAUTH_APPS_CIMD_ALLOWED_HOSTS")
            .map(|setting| {
                oauth_apps_domain::HostPatterns::parse(&setting).unwrap_or_else(|e| {
                    errors.push(format!(
                        "OAUTH_APPS_CIMD_ALLOWED_HOSTS must list host=organisation entries \
                         separated by commas, such as *.example.com=acme: {e}"
                    ));
                    oauth_apps_domain::HostPatterns::default()
                })
            })
            .unwrap_or_default();
        let software_statement_jwks_file = get("OAUTH_APPS_SOFTWARE_STATEMENT_JWKS_FILE")
            .filter(|s| !s.is_empty())
            .map(PathBuf::from);
        let open_registration_org = get("OAUTH_APPS_OPEN_REGISTRATION_ORG")
            .filter(|s| !s.is_empty())
            .inspect(|org| {
                if let Err(v) = oauth_apps_domain::OrgId::parse(org.as_str()) {
                    errors.push(format!(
                        "OAUTH_APPS_OPEN_REGISTRATION_ORG must be an organisation id: it {v} \
                         (got {org:?})"
                    ));
                }
            });
        let open_registration_per_hour =
            number(&get, "OAUTH_APPS_OPEN_REGISTRATION_PER_HOUR", &mut errors).unwrap_or(10);
        let data_key = get("OAUTH_APPS_DATA_KEY")
            .filter(|s| !s.trim().is_empty())
            .and_then(|raw| {
                oauth_apps_seal::DataKey::parse(&raw)
                    .map_err(|e| errors.push(format!("OAUTH_APPS_DATA_KEY {e}")))
                    .ok()
            });
        let retry_defaults = oauth_apps_domain::RetryPolicy::default();
        let millis = |name: &str, default: std::time::Duration, errors: &mut Vec<String>| {
            number::<u64>(&get, name, errors).map_or(default, std::time::Duration::from_millis)
        };
        let webhook_retry = oauth_apps_domain::RetryPolicy {
            first_delay: millis(
                "OAUTH_APPS_WEBHOOK_FIRST_RETRY_MS",
                retry_defaults.first_delay,
                &mut errors,
            ),
            max_delay: millis(
                "OAUTH_APPS_WEBHOOK_MAX_RETRY_MS",
                retry_defaults.max_delay,
                &mut errors,
            ),
            give_up_after: number::<u64>(&get, "OAUTH_APPS_WEBHOOK_GIVE_UP_SECONDS", &mut errors)
                .map_or(retry_defaults.give_up_after, std::time::Duration::from_secs),
            lease: number::<u64>(&get, "OAUTH_APPS_WEBHOOK_LEASE_SECONDS", &mut errors)
                .map_or(retry_defaults.lease, std::time::Duration::from_secs),
        };
        let webhook_poll = millis(
            "OAUTH_APPS_WEBHOOK_POLL_MS",
            std::time::Duration::from_millis(500),
            &mut errors,
        );
        let webhook_concurrency =
            number(&get, "OAUTH_APPS_WEBHOOK_CONCURRENCY", &mut errors).unwrap_or(16);
        let webhooks_per_org = number(&get, "OAUTH_APPS_WEBHOOKS_PER_ORG", &mut errors)
            .unwrap_or(oauth_apps_domain::DEFAULT_WEBHOOKS_PER_ORG);
        if webhook_retry.first_delay.is_zero()
            || webhook_retry.lease.is_zero()
            || webhook_poll.is_zero()
            || webhook_concurrency == 0
            || webhooks_per_org == 0
        {
            errors.push(
                "OAUTH_APPS_WEBHOOK_FIRST_RETRY_MS, OAUTH_APPS_WEBHOOK_LEASE_SECONDS, \
                 OAUTH_APPS_WEBHOOK_POLL_MS, OAUTH_APPS_WEBHOOK_CONCURRENCY and \
                 OAUTH_APPS_WEBHOOKS_PER_ORG must be at least 1"
                    .into(),
            );
        }
        let secret_lifetime = get("OAUTH_APPS_SECRET_LIFETIME_DAYS")
            .filter(|s| !s.trim().is_empty())
            .and_then(|raw| {
                raw.trim()
                    .parse::<i64>()
                    .ok()
                    .and_then(|d| oauth_apps_domain::SecretLifetime::from_days(d).ok())
                    .or_else(|| {
                        errors.push(format!(
                            "OAUTH_APPS_SECRET_LIFETIME_DAYS must be a number of days from 1 to \
                             3650 (got {raw:?})"
                        ));
                        None
                    })
            });
        let secret_scanning_keys_file = get("OAUTH_APPS_SECRET_SCANNING_KEYS_FILE")
            .filter(|s| !s.is_empty())
            .map(PathBuf::from);
        let secret_expiry_check = std::time::Duration::from_secs(
            number(&get, "OAUTH_APPS_SECRET_EXPIRY_CHECK_SECONDS", &mut errors).unwrap_or(3600),
        );
        if secret_expiry_check.is_zero() {
            errors.push("OAUTH_APPS_SECRET_EXPIRY_CHECK_SECONDS must be at least 1".into());
        }
        if db_max_connections == Some(0) || workers == Some(0) {
            errors.push(
                "OAUTH_APPS_DB_MAX_CONNECTIONS and OAUTH_APPS_WORKERS must be at least 1".into(),
            );
        }

        if errors.is_empty() {
            Ok(Self {
                bind,
                database,
                jwt,
                log_format,
                scope_catalog,
                hasher,
                db_max_connections,
                workers,
                cache_ttl,
                write_rate,
                auth_rate,
                body_timeout,
                assertion_audiences,
                outbound,
                credential_telemetry,
                public_url,
                metadata_document_hosts,
                software_statement_jwks_file,
                open_registration_org,
                open_registration_per_hour,
                data_key,
                webhook_retry,
                webhook_poll,
                webhook_concurrency,
                webhooks_per_org,
                secret_lifetime,
                secret_scanning_keys_file,
                secret_expiry_check,
            })
        } else {
            Err(ConfigError(errors))
        }
    }

    /// Reads the configuration from the process environment.
    ///
    /// # Errors
    /// [`ConfigError`] listing every wrong setting.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        Config::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn defaults_are_the_embedded_database_on_loopback() {
        let c = config(&[]).unwrap();
        assert_eq!(c.bind, "127.0.0.1:8080");
        assert_eq!(
            c.database,
            Database::Sqlite(PathBuf::from("data/oauth-apps.db"))
        );
        assert_eq!(c.jwt.audience, "oauth-apps");
        assert_eq!(c.log_format, LogFormat::Pretty);
        assert_eq!(c.hasher.memory_kib, 19_456);
        assert!(c.jwt.hs256_secret.is_none());
        assert_eq!(c.cache_ttl, std::time::Duration::from_secs(5));
        assert_eq!((c.write_rate, c.auth_rate), (50, 1000));
    }

    #[test]
    fn postgres_settings_are_read() {
        let ok = config(&[
            ("DATABASE_URL", "postgres://u@h/db"),
            (
                "OAUTH_APPS_JWT_HS256_SECRET",
                "0123456789abcdef0123456789abcdef",
            ),
        ])
        .unwrap();
        assert_eq!(ok.database, Database::Postgres("postgres://u@h/db".into()));
    }

    #[test]
    fn every_bad_setting_is_reported() {
        let err = config(&[
            ("OAUTH_APPS_BIND", "nowhere"),
            ("DATABASE_URL", "mysql://x"),
            ("OAUTH_APPS_JWT_HS256_SECRET", "short"),
            ("OAUTH_APPS_LOG_FORMAT", "xml"),
            ("OAUTH_APPS_SCOPES", "a b"),
            ("OAUTH_APPS_ARGON2_MEMORY_KIB", "lots"),
            ("OAUTH_APPS_WORKERS", "0"),
        ])
        .unwrap_err();
        assert_eq!(err.0.len(), 7, "{err}");
    }

    #[test]
    fn self_registrable_scopes_are_catalog_scopes() {
        let c = config(&[]).unwrap();
        assert!(c.scope_catalog.is_self_registrable("read"));
        assert!(!c.scope_catalog.is_self_registrable("admin"));
        let c = config(&[
            ("OAUTH_APPS_SCOPES", "billing:read, billing:admin"),
            ("OAUTH_APPS_SELF_REGISTRATION_SCOPES", "billing:admin"),
        ])
        .unwrap();
        assert!(c.scope_catalog.is_self_registrable("billing:admin"));
        assert!(!c.scope_catalog.is_self_registrable("billing:read"));
        let none = config(&[("OAUTH_APPS_SELF_REGISTRATION_SCOPES", "")]).unwrap();
        assert_eq!(none.scope_catalog.self_registrable().count(), 0);
        let err = config(&[("OAUTH_APPS_SELF_REGISTRATION_SCOPES", "read, root")]).unwrap_err();
        assert!(
            err.to_string()
                .contains("OAUTH_APPS_SELF_REGISTRATION_SCOPES"),
            "{err}"
        );
    }

    #[test]
    fn scopes_and_hasher_settings_are_read() {
        let c = config(&[
            ("OAUTH_APPS_SCOPES", "billing:read, billing:write"),
            ("OAUTH_APPS_ARGON2_MEMORY_KIB", "65536"),
            ("OAUTH_APPS_HASH_CONCURRENCY", "3"),
            ("OAUTH_APPS_LOG_FORMAT", "json"),
            ("OAUTH_APPS_JWT_ISSUER", "https://issuer.example"),
        ])
        .unwrap();
        assert!(c.scope_catalog.contains("billing:write"));
        assert!(!c.scope_catalog.contains("read"));
        assert_eq!(c.hasher.memory_kib, 65_536);
        assert_eq!(c.hasher.max_concurrent, 3);
        assert_eq!(c.log_format, LogFormat::Json);
        assert_eq!(c.jwt.issuer.as_deref(), Some("https://issuer.example"));
    }

    #[test]
    fn credential_settings_are_read_and_checked() {
        let c = config(&[
            (
                "OAUTH_APPS_ASSERTION_AUDIENCES",
                "https://as.example, https://as.example/token",
            ),
            ("OAUTH_APPS_CREDENTIAL_TELEMETRY", "off"),
            ("OAUTH_APPS_OUTBOUND_ALLOW", "127.0.0.1/32"),
        ])
        .unwrap();
        assert_eq!(
            c.assertion_audiences,
            ["https://as.example", "https://as.example/token"]
        );
        assert!(!c.credential_telemetry);
        assert!(config(&[]).unwrap().credential_telemetry);
        assert!(config(&[]).unwrap().assertion_audiences.is_empty());
        let err = config(&[
            ("OAUTH_APPS_ASSERTION_AUDIENCES", "http://as.example/token"),
            ("OAUTH_APPS_CREDENTIAL_TELEMETRY", "sometimes"),
            ("OAUTH_APPS_OUTBOUND_ALLOW", "a.example:8443"),
        ])
        .unwrap_err();
        assert_eq!(err.0.len(), 3, "{err}");
        assert!(err.0[0].contains("OAUTH_APPS_ASSERTION_AUDIENCES"), "{err}");
    }

    #[test]
    fn registration_settings_are_read_and_checked() {
        let c = config(&[
            ("OAUTH_APPS_PUBLIC_URL", "https://apps.example.com/"),
            (
                "OAUTH_APPS_CIMD_ALLOWED_HOSTS",
                "*.tools.example=acme, mcp.example.org=globex",
            ),
            (
                "OAUTH_APPS_SOFTWARE_STATEMENT_JWKS_FILE",
                "/etc/oauth-apps/statements.json",
            ),
            ("OAUTH_APPS_OPEN_REGISTRATION_ORG", "public-clients"),
            ("OAUTH_APPS_OPEN_REGISTRATION_PER_HOUR", "30"),
        ])
        .unwrap();
        assert_eq!(c.public_url.as_deref(), Some("https://apps.example.com"));
        assert_eq!(
            c.metadata_document_hosts
                .owner_of("a.tools.example")
                .map(oauth_apps_domain::OrgId::as_str),
            Some("acme")
        );
        assert_eq!(c.metadata_document_hosts.len(), 2);
        assert!(c.software_statement_jwks_file.is_some());
        assert_eq!(c.open_registration_org.as_deref(), Some("public-clients"));
        assert_eq!(c.open_registration_per_hour, 30);
        let defaults = config(&[]).unwrap();
        assert!(defaults.metadata_document_hosts.is_empty());
        assert_eq!(defaults.open_registration_org, None);
        assert_eq!(defaults.open_registration_per_hour, 10);
        let err = config(&[
            ("OAUTH_APPS_PUBLIC_URL", "apps.example.com"),
            ("OAUTH_APPS_CIMD_ALLOWED_HOSTS", "*=acme"),
            ("OAUTH_APPS_OPEN_REGISTRATION_ORG", "not an org"),
        ])
        .unwrap_err();
        assert_eq!(err.0.len(), 3, "{err}");
        for name in [
            "OAUTH_APPS_PUBLIC_URL",
            "OAUTH_APPS_CIMD_ALLOWED_HOSTS",
            "OAUTH_APPS_OPEN_REGISTRATION_ORG",
        ] {
            assert!(err.0.iter().any(|e| e.contains(name)), "{name}: {err}");
        }
    }

    #[test]
    fn webhook_dispatch_settings_are_read_and_checked() {
        let defaults = config(&[]).unwrap();
        assert_eq!(defaults.webhook_concurrency, 16);
        assert_eq!(defaults.webhooks_per_org, 10);
        let c = config(&[
            ("OAUTH_APPS_WEBHOOK_CONCURRENCY", "32"),
            ("OAUTH_APPS_WEBHOOKS_PER_ORG", "3"),
        ])
        .unwrap();
        assert_eq!((c.webhook_concurrency, c.webhooks_per_org), (32, 3));
        for (name, value) in [
            ("OAUTH_APPS_WEBHOOKS_PER_ORG", "0"),
            ("OAUTH_APPS_WEBHOOKS_PER_ORG", "many"),
            ("OAUTH_APPS_WEBHOOK_CONCURRENCY", "0"),
        ] {
            let err = config(&[(name, value)]).unwrap_err();
            assert!(
                err.0.iter().any(|e| e.contains(name)),
                "{name}={value}: {err}"
            );
        }
    }
}
