//! The change feed and the events a write records.

use super::webhooks::delivered_types;
#[allow(clippy::wildcard_imports)]
use super::*;

/// The change feed: every event once, positions strictly increasing, each application's
/// events in the order they were written, and a reader that follows the feed while
/// writers race misses nothing (a position is never preceded by one committed later).
pub async fn the_feed_holds_every_event_once_in_commit_order(f: &impl Fixture) {
    const WRITERS: usize = 6;
    const WRITES: usize = 20;
    let repo = f.repository();
    let feed = f.feed();
    let mut apps = Vec::new();
    for i in 0..WRITERS {
        let org = if i % 2 == 0 { "acme" } else { "globex" };
        apps.push(insert(&*repo, new_app(org, &format!("Feed {i}"), at(10))).await);
    }
    let writers: Vec<_> = apps
        .iter()
        .map(|app| {
            let repo = Arc::clone(&repo);
            let mut current = app.clone();
            tokio::spawn(async move {
                for n in 1..=WRITES {
                    let seconds = 100 + i64::try_from(n).expect("small");
                    let next = renamed(&current, &format!("Written {n}"), at(seconds));
                    repo.update(
                        &next,
                        current.version(),
                        &event_of(AuditAction::Updated, vec![ChangedField::Name], at(seconds)),
                    )
                    .await
                    .expect("one writer per application");
                    current = next;
                }
            })
        })
        .collect();
    // Follow the feed while they write, a few events at a time.
    let expected = WRITERS * (WRITES + 1);
    let mut read = Vec::new();
    let mut cursor = 0;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while read.len() < expected {
        assert!(
            std::time::Instant::now() < deadline,
            "read {} of {expected}",
            read.len()
        );
        let page = feed.events_after(cursor, None, 7).await.expect("feed");
        if page.is_empty() {
            tokio::task::yield_now().await;
            continue;
        }
        for entry in page {
            assert!(entry.position > cursor, "positions strictly increase");
            cursor = entry.position;
            read.push(entry);
        }
    }
    for writer in writers {
        writer.await.expect("writer");
    }
    assert!(
        feed.events_after(cursor, None, 100)
            .await
            .expect("feed")
            .is_empty()
    );
    assert_eq!(read.len(), expected, "every event once");
    for app in &apps {
        let times: Vec<i64> = read
            .iter()
            .filter(|e| e.client_id == *app.client_id())
            .map(|e| e.event.at.unix_micros())
            .collect();
        assert_eq!(times.len(), WRITES + 1);
        assert!(
            times.windows(2).all(|w| w[0] < w[1]),
            "in write order: {times:?}"
        );
        let owner = read
            .iter()
            .find(|e| e.client_id == *app.client_id())
            .map(|e| e.owner_org_id.clone());
        assert_eq!(owner.as_ref(), Some(app.owner_org_id()));
    }
    // One organisation's events only, from the start; a later start skips what it passed.
    let acme = feed
        .events_after(0, Some(&org("acme")), 1000)
        .await
        .expect("feed");
    assert_eq!(acme.len(), (WRITERS / 2) * (WRITES + 1));
    assert!(acme.iter().all(|e| e.owner_org_id.as_str() == "acme"));
    let later = feed
        .events_after(read[9].position, None, 5)
        .await
        .expect("feed");
    assert_eq!(
        later.iter().map(|e| e.position).collect::<Vec<_>>(),
        read[10..15].iter().map(|e| e.position).collect::<Vec<_>>()
    );
}

/// A write that is two things at once records both events in order, in its transaction:
/// two entries of the audit trail and of the feed (consecutive positions), a delivery of
/// each to a webhook that hears them; a write with no event writes nothing.
pub async fn a_write_records_each_of_its_events_in_order(f: &impl Fixture) {
    let repo = f.repository();
    let hooks = f.webhooks();
    let every = webhook("acme", "https://hooks.acme.example/all", None, 1);
    assert!(
        hooks
            .insert_webhook(&every, 100)
            .await
            .expect("insert webhook")
    );
    let app = insert(&*repo, new_app("acme", "Twice", at(10))).await;
    let next = renamed(&app, "Twice over", at(11)).with_status(Status::Revoked, at(11));
    let events = [
        event_of(AuditAction::Updated, vec![ChangedField::Name], at(11)),
        event_of(AuditAction::Disabled, vec![ChangedField::Status], at(11)),
    ];
    // No event: refused, nothing written.
    assert!(matches!(
        repo.update_recording(&next, app.version(), &[]).await,
        Err(RepositoryError::Unexpected(_))
    ));
    assert_eq!(reload(&*repo, &app).await, app);
    repo.update_recording(&next, app.version(), &events)
        .await
        .expect("update");
    assert_eq!(reload(&*repo, &app).await, next);

    let trail = repo.list_events(app.id(), None, 10).await.expect("trail");
    assert_eq!(
        trail.iter().map(|e| e.event.clone()).collect::<Vec<_>>(),
        [
            events[1].clone(),
            events[0].clone(),
            event(AuditAction::Created, at(1))
        ],
        "newest first"
    );
    let feed = f
        .feed()
        .events_after(0, Some(&org("acme")), 10)
        .await
        .expect("feed");
    assert_eq!(
        feed.iter().map(|e| e.event.action).collect::<Vec<_>>(),
        [
            AuditAction::Created,
            AuditAction::Updated,
            AuditAction::Disabled
        ]
    );
    assert_eq!(feed[2].position, feed[1].position + 1);
    assert_eq!(
        feed.iter().map(|e| e.position).collect::<Vec<_>>(),
        {
            let mut ids: Vec<i64> = trail.iter().map(|e| e.id).collect();
            ids.reverse();
            ids
        },
        "the feed's positions are the trail's ids"
    );
    let id = *app.client_id();
    assert_eq!(
        delivered_types(&*hooks, every.id).await,
        [
            (EventType::ApplicationCreated, id),
            (EventType::ApplicationUpdated, id),
            (EventType::ApplicationDisabled, id),
        ]
    );
}
