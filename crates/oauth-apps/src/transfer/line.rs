//! One line of an export: an application as plain serialisable values, written from what
//! storage keeps of it ([`StoredApplication`]) and read back into it, every value parsed
//! and every broken one named, then restored by [`OAuthApplication::restore`], the one
//! way back into an application.

use oauth_apps_domain::{
    AccessLevel, AppId, AppType, ArchivedApplication, AuditEvent, AuthMethod, ClientId,
    ClientMetadata, ClientMetadataRecord, ClientRequirements, CredentialSerial, Field, FieldError,
    HashedSecret, Jwks, JwksUri, KeySet, KeySets, KeySource, MetadataDocumentUrl, OAuthApplication,
    OrgId, PreviousKeySet, PreviousSecret, Registration, RegistrationDetails, Secret, SecretHash,
    SecretHint, SecretLifecycle, Secrets, Status, StoredApplication, StoredAuditEvent, Timestamp,
    TlsSubject, TokenDigest, ValidationErrors, Version, Violation,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(super) struct AppLine {
    id: i64,
    client_id: String,
    owner_org_id: String,
    name: String,
    description: Option<String>,
    #[serde(rename = "type")]
    app_type: String,
    redirect_urls: Vec<String>,
    allowed_scopes: Vec<String>,
    grant_types: Vec<String>,
    access_level: String,
    status: String,
    is_first_party: bool,
    /// Absent: `client_secret_basic`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    token_endpoint_auth_method: Option<String>,
    current_secret_hash: Option<String>,
    previous_secret_hash: Option<String>,
    previous_secret_expires_at: Option<String>,
    /// What is known of the current secret besides its hash; absent in earlier exports.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    current_secret: Option<SecretLine>,
    /// What is known of the previous secret besides its hash; absent in earlier exports.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    previous_secret: Option<SecretLine>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    keys: Option<KeysLine>,
    /// Absent: `manual`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    registration: Option<String>,
    /// What the client says about itself, named as RFC 7591 §2 names it; absent: nothing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    client_metadata: Option<serde_json::Map<String, serde_json::Value>>,
    /// The SHA-256 (hexadecimal) of a self-registered client's registration access token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    registration_access_token_digest: Option<String>,
    /// The URL of the metadata document the client was resolved from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    metadata_document: Option<String>,
    /// Access tokens always DPoP-bound (RFC 9449 §5.2); absent: `false`.
    #[serde(default, skip_serializing_if = "is_false")]
    dpop_bound_access_tokens: bool,
    /// Access tokens always certificate-bound (RFC 8705 §3.4); absent: `false`.
    #[serde(default, skip_serializing_if = "is_false")]
    tls_client_certificate_bound_access_tokens: bool,
    /// Authorization requests must be pushed (RFC 9126 §6); absent: `false`.
    #[serde(default, skip_serializing_if = "is_false")]
    require_pushed_authorization_requests: bool,
    /// With `tls_client_auth`: the certificate subject, by its RFC 8705 §2.1.2 member.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    tls_client_auth_subject: Option<TlsSubjectLine>,
    created_at: String,
    updated_at: String,
    version: i64,
    events: Vec<EventLine>,
}

/// A `tls_client_auth` subject: its member (`tls_client_auth_san_dns`, ...) and value.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct TlsSubjectLine {
    member: String,
    value: String,
}

#[allow(
    clippy::trivially_copy_pass_by_ref,
    reason = "serde's skip_serializing_if"
)]
const fn is_false(b: &bool) -> bool {
    !*b
}

/// A secret's serial, hint, issue time and last use.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct SecretLine {
    serial: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    hint: Option<String>,
    created_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    last_used_at: Option<String>,
    /// When it ends (its lifetime, or a leak's revocation); absent: never (and in exports
    /// made before secrets could end).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    ends_at: Option<String>,
    /// The SHA-256 of its plaintext, hex, when kept (it finds a leaked secret).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    lookup_digest: Option<String>,
    /// The last expiry warning emitted (14, 7 or 1 days before its end).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    expiry_warned_days: Option<u8>,
    /// When it was reported leaked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    leaked_at: Option<String>,
}

impl SecretLine {
    fn new(secret: &Secret) -> Self {
        let lifecycle = &secret.credential.lifecycle;
        Self {
            serial: secret.serial.get(),
            hint: secret
                .credential
                .hint
                .as_ref()
                .map(|h| h.as_str().to_owned()),
            created_at: secret.created_at.to_rfc3339(),
            last_used_at: secret.last_used_at.map(Timestamp::to_rfc3339),
            ends_at: lifecycle.expires_at.map(Timestamp::to_rfc3339),
            lookup_digest: lifecycle.lookup.map(|d| d.to_hex()),
            expiry_warned_days: lifecycle.expiry_warned_days,
            leaked_at: lifecycle.leaked_at.map(Timestamp::to_rfc3339),
        }
    }

    /// The secret of hash `hash`, its broken values recorded in `c`; `what` names it in
    /// the errors of its times.
    fn into_secret(
        self,
        hash: String,
        what: &str,
        c: &mut Checks,
    ) -> Result<Option<Secret>, String> {
        let when = |field: &str, at: Option<String>| {
            at.map(|at| time(&format!("{what}.{field}"), &at))
                .transpose()
        };
        let created_at = time(&format!("{what}.createdAt"), &self.created_at)?;
        let last_used_at = when("lastUsedAt", self.last_used_at)?;
        let expires_at = when("endsAt", self.ends_at)?;
        let leaked_at = when("leakedAt", self.leaked_at)?;
        let hash = c.check(Field::Secret, SecretHash::new(hash));
        let hint = c.check_optional(Field::Secret, self.hint.map(SecretHint::restore));
        let serial = c.check(Field::Secret, CredentialSerial::new(self.serial));
        let lookup = c.check_optional(
            Field::Secret,
            self.lookup_digest.as_deref().map(TokenDigest::from_hex),
        );
        let (Some(hash), Some(hint), Some(serial), Some(lookup)) = (hash, hint, serial, lookup)
        else {
            return Ok(None);
        };
        let secret = Secret {
            last_used_at,
            ..Secret::new(HashedSecret::new(hash, hint), serial, created_at)
        };
        Ok(Some(secret.with_lifecycle(SecretLifecycle {
            expires_at,
            lookup,
            expiry_warned_days: self.expiry_warned_days,
            leaked_at,
        })))
    }
}

/// An application's key sets.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct KeysLine {
    current: KeySetLine,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    previous: Option<KeySetLine>,
}

/// One key set: its JWK Set (as JSON) or the URL it is published at, when it was
/// registered and, for the previous set, when it stops being accepted.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct KeySetLine {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    jwks: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    jwks_uri: Option<String>,
    serial: u32,
    created_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    expires_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    last_used_at: Option<String>,
}

impl KeySetLine {
    fn new(set: &KeySet, expires_at: Option<Timestamp>) -> Self {
        let (jwks, jwks_uri) = match &set.credential {
            KeySource::Inline(jwks) => (Some(jwks.to_value()), None),
            KeySource::Remote(uri) => (None, Some(uri.as_str().to_owned())),
        };
        Self {
            jwks,
            jwks_uri,
            serial: set.serial.get(),
            created_at: set.created_at.to_rfc3339(),
            expires_at: expires_at.map(Timestamp::to_rfc3339),
            last_used_at: set.last_used_at.map(Timestamp::to_rfc3339),
        }
    }

    /// The set, its broken values recorded in `c`, and its expiry if it has one; `what`
    /// names it in errors.
    fn into_key_set(
        self,
        what: &str,
        c: &mut Checks,
    ) -> Result<(Option<KeySet>, Option<Timestamp>), String> {
        let (source, field) = match (self.jwks, self.jwks_uri) {
            (Some(jwks), None) => (
                c.check(Field::Jwks, Jwks::parse(&jwks.to_string()))
                    .map(KeySource::Inline),
                Field::Jwks,
            ),
            (None, Some(uri)) => (
                c.check(Field::JwksUri, JwksUri::parse(&uri))
                    .map(KeySource::Remote),
                Field::JwksUri,
            ),
            _ => return Err(format!("{what} has exactly one of jwks and jwksUri")),
        };
        let expires_at = match self.expires_at {
            Some(at) => Some(time(&format!("{what}.expiresAt"), &at)?),
            None => None,
        };
        let created_at = time(&format!("{what}.createdAt"), &self.created_at)?;
        let last_used_at = self
            .last_used_at
            .map(|at| time(&format!("{what}.lastUsedAt"), &at))
            .transpose()?;
        let serial = c.check(field, CredentialSerial::new(self.serial));
        let set = source.zip(serial).map(|(source, serial)| KeySet {
            last_used_at,
            ..KeySet::new(source, serial, created_at)
        });
        Ok((set, expires_at))
    }
}

impl KeysLine {
    /// The key sets, their broken values recorded in `c`: the current set never expires,
    /// the previous one always does.
    fn into_key_sets(self, c: &mut Checks) -> Result<Option<KeySets>, String> {
        let current = match self.current.into_key_set("keys.current", c)? {
            (set, None) => set,
            (_, Some(_)) => return Err("keys.current has no expiresAt: it is current".to_owned()),
        };
        let previous = match self.previous.map(|p| p.into_key_set("keys.previous", c)) {
            None => Some(None),
            Some(Ok((set, Some(expires_at)))) => {
                set.map(|issued| Some(PreviousKeySet { issued, expires_at }))
            }
            Some(Ok((_, None))) => return Err("keys.previous needs its expiresAt".to_owned()),
            Some(Err(e)) => return Err(e),
        };
        Ok(current
            .zip(previous)
            .map(|(current, previous)| KeySets::restore(current, previous)))
    }
}

/// `s` as an instant; `what` names it in the error.
fn time(what: &str, s: &str) -> Result<Timestamp, String> {
    Timestamp::parse_rfc3339(s).map_err(|_| format!("{what} is not an RFC 3339 time"))
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct EventLine {
    id: i64,
    action: String,
    actor: String,
    request_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    client_request_id: Option<String>,
    changed_fields: Vec<String>,
    at: String,
}

impl AppLine {
    pub(super) fn new(archived: &ArchivedApplication) -> Self {
        let app = archived.application.to_stored();
        let secrets = app.secrets.as_ref();
        let previous = secrets.and_then(Secrets::previous);
        Self {
            id: app.id.get(),
            client_id: app.client_id.to_string(),
            owner_org_id: app.owner_org_id.as_str().to_owned(),
            name: app.name,
            description: app.description,
            app_type: app.app_type.as_str().to_owned(),
            redirect_urls: app.redirect_urls,
            allowed_scopes: app.allowed_scopes,
            grant_types: app.grant_types,
            access_level: app.access_level.as_str().to_owned(),
            status: app.status.as_str().to_owned(),
            is_first_party: app.is_first_party,
            token_endpoint_auth_method: (app.auth_method != AuthMethod::default())
                .then(|| app.auth_method.as_str().to_owned()),
            current_secret_hash: secrets.map(|s| s.current().credential.hash.as_phc().to_owned()),
            previous_secret_hash: previous.map(|p| p.issued.credential.hash.as_phc().to_owned()),
            previous_secret_expires_at: previous.map(|p| p.expires_at.to_rfc3339()),
            current_secret: secrets.map(|s| SecretLine::new(s.current())),
            previous_secret: previous.map(|p| SecretLine::new(&p.issued)),
            registration: (app.registration != Registration::Manual)
                .then(|| app.registration.as_str().to_owned()),
            client_metadata: (!app.details.metadata.is_empty())
                .then(|| app.details.metadata.to_json()),
            registration_access_token_digest: app.details.access_token.map(|d| d.to_hex()),
            metadata_document: app.details.document.as_ref().map(|d| d.as_str().to_owned()),
            dpop_bound_access_tokens: app.requirements.dpop_bound_access_tokens,
            tls_client_certificate_bound_access_tokens: app
                .requirements
                .tls_client_certificate_bound_access_tokens,
            require_pushed_authorization_requests: app
                .requirements
                .require_pushed_authorization_requests,
            tls_client_auth_subject: app.tls_subject.as_ref().map(|s| TlsSubjectLine {
                member: s.kind().to_owned(),
                value: s.to_string(),
            }),
            keys: app.keys.as_ref().map(|keys| KeysLine {
                current: KeySetLine::new(keys.current(), None),
                previous: keys
                    .previous()
                    .map(|p| KeySetLine::new(&p.issued, Some(p.expires_at))),
            }),
            created_at: app.created_at.to_rfc3339(),
            updated_at: app.updated_at.to_rfc3339(),
            version: app.version.get(),
            events: archived.events.iter().map(EventLine::new).collect(),
        }
    }

    /// What an earlier export, which has only the hashes, says of its secrets: the current
    /// one is the second when there is a previous one, else the first; each was issued at
    /// the last (for the previous one, the one but last) `secret_rotated` event of the
    /// trail, or when the application was created; no hint, no known use.
    fn secrets_of_an_earlier_export(
        &self,
        created_at: Timestamp,
    ) -> Result<(SecretLine, SecretLine), String> {
        let mut rotations = Vec::new();
        for e in self.events.iter().filter(|e| e.action == "secret_rotated") {
            rotations.push((e.id, time("at", &e.at)?));
        }
        rotations.sort_unstable();
        let issued = |back: usize| {
            rotations
                .len()
                .checked_sub(back)
                .map_or(created_at, |i| rotations[i].1)
                .to_rfc3339()
        };
        let line = |serial, created_at| SecretLine {
            serial,
            hint: None,
            created_at,
            last_used_at: None,
            ends_at: None,
            lookup_digest: None,
            expiry_warned_days: None,
            leaked_at: None,
        };
        let current_serial = if self.previous_secret_hash.is_some() {
            2
        } else {
            1
        };
        Ok((line(current_serial, issued(1)), line(1, issued(2))))
    }

    /// The secrets of the line, their broken values recorded in `c`.
    fn secrets(&mut self, c: &mut Checks) -> Result<Option<Option<Secrets>>, String> {
        let current = match (self.current_secret_hash.take(), self.current_secret.take()) {
            (Some(hash), Some(line)) => line.into_secret(hash, "currentSecret", c)?.map(Some),
            (None, None) => Some(None),
            _ => return Err("currentSecretHash and currentSecret come together".to_owned()),
        };
        let previous = match (
            self.previous_secret_hash.take(),
            self.previous_secret.take(),
            self.previous_secret_expires_at.take(),
        ) {
            (Some(hash), Some(line), Some(at)) => {
                let expires_at = time("previousSecretExpiresAt", &at)?;
                line.into_secret(hash, "previousSecret", c)?
                    .map(|issued| Some(PreviousSecret { issued, expires_at }))
            }
            (None, None, None) => Some(None),
            _ => {
                return Err(
                    "previousSecretHash, previousSecret and previousSecretExpiresAt come together"
                        .to_owned(),
                );
            }
        };
        Ok(current
            .zip(previous)
            .map(|(current, previous)| current.map(|c| Secrets::restore(c, previous))))
    }

    /// What its registration keeps, its broken values recorded in `c`.
    fn details(&self, c: &mut Checks) -> Result<Option<RegistrationDetails>, String> {
        let metadata = match &self.client_metadata {
            Some(map) => ClientMetadata::from_json(map),
            None => ClientMetadata::new(ClientMetadataRecord::default()),
        }
        .map_err(|e| format!("clientMetadata: {e}"))?;
        let document = c.check_optional(
            Field::MetadataDocument,
            self.metadata_document.as_deref().map(|url| {
                MetadataDocumentUrl::parse(url).map_err(|_| Violation::Malformed {
                    what: "metadata document URL",
                })
            }),
        );
        let access_token = c.check_optional(
            Field::Registration,
            self.registration_access_token_digest
                .as_deref()
                .map(TokenDigest::from_hex),
        );
        Ok(document
            .zip(access_token)
            .map(|(document, access_token)| RegistrationDetails {
                metadata,
                access_token,
                document,
            }))
    }

    /// The application as storage keeps it, every value of the line parsed (the errors
    /// name every broken one), and its audit trail's lines.
    fn into_stored(mut self) -> Result<(StoredApplication, Vec<EventLine>), String> {
        let created_at = time("createdAt", &self.created_at)?;
        let updated_at = time("updatedAt", &self.updated_at)?;
        if self.current_secret.is_none() && self.previous_secret.is_none() {
            let (current, previous) = self.secrets_of_an_earlier_export(created_at)?;
            self.current_secret = self.current_secret_hash.is_some().then_some(current);
            self.previous_secret = self.previous_secret_hash.is_some().then_some(previous);
        }
        let mut c = Checks::default();
        let secrets = self.secrets(&mut c)?;
        let keys = match self.keys.take() {
            Some(keys) => keys.into_key_sets(&mut c)?.map(Some),
            None => Some(None),
        };
        let details = self.details(&mut c)?;
        let id = c.check(Field::Id, AppId::new(self.id));
        let client_id = c.check(Field::ClientId, ClientId::parse(&self.client_id));
        let owner_org_id = c.check(Field::OwnerOrgId, OrgId::parse(self.owner_org_id));
        let app_type = c.check(Field::AppType, AppType::parse(&self.app_type));
        let access_level = c.check(Field::AccessLevel, AccessLevel::parse(&self.access_level));
        let status = c.check(Field::Status, Status::parse(&self.status));
        let auth_method = c.check_optional(
            Field::TokenEndpointAuthMethod,
            self.token_endpoint_auth_method
                .as_deref()
                .map(AuthMethod::parse),
        );
        let registration = c.check_optional(
            Field::Registration,
            self.registration.as_deref().map(Registration::parse),
        );
        let version = c.check(Field::Version, Version::new(self.version));
        let tls_subject = c.check_optional(
            Field::TlsClientAuthSubject,
            self.tls_client_auth_subject
                .as_ref()
                .map(|s| TlsSubject::parse(&s.member, &s.value)),
        );
        let (
            Some(id),
            Some(client_id),
            Some(owner_org_id),
            Some(app_type),
            Some(access_level),
            Some(status),
            Some(auth_method),
            Some(registration),
            Some(secrets),
            Some(keys),
            Some(details),
            Some(version),
            Some(tls_subject),
        ) = (
            id,
            client_id,
            owner_org_id,
            app_type,
            access_level,
            status,
            auth_method,
            registration,
            secrets,
            keys,
            details,
            version,
            tls_subject,
        )
        else {
            return Err(c.into_message());
        };
        let stored = StoredApplication {
            id,
            client_id,
            owner_org_id,
            app_type,
            name: self.name,
            description: self.description,
            redirect_urls: self.redirect_urls,
            allowed_scopes: self.allowed_scopes,
            grant_types: self.grant_types,
            access_level,
            status,
            is_first_party: self.is_first_party,
            auth_method: auth_method.unwrap_or_default(),
            secrets,
            keys,
            tls_subject,
            requirements: ClientRequirements {
                dpop_bound_access_tokens: self.dpop_bound_access_tokens,
                tls_client_certificate_bound_access_tokens: self
                    .tls_client_certificate_bound_access_tokens,
                require_pushed_authorization_requests: self.require_pushed_authorization_requests,
            },
            registration: registration.unwrap_or(Registration::Manual),
            details,
            created_at,
            updated_at,
            version,
        };
        Ok((stored, self.events))
    }

    /// Rebuilds the application through [`OAuthApplication::restore`], checking every
    /// rule a stored application must keep, and its audit trail.
    pub(super) fn into_archived(self) -> Result<ArchivedApplication, String> {
        let (stored, lines) = self.into_stored()?;
        let application = OAuthApplication::restore(stored).map_err(|e| e.to_string())?;
        let mut events = Vec::with_capacity(lines.len());
        for e in lines {
            let at = time("at", &e.at)?;
            let event = AuditEvent::restore(
                &e.action,
                e.actor,
                e.request_id,
                e.client_request_id,
                &e.changed_fields,
                at,
            )
            .map_err(|errors| format!("event {}: {errors}", e.id))?;
            events.push(StoredAuditEvent { id: e.id, event });
        }
        Ok(ArchivedApplication {
            application,
            events,
        })
    }
}

impl EventLine {
    fn new(e: &StoredAuditEvent) -> Self {
        Self {
            id: e.id,
            action: e.event.action.as_str().to_owned(),
            actor: e.event.actor.clone(),
            request_id: e.event.request_id.clone(),
            client_request_id: e.event.client_request_id.clone(),
            changed_fields: e
                .event
                .changed_fields
                .iter()
                .map(|f| f.as_str().to_owned())
                .collect(),
            at: e.event.at.to_rfc3339(),
        }
    }
}

/// The broken values of a line, named together.
#[derive(Default)]
struct Checks(Vec<FieldError>);

impl Checks {
    /// The value, or `None` with its error recorded against `field`.
    fn check<T>(&mut self, field: Field, result: Result<T, Violation>) -> Option<T> {
        result
            .map_err(|v| self.0.push(FieldError::new(field, v)))
            .ok()
    }

    /// As [`Checks::check`] for a value that may be absent: `Some(None)` when it is.
    fn check_optional<T>(
        &mut self,
        field: Field,
        result: Option<Result<T, Violation>>,
    ) -> Option<Option<T>> {
        match result {
            Some(result) => self.check(field, result).map(Some),
            None => Some(None),
        }
    }

    /// Every error recorded, as one message.
    fn into_message(self) -> String {
        self.0
            .into_iter()
            .map(ValidationErrors::from)
            .reduce(ValidationErrors::merged)
            .map_or_else(String::new, |e| e.to_string())
    }
}
