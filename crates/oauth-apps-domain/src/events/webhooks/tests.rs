//! Webhooks: who manages them, what is checked, the secret shown once and kept sealed, and
//! the dispatcher's signing, retries, give-up and order.

use std::time::Duration;

use crate::events::feed::FeedEntry;
use crate::events::webhooks::dispatcher::{RetryPolicy, WebhookDispatcher};
use crate::events::webhooks::errors::WebhookError;
use crate::events::webhooks::fakes::{InMemoryWebhooks, RecordingSender};
use crate::events::webhooks::model::{
    DeliveryStatus, EventType, Webhook, WebhookSigningSecret, message_id, seal_context,
};
use crate::events::webhooks::ports::WebhookRepository;
use crate::events::webhooks::service::{CreateWebhook, WebhookPatch, WebhookPorts, WebhookService};
use crate::shared::precondition::Precondition;
use crate::shared::sealing::{FakeSealer, Sealer};
use crate::test_support::*;

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
            changed_fields: vec![ChangedField::Name],
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
        None,
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
            None,
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
    let dispatcher = WebhookDispatcher::new(
        h.ports.clone(),
        RetryPolicy::default(),
        std::sync::Arc::new(crate::testing::JsonChanges),
    );
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
    let dispatcher = WebhookDispatcher::new(
        h.ports.clone(),
        RetryPolicy::default(),
        std::sync::Arc::new(crate::testing::JsonChanges),
    );
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
    let dispatcher = WebhookDispatcher::new(
        h.ports.clone(),
        retry,
        std::sync::Arc::new(crate::testing::JsonChanges),
    );
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

/// A webhook of `org` at `url`, stored directly (another organisation's admins made it).
fn stored_hook(h: &Hooks, org: &str, url: &str, n: u8) -> Webhook {
    let hook = Webhook {
        id: crate::WebhookId::from_random_bytes([n; 16]),
        owner_org_id: OrgId::parse(org).unwrap(),
        url: crate::WebhookUrl::parse(url).unwrap(),
        events: None,
        secret: FakeSealer
            .seal(
                &[n; 32],
                &seal_context(crate::WebhookId::from_random_bytes([n; 16])),
            )
            .unwrap(),
        previous_secret: None,
        created_by: "someone".into(),
        created_at: at(NOW),
        updated_at: at(NOW),
        version: 1,
    };
    assert!(block_on(h.store.insert_webhook(&hook, 100)).unwrap());
    hook
}

/// An event of application `client` of `org`.
fn org_entry(position: i64, client: u8, org: &str) -> FeedEntry {
    FeedEntry {
        owner_org_id: OrgId::parse(org).unwrap(),
        ..entry(position, client, AuditAction::Created)
    }
}

/// Polls `done` between yields of the other futures it is joined with, up to `tries`
/// times; whether it held.
async fn eventually(tries: usize, done: impl Fn() -> bool) -> bool {
    for _ in 0..tries {
        if done() {
            return true;
        }
        yield_once().await;
    }
    done()
}

/// Lets the other joined futures run once.
async fn yield_once() {
    let mut yielded = false;
    std::future::poll_fn(|cx| {
        if yielded {
            std::task::Poll::Ready(())
        } else {
            yielded = true;
            cx.waker().wake_by_ref();
            std::task::Poll::Pending
        }
    })
    .await;
}

/// One organisation with five receivers that never answer and a backlog of a hundred
/// events; another organisation's event, recorded after all of them, is delivered while
/// those attempts hang, and the hanging organisation holds no more attempts than its
/// share. Once they time out, each of its webhooks backs off as a whole: none of their
/// other deliveries is attempted before the retry time.
#[test]
fn one_organisations_hanging_receivers_do_not_hold_up_another() {
    let h = hooks_with(RecordingSender::hanging("hang.acme.example"));
    let noisy: Vec<_> = (1..=5)
        .map(|n| stored_hook(&h, "acme", &format!("https://hang.acme.example/{n}"), n))
        .collect();
    let quiet = stored_hook(&h, "globex", "https://hooks.globex.example/in", 9);
    for event in 1..=100_u8 {
        for hook in &noisy {
            h.store
                .add_delivery(hook.id, org_entry(i64::from(event), event, "acme"));
        }
    }
    h.store
        .add_delivery(quiet.id, org_entry(101, 200, "globex"));
    let dispatcher = WebhookDispatcher::new(
        h.ports.clone(),
        RetryPolicy::default(),
        std::sync::Arc::new(crate::testing::JsonChanges),
    )
    .with_per_org(4);
    let quiet_sent = || {
        h.sender
            .sent()
            .iter()
            .any(|(url, _)| url.as_str().contains("globex"))
    };
    let (round, delivered_while_hanging) =
        block_on(futures_util::future::join(dispatcher.run_once(16), async {
            let delivered = eventually(1000, quiet_sent).await;
            h.sender.release();
            delivered
        }));
    assert!(
        delivered_while_hanging,
        "the other organisation's delivery waited for the hanging ones"
    );
    let round = round.unwrap();
    assert_eq!((round.leased, round.delivered, round.failed), (5, 1, 4));
    let noisy_urls: Vec<String> = h
        .sender
        .sent()
        .iter()
        .filter(|(url, _)| url.as_str().contains("hang"))
        .map(|(url, _)| url.as_str().to_owned())
        .collect();
    assert_eq!(noisy_urls.len(), 4, "its share of attempts, no more");
    let mut distinct = noisy_urls.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), 4, "its webhooks took turns: {noisy_urls:?}");
    // The four webhooks that timed out back off as a whole; the fifth gets its turn.
    let next = block_on(dispatcher.lease(100)).unwrap();
    assert_eq!(next.len(), 4, "the organisation's share again");
    assert!(
        next.iter()
            .all(|d| !noisy_urls.contains(&d.webhook.url.as_str().to_owned())),
        "a webhook that timed out waits for its retry time"
    );
}

/// A receiver that answers (even with an error other than 429 or 503) is retried
/// delivery by delivery: its webhook's other deliveries are not held back.
#[test]
fn a_receiver_that_answers_an_error_does_not_hold_back_its_other_deliveries() {
    let h = hooks_with(RecordingSender::answering(&[500]));
    let hook = stored_hook(&h, "acme", "https://hooks.acme.example/in", 1);
    h.store.add_delivery(hook.id, org_entry(1, 1, "acme"));
    let dispatcher = WebhookDispatcher::new(
        h.ports.clone(),
        RetryPolicy::default(),
        std::sync::Arc::new(crate::testing::JsonChanges),
    );
    let round = block_on(dispatcher.run_once(1)).unwrap();
    assert_eq!(round.failed, 1);
    h.store.add_delivery(hook.id, org_entry(2, 2, "acme"));
    assert_eq!(block_on(dispatcher.run_once(10)).unwrap().delivered, 1);
}

#[test]
fn an_organisation_has_at_most_its_limit_of_webhooks() {
    let h = hooks_with(RecordingSender::new());
    let service = WebhookService::new(h.ports.clone()).with_max_per_org(2);
    let first =
        block_on(service.create(&admin(), create("https://hooks.acme.example/1", None))).unwrap();
    block_on(service.create(&admin(), create("https://hooks.acme.example/2", None))).unwrap();
    let refused = block_on(service.create(&admin(), create("https://hooks.acme.example/3", None)));
    assert!(
        matches!(refused, Err(WebhookError::TooMany(2))),
        "{refused:?}"
    );
    let message = refused.unwrap_err().to_string();
    assert!(message.contains("2 webhooks"), "{message}");
    assert_eq!(block_on(service.list(&admin(), "acme")).unwrap().len(), 2);
    // Another organisation has its own count; a deleted webhook frees its place.
    stored_hook(&h, "globex", "https://hooks.globex.example/", 7);
    block_on(service.delete(&admin(), &first.webhook.id.to_string())).unwrap();
    block_on(service.create(&admin(), create("https://hooks.acme.example/3", None))).unwrap();
    // The default is ten.
    let h = hooks_with(RecordingSender::new());
    let service = WebhookService::new(h.ports.clone());
    for n in 0..10 {
        block_on(service.create(&admin(), create(&format!("https://h.example/{n}"), None)))
            .unwrap();
    }
    assert!(matches!(
        block_on(service.create(&admin(), create("https://h.example/10", None))),
        Err(WebhookError::TooMany(10))
    ));
}

#[test]
fn urls_are_stored_normalised_and_confusable_ones_refused() {
    let h = hooks_with(RecordingSender::new());
    let service = WebhookService::new(h.ports.clone());
    let created = block_on(service.create(
        &admin(),
        create("HTTPS://Hooks.Acme.Example:443/a/../in", None),
    ))
    .unwrap();
    assert_eq!(
        created.webhook.url.as_str(),
        "https://hooks.acme.example/in"
    );
    let id = created.webhook.id.to_string();
    for url in [
        "https://hooks.example\\@10.0.0.1/",
        "https://user@hooks.example/",
        "https://hooks.exa\u{200B}mple/",
    ] {
        let refused = block_on(service.create(&admin(), create(url, None)));
        assert!(
            matches!(&refused, Err(WebhookError::Invalid(e)) if e.concerns(Field::Url)),
            "{url}: {refused:?}"
        );
        let patched = block_on(service.update(
            &admin(),
            &id,
            WebhookPatch {
                url: Some(url.into()),
                events: None,
            },
            None,
        ));
        assert!(matches!(patched, Err(WebhookError::Invalid(_))), "{url}");
    }
    let changed = block_on(service.update(
        &admin(),
        &id,
        WebhookPatch {
            url: Some("https://HOOKS.acme.example/v2/./x".into()),
            events: None,
        },
        None,
    ))
    .unwrap();
    assert_eq!(changed.url.as_str(), "https://hooks.acme.example/v2/x");
    assert_eq!(block_on(service.list(&admin(), "acme")).unwrap().len(), 1);
}

#[test]
fn a_change_with_if_match_is_made_to_the_named_version_only() {
    let h = hooks_with(RecordingSender::new());
    let service = WebhookService::new(h.ports.clone());
    let id = block_on(service.create(&admin(), create("https://hooks.acme.example/", None)))
        .unwrap()
        .webhook
        .id
        .to_string();
    let patch = |url: &str| WebhookPatch {
        url: Some(url.into()),
        events: None,
    };
    let v = |n| crate::Version::new(n).unwrap();
    let first = Precondition::from(v(1));
    let changed = block_on(service.update(
        &admin(),
        &id,
        patch("https://hooks.acme.example/a"),
        Some(&first),
    ))
    .unwrap();
    assert_eq!(changed.version, 2);
    // A second admin still holding version 1 writes nothing.
    assert!(matches!(
        block_on(service.update(
            &admin(),
            &id,
            patch("https://hooks.acme.example/b"),
            Some(&first)
        )),
        Err(WebhookError::PreconditionFailed)
    ));
    // Even an invalid change answers the precondition first; nothing is written.
    assert!(matches!(
        block_on(service.update(&admin(), &id, patch("http://x"), Some(&first))),
        Err(WebhookError::PreconditionFailed)
    ));
    let stored = block_on(service.get(&admin(), &id)).unwrap();
    assert_eq!(stored.url.as_str(), "https://hooks.acme.example/a");
    assert!(matches!(
        block_on(service.update(
            &admin(),
            &id,
            patch("https://hooks.acme.example/b"),
            Some(&Precondition::OneOf(vec![v(7), v(2)]))
        )),
        Ok(w) if w.version == 3
    ));
    assert!(matches!(
        block_on(service.update(
            &admin(),
            &id,
            patch("https://hooks.acme.example/c"),
            Some(&Precondition::Any)
        )),
        Ok(w) if w.version == 4
    ));
    // The caller's access is checked first: an outsider learns nothing.
    assert!(matches!(
        block_on(service.update(&outsider(), &id, patch("https://x.example/"), Some(&first))),
        Err(WebhookError::NotFound)
    ));
}

#[test]
fn the_fakes_delivery_ids_are_never_reused_after_a_webhook_is_deleted() {
    // As a store's identity column: an id names one delivery for ever.
    let store = InMemoryWebhooks::new();
    let gone = crate::events::webhooks::model::WebhookId::from_random_bytes([1; 16]);
    let kept = crate::events::webhooks::model::WebhookId::from_random_bytes([2; 16]);
    let first = store.add_delivery(gone, entry(1, 1, AuditAction::Created));
    let second = store.add_delivery(kept, entry(1, 1, AuditAction::Created));
    // No such webhook is stored: only its deliveries go.
    assert!(!block_on(store.delete_webhook(gone)).unwrap());
    let third = store.add_delivery(kept, entry(2, 1, AuditAction::Updated));
    assert!(first < second && second < third, "{first} {second} {third}");
    let listed = block_on(store.deliveries(kept, None, 10)).unwrap();
    assert_eq!(
        listed.iter().map(|d| d.id).collect::<Vec<_>>(),
        [third, second]
    );
}
