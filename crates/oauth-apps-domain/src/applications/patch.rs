//! A partial update of an application ([`ApplicationPatch`]), and the whole replacement of
//! its settings (RFC 7592 §2.2, a metadata document): how each is applied to the stored
//! application, every rule checked on the result.

use super::application::OAuthApplication;
use super::attributes::{AccessLevel, AppName, AppType, Description, Status};
use super::errors::{FIRST_PARTY, UpdateError};
use super::profile::Profile;
use super::redirect::RedirectUrls;
use super::register::{RegisterApplication, check_subject_for};
use super::requirements::RequirementsInput;
use super::scopes_grants::ScopeCatalog;
use super::scopes_grants::{GrantTypes, Scopes};
use super::service::{ApplicationService, Change, build_profile, keep_or};
use crate::credentials::input::{KeysInput, TlsSubjectInput};
use crate::credentials::key_sets::{KeySets, KeySource};
use crate::credentials::keys::AuthMethod;
use crate::credentials::method::Credentials;
use crate::events::change::ChangedField;
use crate::shared::principal::{self as policy, Principal};
use crate::shared::time::Timestamp;
use crate::shared::validation::{Collector, Field, FieldError, Violation};
/// A partial update: every `Some` field is changed, every `None` field is kept.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ApplicationPatch {
    /// A new display name.
    pub name: Option<String>,
    /// A new description; `Some(None)` clears it.
    pub description: Option<Option<String>>,
    /// New redirect URLs (replacing the old ones).
    pub redirect_urls: Option<Vec<String>>,
    /// New allowed scopes.
    pub allowed_scopes: Option<Vec<String>>,
    /// New grant types.
    pub grant_types: Option<Vec<String>>,
    /// A new access level.
    pub access_level: Option<String>,
    /// A new first-party flag (platform admins only).
    pub is_first_party: Option<bool>,
    /// `active` or `revoked`.
    pub status: Option<String>,
    /// Present when the request tried to change the type: always refused.
    pub app_type: Option<String>,
    /// Present when the request tried to change the client id: always refused.
    pub client_id: Option<String>,
    /// Present when the request tried to change the owner: always refused.
    pub owner_org_id: Option<String>,
    /// A new authentication method.
    pub token_endpoint_auth_method: Option<String>,
    /// New keys, replacing the current ones at once (no grace; see
    /// [`ApplicationService::rotate_keys`] for a rotation with one).
    pub keys: KeysInput,
    /// New token and request requirements; each left out is kept.
    pub requirements: RequirementsInput,
    /// A new certificate subject for `tls_client_auth` (left out: kept, while the method
    /// stays `tls_client_auth`).
    pub tls_subject: TlsSubjectInput,
}

/// What a whole replacement of an application's settings (RFC 7592 §2.2, a metadata
/// document) does beyond a patch.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Whole {
    /// The keys it leaves out are removed (a patch keeps them).
    pub(crate) removes_keys: bool,
    /// The certificate subject it leaves out is removed (a patch keeps it).
    pub(crate) removes_subject: bool,
    /// The type it moves the application to: only a client whose metadata document is its
    /// source changes type, with its document. `None`: the type stays.
    pub(crate) app_type: Option<AppType>,
}

impl ApplicationPatch {
    /// The patch that replaces `app`'s settings by those of `cmd` (RFC 7592 §2.2, or a
    /// metadata document): every setting the registration holds, what it leaves out
    /// removed (keys) or back to its default (the authentication method); a type or an
    /// owner other than `app`'s is kept in the patch, so that it is refused as immutable,
    /// unless `type_follows` (the client's document is its source: the type moves with it).
    pub(crate) fn replacing(
        cmd: RegisterApplication,
        app: &OAuthApplication,
        type_follows: bool,
    ) -> (Self, Whole) {
        let other_type = cmd
            .app_type
            .filter(|t| t.as_str() != app.app_type().as_str());
        let moved_to = other_type
            .as_deref()
            .filter(|_| type_follows)
            .and_then(|t| AppType::parse(t).ok());
        let whole = Whole {
            removes_keys: cmd.keys.is_empty(),
            removes_subject: true,
            app_type: moved_to,
        };
        let patch = Self {
            name: Some(cmd.name),
            redirect_urls: Some(cmd.redirect_urls),
            allowed_scopes: Some(cmd.allowed_scopes.unwrap_or_default()),
            grant_types: cmd.grant_types,
            token_endpoint_auth_method: Some(
                cmd.token_endpoint_auth_method
                    .unwrap_or_else(|| AuthMethod::default().as_str().to_owned()),
            ),
            keys: cmd.keys,
            tls_subject: cmd.tls_subject,
            // A whole replacement: what it leaves out is back to `false`.
            requirements: RequirementsInput {
                dpop_bound_access_tokens: Some(
                    cmd.requirements.dpop_bound_access_tokens.unwrap_or(false),
                ),
                tls_client_certificate_bound_access_tokens: Some(
                    cmd.requirements
                        .tls_client_certificate_bound_access_tokens
                        .unwrap_or(false),
                ),
                require_pushed_authorization_requests: Some(
                    cmd.requirements
                        .require_pushed_authorization_requests
                        .unwrap_or(false),
                ),
            },
            app_type: other_type.filter(|_| moved_to.is_none()),
            owner_org_id: Some(cmd.owner_org_id)
                .filter(|org| org.as_str() != app.owner_org_id().as_str()),
            ..Self::default()
        };
        (patch, whole)
    }

    /// The application `app` with this patch applied by `principal` at `now`, and the
    /// fields that changed; `None` when nothing changes. The result satisfies every rule as
    /// a whole; immutable fields in the patch are refused.
    pub(crate) fn apply(
        &self,
        principal: &Principal,
        app: &OAuthApplication,
        rules: &ApplicationService,
        now: Timestamp,
    ) -> Result<Change, UpdateError> {
        self.apply_whole(principal, app, rules, now, Whole::default())
    }

    /// [`ApplicationPatch::apply`], doing what `whole` says a whole replacement does
    /// beyond it.
    pub(crate) fn apply_whole(
        &self,
        principal: &Principal,
        app: &OAuthApplication,
        rules: &ApplicationService,
        now: Timestamp,
        whole: Whole,
    ) -> Result<Change, UpdateError> {
        let patch = self;
        let catalog = &rules.config.scope_catalog;
        let is_first_party = patch.is_first_party.unwrap_or(app.is_first_party());
        policy::authorize_first_party(principal, app.is_first_party(), is_first_party)
            .map_err(|_| UpdateError::Forbidden(FIRST_PARTY))?;

        let mut c = Collector::default();
        for (field, given) in [
            (Field::AppType, patch.app_type.is_some()),
            (Field::ClientId, patch.client_id.is_some()),
            (Field::OwnerOrgId, patch.owner_org_id.is_some()),
        ] {
            if given {
                c.push(FieldError::new(field, Violation::Immutable));
            }
        }
        let app_type = whole.app_type.unwrap_or_else(|| app.app_type());
        let fields = patch.profile_fields(&mut c, app.profile(), app_type, catalog);
        let status = keep_or(
            &mut c,
            Field::Status,
            patch.status.as_deref(),
            &app.status(),
            Status::parse,
        );
        let method = rules.check_method(
            &mut c,
            patch.token_endpoint_auth_method.as_deref(),
            app.auth_method(),
            true,
        );
        let new_keys = rules.check_keys(&mut c, &patch.keys);
        let new_subject = patch.tls_subject.check(&mut c);
        let (keys, removed) = next_keys(app, new_keys.as_ref(), whole.removes_keys, now);
        if let Some(m) = method
            && let Err(e) = Credentials::check(app_type, m, app.secrets().is_some(), keys.is_some())
        {
            c.push(e);
        }
        // The subject given, else (unless a whole replacement leaves it out) the one held;
        // a subject given with another method is refused, one held drops with its method.
        let given = matches!(new_subject, Some(Some(_)));
        let subject = new_subject.map(|new| match new {
            Some(s) => Some(s),
            None if whole.removes_subject => None,
            None => app.tls_subject().cloned(),
        });
        if let (Some(m), Some(s)) = (method, &subject) {
            check_subject_for(
                &mut c,
                m,
                s.is_some() && (given || m == AuthMethod::TlsClientAuth),
            );
        }
        let profile = build_profile(
            c,
            app_type,
            fields.name,
            fields.description,
            fields.redirect_urls,
            fields.scopes,
            fields.grants,
            fields.access_level,
        )
        .map_err(UpdateError::Invalid)?;
        // A bad status, method or key was recorded in the collector, so the profile failed
        // above.
        let status = status.unwrap_or_else(|| app.status());
        let method = method.unwrap_or_else(|| app.auth_method());
        let secrets = app.secrets().cloned().filter(|_| method.uses_secret());
        let credentials = Credentials::new(app_type, method, secrets, keys)
            .and_then(|c| c.with_tls_subject(subject.flatten()))
            .map_err(|e| UpdateError::Invalid(e.into()))?;
        let keys_changed = matches!(new_keys, Some(Some(_)));
        let (jwks_changed, uri_changed) = match credentials
            .keys()
            .map(|k| &k.current().credential)
            .or(removed)
        {
            Some(KeySource::Inline(_)) => (keys_changed || removed.is_some(), false),
            Some(KeySource::Remote(_)) => (false, keys_changed || removed.is_some()),
            None => (false, false),
        };

        let next = app
            .updated(profile, is_first_party, status, credentials, now)
            .retyped(app_type)
            .requiring(app.requirements().with(&patch.requirements));
        let mut changed = changed_fields(app, &next, jwks_changed, uri_changed);
        if next.tls_subject() != app.tls_subject() {
            changed.push(ChangedField::TlsClientAuthSubject);
        }
        changed.extend(app.requirements().changed_fields(next.requirements()));
        if changed.is_empty() {
            return Ok(None);
        }
        Ok(Some((next, changed)))
    }

    /// The profile's fields as this patch leaves them on `old`: each one it gives parsed
    /// (`None` when broken, recorded in `c`), each other kept.
    fn profile_fields(
        &self,
        c: &mut Collector,
        old: &Profile,
        app_type: AppType,
        catalog: &ScopeCatalog,
    ) -> ProfileFields {
        let patch = self;
        let name = keep_or(
            c,
            Field::Name,
            patch.name.as_deref(),
            old.name(),
            AppName::parse,
        );
        let description = match &patch.description {
            None => Some(old.description().cloned()),
            Some(None) => Some(None),
            Some(Some(d)) => c.check(Field::Description, Description::parse(d)).map(Some),
        };
        let redirect_urls = match &patch.redirect_urls {
            None => Some(old.redirect_urls().clone()),
            Some(urls) => c.check_all(RedirectUrls::parse(urls, app_type)),
        };
        let scopes = match &patch.allowed_scopes {
            None => Some(old.allowed_scopes().clone()),
            Some(s) => c.check_all(Scopes::parse(s, catalog)),
        };
        let grants = match &patch.grant_types {
            None => Some(old.grant_types().clone()),
            Some(g) => c.check_all(GrantTypes::parse(g)),
        };
        let access_level = keep_or(
            c,
            Field::AccessLevel,
            patch.access_level.as_deref(),
            &old.access_level(),
            AccessLevel::parse,
        );
        ProfileFields {
            name,
            description,
            redirect_urls,
            scopes,
            grants,
            access_level,
        }
    }
}

/// The profile's fields as a patch leaves them, each `None` when it is broken.
struct ProfileFields {
    name: Option<AppName>,
    description: Option<Option<Description>>,
    redirect_urls: Option<RedirectUrls>,
    scopes: Option<Scopes>,
    grants: Option<GrantTypes>,
    access_level: Option<AccessLevel>,
}

/// The fields that differ between `old` and `next`, in the order the audit trail names
/// them; the keys' fields (`jwks`, `jwks_uri`) as the change computed them.
fn changed_fields(
    old: &OAuthApplication,
    next: &OAuthApplication,
    jwks_changed: bool,
    uri_changed: bool,
) -> Vec<ChangedField> {
    let (before, after) = (old.profile(), next.profile());
    [
        (ChangedField::AppType, next.app_type() != old.app_type()),
        (ChangedField::Name, after.name() != before.name()),
        (
            ChangedField::Description,
            after.description() != before.description(),
        ),
        (
            ChangedField::RedirectUrls,
            after.redirect_urls() != before.redirect_urls(),
        ),
        (
            ChangedField::AllowedScopes,
            after.allowed_scopes() != before.allowed_scopes(),
        ),
        (
            ChangedField::GrantTypes,
            after.grant_types() != before.grant_types(),
        ),
        (
            ChangedField::AccessLevel,
            after.access_level() != before.access_level(),
        ),
        (
            ChangedField::IsFirstParty,
            next.is_first_party() != old.is_first_party(),
        ),
        (ChangedField::Status, next.status() != old.status()),
        (
            ChangedField::TokenEndpointAuthMethod,
            next.auth_method() != old.auth_method(),
        ),
        (ChangedField::Jwks, jwks_changed),
        (ChangedField::JwksUri, uri_changed),
    ]
    .into_iter()
    .filter_map(|(field, differs)| differs.then_some(field))
    .collect()
}

/// The key sets `app` has after a change that gives it `new` keys (`Some(None)`: none
/// given; `None`: broken), and the source of the current set the change removes: when
/// none are given and `removes` (a whole replacement removes what it leaves out).
fn next_keys<'a>(
    app: &'a OAuthApplication,
    new: Option<&Option<KeySource>>,
    removes: bool,
    now: Timestamp,
) -> (Option<KeySets>, Option<&'a KeySource>) {
    match new {
        Some(Some(source)) => (
            Some(app.keys().map_or_else(
                || KeySets::first(source.clone(), now),
                |keys| keys.replaced(source.clone(), now),
            )),
            None,
        ),
        Some(None) if removes => (None, app.keys().map(|k| &k.current().credential)),
        _ => (app.keys().cloned(), None),
    }
}
