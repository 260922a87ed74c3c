//! Typed settings, read once at start from built-in defaults, an optional
//! configuration file and the environment (a `.env` file included).
//!
//! Every value arrives as a string and is parsed here, so that a bad value
//! stops the program with one line naming the variable and what it accepts.

use std::collections::HashMap;
use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use url::Url;

use crate::domain::EmailAddress;

/// The identity provider that signs people in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthProvider {
    Builtin,
    Stytch,
}

/// The database engine `DATABASE_URL` points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DatabaseKind {
    Sqlite,
    MySql,
}

/// The format of log lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Clone)]
pub struct Settings {
    pub database: DatabaseSettings,
    pub bind_addr: SocketAddr,
    pub public_url: Url,
    pub web_url: Url,
    pub web_dir: Option<PathBuf>,
    pub admin_email: Option<EmailAddress>,
    pub auth_provider: AuthProvider,
    pub stytch: Option<StytchSettings>,
    pub session_duration: Duration,
    pub cookie_name: String,
    pub mail: MailSettings,
    pub migrate_on_start: bool,
    pub log_format: LogFormat,
    /// The address serving `/metrics`, or `None` for no metrics.
    pub metrics_addr: Option<SocketAddr>,
    /// How long in-flight requests may run after SIGTERM or Ctrl-C.
    pub shutdown_timeout: Duration,
}

#[derive(Clone)]
pub struct DatabaseSettings {
    pub url: SecretString,
    pub kind: DatabaseKind,
    pub max_connections: u32,
}

impl fmt::Debug for DatabaseSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DatabaseSettings")
            .field("url", &redact_url(self.url.expose_secret()))
            .field("kind", &self.kind)
            .field("max_connections", &self.max_connections)
            .finish()
    }
}

#[derive(Debug, Clone)]
pub struct StytchSettings {
    pub project_id: String,
    pub secret: SecretString,
    pub api_url: Url,
    /// The bound on every call to Stytch, retries included.
    pub timeout: Duration,
    /// How long a successful check of an opaque session token is reused
    /// without asking Stytch again; zero turns the cache off.
    pub session_cache: Duration,
}

#[derive(Debug, Clone)]
pub struct MailSettings {
    pub outbox: Option<PathBuf>,
    pub smtp_url: Option<SecretString>,
    pub from: String,
}

/// A configuration value that cannot be used: the message names the
/// variable and what it accepts.
#[derive(Debug, thiserror::Error)]
#[error("{variable}: {message}")]
pub struct SettingsError {
    pub variable: &'static str,
    pub message: String,
}

fn invalid(variable: &'static str, message: impl Into<String>) -> SettingsError {
    SettingsError {
        variable,
        message: message.into(),
    }
}

/// The settings as strings, before parsing. Keys are the lower-cased
/// environment variable names, which is also how a configuration file
/// spells them.
#[derive(Debug, Default, Deserialize)]
struct RawSettings {
    database_url: Option<String>,
    database_max_connections: Option<String>,
    bind_addr: Option<String>,
    public_url: Option<String>,
    web_url: Option<String>,
    web_dir: Option<String>,
    admin_email: Option<String>,
    auth_provider: Option<String>,
    stytch_project_id: Option<String>,
    stytch_secret: Option<String>,
    stytch_api_url: Option<String>,
    stytch_timeout_ms: Option<String>,
    stytch_session_cache_seconds: Option<String>,
    session_duration_minutes: Option<String>,
    cookie_name: Option<String>,
    mail_outbox: Option<String>,
    smtp_url: Option<String>,
    mail_from: Option<String>,
    migrate_on_start: Option<String>,
    log_format: Option<String>,
    metrics_addr: Option<String>,
    shutdown_timeout_seconds: Option<String>,
}

impl Settings {
    /// Loads the settings from the process environment, the `.env` file in
    /// the working directory, and `config_file` when it exists.
    pub fn load(config_file: Option<&Path>) -> Result<Settings, SettingsError> {
        // A missing .env file is normal; a malformed one is reported.
        if let Err(error) = dotenvy::dotenv()
            && !error.not_found()
        {
            return Err(invalid(".env", error.to_string()));
        }

        Self::load_from(config_file, None)
    }

    /// Loads the settings from `environment` in place of the process
    /// environment, so that tests can run several configurations side by side.
    pub fn from_map(environment: HashMap<String, String>) -> Result<Settings, SettingsError> {
        Self::load_from(None, Some(environment))
    }

    fn load_from(
        config_file: Option<&Path>,
        environment: Option<HashMap<String, String>>,
    ) -> Result<Settings, SettingsError> {
        let mut builder = config::Config::builder();
        if let Some(path) = config_file {
            builder = builder.add_source(config::File::from(path).required(false));
        }
        let builder = builder.add_source(config::Environment::default().source(environment));

        let raw: RawSettings = builder
            .build()
            .and_then(|config| config.try_deserialize())
            .map_err(|error| invalid("configuration", error.to_string()))?;

        Self::parse(raw)
    }

    fn parse(raw: RawSettings) -> Result<Settings, SettingsError> {
        let database = parse_database(
            raw.database_url.as_deref(),
            raw.database_max_connections.as_deref(),
        )?;
        let bind_addr = parse_bind_addr(raw.bind_addr.as_deref())?;

        let public_url = parse_origin_url("PUBLIC_URL", raw.public_url.as_deref())?
            .unwrap_or_else(|| Url::parse("http://localhost:8080").expect("default URL parses"));
        let web_url =
            parse_origin_url("WEB_URL", raw.web_url.as_deref())?.unwrap_or(public_url.clone());

        let web_dir = match non_empty(raw.web_dir.as_deref()) {
            Some(dir) => Some(PathBuf::from(dir)),
            None if raw.web_dir.is_some() => None,
            None => Some(PathBuf::from("web/dist")),
        };

        let stytch_project_id = non_empty(raw.stytch_project_id.as_deref());
        let auth_provider = match non_empty(raw.auth_provider.as_deref()) {
            Some("builtin") => AuthProvider::Builtin,
            Some("stytch") => AuthProvider::Stytch,
            Some(other) => {
                return Err(invalid(
                    "AUTH_PROVIDER",
                    format!("unknown provider {other:?}, use builtin or stytch"),
                ));
            }
            None if stytch_project_id.is_some() => AuthProvider::Stytch,
            None => AuthProvider::Builtin,
        };

        let stytch = match auth_provider {
            AuthProvider::Stytch => Some(parse_stytch(&raw, stytch_project_id)?),
            AuthProvider::Builtin => None,
        };

        let admin_email = match (raw.admin_email.as_deref(), auth_provider) {
            (None, AuthProvider::Builtin) => Some("admin@example.com"),
            (value, _) => non_empty(value),
        }
        .map(|email| {
            EmailAddress::parse(email)
                .map_err(|error| invalid("ADMIN_EMAIL", format!("{email:?} {error}")))
        })
        .transpose()?;

        let session_minutes = parse_number(
            "SESSION_DURATION_MINUTES",
            raw.session_duration_minutes.as_deref(),
            10_080,
            1..=525_600,
        )?;

        let cookie_name = non_empty(raw.cookie_name.as_deref()).unwrap_or("session");
        if !cookie_name
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&byte))
        {
            return Err(invalid(
                "COOKIE_NAME",
                format!("{cookie_name:?} is not a valid cookie name, use letters, digits, - and _"),
            ));
        }

        let mail = parse_mail(&raw, &public_url)?;
        let migrate_on_start =
            parse_bool("MIGRATE_ON_START", raw.migrate_on_start.as_deref(), true)?;

        let log_format = match non_empty(raw.log_format.as_deref()) {
            None | Some("text") => LogFormat::Text,
            Some("json") => LogFormat::Json,
            Some(other) => {
                return Err(invalid(
                    "LOG_FORMAT",
                    format!("unknown format {other:?}, use text or json"),
                ));
            }
        };

        let metrics_addr = match non_empty(raw.metrics_addr.as_deref()) {
            Some(value) => Some(parse_socket_addr("METRICS_ADDR", value)?),
            None => None,
        };
        let shutdown_seconds = parse_number(
            "SHUTDOWN_TIMEOUT_SECONDS",
            raw.shutdown_timeout_seconds.as_deref(),
            30,
            0..=600,
        )?;

        Ok(Settings {
            database,
            bind_addr,
            public_url,
            web_url,
            web_dir,
            admin_email,
            auth_provider,
            stytch,
            session_duration: Duration::from_secs(u64::from(session_minutes) * 60),
            cookie_name: cookie_name.to_owned(),
            mail,
            migrate_on_start,
            log_format,
            metrics_addr,
            shutdown_timeout: Duration::from_secs(u64::from(shutdown_seconds)),
        })
    }

    /// Whether cookies must carry the `Secure` attribute.
    pub fn secure_cookies(&self) -> bool {
        self.public_url.scheme() == "https"
    }
}

fn non_empty(value: Option<&str>) -> Option<&str> {
    value.map(str::trim).filter(|value| !value.is_empty())
}

fn parse_database(
    url: Option<&str>,
    max_connections: Option<&str>,
) -> Result<DatabaseSettings, SettingsError> {
    let url = non_empty(url).unwrap_or("sqlite://data/dashboard.db");

    let kind = if url.starts_with("sqlite:") {
        DatabaseKind::Sqlite
    } else if url.starts_with("mysql://") || url.starts_with("mariadb://") {
        DatabaseKind::MySql
    } else {
        return Err(invalid(
            "DATABASE_URL",
            format!(
                "{} has an unsupported scheme, use sqlite:// or mysql://",
                redact_url(url)
            ),
        ));
    };

    if kind == DatabaseKind::MySql {
        Url::parse(url).map_err(|error| {
            invalid(
                "DATABASE_URL",
                format!("{} is not a valid URL: {error}", redact_url(url)),
            )
        })?;
    }

    let max_connections = parse_number("DATABASE_MAX_CONNECTIONS", max_connections, 10, 1..=1000)?;

    // sqlx spells the scheme mysql:// even when the server is MariaDB.
    let url = match url.strip_prefix("mariadb://") {
        Some(rest) => format!("mysql://{rest}"),
        None => url.to_owned(),
    };

    Ok(DatabaseSettings {
        url: SecretString::from(url),
        kind,
        max_connections,
    })
}

fn parse_bind_addr(value: Option<&str>) -> Result<SocketAddr, SettingsError> {
    parse_socket_addr("BIND_ADDR", non_empty(value).unwrap_or("127.0.0.1:8080"))
}

fn parse_socket_addr(variable: &'static str, value: &str) -> Result<SocketAddr, SettingsError> {
    let value = value.replacen("localhost:", "127.0.0.1:", 1);

    value.parse().map_err(|_| {
        invalid(
            variable,
            format!(
                "{value:?} is not an address, use IP:PORT such as 127.0.0.1:8080 or 0.0.0.0:8080"
            ),
        )
    })
}

/// Parses an http(s) URL that is used as an origin or a base for links.
/// A trailing slash is dropped, so that paths can be appended.
fn parse_origin_url(
    variable: &'static str,
    value: Option<&str>,
) -> Result<Option<Url>, SettingsError> {
    let Some(value) = non_empty(value) else {
        return Ok(None);
    };

    let url = Url::parse(value).map_err(|error| {
        invalid(
            variable,
            format!(
                "{value:?} is not a URL ({error}), use for example https://dashboard.example.com"
            ),
        )
    })?;

    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(invalid(
            variable,
            format!("{value:?} must be an http:// or https:// URL with a host"),
        ));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(invalid(
            variable,
            format!("{value:?} must not have a query or fragment"),
        ));
    }

    let trimmed = value.trim_end_matches('/');
    Ok(Some(
        Url::parse(trimmed).expect("a valid URL without its trailing slash parses"),
    ))
}

fn parse_stytch(
    raw: &RawSettings,
    project_id: Option<&str>,
) -> Result<StytchSettings, SettingsError> {
    let project_id = project_id.ok_or_else(|| {
        invalid(
            "STYTCH_PROJECT_ID",
            "missing: AUTH_PROVIDER=stytch needs the project id from the Stytch dashboard",
        )
    })?;
    let secret = non_empty(raw.stytch_secret.as_deref()).ok_or_else(|| {
        invalid(
            "STYTCH_SECRET",
            "missing: AUTH_PROVIDER=stytch needs the project secret from the Stytch dashboard",
        )
    })?;

    let default_api_url = if project_id.starts_with("project-live-") {
        "https://api.stytch.com"
    } else {
        "https://test.stytch.com"
    };
    let api_url = parse_origin_url("STYTCH_API_URL", raw.stytch_api_url.as_deref())?
        .unwrap_or_else(|| Url::parse(default_api_url).expect("default Stytch URL parses"));

    let timeout_ms = parse_number(
        "STYTCH_TIMEOUT_MS",
        raw.stytch_timeout_ms.as_deref(),
        5_000,
        100..=60_000,
    )?;
    let cache_seconds = parse_number(
        "STYTCH_SESSION_CACHE_SECONDS",
        raw.stytch_session_cache_seconds.as_deref(),
        0,
        0..=300,
    )?;

    Ok(StytchSettings {
        project_id: project_id.to_owned(),
        secret: SecretString::from(secret.to_owned()),
        api_url,
        timeout: Duration::from_millis(u64::from(timeout_ms)),
        session_cache: Duration::from_secs(u64::from(cache_seconds)),
    })
}

fn parse_mail(raw: &RawSettings, public_url: &Url) -> Result<MailSettings, SettingsError> {
    let outbox = non_empty(raw.mail_outbox.as_deref()).map(PathBuf::from);

    let smtp_url = match non_empty(raw.smtp_url.as_deref()) {
        Some(value) => {
            let scheme = value.split("://").next().unwrap_or_default();
            if !matches!(scheme, "smtp" | "smtps") || !value.contains("://") {
                return Err(invalid(
                    "SMTP_URL",
                    format!(
                        "{} has an unsupported scheme, use smtp:// or smtps://",
                        redact_url(value)
                    ),
                ));
            }
            Some(SecretString::from(value.to_owned()))
        }
        None => None,
    };

    let from = match non_empty(raw.mail_from.as_deref()) {
        Some(from) => from.to_owned(),
        None => format!(
            "Dashboard <no-reply@{}>",
            public_url.host_str().unwrap_or("localhost")
        ),
    };
    if from.parse::<lettre::message::Mailbox>().is_err() {
        return Err(invalid(
            "MAIL_FROM",
            format!("{from:?} is not a mailbox, use for example Dashboard <no-reply@example.com>"),
        ));
    }

    Ok(MailSettings {
        outbox,
        smtp_url,
        from,
    })
}

fn parse_number(
    variable: &'static str,
    value: Option<&str>,
    default: u32,
    range: std::ops::RangeInclusive<u32>,
) -> Result<u32, SettingsError> {
    let Some(value) = non_empty(value) else {
        return Ok(default);
    };

    value
        .parse::<u32>()
        .ok()
        .filter(|number| range.contains(number))
        .ok_or_else(|| {
            invalid(
                variable,
                format!(
                    "{value:?} is not a whole number from {} to {}",
                    range.start(),
                    range.end()
                ),
            )
        })
}

fn parse_bool(
    variable: &'static str,
    value: Option<&str>,
    default: bool,
) -> Result<bool, SettingsError> {
    match non_empty(value).map(str::to_ascii_lowercase).as_deref() {
        None => Ok(default),
        Some("true" | "1" | "yes" | "on") => Ok(true),
        Some("false" | "0" | "no" | "off") => Ok(false),
        Some(other) => Err(invalid(
            variable,
            format!("{other:?} is not a boolean, use true or false"),
        )),
    }
}

/// Replaces the password of a URL with `***` so that it can be shown.
pub fn redact_url(value: &str) -> String {
    match Url::parse(value) {
        Ok(mut url) if url.password().is_some() => {
            let _ = url.set_password(Some("***"));
            url.to_string()
        }
        Ok(_) => value.to_owned(),
        Err(_) => match value.split_once('@') {
            Some((_, host)) => format!("***@{host}"),
            None => value.to_owned(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(pairs: &[(&str, &str)]) -> Result<Settings, SettingsError> {
        let environment = pairs
            .iter()
            .map(|(key, value)| (key.to_string(), value.to_string()))
            .collect();
        Settings::from_map(environment)
    }

    #[test]
    fn defaults_match_the_contract() {
        let settings = settings(&[]).unwrap();

        assert_eq!(settings.database.kind, DatabaseKind::Sqlite);
        assert_eq!(
            settings.database.url.expose_secret(),
            "sqlite://data/dashboard.db"
        );
        assert_eq!(settings.bind_addr.to_string(), "127.0.0.1:8080");
        assert_eq!(settings.public_url.as_str(), "http://localhost:8080/");
        assert_eq!(settings.web_url, settings.public_url);
        assert_eq!(settings.web_dir, Some(PathBuf::from("web/dist")));
        assert_eq!(
            settings.admin_email.as_ref().unwrap().as_str(),
            "admin@example.com"
        );
        assert_eq!(settings.auth_provider, AuthProvider::Builtin);
        assert_eq!(settings.session_duration, Duration::from_secs(10_080 * 60));
        assert_eq!(settings.cookie_name, "session");
        assert!(settings.migrate_on_start);
        assert!(!settings.secure_cookies());
    }

    #[test]
    fn stytch_project_selects_stytch() {
        let settings = settings(&[
            ("STYTCH_PROJECT_ID", "project-live-123"),
            ("STYTCH_SECRET", "secret"),
        ])
        .unwrap();

        assert_eq!(settings.auth_provider, AuthProvider::Stytch);
        assert!(settings.admin_email.is_none());
        assert_eq!(
            settings.stytch.unwrap().api_url.as_str(),
            "https://api.stytch.com/"
        );
    }

    #[test]
    fn stytch_test_project_uses_test_api() {
        let settings = settings(&[
            ("STYTCH_PROJECT_ID", "project-test-123"),
            ("STYTCH_SECRET", "secret"),
        ])
        .unwrap();

        assert_eq!(
            settings.stytch.unwrap().api_url.as_str(),
            "https://test.stytch.com/"
        );
    }

    #[test]
    fn bad_values_name_the_variable() {
        let cases = [
            ("DATABASE_URL", "postgres://x", "use sqlite:// or mysql://"),
            ("BIND_ADDR", "nowhere", "IP:PORT"),
            ("PUBLIC_URL", "ftp://example.com", "http://"),
            ("WEB_URL", "not a url", "is not a URL"),
            ("AUTH_PROVIDER", "ldap", "use builtin or stytch"),
            ("AUTH_PROVIDER", "stytch", "missing"),
            ("SESSION_DURATION_MINUTES", "0", "whole number"),
            ("SESSION_DURATION_MINUTES", "week", "whole number"),
            ("COOKIE_NAME", "a b", "cookie name"),
            ("ADMIN_EMAIL", "nobody", "ADMIN_EMAIL"),
            ("SMTP_URL", "http://mail", "smtp://"),
            ("MIGRATE_ON_START", "maybe", "true or false"),
            ("LOG_FORMAT", "xml", "text or json"),
            ("METRICS_ADDR", "9090", "IP:PORT"),
            ("SHUTDOWN_TIMEOUT_SECONDS", "-1", "whole number"),
        ];

        for (variable, value, expected) in cases {
            let error = settings(&[(variable, value)]).unwrap_err();
            let message = error.to_string();
            assert!(
                message.starts_with(variable) || variable == "AUTH_PROVIDER",
                "{variable}={value}: {message}"
            );
            assert!(message.contains(expected), "{variable}={value}: {message}");
        }
    }

    #[test]
    fn database_password_is_never_shown() {
        let error = settings(&[("DATABASE_URL", "postgres://user:hunter2@db/x")]).unwrap_err();
        assert!(!error.to_string().contains("hunter2"));

        let settings = settings(&[("DATABASE_URL", "mysql://user:hunter2@db/x")]).unwrap();
        assert!(!format!("{settings:?}").contains("hunter2"));
    }

    #[test]
    fn empty_web_dir_serves_api_only() {
        let settings = settings(&[("WEB_DIR", "")]).unwrap();
        assert_eq!(settings.web_dir, None);
    }
}
