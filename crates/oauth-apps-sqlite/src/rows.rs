//! Row types: diesel's view of the tables, converted to and from the domain's records.

use diesel::prelude::*;
use oauth_apps_domain::{
    ApplicationRecord, OAuthApplication, RepositoryError, StoredSecret, Timestamp, record_secrets,
};

use crate::schema::{audit_events, client_secrets, oauth_applications};

/// Lists are stored one element per line (no element may hold white space).
pub(crate) fn join_list<'a>(items: impl Iterator<Item = &'a str>) -> String {
    items.collect::<Vec<_>>().join("\n")
}

fn split_list(text: &str) -> Vec<String> {
    if text.is_empty() {
        Vec::new()
    } else {
        text.split('\n').map(str::to_owned).collect()
    }
}

fn timestamp(micros: i64) -> Result<Timestamp, RepositoryError> {
    Timestamp::from_unix_micros(micros).ok_or_else(|| corrupt("a timestamp is out of range"))
}

fn corrupt_secrets(violation: &oauth_apps_domain::Violation) -> RepositoryError {
    RepositoryError::Unexpected(format!("stored secrets are inconsistent: {violation}").into())
}

fn corrupt(what: &'static str) -> RepositoryError {
    RepositoryError::Unexpected(format!("stored application is inconsistent: {what}").into())
}

#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = oauth_applications, check_for_backend(diesel::sqlite::Sqlite))]
pub(crate) struct ApplicationRow {
    pub(crate) id: i64,
    client_id: String,
    owner_org_id: String,
    name: String,
    description: Option<String>,
    app_type: String,
    redirect_urls: String,
    allowed_scopes: String,
    grant_types: String,
    access_level: String,
    status: String,
    is_first_party: bool,
    created_at: i64,
    updated_at: i64,
    version: i64,
}

#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = client_secrets, check_for_backend(diesel::sqlite::Sqlite))]
pub(crate) struct SecretRow {
    pub(crate) id: i64,
    pub(crate) application_id: i64,
    secret_hash: String,
    state: String,
    expires_at: Option<i64>,
}

impl SecretRow {
    /// The row as the domain sees a stored secret.
    pub(crate) fn view(&self) -> StoredSecret<'_> {
        StoredSecret {
            hash: &self.secret_hash,
            is_current: self.state == "current",
            expires_at: self.expires_at.and_then(Timestamp::from_unix_micros),
        }
    }
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
            client_id: self.client_id,
            owner_org_id: self.owner_org_id,
            name: self.name,
            description: self.description,
            app_type: self.app_type,
            redirect_urls: split_list(&self.redirect_urls),
            allowed_scopes: split_list(&self.allowed_scopes),
            grant_types: split_list(&self.grant_types),
            access_level: self.access_level,
            status: self.status,
            is_first_party: self.is_first_party,
            current_secret_hash,
            previous_secret,
            created_at: timestamp(self.created_at)?,
            updated_at: timestamp(self.updated_at)?,
            version: self.version,
        };
        OAuthApplication::from_record(self.id, record).map_err(RepositoryError::Corrupt)
    }
}

#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = audit_events, check_for_backend(diesel::sqlite::Sqlite))]
pub(crate) struct EventRow {
    id: i64,
    action: String,
    actor: String,
    request_id: Option<String>,
    client_request_id: Option<String>,
    changed_fields: String,
    occurred_at: i64,
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
                changed_fields: split_list(&self.changed_fields)
                    .iter()
                    .filter_map(|f| oauth_apps_domain::Field::parse(f))
                    .collect(),
                at: timestamp(self.occurred_at)?,
            },
        })
    }
}

/// The application columns written by inserts and updates (everything but `id`).
#[derive(Debug, Insertable, AsChangeset)]
#[diesel(table_name = oauth_applications, treat_none_as_null = true)]
pub(crate) struct ApplicationValues<'a> {
    client_id: &'a str,
    owner_org_id: &'a str,
    name: &'a str,
    description: Option<&'a str>,
    app_type: &'a str,
    redirect_urls: String,
    allowed_scopes: String,
    grant_types: String,
    access_level: &'a str,
    status: &'a str,
    is_first_party: bool,
    created_at: i64,
    updated_at: i64,
    version: i64,
}

impl<'a> ApplicationValues<'a> {
    pub(crate) fn from_record(r: &'a ApplicationRecord) -> Self {
        Self {
            client_id: &r.client_id,
            owner_org_id: &r.owner_org_id,
            name: &r.name,
            description: r.description.as_deref(),
            app_type: &r.app_type,
            redirect_urls: join_list(r.redirect_urls.iter().map(String::as_str)),
            allowed_scopes: join_list(r.allowed_scopes.iter().map(String::as_str)),
            grant_types: join_list(r.grant_types.iter().map(String::as_str)),
            access_level: &r.access_level,
            status: &r.status,
            is_first_party: r.is_first_party,
            created_at: r.created_at.unix_micros(),
            updated_at: r.updated_at.unix_micros(),
            version: r.version,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_round_trip_through_text() {
        assert_eq!(join_list(std::iter::empty()), "");
        assert!(split_list("").is_empty());
        let items = ["a", "b:c", "https://x.example/?q=1"];
        let text = join_list(items.iter().copied());
        assert_eq!(split_list(&text), items);
    }
}
