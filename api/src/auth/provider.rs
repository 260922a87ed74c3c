//! The identity-provider trait: what the HTTP layer needs from the service
//! that issues magic links and sessions.

use async_trait::async_trait;
use time::OffsetDateTime;

use crate::error::ApiError;
use crate::users::User;

/// The session credentials a request carries, from its cookies or its
/// `Authorization: Bearer` header.
#[derive(Clone, Default)]
pub struct SessionCredentials {
    /// An opaque session token.
    pub token: Option<String>,
    /// A session JWT (Stytch only).
    pub jwt: Option<String>,
    /// Whether the credentials came from cookies, which makes the request
    /// subject to the Origin check.
    pub from_cookie: bool,
}

impl std::fmt::Debug for SessionCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionCredentials")
            .field("token", &self.token.as_ref().map(|_| "***"))
            .field("jwt", &self.jwt.as_ref().map(|_| "***"))
            .field("from_cookie", &self.from_cookie)
            .finish()
    }
}

impl SessionCredentials {
    pub fn is_empty(&self) -> bool {
        self.token.is_none() && self.jwt.is_none()
    }
}

/// A session that a magic link has just created.
pub struct NewSession {
    pub user: User,
    pub session_token: String,
    pub session_jwt: Option<String>,
    pub expires_at: OffsetDateTime,
}

/// A valid session of a user that still exists.
#[derive(Debug, Clone)]
pub struct Session {
    pub user: User,
    pub expires_at: OffsetDateTime,
    /// A fresh session JWT, when the provider had to renew an expired one;
    /// the guard puts it back into the cookie.
    pub refreshed_jwt: Option<String>,
}

/// The reason a magic link was rejected, in words the sign-in page can show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkFailure {
    Used,
    Expired,
    Invalid,
}

impl LinkFailure {
    /// Returns the code put in the sign-in page's URL.
    pub fn code(self) -> &'static str {
        match self {
            LinkFailure::Used => "used",
            LinkFailure::Expired => "expired",
            LinkFailure::Invalid => "invalid",
        }
    }

    pub fn message(self) -> &'static str {
        match self {
            LinkFailure::Used => "This sign-in link has already been used. Ask for a new one.",
            LinkFailure::Expired => "This sign-in link has expired. Ask for a new one.",
            LinkFailure::Invalid => "This sign-in link is not valid. Ask for a new one.",
        }
    }
}

#[async_trait]
pub trait IdentityProvider: Send + Sync {
    /// Emails a sign-in magic link to an existing user.
    async fn send_login_link(&self, user: &User) -> Result<(), ApiError>;

    /// Emails an invite magic link to a user who has just been created or
    /// is being invited again.
    async fn send_invite(&self, user: &User) -> Result<(), ApiError>;

    /// Exchanges a magic-link token for a new session; a bad, used or
    /// expired token is [`ApiError::MagicLink`].
    async fn authenticate_magic_link(&self, token: &str) -> Result<NewSession, ApiError>;

    /// Checks a request's session and that its user still exists.
    async fn authenticate_session(
        &self,
        credentials: &SessionCredentials,
    ) -> Result<Session, ApiError>;

    /// Ends one session; ending an unknown or ended session succeeds.
    async fn revoke_session(&self, credentials: &SessionCredentials) -> Result<(), ApiError>;

    /// Ends every session and pending magic link of a user who is being deleted.
    async fn end_user_sessions(&self, user: &User) -> Result<(), ApiError>;

    /// Reports whether the provider can serve requests, for `/readyz`.
    async fn check_ready(&self) -> Result<(), String> {
        Ok(())
    }
}
