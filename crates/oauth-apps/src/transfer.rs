//! `oauth-apps export` and `oauth-apps import`: the whole store as JSON Lines.
//!
//! The first line is a header (`{"format":"oauth-apps","version":1}`); each further line
//! is one application with everything stored about it: id, version, timestamps, its
//! active secret hashes (current; previous with its expiry) and its audit trail with the
//! events' ids. Lines are in id order, so exporting the same data twice gives the same
//! bytes on either store, and the SHA-256 printed by both commands shows that what
//! arrived is what left.

use std::io::{BufRead, Write};
use std::sync::Arc;

use oauth_apps_domain::{
    ApplicationArchive, ApplicationRecord, ArchivedApplication, AuditEvent, OAuthApplication,
    RepositoryError, StoredAuditEvent, Timestamp,
};
use oauth_apps_postgres::{PgConfig, PgRepository};
use oauth_apps_sqlite::{SqliteConfig, SqliteRepository};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

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

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct AppLine {
    id: i64,
    client_id: String,
    owner_org_id: String,
    name: String,
    description: Option<String>,
    #[serde(rename = "type")]
    app_type: String,
    redirect_urls: Vec<String>,
    allowed_scopes: Vec<String>,
    grant_types: Vec<String>,
    access_level: String,
    status: String,
    is_first_party: bool,
    current_secret_hash: String,
    previous_secret_hash: Option<String>,
    previous_secret_expires_at: Option<String>,
    created_at: String,
    updated_at: String,
    version: i64,
    events: Vec<EventLine>,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct EventLine {
    id: i64,
    action: String,
    actor: String,
    request_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    client_request_id: Option<String>,
    changed_fields: Vec<String>,
    at: String,
}

impl AppLine {
    fn new(archived: &ArchivedApplication) -> Self {
        let app = &archived.application;
        let r = app.to_record();
        Self {
            id: app.id().get(),
            client_id: r.client_id,
            owner_org_id: r.owner_org_id,
            name: r.name,
            description: r.description,
            app_type: r.app_type,
            redirect_urls: r.redirect_urls,
            allowed_scopes: r.allowed_scopes,
            grant_types: r.grant_types,
            access_level: r.access_level,
            status: r.status,
            is_first_party: r.is_first_party,
            current_secret_hash: r.current_secret_hash,
            previous_secret_hash: r.previous_secret.as_ref().map(|(h, _)| h.clone()),
            previous_secret_expires_at: r.previous_secret.map(|(_, at)| at.to_rfc3339()),
            created_at: r.created_at.to_rfc3339(),
            updated_at: r.updated_at.to_rfc3339(),
            version: r.version,
            events: archived
                .events
                .iter()
                .map(|e| EventLine {
                    id: e.id,
                    action: e.event.action.as_str().to_owned(),
                    actor: e.event.actor.clone(),
                    request_id: e.event.request_id.clone(),
                    client_request_id: e.event.client_request_id.clone(),
                    changed_fields: e
                        .event
                        .changed_fields
                        .iter()
                        .map(|f| f.name().to_owned())
                        .collect(),
                    at: e.event.at.to_rfc3339(),
                })
                .collect(),
        }
    }

    /// Rebuilds the application, checking every rule a stored application must keep.
    fn into_archived(self) -> Result<ArchivedApplication, String> {
        let time = |what: &str, s: &str| {
            Timestamp::parse_rfc3339(s).map_err(|_| format!("{what} is not an RFC 3339 time"))
        };
        let previous_secret = match (self.previous_secret_hash, self.previous_secret_expires_at) {
            (Some(hash), Some(at)) => Some((hash, time("previousSecretExpiresAt", &at)?)),
            (None, None) => None,
            _ => {
                return Err(
                    "previousSecretHash and previousSecretExpiresAt come together".to_owned(),
                );
            }
        };
        let record = ApplicationRecord {
            client_id: self.client_id,
            owner_org_id: self.owner_org_id,
            name: self.name,
            description: self.description,
            app_type: self.app_type,
            redirect_urls: self.redirect_urls,
            allowed_scopes: self.allowed_scopes,
            grant_types: self.grant_types,
            access_level: self.access_level,
            status: self.status,
            is_first_party: self.is_first_party,
            current_secret_hash: self.current_secret_hash,
            previous_secret,
            created_at: time("createdAt", &self.created_at)?,
            updated_at: time("updatedAt", &self.updated_at)?,
            version: self.version,
        };
        let application =
            OAuthApplication::from_record(self.id, record).map_err(|e| e.to_string())?;
        let mut events = Vec::with_capacity(self.events.len());
        for e in self.events {
            let at = time("at", &e.at)?;
            let event = AuditEvent::restore(
                &e.action,
                e.actor,
                e.request_id,
                e.client_request_id,
                &e.changed_fields,
                at,
            )
            .map_err(|errors| format!("event {}: {errors}", e.id))?;
            events.push(StoredAuditEvent { id: e.id, event });
        }
        Ok(ArchivedApplication {
            application,
            events,
        })
    }
}

async fn open(database: &Database) -> Result<Arc<dyn ApplicationArchive>, TransferError> {
    migrate(database).await?;
    Ok(match database {
        Database::Sqlite(path) => Arc::new(
            SqliteRepository::new(&SqliteConfig::new(path))
                .map_err(|e| StartError::Database(e.to_string()))?,
        ),
        Database::Postgres(url) => Arc::new(
            PgRepository::new(&PgConfig::new(url))
                .map_err(|e| StartError::Database(e.to_string()))?,
        ),
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
    }
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
pub async fn import(database: &Database, input: impl BufRead) -> Result<Summary, TransferError> {
    let mut hash = Sha256::new();
    let mut apps = Vec::new();
    let mut events = 0;
    let mut header_seen = false;
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
    }
    if !header_seen {
        return Err(TransferError::Line {
            line: 1,
            reason: "the input is empty: expected an export".to_owned(),
        });
    }
    let archive = open(database).await?;
    if !archive.is_empty().await? {
        return Err(TransferError::NotEmpty);
    }
    archive.import(&apps).await?;
    Ok(Summary {
        applications: apps.len(),
        events,
        sha256: hex(&hash.finalize()),
    })
}
