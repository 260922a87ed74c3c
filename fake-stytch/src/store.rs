//! In-memory users, magic link tokens, sessions and the outbox of sent emails.
//!
//! The store contains state transitions only. Request validation and the choice
//! of response belong to the route handlers, which call it under one lock so
//! that each API call is atomic.

use std::collections::HashMap;

use serde::Serialize;
use serde_json::{Map, Value};
use time::{Duration, OffsetDateTime};
use url::Url;

use crate::errors::ApiError;
use crate::ids::{new_id, new_opaque_token};
use crate::model::{Email, Name, Session, User, UserStatus};

/// The email template a magic link was sent with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum MessageKind {
    Invite,
    Login,
    Signup,
}

/// An email that real Stytch would have sent, kept so tests can follow the link.
#[derive(Debug, Clone, Serialize)]
pub struct OutboxMessage {
    pub email: String,
    pub kind: MessageKind,
    pub link: String,
    pub token: String,
    pub user_id: String,
    #[serde(with = "time::serde::rfc3339")]
    pub sent_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TokenState {
    Unused,
    Used,
    Revoked,
}

#[derive(Debug)]
struct MagicLink {
    user_id: String,
    kind: MessageKind,
    expires_at: OffsetDateTime,
    state: TokenState,
}

#[derive(Debug)]
struct SessionRecord {
    session: Session,
    session_token: String,
}

/// A session together with its opaque token, as returned to callers.
#[derive(Debug, Clone)]
pub struct IssuedSession {
    pub session: Session,
    pub session_token: String,
}

/// Fields of a new user besides its email.
#[derive(Debug, Default)]
pub struct NewUser {
    pub status: Option<UserStatus>,
    pub name: Option<Name>,
    pub trusted_metadata: Option<Map<String, Value>>,
    pub untrusted_metadata: Option<Map<String, Value>>,
}

/// All state of one fake Stytch project.
#[derive(Debug, Default)]
pub struct Store {
    users: HashMap<String, User>,
    user_id_by_email: HashMap<String, String>,
    magic_links: HashMap<String, MagicLink>,
    sessions: HashMap<String, SessionRecord>,
    session_id_by_token: HashMap<String, String>,
    outbox: Vec<OutboxMessage>,
}

impl Store {
    pub fn user(&self, user_id: &str) -> Option<&User> {
        self.users.get(user_id)
    }

    /// Finds a user by email, which must already be normalised to lower case.
    pub fn user_by_email(&self, email: &str) -> Option<&User> {
        self.user_id_by_email
            .get(email)
            .and_then(|user_id| self.users.get(user_id))
    }

    /// Creates a user with one unverified email and returns its id.
    pub fn create_user(&mut self, email: &str, fields: NewUser, now: OffsetDateTime) -> String {
        let user = User {
            user_id: new_id("user"),
            emails: vec![Email {
                email_id: new_id("email"),
                email: email.to_owned(),
                verified: false,
            }],
            status: fields.status.unwrap_or(UserStatus::Active),
            name: fields.name.unwrap_or_default(),
            created_at: now,
            roles: Vec::new(),
            trusted_metadata: fields.trusted_metadata.unwrap_or_default(),
            untrusted_metadata: fields.untrusted_metadata.unwrap_or_default(),
            phone_numbers: Vec::new(),
            providers: Vec::new(),
            webauthn_registrations: Vec::new(),
            totps: Vec::new(),
            crypto_wallets: Vec::new(),
            biometric_registrations: Vec::new(),
            password: None,
        };

        let user_id = user.user_id.clone();
        self.user_id_by_email
            .insert(email.to_owned(), user_id.clone());
        self.users.insert(user_id.clone(), user);
        user_id
    }

    /// Overwrites the name and metadata of an existing user with the given fields.
    pub fn update_user(&mut self, user_id: &str, fields: NewUser) {
        let Some(user) = self.users.get_mut(user_id) else {
            return;
        };

        if let Some(name) = fields.name {
            user.name = name;
        }
        if let Some(metadata) = fields.trusted_metadata {
            user.trusted_metadata = metadata;
        }
        if let Some(metadata) = fields.untrusted_metadata {
            user.untrusted_metadata = metadata;
        }
    }

    /// Creates a magic link token for the user's email and records the email
    /// that Stytch would send in the outbox.
    pub fn send_magic_link(
        &mut self,
        user_id: &str,
        kind: MessageKind,
        base_url: &Url,
        lifetime: Duration,
        now: OffsetDateTime,
    ) -> Result<OutboxMessage, ApiError> {
        let user = self
            .users
            .get(user_id)
            .ok_or_else(|| ApiError::user_not_found(user_id))?;
        let token = new_opaque_token();

        // The url crate picks `?` or `&` depending on whether the base URL
        // already has a query, and keeps its other parameters.
        let mut link = base_url.clone();
        link.query_pairs_mut()
            .append_pair("stytch_token_type", "magic_links")
            .append_pair("token", &token);

        let message = OutboxMessage {
            email: user.primary_email().email.clone(),
            kind,
            link: link.into(),
            token: token.clone(),
            user_id: user_id.to_owned(),
            sent_at: now,
            expires_at: now + lifetime,
        };

        self.magic_links.insert(
            token,
            MagicLink {
                user_id: user_id.to_owned(),
                kind,
                expires_at: message.expires_at,
                state: TokenState::Unused,
            },
        );
        self.outbox.push(message.clone());
        Ok(message)
    }

    /// Makes every unused invite link of the user unusable and returns how many there were.
    pub fn revoke_invites(&mut self, user_id: &str) -> usize {
        let mut revoked = 0;
        for link in self.magic_links.values_mut() {
            if link.user_id == user_id
                && link.kind == MessageKind::Invite
                && link.state == TokenState::Unused
            {
                link.state = TokenState::Revoked;
                revoked += 1;
            }
        }
        revoked
    }

    /// Checks that a magic link token can be redeemed and returns its user id.
    fn check_magic_link(&self, token: &str, now: OffsetDateTime) -> Result<String, ApiError> {
        let link = self
            .magic_links
            .get(token)
            .ok_or_else(ApiError::magic_link_not_found)?;

        if link.state != TokenState::Unused || now >= link.expires_at {
            return Err(ApiError::unable_to_auth_magic_link());
        }
        Ok(link.user_id.clone())
    }

    /// Consumes a magic link token: the token becomes used, the email
    /// verified and the user active.
    ///
    /// # Errors
    /// `magic_link_not_found` for an unknown token, and
    /// `unable_to_auth_magic_link` for a used, revoked or expired one.
    pub fn redeem_magic_link(
        &mut self,
        token: &str,
        now: OffsetDateTime,
    ) -> Result<User, ApiError> {
        let user_id = self.check_magic_link(token, now)?;

        if let Some(link) = self.magic_links.get_mut(token) {
            link.state = TokenState::Used;
        }

        let user = self
            .users
            .get_mut(&user_id)
            .ok_or_else(|| ApiError::user_not_found(&user_id))?;
        user.status = UserStatus::Active;
        user.primary_email_mut().verified = true;
        Ok(user.clone())
    }

    /// Starts a session for the user with one magic link factor.
    pub fn create_session(
        &mut self,
        user: &User,
        duration: Duration,
        now: OffsetDateTime,
    ) -> IssuedSession {
        let mut session = Session {
            session_id: new_id("session"),
            user_id: user.user_id.clone(),
            started_at: now,
            last_accessed_at: now,
            expires_at: now + duration,
            attributes: Default::default(),
            authentication_factors: Vec::new(),
            roles: Vec::new(),
            custom_claims: Map::new(),
        };
        session.record_magic_link_factor(user.primary_email(), now);

        let session_token = new_opaque_token();
        self.session_id_by_token
            .insert(session_token.clone(), session.session_id.clone());
        self.sessions.insert(
            session.session_id.clone(),
            SessionRecord {
                session: session.clone(),
                session_token: session_token.clone(),
            },
        );

        IssuedSession {
            session,
            session_token,
        }
    }

    /// Finds a live session by its opaque token.
    pub fn session_id_by_token(
        &mut self,
        session_token: &str,
        now: OffsetDateTime,
    ) -> Option<String> {
        let session_id = self.session_id_by_token.get(session_token)?.clone();
        self.live_session(&session_id, now).map(|_| session_id)
    }

    /// Returns the session if it exists and has not expired. An expired
    /// session is removed, as Stytch no longer returns it either.
    fn live_session(
        &mut self,
        session_id: &str,
        now: OffsetDateTime,
    ) -> Option<&mut SessionRecord> {
        let expired = now >= self.sessions.get(session_id)?.session.expires_at;
        if expired {
            self.remove_session(session_id);
            return None;
        }
        self.sessions.get_mut(session_id)
    }

    /// Marks the session as accessed now and, when `extend_by` is given, sets
    /// it to expire that long from now.
    ///
    /// # Errors
    /// `session_not_found` when the session is unknown, revoked or expired.
    pub fn touch_session(
        &mut self,
        session_id: &str,
        extend_by: Option<Duration>,
        now: OffsetDateTime,
    ) -> Result<IssuedSession, ApiError> {
        let record = self
            .live_session(session_id, now)
            .ok_or_else(ApiError::session_not_found)?;

        record.session.last_accessed_at = now;
        if let Some(duration) = extend_by {
            record.session.expires_at = now + duration;
        }

        Ok(IssuedSession {
            session: record.session.clone(),
            session_token: record.session_token.clone(),
        })
    }

    /// Adds or refreshes the magic link factor of the user's email on a live session.
    pub fn record_magic_link_factor(&mut self, session_id: &str, user: &User, now: OffsetDateTime) {
        if let Some(record) = self.live_session(session_id, now) {
            record
                .session
                .record_magic_link_factor(user.primary_email(), now);
        }
    }

    /// Returns the owner of a live session.
    pub fn session_user_id(&mut self, session_id: &str, now: OffsetDateTime) -> Option<String> {
        self.live_session(session_id, now)
            .map(|record| record.session.user_id.clone())
    }

    /// Revokes a live session.
    ///
    /// # Errors
    /// `session_not_found` when the session is unknown, already revoked or expired.
    pub fn revoke_session(
        &mut self,
        session_id: &str,
        now: OffsetDateTime,
    ) -> Result<(), ApiError> {
        if self.live_session(session_id, now).is_none() {
            return Err(ApiError::session_not_found());
        }
        self.remove_session(session_id);
        Ok(())
    }

    fn remove_session(&mut self, session_id: &str) {
        if let Some(record) = self.sessions.remove(session_id) {
            self.session_id_by_token.remove(&record.session_token);
        }
    }

    /// Lists the user's live sessions, oldest first.
    pub fn sessions_of(&mut self, user_id: &str, now: OffsetDateTime) -> Vec<Session> {
        let expired: Vec<String> = self
            .sessions
            .values()
            .filter(|record| record.session.user_id == user_id && now >= record.session.expires_at)
            .map(|record| record.session.session_id.clone())
            .collect();
        for session_id in expired {
            self.remove_session(&session_id);
        }

        let mut sessions: Vec<Session> = self
            .sessions
            .values()
            .filter(|record| record.session.user_id == user_id)
            .map(|record| record.session.clone())
            .collect();
        sessions.sort_by(|a, b| {
            a.started_at
                .cmp(&b.started_at)
                .then(a.session_id.cmp(&b.session_id))
        });
        sessions
    }

    /// Deletes a user with its sessions and magic links. The outbox keeps the
    /// user's sent emails, whose links now fail with `magic_link_not_found`.
    ///
    /// # Errors
    /// `user_not_found` when no user has this id.
    pub fn delete_user(&mut self, user_id: &str) -> Result<(), ApiError> {
        let user = self
            .users
            .remove(user_id)
            .ok_or_else(|| ApiError::user_not_found(user_id))?;

        for email in &user.emails {
            self.user_id_by_email.remove(&email.email);
        }
        self.magic_links.retain(|_, link| link.user_id != user_id);

        let session_ids: Vec<String> = self
            .sessions
            .values()
            .filter(|record| record.session.user_id == user_id)
            .map(|record| record.session.session_id.clone())
            .collect();
        for session_id in session_ids {
            self.remove_session(&session_id);
        }
        Ok(())
    }

    /// Lists sent emails in send order, optionally only those to one address.
    pub fn outbox(&self, email: Option<&str>) -> Vec<OutboxMessage> {
        self.outbox
            .iter()
            .filter(|message| email.is_none_or(|email| message.email == email))
            .cloned()
            .collect()
    }

    pub fn clear_outbox(&mut self) {
        self.outbox.clear();
    }
}
