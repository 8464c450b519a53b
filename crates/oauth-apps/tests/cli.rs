//! The command-line client against a real server process: every command, tables and
//! `--json`, problems field by field, and the exit codes (0 done, 1 refused, 2 usage, 3
//! unreachable).

// Test code: a failed expectation is meant to panic.
#![allow(clippy::unwrap_used)]

mod processes;

use std::path::Path;
use std::process::{Command, Output};
use std::time::Duration;

use awc::Client;
use oauth_apps_test_support::TempDir;
use processes::{Server, free_port, wait_ready};
use serde_json::{Value, json};

fn token(sub: &str, role: &str) -> String {
    processes::token_for(sub, &[("acme", role)], &[])
}

/// Runs `oauth-apps apps ARGS` against `server` with `token`.
fn cli(server: &str, token: Option<&str>, args: &[&str]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_oauth-apps"));
    command
        .arg("apps")
        .args(args)
        .env("OAUTH_APPS_SERVER", server);
    command.env_remove("OAUTH_APPS_TOKEN");
    if let Some(t) = token {
        command.env("OAUTH_APPS_TOKEN", t);
    }
    command.output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The value printed after `label` in a `label  value` line of `text`.
fn labelled(text: &str, label: &str) -> String {
    text.lines()
        .find_map(|l| l.strip_prefix(label))
        .unwrap_or_else(|| panic!("no {label} in {text}"))
        .trim()
        .to_owned()
}

fn code(o: &Output) -> i32 {
    o.status.code().unwrap()
}

async fn authenticates(base: &str, client_id: &str, secret: &str) -> bool {
    let a = processes::call(
        &Client::default(),
        "POST",
        &format!("{base}/api/client-authentication"),
        Some(&json!({"clientId": client_id, "clientSecret": secret})),
    )
    .await;
    a.body["valid"] == true
}

#[actix_web::test]
async fn every_command_with_its_exit_code() {
    let dir = TempDir::new();
    let url = format!("sqlite://{}", dir.path().join("cli.db").display());
    let server = Server::start(&url, &[]);
    let client = Client::builder().timeout(Duration::from_secs(10)).finish();
    wait_ready(&client, &server.base, Duration::from_secs(30)).await;
    let base = server.base.as_str();
    let admin_token = token("alice", "admin");
    let member = token("bob", "member");
    let admin = Some(admin_token.as_str());

    // Usage: no token, unknown command, missing argument → 2.
    assert_eq!(code(&cli(base, None, &["list", "--org", "acme"])), 2);
    assert_eq!(code(&cli(base, admin, &["launch"])), 2);
    assert_eq!(code(&cli(base, admin, &["list"])), 2);
    // Unreachable → 3.
    let nowhere = format!("http://127.0.0.1:{}", free_port());
    let o = cli(&nowhere, admin, &["list", "--org", "acme"]);
    assert_eq!(code(&o), 3, "{}", stderr(&o));

    // Create: a table and the secret once.
    let o = cli(
        base,
        admin,
        &[
            "create",
            "--org",
            "acme",
            "--name",
            "Billing",
            "--redirect-url",
            "https://billing.example.com/cb",
            "--scope",
            "read",
        ],
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let text = stdout(&o);
    assert!(
        text.contains("Billing") && text.contains("shown this once"),
        "{text}"
    );
    let secret = labelled(&text, "Client secret");
    let client_id = labelled(&text, "Client id");
    assert!(authenticates(base, &client_id, &secret).await);

    // A refusal: exit 1, each field and rule on standard error, nothing written.
    let o = cli(
        base,
        admin,
        &[
            "create",
            "--org",
            "acme",
            "--name",
            "Bad",
            "--redirect-url",
            "http://evil.example/cb",
        ],
    );
    assert_eq!(code(&o), 1);
    assert!(stderr(&o).contains("error: 422"), "{}", stderr(&o));
    assert!(stderr(&o).contains("redirectUrls[0]:"), "{}", stderr(&o));
    let o = cli(
        base,
        Some(&member),
        &[
            "create",
            "--org",
            "acme",
            "--name",
            "M",
            "--redirect-url",
            "https://m.example/cb",
        ],
    );
    assert_eq!(code(&o), 1);
    assert!(stderr(&o).contains("error: 403"), "{}", stderr(&o));

    // List and get, as tables and as JSON.
    let o = cli(base, admin, &["list", "--org", "acme"]);
    assert_eq!(code(&o), 0);
    assert!(stdout(&o).starts_with("CLIENT ID"), "{}", stdout(&o));
    assert!(stdout(&o).contains(&client_id));
    assert!(!stdout(&o).contains("Bad"));
    let o = cli(
        base,
        admin,
        &["list", "--org", "acme", "--name", "nothing-like-it"],
    );
    assert!(!stdout(&o).contains(&client_id));
    let o = cli(base, admin, &["--json", "get", &client_id]);
    let got: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(got["name"], "Billing");
    // `--json` prints the server's answer as it came, byte for byte.
    let direct = processes::call(
        &client,
        "GET",
        &format!("{base}/api/oauth-applications/{client_id}"),
        None,
    )
    .await;
    assert_eq!(stdout(&o), format!("{}\n", direct.raw));
    let o = cli(base, admin, &["get", &client_id]);
    assert!(stdout(&o).contains("Version (ETag)"), "{}", stdout(&o));

    // Update, with a stale version: 412 and exit 1.
    let o = cli(
        base,
        admin,
        &[
            "update",
            &client_id,
            "--name",
            "Billing v2",
            "--if-match",
            "1",
        ],
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let o = cli(
        base,
        admin,
        &[
            "update",
            &client_id,
            "--name",
            "Billing v3",
            "--if-match",
            "1",
        ],
    );
    assert_eq!(code(&o), 1);
    assert!(stderr(&o).contains("error: 412"), "{}", stderr(&o));

    // Rotate with a grace period: both secrets work; revoke the previous one.
    let o = cli(
        base,
        admin,
        &["rotate-secret", &client_id, "--grace-period", "600"],
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let new_secret = labelled(&stdout(&o), "Client secret");
    assert!(authenticates(base, &client_id, &secret).await);
    assert!(authenticates(base, &client_id, &new_secret).await);
    assert_eq!(
        code(&cli(base, admin, &["revoke-previous-secret", &client_id])),
        0
    );
    assert!(!authenticates(base, &client_id, &secret).await);

    // Disable, enable, and the audit trail says so. Disable prints the state it left (the
    // server answers it with `{success: true}` only).
    let o = cli(base, admin, &["disable", &client_id]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(labelled(&stdout(&o), "Disabled"), "true", "{}", stdout(&o));
    assert_eq!(labelled(&stdout(&o), "Client id"), client_id);
    assert_eq!(labelled(&stdout(&o), "Name"), "Billing v2");
    assert!(labelled(&stdout(&o), "Version (ETag)").starts_with('"'));
    let o = cli(base, admin, &["--json", "disable", &client_id]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let state: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(state["clientId"], client_id.as_str());
    assert_eq!(state["disabled"], true);
    assert!(!authenticates(base, &client_id, &new_secret).await);
    assert_eq!(code(&cli(base, admin, &["enable", &client_id])), 0);
    assert!(authenticates(base, &client_id, &new_secret).await);
    let o = cli(base, admin, &["events", &client_id]);
    assert_eq!(code(&o), 0);
    for action in [
        "created",
        "updated",
        "secret_rotated",
        "previous_secret_revoked",
        "disabled",
        "enabled",
    ] {
        assert!(stdout(&o).contains(action), "{action}: {}", stdout(&o));
    }
    // Webhooks: the secret once, listed, deliveries, rotated, refused, deleted.
    let webhooks = |args: &[&str]| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_oauth-apps"));
        command
            .arg("webhooks")
            .args(args)
            .env("OAUTH_APPS_SERVER", base)
            .env("OAUTH_APPS_TOKEN", &admin_token);
        command.output().unwrap()
    };
    let o = webhooks(&[
        "create",
        "--org",
        "acme",
        "--url",
        "https://hooks.example.com/in",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(
        stdout(&o).contains("Signing secret         whsec_"),
        "{}",
        stdout(&o)
    );
    let hook = labelled(&stdout(&o), "Id");
    let o = webhooks(&[
        "create",
        "--org",
        "acme",
        "--url",
        "http://hooks.example.com/in",
    ]);
    assert_eq!(code(&o), 1);
    assert!(stderr(&o).contains("url:"), "{}", stderr(&o));
    let o = webhooks(&["list", "--org", "acme"]);
    assert!(
        stdout(&o).contains(&hook) && stdout(&o).contains("every type"),
        "{}",
        stdout(&o)
    );
    assert_eq!(
        code(&cli(
            base,
            admin,
            &["update", &client_id, "--name", "Heard"]
        )),
        0
    );
    let o = webhooks(&["deliveries", &hook]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(stdout(&o).contains("application.updated"), "{}", stdout(&o));
    let o = webhooks(&["rotate-secret", &hook]);
    assert!(stdout(&o).contains("whsec_"), "{}", stdout(&o));
    // A deletion answers 204 without a body: `--json` prints nothing.
    let o = webhooks(&["--json", "delete", &hook]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(stdout(&o), "");
    assert_eq!(code(&webhooks(&["deliveries", &hook])), 1);

    // An unknown application: 404, exit 1.
    let o = cli(
        base,
        admin,
        &["get", "00000000-0000-4000-8000-000000000000"],
    );
    assert_eq!(code(&o), 1);
    drop(server);
}

#[test]
fn the_usage_line_shows_the_connection_options_as_options() {
    // With the token in the environment and a server named, a usage error's line still
    // reads as the help's: the options given are not turned into required arguments.
    let o = Command::new(env!("CARGO_BIN_EXE_oauth-apps"))
        .args(["apps", "list", "--server", "http://127.0.0.1:9"])
        .env("OAUTH_APPS_TOKEN", "t")
        .output()
        .unwrap();
    assert_eq!(code(&o), 2);
    let text = stderr(&o);
    assert!(
        text.contains("Usage: oauth-apps apps list [OPTIONS] --org <ORG>"),
        "{text}"
    );
    assert!(
        !text.contains("--token <TOKEN>") && !text.contains("--server <SERVER>"),
        "{text}"
    );
    let o = Command::new(env!("CARGO_BIN_EXE_oauth-apps"))
        .args(["webhooks", "--json", "deliveries"])
        .env("OAUTH_APPS_SERVER", "http://127.0.0.1:9")
        .output()
        .unwrap();
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("Usage: oauth-apps webhooks deliveries [OPTIONS] <ID>"),
        "{}",
        stderr(&o)
    );
}

/// Runs `oauth-apps token ARGS` in `dir` with `env` and no key configured otherwise.
fn mint(dir: &Path, env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_oauth-apps"));
    command
        .args(["token", "--sub", "alice", "--org", "acme=admin"])
        .current_dir(dir)
        .env_remove("DATABASE_URL")
        .env_remove("OAUTH_APPS_JWT_HS256_SECRET")
        .env_remove("OAUTH_APPS_JWKS_FILE");
    for (key, value) in env {
        command.env(key, value);
    }
    command.output().unwrap()
}

#[actix_web::test]
async fn token_never_makes_a_key_and_names_the_one_it_signs_with() {
    let elsewhere = TempDir::new();
    let absolute = |p: &Path| std::path::absolute(p).unwrap().display().to_string();
    // In a folder with no server: no key is made, and the message says where it looked
    // and where the server keeps its key.
    let o = mint(elsewhere.path(), &[]);
    assert_eq!(code(&o), 1, "{}", stdout(&o));
    assert!(stdout(&o).is_empty(), "no token: {}", stdout(&o));
    let looked = absolute(&elsewhere.path().join("data/dev-jwt-secret"));
    assert!(stderr(&o).contains(&looked), "{}", stderr(&o));
    assert!(stderr(&o).contains("beside its database"), "{}", stderr(&o));
    assert!(!elsewhere.path().join("data").exists(), "nothing was made");
    // A server verifying with a JWKS file: an HS256 token would be refused; no key made.
    let o = mint(
        elsewhere.path(),
        &[("OAUTH_APPS_JWKS_FILE", "/nowhere/jwks.json")],
    );
    assert_eq!(code(&o), 1);
    assert!(
        stderr(&o).contains("OAUTH_APPS_JWKS_FILE"),
        "{}",
        stderr(&o)
    );
    assert!(!elsewhere.path().join("data").exists(), "nothing was made");

    // Where the development server runs: its key, named, and a token it accepts.
    let home = TempDir::new();
    let (server, _log) = Server::start_development(home.path(), &[]);
    let client = Client::builder().timeout(Duration::from_secs(10)).finish();
    wait_ready(&client, &server.base, Duration::from_secs(30)).await;
    let key = absolute(&home.path().join("data/dev-jwt-secret"));
    for (folder, env) in [
        (home.path(), Vec::new()),
        (
            elsewhere.path(),
            vec![(
                "DATABASE_URL",
                format!("sqlite://{}/data/oauth-apps.db", home.path().display()),
            )],
        ),
    ] {
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let o = mint(folder, &env);
        assert_eq!(code(&o), 0, "{}", stderr(&o));
        assert!(stderr(&o).contains(&key), "names its key: {}", stderr(&o));
        let token = stdout(&o).trim().to_owned();
        let res = client
            .get(format!(
                "{}/api/oauth-applications?ownerOrgId=acme",
                server.base
            ))
            .insert_header(("Authorization", format!("Bearer {token}")))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 200, "the server accepts it");
    }
    assert!(!elsewhere.path().join("data").exists(), "nothing was made");
    drop(server);
}
