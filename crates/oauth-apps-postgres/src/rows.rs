//! Row types: diesel's view of the tables, converted to and from the domain's records.

use diesel::prelude::*;
use oauth_apps_domain::{
    ApplicationRecord, OAuthApplication, RepositoryError, StoredSecret, Timestamp, record_secrets,
};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::schema::{audit_events, client_secrets, oauth_applications};

#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = oauth_applications, check_for_backend(diesel::pg::Pg))]
pub(crate) struct ApplicationRow {
    pub(crate) id: i64,
    client_id: Uuid,
    owner_org_id: String,
    name: String,
    description: Option<String>,
    app_type: String,
    redirect_urls: Vec<String>,
    allowed_scopes: Vec<String>,
    grant_types: Vec<String>,
    access_level: String,
    status: String,
    is_first_party: bool,
    created_at: OffsetDateTime,
    updated_at: OffsetDateTime,
    version: i64,
}

#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = client_secrets, check_for_backend(diesel::pg::Pg))]
pub(crate) struct SecretRow {
    pub(crate) id: i64,
    pub(crate) application_id: i64,
    pub(crate) secret_hash: String,
    pub(crate) state: String,
    pub(crate) expires_at: Option<OffsetDateTime>,
}

impl SecretRow {
    /// The row as the domain sees a stored secret.
    pub(crate) fn view(&self) -> StoredSecret<'_> {
        StoredSecret {
            hash: &self.secret_hash,
            is_current: self.state == "current",
            expires_at: self.expires_at.map(Timestamp::from_offset_date_time),
        }
    }
}

fn corrupt_secrets(violation: &oauth_apps_domain::Violation) -> RepositoryError {
    RepositoryError::Unexpected(format!("stored secrets are inconsistent: {violation}").into())
}

impl ApplicationRow {
    /// The application with its active `secrets` (current and previous rows).
    pub(crate) fn into_application(
        self,
        secrets: &[&SecretRow],
    ) -> Result<OAuthApplication, RepositoryError> {
        let views: Vec<StoredSecret<'_>> = secrets.iter().map(|s| s.view()).collect();
        let (current_secret_hash, previous_secret) =
            record_secrets(&views).map_err(|v| corrupt_secrets(&v))?;
        let record = ApplicationRecord {
            client_id: self.client_id.hyphenated().to_string(),
            owner_org_id: self.owner_org_id,
            name: self.name,
            description: self.description,
            app_type: self.app_type,
            redirect_urls: self.redirect_urls,
            allowed_scopes: self.allowed_scopes,
            grant_types: self.grant_types,
            access_level: self.access_level,
            status: self.status,
            is_first_party: self.is_first_party,
            current_secret_hash,
            previous_secret,
            created_at: Timestamp::from_offset_date_time(self.created_at),
            updated_at: Timestamp::from_offset_date_time(self.updated_at),
            version: self.version,
        };
        OAuthApplication::from_record(self.id, record).map_err(RepositoryError::Corrupt)
    }
}

#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = audit_events, check_for_backend(diesel::pg::Pg))]
pub(crate) struct EventRow {
    id: i64,
    action: String,
    actor: String,
    request_id: Option<String>,
    client_request_id: Option<String>,
    changed_fields: Vec<String>,
    occurred_at: OffsetDateTime,
}

impl EventRow {
    pub(crate) fn into_event(self) -> Result<oauth_apps_domain::StoredAuditEvent, RepositoryError> {
        let action = oauth_apps_domain::AuditAction::parse(&self.action).ok_or_else(|| {
            RepositoryError::Unexpected(format!("unknown audit action {:?}", self.action).into())
        })?;
        Ok(oauth_apps_domain::StoredAuditEvent {
            id: self.id,
            event: oauth_apps_domain::AuditEvent {
                action,
                actor: self.actor,
                request_id: self.request_id,
                client_request_id: self.client_request_id,
                changed_fields: self
                    .changed_fields
                    .iter()
                    .filter_map(|f| oauth_apps_domain::Field::parse(f))
                    .collect(),
                at: Timestamp::from_offset_date_time(self.occurred_at),
            },
        })
    }
}

/// The application columns written by inserts and updates (everything but `id`).
#[derive(Debug, Insertable, AsChangeset)]
#[diesel(table_name = oauth_applications, treat_none_as_null = true)]
pub(crate) struct ApplicationValues<'a> {
    client_id: Uuid,
    owner_org_id: &'a str,
    name: &'a str,
    description: Option<&'a str>,
    app_type: &'a str,
    redirect_urls: &'a [String],
    allowed_scopes: &'a [String],
    grant_types: &'a [String],
    access_level: &'a str,
    status: &'a str,
    is_first_party: bool,
    created_at: OffsetDateTime,
    updated_at: OffsetDateTime,
    version: i64,
}

impl<'a> ApplicationValues<'a> {
    pub(crate) fn from_record(r: &'a ApplicationRecord) -> Result<Self, RepositoryError> {
        Ok(Self {
            client_id: Uuid::try_parse(&r.client_id)
                .map_err(|e| RepositoryError::Unexpected(Box::new(e)))?,
            owner_org_id: &r.owner_org_id,
            name: &r.name,
            description: r.description.as_deref(),
            app_type: &r.app_type,
            redirect_urls: &r.redirect_urls,
            allowed_scopes: &r.allowed_scopes,
            grant_types: &r.grant_types,
            access_level: &r.access_level,
            status: &r.status,
            is_first_party: r.is_first_party,
            created_at: r.created_at.as_offset_date_time(),
            updated_at: r.updated_at.as_offset_date_time(),
            version: r.version,
        })
    }
}
