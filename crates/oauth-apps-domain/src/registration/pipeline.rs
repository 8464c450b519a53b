//! The one pipeline every way of making or changing a client goes through: the
//! application's own rules, then its RFC 7591 metadata, then what its organisation lets a
//! client that registers itself have; every broken rule named, in that order, whichever
//! path the request came by.
//!
//! A path decides only what it reads its request from and how a refusal is told (a
//! management error body, an RFC 7591 §3.2.2 error, a metadata document's refusal): the
//! rules and their words are this module's.

use super::details::{ClientMetadata, Registration};
use crate::applications::application::OAuthApplication;
use crate::applications::errors::UpdateError;
use crate::lifecycle::org_policy::SecretLifetime;
use crate::lifecycle::policy_profile::{ClientShape, PolicyProfile};
use crate::shared::validation::{FieldError, ValidationErrors};

/// The ways a client is made or changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegistrationPath {
    /// An admin, through either management surface (and the console and command-line
    /// client that use them).
    Management,
    /// A client registering itself (RFC 7591 §3).
    SelfRegistration,
    /// A client replacing its registration (RFC 7592 §2.2).
    RegistrationUpdate,
    /// A metadata document resolved, at its first resolution and every later one.
    MetadataDocument,
}

impl RegistrationPath {
    /// Whether the client itself asks, so that its organisation's self-registration
    /// limits apply (an admin is bound by the application's rules alone).
    #[must_use]
    pub const fn is_self_service(self) -> bool {
        !matches!(self, Self::Management)
    }

    /// How a client this path makes is recorded as registered; `None` for a path that
    /// only changes clients.
    #[must_use]
    pub const fn registration(self) -> Option<Registration> {
        match self {
            Self::Management => Some(Registration::Manual),
            Self::SelfRegistration => Some(Registration::Dynamic),
            Self::MetadataDocument => Some(Registration::MetadataDocument),
            Self::RegistrationUpdate => None,
        }
    }
}

/// What a request is admitted under beside the application's own rules: its metadata,
/// on a self-service path what its organisation lets it have, and its organisation's
/// policy profile.
#[derive(Debug, Clone)]
pub(crate) struct Admission {
    path: RegistrationPath,
    metadata: Result<ClientMetadata, ValidationErrors>,
    limits: Option<ValidationErrors>,
    profile: PolicyProfile,
    type_given: bool,
    secret_lifetime: Option<SecretLifetime>,
}

/// What a profile judges of a request's result: the client it would make.
pub(crate) trait Admissible {
    /// The client, as its profile sees it (`type_given` is the admission's to say).
    fn shape(&self) -> ClientShape<'_>;
}

impl Admissible for OAuthApplication {
    fn shape(&self) -> ClientShape<'_> {
        ClientShape::of(self)
    }
}

impl Admission {
    /// The path the request came by.
    pub(crate) const fn path(&self) -> RegistrationPath {
        self.path
    }

    /// With whether the request named the application's type (RFC 7591 metadata reads a
    /// type even when `application_type` is left out).
    pub(crate) const fn with_type_given(mut self, type_given: bool) -> Self {
        self.type_given = type_given;
        self
    }

    /// The rules of the profile `client` breaks, `None` when it breaks none.
    fn profile_problems(&self, client: Option<ClientShape<'_>>) -> Option<ValidationErrors> {
        let mut client = client?;
        // Only RFC 7591 requests are asked to name their type (their metadata defaults it to
        // `web`); an admin's request and a metadata document hold to the rest.
        client.type_given = self.type_given
            || !matches!(
                self.path,
                RegistrationPath::SelfRegistration | RegistrationPath::RegistrationUpdate
            );
        let broken: Vec<FieldError> = self.profile.broken(&client);
        ValidationErrors::from_vec(broken)
    }

    /// The verdict on a request whose application rules gave `applied`: every broken rule,
    /// the application's first, then the metadata's, then the organisation's limits, then
    /// its profile's (judged on the client the request would make, so only once the
    /// application's rules hold); or what was applied with the request's metadata.
    pub(crate) fn judge<T: Admissible>(
        &self,
        applied: Result<T, ValidationErrors>,
    ) -> Result<(T, ClientMetadata), ValidationErrors> {
        let profile = self.profile_problems(applied.as_ref().ok().map(Admissible::shape));
        self.verdict(applied, profile)
    }

    fn verdict<T>(
        &self,
        applied: Result<T, ValidationErrors>,
        profile: Option<ValidationErrors>,
    ) -> Result<(T, ClientMetadata), ValidationErrors> {
        let problems = [
            applied.as_ref().err(),
            self.metadata.as_ref().err(),
            self.limits.as_ref(),
            profile.as_ref(),
        ]
        .into_iter()
        .flatten()
        .cloned()
        .reduce(ValidationErrors::merged);
        if let Some(problems) = problems {
            return Err(problems);
        }
        match (applied, &self.metadata) {
            (Ok(applied), Ok(metadata)) => Ok((applied, metadata.clone())),
            (Err(e), _) => Err(e),
            (_, Err(e)) => Err(e.clone()),
        }
    }

    /// [`Self::judge`] of a change of `current` whose application rules answered
    /// `applied` (`None`: nothing changes, and the profile judges `current` as it is); an
    /// [`UpdateError`] other than `Invalid` passes through as it is.
    pub(crate) fn judge_change<C>(
        &self,
        current: &OAuthApplication,
        applied: Result<Option<(OAuthApplication, C)>, UpdateError>,
    ) -> Result<(Option<(OAuthApplication, C)>, ClientMetadata), UpdateError> {
        let applied = match applied {
            Err(UpdateError::Invalid(errors)) => Err(errors),
            Err(other) => return Err(other),
            Ok(applied) => Ok(applied),
        };
        let client = applied
            .as_ref()
            .ok()
            .map(|change| change.as_ref().map_or(current, |(next, _)| next).shape());
        let profile = self.profile_problems(client);
        self.verdict(applied, profile).map_err(UpdateError::Invalid)
    }
}

impl Admission {
    /// The admission of a request that came by `path`, whose metadata reads as `metadata`
    /// and which its organisation's limits judge as `limits` (`None`: within them, or none
    /// apply), under its organisation's `profile`; `type_given`: whether the request named
    /// the application's type.
    pub(crate) const fn new(
        path: RegistrationPath,
        metadata: Result<ClientMetadata, ValidationErrors>,
        limits: Option<ValidationErrors>,
        profile: PolicyProfile,
        type_given: bool,
    ) -> Self {
        Self {
            path,
            metadata,
            limits,
            profile,
            type_given,
            secret_lifetime: None,
        }
    }

    /// With the secret lifetime the organisation's policy sets (`None`: it sets none), read
    /// with the rest of the policy, for the secret a new client gets.
    pub(crate) const fn with_secret_lifetime(mut self, lifetime: Option<SecretLifetime>) -> Self {
        self.secret_lifetime = lifetime;
        self
    }

    /// The secret lifetime the organisation's policy sets, if it sets one.
    pub(crate) const fn secret_lifetime(&self) -> Option<SecretLifetime> {
        self.secret_lifetime
    }

    /// The admission of an admin's request under its organisation's `profile`: it carries
    /// no RFC 7591 metadata and is bound by no self-registration limit.
    pub(crate) const fn management(profile: PolicyProfile, type_given: bool) -> Self {
        Self::new(
            RegistrationPath::Management,
            Ok(ClientMetadata::EMPTY),
            None,
            profile,
            type_given,
        )
    }
}
