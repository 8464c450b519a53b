//! The audit trail and the change feed, on the harness of `crate::test_support`.

mod audit_trail;
mod feed;
