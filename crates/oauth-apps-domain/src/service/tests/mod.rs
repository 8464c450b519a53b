//! Use-case tests, one file per use case; the helpers they share are here.
//!
//! They run against the `mockall` mocks of every port. A mock without an expectation
//! panics when called, so "nothing is written" is checked by setting none.

mod audit_trail;
mod authenticate;
mod config;
mod disable_enable;
mod get_and_list;
mod register;
mod secret_rotation;
mod update;

use std::sync::Arc;

use futures_executor::block_on;

use super::*;
use crate::model::application::tests::{at, hash, sample};
use crate::policy::{OrgRole, PlatformRole};
use crate::ports::{MockApplicationRepository, MockClock, MockRandomSource, MockSecretHasher};

const NOW: i64 = 5000;

struct Mocks {
    repo: MockApplicationRepository,
    hasher: MockSecretHasher,
    clock: MockClock,
    random: MockRandomSource,
    config: ServiceConfig,
}

impl Mocks {
    /// A clock at `NOW` and a random source of 0x42 bytes; repository and hasher expect
    /// nothing until told.
    fn new() -> Self {
        let mut clock = MockClock::new();
        clock.expect_now().return_const(at(NOW));
        let mut random = MockRandomSource::new();
        random.expect_fill().returning(|buf| {
            buf.fill(0x42);
            Ok(())
        });
        Self {
            repo: MockApplicationRepository::new(),
            hasher: MockSecretHasher::new(),
            clock,
            random,
            config: ServiceConfig::default(),
        }
    }

    fn hashes_to(mut self, phc: &'static str) -> Self {
        self.hasher
            .expect_hash()
            .times(1)
            .returning(move |_, _| Ok(hash(phc)));
        self
    }

    fn finds(mut self, app: &OAuthApplication) -> Self {
        let app = app.clone();
        self.repo
            .expect_find_by_client_id()
            .returning(move |_| Ok(Some(app.clone())));
        self
    }

    fn service(self) -> ApplicationService {
        ApplicationService::new(
            Ports {
                repository: Arc::new(self.repo),
                hasher: Arc::new(self.hasher),
                clock: Arc::new(self.clock),
                random: Arc::new(self.random),
            },
            self.config,
        )
    }
}

fn admin() -> Principal {
    Principal::new("alice")
        .with_org("acme", OrgRole::Admin)
        .with_request_id("req-7")
        .with_client_request_id("order-7")
}

fn member() -> Principal {
    Principal::new("bob").with_org("acme", OrgRole::Member)
}

fn outsider() -> Principal {
    Principal::new("eve").with_org("globex", OrgRole::Admin)
}

fn platform_admin() -> Principal {
    Principal::new("root").with_role(PlatformRole::PlatformAdmin)
}

fn authenticator() -> Principal {
    Principal::new("as").with_role(PlatformRole::ClientAuthenticator)
}

fn by_client_id(app: &OAuthApplication) -> AppRef {
    AppRef::ClientId(*app.client_id())
}

fn unavailable() -> RepositoryError {
    RepositoryError::Unavailable("connection refused".into())
}

fn fields(errors: &ValidationErrors) -> Vec<Field> {
    errors.errors().iter().map(|e| e.field).collect()
}

fn register_cmd() -> RegisterApplication {
    RegisterApplication {
        owner_org_id: "acme".into(),
        name: "  Billing  ".into(),
        redirect_urls: vec!["https://billing.example.com/cb".into()],
        allowed_scopes: Some(vec!["read".into(), "workspace:write".into()]),
        ..RegisterApplication::default()
    }
}

fn rotated_app() -> OAuthApplication {
    sample(1, "acme")
        .rotated(
            hash("new"),
            GracePeriod::from_seconds(600).unwrap(),
            at(4000),
        )
        .unwrap()
}

fn good_secret() -> String {
    ClientSecret::from_random_bytes(&[0x11; 32])
        .expose()
        .to_owned()
}
