//! Use-case tests, one file per use case; their harness is `crate::test_support`.

mod assertions;
mod audit_trail;
mod authenticate;
mod config;
mod credential_use;
mod credentials;
mod disable_enable;
mod feed;
mod get_and_list;
mod idempotency;
mod initial_access;
mod metadata_documents;
mod register;
mod secret_lifecycle;
mod secret_rotation;
mod self_registration;
mod update;
mod webhooks;
