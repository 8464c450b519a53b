//! Which existing clients of an organisation a policy profile would refuse: what an admin
//! reads before switching the profile on, so that no client breaks unnoticed.

use std::collections::HashMap;

use super::errors::PolicyError;
use super::policy_profile::{ClientShape, PolicyProfile};
use super::ports::OrganizationPolicies;
use crate::applications::application::OAuthApplication;
use crate::applications::ports::ArchivedApplication;
use crate::applications::service::ApplicationService;
use crate::shared::errors::RepositoryError;
use crate::shared::ids::OrgId;
use crate::shared::page::Cursor;
use crate::shared::principal::{self as policy, Action, Principal};
use crate::shared::validation::{Field, FieldError, ValidationErrors};

/// How many applications a listing reads at a time.
const BATCH: u32 = 200;

/// One client that breaks a profile, and every rule it breaks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileViolation {
    /// The client.
    pub application: OAuthApplication,
    /// The rules it breaks, each on its field.
    pub broken: ValidationErrors,
}

impl ApplicationService {
    /// Every application of `org` (disabled ones too: they may be enabled again) that
    /// `profile` would refuse, newest first, with the rules each breaks. For the
    /// organisation's members and admins.
    ///
    /// # Errors
    /// [`PolicyError::Invalid`] for a malformed organisation or an unknown profile,
    /// [`PolicyError::NotFound`] for an organisation the caller is outside of.
    pub async fn policy_violations(
        &self,
        principal: &Principal,
        org: &str,
        profile: &str,
    ) -> Result<(PolicyProfile, Vec<ProfileViolation>), PolicyError> {
        let org = OrgId::parse(org)
            .map_err(|v| PolicyError::Invalid(FieldError::new(Field::OwnerOrgId, v).into()))?;
        let profile = PolicyProfile::parse(profile)
            .map_err(|v| PolicyError::Invalid(FieldError::new(Field::PolicyProfile, v).into()))?;
        policy::authorize(principal, &org, Action::Read).map_err(|_| PolicyError::NotFound)?;
        let mut found = Vec::new();
        let mut after = None;
        loop {
            let page = self
                .ports
                .repository
                .list_after(&org, None, after, BATCH)
                .await?;
            for app in &page {
                if let Some(broken) =
                    ValidationErrors::from_vec(profile.broken(&ClientShape::of(app)))
                {
                    found.push(ProfileViolation {
                        application: app.clone(),
                        broken,
                    });
                }
            }
            match page.last() {
                Some(last) if page.len() == BATCH as usize => {
                    after = Some(Cursor {
                        created_at: last.created_at(),
                        id: last.id(),
                    });
                }
                _ => break,
            }
        }
        Ok((profile, found))
    }
}

/// What an import would bring in against its organisation's profile: each archived
/// application (by its position in `apps`) that the profile its organisation's policy in
/// the target store names would refuse, with the rules. An import restores applications
/// as they were; it is not a way around the profile their organisation holds them to now.
///
/// # Errors
/// When a policy cannot be read.
pub async fn import_violations(
    policies: &dyn OrganizationPolicies,
    apps: &[ArchivedApplication],
) -> Result<Vec<(usize, PolicyProfile, ValidationErrors)>, RepositoryError> {
    let mut profiles: HashMap<OrgId, PolicyProfile> = HashMap::new();
    let mut found = Vec::new();
    for (i, archived) in apps.iter().enumerate() {
        let app = &archived.application;
        let org = app.owner_org_id();
        let profile = match profiles.get(org) {
            Some(p) => *p,
            None => {
                let p = policies
                    .policy(org)
                    .await?
                    .map(|p| p.profile)
                    .unwrap_or_default();
                profiles.insert(org.clone(), p);
                p
            }
        };
        if let Some(broken) = ValidationErrors::from_vec(profile.broken(&ClientShape::of(app))) {
            found.push((i, profile, broken));
        }
    }
    Ok(found)
}
