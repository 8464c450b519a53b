//! Why an initial access token could not be minted, listed or revoked, a client could not
//! manage its registration, or a metadata document client could not be resolved.

use std::fmt;

use crate::shared::operation_error::operation_error;
use crate::shared::validation::ValidationErrors;

operation_error! {
    /// Why a client could not manage its registration (RFC 7592 §2).
    pub enum ManageRegistrationError {
        /// No such client, not one that registered itself, disabled, or the token is not
        /// its registration access token: all alike, so that a token tells nothing about
        /// other clients (RFC 7592 §2.1: 401).
        InvalidToken => NotFound, "the registration access token is not valid for this client";
        /// The replacement breaks a rule; nothing was written.
        Invalid(ValidationErrors) => Invalid, "invalid client metadata: {0}";
        /// The replacement carries a `client_secret` that is not the client's current
        /// secret (RFC 7592 §2.2: a client cannot choose its secret); nothing was written.
        SecretMismatch => Invalid, "client_secret does not match the client's current secret";
        /// Concurrent writers kept winning; nothing was written.
        Conflict => Conflict, "the client is being changed concurrently; try again";
    }
}

operation_error! {
    /// Why a metadata document client could not be resolved.
    pub enum ResolveError {
        /// The caller may not resolve clients (client authenticators and platform admins
        /// may).
        Forbidden(&'static str) => Forbidden, "forbidden: {0}";
        /// The client id or its document breaks a rule; nothing was written.
        Refused(ResolveRefusal) => Invalid, "the client id does not resolve: {0}";
        /// The client is disabled in this registry: it resolves to nothing, whatever its
        /// document says.
        Disabled => Conflict, "the client is disabled in this registry";
    }
}

operation_error! {
    /// Why minting an initial access token failed.
    pub enum MintTokenError {
        /// The organisation, lifetime or number of uses breaks a rule.
        Invalid(ValidationErrors) => Invalid, "invalid initial access token: {0}";
        /// Only admins of the organisation (or platform admins) may mint its tokens.
        Forbidden(&'static str) => Forbidden, "forbidden: {0}";
    }
}

operation_error! {
    /// Why listing an organisation's initial access tokens failed.
    pub enum ListTokensError {
        /// The organisation id is invalid.
        Invalid(ValidationErrors) => Invalid, "invalid listing: {0}";
        /// The caller does not belong to the organisation.
        NotFound => NotFound, "organisation not found";
        /// Only admins of the organisation (or platform admins) may list its tokens.
        Forbidden(&'static str) => Forbidden, "forbidden: {0}";
    }
}

operation_error! {
    /// Why revoking an initial access token failed.
    pub enum RevokeTokenError {
        /// No such token for this caller.
        NotFound => NotFound, "initial access token not found";
        /// Only admins of the organisation (or platform admins) may revoke its tokens.
        Forbidden(&'static str) => Forbidden, "forbidden: {0}";
    }
}

/// Why a client id did not resolve to a client: the rule it or its document broke.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolveRefusal {
    /// A short, stable name of the rule (`host_not_allowed`, `client_id_mismatch`,
    /// `client_secret_present`, `too_large`, `address_refused`, `invalid_metadata`, ...).
    pub rule: &'static str,
    /// What is wrong, in words.
    pub message: String,
    /// For metadata that breaks the registry's rules: every rule it breaks.
    pub errors: Option<ValidationErrors>,
}

impl fmt::Display for ResolveRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.message, self.rule)
    }
}
