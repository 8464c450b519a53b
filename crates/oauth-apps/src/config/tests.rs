use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

use super::*;

fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
    let map: HashMap<String, String> = vars
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    Config::from_lookup(|k| map.get(k).cloned())
}

#[test]
fn defaults_are_the_embedded_database_on_loopback() {
    let c = config(&[]).unwrap();
    assert_eq!(c.server.bind, "127.0.0.1:8080");
    assert_eq!(
        c.storage.database,
        Database::Sqlite(PathBuf::from("data/oauth-apps.db"))
    );
    assert_eq!(c.jwt.audience, "oauth-apps");
    assert_eq!(c.server.log_format, LogFormat::Pretty);
    assert_eq!(c.hashing.hasher().memory_kib, 19_456);
    assert!(c.jwt.hs256_secret.is_none());
    assert_eq!(c.storage.cache_ttl, Duration::from_secs(5));
    assert_eq!((c.server.write_rate, c.server.auth_rate), (50, 1000));
    assert_eq!(c.server.body_timeout, Duration::from_secs(10));
    assert_eq!(
        c.webhooks.retry(),
        oauth_apps_domain::RetryPolicy::default()
    );
    assert_eq!(c.webhooks.poll, Duration::from_millis(500));
    assert_eq!(c.webhooks.concurrency, 16);
    assert_eq!(c.webhooks.per_org, 10);
    assert_eq!(
        c.applications.secret_expiry_check,
        Duration::from_secs(3600)
    );
    assert_eq!(c.applications.secret_lifetime, None);
    assert!(c.applications.scope_catalog.contains("admin"));
}

#[test]
fn postgres_settings_are_read() {
    let ok = config(&[
        ("DATABASE_URL", "postgres://u@h/db"),
        (
            "OAUTH_APPS_JWT_HS256_SECRET",
            "0123456789abcdef0123456789abcdef",
        ),
        ("OAUTH_APPS_DB_MAX_CONNECTIONS", "7"),
    ])
    .unwrap();
    assert_eq!(
        ok.storage.database,
        Database::Postgres("postgres://u@h/db".into())
    );
    assert_eq!(ok.storage.db_max_connections, Some(7));
}

#[test]
fn every_bad_setting_is_reported_by_name() {
    let err = config(&[
        ("OAUTH_APPS_BIND", "nowhere"),
        ("DATABASE_URL", "mysql://x"),
        ("OAUTH_APPS_JWT_HS256_SECRET", "short"),
        ("OAUTH_APPS_LOG_FORMAT", "xml"),
        ("OAUTH_APPS_SCOPES", "a b"),
        ("OAUTH_APPS_ARGON2_MEMORY_KIB", "lots"),
        ("OAUTH_APPS_WORKERS", "0"),
        ("OAUTH_APPS_WEBHOOK_POLL_MS", "0"),
    ])
    .unwrap_err();
    assert_eq!(err.0.len(), 8, "{err}");
    for (name, rule) in [
        ("OAUTH_APPS_BIND", "an address and port"),
        ("DATABASE_URL", "sqlite:// or postgres://"),
        ("OAUTH_APPS_JWT_HS256_SECRET", "at least 32 bytes"),
        ("OAUTH_APPS_LOG_FORMAT", "must be pretty or json"),
        ("OAUTH_APPS_SCOPES", "scope tokens"),
        ("OAUTH_APPS_ARGON2_MEMORY_KIB", "whole number"),
        ("OAUTH_APPS_WORKERS", "at least 1"),
        ("OAUTH_APPS_WEBHOOK_POLL_MS", "at least 1"),
    ] {
        assert!(
            err.0
                .iter()
                .any(|e| e.starts_with(name) && e.contains(rule)),
            "{name}: {rule}: {err}"
        );
    }
    // The secret's value is never repeated in the message.
    assert!(!err.to_string().contains("\"short\""), "{err}");
}

#[test]
fn an_empty_setting_counts_as_unset() {
    let c = config(&[("OAUTH_APPS_BIND", ""), ("OAUTH_APPS_JWT_ISSUER", "")]).unwrap();
    assert_eq!(c.server.bind, DEFAULT_BIND);
    assert_eq!(c.jwt.issuer, None);
}

#[test]
fn scopes_and_hasher_settings_are_read() {
    let c = config(&[
        ("OAUTH_APPS_SCOPES", "billing:read, billing:write"),
        ("OAUTH_APPS_ARGON2_MEMORY_KIB", "65536"),
        ("OAUTH_APPS_HASH_CONCURRENCY", "3"),
        ("OAUTH_APPS_LOG_FORMAT", "json"),
        ("OAUTH_APPS_JWT_ISSUER", "https://issuer.example"),
    ])
    .unwrap();
    assert!(c.applications.scope_catalog.contains("billing:write"));
    assert!(!c.applications.scope_catalog.contains("read"));
    assert_eq!(c.hashing.hasher().memory_kib, 65_536);
    assert_eq!(c.hashing.hasher().max_concurrent, 3);
    assert_eq!(c.server.log_format, LogFormat::Json);
    assert_eq!(c.jwt.issuer.as_deref(), Some("https://issuer.example"));
}

#[test]
fn credential_settings_are_read_and_checked() {
    let c = config(&[
        (
            "OAUTH_APPS_ASSERTION_AUDIENCES",
            "https://as.example, https://as.example/token",
        ),
        ("OAUTH_APPS_CREDENTIAL_TELEMETRY", "off"),
        ("OAUTH_APPS_OUTBOUND_ALLOW", "127.0.0.1/32"),
    ])
    .unwrap();
    assert_eq!(
        c.applications.audiences(),
        ["https://as.example", "https://as.example/token"]
    );
    assert!(!c.applications.credential_telemetry);
    assert!(config(&[]).unwrap().applications.credential_telemetry);
    assert!(config(&[]).unwrap().applications.audiences().is_empty());
    let err = config(&[
        ("OAUTH_APPS_ASSERTION_AUDIENCES", "http://as.example/token"),
        ("OAUTH_APPS_CREDENTIAL_TELEMETRY", "sometimes"),
    ])
    .unwrap_err();
    assert_eq!(err.0.len(), 2, "{err}");
    assert!(err.0[0].contains("OAUTH_APPS_ASSERTION_AUDIENCES"), "{err}");
    let err = config(&[("OAUTH_APPS_OUTBOUND_ALLOW", "a.example:8443")]).unwrap_err();
    assert_eq!(err.0.len(), 1, "{err}");
}

#[test]
fn registration_settings_are_read_and_checked() {
    let c = config(&[
        ("OAUTH_APPS_PUBLIC_URL", "https://apps.example.com/"),
        (
            "OAUTH_APPS_CIMD_ALLOWED_HOSTS",
            "*.tools.example=acme, mcp.example.org=globex",
        ),
        (
            "OAUTH_APPS_SOFTWARE_STATEMENT_JWKS_FILE",
            "/etc/oauth-apps/statements.json",
        ),
        ("OAUTH_APPS_OPEN_REGISTRATION_ORG", "public-clients"),
        ("OAUTH_APPS_OPEN_REGISTRATION_PER_HOUR", "30"),
    ])
    .unwrap();
    assert_eq!(
        c.server.public_url.as_deref(),
        Some("https://apps.example.com")
    );
    let hosts = c.registration.document_hosts();
    assert_eq!(
        hosts
            .owner_of("a.tools.example")
            .map(oauth_apps_domain::OrgId::as_str),
        Some("acme")
    );
    assert_eq!(hosts.len(), 2);
    assert!(c.registration.software_statement_jwks_file.is_some());
    assert_eq!(
        c.registration
            .open_registration_org
            .as_ref()
            .map(oauth_apps_domain::OrgId::as_str),
        Some("public-clients")
    );
    assert_eq!(c.registration.open_registration_per_hour, 30);
    let defaults = config(&[]).unwrap();
    assert!(defaults.registration.document_hosts().is_empty());
    assert_eq!(defaults.registration.open_registration_org, None);
    assert_eq!(defaults.registration.open_registration_per_hour, 10);
    let err = config(&[
        ("OAUTH_APPS_PUBLIC_URL", "apps.example.com"),
        ("OAUTH_APPS_CIMD_ALLOWED_HOSTS", "*=acme"),
        ("OAUTH_APPS_OPEN_REGISTRATION_ORG", "not an org"),
    ])
    .unwrap_err();
    assert_eq!(err.0.len(), 3, "{err}");
    for name in [
        "OAUTH_APPS_PUBLIC_URL",
        "OAUTH_APPS_CIMD_ALLOWED_HOSTS",
        "OAUTH_APPS_OPEN_REGISTRATION_ORG",
    ] {
        assert!(err.0.iter().any(|e| e.starts_with(name)), "{name}: {err}");
    }
}

#[test]
fn every_setting_is_documented_once_and_nothing_else_is() {
    let docs = include_str!("../../../../docs/configuration.md");
    let documented: Vec<&str> = docs
        .lines()
        .filter_map(|l| l.strip_prefix("| `"))
        .filter_map(|l| l.split('`').next())
        .filter(|name| {
            name.chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
        })
        .collect();
    let mut declared = variables();
    let mut sorted_docs: Vec<String> = documented.iter().map(|s| (*s).to_owned()).collect();
    declared.sort();
    sorted_docs.sort();
    assert_eq!(
        declared, sorted_docs,
        "docs/configuration.md and the declared settings differ"
    );
}

#[test]
fn webhook_dispatch_settings_are_read_and_checked() {
    let c = config(&[
        ("OAUTH_APPS_WEBHOOK_CONCURRENCY", "32"),
        ("OAUTH_APPS_WEBHOOKS_PER_ORG", "3"),
    ])
    .unwrap();
    assert_eq!((c.webhooks.concurrency, c.webhooks.per_org), (32, 3));
    for (name, value) in [
        ("OAUTH_APPS_WEBHOOKS_PER_ORG", "0"),
        ("OAUTH_APPS_WEBHOOKS_PER_ORG", "many"),
        ("OAUTH_APPS_WEBHOOK_CONCURRENCY", "0"),
    ] {
        let err = config(&[(name, value)]).unwrap_err();
        assert!(
            err.0.iter().any(|e| e.starts_with(name)),
            "{name}={value}: {err}"
        );
    }
}

#[test]
fn self_registrable_scopes_are_catalog_scopes() {
    let c = config(&[]).unwrap();
    assert!(c.applications.scope_catalog.is_self_registrable("read"));
    assert!(!c.applications.scope_catalog.is_self_registrable("admin"));
    let c = config(&[
        ("OAUTH_APPS_SCOPES", "billing:read, billing:admin"),
        ("OAUTH_APPS_SELF_REGISTRATION_SCOPES", "billing:admin"),
    ])
    .unwrap();
    assert!(
        c.applications
            .scope_catalog
            .is_self_registrable("billing:admin")
    );
    assert!(
        !c.applications
            .scope_catalog
            .is_self_registrable("billing:read")
    );
    let none = config(&[("OAUTH_APPS_SELF_REGISTRATION_SCOPES", "")]).unwrap();
    assert_eq!(
        none.applications.scope_catalog.self_registrable().count(),
        0
    );
    let err = config(&[("OAUTH_APPS_SELF_REGISTRATION_SCOPES", "read, root")]).unwrap_err();
    assert!(
        err.to_string()
            .contains("OAUTH_APPS_SELF_REGISTRATION_SCOPES"),
        "{err}"
    );
}
