//! Secret lifecycles: organisations' policies, secrets that end, expiry warnings once per
//! threshold, and leak reports (true and false positives, revoke and notify).

use crate::credentials::secrets::EXPIRY_WARNING_DAYS;
use crate::lifecycle::errors::PolicyError;
use crate::lifecycle::org_policy::{LeakedSecretAction, SecretLifetime};
use crate::lifecycle::secret_lifecycle::{
    LeakReport, SecretLifecyclePorts, SecretLifecycleService, SetPolicy,
};
use crate::shared::digest::TokenDigest;
use crate::test_support::*;

const DAY: i64 = 86_400;

impl Fakes {
    fn lifecycle(&self) -> SecretLifecycleService {
        SecretLifecycleService::new(
            SecretLifecyclePorts {
                repository: self.storage.clone(),
                lifecycle: self.repo.clone(),
                policies: self.policies.clone(),
                clock: self.clock.clone(),
            },
            self.config.default_secret_lifetime,
        )
    }
}

fn set(days: Option<i64>, action: Option<&str>) -> SetPolicy {
    SetPolicy {
        secret_lifetime_days: days,
        leaked_secret_action: action.map(str::to_owned),
        self_registration: None,
        profile: None,
        stale_after_days: None,
    }
}

/// Registers `register_cmd()` and returns the application and its secret.
fn registered(f: &Fakes) -> (OAuthApplication, String) {
    let r = block_on(f.service().register(&admin(), register_cmd())).unwrap();
    let secret = r.client_secret.unwrap().expose().to_owned();
    (r.application, secret)
}

fn authenticates(f: &Fakes, app: &OAuthApplication, secret: &str) -> bool {
    matches!(
        block_on(f.service().authenticate_client(
            &authenticator(),
            &app.client_id().to_string(),
            secret
        ))
        .unwrap(),
        ClientAuthentication::Valid(_)
    )
}

fn report(token: &str) -> LeakReport {
    LeakReport {
        token: token.to_owned(),
        token_type: "oauth_apps_client_secret".into(),
        url: Some("https://github.com/acme/app/blob/main/.env".into()),
        source: Some("content".into()),
    }
}

fn leaked(f: &Fakes, token: &str) -> bool {
    block_on(f.lifecycle().report_leaks(vec![report(token)])).unwrap()[0].true_positive
}

fn actions(f: &Fakes) -> Vec<AuditAction> {
    f.repo.events().iter().map(|(_, e)| e.action).collect()
}

#[test]
fn admins_set_the_policy_members_read_it_and_bad_values_are_named() {
    let f = Fakes::new();
    let service = f.lifecycle();
    let unset = block_on(service.policy(&member(), "acme")).unwrap();
    assert_eq!(unset.secret_lifetime_days, None);
    assert_eq!(unset.leaked_secret_action, LeakedSecretAction::Revoke);
    assert_eq!(unset.updated, None);
    let set_now =
        block_on(service.set_policy(&admin(), "acme", set(Some(30), Some("notify")))).unwrap();
    assert_eq!(set_now.effective_secret_lifetime_days, Some(30));
    assert_eq!(
        set_now.updated.as_ref().map(|(by, _)| by.as_str()),
        Some("alice")
    );
    assert_eq!(
        block_on(service.policy(&member(), "acme")).unwrap(),
        set_now
    );
    assert!(matches!(
        block_on(service.set_policy(&member(), "acme", set(None, None))),
        Err(PolicyError::Forbidden(_))
    ));
    assert!(matches!(
        block_on(service.policy(&outsider(), "acme")),
        Err(PolicyError::NotFound)
    ));
    let Err(PolicyError::Invalid(errors)) =
        block_on(service.set_policy(&admin(), "acme", set(Some(0), Some("ignore"))))
    else {
        panic!("invalid");
    };
    assert_eq!(
        fields(&errors),
        [Field::SecretLifetimeDays, Field::LeakedSecretAction]
    );
    // Nothing was written by the refusal.
    assert_eq!(block_on(service.policy(&admin(), "acme")).unwrap(), set_now);
}

#[test]
fn the_quiet_period_of_self_registered_clients_is_1_to_3650_days_or_never() {
    let f = Fakes::new();
    let service = f.lifecycle();
    assert_eq!(
        block_on(service.policy(&member(), "acme"))
            .unwrap()
            .stale_after_days,
        None
    );
    let with = |days: Option<i64>| SetPolicy {
        stale_after_days: days,
        ..SetPolicy::default()
    };
    for days in [1, 90, 3650] {
        let view = block_on(service.set_policy(&admin(), "acme", with(Some(days)))).unwrap();
        assert_eq!(view.stale_after_days, Some(u32::try_from(days).unwrap()));
        assert_eq!(block_on(service.policy(&member(), "acme")).unwrap(), view);
    }
    for days in [0, -1, 3651, i64::MAX] {
        let Err(PolicyError::Invalid(errors)) =
            block_on(service.set_policy(&admin(), "acme", with(Some(days))))
        else {
            panic!("{days} is not refused");
        };
        assert_eq!(fields(&errors), [Field::StaleAfterDays], "{days}");
        assert_eq!(
            errors.errors()[0].violation.to_string(),
            "must be between 1 and 3650"
        );
    }
    // Left out: never (the whole policy is replaced).
    let never = block_on(service.set_policy(&admin(), "acme", with(None))).unwrap();
    assert_eq!(never.stale_after_days, None);
}

#[test]
fn new_secrets_end_by_their_organisations_policy_or_the_platform_default() {
    let mut f = Fakes::new();
    f.config.default_secret_lifetime = Some(SecretLifetime::from_days(90).unwrap());
    let (app, secret) = registered(&f);
    let current = app.secrets().unwrap().current().clone();
    assert_eq!(
        current.credential.lifecycle.expires_at,
        Some(at(NOW + 90 * DAY))
    );
    assert_eq!(
        current.credential.lifecycle.lookup,
        Some(TokenDigest::of(&secret))
    );
    block_on(
        f.lifecycle()
            .set_policy(&admin(), "acme", set(Some(7), None)),
    )
    .unwrap();
    let rotated = block_on(f.service().rotate_secret(
        &admin(),
        &AppRef::ClientId(*app.client_id()),
        None,
    ))
    .unwrap();
    let current = rotated.application.secrets().unwrap().current().clone();
    assert_eq!(
        current.credential.lifecycle.expires_at,
        Some(at(NOW + 7 * DAY))
    );
    assert_eq!(
        current.credential.lifecycle.lookup,
        Some(TokenDigest::of(rotated.client_secret.expose()))
    );
}

#[test]
fn an_expired_secret_does_not_authenticate() {
    let f = Fakes::new();
    block_on(
        f.lifecycle()
            .set_policy(&admin(), "acme", set(Some(1), None)),
    )
    .unwrap();
    let (app, secret) = registered(&f);
    assert!(authenticates(&f, &app, &secret));
    f.clock.set(at(NOW + DAY - 1));
    assert!(authenticates(&f, &app, &secret));
    f.clock.set(at(NOW + DAY));
    assert!(!authenticates(&f, &app, &secret));
}

#[test]
fn expiry_warnings_come_at_14_7_and_1_days_each_once() {
    let f = Fakes::new();
    block_on(
        f.lifecycle()
            .set_policy(&admin(), "acme", set(Some(30), None)),
    )
    .unwrap();
    let (app, _) = registered(&f);
    let service = f.lifecycle();
    let warnings = |f: &Fakes| {
        actions(f)
            .into_iter()
            .filter(|a| *a == AuditAction::SecretExpiring)
            .count()
    };
    f.clock.set(at(NOW + 16 * DAY - 1));
    assert_eq!(
        block_on(service.warn_expiring(10)).unwrap(),
        0,
        "15 days left"
    );
    let mut emitted = Vec::new();
    for (day, expected) in [(16, 14), (17, 14), (23, 7), (29, 1), (29, 1)] {
        f.clock.set(at(NOW + day * DAY));
        let n = block_on(service.warn_expiring(10)).unwrap();
        let warned = f
            .stored(&app)
            .secrets()
            .unwrap()
            .current()
            .credential
            .lifecycle
            .expiry_warned_days;
        assert_eq!(warned, Some(expected));
        emitted.push(n);
    }
    assert_eq!(emitted, [1, 0, 1, 1, 0], "each threshold once");
    assert_eq!(warnings(&f), EXPIRY_WARNING_DAYS.len());
    // Ended: no more warnings.
    f.clock.set(at(NOW + 31 * DAY));
    assert_eq!(block_on(service.warn_expiring(10)).unwrap(), 0);
}

#[test]
fn a_leaked_live_secret_is_revoked_at_once_and_reported_once() {
    let f = Fakes::new();
    let (app, secret) = registered(&f);
    // Not ours: wrong prefix, wrong checksum; nothing is looked up or written.
    let events = f.repo.event_count();
    assert!(!leaked(&f, "ghp_0000000000000000000000000000000000000000"));
    let mut broken = secret.clone();
    broken.replace_range(10..11, if &secret[10..11] == "A" { "B" } else { "A" });
    assert!(!leaked(&f, &broken));
    assert_eq!(f.repo.event_count(), events);
    // Ours and live: revoked (the default), announced once.
    assert!(leaked(&f, &secret));
    assert!(!authenticates(&f, &app, &secret));
    let stored = f.stored(&app);
    let current = stored.secrets().unwrap().current();
    assert_eq!(current.credential.lifecycle.leaked_at, Some(at(NOW)));
    assert_eq!(current.credential.lifecycle.expires_at, Some(at(NOW)));
    assert_eq!(actions(&f).last(), Some(&AuditAction::SecretLeaked));
    // Reported again: no longer live, nothing more.
    let events = f.repo.event_count();
    assert!(!leaked(&f, &secret));
    assert_eq!(f.repo.event_count(), events);
    // A rotation gives the application a working secret again.
    let rotated = block_on(f.service().rotate_secret(
        &admin(),
        &AppRef::ClientId(*app.client_id()),
        None,
    ))
    .unwrap();
    assert!(authenticates(&f, &app, rotated.client_secret.expose()));
}

#[test]
fn under_notify_a_leak_is_announced_once_and_the_secret_keeps_working() {
    let f = Fakes::new();
    block_on(
        f.lifecycle()
            .set_policy(&admin(), "acme", set(None, Some("notify"))),
    )
    .unwrap();
    let (app, secret) = registered(&f);
    assert!(leaked(&f, &secret));
    assert!(leaked(&f, &secret), "still live, still a true positive");
    assert!(authenticates(&f, &app, &secret));
    let leaks = actions(&f)
        .into_iter()
        .filter(|a| *a == AuditAction::SecretLeaked)
        .count();
    assert_eq!(leaks, 1, "announced once");
}

#[test]
fn a_leaked_previous_secret_is_revoked_and_the_current_one_stays() {
    let f = Fakes::new();
    let (app, old) = registered(&f);
    let rotated = block_on(f.service().rotate_secret(
        &admin(),
        &AppRef::ClientId(*app.client_id()),
        Some(3600),
    ))
    .unwrap();
    let new = rotated.client_secret.expose().to_owned();
    assert!(authenticates(&f, &app, &old), "in its grace period");
    assert!(leaked(&f, &old));
    assert!(!authenticates(&f, &app, &old));
    assert!(authenticates(&f, &app, &new));
}
