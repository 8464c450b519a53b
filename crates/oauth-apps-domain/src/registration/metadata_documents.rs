//! Clients whose client id is the https URL of their metadata document
//! (draft-ietf-oauth-client-id-metadata-document-03): resolved by fetching the document, and
//! recorded in the registry so that their organisation sees them, audits them and may
//! disable them.

use super::client_metadata::{RequestedClient, describe_metadata_errors, requested_client};
use super::details::{ClientMetadata, RegistrationDetails};
use super::document_url::{DocumentUrlRefusal, MetadataDocumentUrl};
use super::errors::{ResolveError, ResolveRefusal};
use super::pipeline::{Admission, RegistrationPath};
use crate::applications::application::OAuthApplication;
use crate::applications::errors::{RegisterError, UpdateError};
use crate::applications::patch::ApplicationPatch;
use crate::applications::register::RegisterApplication;
use crate::applications::service::{AppRef, ApplicationService, Change};
use crate::credentials::errors::NOT_AN_AUTHENTICATOR;
use crate::credentials::input::KeysInput;
use crate::events::change::AuditAction;
use crate::shared::operation_error::Failure;
use crate::shared::principal::{self as policy, OrgRole, Principal};
use crate::shared::validation::{Collector, Field, ValidationErrors};

impl From<Failure> for ResolveError {
    fn from(f: Failure) -> Self {
        match f {
            Failure::Repository(e) => e.into(),
            other => Self::Unexpected(format!("a resolution's write failed: {other:?}").into()),
        }
    }
}

impl From<RegisterError> for ResolveError {
    fn from(e: RegisterError) -> Self {
        match e {
            RegisterError::Invalid(errors) => invalid(&errors),
            RegisterError::Unavailable(source) => Self::Unavailable(source),
            other => Self::Unexpected(Box::new(other)),
        }
    }
}

impl From<UpdateError> for ResolveError {
    fn from(e: UpdateError) -> Self {
        match e {
            UpdateError::Invalid(errors) => invalid(&errors),
            UpdateError::Unavailable(source) => Self::Unavailable(source),
            other => Self::Unexpected(Box::new(other)),
        }
    }
}

/// A client id that is not a metadata document URL, by the rule it breaks.
pub(crate) fn url_refused(refusal: &DocumentUrlRefusal) -> ResolveError {
    refused(refusal.rule(), format!("the client id {refusal}"))
}

fn refused(rule: &'static str, message: impl Into<String>) -> ResolveError {
    ResolveError::Refused(ResolveRefusal {
        rule,
        message: message.into(),
        errors: None,
    })
}

/// A document whose metadata breaks the registry's rules, or asks for what its
/// organisation does not let clients that register themselves have: `invalid_redirect_uri`
/// when a redirect URL is at fault (as RFC 7591 §3.2.2 names it), else
/// `invalid_metadata`. The message names each rule by its metadata member.
fn invalid(errors: &ValidationErrors) -> ResolveError {
    let rule = if errors.concerns(Field::RedirectUrls) {
        "invalid_redirect_uri"
    } else {
        "invalid_metadata"
    };
    ResolveError::Refused(ResolveRefusal {
        rule,
        message: format!(
            "the document's metadata breaks a rule: {}",
            describe_metadata_errors(errors)
        ),
        errors: Some(errors.clone()),
    })
}

/// The subject audit events name for changes a metadata document made.
pub(crate) fn document_actor(url: &MetadataDocumentUrl) -> String {
    format!("metadata-document:{url}")
}

impl ApplicationService {
    /// The client whose client id is `client_id`, an https URL naming its metadata
    /// document, for a client authenticator or a platform admin.
    ///
    /// The URL must keep the document URL rules and its host must match one of
    /// [`ServiceConfig::metadata_document_hosts`], whose organisation owns the
    /// client. A client the registry holds disabled resolves to nothing, without a fetch.
    /// Otherwise the document is had (from the cache while fresh), checked, and mapped as
    /// RFC 7591 metadata under the same rules as every registration: the first resolution
    /// records the client (`registration: metadata_document`, one application per URL,
    /// whose client id derives from it), later ones bring it in line with the document,
    /// writing only when the document changed.
    ///
    /// # Errors
    /// [`ResolveError::Forbidden`], [`ResolveError::Refused`] naming the rule,
    /// [`ResolveError::Disabled`], `Unavailable` / `Unexpected`.
    ///
    /// [`ServiceConfig::metadata_document_hosts`]: crate::ServiceConfig::metadata_document_hosts
    pub async fn resolve_metadata_document(
        &self,
        principal: &Principal,
        client_id: &str,
    ) -> Result<OAuthApplication, ResolveError> {
        policy::authorize_client_authentication(principal)
            .map_err(|_| ResolveError::Forbidden(NOT_AN_AUTHENTICATOR))?;
        self.resolve_document(client_id).await
    }

    /// [`ApplicationService::resolve_metadata_document`] for a caller already authorized.
    pub(crate) async fn resolve_document(
        &self,
        client_id: &str,
    ) -> Result<OAuthApplication, ResolveError> {
        let url = MetadataDocumentUrl::parse(client_id).map_err(|r| url_refused(&r))?;
        let app = self.resolve_document_url(url).await?;
        self.note_registration_read(&app).await;
        Ok(app)
    }

    /// [`ApplicationService::resolve_document`] of a URL already parsed.
    pub(crate) async fn resolve_document_url(
        &self,
        url: MetadataDocumentUrl,
    ) -> Result<OAuthApplication, ResolveError> {
        let Some(org) = self
            .config
            .metadata_document_hosts
            .owner_of(url.host())
            .cloned()
        else {
            return Err(refused(
                "host_not_allowed",
                format!(
                    "the host {} is not one whose metadata documents this registry resolves",
                    url.host()
                ),
            ));
        };
        let id = url.client_id();
        let existing = self.ports.repository.find_by_client_id(&id).await?;
        if let Some(app) = &existing {
            if app.details().document.as_ref() != Some(&url) {
                return Err(ResolveError::Unexpected(
                    "a client id derived from a document URL names another application".into(),
                ));
            }
            if app.is_disabled() {
                return Err(ResolveError::Disabled);
            }
        }
        let document = self
            .ports
            .documents
            .fetch(&url)
            .await
            .map_err(|e| refused(e.rule(), e.to_string()))?;
        let RequestedClient {
            cmd,
            metadata,
            application_type_given,
        } = requested_client(org.as_str(), document.metadata())
            .map_err(|e| refused("invalid_metadata", e.0))?;
        // At every resolution: the pipeline every registration goes through (no allowance:
        // nobody vetted a document).
        let admission = self
            .admission(
                RegistrationPath::MetadataDocument,
                &org,
                &cmd,
                metadata,
                None,
                None,
            )
            .await?
            .with_type_given(application_type_given);
        let principal = Principal::new(document_actor(&url)).with_org(org.as_str(), OrgRole::Admin);
        let details = RegistrationDetails {
            metadata: ClientMetadata::EMPTY,
            access_token: None,
            document: Some(url),
        };
        if let Some(app) = existing {
            return self
                .follow_document(&principal, app, cmd, &admission, details)
                .await;
        }
        match self
            .register_with(
                &principal,
                cmd.clone(),
                &admission,
                details.clone(),
                Some(id),
            )
            .await
        {
            Ok(registered) => Ok(registered.application),
            // Resolved at the same time elsewhere: that one stands; follow it.
            Err(RegisterError::Unexpected(_)) => {
                match self.ports.repository.find_by_client_id(&id).await? {
                    Some(app) if app.is_disabled() => Err(ResolveError::Disabled),
                    Some(app) => {
                        self.follow_document(&principal, app, cmd, &admission, details)
                            .await
                    }
                    None => Err(ResolveError::Unexpected(
                        "a metadata document client could not be recorded".into(),
                    )),
                }
            }
            Err(e) => Err(e.into()),
        }
    }

    /// `app` brought in line with its document's registration `cmd`, admitted by
    /// `admission`, and `details` (whose metadata is the admitted one); written only when
    /// something differs.
    async fn follow_document(
        &self,
        principal: &Principal,
        app: OAuthApplication,
        cmd: RegisterApplication,
        admission: &Admission,
        details: RegistrationDetails,
    ) -> Result<OAuthApplication, ResolveError> {
        // The same keys as now are no change (a replacement would start a new key set).
        let same_keys = match self.check_keys(&mut Collector::default(), &cmd.keys) {
            Some(Some(source)) => app.keys().is_some_and(|k| k.current().credential == source),
            Some(None) => app.keys().is_none(),
            None => false,
        };
        // The document is the client's source: its type follows it.
        let (mut patch, mut whole) = ApplicationPatch::replacing(cmd, &app, true);
        if same_keys {
            patch.keys = KeysInput::default();
            whole.removes_keys = false;
        }
        let target = AppRef::ClientId(*app.client_id());
        self.write_from(
            Some(app),
            principal,
            &target,
            None,
            AuditAction::Updated,
            |current, now| -> Result<Change, ResolveError> {
                if current.is_disabled() {
                    return Err(ResolveError::Disabled);
                }
                let (applied, metadata) = admission.judge_change(
                    current,
                    patch.apply_whole(principal, current, self, now, whole),
                )?;
                let changed_metadata = current.details().metadata.changed_fields(&metadata);
                let details = RegistrationDetails {
                    metadata,
                    ..details.clone()
                };
                Ok(match applied {
                    Some((next, mut fields)) => {
                        fields.extend(changed_metadata);
                        Some((next.replacing_details(details), fields))
                    }
                    None if changed_metadata.is_empty() => None,
                    None => Some((current.with_details(details, now), changed_metadata)),
                })
            },
        )
        .await
    }
}
