//! The client against answers recorded from a real server (`tests/fixtures/cli/`): every
//! command reads the answer of its operation into the HTTP crate's type and prints what
//! the server sent. A field renamed on the wire leaves its value out of the recorded
//! answer's reading: a required field fails the read, an optional one prints `-` where
//! the expected text has the value. The requests each command writes are read back by
//! the server's own (strict) request types.

// Test code: a failed expectation is meant to panic.
#![allow(clippy::unwrap_used)]

use oauth_apps_http::apps_api::dto::{CreateApp, PatchApp, RotateSecret};
use oauth_apps_http::apps_api::webhooks::NewWebhook;
use serde::de::DeserializeOwned;

use super::client::{Call, Show};
use super::text::{cell, problem, table};
use super::{AppsCommand, WebhooksCommand};

const APP: &str = include_str!("../../tests/fixtures/cli/apps-get.json");
const APP_PAGE: &str = include_str!("../../tests/fixtures/cli/apps-list.json");
const APP_WITH_SECRET: &str = include_str!("../../tests/fixtures/cli/apps-rotate-secret.json");
const AUDIT_PAGE: &str = include_str!("../../tests/fixtures/cli/apps-events.json");
const WEBHOOKS: &str = include_str!("../../tests/fixtures/cli/webhooks-list.json");
const WEBHOOK_WITH_SECRET: &str =
    include_str!("../../tests/fixtures/cli/webhooks-rotate-secret.json");
const DELIVERIES: &str = include_str!("../../tests/fixtures/cli/webhooks-deliveries.json");
const PROBLEM: &str = include_str!("../../tests/fixtures/cli/problem.json");

const CLIENT_ID: &str = "1197ba8c-5652-43fa-8b8b-3a4f18e8448c";
const WEBHOOK_ID: &str = "bbd61186-deea-4830-a257-71c94ba9b5b2";

/// `recorded`, read as `show` says, with the `ETag` the server sent with it.
fn printed(show: &Show, recorded: &str) -> String {
    show.text(recorded.as_bytes(), Some("\"4\""))
        .unwrap_or_else(|e| panic!("the recorded answer does not read: {e}"))
}

/// The text of one application, as `get` and every command that answers it prints it.
const APP_TEXT: &str = "\
Client id              1197ba8c-5652-43fa-8b8b-3a4f18e8448c
Name                   Billing v2
Type                   web
Organisation           acme
Disabled               false
Redirect URLs          https://billing.example.com/cb
Scopes                 read, write
Grant types            authorization_code, refresh_token
Auth method            client_secret_basic
Secret expires         2027-03-07T16:39:39.862584Z
Previous secret until  2026-12-07T16:49:39.862584Z
Created                2026-12-07T16:39:29.381108Z
Updated                2026-12-07T16:39:39.92512Z
";

#[test]
fn every_apps_command_reads_its_recorded_answer() {
    let id = || CLIENT_ID.to_owned();
    let answering_one_app = [
        AppsCommand::Get { client_id: id() },
        AppsCommand::Update {
            client_id: id(),
            name: Some("Billing v2".into()),
            description: None,
            redirect_urls: Vec::new(),
            scopes: Vec::new(),
            if_match: None,
        },
        AppsCommand::Disable { client_id: id() },
        AppsCommand::Enable { client_id: id() },
        AppsCommand::RevokePreviousSecret { client_id: id() },
    ];
    let with_version = format!("{APP_TEXT}Version (ETag)         \"4\"\n");
    for command in answering_one_app {
        assert_eq!(printed(&command.call().1, APP), with_version, "{command:?}");
    }

    let with_secret = format!(
        "{}\nClient secret          oas_cI5uXOMib02B_7D73iyQ6E3PvgSIAW-QFE6vwlcqCHA0Gf7bx\n\
         Store it now: it is shown this once and cannot be read again.\n",
        APP_TEXT.replace("2026-12-07T16:39:39.92512Z", "2026-12-07T16:39:39.862584Z")
    );
    let answering_a_secret = [
        AppsCommand::Create {
            org: "acme".into(),
            name: "Billing".into(),
            app_type: "web".into(),
            redirect_urls: vec!["https://billing.example.com/cb".into()],
            scopes: Vec::new(),
            description: None,
            idempotency_key: None,
        },
        AppsCommand::RotateSecret {
            client_id: id(),
            grace_period: Some(600),
            idempotency_key: None,
        },
    ];
    for command in answering_a_secret {
        let (_, show) = command.call();
        assert_eq!(printed(&show, APP_WITH_SECRET), with_secret, "{command:?}");
    }

    let list = AppsCommand::List {
        org: "acme".into(),
        limit: 1,
        cursor: None,
        name: None,
    };
    assert_eq!(
        printed(&list.call().1, APP_PAGE),
        "\
CLIENT ID                             NAME     TYPE  STATUS  CREATED
0a2dfb3f-d4c2-4f8d-948e-ae59b8730b77  Payroll  web   active  2026-12-07T16:39:39.438388Z

More: --cursor MTc5NjY2MTU3OTQzODM4OC4y
"
    );

    let events = AppsCommand::Events {
        client_id: id(),
        limit: 20,
    };
    assert_eq!(
        printed(&events.call().1, AUDIT_PAGE),
        "\
AT                           ACTION          ACTOR  CHANGED
2026-12-07T16:39:39.92512Z   enabled         alice  disabled
2026-12-07T16:39:39.893115Z  disabled        alice  disabled
2026-12-07T16:39:39.862584Z  secret_rotated  alice  secret
2026-12-07T16:39:39.827248Z  updated         alice  name, description
2026-12-07T16:39:29.381108Z  created         alice  ownerOrgId, name, description, type, redirectUrls, allowedScopes, grantTypes, accessLevel, isFirstParty, tokenEndpointAuthMethod
"
    );
}

#[test]
fn every_webhooks_command_reads_its_recorded_answer() {
    let list = WebhooksCommand::List { org: "acme".into() };
    assert_eq!(
        printed(&list.call().1, WEBHOOKS),
        "\
ID                                    URL                           EVENTS
bbd61186-deea-4830-a257-71c94ba9b5b2  https://hooks.example.com/in  application.updated, secret.rotated
"
    );

    let with_secret = "\
Id                     bbd61186-deea-4830-a257-71c94ba9b5b2
URL                    https://hooks.example.com/in
Events                 application.updated, secret.rotated

Signing secret         whsec_c4MrTds6bzZcaHOINBz7PMRcJ3Q1QsbVmon3DmmfDE0=
Store it now: it is shown this once and cannot be read again.
";
    let answering_a_secret = [
        WebhooksCommand::Create {
            org: "acme".into(),
            url: "https://hooks.example.com/in".into(),
            events: vec!["application.updated".into(), "secret.rotated".into()],
        },
        WebhooksCommand::RotateSecret {
            id: WEBHOOK_ID.into(),
        },
    ];
    for command in answering_a_secret {
        let (_, show) = command.call();
        assert_eq!(
            printed(&show, WEBHOOK_WITH_SECRET),
            with_secret,
            "{command:?}"
        );
    }

    let deliveries = WebhooksCommand::Deliveries {
        id: WEBHOOK_ID.into(),
        limit: 20,
    };
    assert_eq!(
        printed(&deliveries.call().1, DELIVERIES),
        "\
AT                           TYPE                 STATUS   ATTEMPTS  LAST
2026-12-07T16:39:39.862584Z  secret.rotated       pending  0         -
2026-12-07T16:39:39.827248Z  application.updated  pending  2         503
"
    );

    let delete = WebhooksCommand::Delete {
        id: WEBHOOK_ID.into(),
    };
    assert_eq!(printed(&delete.call().1, ""), "");
}

#[test]
fn a_refusal_prints_each_field_and_rule() {
    assert_eq!(
        problem(422, PROBLEM.as_bytes()),
        "error: 422 The request breaks the rules for OAuth applications.\n  \
         redirectUrls[0]: is not allowed for a 'web' application: use https, or http only on \
         localhost, 127.0.0.1 or [::1]\n"
    );
    // Not a problem document (a proxy's page): the status alone.
    assert_eq!(
        problem(502, b"<html>Bad Gateway</html>"),
        "error: 502 the server refused the request\n"
    );
}

#[test]
fn an_answer_with_fields_this_client_does_not_know_reads_as_before() {
    let get = AppsCommand::Get {
        client_id: CLIENT_ID.to_owned(),
    };
    let newer = APP.replacen('{', "{\"aFieldOfANewerServer\": {\"x\": [1]},", 1);
    assert_eq!(printed(&get.call().1, &newer), printed(&get.call().1, APP));
}

/// The method, path and body `call` makes; its body read back as the server reads it.
fn request<T: DeserializeOwned>(call: &Call) -> (String, String, Option<T>) {
    let (method, path) = (call.method(), call.path());
    let body = call.body().map(|b| {
        serde_json::from_slice::<T>(b).unwrap_or_else(|e| panic!("the server refuses it: {e}"))
    });
    (method.to_string(), path.to_owned(), body)
}

#[test]
fn each_command_writes_what_the_server_reads() {
    let (call, _) = AppsCommand::List {
        org: "acme".into(),
        limit: 5,
        cursor: Some("c/1".into()),
        name: Some("Bill ing".into()),
    }
    .call();
    let (method, path, _) = request::<CreateApp>(&call);
    assert_eq!(
        (method.as_str(), path.as_str()),
        (
            "GET",
            "/api/oauth-applications?ownerOrgId=acme&limit=5&cursor=c%2F1&name=Bill+ing"
        )
    );

    let (call, _) = AppsCommand::Create {
        org: "acme".into(),
        name: "Billing".into(),
        app_type: "web".into(),
        redirect_urls: vec!["https://billing.example.com/cb".into()],
        scopes: vec!["read".into()],
        description: None,
        idempotency_key: Some("k-1".into()),
    }
    .call();
    let (method, path, body) = request::<CreateApp>(&call);
    assert_eq!(
        (method.as_str(), path.as_str()),
        ("POST", "/api/oauth-applications")
    );
    let body = body.unwrap();
    assert_eq!(
        (
            body.owner_org_id.as_str(),
            body.name.as_str(),
            body.app_type.as_str()
        ),
        ("acme", "Billing", "web")
    );
    assert_eq!(body.redirect_urls[0].0, "https://billing.example.com/cb");
    assert_eq!(body.allowed_scopes, Some(vec!["read".to_owned()]));
    assert_eq!(body.description, None);
    assert_eq!(call.headers(), [("Idempotency-Key", "k-1".to_owned())]);

    let (call, _) = AppsCommand::Update {
        client_id: "a b".into(),
        name: None,
        description: Some("Refunds".into()),
        redirect_urls: Vec::new(),
        scopes: Vec::new(),
        if_match: Some("3".into()),
    }
    .call();
    let (method, path, body) = request::<PatchApp>(&call);
    assert_eq!(
        (method.as_str(), path.as_str()),
        ("PATCH", "/api/oauth-applications/a%20b")
    );
    // Only what is given is sent: nothing else changes.
    assert_eq!(call.body(), Some(&br#"{"description":"Refunds"}"#[..]));
    assert_eq!(body.unwrap().description, Some(Some("Refunds".to_owned())));
    assert_eq!(call.headers(), [("If-Match", "\"3\"".to_owned())]);

    let rotate = |grace_period| {
        AppsCommand::RotateSecret {
            client_id: CLIENT_ID.into(),
            grace_period,
            idempotency_key: None,
        }
        .call()
        .0
    };
    let (_, _, body) = request::<RotateSecret>(&rotate(Some(600)));
    assert_eq!(body.unwrap().grace_period_seconds, Some(600));
    assert_eq!(request::<RotateSecret>(&rotate(None)).2.map(|_| ()), None);

    let (call, _) = WebhooksCommand::Create {
        org: "acme".into(),
        url: "https://hooks.example.com/in".into(),
        events: Vec::new(),
    }
    .call();
    // Every type: the field left out.
    assert_eq!(
        call.body(),
        Some(&br#"{"ownerOrgId":"acme","url":"https://hooks.example.com/in"}"#[..])
    );
    assert!(request::<NewWebhook>(&call).2.unwrap().events.is_none());

    let (call, _) = WebhooksCommand::Deliveries {
        id: WEBHOOK_ID.into(),
        limit: 7,
    }
    .call();
    assert_eq!(
        call.path(),
        format!("/api/webhooks/{WEBHOOK_ID}/deliveries?limit=7")
    );
}

#[test]
fn tables_align_and_long_names_are_cut() {
    let t = table(&["A", "NAME"], &[vec!["1".into(), "Billing".into()]]);
    assert_eq!(t, "A  NAME\n1  Billing\n");
    assert_eq!(cell("abcdef", 4), "abc…");
    assert_eq!(super::client::path_segment("a b/c"), "a%20b%2Fc");
}
