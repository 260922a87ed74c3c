//! The Stytch identity provider. Stytch sends the magic links and keeps the
//! sessions, and the dashboard keeps its users, linked to Stytch users by
//! `stytch_user_id`.

mod client;
mod jwt;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use tokio::sync::Mutex;

pub use client::{StytchClient, StytchError};
use jwt::{JwtError, JwtVerifier, VerifiedSession};

use super::provider::{IdentityProvider, LinkFailure, NewSession, Session, SessionCredentials};
use crate::db::Db;
use crate::error::ApiError;
use crate::metrics::Metrics;
use crate::settings::{Settings, StytchSettings};
use crate::users::store::{self, UserRow};
use crate::users::{User, UserStatus};

/// Cached positive checks of opaque session tokens are dropped beyond
/// this many entries, so that the cache cannot grow without bound.
const MAX_CACHED_SESSIONS: usize = 10_000;

pub struct StytchProvider {
    client: StytchClient,
    verifier: JwtVerifier,
    db: Db,
    redirect_url: String,
    session_duration_minutes: u64,
    session_cache: SessionCache,
}

/// An optional short cache of successful `sessions/authenticate` responses
/// for opaque bearer tokens. While an entry lives, a session revoked at
/// Stytch by other means still works here. Deleting the user in the
/// dashboard still locks them out, because the user is looked up anyway.
struct SessionCache {
    lifetime: Duration,
    entries: Mutex<HashMap<[u8; 32], CachedSession>>,
}

#[derive(Clone)]
struct CachedSession {
    session: VerifiedSession,
    cached_at: Instant,
}

impl StytchProvider {
    pub fn new(
        settings: &Settings,
        stytch: &StytchSettings,
        db: Db,
        metrics: Arc<Metrics>,
    ) -> Result<StytchProvider, reqwest::Error> {
        let client = StytchClient::new(stytch, metrics)?;
        let verifier = JwtVerifier::new(&client);
        let redirect_url = format!(
            "{}/authenticate",
            settings.public_url.as_str().trim_end_matches('/')
        );

        Ok(StytchProvider {
            client,
            verifier,
            db,
            redirect_url,
            session_duration_minutes: settings.session_duration.as_secs() / 60,
            session_cache: SessionCache {
                lifetime: stytch.session_cache,
                entries: Mutex::new(HashMap::new()),
            },
        })
    }

    /// Loads the JWKS at start, so that the first requests need no fetch.
    /// A failure is logged and retried when the first JWT arrives.
    pub async fn load_keys(&self) {
        if let Err(error) = self.verifier.refresh(&self.client).await {
            tracing::warn!(%error, "cannot load the Stytch JWKS yet");
        }
    }

    /// Finds the dashboard user a Stytch user signs in as: the one linked by
    /// id, or else the one with the same email, which is then linked.
    async fn link_user(
        &self,
        stytch_user_id: &str,
        emails: &[String],
    ) -> Result<Option<User>, ApiError> {
        if let Some(user) = find_by_stytch_id(&self.db, stytch_user_id).await? {
            return Ok(Some(user));
        }

        for email in emails {
            let Ok(email) = crate::domain::EmailAddress::parse(email) else {
                continue;
            };
            if let Some(user) = store::find_by_email(&self.db.pool, &email).await? {
                sqlx::query("UPDATE users SET stytch_user_id = ? WHERE id = ?")
                    .bind(stytch_user_id)
                    .bind(user.id)
                    .execute(&self.db.pool)
                    .await?;
                return Ok(Some(user));
            }
        }
        Ok(None)
    }

    async fn session_of_token(
        &self,
        token: &str,
    ) -> Result<(VerifiedSession, Option<String>), ApiError> {
        let key: [u8; 32] = Sha256::digest(token.as_bytes()).into();

        if let Some(cached) = self.session_cache.get(&key).await {
            return Ok((cached, None));
        }

        let answer = self
            .client
            .authenticate_session(token)
            .await
            .map_err(session_error)?;
        let session = VerifiedSession {
            stytch_user_id: answer.session.user_id,
            expires_at: answer.session.expires_at,
        };
        self.session_cache.put(key, &session).await;

        let jwt = Some(answer.session_jwt).filter(|jwt| !jwt.is_empty());
        Ok((session, jwt))
    }
}

#[async_trait]
impl IdentityProvider for StytchProvider {
    async fn send_login_link(&self, user: &User) -> Result<(), ApiError> {
        self.client
            .login_or_create(&user.email, &self.redirect_url)
            .await
            .map_err(|error| send_error(error, "email"))
    }

    async fn send_invite(&self, user: &User) -> Result<(), ApiError> {
        match self
            .client
            .invite(&user.email, &user.name, &self.redirect_url)
            .await
        {
            Ok(()) => Ok(()),
            // Stytch rejects an invite to an address that is already an active
            // user, so such a user gets a sign-in link instead. The error type
            // is undocumented, and duplicate_email is the expected one.
            Err(StytchError::Api {
                status, error_type, ..
            }) if (400..500).contains(&status) && error_type.contains("duplicate") => self
                .client
                .send_login(&user.email, &self.redirect_url)
                .await
                .map_err(|error| send_error(error, "email")),
            Err(error) => Err(send_error(error, "email")),
        }
    }

    async fn authenticate_magic_link(&self, token: &str) -> Result<NewSession, ApiError> {
        if token.is_empty() || token.len() > super::token::MAX_TOKEN_LENGTH {
            return Err(ApiError::MagicLink(LinkFailure::Invalid));
        }

        let answer = self
            .client
            .authenticate_magic_link(token, self.session_duration_minutes)
            .await
            .map_err(magic_link_error)?;

        let emails: Vec<String> = answer
            .user
            .iter()
            .flat_map(|user| user.emails.iter().map(|email| email.email.clone()))
            .collect();
        let Some(user) = self.link_user(&answer.user_id, &emails).await? else {
            // A Stytch user of the same project who is not a dashboard user
            // (or was deleted here) gets no session.
            tracing::warn!(stytch_user_id = %answer.user_id, "magic link of a Stytch user who is not a dashboard user");
            let _ = self
                .client
                .revoke_session(serde_json::json!({ "session_token": answer.session_token }))
                .await;
            return Err(ApiError::MagicLink(LinkFailure::Invalid));
        };

        store::record_sign_in(&self.db.pool, user.id).await?;
        let user = store::find_by_id(&self.db.pool, user.id)
            .await?
            .ok_or_else(|| ApiError::MagicLink(LinkFailure::Invalid))?;

        let expires_at = answer
            .session
            .map(|session| session.expires_at)
            .unwrap_or_else(|| {
                OffsetDateTime::now_utc() + Duration::from_secs(self.session_duration_minutes * 60)
            });

        tracing::info!(user_id = user.id, "signed in with a Stytch magic link");
        Ok(NewSession {
            user,
            session_token: answer.session_token,
            session_jwt: Some(answer.session_jwt).filter(|jwt| !jwt.is_empty()),
            expires_at,
        })
    }

    async fn authenticate_session(
        &self,
        credentials: &SessionCredentials,
    ) -> Result<Session, ApiError> {
        let mut refreshed_jwt = None;

        let verified = match &credentials.jwt {
            Some(jwt) => match self.verifier.verify(&self.client, jwt).await {
                Ok(session) => Some(session),
                Err(JwtError::Unavailable(error)) => return Err(unavailable(error)),
                // An expired JWT is renewed with the session token below,
                // when there is one.
                Err(JwtError::Expired) if credentials.token.is_some() => None,
                Err(error) => {
                    tracing::info!(%error, "session JWT rejected");
                    return Err(ApiError::Unauthorized(
                        "The session is invalid or has expired. Sign in again.".to_owned(),
                    ));
                }
            },
            None => None,
        };

        let verified = match (verified, &credentials.token) {
            (Some(verified), _) => verified,
            (None, Some(token)) => {
                let (verified, jwt) = self.session_of_token(token).await?;
                // Only a browser, which sent a JWT cookie, gets one back.
                if credentials.from_cookie {
                    refreshed_jwt = jwt;
                }
                verified
            }
            (None, None) => {
                return Err(ApiError::Unauthorized(
                    "Sign in first: this request has no session.".to_owned(),
                ));
            }
        };

        // Every path ends here: a user deleted from the dashboard is locked
        // out even while their Stytch session lives on.
        let user = find_by_stytch_id(&self.db, &verified.stytch_user_id)
            .await?
            .ok_or_else(|| {
                ApiError::Unauthorized("The user of this session no longer exists.".to_owned())
            })?;

        Ok(Session {
            user,
            expires_at: verified.expires_at,
            refreshed_jwt,
        })
    }

    async fn revoke_session(&self, credentials: &SessionCredentials) -> Result<(), ApiError> {
        let body = match (&credentials.token, &credentials.jwt) {
            (Some(token), _) => serde_json::json!({ "session_token": token }),
            (None, Some(jwt)) => serde_json::json!({ "session_jwt": jwt }),
            (None, None) => return Ok(()),
        };
        if let Some(token) = &credentials.token {
            self.session_cache
                .remove(&Sha256::digest(token.as_bytes()).into())
                .await;
        }

        match self.client.revoke_session(body).await {
            Ok(()) => Ok(()),
            // Unknown or already ended: signing out twice is fine.
            Err(StytchError::Api { status, .. }) if (400..500).contains(&status) => Ok(()),
            Err(error) => Err(unavailable(error)),
        }
    }

    async fn end_user_sessions(&self, user: &User) -> Result<(), ApiError> {
        self.session_cache.clear().await;

        if user.status == UserStatus::Invited {
            match self.client.revoke_invite(&user.email).await {
                Ok(()) | Err(StytchError::Api { .. }) => {}
                Err(error) => return Err(unavailable(error)),
            }
        }

        let Some(stytch_user_id) = stytch_id_of(&self.db, user.id).await? else {
            return Ok(());
        };
        let sessions = match self.client.list_sessions(&stytch_user_id).await {
            Ok(list) => list.sessions,
            Err(StytchError::Api { .. }) => Vec::new(),
            Err(error) => return Err(unavailable(error)),
        };
        for session in sessions {
            match self
                .client
                .revoke_session(serde_json::json!({ "session_id": session.session_id }))
                .await
            {
                Ok(()) | Err(StytchError::Api { .. }) => {}
                Err(error) => return Err(unavailable(error)),
            }
        }
        Ok(())
    }

    async fn check_ready(&self) -> Result<(), String> {
        if self.verifier.has_keys().await {
            return Ok(());
        }
        self.verifier
            .refresh(&self.client)
            .await
            .map(|_| ())
            .map_err(|error| format!("JWKS not loaded: {error}"))
    }
}

impl SessionCache {
    async fn get(&self, key: &[u8; 32]) -> Option<VerifiedSession> {
        if self.lifetime.is_zero() {
            return None;
        }
        let entries = self.entries.lock().await;
        let cached = entries.get(key)?;
        let fresh = cached.cached_at.elapsed() < self.lifetime
            && cached.session.expires_at > OffsetDateTime::now_utc();
        fresh.then(|| cached.session.clone())
    }

    async fn put(&self, key: [u8; 32], session: &VerifiedSession) {
        if self.lifetime.is_zero() {
            return;
        }
        let mut entries = self.entries.lock().await;
        if entries.len() >= MAX_CACHED_SESSIONS {
            let lifetime = self.lifetime;
            entries.retain(|_, cached| cached.cached_at.elapsed() < lifetime);
            if entries.len() >= MAX_CACHED_SESSIONS {
                entries.clear();
            }
        }
        entries.insert(
            key,
            CachedSession {
                session: session.clone(),
                cached_at: Instant::now(),
            },
        );
    }

    async fn remove(&self, key: &[u8; 32]) {
        self.entries.lock().await.remove(key);
    }

    async fn clear(&self) {
        self.entries.lock().await.clear();
    }
}

async fn find_by_stytch_id(db: &Db, stytch_user_id: &str) -> Result<Option<User>, sqlx::Error> {
    let row: Option<UserRow> = sqlx::query_as(concat!(
        "SELECT ",
        crate::user_columns!(),
        " FROM users WHERE stytch_user_id = ?"
    ))
    .bind(stytch_user_id)
    .fetch_optional(&db.pool)
    .await?;
    Ok(row.map(User::from))
}

async fn stytch_id_of(db: &Db, user_id: i64) -> Result<Option<String>, sqlx::Error> {
    let row: Option<(Option<String>,)> =
        sqlx::query_as("SELECT stytch_user_id FROM users WHERE id = ?")
            .bind(user_id)
            .fetch_optional(&db.pool)
            .await?;
    Ok(row.and_then(|(id,)| id))
}

fn unavailable(error: StytchError) -> ApiError {
    ApiError::Unavailable {
        service: "identity provider",
        reason: error.to_string(),
    }
}

/// Maps a failed email send: Stytch rejecting the address is the
/// caller's input; anything else means Stytch is not usable right now.
fn send_error(error: StytchError, field: &'static str) -> ApiError {
    match error.error_type() {
        Some("invalid_email") => {
            ApiError::field(field, "was rejected by the identity provider as invalid")
        }
        Some(_) => ApiError::Unavailable {
            service: "identity provider",
            reason: error.to_string(),
        },
        None => unavailable(error),
    }
}

fn magic_link_error(error: StytchError) -> ApiError {
    match &error {
        StytchError::Api {
            error_type,
            message,
            ..
        } => match error_type.as_str() {
            // Stytch returns one error type for used and expired links, and its
            // message usually names both ("already used or expired"). Only a
            // message that mentions expiry alone is reported as expired.
            // NOTE: so an expired Stytch link mostly shows as used.
            "unable_to_auth_magic_link" => {
                let message = message.to_ascii_lowercase();
                if message.contains("expired") && !message.contains("used") {
                    ApiError::MagicLink(LinkFailure::Expired)
                } else {
                    ApiError::MagicLink(LinkFailure::Used)
                }
            }
            "magic_link_not_found" | "invalid_token" | "invalid_magic_link_token" => {
                ApiError::MagicLink(LinkFailure::Invalid)
            }
            _ if error_type.contains("token") || error_type.contains("magic_link") => {
                ApiError::MagicLink(LinkFailure::Invalid)
            }
            _ => unavailable(error),
        },
        StytchError::Unavailable(_) => unavailable(error),
    }
}

fn session_error(error: StytchError) -> ApiError {
    match error {
        // Wrong project credentials are our configuration, not the user's session.
        StytchError::Api { ref error_type, .. } if error_type == "unauthorized_credentials" => {
            unavailable(error)
        }
        StytchError::Api { status, .. } if (400..500).contains(&status) => ApiError::Unauthorized(
            "The session has expired or was ended. Sign in again.".to_owned(),
        ),
        error => unavailable(error),
    }
}
