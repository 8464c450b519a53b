//! Where the client talks to, one request and its answer, and how the answer is printed:
//! a success as the text of the wire type it is read as (or, with `--json`, as it came), a
//! refusal as its problem, field by field.

use std::time::Duration;

use clap::Args;
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::text;

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

impl From<Exit> for std::process::ExitCode {
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
    /// Print the server's JSON answer as it came instead of a table.
    #[arg(long, global = true)]
    json: bool,
}

/// A request to make: its body and query are the HTTP crate's wire types, serialized.
pub(super) struct Call {
    method: reqwest::Method,
    path: String,
    body: Option<Vec<u8>>,
    headers: Vec<(&'static str, String)>,
    /// Why the request cannot be written (a body or query that does not serialize).
    fault: Option<String>,
}

impl Call {
    pub(super) fn new(method: reqwest::Method, path: String) -> Self {
        Self {
            method,
            path,
            body: None,
            headers: Vec::new(),
            fault: None,
        }
    }

    /// With `query` as the query string.
    pub(super) fn query(mut self, query: &impl Serialize) -> Self {
        match serde_urlencoded::to_string(query) {
            Ok(query) if query.is_empty() => {}
            Ok(query) => {
                self.path.push('?');
                self.path.push_str(&query);
            }
            Err(e) => self.fault = Some(e.to_string()),
        }
        self
    }

    /// With `body` as its JSON body.
    pub(super) fn json(mut self, body: &impl Serialize) -> Self {
        match serde_json::to_vec(body) {
            Ok(body) => self.body = Some(body),
            Err(e) => self.fault = Some(e.to_string()),
        }
        self
    }

    pub(super) fn header(mut self, name: &'static str, value: Option<String>) -> Self {
        if let Some(value) = value {
            self.headers.push((name, value));
        }
        self
    }
}

/// `id` as one segment of a path, percent-encoded.
pub(super) fn path_segment(id: &str) -> String {
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

/// Reads an answer's body as the wire type its operation answers with and writes it as
/// text (the `ETag` beside it, when the answer has one).
pub(super) type Reader = fn(&[u8], Option<&str>) -> Result<String, serde_json::Error>;

/// A wire type as the client prints it.
pub(super) trait Text {
    /// The text of the answer; `etag` is its `ETag` header, when it has one.
    fn text(&self, etag: Option<&str>) -> String;
}

/// The text of an answer read as `T`.
fn read_as<T: DeserializeOwned + Text>(
    body: &[u8],
    etag: Option<&str>,
) -> Result<String, serde_json::Error> {
    serde_json::from_slice::<T>(body).map(|answer| answer.text(etag))
}

/// What to print of a success.
pub(super) enum Show {
    /// The answer, read as the wire type its operation answers with.
    Text(Reader),
    /// Nothing (the answer has no body).
    Nothing,
    /// The resource at `path` as it now is, read after the write (whose answer says only
    /// that it was done).
    StateOf {
        /// Where it is read.
        path: String,
        /// How the answer to that read is printed.
        reader: Reader,
    },
}

impl Show {
    /// The answer, read as `T`.
    pub(super) fn of<T: DeserializeOwned + Text>() -> Self {
        Self::Text(read_as::<T>)
    }

    /// After the write, the resource at `path`, read as `T`.
    pub(super) fn state_of<T: DeserializeOwned + Text>(path: String) -> Self {
        Self::StateOf {
            path,
            reader: read_as::<T>,
        }
    }
}

/// Writes `text` to standard output.
fn out(text: &[u8]) {
    use std::io::Write as _;
    let _ = std::io::stdout().lock().write_all(text);
}

/// Writes `text` to standard error.
fn err(text: &str) {
    use std::io::Write as _;
    let _ = std::io::stderr().lock().write_all(text.as_bytes());
}

/// An answer: its status, its `ETag` and its body.
struct Answer {
    status: reqwest::StatusCode,
    etag: Option<String>,
    body: Vec<u8>,
}

/// Makes `call` with `args`' connection and prints the answer as `show` says.
pub(super) async fn send(args: &Connection, call: Call, show: &Show) -> Exit {
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
    if let Some(fault) = &call.fault {
        err(&format!("error: the request cannot be written: {fault}\n"));
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
    match show {
        Show::Text(reader) => print(args, Some(*reader), &answer),
        Show::Nothing => print(args, None, &answer),
        Show::StateOf { path, reader } => {
            // The write is done; what is printed is the resource as it now is.
            let state = Call::new(reqwest::Method::GET, path.clone());
            match exchange(&client, base, token, state).await {
                Ok(state) if state.status.is_success() => print(args, Some(*reader), &state),
                Ok(state) => {
                    err("note: done, but reading the result back was refused:\n");
                    err(&text::problem(state.status.as_u16(), &state.body));
                    Exit::Ok
                }
                Err(_) => Exit::Ok,
            }
        }
    }
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
            .body(body);
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
    let body = response.bytes().await.map_err(|e| {
        err(&format!("error: the answer was cut short: {e}\n"));
        Exit::Unreachable
    })?;
    Ok(Answer {
        status,
        etag,
        body: body.to_vec(),
    })
}

/// The answer's body as it came, ending in a line break (nothing when it has none).
fn as_it_came(body: &[u8]) -> Vec<u8> {
    let mut bytes = body.to_vec();
    if !bytes.is_empty() && !bytes.ends_with(b"\n") {
        bytes.push(b'\n');
    }
    bytes
}

/// Prints a refusal: the problem on standard error (and the answer as it came with
/// `--json`).
fn refused(args: &Connection, answer: &Answer) -> Exit {
    if args.json {
        out(&as_it_came(&answer.body));
    }
    err(&text::problem(answer.status.as_u16(), &answer.body));
    Exit::Refused
}

/// Prints a success: as `reader` reads it (nothing without one), or as it came with
/// `--json`. An answer this client cannot read (a newer server's, say) is printed as it
/// came, so that nothing shown once (a secret) is lost, with a note saying why.
fn print(args: &Connection, reader: Option<Reader>, answer: &Answer) -> Exit {
    if args.json {
        out(&as_it_came(&answer.body));
        return Exit::Ok;
    }
    let Some(reader) = reader else {
        return Exit::Ok;
    };
    match reader(&answer.body, answer.etag.as_deref()) {
        Ok(text) => out(text.as_bytes()),
        Err(e) => {
            out(&as_it_came(&answer.body));
            err(&format!(
                "note: done, but the answer is not what this client reads ({e}); it is printed \
                 as it came\n"
            ));
        }
    }
    Exit::Ok
}

#[cfg(test)]
impl Call {
    pub(super) fn method(&self) -> &reqwest::Method {
        &self.method
    }

    /// The path, with its query.
    pub(super) fn path(&self) -> &str {
        &self.path
    }

    pub(super) fn body(&self) -> Option<&[u8]> {
        self.body.as_deref()
    }

    pub(super) fn headers(&self) -> &[(&'static str, String)] {
        &self.headers
    }
}

#[cfg(test)]
impl Show {
    /// The text of an answer `body` (with its `etag`) as this says to print it; for
    /// [`Show::StateOf`], the text of the read that follows the write.
    pub(super) fn text(
        &self,
        body: &[u8],
        etag: Option<&str>,
    ) -> Result<String, serde_json::Error> {
        match self {
            Self::Text(reader) | Self::StateOf { reader, .. } => reader(body, etag),
            Self::Nothing => Ok(String::new()),
        }
    }
}
