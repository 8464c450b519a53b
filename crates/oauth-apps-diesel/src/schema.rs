//! The tables, as the migrations of both databases create them (`migrations/postgres`,
//! `migrations/sqlite`). Written by hand, once: the columns the databases type differently
//! are declared with this crate's SQL types ([`crate::sql_types`]).
#![allow(
    missing_docs,
    reason = "diesel's table! declares a module and a type per table and column; the \
              migrations describe them"
)]

diesel::table! {
    use diesel::sql_types::{BigInt, Bool, Nullable, Text};
    use crate::sql_types::{Instant, TextList, Uuid};

    oauth_applications (id) {
        id -> BigInt,
        client_id -> Uuid,
        owner_org_id -> Text,
        name -> Text,
        description -> Nullable<Text>,
        app_type -> Text,
        redirect_urls -> TextList,
        allowed_scopes -> TextList,
        grant_types -> TextList,
        access_level -> Text,
        status -> Text,
        is_first_party -> Bool,
        created_at -> Instant,
        updated_at -> Instant,
        version -> BigInt,
        token_endpoint_auth_method -> Text,
        dpop_bound_access_tokens -> Bool,
        tls_client_certificate_bound_access_tokens -> Bool,
        require_pushed_authorization_requests -> Bool,
        tls_client_auth_subject_kind -> Nullable<Text>,
        tls_client_auth_subject -> Nullable<Text>,
    }
}

diesel::table! {
    use diesel::sql_types::{BigInt, Integer, Nullable, Text};
    use crate::sql_types::Instant;

    client_secrets (id) {
        id -> BigInt,
        application_id -> BigInt,
        secret_hash -> Text,
        state -> Text,
        created_at -> Instant,
        expires_at -> Nullable<Instant>,
        revoked_at -> Nullable<Instant>,
        serial -> Integer,
        hint -> Nullable<Text>,
        last_used_at -> Nullable<Instant>,
        lifetime_ends_at -> Nullable<Instant>,
        lookup_digest -> Nullable<Text>,
        expiry_warned_days -> Nullable<Integer>,
        leaked_at -> Nullable<Instant>,
    }
}

diesel::table! {
    use diesel::sql_types::{BigInt, Integer, Nullable, Text};
    use crate::sql_types::Instant;

    client_key_sets (id) {
        id -> BigInt,
        application_id -> BigInt,
        state -> Text,
        jwks -> Nullable<Text>,
        jwks_uri -> Nullable<Text>,
        serial -> Integer,
        created_at -> Instant,
        expires_at -> Nullable<Instant>,
        last_used_at -> Nullable<Instant>,
    }
}

diesel::table! {
    use diesel::sql_types::{BigInt, Nullable, Text};
    use crate::sql_types::{Instant, TextList};

    audit_events (id) {
        id -> BigInt,
        application_id -> BigInt,
        action -> Text,
        actor -> Text,
        request_id -> Nullable<Text>,
        client_request_id -> Nullable<Text>,
        changed_fields -> TextList,
        occurred_at -> Instant,
    }
}

diesel::table! {
    use diesel::sql_types::{BigInt, Text};
    use crate::sql_types::Instant;

    assertion_jtis (application_id, jti) {
        application_id -> BigInt,
        jti -> Text,
        expires_at -> Instant,
    }
}

diesel::table! {
    use diesel::sql_types::{BigInt, Nullable, Text};
    use crate::sql_types::Instant;

    client_registrations (application_id) {
        application_id -> BigInt,
        kind -> Text,
        metadata -> Nullable<Text>,
        access_token_digest -> Nullable<Text>,
        document_url -> Nullable<Text>,
        last_read_at -> Nullable<Instant>,
        stale_warned_at -> Nullable<Instant>,
    }
}

diesel::table! {
    use diesel::sql_types::{Integer, Nullable, Text};
    use crate::sql_types::{Instant, TextList, Uuid};

    initial_access_tokens (id) {
        id -> Uuid,
        owner_org_id -> Text,
        digest -> Text,
        created_by -> Text,
        created_at -> Instant,
        expires_at -> Instant,
        max_uses -> Nullable<Integer>,
        uses -> Integer,
        revoked_at -> Nullable<Instant>,
        allowed_grant_types -> TextList,
        allowed_scopes -> TextList,
        allowed_auth_methods -> TextList,
    }
}

diesel::table! {
    use diesel::sql_types::{BigInt, Binary, Nullable, Text};
    use crate::sql_types::{Instant, Uuid};

    webhooks (id) {
        id -> Uuid,
        owner_org_id -> Text,
        url -> Text,
        secret -> Binary,
        previous_secret -> Nullable<Binary>,
        previous_expires_at -> Nullable<Instant>,
        created_by -> Text,
        created_at -> Instant,
        updated_at -> Instant,
        version -> BigInt,
    }
}

diesel::table! {
    use diesel::sql_types::Text;
    use crate::sql_types::Uuid;

    webhook_event_types (webhook_id, event_type) {
        webhook_id -> Uuid,
        event_type -> Text,
    }
}

diesel::table! {
    use diesel::sql_types::{BigInt, Integer, Nullable, Text};
    use crate::sql_types::{Instant, Uuid};

    webhook_deliveries (id) {
        id -> BigInt,
        webhook_id -> Uuid,
        event_id -> BigInt,
        application_id -> BigInt,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Instant,
        lease_until -> Nullable<Instant>,
        last_status -> Nullable<Integer>,
        last_error -> Nullable<Text>,
        created_at -> Instant,
        delivered_at -> Nullable<Instant>,
    }
}

diesel::table! {
    use diesel::sql_types::{Binary, Nullable, Text};
    use crate::sql_types::Instant;

    idempotency_keys (scope, key) {
        scope -> Text,
        key -> Text,
        fingerprint -> Text,
        created_at -> Instant,
        expires_at -> Instant,
        locked_until -> Instant,
        answer -> Nullable<Binary>,
    }
}

diesel::table! {
    use diesel::sql_types::{Integer, Nullable, Text};
    use crate::sql_types::{Instant, TextList};

    organization_policies (owner_org_id) {
        owner_org_id -> Text,
        secret_lifetime_days -> Nullable<Integer>,
        leaked_secret_action -> Text,
        updated_by -> Text,
        updated_at -> Instant,
        self_registration_grant_types -> Nullable<TextList>,
        self_registration_scopes -> Nullable<TextList>,
        self_registration_auth_methods -> Nullable<TextList>,
        profile -> Text,
        stale_after_days -> Nullable<Integer>,
    }
}

diesel::joinable!(client_secrets -> oauth_applications (application_id));
diesel::joinable!(client_key_sets -> oauth_applications (application_id));
diesel::joinable!(audit_events -> oauth_applications (application_id));
diesel::joinable!(client_registrations -> oauth_applications (application_id));
diesel::joinable!(webhook_event_types -> webhooks (webhook_id));
diesel::joinable!(webhook_deliveries -> webhooks (webhook_id));
diesel::joinable!(webhook_deliveries -> audit_events (event_id));
diesel::allow_tables_to_appear_in_same_query!(
    oauth_applications,
    client_secrets,
    client_key_sets,
    audit_events,
    assertion_jtis,
    client_registrations,
    initial_access_tokens,
    webhooks,
    webhook_event_types,
    webhook_deliveries,
    idempotency_keys,
    organization_policies
);
