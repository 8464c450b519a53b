//! The columns that hold a member of a closed set (an application's type, a secret's
//! state, an audit action, a webhook's event types, a delivery's status, ...), checked on
//! a real database: [`store_one_of_each`] stores a row in every table that has one; an
//! adapter's tests then write names outside those sets into them, which its database
//! must refuse ([`names_outside_their_sets_are_refused`]), or, with its checks off, must
//! read back as an error that names the column and the value, never a panic and never a
//! value dropped ([`names_outside_their_sets_are_named`]).

use oauth_apps_domain::{
    AppId, AuditAction, AuthMethod, ClientId, EventType, GrantType, InitialAccessToken,
    InitialAccessTokenId, LeakedSecretAction, OrgId, OrganizationPolicy, PolicyProfile,
    SelfRegistrationAllowance, SelfRegistrationLimits, WebhookId,
};

use crate::Fixture;
use crate::contract::{access_token, at, event, new_app, webhook};

/// Every member of each closed set that a list or a row of its own stores is stored and
/// read back: a webhook hearing every event type (and its deliveries of an event of each
/// action), an initial access token allowing every grant type and authentication method,
/// policies of either leak action limiting to every grant type and method.
///
/// # Panics
/// When one is refused or reads back otherwise.
pub async fn every_member_of_each_closed_set_round_trips(f: &impl Fixture) {
    let hooks = f.webhooks();
    let every = webhook(
        "acme",
        "https://hooks.acme.example/every",
        Some(EventType::ALL.to_vec()),
        22,
    );
    assert!(hooks.insert_webhook(&every, 100).await.expect("insert"));
    assert_eq!(
        hooks.find_webhook(every.id).await.expect("find"),
        Some(every.clone())
    );
    let repo = f.repository();
    let new = new_app("acme", "Every action", at(1));
    let id = repo
        .insert(&new, &event(AuditAction::Created, at(1)))
        .await
        .expect("insert");
    let mut app = new.with_id(id);
    for (second, action) in (2..).zip(&AuditAction::ALL[1..]) {
        let next = app.with_status(app.status(), at(second));
        repo.update(&next, app.version(), &event(*action, at(second)))
            .await
            .expect("update");
        app = next;
    }
    let trail = repo.list_events(id, None, 20).await.expect("trail");
    let mut actions: Vec<AuditAction> = trail.iter().map(|e| e.event.action).collect();
    actions.reverse();
    assert_eq!(actions, AuditAction::ALL);
    let mut delivered: Vec<EventType> = hooks
        .deliveries(every.id, None, 20)
        .await
        .expect("deliveries")
        .iter()
        .map(|d| d.event_type)
        .collect();
    delivered.reverse();
    assert_eq!(delivered, AuditAction::ALL.map(EventType::of));

    let tokens = f.initial_access_tokens();
    let token = InitialAccessToken {
        allowance: SelfRegistrationAllowance {
            grant_types: GrantType::ALL.to_vec(),
            scopes: Vec::new(),
            auth_methods: AuthMethod::ALL.to_vec(),
        },
        ..access_token("acme", "every member", 1, 600, None)
    };
    tokens
        .insert_initial_access_token(&token)
        .await
        .expect("insert");
    assert_eq!(
        tokens
            .find_initial_access_token(token.id)
            .await
            .expect("find"),
        Some(token)
    );
    let policies = f.policies();
    for (leaked_secret_action, profile) in [
        (LeakedSecretAction::Revoke, PolicyProfile::Fapi2),
        (LeakedSecretAction::Notify, PolicyProfile::Mcp),
    ] {
        let policy = OrganizationPolicy {
            owner_org_id: acme(),
            secret_lifetime: None,
            leaked_secret_action,
            self_registration: SelfRegistrationLimits {
                grant_types: Some(GrantType::ALL.to_vec()),
                scopes: None,
                auth_methods: Some(AuthMethod::ALL.to_vec()),
            },
            profile,
            stale_after: None,
            updated_by: "alice".into(),
            updated_at: at(1),
        };
        policies.put_policy(&policy).await.expect("put");
        assert_eq!(policies.policy(&acme()).await.expect("read"), Some(policy));
    }
}

/// What [`store_one_of_each`] stored, all in organisation `acme`.
#[derive(Debug, Clone, Copy)]
pub struct ClosedSetRows {
    /// The application's client id.
    pub client_id: ClientId,
    /// The application's id.
    pub app: AppId,
    /// The webhook.
    pub webhook: WebhookId,
    /// The initial access token.
    pub token: InitialAccessTokenId,
}

/// Stores, in organisation `acme`, a webhook hearing `application.created` and
/// `secret.rotated`, then an application (with its current secret, its `created` event
/// and that event's delivery), an initial access token and a policy: one row in each
/// table with a column of a closed set.
///
/// # Panics
/// When the store fails.
pub async fn store_one_of_each(f: &impl Fixture) -> ClosedSetRows {
    let hook = webhook(
        "acme",
        "https://hooks.acme.example/closed-sets",
        Some(vec![
            EventType::ApplicationCreated,
            EventType::SecretRotated,
        ]),
        21,
    );
    assert!(f.webhooks().insert_webhook(&hook, 100).await.expect("hook"));
    let new = new_app("acme", "Closed sets", at(1));
    let app = f
        .repository()
        .insert(&new, &event(AuditAction::Created, at(1)))
        .await
        .expect("insert");
    let token = access_token("acme", "closed-sets", 1, 600, None);
    f.initial_access_tokens()
        .insert_initial_access_token(&token)
        .await
        .expect("token");
    f.policies()
        .put_policy(&OrganizationPolicy {
            owner_org_id: acme(),
            secret_lifetime: None,
            leaked_secret_action: LeakedSecretAction::Notify,
            self_registration: SelfRegistrationLimits::default(),
            profile: PolicyProfile::Baseline,
            stale_after: None,
            updated_by: "alice".into(),
            updated_at: at(1),
        })
        .await
        .expect("policy");
    ClosedSetRows {
        client_id: *new.client_id(),
        app,
        webhook: hook.id,
        token: token.id,
    }
}

fn acme() -> OrgId {
    OrgId::parse("acme").expect("valid org")
}

/// `error` and its sources, one after the other.
#[must_use]
pub fn error_chain(error: &dyn std::error::Error) -> String {
    std::iter::successors(Some(error), |e| e.source())
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(": ")
}

/// Runs each statement of `refused` (a statement that writes a name outside the set of
/// a column, and that column) with `execute`, which answers the database's error: each is
/// refused by a check that names the column, and the rows read back as they were stored.
///
/// # Panics
/// When a statement is not refused, or not for its column's check.
pub async fn names_outside_their_sets_are_refused(
    f: &impl Fixture,
    rows: &ClosedSetRows,
    refused: &[(&str, &str)],
    execute: impl AsyncFn(&str) -> Result<(), String>,
) {
    for (statement, column) in refused {
        let error = match execute(statement).await {
            Ok(()) => panic!("{column}: accepted {statement}"),
            Err(error) => error,
        };
        assert!(
            error.contains(column) && error.to_lowercase().contains("check"),
            "{column}: {statement} refused for another reason: {error}"
        );
    }
    assert!(
        read_errors(f, rows).await.is_empty(),
        "a refused name was stored"
    );
}

/// Runs each `(write, undo, column, name)` of `unknown` with `execute` on a database
/// whose checks are off: once `write` stored `name` in `column`, every read of the store
/// that meets it fails with an error that names the column and the name (at least one
/// does); once `undo` restored it, every read succeeds again.
///
/// # Panics
/// When a read of an unknown name succeeds with another value, panics, or fails without
/// naming the column and the name.
pub async fn names_outside_their_sets_are_named(
    f: &impl Fixture,
    rows: &ClosedSetRows,
    unknown: &[(&str, &str, &str, &str)],
    execute: impl AsyncFn(&str),
) {
    assert!(read_errors(f, rows).await.is_empty(), "the rows read back");
    for (write, undo, column, name) in unknown {
        execute(write).await;
        let errors = read_errors(f, rows).await;
        assert!(
            !errors.is_empty(),
            "{name} in {column} was read as something else"
        );
        for error in errors {
            assert!(
                error.contains(column) && error.contains(name),
                "{name} in {column}: {error}"
            );
        }
        execute(undo).await;
        assert!(read_errors(f, rows).await.is_empty(), "{column} restored");
    }
}

/// The errors of the reads of `rows` that fail: the application, its trail, the feed, the
/// webhook, its deliveries, the token and the policy.
async fn read_errors(f: &impl Fixture, rows: &ClosedSetRows) -> Vec<String> {
    let mut errors = Vec::new();
    let mut keep = |result: Result<(), oauth_apps_domain::RepositoryError>| {
        if let Err(e) = result {
            errors.push(error_chain(&e));
        }
    };
    let repo = f.repository();
    keep(repo.find_by_client_id(&rows.client_id).await.map(drop));
    keep(repo.list_events(rows.app, None, 10).await.map(drop));
    keep(f.feed().events_after(0, None, 10).await.map(drop));
    let hooks = f.webhooks();
    keep(hooks.find_webhook(rows.webhook).await.map(drop));
    keep(hooks.deliveries(rows.webhook, None, 10).await.map(drop));
    let tokens = f.initial_access_tokens();
    keep(tokens.find_initial_access_token(rows.token).await.map(drop));
    keep(f.policies().policy(&acme()).await.map(drop));
    errors
}
