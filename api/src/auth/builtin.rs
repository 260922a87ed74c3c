//! The built-in identity provider: magic links and sessions kept in the
//! product's own database, for running without an external account.

use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use sqlx::FromRow;
use url::Url;

use super::provider::{IdentityProvider, LinkFailure, NewSession, Session, SessionCredentials};
use super::token;
use crate::db::{Db, datetime_from_millis, millis, now_millis};
use crate::error::ApiError;
use crate::mail::{Mail, Mailer};
use crate::metrics::Metrics;
use crate::users::User;
use crate::users::store::{self, UserRow};

/// How long a sign-in link stays valid.
pub const LOGIN_LINK_LIFETIME: Duration = Duration::from_secs(15 * 60);
/// How long an invite link stays valid: long enough for an invitee to be
/// away for a few days.
pub const INVITE_LINK_LIFETIME: Duration = Duration::from_secs(7 * 24 * 60 * 60);

pub struct BuiltinProvider {
    db: Db,
    mailer: Mailer,
    public_url: Url,
    session_duration: Duration,
    metrics: Arc<Metrics>,
}

#[derive(Clone, Copy)]
enum Purpose {
    Login,
    Invite,
}

impl Purpose {
    fn as_str(self) -> &'static str {
        match self {
            Purpose::Login => "login",
            Purpose::Invite => "invite",
        }
    }
}

#[derive(FromRow)]
struct MagicLinkRow {
    user_id: i64,
    expires_at: i64,
    used_at: Option<i64>,
}

#[derive(FromRow)]
struct SessionRow {
    #[sqlx(flatten)]
    user: UserRow,
    session_expires_at: i64,
}

impl BuiltinProvider {
    pub fn new(
        db: Db,
        mailer: Mailer,
        public_url: Url,
        session_duration: Duration,
        metrics: Arc<Metrics>,
    ) -> BuiltinProvider {
        BuiltinProvider {
            db,
            mailer,
            public_url,
            session_duration,
            metrics,
        }
    }

    /// Stores the hash of a new magic-link token and returns the link.
    async fn create_link(&self, user: &User, purpose: Purpose) -> Result<String, ApiError> {
        let token = token::generate();
        let lifetime = match purpose {
            Purpose::Login => LOGIN_LINK_LIFETIME,
            Purpose::Invite => INVITE_LINK_LIFETIME,
        };
        let now = now_millis();

        sqlx::query(
            "INSERT INTO magic_links (token_hash, user_id, purpose, created_at, expires_at) \
             VALUES (?, ?, ?, ?, ?)",
        )
        .bind(token::hash(&token))
        .bind(user.id)
        .bind(purpose.as_str())
        .bind(now)
        .bind(now + millis(lifetime))
        .execute(&self.db.pool)
        .await?;

        let mut link = self
            .public_url
            .join("authenticate")
            .expect("PUBLIC_URL is a base URL");
        link.query_pairs_mut().append_pair("token", &token);
        Ok(link.into())
    }

    async fn deliver(
        &self,
        user: &User,
        subject: String,
        body: String,
        link: String,
    ) -> Result<(), ApiError> {
        let email = crate::domain::EmailAddress::parse(&user.email).map_err(|message| {
            ApiError::Internal(format!("stored email of user {} {message}", user.id))
        })?;

        let mail = Mail {
            to: &email,
            subject,
            body,
            link,
        };
        let started = Instant::now();
        let result = self.mailer.send(&mail).await;
        let outcome = if result.is_ok() { "ok" } else { "unavailable" };
        self.metrics
            .observe_provider_call("send_email", outcome, started.elapsed());

        result.map_err(|error| ApiError::Unavailable {
            service: "mail server",
            reason: error.to_string(),
        })
    }

    /// Marks a link used, so that it works once; returns its user's id.
    async fn consume_link(&self, token: &str) -> Result<i64, LinkFailure> {
        if token.is_empty() || token.len() > token::MAX_TOKEN_LENGTH {
            return Err(LinkFailure::Invalid);
        }
        let token_hash = token::hash(token);
        let now = now_millis();

        let link: Option<MagicLinkRow> = sqlx::query_as(
            "SELECT user_id, expires_at, used_at FROM magic_links WHERE token_hash = ?",
        )
        .bind(&token_hash)
        .fetch_optional(&self.db.pool)
        .await
        .map_err(|error| {
            tracing::error!(%error, "cannot look up a magic link");
            LinkFailure::Invalid
        })?;

        let link = link.ok_or(LinkFailure::Invalid)?;
        if link.used_at.is_some() {
            return Err(LinkFailure::Used);
        }
        if link.expires_at <= now {
            return Err(LinkFailure::Expired);
        }

        // The condition on used_at makes two concurrent clicks race for
        // one row: only one of them changes it.
        let claimed = sqlx::query(
            "UPDATE magic_links SET used_at = ? WHERE token_hash = ? AND used_at IS NULL",
        )
        .bind(now)
        .bind(&token_hash)
        .execute(&self.db.pool)
        .await
        .map_err(|error| {
            tracing::error!(%error, "cannot mark a magic link used");
            LinkFailure::Invalid
        })?;
        if claimed.rows_affected() == 0 {
            return Err(LinkFailure::Used);
        }

        Ok(link.user_id)
    }

    /// Deletes expired magic links and sessions; they can no longer be used.
    pub async fn delete_expired(&self) -> Result<u64, sqlx::Error> {
        let now = now_millis();
        let links = sqlx::query("DELETE FROM magic_links WHERE expires_at < ?")
            .bind(now)
            .execute(&self.db.pool)
            .await?;
        let sessions = sqlx::query("DELETE FROM sessions WHERE expires_at < ?")
            .bind(now)
            .execute(&self.db.pool)
            .await?;
        Ok(links.rows_affected() + sessions.rows_affected())
    }
}

#[async_trait]
impl IdentityProvider for BuiltinProvider {
    async fn send_login_link(&self, user: &User) -> Result<(), ApiError> {
        let link = self.create_link(user, Purpose::Login).await?;
        let body = format!(
            "Hello {},\n\nopen this link to sign in to the dashboard:\n\n{link}\n\n\
             The link works once and expires in 15 minutes. If you did not ask for it, ignore this email.\n",
            user.name
        );
        self.deliver(user, "Your sign-in link".to_owned(), body, link)
            .await
    }

    async fn send_invite(&self, user: &User) -> Result<(), ApiError> {
        let link = self.create_link(user, Purpose::Invite).await?;
        let body = format!(
            "Hello {},\n\nyou have been invited to the dashboard. Open this link to sign in:\n\n{link}\n\n\
             The link works once and expires in 7 days.\n",
            user.name
        );
        self.deliver(
            user,
            "You are invited to the dashboard".to_owned(),
            body,
            link,
        )
        .await
    }

    async fn authenticate_magic_link(&self, token: &str) -> Result<NewSession, ApiError> {
        let user_id = self
            .consume_link(token)
            .await
            .map_err(ApiError::MagicLink)?;

        let session_token = token::generate();
        let now = now_millis();
        let expires_at = now + millis(self.session_duration);

        let mut transaction = self.db.pool.begin().await?;
        let Some(_) = store::find_by_id(&mut *transaction, user_id).await? else {
            // The user was deleted after the link was sent.
            return Err(ApiError::MagicLink(LinkFailure::Invalid));
        };
        store::record_sign_in(&mut *transaction, user_id).await?;
        sqlx::query("INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)")
            .bind(token::hash(&session_token))
            .bind(user_id)
            .bind(now)
            .bind(expires_at)
            .execute(&mut *transaction)
            .await?;
        let user = store::find_by_id(&mut *transaction, user_id)
            .await?
            .ok_or_else(|| ApiError::Internal(format!("user {user_id} vanished during sign-in")))?;
        transaction.commit().await?;

        tracing::info!(user_id, "signed in with a magic link");
        Ok(NewSession {
            user,
            session_token,
            session_jwt: None,
            expires_at: datetime_from_millis(expires_at),
        })
    }

    async fn authenticate_session(
        &self,
        credentials: &SessionCredentials,
    ) -> Result<Session, ApiError> {
        let token = credentials
            .token
            .as_deref()
            .filter(|token| token.len() <= token::MAX_TOKEN_LENGTH)
            .ok_or_else(|| {
                ApiError::Unauthorized("The session is missing or invalid.".to_owned())
            })?;

        // One indexed query: the session by its hash, joined with its user,
        // so that a deleted user's session finds nothing.
        let row: Option<SessionRow> = sqlx::query_as(concat!(
            "SELECT ",
            crate::user_columns!(),
            ", sessions.expires_at AS session_expires_at \
             FROM sessions JOIN users ON users.id = sessions.user_id \
             WHERE sessions.token_hash = ? AND sessions.expires_at > ?"
        ))
        .bind(token::hash(token))
        .bind(now_millis())
        .fetch_optional(&self.db.pool)
        .await?;

        let row = row.ok_or_else(|| {
            ApiError::Unauthorized(
                "The session has expired or was ended. Sign in again.".to_owned(),
            )
        })?;

        Ok(Session {
            user: row.user.into(),
            expires_at: datetime_from_millis(row.session_expires_at),
            refreshed_jwt: None,
        })
    }

    async fn revoke_session(&self, credentials: &SessionCredentials) -> Result<(), ApiError> {
        if let Some(token) = &credentials.token {
            sqlx::query("DELETE FROM sessions WHERE token_hash = ?")
                .bind(token::hash(token))
                .execute(&self.db.pool)
                .await?;
        }
        Ok(())
    }

    async fn end_user_sessions(&self, user: &User) -> Result<(), ApiError> {
        let mut transaction = self.db.pool.begin().await?;
        sqlx::query("DELETE FROM sessions WHERE user_id = ?")
            .bind(user.id)
            .execute(&mut *transaction)
            .await?;
        sqlx::query("DELETE FROM magic_links WHERE user_id = ?")
            .bind(user.id)
            .execute(&mut *transaction)
            .await?;
        transaction.commit().await?;
        Ok(())
    }
}
