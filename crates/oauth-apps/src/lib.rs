//! The server: configuration, wiring of the adapters to the domain, and start-up.

pub mod cli;
pub mod config;
mod dispatch;
mod jobs;
pub mod telemetry;
pub mod transfer;

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use actix_web::dev::Server;
use async_trait::async_trait;
use oauth_apps_argon2::{Argon2Hasher, DEFAULT_CAPACITY, OsRandom, WarmHasher};
use oauth_apps_cache::{CacheControl, CachedRepository};
use oauth_apps_diesel::PoolUsage;
use oauth_apps_domain::{
    ApplicationRepository, ApplicationService, EventFeed, EventFeedService, IdempotencyService,
    IdempotencyStore, InitialAccessTokenPorts, InitialAccessTokenRepository,
    InitialAccessTokenService, OrganizationPolicies, Ports, RandomSource, RegistrationReads,
    ReplayGuard, SecretLifecyclePorts, SecretLifecycleService, SecretLifecycleStore, ServiceConfig,
    StaleClientStore, SystemClock, WebhookDispatcher, WebhookPorts, WebhookRepository,
    WebhookService,
};
use oauth_apps_http::auth::{Claims, Expectations, JwtVerifier, mint_hs256};
use oauth_apps_http::limits::{Limits, RateLimiter};
use oauth_apps_http::metrics::{Gauge, Metrics};
use oauth_apps_http::{AppState, Readiness, RegistrationSettings, ReportSignatures, ServerConfig};
use oauth_apps_jose::{
    JoseAssertionVerifier, PublishedDocuments, PublishedKeys, ScanningKeys, TrustedStatements,
};
use oauth_apps_outbound::OutboundGuard;
use oauth_apps_postgres::{PgConfig, PgRepository};
use oauth_apps_sqlite::{SqliteConfig, SqliteRepository};

use config::{Config, Database};

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The database could not be reached, opened or migrated.
    #[error("database: {0}")]
    Database(String),
    /// The signing keys are unusable.
    #[error("signing keys: {0}")]
    Keys(String),
    /// The address could not be bound.
    #[error("cannot listen on {0}: {1}")]
    Bind(String, std::io::Error),
    /// The hasher settings are invalid.
    #[error("hasher: {0}")]
    Hasher(String),
    /// The outbound HTTP guard could not be built (its trust roots, say).
    #[error("outbound HTTP: {0}")]
    Outbound(String),
    /// The trusted software statement keys could not be read.
    #[error("OAUTH_APPS_SOFTWARE_STATEMENT_JWKS_FILE: {0}")]
    SoftwareStatements(String),
    /// The secret scanners' keys could not be read.
    #[error("OAUTH_APPS_SECRET_SCANNING_KEYS_FILE: {0}")]
    SecretScanning(String),
}

/// The secret scanners' keys as the HTTP layer checks reports with them.
struct ScanningReports(ScanningKeys);

impl ReportSignatures for ScanningReports {
    fn verify(&self, key_id: &str, signature: &str, body: &[u8]) -> Result<(), String> {
        self.0
            .verify(key_id, signature, body)
            .map_err(|e| e.to_string())
    }
}

enum Storage {
    Sqlite(SqliteRepository),
    Postgres(PgRepository),
}

impl Storage {
    fn pool_usage(&self) -> PoolUsage {
        match self {
            Self::Sqlite(repo) => repo.pool_usage(),
            Self::Postgres(repo) => repo.pool_usage(),
        }
    }
}

#[async_trait]
impl Readiness for Storage {
    async fn check(&self) -> Result<(), String> {
        match self {
            Self::Sqlite(repo) => repo.ping().await,
            Self::Postgres(repo) => repo.ping().await,
        }
        .map_err(|e| e.to_string())
    }
}

/// Puts the read cache in front of `repo` unless `ttl` is zero.
fn cached(
    repo: Arc<dyn ApplicationRepository>,
    ttl: std::time::Duration,
) -> (Arc<dyn ApplicationRepository>, Option<CacheControl>) {
    if ttl.is_zero() {
        return (repo, None);
    }
    let cache = CachedRepository::new(repo, ttl, 100_000);
    let control = cache.control();
    (Arc::new(cache), Some(control))
}

/// Runs the migrations of the configured database.
///
/// # Errors
/// [`StartError::Database`].
pub async fn migrate(database: &Database) -> Result<(), StartError> {
    match database {
        Database::Sqlite(path) => oauth_apps_sqlite::run_migrations(&SqliteConfig::new(path))
            .await
            .map_err(|e| StartError::Database(e.to_string())),
        Database::Postgres(url) => oauth_apps_postgres::run_migrations(url)
            .await
            .map_err(|e| StartError::Database(e.to_string())),
    }
}

/// The development signing key kept beside the SQLite database.
#[must_use]
pub fn dev_key_path(sqlite_path: &Path) -> PathBuf {
    sqlite_path
        .parent()
        .unwrap_or_else(|| Path::new("."))
        .join("dev-jwt-secret")
}

/// Reads the development key, creating it (32 random bytes, hex) when missing.
///
/// # Errors
/// [`StartError::Keys`] when it cannot be read or written.
pub fn dev_key(sqlite_path: &Path) -> Result<Vec<u8>, StartError> {
    read_or_create_key(&dev_key_path(sqlite_path)).map(String::into_bytes)
}

/// Reads the development key that a server made beside the SQLite database at
/// `sqlite_path`, never making one (a key made here would sign tokens that no running
/// server accepts); with the key file's path, made absolute.
///
/// # Errors
/// [`StartError::Keys`] when there is none, saying where it was looked for and where a
/// server keeps it, or when it cannot be read.
pub fn existing_dev_key(sqlite_path: &Path) -> Result<(Vec<u8>, PathBuf), StartError> {
    let path = dev_key_path(sqlite_path);
    let path = std::path::absolute(&path).unwrap_or(path);
    match std::fs::read_to_string(&path) {
        Ok(key) if !key.trim().is_empty() => Ok((key.trim().as_bytes().to_vec(), path)),
        Ok(_) => Err(StartError::Keys(format!("{} is empty", path.display()))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(StartError::Keys(format!(
            "no development key at {}; this command never makes one. A server in \
             development mode makes its key beside its database when it starts, and prints \
             where: run this command with that server's DATABASE_URL (a relative sqlite:// \
             path is read from the folder you are in), or with OAUTH_APPS_JWT_HS256_SECRET \
             set as the server has it",
            path.display()
        ))),
        Err(e) => Err(StartError::Keys(format!("{}: {e}", path.display()))),
    }
}

/// The development data key kept beside the SQLite database.
#[must_use]
pub fn dev_data_key_path(sqlite_path: &Path) -> PathBuf {
    sqlite_path
        .parent()
        .unwrap_or_else(|| Path::new("."))
        .join("dev-data-key")
}

/// The key file at `path` (32 random bytes in hex, readable by its owner only), made
/// when missing.
fn read_or_create_key(path: &Path) -> Result<String, StartError> {
    if let Ok(existing) = std::fs::read_to_string(path) {
        return Ok(existing.trim().to_owned());
    }
    let mut bytes = [0u8; 32];
    OsRandom
        .fill(&mut bytes)
        .map_err(|e| StartError::Keys(e.to_string()))?;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| StartError::Keys(e.to_string()))?;
    }
    write_private(path, &hex).map_err(|e| StartError::Keys(format!("{}: {e}", path.display())))?;
    Ok(hex)
}

/// The data key: the configured one; with SQLite and none configured, the development
/// key beside the database (made when missing); else none, and what needs it (webhooks,
/// idempotent answers) answers 503.
fn data_key(config: &Config) -> Result<Option<oauth_apps_seal::DataKey>, StartError> {
    match (&config.storage.data_key, &config.storage.database) {
        (Some(key), _) => Ok(Some(key.clone())),
        (None, Database::Sqlite(path)) => {
            let path = dev_data_key_path(path);
            let hex = read_or_create_key(&path)?;
            oauth_apps_seal::DataKey::parse(&hex)
                .map(Some)
                .map_err(|e| StartError::Keys(format!("{}: {e}", path.display())))
        }
        (None, Database::Postgres(_)) => {
            tracing::warn!(
                "OAUTH_APPS_DATA_KEY is not set: webhooks cannot be created and \
                 Idempotency-Key answers cannot be kept (set 32 bytes, e.g. openssl rand -hex 32)"
            );
            Ok(None)
        }
    }
}

#[cfg(unix)]
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(text.as_bytes())
}

#[cfg(not(unix))]
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    std::fs::write(path, text)
}

/// Mints a platform-admin token for development.
///
/// # Errors
/// [`StartError::Keys`] for a short secret.
pub fn dev_token(secret: &[u8], audience: &str, ttl_seconds: u64) -> Result<String, StartError> {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    mint_hs256(
        secret,
        &Claims {
            sub: "dev-admin".into(),
            exp: now + ttl_seconds,
            aud: audience.to_owned(),
            iss: None,
            orgs: std::collections::HashMap::new(),
            roles: vec!["platform-admin".into()],
        },
    )
    .map_err(|e| StartError::Keys(e.to_string()))
}

/// The store, as the service sees it (behind the read cache) and as the binary needs it
/// (readiness, pool metrics, the cache's switch).
struct Wired {
    storage: Arc<Storage>,
    /// Each storage port, the repository behind the read cache.
    ports: StorePorts,
    cache: Option<CacheControl>,
    /// Notified for every change other replicas (and this one) announce: the webhook
    /// dispatcher looks for new deliveries then.
    changed: Arc<tokio::sync::Notify>,
}

/// One store as each storage port.
struct StorePorts {
    repository: Arc<dyn ApplicationRepository>,
    replay: Arc<dyn ReplayGuard>,
    tokens: Arc<dyn InitialAccessTokenRepository>,
    feed: Arc<dyn EventFeed>,
    webhooks: Arc<dyn WebhookRepository>,
    idempotency: Arc<dyn IdempotencyStore>,
    policies: Arc<dyn OrganizationPolicies>,
    lifecycle: Arc<dyn SecretLifecycleStore>,
    stale: Arc<dyn StaleClientStore>,
    reads: Arc<dyn RegistrationReads>,
}

impl StorePorts {
    fn of<S>(store: &S) -> Self
    where
        S: ApplicationRepository
            + ReplayGuard
            + InitialAccessTokenRepository
            + EventFeed
            + WebhookRepository
            + IdempotencyStore
            + OrganizationPolicies
            + SecretLifecycleStore
            + StaleClientStore
            + RegistrationReads
            + Clone
            + 'static,
    {
        Self {
            repository: Arc::new(store.clone()),
            replay: Arc::new(store.clone()),
            tokens: Arc::new(store.clone()),
            feed: Arc::new(store.clone()),
            webhooks: Arc::new(store.clone()),
            idempotency: Arc::new(store.clone()),
            policies: Arc::new(store.clone()),
            lifecycle: Arc::new(store.clone()),
            stale: Arc::new(store.clone()),
            reads: Arc::new(store.clone()),
        }
    }
}

impl Wired {
    /// Opens the configured database behind the read cache; on PostgreSQL, starts hearing
    /// the replicas' changes (the cache is off until it does; each one also wakes the
    /// webhook dispatcher).
    fn open(config: &Config) -> Result<Self, StartError> {
        let storage = match &config.storage.database {
            Database::Sqlite(path) => {
                let mut c = SqliteConfig::new(path);
                if let Some(n) = config.storage.db_max_connections {
                    c.max_connections = n;
                }
                Storage::Sqlite(
                    SqliteRepository::new(&c).map_err(|e| StartError::Database(e.to_string()))?,
                )
            }
            Database::Postgres(url) => {
                let mut c = PgConfig::new(url);
                if let Some(n) = config.storage.db_max_connections {
                    c.max_connections = n;
                }
                Storage::Postgres(
                    PgRepository::new(&c).map_err(|e| StartError::Database(e.to_string()))?,
                )
            }
        };
        let mut ports = match &storage {
            Storage::Sqlite(repo) => StorePorts::of(repo),
            Storage::Postgres(repo) => StorePorts::of(repo),
        };
        let (repository, cache) = cached(ports.repository, config.storage.cache_ttl);
        ports.repository = repository;
        let changed = Arc::new(tokio::sync::Notify::new());
        if let Database::Postgres(url) = &config.storage.database {
            // The cache is off until other replicas' changes can be heard; with SQLite one
            // process owns the file, and its own writes are all there is to evict.
            if let Some(control) = &cache {
                control.set_enabled(false);
            }
            let (on_change, on_listening) = (cache.clone(), cache.clone());
            let wake = Arc::clone(&changed);
            actix_web::rt::spawn(oauth_apps_postgres::listen_for_changes(
                url.clone(),
                move |client_id| {
                    if let Some(control) = &on_change {
                        control.invalidate(client_id);
                    }
                    wake.notify_one();
                },
                move |listening| {
                    if let Some(control) = &on_listening {
                        control.set_enabled(listening);
                    }
                },
            ));
        }
        Ok(Self {
            storage: Arc::new(storage),
            ports,
            cache,
            changed,
        })
    }
}

/// The bearer-token verifier, and the development token when the server made its own key.
fn verifier(config: &Config) -> Result<(JwtVerifier, Option<String>), StartError> {
    let (secret, dev_token) = match (
        &config.jwt.hs256_secret,
        &config.jwt.jwks_file,
        &config.storage.database,
    ) {
        (None, None, Database::Sqlite(path)) => {
            let secret = dev_key(path)?;
            let token = dev_token(&secret, &config.jwt.audience, 24 * 3600)?;
            (Some(secret), Some(token))
        }
        (secret, _, _) => (secret.as_ref().map(|s| s.0.clone()), None),
    };
    let jwks = match &config.jwt.jwks_file {
        Some(path) => Some(std::fs::read_to_string(path).map_err(|e| {
            StartError::Keys(format!("OAUTH_APPS_JWKS_FILE {}: {e}", path.display()))
        })?),
        None => None,
    };
    let verifier = JwtVerifier::new(
        secret.as_deref(),
        jwks.as_deref(),
        Expectations {
            audience: config.jwt.audience.clone(),
            issuer: config.jwt.issuer.clone(),
        },
    )
    .map_err(|e| StartError::Keys(e.to_string()))?;
    Ok((verifier, dev_token))
}

/// The request metrics with the gauges of the cache, the pool and the hasher.
fn metrics(wired: &Wired, hasher: &Argon2Hasher) -> Metrics {
    let pool_gauge = |pick: fn(PoolUsage) -> usize| {
        let storage = wired.storage.clone();
        Arc::new(move || pick(storage.pool_usage()) as f64) as Gauge
    };
    let mut gauges: Vec<(String, String, Gauge)> = Vec::new();
    if let Some(cache) = wired.cache.clone() {
        let enabled = cache.clone();
        gauges.push((
            "read_cache_enabled".into(),
            "1 while the read cache serves from memory.".into(),
            Arc::new(move || f64::from(u8::from(enabled.is_enabled()))),
        ));
        gauges.push((
            "read_cache_entries".into(),
            "Applications held by the read cache.".into(),
            Arc::new(move || cache.len() as f64),
        ));
    }
    let (in_flight, queued, max) = (hasher.clone(), hasher.clone(), hasher.max_concurrent());
    gauges.extend([
        (
            "db_pool_connections_in_use".into(),
            "Database connections in use now.".into(),
            pool_gauge(|u| u.in_use),
        ),
        (
            "db_pool_max_connections".into(),
            "Database connections the pool may hold.".into(),
            pool_gauge(|u| u.max),
        ),
        (
            "db_pool_waiting".into(),
            "Requests waiting for a database connection.".into(),
            pool_gauge(|u| u.waiting),
        ),
        (
            "hasher_in_flight".into(),
            "Secret hashes running now.".into(),
            Arc::new(move || in_flight.in_flight() as f64),
        ),
        (
            "hasher_queued".into(),
            "Secret hashes waiting for a thread.".into(),
            Arc::new(move || queued.queued() as f64),
        ),
        (
            "hasher_max_concurrent".into(),
            "Secret hashes allowed at once.".into(),
            Arc::new(move || max as f64),
        ),
    ]);
    Metrics::new(gauges)
}

/// What every handler sees: the use cases over the wired ports, the verifier, readiness,
/// metrics and the rate limits.
fn state(
    config: &Config,
    wired: Wired,
    hasher: Argon2Hasher,
    verifier: JwtVerifier,
    metrics: Metrics,
    public_url: String,
) -> Result<(AppState, WebhookDispatcher), StartError> {
    let guard = OutboundGuard::new(config.outbound.clone())
        .map_err(|e| StartError::Outbound(e.to_string()))?;
    let sealer: Arc<dyn oauth_apps_domain::Sealer> = Arc::new(oauth_apps_seal::AesGcmSealer::new(
        data_key(config)?.as_ref(),
    ));
    let idempotency = Arc::new(IdempotencyService::new(
        wired.ports.idempotency,
        Arc::clone(&sealer),
        Arc::new(SystemClock),
    ));
    let webhook_ports = WebhookPorts {
        repository: wired.ports.webhooks,
        sealer,
        sender: Arc::new(oauth_apps_webhooks::GuardedSender::new(guard.clone())),
        clock: Arc::new(SystemClock),
        random: Arc::new(OsRandom),
    };
    let dispatcher = WebhookDispatcher::new(
        webhook_ports.clone(),
        config.webhooks.retry(),
        Arc::new(oauth_apps_http::apps_api::change_notice::WebhookPayloads),
    )
    .with_per_org(dispatch::per_org_share(config.webhooks.concurrency));
    let service = ApplicationService::new(
        Ports {
            repository: Arc::clone(&wired.ports.repository),
            hasher: Arc::new(WarmHasher::new(hasher, DEFAULT_CAPACITY)),
            clock: Arc::new(SystemClock),
            random: Arc::new(OsRandom),
            keys: Arc::new(PublishedKeys::new(guard.clone())),
            assertions: Arc::new(JoseAssertionVerifier::new()),
            replay: wired.ports.replay,
            documents: Arc::new(PublishedDocuments::new(guard)),
            policies: Arc::clone(&wired.ports.policies),
        },
        service_config(config),
    )
    .with_registration_reads(Arc::clone(&wired.ports.reads));
    let limiter = |rate: u32| RateLimiter::new(f64::from(rate), 2.0 * f64::from(rate));
    let (software_statements, scanning) = signed_inputs(config)?;
    let tokens = InitialAccessTokenService::new(InitialAccessTokenPorts {
        repository: wired.ports.tokens,
        clock: Arc::new(SystemClock),
        random: Arc::new(OsRandom),
    })
    .with_scope_catalog(config.applications.scope_catalog.clone());
    let state = AppState {
        service: Arc::new(service),
        tokens: Arc::new(tokens),
        feed: Arc::new(EventFeedService::new(wired.ports.feed)),
        webhooks: Arc::new(
            WebhookService::new(webhook_ports).with_max_per_org(config.webhooks.per_org),
        ),
        idempotency,
        secrets: Arc::new(
            SecretLifecycleService::new(
                SecretLifecyclePorts {
                    repository: Arc::clone(&wired.ports.repository),
                    lifecycle: wired.ports.lifecycle,
                    policies: wired.ports.policies,
                    clock: Arc::new(SystemClock),
                },
                config.applications.secret_lifetime,
            )
            .with_scope_catalog(config.applications.scope_catalog.clone())
            .with_stale_clients(wired.ports.stale),
        ),
        scanning,
        console_dev_token: None,
        verifier: Arc::new(verifier),
        readiness: wired.storage,
        metrics: Arc::new(metrics),
        limits: Arc::new(Limits {
            writes: limiter(config.server.write_rate),
            authentications: limiter(config.server.auth_rate),
        }),
        registration: Arc::new(registration_settings(
            config,
            public_url,
            software_statements,
        )),
    };
    Ok((state, dispatcher))
}

/// The application service's configuration.
fn service_config(config: &Config) -> ServiceConfig {
    ServiceConfig {
        scope_catalog: config.applications.scope_catalog.clone(),
        assertion_audiences: config.applications.audiences().to_vec(),
        record_credential_use: config.applications.credential_telemetry,
        metadata_document_hosts: config.registration.document_hosts().clone(),
        default_secret_lifetime: config.applications.secret_lifetime,
        ..ServiceConfig::default()
    }
}

/// The verifiers of what others sign for the registry, from the key files configured:
/// software statements (RFC 7591 §2.3) and secret-scanning reports.
type SignedInputs = (
    Option<Arc<dyn oauth_apps_domain::SoftwareStatementVerifier>>,
    Option<Arc<dyn ReportSignatures>>,
);

/// [`SignedInputs`] as configured.
///
/// # Errors
/// A key file that cannot be read.
fn signed_inputs(config: &Config) -> Result<SignedInputs, StartError> {
    let software_statements = match &config.registration.software_statement_jwks_file {
        Some(path) => Some(Arc::new(
            TrustedStatements::read_file(path, Arc::new(SystemClock))
                .map_err(StartError::SoftwareStatements)?,
        )
            as Arc<dyn oauth_apps_domain::SoftwareStatementVerifier>),
        None => None,
    };
    let scanning = match &config.applications.secret_scanning_keys_file {
        Some(path) => Some(Arc::new(ScanningReports(
            ScanningKeys::read_file(path).map_err(StartError::SecretScanning)?,
        )) as Arc<dyn ReportSignatures>),
        None => None,
    };
    Ok((software_statements, scanning))
}

/// What `/register` is served with.
fn registration_settings(
    config: &Config,
    public_url: String,
    software_statements: Option<Arc<dyn oauth_apps_domain::SoftwareStatementVerifier>>,
) -> RegistrationSettings {
    RegistrationSettings {
        public_url,
        software_statements,
        open_org: config
            .registration
            .open_registration_org
            .as_ref()
            .map(|org| org.as_str().to_owned()),
        open_limiter: RateLimiter::per_client_address(
            f64::from(config.registration.open_registration_per_hour) / 3600.0,
            f64::from(config.registration.open_registration_per_hour),
        ),
    }
}

/// A started server.
pub struct Application {
    port: u16,
    server: Server,
    /// With SQLite and no configured key: a platform-admin token for the generated key.
    pub dev_token: Option<String>,
    /// Where a browser finds the console: under `OAUTH_APPS_PUBLIC_URL` when it is set,
    /// else at the bound address.
    pub console_url: String,
    /// In development mode on a loopback bind: the console's sign-in link, its one-time
    /// code in the fragment (`http://127.0.0.1:8080/console#code=...`), for the terminal
    /// only (never logged).
    pub console_sign_in_url: Option<String>,
}

/// A console sign-in code: 32 bytes of the operating system's CSPRNG, in hex.
fn sign_in_code() -> Result<String, StartError> {
    let mut bytes = [0u8; 32];
    OsRandom
        .fill(&mut bytes)
        .map_err(|e| StartError::Keys(e.to_string()))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// The console at the bound address `bind` on `port`, for a browser on this machine (an
/// unspecified address, `0.0.0.0` or `::`, is reached through loopback).
fn local_console_url(bind: &str, port: u16) -> String {
    let host = match bind.parse::<std::net::SocketAddr>().map(|a| a.ip()) {
        Ok(std::net::IpAddr::V6(ip)) if ip.is_unspecified() => "[::1]".to_owned(),
        Ok(std::net::IpAddr::V6(ip)) => format!("[{ip}]"),
        Ok(ip) if !ip.is_unspecified() => ip.to_string(),
        _ => "127.0.0.1".to_owned(),
    };
    format!("http://{host}:{port}/console")
}

impl Application {
    /// Migrates the database, wires the adapters and binds the listener: the storage, the
    /// token verifier, the hasher, the metrics, the handlers' state, then the server.
    ///
    /// # Errors
    /// [`StartError`] saying what failed.
    pub async fn build(config: &Config) -> Result<Self, StartError> {
        if matches!(config.storage.database, Database::Postgres(_))
            && config.jwt.hs256_secret.is_none()
            && config.jwt.jwks_file.is_none()
        {
            return Err(StartError::Keys(config::KEY_REQUIRED.to_owned()));
        }
        migrate(&config.storage.database).await?;
        let wired = Wired::open(config)?;
        let (verifier, dev_token) = verifier(config)?;
        let hasher = Argon2Hasher::new(config.hashing.hasher())
            .map_err(|e| StartError::Hasher(e.to_string()))?;
        let metrics = metrics(&wired, &hasher);
        let listener = TcpListener::bind(&config.server.bind)
            .map_err(|e| StartError::Bind(config.server.bind.clone(), e))?;
        let bound = listener
            .local_addr()
            .map_err(|e| StartError::Bind(config.server.bind.clone(), e))?;
        // RFC 7592's registration_client_uri: the public URL, else the address bound.
        let public_url = config
            .server
            .public_url
            .clone()
            .unwrap_or_else(|| format!("http://{bound}"));
        let changed = Arc::clone(&wired.changed);
        let (mut state, dispatcher) = state(config, wired, hasher, verifier, metrics, public_url)?;
        // The console's one-click sign-in: development mode on a loopback bind only, with
        // the code of the link printed at start.
        let loopback = config
            .server
            .bind
            .parse::<std::net::SocketAddr>()
            .is_ok_and(|a| a.ip().is_loopback());
        let sign_in_code = match dev_token.clone().filter(|_| loopback) {
            Some(token) => {
                let code = sign_in_code()?;
                state.console_dev_token = Some(Arc::new(oauth_apps_http::console::DevSignIn::new(
                    token, &code,
                )));
                Some(code)
            }
            None => None,
        };
        dispatch::start(
            dispatcher,
            config.webhooks.concurrency,
            config.webhooks.poll,
            changed,
        );
        jobs::start_idempotency_purge(Arc::clone(&state.idempotency));
        jobs::start_expiry_warnings(
            Arc::clone(&state.secrets),
            config.applications.secret_expiry_check,
        );
        jobs::start_stale_sweep(
            Arc::clone(&state.secrets),
            config.applications.secret_expiry_check,
        );
        if config.applications.audiences().is_empty() {
            tracing::warn!(
                "OAUTH_APPS_ASSERTION_AUDIENCES is not set: private_key_jwt cannot be enabled \
                 (no client assertion would name this authorization server)"
            );
        }

        let port = bound.port();
        let mut server_config = ServerConfig {
            client_body_timeout: config.server.body_timeout,
            ..ServerConfig::default()
        };
        if let Some(workers) = config.server.workers {
            server_config.workers = workers;
        }
        let server = oauth_apps_http::serve(state, listener, server_config)
            .map_err(|e| StartError::Bind(config.server.bind.clone(), e))?;
        let local = local_console_url(&config.server.bind, port);
        Ok(Self {
            port,
            server,
            dev_token,
            console_url: config
                .server
                .public_url
                .as_ref()
                .map_or_else(|| local.clone(), |url| format!("{url}/console")),
            console_sign_in_url: sign_in_code.map(|code| format!("{local}#code={code}")),
        })
    }

    /// The port it listens on (useful with port 0).
    #[must_use]
    pub const fn port(&self) -> u16 {
        self.port
    }

    /// Serves until SIGTERM or SIGINT, then drains in-flight requests.
    ///
    /// # Errors
    /// When the server fails.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}
