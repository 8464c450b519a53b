//! `TrustedStatements`: software statements (RFC 7591 §2.3) signed with a real P-256 key,
//! their times checked against the domain's clock, fixed here in June 2025, before the
//! machine's (a statement that expired by the system clock is still valid by it).

use std::sync::Arc;

use oauth_apps_domain::testing::FixedClock;
use oauth_apps_domain::{Jwks, SoftwareStatementVerifier, StatementRefusal, Timestamp};
use oauth_apps_jose::TrustedStatements;
use oauth_apps_test_support::keys::Signer;
use serde_json::{Value, json};

const NOW: i64 = 1_750_000_000;

fn trusting(signer: &Signer) -> (TrustedStatements, Arc<FixedClock>) {
    let clock = Arc::new(FixedClock::new(
        Timestamp::from_unix_micros(NOW * 1_000_000).expect("now"),
    ));
    let keys = Jwks::from_value(&signer.jwks()).expect("a JWK Set");
    (TrustedStatements::new(keys, clock.clone()), clock)
}

fn refusal(result: Result<serde_json::Map<String, Value>, StatementRefusal>) -> String {
    match result {
        Err(refusal) => refusal.to_string(),
        Ok(claims) => panic!("accepted: {claims:?}"),
    }
}

#[test]
fn exp_and_nbf_are_checked_against_the_domain_clock_with_60_s_of_leeway() {
    let signer = Signer::es256("trusted");
    let (statements, clock) = trusting(&signer);
    let statement = signer.sign(&json!({"iss": "vendor", "exp": NOW + 300, "nbf": NOW}));
    // Long expired by the system clock, valid by the domain's.
    let claims = statements
        .verify(&statement)
        .expect("valid at the clock's time");
    assert_eq!(claims["iss"], "vendor");
    clock.advance(359);
    assert!(statements.verify(&statement).is_ok(), "within the leeway");
    clock.advance(2);
    assert_eq!(
        refusal(statements.verify(&statement)),
        "software_statement has expired"
    );

    let early = signer.sign(&json!({"iss": "vendor", "nbf": NOW + 61}));
    let (statements, clock) = trusting(&signer);
    assert_eq!(
        refusal(statements.verify(&early)),
        "software_statement is not valid yet (nbf)"
    );
    clock.advance(1);
    assert!(statements.verify(&early).is_ok());
}

#[test]
fn a_statement_is_refused_by_its_first_broken_rule() {
    let signer = Signer::es256("trusted");
    let (statements, _) = trusting(&signer);
    let stranger = Signer::es256("stranger");
    assert!(matches!(
        statements.verify(&stranger.sign(&json!({"iss": "vendor"}))),
        Err(StatementRefusal::Unapproved(_))
    ));
    let signed = signer.sign(&json!({"iss": "vendor"}));
    let parts: Vec<&str> = signed.split('.').collect();
    let other = signer.sign(&json!({"iss": "another vendor"}));
    let forged = format!(
        "{}.{}.{}",
        parts[0],
        parts[1],
        other.split('.').nth(2).expect("3")
    );
    assert_eq!(
        refusal(statements.verify(&forged)),
        "software_statement has a signature that does not verify"
    );
    assert_eq!(
        refusal(statements.verify(&signer.sign(&json!({"exp": "soon", "iss": "v"})))),
        "software_statement cannot be read as a signed JWT"
    );
    assert_eq!(
        refusal(statements.verify(&signer.sign(&json!({"iss": ""})))),
        "software_statement must name its issuer (iss)"
    );
    assert!(
        refusal(statements.verify("not.a-jwt"))
            .starts_with("software_statement must be a signed JWT")
    );
}
