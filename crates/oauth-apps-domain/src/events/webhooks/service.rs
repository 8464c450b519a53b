//! Webhooks: an organisation's admins register endpoints that hear what happens to its
//! applications; the dispatcher delivers each event to each of them, signed, at least
//! once, in order per application, retrying with exponential back-off.

use std::sync::Arc;

use super::errors::WebhookError;
use super::model::{
    DEFAULT_WEBHOOKS_PER_ORG, Delivery, EventType, WEBHOOK_SECRET_BYTES,
    WEBHOOK_SECRET_GRACE_SECONDS, Webhook, WebhookId, WebhookSigningSecret, WebhookUrl,
    seal_context,
};
use super::ports::{WebhookRepository, WebhookSender};
use crate::shared::errors::RepositoryError;
use crate::shared::ids::{OrgId, Version};
use crate::shared::page::PageSize;
use crate::shared::precondition::Precondition;
use crate::shared::principal::{self as policy, Action, Denial, Principal};
use crate::shared::random::RandomSource;
use crate::shared::sealing::{Sealed, Sealer};
use crate::shared::time::Clock;
use crate::shared::validation::{Collector, Field, FieldError, Violation};

const NOT_A_WEBHOOK_ADMIN: &str = "only admins of the organisation may manage its webhooks";

/// How often a change without `If-Match` (or with `*`) is re-applied to a webhook that
/// another writer changed meanwhile, before it answers [`WebhookError::Conflict`].
const MAX_WRITE_ATTEMPTS: u32 = 8;

/// The ports of the webhook use cases.
#[derive(Clone)]
pub struct WebhookPorts {
    /// Where webhooks and deliveries are kept.
    pub repository: Arc<dyn WebhookRepository>,
    /// Seals the signing keys.
    pub sealer: Arc<dyn Sealer>,
    /// Delivers (and says which URLs may be delivered to).
    pub sender: Arc<dyn WebhookSender>,
    /// The current time.
    pub clock: Arc<dyn Clock>,
    /// Random bytes for ids and signing keys.
    pub random: Arc<dyn RandomSource>,
}

/// What an admin asks for when creating a webhook.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CreateWebhook {
    /// The organisation whose applications' events it hears.
    pub owner_org_id: String,
    /// Where it delivers.
    pub url: String,
    /// The event types it hears; `None`: every type.
    pub events: Option<Vec<String>>,
}

/// A change to a webhook: what is given is replaced.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WebhookPatch {
    /// A new URL.
    pub url: Option<String>,
    /// New event types: `Some(None)` for every type.
    pub events: Option<Option<Vec<String>>>,
}

/// A webhook with its new signing secret, shown this once.
#[derive(Debug)]
pub struct WebhookWithSecret {
    /// The webhook as stored.
    pub webhook: Webhook,
    /// The signing secret (`whsec_...`).
    pub secret: WebhookSigningSecret,
}

/// A page of deliveries, newest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveriesPage {
    /// The deliveries.
    pub items: Vec<Delivery>,
    /// Where the next (older) page starts, when there may be one.
    pub next_cursor: Option<String>,
}

/// The webhook use cases.
pub struct WebhookService {
    ports: WebhookPorts,
    max_per_org: u32,
}

/// Checks a list of event type names: known, each once; sorted.
fn event_types(c: &mut Collector, names: Vec<String>) -> Option<Vec<EventType>> {
    if names.is_empty() {
        c.push(FieldError::new(Field::Events, Violation::Required));
        return None;
    }
    let before = c.len();
    let mut types = Vec::with_capacity(names.len());
    for (i, name) in names.iter().enumerate() {
        match EventType::parse(name) {
            Some(t) if types.contains(&t) => c.push(FieldError::at(
                Field::Events,
                i,
                Violation::Malformed {
                    what: "event type named once",
                },
            )),
            Some(t) => types.push(t),
            None => c.push(FieldError::at(
                Field::Events,
                i,
                Violation::NotOneOf {
                    allowed: &EventType::NAMES,
                },
            )),
        }
    }
    types.sort_unstable();
    (c.len() == before).then_some(types)
}

impl WebhookService {
    /// The use cases over `ports`, with at most [`DEFAULT_WEBHOOKS_PER_ORG`] webhooks per
    /// organisation.
    #[must_use]
    pub const fn new(ports: WebhookPorts) -> Self {
        Self {
            ports,
            max_per_org: DEFAULT_WEBHOOKS_PER_ORG,
        }
    }

    /// The same use cases with at most `max` webhooks per organisation.
    #[must_use]
    pub const fn with_max_per_org(mut self, max: u32) -> Self {
        self.max_per_org = max;
        self
    }

    fn url(&self, c: &mut Collector, url: String) -> Option<WebhookUrl> {
        let url = c.check(Field::Url, WebhookUrl::parse(url))?;
        match self.ports.sender.permits(&url) {
            Ok(()) => Some(url),
            Err(refusal) => {
                c.push(FieldError::new(
                    Field::Url,
                    Violation::UnfetchableUrl {
                        reason: format!("the URL {refusal}"),
                    },
                ));
                None
            }
        }
    }

    /// A new signing key, and the secret that shows it.
    fn new_key(&self, id: WebhookId) -> Result<(Sealed, WebhookSigningSecret), WebhookError> {
        let mut key = [0u8; WEBHOOK_SECRET_BYTES];
        self.ports.random.fill(&mut key)?;
        let sealed = self.ports.sealer.seal(&key, &seal_context(id))?;
        Ok((sealed, WebhookSigningSecret::of_key(&key)))
    }

    /// The webhook `id` if the caller may manage it.
    async fn visible(&self, principal: &Principal, id: &str) -> Result<Webhook, WebhookError> {
        let id = WebhookId::parse(id).map_err(|_| WebhookError::NotFound)?;
        let webhook = self
            .ports
            .repository
            .find_webhook(id)
            .await?
            .ok_or(WebhookError::NotFound)?;
        admin_of(principal, &webhook.owner_org_id)?;
        Ok(webhook)
    }

    /// Registers a webhook for `request.owner_org_id`; its signing secret is shown once.
    ///
    /// # Errors
    /// [`WebhookError::Invalid`] naming every field that breaks a rule (the URL's address
    /// policy included); [`WebhookError::NotFound`] for an organisation the caller is
    /// outside of; [`WebhookError::Forbidden`] for members; [`WebhookError::TooMany`] when
    /// the organisation already has as many webhooks as it may have (nothing is written);
    /// `Unavailable` without a data key or when storage is down.
    pub async fn create(
        &self,
        principal: &Principal,
        request: CreateWebhook,
    ) -> Result<WebhookWithSecret, WebhookError> {
        let mut c = Collector::default();
        let org = c.check(Field::OwnerOrgId, OrgId::parse(request.owner_org_id));
        let url = self.url(&mut c, request.url);
        let events = match request.events {
            None => Some(None),
            Some(names) => event_types(&mut c, names).map(Some),
        };
        let (Some(org), Some(url), Some(events)) = (org, url, events) else {
            return Err(WebhookError::Invalid(c.into_errors()));
        };
        admin_of(principal, &org)?;
        let mut id_bytes = [0u8; 16];
        self.ports.random.fill(&mut id_bytes)?;
        let id = WebhookId::from_random_bytes(id_bytes);
        let (sealed, secret) = self.new_key(id)?;
        let now = self.ports.clock.now();
        let webhook = Webhook {
            id,
            owner_org_id: org,
            url,
            events,
            secret: sealed,
            previous_secret: None,
            created_by: principal.subject().to_owned(),
            created_at: now,
            updated_at: now,
            version: 1,
        };
        if !self
            .ports
            .repository
            .insert_webhook(&webhook, self.max_per_org)
            .await?
        {
            return Err(WebhookError::TooMany(self.max_per_org));
        }
        Ok(WebhookWithSecret { webhook, secret })
    }

    /// The webhooks of `owner_org_id`, oldest first.
    ///
    /// # Errors
    /// [`WebhookError::Invalid`] for a malformed organisation id; `NotFound` / `Forbidden`
    /// as [`WebhookService::create`].
    pub async fn list(
        &self,
        principal: &Principal,
        owner_org_id: &str,
    ) -> Result<Vec<Webhook>, WebhookError> {
        let org = OrgId::parse(owner_org_id)
            .map_err(|v| WebhookError::Invalid(FieldError::new(Field::OwnerOrgId, v).into()))?;
        admin_of(principal, &org)?;
        Ok(self.ports.repository.webhooks(&org).await?)
    }

    /// The webhook `id`.
    ///
    /// # Errors
    /// [`WebhookError::NotFound`] for a malformed or unknown id, or one of an organisation
    /// the caller is outside of; [`WebhookError::Forbidden`] for members.
    pub async fn get(&self, principal: &Principal, id: &str) -> Result<Webhook, WebhookError> {
        self.visible(principal, id).await
    }

    /// Changes the webhook `id`'s URL or event types. With `expected` naming versions
    /// (HTTP `If-Match`), the change is made only to one of them; without it (or with
    /// [`Precondition::Any`]), a change that loses a race with another writer is applied
    /// again to what that writer left.
    ///
    /// # Errors
    /// As [`WebhookService::get`]; [`WebhookError::PreconditionFailed`] when the webhook's
    /// version is not one `expected` names; [`WebhookError::Invalid`] naming every field
    /// that breaks a rule; [`WebhookError::Conflict`] when other writers kept winning.
    /// Nothing is written in any of these cases.
    pub async fn update(
        &self,
        principal: &Principal,
        id: &str,
        patch: WebhookPatch,
        expected: Option<&Precondition>,
    ) -> Result<Webhook, WebhookError> {
        let mut current = self.visible(principal, id).await?;
        satisfies(&current, expected)?;
        let mut c = Collector::default();
        let url = patch.url.map(|u| self.url(&mut c, u));
        let events = patch.events.map(|e| match e {
            None => Some(None),
            Some(names) => event_types(&mut c, names).map(Some),
        });
        if !c.is_empty() {
            return Err(WebhookError::Invalid(c.into_errors()));
        }
        for _ in 0..MAX_WRITE_ATTEMPTS {
            let mut next = current.clone();
            if let Some(Some(url)) = &url {
                next.url = url.clone();
            }
            if let Some(Some(events)) = &events {
                next.events = events.clone();
            }
            if next == current {
                return Ok(current);
            }
            next.updated_at = self.ports.clock.now();
            next.version = current.version + 1;
            match self.store(&next, current.version).await {
                Ok(()) => return Ok(next),
                Err(WebhookError::Conflict)
                    if expected.is_some_and(Precondition::names_versions) =>
                {
                    return Err(WebhookError::PreconditionFailed);
                }
                Err(WebhookError::Conflict) => {
                    current = self.visible(principal, id).await?;
                    satisfies(&current, expected)?;
                }
                Err(e) => return Err(e),
            }
        }
        Err(WebhookError::Conflict)
    }

    async fn store(&self, webhook: &Webhook, expected: i64) -> Result<(), WebhookError> {
        match self
            .ports
            .repository
            .update_webhook(webhook, expected)
            .await
        {
            Ok(()) => Ok(()),
            Err(RepositoryError::VersionConflict) => Err(WebhookError::Conflict),
            Err(RepositoryError::NotFound) => Err(WebhookError::NotFound),
            Err(e) => Err(e.into()),
        }
    }

    /// Gives the webhook `id` a new signing secret, shown once; the previous one keeps
    /// signing (a second signature) for [`WEBHOOK_SECRET_GRACE_SECONDS`], so receivers can
    /// switch without losing a delivery.
    ///
    /// # Errors
    /// As [`WebhookService::update`].
    pub async fn rotate_secret(
        &self,
        principal: &Principal,
        id: &str,
    ) -> Result<WebhookWithSecret, WebhookError> {
        let current = self.visible(principal, id).await?;
        let (sealed, secret) = self.new_key(current.id)?;
        let now = self.ports.clock.now();
        let mut next = current.clone();
        next.previous_secret = Some((
            current.secret.clone(),
            now.plus_seconds(WEBHOOK_SECRET_GRACE_SECONDS),
        ));
        next.secret = sealed;
        next.updated_at = now;
        next.version = current.version + 1;
        self.store(&next, current.version).await?;
        Ok(WebhookWithSecret {
            webhook: next,
            secret,
        })
    }

    /// Deletes the webhook `id` and its deliveries: nothing more is sent to it.
    ///
    /// # Errors
    /// As [`WebhookService::get`].
    pub async fn delete(&self, principal: &Principal, id: &str) -> Result<(), WebhookError> {
        let webhook = self.visible(principal, id).await?;
        if self.ports.repository.delete_webhook(webhook.id).await? {
            Ok(())
        } else {
            Err(WebhookError::NotFound)
        }
    }

    /// The deliveries of webhook `id`, newest first, a page at a time (`before`: the
    /// `nextCursor` of the previous page).
    ///
    /// # Errors
    /// As [`WebhookService::get`]; [`WebhookError::Invalid`] for a bad cursor or size.
    pub async fn deliveries(
        &self,
        principal: &Principal,
        id: &str,
        before: Option<&str>,
        limit: Option<i64>,
    ) -> Result<DeliveriesPage, WebhookError> {
        let webhook = self.visible(principal, id).await?;
        let mut c = Collector::default();
        let before = match before {
            None => Some(None),
            Some(cursor) => c
                .check(
                    Field::Cursor,
                    cursor
                        .parse::<i64>()
                        .ok()
                        .filter(|n| *n > 0 && cursor == n.to_string())
                        .ok_or(Violation::Malformed {
                            what: "deliveries cursor (a nextCursor this listing handed out)",
                        }),
                )
                .map(Some),
        };
        let size = c.check(Field::Limit, PageSize::new(limit));
        let (Some(before), Some(size)) = (before, size) else {
            return Err(WebhookError::Invalid(c.into_errors()));
        };
        let items = self
            .ports
            .repository
            .deliveries(webhook.id, before, size.get())
            .await?;
        let next_cursor = (items.len() == size.get() as usize)
            .then(|| items.last().map(|d| d.id.to_string()))
            .flatten();
        Ok(DeliveriesPage { items, next_cursor })
    }
}

/// Whether `webhook`'s version is one `expected` accepts (any, without a precondition).
fn satisfies(webhook: &Webhook, expected: Option<&Precondition>) -> Result<(), WebhookError> {
    match expected {
        Some(p) if !Version::new(webhook.version).is_ok_and(|v| p.is_satisfied_by(v)) => {
            Err(WebhookError::PreconditionFailed)
        }
        _ => Ok(()),
    }
}

/// Admins of `org` (and platform admins) manage its webhooks; members are refused,
/// outsiders see nothing.
fn admin_of(principal: &Principal, org: &OrgId) -> Result<(), WebhookError> {
    policy::authorize(principal, org, Action::Write).map_err(|d| match d {
        Denial::Hidden => WebhookError::NotFound,
        Denial::Forbidden => WebhookError::Forbidden(NOT_A_WEBHOOK_ADMIN),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_type_lists_are_checked_and_sorted() {
        let mut c = Collector::default();
        let types = event_types(
            &mut c,
            vec!["secret.rotated".into(), "application.created".into()],
        );
        assert_eq!(
            types,
            Some(vec![
                EventType::ApplicationCreated,
                EventType::SecretRotated
            ])
        );
        let mut c = Collector::default();
        assert_eq!(
            event_types(
                &mut c,
                vec![
                    "secret.rotated".into(),
                    "nope".into(),
                    "secret.rotated".into()
                ]
            ),
            None
        );
        let errors = c.into_errors();
        assert_eq!(
            errors
                .errors()
                .iter()
                .map(|e| (e.field, e.index))
                .collect::<Vec<_>>(),
            [(Field::Events, Some(1)), (Field::Events, Some(2))]
        );
        let mut c = Collector::default();
        assert_eq!(event_types(&mut c, Vec::new()), None);
        assert!(c.into_errors().concerns(Field::Events));
    }
}
