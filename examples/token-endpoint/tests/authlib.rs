//! The example token endpoint as a process on a loopback port, over a real PostgreSQL
//! database, driven by Authlib (a maintained OAuth client library, in Python): tokens by
//! `client_secret_basic`, `client_secret_post` and `private_key_jwt`, each only for the
//! application registered with that method. The script is `tests/authlib_client.py`.

// Test code: a failed expectation is meant to panic.
#![allow(clippy::unwrap_used)]

use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use oauth_apps_argon2::{Argon2Hasher, HasherConfig, OsRandom};
use oauth_apps_domain::testing::{
    FakeKeyDirectory, InMemoryMetadataDocuments, InMemoryReplayGuard, RefuseAssertions,
};
use oauth_apps_domain::{
    ApplicationService, KeysInput, OrgRole, Ports, Principal, RegisterApplication, Registered,
    ServiceConfig, SystemClock,
};
use oauth_apps_postgres::{PgConfig, PgRepository};
use oauth_apps_test_support::pg::{TestDatabase, fingerprint};
use serde_json::Value;

const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/authlib_client.py");

/// Runs the Authlib script with `args`: its JSON output and whether it succeeded.
fn authlib(args: &[&str]) -> (bool, Value) {
    let out = Command::new("python3")
        .arg(SCRIPT)
        .args(args)
        .output()
        .expect("python3 runs (scripts/test installs Authlib)");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let value = serde_json::from_str(stdout.trim()).unwrap_or_else(|_| {
        panic!(
            "the script printed no JSON: {stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.success(), value)
}

/// The token endpoint process, stopped on drop.
struct Endpoint(Child);

impl Drop for Endpoint {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_endpoint(database_url: &str) -> (Endpoint, String) {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let bind = format!("127.0.0.1:{port}");
    let child = Command::new(env!("CARGO_BIN_EXE_oauth-apps-example-token-endpoint"))
        .env("DATABASE_URL", database_url)
        .env("TOKEN_ENDPOINT_BIND", &bind)
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let endpoint = Endpoint(child);
    let deadline = Instant::now() + Duration::from_secs(20);
    while TcpStream::connect(&bind).is_err() {
        assert!(Instant::now() < deadline, "the endpoint did not listen");
        std::thread::sleep(Duration::from_millis(50));
    }
    (endpoint, format!("http://{bind}/token"))
}

fn register(method: &str, jwks: Option<Value>) -> RegisterApplication {
    RegisterApplication {
        owner_org_id: "acme".into(),
        name: format!("Job by {method}"),
        app_type: Some("web".into()),
        redirect_urls: vec!["https://acme.example/cb".into()],
        allowed_scopes: Some(vec!["read".into(), "write".into()]),
        description: None,
        grant_types: Some(vec!["client_credentials".into()]),
        access_level: None,
        is_first_party: None,
        token_endpoint_auth_method: Some(method.into()),
        keys: KeysInput {
            jwks,
            jwks_uri: None,
        },
        ..RegisterApplication::default()
    }
}

fn secret_of(registered: &Registered) -> String {
    registered
        .client_secret
        .as_ref()
        .expect("a secret method has a secret")
        .expose()
        .to_owned()
}

#[actix_web::test]
async fn authlib_obtains_tokens_by_each_registered_method_and_no_other() {
    let key = fingerprint(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../migrations/postgres"),
    );
    let db = TestDatabase::create(&key, |url| async move {
        oauth_apps_postgres::run_migrations(&url)
            .await
            .map_err(|e| e.to_string())
    })
    .await;
    let (_endpoint, url) = start_endpoint(db.url());

    // The registry, as an operator uses it: applications registered with their methods.
    let cheap = HasherConfig {
        memory_kib: 64,
        iterations: 1,
        ..HasherConfig::default()
    };
    let registry = ApplicationService::new(
        Ports {
            repository: Arc::new(PgRepository::new(&PgConfig::new(db.url())).unwrap()),
            hasher: Arc::new(Argon2Hasher::new(cheap).unwrap()),
            clock: Arc::new(SystemClock),
            random: Arc::new(OsRandom),
            keys: Arc::new(FakeKeyDirectory::new()),
            assertions: Arc::new(RefuseAssertions),
            replay: Arc::new(InMemoryReplayGuard::new()),
            documents: Arc::new(InMemoryMetadataDocuments::new()),
            policies: Arc::new(oauth_apps_domain::testing::InMemoryPolicies::new()),
        },
        ServiceConfig {
            assertion_audiences: vec![url.clone()],
            ..ServiceConfig::default()
        },
    );
    let admin = Principal::new("alice").with_org("acme", OrgRole::Admin);
    let basic = registry
        .register(&admin, register("client_secret_basic", None))
        .await
        .unwrap();
    let post = registry
        .register(&admin, register("client_secret_post", None))
        .await
        .unwrap();
    let (ok, keys) = authlib(&["keygen", "key-1"]);
    assert!(ok, "{keys}");
    let signed = registry
        .register(
            &admin,
            register("private_key_jwt", Some(keys["public"].clone())),
        )
        .await
        .unwrap();
    assert!(signed.client_secret.is_none());
    let private_key = keys["private"].to_string();
    let (basic_id, basic_secret) = (basic.application.client_id().to_string(), secret_of(&basic));
    let (post_id, post_secret) = (post.application.client_id().to_string(), secret_of(&post));
    let signed_id = signed.application.client_id().to_string();

    let token = |method: &str, id: &str, credential: &str, scope: Option<&str>| {
        let mut args = vec!["token", url.as_str(), method, id, credential];
        args.extend(scope);
        authlib(&args)
    };
    let issued = |(ok, body): (bool, Value)| {
        assert!(ok, "{body}");
        assert_eq!(body["token_type"], "Bearer", "{body}");
        assert!(body["access_token"].as_str().is_some_and(|t| t.len() > 20));
        body
    };
    let refused = |(ok, body): (bool, Value)| {
        assert!(!ok, "{body}");
        body["error"].as_str().unwrap().to_owned()
    };

    let body = issued(token(
        "client_secret_basic",
        &basic_id,
        &basic_secret,
        Some("read"),
    ));
    assert_eq!(body["scope"], "read");
    // No scope asked: every allowed one is granted (RFC 6749 §3.3 lets the server choose).
    let body = issued(token("client_secret_post", &post_id, &post_secret, None));
    assert_eq!(body["scope"], "read write");
    // Each assertion Authlib makes has its own jti: two in a row are both accepted.
    for _ in 0..2 {
        issued(token(
            "private_key_jwt",
            &signed_id,
            &private_key,
            Some("write"),
        ));
    }

    // A method other than the registered one, even with the right credential.
    let mismatches = [
        token("client_secret_post", &basic_id, &basic_secret, None),
        token("client_secret_basic", &post_id, &post_secret, None),
        token("client_secret_basic", &signed_id, &basic_secret, None),
    ];
    for answer in mismatches {
        assert_eq!(refused(answer), "invalid_client");
    }
    // Wrong credentials: another client's key, a wrong secret.
    let (ok, other_keys) = authlib(&["keygen", "key-1"]);
    assert!(ok);
    let stranger = other_keys["private"].to_string();
    assert_eq!(
        refused(token("private_key_jwt", &signed_id, &stranger, None)),
        "invalid_client"
    );
    assert_eq!(
        refused(token("client_secret_basic", &basic_id, "oas_wrong", None)),
        "invalid_client"
    );
    assert_eq!(
        refused(token(
            "client_secret_basic",
            &basic_id,
            &basic_secret,
            Some("admin")
        )),
        "invalid_scope"
    );
}
