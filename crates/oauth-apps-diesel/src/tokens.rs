//! Initial access tokens: the domain's [`InitialAccessTokenRepository`] over the
//! `initial_access_tokens` table.

use async_trait::async_trait;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use oauth_apps_domain::{
    AuthMethod, Field, FieldError, GrantType, InitialAccessToken, InitialAccessTokenId,
    InitialAccessTokenRepository, OrgId, RepositoryError, SelfRegistrationAllowance, Timestamp,
    TokenDigest, Violation,
};

use crate::closed_sets::NamedList;
use crate::connection::AnyConnection;
use crate::error::storage_error;
use crate::schema::initial_access_tokens as t;
use crate::store::{Database, Store};
use crate::values::{InstantValue, TextListValue, UuidValue};

/// A token's row.
#[derive(Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = t, treat_none_as_default_value = false)]
struct TokenRow {
    id: UuidValue,
    owner_org_id: String,
    digest: String,
    created_by: String,
    created_at: InstantValue,
    expires_at: InstantValue,
    max_uses: Option<i32>,
    uses: i32,
    revoked_at: Option<InstantValue>,
    allowed_grant_types: NamedList<GrantType>,
    allowed_scopes: TextListValue,
    allowed_auth_methods: NamedList<AuthMethod>,
}

/// A stored value that breaks a rule of `field`.
fn corrupt(field: Field) -> impl FnOnce(Violation) -> RepositoryError {
    move |violation| RepositoryError::Corrupt(FieldError::new(field, violation).into())
}

/// A count as stored (counts past `i32::MAX` stay at the largest).
fn stored_count(n: u32) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

/// A stored count: never negative.
fn count(n: i32, field: Field) -> Result<u32, RepositoryError> {
    u32::try_from(n).map_err(|_| {
        corrupt(field)(Violation::OutOfRange {
            min: 0,
            max: i64::from(i32::MAX),
        })
    })
}

impl From<&InitialAccessToken> for TokenRow {
    fn from(token: &InitialAccessToken) -> Self {
        Self {
            id: UuidValue(*token.id.as_uuid()),
            owner_org_id: token.owner_org_id.as_str().to_owned(),
            digest: token.digest.to_hex(),
            created_by: token.created_by.clone(),
            created_at: token.created_at.into(),
            expires_at: token.expires_at.into(),
            max_uses: token.max_uses.map(stored_count),
            uses: stored_count(token.uses),
            revoked_at: token.revoked_at.map(InstantValue::from),
            allowed_grant_types: NamedList(token.allowance.grant_types.clone()),
            allowed_scopes: TextListValue::of(token.allowance.scopes.iter().map(String::as_str)),
            allowed_auth_methods: NamedList(token.allowance.auth_methods.clone()),
        }
    }
}

impl TryFrom<TokenRow> for InitialAccessToken {
    type Error = RepositoryError;

    fn try_from(row: TokenRow) -> Result<Self, RepositoryError> {
        Ok(Self {
            id: InitialAccessTokenId::parse(&row.id.0.hyphenated().to_string())
                .map_err(corrupt(Field::Id))?,
            owner_org_id: OrgId::parse(row.owner_org_id).map_err(corrupt(Field::OwnerOrgId))?,
            digest: TokenDigest::from_hex(&row.digest).map_err(corrupt(Field::Secret))?,
            created_by: row.created_by,
            created_at: row.created_at.into(),
            expires_at: row.expires_at.into(),
            max_uses: row.max_uses.map(|n| count(n, Field::MaxUses)).transpose()?,
            uses: count(row.uses, Field::MaxUses)?,
            revoked_at: row.revoked_at.map(Timestamp::from),
            allowance: SelfRegistrationAllowance {
                grant_types: row.allowed_grant_types.0,
                scopes: row.allowed_scopes.0,
                auth_methods: row.allowed_auth_methods.0,
            },
        })
    }
}

/// The rows `rows` as tokens.
fn tokens(rows: Vec<TokenRow>) -> Result<Vec<InitialAccessToken>, RepositoryError> {
    rows.into_iter().map(InitialAccessToken::try_from).collect()
}

/// The token with this id, if any.
async fn find(
    conn: &mut AnyConnection<'_>,
    id: InitialAccessTokenId,
) -> Result<Option<InitialAccessToken>, RepositoryError> {
    let rows = on_backend!(conn, |c| {
        t::table
            .filter(t::id.eq(UuidValue(*id.as_uuid())))
            .select(TokenRow::as_select())
            .load(c)
            .await
    })
    .map_err(storage_error)?;
    Ok(tokens(rows)?.pop())
}

#[async_trait]
impl<D: Database> InitialAccessTokenRepository for Store<D> {
    async fn insert_initial_access_token(
        &self,
        token: &InitialAccessToken,
    ) -> Result<(), RepositoryError> {
        let row = TokenRow::from(token);
        self.run(async |conn| {
            on_backend!(conn, |c| {
                diesel::insert_into(t::table).values(&row).execute(c).await
            })
            .map(|_| ())
            .map_err(storage_error)
        })
        .await
    }

    async fn initial_access_tokens(
        &self,
        org: &OrgId,
    ) -> Result<Vec<InitialAccessToken>, RepositoryError> {
        self.run(async |conn| {
            let rows = on_backend!(conn, |c| {
                t::table
                    .filter(t::owner_org_id.eq(org.as_str()))
                    .order((t::created_at.desc(), t::id.desc()))
                    .select(TokenRow::as_select())
                    .load(c)
                    .await
            })
            .map_err(storage_error)?;
            tokens(rows)
        })
        .await
    }

    async fn find_initial_access_token(
        &self,
        id: InitialAccessTokenId,
    ) -> Result<Option<InitialAccessToken>, RepositoryError> {
        self.run(async |conn| find(conn, id).await).await
    }

    async fn find_initial_access_token_by_digest(
        &self,
        digest: TokenDigest,
    ) -> Result<Option<InitialAccessToken>, RepositoryError> {
        let hex = digest.to_hex();
        self.run(async |conn| {
            let rows = on_backend!(conn, |c| {
                t::table
                    .filter(t::digest.eq(&hex))
                    .select(TokenRow::as_select())
                    .load(c)
                    .await
            })
            .map_err(storage_error)?;
            Ok(tokens(rows)?.pop())
        })
        .await
    }

    async fn revoke_initial_access_token(
        &self,
        id: InitialAccessTokenId,
        at: Timestamp,
    ) -> Result<Option<InitialAccessToken>, RepositoryError> {
        self.run(async |conn| {
            // Only a token not revoked yet: the first revocation stands.
            on_backend!(conn, |c| {
                diesel::update(
                    t::table
                        .filter(t::id.eq(UuidValue(*id.as_uuid())))
                        .filter(t::revoked_at.is_null()),
                )
                .set(t::revoked_at.eq(Some(InstantValue::from(at))))
                .execute(c)
                .await
            })
            .map_err(storage_error)?;
            find(conn, id).await
        })
        .await
    }

    async fn redeem_initial_access_token(
        &self,
        digest: TokenDigest,
        at: Timestamp,
    ) -> Result<Option<InitialAccessToken>, RepositoryError> {
        let hex = digest.to_hex();
        self.run(async |conn| {
            // One statement: of concurrent uses of a token's last use, one matches.
            let rows = on_backend!(conn, |c| {
                diesel::update(
                    t::table
                        .filter(t::digest.eq(&hex))
                        .filter(t::revoked_at.is_null())
                        .filter(t::expires_at.gt(InstantValue::from(at)))
                        .filter(t::max_uses.is_null().or(t::uses.nullable().lt(t::max_uses))),
                )
                .set(t::uses.eq(t::uses + 1))
                .returning(TokenRow::as_returning())
                .load(c)
                .await
            })
            .map_err(storage_error)?;
            Ok(tokens(rows)?.pop())
        })
        .await
    }
}
