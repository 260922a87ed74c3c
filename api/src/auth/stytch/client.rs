//! A typed client for the part of Stytch's consumer API the dashboard uses.

use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use url::Url;

use crate::metrics::Metrics;
use crate::settings::StytchSettings;

/// Attempts of an idempotent read before giving up.
const READ_ATTEMPTS: u32 = 3;
/// The wait before the first retry; it doubles for each later one.
const FIRST_BACKOFF: Duration = Duration::from_millis(100);

pub struct StytchClient {
    http: reqwest::Client,
    metrics: Arc<Metrics>,
    base_url: Url,
    project_id: String,
    secret: SecretString,
    timeout: Duration,
}

#[derive(Debug, thiserror::Error)]
pub enum StytchError {
    /// Stytch returned an error of its own.
    #[error("Stytch answered {status} {error_type}: {message}")]
    Api {
        status: u16,
        error_type: String,
        message: String,
    },
    /// Stytch timed out, could not be reached, was rate limiting (429)
    /// or failed (5xx).
    #[error("Stytch is unavailable: {0}")]
    Unavailable(String),
}

impl StytchError {
    pub fn error_type(&self) -> Option<&str> {
        match self {
            StytchError::Api { error_type, .. } => Some(error_type),
            StytchError::Unavailable(_) => None,
        }
    }
}

/// Stytch's error body; unknown fields and error types are tolerated.
#[derive(Debug, Default, Deserialize)]
struct ErrorBody {
    #[serde(default)]
    error_type: String,
    #[serde(default)]
    error_message: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct StytchUser {
    pub user_id: String,
    #[serde(default)]
    pub emails: Vec<StytchEmail>,
    #[serde(default)]
    pub status: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct StytchEmail {
    pub email: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct StytchSession {
    pub session_id: String,
    pub user_id: String,
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: time::OffsetDateTime,
}

#[derive(Debug, Deserialize)]
pub struct MagicLinkAuthenticated {
    pub user_id: String,
    #[serde(default)]
    pub session_token: String,
    #[serde(default)]
    pub session_jwt: String,
    pub session: Option<StytchSession>,
    pub user: Option<StytchUser>,
}

#[derive(Debug, Deserialize)]
pub struct SessionAuthenticated {
    pub session: StytchSession,
    #[serde(default)]
    pub session_token: String,
    #[serde(default)]
    pub session_jwt: String,
}

#[derive(Debug, Deserialize)]
pub struct SessionList {
    #[serde(default)]
    pub sessions: Vec<StytchSession>,
}

#[derive(Debug, Deserialize)]
struct Ignored {}

/// The project's signing keys. Only the fields needed to verify RS256 are
/// read; the others (`key_ops`, `x5c`, …) are ignored.
#[derive(Debug, Deserialize)]
pub struct JwkSet {
    #[serde(default)]
    pub keys: Vec<Jwk>,
}

#[derive(Debug, Deserialize)]
pub struct Jwk {
    #[serde(default)]
    pub kid: String,
    #[serde(default)]
    pub kty: String,
    #[serde(default)]
    pub n: String,
    #[serde(default)]
    pub e: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Name<'a> {
    pub first_name: &'a str,
}

impl StytchClient {
    pub fn new(
        settings: &StytchSettings,
        metrics: Arc<Metrics>,
    ) -> Result<StytchClient, reqwest::Error> {
        // reqwest is built without a TLS backend of its own; it uses
        // rustls with ring, like sqlx. A provider installed earlier stays.
        let _ = rustls::crypto::ring::default_provider().install_default();

        let http = reqwest::Client::builder()
            .connect_timeout(settings.timeout)
            .user_agent(concat!("user-dashboard/", env!("CARGO_PKG_VERSION")))
            .build()?;

        Ok(StytchClient {
            http,
            metrics,
            base_url: settings.api_url.clone(),
            project_id: settings.project_id.clone(),
            secret: settings.secret.clone(),
            timeout: settings.timeout,
        })
    }

    pub fn project_id(&self) -> &str {
        &self.project_id
    }

    pub fn base_url(&self) -> &Url {
        &self.base_url
    }

    pub async fn invite(
        &self,
        email: &str,
        name: &str,
        redirect_url: &str,
    ) -> Result<(), StytchError> {
        let body = serde_json::json!({
            "email": email,
            "invite_magic_link_url": redirect_url,
            "name": Name { first_name: name },
        });
        self.write::<Ignored>(Method::POST, "/v1/magic_links/email/invite", Some(body))
            .await
            .map(|_| ())
    }

    /// Emails a sign-in link, creating the Stytch user if the dashboard
    /// user has none yet (added by `POST /users`, or the first user).
    pub async fn login_or_create(
        &self,
        email: &str,
        redirect_url: &str,
    ) -> Result<(), StytchError> {
        let body = serde_json::json!({
            "email": email,
            "login_magic_link_url": redirect_url,
            "signup_magic_link_url": redirect_url,
        });
        self.write::<Ignored>(
            Method::POST,
            "/v1/magic_links/email/login_or_create",
            Some(body),
        )
        .await
        .map(|_| ())
    }

    /// Emails a sign-in link to an existing Stytch user.
    pub async fn send_login(&self, email: &str, redirect_url: &str) -> Result<(), StytchError> {
        let body = serde_json::json!({
            "email": email,
            "login_magic_link_url": redirect_url,
        });
        self.write::<Ignored>(Method::POST, "/v1/magic_links/email/send", Some(body))
            .await
            .map(|_| ())
    }

    pub async fn revoke_invite(&self, email: &str) -> Result<(), StytchError> {
        let body = serde_json::json!({ "email": email });
        self.write::<Ignored>(
            Method::POST,
            "/v1/magic_links/email/revoke_invite",
            Some(body),
        )
        .await
        .map(|_| ())
    }

    pub async fn authenticate_magic_link(
        &self,
        token: &str,
        session_duration_minutes: u64,
    ) -> Result<MagicLinkAuthenticated, StytchError> {
        let body = serde_json::json!({
            "token": token,
            "session_duration_minutes": session_duration_minutes,
        });
        self.write(Method::POST, "/v1/magic_links/authenticate", Some(body))
            .await
    }

    pub async fn authenticate_session(
        &self,
        session_token: &str,
    ) -> Result<SessionAuthenticated, StytchError> {
        let body = serde_json::json!({ "session_token": session_token });
        self.write(Method::POST, "/v1/sessions/authenticate", Some(body))
            .await
    }

    pub async fn revoke_session(&self, body: serde_json::Value) -> Result<(), StytchError> {
        self.write::<Ignored>(Method::POST, "/v1/sessions/revoke", Some(body))
            .await
            .map(|_| ())
    }

    pub async fn list_sessions(&self, user_id: &str) -> Result<SessionList, StytchError> {
        let mut url = self.url("/v1/sessions");
        url.query_pairs_mut().append_pair("user_id", user_id);
        self.read(url).await
    }

    pub async fn jwks(&self) -> Result<JwkSet, StytchError> {
        let url = self.url(&format!("/v1/sessions/jwks/{}", self.project_id));
        self.read(url).await
    }

    fn url(&self, path: &str) -> Url {
        let mut url = self.base_url.clone();
        url.set_path(path);
        url
    }

    /// Makes a call that changes something, once: repeating it could send
    /// a second email or use up a token.
    async fn write<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> Result<T, StytchError> {
        self.call(method, self.url(path), body.as_ref()).await
    }

    /// Makes an idempotent read, retried with backoff on 429, 5xx and
    /// timeouts, all within one overall timeout.
    async fn read<T: DeserializeOwned>(&self, url: Url) -> Result<T, StytchError> {
        let attempts = async {
            let mut backoff = FIRST_BACKOFF;
            let mut attempt = 1;
            loop {
                match self.call(Method::GET, url.clone(), None).await {
                    Err(StytchError::Unavailable(reason)) if attempt < READ_ATTEMPTS => {
                        tracing::warn!(path = url.path(), attempt, %reason, "retrying a Stytch read");
                        tokio::time::sleep(backoff).await;
                        backoff *= 2;
                        attempt += 1;
                    }
                    result => return result,
                }
            }
        };

        tokio::time::timeout(self.timeout, attempts)
            .await
            .unwrap_or_else(|_| {
                Err(StytchError::Unavailable(format!(
                    "no response within {:?}",
                    self.timeout
                )))
            })
    }

    /// Makes one call and records its outcome and latency by endpoint.
    async fn call<T: DeserializeOwned>(
        &self,
        method: Method,
        url: Url,
        body: Option<&serde_json::Value>,
    ) -> Result<T, StytchError> {
        let endpoint = endpoint_of(&url);
        let started = Instant::now();

        let result = self.call_once(method, url, body).await;

        let outcome = match &result {
            Ok(_) => "ok",
            Err(StytchError::Api { .. }) => "rejected",
            Err(StytchError::Unavailable(_)) => "unavailable",
        };
        self.metrics
            .observe_provider_call(endpoint, outcome, started.elapsed());
        result
    }

    async fn call_once<T: DeserializeOwned>(
        &self,
        method: Method,
        url: Url,
        body: Option<&serde_json::Value>,
    ) -> Result<T, StytchError> {
        let path = url.path().to_owned();
        let mut request = self
            .http
            .request(method, url)
            .basic_auth(&self.project_id, Some(self.secret.expose_secret()))
            .timeout(self.timeout);
        if let Some(body) = body {
            request = request.json(body);
        }

        let response = request.send().await.map_err(|error| {
            let reason = if error.is_timeout() {
                format!("{path} timed out after {:?}", self.timeout)
            } else {
                format!("{path} could not be reached: {error}")
            };
            StytchError::Unavailable(reason)
        })?;

        let status = response.status();
        let bytes = response.bytes().await.map_err(|error| {
            StytchError::Unavailable(format!("{path}: reading the response failed: {error}"))
        })?;

        if status.is_success() {
            return serde_json::from_slice(&bytes).map_err(|error| {
                StytchError::Unavailable(format!("{path}: unexpected response: {error}"))
            });
        }

        let error: ErrorBody = serde_json::from_slice(&bytes).unwrap_or_default();
        if status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error() {
            return Err(StytchError::Unavailable(format!(
                "{path} returned {status} {}",
                error.error_type
            )));
        }
        Err(StytchError::Api {
            status: status.as_u16(),
            error_type: error.error_type,
            message: error.error_message,
        })
    }
}

/// Returns the metrics label of a call's endpoint. The JWKS path loses its
/// project id, so that the number of labels stays small.
fn endpoint_of(url: &Url) -> &'static str {
    match url.path() {
        "/v1/magic_links/email/invite" => "magic_links/email/invite",
        "/v1/magic_links/email/login_or_create" => "magic_links/email/login_or_create",
        "/v1/magic_links/email/send" => "magic_links/email/send",
        "/v1/magic_links/email/revoke_invite" => "magic_links/email/revoke_invite",
        "/v1/magic_links/authenticate" => "magic_links/authenticate",
        "/v1/sessions/authenticate" => "sessions/authenticate",
        "/v1/sessions/revoke" => "sessions/revoke",
        "/v1/sessions" => "sessions",
        path if path.starts_with("/v1/sessions/jwks/") => "sessions/jwks",
        _ => "other",
    }
}
