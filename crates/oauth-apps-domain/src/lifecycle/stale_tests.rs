//! The sweep of quiet self-registered clients, over the in-memory fakes: warned once,
//! disabled after, a credential use or a registration read starts a new quiet period,
//! operators' clients untouched, no quiet period without a policy.

use serde_json::json;

use crate::lifecycle::org_policy::StaleAfter;
use crate::lifecycle::ports::OrganizationPolicies as _;
use crate::lifecycle::secret_lifecycle::{SecretLifecyclePorts, SecretLifecycleService};
use crate::registration::client_metadata::requested_client;
use crate::test_support::*;
use crate::testing::InMemoryStaleClients;

const DAY: u32 = 86_400;

struct Sweep {
    f: Fakes,
    stale: Arc<InMemoryStaleClients>,
}

impl Sweep {
    fn new() -> Self {
        let f = Fakes::new();
        let stale = Arc::new(InMemoryStaleClients::new(
            f.repo.clone(),
            f.policies.clone(),
        ));
        Self { f, stale }
    }

    fn service(&self) -> ApplicationService {
        self.f.service().with_registration_reads(self.stale.clone())
    }

    fn lifecycle(&self) -> SecretLifecycleService {
        SecretLifecycleService::new(
            SecretLifecyclePorts {
                repository: self.f.storage.clone(),
                lifecycle: self.f.repo.clone(),
                policies: self.f.policies.clone(),
                clock: self.f.clock.clone(),
            },
            None,
        )
        .with_stale_clients(self.stale.clone())
    }

    /// Sets `acme`'s quiet period (`None`: never).
    fn policy(&self, days: Option<i64>) {
        block_on(self.f.policies.put_policy(&OrganizationPolicy {
            owner_org_id: OrgId::parse("acme").unwrap(),
            secret_lifetime: None,
            leaked_secret_action: LeakedSecretAction::Revoke,
            self_registration: SelfRegistrationLimits::default(),
            profile: crate::lifecycle::policy_profile::PolicyProfile::Baseline,
            stale_after: days.map(|d| StaleAfter::from_days(d).unwrap()),
            updated_by: "alice".into(),
            updated_at: at(NOW),
        }))
        .unwrap();
    }

    /// A client registered at `POST /register` in `acme`: it and its secret and
    /// registration access token.
    fn dynamic(&self) -> (OAuthApplication, String, String) {
        let requested = requested_client(
            "acme",
            json!({"redirect_uris": ["https://client.example/cb"]})
                .as_object()
                .unwrap(),
        )
        .unwrap();
        let registered = block_on(self.service().register_self(
            &Principal::new("open-registration").with_org("acme", OrgRole::Admin),
            requested,
            None,
        ))
        .unwrap();
        (
            registered.registered.application,
            registered
                .registered
                .client_secret
                .unwrap()
                .expose()
                .to_owned(),
            registered.registration_access_token.expose().to_owned(),
        )
    }

    fn sweep(&self) -> StaleSweep {
        block_on(self.lifecycle().sweep_stale_clients(2)).unwrap()
    }

    fn advance_days(&self, days: u32) {
        self.f.clock.advance(days * DAY);
    }

    /// `app`'s actions in the audit trail, with their actors.
    fn trail(&self, app: &OAuthApplication) -> Vec<(AuditAction, String)> {
        self.f
            .repo
            .events()
            .into_iter()
            .filter(|(id, _)| *id == app.id())
            .map(|(_, e)| (e.action, e.actor))
            .collect()
    }

    fn disabled(&self, app: &OAuthApplication) -> bool {
        self.f.stored(app).is_disabled()
    }
}

fn warned_and_disabled(warned: usize, disabled: usize) -> StaleSweep {
    StaleSweep { warned, disabled }
}

#[test]
fn a_quiet_client_is_warned_once_then_disabled_by_the_stale_client_actor() {
    let s = Sweep::new();
    s.policy(Some(30));
    let (app, _, _) = s.dynamic();
    s.advance_days(22);
    assert_eq!(s.sweep(), warned_and_disabled(0, 0));
    s.advance_days(1);
    assert_eq!(s.sweep(), warned_and_disabled(1, 0));
    s.advance_days(3);
    assert_eq!(s.sweep(), warned_and_disabled(0, 0), "warned once");
    assert!(!s.disabled(&app));
    s.advance_days(4);
    assert_eq!(s.sweep(), warned_and_disabled(0, 1));
    assert!(s.disabled(&app));
    let trail = s.trail(&app);
    assert_eq!(
        trail[1..],
        [
            (AuditAction::StaleWarning, STALE_CLIENT_ACTOR.to_owned()),
            (AuditAction::Disabled, STALE_CLIENT_ACTOR.to_owned()),
        ]
    );
    let disabling = s.f.repo.events().pop().unwrap().1;
    assert_eq!(disabling.changed_fields, [ChangedField::Status]);
    // Disabled: never swept again.
    s.advance_days(100);
    assert_eq!(s.sweep(), warned_and_disabled(0, 0));
}

#[test]
fn a_credential_use_or_a_registration_read_starts_a_new_quiet_period() {
    let s = Sweep::new();
    s.policy(Some(30));
    let (used, secret, _) = s.dynamic();
    let (read, _, token) = s.dynamic();
    s.advance_days(23);
    assert_eq!(s.sweep(), warned_and_disabled(2, 0));
    s.advance_days(5);
    let authenticated = block_on(s.service().authenticate_client(
        &authenticator(),
        &used.client_id().to_string(),
        &secret,
    ))
    .unwrap();
    assert!(matches!(authenticated, ClientAuthentication::Valid(_)));
    block_on(
        s.service()
            .self_registered(&read.client_id().to_string(), &token),
    )
    .unwrap();
    // Day 30 of the first period: both were heard of on day 28.
    s.advance_days(2);
    assert_eq!(s.sweep(), warned_and_disabled(0, 0));
    assert!(!s.disabled(&used) && !s.disabled(&read));
    // A new quiet period: warned again 23 days after, disabled 30 days after.
    s.advance_days(21);
    assert_eq!(s.sweep(), warned_and_disabled(2, 0));
    s.advance_days(7);
    assert_eq!(s.sweep(), warned_and_disabled(0, 2));
}

#[test]
fn operators_clients_are_never_touched_and_no_policy_means_never() {
    let s = Sweep::new();
    let manual = block_on(s.service().register(&admin(), register_cmd()))
        .unwrap()
        .application;
    let (dynamic, _, _) = s.dynamic();
    s.advance_days(400);
    assert_eq!(s.sweep(), warned_and_disabled(0, 0), "no policy");
    s.policy(None);
    assert_eq!(s.sweep(), warned_and_disabled(0, 0), "a policy without one");
    s.policy(Some(1));
    // Long quiet when the policy is set: warned first, disabled 1 day later.
    assert_eq!(s.sweep(), warned_and_disabled(1, 0));
    s.advance_days(1);
    assert_eq!(s.sweep(), warned_and_disabled(0, 1));
    assert!(s.disabled(&dynamic));
    assert!(!s.disabled(&manual));
    assert_eq!(s.trail(&manual).len(), 1, "only its creation");
}
