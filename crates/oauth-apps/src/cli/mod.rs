//! `oauth-apps apps ...` and `oauth-apps webhooks ...`: a command-line client of the flat
//! surface, so that people manage applications and webhooks without curl. A readable table
//! by default, `--json` for scripts (the server's answer as it came), problems printed
//! field by field, and exit codes scripts can rely on ([`Exit`]).
//!
//! The client writes and reads the HTTP crate's own wire types, the ones its handlers take
//! and return: a request body is a `CreateApp` or a `PatchApp`, an answer is read as an
//! `App` or a `DeliveryList`. A field renamed on the server is a compile error here, not
//! a column that quietly prints `-`.
//!
//! - `client`: the connection, one request and its answer, and how a success or a
//!   refusal is printed;
//! - `apps` and `webhooks`: each command's request and how its answer reads;
//! - `text`: tables, `label value` lines and problems.

mod apps;
mod client;
mod text;
mod webhooks;

#[cfg(test)]
mod tests;

use clap::Args;

pub use apps::AppsCommand;
pub use client::{Connection, DEFAULT_SERVER, Exit};
pub use webhooks::WebhooksCommand;

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

/// Runs `args`; the exit code says how it ended.
pub async fn run(args: AppsArgs) -> Exit {
    let (call, show) = args.command.call();
    client::send(&args.connection, call, &show).await
}

/// Runs `args`; the exit code says how it ended.
pub async fn run_webhooks(args: WebhooksArgs) -> Exit {
    let (call, show) = args.command.call();
    client::send(&args.connection, call, &show).await
}
