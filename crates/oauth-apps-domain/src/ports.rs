//! The ports: what the use cases need from the outside world. Adapters implement them;
//! tests use the `mockall` mocks (feature `mocks`) or the fakes (feature `testing`).

use async_trait::async_trait;

pub use crate::credentials::ports::{
    AssertionRefusal, AssertionRules, AssertionVerifier, JWT_BEARER_ASSERTION_TYPE, KeyDirectory,
    KeyFetchError, ReplayGuard, SecretHasher, VerifiedAssertion,
};
#[cfg(any(test, feature = "mocks"))]
pub use crate::credentials::ports::{
    MockAssertionVerifier, MockKeyDirectory, MockReplayGuard, MockSecretHasher,
};
use crate::model::{
    AppId, ClientId, CredentialRef, CredentialSerial, Cursor, Delivery, DocumentRefusal,
    InitialAccessToken, InitialAccessTokenId, MetadataDocument, MetadataDocumentUrl,
    NewApplication, OAuthApplication, OrgId, OrganizationPolicy, Sealed, Timestamp, TokenDigest,
    Version, Webhook, WebhookId, WebhookUrl,
};
pub use crate::shared::errors::{BoxError, HasherError, RepositoryError};
#[cfg(any(test, feature = "mocks"))]
pub use crate::shared::random::MockRandomSource;
pub use crate::shared::random::RandomError;
pub use crate::shared::random::RandomSource;
#[cfg(any(test, feature = "mocks"))]
pub use crate::shared::sealing::MockSealer;
pub use crate::shared::sealing::{SealError, Sealer};
#[cfg(any(test, feature = "mocks"))]
pub use crate::shared::time::MockClock;
pub use crate::shared::time::{Clock, SystemClock};
use crate::validation::{Collector, Field, FieldError, ValidationErrors, Violation};

/// What happened to an application, as recorded in its audit trail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AuditAction {
    /// It was registered.
    Created,
    /// Its settings changed.
    Updated,
    /// It was disabled.
    Disabled,
    /// It was re-enabled.
    Enabled,
    /// Its secret was rotated.
    SecretRotated,
    /// Its previous secret was revoked before its grace period ended.
    PreviousSecretRevoked,
    /// Its key set was rotated.
    KeysRotated,
    /// Its current secret expires within 14, 7 or 1 days (a warning, once per threshold).
    SecretExpiring,
    /// One of its secrets was reported leaked (a secret scanning report).
    SecretLeaked,
}

impl AuditAction {
    /// Every action.
    pub const ALL: [Self; 9] = [
        Self::Created,
        Self::Updated,
        Self::Disabled,
        Self::Enabled,
        Self::SecretRotated,
        Self::PreviousSecretRevoked,
        Self::KeysRotated,
        Self::SecretExpiring,
        Self::SecretLeaked,
    ];

    /// The stored names of every action, in the order of [`AuditAction::ALL`].
    pub const NAMES: [&'static str; 9] = [
        "created",
        "updated",
        "disabled",
        "enabled",
        "secret_rotated",
        "previous_secret_revoked",
        "keys_rotated",
        "secret_expiring",
        "secret_leaked",
    ];

    /// The action with this stored name.
    #[must_use]
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_str() == name)
    }

    /// The action's stored name.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        Self::NAMES[self as usize]
    }
}

/// One entry of an application's audit trail: who did what, when, in which request. It
/// never holds a secret or a hash: only the names of the fields that changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEvent {
    /// What happened.
    pub action: AuditAction,
    /// The subject of the token that did it.
    pub actor: String,
    /// The request it happened in (the service's own id), when known.
    pub request_id: Option<String>,
    /// The id the client gave that request (`X-Request-Id`), when it gave a valid one.
    pub client_request_id: Option<String>,
    /// The fields that changed.
    pub changed_fields: Vec<Field>,
    /// When it happened.
    pub at: Timestamp,
}

impl AuditEvent {
    /// Rebuilds a stored audit event (read from storage or from an export), strictly: an
    /// action or a changed field of a name this service does not write, an empty actor or
    /// a client request id it would not have kept ([`crate::client_request_id`]) is an
    /// error, never dropped.
    ///
    /// # Errors
    /// [`ValidationErrors`] naming every broken field: [`Field::AuditAction`],
    /// [`Field::Actor`], [`Field::ClientRequestId`], [`Field::ChangedFields`] (with the
    /// index of each unknown name).
    pub fn restore<S: AsRef<str>>(
        action: &str,
        actor: String,
        request_id: Option<String>,
        client_request_id: Option<String>,
        changed_fields: &[S],
        at: Timestamp,
    ) -> Result<Self, ValidationErrors> {
        let mut c = Collector::default();
        let action = c.check(
            Field::AuditAction,
            AuditAction::parse(action).ok_or(Violation::NotOneOf {
                allowed: &AuditAction::NAMES,
            }),
        );
        if actor.is_empty() {
            c.push(FieldError::new(Field::Actor, Violation::Required));
        }
        if let Some(id) = &client_request_id
            && crate::policy::client_request_id(id) != Some(id.as_str())
        {
            c.push(FieldError::new(
                Field::ClientRequestId,
                Violation::InvalidCharacters {
                    allowed: "1 to 128 printable ASCII characters, without surrounding spaces",
                },
            ));
        }
        let mut fields = Vec::with_capacity(changed_fields.len());
        for (i, name) in changed_fields.iter().enumerate() {
            match Field::parse(name.as_ref()) {
                Some(field) => fields.push(field),
                None => c.push(FieldError::at(
                    Field::ChangedFields,
                    i,
                    Violation::Malformed { what: "field name" },
                )),
            }
        }
        let Some(action) = action else {
            return Err(c.into_errors());
        };
        c.finish(Self {
            action,
            actor,
            request_id,
            client_request_id,
            changed_fields: fields,
            at,
        })
    }
}

/// An audit event as stored, with its place in the application's trail (higher is newer).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredAuditEvent {
    /// Its place in the trail.
    pub id: i64,
    /// The event.
    pub event: AuditEvent,
}

/// An application with its whole audit trail, as moved between stores.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArchivedApplication {
    /// The application, with its id, version and active secrets (current, and previous
    /// with its expiry). Revoked secrets can never verify again and are not carried.
    pub application: OAuthApplication,
    /// Its audit trail, oldest first, with the events' own ids.
    pub events: Vec<StoredAuditEvent>,
}

/// Moving a whole store out and in (`oauth-apps export` / `import`).
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait ApplicationArchive: Send + Sync {
    /// Up to `limit` applications with ids above `after`, by id, each with its trail.
    ///
    /// # Errors
    /// As [`ApplicationRepository::find_by_client_id`].
    async fn export_after(
        &self,
        after: i64,
        limit: u32,
    ) -> Result<Vec<ArchivedApplication>, RepositoryError>;

    /// Whether the store holds no application.
    ///
    /// # Errors
    /// [`RepositoryError::Unavailable`], [`RepositoryError::Unexpected`].
    async fn is_empty(&self) -> Result<bool, RepositoryError>;

    /// How many applications the store holds (for an export's progress).
    ///
    /// # Errors
    /// [`RepositoryError::Unavailable`], [`RepositoryError::Unexpected`].
    async fn count(&self) -> Result<u64, RepositoryError>;

    /// Stores `apps` exactly as given (ids, versions, timestamps, secrets, events) in one
    /// transaction: all of them or, on error, none.
    ///
    /// # Errors
    /// [`RepositoryError::DuplicateClientId`] when an id or client id is taken;
    /// [`RepositoryError::Unavailable`], [`RepositoryError::Unexpected`].
    async fn import(&self, apps: &[ArchivedApplication]) -> Result<(), RepositoryError>;
}

/// Storage of applications and their audit trail.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait ApplicationRepository: Send + Sync {
    /// Stores a new application and its `Created` audit event in one transaction, and
    /// returns the identifier it was given.
    ///
    /// # Errors
    /// [`RepositoryError::DuplicateClientId`] when the client id exists (nothing is
    /// written); [`RepositoryError::Unavailable`] when storage cannot be reached;
    /// [`RepositoryError::Unexpected`] otherwise.
    async fn insert(
        &self,
        app: &NewApplication,
        event: &AuditEvent,
    ) -> Result<AppId, RepositoryError>;

    /// The application with this client id, in any organisation, or `None`.
    ///
    /// # Errors
    /// [`RepositoryError::Unavailable`], [`RepositoryError::Corrupt`] when the stored row
    /// is invalid, [`RepositoryError::Unexpected`].
    async fn find_by_client_id(
        &self,
        client_id: &ClientId,
    ) -> Result<Option<OAuthApplication>, RepositoryError>;

    /// The application with this id if `org` owns it, else `None`.
    ///
    /// # Errors
    /// As [`ApplicationRepository::find_by_client_id`].
    async fn find_by_org_and_id(
        &self,
        org: &OrgId,
        id: AppId,
    ) -> Result<Option<OAuthApplication>, RepositoryError>;

    /// Up to `limit` applications of `org`, newest first by `(created_at, id)`, strictly
    /// after `after` when given, and whose name holds `name` (case-insensitively) when
    /// given.
    ///
    /// # Errors
    /// As [`ApplicationRepository::find_by_client_id`].
    async fn list_after<'a>(
        &self,
        org: &OrgId,
        name: Option<&'a str>,
        after: Option<Cursor>,
        limit: u32,
    ) -> Result<Vec<OAuthApplication>, RepositoryError>;

    /// Up to `limit` applications of `org` after skipping `offset`, newest first by
    /// `(created_at, id)`, and how many `org` has in all.
    ///
    /// # Errors
    /// As [`ApplicationRepository::find_by_client_id`].
    async fn list_page(
        &self,
        org: &OrgId,
        offset: u64,
        limit: u32,
    ) -> Result<(Vec<OAuthApplication>, u64), RepositoryError>;

    /// Up to `limit` audit events of `app`, newest first, older than `before` when given.
    ///
    /// # Errors
    /// As [`ApplicationRepository::find_by_client_id`].
    async fn list_events(
        &self,
        app: AppId,
        before: Option<i64>,
        limit: u32,
    ) -> Result<Vec<StoredAuditEvent>, RepositoryError>;

    /// Replaces the stored application by `app` if its stored version is still `expected`,
    /// and records `event`, in one transaction.
    ///
    /// # Errors
    /// [`RepositoryError::VersionConflict`] when the stored version differs (nothing is
    /// written); [`RepositoryError::NotFound`] when it no longer exists;
    /// [`RepositoryError::Unavailable`]; [`RepositoryError::Unexpected`].
    async fn update(
        &self,
        app: &OAuthApplication,
        expected: Version,
        event: &AuditEvent,
    ) -> Result<(), RepositoryError> {
        self.update_recording(app, expected, std::slice::from_ref(event))
            .await
    }

    /// [`ApplicationRepository::update`], recording every one of `events` in order, each
    /// an entry of its own in the audit trail and the change feed (with its webhook
    /// deliveries), all in the one transaction: a change that is two things at once (a
    /// settings change that also disables the application) is told as two events.
    ///
    /// # Errors
    /// As [`ApplicationRepository::update`]; [`RepositoryError::Unexpected`] when `events`
    /// is empty (nothing is written: every change is recorded).
    async fn update_recording(
        &self,
        app: &OAuthApplication,
        expected: Version,
        events: &[AuditEvent],
    ) -> Result<(), RepositoryError>;

    /// Notes that a client proved itself with `credential` of `app` at `at`, unless storage
    /// already holds a use of that credential later than `at` minus
    /// [`crate::CREDENTIAL_USE_RESOLUTION_SECONDS`] (so that replicas between them write a
    /// credential's use at most once a minute). Returns whether it wrote.
    ///
    /// A use is not a change: it moves neither the version nor `updated_at`, records no
    /// audit event, and [`ApplicationRepository::update`] never overwrites it (a use noted
    /// while a change was computed survives the change). Readers see it at once: a cache in
    /// front forgets the application when this returns `true`, and a store shared between
    /// replicas announces it as it announces a change.
    ///
    /// # Errors
    /// [`RepositoryError::Unavailable`], [`RepositoryError::Unexpected`]. The service
    /// treats the note as best effort: an authentication does not fail because its use
    /// could not be written.
    async fn record_use(
        &self,
        app: AppId,
        credential: CredentialRef,
        at: Timestamp,
    ) -> Result<bool, RepositoryError>;
}

/// An audit event in the change feed: its position, the application it concerns, and what
/// happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedEntry {
    /// Its place in the feed: strictly increasing in the order the writes committed.
    pub position: i64,
    /// The application's client id.
    pub client_id: ClientId,
    /// The application's organisation.
    pub owner_org_id: OrgId,
    /// What happened.
    pub event: AuditEvent,
}

/// The change feed over the audit trail: every application's events, in the order their
/// writes committed, each once.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait EventFeed: Send + Sync {
    /// Up to `limit` events after position `after`, oldest first, of `org`'s applications
    /// when given. A position once read is never preceded by one committed later: a reader
    /// that continues after the last position it read misses nothing.
    ///
    /// # Errors
    /// [`RepositoryError::Unavailable`], [`RepositoryError::Corrupt`],
    /// [`RepositoryError::Unexpected`].
    async fn events_after<'a>(
        &self,
        after: i64,
        org: Option<&'a OrgId>,
        limit: u32,
    ) -> Result<Vec<FeedEntry>, RepositoryError>;
}

/// A delivery leased for an attempt: the webhook, the event, and the attempt's number
/// (which the outcome must name: a lease that expired and was taken over is not finished
/// by its first holder).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueDelivery {
    /// The delivery's id.
    pub id: i64,
    /// This attempt's number (1 for the first).
    pub attempt: u32,
    /// When the event was recorded (the retry window runs from it).
    pub created_at: Timestamp,
    /// The webhook.
    pub webhook: Webhook,
    /// The event.
    pub entry: FeedEntry,
}

/// How an attempt ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeliveryOutcome {
    /// The receiver answered 2xx.
    Delivered {
        /// The status code.
        status: u16,
        /// When.
        at: Timestamp,
    },
    /// No 2xx; another attempt is due at `retry_at`.
    Retry {
        /// The status code, when there was an answer.
        status: Option<u16>,
        /// Why it failed.
        error: String,
        /// When to try again.
        retry_at: Timestamp,
    },
    /// No 2xx, and the retry window is over: given up.
    Failed {
        /// The status code, when there was an answer.
        status: Option<u16>,
        /// Why it failed.
        error: String,
    },
}

/// Storage of webhooks and their deliveries. A delivery is written for every webhook of
/// the application's organisation that hears the event's type, in the transaction that
/// records the event: an acknowledged write is never without its deliveries.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait WebhookRepository: Send + Sync {
    /// Stores a new webhook unless its organisation already has `max` webhooks; whether
    /// it was stored. The count and the insert are one step: concurrent inserts for one
    /// organisation never leave it with more than `max`.
    ///
    /// # Errors
    /// [`RepositoryError::Unavailable`], [`RepositoryError::Unexpected`].
    async fn insert_webhook(&self, webhook: &Webhook, max: u32) -> Result<bool, RepositoryError>;

    /// The webhooks of `org`, oldest first.
    ///
    /// # Errors
    /// As [`WebhookRepository::insert_webhook`]; [`RepositoryError::Corrupt`].
    async fn webhooks(&self, org: &OrgId) -> Result<Vec<Webhook>, RepositoryError>;

    /// The webhook `id`, in any organisation.
    ///
    /// # Errors
    /// As [`WebhookRepository::webhooks`].
    async fn find_webhook(&self, id: WebhookId) -> Result<Option<Webhook>, RepositoryError>;

    /// Replaces the stored webhook by `webhook` if its stored version is still `expected`.
    ///
    /// # Errors
    /// [`RepositoryError::VersionConflict`] when it changed meanwhile;
    /// [`RepositoryError::NotFound`] when it was deleted; as
    /// [`WebhookRepository::insert_webhook`].
    async fn update_webhook(&self, webhook: &Webhook, expected: i64)
    -> Result<(), RepositoryError>;

    /// Deletes the webhook `id` and its deliveries; whether there was one.
    ///
    /// # Errors
    /// As [`WebhookRepository::insert_webhook`].
    async fn delete_webhook(&self, id: WebhookId) -> Result<bool, RepositoryError>;

    /// Up to `limit` deliveries of webhook `id`, newest first, older than `before` when
    /// given.
    ///
    /// # Errors
    /// As [`WebhookRepository::webhooks`].
    async fn deliveries(
        &self,
        id: WebhookId,
        before: Option<i64>,
        limit: u32,
    ) -> Result<Vec<Delivery>, RepositoryError>;

    /// Leases up to `limit` deliveries due at `now` until `until`: pending, due, not leased
    /// by another holder, and the oldest pending one of their webhook and application (so
    /// that each application's events reach a webhook in order). Every replica may call it
    /// at once: a delivery is leased by one of them (`FOR UPDATE SKIP LOCKED` on
    /// PostgreSQL). Counts the attempt.
    ///
    /// Organisations take turns: each organisation's first due delivery is leased before
    /// any organisation's second, and within an organisation its webhooks take turns the
    /// same way (oldest first within a turn). A lease leaves an organisation with at most
    /// `per_org` deliveries leased, counting those leased earlier and not yet finished (by
    /// any holder whose lease has not run out), so that receivers that hang hold at most
    /// that many of the dispatchers' attempts (replicas leasing at the same instant may
    /// each take the organisation's share: they do not see each other's uncommitted
    /// leases).
    ///
    /// # Errors
    /// As [`WebhookRepository::webhooks`].
    async fn lease_deliveries(
        &self,
        now: Timestamp,
        until: Timestamp,
        limit: u32,
        per_org: u32,
    ) -> Result<Vec<DueDelivery>, RepositoryError>;

    /// Moves the pending deliveries of webhook `id` that are due before `until` and not
    /// leased at `now` to `until` (a webhook whose receiver does not answer backs off as a
    /// whole); how many moved. Their attempts are not counted.
    ///
    /// # Errors
    /// As [`WebhookRepository::insert_webhook`].
    async fn defer_deliveries(
        &self,
        id: WebhookId,
        until: Timestamp,
        now: Timestamp,
    ) -> Result<u64, RepositoryError>;

    /// Records how attempt `attempt` of delivery `id` ended, unless the delivery has moved
    /// on since (another attempt leased it after this lease expired); whether it was
    /// recorded.
    ///
    /// # Errors
    /// As [`WebhookRepository::insert_webhook`].
    async fn finish_delivery(
        &self,
        id: i64,
        attempt: u32,
        outcome: &DeliveryOutcome,
    ) -> Result<bool, RepositoryError>;
}

/// A signed message ready to be sent: the Standard Webhooks headers' inputs and the body.
#[derive(Clone, PartialEq, Eq)]
pub struct OutgoingMessage {
    /// `webhook-id`: the same on every attempt of a delivery.
    pub id: String,
    /// `webhook-timestamp`: seconds since the epoch, of this attempt.
    pub timestamp: i64,
    /// The JSON body.
    pub body: Vec<u8>,
    /// The signing keys (current, then previous during a rotation's grace period): one
    /// signature each.
    pub keys: Vec<Vec<u8>>,
}

impl std::fmt::Debug for OutgoingMessage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OutgoingMessage")
            .field("id", &self.id)
            .field("timestamp", &self.timestamp)
            .field("body_len", &self.body.len())
            .field("keys", &self.keys.len())
            .finish()
    }
}

/// Why an attempt got no 2xx answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{reason}")]
pub struct SendFailure {
    /// The status code, when the receiver answered.
    pub status: Option<u16>,
    /// What happened, for the deliveries listing (never a secret).
    pub reason: String,
}

/// Sends signed webhook messages, through the outbound guard in production.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait WebhookSender: Send + Sync {
    /// Whether the server may deliver to `url` at all, as far as can be told before
    /// resolving it.
    ///
    /// # Errors
    /// Why not, in words fit for a field message.
    fn permits(&self, url: &WebhookUrl) -> Result<(), String>;

    /// Signs `message` with each of its keys (Standard Webhooks) and POSTs it to `url`;
    /// the status code of a 2xx answer.
    ///
    /// # Errors
    /// [`SendFailure`] for anything but a 2xx answer.
    async fn send(&self, url: &WebhookUrl, message: &OutgoingMessage) -> Result<u16, SendFailure>;
}

/// What a claim on an idempotency key found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// The key is the caller's to run the request with: new, expired, or abandoned by a
    /// holder whose lock ran out.
    Claimed,
    /// Another request with this key and body is running.
    InFlight,
    /// The key was used with another request (a different fingerprint) within its window.
    Mismatch,
    /// The request ran; its answer, sealed.
    Answered(Sealed),
}

/// Idempotency keys (draft-ietf-httpapi-idempotency-key-header): one record per caller and
/// key, with the request's fingerprint and, once it ran, its answer (sealed), kept until
/// the window ends.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait IdempotencyStore: Send + Sync {
    /// Claims `key` of `scope` for a request of `fingerprint` at `now`: a new record (or
    /// one whose window ended at `now`) is written, locked until `locked_until`, expiring at
    /// `expires_at`; an unanswered record of the same fingerprint whose lock ran out is
    /// taken over. Each step is one atomic statement: of concurrent claims, one wins.
    ///
    /// # Errors
    /// [`RepositoryError::Unavailable`], [`RepositoryError::Unexpected`].
    async fn claim(
        &self,
        scope: &str,
        key: &str,
        fingerprint: &[u8; 32],
        now: Timestamp,
        locked_until: Timestamp,
        expires_at: Timestamp,
    ) -> Result<Claim, RepositoryError>;

    /// Keeps `answer` as the answer of the claimed `key` of `scope`.
    ///
    /// # Errors
    /// As [`IdempotencyStore::claim`].
    async fn answer(&self, scope: &str, key: &str, answer: &Sealed) -> Result<(), RepositoryError>;

    /// Forgets the claimed, unanswered `key` of `scope` (the request failed in a way a
    /// retry may not: the retry runs again).
    ///
    /// # Errors
    /// As [`IdempotencyStore::claim`].
    async fn release(&self, scope: &str, key: &str) -> Result<(), RepositoryError>;

    /// Deletes the records whose window ended at `now`; how many went.
    ///
    /// # Errors
    /// As [`IdempotencyStore::claim`].
    async fn purge_expired(&self, now: Timestamp) -> Result<u64, RepositoryError>;
}

/// Organisations' policies.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait OrganizationPolicies: Send + Sync {
    /// The policy `org` set, if it set one.
    ///
    /// # Errors
    /// [`RepositoryError::Unavailable`], [`RepositoryError::Corrupt`],
    /// [`RepositoryError::Unexpected`].
    async fn policy(&self, org: &OrgId) -> Result<Option<OrganizationPolicy>, RepositoryError>;

    /// Stores `policy`, replacing the organisation's.
    ///
    /// # Errors
    /// [`RepositoryError::Unavailable`], [`RepositoryError::Unexpected`].
    async fn put_policy(&self, policy: &OrganizationPolicy) -> Result<(), RepositoryError>;
}

/// A mark on a secret that is written once, with the event that announces it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretMark {
    /// The expiry warning at this many days before the end (14, 7, 1) was emitted.
    ExpiryWarned(u8),
    /// It was reported leaked at this instant (and keeps working: the `notify` policy).
    Leaked(Timestamp),
}

/// What secret expiry and leak reports need of storage besides the repository.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait SecretLifecycleStore: Send + Sync {
    /// The application holding a current or previous secret whose lookup digest is
    /// `digest`, if any.
    ///
    /// # Errors
    /// As [`ApplicationRepository::find_by_client_id`].
    async fn find_by_secret_lookup(
        &self,
        digest: TokenDigest,
    ) -> Result<Option<OAuthApplication>, RepositoryError>;

    /// Up to `limit` applications whose current secret ends after `after` and before
    /// `before`, soonest first.
    ///
    /// # Errors
    /// As [`ApplicationRepository::find_by_client_id`].
    async fn secrets_ending_between(
        &self,
        after: Timestamp,
        before: Timestamp,
        limit: u32,
    ) -> Result<Vec<OAuthApplication>, RepositoryError>;

    /// Writes `mark` on the secret numbered `serial` of `app` unless it holds it already
    /// (a warning at that threshold or a smaller one; a leak), and records `event`, in one
    /// transaction; whether it wrote (of replicas marking at once, one does).
    ///
    /// # Errors
    /// [`RepositoryError::Unavailable`], [`RepositoryError::Unexpected`].
    async fn mark_secret(
        &self,
        app: AppId,
        serial: CredentialSerial,
        mark: SecretMark,
        event: &AuditEvent,
    ) -> Result<bool, RepositoryError>;
}

/// Why a software statement (RFC 7591 §2.3) is not accepted (§3.2.2).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StatementRefusal {
    /// Not a valid statement: not a signed JWT, a bad signature, expired, no `iss`
    /// (`invalid_software_statement`).
    #[error("{0}")]
    Invalid(String),
    /// Well formed, but not one this registry accepts: signed by a key it does not trust,
    /// or statements are not accepted here (`unapproved_software_statement`).
    #[error("{0}")]
    Unapproved(String),
}

/// Checks software statements (RFC 7591 §2.3): JWTs whose claims are client metadata,
/// signed by a party the registry trusts.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
pub trait SoftwareStatementVerifier: Send + Sync {
    /// The statement's claims, when it is signed by a trusted key, unexpired and names its
    /// issuer (`iss`).
    ///
    /// # Errors
    /// [`StatementRefusal`] saying why not.
    fn verify(
        &self,
        statement: &str,
    ) -> Result<serde_json::Map<String, serde_json::Value>, StatementRefusal>;
}

/// Why a client's metadata document could not be had.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DocumentFetchError {
    /// The outbound policy refused the fetch before connecting (a host that resolves to a
    /// special-purpose address, say).
    #[error("fetching the document was refused: {0}")]
    Refused(String),
    /// The answer is larger than [`crate::MAX_METADATA_DOCUMENT_BYTES`].
    #[error("the document is larger than {limit} bytes")]
    TooLarge {
        /// The limit, in bytes.
        limit: usize,
    },
    /// The document breaks a rule.
    #[error("{0}")]
    Invalid(DocumentRefusal),
    /// No document: a connection failure, a time-out, a redirect or a status other than
    /// 200.
    #[error("the document could not be fetched: {0}")]
    Unreachable(String),
}

impl DocumentFetchError {
    /// A short, stable name of the rule or failure (`address_refused`, `too_large`,
    /// `unreachable`, or [`DocumentRefusal::rule`]).
    #[must_use]
    pub const fn rule(&self) -> &'static str {
        match self {
            Self::Refused(_) => "address_refused",
            Self::TooLarge { .. } => "too_large",
            Self::Invalid(refusal) => refusal.rule(),
            Self::Unreachable(_) => "unreachable",
        }
    }
}

/// Where clients publish their metadata documents (draft-ietf-oauth-client-id-metadata-
/// document): fetched through the outbound guard, at most 5 KiB, only a valid document
/// (as [`MetadataDocument::parse`] checks it) kept in a cache, for the time its
/// `Cache-Control` asks within the adapter's bounds.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait MetadataDocuments: Send + Sync {
    /// The document at `url`, checked: from the cache while it is fresh, else fetched.
    ///
    /// # Errors
    /// [`DocumentFetchError`] saying why there is none.
    async fn fetch(
        &self,
        url: &MetadataDocumentUrl,
    ) -> Result<MetadataDocument, DocumentFetchError>;
}

/// Storage of initial access tokens (RFC 7591 §3): kept by digest, never in plaintext.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait InitialAccessTokenRepository: Send + Sync {
    /// Stores a new token.
    ///
    /// # Errors
    /// [`RepositoryError::Unavailable`], [`RepositoryError::Unexpected`].
    async fn insert_initial_access_token(
        &self,
        token: &InitialAccessToken,
    ) -> Result<(), RepositoryError>;

    /// The tokens of `org`, newest first (revoked and expired ones too).
    ///
    /// # Errors
    /// As [`InitialAccessTokenRepository::insert_initial_access_token`];
    /// [`RepositoryError::Corrupt`] for a stored row that breaks a rule.
    async fn initial_access_tokens(
        &self,
        org: &OrgId,
    ) -> Result<Vec<InitialAccessToken>, RepositoryError>;

    /// The token with this id, in any organisation.
    ///
    /// # Errors
    /// As [`InitialAccessTokenRepository::initial_access_tokens`].
    async fn find_initial_access_token(
        &self,
        id: InitialAccessTokenId,
    ) -> Result<Option<InitialAccessToken>, RepositoryError>;

    /// The token with this digest, in any organisation, whatever its state.
    ///
    /// # Errors
    /// As [`InitialAccessTokenRepository::initial_access_tokens`].
    async fn find_initial_access_token_by_digest(
        &self,
        digest: TokenDigest,
    ) -> Result<Option<InitialAccessToken>, RepositoryError>;

    /// Revokes the token `id` at `at` unless it was revoked before (its first revocation
    /// stands); the token as stored afterwards, or `None` when there is no such token.
    ///
    /// # Errors
    /// As [`InitialAccessTokenRepository::initial_access_tokens`].
    async fn revoke_initial_access_token(
        &self,
        id: InitialAccessTokenId,
        at: Timestamp,
    ) -> Result<Option<InitialAccessToken>, RepositoryError>;

    /// Counts one use of the token of `digest` if it is usable at `at`
    /// ([`InitialAccessToken::is_usable_at`]), in one atomic step: of concurrent uses of a
    /// token with one use left, one wins. The token after its use, or `None` when no usable
    /// token has this digest.
    ///
    /// # Errors
    /// As [`InitialAccessTokenRepository::initial_access_tokens`].
    async fn redeem_initial_access_token(
        &self,
        digest: TokenDigest,
        at: Timestamp,
    ) -> Result<Option<InitialAccessToken>, RepositoryError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn audit_actions_have_distinct_stored_names() {
        let names: Vec<_> = [
            AuditAction::Created,
            AuditAction::Updated,
            AuditAction::Disabled,
            AuditAction::Enabled,
            AuditAction::SecretRotated,
            AuditAction::PreviousSecretRevoked,
        ]
        .iter()
        .map(|a| a.as_str())
        .collect();
        assert_eq!(
            names,
            [
                "created",
                "updated",
                "disabled",
                "enabled",
                "secret_rotated",
                "previous_secret_revoked"
            ]
        );
    }

    #[test]
    fn stored_events_are_restored_strictly() {
        let at = Timestamp::from_unix_micros(7).unwrap();
        let event = AuditEvent::restore(
            "updated",
            "alice".into(),
            Some("req".into()),
            Some("order 1".into()),
            &["name", "redirect_urls"],
            at,
        )
        .unwrap();
        assert_eq!(
            event,
            AuditEvent {
                action: AuditAction::Updated,
                actor: "alice".into(),
                request_id: Some("req".into()),
                client_request_id: Some("order 1".into()),
                changed_fields: vec![Field::Name, Field::RedirectUrls],
                at,
            }
        );
        let errors = AuditEvent::restore(
            "deleted",
            String::new(),
            None,
            Some(" padded ".into()),
            &["name", "colour"],
            at,
        )
        .unwrap_err();
        assert_eq!(
            errors
                .errors()
                .iter()
                .map(|e| (e.field, e.index))
                .collect::<Vec<_>>(),
            [
                (Field::AuditAction, None),
                (Field::Actor, None),
                (Field::ClientRequestId, None),
                (Field::ChangedFields, Some(1)),
            ]
        );
        let unknown_field_only =
            AuditEvent::restore("created", "bob".into(), None, None, &["colour"], at);
        assert!(
            unknown_field_only
                .unwrap_err()
                .concerns(Field::ChangedFields)
        );
    }

    #[test]
    fn audit_actions_parse_their_names() {
        for action in AuditAction::ALL {
            assert_eq!(AuditAction::parse(action.as_str()), Some(action));
        }
        assert_eq!(AuditAction::parse("deleted"), None);
    }
}
