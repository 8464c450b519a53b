//! Registration's use cases, one file per use case, on the harness of
//! `crate::test_support`.

mod initial_access;
mod metadata_documents;
mod pipeline;
mod self_registration;
