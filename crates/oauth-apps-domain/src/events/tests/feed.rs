//! The change feed: who may read it, its cursors, and its pages.

use crate::events::errors::FeedError;
use crate::events::feed::{EventFeedService, FeedQuery};
use crate::test_support::*;

/// A feed over storage holding two applications of `acme` and one of `globex`, each
/// created.
fn feed() -> EventFeedService {
    let f = Fakes::new();
    let service = f.service();
    for (org, name) in [("acme", "One"), ("acme", "Two"), ("globex", "Three")] {
        let cmd = RegisterApplication {
            owner_org_id: org.into(),
            name: name.into(),
            redirect_urls: vec!["https://app.example.com/cb".into()],
            ..RegisterApplication::default()
        };
        let admin = Principal::new("alice").with_org(org, OrgRole::Admin);
        block_on(service.register(&admin, cmd)).unwrap();
    }
    EventFeedService::new(f.repo.clone())
}

fn query(org: Option<&str>, after: Option<&str>, limit: Option<i64>) -> FeedQuery {
    FeedQuery {
        owner_org_id: org.map(str::to_owned),
        after: after.map(str::to_owned),
        limit,
    }
}

#[test]
fn authenticators_read_everything_in_order_and_continue_after_the_cursor() {
    let feed = feed();
    let page = block_on(feed.read(&authenticator(), &query(None, None, Some(2)))).unwrap();
    assert_eq!(
        page.items.iter().map(|e| e.position).collect::<Vec<_>>(),
        vec![1, 2]
    );
    assert_eq!(page.next_cursor, "2");
    let rest = block_on(feed.read(&platform_admin(), &query(None, Some("2"), None))).unwrap();
    assert_eq!(rest.items.len(), 1);
    assert_eq!(rest.items[0].owner_org_id.as_str(), "globex");
    // Nothing new: the same cursor back.
    let none = block_on(feed.read(&authenticator(), &query(None, Some("3"), None))).unwrap();
    assert!(none.items.is_empty());
    assert_eq!(none.next_cursor, "3");
}

#[test]
fn org_admins_read_their_organisation_naming_it() {
    let feed = feed();
    let page = block_on(feed.read(&admin(), &query(Some("acme"), None, None))).unwrap();
    assert_eq!(page.items.len(), 2);
    assert!(page.items.iter().all(|e| e.owner_org_id.as_str() == "acme"));
    assert!(matches!(
        block_on(feed.read(&admin(), &query(None, None, None))),
        Err(FeedError::Forbidden(_))
    ));
    assert!(matches!(
        block_on(feed.read(&member(), &query(Some("acme"), None, None))),
        Err(FeedError::Forbidden(_))
    ));
    assert!(matches!(
        block_on(feed.read(&outsider(), &query(Some("acme"), None, None))),
        Err(FeedError::NotFound)
    ));
}

#[test]
fn bad_cursors_organisations_and_sizes_are_named() {
    let feed = feed();
    let Err(FeedError::Invalid(errors)) = block_on(feed.read(
        &authenticator(),
        &query(Some("bad org"), Some("-1"), Some(0)),
    )) else {
        panic!("invalid");
    };
    for field in [Field::OwnerOrgId, Field::Cursor, Field::Limit] {
        assert!(errors.concerns(field), "{field}: {errors}");
    }
    for cursor in ["01", "x", "1.5", ""] {
        assert!(
            matches!(
                block_on(feed.read(&authenticator(), &query(None, Some(cursor), None))),
                Err(FeedError::Invalid(_))
            ),
            "{cursor:?}"
        );
    }
}
