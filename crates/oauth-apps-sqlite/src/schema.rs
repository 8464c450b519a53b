//! The tables, as the migrations in `migrations/sqlite` create them. Timestamps are
//! microseconds since the Unix epoch; lists are text with one element per line.

diesel::table! {
    oauth_applications (id) {
        id -> BigInt,
        client_id -> Text,
        owner_org_id -> Text,
        name -> Text,
        description -> Nullable<Text>,
        app_type -> Text,
        redirect_urls -> Text,
        allowed_scopes -> Text,
        grant_types -> Text,
        access_level -> Text,
        status -> Text,
        is_first_party -> Bool,
        created_at -> BigInt,
        updated_at -> BigInt,
        version -> BigInt,
    }
}

diesel::table! {
    client_secrets (id) {
        id -> BigInt,
        application_id -> BigInt,
        secret_hash -> Text,
        state -> Text,
        created_at -> BigInt,
        expires_at -> Nullable<BigInt>,
        revoked_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    audit_events (id) {
        id -> BigInt,
        application_id -> BigInt,
        action -> Text,
        actor -> Text,
        request_id -> Nullable<Text>,
        client_request_id -> Nullable<Text>,
        changed_fields -> Text,
        occurred_at -> BigInt,
    }
}

diesel::joinable!(client_secrets -> oauth_applications (application_id));
diesel::joinable!(audit_events -> oauth_applications (application_id));
diesel::allow_tables_to_appear_in_same_query!(oauth_applications, client_secrets, audit_events);
