//! Configuration from the environment (or `serve`'s options), checked at start with
//! errors that name each wrong setting and its rule.
//!
//! The settings are declared once, as clap arguments with their environment variables
//! ([`settings`]); [`Config::from_lookup`] reads them through any lookup (the process
//! environment in production, a map in tests), checks every given value on its own so
//! that all wrong settings are reported together, then parses them as one.

mod settings;

use std::ffi::OsStr;

use clap::{Args, FromArgMatches};

pub use settings::{
    ApplicationSettings, Audiences, DEFAULT_BIND, DEFAULT_DATABASE_URL, Database, HashingSettings,
    JwtSettings, LogFormat, OutboundSettings, RegistrationSettings, ServerSettings,
    StorageSettings, WebhookSettings,
};

/// Everything the server needs to start, by group.
#[derive(Debug, Clone, Args)]
pub struct Config {
    /// The HTTP server.
    #[command(flatten)]
    pub server: ServerSettings,
    /// Storage.
    #[command(flatten)]
    pub storage: StorageSettings,
    /// Bearer tokens.
    #[command(flatten)]
    pub jwt: JwtSettings,
    /// Argon2id.
    #[command(flatten)]
    pub hashing: HashingSettings,
    /// Applications and credentials.
    #[command(flatten)]
    pub applications: ApplicationSettings,
    /// Self-registration.
    #[command(flatten)]
    pub registration: RegistrationSettings,
    /// Outbound requests.
    #[command(flatten)]
    pub outbound_settings: OutboundSettings,
    /// The outbound guard those settings make (checked at start).
    #[arg(skip)]
    pub outbound: oauth_apps_outbound::OutboundConfig,
    /// Webhook deliveries.
    #[command(flatten)]
    pub webhooks: WebhookSettings,
}

/// Every setting that is wrong, each with what to set.
#[derive(Debug, thiserror::Error)]
#[error("invalid configuration:\n  - {}", .0.join("\n  - "))]
pub struct ConfigError(pub Vec<String>);

/// What to set when PostgreSQL is used without a signing key.
pub const KEY_REQUIRED: &str = "with PostgreSQL a signing key is required: set \
    OAUTH_APPS_JWT_HS256_SECRET (at least 32 bytes) or OAUTH_APPS_JWKS_FILE (a JWKS file of \
    RS256/ES256/EdDSA keys)";

/// The settings for which an empty value means something (an empty list), not unset.
const EMPTY_IS_A_VALUE: [&str; 1] = ["OAUTH_APPS_SELF_REGISTRATION_SCOPES"];

/// The settings as a command (`oauth-apps serve`), without reading the environment: the
/// lookup given to [`Config::from_lookup`] is the only source.
#[must_use]
pub fn command() -> clap::Command {
    Config::augment_args(clap::Command::new("serve").no_binary_name(true))
}

/// `serve`'s options: every setting, as `--option` or its environment variable (the
/// option wins), shown with its default by `oauth-apps serve --help`. Values are taken
/// as text here and checked by [`Config::from_lookup`], so every wrong one is reported.
#[must_use]
pub fn serve_options(cmd: clap::Command) -> clap::Command {
    let about = cmd.get_about().cloned();
    let long_about = cmd.get_long_about().cloned();
    let mut cmd =
        Config::augment_args(cmd).mut_args(|a| a.value_parser(clap::value_parser!(String)));
    if let Some(about) = about {
        cmd = cmd.about(about);
    }
    if let Some(long_about) = long_about {
        cmd = cmd.long_about(long_about);
    }
    cmd
}

/// What `serve`'s options and environment gave (defaults left out), by environment
/// variable, for [`Config::from_lookup`].
#[must_use]
pub fn given(matches: &clap::ArgMatches) -> std::collections::HashMap<String, String> {
    command()
        .get_arguments()
        .filter_map(|a| {
            let id = a.get_id().as_str();
            let env = a.get_env()?.to_str()?.to_owned();
            if matches.value_source(id) == Some(clap::parser::ValueSource::DefaultValue) {
                return None;
            }
            let value = matches.try_get_one::<String>(id).ok().flatten()?;
            Some((env, value.clone()))
        })
        .collect()
}

/// The environment variable of every setting, in declaration order.
#[must_use]
pub fn variables() -> Vec<String> {
    command()
        .get_arguments()
        .filter_map(|a| a.get_env().and_then(OsStr::to_str).map(str::to_owned))
        .collect()
}

/// The environment variable of the setting whose option is `--long`.
fn variable(long: &str) -> String {
    command()
        .get_arguments()
        .find(|a| a.get_long() == Some(long))
        .and_then(|a| a.get_env().and_then(OsStr::to_str).map(str::to_owned))
        .unwrap_or_else(|| long.to_owned())
}

/// The reason a value parser gave, without clap's framing.
fn reason(arg: &clap::Arg, e: &clap::Error) -> String {
    if let Some(source) = std::error::Error::source(e) {
        return source.to_string();
    }
    let values: Vec<String> = arg
        .get_possible_values()
        .iter()
        .map(|v| v.get_name().to_owned())
        .collect();
    if values.is_empty() {
        e.kind().to_string()
    } else {
        format!("must be {}", values.join(" or "))
    }
}

impl Config {
    /// Reads the configuration through `get` (the environment, in production). An empty
    /// value counts as unset.
    ///
    /// # Errors
    /// [`ConfigError`] listing every wrong setting, each named.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        // The lookup is the only source: the process environment is not read here.
        let cmd = command().mut_args(|a| a.env(None::<&str>));
        let mut errors = Vec::new();
        let mut argv = Vec::new();
        for arg in cmd.get_arguments() {
            let Some(long) = arg.get_long() else {
                continue;
            };
            let env = variable(long);
            let Some(value) = get(&env)
                .filter(|v| !v.trim().is_empty() || EMPTY_IS_A_VALUE.contains(&env.as_str()))
            else {
                continue;
            };
            let given = format!("--{long}={value}");
            // Each value checked on its own, so that every wrong one is named.
            let alone = clap::Command::new("serve")
                .no_binary_name(true)
                .arg(arg.clone());
            if let Err(e) = alone.try_get_matches_from([given.as_str()]) {
                // A secret's value is never repeated.
                let shown = if arg.is_hide_env_values_set() {
                    String::new()
                } else {
                    format!(" (got {value:?})")
                };
                errors.push(format!("{env} {}{shown}", reason(arg, &e)));
                continue;
            }
            argv.push(given);
        }
        if !errors.is_empty() {
            return Err(ConfigError(errors));
        }
        let matches = cmd
            .try_get_matches_from(argv)
            .map_err(|e| ConfigError(vec![e.to_string()]))?;
        let mut config =
            Self::from_arg_matches(&matches).map_err(|e| ConfigError(vec![e.to_string()]))?;
        let mut errors = Vec::new();
        match config.applications.catalog() {
            Ok(catalog) => config.applications.scope_catalog = catalog,
            Err(e) => errors.push(e),
        }
        match config.outbound_settings.guard() {
            Ok(guard) => config.outbound = guard,
            Err(problems) => errors.extend(problems),
        }
        if !errors.is_empty() {
            return Err(ConfigError(errors));
        }
        Ok(config)
    }

    /// Reads the configuration from the process environment.
    ///
    /// # Errors
    /// [`ConfigError`] listing every wrong setting.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }
}

#[cfg(test)]
mod tests;
