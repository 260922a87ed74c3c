//! The Stytch objects this fake returns: User, Session and their parts.

use serde::Serialize;
use serde_json::{Map, Value};
use time::OffsetDateTime;

/// Returns the current UTC time cut to whole seconds, the precision of
/// Stytch's RFC 3339 timestamps (`2025-01-09T07:41:52Z`).
pub fn now() -> OffsetDateTime {
    let now = OffsetDateTime::now_utc();
    now.replace_nanosecond(0).unwrap_or(now)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum UserStatus {
    /// Created by an invite (or `create_user_as_pending`) and never authenticated.
    Pending,
    Active,
}

#[derive(Debug, Clone, Serialize)]
pub struct Email {
    pub email_id: String,
    pub email: String,
    pub verified: bool,
}

/// A user's name. Stytch returns absent parts as empty strings.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Name {
    pub first_name: String,
    pub middle_name: String,
    pub last_name: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct User {
    pub user_id: String,
    pub emails: Vec<Email>,
    pub status: UserStatus,
    pub name: Name,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    pub roles: Vec<String>,
    pub trusted_metadata: Map<String, Value>,
    pub untrusted_metadata: Map<String, Value>,

    // The fake supports email magic links only, so the other factor lists are
    // always empty. They are present because Stytch always returns them.
    pub phone_numbers: Vec<Value>,
    pub providers: Vec<Value>,
    pub webauthn_registrations: Vec<Value>,
    pub totps: Vec<Value>,
    pub crypto_wallets: Vec<Value>,
    pub biometric_registrations: Vec<Value>,
    pub password: Option<Value>,
}

impl User {
    /// Returns the user's only email: users of this fake have exactly one.
    pub fn primary_email(&self) -> &Email {
        &self.emails[0]
    }

    pub fn primary_email_mut(&mut self) -> &mut Email {
        &mut self.emails[0]
    }
}

/// Client attributes of a session. The fake records none, so both are empty,
/// as in Stytch when the application passes no `attributes`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Attributes {
    pub ip_address: String,
    pub user_agent: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct EmailFactor {
    pub email_id: String,
    pub email_address: String,
}

/// One authentication factor of a session; this fake only issues magic link factors.
#[derive(Debug, Clone, Serialize)]
pub struct AuthenticationFactor {
    #[serde(rename = "type")]
    pub factor_type: &'static str,
    pub delivery_method: &'static str,
    pub email_factor: EmailFactor,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub last_authenticated_at: OffsetDateTime,
}

impl AuthenticationFactor {
    pub fn magic_link(email: &Email, at: OffsetDateTime) -> Self {
        Self {
            factor_type: "magic_link",
            delivery_method: "email",
            email_factor: EmailFactor {
                email_id: email.email_id.clone(),
                email_address: email.email.clone(),
            },
            created_at: at,
            updated_at: at,
            last_authenticated_at: at,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Session {
    pub session_id: String,
    pub user_id: String,
    #[serde(with = "time::serde::rfc3339")]
    pub started_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub last_accessed_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
    pub attributes: Attributes,
    pub authentication_factors: Vec<AuthenticationFactor>,
    pub roles: Vec<String>,
    pub custom_claims: Map<String, Value>,
}

impl Session {
    /// Records a magic link authentication: refreshes an existing magic link
    /// factor for the same email, or adds one.
    pub fn record_magic_link_factor(&mut self, email: &Email, at: OffsetDateTime) {
        let existing = self.authentication_factors.iter_mut().find(|factor| {
            factor.factor_type == "magic_link" && factor.email_factor.email_id == email.email_id
        });

        match existing {
            Some(factor) => {
                factor.updated_at = at;
                factor.last_authenticated_at = at;
            }
            None => self
                .authentication_factors
                .push(AuthenticationFactor::magic_link(email, at)),
        }
    }
}
