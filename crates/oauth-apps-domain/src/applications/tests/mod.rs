//! The applications' use cases, one file per use case, on the harness of
//! `crate::test_support`; and the classes and conversions of the use cases' errors.

mod config;
mod disable_enable;
mod errors;
mod get_and_list;
mod register;
mod update;
