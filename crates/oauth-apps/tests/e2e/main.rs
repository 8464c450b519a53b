//! End-to-end tests: the real server on a loopback port, on SQLite and on PostgreSQL.

// Test code: a failed expectation is meant to panic.
#![allow(clippy::unwrap_used)]

mod cases;
mod change_actions;
mod change_events;
mod clients;
mod credentials;
mod dynamic;
mod feed;
mod harness;
mod idempotency;
mod metadata_documents;
mod mutual_tls;
mod profiles;
mod registration;
mod secret_lifecycle;
mod self_registration;
mod server_metadata;
mod stale_clients;
mod webhook_fairness;
mod webhooks;

macro_rules! on_both_databases {
    ($($case:ident),+ $(,)?) => {
        mod sqlite {
            $(
                #[actix_web::test]
                async fn $case() {
                    crate::cases::$case(crate::harness::spawn(crate::harness::Db::Sqlite).await).await;
                }
            )+
        }
        mod postgres {
            $(
                #[actix_web::test]
                async fn $case() {
                    crate::cases::$case(crate::harness::spawn(crate::harness::Db::Postgres).await).await;
                }
            )+
        }
    };
}

mod limits {
    #[actix_web::test]
    async fn writes_over_the_limit_answer_429() {
        crate::cases::writes_over_the_limit_answer_429(
            crate::harness::spawn_with(
                crate::harness::Db::Sqlite,
                &[("OAUTH_APPS_WRITE_RATE", "1")],
            )
            .await,
        )
        .await;
    }
}

mod slow_clients {
    #[actix_web::test]
    async fn slow_senders_are_cut_off() {
        crate::cases::slow_senders_are_cut_off(
            crate::harness::spawn_with(
                crate::harness::Db::Sqlite,
                &[("OAUTH_APPS_BODY_TIMEOUT_MS", "500")],
            )
            .await,
        )
        .await;
    }

    #[actix_web::test]
    async fn unread_bodies_are_bounded_too() {
        crate::cases::unread_bodies_are_bounded_too(
            crate::harness::spawn_with(
                crate::harness::Db::Sqlite,
                &[("OAUTH_APPS_BODY_TIMEOUT_MS", "500")],
            )
            .await,
        )
        .await;
    }
}

mod hostile_clients {
    #[actix_web::test]
    async fn a_clients_broken_request_is_not_a_server_error() {
        crate::cases::a_clients_broken_request_is_not_a_server_error(
            crate::harness::spawn(crate::harness::Db::Sqlite).await,
        )
        .await;
    }

    #[actix_web::test]
    async fn made_up_methods_do_not_grow_the_metrics() {
        crate::cases::made_up_methods_do_not_grow_the_metrics(
            crate::harness::spawn(crate::harness::Db::Sqlite).await,
        )
        .await;
    }
}

mod postgres_only {
    #[actix_web::test]
    async fn a_lost_database_answers_503_with_retry_after() {
        crate::cases::a_lost_database_answers_503_with_retry_after(
            crate::harness::spawn(crate::harness::Db::Postgres).await,
        )
        .await;
    }
}

/// One test for both stores, so that its minute of waiting holds one test thread only.
#[actix_web::test]
async fn an_expired_initial_access_token_is_refused() {
    futures_util::future::join(
        async {
            crate::dynamic::an_expired_initial_access_token_is_refused(
                crate::harness::spawn(crate::harness::Db::Sqlite).await,
            )
            .await;
        },
        async {
            crate::dynamic::an_expired_initial_access_token_is_refused(
                crate::harness::spawn(crate::harness::Db::Postgres).await,
            )
            .await;
        },
    )
    .await;
}

/// Cases that start their own servers, given the database, on both databases.
macro_rules! each_on_both_databases {
    ($module:ident: $($case:path => $name:ident),+ $(,)?) => {
        mod $module {
            mod sqlite {
                $(
                    #[actix_web::test]
                    async fn $name() {
                        $case(crate::harness::Db::Sqlite).await;
                    }
                )+
            }
            mod postgres {
                $(
                    #[actix_web::test]
                    async fn $name() {
                        $case(crate::harness::Db::Postgres).await;
                    }
                )+
            }
        }
    };
}

mod mutual_tls_e2e {
    mod sqlite {
        #[actix_web::test]
        async fn clients_authenticate_with_their_certificates() {
            crate::mutual_tls::clients_authenticate_with_their_certificates(
                crate::harness::spawn(crate::harness::Db::Sqlite).await,
            )
            .await;
        }

        #[actix_web::test]
        async fn self_signed_certificates_rotate_with_grace() {
            crate::mutual_tls::self_signed_certificates_rotate_with_grace(
                crate::harness::spawn(crate::harness::Db::Sqlite).await,
            )
            .await;
        }
    }

    mod postgres {
        #[actix_web::test]
        async fn clients_authenticate_with_their_certificates() {
            crate::mutual_tls::clients_authenticate_with_their_certificates(
                crate::harness::spawn(crate::harness::Db::Postgres).await,
            )
            .await;
        }

        #[actix_web::test]
        async fn self_signed_certificates_rotate_with_grace() {
            crate::mutual_tls::self_signed_certificates_rotate_with_grace(
                crate::harness::spawn(crate::harness::Db::Postgres).await,
            )
            .await;
        }
    }
}

each_on_both_databases!(self_registration_e2e:
    crate::self_registration::self_registered_clients_get_what_their_organisation_allows
        => self_registered_clients_get_what_their_organisation_allows,
    crate::self_registration::any_authorization_but_a_bearer_token_is_refused
        => any_authorization_but_a_bearer_token_is_refused,
    crate::self_registration::registration_bodies_are_json_only
        => registration_bodies_are_json_only,
    crate::self_registration::the_configuration_endpoint_is_the_registrys_own_url
        => the_configuration_endpoint_is_the_registrys_own_url,
    crate::self_registration::a_replacement_removes_what_it_leaves_out
        => a_replacement_removes_what_it_leaves_out,
    crate::clients::common_clients_register_as_they_send_it
        => common_clients_register_as_they_send_it,
    crate::profiles::a_profile_is_listed_before_and_held_after_it_is_switched_on
        => a_profile_is_listed_before_and_held_after_it_is_switched_on,
    crate::metadata_documents::document_clients_follow_their_document_within_their_organisations_policy
        => document_clients_follow_their_document_within_their_organisations_policy,
);

mod registration_sqlite {
    #[actix_web::test]
    async fn clients_register_themselves_with_an_initial_access_token() {
        crate::dynamic::clients_register_themselves_with_an_initial_access_token(
            crate::harness::spawn(crate::harness::Db::Sqlite).await,
        )
        .await;
    }

    #[actix_web::test]
    async fn initial_access_tokens_are_minted_listed_and_revoked() {
        crate::registration::initial_access_tokens_are_minted_listed_and_revoked(
            crate::harness::spawn(crate::harness::Db::Sqlite).await,
        )
        .await;
    }

    #[actix_web::test]
    async fn clients_manage_their_registration() {
        crate::dynamic::clients_manage_their_registration(
            crate::harness::spawn(crate::harness::Db::Sqlite).await,
        )
        .await;
    }

    #[actix_web::test]
    async fn software_statements_and_open_registration() {
        crate::dynamic::software_statements_and_open_registration(crate::harness::Db::Sqlite).await;
    }

    #[actix_web::test]
    async fn statements_need_trusted_keys() {
        crate::dynamic::statements_need_trusted_keys(
            crate::harness::spawn(crate::harness::Db::Sqlite).await,
        )
        .await;
    }
}

mod registration_postgres {
    #[actix_web::test]
    async fn clients_register_themselves_with_an_initial_access_token() {
        crate::dynamic::clients_register_themselves_with_an_initial_access_token(
            crate::harness::spawn(crate::harness::Db::Postgres).await,
        )
        .await;
    }

    #[actix_web::test]
    async fn initial_access_tokens_are_minted_listed_and_revoked() {
        crate::registration::initial_access_tokens_are_minted_listed_and_revoked(
            crate::harness::spawn(crate::harness::Db::Postgres).await,
        )
        .await;
    }

    #[actix_web::test]
    async fn clients_manage_their_registration() {
        crate::dynamic::clients_manage_their_registration(
            crate::harness::spawn(crate::harness::Db::Postgres).await,
        )
        .await;
    }

    #[actix_web::test]
    async fn software_statements_and_open_registration() {
        crate::dynamic::software_statements_and_open_registration(crate::harness::Db::Postgres)
            .await;
    }

    #[actix_web::test]
    async fn statements_need_trusted_keys() {
        crate::dynamic::statements_need_trusted_keys(
            crate::harness::spawn(crate::harness::Db::Postgres).await,
        )
        .await;
    }
}

on_both_databases!(
    flat_create_get_and_list,
    flat_patch_and_preconditions,
    flat_disable_enable_rotate_and_authenticate,
    flat_errors_and_access,
    concurrent_patches_with_one_etag_have_one_winner,
    v1_every_call,
    secrets_never_leave_create_or_rotate,
    health_readiness_and_metrics,
    the_audit_trail_says_who_changed_what,
    secret_answers_are_not_cached_and_head_is_get_without_a_body,
    misleading_or_unstorable_text_is_refused,
);

/// The credential cases on both databases, each server accepting client assertions for
/// [`credentials::AUDIENCE`].
macro_rules! credentials_on_both_databases {
    ($($case:ident),+ $(,)?) => {
        mod credentials_sqlite {
            $(
                #[actix_web::test]
                async fn $case() {
                    let app = crate::harness::spawn_with(
                        crate::harness::Db::Sqlite,
                        crate::credentials::SETTINGS,
                    )
                    .await;
                    crate::credentials::$case(app).await;
                }
            )+
        }
        mod credentials_postgres {
            $(
                #[actix_web::test]
                async fn $case() {
                    let app = crate::harness::spawn_with(
                        crate::harness::Db::Postgres,
                        crate::credentials::SETTINGS,
                    )
                    .await;
                    crate::credentials::$case(app).await;
                }
            )+
        }
    };
}

credentials_on_both_databases!(
    methods_and_secret_telemetry,
    private_key_jwt_with_inline_keys,
    jwks_uris_to_special_addresses_are_refused,
);

mod change_feed {
    #[actix_web::test]
    async fn on_sqlite() {
        crate::feed::the_change_feed_follows_every_write(
            crate::harness::spawn(crate::harness::Db::Sqlite).await,
        )
        .await;
    }

    #[actix_web::test]
    async fn on_postgres() {
        crate::feed::the_change_feed_follows_every_write(
            crate::harness::spawn(crate::harness::Db::Postgres).await,
        )
        .await;
    }
}

mod secret_lifecycle_e2e {
    #[actix_web::test]
    async fn on_sqlite() {
        crate::secret_lifecycle::policies_expiry_and_leak_reports(crate::harness::Db::Sqlite).await;
    }

    #[actix_web::test]
    async fn on_postgres() {
        crate::secret_lifecycle::policies_expiry_and_leak_reports(crate::harness::Db::Postgres)
            .await;
    }
}

mod idempotency_e2e {
    #[actix_web::test]
    async fn on_sqlite() {
        crate::idempotency::retried_creates_and_rotations_get_the_first_answer(
            crate::harness::spawn(crate::harness::Db::Sqlite).await,
        )
        .await;
    }

    #[actix_web::test]
    async fn on_postgres() {
        crate::idempotency::retried_creates_and_rotations_get_the_first_answer(
            crate::harness::spawn_with(
                crate::harness::Db::Postgres,
                &[("OAUTH_APPS_DATA_KEY", crate::webhooks::DATA_KEY)],
            )
            .await,
        )
        .await;
    }
}

mod idempotency_replays {
    #[actix_web::test]
    async fn on_sqlite() {
        crate::idempotency::a_replay_needs_the_right_the_request_needed(
            crate::harness::spawn(crate::harness::Db::Sqlite).await,
        )
        .await;
    }

    #[actix_web::test]
    async fn on_postgres() {
        crate::idempotency::a_replay_needs_the_right_the_request_needed(
            crate::harness::spawn_with(
                crate::harness::Db::Postgres,
                &[("OAUTH_APPS_DATA_KEY", crate::webhooks::DATA_KEY)],
            )
            .await,
        )
        .await;
    }

    /// PostgreSQL only: SQLite always has a data key (made beside the database).
    #[actix_web::test]
    async fn without_a_data_key_on_postgres() {
        crate::idempotency::without_a_data_key_the_header_is_503_before_anything_is_written(
            crate::harness::spawn(crate::harness::Db::Postgres).await,
        )
        .await;
    }
}

mod webhooks_e2e {
    #[actix_web::test]
    async fn on_sqlite() {
        crate::webhooks::a_standard_webhooks_receiver_verifies_every_delivery(
            crate::harness::Db::Sqlite,
        )
        .await;
    }

    #[actix_web::test]
    async fn on_postgres() {
        crate::webhooks::a_standard_webhooks_receiver_verifies_every_delivery(
            crate::harness::Db::Postgres,
        )
        .await;
    }
}

mod change_events_e2e {
    #[actix_web::test]
    async fn on_sqlite() {
        crate::change_events::every_surface_tells_a_change_the_same_way(crate::harness::Db::Sqlite)
            .await;
    }

    #[actix_web::test]
    async fn on_postgres() {
        crate::change_events::every_surface_tells_a_change_the_same_way(
            crate::harness::Db::Postgres,
        )
        .await;
    }
}

mod metadata_documents_e2e {
    #[actix_web::test]
    async fn on_sqlite() {
        crate::metadata_documents::clients_resolve_from_their_metadata_documents(
            crate::harness::Db::Sqlite,
        )
        .await;
    }

    #[actix_web::test]
    async fn on_postgres() {
        crate::metadata_documents::clients_resolve_from_their_metadata_documents(
            crate::harness::Db::Postgres,
        )
        .await;
    }
}

each_on_both_databases!(stale_clients_e2e:
    crate::stale_clients::quiet_self_registered_clients_are_warned_by_the_lifecycle_job
        => quiet_self_registered_clients_are_warned_by_the_lifecycle_job,
);

each_on_both_databases!(server_metadata_e2e:
    crate::server_metadata::the_members_follow_the_default_configuration
        => the_members_follow_the_default_configuration,
    crate::server_metadata::the_members_follow_documents_and_open_registration
        => the_members_follow_documents_and_open_registration,
);

mod published_keys {
    #[actix_web::test]
    async fn on_sqlite() {
        crate::credentials::published_keys_from_an_allowed_https_server(crate::harness::Db::Sqlite)
            .await;
    }

    #[actix_web::test]
    async fn on_postgres() {
        crate::credentials::published_keys_from_an_allowed_https_server(
            crate::harness::Db::Postgres,
        )
        .await;
    }

    #[actix_web::test]
    async fn private_key_jwt_needs_assertion_audiences() {
        crate::credentials::private_key_jwt_needs_assertion_audiences(
            crate::harness::spawn(crate::harness::Db::Sqlite).await,
        )
        .await;
    }
}

#[actix_web::test]
async fn postgres_without_a_signing_key_refuses_to_start() {
    let config = oauth_apps::config::Config::from_lookup(|k| {
        (k == "DATABASE_URL").then(|| "postgres://postgres@127.0.0.1:1/none".to_owned())
    })
    .unwrap();
    let err = oauth_apps::Application::build(&config).await.err().unwrap();
    assert!(
        err.to_string().contains("OAUTH_APPS_JWT_HS256_SECRET"),
        "{err}"
    );
}

mod webhook_rules {
    #[actix_web::test]
    async fn on_sqlite() {
        crate::webhooks::webhook_urls_versions_limits_and_problem_texts(crate::harness::Db::Sqlite)
            .await;
    }

    #[actix_web::test]
    async fn on_postgres() {
        crate::webhooks::webhook_urls_versions_limits_and_problem_texts(
            crate::harness::Db::Postgres,
        )
        .await;
    }
}

mod webhook_fairness_e2e {
    #[actix_web::test]
    async fn on_sqlite() {
        crate::webhook_fairness::one_organisations_hanging_receivers_do_not_hold_up_another(
            crate::harness::Db::Sqlite,
        )
        .await;
    }

    #[actix_web::test]
    async fn on_postgres() {
        crate::webhook_fairness::one_organisations_hanging_receivers_do_not_hold_up_another(
            crate::harness::Db::Postgres,
        )
        .await;
    }
}

mod change_actions_e2e {
    #[actix_web::test]
    async fn on_sqlite() {
        crate::change_actions::every_action_is_told_the_same_way(crate::harness::Db::Sqlite).await;
    }

    #[actix_web::test]
    async fn on_postgres() {
        crate::change_actions::every_action_is_told_the_same_way(crate::harness::Db::Postgres)
            .await;
    }
}
