//! `oauth-apps export` and `oauth-apps import`: the whole store as JSON Lines.
//!
//! The first line is a header (`{"format":"oauth-apps","version":1}`); each further line
//! is one application with everything stored about it: id, version, timestamps, its
//! authentication method, its active secret hashes (current; previous with its expiry),
//! its key sets (current; previous with its expiry) and its audit trail with the events'
//! ids. Lines are in id order, so exporting the same data twice gives the same bytes on
//! either store, and the SHA-256 printed by both commands shows that what arrived is what
//! left.
//!
//! The method and the key sets came later, as fields an earlier export lacks: a line
//! without `tokenEndpointAuthMethod` is `client_secret_basic` (and it is written only when
//! it is another method), one without `keys` has none (written only when there are some);
//! one without `registration` was made by hand (written only when it was not).
//! So an export made before them still imports. `currentSecretHash` is `null` for a method
//! that uses no secret.
//!
//! Each secret's serial, hint, issue time and last use (`currentSecret`, `previousSecret`)
//! and each key set's serial and last use came later still. A line without them gets what
//! can be told from the line itself: the current secret is the second when there is a
//! previous one, else the first; each was issued at the last (the previous one: the one but
//! last) `secret_rotated` event of its trail, else when the application was created; no
//! hint and no known use. Exporting such data again writes them: the second export of an
//! earlier export's data is its bytes with those fields added, and stable from there on.

use std::io::{BufRead, Write};
use std::sync::Arc;

use oauth_apps_domain::{
    ApplicationArchive, OrganizationPolicies, RepositoryError, import_violations,
};
use oauth_apps_postgres::{PgConfig, PgRepository};
use oauth_apps_sqlite::{SqliteConfig, SqliteRepository};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

mod line;

use self::line::AppLine;
use crate::config::Database;
use crate::{StartError, migrate};

const FORMAT: &str = "oauth-apps";
const VERSION: u32 = 1;
/// Applications read from the store per query while exporting.
const EXPORT_BATCH: u32 = 500;

/// Why a transfer failed. On an import error nothing was written.
#[derive(Debug, thiserror::Error)]
pub enum TransferError {
    /// The store could not be opened or migrated.
    #[error(transparent)]
    Start(#[from] StartError),
    /// The store failed.
    #[error("storage failed: {0}")]
    Storage(#[from] RepositoryError),
    /// Reading or writing the stream failed.
    #[error("i/o: {0}")]
    Io(#[from] std::io::Error),
    /// A line is not what an export writes.
    #[error("line {line}: {reason}")]
    Line {
        /// 1-based line number.
        line: usize,
        /// What is wrong with it.
        reason: String,
    },
    /// The target store already holds applications.
    #[error("the target database already holds applications: import into an empty one")]
    NotEmpty,
}

/// What moved.
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use]
pub struct Summary {
    /// Applications.
    pub applications: usize,
    /// Audit events.
    pub events: usize,
    /// SHA-256 of the bytes written or read, hex.
    pub sha256: String,
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} applications, {} audit events, sha256 {}",
            self.applications, self.events, self.sha256
        )
    }
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Header {
    format: String,
    version: u32,
}

async fn open(database: &Database) -> Result<Arc<dyn ApplicationArchive>, TransferError> {
    Ok(open_store(database).await?.0)
}

/// The store as an archive and as the organisations' policies.
async fn open_store(
    database: &Database,
) -> Result<(Arc<dyn ApplicationArchive>, Arc<dyn OrganizationPolicies>), TransferError> {
    migrate(database).await?;
    Ok(match database {
        Database::Sqlite(path) => {
            let store = Arc::new(
                SqliteRepository::new(&SqliteConfig::new(path))
                    .map_err(|e| StartError::Database(e.to_string()))?,
            );
            (store.clone(), store)
        }
        Database::Postgres(url) => {
            let store = Arc::new(
                PgRepository::new(&PgConfig::new(url))
                    .map_err(|e| StartError::Database(e.to_string()))?,
            );
            (store.clone(), store)
        }
    })
}

/// A writer that hashes what passes through it.
struct Hashing<W> {
    inner: W,
    hash: Sha256,
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hash.update(&buf[..n]);
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

fn hex(digest: &[u8]) -> String {
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

fn json_line<T: Serialize>(out: &mut impl Write, value: &T) -> Result<(), TransferError> {
    serde_json::to_writer(&mut *out, value).map_err(std::io::Error::from)?;
    out.write_all(b"\n")?;
    Ok(())
}

/// The progress of a long export or import, drawn on standard error when it is a terminal
/// (at most five times a second, on one line); silent otherwise, so that scripts and logs
/// get only the summary.
pub struct Progress {
    verb: &'static str,
    total: Option<u64>,
    done: u64,
    started: std::time::Instant,
    drawn: Option<std::time::Instant>,
    on_terminal: bool,
}

impl Progress {
    /// Progress of `verb` (`exported`, `read`) out of `total` applications when known.
    #[must_use]
    pub fn new(verb: &'static str, total: Option<u64>) -> Self {
        use std::io::IsTerminal as _;
        Self {
            verb,
            total,
            done: 0,
            started: std::time::Instant::now(),
            drawn: None,
            on_terminal: std::io::stderr().is_terminal(),
        }
    }

    /// `n` more applications done.
    pub fn advance(&mut self, n: u64) {
        self.done += n;
        if !self.on_terminal
            || self
                .drawn
                .is_some_and(|at| at.elapsed() < std::time::Duration::from_millis(200))
        {
            return;
        }
        self.drawn = Some(std::time::Instant::now());
        let line = Self::line(self.verb, self.done, self.total, self.started.elapsed());
        let mut err = std::io::stderr().lock();
        let _ = write!(err, "\r\x1b[2K{line}");
        let _ = err.flush();
    }

    /// Clears the progress line.
    pub fn finish(&self) {
        if self.on_terminal && self.drawn.is_some() {
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\r\x1b[2K");
            let _ = err.flush();
        }
    }

    /// The line: applications done (of how many), the rate, and the time left when the
    /// total is known.
    #[must_use]
    pub fn line(verb: &str, done: u64, total: Option<u64>, elapsed: std::time::Duration) -> String {
        let seconds = elapsed.as_secs_f64().max(0.001);
        #[allow(clippy::cast_precision_loss)]
        let rate = done as f64 / seconds;
        let mut line = match total {
            Some(total) => format!("oauth-apps: {verb} {done} of {total} applications"),
            None => format!("oauth-apps: {verb} {done} applications"),
        };
        line.push_str(&format!(", {rate:.0}/s"));
        if let Some(total) = total
            && rate > 0.0
        {
            #[allow(clippy::cast_precision_loss)]
            let left = total.saturating_sub(done) as f64 / rate;
            line.push_str(&format!(", about {left:.0} s left"));
        }
        line
    }
}

/// Writes every application of `database` to `out`.
///
/// # Errors
/// [`TransferError`] when the store or the stream fails.
pub async fn export(database: &Database, out: impl Write) -> Result<Summary, TransferError> {
    let archive = open(database).await?;
    let mut out = Hashing {
        inner: std::io::BufWriter::new(out),
        hash: Sha256::new(),
    };
    json_line(
        &mut out,
        &Header {
            format: FORMAT.to_owned(),
            version: VERSION,
        },
    )?;
    let (mut applications, mut events, mut after) = (0, 0, 0);
    let mut progress = Progress::new("exported", Some(archive.count().await?));
    loop {
        let batch = archive.export_after(after, EXPORT_BATCH).await?;
        let Some(last) = batch.last() else {
            break;
        };
        after = last.application.id().get();
        for archived in &batch {
            json_line(&mut out, &AppLine::new(archived))?;
            applications += 1;
            events += archived.events.len();
        }
        progress.advance(batch.len() as u64);
    }
    progress.finish();
    out.flush()?;
    Ok(Summary {
        applications,
        events,
        sha256: hex(&out.hash.finalize()),
    })
}

/// Reads an export from `input` and stores it in `database`, which must hold no
/// application. Every line is checked before anything is written, and everything is
/// written in one transaction.
///
/// # Errors
/// [`TransferError::Line`] naming the first bad line; [`TransferError::NotEmpty`];
/// storage and i/o errors. Nothing is written on error.
pub async fn import(
    database: &Database,
    input: impl BufRead,
    total_lines: Option<u64>,
) -> Result<Summary, TransferError> {
    let mut hash = Sha256::new();
    let mut apps = Vec::new();
    let mut lines = Vec::new();
    let mut events = 0;
    let mut header_seen = false;
    let mut progress = Progress::new("read", total_lines);
    for (i, line) in input.split(b'\n').enumerate() {
        let line_no = i + 1;
        let bytes = line?;
        hash.update(&bytes);
        hash.update(b"\n");
        let bad = |reason: String| TransferError::Line {
            line: line_no,
            reason,
        };
        if bytes.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        if !header_seen {
            let header: Header = serde_json::from_slice(&bytes)
                .map_err(|e| bad(format!("not an export header: {e}")))?;
            if header.format != FORMAT || header.version != VERSION {
                return Err(bad(format!(
                    "format {:?} version {} is not {FORMAT:?} version {VERSION}",
                    header.format, header.version
                )));
            }
            header_seen = true;
            continue;
        }
        let line: AppLine = serde_json::from_slice(&bytes).map_err(|e| bad(e.to_string()))?;
        let archived = line.into_archived().map_err(bad)?;
        events += archived.events.len();
        apps.push(archived);
        lines.push(line_no);
        progress.advance(1);
    }
    progress.finish();
    if !header_seen {
        return Err(TransferError::Line {
            line: 1,
            reason: "the input is empty: expected an export".to_owned(),
        });
    }
    let (archive, policies) = open_store(database).await?;
    if !archive.is_empty().await? {
        return Err(TransferError::NotEmpty);
    }
    // The profile each organisation holds its clients to in this store holds for what is
    // imported too: every client that breaks it is named, and nothing is written.
    let refused = import_violations(&*policies, &apps).await?;
    if let Some(first) = refused.first() {
        let reasons: Vec<String> = refused
            .iter()
            .map(|(i, profile, broken)| {
                let app = &apps[*i].application;
                format!(
                    "{} (organisation {}, profile {profile}): {broken}",
                    app.client_id(),
                    app.owner_org_id()
                )
            })
            .collect();
        return Err(TransferError::Line {
            line: lines[first.0],
            reason: format!(
                "{} application(s) break their organisation's policy profile: {}",
                refused.len(),
                reasons.join("; ")
            ),
        });
    }
    archive.import(&apps).await?;
    Ok(Summary {
        applications: apps.len(),
        events,
        sha256: hex(&hash.finalize()),
    })
}

#[cfg(test)]
mod tests {
    use oauth_apps_domain::{
        ArchivedApplication, AuthMethod, Field, KeySource, Registration, SecretHint, Timestamp,
    };

    use super::*;

    #[test]
    fn progress_says_how_many_how_fast_and_how_long() {
        let line = Progress::line(
            "exported",
            500,
            Some(2000),
            std::time::Duration::from_secs(2),
        );
        assert_eq!(
            line,
            "oauth-apps: exported 500 of 2000 applications, 250/s, about 6 s left"
        );
        let line = Progress::line("read", 30, None, std::time::Duration::from_secs(3));
        assert_eq!(line, "oauth-apps: read 30 applications, 10/s");
    }

    /// An application line as written before methods and key sets (from
    /// `tests/fixtures/export-before-key-sets.jsonl`).
    const BEFORE_KEY_SETS: &str = r#"{"id":2,"clientId":"9a51c9d2-7c4a-4555-8b7f-6c1e2d7c0b10","ownerOrgId":"acme","name":"Nätive 日本語","description":null,"type":"native","redirectUrls":["http://127.0.0.1/cb","com.example.app:/cb"],"allowedScopes":[],"grantTypes":["authorization_code"],"accessLevel":"user","status":"revoked","isFirstParty":false,"currentSecretHash":"$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$bmF0aXZlbmF0aXZlbmF0aXZlbmF0aXZlbmF0aXZl","previousSecretHash":null,"previousSecretExpiresAt":null,"createdAt":"2026-01-01T00:01:40Z","updatedAt":"2026-01-01T00:03:20Z","version":2,"events":[{"id":4,"action":"created","actor":"alice","requestId":"req-3","changedFields":["name"],"at":"2026-01-01T00:01:40Z"},{"id":5,"action":"disabled","actor":"carol","requestId":"req-4","changedFields":["status"],"at":"2026-01-01T00:03:20Z"}]}"#;

    const JWKS: &str = r#"{"keys":[{"crv":"Ed25519","kid":"k1","kty":"OKP","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}]}"#;

    fn read(line: &str) -> Result<ArchivedApplication, String> {
        serde_json::from_str::<AppLine>(line)
            .map_err(|e| e.to_string())?
            .into_archived()
    }

    fn write(archived: &ArchivedApplication) -> String {
        serde_json::to_string(&AppLine::new(archived)).unwrap()
    }

    /// `BEFORE_KEY_SETS` with `replace` replaced by `with`.
    fn changed(replace: &str, with: &str) -> String {
        assert!(BEFORE_KEY_SETS.contains(replace), "{replace}");
        BEFORE_KEY_SETS.replacen(replace, with, 1)
    }

    /// A `private_key_jwt` line: `keys` in place of the secret.
    fn signed(keys: &str) -> String {
        changed(
            r#""currentSecretHash":"$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$bmF0aXZlbmF0aXZlbmF0aXZlbmF0aXZlbmF0aXZl""#,
            &format!(
                r#""tokenEndpointAuthMethod":"private_key_jwt","currentSecretHash":null{keys}"#
            ),
        )
    }

    #[test]
    fn a_line_written_before_methods_and_keys_reads_as_client_secret_basic_and_adds_its_secret() {
        let archived = read(BEFORE_KEY_SETS).unwrap();
        let app = &archived.application;
        assert_eq!(app.auth_method(), AuthMethod::ClientSecretBasic);
        assert!(app.keys().is_none());
        let secret = app.secrets().unwrap().current();
        assert_eq!((secret.serial.get(), &secret.credential.hint), (1, &None));
        // Never rotated: issued when the application was created.
        assert_eq!(secret.created_at, app.created_at());
        let written = write(&archived);
        assert_eq!(
            written,
            changed(
                r#""previousSecretExpiresAt":null,"#,
                r#""previousSecretExpiresAt":null,"currentSecret":{"serial":1,"createdAt":"2026-01-01T00:01:40Z"},"#
            )
        );
        assert_eq!(read(&written).unwrap(), archived);
    }

    #[test]
    fn a_secrets_details_round_trip_and_broken_ones_are_refused_by_name() {
        let details = r#""previousSecretExpiresAt":null,"currentSecret":{"serial":7,"hint":"Zz9_","createdAt":"2026-01-01T00:02:00Z","lastUsedAt":"2026-01-01T00:02:30Z"},"#;
        let line = changed(r#""previousSecretExpiresAt":null,"#, details);
        let archived = read(&line).unwrap();
        let secret = archived.application.secrets().unwrap().current().clone();
        assert_eq!(secret.serial.get(), 7);
        assert_eq!(
            secret.credential.hint.as_ref().map(SecretHint::as_str),
            Some("Zz9_")
        );
        assert_eq!(
            secret.last_used_at,
            Some(Timestamp::parse_rfc3339("2026-01-01T00:02:30Z").unwrap())
        );
        assert_eq!(write(&archived), line);
        let refused = |from: &str, to: &str, words: &str| {
            let reason = read(&line.replacen(from, to, 1)).unwrap_err();
            assert!(reason.contains(words), "{reason:?} should say {words:?}");
        };
        refused(r#""serial":7"#, r#""serial":0"#, "serial");
        refused(r#""Zz9_""#, r#""Zz9_x""#, "hint");
        refused(
            r#""lastUsedAt":"2026-01-01T00:02:30Z""#,
            r#""lastUsedAt":"soon""#,
            "currentSecret.lastUsedAt is not an RFC 3339 time",
        );
        refused(
            r#","currentSecret":{"#,
            r#","previousSecret":{"#,
            "currentSecretHash and currentSecret come together",
        );
    }

    #[test]
    fn methods_and_key_sets_round_trip_through_a_line() {
        let keys = format!(
            r#","keys":{{"current":{{"jwks":{JWKS},"serial":2,"createdAt":"2026-01-01T00:03:20Z","lastUsedAt":"2026-01-01T00:04:00Z"}},"previous":{{"jwksUri":"https://client.example/jwks","serial":1,"createdAt":"2026-01-01T00:01:40Z","expiresAt":"2026-01-02T00:00:00.5Z"}}}}"#
        );
        let line = signed(&keys);
        let archived = read(&line).unwrap();
        let app = &archived.application;
        assert_eq!(app.auth_method(), AuthMethod::PrivateKeyJwt);
        assert!(app.secrets().is_none());
        let sets = app.keys().unwrap();
        assert!(
            matches!(&sets.current().credential, KeySource::Inline(jwks) if jwks.as_json() == JWKS)
        );
        assert_eq!(
            sets.previous().unwrap().expires_at,
            Timestamp::parse_rfc3339("2026-01-02T00:00:00.5Z").unwrap()
        );
        assert_eq!(
            (sets.current().serial.get(), sets.current().last_used_at),
            (
                2,
                Some(Timestamp::parse_rfc3339("2026-01-01T00:04:00Z").unwrap())
            )
        );
        assert_eq!(sets.previous().unwrap().issued.serial.get(), 1);
        let again = write(&archived);
        assert!(
            again.contains(
                r#""tokenEndpointAuthMethod":"private_key_jwt","currentSecretHash":null"#
            ),
            "{again}"
        );
        assert!(
            again.contains(r#""expiresAt":"2026-01-02T00:00:00.5Z""#),
            "{again}"
        );
        assert_eq!(read(&again).unwrap(), archived);
        // A method without keys: written as it is, none asked for.
        let public = changed(
            r#""currentSecretHash":"$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$bmF0aXZlbmF0aXZlbmF0aXZlbmF0aXZlbmF0aXZl""#,
            r#""tokenEndpointAuthMethod":"none","currentSecretHash":null"#,
        );
        let archived = read(&public).unwrap();
        assert_eq!(archived.application.auth_method(), AuthMethod::None);
        assert_eq!(write(&archived), public);
    }

    #[test]
    fn how_an_application_was_registered_round_trips_and_defaults_to_manual() {
        let archived = read(BEFORE_KEY_SETS).unwrap();
        assert_eq!(archived.application.registration(), Registration::Manual);
        assert!(!write(&archived).contains("registration"));
        let line = changed(
            r#""createdAt":"#,
            r#""registration":"dynamic","createdAt":"#,
        );
        let archived = read(&line).unwrap();
        assert_eq!(archived.application.registration(), Registration::Dynamic);
        assert!(write(&archived).contains(r#""registration":"dynamic""#));
        let reason = read(&changed(
            r#""createdAt":"#,
            r#""registration":"by hand","createdAt":"#,
        ))
        .unwrap_err();
        assert!(reason.contains("registration"), "{reason}");
    }

    #[test]
    fn a_broken_line_names_every_broken_value_at_once_and_nothing_else() {
        let mut line = BEFORE_KEY_SETS.to_owned();
        for (from, to) in [
            (r#""id":2,"#, r#""id":0,"#),
            (
                r#""clientId":"9a51c9d2-7c4a-4555-8b7f-6c1e2d7c0b10""#,
                r#""clientId":"x""#,
            ),
            (r#""ownerOrgId":"acme""#, r#""ownerOrgId":"bad org""#),
            (r#""accessLevel":"user""#, r#""accessLevel":"galaxy""#),
            (r#""status":"revoked""#, r#""status":"gone""#),
            (
                r#""currentSecretHash":"$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$bmF0aXZlbmF0aXZlbmF0aXZlbmF0aXZlbmF0aXZl""#,
                r#""currentSecretHash":"plain""#,
            ),
            (r#""version":2,"#, r#""version":0,"#),
        ] {
            assert!(line.contains(from), "{from}");
            line = line.replacen(from, to, 1);
        }
        let reason = read(&line).unwrap_err();
        let named = [
            Field::Id,
            Field::ClientId,
            Field::OwnerOrgId,
            Field::AccessLevel,
            Field::Status,
            Field::Secret,
            Field::Version,
        ];
        for field in named {
            assert!(
                reason.contains(&format!("{field} ")),
                "{reason:?} names {field}"
            );
        }
        assert_eq!(reason.matches("; ").count() + 1, named.len(), "{reason:?}");
        // A type of its own is named alone.
        let reason = read(&changed(r#""type":"native""#, r#""type":"robot""#)).unwrap_err();
        assert!(
            reason.starts_with(&format!("{} ", Field::AppType)),
            "{reason:?}"
        );
        // The rules of the profile's text are restore's, as for a stored row.
        let reason = read(&changed(
            r#""redirectUrls":["http://127.0.0.1/cb","com.example.app:/cb"]"#,
            r#""redirectUrls":[]"#,
        ))
        .unwrap_err();
        assert!(
            reason.contains(&Field::RedirectUrls.to_string()),
            "{reason:?}"
        );
    }

    #[test]
    fn broken_methods_and_key_sets_are_refused_by_name() {
        let current = |extra: &str| {
            format!(
                r#","keys":{{"current":{{{extra}"serial":1,"createdAt":"2026-01-01T00:03:20Z"}}}}"#
            )
        };
        let refused = |line: &str, words: &str| {
            let reason = read(line).unwrap_err();
            assert!(reason.contains(words), "{reason:?} should say {words:?}");
        };
        refused(
            &signed(&current(&format!(
                r#""jwks":{JWKS},"jwksUri":"https://c.example/j","#
            ))),
            "exactly one of jwks and jwksUri",
        );
        refused(&signed(&current("")), "exactly one of jwks and jwksUri");
        refused(
            &signed(&current(&format!(
                r#""jwks":{JWKS},"expiresAt":"2026-01-02T00:00:00Z","#
            ))),
            "keys.current has no expiresAt",
        );
        refused(
            &signed(&format!(
                r#","keys":{{"current":{{"jwks":{JWKS},"serial":2,"createdAt":"2026-01-01T00:03:20Z"}},"previous":{{"jwksUri":"https://c.example/j","serial":1,"createdAt":"2026-01-01T00:01:40Z"}}}}"#
            )),
            "keys.previous needs its expiresAt",
        );
        refused(
            &signed(&format!(
                r#","keys":{{"current":{{"jwks":{JWKS},"serial":1,"createdAt":"yesterday"}}}}"#
            )),
            "keys.current.createdAt is not an RFC 3339 time",
        );
        refused(
            &signed(&current(
                r#""jwks":{"keys":[{"kty":"oct","kid":"h","k":"c2VjcmV0"}]},"#,
            )),
            "private member",
        );
        refused(
            &signed(&current(r#""jwksUri":"http://client.example/jwks","#)),
            "https",
        );
        refused(&signed(&current(r#""jwk":{},"#)), "unknown field");
        refused(
            &signed(&format!(
                r#","keys":{{"current":{{"jwks":{JWKS},"createdAt":"2026-01-01T00:03:20Z"}}}}"#
            )),
            "missing field `serial`",
        );
        refused(&signed(""), "private_key_jwt");
        refused(
            &changed(
                r#""isFirstParty":false,"#,
                r#""isFirstParty":false,"tokenEndpointAuthMethod":"client_secret_jwt","#,
            ),
            "client_secret_jwt",
        );
        refused(
            &changed(
                r#""currentSecretHash":"$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$bmF0aXZlbmF0aXZlbmF0aXZlbmF0aXZlbmF0aXZl""#,
                r#""currentSecretHash":null"#,
            ),
            "secret",
        );
    }
}
