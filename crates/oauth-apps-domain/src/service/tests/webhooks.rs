//! Webhooks: who manages them, what is checked, the secret shown once and kept sealed, and
//! the dispatcher's signing, retries, give-up and order.

use std::time::Duration;

use super::*;
use crate::model::{DeliveryStatus, EventType, WebhookSigningSecret, message_id};
use crate::ports::{FeedEntry, Sealer, WebhookRepository};
use crate::service::{
    CreateWebhook, RetryPolicy, WebhookDispatcher, WebhookError, WebhookPatch, WebhookPorts,
    WebhookService,
};
use crate::testing::{FakeSealer, InMemoryWebhooks, RecordingSender};

struct Hooks {
    store: Arc<InMemoryWebhooks>,
    sender: Arc<RecordingSender>,
    clock: Arc<FixedClock>,
    ports: WebhookPorts,
}

fn hooks_with(sender: RecordingSender) -> Hooks {
    let store = Arc::new(InMemoryWebhooks::new());
    let sender = Arc::new(sender);
    let clock = Arc::new(FixedClock::new(at(NOW)));
    let ports = WebhookPorts {
        repository: store.clone(),
        sealer: Arc::new(FakeSealer),
        sender: sender.clone(),
        clock: clock.clone(),
        random: Arc::new(SeededRandom::new(SEED)),
    };
    Hooks {
        store,
        sender,
        clock,
        ports,
    }
}

fn create(url: &str, events: Option<Vec<&str>>) -> CreateWebhook {
    CreateWebhook {
        owner_org_id: "acme".into(),
        url: url.into(),
        events: events.map(|e| e.into_iter().map(str::to_owned).collect()),
    }
}

fn entry(position: i64, client: u8, action: AuditAction) -> FeedEntry {
    FeedEntry {
        position,
        client_id: ClientId::from_random_bytes([client; 16]),
        owner_org_id: OrgId::parse("acme").unwrap(),
        event: AuditEvent {
            action,
            actor: "alice".into(),
            request_id: Some("req-1".into()),
            client_request_id: None,
            changed_fields: vec![Field::Name],
            at: at(NOW),
        },
    }
}

#[test]
fn admins_create_webhooks_and_see_the_secret_once_while_only_a_sealed_key_is_kept() {
    let h = hooks_with(RecordingSender::new());
    let service = WebhookService::new(h.ports.clone());
    let created = block_on(service.create(
        &admin(),
        create(
            "https://hooks.acme.example/in",
            Some(vec!["secret.rotated", "application.created"]),
        ),
    ))
    .unwrap();
    let secret = created.secret.expose().to_owned();
    assert!(secret.starts_with("whsec_"));
    let stored = block_on(h.store.find_webhook(created.webhook.id))
        .unwrap()
        .unwrap();
    assert_eq!(
        stored.events,
        Some(vec![
            EventType::ApplicationCreated,
            EventType::SecretRotated
        ])
    );
    assert_eq!(stored.created_by, "alice");
    let key = FakeSealer
        .open(&stored.secret, &stored.seal_context())
        .unwrap();
    assert_eq!(WebhookSigningSecret::of_key(&key).expose(), secret);
    // Reading it back never shows the secret: the domain type has none to show.
    let read = block_on(service.get(&admin(), &created.webhook.id.to_string())).unwrap();
    assert_eq!(read, stored);
    assert_eq!(
        block_on(service.list(&admin(), "acme")).unwrap(),
        vec![stored]
    );
}

#[test]
fn members_are_refused_outsiders_see_nothing_and_bad_fields_are_named() {
    let h = hooks_with(RecordingSender::refusing("10.0.0.1"));
    let service = WebhookService::new(h.ports.clone());
    assert!(matches!(
        block_on(service.create(&member(), create("https://hooks.acme.example/", None))),
        Err(WebhookError::Forbidden(_))
    ));
    assert!(matches!(
        block_on(service.create(&outsider(), create("https://hooks.acme.example/", None))),
        Err(WebhookError::NotFound)
    ));
    let Err(WebhookError::Invalid(errors)) = block_on(service.create(
        &admin(),
        CreateWebhook {
            owner_org_id: "acme corp".into(),
            url: "http://hooks.acme.example/".into(),
            events: Some(vec!["application.deleted".into()]),
        },
    )) else {
        panic!("invalid");
    };
    assert_eq!(
        errors
            .errors()
            .iter()
            .map(|e| (e.field, e.index))
            .collect::<Vec<_>>(),
        [
            (Field::OwnerOrgId, None),
            (Field::Url, None),
            (Field::Events, Some(0))
        ]
    );
    let Err(WebhookError::Invalid(refused)) =
        block_on(service.create(&admin(), create("https://10.0.0.1/hook", None)))
    else {
        panic!("refused by the outbound policy");
    };
    assert!(refused.errors()[0].to_string().contains("outbound policy"));
    assert!(block_on(service.list(&admin(), "acme")).unwrap().is_empty());
    let created =
        block_on(service.create(&admin(), create("https://hooks.acme.example/", None))).unwrap();
    let id = created.webhook.id.to_string();
    assert!(matches!(
        block_on(service.get(&member(), &id)),
        Err(WebhookError::Forbidden(_))
    ));
    assert!(matches!(
        block_on(service.get(&outsider(), &id)),
        Err(WebhookError::NotFound)
    ));
    assert!(matches!(
        block_on(service.get(&admin(), "not-a-uuid")),
        Err(WebhookError::NotFound)
    ));
}

#[test]
fn updates_replace_what_is_given_and_a_rotation_keeps_the_previous_key_for_a_day() {
    let h = hooks_with(RecordingSender::new());
    let service = WebhookService::new(h.ports.clone());
    let created = block_on(service.create(
        &admin(),
        create("https://hooks.acme.example/", Some(vec!["keys.rotated"])),
    ))
    .unwrap();
    let id = created.webhook.id.to_string();
    let changed = block_on(service.update(
        &admin(),
        &id,
        WebhookPatch {
            url: Some("https://hooks.acme.example/v2".into()),
            events: Some(None),
        },
    ))
    .unwrap();
    assert_eq!(changed.url.as_str(), "https://hooks.acme.example/v2");
    assert_eq!(changed.events, None);
    assert_eq!(changed.version, 2);
    assert!(matches!(
        block_on(service.update(
            &admin(),
            &id,
            WebhookPatch {
                url: None,
                events: Some(Some(Vec::new())),
            },
        )),
        Err(WebhookError::Invalid(e)) if e.concerns(Field::Events)
    ));
    let rotated = block_on(service.rotate_secret(&admin(), &id)).unwrap();
    assert_ne!(rotated.secret.expose(), created.secret.expose());
    let (previous, until) = rotated.webhook.previous_secret.clone().unwrap();
    assert_eq!(previous, created.webhook.secret);
    assert_eq!(until, at(NOW).plus_seconds(24 * 3600));
    // Delivered now, a message carries both keys; after the day, only the new one.
    h.store
        .add_delivery(rotated.webhook.id, entry(1, 1, AuditAction::Created));
    h.store
        .add_delivery(rotated.webhook.id, entry(2, 2, AuditAction::Created));
    let dispatcher = WebhookDispatcher::new(h.ports.clone(), RetryPolicy::default());
    assert_eq!(block_on(dispatcher.run_once(1)).unwrap().delivered, 1);
    h.clock.set(at(NOW + 24 * 3600));
    assert_eq!(block_on(dispatcher.run_once(1)).unwrap().delivered, 1);
    let sent = h.sender.sent();
    assert_eq!(sent[0].1.keys.len(), 2);
    assert_eq!(sent[1].1.keys.len(), 1);
    assert_eq!(
        WebhookSigningSecret::of_key(&sent[1].1.keys[0]).expose(),
        rotated.secret.expose()
    );
    block_on(service.delete(&admin(), &id)).unwrap();
    assert!(matches!(
        block_on(service.get(&admin(), &id)),
        Err(WebhookError::NotFound)
    ));
}

/// A receiver that fails three times gets the event once more, with the same message id,
/// after waits that double.
#[test]
fn a_failing_receiver_is_retried_with_doubling_waits_then_acknowledged_once() {
    let h = hooks_with(RecordingSender::answering(&[500, 500, 500]));
    let service = WebhookService::new(h.ports.clone());
    let hook = block_on(service.create(&admin(), create("https://hooks.acme.example/", None)))
        .unwrap()
        .webhook;
    let id = h
        .store
        .add_delivery(hook.id, entry(9, 1, AuditAction::Disabled));
    let dispatcher = WebhookDispatcher::new(h.ports.clone(), RetryPolicy::default());
    let mut waited = Vec::new();
    for _ in 0..4 {
        let round = block_on(dispatcher.run_once(10)).unwrap();
        assert_eq!(round.leased, 1);
        let listed = block_on(h.store.deliveries(hook.id, None, 10)).unwrap();
        if let Some(next) = listed[0].next_attempt_at {
            // Nothing is due before the retry time.
            assert_eq!(block_on(dispatcher.run_once(10)).unwrap().leased, 0);
            waited.push((next.unix_micros() - h.clock.now().unix_micros()) / 1_000_000);
            h.clock.set(next);
        }
    }
    assert_eq!(waited, [5, 10, 20]);
    let listed = block_on(h.store.deliveries(hook.id, None, 10)).unwrap();
    assert_eq!(listed[0].status, DeliveryStatus::Delivered);
    assert_eq!(listed[0].attempts, 4);
    let sent = h.sender.sent();
    assert_eq!(sent.len(), 4);
    assert!(sent.iter().all(|(_, m)| m.id == message_id(id)));
    let body: serde_json::Value = serde_json::from_slice(&sent[3].1.body).unwrap();
    assert_eq!(body["type"], "application.disabled");
    assert_eq!(body["data"]["position"], 9);
    assert_eq!(body["data"]["changedFields"], serde_json::json!(["name"]));
    assert_eq!(block_on(dispatcher.run_once(10)).unwrap().leased, 0);
}

#[test]
fn a_delivery_is_failed_when_the_retry_window_ends_and_the_next_one_goes() {
    let h = hooks_with(RecordingSender::answering(&[503; 10]));
    let service = WebhookService::new(h.ports.clone());
    let hook = block_on(service.create(&admin(), create("https://hooks.acme.example/", None)))
        .unwrap()
        .webhook;
    h.store
        .add_delivery(hook.id, entry(1, 1, AuditAction::Created));
    h.store
        .add_delivery(hook.id, entry(2, 1, AuditAction::Updated));
    let retry = RetryPolicy {
        first_delay: Duration::from_secs(60),
        give_up_after: Duration::from_secs(150),
        ..RetryPolicy::default()
    };
    let dispatcher = WebhookDispatcher::new(h.ports.clone(), retry);
    // The second event of the application waits behind the first.
    assert_eq!(block_on(dispatcher.run_once(10)).unwrap().leased, 1);
    h.clock.set(at(NOW + 60));
    assert_eq!(block_on(dispatcher.run_once(10)).unwrap().leased, 1);
    let listed = block_on(h.store.deliveries(hook.id, None, 10)).unwrap();
    let first = listed.iter().find(|d| d.position == 1).unwrap();
    assert_eq!(
        first.status,
        DeliveryStatus::Failed,
        "60 + 120 s is past 150 s"
    );
    assert_eq!(first.last_status, Some(503));
    assert_eq!(first.last_error.as_deref(), Some("answered 503"));
    // Now the second goes.
    let round = block_on(dispatcher.run_once(10)).unwrap();
    assert_eq!(round.leased, 1);
    let sent = h.sender.sent();
    let bodies: Vec<serde_json::Value> = sent
        .iter()
        .map(|(_, m)| serde_json::from_slice(&m.body).unwrap())
        .collect();
    assert_eq!(
        bodies
            .iter()
            .map(|b| b["data"]["position"].as_i64().unwrap())
            .collect::<Vec<_>>(),
        [1, 1, 2]
    );
}
