//! The JSON bodies of both surfaces, through the real routes and handlers over the
//! domain's in-memory ports: whatever the body, content type and If-Match, the answer is
//! never a 5xx, is JSON of the surface's error shape when it is an error, and a refused
//! request writes nothing (no application, no audit event, no change to the application).
#![no_main]

use std::cell::OnceCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::{Arc, OnceLock};

use actix_http::Request;
use actix_web::dev::ServiceResponse;
use actix_web::http::{Method, StatusCode, header};
use actix_web::{App, test, web};
use libfuzzer_sys::fuzz_target;
use oauth_apps_domain::testing::{
    FakeHasher, FakeKeyDirectory, FakeSealer, FixedClock, InMemoryIdempotency,
    InMemoryInitialAccessTokens, InMemoryMetadataDocuments, InMemoryReplayGuard,
    InMemoryRepository, InMemoryWebhooks, RecordingSender, RefuseAssertions, SeededRandom,
};
use oauth_apps_domain::{
    ApplicationService, EventFeedService, IdempotencyService, InitialAccessTokenPorts,
    InitialAccessTokenService, Ports, ServiceConfig, Timestamp, WebhookPorts, WebhookService,
};
use oauth_apps_http::auth::{Claims, Expectations, JwtVerifier, mint_hs256};
use oauth_apps_http::limits::Limits;
use oauth_apps_http::metrics::Metrics;
use oauth_apps_http::{AppState, Readiness};

const SECRET: &[u8] = b"fuzzing-secret-fuzzing-secret-0123456789";

struct Ready;

#[async_trait::async_trait]
impl Readiness for Ready {
    async fn check(&self) -> Result<(), String> {
        Ok(())
    }
}

struct World {
    state: AppState,
    repository: Arc<InMemoryRepository>,
    token: String,
    client_id: String,
    app_id: i64,
}

type Call = Box<dyn Fn(Request) -> Pin<Box<dyn Future<Output = ServiceResponse>>>>;

thread_local! {
    static RUNTIME: actix_web::rt::SystemRunner = actix_web::rt::System::new();
    // The routes are built once (building them per input would cost more than the call)
    // and never dropped: actix's own thread-locals may be gone when this one would be.
    static APP: OnceCell<&'static Call> = const { OnceCell::new() };
}

async fn routes(state: &AppState) -> Call {
    let app = Rc::new(
        test::init_service(
            App::new()
                .app_data(web::Data::new(state.clone()))
                .configure(oauth_apps_http::routes),
        )
        .await,
    );
    Box::new(move |req| {
        let app = app.clone();
        Box::pin(async move { test::call_service(&*app, req).await })
    })
}

fn world() -> &'static World {
    static W: OnceLock<World> = OnceLock::new();
    W.get_or_init(|| {
        let repository = Arc::new(InMemoryRepository::new());
        let service = ApplicationService::new(
            Ports {
                repository: repository.clone(),
                hasher: Arc::new(FakeHasher::new()),
                clock: Arc::new(FixedClock::new(
                    Timestamp::parse_rfc3339("2026-01-01T00:00:00Z").expect("a valid time"),
                )),
                random: Arc::new(SeededRandom::new(1)),
                keys: Arc::new(FakeKeyDirectory::new()),
                assertions: Arc::new(RefuseAssertions),
                replay: Arc::new(InMemoryReplayGuard::new()),
                documents: Arc::new(InMemoryMetadataDocuments::new()),
                policies: Arc::new(oauth_apps_domain::testing::InMemoryPolicies::new()),
            },
            ServiceConfig::default(),
        );
        let verifier = JwtVerifier::new(
            Some(SECRET),
            None,
            Expectations {
                audience: "oauth-apps".into(),
                issuer: None,
            },
        )
        .expect("a 40-byte secret");
        let token = mint_hs256(
            SECRET,
            &Claims {
                sub: "fuzzer".into(),
                exp: u64::MAX / 2,
                aud: "oauth-apps".into(),
                iss: None,
                orgs: [("fuzz".to_owned(), "admin".to_owned())].into(),
                roles: vec!["platform-admin".into(), "client-authenticator".into()],
            },
        )
        .expect("minted");
        let state = AppState {
            service: Arc::new(service),
            feed: Arc::new(EventFeedService::new(Arc::new(InMemoryRepository::new()))),
            tokens: Arc::new(InitialAccessTokenService::new(InitialAccessTokenPorts {
                repository: Arc::new(InMemoryInitialAccessTokens::new()),
                clock: Arc::new(FixedClock::new(Timestamp::parse_rfc3339("2026-01-01T00:00:00Z").expect("a valid time"))),
                random: Arc::new(SeededRandom::new(2)),
            })),
            webhooks: Arc::new(WebhookService::new(WebhookPorts {
                repository: Arc::new(InMemoryWebhooks::new()),
                sealer: Arc::new(FakeSealer),
                sender: Arc::new(RecordingSender::new()),
                clock: Arc::new(FixedClock::new(Timestamp::parse_rfc3339("2026-01-01T00:00:00Z").expect("a valid time"))),
                random: Arc::new(SeededRandom::new(3)),
            })),
            idempotency: Arc::new(IdempotencyService::new(
                Arc::new(InMemoryIdempotency::new()),
                Arc::new(FakeSealer),
                Arc::new(oauth_apps_domain::SystemClock),
            )),
            secrets: Arc::new(oauth_apps_domain::SecretLifecycleService::new(
                oauth_apps_domain::SecretLifecyclePorts {
                    repository: Arc::new(InMemoryRepository::new()),
                    lifecycle: Arc::new(InMemoryRepository::new()),
                    policies: Arc::new(oauth_apps_domain::testing::InMemoryPolicies::new()),
                    clock: Arc::new(oauth_apps_domain::SystemClock),
                },
                None,
            )),
            scanning: None,
            console_dev_token: None,
            verifier: Arc::new(verifier),
            readiness: Arc::new(Ready),
            metrics: Arc::new(Metrics::new(Vec::new())),
            limits: Arc::new(Limits::default()),
            registration: Arc::default(),
        };
        let mut world = World {
            state,
            repository,
            token,
            client_id: String::new(),
            app_id: 0,
        };
        let body = br#"{"name":"Fuzz","type":"web","ownerOrgId":"fuzz","redirectUrls":["https://fuzz.example/cb"]}"#;
        let (status, json) = call(&world, Method::POST, "/api/oauth-applications", body, true, None);
        assert_eq!(status, StatusCode::CREATED, "{json}");
        world.client_id = json["application"]["clientId"].as_str().expect("clientId").to_owned();
        let (_, listed) = call(&world, Method::GET, "/api/v1/organizations/fuzz/oauth-applications", b"", false, None);
        world.app_id = listed["data"][0]["id"].as_i64().unwrap_or(1);
        world
    })
}

fn call(
    world: &World,
    method: Method,
    uri: &str,
    body: &[u8],
    json_type: bool,
    if_match: Option<&str>,
) -> (StatusCode, serde_json::Value) {
    RUNTIME.with(|rt| {
        rt.block_on(async {
            let pending = APP.with(|cell| cell.get().is_none());
            if pending {
                let call = routes(&world.state).await;
                APP.with(|cell| cell.set(Box::leak(Box::new(call))).ok());
            }
            let mut req = test::TestRequest::default()
                .method(method)
                .uri(uri)
                .insert_header((header::AUTHORIZATION, format!("Bearer {}", world.token)))
                .set_payload(body.to_vec());
            if json_type {
                req = req.insert_header((header::CONTENT_TYPE, "application/json"));
            }
            if let Some(tag) = if_match {
                req = req.insert_header((header::IF_MATCH, tag));
            }
            let res = APP
                .with(|cell| cell.get().map(|call| call(req.to_request())))
                .expect("routes built")
                .await;
            let status = res.status();
            let bytes = test::read_body(res).await;
            let json = if bytes.is_empty() {
                serde_json::Value::Null
            } else {
                serde_json::from_slice(&bytes)
                    .unwrap_or_else(|e| panic!("{status}: not JSON ({e}): {bytes:?}"))
            };
            (status, json)
        })
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, body)) = data.split_first() else {
        return;
    };
    let world = world();
    let flat_app = format!("/api/oauth-applications/{}", world.client_id);
    let v1_app = format!(
        "/api/v1/organizations/fuzz/oauth-applications/{}",
        world.app_id
    );
    let (method, uri, flat) = match selector % 8 {
        0 => (Method::POST, "/api/oauth-applications".to_owned(), true),
        1 => (Method::PATCH, flat_app.clone(), true),
        2 => (Method::POST, format!("{flat_app}/rotate-secret"), true),
        3 => (Method::POST, "/api/client-authentication".to_owned(), true),
        4 => (
            Method::POST,
            "/api/v1/organizations/fuzz/oauth-applications".to_owned(),
            false,
        ),
        5 => (Method::PATCH, v1_app.clone(), false),
        6 => (Method::POST, format!("{v1_app}/regenerate-secret"), false),
        _ => (
            Method::POST,
            format!("{flat_app}/revoke-previous-secret"),
            true,
        ),
    };
    let json_type = selector & 0x10 == 0;
    let if_match = (selector & 0x20 != 0).then_some("\"1\"");
    let counts = |r: &InMemoryRepository| (r.application_count(), r.event_count());
    let counts_before = counts(&world.repository);
    let (_, before) = call(world, Method::GET, &flat_app, b"", false, None);
    let (status, json) = call(world, method, &uri, body, json_type, if_match);
    assert!(!status.is_server_error(), "{status}: {json}");
    if status.is_client_error() {
        if flat {
            assert_eq!(json["status"], status.as_u16(), "{json}");
            assert!(json["title"].is_string(), "{json}");
        } else {
            assert_eq!(json["success"], false, "{json}");
            assert!(json["error"]["code"].is_string(), "{json}");
        }
        assert_eq!(
            counts(&world.repository),
            counts_before,
            "a refused request wrote"
        );
        let (_, after) = call(world, Method::GET, &flat_app, b"", false, None);
        assert_eq!(before, after, "a refused request changed the application");
    }
});
