//! The tables, as the migrations in `migrations/postgres` create them.

diesel::table! {
    oauth_applications (id) {
        id -> Int8,
        client_id -> Uuid,
        owner_org_id -> Text,
        name -> Text,
        description -> Nullable<Text>,
        app_type -> Text,
        redirect_urls -> Array<Text>,
        allowed_scopes -> Array<Text>,
        grant_types -> Array<Text>,
        access_level -> Text,
        status -> Text,
        is_first_party -> Bool,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        version -> Int8,
    }
}

diesel::table! {
    client_secrets (id) {
        id -> Int8,
        application_id -> Int8,
        secret_hash -> Text,
        state -> Text,
        created_at -> Timestamptz,
        expires_at -> Nullable<Timestamptz>,
        revoked_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    audit_events (id) {
        id -> Int8,
        application_id -> Int8,
        action -> Text,
        actor -> Text,
        request_id -> Nullable<Text>,
        client_request_id -> Nullable<Text>,
        changed_fields -> Array<Text>,
        occurred_at -> Timestamptz,
    }
}

diesel::joinable!(client_secrets -> oauth_applications (application_id));
diesel::joinable!(audit_events -> oauth_applications (application_id));
diesel::allow_tables_to_appear_in_same_query!(oauth_applications, client_secrets, audit_events);
