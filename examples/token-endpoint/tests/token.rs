//! The token endpoint on a loopback port, over a real PostgreSQL database and Argon2id:
//! a client registered through the registry gets a token; wrong secrets, a disabled
//! application and a client without the grant do not.

// Test code: a failed expectation is meant to panic.
#![allow(clippy::unwrap_used)]

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::{App, HttpServer, web};
use base64::Engine;
use oauth_apps_argon2::{Argon2Hasher, HasherConfig, OsRandom};
use oauth_apps_domain::testing::{
    FakeKeyDirectory, InMemoryMetadataDocuments, InMemoryReplayGuard, RefuseAssertions,
};
use oauth_apps_domain::{
    AppRef, ApplicationService, KeysInput, OrgRole, Ports, Principal, RegisterApplication,
    ServiceConfig, SystemClock,
};
use oauth_apps_example_token_endpoint::{TokenEndpoint, TokenResponse, routes};
use oauth_apps_postgres::{PgConfig, PgRepository};
use oauth_apps_test_support::pg::{TestDatabase, fingerprint};
use serde_json::Value;

fn register(grants: &[&str]) -> RegisterApplication {
    RegisterApplication {
        owner_org_id: "acme".into(),
        name: "Nightly job".into(),
        app_type: Some("web".into()),
        redirect_urls: vec!["https://acme.example/cb".into()],
        allowed_scopes: Some(vec!["read".into(), "write".into()]),
        description: None,
        grant_types: Some(grants.iter().map(|g| (*g).to_owned()).collect()),
        access_level: None,
        is_first_party: None,
        token_endpoint_auth_method: None,
        keys: KeysInput::default(),
        ..RegisterApplication::default()
    }
}

fn basic(id: &str, secret: &str) -> String {
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{id}:{secret}"))
    )
}

#[actix_web::test]
async fn client_credentials_through_the_registry() {
    let key = fingerprint(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../migrations/postgres"),
    );
    let db = TestDatabase::create(&key, |url| async move {
        oauth_apps_postgres::run_migrations(&url)
            .await
            .map_err(|e| e.to_string())
    })
    .await;
    let cheap = HasherConfig {
        memory_kib: 64,
        iterations: 1,
        ..HasherConfig::default()
    };
    let service = Arc::new(ApplicationService::new(
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
        ServiceConfig::default(),
    ));
    let admin = Principal::new("alice").with_org("acme", OrgRole::Admin);
    let job = service
        .register(&admin, register(&["client_credentials"]))
        .await
        .unwrap();
    let client_id = job.application.client_id().to_string();
    let secret = job.client_secret.as_ref().unwrap().expose().to_owned();
    let browser_app = service
        .register(&admin, register(&["authorization_code"]))
        .await
        .unwrap();

    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let data = web::Data::new(TokenEndpoint {
        service: service.clone(),
        random: Arc::new(OsRandom),
    });
    let server = HttpServer::new(move || App::new().app_data(data.clone()).configure(routes))
        .workers(1)
        .listen(listener)
        .unwrap()
        .run();
    let handle = server.handle();
    actix_web::rt::spawn(server);
    let client = awc::Client::default();
    let url = format!("http://127.0.0.1:{port}/token");
    let ask = |auth: String, form: &'static str| {
        let (client, url) = (client.clone(), url.clone());
        async move {
            let mut res = client
                .post(url)
                .insert_header(("Authorization", auth))
                .insert_header(("Content-Type", "application/x-www-form-urlencoded"))
                .send_body(form)
                .await
                .unwrap();
            let status = res.status().as_u16();
            let no_store = res
                .headers()
                .get("cache-control")
                .unwrap()
                .to_str()
                .unwrap()
                == "no-store";
            let body: Value = serde_json::from_slice(&res.body().await.unwrap()).unwrap();
            assert!(no_store);
            (status, body)
        }
    };

    let (status, body) = ask(
        basic(&client_id, &secret),
        "grant_type=client_credentials&scope=read",
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let token: TokenResponse = serde_json::from_value(body).unwrap();
    assert_eq!(
        (token.scope.as_deref(), token.token_type.as_str()),
        (Some("read"), "Bearer")
    );

    let (status, body) = ask(
        basic(&client_id, "oas_wrong"),
        "grant_type=client_credentials",
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("invalid_client"))
    );

    let (status, body) = ask(
        basic(&client_id, &secret),
        "grant_type=client_credentials&scope=admin",
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_scope"))
    );

    let other = browser_app.application.client_id().to_string();
    let (status, body) = ask(
        basic(&other, browser_app.client_secret.as_ref().unwrap().expose()),
        "grant_type=client_credentials",
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("unauthorized_client"))
    );

    // Disabled in the registry: the next request is refused.
    service
        .disable(&admin, &AppRef::ClientId(*job.application.client_id()))
        .await
        .unwrap();
    let (status, body) = ask(basic(&client_id, &secret), "grant_type=client_credentials").await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("invalid_client"))
    );
    handle.stop(true).await;
}
