//! Webhooks and their deliveries: written with each event, leased fairly and once.

#[allow(clippy::wildcard_imports)]
use super::*;

/// A webhook of `org` at `url` hearing `events` (every type when `None`).
pub(crate) fn webhook(org_id: &str, url: &str, events: Option<Vec<EventType>>, n: u8) -> Webhook {
    Webhook {
        id: WebhookId::from_random_bytes([n; 16]),
        owner_org_id: org(org_id),
        url: WebhookUrl::parse(url).expect("valid url"),
        events,
        secret: Sealed(vec![1, n, 3]),
        previous_secret: None,
        created_by: "alice".into(),
        created_at: at(5),
        updated_at: at(5),
        version: 1,
    }
}

/// The event types and positions of the deliveries of `hook`, oldest first.
pub(super) async fn delivered_types(
    hooks: &dyn WebhookRepository,
    hook: WebhookId,
) -> Vec<(EventType, ClientId)> {
    let mut list = hooks.deliveries(hook, None, 100).await.expect("deliveries");
    list.reverse();
    list.into_iter()
        .map(|d| (d.event_type, d.client_id))
        .collect()
}

/// A delivery is written with each new event, in its transaction, for each webhook of the
/// application's organisation that hears its type; none for another organisation's, none
/// for an imported event.
pub async fn webhook_deliveries_are_written_with_each_event_for_the_webhooks_that_hear_it(
    f: &impl Fixture,
) {
    let repo = f.repository();
    let hooks = f.webhooks();
    let every = webhook("acme", "https://hooks.acme.example/all", None, 1);
    let rotations = webhook(
        "acme",
        "https://hooks.acme.example/rotations",
        Some(vec![EventType::SecretRotated]),
        2,
    );
    let globex = webhook("globex", "https://hooks.globex.example/", None, 3);
    for h in [&every, &rotations, &globex] {
        assert!(hooks.insert_webhook(h, 100).await.expect("insert webhook"));
    }
    let app = insert(&*repo, new_app("acme", "Hooked", at(10))).await;
    let next = renamed(&app, "Hooked again", at(11));
    write(
        &*repo,
        &app,
        &next,
        AuditAction::Updated,
        vec![ChangedField::Name],
    )
    .await;
    let rotated = renamed(&next, "Hooked again", at(12));
    write(&*repo, &next, &rotated, AuditAction::SecretRotated, vec![]).await;
    let id = *app.client_id();
    assert_eq!(
        delivered_types(&*hooks, every.id).await,
        [
            (EventType::ApplicationCreated, id),
            (EventType::ApplicationUpdated, id),
            (EventType::SecretRotated, id),
        ]
    );
    assert_eq!(
        delivered_types(&*hooks, rotations.id).await,
        [(EventType::SecretRotated, id)]
    );
    assert!(delivered_types(&*hooks, globex.id).await.is_empty());
    let pending = hooks.deliveries(every.id, None, 100).await.expect("list");
    assert!(pending.iter().all(|d| d.status == DeliveryStatus::Pending
        && d.attempts == 0
        && d.next_attempt_at.is_some()));
    // Newest first, a page at a time.
    let first = hooks.deliveries(every.id, None, 2).await.expect("list");
    assert_eq!(first.len(), 2);
    let rest = hooks
        .deliveries(every.id, Some(first[1].id), 2)
        .await
        .expect("list");
    assert_eq!(rest.len(), 1);
    assert!(rest[0].id < first[1].id);
    // A failed write writes no delivery.
    let stale = renamed(&app, "Stale", at(13));
    assert!(matches!(
        repo.update(&stale, app.version(), &event(AuditAction::Updated, at(13)))
            .await,
        Err(RepositoryError::VersionConflict)
    ));
    assert_eq!(delivered_types(&*hooks, every.id).await.len(), 3);
    // Deleting a webhook deletes its deliveries.
    assert!(hooks.delete_webhook(every.id).await.expect("delete"));
    assert!(!hooks.delete_webhook(every.id).await.expect("delete again"));
    assert!(
        hooks
            .deliveries(every.id, None, 10)
            .await
            .expect("list")
            .is_empty()
    );
    assert_eq!(delivered_types(&*hooks, rotations.id).await.len(), 1);
}

/// Webhooks round-trip; an update names the version it read, and a stale one is a
/// conflict that writes nothing.
pub async fn webhooks_round_trip_with_compare_and_set(f: &impl Fixture) {
    let hooks = f.webhooks();
    let mut hook = webhook(
        "acme",
        "https://hooks.acme.example/x?y=1",
        Some(vec![EventType::ApplicationCreated, EventType::SecretLeaked]),
        4,
    );
    hook.previous_secret = Some((Sealed(vec![9; 40]), at(99)));
    assert!(hooks.insert_webhook(&hook, 100).await.expect("insert"));
    assert_eq!(
        hooks.find_webhook(hook.id).await.expect("find"),
        Some(hook.clone())
    );
    let other = webhook("acme", "https://hooks.acme.example/z", None, 5);
    assert!(hooks.insert_webhook(&other, 100).await.expect("insert"));
    assert_eq!(hooks.webhooks(&org("acme")).await.expect("list").len(), 2);
    assert!(
        hooks
            .webhooks(&org("globex"))
            .await
            .expect("list")
            .is_empty()
    );
    let mut changed = hook.clone();
    changed.url = WebhookUrl::parse("https://hooks.acme.example/new").expect("url");
    changed.events = None;
    changed.previous_secret = None;
    changed.version = 2;
    changed.updated_at = at(50);
    hooks.update_webhook(&changed, 1).await.expect("update");
    assert_eq!(
        hooks.find_webhook(hook.id).await.expect("find"),
        Some(changed.clone())
    );
    assert!(matches!(
        hooks.update_webhook(&hook, 1).await,
        Err(RepositoryError::VersionConflict)
    ));
    assert_eq!(
        hooks.find_webhook(hook.id).await.expect("find"),
        Some(changed)
    );
    let gone = webhook("acme", "https://hooks.acme.example/gone", None, 6);
    assert!(matches!(
        hooks.update_webhook(&gone, 1).await,
        Err(RepositoryError::NotFound)
    ));
    // A URL stored before URLs were normalised reads back as stored.
    let mut legacy = webhook("acme", "https://hooks.acme.example/", None, 9);
    legacy.url = WebhookUrl::restore("https://Hooks.acme.example\\@10.0.0.1").expect("url");
    assert!(hooks.insert_webhook(&legacy, 100).await.expect("insert"));
    assert_eq!(
        hooks.find_webhook(legacy.id).await.expect("find"),
        Some(legacy)
    );
}

/// Only the oldest pending delivery of a webhook and application is leased; a leased one
/// is not leased again until its lease ends; an attempt is finished only by its holder.
pub async fn leases_keep_each_applications_order_and_one_holder(f: &impl Fixture) {
    let repo = f.repository();
    let hooks = f.webhooks();
    let hook = webhook("acme", "https://hooks.acme.example/", None, 7);
    assert!(
        hooks
            .insert_webhook(&hook, 100)
            .await
            .expect("insert webhook")
    );
    let a = insert(&*repo, new_app("acme", "A", at(10))).await;
    let b = insert(&*repo, new_app("acme", "B", at(10))).await;
    let a2 = renamed(&a, "A2", at(20));
    write(
        &*repo,
        &a,
        &a2,
        AuditAction::Updated,
        vec![ChangedField::Name],
    )
    .await;
    let now = at(1_000);
    let leased = hooks
        .lease_deliveries(now, at(1_060), 10, 100)
        .await
        .expect("lease");
    assert_eq!(
        leased
            .iter()
            .map(|d| (d.entry.client_id, d.entry.event.action, d.attempt))
            .collect::<Vec<_>>(),
        [
            (*a.client_id(), AuditAction::Created, 1),
            (*b.client_id(), AuditAction::Created, 1),
        ],
        "the heads of each application, nothing behind them"
    );
    assert_eq!(leased[0].webhook, hook);
    assert!(leased[0].id < leased[1].id);
    // Leased: nobody gets them again, on this replica or another.
    let other = f.other_webhooks();
    assert!(
        hooks
            .lease_deliveries(now, at(1_060), 10, 100)
            .await
            .expect("lease")
            .is_empty()
    );
    assert!(
        other
            .lease_deliveries(now, at(1_060), 10, 100)
            .await
            .expect("lease")
            .is_empty()
    );
    // The first application's head is delivered: its next event is due.
    let delivered = DeliveryOutcome::Delivered {
        status: 204,
        at: at(1_001),
    };
    assert!(
        hooks
            .finish_delivery(leased[0].id, 1, &delivered)
            .await
            .expect("finish")
    );
    assert!(
        !hooks
            .finish_delivery(leased[0].id, 1, &delivered)
            .await
            .expect("again")
    );
    let next = other
        .lease_deliveries(now, at(1_060), 10, 100)
        .await
        .expect("lease");
    assert_eq!(next.len(), 1);
    assert_eq!(next[0].entry.event.action, AuditAction::Updated);
    assert!(
        other
            .finish_delivery(next[0].id, 1, &delivered)
            .await
            .expect("finish")
    );
    // The second application's head fails and is retried later; until then, nothing.
    let retry = DeliveryOutcome::Retry {
        status: Some(500),
        error: "answered 500".into(),
        retry_at: at(2_000),
    };
    assert!(
        hooks
            .finish_delivery(leased[1].id, 1, &retry)
            .await
            .expect("finish")
    );
    assert!(
        hooks
            .lease_deliveries(at(1_500), at(1_560), 10, 100)
            .await
            .expect("lease")
            .is_empty()
    );
    let again = hooks
        .lease_deliveries(at(2_000), at(2_060), 10, 100)
        .await
        .expect("lease");
    assert_eq!(
        again.iter().map(|d| (d.id, d.attempt)).collect::<Vec<_>>(),
        [(leased[1].id, 2)]
    );
    // A lease that ran out is taken over; the first holder can no longer finish it.
    let taken = other
        .lease_deliveries(at(2_100), at(2_160), 10, 100)
        .await
        .expect("lease");
    assert!(taken.iter().any(|d| d.id == leased[1].id && d.attempt == 3));
    assert!(
        !hooks
            .finish_delivery(leased[1].id, 2, &delivered)
            .await
            .expect("stale")
    );
    let failed = DeliveryOutcome::Failed {
        status: None,
        error: "connection failure".into(),
    };
    assert!(
        other
            .finish_delivery(leased[1].id, 3, &failed)
            .await
            .expect("finish")
    );
    let listed = hooks.deliveries(hook.id, None, 10).await.expect("list");
    let row = |id| listed.iter().find(|d| d.id == id).expect("listed");
    assert_eq!(row(leased[0].id).status, DeliveryStatus::Delivered);
    assert_eq!(row(leased[0].id).last_status, Some(204));
    assert_eq!(row(leased[0].id).delivered_at, Some(at(1_001)));
    assert_eq!(row(leased[0].id).next_attempt_at, None);
    assert_eq!(row(leased[1].id).status, DeliveryStatus::Failed);
    assert_eq!(row(leased[1].id).attempts, 3);
    assert_eq!(
        row(leased[1].id).last_error.as_deref(),
        Some("connection failure")
    );
}

/// Two replicas leasing at once, each finishing what it leased, take every delivery once.
pub async fn replicas_leasing_at_once_take_each_delivery_once(f: &impl Fixture) {
    const APPS: usize = 30;
    let repo = f.repository();
    let hooks = f.webhooks();
    let hook = webhook("acme", "https://hooks.acme.example/", None, 8);
    assert!(
        hooks
            .insert_webhook(&hook, 100)
            .await
            .expect("insert webhook")
    );
    for i in 0..APPS {
        insert(&*repo, new_app("acme", &format!("R{i}"), at(10))).await;
    }
    let workers: Vec<_> = [
        hooks.clone(),
        f.other_webhooks(),
        hooks.clone(),
        f.other_webhooks(),
    ]
    .into_iter()
    .map(|store| {
        tokio::spawn(async move {
            let mut taken = Vec::new();
            loop {
                let leased = store
                    .lease_deliveries(at(1_000), at(1_060), 3, 100)
                    .await
                    .expect("lease");
                if leased.is_empty() {
                    return taken;
                }
                for d in leased {
                    let done = DeliveryOutcome::Delivered {
                        status: 200,
                        at: at(1_001),
                    };
                    assert!(
                        store
                            .finish_delivery(d.id, d.attempt, &done)
                            .await
                            .expect("finish")
                    );
                    taken.push(d.id);
                }
            }
        })
    })
    .collect();
    let mut all = Vec::new();
    for w in workers {
        all.extend(w.await.expect("worker"));
    }
    let count = all.len();
    all.sort_unstable();
    all.dedup();
    assert_eq!((count, all.len()), (APPS, APPS), "each delivery once");
}

/// Leasing takes turns: every organisation's first due delivery before any one's second,
/// and within an organisation its webhooks in turn; an organisation holds at most its
/// share of leases at once (on any replica); a webhook's deferred deliveries wait, and
/// the leased ones are left alone.
pub async fn leases_take_turns_between_organisations_and_webhooks(f: &impl Fixture) {
    let repo = f.repository();
    let hooks = f.webhooks();
    let other = f.other_webhooks();
    let noisy: Vec<Webhook> = (0..3_u8)
        .map(|i| {
            webhook(
                "acme",
                &format!("https://hooks.acme.example/{i}"),
                None,
                20 + i,
            )
        })
        .collect();
    let quiet = webhook("globex", "https://hooks.globex.example/", None, 30);
    for h in noisy.iter().chain([&quiet]) {
        assert!(hooks.insert_webhook(h, 100).await.expect("insert webhook"));
    }
    // Four applications of acme (a delivery to each of its three webhooks for each),
    // then one of globex: the twelve oldest deliveries are acme's.
    for i in 0..4 {
        insert(&*repo, new_app("acme", &format!("N{i}"), at(10))).await;
    }
    insert(&*repo, new_app("globex", "Q", at(11))).await;
    let now = at(1_000);
    let first = hooks
        .lease_deliveries(now, at(1_060), 4, 3)
        .await
        .expect("lease");
    assert_eq!(first.len(), 4, "{first:?}");
    assert_eq!(
        first.iter().filter(|d| d.webhook.id == quiet.id).count(),
        1,
        "the other organisation's delivery is in the first turn"
    );
    let mut turns: Vec<WebhookId> = first
        .iter()
        .filter(|d| d.webhook.id != quiet.id)
        .map(|d| d.webhook.id)
        .collect();
    turns.sort();
    turns.dedup();
    assert_eq!(turns.len(), 3, "the organisation's webhooks took turns");
    // acme holds its share: nothing more for it, on this replica or another.
    for store in [&hooks, &other] {
        assert!(
            store
                .lease_deliveries(now, at(1_060), 10, 3)
                .await
                .expect("lease")
                .is_empty()
        );
    }
    // One of its attempts ends: one more of its deliveries may go.
    let delivered = DeliveryOutcome::Delivered {
        status: 204,
        at: at(1_001),
    };
    let ended = first
        .iter()
        .find(|d| d.webhook.id == noisy[0].id)
        .expect("leased");
    assert!(
        hooks
            .finish_delivery(ended.id, 1, &delivered)
            .await
            .expect("finish")
    );
    let next = other
        .lease_deliveries(now, at(1_060), 10, 3)
        .await
        .expect("lease");
    assert_eq!(next.len(), 1);
    assert_eq!(next[0].webhook.owner_org_id, org("acme"));
    // A webhook deferred: its due deliveries that nobody holds wait until then.
    let deferred = noisy
        .iter()
        .find(|h| h.id != next[0].webhook.id && h.id != noisy[0].id)
        .expect("a third webhook");
    assert_eq!(
        hooks
            .defer_deliveries(deferred.id, at(5_000), now)
            .await
            .expect("defer"),
        3,
        "its three unleased deliveries, not the leased one"
    );
    for d in first.iter().chain(&next).filter(|d| d.id != ended.id) {
        assert!(
            hooks
                .finish_delivery(d.id, d.attempt, &delivered)
                .await
                .expect("finish")
        );
    }
    let rest = hooks
        .lease_deliveries(now, at(1_060), 100, 100)
        .await
        .expect("lease");
    assert!(!rest.is_empty());
    assert!(rest.iter().all(|d| d.webhook.id != deferred.id), "{rest:?}");
    let later = hooks
        .lease_deliveries(at(5_000), at(5_060), 100, 100)
        .await
        .expect("lease");
    assert_eq!(
        later.iter().filter(|d| d.webhook.id == deferred.id).count(),
        3
    );
}

/// An organisation's webhooks are counted as one is added: at the limit nothing is
/// stored, another organisation counts apart, and concurrent inserts on two stores never
/// pass the limit.
pub async fn webhook_inserts_keep_to_the_organisations_limit(f: &impl Fixture) {
    let hooks = f.webhooks();
    for (n, stored) in [(40, true), (41, true), (42, false)] {
        let h = webhook("acme", &format!("https://hooks.acme.example/{n}"), None, n);
        assert_eq!(hooks.insert_webhook(&h, 2).await.expect("insert"), stored);
    }
    assert_eq!(hooks.webhooks(&org("acme")).await.expect("list").len(), 2);
    let globex = webhook("globex", "https://hooks.globex.example/", None, 43);
    assert!(hooks.insert_webhook(&globex, 2).await.expect("insert"));
    let racers: Vec<_> = (0..8_u8)
        .map(|i| {
            let store = if i % 2 == 0 {
                Arc::clone(&hooks)
            } else {
                f.other_webhooks()
            };
            let h = webhook(
                "initech",
                &format!("https://hooks.initech.example/{i}"),
                None,
                50 + i,
            );
            tokio::spawn(async move { store.insert_webhook(&h, 3).await.expect("insert") })
        })
        .collect();
    let mut stored = 0;
    for racer in racers {
        stored += usize::from(racer.await.expect("racer"));
    }
    assert_eq!(stored, 3);
    assert_eq!(
        hooks.webhooks(&org("initech")).await.expect("list").len(),
        3
    );
}
