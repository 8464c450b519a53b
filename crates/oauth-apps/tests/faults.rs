//! Faults, each against real processes and a real PostgreSQL:
//!
//! - PostgreSQL stopped under load: 503 with `Retry-After` (never another 5xx, never a
//!   hang), nothing half-written, and recovery without a restart;
//! - SIGKILL during a storm of creates, updates and rotations: every answered write is in
//!   the database as answered, nothing unanswered is half-applied, and the change feed
//!   holds every answered write once, each worker's in the order it made them;
//! - three processes behind nginx on one database: one winner per ETag, one current
//!   secret after concurrent rotations, a disable seen by every process within 1 s.

// Test code: a failed expectation is meant to panic.
#![allow(clippy::unwrap_used, clippy::too_many_lines)]

mod processes;

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::time::{Duration, Instant};

use awc::Client;
use futures_util::future::join_all;
use oauth_apps_test_support::TempDir;
use oauth_apps_test_support::pg_server::PrivateServer;
use processes::{
    Answer, Server, call, migrated_database, register, send, sql, time_until, version, wait_ready,
    wait_until_caching,
};
use serde_json::{Value, json};

fn client() -> Client {
    Client::builder().timeout(Duration::from_secs(30)).finish()
}

fn new_app(name: &str) -> Value {
    json!({"ownerOrgId": "acme", "name": name, "type": "web",
           "redirectUrls": ["https://fault.example/cb"]})
}

async fn authenticates(client: &Client, base: &str, client_id: &str, secret: &str) -> bool {
    let answer = call(
        client,
        "POST",
        &format!("{base}/api/client-authentication"),
        Some(&json!({"clientId": client_id, "clientSecret": secret})),
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.raw);
    answer.body["valid"] == true
}

// ---------------------------------------------------------------------------------------

/// What the load saw of one request.
struct Seen {
    what: &'static str,
    at: Instant,
    took: Duration,
    answer: Option<Answer>,
    name: Option<String>,
}

/// The longest a request may take while the database is gone: the pool's acquire
/// time-out (5 s) and a margin.
const REQUEST_BOUND: Duration = Duration::from_secs(7);

#[actix_web::test]
async fn postgres_stopped_under_load_answers_503_then_recovers_by_itself() {
    let pg = PrivateServer::start();
    {
        use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
        let mut admin = AsyncPgConnection::establish(&pg.admin_url()).await.unwrap();
        diesel::sql_query("CREATE DATABASE apps")
            .execute(&mut admin)
            .await
            .unwrap();
    }
    let url = pg.url("apps");
    oauth_apps_postgres::run_migrations(&url).await.unwrap();
    let server = Server::start(&url, &[]);
    let client = client();
    wait_ready(&client, &server.base, Duration::from_secs(30)).await;
    let base = server.base.clone();
    let client_id = register(&client, &base, &new_app("Steady")).await.client_id;
    let app_url = format!("{base}/api/oauth-applications/{client_id}");

    let seen: Rc<RefCell<Vec<Seen>>> = Rc::default();
    let running = Rc::new(std::cell::Cell::new(true));
    let mut load = Vec::new();
    for worker in 0..6 {
        let (client, seen, running) = (client.clone(), seen.clone(), running.clone());
        let (base, app_url) = (base.clone(), app_url.clone());
        load.push(actix_web::rt::spawn(async move {
            let mut n = 0u32;
            while running.get() {
                n += 1;
                let started = Instant::now();
                let (what, name, answer) = match (worker + n) % 4 {
                    0 => {
                        let name = format!("load-{worker}-{n}");
                        let a = send(
                            &client,
                            "POST",
                            &format!("{base}/api/oauth-applications"),
                            Some(&new_app(&name)),
                            &[],
                        )
                        .await;
                        ("create", Some(name), a)
                    }
                    1 => ("get", None, send(&client, "GET", &app_url, None, &[]).await),
                    2 => {
                        let name = format!("renamed-{worker}-{n}");
                        let a = send(
                            &client,
                            "PATCH",
                            &app_url,
                            Some(&json!({"name": name})),
                            &[],
                        )
                        .await;
                        ("patch", Some(name), a)
                    }
                    _ => (
                        "ready",
                        None,
                        send(&client, "GET", &format!("{base}/readyz"), None, &[]).await,
                    ),
                };
                seen.borrow_mut().push(Seen {
                    what,
                    at: started,
                    took: started.elapsed(),
                    answer,
                    name,
                });
                actix_web::rt::time::sleep(Duration::from_millis(5)).await;
            }
        }));
    }

    actix_web::rt::time::sleep(Duration::from_secs(1)).await;
    let stopped_at = Instant::now();
    pg.stop();
    actix_web::rt::time::sleep(Duration::from_secs(3)).await;
    let resumed_at = Instant::now();
    pg.resume();
    // Recovery: ready again and writing, without a restart.
    let recovered = time_until(async || {
        send(&client, "GET", &format!("{base}/readyz"), None, &[])
            .await
            .is_some_and(|a| a.status == 200)
    })
    .await;
    register(&client, &base, &new_app("After")).await;
    actix_web::rt::time::sleep(Duration::from_millis(500)).await;
    running.set(false);
    for task in load {
        task.await.unwrap();
    }

    let seen = std::mem::take(&mut *seen.borrow_mut());
    let mut outage_503 = 0;
    let mut ready_503 = 0;
    for s in seen.iter() {
        let answer = s
            .answer
            .as_ref()
            .unwrap_or_else(|| panic!("{} got no answer", s.what));
        assert!(s.took < REQUEST_BOUND, "{} took {:?}", s.what, s.took);
        assert!(
            answer.status < 500 || answer.status == 503,
            "{} answered {}: {}",
            s.what,
            answer.status,
            answer.raw
        );
        if answer.status == 503 {
            assert!(
                answer.retry_after.is_some(),
                "503 without Retry-After: {}",
                answer.raw
            );
            assert!(
                s.at + s.took >= stopped_at && s.at <= resumed_at + recovered,
                "a 503 outside the outage"
            );
            outage_503 += 1;
            if s.what == "ready" {
                ready_503 += 1;
            }
        }
    }
    assert!(
        outage_503 > 0 && ready_503 > 0,
        "the outage was not seen: {} requests",
        seen.len()
    );
    assert!(
        recovered < Duration::from_secs(10),
        "recovery took {recovered:?}"
    );

    // Nothing half-written; every create answered 201 is there.
    let apps = sql::apps(&url).await;
    sql::assert_whole(&apps);
    for s in seen.iter().filter(|s| s.what == "create") {
        let answer = s.answer.as_ref().unwrap();
        let name = s.name.as_deref().unwrap();
        let stored = apps.iter().filter(|a| a.name == name).count();
        match answer.status {
            201 => assert_eq!(stored, 1, "{name} was answered 201"),
            // A refusal wrote nothing.
            _ => assert_eq!(stored, 0, "{name} was answered {}", answer.status),
        }
    }
    // The steady app carries the name of the last rename answered 200.
    let last_rename = seen
        .iter()
        .filter(|s| s.what == "patch" && s.answer.as_ref().is_some_and(|a| a.status == 200))
        .max_by_key(|s| version(s.answer.as_ref().unwrap().etag.as_deref()))
        .unwrap();
    let steady = apps.iter().find(|a| a.client_id == client_id).unwrap();
    assert_eq!(Some(steady.name.as_str()), last_rename.name.as_deref());
}

// ---------------------------------------------------------------------------------------

/// One worker's history: the last write answered 2xx, and the one in flight when the
/// server died.
#[derive(Default, Clone)]
struct History {
    client_id: String,
    answered_version: i64,
    answered_name: String,
    answered_secret: String,
    in_flight: Option<(&'static str, String)>,
}

#[actix_web::test]
async fn sigkill_during_a_write_storm_keeps_every_answered_write_and_no_half_one() {
    let db = migrated_database().await;
    let mut server = Server::start(db.url(), &[("OAUTH_APPS_WORKERS", "2")]);
    let client = client();
    wait_ready(&client, &server.base, Duration::from_secs(30)).await;
    let base = server.base.clone();

    let mut histories = Vec::new();
    for w in 0..6 {
        let name = format!("storm-{w}");
        let created = register(&client, &base, &new_app(&name)).await;
        histories.push(Rc::new(RefCell::new(History {
            client_id: created.client_id,
            answered_version: version(created.answer.etag.as_deref()),
            answered_name: name,
            answered_secret: created.secret,
            in_flight: None,
        })));
    }
    // Request ids of writes: answered 2xx, and sent without an answer.
    let answered_ids: Rc<RefCell<Vec<String>>> = Rc::default();
    let unanswered_ids: Rc<RefCell<Vec<String>>> = Rc::default();
    let refused_ids: Rc<RefCell<Vec<String>>> = Rc::default();
    let created_apps: Rc<RefCell<Vec<(String, String)>>> = Rc::default();

    let mut tasks = Vec::new();
    for (w, history) in histories.iter().enumerate() {
        let (client, base, history) = (client.clone(), base.clone(), history.clone());
        let (answered_ids, unanswered_ids, refused_ids, created_apps) = (
            answered_ids.clone(),
            unanswered_ids.clone(),
            refused_ids.clone(),
            created_apps.clone(),
        );
        tasks.push(actix_web::rt::spawn(async move {
            for n in 0.. {
                let request_id = format!("storm-{w}-{n}");
                let app_url = format!(
                    "{base}/api/oauth-applications/{}",
                    history.borrow().client_id
                );
                let (kind, url, body) = match n % 3 {
                    0 => (
                        "patch",
                        app_url,
                        json!({"name": format!("storm-{w}-renamed-{n}")}),
                    ),
                    1 => (
                        "rotate",
                        format!("{app_url}/rotate-secret"),
                        json!({"gracePeriodSeconds": 0}),
                    ),
                    _ => (
                        "create",
                        format!("{base}/api/oauth-applications"),
                        new_app(&format!("extra-{w}-{n}")),
                    ),
                };
                if kind != "create" {
                    history.borrow_mut().in_flight =
                        Some((kind, body["name"].as_str().unwrap_or("").to_owned()));
                }
                let method = if kind == "patch" { "PATCH" } else { "POST" };
                let Some(answer) = send(
                    &client,
                    method,
                    &url,
                    Some(&body),
                    &[("x-request-id", &request_id)],
                )
                .await
                else {
                    unanswered_ids.borrow_mut().push(request_id);
                    return;
                };
                if !(200..300).contains(&answer.status) {
                    refused_ids.borrow_mut().push(request_id);
                    continue;
                }
                answered_ids.borrow_mut().push(request_id);
                match kind {
                    "create" => created_apps.borrow_mut().push((
                        answer.body["application"]["clientId"]
                            .as_str()
                            .unwrap()
                            .to_owned(),
                        answer.body["clientSecret"].as_str().unwrap().to_owned(),
                    )),
                    _ => {
                        let mut h = history.borrow_mut();
                        h.in_flight = None;
                        h.answered_version = version(answer.etag.as_deref());
                        if kind == "patch" {
                            h.answered_name = answer.body["name"].as_str().unwrap().to_owned();
                        } else {
                            h.answered_secret =
                                answer.body["clientSecret"].as_str().unwrap().to_owned();
                        }
                    }
                }
            }
        }));
    }
    actix_web::rt::time::sleep(Duration::from_millis(1500)).await;
    server.kill9();
    for task in tasks {
        task.await.unwrap();
    }
    let answered = answered_ids.borrow().clone();
    assert!(
        answered.len() >= 12,
        "too few writes before the kill: {}",
        answered.len()
    );
    assert_eq!(
        refused_ids.borrow().len(),
        0,
        "writes were refused: {:?}",
        refused_ids.borrow()
    );

    // In the database: every answered write exactly once, an unanswered one at most once,
    // and every application whole.
    let apps = sql::apps(db.url()).await;
    sql::assert_whole(&apps);
    let ids = sql::event_request_ids(db.url()).await;
    let count = |id: &str| ids.iter().filter(|x| *x == id).count();
    for id in &answered {
        assert_eq!(count(id), 1, "answered write {id}");
    }
    for id in unanswered_ids.borrow().iter() {
        assert!(count(id) <= 1, "unanswered write {id}");
    }

    // Through a new process on the same database: each worker's application is as last
    // answered, or has the one write in flight applied whole.
    let server = Server::start(db.url(), &[]);
    wait_ready(&client, &server.base, Duration::from_secs(30)).await;
    let base = server.base.clone();
    for history in &histories {
        let h = history.borrow().clone();
        let now = call(
            &client,
            "GET",
            &format!("{base}/api/oauth-applications/{}", h.client_id),
            None,
        )
        .await;
        let stored_version = version(now.etag.as_deref());
        let old_secret_works =
            authenticates(&client, &base, &h.client_id, &h.answered_secret).await;
        if stored_version == h.answered_version {
            assert_eq!(now.body["name"], h.answered_name.as_str());
            assert!(
                old_secret_works,
                "the last answered secret of {} is lost",
                h.client_id
            );
        } else {
            assert_eq!(stored_version, h.answered_version + 1, "{}", now.raw);
            match h.in_flight.as_ref().unwrap() {
                ("patch", name) => assert_eq!(now.body["name"], name.as_str()),
                (_, _) => assert!(
                    !old_secret_works,
                    "a rotation applied but its old secret still works"
                ),
            }
        }
    }
    // The change feed, read to its end through the new process: every answered write once
    // (an unanswered one at most once), positions strictly increasing, and each worker's
    // writes in the order it made them.
    let mut feed: Vec<Value> = Vec::new();
    let mut cursor = "0".to_owned();
    loop {
        let page = call(
            &client,
            "GET",
            &format!("{base}/api/events?after={cursor}&limit=100"),
            None,
        )
        .await;
        assert_eq!(page.status, 200, "{}", page.raw);
        let items = page.body["items"].as_array().unwrap().clone();
        if items.is_empty() {
            break;
        }
        cursor = page.body["nextCursor"].as_str().unwrap().to_owned();
        feed.extend(items);
    }
    let positions: Vec<i64> = feed.iter().map(|e| e["id"].as_i64().unwrap()).collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "{positions:?}");
    let in_feed = |id: &str| {
        feed.iter()
            .filter(|e| e["clientRequestId"].as_str() == Some(id))
            .count()
    };
    for id in &answered {
        assert_eq!(in_feed(id), 1, "answered write {id} in the feed");
    }
    for id in unanswered_ids.borrow().iter() {
        assert!(in_feed(id) <= 1, "unanswered write {id} in the feed");
    }
    for (w, history) in histories.iter().enumerate() {
        let client_id = history.borrow().client_id.clone();
        let prefix = format!("storm-{w}-");
        let order: Vec<u64> = feed
            .iter()
            .filter(|e| e["clientId"] == client_id.as_str())
            .filter_map(|e| {
                e["clientRequestId"]
                    .as_str()?
                    .strip_prefix(&prefix)?
                    .parse()
                    .ok()
            })
            .collect();
        assert!(
            order.windows(2).all(|p| p[0] < p[1]),
            "worker {w}'s writes out of order in the feed: {order:?}"
        );
    }

    let created_apps = created_apps.borrow().clone();
    for (client_id, secret) in &created_apps {
        assert!(
            authenticates(&client, &base, client_id, secret).await,
            "created {client_id}"
        );
    }
}

// ---------------------------------------------------------------------------------------

/// nginx on a free loopback port in front of `backends`, until dropped.
struct Nginx {
    child: std::process::Child,
    base: String,
    _dir: TempDir,
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn nginx_binary() -> &'static str {
    ["/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/bin/nginx"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists())
        .unwrap_or_else(|| {
            panic!("nginx is not installed: bash scripts/test installs it (apt-get install nginx)")
        })
}

fn start_nginx(backends: &[&Server]) -> Nginx {
    let dir = TempDir::new();
    let port = processes::free_port();
    let upstream: String = backends
        .iter()
        .map(|s| format!("    server 127.0.0.1:{};\n", s.port))
        .collect();
    let d = dir.path().display();
    let root = std::process::Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.starts_with(b"0\n"));
    let user = if root { "user root;" } else { "" };
    let conf = format!(
        "{user}\nworker_processes 1;\npid {d}/nginx.pid;\nerror_log {d}/error.log warn;\n\
         events {{ worker_connections 256; }}\n\
         http {{\n  access_log off;\n  client_body_temp_path {d}/body;\n  proxy_temp_path {d}/proxy;\n\
           fastcgi_temp_path {d}/fastcgi;\n  uwsgi_temp_path {d}/uwsgi;\n  scgi_temp_path {d}/scgi;\n\
           upstream apps {{\n{upstream}    keepalive 16;\n  }}\n\
           server {{\n    listen 127.0.0.1:{port};\n    location / {{\n      proxy_pass http://apps;\n\
               proxy_http_version 1.1;\n      proxy_set_header Connection \"\";\n\
               proxy_set_header Host $host;\n    }}\n  }}\n}}\n"
    );
    let conf_path = dir.path().join("nginx.conf");
    std::fs::write(&conf_path, conf).unwrap();
    let child = std::process::Command::new(nginx_binary())
        .args(["-e", &format!("{d}/error.log"), "-p"])
        .arg(dir.path())
        .arg("-c")
        .arg(&conf_path)
        .args(["-g", "daemon off;"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    Nginx {
        child,
        base: format!("http://127.0.0.1:{port}"),
        _dir: dir,
    }
}

#[actix_web::test]
async fn three_processes_behind_nginx_keep_the_rules() {
    let db = migrated_database().await;
    // A long cache TTL: only change announcements can make a disable visible in time.
    let env = [("OAUTH_APPS_CACHE_TTL_MS", "60000")];
    let servers = [
        Server::start(db.url(), &env),
        Server::start(db.url(), &env),
        Server::start(db.url(), &env),
    ];
    let client = client();
    for s in &servers {
        wait_until_caching(&client, &s.base).await;
    }
    let nginx = start_nginx(&servers.iter().collect::<Vec<_>>());
    wait_ready(&client, &nginx.base, Duration::from_secs(10)).await;
    let front = nginx.base.clone();

    let client_id = register(&client, &front, &new_app("Balanced"))
        .await
        .client_id;
    let app_url = format!("{front}/api/oauth-applications/{client_id}");

    // 1. Sixteen PATCHes with one ETag, spread over the three processes: one winner.
    let etag = call(&client, "GET", &app_url, None).await.etag.unwrap();
    let patches = (0..16).map(|i| {
        let (client, app_url, etag) = (client.clone(), app_url.clone(), etag.clone());
        async move {
            send(
                &client,
                "PATCH",
                &app_url,
                Some(&json!({"name": format!("Winner {i}")})),
                &[("if-match", &etag)],
            )
            .await
            .unwrap()
            .status
        }
    });
    let statuses = join_all(patches).await;
    let mut tally: HashMap<u16, usize> = HashMap::new();
    for s in statuses {
        *tally.entry(s).or_default() += 1;
    }
    assert_eq!(tally, HashMap::from([(200, 1), (412, 15)]));

    // 2. Sixteen rotations at once: all answered, exactly one secret is current.
    let rotations = (0..16).map(|_| {
        let (client, app_url) = (client.clone(), app_url.clone());
        async move {
            let a = send(
                &client,
                "POST",
                &format!("{app_url}/rotate-secret"),
                Some(&json!({"gracePeriodSeconds": 0})),
                &[],
            )
            .await
            .unwrap();
            assert_eq!(a.status, 200, "{}", a.raw);
            a.body["clientSecret"].as_str().unwrap().to_owned()
        }
    });
    let secrets = join_all(rotations).await;
    let apps = sql::apps(db.url()).await;
    sql::assert_whole(&apps);
    let mut working = Vec::new();
    for secret in &secrets {
        if authenticates(&client, &front, &client_id, secret).await {
            working.push(secret.clone());
        }
    }
    assert_eq!(
        working.len(),
        1,
        "secrets that authenticate after 16 rotations"
    );
    let credentials = working.pop().unwrap();

    // 3. Every process has authenticated the client (warm caches); a disable through one
    //    of them stops authentication on all three within 1 s.
    for s in &servers {
        for _ in 0..3 {
            assert!(authenticates(&client, &s.base, &client_id, &credentials).await);
        }
    }
    let disabled = call(
        &client,
        "DELETE",
        &format!("{}/api/oauth-applications/{client_id}", servers[0].base),
        None,
    )
    .await;
    assert_eq!(disabled.status, 200, "{}", disabled.raw);
    let took = time_until(async || {
        for s in &servers {
            if authenticates(&client, &s.base, &client_id, &credentials).await {
                return false;
            }
        }
        true
    })
    .await;
    assert!(
        took < Duration::from_secs(1),
        "a disabled client still authenticated after {took:?}"
    );
}
