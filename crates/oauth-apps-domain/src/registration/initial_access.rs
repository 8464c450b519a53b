//! Initial access tokens (RFC 7591 §3): an organisation's admins mint them, list them and
//! revoke them; a client presents one to register itself into that organisation.

use std::sync::Arc;

use super::access_token::{
    ACCESS_TOKEN_RANDOM_BYTES, AccessTokenSecret, INITIAL_ACCESS_TOKEN_PREFIX, InitialAccessToken,
    InitialAccessTokenId,
};
use super::errors::{ListTokensError, MintTokenError, RevokeTokenError};
use super::ports::InitialAccessTokenRepository;
use crate::applications::scopes_grants::ScopeCatalog;
use crate::lifecycle::org_policy::{SelfRegistrationAllowance, SelfRegistrationNames};
use crate::shared::digest::TokenDigest;
use crate::shared::errors::RepositoryError;
use crate::shared::ids::OrgId;
use crate::shared::principal::{self as policy, Action, Denial, Principal};
use crate::shared::random::RandomSource;
use crate::shared::time::Clock;
use crate::shared::validation::{Collector, Field, FieldError, ValidationErrors, Violation};

/// The shortest lifetime of an initial access token: one minute.
pub const MIN_TOKEN_LIFETIME_SECONDS: i64 = 60;
/// The longest lifetime of an initial access token: 90 days.
pub const MAX_TOKEN_LIFETIME_SECONDS: i64 = 90 * 24 * 3600;
/// The most registrations one initial access token may allow.
pub const MAX_TOKEN_USES: i64 = 1_000_000;

const NOT_A_TOKEN_ADMIN: &str =
    "only admins of the organisation may manage its initial access tokens";

/// What an admin asks for when minting a token.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MintInitialAccessToken {
    /// The organisation the registered applications will belong to.
    pub owner_org_id: String,
    /// How long the token works, from now: 60 seconds to 90 days.
    pub expires_in_seconds: i64,
    /// How many registrations it allows (1 to 1,000,000); `None`: any number until it
    /// expires.
    pub max_uses: Option<i64>,
    /// What the clients it registers may have beyond their organisation's
    /// self-registration policy: grant types, catalog scopes and methods the minting admin
    /// could give an application by hand. `None`: nothing beyond the policy.
    pub allowance: Option<SelfRegistrationNames>,
}

/// A minted token: as stored, and its plaintext, shown this once.
#[derive(Debug)]
pub struct MintedToken {
    /// The token as stored.
    pub token: InitialAccessToken,
    /// The plaintext bearer token.
    pub secret: AccessTokenSecret,
}

/// The ports of the initial access token use cases.
#[derive(Clone)]
pub struct InitialAccessTokenPorts {
    /// Where tokens are kept.
    pub repository: Arc<dyn InitialAccessTokenRepository>,
    /// The current time.
    pub clock: Arc<dyn Clock>,
    /// Random bytes for tokens and their ids.
    pub random: Arc<dyn RandomSource>,
}

/// The initial access token use cases.
pub struct InitialAccessTokenService {
    ports: InitialAccessTokenPorts,
    catalog: ScopeCatalog,
}

impl InitialAccessTokenService {
    /// The use cases over `ports`, with the default scope catalog (see
    /// [`InitialAccessTokenService::with_scope_catalog`]).
    #[must_use]
    pub fn new(ports: InitialAccessTokenPorts) -> Self {
        Self {
            ports,
            catalog: ScopeCatalog::default(),
        }
    }

    /// With `catalog`, the scopes an allowance may name (the platform's
    /// `OAUTH_APPS_SCOPES`).
    #[must_use]
    pub fn with_scope_catalog(self, catalog: ScopeCatalog) -> Self {
        Self { catalog, ..self }
    }

    /// Mints a token for `request.owner_org_id`, recording who minted it. Its allowance
    /// is never wider than what the minting admin could give an application of the
    /// organisation by hand: grant types, scopes of the catalog and methods.
    ///
    /// # Errors
    /// [`MintTokenError::Invalid`] naming every field that breaks a rule;
    /// [`MintTokenError::Forbidden`] unless the caller is an admin of the organisation (or
    /// a platform admin); `Unavailable` / `Unexpected` when a port fails.
    pub async fn mint(
        &self,
        principal: &Principal,
        request: MintInitialAccessToken,
    ) -> Result<MintedToken, MintTokenError> {
        let mut c = Collector::default();
        let org = c.check(Field::OwnerOrgId, OrgId::parse(request.owner_org_id));
        let lifetime = c.check(
            Field::ExpiresInSeconds,
            in_range(
                request.expires_in_seconds,
                MIN_TOKEN_LIFETIME_SECONDS,
                MAX_TOKEN_LIFETIME_SECONDS,
            ),
        );
        let max_uses = match request.max_uses {
            None => Some(None),
            Some(n) => c
                .check(Field::MaxUses, in_range(n, 1, MAX_TOKEN_USES))
                .map(Some),
        };
        let allowance = match &request.allowance {
            None => Some(SelfRegistrationAllowance::default()),
            Some(names) => match SelfRegistrationAllowance::parse(names, &self.catalog) {
                Ok(allowance) => Some(allowance),
                Err(errors) => {
                    for error in errors.errors() {
                        c.push(error.clone());
                    }
                    None
                }
            },
        };
        let (Some(org), Some(lifetime), Some(max_uses), Some(allowance)) =
            (org, lifetime, max_uses, allowance)
        else {
            return Err(MintTokenError::Invalid(c.into_errors()));
        };
        policy::authorize(principal, &org, Action::Write)
            .map_err(|_| MintTokenError::Forbidden(NOT_A_TOKEN_ADMIN))?;

        let mut bytes = [0u8; ACCESS_TOKEN_RANDOM_BYTES + 16];
        self.ports.random.fill(&mut bytes)?;
        let (secret_bytes, id_bytes) = bytes.split_at(ACCESS_TOKEN_RANDOM_BYTES);
        let secret = AccessTokenSecret::from_random_bytes(
            INITIAL_ACCESS_TOKEN_PREFIX,
            &secret_bytes
                .try_into()
                .unwrap_or([0; ACCESS_TOKEN_RANDOM_BYTES]),
        );
        let id = InitialAccessTokenId::from_random_bytes(id_bytes.try_into().unwrap_or([0; 16]));
        let now = self.ports.clock.now();
        let token = InitialAccessToken {
            id,
            owner_org_id: org,
            digest: secret.digest(),
            created_by: principal.subject().to_owned(),
            created_at: now,
            expires_at: now.plus_seconds(u32::try_from(lifetime).unwrap_or(u32::MAX)),
            max_uses: max_uses.map(|n| u32::try_from(n).unwrap_or(u32::MAX)),
            uses: 0,
            revoked_at: None,
            allowance,
        };
        self.ports
            .repository
            .insert_initial_access_token(&token)
            .await?;
        Ok(MintedToken { token, secret })
    }

    /// The tokens of `owner_org_id`, newest first.
    ///
    /// # Errors
    /// [`ListTokensError::Invalid`] for a malformed organisation id;
    /// [`ListTokensError::NotFound`] when the caller does not belong to it;
    /// [`ListTokensError::Forbidden`] for a member who is not an admin.
    pub async fn list(
        &self,
        principal: &Principal,
        owner_org_id: &str,
    ) -> Result<Vec<InitialAccessToken>, ListTokensError> {
        let org = OrgId::parse(owner_org_id)
            .map_err(|v| ListTokensError::Invalid(FieldError::new(Field::OwnerOrgId, v).into()))?;
        policy::authorize(principal, &org, Action::Write).map_err(|d| match d {
            Denial::Hidden => ListTokensError::NotFound,
            Denial::Forbidden => ListTokensError::Forbidden(NOT_A_TOKEN_ADMIN),
        })?;
        Ok(self.ports.repository.initial_access_tokens(&org).await?)
    }

    /// Revokes the token `id` now (a token revoked before stays revoked as it was); the
    /// token as stored afterwards.
    ///
    /// # Errors
    /// [`RevokeTokenError::NotFound`] for a malformed or unknown id, or one of an
    /// organisation the caller does not belong to; [`RevokeTokenError::Forbidden`] for a
    /// member who is not an admin.
    pub async fn revoke(
        &self,
        principal: &Principal,
        id: &str,
    ) -> Result<InitialAccessToken, RevokeTokenError> {
        let id = InitialAccessTokenId::parse(id).map_err(|_| RevokeTokenError::NotFound)?;
        let token = self
            .ports
            .repository
            .find_initial_access_token(id)
            .await?
            .ok_or(RevokeTokenError::NotFound)?;
        policy::authorize(principal, &token.owner_org_id, Action::Write).map_err(|d| match d {
            Denial::Hidden => RevokeTokenError::NotFound,
            Denial::Forbidden => RevokeTokenError::Forbidden(NOT_A_TOKEN_ADMIN),
        })?;
        let now = self.ports.clock.now();
        self.ports
            .repository
            .revoke_initial_access_token(id, now)
            .await?
            .ok_or(RevokeTokenError::NotFound)
    }

    /// The token `presented` if it is usable now, without counting a use: to check a
    /// registration before the use is spent on it.
    ///
    /// # Errors
    /// `Unavailable` / `Unexpected` when storage fails.
    pub async fn usable(
        &self,
        presented: &str,
    ) -> Result<Option<InitialAccessToken>, RepositoryError> {
        let now = self.ports.clock.now();
        Ok(self
            .ports
            .repository
            .find_initial_access_token_by_digest(TokenDigest::of(presented))
            .await?
            .filter(|t| t.is_usable_at(now)))
    }

    /// Counts one use of the token `presented` if it is usable now: the token after its
    /// use, or `None` when it is unknown, expired, used up or revoked (all alike, so that a
    /// caller learns nothing of a token it does not hold).
    ///
    /// # Errors
    /// `Unavailable` / `Unexpected` when storage fails.
    pub async fn redeem(
        &self,
        presented: &str,
    ) -> Result<Option<InitialAccessToken>, RepositoryError> {
        let now = self.ports.clock.now();
        self.ports
            .repository
            .redeem_initial_access_token(TokenDigest::of(presented), now)
            .await
    }
}

/// `n` when it lies in `min..=max`.
fn in_range(n: i64, min: i64, max: i64) -> Result<i64, Violation> {
    if (min..=max).contains(&n) {
        Ok(n)
    } else {
        Err(Violation::OutOfRange { min, max })
    }
}

impl From<ValidationErrors> for MintTokenError {
    fn from(errors: ValidationErrors) -> Self {
        Self::Invalid(errors)
    }
}
