//! `oauth-apps apps ...`: a command-line client of the flat surface, so that people manage
//! applications without curl. A readable table by default, `--json` for scripts, problems
//! printed field by field, and exit codes scripts can rely on ([`Exit`]).

use std::fmt::Write as _;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Subcommand};
use serde_json::{Map, Value, json};

/// The server the client talks to when none is named.
pub const DEFAULT_SERVER: &str = "http://127.0.0.1:8080";

/// How a command ended, as its exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// 0: done.
    Ok = 0,
    /// 1: the server refused (a problem answer, printed).
    Refused = 1,
    /// 2: the command line is wrong (also clap's code for a usage error).
    Usage = 2,
    /// 3: the server could not be reached (connection, time-out, not an answer).
    Unreachable = 3,
}

impl From<Exit> for ExitCode {
    fn from(e: Exit) -> Self {
        Self::from(e as u8)
    }
}

/// Where the client talks to, with which token, and how it prints.
#[derive(Debug, Args)]
pub struct Connection {
    /// The registry's base URL.
    #[arg(long, env = "OAUTH_APPS_SERVER", default_value = DEFAULT_SERVER, global = true)]
    server: String,
    /// A bearer token (for development: `oauth-apps token --sub me --org acme=admin`).
    #[arg(long, env = "OAUTH_APPS_TOKEN", hide_env_values = true, global = true)]
    token: Option<String>,
    /// Print the server's JSON answer instead of a table.
    #[arg(long, global = true)]
    json: bool,
}

/// `oauth-apps apps`: the client's options and command.
#[derive(Debug, Args)]
pub struct AppsArgs {
    #[command(flatten)]
    connection: Connection,
    #[command(subcommand)]
    command: AppsCommand,
}

/// `oauth-apps webhooks`: the client's options and command.
#[derive(Debug, Args)]
pub struct WebhooksArgs {
    #[command(flatten)]
    connection: Connection,
    #[command(subcommand)]
    command: WebhooksCommand,
}

/// What to do with webhooks.
#[derive(Debug, Subcommand)]
pub enum WebhooksCommand {
    /// List an organisation's webhooks.
    List {
        /// The organisation.
        #[arg(long)]
        org: String,
    },
    /// Register a webhook; its signing secret (`whsec_...`) is shown once.
    Create {
        /// The organisation whose applications' events it hears.
        #[arg(long)]
        org: String,
        /// Where deliveries are POSTed (https).
        #[arg(long)]
        url: String,
        /// An event type it hears (repeatable; every type when none is given).
        #[arg(long = "event")]
        events: Vec<String>,
    },
    /// Delete a webhook and its deliveries.
    Delete {
        /// Its id.
        id: String,
    },
    /// Give a webhook a new signing secret (shown once); the old one signs too for 24 h.
    RotateSecret {
        /// Its id.
        id: String,
    },
    /// Show a webhook's deliveries, newest first.
    Deliveries {
        /// Its id.
        id: String,
        /// At most this many (1-100).
        #[arg(long, default_value_t = 20)]
        limit: u32,
    },
}

impl WebhooksCommand {
    fn call(&self) -> (Call, Show) {
        use reqwest::Method;
        let hook = |id: &str| format!("/api/webhooks/{}", path_segment(id));
        match self {
            Self::List { org } => (
                Call::new(
                    Method::GET,
                    format!("/api/webhooks?ownerOrgId={}", path_segment(org)),
                ),
                Show::Webhooks,
            ),
            Self::Create { org, url, events } => {
                let mut body = json!({"ownerOrgId": org, "url": url});
                if !events.is_empty() {
                    body["events"] = json!(events);
                }
                (
                    Call::new(Method::POST, "/api/webhooks".into()).body(body),
                    Show::Webhook,
                )
            }
            Self::Delete { id } => (Call::new(Method::DELETE, hook(id)), Show::Nothing),
            Self::RotateSecret { id } => (
                Call::new(Method::POST, format!("{}/rotate-secret", hook(id))),
                Show::Webhook,
            ),
            Self::Deliveries { id, limit } => (
                Call::new(
                    Method::GET,
                    format!("{}/deliveries?limit={limit}", hook(id)),
                ),
                Show::Deliveries,
            ),
        }
    }
}

/// What to do.
#[derive(Debug, Subcommand)]
pub enum AppsCommand {
    /// List an organisation's applications, newest first.
    List {
        /// The organisation.
        #[arg(long)]
        org: String,
        /// At most this many (1-100).
        #[arg(long, default_value_t = 20)]
        limit: u32,
        /// Continue after this cursor (`nextCursor` of the previous page).
        #[arg(long)]
        cursor: Option<String>,
        /// Only applications whose name holds this text (case-insensitive).
        #[arg(long)]
        name: Option<String>,
    },
    /// Show one application.
    Get {
        /// Its client id.
        client_id: String,
    },
    /// Register an application; its secret is shown once.
    Create {
        /// The organisation that owns it.
        #[arg(long)]
        org: String,
        /// Its name.
        #[arg(long)]
        name: String,
        /// web, native, public or user-agent-based.
        #[arg(long = "type", default_value = "web")]
        app_type: String,
        /// A redirect URL (repeatable).
        #[arg(long = "redirect-url")]
        redirect_urls: Vec<String>,
        /// A scope (repeatable).
        #[arg(long = "scope")]
        scopes: Vec<String>,
        /// A description.
        #[arg(long)]
        description: Option<String>,
        /// An Idempotency-Key: a retry with the same key gets the first answer.
        #[arg(long)]
        idempotency_key: Option<String>,
    },
    /// Change an application's settings (only what is given).
    Update {
        /// Its client id.
        client_id: String,
        /// A new name.
        #[arg(long)]
        name: Option<String>,
        /// A new description.
        #[arg(long)]
        description: Option<String>,
        /// The new redirect URLs (repeatable; replaces them all).
        #[arg(long = "redirect-url")]
        redirect_urls: Vec<String>,
        /// The new scopes (repeatable; replaces them all).
        #[arg(long = "scope")]
        scopes: Vec<String>,
        /// Only if the application is still at this version (its ETag).
        #[arg(long)]
        if_match: Option<String>,
    },
    /// Disable an application: its clients stop authenticating.
    Disable {
        /// Its client id.
        client_id: String,
    },
    /// Enable a disabled application.
    Enable {
        /// Its client id.
        client_id: String,
    },
    /// Issue a new secret (shown once); the old one works for the grace period.
    RotateSecret {
        /// Its client id.
        client_id: String,
        /// Seconds the previous secret keeps working (0-604800).
        #[arg(long)]
        grace_period: Option<u32>,
        /// An Idempotency-Key: a retry with the same key gets the first answer.
        #[arg(long)]
        idempotency_key: Option<String>,
    },
    /// Stop the previous secret (and key set) before its grace period ends.
    RevokePreviousSecret {
        /// Its client id.
        client_id: String,
    },
    /// Show an application's audit trail, newest first.
    Events {
        /// Its client id.
        client_id: String,
        /// At most this many (1-100).
        #[arg(long, default_value_t = 20)]
        limit: u32,
    },
}

/// A request to make.
struct Call {
    method: reqwest::Method,
    path: String,
    body: Option<Value>,
    headers: Vec<(&'static str, String)>,
}

impl Call {
    fn new(method: reqwest::Method, path: String) -> Self {
        Self {
            method,
            path,
            body: None,
            headers: Vec::new(),
        }
    }

    fn body(mut self, body: Value) -> Self {
        self.body = Some(body);
        self
    }

    fn header(mut self, name: &'static str, value: Option<String>) -> Self {
        if let Some(value) = value {
            self.headers.push((name, value));
        }
        self
    }
}

/// What to print of an answer.
enum Show {
    List,
    App,
    Created,
    Events,
    Webhooks,
    Webhook,
    Deliveries,
    Nothing,
    /// The resource at this path as it now is, read after the write (whose answer says
    /// only that it was done), as [`Show::App`].
    StateOf(String),
}

/// Writes `text` to standard output.
fn out(text: &str) {
    use std::io::Write as _;
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
}

/// Writes `text` to standard error.
fn err(text: &str) {
    use std::io::Write as _;
    let _ = std::io::stderr().lock().write_all(text.as_bytes());
}

fn path_segment(id: &str) -> String {
    id.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

impl AppsCommand {
    fn call(&self) -> (Call, Show) {
        use reqwest::Method;
        let app = |id: &str| format!("/api/oauth-applications/{}", path_segment(id));
        match self {
            Self::List {
                org,
                limit,
                cursor,
                name,
            } => {
                let mut path = format!(
                    "/api/oauth-applications?ownerOrgId={}&limit={limit}",
                    path_segment(org)
                );
                if let Some(cursor) = cursor {
                    let _ = write!(path, "&cursor={}", path_segment(cursor));
                }
                if let Some(name) = name {
                    let _ = write!(path, "&name={}", path_segment(name));
                }
                (Call::new(Method::GET, path), Show::List)
            }
            Self::Get { client_id } => (Call::new(Method::GET, app(client_id)), Show::App),
            Self::Create {
                org,
                name,
                app_type,
                redirect_urls,
                scopes,
                description,
                idempotency_key,
            } => {
                let mut body = json!({
                    "ownerOrgId": org,
                    "name": name,
                    "type": app_type,
                    "redirectUrls": redirect_urls,
                });
                if !scopes.is_empty() {
                    body["allowedScopes"] = json!(scopes);
                }
                if let Some(d) = description {
                    body["description"] = json!(d);
                }
                (
                    Call::new(Method::POST, "/api/oauth-applications".into())
                        .body(body)
                        .header("Idempotency-Key", idempotency_key.clone()),
                    Show::Created,
                )
            }
            Self::Update {
                client_id,
                name,
                description,
                redirect_urls,
                scopes,
                if_match,
            } => {
                let mut body = Map::new();
                if let Some(n) = name {
                    body.insert("name".into(), json!(n));
                }
                if let Some(d) = description {
                    body.insert("description".into(), json!(d));
                }
                if !redirect_urls.is_empty() {
                    body.insert("redirectUrls".into(), json!(redirect_urls));
                }
                if !scopes.is_empty() {
                    body.insert("allowedScopes".into(), json!(scopes));
                }
                let tag = if_match.as_ref().map(|v| {
                    if v.starts_with('"') {
                        v.clone()
                    } else {
                        format!("\"{v}\"")
                    }
                });
                (
                    Call::new(Method::PATCH, app(client_id))
                        .body(Value::Object(body))
                        .header("If-Match", tag),
                    Show::App,
                )
            }
            // The server answers `{success: true}`: print the state it left.
            Self::Disable { client_id } => (
                Call::new(Method::DELETE, app(client_id)),
                Show::StateOf(app(client_id)),
            ),
            Self::Enable { client_id } => (
                Call::new(Method::POST, format!("{}/enable", app(client_id))),
                Show::App,
            ),
            Self::RotateSecret {
                client_id,
                grace_period,
                idempotency_key,
            } => {
                let mut call = Call::new(Method::POST, format!("{}/rotate-secret", app(client_id)))
                    .header("Idempotency-Key", idempotency_key.clone());
                if let Some(seconds) = grace_period {
                    call = call.body(json!({"gracePeriodSeconds": seconds}));
                }
                (call, Show::Created)
            }
            Self::RevokePreviousSecret { client_id } => (
                Call::new(
                    Method::POST,
                    format!("{}/revoke-previous-secret", app(client_id)),
                ),
                Show::App,
            ),
            Self::Events { client_id, limit } => (
                Call::new(
                    Method::GET,
                    format!("{}/events?limit={limit}", app(client_id)),
                ),
                Show::Events,
            ),
        }
    }
}

/// `text` cut to `width` characters.
fn cell(text: &str, width: usize) -> String {
    let mut s: String = text.chars().take(width).collect();
    if text.chars().count() > width {
        s.pop();
        s.push('…');
    }
    s
}

fn text(v: &Value) -> String {
    match v {
        Value::Null => "-".into(),
        Value::String(s) => s.clone(),
        Value::Array(items) => items.iter().map(text).collect::<Vec<_>>().join(", "),
        other => other.to_string(),
    }
}

/// The `items` of a page answer (none when it has none).
fn items(answer: &Value) -> impl Iterator<Item = &Value> {
    answer["items"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
}

/// A table of `rows` under `headers`, each column as wide as its widest cell.
fn table(headers: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (i, c) in row.iter().enumerate() {
            widths[i] = widths[i].max(c.chars().count());
        }
    }
    let line = |cells: Vec<String>| {
        let mut l = String::new();
        for (i, c) in cells.iter().enumerate() {
            let pad = widths[i] - c.chars().count();
            l.push_str(c);
            if i + 1 < cells.len() {
                l.push_str(&" ".repeat(pad + 2));
            }
        }
        l.push('\n');
        l
    };
    let mut t = line(headers.iter().map(|h| (*h).to_owned()).collect());
    for row in rows {
        t.push_str(&line(row.clone()));
    }
    t
}

/// One application as `field: value` lines.
fn describe(app: &Value) -> String {
    let fields = [
        ("Client id", "clientId"),
        ("Name", "name"),
        ("Type", "type"),
        ("Organisation", "ownerOrgId"),
        ("Disabled", "disabled"),
        ("Redirect URLs", "redirectUrls"),
        ("Scopes", "allowedScopes"),
        ("Grant types", "grantTypes"),
        ("Auth method", "tokenEndpointAuthMethod"),
        ("Secret expires", "clientSecretExpiresAt"),
        ("Previous secret until", "previousSecretExpiresAt"),
        ("Created", "createdAt"),
        ("Updated", "updatedAt"),
    ];
    let mut s = String::new();
    for (label, key) in fields {
        let _ = writeln!(s, "{label:<22} {}", text(&app[key]));
    }
    s
}

fn render(show: &Show, answer: &Value, etag: Option<&str>) -> String {
    match show {
        Show::List => {
            let rows: Vec<Vec<String>> = items(answer)
                .map(|a| {
                    vec![
                        text(&a["clientId"]),
                        cell(&text(&a["name"]), 40),
                        text(&a["type"]),
                        if a["disabled"] == true {
                            "disabled"
                        } else {
                            "active"
                        }
                        .to_owned(),
                        text(&a["createdAt"]),
                    ]
                })
                .collect();
            let mut t = table(&["CLIENT ID", "NAME", "TYPE", "STATUS", "CREATED"], &rows);
            if let Some(next) = answer["nextCursor"].as_str() {
                let _ = writeln!(t, "\nMore: --cursor {next}");
            }
            t
        }
        Show::App => {
            let mut s = describe(answer);
            if let Some(tag) = etag {
                let _ = writeln!(s, "{:<22} {tag}", "Version (ETag)");
            }
            s
        }
        Show::Created => {
            let mut s = describe(&answer["application"]);
            if let Some(secret) = answer["clientSecret"].as_str() {
                let _ = write!(
                    s,
                    "\nClient secret          {secret}\n\
                     Store it now: it is shown this once and cannot be read again.\n"
                );
            }
            s
        }
        Show::Webhooks => {
            let rows: Vec<Vec<String>> = items(answer)
                .map(|w| {
                    vec![
                        text(&w["id"]),
                        text(&w["url"]),
                        if w["events"].is_null() {
                            "every type".to_owned()
                        } else {
                            text(&w["events"])
                        },
                    ]
                })
                .collect();
            table(&["ID", "URL", "EVENTS"], &rows)
        }
        Show::Webhook => {
            let mut s = String::new();
            for (label, key) in [("Id", "id"), ("URL", "url"), ("Events", "events")] {
                let _ = writeln!(s, "{label:<22} {}", text(&answer[key]));
            }
            if let Some(secret) = answer["secret"].as_str() {
                let _ = write!(
                    s,
                    "\nSigning secret         {secret}\n\
                     Store it now: it is shown this once and cannot be read again.\n"
                );
            }
            s
        }
        Show::Deliveries => {
            let rows: Vec<Vec<String>> = items(answer)
                .map(|d| {
                    vec![
                        text(&d["createdAt"]),
                        text(&d["type"]),
                        text(&d["status"]),
                        text(&d["attempts"]),
                        text(&d["lastStatus"]),
                    ]
                })
                .collect();
            table(&["AT", "TYPE", "STATUS", "ATTEMPTS", "LAST"], &rows)
        }
        Show::Nothing | Show::StateOf(_) => String::new(),
        Show::Events => {
            let rows: Vec<Vec<String>> = items(answer)
                .map(|e| {
                    vec![
                        text(&e["at"]),
                        text(&e["action"]),
                        text(&e["actor"]),
                        text(&e["changedFields"]),
                    ]
                })
                .collect();
            table(&["AT", "ACTION", "ACTOR", "CHANGED"], &rows)
        }
    }
}

/// A problem answer as lines: the status and title or detail, then each field and rule.
fn problem(status: u16, answer: &Value) -> String {
    let mut s = format!(
        "error: {status} {}\n",
        answer["detail"]
            .as_str()
            .or_else(|| answer["title"].as_str())
            .unwrap_or("the server refused the request")
    );
    for e in answer["errors"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
    {
        let _ = writeln!(s, "  {}: {}", text(&e["field"]), text(&e["message"]));
    }
    s
}

/// Runs `args`; the exit code says how it ended.
pub async fn run(args: AppsArgs) -> Exit {
    let (call, show) = args.command.call();
    send(&args.connection, call, &show).await
}

/// Runs `args`; the exit code says how it ended.
pub async fn run_webhooks(args: WebhooksArgs) -> Exit {
    let (call, show) = args.command.call();
    send(&args.connection, call, &show).await
}

/// An answer: its status, its ETag and its JSON body (`null` when it has none).
struct Answer {
    status: reqwest::StatusCode,
    etag: Option<String>,
    body: Value,
}

/// Makes `call` with `args`' connection and prints the answer as `show` says.
async fn send(args: &Connection, call: Call, show: &Show) -> Exit {
    let Some(token) = args.token.as_deref().filter(|t| !t.is_empty()) else {
        err("error: a token is required: --token or OAUTH_APPS_TOKEN\n");
        return Exit::Usage;
    };
    let base = args.server.trim_end_matches('/');
    if reqwest::Url::parse(base).is_err() {
        err(&format!(
            "error: --server must be a URL such as {DEFAULT_SERVER} (got {base:?})\n"
        ));
        return Exit::Usage;
    }
    let tls = match oauth_apps_outbound::client_tls_config() {
        Ok(tls) => tls,
        Err(e) => {
            err(&format!("error: TLS set-up failed: {e}\n"));
            return Exit::Unreachable;
        }
    };
    let client = match reqwest::Client::builder()
        .tls_backend_preconfigured(tls)
        .timeout(Duration::from_secs(30))
        .user_agent(concat!("oauth-apps-cli/", env!("CARGO_PKG_VERSION")))
        .build()
    {
        Ok(c) => c,
        Err(e) => {
            err(&format!("error: {e}\n"));
            return Exit::Unreachable;
        }
    };
    let answer = match exchange(&client, base, token, call).await {
        Ok(answer) => answer,
        Err(exit) => return exit,
    };
    if !answer.status.is_success() {
        return refused(args, &answer);
    }
    if let Show::StateOf(path) = show {
        // The write is done; what is printed is the resource as it now is.
        let state = Call::new(reqwest::Method::GET, path.clone());
        return match exchange(&client, base, token, state).await {
            Ok(state) if state.status.is_success() => print(args, &Show::App, &state),
            Ok(state) => {
                err("note: done, but reading the result back was refused:\n");
                err(&problem(state.status.as_u16(), &state.body));
                Exit::Ok
            }
            Err(_) => Exit::Ok,
        };
    }
    print(args, show, &answer)
}

/// One request and its answer; `Err` with [`Exit::Unreachable`] (printed) when there is
/// no answer.
async fn exchange(
    client: &reqwest::Client,
    base: &str,
    token: &str,
    call: Call,
) -> Result<Answer, Exit> {
    let mut request = client
        .request(call.method, format!("{base}{}", call.path))
        .bearer_auth(token);
    for (name, value) in call.headers {
        request = request.header(name, value);
    }
    if let Some(body) = call.body {
        request = request
            .header("Content-Type", "application/json")
            .body(body.to_string());
    }
    let response = request.send().await.map_err(|e| {
        err(&format!("error: {base} could not be reached: {e}\n"));
        Exit::Unreachable
    })?;
    let status = response.status();
    let etag = response
        .headers()
        .get("etag")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let bytes = response.bytes().await.map_err(|e| {
        err(&format!("error: the answer was cut short: {e}\n"));
        Exit::Unreachable
    })?;
    Ok(Answer {
        status,
        etag,
        body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    })
}

/// Prints a refusal: the problem on standard error (and its JSON with `--json`).
fn refused(args: &Connection, answer: &Answer) -> Exit {
    if args.json {
        out(&format!("{}\n", answer.body));
    }
    err(&problem(answer.status.as_u16(), &answer.body));
    Exit::Refused
}

/// Prints a success as `show` says (its JSON with `--json`).
fn print(args: &Connection, show: &Show, answer: &Answer) -> Exit {
    if args.json {
        out(&format!("{:#}\n", answer.body));
    } else {
        out(&render(show, &answer.body, answer.etag.as_deref()));
    }
    Exit::Ok
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_align_and_problems_name_each_field() {
        let t = table(&["A", "NAME"], &[vec!["1".into(), "Billing".into()]]);
        assert_eq!(t, "A  NAME\n1  Billing\n");
        let p = problem(
            422,
            &json!({"detail": "The request breaks the rules.",
                    "errors": [{"field": "redirectUrls[0]", "message": "must use https"}]}),
        );
        assert_eq!(
            p,
            "error: 422 The request breaks the rules.\n  redirectUrls[0]: must use https\n"
        );
        assert_eq!(cell("abcdef", 4), "abc…");
        assert_eq!(path_segment("a b/c"), "a%20b%2Fc");
    }
}
