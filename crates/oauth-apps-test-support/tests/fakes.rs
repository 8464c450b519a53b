//! The repository contract suite on the domain's in-memory fakes: its third backend,
//! beside PostgreSQL and SQLite.

use oauth_apps_test_support::fakes::fixture;
use oauth_apps_test_support::repository_contract_tests;

repository_contract_tests!(fixture);
