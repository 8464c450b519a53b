//! `update`: PATCH semantics, preconditions and the compare-and-set retries.

use crate::test_support::*;

fn rename(name: &str) -> ApplicationPatch {
    ApplicationPatch {
        name: Some(name.into()),
        ..ApplicationPatch::default()
    }
}

/// Another writer's change, for [`Fakes::racing`]: a new description, as the next version.
fn their_description(app: &OAuthApplication) -> OAuthApplication {
    OAuthApplication::restore(StoredApplication {
        description: Some("theirs".into()),
        version: app.version().next(),
        ..app.to_stored()
    })
    .unwrap()
}

#[test]
fn update_writes_the_change_with_its_version_and_audit_event() {
    let app = sample(1, "acme");
    let f = Fakes::storing(&[&app]);
    // Storage compares and sets: the write lands only if it expects the stored version, 1.
    let updated = block_on(f.service().update(
        &admin(),
        &by_client_id(&app),
        &rename(" Renamed "),
        Some(Version::INITIAL.into()),
    ))
    .unwrap();
    assert_eq!(updated.profile().name().as_str(), "Renamed");
    assert_eq!(updated.version().get(), 2);
    assert_eq!(updated.updated_at(), at(NOW));
    assert_eq!(f.stored(&app), updated);
    assert_eq!(
        f.only_write(),
        (
            app.id(),
            by_admin(AuditAction::Updated, &[ChangedField::Name])
        )
    );
}

#[test]
fn update_changes_every_patchable_field() {
    let app = sample(1, "acme");
    let f = Fakes::storing(&[&app]);
    let patch = ApplicationPatch {
        description: Some(Some("new".into())),
        redirect_urls: Some(vec!["https://new.example/cb".into()]),
        allowed_scopes: Some(vec!["admin".into()]),
        grant_types: Some(vec!["client_credentials".into()]),
        access_level: Some("user".into()),
        is_first_party: Some(true),
        status: Some("revoked".into()),
        ..ApplicationPatch::default()
    };
    let updated =
        block_on(
            f.service()
                .update(&platform_admin(), &by_client_id(&app), &patch, None),
        )
        .unwrap();
    assert_eq!(f.stored(&app), updated);
    let r = updated.to_stored();
    assert_eq!(r.description.as_deref(), Some("new"));
    assert_eq!(r.redirect_urls, ["https://new.example/cb"]);
    assert_eq!(r.allowed_scopes, ["admin"]);
    assert_eq!(r.grant_types, ["client_credentials"]);
    assert_eq!(r.access_level, AccessLevel::User);
    assert!(r.is_first_party);
    assert_eq!(r.status, Status::Revoked);
    // The settings change, then the status change as what it is: a disable.
    let written: Vec<(AuditAction, Vec<crate::ChangedField>)> = f
        .written()
        .into_iter()
        .map(|(_, e)| (e.action, e.changed_fields))
        .collect();
    assert_eq!(
        written,
        [
            (
                AuditAction::Updated,
                vec![
                    crate::ChangedField::Description,
                    crate::ChangedField::RedirectUrls,
                    crate::ChangedField::AllowedScopes,
                    crate::ChangedField::GrantTypes,
                    crate::ChangedField::AccessLevel,
                    crate::ChangedField::IsFirstParty,
                ]
            ),
            (AuditAction::Disabled, vec![crate::ChangedField::Status]),
        ]
    );
}

#[test]
fn update_can_clear_the_description() {
    let app = OAuthApplication::restore(StoredApplication {
        description: Some("old".into()),
        ..sample(1, "acme").to_stored()
    })
    .unwrap();
    let f = Fakes::storing(&[&app]);
    let patch = ApplicationPatch {
        description: Some(None),
        ..ApplicationPatch::default()
    };
    let updated = block_on(
        f.service()
            .update(&admin(), &by_client_id(&app), &patch, None),
    )
    .unwrap();
    assert!(f.stored(&app).profile().description().is_none());
    assert_eq!(f.stored(&app), updated);
    assert_eq!(f.only_write().1.changed_fields, [ChangedField::Description]);
}

#[test]
fn an_update_that_changes_nothing_writes_nothing() {
    let app = sample(1, "acme");
    let f = Fakes::storing(&[&app]);
    let service = f.service();
    let same = ApplicationPatch {
        name: Some("App".into()),
        redirect_urls: Some(vec!["https://app.example.com/cb".into()]),
        status: Some("active".into()),
        ..ApplicationPatch::default()
    };
    let result = block_on(service.update(&admin(), &by_client_id(&app), &same, None)).unwrap();
    assert_eq!(result, app);
    let empty = ApplicationPatch::default();
    let result = block_on(service.update(&admin(), &by_client_id(&app), &empty, None)).unwrap();
    assert_eq!(result.version(), app.version());
    f.assert_nothing_written();
}

#[test]
fn a_stale_expected_version_fails_without_writing() {
    let app = sample(1, "acme");
    let f = Fakes::storing(&[&app]);
    let err = block_on(f.service().update(
        &admin(),
        &by_client_id(&app),
        &rename("X"),
        Some(Version::new(7).unwrap().into()),
    ))
    .unwrap_err();
    assert!(matches!(err, UpdateError::PreconditionFailed));
    f.assert_nothing_written();
}

#[test]
fn losing_the_race_with_an_expected_version_is_a_failed_precondition() {
    let app = sample(1, "acme");
    let f = Fakes::storing(&[&app]).racing(their_description);
    let err = block_on(f.service().update(
        &admin(),
        &by_client_id(&app),
        &rename("X"),
        Some(Version::INITIAL.into()),
    ))
    .unwrap_err();
    assert!(matches!(err, UpdateError::PreconditionFailed));
    // Their change stands, and ours is not tried again.
    assert_eq!(f.stored(&app), their_description(&app));
    assert_eq!(f.writers(), ["rival"]);
}

fn versions(list: &[i64]) -> Precondition {
    Precondition::OneOf(list.iter().map(|v| Version::new(*v).unwrap()).collect())
}

#[test]
fn a_precondition_listing_the_current_version_among_others_writes() {
    let app = sample(1, "acme");
    let f = Fakes::storing(&[&app]);
    let updated = block_on(f.service().update(
        &admin(),
        &by_client_id(&app),
        &rename("Listed"),
        Some(versions(&[99, 1, 7])),
    ))
    .unwrap();
    assert_eq!(updated.profile().name().as_str(), "Listed");
    // Written over version 1 (storage compares and sets), as version 2.
    assert_eq!(updated.version().get(), 2);
    assert_eq!(f.stored(&app), updated);
    assert_eq!(f.only_write().1.changed_fields, [ChangedField::Name]);
}

#[test]
fn a_precondition_without_the_current_version_fails_without_writing() {
    let app = sample(1, "acme");
    for precondition in [versions(&[99, 2]), versions(&[])] {
        let f = Fakes::storing(&[&app]);
        let err = block_on(f.service().update(
            &admin(),
            &by_client_id(&app),
            &rename("X"),
            Some(precondition.clone()),
        ))
        .unwrap_err();
        assert!(
            matches!(err, UpdateError::PreconditionFailed),
            "{precondition:?}"
        );
        f.assert_nothing_written();
    }
}

#[test]
fn an_unsatisfied_precondition_still_hides_the_application_from_outsiders() {
    let app = sample(1, "acme");
    let f = Fakes::storing(&[&app]);
    let err = block_on(f.service().update(
        &outsider(),
        &by_client_id(&app),
        &rename("X"),
        Some(versions(&[])),
    ))
    .unwrap_err();
    assert!(matches!(err, UpdateError::NotFound));
    f.assert_nothing_written();
}

#[test]
fn with_any_version_a_lost_race_re_reads_like_no_precondition() {
    let app = sample(1, "acme");
    let f = Fakes::storing(&[&app]).racing(their_description);
    let updated = block_on(f.service().update(
        &admin(),
        &by_client_id(&app),
        &rename("Any"),
        Some(Precondition::Any),
    ))
    .unwrap();
    assert_eq!(updated.profile().name().as_str(), "Any");
    assert_eq!(
        updated.profile().description().map(|d| d.as_str()),
        Some("theirs")
    );
    assert_eq!(updated.version().get(), 3);
    assert_eq!(f.stored(&app), updated);
    assert_eq!(f.writers(), ["rival", "alice"]);
}

#[test]
fn without_an_expected_version_a_lost_race_re_reads_and_keeps_both_changes() {
    let app = sample(1, "acme");
    // Someone else changes the description between our read and our write.
    let f = Fakes::storing(&[&app]).racing(their_description);
    let updated =
        block_on(
            f.service()
                .update(&admin(), &by_client_id(&app), &rename("Mine"), None),
        )
        .unwrap();
    // Our second write goes over their version 2.
    assert_eq!(updated.version().get(), 3);
    assert_eq!(updated.profile().name().as_str(), "Mine");
    assert_eq!(
        updated.profile().description().map(|d| d.as_str()),
        Some("theirs")
    );
    assert_eq!(f.stored(&app), updated);
    assert_eq!(f.writers(), ["rival", "alice"]);
}

#[test]
fn endless_conflicts_end_in_a_conflict_error() {
    let app = sample(1, "acme");
    let mut m = Mocks::new().finds(&app);
    m.config.max_write_attempts = 3;
    m.repo
        .expect_update()
        .times(3)
        .returning(|_, _, _| Err(RepositoryError::VersionConflict));
    let err = block_on(
        m.service()
            .update(&admin(), &by_client_id(&app), &rename("X"), None),
    )
    .unwrap_err();
    assert!(matches!(err, UpdateError::Conflict));
}

#[test]
fn immutable_fields_are_refused_by_name() {
    let app = sample(1, "acme");
    let f = Fakes::storing(&[&app]);
    let service = f.service();
    let patch = ApplicationPatch {
        app_type: Some("web".into()),
        client_id: Some(app.client_id().to_string()),
        owner_org_id: Some("acme".into()),
        ..ApplicationPatch::default()
    };
    let err = block_on(service.update(&admin(), &by_client_id(&app), &patch, None)).unwrap_err();
    let UpdateError::Invalid(errors) = err else {
        panic!("{err:?}")
    };
    assert_eq!(
        fields(&errors),
        [Field::AppType, Field::ClientId, Field::OwnerOrgId]
    );
    assert!(
        errors
            .errors()
            .iter()
            .all(|e| e.violation == Violation::Immutable)
    );
    f.assert_nothing_written();
}

#[test]
fn the_result_of_an_update_must_satisfy_every_rule() {
    let app = sample(1, "acme");
    let f = Fakes::storing(&[&app]);
    let service = f.service();
    // Removing the last redirect URL of an authorization_code app.
    let patch = ApplicationPatch {
        redirect_urls: Some(vec![]),
        ..ApplicationPatch::default()
    };
    let err = block_on(service.update(&admin(), &by_client_id(&app), &patch, None)).unwrap_err();
    assert!(matches!(&err, UpdateError::Invalid(e) if fields(e) == [Field::RedirectUrls]));

    // Every bad field is named.
    let patch = ApplicationPatch {
        name: Some(String::new()),
        description: Some(Some("d".repeat(1001))),
        redirect_urls: Some(vec!["http://insecure.example/cb".into()]),
        allowed_scopes: Some(vec!["nope".into()]),
        grant_types: Some(vec!["implicit".into()]),
        access_level: Some("x".into()),
        status: Some("disabled".into()),
        ..ApplicationPatch::default()
    };
    let err = block_on(service.update(&admin(), &by_client_id(&app), &patch, None)).unwrap_err();
    let UpdateError::Invalid(errors) = err else {
        panic!("{err:?}")
    };
    assert_eq!(
        fields(&errors),
        [
            Field::Name,
            Field::Description,
            Field::RedirectUrls,
            Field::AllowedScopes,
            Field::GrantTypes,
            Field::AccessLevel,
            Field::Status
        ]
    );
    f.assert_nothing_written();
}

/// An application stored under earlier rules: a redirect URL not in normalised form, a zero
/// width space in its name, U+0000 in its description.
fn stored_under_earlier_rules() -> OAuthApplication {
    OAuthApplication::restore(StoredApplication {
        redirect_urls: vec!["https://app.example.com".into()],
        name: "Pay\u{200B}Pal".into(),
        description: Some("nul \0 inside".into()),
        ..sample(1, "acme").to_stored()
    })
    .unwrap()
}

#[test]
fn a_patch_keeps_stored_values_it_does_not_send_as_they_are() {
    let app = stored_under_earlier_rules();
    let f = Fakes::storing(&[&app]);
    let patch = ApplicationPatch {
        access_level: Some("user".into()),
        ..ApplicationPatch::default()
    };
    let updated = block_on(
        f.service()
            .update(&admin(), &by_client_id(&app), &patch, None),
    )
    .unwrap();
    assert_eq!(
        updated.profile().redirect_urls().iter().collect::<Vec<_>>(),
        ["https://app.example.com"]
    );
    let stored = f.stored(&app);
    assert_eq!(stored, updated);
    let r = stored.to_stored();
    assert_eq!(r.redirect_urls, ["https://app.example.com"]);
    assert_eq!(r.name, "Pay\u{200B}Pal");
    assert_eq!(r.description.as_deref(), Some("nul \0 inside"));
    assert_eq!(r.access_level, AccessLevel::User);
    assert_eq!(f.only_write().1.changed_fields, [ChangedField::AccessLevel]);
}

#[test]
fn a_patch_holds_what_it_sends_to_the_current_rules() {
    let app = stored_under_earlier_rules();
    let f = Fakes::storing(&[&app]);
    let service = f.service();
    let patch = ApplicationPatch {
        name: Some("Pay\u{200B}Pal".into()),
        description: Some(Some("nul \0 inside".into())),
        redirect_urls: Some(vec!["https://app.example.com".into()]),
        ..ApplicationPatch::default()
    };
    let err = block_on(service.update(&admin(), &by_client_id(&app), &patch, None)).unwrap_err();
    let UpdateError::Invalid(errors) = err else {
        panic!("{err:?}")
    };
    assert_eq!(
        errors.errors(),
        [
            FieldError::new(Field::Name, Violation::FormatCharacters),
            FieldError::new(
                Field::Description,
                Violation::ControlCharactersExceptTabAndNewlines
            ),
            FieldError::at(
                Field::RedirectUrls,
                0,
                Violation::UrlNotNormalised {
                    normalised: "https://app.example.com/".into()
                }
            ),
        ]
    );
    f.assert_nothing_written();
}

#[test]
fn update_enforces_the_policy() {
    let app = sample(1, "acme");
    let f = Fakes::storing(&[&app]);
    let service = f.service();
    let err =
        block_on(service.update(&member(), &by_client_id(&app), &rename("X"), None)).unwrap_err();
    assert!(matches!(err, UpdateError::Forbidden(_)));
    let err =
        block_on(service.update(&outsider(), &by_client_id(&app), &rename("X"), None)).unwrap_err();
    assert!(matches!(err, UpdateError::NotFound));
    let first_party = ApplicationPatch {
        is_first_party: Some(true),
        ..ApplicationPatch::default()
    };
    let err =
        block_on(service.update(&admin(), &by_client_id(&app), &first_party, None)).unwrap_err();
    assert!(matches!(err, UpdateError::Forbidden(m) if m.contains("first_party")));
    f.assert_nothing_written();
}

#[test]
fn update_reports_a_vanished_app_and_storage_failures() {
    let app = sample(1, "acme");
    let mut m = Mocks::new().finds(&app);
    m.repo
        .expect_update()
        .returning(|_, _, _| Err(RepositoryError::NotFound));
    let err = block_on(
        m.service()
            .update(&admin(), &by_client_id(&app), &rename("X"), None),
    )
    .unwrap_err();
    assert!(matches!(err, UpdateError::NotFound));

    let mut m = Mocks::new().finds(&app);
    m.repo
        .expect_update()
        .returning(|_, _, _| Err(unavailable()));
    let err = block_on(
        m.service()
            .update(&admin(), &by_client_id(&app), &rename("X"), None),
    )
    .unwrap_err();
    assert!(matches!(err, UpdateError::Unavailable(_)));

    let f = Fakes::new();
    let err = block_on(
        f.service()
            .update(&admin(), &by_client_id(&app), &rename("X"), None),
    )
    .unwrap_err();
    assert!(matches!(err, UpdateError::NotFound));
    f.assert_nothing_written();
}
