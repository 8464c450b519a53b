//! The service's settings.

use crate::test_support::*;

#[test]
fn config_is_exposed_and_defaults_are_sane() {
    let service = Fakes::new().service();
    assert_eq!(service.config().max_write_attempts, 64);
    assert_eq!(service.config().scope_catalog, ScopeCatalog::default());
}
