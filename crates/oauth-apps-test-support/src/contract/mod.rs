//! The repository contract: what every [`ApplicationRepository`] must do, checked on a real
//! database. Each case takes a fresh [`Fixture`].

use std::sync::Arc;

use oauth_apps_domain::{
    AccessLevel, AppId, AppName, AppType, ApplicationRepository, ArchivedApplication, AuditAction,
    AuditEvent, AuthMethod, ChangedField, ClientId, ClientMetadata, ClientMetadataRecord,
    CredentialKind, CredentialRef, CredentialSerial, Credentials, Cursor, Description, GracePeriod,
    GrantTypes, InitialAccessToken, InitialAccessTokenId, Jwks, JwksUri, KeySet, KeySets,
    KeySource, MetadataDocumentUrl, NewApplication, OAuthApplication, OrgId, Profile, RedirectUrls,
    Registration, RegistrationDetails, RepositoryError, ScopeCatalog, Scopes, Secret, SecretHash,
    SecretHint, Secrets, Status, StoredAuditEvent, Timestamp, TokenDigest, Version,
};
use oauth_apps_domain::{
    ClientRequirements, HashedSecret, PreviousKeySet, PreviousSecret, SecretLifecycle,
    StoredApplication,
};
use oauth_apps_domain::{
    DeliveryOutcome, DeliveryStatus, EventType, Sealed, Webhook, WebhookId, WebhookRepository,
    WebhookUrl,
};

use crate::Fixture;

mod applications;
mod archive;
mod credentials;
mod events;
mod lifecycle;
mod registration;
mod webhooks;

pub use applications::*;
pub use archive::*;
pub use credentials::*;
pub use events::*;
pub use lifecycle::*;
pub use registration::*;
pub use webhooks::*;

/// Seconds since the epoch, as a timestamp.
#[must_use]
pub fn at(seconds: i64) -> Timestamp {
    Timestamp::from_unix_micros(seconds * 1_000_000).expect("a representable time")
}

/// A unique stored-hash stand-in (a PHC-shaped string).
#[must_use]
pub fn hash(label: &str) -> SecretHash {
    SecretHash::new(format!("$argon2id$v=19$m=64,t=1,p=1${label}")).expect("PHC-shaped")
}

/// Secret credentials (`client_secret_basic`) with a unique current secret.
#[must_use]
pub fn secret_credentials() -> Credentials {
    Credentials::secret(Secrets::new(first_secret(&format!(
        "initial-{}",
        uuid::Uuid::new_v4().simple()
    ))))
}

/// An application's first secret, its hash made from `label`, issued at 1 s, with the
/// hint `Ab9_`.
#[must_use]
pub fn first_secret(label: &str) -> Secret {
    Secret::first(
        hash(label),
        Some(SecretHint::restore("Ab9_").expect("a valid hint")),
        at(1),
    )
}

/// A JWK Set of public keys with ids `kids`: an Ed25519 key, a P-256 key and a 2048-bit
/// RSA key in turn.
#[must_use]
pub fn jwks(kids: &[&str]) -> Jwks {
    const ED25519: &str =
        r#""kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo""#;
    const P256: &str = r#""kty":"EC","crv":"P-256","alg":"ES256","use":"sig","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0""#;
    // 256 bytes whose first is 0xc3: a 2048-bit modulus.
    let n = format!("{}Q", "w".repeat(341));
    let rsa = format!(r#""kty":"RSA","e":"AQAB","n":"{n}""#);
    let keys: Vec<String> = kids
        .iter()
        .enumerate()
        .map(|(i, kid)| {
            let members = match i % 3 {
                0 => ED25519.to_owned(),
                1 => P256.to_owned(),
                _ => rsa.clone(),
            };
            format!(r#"{{"kid":"{kid}",{members}}}"#)
        })
        .collect();
    Jwks::parse(&format!(r#"{{"keys":[{}]}}"#, keys.join(","))).expect("a valid JWK Set")
}

/// Keys given inline, with ids `kids`.
#[must_use]
pub fn inline(kids: &[&str]) -> KeySource {
    KeySource::Inline(jwks(kids))
}

/// Keys published at `uri`.
#[must_use]
pub fn remote(uri: &str) -> KeySource {
    KeySource::Remote(JwksUri::parse(uri).expect("a valid JWKS URL"))
}

/// `private_key_jwt` credentials with `source` registered at `at`, and no secret.
#[must_use]
pub fn key_credentials(source: KeySource, at: Timestamp) -> Credentials {
    Credentials::new(
        AppType::Web,
        AuthMethod::PrivateKeyJwt,
        None,
        Some(KeySets::new(KeySet::new(
            source,
            CredentialSerial::FIRST,
            at,
        ))),
    )
    .expect("valid credentials")
}

/// A valid application of `app_type` (`web`, `native` or `public`) in `org` with
/// `credentials`, created at `created_at`, with a random client id.
#[must_use]
pub fn new_app_with(
    org: &str,
    name: &str,
    app_type: AppType,
    credentials: Credentials,
    created_at: Timestamp,
) -> NewApplication {
    let redirect = match app_type {
        AppType::Web => "https://app.example.com/cb",
        _ => "http://127.0.0.1/cb",
    };
    let profile = Profile::new(
        app_type,
        AppName::parse(name).expect("valid name"),
        None,
        RedirectUrls::parse(&[redirect], app_type).expect("valid url"),
        Scopes::parse(&["read"], &ScopeCatalog::default()).expect("valid scope"),
        GrantTypes::default(),
        AccessLevel::Organization,
    )
    .expect("valid profile");
    NewApplication::new(
        ClientId::from_random_bytes(*uuid::Uuid::new_v4().as_bytes()),
        OrgId::parse(org).expect("valid org"),
        app_type,
        profile,
        false,
        credentials,
        created_at,
    )
}

/// A valid `web` application of `org` with a secret (`client_secret_basic`), created at
/// `created_at`, with a random client id.
#[must_use]
pub fn new_app(org: &str, name: &str, created_at: Timestamp) -> NewApplication {
    new_app_with(org, name, AppType::Web, secret_credentials(), created_at)
}

/// An audit event by `alice`.
#[must_use]
pub fn event(action: AuditAction, now: Timestamp) -> AuditEvent {
    AuditEvent {
        action,
        actor: "alice".into(),
        request_id: Some("req-1".into()),
        client_request_id: None,
        changed_fields: vec![ChangedField::Name],
        at: now,
    }
}

async fn insert(repo: &dyn ApplicationRepository, app: NewApplication) -> OAuthApplication {
    let id = repo
        .insert(&app, &event(AuditAction::Created, at(1)))
        .await
        .expect("insert");
    app.with_id(id)
}

async fn reload(repo: &dyn ApplicationRepository, app: &OAuthApplication) -> OAuthApplication {
    repo.find_by_client_id(app.client_id())
        .await
        .expect("find")
        .expect("stored")
}

fn renamed(app: &OAuthApplication, name: &str, now: Timestamp) -> OAuthApplication {
    let p = app.profile();
    let profile = Profile::new(
        app.app_type(),
        AppName::parse(name).expect("valid name"),
        p.description().cloned(),
        p.redirect_urls().clone(),
        p.allowed_scopes().clone(),
        p.grant_types().clone(),
        p.access_level(),
    )
    .expect("valid profile");
    app.updated(
        profile,
        app.is_first_party(),
        app.status(),
        app.credentials().clone(),
        now,
    )
}

/// `app` with the authentication method `method` and `keys` (its own when `None`), its
/// secret kept only when the method uses one; every other value as it is.
fn with_method(
    app: &OAuthApplication,
    method: AuthMethod,
    keys: Option<KeySets>,
    now: Timestamp,
) -> OAuthApplication {
    let credentials = Credentials::new(
        app.app_type(),
        method,
        app.secrets().cloned(),
        keys.or_else(|| app.keys().cloned()),
    )
    .expect("valid credentials");
    app.updated(
        app.profile().clone(),
        app.is_first_party(),
        app.status(),
        credentials,
        now,
    )
}

/// `event` of `action` recording `fields` as changed.
fn event_of(action: AuditAction, fields: Vec<ChangedField>, now: Timestamp) -> AuditEvent {
    AuditEvent {
        changed_fields: fields,
        ..event(action, now)
    }
}

/// Writes `next` over `current` with an event of `action`.
async fn write(
    repo: &dyn ApplicationRepository,
    current: &OAuthApplication,
    next: &OAuthApplication,
    action: AuditAction,
    fields: Vec<ChangedField>,
) {
    repo.update(
        next,
        current.version(),
        &event_of(action, fields, next.updated_at()),
    )
    .await
    .expect("update");
}

/// `states`, sorted.
fn sorted(mut states: Vec<String>) -> Vec<String> {
    states.sort();
    states
}

fn org(s: &str) -> OrgId {
    OrgId::parse(s).expect("valid org")
}
