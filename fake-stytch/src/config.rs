//! Settings shared by the command line and the in-process test server.

use time::Duration;
use url::Url;

/// Magic link URL used when a request names none. Real Stytch falls back to
/// the redirect URL configured in its dashboard instead.
pub const DEFAULT_MAGIC_LINK_URL: &str = "http://localhost:3000/authenticate";

/// Session JWT lifetime: Stytch documents a fixed five minutes.
pub const DEFAULT_JWT_LIFETIME_SECONDS: i64 = 300;

/// Project credentials and behaviour of one fake Stytch project.
///
/// `Debug` is left out on purpose so that the secret cannot reach a log.
#[derive(Clone)]
pub struct Config {
    /// Project id: the HTTP Basic user name and the JWT audience.
    pub project_id: String,

    /// Project secret: the HTTP Basic password.
    pub secret: String,

    /// Lifetime of each session JWT (its `exp` minus `iat`).
    pub jwt_lifetime: Duration,

    /// Base URL of emailed links when a request has no `*_magic_link_url`.
    pub default_magic_link_url: Url,
}

impl Config {
    /// Creates a configuration with the default JWT lifetime and magic link URL.
    pub fn new(project_id: impl Into<String>, secret: impl Into<String>) -> Self {
        Self {
            project_id: project_id.into(),
            secret: secret.into(),
            jwt_lifetime: Duration::seconds(DEFAULT_JWT_LIFETIME_SECONDS),
            default_magic_link_url: Url::parse(DEFAULT_MAGIC_LINK_URL)
                .expect("DEFAULT_MAGIC_LINK_URL is a valid URL"),
        }
    }

    /// Returns the `iss` claim of session JWTs, `stytch.com/{project_id}`.
    pub fn issuer(&self) -> String {
        format!("stytch.com/{}", self.project_id)
    }
}
