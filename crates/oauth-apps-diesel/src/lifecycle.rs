//! Organisations' policies and what secret expiry and leak reports need of storage: the
//! domain's [`OrganizationPolicies`] and [`SecretLifecycleStore`].

use async_trait::async_trait;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use oauth_apps_domain::{
    AppId, AuditEvent, AuthMethod, CredentialSerial, Field, GrantType, LeakedSecretAction,
    OAuthApplication, OrgId, OrganizationPolicies, OrganizationPolicy, PolicyProfile,
    RepositoryError, SecretLifecycleStore, SecretLifetime, SecretMark, SelfRegistrationLimits,
    StaleAfter, Timestamp, TokenDigest,
};

use crate::applications::assemble;
use crate::closed_sets::{Named, NamedList, SecretState};
use crate::error::{TxError, storage_error};
use crate::events::insert_event;
use crate::rows::{corrupt, stored_serial};
use crate::schema::{client_secrets as s, oauth_applications, organization_policies as p};
use crate::store::{Database, Store};
use crate::values::{InstantValue, TextListValue};

/// A policy's row.
#[derive(Debug, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = p, treat_none_as_default_value = false, treat_none_as_null = true)]
struct PolicyRow {
    owner_org_id: String,
    secret_lifetime_days: Option<i32>,
    leaked_secret_action: Named<LeakedSecretAction>,
    updated_by: String,
    updated_at: InstantValue,
    self_registration_grant_types: Option<NamedList<GrantType>>,
    self_registration_scopes: Option<TextListValue>,
    self_registration_auth_methods: Option<NamedList<AuthMethod>>,
    profile: Named<PolicyProfile>,
    stale_after_days: Option<i32>,
}

impl From<&OrganizationPolicy> for PolicyRow {
    fn from(policy: &OrganizationPolicy) -> Self {
        let limits = &policy.self_registration;
        Self {
            owner_org_id: policy.owner_org_id.as_str().to_owned(),
            secret_lifetime_days: policy
                .secret_lifetime
                .map(|l| i32::try_from(l.days()).unwrap_or(i32::MAX)),
            leaked_secret_action: Named(policy.leaked_secret_action),
            updated_by: policy.updated_by.clone(),
            updated_at: policy.updated_at.into(),
            self_registration_grant_types: limits.grant_types.clone().map(NamedList),
            self_registration_scopes: limits
                .scopes
                .as_ref()
                .map(|s| TextListValue::of(s.iter().map(String::as_str))),
            self_registration_auth_methods: limits.auth_methods.clone().map(NamedList),
            profile: Named(policy.profile),
            stale_after_days: policy
                .stale_after
                .map(|s| i32::try_from(s.days()).unwrap_or(i32::MAX)),
        }
    }
}

impl TryFrom<PolicyRow> for OrganizationPolicy {
    type Error = RepositoryError;

    fn try_from(row: PolicyRow) -> Result<Self, RepositoryError> {
        Ok(Self {
            owner_org_id: OrgId::parse(row.owner_org_id).map_err(corrupt(Field::OwnerOrgId))?,
            secret_lifetime: row
                .secret_lifetime_days
                .map(|d| SecretLifetime::from_days(i64::from(d)))
                .transpose()
                .map_err(corrupt(Field::SecretLifetimeDays))?,
            leaked_secret_action: row.leaked_secret_action.0,
            self_registration: SelfRegistrationLimits {
                grant_types: row.self_registration_grant_types.map(|g| g.0),
                scopes: row.self_registration_scopes.map(|s| s.0),
                auth_methods: row.self_registration_auth_methods.map(|m| m.0),
            },
            profile: row.profile.0,
            stale_after: row
                .stale_after_days
                .map(|d| StaleAfter::from_days(i64::from(d)))
                .transpose()
                .map_err(corrupt(Field::StaleAfterDays))?,
            updated_by: row.updated_by,
            updated_at: row.updated_at.into(),
        })
    }
}

#[async_trait]
impl<D: Database> OrganizationPolicies for Store<D> {
    async fn policy(&self, org: &OrgId) -> Result<Option<OrganizationPolicy>, RepositoryError> {
        self.run(async |conn| {
            let rows: Vec<PolicyRow> = on_backend!(conn, |c| {
                p::table
                    .filter(p::owner_org_id.eq(org.as_str()))
                    .select(PolicyRow::as_select())
                    .load(c)
                    .await
            })
            .map_err(storage_error)?;
            rows.into_iter()
                .next()
                .map(OrganizationPolicy::try_from)
                .transpose()
        })
        .await
    }

    async fn put_policy(&self, policy: &OrganizationPolicy) -> Result<(), RepositoryError> {
        let row = PolicyRow::from(policy);
        self.run(async |conn| {
            on_backend!(conn, |c| {
                diesel::insert_into(p::table)
                    .values(&row)
                    .on_conflict(p::owner_org_id)
                    .do_update()
                    .set(&row)
                    .execute(c)
                    .await
            })
            .map(|_| ())
            .map_err(storage_error)
        })
        .await
    }
}

#[async_trait]
impl<D: Database> SecretLifecycleStore for Store<D> {
    async fn find_by_secret_lookup(
        &self,
        digest: TokenDigest,
    ) -> Result<Option<OAuthApplication>, RepositoryError> {
        let hex = digest.to_hex();
        self.run(async |conn| {
            let holders = s::table
                .filter(s::lookup_digest.eq(&hex))
                .filter(s::state.ne(Named(SecretState::Revoked)))
                .select(s::application_id);
            let rows = on_backend!(conn, |c| {
                applications!()
                    .filter(oauth_applications::id.eq_any(holders))
                    .limit(1)
                    .load(c)
                    .await
            })
            .map_err(storage_error)?;
            Ok(assemble(conn, rows).await?.pop())
        })
        .await
    }

    async fn secrets_ending_between(
        &self,
        after: Timestamp,
        before: Timestamp,
        limit: u32,
    ) -> Result<Vec<OAuthApplication>, RepositoryError> {
        let (after, before) = (InstantValue::from(after), InstantValue::from(before));
        self.run(async |conn| {
            let ending = s::table
                .filter(s::state.eq(Named(SecretState::Current)))
                .filter(s::lifetime_ends_at.gt(after))
                .filter(s::lifetime_ends_at.lt(before))
                .select(s::application_id);
            let rows = on_backend!(conn, |c| {
                applications!()
                    .filter(oauth_applications::id.eq_any(ending))
                    .order(oauth_applications::id.asc())
                    .limit(i64::from(limit))
                    .load(c)
                    .await
            })
            .map_err(storage_error)?;
            assemble(conn, rows).await
        })
        .await
    }

    async fn mark_secret(
        &self,
        app: AppId,
        serial: CredentialSerial,
        mark: SecretMark,
        event: &AuditEvent,
    ) -> Result<bool, RepositoryError> {
        let serial = stored_serial(serial);
        self.run(async |conn| {
            let written: bool = write_transaction!(conn, |conn| {
                let target = s::table
                    .filter(s::application_id.eq(app.get()))
                    .filter(s::serial.eq(serial))
                    .filter(s::state.ne(Named(SecretState::Revoked)));
                // One conditional statement: of replicas marking at once, one writes.
                let n = match mark {
                    SecretMark::ExpiryWarned(days) => {
                        let days = i32::from(days);
                        on_backend!(conn, |c| {
                            diesel::update(
                                target.filter(
                                    s::expiry_warned_days
                                        .is_null()
                                        .or(s::expiry_warned_days.gt(days)),
                                ),
                            )
                            .set(s::expiry_warned_days.eq(Some(days)))
                            .execute(c)
                            .await
                        })?
                    }
                    SecretMark::Leaked(at) => on_backend!(conn, |c| {
                        diesel::update(target.filter(s::leaked_at.is_null()))
                            .set(s::leaked_at.eq(Some(InstantValue::from(at))))
                            .execute(c)
                            .await
                    })?,
                };
                if n == 1 {
                    insert_event(conn, app.get(), None, event).await?;
                }
                Ok::<_, TxError>(n == 1)
            })?;
            Ok(written)
        })
        .await
    }
}
